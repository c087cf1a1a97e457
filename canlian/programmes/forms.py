from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.programmes.choices import FundingSource, ScreeningKind, Step
from canlian.programmes.models import Programme


class ProgrammeForm(forms.ModelForm):
    steps = forms.MultipleChoiceField(
        label=_("办理环节"), choices=Step.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("按顺序启用的环节；必须包含“申请”"),
    )
    funding_sources = forms.MultipleChoiceField(
        label=_("资金来源"), choices=FundingSource.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Programme
        fields = [
            "code", "name", "field", "unit", "benefit_kind", "periodicity", "funding_sources",
            "excess_funded_by_district", "steps", "policy_basis", "description", "report_order", "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_steps(self) -> list[str]:
        chosen = set(self.cleaned_data["steps"])
        return [s.value for s in Step if s.value in chosen]


class TargetsForm(forms.Form):
    """The district total and, optionally, a quantity per street."""

    total = forms.IntegerField(label=_("全区目标"), min_value=0, required=False)

    def __init__(self, *args: object, streets: list, initial_targets: dict, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.streets = streets
        self.fields["total"].initial = initial_targets.get(None)
        for street in streets:
            self.fields[f"street_{street.pk}"] = forms.IntegerField(
                label=street.name, min_value=0, required=False, initial=initial_targets.get(street.pk)
            )

    def street_values(self) -> list[tuple[object, int | None]]:
        return [(s, self.cleaned_data.get(f"street_{s.pk}")) for s in self.streets]


class BudgetsForm(forms.Form):
    def __init__(self, *args: object, sources: list[str], initial_budgets: dict, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.sources = sources
        for source in sources:
            self.fields[source] = forms.DecimalField(
                label=_("%(s)s（元）") % {"s": FundingSource(source).label}, min_value=0, max_digits=14,
                decimal_places=2, required=False, initial=initial_budgets.get(source),
            )


class RuleForm(forms.Form):
    """The rule editor: the eligibility text, the amount spec and a note (checked again by the service)."""

    eligibility = forms.CharField(
        label=_("资格条件"), widget=forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
        max_length=5000,
    )
    amount_kind = forms.ChoiceField(label=_("金额规则"), required=False, choices=[
        ("", _("不涉及金额（服务、评定等）")), ("fixed", _("固定金额（每人/每户）")),
        ("monthly", _("按月（自申请当月起）")), ("by_grade", _("按残疾等级")), ("per_case", _("按案例填写，附理由")),
    ])
    amount = forms.DecimalField(label=_("金额（元）"), required=False, min_value=0, decimal_places=2, max_digits=12)
    grade_table = forms.CharField(label=_("按等级金额"), required=False, help_text=_("如 1:1200, 2:800"),
                                  max_length=200)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def amount_spec(self) -> dict[str, object]:
        """The amount spec as JSON, from the form's fields (the service parses and checks it)."""
        kind = self.cleaned_data.get("amount_kind")
        amount = self.cleaned_data.get("amount")
        text = f"{amount:.2f}" if amount is not None else ""
        if kind == "fixed":
            return {"kind": "fixed", "amount": text}
        if kind == "monthly":
            return {"kind": "monthly", "amount": text, "months": "from_application_month"}
        if kind == "per_case":
            return {"kind": "per_case", "max": text}
        if kind == "by_grade":
            table = {}
            for part in (self.cleaned_data.get("grade_table") or "").replace("，", ",").split(","):
                if ":" in part.replace("：", ":"):
                    grade, value = part.replace("：", ":").split(":", 1)
                    table[grade.strip()] = value.strip()
            return {"kind": "by_grade", "table": table}
        return {}

    @staticmethod
    def initial_from(spec: dict[str, object]) -> dict[str, object]:
        kind = str(spec.get("kind", ""))
        amount = spec.get("amount") or spec.get("max")
        table = spec.get("table") or {}
        return {"amount_kind": kind, "amount": amount,
                "grade_table": ", ".join(f"{k}:{v}" for k, v in table.items()) if isinstance(table, dict) else ""}


class ScreeningForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("项目"), queryset=None, required=False,
                                       empty_label=_("全部项目（已发布规则的）"))
    ref_date = forms.DateField(label=_("基准日"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("筛查类型"), choices=ScreeningKind.choices, initial=ScreeningKind.BOTH)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(is_active=True)


class EnrolmentForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("项目"), queryset=None)
    start = forms.DateField(label=_("开始享受日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(is_active=True)


class EnrolmentEndForm(forms.Form):
    end = forms.DateField(label=_("停止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("停止原因"), max_length=200)
