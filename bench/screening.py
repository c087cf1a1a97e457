"""Benchmark: screening every preloaded programme over the registry, three ways, in the same run.

    .venv/bin/python -m bench.screening --persons 1000000                  # SQLite, var/bench/ (built once)
    .venv/bin/python -m bench.screening --persons 100000 --pg URL          # PostgreSQL (a database at URL)

With no --pg, a PostgreSQL DATABASE_URL in the environment is used as --pg. Reuses the person-list
benchmark's database builder (seed_demo --persons N). For every programme with a rule published for the
reference year it times:

* ours — the compiled rule: the ids of ``Person.objects.filter(rule.to_q(ctx))``, one query, as screening
  runs it (``screening.eligible_rows``: the eligible count is their number, 应享未享 the unserved ones);
* hand — a hand-written SQL query of the same rule (the ids), written here without the engine; its count is
  checked against ours, so the comparison is between equal answers;
* loop — the per-instance Python loop: persons loaded as model instances in key order, 2,000 at a time, with
  their related facts loaded per chunk (facts_for_many: five queries per chunk), and the rule evaluated in
  Python per person. The loading is timed once on a contiguous run of --sample persons from a random
  starting key and shared by every programme (each programme's loop = loading + its own evaluation), then
  **extrapolated** to the whole registry (“est.”); --sample 0 with --full-loop loads everybody instead.
  The loop's matches on the sample are checked against the compiled rule on the same persons.

Prints a table per database with the ratios ours/hand (target ≤ 2) and loop/ours (target ≥ 50), and the
load average of the machine before and after each programme (the machine is shared).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date

ALIVE_VALID = "p.life_status = 'alive' AND p.cert_status = 'valid' AND p.cert_valid_until >= %(ref)s"
# the low-income status on the reference date: the person's own columns (status of today and the day it began,
# decision 0018) for everyone whose status began on or before the date; the few whose status changed after it
# look up their own period in force on the date (periods never overlap)
IN_FORCE = "{t}.start <= %(ref)s AND ({t}.\"end\" IS NULL OR {t}.\"end\" >= %(ref)s)"
STATUSES = ("dibao", "tekun", "bianyuan", "none")


def status_in(*statuses: str) -> str:
    real = ", ".join(f"'{s}'" for s in statuses if s != "none")
    period = f"SELECT 1 FROM registry_lowincomeperiod l WHERE l.person_id = p.id AND {IN_FORCE.format(t='l')}"
    parts = []
    if real:
        parts.append(f"EXISTS ({period} AND l.status IN ({real}))")
    if "none" in statuses:
        parts.append(f"NOT EXISTS ({period})")
    listed = ", ".join(f"'{s}'" for s in statuses)
    return (f"(CASE WHEN p.low_income_since IS NULL OR p.low_income_since <= %(ref)s "
            f"THEN p.low_income_status IN ({listed}) ELSE ({' OR '.join(parts)}) END)")


def status_not_in(*statuses: str) -> str:
    return status_in(*(s for s in STATUSES if s not in statuses))


HARDSHIP = status_in("dibao", "tekun", "bianyuan")
WORKING = "p.birth_date <= %(age16)s AND p.birth_date > %(age60)s"


def has_category(n: int) -> str:
    return (f"(p.category IN ({n}, 7) AND (p.category = {n} OR (p.category = 7 AND EXISTS (SELECT 1 FROM "
            f"registry_certificate c WHERE c.person_id = p.id AND c.is_current AND c.category = 7 "
            f"AND c.components LIKE '%%{n}%%'))))")


def true(column: str) -> str:
    return f"p.{column} = TRUE"


CARE = f"({has_category(5)} OR {has_category(6)} OR ({has_category(4)} AND p.grade IN (1, 2)))"
CHILD = (f"({has_category(1)} OR {has_category(2)} OR {has_category(3)} OR {has_category(4)} OR {has_category(5)} "
         f"OR {true('autism')})")
NURSING = (f"((p.grade IN (1, 2) AND {true('needs_long_term_care')}) OR (p.grade IN (3, 4) AND "
           f"({has_category(5)} OR {has_category(6)})))")
# members of households that keep a count of two certified members or more (decision 0019), one set
HOUSEHOLD_2 = (
    "p.id IN (SELECT m.person_id FROM registry_householdmember m JOIN registry_household h ON h.id = m.household_id "
    "WHERE m.left_on IS NULL AND h.certified_count >= 2)"
)

# The default rules (canlian/programmes/default_rules.py) written by hand as SQL WHERE clauses, as a careful
# writer would: column tests first, then sets computed once (IN), then per-row subqueries (EXISTS, COUNT).
HAND: dict[str, str] = {
    "R1": f"{ALIVE_VALID} AND {status_in('dibao', 'tekun')} AND {has_category(6)}",
    "R2": f"p.birth_date > %(age7)s AND p.life_status = 'alive' AND {CHILD}",
    "R3": f"p.birth_date > %(age18)s AND {ALIVE_VALID} AND {has_category(4)}",
    "R4": f"p.birth_date > %(age18)s AND {ALIVE_VALID}",
    "R5": ALIVE_VALID,
    "L1": f"{true('lower_limb')} AND {true('owns_wheelchair_vehicle')} AND {ALIVE_VALID} AND {has_category(4)}",
    "L2": ALIVE_VALID,
    "L3": f"{ALIVE_VALID} AND {HARDSHIP} AND {HOUSEHOLD_2}",
    "L4": f"p.birth_date <= %(age60)s AND {HARDSHIP} AND {ALIVE_VALID}",
    "L5": f"({status_in('dibao')} OR {true('poverty_alleviated')}) AND {status_not_in('tekun')} AND {ALIVE_VALID}",
    "L6": f"NOT {true('work_injury_care')} AND {ALIVE_VALID} AND {status_not_in('tekun')} AND {NURSING}",
    "L7": f"p.grade IN (1, 2) AND {status_not_in('dibao', 'tekun')} AND {ALIVE_VALID}",
    "L8": f"{HARDSHIP} AND p.life_status = 'alive'",
    "B1": f"p.grade IN (1, 2) AND {HARDSHIP} AND {ALIVE_VALID}",
    "E1": f"{WORKING} AND {ALIVE_VALID}",
    "E2": f"{WORKING} AND {ALIVE_VALID}",
    "E3": f"{WORKING} AND {ALIVE_VALID} AND {CARE}",
    "E4": f"{WORKING} AND {ALIVE_VALID}",
    "E5": f"{WORKING} AND {ALIVE_VALID}",
    "C1": f"{ALIVE_VALID} AND {CARE}",
    "A1": "p.life_status = 'alive'",
}


def _median(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median of `repeat` timings in seconds (after one warm-up), and the last result."""
    result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def load_sample(sample: int, seed: int) -> tuple[list, dict, float, tuple[int, int]]:
    """The loop's loading half: `sample` persons as instances, in key order from a random key, 2,000 at a time,
    with facts_for_many per chunk. Returns the persons, their facts, the seconds it took and the key range."""
    from canlian.programmes.schema import facts_for_many
    from canlian.registry.models import Person

    first_key = Person.objects.order_by("pk").values_list("pk", flat=True).first()
    last_key = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    start_key = random.Random(seed).randint(first_key, max(first_key, last_key - sample)) if sample else first_key
    persons: list = []
    facts: dict = {}
    after = start_key - 1
    started = time.perf_counter()
    while not sample or len(persons) < sample:
        size = 2000 if not sample else min(2000, sample - len(persons))
        chunk = list(Person.objects.filter(pk__gt=after).order_by("pk")[:size])
        if not chunk:
            break
        facts.update(facts_for_many([p.pk for p in chunk]))
        persons.extend(chunk)
        after = chunk[-1].pk
    seconds = time.perf_counter() - started
    return persons, facts, seconds, (persons[0].pk, persons[-1].pk)


