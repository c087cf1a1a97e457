"""Revises the default rules of R2, L1, L5 and L6 now that the registry records the facts they need
(wheelchair vehicle, lower limb, 脱贫人口, long-term care, 工伤护理费, autism; decision 0016).

Only a published version that is still the unedited first default is replaced (a new version for the year;
the old one is superseded); a rule an administrator has published stays as it is.
"""

from django.db import migrations
from django.utils import timezone

from canlian.programmes.default_rules import FIRST_DEFAULTS, REVISION_NOTE, revise_defaults


def forwards(apps, schema_editor):
    revise_defaults(apps.get_model("programmes", "Programme"), apps.get_model("programmes", "RuleVersion"),
                    timezone.now())


def backwards(apps, schema_editor):
    rule_model = apps.get_model("programmes", "RuleVersion")
    for revised in rule_model.objects.filter(note=REVISION_NOTE, programme__code__in=FIRST_DEFAULTS):
        previous = (rule_model.objects.filter(programme=revised.programme, year=revised.year,
                                              version__lt=revised.version).order_by("-version").first())
        revised.delete()
        if previous is not None:
            previous.status = "published"
            previous.save(update_fields=["status", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("programmes", "0005_r1_home_survey"), ("registry", "0004_person_rule_facts")]
    operations = [migrations.RunPython(forwards, backwards)]
