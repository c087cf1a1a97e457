"""Preloads the districts and counties of Bengbu (蚌埠市, 340300) with their official codes."""

from django.db import migrations

BENGBU = [
    ("340302", "龙子湖区"),
    ("340303", "蚌山区"),
    ("340304", "禹会区"),
    ("340311", "淮上区"),
    ("340321", "怀远县"),
    ("340322", "五河县"),
    ("340323", "固镇县"),
]


def forwards(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for code, name in BENGBU:
        Region.objects.update_or_create(code=code, defaults={"name": name, "level": "district", "parent": None})


def backwards(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    Region.objects.filter(code__in=[code for code, _ in BENGBU], children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
