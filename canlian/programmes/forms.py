from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.programmes.choices import FundingSource, Step
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
