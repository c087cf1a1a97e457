"""The bridge to the programme's eligibility rule (canlian.programmes.eligibility, built with screening).

Applications check eligibility at intake and again at approval with the rule of that year. The rule engine
lives in programmes; this module only calls it and turns its answer into what an application stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import import_module


@dataclass
class Outcome:
    eligible: bool | None
    reasons: list[str] = field(default_factory=list)
    rule_version_id: int | None = None


def check(*, person: object, programme: object, on: date) -> Outcome:
    """Ask the year's published rule. `eligible` is None when this installation has no rule engine yet
    (the screening module not installed): the application then records "未核验" and a reviewer decides."""
    try:
        engine = import_module("canlian.programmes.eligibility")
    except ModuleNotFoundError:
        return Outcome(eligible=None, reasons=["资格规则模块未安装，需人工核验"])
    result = engine.check_eligibility(person=person, programme=programme, on=on)
    return Outcome(eligible=result.eligible, reasons=list(result.reasons), rule_version_id=result.rule_version_id)


def start_enrolment(*, actor: object, application: object, start: date) -> None:
    """On delivery the person becomes enrolled in the programme (programmes.services.enrolment_start)."""
    services = import_module("canlian.programmes.services")
    enrolment_start = getattr(services, "enrolment_start", None)
    if enrolment_start is None:
        return
    enrolment_start(actor=actor, person=application.person, programme=application.programme, start=start,
                    source="application", application=application.pk)
