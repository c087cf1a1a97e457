import pytest
from django.core.management import CommandError, call_command

from canlian.accounts.models import User
from canlian.programmes.models import Target
from canlian.regions.models import Region


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", "--persons", "10")


@pytest.mark.django_db
def test_seed_demo_builds_a_district_with_one_user_per_role_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--persons", "50", "--year", "2024", "--seed", "3")
    assert Region.objects.filter(code__startswith="340302", level="street").count() == 8
    assert Region.objects.filter(code__startswith="340302", level="community").count() == 60
    roles = set(User.objects.values_list("role", flat=True))
    assert len(roles) == 7
    assert Target.objects.get(programme__code="R1", year=2024, street=None).quantity == 1  # 300 × 50 / 15,000
    call_command("seed_demo", "--if-empty", "--persons", "50")
    assert Region.objects.filter(level="community").count() == 60


@pytest.mark.django_db
def test_seed_demo_enrols_and_screens_with_both_lists(settings):
    from canlian.programmes.models import Enrolment, ScreeningResult, ScreeningRun

    settings.DEBUG = True
    call_command("seed_demo", "--persons", "600", "--year", "2024", "--seed", "5")
    assert Enrolment.objects.filter(programme__code="L5").count() > 11
    run = ScreeningRun.objects.get()
    assert run.status == "done" and run.rule_version.year == 2024
    excess = ScreeningResult.objects.filter(run=run, kind="excess")
    assert excess.count() >= 11
    assert excess.filter(reason__contains="不在册").count() >= 6
    assert ScreeningResult.objects.filter(run=run, kind="missing").exists()
    from canlian.registry.selectors import low_income_drift

    assert low_income_drift() == []  # ended 低保 included: 无 from the day after (decision 0018)
    from canlian.registry.selectors import household_count_drift

    assert household_count_drift() == []  # decision 0019
