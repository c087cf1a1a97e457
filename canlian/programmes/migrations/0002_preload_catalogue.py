"""Preloads the programme catalogue from canlian/programmes/catalogue.py.

Later changes to the preloaded programmes come as new data migrations, never as edits of catalogue.py
that this migration would silently pick up on a fresh database.
"""

from django.db import migrations

from canlian.programmes.catalogue import PROGRAMMES, ensure_catalogue


def forwards(apps, schema_editor):
    ensure_catalogue(apps.get_model("programmes", "Programme"))


def backwards(apps, schema_editor):
    apps.get_model("programmes", "Programme").objects.filter(code__in=[p["code"] for p in PROGRAMMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
