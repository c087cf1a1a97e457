import pytest
from django.core.exceptions import ValidationError

from canlian.programmes.catalogue import PROGRAMMES
from canlian.programmes.models import Programme

SEED_CODES = {"R1", "R2", "R3", "R4", "R5", "L1", "L2", "L3", "L4", "B1", "E1", "E2", "E3", "E4", "E5", "C1", "A1"}
PLAN_2025 = {"L5", "L6", "L7", "L8"}


@pytest.mark.django_db
def test_every_programme_of_the_seed_and_the_2025_plan_is_preloaded_and_valid():
    codes = set(Programme.objects.values_list("code", flat=True))
    assert codes >= SEED_CODES | PLAN_2025
    for programme in Programme.objects.all():
        programme.full_clean()
        assert programme.steps[0] == "apply"
        assert set(programme.step_days) <= set(programme.steps)
    assert Programme.objects.get(code="R1").excess_funded_by_district
    assert Programme.objects.get(code="L3").unit == "household"
    assert Programme.objects.get(code="L5").periodicity == "monthly"
    assert Programme.objects.get(code="L5").steps == ["apply", "first_review", "review", "verify", "deliver",
                                                       "follow_up"]
    assert len(PROGRAMMES) == Programme.objects.filter(code__in=[p["code"] for p in PROGRAMMES]).count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (["accept", "apply"], "顺序"),
        (["review"], "申请"),
        (["apply", "fly"], "未知"),
        ([], "申请"),
    ],
)
def test_steps_must_be_known_ordered_and_start_with_apply(steps, message):
    programme = Programme.objects.get(code="R1")
    programme.steps = steps
    programme.step_days = {}
    with pytest.raises(ValidationError, match=message):
        programme.full_clean()
