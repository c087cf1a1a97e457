"""A reference reading of Django Q objects over plain dicts, independent of the rule engine.

It knows nothing about rules: it interprets lookups the way the database does (a comparison with NULL
selects nothing; `exact` None is IS NULL; `~` is the complement, as Django makes exclude() the complement
of filter()) and RelatedRows placeholders as "some row of that relation matches". The property tests
compare CompiledRule.evaluate() with it; the database test checks it against SQLite/PostgreSQL.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from canlian.programmes.tests.schema import RelatedRows

_LOOKUPS = {
    "exact": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "in": lambda actual, values: actual in values,
}


def selects(q: Q, row: Mapping[str, Any]) -> bool:
    """Whether filter(q) would return `row`."""
    results = [_child(child, row) for child in q.children]
    if q.connector == Q.AND:
        value = all(results)
    elif q.connector == Q.OR:
        value = any(results)
    else:
        raise ValueError(f"unsupported connector {q.connector}")
    return not value if q.negated else value


def _child(child: object, row: Mapping[str, Any]) -> bool:
    if isinstance(child, Q):
        return selects(child, row)
    if isinstance(child, RelatedRows):
        return any(selects(child.where, related) for related in row[child.relation])
    lookup, expected = child  # type: ignore[misc]
    name, _, kind = lookup.partition("__")
    kind = kind or "exact"
    actual = row[name]
    if kind == "isnull":
        return (actual is None) == expected
    if kind == "exact" and expected is None:
        return actual is None
    if actual is None:
        return False
    return _LOOKUPS[kind](actual, expected)
