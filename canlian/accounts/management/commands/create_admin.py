"""python manage.py create_admin --username U --full-name N --area CODE: the installation's first administrator.

Reads the password from the terminal (twice) or, for scripts, one line on standard input with
--password-stdin. Refused once an active administrator exists: they open every other account.
"""

from __future__ import annotations

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.accounts.services import user_bootstrap_admin
from canlian.common.exceptions import DomainError
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region


class Command(BaseCommand):
    help = "Create the first administrator (district level); refused when one already exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--area", required=True, help="code of the district the installation serves, e.g. 340302")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *args: object, **opts: object) -> None:
        area = self._district(opts["area"])  # type: ignore[arg-type]
        if opts["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                raise CommandError("两次输入的密码不一致")
        try:
            user = user_bootstrap_admin(
                username=str(opts["username"]), full_name=str(opts["full_name"]), area=area, password=password,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"管理员 {user.username} 已创建（{area.name}），首次登录须修改密码。"))

    def _district(self, code: str) -> Region:
        area = Region.objects.filter(level=RegionLevel.DISTRICT, code=code).first()
        if area is None:
            raise CommandError(f"没有代码为 {code} 的区/县")
        return area
