"""The registry's imports: persons with certificates, deaths, 低保 lists and moves (issue #3, items 7 and 8).

Each kind validates the whole file set-based (one `fetch_by` query per lookup step, never per row) with
the registry's own checks (`inputs.clean_*`, `services.check_*`), so a row is refused for the same reason
and in the same words as on the person form. `apply` hands the planned rows to the set-based services of
`canlian.registry.bulk`, which write them in bulk with StatusChange rows (source=import) and audit events;
they check every row again, and a row they would refuse now aborts the whole import (the data moved between
validation and writing inside one transaction, which cannot happen, so it is a bug worth stopping for).

Communities are given by their 12-digit code (所在社区代码): names repeat across streets (两个“幸福社区”),
codes do not, and the template's rules sheet tells staff where to find the codes (区划 page).
ID numbers never appear in clear in previews or errors: keys and error values are masked.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from canlian.accounts.scoping import in_scope
from canlian.common import crypto
from canlian.common.certificate import CATEGORY_NAMES, GRADE_NAMES
from canlian.common.choices import RowAction
from canlian.common.exceptions import DomainError, PermissionDenied
from canlian.common.idcard import IdNumber
from canlian.common.imports import (
    Column,
    ImportKind,
    Plan,
    RowPlan,
    area_error,
    cell_code,
    cell_text,
    fetch_by,
    register,
)
from canlian.common.jobs import Progress
from canlian.common.masking import bank_account_digits, mask_bank_account, mask_id_number
from canlian.common.models import ImportRun
from canlian.common.tabular import CellError, Table
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.registry import bulk
from canlian.registry.choices import (
    ETHNICITY_NAMES,
    CertificateStatus,
    ChangeSource,
    HolderRelation,
    LifeStatus,
    LowIncomeStatus,
    ReviewKind,
)
from canlian.registry.inputs import (
    UNIQUE_FIELDS,
    CertificateInput,
    PersonInput,
    clean_bank_account,
    clean_certificate,
    clean_community,
    clean_effective_date,
    clean_holder_relation,
    clean_id_number,
    clean_low_income_status,
    clean_name,
    clean_person_fields,
    clean_unique_fields,
)
from canlian.registry.models import BankAccount, Certificate, LowIncomePeriod, Person, StatusReview
from canlian.registry.services import check_after_period, check_can_leave, check_community_access

CHUNK = 5000
WRITE_BATCH = 5000  # rows per bulk INSERT statement (Django caps it at SQLite's variable limit)

# Headers (part of the file format, not translated)
NAME, ID, ETHNICITY, PHONE, HUKOU, COMMUNITY, ADDRESS = (
    "姓名",
    "身份证号",
    "民族",
    "联系电话",
    "户口类型",
    "所在社区代码",
    "居住地址",
)
CERT, CATEGORY, GRADE, ISSUED, VALID_UNTIL = "残疾人证号", "残疾类别", "残疾等级", "发证日期", "有效期至"
EDUCATION, MARITAL = "文化程度", "婚姻状况"
# the yes/no facts programme rules read (decision 0016): optional columns, blank leaves the archive as it is
FACT_COLUMNS = {
    "owns_wheelchair_vehicle": "持有机动轮椅车",
    "lower_limb": "下肢残疾",
    "poverty_alleviated": "脱贫人口",
    "needs_long_term_care": "需长期照护",
    "work_injury_care": "领取工伤护理费",
    "autism": "孤独症",
}
DEATH_DATE, NOTE = "死亡日期", "备注"
STATUS, START, END = "低保状态", "起始日期", "结束日期"
TARGET, DESTINATION, MOVED_ON = "迁入社区代码", "迁往", "迁移日期"

# --- cell parsing -----------------------------------------------------------------------------------

_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)
DATE_HELP = gettext_lazy("日期可写作 2024-03-01、2024/3/1、2024.3.1、20240301、2024年3月1日，或 Excel 日期单元格")


class CellProblem(ValueError):
    """A cell that cannot be read as what its column holds; `reason` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_date(value: Any) -> datetime.date | None:
    """A date as staff type it (see DATE_HELP) or an Excel date cell; None for a blank cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _TIME.sub("", unicodedata.normalize("NFKC", cell_text(value)).strip()).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        if match := pattern.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                break
    raise CellProblem(_("“%(value)s”不是有效日期。%(help)s") % {"value": cell_text(value), "help": DATE_HELP})


@functools.cache
def _lookup(names_id: str, language: str | None) -> dict[str, int]:
    """{spelling: code} of the category or grade names in the active language (built once per language)."""
    names, suffix = (CATEGORY_NAMES, "残疾") if names_id == "类别" else (GRADE_NAMES, "级")
    lookup = {str(code): code for code in names}
    for code, name in names.items():
        lookup[str(name)] = lookup[str(name) + suffix] = lookup[str(name).removesuffix(suffix)] = code
    return lookup


def _by_name_or_digit(value: Any, names: dict[int, Any], label: str) -> int:
    text = cell_text(value)
    if len(text) == 1 and text.isdigit() and int(text) in names:  # a digit means the same in every language
        return int(text)
    code = _lookup(label, get_language()).get(text)
    if code is not None:
        return code
    allowed = "、".join(f"{code}/{name}" for code, name in names.items())
    raise CellProblem(
        _("残疾%(label)s“%(value)s”无效，应为：%(allowed)s")
        % {"label": label, "value": cell_text(value), "allowed": allowed}
    )


def parse_category(value: Any) -> int:
    """肢体 / 肢体残疾 / 4."""
    return _by_name_or_digit(value, CATEGORY_NAMES, "类别")


def parse_grade(value: Any) -> int:
    """四级 / 四 / 4."""
    return _by_name_or_digit(value, GRADE_NAMES, "等级")


def _memo(memo: dict, column: str, raw: Any, parse: Any) -> Any:
    """`parse(raw)`, kept in `memo` for the next cell of `column` with the same value (and type: 1 and True are
    equal keys but different cells). Only accepted values are kept: a refused one raises again on every row."""
    key = (column, type(raw), raw)
    try:
        return memo[key]
    except KeyError:
        memo[key] = value = parse(raw)
        return value


CERTIFICATE_PARTS = (
    (CATEGORY, "category", parse_category),
    (GRADE, "grade", parse_grade),
    (ISSUED, "issue_date", parse_date),
    (VALID_UNTIL, "valid_until", parse_date),
)
_UNSEEN = object()


def masked(raw: Any) -> str:
    """An ID number cell as errors and previews show it: masked when it looks like one, else shortened."""
    text = cell_code(raw).upper()
    if len(text) >= 15:
        return mask_id_number(text)
    return text[:4] + "…" if len(text) > 4 else text


def _hash_ids(
    records: list[tuple[int, dict]], errors: list[CellError], *, unique: bool = True
) -> dict[int, tuple[IdNumber, str]]:
    """{row: (ID number, blind index)} for rows whose ID parses; bad IDs and IDs repeated in the file are errors
    (on every row that repeats it, so the user sees both)."""
    parsed: dict[int, tuple[IdNumber, str]] = {}
    today = timezone.localdate()
    blind_index = crypto.blind_indexer("id_number")
    for row, values in records:
        try:
            ident = clean_id_number(values.get(ID), today=today)
        except DomainError as error:
            errors.append(CellError(row, ID, masked(values.get(ID)), error.message))
            continue
        parsed[row] = (ident, blind_index(ident.number))
    if not unique:
        return parsed
    first: dict[str, int] = {}  # one pass; lists of rows only for the (rare) repeated numbers
    rows_of: dict[str, list[int]] = {}
    for row, (_n, digest) in parsed.items():
        seen = first.setdefault(digest, row)
        if seen != row:
            rows_of.setdefault(digest, [seen]).append(row)
    for rows in rows_of.values():
        for row in rows:
            others = "、".join(str(r) for r in rows if r != row)
            number = parsed.pop(row)[0].number
            errors.append(
                CellError(
                    row,
                    ID,
                    mask_id_number(number),
                    _("身份证号在本文件中重复（另见第 %(rows)s 行）") % {"rows": others},
                )
            )
    return parsed


def _field_error(row: int, error: DomainError, columns: dict[str, str], values: dict) -> CellError:
    column = columns.get(error.field or "", "")
    value = values.get(column, "") if column else ""
    return CellError(row, column, masked(value) if column in (ID, CERT) else cell_text(value), error.message)


def _progress_rows(progress: Progress, done: int) -> None:
    if done % CHUNK == 0:
        progress.advance(CHUNK)


# --- persons ----------------------------------------------------------------------------------------

PERSON_COLUMNS = {
    "name": NAME,
    "id_number": ID,
    "ethnicity": ETHNICITY,
    "phone": PHONE,
    "hukou_type": HUKOU,
    "community": COMMUNITY,
    "address": ADDRESS,
    "education": EDUCATION,
    "marital_status": MARITAL,
    "certificate_number": CERT,
    "category": CATEGORY,
    "grade": GRADE,
    "issue_date": ISSUED,
    "valid_until": VALID_UNTIL,
    "components": CATEGORY,
    **FACT_COLUMNS,
}
SHARED = "person fields"  # memo key prefix of a row's repeated, cleaned part (see PersonImport._plan_row)
CHANGE_LABELS = {
    "name": NAME,
    "ethnicity": ETHNICITY,
    "phone": PHONE,
    "hukou_type": HUKOU,
    "address": ADDRESS,
    "education": EDUCATION,
    "marital_status": MARITAL,
    **FACT_COLUMNS,
}
FACT_HELP = gettext_lazy("是 或 否；空白表示不变（新建档案按否）")


@register
class PersonImport(ImportKind):
    """One row per person (and certificate): new ID numbers are registered, known ones updated."""

    name = "persons"
    position = 20
    label = gettext_lazy("残疾人档案")
    action = "person.import"
    result_url_name = "registry:person_list"
    columns = (
        Column(NAME, example="示例姓名"),
        Column(ID, example="340302199001011234", text=True, help=gettext_lazy("18 位，末位可为 X")),
        Column(ETHNICITY, required=False, example="汉族", help=gettext_lazy("空白按汉族")),
        Column(PHONE, required=False, example="13800000000", text=True),
        Column(HUKOU, example="城镇", help=gettext_lazy("城镇 或 农村")),
        Column(
            COMMUNITY,
            example="340302001001",
            text=True,
            help=gettext_lazy("12 位社区/村代码，见“行政区划”页面；须在您负责的区域内"),
        ),
        Column(ADDRESS, required=False, example="示例路 1 号"),
        Column(
            CERT,
            required=False,
            example="34030219900101123442",
            text=True,
            help=gettext_lazy("20 位：身份证号 + 类别 + 等级（补办证另加 B1–B9）；须与类别、等级一致"),
        ),
        Column(
            CATEGORY,
            required=False,
            example="肢体",
            help=gettext_lazy("视力、听力、言语、肢体、智力、精神、多重，或 1–7"),
        ),
        Column(GRADE, required=False, example="二级", help=gettext_lazy("一级–四级，或 1–4")),
        Column(ISSUED, required=False, example="2024-03-01", help=DATE_HELP),
        Column(VALID_UNTIL, required=False, example="", help=gettext_lazy("空白按发证日期起 10 年")),
        Column(EDUCATION, required=False, example="初中"),
        Column(MARITAL, required=False, example="已婚"),
        *(Column(label, required=False, example="否", help=FACT_HELP) for label in FACT_COLUMNS.values()),
    )
    notes = (
        gettext_lazy("系统中已有的身份证号按本行更新档案（预览列出每项变化）；新的身份证号新建档案。"),
        gettext_lazy("同一身份证号在文件中只能出现一次。"),
        gettext_lazy("填写残疾人证号时须同时填写残疾类别、等级和发证日期；类别或等级变化请走“重新评定”。"),
        gettext_lazy("只能导入本人负责区域内的社区。"),
    )

    def validate(self, table: Table, actor: Any, progress: Progress) -> tuple[Plan, list[CellError]]:
        records = list(table.records())
        errors: list[CellError] = []
        ids = _hash_ids(records, errors)
        communities: dict[str, Region] = fetch_by(
            Region.objects.filter(level=RegionLevel.COMMUNITY),
            "code",
            {cell_code(v.get(COMMUNITY)) for _r, v in records},
        )
        existing: dict[str, Person] = fetch_by(
            Person.objects.select_related("community"), "id_number_hash", {d for _n, d in ids.values()}
        )
        held: dict[int, Certificate] = fetch_by(
            Certificate.objects.filter(is_current=True), "person_id", {p.pk for p in existing.values()}
        )
        plan = Plan()
        today = timezone.localdate()
        memo: dict = {}  # cleaned values of the cells a file repeats (choices, dates, communities): see _memo
        # the optional fact columns the file has (a column it lacks is “not given” on every row: see FACT_HELP)
        facts = {name: label for name, label in FACT_COLUMNS.items() if label in table.headers}
        for done, (row, values) in enumerate(records, start=1):
            _progress_rows(progress, done)
            if row not in ids:
                continue
            ident, digest = ids[row]
            try:
                planned = self._plan_row(
                    row, values, ident, digest, actor, communities, existing, held, today, memo, facts
                )
            except _RowError as error:
                errors.append(error.cell)
                continue
            plan.add(planned)
        progress.advance(len(records) % CHUNK)
        return plan, errors

    def _plan_row(
        self,
        row: int,
        values: dict,
        ident: IdNumber,
        digest: str,
        actor: Any,
        communities: dict[str, Region],
        existing: dict[str, Person],
        held: dict[int, Certificate],
        today: datetime.date,
        memo: dict,
        facts: dict[str, str],
    ) -> RowPlan:
        code = cell_code(values.get(COMMUNITY))
        name, phone, address = cell_text(values.get(NAME)), cell_code(values.get(PHONE)), cell_text(values.get(ADDRESS))
        hukou, ethnicity = cell_text(values.get(HUKOU)), cell_text(values.get(ETHNICITY))
        education, marital = cell_text(values.get(EDUCATION)), cell_text(values.get(MARITAL))
        flags = {name: cell_text(values.get(label)) for name, label in facts.items()}
        # the rest of the row (choices, facts) repeats from row to row: once one such row was clean, an identical
        # rest is, and only the row's own cells (name, phone, address) are checked, with the same functions
        shared_key = (SHARED, hukou, ethnicity, education, marital, *flags.values())
        try:
            shared = memo.get(shared_key)
            if shared is None:
                data = PersonInput(
                    name=name, id_number=ident.number, community=code, hukou_type=hukou, ethnicity=ethnicity,
                    phone=phone, address=address, education=education, marital_status=marital, **flags,
                )
                fields = clean_person_fields(data, memo=memo)
                memo[shared_key] = {k: v for k, v in fields.items() if k not in UNIQUE_FIELDS}
            else:
                fields = {**shared, **clean_unique_fields(name, phone, address)}
            if not code:
                raise DomainError(_("请填写所在社区代码（12 位）"), field="community")
            community = _memo(memo, COMMUNITY, code, lambda c: (clean_community(c, communities), in_scope(actor, c)))
        except DomainError as error:
            raise _RowError(_field_error(row, error, PERSON_COLUMNS, values)) from error
        community, allowed = community
        if not allowed:
            raise _RowError(area_error(actor, row, COMMUNITY, code))
        certificate = self._certificate(row, values, ident, today, memo)
        person = existing.get(digest)
        key = ident.masked
        if person is None:
            write = PersonWrite(ident=ident, digest=digest, fields=fields, community=community, certificate=certificate)
            return RowPlan(row=row, action=RowAction.NEW, key=key, label=str(fields["name"]), data=write)
        if not in_scope(actor, person.area_code):
            raise _RowError(
                CellError(
                    row,
                    ID,
                    key,
                    _("该身份证号已在档案中登记（%(area)s，不在您负责的区域内），请联系区残联")
                    % {"area": person.community.name},
                )
            )
        changes: dict[str, tuple[Any, Any]] = {}
        changed = {
            name: fields[name] for name in CHANGE_LABELS if name in fields and getattr(person, name) != fields[name]
        }
        for name, value in changed.items():
            changes[CHANGE_LABELS[name]] = (_choice_label(person, name), _new_label(person, name, value))
        moved = community.pk != person.community_id
        if moved:
            changes[COMMUNITY] = (
                f"{person.community.name}（{person.area_code}）",
                f"{community.name}（{community.code}）",
            )
        current = held.get(person.pk)
        if certificate is not None:
            cleaned = (certificate["category"], certificate["grade"])
            if current is not None and (current.category, current.grade) != cleaned:
                raise _RowError(
                    CellError(
                        row,
                        CERT,
                        masked(values.get(CERT)),
                        _("残疾人证与档案中的当前证件（%(cat)s%(grade)s）不一致：类别或等级变化请通过“重新评定”办理")
                        % {"cat": CATEGORY_NAMES[current.category], "grade": GRADE_NAMES[current.grade]},
                    )
                )
            if current is None:
                changes[CERT] = (_("无证"), f"{CATEGORY_NAMES[cleaned[0]]}{GRADE_NAMES[cleaned[1]]}")
            else:
                certificate = None  # the registered certificate stays
        write = PersonWrite(
            ident=ident,
            digest=digest,
            fields=fields,
            community=community,
            certificate=certificate,
            person=person,
            changed=changed,
            moved=moved,
        )
        action = RowAction.CHANGED if changes else RowAction.UNCHANGED
        return RowPlan(row=row, action=action, key=key, label=person.name, changes=changes, data=write)

    @staticmethod
    def _certificate(
        row: int, values: dict, number: IdNumber, today: datetime.date, memo: dict | None = None
    ) -> dict[str, Any] | None:
        raw = cell_code(values.get(CERT))
        if not raw:
            if given := [h for h in (CATEGORY, GRADE, ISSUED, VALID_UNTIL) if cell_text(values.get(h))]:
                raise _RowError(
                    CellError(
                        row,
                        CERT,
                        "",
                        _("填写了%(cols)s，但残疾人证号为空：请补填证号，或清空这些列") % {"cols": "、".join(given)},
                    )
                )
            return None
        parsed: dict[str, Any] = {}
        for header, key, parse in CERTIFICATE_PARTS:
            value = values.get(header)
            if memo is not None:  # a value accepted on an earlier row (the memo keeps only those): as _memo
                known = memo.get((header, type(value), value), _UNSEEN)
                if known is not _UNSEEN:
                    parsed[key] = known
                    continue
            if header != VALID_UNTIL and not cell_text(value):
                raise _RowError(CellError(row, header, "", _("填写了残疾人证号，请同时填写%(col)s") % {"col": header}))
            try:
                parsed[key] = parse(value) if memo is None else _memo(memo, header, value, parse)
            except CellProblem as problem:
                raise _RowError(CellError(row, header, cell_text(value), problem.reason)) from problem
        try:
            return clean_certificate(CertificateInput(number=raw, **parsed), number, today=today)
        except DomainError as error:
            raise _RowError(_field_error(row, error, PERSON_COLUMNS, values)) from error

    def apply(self, plan: Plan, actor: Any, progress: Progress) -> None:
        """New persons (IDs encrypted here) go to `bulk.persons_insert` as plain values; updates of registered
        persons and their first certificates to `bulk.persons_write`.

        Rows were checked by `validate` moments before in this transaction with the services' own checks, so
        no per-row `full_clean()`; per-person audit events are replaced by the import's one event (0006)."""
        new: list[bulk.NewPerson] = []
        updates: list[tuple[Person, dict, dict, Region | None]] = []
        certificates: list[tuple[Person, dict]] = []
        encrypt = crypto.encryptor("id_number")
        for planned in plan.rows:
            write: PersonWrite = planned.data
            if write.person is None:
                new.append(write.new_person(encrypt))
                continue
            person = write.person
            if write.changed or write.moved:
                old = {name: getattr(person, name) for name in write.changed}
                if write.moved:
                    old["community"] = person.community_id
                updates.append((person, old, write.changed, write.community if write.moved else None))
            if write.certificate is not None:
                certificates.append((person, write.certificate))
        bulk.persons_insert(actor=actor, rows=new, source=ChangeSource.IMPORT, batch_size=WRITE_BATCH)
        bulk.persons_write(
            actor=actor,
            new=[],
            updates=updates,
            certificates_for=certificates,
            source=ChangeSource.IMPORT,
            audit=False,
            batch_size=WRITE_BATCH,
        )
        progress.advance(len(plan.rows))


