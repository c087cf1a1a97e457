"""One demo account per role, in different areas, all with the same documented demo password."""

from __future__ import annotations

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.accounts.services import user_bootstrap_admin, user_create
from canlian.demo.context import DemoContext

DEMO_PASSWORD = "Canlian@2024"  # noqa: S105 - documented demo password, demo data only

# username, full name, role, area: "district", ("street", i) or ("community", i)
DEMO_USERS = [
    ("admin", "系统管理员", Role.ADMIN, "district"),
    ("zhuangan", "王静", Role.DISTRICT_OFFICER, "district"),
    ("lingdao", "李建国", Role.LEADER, "district"),
    ("caiwu", "张敏", Role.FINANCE, "district"),
    ("shenji", "陈立", Role.AUDITOR, "district"),
    ("jiedao", "刘洋", Role.STREET_OFFICER, ("street", 0)),
    ("jiedao2", "赵磊", Role.STREET_OFFICER, ("street", 1)),
    ("weiyuan", "吴冬", Role.COMMUNITY_COORDINATOR, ("community", 0)),
    ("weiyuan2", "孙芳", Role.COMMUNITY_COORDINATOR, ("community", 9)),
]


def build(ctx: DemoContext) -> None:
    """Open the demo accounts through the account services, so they are audited like real ones.

    The administrator is the installation's first one (`user_bootstrap_admin`); it opens the others.
    Only these documented accounts skip the forced first password change. Existing accounts are kept.
    """
    existing = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
    admin = existing.get("admin")
    for username, full_name, role, where in DEMO_USERS:
        if username in existing:
            continue
        if where == "district":
            area = ctx.data["district"]
        else:
            kind, index = where
            area = ctx.data["streets" if kind == "street" else "communities"][index]
        if admin is None and role == Role.ADMIN:
            admin = user_bootstrap_admin(
                username=username, full_name=full_name, area=area, password=DEMO_PASSWORD, must_change_password=False
            )
            continue
        user_create(
            actor=admin, username=username, full_name=full_name, role=role, area=area,
            password=DEMO_PASSWORD, must_change_password=False,
        )
    ctx.data["users"] = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
    ctx.say(f"演示账号：{len(DEMO_USERS)} 个（密码均为 {DEMO_PASSWORD}）")
