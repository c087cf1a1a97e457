"""The issue's headline: the records behind the seed's 2024 figures, entered through the services only,
give exactly the seed's figures and sentences in the JSON and the .docx.

The money half (34.2万元, 5.304万元, 11034元 awaiting funds, 12.57万元, 20.9250万元, 2.10万元) needs the payments
module, which is built in parallel (issue #6) and is not on this branch: here the JSON and the document
must say those figures are not available (never 0); test_money.py checks how amounts are aggregated and
printed once a payments provider reports them. When payments is merged, this test gains the payment
batches and asserts the full sentences.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from docx import Document

from canlian.accounts.choices import Role
from canlian.programmes.models import Programme
from canlian.programmes.services import target_set
from canlian.reports.definitions import NOT_AVAILABLE, Period
from canlian.reports.report import build
from canlian.reports.services import write_all
from canlian.reports.tests.helpers import DAY, register_household, register_person, walk

pytestmark = pytest.mark.django_db


def _docx_text(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


@pytest.fixture
def seed_2024(users, areas):
    """R1 301 people (target 300), L1 204, L2 9 reviewed (awaiting funds), L3 72 households, L4 219, E4 7."""
    officer = users.a[Role.DISTRICT_OFFICER]
    with time_machine.travel(DAY, tick=False):
        target_set(actor=officer, programme=Programme.objects.get(code="R1"), year=2024, quantity=300)
        for i in range(301):
            person = register_person(users, areas.community_a1 if i < 200 else areas.community_b1)
            walk(users, person, "R1", year=2024, delivered_on=date(2024, 4, 1 + i % 28))
        for i in range(204):
            person = register_person(users, areas.community_a2, category=4, low_income="")
            walk(users, person, "L1", year=2024, delivered_on=date(2024, 9, 1 + i % 28), amount="260")
        for _i in range(9):
            person = register_person(users, areas.community_a1, category=4, low_income="")
            walk(users, person, "L2", year=2024, period="2023-2024", delivered_on=None, until="deliver")
        for _i in range(72):
            head = register_person(users, areas.community_b1, category=4, low_income="dibao")
            other = register_person(users, areas.community_b1, category=5, low_income="dibao")
            household = register_household(users, head, other)
            walk(users, head, "L3", year=2024, delivered_on=date(2024, 10, 8), household=household, amount="1745.83")
        for _i in range(219):
            person = register_person(users, areas.community_a1, category=4, low_income="dibao",
                                     birth=date(1950, 5, 5), hukou="rural")
            walk(users, person, "L4", year=2024, delivered_on=date(2024, 11, 5), amount="955.48")
        for _i in range(7):
            person = register_person(users, areas.community_a2, category=4, low_income="", birth=date(1990, 1, 1))
            walk(users, person, "E4", year=2024, delivered_on=date(2024, 6, 18), amount="3000")


def test_seed_2024_figures_and_sentences_without_payments(seed_2024, tmp_path) -> None:
    report = build(period=Period.year(2024), area="")
    r1 = report["programmes"]["R1"]
    assert (r1["target"], r1["done"], r1["over"], r1["rate"]) == (300, 301, 1, "100.33")
    assert report["programmes"]["L1"]["people"] == 204
    assert report["programmes"]["L2"]["reviewed"] == 9
    assert report["programmes"]["L2"]["periods"] == ["2023-2024"]
    assert report["programmes"]["L2"]["people"] == 0  # reviewed, not delivered: awaiting upper-level funds
    assert (report["programmes"]["L3"]["households"], report["programmes"]["L3"]["done"]) == (72, 72)
    assert report["programmes"]["L4"]["people"] == 219
    assert report["programmes"]["E4"]["people"] == 7
    assert report["payments_available"] is False
    assert r1["amount"] is None and r1["amount_by_source"] is None

    lines = {line["key"]: line["text"] for s in report["sections"] for line in s["lines"]}
    assert lines["rehab.R1"] == ("一是完成困难精神残疾人药费补助301人，超目标任务1人（超额部分资金由区级承担），"
                                 "完成率100.33%。")
    assert lines["livelihood.L1"] == "一是完成204名残疾人机动轮椅车燃油补贴发放工作。"
    assert lines["livelihood.L2"] == "二是完成2023-2024年度9名四小车辆置换车主子女就学资料审核。"
    assert lines["livelihood.L3-L4"] == "三是完成72户“一户多残”及219名困难老年残疾人生活救助。"
    assert lines["employment.E4"] == "为7名个人创业残疾人提供创业扶持资金。"
    missing = {m["key"] for m in report["not_available"]}
    assert {"rehab.R1:R1.amount", "livelihood.L1:L1.amount", "livelihood.L2:L2.amount_awaiting",
            "livelihood.L3-L4:L3.amount", "livelihood.L3-L4:L4.amount", "employment.E4:E4.amount"} <= missing
    assert "rights.P1" in missing  # petitions: no module yet

    files = write_all(report)
    paragraphs = _docx_text(files.docx)
    assert lines["rehab.R1"] in paragraphs
    assert lines["livelihood.L3-L4"] in paragraphs
    assert any("困难精神残疾人药费补助：发放资金" in p for p in paragraphs)
    assert not any("0万元" in p or NOT_AVAILABLE + "万元" in p for p in paragraphs)
