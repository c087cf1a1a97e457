"""Logging in through the real login page (axes needs the request, so `Client.login()` cannot be used)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from canlian.accounts.tests.factories import PASSWORD


def post_login(
    client: Client, username: str, password: str = PASSWORD, *, ip: str = "192.0.2.10", otp: str = ""
):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password, "otp_token": otp}, REMOTE_ADDR=ip
    )


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")