def measure(
    *, year: int, repeat: int, sample: int, seed: int, label: str, only: tuple[str, ...] = ()
) -> dict[str, float]:
    from django.db import connection

    from canlian.programmes.choices import RuleStatus
    from canlian.programmes.eligibility import compiled
    from canlian.programmes.models import RuleVersion
    from canlian.programmes.rules import RuleContext
    from canlian.programmes.rules.fields import born_by
    from canlian.registry.models import Person

    ref = date(year, 6, 30)
    params: dict[str, object] = {"ref": ref, **{f"age{n}": born_by(ref, n) for n in (7, 16, 18, 60)}}
    if connection.vendor == "sqlite":  # SQLite's driver compares ISO text: pass dates as text
        params = {k: v.isoformat() for k, v in params.items()}
    total_persons = Person.objects.count()
    rules = (RuleVersion.objects.filter(year=year, status=RuleStatus.PUBLISHED).select_related("programme")
             .order_by("programme__report_order"))
    print(f"\n== {label}: {total_persons:,} persons, reference date {ref}, load average {_load()} ==")
    persons, facts, load_s, (low, high) = load_sample(sample, seed)
    gc.collect()
    gc.freeze()  # the sample's instances stay alive all run: keep the collector from walking them in every timing
    scale = total_persons / len(persons)
    print(f"loop: loaded {len(persons):,} persons (keys {low:,}–{high:,}) as instances with their facts in "
          f"{load_s:.1f} s ({load_s / len(persons) * 1e6:.0f} µs per person); load average {_load()}")
    print(f"{'code':<5}{'matches':>10}{'ours s':>9}{'hand s':>9}{'ours/hand':>10}{'loop s':>9}{'loop/ours':>10}"
          f"  load before→after")
    totals = {"ours": 0.0, "hand": 0.0, "loop": 0.0}
    worst: dict[str, tuple[str, float]] = {"ours/hand": ("", 0.0), "loop/ours": ("", float("inf"))}
    rules = [r for r in rules if r.programme.code in HAND and (not only or r.programme.code in only)]
    # one untimed pass over every programme first, so that no programme pays for the caches (the database's
    # pages, Python's first queries) that the ones after it find warm
    for rule_version in rules:
        code = rule_version.programme.code
        Person.objects.filter(compiled(rule_version).to_q(RuleContext.on(ref, programme=code))).count()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM registry_person p WHERE {HAND[code]}", params)
    for rule_version in rules:
        code = rule_version.programme.code
        before = _load()
        rule = compiled(rule_version)
        ctx = RuleContext.on(ref, programme=code)
        qs = Person.objects.filter(rule.to_q(ctx)).order_by()

        def ours(qs: object = qs) -> int:
            return len(list(qs.values_list("pk", flat=True)))

        where = HAND[code]

        def hand(where: str = where) -> int:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT p.id FROM registry_person p WHERE {where}", params)
                return len(cursor.fetchall())

        ours_s, ours_n = _median(ours, repeat)
        hand_s, hand_n = _median(hand, repeat)
        if ours_n != hand_n:
            print(f"   !! {code}: the hand-written query counts {hand_n}, the compiled rule {ours_n}")

        started = time.perf_counter()
        matched = {p.pk for p in persons if rule.evaluate(facts[p.pk], ctx)}
        eval_s = time.perf_counter() - started
        in_range = set(qs.filter(pk__gte=low, pk__lte=high).values_list("pk", flat=True))
        if matched != in_range:
            print(f"   !! {code}: the loop matches {len(matched)} of the sample, the compiled rule {len(in_range)}")
        loop_s = (load_s + eval_s) * scale
        totals["ours"] += ours_s
        totals["hand"] += hand_s
        totals["loop"] += loop_s
        if ours_s / hand_s > worst["ours/hand"][1]:
            worst["ours/hand"] = (code, ours_s / hand_s)
        if loop_s / ours_s < worst["loop/ours"][1]:
            worst["loop/ours"] = (code, loop_s / ours_s)
        print(f"{code:<5}{ours_n:>10,}{ours_s:>9.3f}{hand_s:>9.3f}{ours_s / hand_s:>10.2f}{loop_s:>9.1f}"
              f"{loop_s / ours_s:>10.0f}  {before}→{_load()}")
    print(f"{'all':<5}{'':>10}{totals['ours']:>9.3f}{totals['hand']:>9.3f}"
          f"{totals['ours'] / totals['hand']:>10.2f}{totals['loop']:>9.1f}{totals['loop'] / totals['ours']:>10.0f}")
    est = "" if len(persons) == total_persons else f", extrapolated ×{scale:.1f} from {len(persons):,} persons"
    print(f"loop s = (loading + that rule's evaluation){est}. Worst ours/hand: {worst['ours/hand'][0]} "
          f"{worst['ours/hand'][1]:.2f}; worst loop/ours: {worst['loop/ours'][0]} {worst['loop/ours'][1]:.0f}")
    return totals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=50_000, help="persons in the per-instance loop's sample")
    parser.add_argument("--only", default="", help="comma-separated programme codes (default: all)")
    parser.add_argument("--full-loop", action="store_true", help="load every person in the loop (no sample)")
    env_url = os.environ.get("DATABASE_URL", "")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "") or
                        (env_url if env_url.startswith("postgres") else ""),
                        help="a PostgreSQL URL to build (once) and measure; default $BENCH_PG_URL or a "
                             "postgres $DATABASE_URL")
    args = parser.parse_args(argv)
    if args.pg:
        os.environ["DATABASE_URL"] = args.pg
        _setup()
        from bench.person_list import _build

        _build(args.persons, args.seed)
    else:
        from bench.person_list import _build, _configure

        _configure(args.persons)
        _build(args.persons, args.seed)
    from django.db import connection

    if connection.vendor == "postgresql":
        # what autovacuum does some time after a bulk load, done now: the visibility map lets the covering
        # indexes answer without visiting the table (index-only scans), and the statistics are fresh
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("registry_person", "registry_lowincomeperiod", "registry_householdmember",
                          "registry_certificate", "programmes_enrolment"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        print(f"VACUUM (ANALYZE) of the registry tables: {time.perf_counter() - started:.1f} s")
    sample = 0 if args.full_loop else args.sample
    measure(year=args.year, repeat=args.repeat, sample=sample, seed=args.seed,
            only=tuple(c for c in args.only.split(",") if c),
            label=f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}")


def _setup() -> None:
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("CANLIAN_HTTPS", "0")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")
    import django

    django.setup()


if __name__ == "__main__":
    main()
