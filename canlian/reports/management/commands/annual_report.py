"""python manage.py annual_report --year 2024 [--start D --end D] [--area CODE] [--docx F] [--xlsx F] [--json F]"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.common.exceptions import DomainError
from canlian.reports.definitions import Period
from canlian.reports.report import build
from canlian.reports.services import write_all


class Command(BaseCommand):
    help = "Write the annual work summary (.docx, .xlsx, .json) for a year or a period, optionally one area."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="calendar year (default: the year of --start)")
        parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD (default: 1 January)")
        parser.add_argument("--end", type=date.fromisoformat, help="last day, YYYY-MM-DD (default: 31 December)")
        parser.add_argument("--area", default="", help="region code: district, street or community (default: all)")
        parser.add_argument("--docx", type=Path, help="write the Word document here")
        parser.add_argument("--xlsx", type=Path, help="write the statistical tables here")
        parser.add_argument("--json", type=Path, help="write every figure here (printed when no file is given)")

    def handle(self, *args: Any, **opts: Any) -> None:
        year = opts["year"] or (opts["start"].year if opts["start"] else None)
        if year is None:
            raise CommandError("give --year, or --start and --end")
        try:
            period = Period(opts["start"] or date(year, 1, 1), opts["end"] or date(year, 12, 31))
            report = build(period=period, area=opts["area"])
        except (ValueError, DomainError) as error:
            raise CommandError(str(getattr(error, "message", error))) from error
        files = write_all(report)
        written = False
        for fmt in ("docx", "xlsx", "json"):
            if opts[fmt]:
                opts[fmt].write_bytes(getattr(files, fmt))
                self.stderr.write(f"wrote {opts[fmt]}")
                written = True
        if not written:
            self.stdout.write(files.json.decode("utf-8"))
