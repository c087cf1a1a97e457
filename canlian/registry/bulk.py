"""Set-based writes to the registry: the building blocks of the imports (persons, deaths, 低保 lists, moves).

Each function takes many rows, validates every one with the same checks as the single-person services
(inputs.py, services.check_*), and applies the valid ones with a fixed number of queries per chunk: one
lookup of the persons by blind index, bulk inserts and bulk updates, one StatusChange and one audit event per
person changed. A refused row never stops the others; it comes back as a CellError (row, column, value,
reason) for the import's error workbook. Applying the same list twice changes nothing the second time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.accounts.scoping import in_scope
from canlian.audit.services import record_many, snapshot
from canlian.common import crypto
from canlian.common.certificate import masked_certificate_number
from canlian.common.exceptions import DomainError, PermissionDenied
from canlian.common.idcard import normalise_code
from canlian.common.imports import PLAIN_FIELD_TYPES, indexes_rebuilt_after
from canlian.common.tabular import CellError
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.registry.choices import (
    CertificateStatus,
    ChangeKind,
    ChangeSource,
    LifeStatus,
    LowIncomeStatus,
)
from canlian.registry.inputs import (
    EDITABLE_FIELDS,
    CertificateInput,
    PersonInput,
    clean_certificate,
    clean_community,
    clean_effective_date,
    clean_id_number,
    clean_low_income_status,
    clean_person_fields,
    day_before,
)
from canlian.registry.models import Certificate, LowIncomePeriod, Person, StatusChange
from canlian.registry.services import (
    PERSON_AUDIT_FIELDS,
    certificate_label,
    check_after_period,
    check_can_leave,
    check_community_access,
    households_recount,
    registration_text,
)

if TYPE_CHECKING:
    from canlian.accounts.models import User

CHUNK = 500

# Column names for errors: the registry's field labels, which the import templates use as headers.
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "community": "社区代码",
    "hukou_type": "户口类型",
    "ethnicity": "民族",
    "phone": "联系电话",
    "address": "居住地址",
    "education": "文化程度",
    "marital_status": "婚姻状况",
    "guardian_id": "监护人",
    "guardian_name": "监护人姓名",
    "guardian_phone": "监护人电话",
    "guardian_relation": "监护人关系",
    "owns_wheelchair_vehicle": "持有机动轮椅车",
    "lower_limb": "下肢残疾",
    "poverty_alleviated": "脱贫人口",
    "needs_long_term_care": "需长期照护",
    "work_injury_care": "领取工伤护理费",
    "autism": "孤独症",
    "certificate_number": "残疾人证号",
    "category": "残疾类别",
    "grade": "残疾等级",
    "components": "多重残疾类别",
    "issue_date": "发证日期",
    "valid_until": "有效期至",
    "effective_date": "日期",
    "status": "低保状态",
    "destination": "迁往",
    "": "",
}


@dataclass(frozen=True)
class PersonRow:
    row: int
    person: PersonInput
    certificate: CertificateInput | None = None


@dataclass(frozen=True)
class DeathRow:
    row: int
    id_number: str
    date_of_death: date
    reason: str = ""


@dataclass(frozen=True)
class LowIncomeRow:
    row: int
    id_number: str
    status: str
    effective: date
    reason: str = ""


@dataclass(frozen=True)
class MoveRow:
    """A move: to `community` (a community code of the district) or, without one, out to `destination`."""

    row: int
    id_number: str
    moved_on: date
    community: str = ""
    destination: str = ""
    reason: str = ""


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)

    def refuse(self, row: int, error: DomainError, value: object = "") -> None:
        self.errors.append(
            CellError(
                row=row,
                column=FIELD_LABELS.get(error.field or "", error.field or ""),
                value=value,
                reason=error.message,
            )
        )


def insert_rows(model: type[Model], objs: Sequence[Model], *, batch_size: int = CHUNK) -> None:
    """INSERT `objs` without setting their primary keys, as `_insert` writes rows.

    Django's bulk_create compiles an INSERT with one placeholder group per row, and on SQLite splits it at 999
    variables (≈ 30 persons per statement); with four rows written per imported person that compiling was most
    of an import's time. The values are prepared exactly as bulk_create prepares them (`pre_save` for the
    auto_now fields, `get_db_prep_save`).
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]

    def prepare(obj: Model) -> list[Any]:
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]

    _insert(model, fields, objs, prepare, batch_size=batch_size)


