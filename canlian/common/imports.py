"""The import framework: template → upload → validation → preview → confirmation → one atomic write.

Each kind of import (regions here; persons, households, bank accounts, deaths, low-income lists in the
registry) is an `ImportKind` subclass registered by name. It declares its Chinese columns and the
permission action that allows it, and implements two steps:

- `validate(table, actor, progress) -> (plan, errors)`: set-based: one query per step to look up what
  exists (use `fetch_by()`), never a query per row. Every row ends up either in the plan (new, changed
  with its field changes, or unchanged) or with one or more `CellError`s; rows outside the actor's area
  are errors (`area_error()`), and so are rows that depend on a row with errors.
- `apply(plan, actor, progress)`: writes the new and changed rows of the plan, set-based
  (`bulk_create`/`bulk_update` in chunks). It is always called inside one transaction, right after a
  fresh `validate`, so the preview the user confirmed can never be applied to data that has moved on.
  An optional `applied(run, plan)` runs after the run row is saved, in the same transaction (the
  registry's review list links its entries to the run that produced them).

The framework does the rest for every kind: the template workbook, reading the file
(`common.tabular`), the example-row check, the preview with counts and changes, the error list and error
workbook, "only valid rows" (otherwise any error refuses the whole file), running large files as a
background job with a progress bar, keeping the upload under MEDIA_ROOT/imports/ between preview and
confirmation (found through its `ImportRun` row, never a path from the browser), one audit event per
import (`import.<kind>`, with the counts and the file's SHA-256), and `manage.py import KIND FILE`.
Importing the same file twice writes nothing the second time, because every row is then unchanged.

The preview (keys, labels, changes, error values) is stored as JSON in the `ImportRun` row and the
error workbook as a file: a kind that reads sensitive columns (ID or bank numbers) puts masked values
into `RowPlan.key`/`changes` and `CellError.value`, never the clear number.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import itertools
import uuid
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import connections, models, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from canlian.accounts.permissions import can, require
from canlian.audit.choices import AuditResult
from canlian.audit.services import record
from canlian.common.choices import IMPORT_TRANSITIONS, ImportStatus, RowAction
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.common.idcard import normalise_code
from canlian.common.jobs import JobOutcome, NullProgress, Progress, job_function, job_start
from canlian.common.models import ImportRun, Job
from canlian.common.tabular import CellError, Sheet, Table, TableError, error_workbook, read_table, write_workbook

ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".csv")
PREVIEW_ROWS = 200  # changed and new rows shown on the preview page (all of them are counted)
PREVIEW_ERRORS = 500  # errors shown on screen; the error workbook has every one
FETCH_CHUNK = 5000  # keys per IN (...) lookup: under SQLite's variable limit, few round trips


# ---------------------------------------------------------------------------------------------------
# What a kind declares and returns


@dataclass(frozen=True)
class Column:
    """One column of a kind's spreadsheet. The header is part of the file format, so it is not translated."""

    header: str
    required: bool = True
    example: str = ""  # the template's example row
    text: bool = False  # formatted as text in the template (IDs, codes, account numbers)
    help: str | Promise = ""


@dataclass
class RowPlan:
    """What the import will do with one valid row.

    `changes` maps a field's label to (old, new) for a changed row; `data` is whatever `apply` needs.
    """

    row: int
    action: RowAction
    key: str
    label: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    data: Any = None


@dataclass
class Plan:
    rows: list[RowPlan] = field(default_factory=list)

    def add(self, row: RowPlan) -> None:
        self.rows.append(row)

    def of(self, action: RowAction) -> list[RowPlan]:
        return [r for r in self.rows if r.action == action]

    def to_write(self) -> Plan:
        """The new and changed rows: what `apply` receives."""
        return Plan(rows=[r for r in self.rows if r.action != RowAction.UNCHANGED])


