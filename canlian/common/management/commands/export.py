"""python manage.py export KIND [KEY=VALUE …] --user USERNAME [-o FILE]

The same export as the screen, as the named user (area, masking and audit as for that user): e.g.
`export persons area=340302001 category=6 --user zhuangan -o 名单.xlsx`,
`export reviews status=pending --user jiedao`, `export roster batch=12 layout=农商行代发 --user caiwu`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from canlian.accounts.models import User
from canlian.common.exceptions import DomainError, PermissionDenied
from canlian.common.exports import all_kinds, get_kind


class Command(BaseCommand):
    help = "导出与页面相同的 Excel 文件（按指定账号的权限、区域和脱敏规则，并记入审计）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        names = "、".join(f"{k.name}（{k.label}：{k.params}）" for k in all_kinds())
        parser.add_argument("kind", help=f"导出类型：{names}")
        parser.add_argument("params", nargs="*", help="筛选条件，形如 KEY=VALUE")
        parser.add_argument("--user", required=True, help="以该账号的身份导出")
        parser.add_argument("-o", "--output", help="输出文件（默认为当前目录下的建议文件名）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            kind = get_kind(opts["kind"])
        except KeyError as error:
            names = "、".join(k.name for k in all_kinds())
            raise CommandError(f"没有导出类型“{opts['kind']}”。可用的类型：{names}") from error
        params: dict[str, str] = {}
        for item in opts["params"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"参数“{item}”应写成 KEY=VALUE（{kind.name} 可用：{kind.params}）")
            params[key] = value
        actor = User.objects.filter(is_active=True, username=opts["user"]).first()
        if actor is None:
            raise CommandError(f"没有启用的账号“{opts['user']}”")
        try:
            content, name = kind.run(actor, params)
        except (DomainError, PermissionDenied) as error:
            raise CommandError(error.message) from error
        path = Path(opts["output"] or name)
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"已导出 {kind.label}：{path}（{len(content):,} 字节）"))