@dataclasses.dataclass(slots=True)  # one per row: not frozen (see registry.inputs)
class PersonWrite:
    """A validated persons row: cleaned fields, community, cleaned certificate (None: nothing to add), and for a
    registered person the row it updates with the changed fields."""

    ident: IdNumber
    digest: str  # the ID number's blind index
    fields: dict[str, Any]
    community: Region
    certificate: dict[str, Any] | None
    person: Person | None = None
    changed: dict[str, Any] = dataclasses.field(default_factory=dict)
    moved: bool = False

    def new_person(self, encrypt: Callable[[str], bytes] | None = None) -> bulk.NewPerson:
        """The person row's values (as `Person(...)` with `set_id_number` would hold them) for `bulk.persons_insert`."""
        community, certificate, ident = self.community, self.certificate, self.ident
        values: dict[str, Any] = {
            **self.fields,
            "community_id": community.pk,
            "area_code": community.code,
            "birth_date": ident.birth_date,
            "sex": ident.sex,
            "id_number_enc": (encrypt or crypto.encryptor("id_number"))(ident.number),
            "id_number_hash": self.digest,
            "id_number_masked": mask_id_number(ident.number),
        }
        if certificate:
            values.update(
                category=certificate["category"],
                grade=certificate["grade"],
                cert_status=CertificateStatus.VALID.value,
                cert_valid_until=certificate["valid_until"],
            )
        return bulk.NewPerson(values=values, community_name=community.name, certificate=certificate)


