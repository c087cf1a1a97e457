"""Log-in, log-out, password, profile (second factor, API tokens) and user management pages.

Views stay thin: forms check shape, services do the writes and enforce the rules, selectors read.
Passwords and tokens that are shown once are rendered straight from the POST with caching off.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from canlian.accounts import selectors, services
from canlian.accounts.forms import (
    ApiTokenCreateForm,
    LoginForm,
    TotpConfirmForm,
    TotpDisableForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from canlian.accounts.models import ApiToken, User
from canlian.accounts.permissions import can, requires
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import DomainError

PAGE_SIZE = 50


def _form_error(form: forms.Form, exc: DomainError | ValidationError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's refusal on the field it names (`aliases` maps service to form names), or on top."""
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
        return
    field = (aliases or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        services.login_failures_clear(username=form.get_user().get_username())
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


def logout_view(request: HttpRequest) -> HttpResponse:
    """Log-out by POST (CSRF-protected); a GET shows a confirmation button."""
    if request.method == "POST":
        return auth_views.LogoutView.as_view()(request)
    return render(request, "accounts/logout.html")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password, giving the current one (also the forced change after a reset)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_change_own_password(
                actor=request.user, new_password=form.cleaned_data["new_password1"]
            )
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request, "accounts/password_change.html", {"form": form, "forced": request.user.must_change_password}
    )


def lockout_response(
    request: HttpRequest, credentials: dict | None = None, *args: object, **kwargs: object
) -> HttpResponse:
    """What axes shows a locked-out account or address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


# ---- Profile: password, second factor, API tokens -------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "accounts/profile.html", {
        "has_totp": selectors.has_totp(user),
        "pending_totp": selectors.pending_totp_device(user) is not None,
        "totp_disable_form": TotpDisableForm(),
        "tokens": selectors.api_tokens_of(user),
        "token_form": ApiTokenCreateForm(),
    })


@login_required
@require_POST
def totp_start(request: HttpRequest) -> HttpResponse:
    try:
        services.totp_device_start(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:profile")
    return redirect("accounts:totp_setup")


@never_cache
@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), then confirm with the code the authenticator shows."""
    device = selectors.pending_totp_device(request.user)
    if device is None:
        return redirect("accounts:profile")
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(actor=request.user, token=form.cleaned_data["token"])
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            messages.success(request, _("两步验证已启用：以后登录时须输入验证器上的动态口令。"))
            return redirect("accounts:profile")
    return render(request, "accounts/totp_setup.html", {
        "form": form, "qr": selectors.totp_qr_data_uri(device), "secret": selectors.totp_secret_base32(device),
    })


@login_required
@require_POST
def totp_disable(request: HttpRequest) -> HttpResponse:
    form = TotpDisableForm(request.POST)
    if form.is_valid():
        try:
            services.totp_device_remove(actor=request.user, password=form.cleaned_data["password"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("两步验证已停用。"))
    else:
        messages.error(request, _("请输入当前密码以停用两步验证。"))
    return redirect("accounts:profile")


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, plain = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return render(request, "accounts/token_created.html", {"token": token, "plain": plain})
    else:
        messages.error(request, _("请填写令牌用途。"))
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        services.api_token_revoke(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("令牌 %(prefix)s… 已吊销。") % {"prefix": token.prefix})
    return redirect("accounts:profile")


# ---- User management ------------------------------------------------------------------------------


@requires("user.view")
def user_list(request: HttpRequest) -> HttpResponse:
    """Accounts in the user's area with filters; an HTMX request gets only the table."""
    form = UserFilterForm(request.GET or None, user=request.user)
    users = selectors.user_list(user=request.user, **form.filters())
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "locked": selectors.locked_usernames(u.username for u in page.object_list),
        "can_manage": can(request.user, "user.manage"),
        "querystring": _without_page(request),
    }
    template = "accounts/partials/user_table.html" if request.htmx else "accounts/user_list.html"
    return render(request, template, context)


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _visible_user(request: HttpRequest, pk: int) -> User:
    """404 for an account outside the viewer's area: they must not learn that it exists."""
    return get_object_or_404(User.objects.visible_to(request.user).select_related("area", "area__parent"), pk=pk)


@requires("user.view")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_user(request, pk)
    history = (
        AuditEvent.objects.visible_to(request.user).filter(object_type="accounts.user", object_id=str(target.pk))[:20]
    )
    return render(request, "accounts/user_detail.html", {
        "target": target,
        "locked": target.username in selectors.locked_usernames([target.username]),
        "has_totp": selectors.has_totp(target),
        "can_manage": can(request.user, "user.manage"),
        "history": history,
    })


@never_cache
@requires("user.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, temporary = services.user_create(
                actor=request.user, username=data["username"], full_name=data["full_name"], phone=data["phone"],
                role=data["role"], area=data["area"], password=form.chosen_password(),
            )
        except DomainError as exc:
            _form_error(form, exc, aliases={"password": "password1"})
        else:
            if temporary:
                return render(request, "accounts/password_shown.html", {
                    "target": user, "password": temporary, "title": _("账号已创建"),
                })
            messages.success(request, _("账号 %(username)s 已创建，首次登录须修改密码。") % {"username": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {
        "form": form, "title": _("新建用户"), "hints": selectors.role_area_hint(),
    })


@requires("user.manage")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_user(request, pk)
    initial = {"full_name": target.full_name, "phone": target.phone, "role": target.role, "area": target.area}
    form = UserEditForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user, user=target, full_name=data["full_name"], phone=data["phone"],
                role=data["role"], area=data["area"],
            )
        except DomainError as exc:
            target.refresh_from_db()
            _form_error(form, exc)
        else:
            messages.success(request, _("账号 %(username)s 已保存。") % {"username": target.username})
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/user_form.html", {
        "form": form, "target": target, "title": _("修改用户"), "hints": selectors.role_area_hint(),
    })


@requires("user.manage")
@require_POST
def user_disable(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_user(request, pk)
    return _act(request, target, lambda: services.user_disable(
        actor=request.user, user=target, reason=request.POST.get("reason", "").strip()[:200],
    ), _("账号 %(username)s 已停用。"))


@requires("user.manage")
@require_POST
def user_enable(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_user(request, pk)
    return _act(request, target, lambda: services.user_enable(actor=request.user, user=target),
                _("账号 %(username)s 已启用。"))


@requires("user.manage")
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_user(request, pk)
    return _act(request, target, lambda: services.user_unlock(actor=request.user, user=target),
                _("账号 %(username)s 已解除锁定。"))


@requires("user.manage")
@require_POST
def user_totp_remove(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_user(request, pk)
    return _act(request, target, lambda: services.user_totp_remove(actor=request.user, user=target),
                _("已停用 %(username)s 的两步验证，该用户可重新绑定手机。"))


def _act(request: HttpRequest, target: User, action: Callable[[], object], done: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"username": target.username})
    return redirect("accounts:user_detail", pk=target.pk)


@never_cache
@requires("user.manage")
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_user(request, pk)
    try:
        password = services.user_reset_password(actor=request.user, user=target)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/password_shown.html", {
        "target": target, "password": password, "title": _("密码已重置"),
    })