class ImportKind(ABC):
    """A kind of import. Subclass, fill in the class attributes, implement both steps, `@register` it."""

    name: ClassVar[str]  # URL and command name: "regions"
    label: ClassVar[str | Promise]  # shown to users: "行政区划"
    action: ClassVar[str]  # permission action (MATRIX) that allows this import
    columns: ClassVar[tuple[Column, ...]]
    notes: ClassVar[tuple[str | Promise, ...]] = ()  # rules shown on the upload page and in the template
    result_url_name: ClassVar[str] = ""  # where to look at the imported records afterwards
    # place in lists (upload page, `manage.py import`): the order a federation loads its data in — areas, persons,
    # households, bank accounts, then the lists that update them
    position: ClassVar[int] = 100

    @abstractmethod
    def validate(self, table: Table, actor: Any, progress: Progress) -> tuple[Plan, list[CellError]]:
        """Check every row against the file and the database (set-based) and plan the writes."""

    @abstractmethod
    def apply(self, plan: Plan, actor: Any, progress: Progress) -> None:
        """Write the plan's new and changed rows (set-based); runs inside the import's transaction."""

    def applied(self, run: ImportRun, plan: Plan) -> None:  # noqa: B027  (an optional hook, not abstract)
        """After the write, with the run row saved, in the same transaction: e.g. link records to the run."""

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    @property
    def optional_headers(self) -> list[str]:
        return [c.header for c in self.columns if not c.required]

    def template(self) -> bytes:
        """The workbook users fill in: the columns, one example row, text-formatted code columns, the rules."""
        rules = [(str(_("列")), str(_("必填")), str(_("示例")), str(_("说明")))]
        rules += [
            (c.header, str(_("是")) if c.required else str(_("否")), c.example, str(c.help)) for c in self.columns
        ]
        rules += [("", "", "", str(note)) for note in self.notes]
        rules.append(("", "", "", str(_("第 2 行是示例，导入前请删除或改写为真实数据。"))))
        return write_workbook([
            Sheet(
                name=str(self.label),
                headers=[c.header for c in self.columns],
                rows=[[c.example for c in self.columns]],
                widths=[max(14, len(c.header) * 2 + 6) for c in self.columns],
                text_columns=[i for i, c in enumerate(self.columns) if c.text],
            ),
            Sheet(name=str(_("填写说明")), headers=rules[0], rows=rules[1:], widths=[16, 8, 20, 80]),
        ])


_KINDS: dict[str, ImportKind] = {}


def register(kind_class: type[ImportKind]) -> type[ImportKind]:
    """Class decorator: make the kind available under its name (call from the app's `ready()`)."""
    _KINDS[kind_class.name] = kind_class()
    return kind_class


def get_kind(name: str) -> ImportKind:
    """The registered kind; KeyError for an unknown name."""
    return _KINDS[name]


def all_kinds() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.position, k.name))


def kinds_for(user: Any) -> list[ImportKind]:
    """The kinds this user's role may use."""
    if not can(user, "import.view"):
        return []
    return [kind for kind in all_kinds() if can(user, kind.action)]


# ---------------------------------------------------------------------------------------------------
# Helpers for kinds


def cell_text(value: Any) -> str:
    """A cell as trimmed text: whole-number floats lose their ".0", dates become YYYY-MM-DD."""
    if type(value) is str:  # most cells: checked first, as imports call this for every cell
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def cell_code(value: Any) -> str:
    """A code cell (region code, account number) without spaces, full-width digits made ASCII."""
    if type(value) is str and value.isascii() and value.isalnum():  # most code cells: nothing to trim or map
        return value.upper()
    return normalise_code(cell_text(value))


def fetch_by(queryset: models.QuerySet, field_name: str, keys: Iterable[Any], *, chunk: int = FETCH_CHUNK) -> dict:
    """{key: row} for the rows whose `field_name` is among `keys`: one query per `chunk` keys, never per row.

    The keys are first looked up in the column alone (`_present`), and only those found are read as rows:
    an import of new people asks for 100,000 blind indexes of which none exist."""
    wanted = _present(queryset.model, field_name, sorted({k for k in keys if k not in (None, "")}), chunk)
    found: dict[Any, Any] = {}
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        for row in queryset.filter(**{f"{field_name}__in": part}):
            found[getattr(row, field_name)] = row
    return found


# Field types whose values (str, int, bool, bytes or None) both database drivers take as they are, i.e. what
# `get_db_prep_save` returns unchanged for them: fetch_by's key probe and registry.bulk.insert_values pass
# such values straight to the cursor.
PLAIN_FIELD_TYPES = frozenset({
    "CharField", "TextField", "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "AutoField", "BigAutoField", "ForeignKey", "BooleanField",
    "BinaryField",  # bytes (Django would wrap them in a memoryview, which the drivers read the same)
})
_KEY_FIELD_TYPES = PLAIN_FIELD_TYPES - {"BooleanField", "BinaryField"}  # a look-up key is text or an integer


