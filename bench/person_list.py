"""Benchmark: one page of the filtered person list, at the first page and deep, against the Django admin.

    .venv/bin/python -m bench.person_list --persons 1000000

Builds (once) an SQLite database under var/bench/ with `seed_demo --persons N`, reused while it holds N
persons, then times in the same process:

* the selector `person_search` (keyset) for the first page and for a deep page reached by cursor;
* the list screen /registry/ (selector + template) for the same two pages;
* the Django admin changelist of Person with the same filter (OFFSET paging and its two COUNTs).

The filter is 肢体 (category 4), grade 1–2, 低保, as a district officer would set it; the deep page is the
1,500th, or the last page when the filtered list is shorter (the unfiltered list is measured at 1,500 too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = 50


def _configure(persons: int) -> Path:
    path = ROOT / "var" / "bench" / f"person_list-{persons}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("CANLIAN_HTTPS", "0")
    os.environ["DEBUG"] = "0"  # no query log: time what production does
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")
    import django

    django.setup()
    return path


def _build(persons: int, seed: int) -> None:
    from django.core.management import call_command

    from canlian.registry.models import Person

    call_command("migrate", verbosity=0)
    have = Person.objects.count()
    if have == persons:
        print(f"reusing the database with {have:,} persons")
        return
    if have:
        sys.exit(f"the benchmark database holds {have:,} persons, not {persons:,}: delete it and run again")
    started = time.perf_counter()
    call_command("seed_demo", persons=persons, seed=seed, force=True)
    print(f"built in {time.perf_counter() - started:.0f} s")


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--depth", type=int, default=1500, help="the deep page (1-based)")
    args = parser.parse_args(argv)
    _configure(args.persons)
    from django.test.utils import override_settings

    # Static files are served from the source tree here; production's manifest needs collectstatic first.
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        _build(args.persons, args.seed)
        _measure(args)


def _measure(args: argparse.Namespace) -> None:

    from django.test import Client

    from canlian.accounts.choices import Role
    from canlian.accounts.models import User
    from canlian.regions.models import Region
    from canlian.registry.models import Person
    from canlian.registry.selectors import PersonFilters, person_search

    district = Region.objects.get(code="340302")
    admin, _ = User.objects.update_or_create(
        username="bench_admin",
        defaults={
            "role": Role.DISTRICT_OFFICER,
            "area": district,
            "is_staff": True,
            "is_superuser": True,
            "must_change_password": False,
            "full_name": "基准测试",
        },
    )
    officer = User.objects.get(username="zhuangan")
    client = Client()
    client.force_login(admin)

    filters = PersonFilters(category=4, grades=(1, 2), low_income="dibao")
    query = "category=4&grade=12&low_income=dibao"
    admin_query = "category__exact=4&grade__in=1,2&low_income_status__exact=dibao"

    def cursor_at(flt: PersonFilters, depth: int) -> tuple[str | None, int]:
        """The cursor that opens page `depth` (or the last page), walked one keyset page at a time."""
        after, page = None, 1
        while page < depth:
            result = person_search(officer, flt, after=after, limit=PAGE)
            if result.next_cursor is None:
                break
            after, page = result.next_cursor, page + 1
        return after, page

    deep_cursor, deep_page = cursor_at(filters, args.depth)
    all_cursor, all_page = cursor_at(PersonFilters(), args.depth)

    def selector(flt: PersonFilters, after: str | None) -> Callable[[], object]:
        return lambda: len(person_search(officer, flt, after=after, limit=PAGE).items)

    def get(url: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return run

    sample = Person.objects.order_by("-id").first()
    last_street = Region.objects.filter(level="street", code__startswith="340302").order_by("-code").first()
    street = last_street.code if last_street else ""
    rows = [
        ("selector", "ID number search", selector(PersonFilters(q=sample.decrypt_id_number()), None)),
        ("selector", "name search", selector(PersonFilters(q=sample.name), None)),
        ("selector", "last street, age 60+", selector(PersonFilters(area=street, min_age=60), None)),
        ("selector", "一户多残, page 1", selector(PersonFilters(multi_disabled=True), None)),
        ("selector", "filtered, page 1", selector(filters, None)),
        ("selector", f"filtered, page {deep_page}", selector(filters, deep_cursor)),
        ("selector", f"all, page {all_page}", selector(PersonFilters(), all_cursor)),
        ("list screen", "filtered, page 1", get(f"/registry/?{query}")),
        ("list screen", f"filtered, page {deep_page}", get(f"/registry/?{query}&after={deep_cursor}")),
        ("admin changelist", "filtered, page 1", get(f"/django-admin/registry/person/?{admin_query}")),
        (
            "admin changelist",
            f"filtered, page {deep_page}",
            get(f"/django-admin/registry/person/?{admin_query}&p={deep_page}"),
        ),
        ("admin changelist", f"all, page {all_page}", get(f"/django-admin/registry/person/?p={all_page}")),
    ]
    print(f"\n{args.persons:,} persons, SQLite, {args.repeat} runs each, page size {PAGE}")
    print(f"{'what':<18} {'page':<22} {'median ms':>10} {'p95 ms':>10}")
    for what, page, fn in rows:
        median, p95 = _time(fn, args.repeat)
        print(f"{what:<18} {page:<22} {median:>10.1f} {p95:>10.1f}")


if __name__ == "__main__":
    main()
