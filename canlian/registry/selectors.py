"""Reads of the registry, always through `visible_to(user)`.

The person list pages by keyset (the last row's (area_code, id) is the cursor) instead of OFFSET, and
never counts the whole result to draw a page: page 1,500 costs what page 1 costs (docs/decisions/0008).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import StrIndex
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.scoping import area_prefix, in_scope
from canlian.common import crypto
from canlian.common.certificate import CertificateNumberError, parse_certificate_number
from canlian.common.idcard import IdNumberError, normalise_code, parse_id_number
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.registry.choices import EffectiveCertificateStatus
from canlian.registry.models import (
    AREA_CODE_LENGTH,
    BankAccount,
    Certificate,
    Household,
    HouseholdMember,
    LowIncomePeriod,
    Person,
    StatusChange,
)

if TYPE_CHECKING:
    from canlian.accounts.models import User


MAX_LIMIT = 200
_HASH_TERM = re.compile(r"IDX:[0-9A-F]{64}")  # normalise_code upper-cases the link's "idx:<hex>"


@dataclass
class PersonFilters:
    """The filters of the person list, the export and the API (all optional)."""

    area: str = ""  # a street or community code inside the user's area
    category: int | None = None
    grades: tuple[int, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    life_status: str = ""
    low_income: str = ""
    cert_status: str = ""
    multi_disabled: bool = False
    q: str = ""


@dataclass
class SearchTerm:
    """What the free search box was recognised as: an ID number, a certificate number, a phone or a name."""

    kind: str  # "id", "certificate", "phone", "name", ""
    value: str = ""
    masked: str = ""  # an ID or certificate number as it may be shown back to a role without reveal


@dataclass
class Page:
    items: list[Person]
    next_cursor: str | None
    term: SearchTerm = field(default_factory=lambda: SearchTerm(""))


def classify_search(raw: str) -> SearchTerm:
    """Recognise the search text: an 18/15-character ID number or a 20/22-character certificate number
    (found exactly by blind index), a phone number (digits), or else a name."""
    text = normalise_code(raw or "")
    if not text:
        return SearchTerm("")
    if _HASH_TERM.fullmatch(text):  # an ID search carried in a link as its blind index
        return SearchTerm("id", text[4:].lower(), _("（按身份证号查找）"))
    if len(text) in (15, 18):
        try:
            number = parse_id_number(text).number
        except IdNumberError:
            pass
        else:
            return SearchTerm(
                "id", crypto.blind_index(number, purpose="id_number"), f"{number[:6]}{'*' * 8}{number[-4:]}"
            )
    if len(text) in (20, 22):
        try:
            cert = parse_certificate_number(text)
        except CertificateNumberError:
            pass
        else:
            number = cert.id_number
            return SearchTerm(
                "certificate",
                crypto.blind_index(number, purpose="id_number"),
                f"{number[:6]}{'*' * 8}{number[-4:]}{text[18:]}",
            )
    digits = text.replace("-", "")
    if digits.isdigit() and 7 <= len(digits) <= 12:
        return SearchTerm("phone", text)
    return SearchTerm("name", " ".join((raw or "").split()))


def _filtered(
    user: User, filters: PersonFilters, today: date, position: tuple[str, int] | None = None
) -> tuple[QuerySet[Person], SearchTerm]:
    # One range on area_code, the tightest of the user's area, the area filter and the cursor, comes first:
    # SQLite ranges the (area_code, id) index on the first lower bound it is given. visible_to() still
    # applies the user's area on its own below, so this narrowing can never widen what the user sees.
    prefix = area_prefix(user) or ""
    if filters.area:
        if not in_scope(user, filters.area):
            return Person.objects.none(), SearchTerm("")
        prefix = filters.area
    low, high = prefix.ljust(AREA_CODE_LENGTH, "0"), prefix.ljust(AREA_CODE_LENGTH, "9")
    if position is not None:
        code, pk = position
        low = max(low, code)
    qs = Person.objects.filter(area_code__gte=low, area_code__lte=high)
    if position is not None:
        qs = qs.filter(~Q(area_code=code) | Q(id__gt=pk))
    qs = qs.visible_to(user)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.grades:
        qs = qs.filter(grade__in=filters.grades)
    if filters.min_age is not None or filters.max_age is not None:
        qs = qs.born_between(filters.min_age, filters.max_age, today)
    if filters.life_status:
        qs = qs.filter(life_status=filters.life_status)
    if filters.low_income:
        qs = qs.filter(low_income_status=filters.low_income)
    if filters.cert_status:
        qs = qs.with_certificate_status(filters.cert_status, today)
    if filters.multi_disabled:
        qs = qs.in_multi_disabled_household()
    term = classify_search(filters.q)
    if term.kind in ("id", "certificate"):
        qs = qs.filter(id_number_hash=term.value)
    elif term.kind == "phone":
        phones = Person.objects.filter(Q(phone=term.value) | Q(guardian_phone=term.value)).values("pk")
        qs = qs.filter(pk__in=phones)  # from the two phone indexes, as for names below
    elif term.kind == "name":
        # Matched in a subquery that reads only the name (its index, or one pass over the table), so the
        # planner starts from the few matching rows instead of walking the area index to find them.
        qs = qs.filter(pk__in=_name_matches(user, term.value))
    return qs, term


def _name_matches(user: User, text: str) -> QuerySet[Person]:
    """Ids of persons whose name starts with `text` (surname first: index-served) when some name in the
    user's area does, otherwise whose name holds it anywhere (a given name alone: one pass over the name
    index with INSTR, not LIKE). The rule depends on the text and the area only, so every page of one search
    applies the same one."""
    prefix = Q(name__startswith=text)
    if connection.vendor == "sqlite":
        # The same prefix as a range under SQLite's binary collation, which the name index serves (its
        # LIKE cannot use an index); PostgreSQL uses the LIKE prefix as it is.
        prefix &= Q(name__gte=text, name__lt=text[:-1] + chr(ord(text[-1]) + 1))
    starting = Person.objects.filter(prefix).values("pk")
    if len(text) > 1 and not Person.objects.visible_to(user).filter(pk__in=starting).exists():
        return Person.objects.alias(at=StrIndex("name", Value(text))).filter(at__gt=0).values("pk")
    return starting


def parse_cursor(cursor: str | None) -> tuple[str, int] | None:
    """'<area_code>.<id>' → (area_code, id); anything else is treated as "from the start"."""
    if not cursor:
        return None
    code, _, pk = cursor.partition(".")
    if not (code.isdigit() and len(code) <= 12 and pk.isdigit()):
        return None
    return code, int(pk)


def person_search(user: User, filters: PersonFilters, after: str | None = None, limit: int = 50) -> Page:
    """One page of the person list, in (community code, id) order, starting after the cursor.

    Fetches limit + 1 rows to know whether a next page exists; no COUNT. The keyset condition is written
    as `area_code >= c AND (NOT area_code = c OR id > i)`: the first half is a range on the (area_code, id)
    index, which also gives the order; the second cannot be turned into an OR of two index scans.
    """
    return _page(user, filters, after, max(1, min(limit, MAX_LIMIT)))


def _page(user: User, filters: PersonFilters, after: str | None, size: int) -> Page:
    qs, term = _filtered(user, filters, timezone.localdate(), parse_cursor(after))
    rows = list(qs.select_related("community__parent").order_by("area_code", "id")[: size + 1])
    items = rows[:size]
    next_cursor = f"{items[-1].area_code}.{items[-1].pk}" if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor, term=term)


def person_count(user: User, filters: PersonFilters) -> int:
    """The size of the filtered list, counted only when the user asks for it (统计总数)."""
    qs, _term = _filtered(user, filters, timezone.localdate())
    return qs.count()


def person_chunks(user: User, filters: PersonFilters, chunk: int = 2000) -> Iterator[list[Person]]:
    """The whole filtered list in list order, a keyset chunk at a time (for exports)."""
    after = None
    while True:
        page = _page(user, filters, after, chunk)
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        after = page.next_cursor


def person_by_id_number(user: User, raw: str) -> Person | None:
    """The person with this ID (or certificate) number, if the user may see them; exact, by blind index."""
    term = classify_search(raw)
    if term.kind not in ("id", "certificate"):
        return None
    return Person.objects.visible_to(user).filter(id_number_hash=term.value).first()


def id_number_registered(user: User, number: str) -> tuple[bool, Person | None]:
    """Whether a canonical ID number is already in the registry anywhere, and the person when the user may see
    them. Deliberately not scoped for the first answer: a coordinator must learn that the number is taken (in
    another community) before registering it twice, without learning who holds it."""
    existing = Person.objects.filter(id_number_hash=crypto.blind_index(number, purpose="id_number")).first()
    if existing is None:
        return False, None
    return True, Person.objects.visible_to(user).filter(pk=existing.pk).first()


def person_get(user: User, pk: int) -> Person:
    """One person the user may see, or 404 (a person outside the area does not exist for this user)."""
    return get_object_or_404(Person.objects.visible_to(user).select_related("community__parent", "guardian"), pk=pk)


def person_detail(user: User, pk: int) -> Person:
    """A person with everything the person page shows, in a fixed number of queries."""
    person = get_object_or_404(
        Person.objects.visible_to(user)
        .select_related("community__parent", "guardian")
        .prefetch_related(
            Prefetch("certificates", queryset=Certificate.objects.order_by("-issue_date", "-id")),
            Prefetch("low_income_periods", queryset=LowIncomePeriod.objects.order_by("-start", "-id")),
            Prefetch(
                "status_changes",
                queryset=StatusChange.objects.select_related("actor").order_by("-effective_date", "-id"),
            ),
            Prefetch("bank_accounts", queryset=BankAccount.objects.order_by("-is_default", "-is_active", "id")),
            "enrolments__programme",  # the programmes app's 在享记录, shown on the person page
        ),
        pk=pk,
    )
    return person


def person_household(person: Person) -> tuple[Household | None, list[HouseholdMember]]:
    """The person's current household (with its certified count) and its current members."""
    membership = person.memberships.filter(left_on__isnull=True).first()
    if membership is None:
        return None, []
    household = Household.objects.select_related("community").get(pk=membership.household_id)
    members = list(household.members.filter(left_on__isnull=True).select_related("person").order_by("id"))
    return household, members