def _present(model: type[models.Model], field_name: str, wanted: list[Any], chunk: int) -> list[Any]:
    """The keys of `wanted` that some row of the model's table holds in that column, read with the keys as plain
    parameters: Django prepares every value of an IN list through the field (≈ 5 µs a key), which for an
    import's 100,000 keys cost 0.5 s against 0.06 s for the query itself. Text and integer keys only (they go
    to the database as they are); others are returned as given, for the queryset to look up."""
    field = model._meta.get_field(field_name)
    plain = field.get_internal_type() in _KEY_FIELD_TYPES and all(type(k) in (str, int) for k in wanted)
    if not wanted or not plain:
        return wanted
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    column, table = quote(field.column), quote(model._meta.db_table)
    present: set[Any] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), chunk):
            part = wanted[start : start + chunk]
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({placeholders})", part)  # noqa: S608
            present.update(value for (value,) in cursor.fetchall())
    return sorted(present)


def area_error(actor: Any, row: int, column: str, value: str) -> CellError:
    """The error for a row that lies outside the importing user's area."""
    area = actor.area.full_name if getattr(actor, "area_id", None) else _("无")
    return CellError(row, column, value, _("“%(value)s”不在您负责的区域（%(area)s）内，不能导入") % {
        "value": value, "area": area})


# ---------------------------------------------------------------------------------------------------
# Validation (shared by the web pages, the background job and the command)


@dataclass
class Validation:
    """The outcome of validating a file: the plan for the valid rows and every error."""

    plan: Plan
    errors: list[CellError]
    rows: int  # non-blank data rows read

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    def counts(self) -> dict[str, int]:
        actions = Counter(r.action for r in self.plan.rows)  # one pass, no list of each action
        return {
            "rows": self.rows,
            "new": actions[RowAction.NEW],
            "changed": actions[RowAction.CHANGED],
            "unchanged": actions[RowAction.UNCHANGED],
            "error_rows": self.error_rows,
            "error_count": len(self.errors),
        }


class ImportRefused(DomainError):
    """The file has errors and the user did not choose to import only the valid rows: nothing written."""

    def __init__(self, validation: Validation) -> None:
        self.validation = validation
        super().__init__(_(
            "文件中有 %(rows)d 行有误（共 %(errors)d 处错误），未导入任何数据。"
            "请修正后重新导入，或选择“只导入无误的行”。"
        ) % {"rows": validation.error_rows, "errors": len(validation.errors)})


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import validates and writes a file.

    A 100,000-row file keeps a few million objects alive until the end (rows, plans, cleaned values), nearly
    none of them in reference cycles; with the collector on, every full collection walks all of them again,
    which cost 1.7 s of a 12 s persons import. Objects are still freed by reference counting meanwhile; the
    collector resumes (if it was on) when the import ends, and finds any cycles then. Nested uses are fine."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


WRITE_CACHE_KIB = 256 * 1024  # SQLite page cache while an import writes (its default is 2 MiB)


@contextmanager
def large_write_cache(kib: int = WRITE_CACHE_KIB) -> Iterator[None]:
    """On SQLite, a page cache large enough for everything one import writes, for the length of the import.

    A 100,000-row persons import dirties some 100 MB of table and index pages (twelve indexes on the person
    table, most of them on random keys). With SQLite's default 2 MiB cache those pages are spilled to the
    write-ahead log in the middle of the transaction and read back from it at the next insert into the same
    index page; with room for all of them they are written once, at commit (bench/README.md). The memory is
    the connection's and is given back when the import ends; other databases are left alone."""
    connection = transaction.get_connection()
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


REBUILD_MIN_ROWS = 10_000  # below this an insert keeps the indexes: a rebuild would not pay for itself