def insert_values(model: type[Model], rows: Sequence[dict[str, Any]], *, batch_size: int = CHUNK) -> None:
    """INSERT rows given as {attname: value} without model instances, as `_insert` writes rows.

    For the import's new rows, whose values the import has already cleaned: building a model instance and
    preparing each field through `get_db_prep_save` cost more than validating the row. A field missing from a
    row gets its default (`auto_now`/`auto_now_add` fields: now), as `Model()` would. Values of text, integer,
    boolean, binary and foreign-key columns must be plain `str`/`int`/`bool`/`bytes`/None (what the cleaning
    functions and the encryptor return) and go to the driver as they are, as `get_db_prep_save` would pass
    them; dates, datetimes and every other type are prepared by the backend's adapters or the field itself.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names: list[tuple[str, Any]] = []  # (attname, default prepared for the database)
    special: list[tuple[int, str, Callable[[Any], Any]]] = []  # columns whose given values need preparing
    for index, f in enumerate(fields):
        default = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        prepare = _prepare(f, connection)
        names.append((f.attname, f.get_db_prep_save(default, connection) if prepare is None else prepare(default)))
        if prepare is not None:
            special.append((index, f.attname, prepare))
    attnames, defaults = [name for name, _d in names], [default for _n, default in names]

    def values_of(row: dict[str, Any]) -> list[Any]:
        values = list(map(row.get, attnames, defaults))  # row.get(name, default), looped in C
        for index, name, prepare in special:  # a default (timestamps, absent dates) is prepared already
            if name in row:
                values[index] = prepare(values[index])
        return values

    _insert(model, fields, rows, values_of, batch_size=batch_size)


def _insert(
    model: type[Model],
    fields: list[Any],
    rows: Sequence[Any],
    values_of: Callable[[Any], list[Any]],
    *,
    batch_size: int,
) -> None:
    """Write `rows` (their column values from `values_of`, in the order of `fields`) into the model's table: on
    PostgreSQL with one `COPY … FROM STDIN`, elsewhere with one `executemany` per batch.

    PostgreSQL: Django's psycopg cursor binds parameters on the client, in Python, value by value, so an
    `executemany` of 100,000 rows spent more time quoting values than the server spent storing them; COPY
    sends the rows as one stream that psycopg formats in C (decision 0021). SQLite: rows that at least double
    the table are inserted with its indexes dropped and created again after them (`indexes_rebuilt_after`).
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values_of(row))
        return
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608  (quoted names)
    with indexes_rebuilt_after(model, len(rows), using=connection.alias), connection.cursor() as cursor:
        for batch in _chunks(rows, batch_size):
            cursor.executemany(sql, [values_of(row) for row in batch])


def _prepare(field: Any, connection: Any) -> Callable[[Any], Any] | None:
    """How to prepare a column's values (None: plain values pass as they are), as `get_db_prep_save` would."""
    kind = field.get_internal_type()
    if kind in PLAIN_FIELD_TYPES:
        return None
    slow = functools.partial(field.get_db_prep_save, connection=connection)
    if kind == "DateField":
        adapt_date = connection.ops.adapt_datefield_value
        dates: dict[date, Any] = {}  # a column repeats its dates (birth dates, issue dates): adapt each once

        def adapt(v: Any) -> Any:
            if v is None:
                return None
            if type(v) is not date:
                return slow(v)
            if v not in dates:
                dates[v] = adapt_date(v)
            return dates[v]

        return adapt
    if kind == "DateTimeField":
        cache: dict[Any, Any] = {}  # one `now` for a whole batch: adapt it once

        def adapt_datetime(v: Any) -> Any:
            if v not in cache:
                cache[v] = slow(v)
            return cache[v]

        return adapt_datetime
    return slow


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_hash(qs: QuerySet[Person], hashes: Iterable[str]) -> dict[str, Person]:
    """Persons of `qs` keyed by blind index, fetched one chunk of hashes per query."""
    found: dict[str, Person] = {}
    unique = list(dict.fromkeys(hashes))
    for chunk in _chunks(unique):
        for person in qs.filter(id_number_hash__in=chunk).select_related("community"):
            found[person.id_number_hash] = person
    return found