class _RowError(Exception):
    def __init__(self, cell: CellError) -> None:
        super().__init__(cell.reason)
        self.cell = cell


def _yes_no(value: bool) -> str:
    return str(_("是") if value else _("否"))


def _choice_label(person: Person, name: str) -> str:
    if name in FACT_COLUMNS:
        return _yes_no(getattr(person, name))
    display = getattr(person, f"get_{name}_display", None)
    if name == "ethnicity":
        return ETHNICITY_NAMES.get(person.ethnicity, person.ethnicity)
    return str(display()) if display else str(getattr(person, name) or "")


def _new_label(person: Person, name: str, value: Any) -> str:
    if isinstance(value, bool):
        return _yes_no(value)
    if name == "ethnicity":
        return ETHNICITY_NAMES.get(value, value)
    field = person._meta.get_field(name)
    if field.choices:
        return str(dict(field.choices).get(value, value or ""))
    return str(value or "")


def _check(result: bulk.BulkResult) -> None:
    """The set-based service refused a row that validation accepted moments before in the same transaction."""
    if result.errors:
        first = result.errors[0]
        raise DomainError(
            _("写入时第 %(row)d 行被拒绝（%(reason)s），未导入任何数据，请重新上传")
            % {"row": first.row, "reason": first.reason}
        )


