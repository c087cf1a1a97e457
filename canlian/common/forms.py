from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("导入文件"), help_text=_("Excel（.xlsx）或 CSV 文件，第一行为表头；请使用本页提供的模板"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.csv"}),
    )


class ImportConfirmForm(forms.Form):
    valid_only = forms.BooleanField(label=_("只导入无误的行"), required=False)
