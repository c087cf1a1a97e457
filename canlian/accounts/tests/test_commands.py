import base64
import io
import os
import secrets
import string
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.accounts.permissions import roles_markdown

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


def test_roles_doc_is_up_to_date():
    """docs/roles.md must be regenerated (`python manage.py roles_doc`) whenever MATRIX changes."""
    assert (settings.BASE_DIR / "docs" / "roles.md").read_text(encoding="utf-8") == roles_markdown()
    call_command("roles_doc", "--check", stdout=io.StringIO())


def test_roles_doc_writes_and_checks(tmp_path):
    target = tmp_path / "roles.md"
    call_command("roles_doc", "--output", str(target), stdout=io.StringIO())
    text = target.read_text(encoding="utf-8")
    assert "| `user.manage` |" in text and "街道专干" in text
    user_view = next(line for line in text.splitlines() if line.startswith("| `user.view`"))
    assert user_view.count("✓") == 2
    target.write_text(text.replace("✓", "", 1), encoding="utf-8")
    with pytest.raises(CommandError, match="out of date") as exc:
        call_command("roles_doc", "--check", "--output", str(target), stdout=io.StringIO())
    assert exc.value.returncode == 1


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "CANLIAN_", "PYTEST_")) and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                                                                                  "DATABASE_URL"}}
    env.update(extra)
    return env


def test_roles_doc_check_exits_1_from_the_shell(tmp_path):
    target = tmp_path / "roles.md"
    target.write_text("stale\n", encoding="utf-8")
    run = subprocess.run([*MANAGE, "roles_doc", "--check", "--output", str(target)], env=clean_env(DEBUG="1"),
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1 and "out of date" in run.stderr


def production_env(tmp_path, **overrides):
    env = clean_env(
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64)),
        CANLIAN_DATA_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="canlian.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'canlian.sqlite3'}",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def check_deploy(env):
    return subprocess.run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_check_deploy_is_clean_in_production(tmp_path):
    run = check_deploy(production_env(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout


def test_check_deploy_refuses_a_missing_secret_key(tmp_path):
    run = check_deploy(production_env(tmp_path, SECRET_KEY=None))
    assert run.returncode == 1
    assert "canlian.E001" in run.stderr and "SECRET_KEY" in run.stderr


def test_create_admin(areas, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("First#admin1\n"))
    out = io.StringIO()
    call_command("create_admin", "--username", "root", "--full-name", "首位管理员", "--area", "340302",
                 "--password-stdin", stdout=out)
    admin = User.objects.get(username="root")
    assert admin.role == Role.ADMIN and admin.area == areas.district and admin.must_change_password
    assert "已创建" in out.getvalue()
    monkeypatch.setattr("sys.stdin", io.StringIO("First#admin1\n"))
    with pytest.raises(CommandError, match="系统已有管理员"):
        call_command("create_admin", "--username", "root2", "--full-name", "第二", "--area", "340302",
                     "--password-stdin", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有代码为 999999 的区/县"):
        call_command("create_admin", "--username", "root3", "--full-name", "三", "--area", "999999",
                     "--password-stdin", stdout=io.StringIO())
