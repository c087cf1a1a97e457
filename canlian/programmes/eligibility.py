"""One person against one programme's rule for a date: the check the applications module and the screens call.

The rule is the version *published for the date's year*; a year without one is an error the user can act
on (publish that year's rule), never a silent fallback to another year (docs/decisions/0011-rule-versions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from canlian.common.exceptions import DomainError
from canlian.programmes.choices import RuleStatus
from canlian.programmes.models import Programme, RuleVersion
from canlian.programmes.rules import CompiledRule, RuleContext, compile_rule
from canlian.programmes.schema import facts_for, registry_schema


@dataclass(frozen=True)
class EligibilityResult:
    eligible: bool
    reasons: list[str]  # Chinese explanation lines, e.g. "不符合：年龄 45 岁，要求 ≥ 60 岁"
    rule_version_id: int | None
    ref_date: date


def published_rule(programme: Programme, year: int) -> RuleVersion:
    """The version published for `year`; DomainError when that year has none."""
    rule = RuleVersion.objects.filter(programme=programme, year=year, status=RuleStatus.PUBLISHED).first()
    if rule is None:
        raise DomainError(
            _("%(code)s %(name)s 的 %(year)d 年度尚未发布规则，请管理员先发布该年度的资格条件")
            % {"code": programme.code, "name": programme.name, "year": year},
            code="no_rule",
        )
    return rule


def compiled(rule: RuleVersion) -> CompiledRule:
    """The rule version's text compiled against the registry schema (cached by the engine)."""
    return compile_rule(rule.eligibility, registry_schema())


def check_eligibility(*, person: Any, programme: Programme, on: date) -> EligibilityResult:
    """Evaluate the programme's rule published for on.year against one person (explain)."""
    # raises canlian.common.exceptions.DomainError("…年度尚未发布规则") when no published rule exists for that year
    rule = published_rule(programme, on.year)
    ctx = RuleContext.on(on, programme=programme.code)
    explanation = compiled(rule).explain(facts_for(person), ctx)
    return EligibilityResult(
        eligible=explanation.eligible,
        reasons=list(explanation.reasons),
        rule_version_id=rule.pk,
        ref_date=on,
    )