# --- life events: deaths, 低保, moves ----------------------------------------------------------------


def _persons_for(
    records: list[tuple[int, dict]], errors: list[CellError], *, unique: bool = True
) -> tuple[dict[int, tuple[IdNumber, str]], dict[str, Person]]:
    ids = _hash_ids(records, errors, unique=unique)
    persons = fetch_by(Person.objects.select_related("community"), "id_number_hash", {d for _n, d in ids.values()})
    return ids, persons


def _known_person(row: int, ids: dict, persons: dict[str, Person], actor: Any) -> Person:
    """The registered person of the row's ID number, inside the actor's area."""
    ident, digest = ids[row]
    number = ident.number
    person = persons.get(digest)
    if person is None:
        raise _RowError(CellError(row, ID, mask_id_number(number), _("档案中没有此身份证号")))
    if not in_scope(actor, person.area_code):
        raise _RowError(
            CellError(
                row,
                ID,
                mask_id_number(number),
                _("此人（%(name)s，%(community)s）不在您负责的区域内，不能导入")
                % {"name": person.name, "community": person.community.name},
            )
        )
    return person


def _date_cell(row: int, values: dict, header: str) -> datetime.date:
    try:
        day = parse_date(values.get(header))
    except CellProblem as problem:
        raise _RowError(CellError(row, header, cell_text(values.get(header)), problem.reason)) from problem
    if day is None:
        raise _RowError(CellError(row, header, "", _("请填写%(col)s") % {"col": header}))
    return day


