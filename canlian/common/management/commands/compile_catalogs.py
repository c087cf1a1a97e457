"""Compile every locale/*/LC_MESSAGES/*.po to .mo without GNU gettext.

`compilemessages` needs the msgfmt binary, which a fresh machine may lack; polib is pure Python.
The .mo files are build products (git-ignored); the .po files are the source.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) with polib."
    requires_system_checks: list[str] = []

    def handle(self, *args: object, **options: object) -> None:
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
                self.stdout.write(f"{po_path}: {catalogue.percent_translated()}% translated")
        self.stdout.write(self.style.SUCCESS(f"{count} catalogue(s) compiled"))
