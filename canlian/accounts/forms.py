from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.accounts.selectors import area_choices
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region


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
            # A wrong code counts as a failed log-in: axes locks out after the same 5 failures, and it is audited.
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username(), "otp_token": "********"},
                request=self.request,
            )
            raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        self.otp_device = device


class TotpConfirmForm(forms.Form):
    token = forms.CharField(
        label=_("动态口令"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class TotpDisableForm(forms.Form):
    password = forms.CharField(
        label=_("当前密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("用途"), max_length=64, help_text=_("例如：区数据中心同步程序。令牌只显示一次，请立即妥善保存。")
    )


class AreaChoiceField(forms.ModelChoiceField):
    """Areas labelled with their street and level, so that 东风社区 of 东风街道 cannot be mistaken."""

    def label_from_instance(self, obj: Region) -> str:
        name = f"{obj.parent.name} / {obj.name}" if obj.level == RegionLevel.COMMUNITY and obj.parent else obj.name
        return f"{name}（{obj.get_level_display()}）"


ACTIVE_CHOICES = [("", _("全部状态")), ("1", _("启用")), ("0", _("停用"))]


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("用户名或姓名"), required=False, max_length=64,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("搜索用户名或姓名")}))
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices])
    area = AreaChoiceField(label=_("区域"), required=False, queryset=Region.objects.none(), empty_label=_("全部区域"))
    active = forms.ChoiceField(label=_("状态"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_choices(user=user)

    def filters(self) -> dict[str, object]:
        """Keyword arguments for `selectors.user_list` (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        active = {"1": True, "0": False}.get(data["active"])
        return {"q": data["q"].strip(), "role": data["role"], "area": data["area"], "active": active}


class UserEditForm(forms.Form):
    """Name, phone, role and area; whether the area fits the role is the service's rule."""

    full_name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    area = AreaChoiceField(label=_("所属区域"), queryset=Region.objects.none(),
                           help_text=_("区级角色选区，街道专干选街道，社区专职委员选社区。"))

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_choices(user=actor)


class UserCreateForm(UserEditForm):
    GENERATE, SET = "generate", "set"

    username = forms.CharField(
        label=_("用户名"), max_length=150, validators=[UnicodeUsernameValidator()],
        help_text=_("登录用的账号名，建议用姓名拼音，创建后不能修改。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    password_mode = forms.ChoiceField(
        label=_("初始密码"), widget=forms.RadioSelect, initial=GENERATE,
        choices=[(GENERATE, _("自动生成临时密码（推荐，只显示一次）")), (SET, _("由我设置初始密码"))],
    )
    password1 = forms.CharField(label=_("初始密码"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("确认初始密码"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    field_order = ["username", "full_name", "phone", "role", "area", "password_mode", "password1", "password2"]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("password_mode") == self.SET:
            if not data.get("password1"):
                self.add_error("password1", _("请填写初始密码，或改为自动生成。"))
            elif data.get("password1") != data.get("password2"):
                self.add_error("password2", _("两次输入的密码不一致。"))
        return data

    def chosen_password(self) -> str | None:
        return self.cleaned_data["password1"] if self.cleaned_data["password_mode"] == self.SET else None