@dataclasses.dataclass(frozen=True)
class LifeWrite:
    """A validated row of a by-ID-number list: the set-based service's row and the person it changes."""

    row: Any  # bulk.DeathRow | bulk.LowIncomeRow | bulk.MoveRow
    person: Person
    effective: datetime.date
    area_code: str = ""  # where the person lives afterwards, when a move changes it


# the two columns every by-ID-number list starts with
WHO_COLUMNS = (
    Column(ID, example="340302199001011234", text=True),
    Column(NAME, required=False, example="示例姓名", help=gettext_lazy("仅供核对，不会修改档案中的姓名")),
)


class _LifeEventImport(ImportKind):
    """Shared loop of the by-ID-number lists: each row names a registered person and what happens to them.

    Every person the import changes goes onto the review list (StatusReview, decision 0010) with the change
    as the preview showed it, its effective date and the import run.
    """

    review_kind: ReviewKind
    action = "person.import"
    result_url_name = "registry:review_list"
    write: Callable[..., Any]  # the bulk service that applies the planned rows (registry.bulk.persons_*)

    def validate(self, table: Table, actor: Any, progress: Progress) -> tuple[Plan, list[CellError]]:
        records = list(table.records())
        errors: list[CellError] = []
        ids, persons = _persons_for(records, errors)
        context = self.lookups(records, persons)
        plan = Plan()
        for done, (row, values) in enumerate(records, start=1):
            _progress_rows(progress, done)
            if row not in ids:
                continue
            try:
                person = _known_person(row, ids, persons, actor)
                plan.add(self.plan_row(row, values, ids[row][0].number, person, actor, context))
            except _RowError as error:
                errors.append(error.cell)
            except (DomainError, PermissionDenied) as error:
                errors.append(CellError(row, self.error_column(error), "", error.message))
        progress.advance(len(records) % CHUNK)
        return plan, errors

    def lookups(self, records: list[tuple[int, dict]], persons: dict[str, Person]) -> dict[str, Any]:
        return {}

    def applied(self, run: ImportRun, plan: Plan) -> None:
        StatusReview.objects.bulk_create(
            [
                StatusReview(
                    person=r.data.person,
                    kind=self.review_kind,
                    change="；".join(f"{label}：{old} → {new}" for label, (old, new) in r.changes.items())[:300],
                    effective_date=r.data.effective,
                    area_code=r.data.area_code or r.data.person.area_code,
                    import_run=run,
                )
                for r in plan.rows
            ],
            batch_size=CHUNK,
        )

    def error_column(self, error: DomainError) -> str:
        return ""

    def apply(self, plan: Plan, actor: Any, progress: Progress) -> None:
        _check(self.write(actor=actor, rows=[r.data.row for r in plan.rows]))
        progress.advance(len(plan.rows))

    def plan_row(
        self, row: int, values: dict, number: str, person: Person, actor: Any, context: dict[str, Any]
    ) -> RowPlan:
        raise NotImplementedError


@register
class DeathImport(_LifeEventImport):
    """A death list (e.g. civil affairs' cremation list): the person leaves the books on the date of death."""

    name = "deaths"
    position = 50
    review_kind = ReviewKind.DEATH
    label = gettext_lazy("死亡名单")
    write = staticmethod(bulk.persons_record_death)
    columns = (
        *WHO_COLUMNS,
        Column(DEATH_DATE, example="2024-03-01", help=DATE_HELP),
        Column(NOTE, required=False, example=""),
    )
    notes = (
        gettext_lazy("此人须已在档案中、在您负责的区域内且当前在册；已按同一日期记录死亡的行视为未变。"),
        gettext_lazy("导入后，受影响的人员列入“动态变化待核”清单。"),
    )

    def error_column(self, error: DomainError) -> str:
        return DEATH_DATE

    def plan_row(
        self, row: int, values: dict, number: str, person: Person, actor: Any, context: dict[str, Any]
    ) -> RowPlan:
        day = _date_cell(row, values, DEATH_DATE)
        data = bulk.DeathRow(row=row, id_number=number, date_of_death=day, reason=cell_text(values.get(NOTE)))
        key = mask_id_number(number)
        if person.life_status == LifeStatus.DECEASED and person.life_status_date == day:
            return RowPlan(
                row=row, action=RowAction.UNCHANGED, key=key, label=person.name, data=LifeWrite(data, person, day)
            )
        try:
            check_can_leave(person, day)
        except DomainError as error:
            raise _RowError(CellError(row, DEATH_DATE, day.isoformat(), error.message)) from error
        return RowPlan(
            row=row,
            action=RowAction.CHANGED,
            key=key,
            label=person.name,
            data=LifeWrite(data, person, day),
            changes={str(_("在册状态")): (LifeStatus.ALIVE.label, f"{LifeStatus.DECEASED.label}（{day.isoformat()}）")},
        )