def household_list(
    user: User, *, multi_only: bool = False, area: str = "", after: str | None = None, limit: int = 50
) -> tuple[list[Household], str | None]:
    """Households the user may see, with their certified-member count, in (community code, id) order and
    paged by keyset like the person list; `multi_only` keeps 一户多残 households."""
    prefix = area_prefix(user) or ""
    if area:
        if not in_scope(user, area):
            return [], None
        prefix = area
    low, high = prefix.ljust(AREA_CODE_LENGTH, "0"), prefix.ljust(AREA_CODE_LENGTH, "9")
    position = parse_cursor(after)
    if position is not None:
        low = max(low, position[0])
    qs = Household.objects.filter(area_code__gte=low, area_code__lte=high)  # one range first, as for persons
    if position is not None:
        qs = qs.filter(~Q(area_code=position[0]) | Q(id__gt=position[1]))
    qs = qs.visible_to(user).select_related("community")
    if multi_only:
        qs = qs.filter(certified_count__gte=2)
    rows = list(qs.order_by("area_code", "id")[: limit + 1])
    items = rows[:limit]
    return items, (f"{items[-1].area_code}.{items[-1].pk}" if len(rows) > limit else None)


def household_detail(user: User, pk: int) -> Household:
    return get_object_or_404(
        Household.objects.visible_to(user).select_related("community"), pk=pk
    )


