from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.regions.choices import RegionLevel
from canlian.regions.rules import NAME_MAX_LENGTH


class RegionFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=64,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称或代码开头")}))
    level = forms.ChoiceField(label=_("级别"), required=False, choices=[("", _("全部级别")), *RegionLevel.choices])
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), ("active", _("启用")), ("inactive", _("停用"))])


class RegionCreateForm(forms.Form):
    code = forms.CharField(label=_("区划代码"), max_length=24,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    name = forms.CharField(label=_("名称"), max_length=NAME_MAX_LENGTH)


class RegionNameForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=NAME_MAX_LENGTH)
