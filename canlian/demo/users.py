"""One demo account per role, in different areas, all with the same documented demo password."""

from __future__ import annotations

from canlian.accounts.choices import Role
from canlian.accounts.models import User
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
    for username, full_name, role, where in DEMO_USERS:
        if where == "district":
            area = ctx.data["district"]
        else:
            kind, index = where
            area = ctx.data["streets" if kind == "street" else "communities"][index]
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "role": role, "area": area, "must_change_password": False},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    ctx.data["users"] = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
    ctx.say(f"演示账号：{len(DEMO_USERS)} 个（密码均为 {DEMO_PASSWORD}）")
