"""compile_rule(text, schema): the entry point that turns an administrator's rule into a CompiledRule.

Compiling is pure (it reads only the text and the schema, never the database or the date) and cached per
(text, schema), so screening a programme or explaining a thousand people compiles its rule once. The
reference date arrives later, in the RuleContext given to to_q(), evaluate() and explain().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Q

from canlian.programmes.rules.checker import check
from canlian.programmes.rules.conditions import Condition
from canlian.programmes.rules.explain import Explanation, explain
from canlian.programmes.rules.fields import Facts, RuleContext, RuleSchema
from canlian.programmes.rules.parser import parse

CACHE_SIZE = 1024


@dataclass(frozen=True)
class CompiledRule:
    """A checked rule bound to a schema: one query over the registry, or a test with reasons for one person.

    Two compiled rules are equal when they mean the same (spacing, comments, keyword spelling, Chinese or
    ASCII punctuation and literal spelling such as "精神" for 6 do not count); `source` is the text as
    written, which explanations quote.
    """

    condition: Condition
    source: str = field(compare=False)

    def to_q(self, ctx: RuleContext) -> Q:
        """The Q that selects, in one query, everybody who meets the rule on ctx.ref_date."""
        return self.condition.to_q(ctx)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        """Whether one person (their facts) meets the rule; always equals explain(...).eligible."""
        return self.condition.holds(facts, ctx)

    def explain(self, facts: Facts, ctx: RuleContext) -> Explanation:
        """The verdict for one person with every check, pass or fail, and a Chinese sentence for each."""
        return explain(self.condition, self.source, facts, ctx)

    @property
    def normalized(self) -> str:
        """The rule as canonical text (ASCII keywords, labels for options); compiles to an equal rule."""
        return self.condition.format()


def compile_rule(text: str, schema: RuleSchema) -> CompiledRule:
    """Parse and type-check `text` against `schema`; raises RuleSyntaxError (with line, column, Chinese message)."""
    if not isinstance(text, str):
        raise TypeError(f"a rule is text, not {type(text).__name__}")
    return _compile(text, schema)


@lru_cache(maxsize=CACHE_SIZE)
def _compile(text: str, schema: RuleSchema) -> CompiledRule:
    return CompiledRule(check(parse(text), text, schema), text)
