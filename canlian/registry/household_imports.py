"""The `households` import (issue #3, item 7): 户 and their members, one row per member, by ID numbers.

A household in the file is named by its head's ID number (户主身份证号); each row puts one person
(成员身份证号) in it with their relation to the head. The head's own row (成员 = 户主, relation 户主) may be
left out. Both must already be in the registry (a member without a certificate is registered first with the
persons import) and inside the importing user's area; so must the household's community (所在社区代码, blank:
the head's community).

What happens, decided per household with the same rules as the household services (`household_create`,
`household_add_member`): a head who already heads a household names that household, which gains the listed
members who are not in it yet (a changed relation, number or address is updated, shown old → new in the
preview); a head in no household opens a new one. A person already in another household is refused, as on
the household page (they must be moved out there first), and so is a head who is an ordinary member of some
household. Members the file does not list are kept: removing someone is done on the household page, with a
date. Importing the same file twice therefore writes nothing the second time. Writes are set-based (bulk
inserts and updates); the import's one audit event stands for the per-household events (decision 0006).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.accounts.scoping import in_scope
from canlian.common import crypto
from canlian.common.choices import RowAction
from canlian.common.exceptions import DomainError
from canlian.common.idcard import IdNumber
from canlian.common.imports import Column, ImportKind, Plan, RowPlan, area_error, cell_code, cell_text, register
from canlian.common.jobs import Progress
from canlian.common.tabular import CellError, Table
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.registry import services
from canlian.registry.choices import Relation
from canlian.registry.imports import (
    CHUNK,
    DATE_HELP,
    CellProblem,
    _progress_rows,
    _RowError,
    masked,
    parse_date,
)
from canlian.registry.inputs import clean_choice, clean_community, clean_effective_date, clean_id_number
from canlian.registry.models import Household, HouseholdMember, Person

HEAD_ID, MEMBER_ID, RELATION = "户主身份证号", "成员身份证号", "与户主关系"
NUMBER, COMMUNITY, ADDRESS, JOINED, NAME = "户号", "所在社区代码", "地址", "加入日期", "成员姓名"
MEMBER_LABEL = "成员"


@dataclasses.dataclass
class HouseholdPlan:
    """One household of the file: the existing row or the fields of a new one, and what changes on it."""

    head: Person
    first_row: int
    household: Household | None = None  # None: a new household
    community: Region | None = None
    number: str | None = None  # None: not given in the file
    address: str | None = None
    changed: dict[str, Any] = dataclasses.field(default_factory=dict)  # field → new value (existing household)
    head_row: int | None = None  # the head's own row, when the file has one


@dataclasses.dataclass(frozen=True)
class MemberWrite:
    """A validated row: the member, the household plan it belongs to, and the membership it adds or changes."""

    household: HouseholdPlan
    person: Person
    relation: str
    joined_on: datetime.date
    member: HouseholdMember | None = None  # the current membership (None: the row adds one)


@register
class HouseholdImport(ImportKind):
    """Households (户) and their members, by the head's and each member's ID number."""

    name = "households"
    position = 30
    label = gettext_lazy("家庭户")
    action = "person.import"
    result_url_name = "registry:household_list"
    columns = (
        Column(HEAD_ID, example="340302198001011232", text=True, help=gettext_lazy("户主的身份证号（须已在档案中）")),
        Column(
            MEMBER_ID,
            example="340302201001011237",
            text=True,
            help=gettext_lazy("本行成员的身份证号（须已在档案中）；户主本人的行可写户主身份证号、关系填“户主”"),
        ),
        Column(NAME, required=False, example="示例姓名", help=gettext_lazy("仅供核对，不会修改档案中的姓名")),
        Column(
            RELATION,
            example="子女",
            help=gettext_lazy("户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、其他"),
        ),
        Column(NUMBER, required=False, example="", text=True, help=gettext_lazy("户口簿户号，可空")),
        Column(
            COMMUNITY,
            required=False,
            example="",
            text=True,
            help=gettext_lazy("12 位社区/村代码；空白按户主的居住社区；须在您负责的区域内"),
        ),
        Column(ADDRESS, required=False, example=""),
        Column(
            JOINED, required=False, example="", help=format_lazy("{}{}", gettext_lazy("空白为导入当天。"), DATE_HELP)
        ),
    )
    notes = (
        gettext_lazy("每行一名成员；同一户的各行户主身份证号相同，户号、社区、地址只需在其中一行填写（多行填写须一致）。"),
        gettext_lazy("户主已是某户户主时，按该户更新（新增成员、修改关系/户号/地址）；户主尚未入户时新建一户。"),
        gettext_lazy("已在另一户的人员不能导入，请先在该户页面移出；文件未列出的现有成员保持不变。"),
        gettext_lazy("户主和成员须已在档案中，且在您负责的区域内。同一人在文件中只能出现一次。"),
    )

    def validate(self, table: Table, actor: Any, progress: Progress) -> tuple[Plan, list[CellError]]:
        records = list(table.records())
        errors: list[CellError] = []
        today = timezone.localdate()
        heads = _parse_ids(records, HEAD_ID, errors, today)
        members = _parse_ids(records, MEMBER_ID, errors, today)
        digests = {d for _n, d in heads.values()} | {d for _n, d in members.values()}
        persons = _persons(digests)
        memberships = _memberships([p.pk for p in persons.values()])
        codes = {cell_code(v.get(COMMUNITY)) for _r, v in records} - {""}
        communities = {
            r.code: r for start in range(0, len(codes), CHUNK)
            for r in Region.objects.filter(code__in=sorted(codes)[start : start + CHUNK], level=RegionLevel.COMMUNITY)
        }
        communities.update({p.community.code: p.community for p in persons.values()})

        households: dict[int, HouseholdPlan] = {}  # by the head's person id
        seen: dict[int, int] = {}  # person id → first row listing them (as member, or implied as head)
        valid: list[tuple[int, MemberWrite, HouseholdMember | None]] = []
        for done, (row, values) in enumerate(records, start=1):
            _progress_rows(progress, done)
            if row not in heads or row not in members:
                continue
            try:
                head = _known(row, HEAD_ID, heads[row], persons, actor)
                member = _known(row, MEMBER_ID, members[row], persons, actor)
                household = self._household(row, values, head, actor, households, memberships, communities, seen)
                valid.append(self._member_row(row, values, household, member, memberships, seen, today))
            except _RowError as error:
                errors.append(error.cell)
        progress.advance(len(records) % CHUNK)
        return self._plan(valid), errors

    @staticmethod
    def _plan(valid: list[tuple[int, MemberWrite, HouseholdMember | None]]) -> Plan:
        """Rows into the plan once every row is read: a household's own changes (number, address, community, from
        any of its rows) are shown on its first valid row."""
        plan = Plan()
        shown: set[int] = set()
        for row, write, current in valid:
            household = write.household
            person = write.person
            key, label = person.id_number_masked, f"{_head_label(household)}：{person.name}"
            if household.household is None:
                household.community = household.community or household.head.community
                plan.add(RowPlan(row=row, action=RowAction.NEW, key=key, label=label, data=write))
                continue
            changes: dict[str, tuple[Any, Any]] = {}
            if id(household) not in shown:
                shown.add(id(household))
                changes = _household_changes(household)
            if current is None:
                changes[MEMBER_LABEL] = ("", f"{person.name}（{Relation(write.relation).label}）")
            elif current.relation != write.relation:
                changes[RELATION] = (current.get_relation_display(), Relation(write.relation).label)
            action = RowAction.CHANGED if changes else RowAction.UNCHANGED
            plan.add(RowPlan(row=row, action=action, key=key, label=label, changes=changes, data=write))
        return plan

    # --- per household --------------------------------------------------------------------------------

    def _household(
        self,
        row: int,
        values: dict,
        head: Person,
        actor: Any,
        households: dict[int, HouseholdPlan],
        memberships: dict[int, HouseholdMember],
        communities: dict[str, Region],
        seen: dict[int, int],
    ) -> HouseholdPlan:
        """The household this row's head names (made on its first row), with the row's household columns merged."""
        plan = households.get(head.pk)
        if plan is None:
            current = memberships.get(head.pk)
            if current is not None and current.relation != Relation.HEAD:
                raise _RowError(CellError(row, HEAD_ID, head.id_number_masked, _(
                    "%(name)s是%(h)s的成员（%(rel)s），不是户主：请先在该户页面移出，或以该户户主的身份证号填写") % {
                        "name": head.name, "h": _household_name(current), "rel": current.get_relation_display()}))
            if (first := seen.get(head.pk)) is not None:
                raise _RowError(CellError(row, HEAD_ID, head.id_number_masked, _(
                    "%(name)s已在第 %(row)d 行作为另一户的成员，不能再作户主") % {"name": head.name, "row": first}))
            seen[head.pk] = row
            plan = HouseholdPlan(head=head, first_row=row, household=current.household if current else None)
            households[head.pk] = plan
        self._merge_fields(row, values, plan, actor, communities)
        return plan

    @staticmethod
    def _merge_fields(
        row: int, values: dict, plan: HouseholdPlan, actor: Any, communities: dict[str, Region]
    ) -> None:
        code = cell_code(values.get(COMMUNITY))
        number = cell_code(values.get(NUMBER))[:32]
        address = " ".join(cell_text(values.get(ADDRESS)).split())[:200]
        if code:
            try:
                community = clean_community(code, communities)
            except DomainError as error:
                raise _RowError(CellError(row, COMMUNITY, code, error.message)) from error
            if not in_scope(actor, community.code):
                raise _RowError(area_error(actor, row, COMMUNITY, code))
            if plan.community is not None and plan.community.pk != community.pk:
                raise _RowError(_conflict(row, COMMUNITY, code, plan))
            plan.community = community
        for header, attr, value in ((NUMBER, "number", number), (ADDRESS, "address", address)):
            if not value:
                continue
            if getattr(plan, attr) not in (None, value):
                raise _RowError(_conflict(row, header, value, plan))
            setattr(plan, attr, value)
        if plan.household is not None and not in_scope(actor, plan.household.area_code):
            raise _RowError(CellError(row, HEAD_ID, plan.head.id_number_masked, _(
                "%(h)s不在您负责的区域内，不能导入") % {"h": _head_label(plan)}))

    # --- per member row -------------------------------------------------------------------------------

    def _member_row(
        self,
        row: int,
        values: dict,
        household: HouseholdPlan,
        person: Person,
        memberships: dict[int, HouseholdMember],
        seen: dict[int, int],
        today: datetime.date,
    ) -> tuple[int, MemberWrite, HouseholdMember | None]:
        raw = cell_text(values.get(RELATION))
        try:
            relation = clean_choice(raw, Relation, "relation", _("与户主关系"), blank=False)
        except DomainError as error:
            raise _RowError(CellError(row, RELATION, raw, error.message)) from error
        is_head = person.pk == household.head.pk
        if is_head and relation != Relation.HEAD:
            raise _RowError(CellError(row, RELATION, raw, _("成员身份证号与户主身份证号相同，与户主关系应填“户主”")))
        if not is_head and relation == Relation.HEAD:
            raise _RowError(CellError(row, RELATION, raw, _("一户只有一个户主：户主身份证号所填的人才是户主")))
        if is_head:
            if household.head_row is not None:
                raise _RowError(CellError(row, MEMBER_ID, person.id_number_masked, _(
                    "户主本人的行已在第 %(row)d 行") % {"row": household.head_row}))
            household.head_row = row
        elif (first := seen.setdefault(person.pk, row)) != row:
            raise _RowError(CellError(row, MEMBER_ID, person.id_number_masked, _(
                "%(name)s已在第 %(row)d 行出现（每人只能属于一户）") % {"name": person.name, "row": first}))
        try:
            joined = parse_date(values.get(JOINED)) or today
            joined = clean_effective_date(joined, field="joined_on", not_before=person.birth_date)
        except CellProblem as problem:
            raise _RowError(CellError(row, JOINED, cell_text(values.get(JOINED)), problem.reason)) from problem
        except DomainError as error:
            raise _RowError(CellError(row, JOINED, joined.isoformat(), error.message)) from error

        current = memberships.get(person.pk)
        target = household.household
        if current is not None and (target is None or current.household_id != target.pk):
            raise _RowError(CellError(row, MEMBER_ID, person.id_number_masked, _(
                "%(name)s已是%(h)s的成员，请先在该户页面移出") % {"name": person.name, "h": _household_name(current)}))
        write = MemberWrite(
            household=household, person=person, relation=relation, joined_on=joined, member=current
        )
        return row, write, current

    def apply(self, plan: Plan, actor: Any, progress: Progress) -> None:
        """New households (with their heads), changed households, new memberships, changed relations: in bulk.

        Rows were checked by `validate` moments before in this transaction (the framework's contract): community,
        number and address are clean, and the one-household-per-person and one-head rules hold (the database
        constraints guard them anyway), so no per-row `full_clean()` (it would look the community up per row)."""
        writes: list[MemberWrite] = [r.data for r in plan.rows]
        plans = {id(w.household): w.household for w in writes}
        new = {key: p for key, p in plans.items() if p.household is None}
        rows = {
            key: Household(
                community=p.community, area_code=p.community.code, number=p.number or "", address=p.address or ""
            )
            for key, p in new.items()
        }
        Household.objects.bulk_create(list(rows.values()), batch_size=CHUNK)
        for key, household in rows.items():
            new[key].household = household
        now = timezone.now()
        changed = [p for key, p in plans.items() if key not in new and p.changed]
        fields: set[str] = {"updated_at"}
        for p in changed:
            for name, value in p.changed.items():
                setattr(p.household, name, value)
            p.household.updated_at = now
            fields.update(p.changed)
        Household.objects.bulk_update([p.household for p in changed], sorted(fields), batch_size=CHUNK)

        first_joined: dict[int, datetime.date] = {}
        with_head_row: set[int] = set()
        for w in writes:
            key = id(w.household)
            first_joined[key] = min(first_joined.get(key, w.joined_on), w.joined_on)
            if w.person.pk == w.household.head.pk:
                with_head_row.add(key)
        members = [
            HouseholdMember(household=p.household, person=p.head, relation=Relation.HEAD, joined_on=first_joined[key])
            for key, p in new.items()
            if key not in with_head_row
        ]
        members += [
            HouseholdMember(household=w.household.household, person=w.person, relation=w.relation,
                            joined_on=w.joined_on)
            for w in writes
            if w.member is None
        ]
        HouseholdMember.objects.bulk_create(members, batch_size=CHUNK)
        services.households_recount(households={m.household_id for m in members})
        relations = []
        for w in writes:
            if w.member is not None and w.member.relation != w.relation:
                w.member.relation = w.relation
                relations.append(w.member)
        HouseholdMember.objects.bulk_update(relations, ["relation"], batch_size=CHUNK)
        progress.advance(len(writes))


# --- helpers ---------------------------------------------------------------------------------------------


def _parse_ids(
    records: list[tuple[int, dict]], column: str, errors: list[CellError], today: datetime.date
) -> dict[int, tuple[IdNumber, str]]:
    """{row: (ID number, blind index)} of one ID column; each distinct number is parsed and hashed once."""
    parsed: dict[int, tuple[IdNumber, str]] = {}
    cache: dict[str, tuple[IdNumber, str] | DomainError] = {}
    for row, values in records:
        raw = cell_code(values.get(column)).upper()
        if raw not in cache:
            try:
                ident = clean_id_number(raw, today=today)
                cache[raw] = (ident, crypto.blind_index(ident.number, purpose="id_number"))
            except DomainError as error:
                cache[raw] = error
        outcome = cache[raw]
        if isinstance(outcome, DomainError):
            errors.append(CellError(row, column, masked(values.get(column)), outcome.message))
        else:
            parsed[row] = outcome
    return parsed


def _persons(digests: set[str]) -> dict[str, Person]:
    wanted = sorted(digests)
    found: dict[str, Person] = {}
    for start in range(0, len(wanted), CHUNK):
        for person in Person.objects.filter(id_number_hash__in=wanted[start : start + CHUNK]).select_related(
            "community"
        ):
            found[person.id_number_hash] = person
    return found


def _memberships(person_ids: list[int]) -> dict[int, HouseholdMember]:
    """Each person's current membership, with its household and that household's current head (named in errors)."""
    found: dict[int, HouseholdMember] = {}
    for start in range(0, len(person_ids), CHUNK):
        for member in HouseholdMember.objects.filter(
            person_id__in=person_ids[start : start + CHUNK], left_on__isnull=True
        ).select_related("household"):
            found[member.person_id] = member
    household_ids = sorted({m.household_id for m in found.values()})
    heads: dict[int, str] = {}
    for start in range(0, len(household_ids), CHUNK):
        heads.update(
            HouseholdMember.objects.filter(
                household_id__in=household_ids[start : start + CHUNK], left_on__isnull=True, relation=Relation.HEAD
            ).values_list("household_id", "person__name")
        )
    for member in found.values():
        member.head_name = heads.get(member.household_id, "")  # type: ignore[attr-defined]
    return found


def _known(row: int, column: str, parsed: tuple[IdNumber, str], persons: dict[str, Person], actor: Any) -> Person:
    ident, digest = parsed
    person = persons.get(digest)
    if person is None:
        raise _RowError(CellError(row, column, ident.masked, _(
            "档案中没有此身份证号：请先用“残疾人档案”导入或在人员页面登记此人")))
    if not in_scope(actor, person.area_code):
        raise _RowError(CellError(row, column, ident.masked, _(
            "此人（%(name)s，%(community)s）不在您负责的区域内，不能导入") % {
                "name": person.name, "community": person.community.name}))
    return person


def _household_name(member: HouseholdMember) -> str:
    head = getattr(member, "head_name", "")
    return _("%(name)s户") % {"name": head} if head else _("户 %(id)s") % {"id": member.household_id}


def _head_label(plan: HouseholdPlan) -> str:
    return _("%(name)s户") % {"name": plan.head.name}


def _conflict(row: int, header: str, value: str, plan: HouseholdPlan) -> CellError:
    return CellError(row, header, value, _(
        "与第 %(row)d 行（同一户主）填写的%(col)s不一致") % {"row": plan.first_row, "col": header})


def _household_changes(plan: HouseholdPlan) -> dict[str, tuple[Any, Any]]:
    """Old → new of the household's own fields, computed on its first row (`plan.changed` is what apply writes)."""
    household = plan.household
    assert household is not None
    changes: dict[str, tuple[Any, Any]] = {}
    if plan.number is not None and plan.number != household.number:
        changes[NUMBER] = (household.number, plan.number)
        plan.changed["number"] = plan.number
    if plan.address is not None and plan.address != household.address:
        changes[ADDRESS] = (household.address, plan.address)
        plan.changed["address"] = plan.address
    if plan.community is not None and plan.community.pk != household.community_id:
        changes[COMMUNITY] = (household.area_code, f"{plan.community.name}（{plan.community.code}）")
        plan.changed.update(community=plan.community, area_code=plan.community.code)
    return changes
