"""Screening: 应享未享 and 应退未退 lists with reasons, area scoping, and the death list → 应退未退 flow."""

from __future__ import annotations

from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.common.exceptions import PermissionDenied
from canlian.programmes.choices import EnrolmentSource, ScreeningKind, ScreeningStatus
from canlian.programmes.models import Programme, ScreeningResult, ScreeningRun
from canlian.programmes.screening import screening_start, screening_start_all
from canlian.programmes.services import enrolment_start
from canlian.programmes.tests.helpers import REF, person
from canlian.registry.bulk import DeathRow, persons_record_death
from canlian.registry.choices import LowIncomeStatus

pytestmark = pytest.mark.django_db
DIBAO = LowIncomeStatus.DIBAO


NOT_DIBAO = "不符合：低保等状态 无，要求 低保；不符合：不属于脱贫人口（要求属于脱贫人口）"


def run_now(django_capture_on_commit_callbacks, **kwargs) -> ScreeningRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = screening_start(**kwargs)
    run.refresh_from_db()
    return run


def results(run: ScreeningRun, kind: str) -> dict[int, str]:
    return dict(ScreeningResult.objects.filter(run=run, kind=kind).values_list("person_id", "reason"))


def test_missing_and_excess_with_reasons(areas, users, django_capture_on_commit_callbacks):
    officer = users.a[Role.DISTRICT_OFFICER]
    l5 = Programme.objects.get(code="L5")
    c = areas.community_a1
    eligible_not_enrolled = person(community=c, low_income=DIBAO)
    enrolled_ok = person(community=c, low_income=DIBAO)
    enrolled_without_dibao = person(community=c)
    for p in (enrolled_ok, enrolled_without_dibao):
        enrolment_start(actor=officer, person=p, programme=l5, start=date(2025, 1, 1), source=EnrolmentSource.MANUAL)
    run = run_now(django_capture_on_commit_callbacks, actor=officer, programme=l5, ref_date=REF)
    assert run.status == ScreeningStatus.DONE
    assert run.finished_at is not None and run.rule_version.year == 2025
    assert set(results(run, ScreeningKind.MISSING)) == {eligible_not_enrolled.pk}
    assert results(run, ScreeningKind.EXCESS) == {enrolled_without_dibao.pk: NOT_DIBAO}
    assert (run.missing_count, run.excess_count, run.eligible_count, run.enrolled_count) == (1, 1, 2, 2)


def test_a_street_officer_screens_only_their_street(areas, users, django_capture_on_commit_callbacks):
    person(community=areas.community_a1, low_income=DIBAO)
    other = person(community=areas.community_b1, low_income=DIBAO)
    run = run_now(django_capture_on_commit_callbacks, actor=users.a[Role.STREET_OFFICER],
                  programme=Programme.objects.get(code="L5"), ref_date=REF)
    assert run.area_prefix == areas.street_a.code
    assert other.pk not in results(run, ScreeningKind.MISSING)
    assert len(results(run, ScreeningKind.MISSING)) == 1


def test_finance_may_not_screen(areas, users):
    with pytest.raises(PermissionDenied):
        screening_start(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code="L5"), ref_date=REF)


def test_after_a_death_list_the_deceased_appear_in_excess_for_every_programme(
    areas, users, django_capture_on_commit_callbacks
):
    """Through the registry's bulk death service (persons_record_death): this tree has no `deaths` import kind."""
    officer = users.a[Role.DISTRICT_OFFICER]
    p = person(community=areas.community_a1, category=6, grade=1, low_income=DIBAO, birth=date(1950, 1, 1),
               needs_long_term_care=True)
    codes = ["R1", "L4", "L5", "L6"]
    for code in codes:
        enrolment_start(actor=officer, person=p, programme=Programme.objects.get(code=code), start=date(2025, 1, 1),
                        source=EnrolmentSource.IMPORT)
    with django_capture_on_commit_callbacks(execute=True):
        before = screening_start_all(actor=officer, ref_date=REF)
    assert not ScreeningResult.objects.filter(run__in=before, kind=ScreeningKind.EXCESS).exists()
    outcome = persons_record_death(actor=officer, rows=[DeathRow(row=2, id_number=p.decrypt_id_number(),
                                                                 date_of_death=date(2025, 2, 10))])
    assert outcome.updated == 1
    with django_capture_on_commit_callbacks(execute=True):
        after = screening_start_all(actor=officer, ref_date=REF)
    excess = ScreeningResult.objects.filter(run__in=after, kind=ScreeningKind.EXCESS, person=p)
    assert sorted(excess.values_list("run__programme__code", flat=True)) == sorted(codes)
    assert all("不在册" in reason for reason in excess.values_list("reason", flat=True))


def test_reasons_are_computed_in_a_fixed_number_of_queries(areas, users, django_assert_max_num_queries):
    from canlian.programmes.screening import compute

    officer = users.a[Role.DISTRICT_OFFICER]
    l4 = Programme.objects.get(code="L4")
    for _i in range(30):
        enrolment_start(actor=officer, person=person(community=areas.community_a1, birth=date(1990, 1, 1)),
                        programme=l4, start=date(2025, 1, 1), source=EnrolmentSource.MANUAL)
    from canlian.programmes.eligibility import published_rule

    run = ScreeningRun.objects.create(programme=l4, ref_date=REF, rule_version=published_rule(l4, 2025),
                                      area_prefix="", owner=officer)
    with django_assert_max_num_queries(20):
        compute(run)
    assert run.excess_count == 30
