"""python manage.py roles_doc [--check]: write docs/roles.md from the permission matrix."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from canlian.accounts.permissions import roles_markdown

ROLES_DOC = Path(settings.BASE_DIR) / "docs" / "roles.md"


class Command(BaseCommand):
    help = "Write docs/roles.md from MATRIX; with --check, exit 1 when the file is out of date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only compare, exit 1 when different")
        parser.add_argument("--output", type=Path, default=ROLES_DOC, help="file to write (default docs/roles.md)")

    def handle(self, *args: object, **opts: object) -> None:
        target: Path = opts["output"]  # type: ignore[assignment]
        with translation.override(settings.LANGUAGE_CODE):  # the document is in the source language
            expected = roles_markdown()
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if opts["check"]:
            if current != expected:
                raise CommandError(f"{target} is out of date: run `python manage.py roles_doc`", returncode=1)
            self.stdout.write(f"{target} is up to date")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(expected, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"wrote {target}"))