@contextmanager
def indexes_rebuilt_after(model: type[models.Model], incoming: int, *, using: str | None = None) -> Iterator[bool]:
    """On SQLite, when `incoming` rows at least double the table: drop its secondary indexes for the insert and
    create them again afterwards (yields whether it did).

    Creating an index sorts the rows once; keeping it up to date puts every new row into it at a random place
    (names, phone numbers, birth dates). For a first import into an (almost) empty registry the rebuild is the
    cheaper of the two (decision 0021, bench/README.md). All of it runs in one savepoint: the indexes are
    created again, with the definitions SQLite stored for them (unique and partial ones alike), before it is
    released; an error inside rolls the drop back and is raised again. A UNIQUE constraint declared on a
    column (an automatic index, such as the blind index's) is never dropped, so duplicates are still refused
    row by row. Readers (write-ahead log) keep seeing the committed schema and rows meanwhile. Other databases
    keep their indexes: on PostgreSQL a dropped index would lock the table against readers until the import
    commits."""
    connection = connections[using or router.db_for_write(model)]
    table = model._meta.db_table
    if connection.vendor != "sqlite" or incoming < REBUILD_MIN_ROWS:
        yield False
        return
    with connection.cursor() as cursor:
        # the highest primary key bounds the row count without counting (one step down the table's b-tree)
        cursor.execute(f"SELECT coalesce(max(rowid), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        (existing,) = cursor.fetchone()
    if incoming < existing:
        yield False
        return
    with transaction.atomic(using=connection.alias):  # a savepoint: an error inside restores the indexes
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield True
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)


def validate_data(kind: ImportKind, *, actor: Any, data: bytes, file_name: str, progress: Progress) -> Validation:
    """Read the file and let the kind validate it; raises TableError when the file as a whole is unusable."""
    with no_cyclic_gc():
        return _validate_data(kind, actor=actor, data=data, file_name=file_name, progress=progress)


def _validate_data(kind: ImportKind, *, actor: Any, data: bytes, file_name: str, progress: Progress) -> Validation:
    require(actor, kind.action)
    table = read_table(data, filename=file_name, required=kind.required_headers, optional=kind.optional_headers)
    rows = table.count()
    errors = _blank_example_rows(kind, table)
    progress.start(rows, _("正在校验"))
    plan, kind_errors = kind.validate(table, actor, progress)
    order = {c.header: i for i, c in enumerate(kind.columns)}
    errors = sorted([*errors, *kind_errors], key=lambda e: (e.row, order.get(e.column, -1)))
    return Validation(plan=plan, errors=errors, rows=rows)


def _blank_example_rows(kind: ImportKind, table: Table) -> list[CellError]:
    """A row identical to the template's example is refused (and removed), so it is never imported by mistake."""
    example = [cell_text(c.example) for c in kind.columns]
    if not any(example):
        return []
    index = {h: i for i, h in enumerate(table.headers)}
    # the example's non-blank cells first: a real row differs in its first one, so most rows cost one cell_text
    cells = sorted(((index.get(c.header), value) for c, value in zip(kind.columns, example, strict=True)),
                   key=lambda cell: not cell[1])
    errors = []
    (first, first_value), rest = cells[0], cells[1:]
    for offset, row in enumerate(table.rows):
        if _cell(row, first) != first_value:  # every real row: one cell read, no generator
            continue
        if all(_cell(row, position) == value for position, value in rest):
            errors.append(CellError(table.first_row + offset, "", "", _("这是模板中的示例行，请删除后再导入")))
            table.rows[offset] = [None] * len(row)
    return errors


def _cell(row: Sequence[Any], position: int | None) -> str:
    return cell_text(row[position]) if position is not None and position < len(row) else ""


def _apply(kind: ImportKind, run: ImportRun, data: bytes, progress: Progress) -> Validation:
    """Validate afresh and write, in one transaction: all valid rows or nothing (ImportRefused)."""
    with no_cyclic_gc(), large_write_cache(), transaction.atomic():
        validation = validate_data(kind, actor=run.owner, data=data, file_name=run.file_name, progress=progress)
        if validation.errors and not run.valid_only:
            raise ImportRefused(validation)
        writes = validation.plan.to_write()
        progress.start(len(writes.rows), _("正在写入"))
        kind.apply(writes, run.owner, progress)
        _set_counts(run, validation)
        run.status = ImportStatus.APPLIED
        run.applied_at = timezone.now()
        run.message = _summary(validation, valid_only=run.valid_only)
        run.preview = _preview(validation)
        run.full_clean()
        if run.pk is None:
            run.save()
        else:
            _write_error_workbook(run, validation)
            run.save(update_fields=[*_COUNT_FIELDS, "status", "applied_at", "message", "preview"])
        kind.applied(run, writes)
        _audit(kind, run, validation, AuditResult.SUCCESS)
    return validation