@register
class LowIncomeImport(_LifeEventImport):
    """A 低保 list from civil affairs: each person's status from the start date (the history keeps the old one)."""

    name = "low-income"
    position = 60
    review_kind = ReviewKind.LOW_INCOME
    label = gettext_lazy("低保名单")
    write = staticmethod(bulk.persons_set_low_income)
    columns = (
        *WHO_COLUMNS,
        Column(STATUS, example="低保", help=gettext_lazy("低保、特困、低保边缘 或 无（退出）")),
        Column(START, example="2024-03-01", help=DATE_HELP),
        Column(
            END,
            required=False,
            example="",
            help=gettext_lazy("该状态已结束时填写最后一天（须早于今天）；此时“低保状态”填结束前的状态"),
        ),
        Column(NOTE, required=False, example=""),
    )
    notes = (
        gettext_lazy("状态与档案相同的行视为未变；不同的状态从起始日期生效，原状态在前一天结束。"),
        gettext_lazy(
            "填写了结束日期的行：此人档案中当前的该状态到结束日期为止，次日起为“无”；已按同一结束日期登记过的行视为未变。"
        ),
        gettext_lazy("导入后，受影响的人员列入“动态变化待核”清单。"),
    )

    def lookups(self, records: list[tuple[int, dict]], persons: dict[str, Person]) -> dict[str, Any]:
        ids = sorted({p.pk for p in persons.values()})
        ended: set[tuple[int, str, datetime.date]] = set()
        if any(cell_text(v.get(END)) for _r, v in records):
            for start in range(0, len(ids), CHUNK):
                ended.update(
                    LowIncomePeriod.objects.filter(person_id__in=ids[start : start + CHUNK], end__isnull=False)
                    .values_list("person_id", "status", "end")
                )
        # each person's latest period, open or closed: a change must come after it (periods never overlap)
        latest: dict[int, LowIncomePeriod] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = LowIncomePeriod.objects.filter(person_id__in=ids[start : start + CHUNK]).order_by("start", "id")
            for period in chunk:
                latest[period.person_id] = period
        return {"latest": latest, "ended": ended}

    def error_column(self, error: DomainError) -> str:
        return STATUS if error.field == "status" else START

    def plan_row(
        self, row: int, values: dict, number: str, person: Person, actor: Any, context: dict[str, Any]
    ) -> RowPlan:
        raw = cell_text(values.get(STATUS))
        try:
            status = clean_low_income_status(raw)
        except DomainError as error:
            raise _RowError(CellError(row, STATUS, raw, error.message)) from error
        day = _date_cell(row, values, START)
        try:
            end = parse_date(values.get(END))
        except CellProblem as problem:
            raise _RowError(CellError(row, END, cell_text(values.get(END)), problem.reason)) from problem
        if end is not None:
            return self._plan_end(row, values, number, person, status, day, end, context)
        data = bulk.LowIncomeRow(
            row=row, id_number=number, status=status, effective=day, reason=cell_text(values.get(NOTE))
        )
        key = mask_id_number(number)
        if status == person.low_income_status:
            return RowPlan(
                row=row, action=RowAction.UNCHANGED, key=key, label=person.name, data=LifeWrite(data, person, day)
            )
        try:
            clean_effective_date(day, not_before=person.birth_date)
            check_after_period(context["latest"].get(person.pk), day)
        except DomainError as error:
            raise _RowError(CellError(row, START, day.isoformat(), error.message)) from error
        return RowPlan(
            row=row,
            action=RowAction.CHANGED,
            key=key,
            label=person.name,
            data=LifeWrite(data, person, day),
            changes={
                STATUS: (
                    person.get_low_income_status_display(),
                    f"{LowIncomeStatus(status).label}（{day.isoformat()} 起）",
                )
            },
        )

    @staticmethod
    def _plan_end(
        row: int,
        values: dict,
        number: str,
        person: Person,
        status: str,
        start: datetime.date,
        end: datetime.date,
        context: dict[str, Any],
    ) -> RowPlan:
        """A row saying the status ended on `end`: the person is 无 from the next day (as low_income_set with 无).

        Only the status the person holds now can end: a list cannot rewrite older history. Once applied, the
        closed period (person, status, end) makes the same row unchanged."""
        label = LowIncomeStatus(status).label if status in LowIncomeStatus.values else status
        if status == LowIncomeStatus.NONE:
            raise _RowError(CellError(row, STATUS, cell_text(values.get(STATUS)), _(
                "填写了结束日期时，低保状态应填结束前的状态（低保、特困或低保边缘），不能填“无”")))
        if end < start:
            raise _RowError(CellError(row, END, end.isoformat(), _(
                "结束日期早于起始日期 %(start)s") % {"start": start.isoformat()}))
        if end >= timezone.localdate():
            raise _RowError(CellError(row, END, end.isoformat(), _(
                "结束日期须早于今天：只能登记已经结束的状态（次日起为“无”）")))
        following = end + datetime.timedelta(days=1)
        data = bulk.LowIncomeRow(
            row=row, id_number=number, status=LowIncomeStatus.NONE, effective=following,
            reason=cell_text(values.get(NOTE)),
        )
        key = mask_id_number(number)
        if person.low_income_status != status:
            if (person.pk, status, end) in context["ended"]:
                return RowPlan(row=row, action=RowAction.UNCHANGED, key=key, label=person.name,
                               data=LifeWrite(data, person, following))
            raise _RowError(CellError(row, STATUS, label, _(
                "档案中此人当前为“%(now)s”，不是“%(status)s”，不能登记其结束") % {
                    "now": person.get_low_income_status_display(), "status": label}))
        latest = context["latest"].get(person.pk)
        period = latest if latest is not None and latest.end is None else None
        try:
            clean_effective_date(following, not_before=person.birth_date)
            check_after_period(latest, following)
        except DomainError as error:
            raise _RowError(CellError(row, END, end.isoformat(), error.message)) from error
        since = period.start if period is not None else person.low_income_since
        return RowPlan(
            row=row,
            action=RowAction.CHANGED,
            key=key,
            label=person.name,
            data=LifeWrite(data, person, following),
            changes={
                STATUS: (
                    f"{label}（{since.isoformat()} 起）" if since else label,
                    f"{LowIncomeStatus.NONE.label}（{end.isoformat()} 结束）",
                )
            },
        )



