"""Preloads the 2024–2026 public holidays and 调休 make-up working days (workdays.PRELOADED)."""

from django.db import migrations

from canlian.applications.workdays import ensure_holidays


def forwards(apps, schema_editor):
    ensure_holidays(apps.get_model("applications", "Holiday"))


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
