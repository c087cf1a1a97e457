"""Forms of the payment screens: shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.payments.choices import BatchSource, BatchStatus, LayoutKind
from canlian.payments.models import RosterLayout
from canlian.programmes.choices import BenefitKind
from canlian.programmes.models import Programme


def _cash() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("项目"), to_field_name="code", queryset=Programme.objects.filter(
        benefit_kind=BenefitKind.CASH, is_active=True))


class FilterForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("项目"), required=False, to_field_name="code",
                                       queryset=Programme.objects.filter(benefit_kind=BenefitKind.CASH))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *BatchStatus.choices])


class BuildForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("项目"), to_field_name="code",
                                       queryset=Programme.objects.filter(benefit_kind=BenefitKind.CASH,
                                                                         is_active=True))
    period = forms.CharField(label=_("期次"), max_length=16, help_text=_("如 2024、2025-03、2023-2024"))
    batch_date = forms.DateField(label=_("发放基准日"), initial=timezone.localdate,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(label=_("生成方式"), required=False, choices=[
        ("", _("按项目周期自动选择")), (BatchSource.APPLICATIONS, BatchSource.APPLICATIONS.label),
        (BatchSource.ENROLMENTS, BatchSource.ENROLMENTS.label)])
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("说明"), max_length=500, required=False)


class LayoutForm(forms.Form):
    layout = forms.ModelChoiceField(label=_("格式"), queryset=RosterLayout.objects.none(), empty_label=None)

    def __init__(self, *args: object, kind: str = LayoutKind.BANK, programme: Programme | None = None,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        qs = RosterLayout.objects.filter(kind=kind, is_active=True)
        if kind == LayoutKind.NATIONAL and programme is not None:
            qs = qs.filter(programme=programme)
        self.fields["layout"].queryset = qs


class ReturnForm(forms.Form):
    file = forms.FileField(label=_("银行回盘文件（.xlsx 或 .csv）"))


class LayoutEditForm(forms.ModelForm):
    """A roster layout: columns as JSON ([{"header": "卡号", "field": "account_number"}, …]), checked by the model."""

    success_text = forms.CharField(label=_("表示成功的结果（用顿号或逗号分隔）"), required=False)

    class Meta:
        model = RosterLayout
        fields = ["kind", "name", "bank_name", "programme", "file_format", "columns", "return_columns", "is_active"]
        widgets = {"columns": forms.Textarea(attrs={"rows": 10}), "return_columns": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["success_text"].initial = "、".join(self.instance.success_values or [])

    def clean_success_text(self) -> list[str]:
        text = self.cleaned_data.get("success_text") or ""
        return [v.strip() for v in text.replace(",", "、").replace("，", "、").split("、") if v.strip()]