@register
class MoveImport(_LifeEventImport):
    """Household moves by ID number: to another community of the district, or out of it (迁往 …)."""

    name = "moves"
    position = 70
    review_kind = ReviewKind.MOVE
    label = gettext_lazy("迁移名单")
    write = staticmethod(bulk.persons_move)
    columns = (
        *WHO_COLUMNS,
        Column(
            TARGET,
            required=False,
            example="340302001002",
            text=True,
            help=gettext_lazy("迁入本区另一社区时填写 12 位社区代码"),
        ),
        Column(
            DESTINATION, required=False, example="", help=gettext_lazy("迁出本区时填写迁往何处（此时迁入社区代码留空）")
        ),
        Column(MOVED_ON, example="2024-03-01", help=DATE_HELP),
        Column(NOTE, required=False, example=""),
    )
    notes = (
        gettext_lazy("每行填写“迁入社区代码”或“迁往”之一。迁入的社区须在您负责的区域内。"),
        gettext_lazy("导入后，受影响的人员列入“动态变化待核”清单。"),
    )

    def lookups(self, records: list[tuple[int, dict]], persons: dict[str, Person]) -> dict[str, Any]:
        return {"communities": fetch_by(Region.objects.all(), "code", {cell_code(v.get(TARGET)) for _r, v in records})}

    def error_column(self, error: DomainError) -> str:
        return MOVED_ON if error.field == "effective_date" else TARGET

    def plan_row(
        self, row: int, values: dict, number: str, person: Person, actor: Any, context: dict[str, Any]
    ) -> RowPlan:
        code, destination = cell_code(values.get(TARGET)), " ".join(cell_text(values.get(DESTINATION)).split())
        if bool(code) == bool(destination):
            raise _RowError(CellError(row, TARGET, code, _("请填写“迁入社区代码”或“迁往”之一（不能都填，也不能都空）")))
        day = _date_cell(row, values, MOVED_ON)
        data = bulk.MoveRow(
            row=row,
            id_number=number,
            moved_on=day,
            community=code,
            destination=destination,
            reason=cell_text(values.get(NOTE)),
        )
        key = mask_id_number(number)
        if code:
            try:
                target = clean_community(code, context["communities"])
            except DomainError as error:
                raise _RowError(CellError(row, TARGET, code, error.message)) from error
            if not in_scope(actor, target.code):
                raise _RowError(area_error(actor, row, TARGET, code))
            check_community_access(actor, target)
            if person.life_status == LifeStatus.DECEASED:
                raise _RowError(CellError(row, ID, key, _("%(name)s已死亡，不能迁入") % {"name": person.name}))
            returning = person.life_status == LifeStatus.MOVED_OUT
            if not returning and target.pk == person.community_id:
                return RowPlan(
                    row=row, action=RowAction.UNCHANGED, key=key, label=person.name, data=LifeWrite(data, person, day)
                )
            try:
                clean_effective_date(day, not_before=person.life_status_date if returning else person.birth_date)
            except DomainError as error:
                raise _RowError(CellError(row, MOVED_ON, day.isoformat(), error.message)) from error
            old = f"{person.community.name}" + (f"（{LifeStatus.MOVED_OUT.label}）" if returning else "")
            change, area = (old, f"{target.name}（{day.isoformat()}）"), target.code
        else:
            if person.life_status == LifeStatus.MOVED_OUT and person.life_status_date == day:
                return RowPlan(
                    row=row, action=RowAction.UNCHANGED, key=key, label=person.name, data=LifeWrite(data, person, day)
                )
            try:
                check_can_leave(person, day)
            except DomainError as error:
                raise _RowError(CellError(row, MOVED_ON, day.isoformat(), error.message)) from error
            change = (person.community.name, f"{LifeStatus.MOVED_OUT.label}：{destination}（{day.isoformat()}）")
            area = person.area_code
        return RowPlan(
            row=row,
            action=RowAction.CHANGED,
            key=key,
            label=person.name,
            data=LifeWrite(data, person, day, area),
            changes={str(_("居住/在册")): change},
        )



# --- bank accounts -------------------------------------------------------------------------------------

BANK, ACCOUNT, HOLDER, HOLDER_RELATION, DEFAULT = "开户银行", "银行账号", "户名", "账户所有人", "默认发放账户"
YES, NO = ("是", "Y", "1", "TRUE", "默认"), ("否", "N", "0", "FALSE", "")


@dataclasses.dataclass(frozen=True)
class AccountWrite:
    """A validated bank-account row: a new account, or changes to the person's account with the same number."""

    person: Person
    bank_name: str
    digits: str
    digest: str
    holder_name: str
    holder_relation: str
    make_default: bool
    account: BankAccount | None = None