def _change(
    person: Person, kind: str, day: date, old: str, new: str, reason: str, actor: User, source: str
) -> StatusChange:
    return StatusChange(
        person=person,
        kind=kind,
        effective_date=day,
        old_value=str(old)[:200],
        new_value=str(new)[:200],
        reason=str(reason or "")[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
    )


def _hashed_rows(rows: Sequence, result: BulkResult) -> list[tuple[object, str]]:
    """(row, blind index) for the rows whose ID number parses; the others become errors. Repeats are refused."""
    seen: set[str] = set()
    out = []
    for row in rows:
        try:
            number = clean_id_number(row.id_number).number
        except DomainError as error:
            result.refuse(row.row, error, row.id_number)
            continue
        digest = crypto.blind_index(number, purpose="id_number")
        if digest in seen:
            result.refuse(row.row, DomainError(_("同一身份证号在本批中出现多次，只处理第一次"), field="id_number"))
            continue
        seen.add(digest)
        out.append((row, digest))
    return out


NOT_FOUND = _("档案中没有此身份证号，或此人不在您负责的区域内")


# --- persons ---------------------------------------------------------------------------------------------


@transaction.atomic
def person_bulk_upsert(*, actor: User, rows: Sequence[PersonRow], source: str = ChangeSource.IMPORT) -> BulkResult:
    """Create the persons whose ID number is new and update the details of those already registered.

    Validation is person_create's. A registered person's residence follows the row (recorded as a residence
    change); a certificate in the row is added for a person without one, and must match the current one
    otherwise (a different category or grade is a re-assessment, done with person_reassess).
    """
    require(actor, "person.edit")
    result = BulkResult()
    today = timezone.localdate()
    codes = {normalise_code(str(r.person.community)) for r in rows if not isinstance(r.person.community, Region)}
    communities = {
        region.code: region
        for chunk in _chunks(sorted(codes))
        for region in Region.objects.filter(code__in=chunk, level=RegionLevel.COMMUNITY)
    }
    guardian_ids = {r.person.guardian_id for r in rows if r.person.guardian_id}
    visible_guardians = (
        set(Person.objects.visible_to(actor).filter(pk__in=guardian_ids).values_list("pk", flat=True))
        if guardian_ids
        else set()
    )

    cleaned: list[tuple[PersonRow, str, object, dict, Region, dict | None]] = []
    seen: set[str] = set()
    for row in rows:
        try:
            ident = clean_id_number(row.person.id_number)
            fields = clean_person_fields(row.person)
            community = clean_community(row.person.community, communities)
            check_community_access(actor, community)
            if fields["guardian_id"] and fields["guardian_id"] not in visible_guardians:
                raise DomainError(_("所选监护人不在档案中，或不在您负责的区域内"), field="guardian_id")
            cert = clean_certificate(row.certificate, ident.number, today=today) if row.certificate else None
        except DomainError as error:
            result.refuse(row.row, error, _raw_value(row, error.field))
            continue
        digest = crypto.blind_index(ident.number, purpose="id_number")
        if digest in seen:
            result.refuse(row.row, DomainError(_("同一身份证号在本批中出现多次，只处理第一次"), field="id_number"))
            continue
        seen.add(digest)
        cleaned.append((row, digest, ident, fields, community, cert))

    existing = _by_hash(Person.objects.all(), [c[1] for c in cleaned])
    current_certs = {
        c.person_id: c
        for chunk in _chunks([p.pk for p in existing.values()])
        for c in Certificate.objects.filter(person_id__in=chunk, is_current=True)
    }
    new_persons: list[tuple[Person, dict | None]] = []
    updates: list[tuple[Person, dict, dict, Region | None]] = []
    certs_for_existing: list[tuple[Person, dict]] = []
    for row, digest, ident, fields, community, cert in cleaned:
        person = existing.get(digest)
        if person is None:
            new = Person(
                community=community,
                area_code=community.code,
                birth_date=ident.birth_date,  # type: ignore[attr-defined]
                sex=ident.sex,
                **fields,
            )  # type: ignore[attr-defined]
            new.set_id_number(ident.number)  # type: ignore[attr-defined]
            if cert:
                new.category, new.grade = cert["category"], cert["grade"]
                new.cert_status, new.cert_valid_until = CertificateStatus.VALID, cert["valid_until"]
            new_persons.append((new, cert))
            continue
        if not in_scope(actor, person.area_code):
            result.refuse(
                row.row,
                DomainError(_("该身份证号已在档案中登记（不在您负责的区域内），请联系区残联"), field="id_number"),
            )
            continue
        held = current_certs.get(person.pk)
        if cert and held is not None and (held.category, held.grade) != (cert["category"], cert["grade"]):
            result.refuse(
                row.row,
                DomainError(
                    _("残疾人证与档案中的当前证件（%(held)s）不一致：类别或等级变化请通过“重新评定”办理")
                    % {"held": certificate_label(held.category, held.grade)},
                    field="certificate_number",
                ),
            )
            continue
        before = {name: getattr(person, name) for name in EDITABLE_FIELDS}
        changed = {name: value for name, value in fields.items() if before[name] != value}
        moved_to = community if community.pk != person.community_id else None
        if cert and held is None:
            certs_for_existing.append((person, cert))
        if changed or moved_to:
            old = {k: before[k] for k in changed} | ({"community": person.community_id} if moved_to else {})
            updates.append((person, old, changed, moved_to))
        elif not (cert and held is None):
            result.unchanged += 1

    for chunk in _chunks([p for p, _cert in new_persons]):
        for person in chunk:
            person.full_clean(
                exclude=["id_number_hash", "community"], validate_unique=False, validate_constraints=False
            )
    written = persons_write(
        actor=actor, new=new_persons, updates=updates, certificates_for=certs_for_existing, source=source
    )
    result.created, result.updated = written.created, written.updated
    return result


@dataclass
class Written:
    created: int
    updated: int


def persons_write(
    *,
    actor: User,
    new: Sequence[tuple[Person, dict | None]],
    updates: Sequence[tuple[Person, dict, dict, Region | None]],
    certificates_for: Sequence[tuple[Person, dict]],
    source: str,
    audit: bool = True,
    batch_size: int = CHUNK,
) -> Written:
    """The writing half of person_bulk_upsert, for rows already validated by its checks (or an import's).

    `new`: unsaved persons (ID set, fields cleaned) with their cleaned certificate or None; `updates`: (person,
    old values, changed values, new community or None); `certificates_for`: registered persons without a
    certificate and the one to add. Writes persons, certificates and StatusChange rows in bulk; per-person
    audit events unless `audit` is False (an import records one event for the whole file, decision 0006).
    """
    today = timezone.localdate()
    new_persons, certs_for_existing = new, certificates_for

    now = timezone.now()
    changes: list[StatusChange] = []
    certificates: list[Certificate] = []
    created = [p for p, _cert in new_persons]
    insert_rows(Person, created, batch_size=batch_size)
    ids = {
        digest: pk
        for chunk in _chunks([p.id_number_hash for p in created], batch_size)
        for digest, pk in Person.objects.filter(id_number_hash__in=chunk).values_list("id_number_hash", "pk")
    }
    for person in created:
        person.pk = ids[person.id_number_hash]
        person._state.adding, person._state.db = False, "default"
    for person, cert in new_persons:
        label = number = ""
        if cert:
            new = Certificate(person=person, status=CertificateStatus.VALID, is_current=True, **cert)
            certificates.append(new)
            label, number = certificate_label(new.category, new.grade), new.number_masked
        text = registration_text(person.community.name, label, number)
        changes.append(_change(person, ChangeKind.REGISTERED, today, "", text, "", actor, source))
    later: list[Certificate] = []  # first certificates of registered persons: 办证 on the timeline
    for person, cert in certs_for_existing:
        person.category, person.grade = cert["category"], cert["grade"]
        person.cert_status, person.cert_valid_until = CertificateStatus.VALID, cert["valid_until"]
        later.append(Certificate(person=person, status=CertificateStatus.VALID, is_current=True, **cert))
    certificates += later
    for cert in later:
        changes.append(
            _change(
                cert.person,
                ChangeKind.CERTIFICATE_NEW,
                cert.issue_date,
                _("无证"),
                f"{certificate_label(cert.category, cert.grade)}，{cert.number_masked}",
                "",
                actor,
                source,
            )
        )
    insert_rows(Certificate, certificates, batch_size=batch_size)

    update_fields: set[str] = {"updated_at"}
    for person, _before, changed, moved_to in updates:
        for name, value in changed.items():
            setattr(person, name, value)
        update_fields.update(changed)
        if moved_to is not None:
            changes.append(
                _change(person, ChangeKind.RESIDENCE, today, person.community.name, moved_to.name, "", actor, source)
            )
            person.community, person.area_code = moved_to, moved_to.code
            update_fields.update({"community", "area_code"})
        person.updated_at = now
    cert_holders = [p for p, _c in certs_for_existing]
    for person in cert_holders:
        person.updated_at = now
    Person.objects.bulk_update([u[0] for u in updates], sorted(update_fields), batch_size=batch_size)
    Person.objects.bulk_update(
        cert_holders, ["category", "grade", "cert_status", "cert_valid_until", "updated_at"], batch_size=batch_size
    )
    households_recount(persons=[p.pk for p in cert_holders])
    insert_rows(StatusChange, changes, batch_size=batch_size)

    holder_ids = {p.pk for p in cert_holders}
    updated_persons = [person for person, _b, _c, _m in updates]
    written = Written(created=len(created), updated=len({p.pk for p in updated_persons} | holder_ids))
    if not audit:
        return written
    record_many(
        actor=actor,
        action="person.create",
        objects=created,
        after=[snapshot(p, PERSON_AUDIT_FIELDS) for p in created],
        message=_("批量登记"),
    )
    record_many(
        actor=actor,
        action="person.update",
        objects=updated_persons,
        before=[b for _p, b, _c, _m in updates],
        after=[{**c, **({"community": m.pk} if m else {})} for _p, _b, c, m in updates],
        message=_("批量更新"),
    )
    added = [c for c in certificates if c.person_id in holder_ids]
    current = {
        person_id: pk
        for chunk in _chunks(sorted(holder_ids), batch_size)
        for person_id, pk in Certificate.objects.filter(person_id__in=chunk, is_current=True).values_list(
            "person_id", "pk"
        )
    }
    for cert in added:
        cert.pk = current[cert.person_id]
    record_many(
        actor=actor,
        action="certificate.create",
        objects=added,
        after=[{"category": c.category, "grade": c.grade, "valid_until": c.valid_until} for c in added],
    )
    return written


@dataclass(frozen=True)
class NewPerson:
    """A validated new person as the import writes it: the person row's values ({attname: value}, ID encrypted),
    the community's name for the timeline, and the cleaned certificate or None."""

    values: dict[str, Any]
    community_name: str
    certificate: dict[str, Any] | None = None


def persons_insert(*, actor: User, rows: Sequence[NewPerson], source: str, batch_size: int = CHUNK) -> int:
    """The new persons of an import, with their certificates and timeline entries (登记, naming the certificate
    held: decision 0020), set-based.

    The same rows as `persons_write` writes for new persons, built as plain values instead of model instances
    (see `insert_values`): one INSERT per batch and table, one query per batch for the new primary keys. No
    per-person audit events: the import's one event stands for them (decision 0006). Returns the count.
    """
    if not rows:
        return 0
    today = timezone.localdate()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    before = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    insert_values(Person, [r.values for r in rows], batch_size=batch_size)
    # the new rows are those above the highest id before the insert (found by their blind index, so rows other
    # transactions committed meanwhile are ignored): one range scan of the primary key instead of an IN list
    ids = dict(Person.objects.filter(pk__gt=before).values_list("id_number_hash", "pk").iterator(chunk_size=10_000))
    registered, valid = ChangeKind.REGISTERED.value, CertificateStatus.VALID.value
    certificates: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    common = {"kind": registered, "effective_date": today, "old_value": "", "reason": "", "actor_id": actor_id,
              "source": str(source)}
    for row in rows:
        pk = ids[row.values["id_number_hash"]]
        cert = row.certificate
        label = number = ""
        if cert is not None:
            certificates.append({**cert, "person_id": pk, "status": valid, "is_current": True})
            category, grade, reissue = cert["category"], cert["grade"], cert.get("reissue") or 0
            label = certificate_label(category, grade)
            number = masked_certificate_number(row.values["id_number_masked"], category, grade, reissue)
        # one 登记 entry naming the certificate held (decision 0020), as services.person_create writes it
        changes.append({"person_id": pk, "new_value": registration_text(row.community_name, label, number), **common})
    insert_values(Certificate, certificates, batch_size=batch_size)
    insert_values(StatusChange, changes, batch_size=batch_size)
    return len(rows)


def _raw_value(row: PersonRow, field_name: str | None) -> object:
    if field_name == "certificate_number" and row.certificate:
        return row.certificate.number
    return getattr(row.person, field_name or "", "") if field_name and hasattr(row.person, field_name) else ""


# --- life events -----------------------------------------------------------------------------------------


@transaction.atomic
def persons_record_death(*, actor: User, rows: Sequence[DeathRow], source: str = ChangeSource.IMPORT) -> BulkResult:
    """Record deaths from a list (e.g. civil affairs' cremation list): each person leaves the books on the date.

    A person already recorded as deceased on the same date counts as unchanged, so a list can be re-applied.
    """
    require(actor, "person.edit")
    result = BulkResult()
    hashed = _hashed_rows(rows, result)
    persons = _by_hash(Person.objects.visible_to(actor), [h for _r, h in hashed])
    changed: list[Person] = []
    changes: list[StatusChange] = []
    now = timezone.now()
    for row, digest in hashed:
        person = persons.get(digest)
        if person is None:
            result.refuse(row.row, DomainError(NOT_FOUND, field="id_number"), row.id_number)
            continue
        if person.life_status == LifeStatus.DECEASED and person.life_status_date == row.date_of_death:
            result.unchanged += 1
            continue
        try:
            day = check_can_leave(person, row.date_of_death)
        except DomainError as error:
            result.refuse(row.row, DomainError(error.message, field=error.field or "effective_date"), row.date_of_death)
            continue
        person.life_status, person.life_status_date, person.updated_at = LifeStatus.DECEASED, day, now
        changed.append(person)
        changes.append(
            _change(
                person,
                ChangeKind.LIFE,
                day,
                LifeStatus.ALIVE.label,
                LifeStatus.DECEASED.label,
                row.reason,
                actor,
                source,
            )
        )
    Person.objects.bulk_update(changed, ["life_status", "life_status_date", "updated_at"], batch_size=CHUNK)
    households_recount(persons=[p.pk for p in changed])
    StatusChange.objects.bulk_create(changes, batch_size=CHUNK)
    record_many(
        actor=actor,
        action="person.record_death",
        objects=changed,
        before=[{"life_status": LifeStatus.ALIVE} for _p in changed],
        after=[snapshot(p, ["life_status", "life_status_date"]) for p in changed],
        message=_("批量记录死亡"),
    )
    result.updated = len(changed)
    return result


@transaction.atomic
def persons_set_low_income(
    *, actor: User, rows: Sequence[LowIncomeRow], source: str = ChangeSource.IMPORT
) -> BulkResult:
    """Apply a civil-affairs list of low-income statuses with their effective dates (as low_income_set does
    for one person): open periods end the day before, new ones start. Rows already in force are unchanged."""
    require(actor, "person.edit")
    result = BulkResult()
    hashed = _hashed_rows(rows, result)
    persons = _by_hash(Person.objects.visible_to(actor), [h for _r, h in hashed])
    # each person's latest period (open or closed): a new status must start after it (periods never overlap)
    latest_periods: dict[int, LowIncomePeriod] = {}
    for chunk in _chunks([p.pk for p in persons.values()]):
        for p in LowIncomePeriod.objects.filter(person_id__in=chunk).order_by("start", "id"):
            latest_periods[p.person_id] = p
    changed: list[Person] = []
    before: list[dict] = []
    closed: list[LowIncomePeriod] = []
    opened: list[LowIncomePeriod] = []
    changes: list[StatusChange] = []
    now = timezone.now()
    for row, digest in hashed:
        person = persons.get(digest)
        if person is None:
            result.refuse(row.row, DomainError(NOT_FOUND, field="id_number"), row.id_number)
            continue
        try:
            status = clean_low_income_status(row.status)
            if status == person.low_income_status:
                result.unchanged += 1
                continue
            day = clean_effective_date(row.effective, not_before=person.birth_date)
            latest = latest_periods.get(person.pk)
            check_after_period(latest, day)
        except DomainError as error:
            result.refuse(row.row, error, row.status if error.field == "status" else row.effective)
            continue
        if latest is not None and latest.end is None:
            latest.end = day_before(day)
            if latest.pk is not None:  # else opened by an earlier row of this list: created with its end
                closed.append(latest)
        if status != LowIncomeStatus.NONE:
            period = LowIncomePeriod(person=person, status=status, start=day, source=source)
            opened.append(period)
            latest_periods[person.pk] = period  # a second row for the same person must come after this one
        before.append(snapshot(person, ["low_income_status", "low_income_since"]))
        changes.append(
            _change(
                person,
                ChangeKind.LOW_INCOME,
                day,
                person.get_low_income_status_display(),
                LowIncomeStatus(status).label,
                row.reason,
                actor,
                source,
            )
        )
        person.low_income_status = status
        person.low_income_since = day  # 无 too: the day it began (decision 0018)
        person.updated_at = now
        changed.append(person)
    LowIncomePeriod.objects.bulk_update(closed, ["end"], batch_size=CHUNK)
    LowIncomePeriod.objects.bulk_create(opened, batch_size=CHUNK)
    Person.objects.bulk_update(changed, ["low_income_status", "low_income_since", "updated_at"], batch_size=CHUNK)
    StatusChange.objects.bulk_create(changes, batch_size=CHUNK)
    record_many(
        actor=actor,
        action="person.low_income_set",
        objects=changed,
        before=before,
        after=[snapshot(p, ["low_income_status", "low_income_since"]) for p in changed],
        message=_("批量更新低保状态"),
    )
    result.updated = len(changed)
    return result


@transaction.atomic
def persons_move(*, actor: User, rows: Sequence[MoveRow], source: str = ChangeSource.IMPORT) -> BulkResult:
    """Apply a list of moves (e.g. from the police's 户籍 changes): to another community of the district, back
    onto the books from outside, or out of the district. The same checks as person_move_in / person_move_out."""
    require(actor, "person.edit")
    result = BulkResult()
    hashed = _hashed_rows(rows, result)
    persons = _by_hash(Person.objects.visible_to(actor), [h for _r, h in hashed])
    codes = sorted({normalise_code(r.community) for r, _h in hashed if r.community})
    communities = {c.code: c for chunk in _chunks(codes) for c in Region.objects.filter(code__in=chunk)}
    changed: list[Person] = []
    before: list[dict] = []
    changes: list[StatusChange] = []
    now = timezone.now()
    fields = ["community", "area_code", "life_status", "life_status_date", "moved_to"]
    for row, digest in hashed:
        person = persons.get(digest)
        if person is None:
            result.refuse(row.row, DomainError(NOT_FOUND, field="id_number"), row.id_number)
            continue
        try:
            if row.community:
                target = clean_community(row.community, communities)
                check_community_access(actor, target)
                if person.life_status == LifeStatus.DECEASED:
                    raise DomainError(_("%(name)s已死亡，不能迁入") % {"name": person.name})
                returning = person.life_status == LifeStatus.MOVED_OUT
                if not returning and target.pk == person.community_id:
                    result.unchanged += 1
                    continue
                day = clean_effective_date(
                    row.moved_on, not_before=person.life_status_date if returning else person.birth_date
                )
            else:
                destination = " ".join(str(row.destination or "").split())
                if not destination:
                    raise DomainError(_("请填写迁往何处，或迁入的社区代码"), field="destination")
                if person.life_status == LifeStatus.MOVED_OUT and person.life_status_date == row.moved_on:
                    result.unchanged += 1
                    continue
                day = check_can_leave(person, row.moved_on)
        except (DomainError, PermissionDenied) as error:
            result.refuse(row.row, error, row.community or row.destination)
            continue
        before.append(snapshot(person, fields))
        if row.community:
            if returning:
                changes.append(
                    _change(
                        person,
                        ChangeKind.LIFE,
                        day,
                        LifeStatus.MOVED_OUT.label,
                        LifeStatus.ALIVE.label,
                        row.reason,
                        actor,
                        source,
                    )
                )
                person.life_status, person.life_status_date, person.moved_to = LifeStatus.ALIVE, None, ""
            if target.pk != person.community_id:
                changes.append(
                    _change(
                        person, ChangeKind.RESIDENCE, day, person.community.name, target.name, row.reason, actor, source
                    )
                )
                person.community, person.area_code = target, target.code
        else:
            changes.append(
                _change(
                    person,
                    ChangeKind.LIFE,
                    day,
                    LifeStatus.ALIVE.label,
                    f"{LifeStatus.MOVED_OUT.label}（{destination}）",
                    row.reason,
                    actor,
                    source,
                )
            )
            person.life_status, person.life_status_date, person.moved_to = LifeStatus.MOVED_OUT, day, destination[:200]
        person.updated_at = now
        changed.append(person)
    Person.objects.bulk_update(changed, [*fields, "updated_at"], batch_size=CHUNK)
    households_recount(persons=[p.pk for p in changed])
    StatusChange.objects.bulk_create(changes, batch_size=CHUNK)
    record_many(
        actor=actor,
        action="person.move",
        objects=changed,
        before=before,
        after=[snapshot(p, fields) for p in changed],
        message=_("批量迁移"),
    )
    result.updated = len(changed)
    return result
