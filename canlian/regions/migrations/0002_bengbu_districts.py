"""Preloads the districts and counties of Bengbu (canlian/regions/data.py).

Later changes to the preloaded list come as new data migrations, not as edits of data.py.
"""

from django.db import migrations

from canlian.regions.data import BENGBU, ensure_districts


def forwards(apps, schema_editor):
    ensure_districts(apps.get_model("regions", "Region"))


def backwards(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    Region.objects.filter(code__in=[code for code, _ in BENGBU], children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
