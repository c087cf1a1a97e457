"""Sections come from the apps: a module registers a line and figures, the report prints them, and the
seed's pending item it replaces disappears from the not-available list. The JSON keys are stable."""

from __future__ import annotations

import pytest

from canlian.common import report_sections
from canlian.common.report_sections import Line, Pending, Scope
from canlian.reports.definitions import Period
from canlian.reports.report import SCHEMA, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """The registry's current content, restored after the test."""
    for name in ("_SECTIONS", "_LINES", "_PENDING"):
        monkeypatch.setattr(report_sections, name, dict(getattr(report_sections, name)))
    monkeypatch.setattr(report_sections, "_FIGURES", list(report_sections._FIGURES))


def petitions_figures(scope: Scope) -> dict:
    return {"petitions": {"cases": 74, "by_kind": {"救济": 5, "康复": 44}, "start": scope.start.isoformat()}}


def test_a_future_module_adds_its_line_without_touching_report_code(registry, preloaded) -> None:
    before = build(period=Period.year(2024))
    assert "rights.P1" in {m["key"] for m in before["not_available"]}
    report_sections.register_figures(petitions_figures)
    report_sections.register_lines(Line("rights", "rights.P1", 710,
                                        "共办理残疾人信访件{petitions.cases}件次，其中救济类{petitions.by_kind.救济}人次"))
    after = build(period=Period.year(2024))
    rights = next(s for s in after["sections"] if s["key"] == "rights")
    assert rights["lines"][0] == {"key": "rights.P1", "text": "共办理残疾人信访件74件次，其中救济类5人次。"}
    assert "rights.P1" not in {m["key"] for m in after["not_available"]}
    assert after["figures"]["petitions"]["start"] == "2024-01-01"


def test_a_new_section_and_pending_item(registry, preloaded) -> None:
    report_sections.register_section("survey", "全面开展残疾人基本状况调查", order=800)
    report_sections.register_pending(Pending("survey", "survey.coverage", 810, "调查覆盖率", "调查模块"))
    report = build(period=Period.year(2024))
    last = report["sections"][-1]
    assert (last["number"], last["heading"], last["lines"], last["pending"]) == (
        "（八）", "全面开展残疾人基本状况调查", [], ["survey.coverage"])


def test_one_namespace_per_provider(registry, preloaded) -> None:
    report_sections.register_figures(petitions_figures)
    report_sections.register_figures(lambda scope: {"petitions": {}})
    with pytest.raises(ValueError, match="twice"):
        build(period=Period.year(2024))


TOP_KEYS = {"schema", "title", "part", "intro", "period", "area", "generated_at", "payments_available",
            "programmes", "figures", "funds_by_source", "sections", "not_available", "by_street", "by_community",
            "by_month"}
PROGRAMME_KEYS = {"code", "name", "unit", "target", "done", "over", "rate", "people", "households", "items",
                  "people_urban", "people_rural", "reviewed", "approved", "periods", "excess_funded_by_district",
                  "amount", "amount_by_source", "amount_committed", "amount_awaiting", "people_paid",
                  "people_awaiting", "last_paid_month"}


def test_json_keys_are_stable_and_documented(preloaded) -> None:
    from pathlib import Path

    report = build(period=Period.year(2024))
    assert report["schema"] == SCHEMA
    assert set(report) == TOP_KEYS
    assert set(report["programmes"]["R1"]) == PROGRAMME_KEYS
    assert list(report["programmes"])[:3] == ["R1", "R2", "R3"]  # the seed's order (report_order)
    assert [s["key"] for s in report["sections"]] == [
        "party", "rehab", "livelihood", "accessibility", "employment", "culture", "rights"]
    doc = (Path(__file__).resolve().parents[3] / "docs" / "annual-report.md").read_text(encoding="utf-8")
    for key in TOP_KEYS | PROGRAMME_KEYS:
        assert f"`{key}`" in doc, key
