"""Publishes the default rules and amounts of 2024 and 2025 for every preloaded programme (default_rules.py)."""

from django.db import migrations
from django.utils import timezone

from canlian.programmes.default_rules import publish_defaults


def forwards(apps, schema_editor):
    publish_defaults(apps.get_model("programmes", "Programme"), apps.get_model("programmes", "RuleVersion"),
                     timezone.now())


def backwards(apps, schema_editor):
    apps.get_model("programmes", "RuleVersion").objects.filter(version=1, year__in=[2024, 2025]).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_enrolments_rules_screening")]
    operations = [migrations.RunPython(forwards, backwards)]
