from django.core.management.base import BaseCommand

from canlian.accounts.models import User
from canlian.demo.users import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo accounts and their password."

    def handle(self, *args: object, **opts: object) -> None:
        existing = set(User.objects.filter(username__in=[d[0] for d in DEMO_USERS]).values_list("username", flat=True))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, full_name, role, _where in DEMO_USERS:
            if username in existing:
                self.stdout.write(f"  {username:<10} {full_name:<6} {role.label}")
