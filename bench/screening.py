"""Benchmark: screening every preloaded programme over the registry, three ways, in the same run.

    .venv/bin/python -m bench.screening --persons 1000000            # SQLite, var/bench/ (built once)
    .venv/bin/python -m bench.screening --persons 1000000 --pg URL   # also PostgreSQL (a database at URL)

Reuses the person-list benchmark's database builder (seed_demo --persons N under var/bench/). For every
programme with a rule published for the reference year it times:

* ours — the compiled rule: ``Person.objects.filter(rule.to_q(ctx))`` as COUNT and as the list of ids;
* hand — a hand-written SQL query of the same rule (COUNT and ids), written here without the engine; its
  count is checked against ours, so the comparison is between equal answers;
* loop — the per-instance Python loop: load each person as a model instance (with its related facts
  loaded per chunk, the generous version) and evaluate the rule in Python. Timed on a sample of
  --sample persons and **extrapolated** to the whole registry (labelled “est.” in the table).

Prints a table per database with the ratios ours/hand (target ≤ 2) and loop/ours (target ≥ 50).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date

ALIVE_VALID = "p.life_status = 'alive' AND p.cert_status = 'valid' AND p.cert_valid_until >= %(ref)s"
HARDSHIP = "p.low_income_status IN ('dibao', 'tekun', 'bianyuan')"
WORKING = "p.birth_date <= %(age16)s AND p.birth_date > %(age60)s"


def has_category(n: int) -> str:
    return (f"(p.category = {n} OR (p.category = 7 AND EXISTS (SELECT 1 FROM registry_certificate c "
            f"WHERE c.person_id = p.id AND c.is_current AND c.components LIKE '%%{n}%%')))")


CARE = f"({has_category(5)} OR {has_category(6)} OR ({has_category(4)} AND p.grade IN (1, 2)))"
HOUSEHOLD_2 = (
    "EXISTS (SELECT 1 FROM registry_householdmember m WHERE m.person_id = p.id AND m.left_on IS NULL AND "
    "(SELECT COUNT(*) FROM registry_householdmember m2 JOIN registry_person q ON q.id = m2.person_id "
    "WHERE m2.household_id = m.household_id AND m2.left_on IS NULL AND q.life_status = 'alive' "
    "AND q.cert_status = 'valid') >= 2)"
)

# The default rules (canlian/programmes/default_rules.py) written by hand as SQL WHERE clauses.
HAND: dict[str, str] = {
    "R1": f"{has_category(6)} AND p.low_income_status IN ('dibao', 'tekun') AND {ALIVE_VALID}",
    "R2": "p.birth_date > %(age7)s AND p.life_status = 'alive' AND p.category IN (1, 2, 3, 4, 5, 6, 7)",
    "R3": f"p.birth_date > %(age18)s AND {has_category(4)} AND {ALIVE_VALID}",
    "R4": f"p.birth_date > %(age18)s AND {ALIVE_VALID}",
    "R5": ALIVE_VALID,
    "L1": f"{has_category(4)} AND {ALIVE_VALID}",
    "L2": ALIVE_VALID,
    "L3": f"{HOUSEHOLD_2} AND {HARDSHIP} AND {ALIVE_VALID}",
    "L4": f"p.birth_date <= %(age60)s AND {HARDSHIP} AND {ALIVE_VALID}",
    "L5": f"p.low_income_status = 'dibao' AND {ALIVE_VALID}",
    "L6": f"p.grade IN (1, 2) AND p.low_income_status <> 'tekun' AND {ALIVE_VALID}",
    "L7": f"p.grade IN (1, 2) AND p.low_income_status NOT IN ('dibao', 'tekun') AND {ALIVE_VALID}",
    "L8": f"{HARDSHIP} AND p.life_status = 'alive'",
    "B1": f"p.grade IN (1, 2) AND {HARDSHIP} AND {ALIVE_VALID}",
    "E1": f"{WORKING} AND {ALIVE_VALID}",
    "E2": f"{WORKING} AND {ALIVE_VALID}",
    "E3": f"{CARE} AND {WORKING} AND {ALIVE_VALID}",
    "E4": f"{WORKING} AND {ALIVE_VALID}",
    "E5": f"{WORKING} AND {ALIVE_VALID}",
    "C1": f"{CARE} AND {ALIVE_VALID}",
    "A1": "p.life_status = 'alive'",
}


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median of `repeat` timings in seconds (after one warm-up), and the last result."""
    result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def measure(*, year: int, repeat: int, sample: int, label: str) -> dict[str, float]:
    from django.db import connection

    from canlian.programmes.choices import RuleStatus
    from canlian.programmes.eligibility import compiled
    from canlian.programmes.models import RuleVersion
    from canlian.programmes.rules import RuleContext
    from canlian.programmes.rules.fields import born_by
    from canlian.programmes.schema import facts_for_many
    from canlian.registry.models import Person

    ref = date(year, 6, 30)
    params = {"ref": ref, **{f"age{n}": born_by(ref, n) for n in (7, 16, 18, 60)}}
    if connection.vendor == "sqlite":  # SQLite's driver compares ISO text: pass dates as text
        params = {k: v.isoformat() for k, v in params.items()}
    total_persons = Person.objects.count()
    rules = (RuleVersion.objects.filter(year=year, status=RuleStatus.PUBLISHED).select_related("programme")
             .order_by("programme__report_order"))
    print(f"\n== {label}: {total_persons:,} persons, reference date {ref} ==")
    print(f"{'code':<5}{'matches':>10}{'ours s':>9}{'hand s':>9}{'ours/hand':>10}{'loop s (est.)':>15}"
          f"{'loop/ours':>10}")
    totals = {"ours": 0.0, "hand": 0.0, "loop": 0.0}
    ids = list(Person.objects.order_by("?").values_list("pk", flat=True)[:sample]) if sample else []
    for rule_version in rules:
        code = rule_version.programme.code
        if code not in HAND:
            continue
        rule = compiled(rule_version)
        ctx = RuleContext.on(ref, programme=code)
        qs = Person.objects.filter(rule.to_q(ctx)).order_by()

        def ours(qs: object = qs) -> int:
            count = qs.count()
            list(qs.values_list("pk", flat=True))
            return count

        where = HAND[code]

        def hand(where: str = where) -> int:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM registry_person p WHERE {where}", params)
                count = cursor.fetchone()[0]
                cursor.execute(f"SELECT p.id FROM registry_person p WHERE {where}", params)
                cursor.fetchall()
            return count

        ours_s, ours_n = _best(ours, repeat)
        hand_s, hand_n = _best(hand, repeat)
        if ours_n != hand_n:
            print(f"   !! {code}: the hand-written query counts {hand_n}, the compiled rule {ours_n}")

        def loop(rule: object = rule, ctx: RuleContext = ctx) -> int:
            matched = 0
            for start in range(0, len(ids), 2000):
                chunk = list(Person.objects.filter(pk__in=ids[start : start + 2000]))
                facts = facts_for_many([p.pk for p in chunk])
                matched += sum(1 for p in chunk if rule.evaluate(facts[p.pk], ctx))
            return matched

        if ids:
            start = time.perf_counter()
            loop()
            loop_s = (time.perf_counter() - start) * total_persons / len(ids)
        else:
            loop_s = float("nan")
        totals["ours"] += ours_s
        totals["hand"] += hand_s
        totals["loop"] += loop_s
        print(f"{code:<5}{ours_n:>10,}{ours_s:>9.3f}{hand_s:>9.3f}{ours_s / hand_s:>10.2f}{loop_s:>15.1f}"
              f"{loop_s / ours_s:>10.0f}")
    print(f"{'all':<5}{'':>10}{totals['ours']:>9.3f}{totals['hand']:>9.3f}"
          f"{totals['ours'] / totals['hand']:>10.2f}{totals['loop']:>15.1f}{totals['loop'] / totals['ours']:>10.0f}")
    print(f"loop: {len(ids):,} persons loaded as instances (facts per chunk of 2,000), extrapolated to "
          f"{total_persons:,}")
    return totals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20_000, help="persons in the per-instance loop sample")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", ""),
                        help="a PostgreSQL URL to build (once) and measure as well")
    args = parser.parse_args(argv)
    if args.pg:
        os.environ["DATABASE_URL"] = args.pg
        _setup()
        _build_pg(args.persons, args.seed)
    else:
        from bench.person_list import _build, _configure

        _configure(args.persons)
        _build(args.persons, args.seed)
    from django.db import connection

    measure(year=args.year, repeat=args.repeat, sample=args.sample, label=connection.vendor)


def _setup() -> None:
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("CANLIAN_HTTPS", "0")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")
    import django

    django.setup()


def _build_pg(persons: int, seed: int) -> None:
    from bench.person_list import _build

    _build(persons, seed)


if __name__ == "__main__":
    main()
