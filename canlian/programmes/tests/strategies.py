"""Hypothesis strategies: random persons (facts dicts) and random valid rule texts over a schema.

Persons lean towards the cases that break age arithmetic and NULL handling: birthdays on, the day before
and the day after a reference date, 29 February, unknown values, inconsistent data (components recorded
for someone who is not 多重). Rules are generated as *text*, with every spelling the language accepts
(Chinese keywords, full-width punctuation, curly quotes, labels for codes, mirrored comparisons, chains,
comments), so the generator exercises the tokenizer and the parser as well as the semantics.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from canlian.programmes.rules import (
    Choice,
    DateType,
    DecimalType,
    EnumType,
    Flag,
    IntType,
    Op,
    RuleContext,
    RuleSchema,
    ValueType,
)
from canlian.programmes.rules.fields import born_by
from canlian.programmes.tests.schema import LIFE, LOW_INCOME, PROGRAMMES, SCHEMA, STATUS

REF_DATES = (date(2023, 3, 1), date(2024, 2, 29), date(2025, 1, 1), date(2025, 3, 1), date(2025, 12, 31))
ref_dates = st.sampled_from(REF_DATES)
contexts = st.builds(
    lambda ref, programme: RuleContext.on(ref, programme=programme),
    ref_dates,
    st.sampled_from([choice.code for choice in PROGRAMMES.choices]),
)


def random_person(rng: random.Random) -> dict[str, Any]:
    """One person's facts, drawn from `rng` (hypothesis' shrinkable random, or a seeded one for the database)."""

    def maybe(value: Any, none: float = 0.15) -> Any:
        return None if rng.random() < none else value

    def near() -> date:
        anchor = rng.choice(REF_DATES)
        return anchor + timedelta(days=rng.choice((-1, 0, 1, rng.randint(-800, 800))))

    def birth() -> date | None:
        roll = rng.random()
        if roll < 0.1:
            return None
        if roll < 0.2:
            return date(rng.choice((1960, 1964, 2016, 2020, 2024)), 2, 29)
        age = rng.choice((rng.randint(0, 8), rng.randint(55, 65), rng.randint(0, 100)))
        return born_by(rng.choice(REF_DATES), age) + timedelta(days=rng.choice((-1, 0, 1, rng.randint(-400, 400))))

    def span() -> dict[str, date | None]:
        start = near()
        return {"start": start, "end": maybe(start + timedelta(days=rng.randint(0, 500)), 0.4)}

    category = maybe(rng.randint(1, 7))
    return {
        "birth_date": birth(),
        "grade": maybe(rng.randint(1, 4)),
        "category": category,
        "components": [{"category": c} for c in rng.sample(range(1, 7), rng.randint(0, 3 if category == 7 else 1))],
        "hukou": maybe(rng.choice(("urban", "rural"))),
        "low_income": rng.choice([c.code for c in LOW_INCOME.choices]),
        "life_status": maybe(rng.choice([c.code for c in LIFE.choices])),
        "certificate_expires": maybe(near()),
        "household_certified_count": maybe(rng.randint(0, 4)),
        "per_capita_income": maybe(Decimal(rng.randint(0, 300_000)) / 100),
        **{flag: maybe(rng.random() < 0.5) for flag in ("poverty", "wheelchair", "lower_limb", "long_term_care")},
        "autism": maybe(rng.random() < 0.2),
        "low_income_periods": [
            {"status": rng.choice([c.code for c in STATUS.choices]), **span()} for _ in range(rng.randint(0, 3))
        ],
        "enrolments": [
            {"programme": rng.choice([c.code for c in PROGRAMMES.choices]), **span()} for _ in range(rng.randint(0, 3))
        ],
    }


persons = st.builds(random_person, st.randoms(use_true_random=False))

# --- rule texts --------------------------------------------------------------------------------------------------

_OP_SPELLINGS = {
    Op.EQ: ("==", "=", "＝＝"),
    Op.NE: ("!=", "≠", "！="),
    Op.LT: ("<", "《", "＜"),
    Op.LE: ("<=", "≤"),
    Op.GT: (">", "》"),
    Op.GE: (">=", "≥", "＞＝"),
    Op.IN: ("in", "IN", "属于"),
    Op.NOT_IN: ("not in", "不属于", "NOT  IN"),
}
_AND = ("and", "且", "并且", "AND")
_OR = ("or", "或", "或者", "OR")
_NOT = ("not ", "非", "NOT ", "非 ")
_QUOTES = (('"', '"'), ("'", "'"), ("“", "”"), ("「", "」"), ("‘", "’"))
_GAPS = (" ", "  ", "\n", " # 说明\n", "\u3000")


def quoted(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from(_QUOTES).map(lambda q: f"{q[0]}{text}{q[1]}")


def literals(value_type: ValueType) -> st.SearchStrategy[str]:
    """Source text of a valid literal of `value_type`, in any accepted spelling."""
    if isinstance(value_type, EnumType):

        def spellings(choice: Choice) -> st.SearchStrategy[str]:
            texts = st.sampled_from(sorted({str(choice.code), choice.label, *choice.aliases})).flatmap(quoted)
            return st.one_of(st.just(str(choice.code)), texts) if isinstance(choice.code, int) else texts

        return st.sampled_from(value_type.choices).flatmap(spellings)
    if isinstance(value_type, IntType):
        low, high = value_type.minimum, value_type.maximum
        # near the bottom (children's ages, counts), around 60 (elderly), around the years of the data
        ranges = [(low, low + 10), (55, 65), (2022, 2026), (low, high)]
        return st.one_of(
            [st.integers(max(low, a), min(high, b)) for a, b in ranges if max(low, a) <= min(high, b)]
        ).map(str)
    if isinstance(value_type, DecimalType):
        return st.one_of(
            st.integers(0, 3000).map(str),
            st.decimals(Decimal(0), Decimal(3000), places=2).map(lambda d: f"{d:f}"),
        )
    if isinstance(value_type, DateType):
        deltas = st.sampled_from((-1, 0, 1, 40))
        days = st.builds(lambda anchor, delta: anchor + timedelta(days=delta), ref_dates, deltas)
        forms = st.sampled_from(("{d:%Y-%m-%d}", "{d.year}年{d.month}月{d.day}日", "{d.year}/{d.month}/{d.day}"))
        spelled = st.builds(lambda d, form: form.format(d=d), days, forms)
        return spelled.flatmap(quoted)
    raise TypeError(value_type)


def _list(value_type: ValueType) -> st.SearchStrategy[str]:
    brackets = st.sampled_from((("[", "]"), ("【", "】"), ("［", "］")))
    separators = st.sampled_from((", ", ",", "，", "、"))
    return st.builds(
        lambda items, b, sep: f"{b[0]}{sep.join(items)}{b[1]}",
        st.lists(literals(value_type), min_size=1, max_size=3),
        brackets,
        separators,
    )


def _comparison(subject: str, value_type: ValueType) -> st.SearchStrategy[str]:
    op = st.sampled_from(sorted(value_type.ops))

    def build(op: Op) -> st.SearchStrategy[str]:
        spelled = st.sampled_from(_OP_SPELLINGS[op])
        if op in (Op.IN, Op.NOT_IN):
            return st.builds(lambda o, v: f"{subject} {o} {v}", spelled, _list(value_type))
        mirrored_op = st.sampled_from(_OP_SPELLINGS[op.mirrored])
        mirrored = st.builds(lambda o, v: f"{v} {o} {subject}", mirrored_op, literals(value_type))
        plain = st.builds(lambda o, v: f"{subject} {o} {v}", spelled, literals(value_type))
        if op in (Op.LT, Op.LE):
            chain = st.builds(lambda a, b: f"{a} <= {subject} {op} {b}", literals(value_type), literals(value_type))
            return st.one_of(plain, mirrored, chain)
        return st.one_of(plain, mirrored)

    return op.flatmap(build)


def _flag(subject: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        (subject, f"{subject} == true", f"{subject} != false", f"{subject} == false", f"{subject} = TRUE")
    )


def _call(name: str, args: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from((("(", ")", ", "), ("（", "）", "，"))).map(lambda p: f"{name}{p[0]}{p[2].join(args)}{p[1]}")


def leaves(schema: RuleSchema = SCHEMA) -> st.SearchStrategy[str]:
    """One condition over any field or function of `schema`."""
    options = []
    for name, binding in schema.fields.items():
        options.append(_flag(name) if isinstance(binding, Flag) else _comparison(name, binding.type))
    for name, function in schema.functions.items():
        args = st.tuples(*(literals(p.type) for p in function.params)).map(list)
        subject = args.flatmap(lambda a, n=name: _call(n, a))
        returns = function.returns
        if returns is None:
            options.append(subject.flatmap(_flag))
        else:
            options.append(subject.flatmap(lambda s, t=returns: _comparison(s, t)))
    return st.one_of(options)


def rules(schema: RuleSchema = SCHEMA) -> st.SearchStrategy[str]:
    """A valid rule text: leaves combined with and / or / not and parentheses, in any accepted spelling."""

    def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        parens = st.sampled_from((("(", ")"), ("（", "）"), ("", "")))
        group = st.builds(lambda c, p: f"{p[0]}{c}{p[1]}", children, parens)
        gap = st.sampled_from(_GAPS)
        return st.one_of(
            st.builds(lambda a, k, b, g: f"{a}{g}{k}{g}{b}", group, st.sampled_from(_AND), group, gap),
            st.builds(lambda a, k, b, g: f"{a}{g}{k}{g}{b}", group, st.sampled_from(_OR), group, gap),
            st.builds(lambda k, c: f"{k}({c})", st.sampled_from(_NOT), children),
        )

    return st.recursive(leaves(schema), combine, max_leaves=8)
