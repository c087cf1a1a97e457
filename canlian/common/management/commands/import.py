"""python manage.py import KIND FILE [--user USERNAME] [--valid-only] [--dry-run]

The same validation and the same atomic write as the web import, without the preview: errors are
printed as "第N行 列名：原因" and, unless --valid-only, any error refuses the whole file.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.common.exceptions import DomainError
from canlian.common.imports import ImportRefused, all_kinds, error_lines, get_kind, import_file
from canlian.common.jobs import NullProgress
from canlian.common.tabular import TableError


class Command(BaseCommand):
    help = "导入 Excel/CSV 文件（与网页导入相同的校验和写入）。例：python manage.py import regions 区划.xlsx"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", help="导入类型，如 regions")
        parser.add_argument("file", help=".xlsx 或 .csv 文件")
        parser.add_argument("--user", help="以该账号的身份导入（权限和区域按该账号）；默认为第一个系统管理员")
        parser.add_argument("--valid-only", action="store_true", help="只导入无误的行（默认有任何错误都不导入）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            kind = get_kind(opts["kind"])
        except KeyError as error:
            names = "、".join(k.name for k in all_kinds())
            raise CommandError(f"没有导入类型“{opts['kind']}”。可用的类型：{names}") from error
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = self._actor(opts["user"])
        self.stdout.write(f"以账号 {actor.username}（{actor.get_role_display()}）的身份导入 {kind.label}：{path.name}")
        try:
            run, validation = import_file(
                actor=actor, kind=kind, data=path.read_bytes(), file_name=path.name,
                valid_only=opts["valid_only"], dry_run=opts["dry_run"], progress=NullProgress(),
            )
        except ImportRefused as refused:
            self._print_errors(refused.validation.errors)
            raise CommandError(refused.message) from refused
        except TableError as error:
            raise CommandError(str(error)) from error
        except DomainError as error:
            raise CommandError(error.message) from error
        self._print_errors(validation.errors)
        counts = validation.counts()
        summary = "新增 {new} 条，修改 {changed} 条，未变 {unchanged} 条，有误 {error_rows} 行".format(**counts)
        if run is None:
            self.stdout.write(f"校验完成（未写入）：{summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"导入完成：{summary}"))

    def _actor(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        if username:
            actor = users.filter(username=username).first()
            if actor is None:
                raise CommandError(f"没有启用的账号“{username}”")
            return actor
        actor = users.filter(Q(is_superuser=True) | Q(role=Role.ADMIN)).order_by("-is_superuser", "pk").first()
        if actor is None:
            raise CommandError("没有启用的系统管理员账号，请用 --user 指定导入人")
        return actor

    def _print_errors(self, errors: list) -> None:
        for line in error_lines(errors):
            self.stderr.write(line)