def household_members(household: Household, *, include_left: bool = False) -> list[HouseholdMember]:
    qs = household.members.select_related("person__community")
    if not include_left:
        qs = qs.filter(left_on__isnull=True)
    return list(qs.order_by("left_on", "id"))


def area_choices(user: User) -> list[Region]:
    """Streets and communities the user may filter by (their own area and below)."""
    prefix = area_prefix(user)
    if prefix is None:
        return []
    return list(
        Region.objects.visible_to(user)
        .filter(level__in=[RegionLevel.STREET, RegionLevel.COMMUNITY])
        .order_by("code")
        .only("code", "name", "level")
    )


def community_choices(user: User) -> list[Region]:
    return list(Region.objects.visible_to(user).filter(level=RegionLevel.COMMUNITY, is_active=True).order_by("code"))


PERSON_CERT_STATUSES = [
    (s.value, s.label) for s in EffectiveCertificateStatus if s != EffectiveCertificateStatus.SUPERSEDED
]


def low_income_drift(person_ids: list[int] | None = None) -> list[tuple[int, tuple, tuple]]:
    """Persons whose low-income columns disagree with their period history: [(id, (status, since) recorded,
    (status, since) the periods give)]. The rules read the columns for every date on or after `since` (decision
    0018), so the services keep them together; the tests hold every writer to this, and it is the check to run
    after repairing data by hand. Two queries."""
    from datetime import timedelta

    persons = Person.objects.all() if person_ids is None else Person.objects.filter(pk__in=person_ids)
    periods = LowIncomePeriod.objects.order_by("person_id", "start", "id")
    if person_ids is not None:
        periods = periods.filter(person_id__in=person_ids)
    latest = {pid: (start, end, status) for pid, start, end, status in
              periods.values_list("person_id", "start", "end", "status").iterator(chunk_size=10_000)}
    drift = []
    for pk, status, since in persons.values_list("pk", "low_income_status", "low_income_since").iterator(
        chunk_size=10_000
    ):
        if pk in latest:
            start, end, period_status = latest[pk]
            derived = (period_status, start) if end is None else ("none", end + timedelta(days=1))
        else:
            derived = ("none", None)
        if (status, since) != derived:
            drift.append((pk, (status, since), derived))
    return drift


def household_count_drift() -> list[tuple[int, int, int]]:
    """Households whose `certified_count` column disagrees with a count of their members: [(id, recorded,
    counted)]. The services keep the column (decision 0019); the tests of every writer assert this is empty, and
    it is the check to run after repairing data by hand (services.households_recount fixes what it lists)."""
    from django.db.models import F, OuterRef

    from canlian.registry.models import certified_count

    rows = (
        Household.objects.annotate(counted=certified_count(OuterRef("pk")))
        .exclude(certified_count=F("counted"))
        .values_list("pk", "certified_count", "counted")
    )
    return list(rows)
