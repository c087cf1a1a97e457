"""`manage.py export KIND`: the screens' exports from the command line, as a named user."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.tabular import read_table

pytestmark = pytest.mark.django_db


def _names(path) -> set[str]:
    return {r["姓名"] for _n, r in read_table(path.read_bytes(), filename=path.name).records()}


def test_persons_export_is_scoped_filtered_masked_and_audited(users, areas, people, tmp_path) -> None:
    out = tmp_path / "名单.xlsx"
    call_command("export", "persons", "--user", users.a[Role.STREET_OFFICER].username, "-o", str(out))
    assert _names(out) == {"甲一张三", "甲二李四"}  # street A only, never 乙一王五
    assert people.a1.decrypt_id_number() not in out.read_bytes().decode("latin-1")
    call_command("export", "persons", f"area={areas.community_a2.code}", "--user",
                 users[Role.DISTRICT_OFFICER].username, "-o", str(out))
    assert _names(out) == {"甲二李四"}
    assert AuditEvent.objects.filter(action="person.export").count() == 2


def test_bad_kind_parameter_or_user_is_a_clear_error(users, areas, people) -> None:
    user = users[Role.DISTRICT_OFFICER].username
    with pytest.raises(CommandError, match="没有导出类型"):
        call_command("export", "nobody", "--user", user)
    with pytest.raises(CommandError, match="KEY=VALUE"):
        call_command("export", "persons", "category", "--user", user)
    with pytest.raises(CommandError, match="min_age"):
        call_command("export", "persons", "min_age=abc", "--user", user)
    with pytest.raises(CommandError, match="没有启用的账号"):
        call_command("export", "persons", "--user", "ghost")
    with pytest.raises(CommandError, match="您的角色无权执行此操作"):
        call_command("export", "persons", "full=1", "--user", users[Role.AUDITOR].username)


def test_reviews_export(users, areas, people, tmp_path) -> None:
    out = tmp_path / "待核.xlsx"
    call_command("export", "reviews", "status=pending", "--user", users[Role.DISTRICT_OFFICER].username,
                 "-o", str(out))
    assert out.read_bytes()[:2] == b"PK"
