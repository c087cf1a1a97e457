from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.applications.choices import AttachmentKind, Satisfaction, Status, Transition, VisitMethod
from canlian.programmes.choices import FundingSource, Step
from canlian.programmes.models import Programme


class CreateForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("项目"), queryset=Programme.objects.filter(is_active=True),
                                       to_field_name="code")
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    period = forms.CharField(label=_("期次"), max_length=16, required=False, help_text=_("留空即为年度"))
    household = forms.IntegerField(label=_("申请户编号"), required=False, widget=forms.HiddenInput)
    funding_source = forms.ChoiceField(label=_("资金来源"), choices=[("", "—"), *FundingSource.choices],
                                       required=False)
    requested_amount = forms.DecimalField(label=_("申请金额（元）"), min_value=0, max_digits=14, decimal_places=2,
                                          required=False)
    items = forms.CharField(label=_("申请物品/服务"), max_length=200, required=False)
    opinion = forms.CharField(label=_("申请说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(label=_("资格不符仍予受理的理由（仅区残联专干）"), max_length=200, required=False)


class TransitionForm(forms.Form):
    transition = forms.ChoiceField(choices=Transition.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    opinion = forms.CharField(label=_("办理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    approved_amount = forms.DecimalField(label=_("核定金额（元）"), min_value=0, max_digits=14, decimal_places=2,
                                         required=False)
    delivered_on = forms.DateField(label=_("发放/实施日期"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    delivered_amount = forms.DecimalField(label=_("发放金额（元）"), min_value=0, max_digits=14, decimal_places=2,
                                          required=False)
    delivered_items = forms.CharField(label=_("发放物品/服务"), max_length=200, required=False)
    visited_on = forms.DateField(label=_("回访日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("回访方式"), choices=[("", "—"), *VisitMethod.choices], required=False)
    satisfied = forms.ChoiceField(label=_("是否满意"), choices=[("", "—"), *Satisfaction.choices], required=False)
    aware = forms.TypedChoiceField(label=_("知晓政策"), choices=[("", "—"), ("1", _("知晓")), ("0", _("不知晓"))],
                                   required=False, coerce=lambda v: v == "1", empty_value=None)
    comment = forms.CharField(label=_("回访意见建议"), max_length=500, required=False)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("文件（PDF、JPG、PNG，不超过 10 MB）"))


class FilterForm(forms.Form):
    programme = forms.ChoiceField(label=_("项目"), required=False)
    year = forms.IntegerField(label=_("年度"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *Status.choices], required=False)
    step = forms.ChoiceField(label=_("环节"), choices=[("", _("全部")), *Step.choices], required=False)
    q = forms.CharField(label=_("姓名"), required=False)
    source = forms.ChoiceField(label=_("来源"), required=False,
                               choices=[("", _("全部来源")), ("manual", _("窗口受理")), ("screening", _("筛查发现"))])
    overdue = forms.BooleanField(label=_("仅逾期"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("全部")), *(
            (p.code, f"{p.code} {p.name}") for p in Programme.objects.filter(is_active=True))]


class BatchForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    transition = forms.ChoiceField(choices=[(Transition.ADVANCE, _("通过")), (Transition.REJECT, _("不予通过"))])
    opinion = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(v, v) for v in (self.data.getlist("ids") if self.is_bound else [])]


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("名称"), max_length=32)
    is_workday = forms.BooleanField(label=_("调休上班日"), required=False)
