"""Log-in, log-out, password change and lock-out pages. Views stay thin: services do the writes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from canlian.accounts.forms import LoginForm
from canlian.accounts.models import User
from canlian.accounts.permissions import requires
from canlian.accounts.services import user_change_own_password


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
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
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_change_own_password(actor=request.user, new_password=form.cleaned_data["new_password1"])
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


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {})


@requires("user.view")
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.visible_to(request.user).select_related("area")
    return render(request, "accounts/user_list.html", {"users": users})
