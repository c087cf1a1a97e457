from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token


class LoginForm(AuthenticationForm):
    """User name, password and, for accounts with two-factor authentication, the TOTP code."""

    otp_token = forms.CharField(
        label=_("动态口令"), required=False, max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("已启用两步验证的账号须填写"),
    )

    error_messages = {
        "invalid_login": _("用户名或密码错误。连续 5 次错误将锁定账号 5 分钟。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
        "otp_required": _("该账号已启用两步验证，请输入动态口令。"),
        "otp_invalid": _("动态口令错误或已过期。"),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.otp_device = None

    def confirm_login_allowed(self, user) -> None:  # noqa: ANN001
        super().confirm_login_allowed(user)
        if not any(devices_for_user(user, confirmed=True)):
            return
        token = (self.cleaned_data.get("otp_token") or "").strip()
        if not token:
            raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
        device = match_token(user, token)
        if device is None:
            raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        self.otp_device = device


class TotpConfirmForm(forms.Form):
    token = forms.CharField(label=_("动态口令"), max_length=8)