_COUNT_FIELDS = ["rows", "new", "changed", "unchanged", "error_rows", "error_count"]


def _set_counts(run: ImportRun, validation: Validation) -> None:
    for name, value in validation.counts().items():
        setattr(run, name, value)


def _summary(validation: Validation, *, valid_only: bool) -> str:
    counts = validation.counts()
    text = _("新增 %(new)d 条，修改 %(changed)d 条，未变 %(unchanged)d 条") % counts
    if valid_only and counts["error_rows"]:
        text += _("；跳过有误的 %(error_rows)d 行") % counts
    return text


def _audit(kind: ImportKind, run: ImportRun, validation: Validation, result: AuditResult, message: str = "") -> None:
    record(
        actor=run.owner,
        action=f"import.{kind.name}",
        obj=run if run.pk else None,
        object_type="" if run.pk else "common.importrun",
        object_repr=run.file_name,
        after={"kind": kind.name, "file": run.file_name, "sha256": run.file_sha256, "valid_only": run.valid_only,
               **validation.counts()},
        result=result,
        message=message or _summary(validation, valid_only=run.valid_only),
    )


# ---------------------------------------------------------------------------------------------------
# The web flow: ImportRun rows and their services


def imports_dir() -> Path:
    """MEDIA_ROOT/imports: uploads between preview and confirmation, and error workbooks."""
    return Path(settings.MEDIA_ROOT) / "imports"


def upload_path(run: ImportRun) -> Path | None:
    return imports_dir() / run.file_path if run.file_path else None


def error_workbook_path(run: ImportRun) -> Path | None:
    if not run.file_path:
        return None
    return imports_dir() / Path(run.file_path).with_suffix(".errors.xlsx")


def inline_limit() -> int:
    """Files up to this many bytes are validated and applied in the request; larger ones run as a job."""
    return settings.IMPORT_INLINE_MAX_KB * 1024


def _move(run: ImportRun, to: ImportStatus, **fields: Any) -> bool:
    """The conditional UPDATE of a run's status along IMPORT_TRANSITIONS; False when another request was first."""
    frm = ImportStatus(run.status)
    if to not in IMPORT_TRANSITIONS.get(frm, frozenset()):
        raise ValueError(f"import run cannot go from {frm} to {to}")
    moved = ImportRun.objects.filter(pk=run.pk, status=frm).update(status=to, **fields)
    if moved:
        run.status = to
        for name, value in fields.items():
            setattr(run, name, value)
    return bool(moved)


