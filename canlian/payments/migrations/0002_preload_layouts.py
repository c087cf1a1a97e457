from django.db import migrations


def load(apps, schema_editor) -> None:  # noqa: ANN001
    from canlian.payments.layouts import ensure_layouts

    ensure_layouts(apps.get_model("payments", "RosterLayout"), apps.get_model("programmes", "Programme"))


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("programmes", "0002_preload_catalogue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
