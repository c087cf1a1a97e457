from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.audit.choices import AuditResult
from canlian.audit.selectors import AuditFilters, actions_present, object_types_present


class AuditFilterForm(forms.Form):
    """The audit browser's filters; actions and object types are selects of the values present in the trail."""

    actor = forms.CharField(label=_("账号"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    result = forms.ChoiceField(label=_("结果"), required=False, choices=[("", _("全部")), *AuditResult.choices])
    date_from = forms.DateField(label=_("日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("日期到"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("全部")), *((a, a) for a in actions_present())]
        self.fields["object_type"].choices = [("", _("全部")), *((t, t) for t in object_types_present())]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期早于开始日期"))
        return data

    def filters(self) -> AuditFilters | None:
        """The filters; None when the form is invalid (the page then lists nothing rather than too much)."""
        if not self.is_bound:
            return AuditFilters()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return AuditFilters(
            actor=data["actor"].strip(), action=data["action"], object_type=data["object_type"],
            object_id=data["object_id"].strip(), result=data["result"],
            date_from=data["date_from"].isoformat() if data["date_from"] else "",
            date_to=data["date_to"].isoformat() if data["date_to"] else "",
        )