@transaction.atomic
def import_upload(*, actor: Any, kind: ImportKind, file_name: str, data: bytes) -> ImportRun:
    """Keep the uploaded file and validate it: in the request when small, as a background job when large.

    The file is stored under a name the server chooses; the run row is the only way back to it.
    """
    require(actor, "import.view")
    require(actor, kind.action)
    suffix = Path(file_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise DomainError(
            _("不支持的文件类型：%(name)s。请上传 .xlsx 或 .csv 文件") % {"name": file_name}, field="file"
        )
    if len(data) > settings.MAX_UPLOAD_MB * 1024 * 1024:
        raise DomainError(_("文件过大，上限为 %(limit)d MB，请拆分后分批导入") % {"limit": settings.MAX_UPLOAD_MB},
                          field="file")
    if not data:
        raise DomainError(_("文件是空的"), field="file")
    relative = f"{timezone.localdate():%Y-%m}/{uuid.uuid4().hex}{suffix}"
    target = imports_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    run = ImportRun(
        kind=kind.name, owner=actor, status=ImportStatus.VALIDATING, file_name=Path(file_name).name[:200],
        file_path=relative, file_sha256=hashlib.sha256(data).hexdigest(), file_size=len(data),
    )
    run.full_clean()
    run.save()
    if len(data) <= inline_limit():
        import_validate(run_id=run.pk, progress=NullProgress())
        run.refresh_from_db()
    else:
        run.job = job_start(
            actor=actor, kind="import.validate", title=_("校验导入文件：%(kind)s · %(file)s") % {
                "kind": kind.label, "file": run.file_name},
            func_path="canlian.common.imports.validate_job", params={"run_id": run.pk},
        )
        run.save(update_fields=["job"])
    return run


def import_validate(*, run_id: int, progress: Progress) -> ImportRun:
    """Validate a stored upload and keep its preview; an unreadable file ends the run as failed."""
    run = ImportRun.objects.select_related("owner").get(pk=run_id)
    kind = get_kind(run.kind)
    try:
        data = _read_upload(run)
        validation = validate_data(kind, actor=run.owner, data=data, file_name=run.file_name, progress=progress)
    except (TableError, DomainError) as error:
        _move(run, ImportStatus.FAILED, message=_reason(error))
        return run
    _store_preview(run, validation, ImportStatus.VALIDATED)
    return run


def _store_preview(run: ImportRun, validation: Validation, to: ImportStatus, message: str = "") -> None:
    """Counts, the capped preview and the error workbook of a validation, and the run's next status."""
    _write_error_workbook(run, validation)
    _move(run, to, preview=_preview(validation), validated_at=timezone.now(), message=message, **validation.counts())


def _write_error_workbook(run: ImportRun, validation: Validation) -> None:
    """Written before the row is updated: the download link appears only once the row counts the errors."""
    workbook = error_workbook_path(run)
    if workbook is None:
        return
    if validation.errors:
        workbook.write_bytes(error_workbook(validation.errors))
    else:
        workbook.unlink(missing_ok=True)


def _preview(validation: Validation) -> dict[str, Any]:
    """What the preview page lists (JSON): changed rows with old → new, new rows, the first errors."""
    return {
        "changed": [
            {"row": r.row, "key": r.key, "label": r.label,
             "changes": [[name, _display(old), _display(new)] for name, (old, new) in r.changes.items()]}
            for r in _first(validation.plan, RowAction.CHANGED)
        ],
        "new": [
            {"row": r.row, "key": r.key, "label": r.label} for r in _first(validation.plan, RowAction.NEW)
        ],
        "errors": [[e.row, e.column, e.value, e.reason] for e in validation.errors[:PREVIEW_ERRORS]],
    }


def _first(plan: Plan, action: RowAction) -> Iterator[RowPlan]:
    """The plan's first PREVIEW_ROWS rows of `action`, without listing all of them."""
    return itertools.islice((r for r in plan.rows if r.action == action), PREVIEW_ROWS)


def _display(value: Any) -> str:
    """A value of a field change as the preview shows it (JSON-safe)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


@transaction.atomic
def import_confirm(*, actor: Any, run: ImportRun, valid_only: bool) -> ImportRun:
    """The user confirms the preview: write it, in the request when small, as a background job when large."""
    if run.owner_id != actor.pk:
        raise PermissionDenied(_("只能确认本人上传的导入"))
    kind = get_kind(run.kind)
    require(actor, kind.action)
    if run.status != ImportStatus.VALIDATED:
        raise Conflict(_("该导入当前状态为“%(status)s”，不能再确认") % {"status": run.get_status_display()})
    if run.error_rows and not valid_only:
        raise DomainError(_(
            "文件中有 %(rows)d 行有误。请修正后重新上传，或勾选“只导入无误的行”后再确认。"
        ) % {"rows": run.error_rows})
    if not _move(run, ImportStatus.APPLYING, valid_only=valid_only):
        raise Conflict(_("该导入已在处理中，请勿重复提交"))
    if run.file_size <= inline_limit():
        import_apply(run_id=run.pk, progress=NullProgress())
        run.refresh_from_db()
    else:
        run.job = job_start(
            actor=actor, kind="import.apply", title=_("导入：%(kind)s · %(file)s") % {
                "kind": kind.label, "file": run.file_name},
            func_path="canlian.common.imports.apply_job", params={"run_id": run.pk},
        )
        run.save(update_fields=["job"])
    return run


def import_apply(*, run_id: int, progress: Progress) -> ImportRun:
    """Apply a confirmed run (status applying). New errors found on re-validation send it back to the preview."""
    run = ImportRun.objects.select_related("owner").get(pk=run_id)
    if run.status != ImportStatus.APPLYING:
        raise Conflict(_("该导入未处于待写入状态"))
    kind = get_kind(run.kind)
    try:
        _apply(kind, run, _read_upload(run), progress)
    except ImportRefused as refused:
        run.refresh_from_db()
        _store_preview(run, refused.validation, ImportStatus.VALIDATED, message=_(
            "确认时重新校验，发现数据已变化、出现了新的错误，未写入任何数据。请查看下面的错误。"))
        _audit(kind, run, refused.validation, AuditResult.FAILURE, message=refused.message)
        return run
    except (TableError, DomainError) as error:
        run.refresh_from_db()
        _move(run, ImportStatus.FAILED, message=_reason(error))
        return run
    path = upload_path(run)
    if path is not None:
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return run


def _read_upload(run: ImportRun) -> bytes:
    path = upload_path(run)
    try:
        if path is None:
            raise FileNotFoundError(run.file_name)
        return path.read_bytes()
    except OSError as error:
        raise DomainError(_("上传的文件已不存在，请重新上传")) from error


def _reason(error: Exception) -> str:
    return error.message if isinstance(error, DomainError) else str(error)


@transaction.atomic
def import_discard(*, actor: Any, run: ImportRun) -> ImportRun:
    """The user abandons a previewed import: the run is closed and the kept files are deleted."""
    if run.owner_id != actor.pk:
        raise PermissionDenied(_("只能放弃本人上传的导入"))
    if not _move(run, ImportStatus.DISCARDED):
        raise Conflict(_("该导入当前状态为“%(status)s”，不能放弃") % {"status": run.get_status_display()})
    files = [upload_path(run), error_workbook_path(run)]
    transaction.on_commit(lambda: [f.unlink(missing_ok=True) for f in files if f is not None])
    return run


class _FailRunOnError:
    """In a job: an unexpected error marks the run failed (then propagates, so the job fails too)."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is not None and not isinstance(exc, DomainError):
            run = ImportRun.objects.get(pk=self.run_id)
            if run.status in (ImportStatus.VALIDATING, ImportStatus.APPLYING):
                _move(run, ImportStatus.FAILED, message=_("处理过程中出错，未写入任何数据。请联系系统管理员。"))


@job_function
def validate_job(*, job: Job, progress: Progress, run_id: int) -> JobOutcome:
    with _FailRunOnError(run_id):
        run = import_validate(run_id=run_id, progress=progress)
    return _job_outcome(run)


@job_function
def apply_job(*, job: Job, progress: Progress, run_id: int) -> JobOutcome:
    with _FailRunOnError(run_id):
        run = import_apply(run_id=run_id, progress=progress)
    return _job_outcome(run)


def _job_outcome(run: ImportRun) -> JobOutcome:
    if run.status == ImportStatus.FAILED:
        raise DomainError(run.message)
    message = run.message or _(
        "校验完成：新增 %(new)d，修改 %(changed)d，未变 %(unchanged)d，有误 %(error_rows)d 行"
    ) % {"new": run.new, "changed": run.changed, "unchanged": run.unchanged, "error_rows": run.error_rows}
    return JobOutcome(message=message, result={"next_url": reverse("imports:run", args=[run.pk])})


# ---------------------------------------------------------------------------------------------------
# The command-line flow


def import_file(
    *, actor: Any, kind: ImportKind, data: bytes, file_name: str, valid_only: bool, dry_run: bool,
    progress: Progress,
) -> tuple[ImportRun | None, Validation]:
    """`manage.py import`: the same validation and the same atomic write, without the preview step.

    A dry run only validates. A refused import (errors, no `valid_only`) raises ImportRefused after
    recording a failed audit event; an applied one leaves an ImportRun (without a stored file).
    """
    if dry_run:
        return None, validate_data(kind, actor=actor, data=data, file_name=file_name, progress=progress)
    run = ImportRun(
        kind=kind.name, owner=actor, status=ImportStatus.APPLYING, file_name=Path(file_name).name[:200],
        file_sha256=hashlib.sha256(data).hexdigest(), file_size=len(data), valid_only=valid_only,
    )
    try:
        validation = _apply(kind, run, data, progress)
    except ImportRefused as refused:
        _audit(kind, run, refused.validation, AuditResult.FAILURE, message=refused.message)
        raise
    return run, validation


def error_lines(errors: Sequence[CellError]) -> list[str]:
    """Errors as the command prints them: "第N行 列名：原因" (a whole-row problem without the column)."""
    lines = []
    for error in errors:
        where = _("第%(row)d行") % {"row": error.row}
        lines.append(f"{where} {error.column}：{error.reason}" if error.column else f"{where}：{error.reason}")
    return lines
