"""The issue's headline: the records behind the seed's 2024 figures, entered through the services only —
persons with bank cards, applications walked to "deliver", and (cash benefits) payment batches checked,
approved, exported and reconciled with the bank's return — give exactly the seed's figures and sentences
in the JSON and the .docx, and the report's money equals the payments ledger to the fen.

Amounts per beneficiary. The seed gives totals; the per-person amounts below are chosen so that they add to
those totals exactly, in whole yuan, as near the average as possible:
- R1 34.2万元 over 301 people (342000 / 301 = 1136.21…): 64 people × 1137 + 237 × 1136 = 342000;
- L1 5.304万元 over 204: 260 each (the rule's fixed amount);
- L2 11034元 over 9: 1226 each (awaiting upper-level funds);
- L3 12.57万元 over 72 households (125700 / 72 = 1745.83…): 60 × 1745 + 12 × 1750 = 125700;
- L4 20.9250万元 over 219 (209250 / 219 = 955.48…): 105 × 956 + 114 × 955 = 209250;
- E4 2.10万元 over 7: 3000 each.
The default 2024 rules pay R1, L3 and L4 a fixed sum (1000, 1800, 1000 yuan) that cannot give the seed's
totals, so the district's 2024 rule is published for them as an amount per case with a ceiling (through
the rules service, as an administrator would): the pre-payment check then finds nothing to resolve.
Funding: R1 has a target of 300 and the excess funded by the district, so the batch builder puts the
301st person on district money; the budgets are set per source.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from docx import Document

from canlian.accounts.choices import Role
from canlian.payments import selectors as payment_selectors
from canlian.payments import services as payment_services
from canlian.payments.choices import BatchStatus, BatchTransition
from canlian.payments.models import Batch
from canlian.programmes.choices import RuleStatus
from canlian.programmes.models import Programme, RuleVersion
from canlian.programmes.services import rule_draft_save, rule_publish, target_set
from canlian.reports.definitions import Period
from canlian.reports.report import build
from canlian.reports.services import write_all
from canlian.reports.tests.helpers import DAY, WHEELCHAIR, fund, pay, register_household, register_person, walk

pytestmark = pytest.mark.django_db


def _docx_text(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def _per_case_rule(users, code: str, ceiling: str) -> None:
    admin = users.a[Role.ADMIN]
    programme = Programme.objects.get(code=code)
    current = RuleVersion.objects.get(programme=programme, year=2024, status=RuleStatus.PUBLISHED)
    draft = rule_draft_save(actor=admin, programme=programme, year=2024, eligibility=current.eligibility,
                            amount_spec={"kind": "per_case", "max": ceiling}, note="按实际核定，设上限")
    rule_publish(actor=admin, rule=draft)


@pytest.fixture
def seed_2024(users, areas):
    """R1 301 people (target 300), L1 204, L2 9 reviewed (awaiting funds), L3 72 households, L4 219, E4 7."""
    officer, finance = users.a[Role.DISTRICT_OFFICER], users.a[Role.FINANCE]
    with time_machine.travel(DAY, tick=False):
        target_set(actor=officer, programme=Programme.objects.get(code="R1"), year=2024, quantity=300)
        for code, ceiling in (("R1", "1500.00"), ("L3", "1800.00"), ("L4", "1000.00")):
            _per_case_rule(users, code, ceiling)
        fund(users, "R1", 2024, upper="341000.00", district="2000.00")
        fund(users, "L1", 2024, upper="60000.00")
        fund(users, "L2", 2024, upper="11034.00")
        fund(users, "L3", 2024, district="130000.00")
        fund(users, "L4", 2024, district="210000.00")
        fund(users, "E4", 2024, district="21000.00")
        for i in range(301):
            person = register_person(users, areas.community_a1 if i < 200 else areas.community_b1)
            walk(users, person, "R1", year=2024, amount="1137" if i < 64 else "1136")
        pay(users, "R1", paid_on=date(2024, 4, 26))
        for _i in range(204):
            person = register_person(users, areas.community_a2, category=4, low_income="", **WHEELCHAIR)
            walk(users, person, "L1", year=2024, amount="260")
        pay(users, "L1", paid_on=date(2024, 9, 20))
        for _i in range(9):
            person = register_person(users, areas.community_a1, category=4, low_income="")
            walk(users, person, "L2", year=2024, period="2023-2024", amount="1226")
        l2 = payment_services.batch_build(actor=finance, programme=Programme.objects.get(code="L2"),
                                          period="2023-2024", batch_date=date(2024, 11, 12))
        l2 = payment_services.batch_check(actor=finance, batch=l2)
        assert not payment_services.unresolved(l2).exists()
        l2 = payment_services.batch_transition(actor=users.a[Role.LEADER], batch=l2,
                                               transition=BatchTransition.APPROVE)
        payment_services.batch_transition(actor=finance, batch=l2, transition=BatchTransition.AWAIT_FUNDS,
                                          reason="待上级资金拨付一次性打卡发放")
        for i in range(72):
            head = register_person(users, areas.community_b1, category=4, low_income="dibao")
            other = register_person(users, areas.community_b1, category=5, low_income="dibao")
            household = register_household(users, head, other)
            walk(users, head, "L3", year=2024, household=household, amount="1745" if i < 60 else "1750")
        pay(users, "L3", paid_on=date(2024, 10, 8))
        for i in range(219):
            person = register_person(users, areas.community_a1, category=4, low_income="dibao",
                                     birth=date(1950, 5, 5), hukou="rural")
            walk(users, person, "L4", year=2024, amount="956" if i < 105 else "955")
        pay(users, "L4", paid_on=date(2024, 11, 5))
        for _i in range(7):
            person = register_person(users, areas.community_a2, category=4, low_income="", birth=date(1990, 1, 1))
            walk(users, person, "E4", year=2024, amount="3000")
        pay(users, "E4", paid_on=date(2024, 6, 18))


SENTENCES = {
    "rehab.R1": ("一是完成困难精神残疾人药费补助301人，超目标任务1人（超额部分资金由区级承担），完成率100.33%，"
                 "发放补助资金34.2万元，于4月底前通过银行卡发放到受助残疾人家庭。"),
    "livelihood.L1": "一是完成204名残疾人机动轮椅车燃油补贴发放工作，补贴资金5.304万元。",
    "livelihood.L2": ("二是完成2023-2024年度9名四小车辆置换车主子女就学资料审核，补贴资金11034元，"
                      "待上级资金拨付一次性打卡发放。"),
    "livelihood.L3-L4": "三是完成72户“一户多残”及219名困难老年残疾人生活救助，补贴资金分别为12.57万元、20.9250万元。",
    "employment.E4": "为7名个人创业残疾人提供创业扶持资金，共计2.10万元。",
}


def test_seed_2024_figures_and_sentences(seed_2024, users) -> None:
    report = build(period=Period.year(2024), area="")
    p = report["programmes"]
    assert report["payments_available"] is True
    assert (p["R1"]["target"], p["R1"]["done"], p["R1"]["over"], p["R1"]["rate"]) == (300, 301, 1, "100.33")
    assert p["R1"]["amount"] == "342000.00"
    assert p["R1"]["amount_by_source"] == {"upper": "340864.00", "district": "1136.00"}  # the 301st: 1136
    assert (p["L1"]["people"], p["L1"]["amount"]) == (204, "53040.00")
    assert (p["L2"]["reviewed"], p["L2"]["people"], p["L2"]["periods"]) == (9, 0, ["2023-2024"])
    assert (p["L2"]["amount_awaiting"], p["L2"]["amount"]) == ("11034.00", "0.00")
    assert (p["L3"]["households"], p["L3"]["done"], p["L3"]["amount"]) == (72, 72, "125700.00")
    assert (p["L4"]["people"], p["L4"]["amount"]) == (219, "209250.00")
    assert (p["E4"]["people"], p["E4"]["amount"]) == (7, "21000.00")
    assert report["funds_by_source"] == {"upper": "393904.00", "district": "357086.00"}

    lines = {line["key"]: line["text"] for s in report["sections"] for line in s["lines"]}
    assert {k: lines[k] for k in SENTENCES} == SENTENCES
    missing = {m["key"] for m in report["not_available"]}
    assert not any(k.endswith((".amount", ".amount_awaiting")) for k in missing)
    assert "rights.P1" in missing  # petitions: no module yet

    paragraphs = _docx_text(write_all(report).docx)
    for sentence in SENTENCES.values():
        assert sentence in paragraphs

    # issue #6: the paid lines per programme, source and year — as the payments screens show them (the batch
    # list's budget / committed / paid table and the batch totals) — equal the report's figures to the fen
    for code, figures in p.items():
        programme = Programme.objects.get(code=code)
        overview = payment_selectors.budget_overview(programme.pk, 2024)
        paid = {row["source"]: Decimal(row["paid"]) for row in overview if row["paid"]}
        expected = {s: Decimal(a) for s, a in (figures["amount_by_source"] or {}).items() if Decimal(a)}
        assert paid == expected, code
        batches = payment_selectors.batch_list(users.a[Role.FINANCE],
                                               payment_selectors.BatchFilters(programme=code, year=2024))
        by_line = Decimal(0)
        for batch in batches:
            by_line += sum((t["amount"] for t in payment_selectors.batch_totals(batch) if t["status"] == "paid"),
                           Decimal(0))
        assert by_line == Decimal(figures["amount"] or 0), code
    awaiting = Batch.objects.get(programme__code="L2")
    assert awaiting.status == BatchStatus.AWAITING_FUNDS
    assert payment_selectors.budget_overview(awaiting.programme_id, 2024)[0]["committed"] == Decimal("11034.00")