@register
class BankAccountImport(ImportKind):
    """Bank accounts for benefit payments (打卡发放), by the holder's ID number.

    An account already registered for the person (same number) is updated (bank name, holder, default) or
    unchanged; a new one is added. Numbers are masked in previews and errors; per-account audit events are
    replaced by the import's one event (decision 0006)."""

    name = "bank-accounts"
    position = 40
    label = gettext_lazy("银行账户")
    action = "person.import"
    result_url_name = "registry:person_list"
    columns = (
        Column(ID, example="340302199001011234", text=True, help=gettext_lazy("账户所属残疾人的身份证号")),
        Column(NAME, required=False, example="示例姓名", help=gettext_lazy("仅供核对，不会修改档案中的姓名")),
        Column(BANK, example="中国工商银行"),
        Column(ACCOUNT, example="6222021234567890123", text=True, help=gettext_lazy("8–32 位数字，可含空格")),
        Column(HOLDER, required=False, example="", help=gettext_lazy("空白时为本人姓名")),
        Column(HOLDER_RELATION, required=False, example="本人", help=gettext_lazy("本人 或 监护人；空白为本人")),
        Column(DEFAULT, required=False, example="是", help=gettext_lazy("是/否：是否作为默认发放账户")),
    )
    notes = (
        gettext_lazy("同一人同一账号已登记时按本行更新开户银行、户名和默认标记；否则新增账户。"),
        gettext_lazy("每人只能有一个默认发放账户：标为“是”的账户成为默认，原默认账户改为非默认。"),
        gettext_lazy("此人须已在档案中，且在您负责的区域内。"),
    )

    def validate(self, table: Table, actor: Any, progress: Progress) -> tuple[Plan, list[CellError]]:
        records = list(table.records())
        errors: list[CellError] = []
        ids, persons = _persons_for(records, errors, unique=False)  # several accounts per person are fine
        held: dict[int, list[BankAccount]] = {}
        for chunk_start in range(0, len(persons), CHUNK):
            chunk = [p.pk for p in list(persons.values())[chunk_start : chunk_start + CHUNK]]
            for account in BankAccount.objects.filter(person_id__in=chunk):
                held.setdefault(account.person_id, []).append(account)
        first_row: dict[tuple[int, str], int] = {}
        default_row: dict[int, int] = {}
        plan = Plan()
        for done, (row, values) in enumerate(records, start=1):
            _progress_rows(progress, done)
            if row not in ids:
                continue
            try:
                person = _known_person(row, ids, persons, actor)
                write = self._clean(row, values, person)
                if (seen := first_row.setdefault((person.pk, write.digest), row)) != row:
                    raise _RowError(
                        CellError(
                            row,
                            ACCOUNT,
                            mask_bank_account(write.digits),
                            _("同一人的同一账号已在第 %(row)d 行") % {"row": seen},
                        )
                    )
                if write.make_default and default_row.setdefault(person.pk, row) != row:
                    raise _RowError(
                        CellError(
                            row,
                            DEFAULT,
                            "是",
                            _("此人在第 %(row)d 行已有默认发放账户，每人只能有一个") % {"row": default_row[person.pk]},
                        )
                    )
            except _RowError as error:
                errors.append(error.cell)
                continue
            plan.add(self._plan_row(row, write, held.get(person.pk, [])))
        progress.advance(len(records) % CHUNK)
        return plan, errors

    @staticmethod
    def _clean(row: int, values: dict, person: Person) -> AccountWrite:
        bank = " ".join(cell_text(values.get(BANK)).split())[:64]
        if not bank:
            raise _RowError(CellError(row, BANK, "", _("请填写开户银行")))
        try:
            digits = clean_bank_account(cell_code(values.get(ACCOUNT)))
            relation = clean_holder_relation(cell_text(values.get(HOLDER_RELATION)) or HolderRelation.SELF.label)
            holder = cell_text(values.get(HOLDER)) or (person.name if relation == HolderRelation.SELF else "")
            holder = clean_name(holder)
        except DomainError as error:
            column = {"account_number": ACCOUNT, "holder_relation": HOLDER_RELATION}.get(error.field or "", HOLDER)
            value = (
                mask_bank_account(bank_account_digits(cell_text(values.get(column))))
                if column == ACCOUNT
                else (cell_text(values.get(column)))
            )
            raise _RowError(CellError(row, column, value, error.message)) from error
        flag = cell_text(values.get(DEFAULT)).upper()
        if flag not in YES and flag not in NO:
            raise _RowError(CellError(row, DEFAULT, cell_text(values.get(DEFAULT)), _("默认发放账户请填“是”或“否”")))
        return AccountWrite(
            person=person,
            bank_name=bank,
            digits=digits,
            digest=crypto.blind_index(digits, purpose="bank_account"),
            holder_name=holder,
            holder_relation=relation,
            make_default=flag in YES,
        )

    @staticmethod
    def _plan_row(row: int, write: AccountWrite, accounts: list[BankAccount]) -> RowPlan:
        key = f"{write.person.id_number_masked} {mask_bank_account(write.digits)}"
        current = next((a for a in accounts if a.account_hash == write.digest), None)
        if current is None:
            has_default = any(a.is_default for a in accounts)
            write = dataclasses.replace(write, make_default=write.make_default or not has_default)
            return RowPlan(row=row, action=RowAction.NEW, key=key, label=write.person.name, data=write)
        changes: dict[str, tuple[Any, Any]] = {}
        if current.bank_name != write.bank_name:
            changes[BANK] = (current.bank_name, write.bank_name)
        if current.holder_name != write.holder_name:
            changes[HOLDER] = (current.holder_name, write.holder_name)
        if write.make_default and not current.is_default:
            changes[DEFAULT] = (_("否"), _("是"))
        action = RowAction.CHANGED if changes else RowAction.UNCHANGED
        write = dataclasses.replace(write, account=current)
        return RowPlan(row=row, action=action, key=key, label=write.person.name, changes=changes, data=write)

    def apply(self, plan: Plan, actor: Any, progress: Progress) -> None:
        """Old defaults off first (one default per person is a constraint), then new accounts, then updates."""
        writes: list[AccountWrite] = [r.data for r in plan.rows]
        now = timezone.now()
        defaults_for = sorted({w.person.pk for w in writes if w.make_default})
        for start in range(0, len(defaults_for), CHUNK):
            BankAccount.objects.filter(person_id__in=defaults_for[start : start + CHUNK], is_default=True).update(
                is_default=False, updated_at=now
            )
        new = []
        for w in writes:
            if w.account is None:
                account = BankAccount(
                    person=w.person,
                    bank_name=w.bank_name,
                    holder_name=w.holder_name,
                    holder_relation=w.holder_relation,
                    is_default=w.make_default,
                )
                account.set_number(w.digits)
                new.append(account)
        BankAccount.objects.bulk_create(new, batch_size=CHUNK)
        changed = []
        for w in writes:
            if w.account is not None:
                account = w.account
                account.bank_name, account.holder_name, account.updated_at = w.bank_name, w.holder_name, now
                account.is_default = w.make_default or (account.is_default and w.person.pk not in defaults_for)
                changed.append(account)
        BankAccount.objects.bulk_update(
            changed, ["bank_name", "holder_name", "is_default", "updated_at"], batch_size=CHUNK
        )
        progress.advance(len(writes))
