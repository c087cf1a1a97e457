"""R1 (药费补助) is for *poor* people with psychiatric disability: poverty is verified by a home survey
(入户调查) before the district review, as the seed describes. Adds the step with its default time limit."""

from django.db import migrations

STEP, AFTER, DAYS = "home_survey", "accept", 10


def forwards(apps, schema_editor):
    programme = apps.get_model("programmes", "Programme").objects.filter(code="R1").first()
    if programme is None or STEP in programme.steps:
        return
    steps = list(programme.steps)
    steps.insert(steps.index(AFTER) + 1 if AFTER in steps else 1, STEP)
    programme.steps = steps
    programme.step_days = {**programme.step_days, STEP: DAYS}
    programme.save(update_fields=["steps", "step_days"])


def backwards(apps, schema_editor):
    programme = apps.get_model("programmes", "Programme").objects.filter(code="R1").first()
    if programme is None or STEP not in programme.steps:
        return
    programme.steps = [s for s in programme.steps if s != STEP]
    programme.step_days = {k: v for k, v in programme.step_days.items() if k != STEP}
    programme.save(update_fields=["steps", "step_days"])


class Migration(migrations.Migration):
    dependencies = [("programmes", "0004_default_rules")]
    operations = [migrations.RunPython(forwards, backwards)]
