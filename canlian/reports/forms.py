"""The dashboard's filter: a year, or any period, and an area within the user's own."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.programmes.selectors import work_year
from canlian.regions.models import Region
from canlian.reports.definitions import Period

FIRST_YEAR = 2015


class PeriodAreaForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    start = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ChoiceField(label=_("区域"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, _("%(y)d年") % {"y": y}) for y in range(this_year, FIRST_YEAR - 1, -1)]
        self.fields["year"].initial = self.default_year = work_year()
        regions = Region.objects.visible_to(user).filter(is_active=True).order_by("code")
        self.fields["area"].choices = [("", _("本辖区全部"))] + [
            (r.code, ("\u3000" * max(0, (len(r.code) - 6) // 3)) + r.name) for r in regions
            if len(r.code) <= 9 or regions.count() < 400
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        year = data.get("year") or self.default_year
        if start or end:
            start = start or date((end or start).year, 1, 1)
            end = end or date(start.year, 12, 31)
            if end < start:
                raise forms.ValidationError(_("结束日期不能早于开始日期"))
            data["period"] = Period(start, end)
        else:
            data["period"] = Period.year(year)
        return data
