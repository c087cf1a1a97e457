"""The real rule schema: the whitelist of registry facts an eligibility rule may name, bound to the models.

Every name here says, in one place, how it becomes part of one query over Person (``to_q``) and how it is
read from one person's facts (``evaluate``); related rows (low-income periods, enrolments, the current
certificate's components, the household) are reached with ``Exists``/subqueries, never joins that could
multiply rows. ``facts_for_many(ids, ctx)`` loads the facts of many persons in a fixed number of queries
(one per related table), so explaining a thousand 应退未退 people costs the same five queries as one.

The programme codes that ``enrolled(...)`` accepts come from the catalogue, so the schema is rebuilt when
the list of programmes changes (``registry_schema()`` caches it per list of codes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from canlian.common.certificate import CATEGORY_NAMES, GRADE_NAMES
from canlian.programmes.rules import (
    AgeField,
    Choice,
    ColumnField,
    ColumnFlag,
    DateType,
    EnumType,
    Facts,
    Field,
    Flag,
    Function,
    IntType,
    Op,
    Param,
    RuleContext,
    RuleSchema,
    Value,
    age_on_function,
)
from canlian.programmes.rules.conditions import RareExists
from canlian.registry.choices import MULTIPLE, CertificateStatus, LifeStatus, LowIncomeStatus

GRADES = EnumType(tuple(Choice(code, str(label)) for code, label in GRADE_NAMES.items()), ordered=True)
CATEGORIES = EnumType(tuple(Choice(code, str(label)) for code, label in CATEGORY_NAMES.items()))
SEX = EnumType((Choice("M", "男"), Choice("F", "女")))
HUKOU = EnumType((Choice("urban", "城镇", ("城市",)), Choice("rural", "农村")))
STATUSES = (
    Choice(LowIncomeStatus.DIBAO.value, "低保", ("最低生活保障",)),
    Choice(LowIncomeStatus.TEKUN.value, "特困", ("特困供养",)),
    Choice(LowIncomeStatus.BIANYUAN.value, "低保边缘"),
)
LOW_INCOME = EnumType((*STATUSES, Choice(LowIncomeStatus.NONE.value, "无")))
STATUS = EnumType(STATUSES)
LIFE = EnumType(
    (
        Choice(LifeStatus.ALIVE.value, "在册", ("在世", "健在")),
        Choice(LifeStatus.DECEASED.value, "死亡", ("已故",)),
        Choice(LifeStatus.MOVED_OUT.value, "迁出"),
    )
)
YEAR = IntType(2000, 2100)
_QUOTES = re.compile("[\"'“”‘’「」『』]")
COUNT = IntType(0, 50)


def _overlaps(row: Facts, first: date, last: date) -> bool:
    return row["start"] <= last and (row["end"] is None or row["end"] >= first)


def _period_q(first: date, last: date) -> Q:
    """Rows whose [start, end] (open when end is NULL) overlaps [first, last]."""
    return Q(start__lte=last) & (Q(end__isnull=True) | Q(end__gte=first))


def _enrolments(programme: str, first: date, last: date) -> Q:
    from canlian.programmes.models import Enrolment

    rows = Enrolment.objects.filter(_period_q(first, last), person=OuterRef("pk"), programme__code=programme)
    return Q(Exists(rows))


# --- flags ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateValid(Flag):
    """The current certificate is valid (not cancelled) and its validity runs on or past the reference date."""

    name: str = "certificate_valid"
    label: str = "残疾人证有效"
    help: str = "持有未注销的残疾人证，且有效期截止日不早于基准日"

    def to_q(self, ctx: RuleContext) -> Q:
        return Q(cert_status=CertificateStatus.VALID, cert_valid_until__gte=ctx.ref_date)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        until = facts["cert_valid_until"]
        return facts["cert_status"] == CertificateStatus.VALID and until is not None and until >= ctx.ref_date

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"残疾人证在 {ctx.ref_date} {'有效' if holds else '已过期、已注销或未办证'}"


@dataclass(frozen=True)
class Severe(Flag):
    name: str = "severe"
    label: str = "重度残疾"
    help: str = "残疾等级为一级或二级"

    def to_q(self, ctx: RuleContext) -> Q:
        return Q(grade__in=[1, 2])

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return facts["grade"] in (1, 2)

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return "重度残疾（一级或二级）" if holds else "非重度残疾（三级、四级或无证）"


@dataclass(frozen=True)
class Alive(Flag):
    name: str = "alive"
    label: str = "在册"
    help: str = "未死亡、未迁出"

    def to_q(self, ctx: RuleContext) -> Q:
        return Q(life_status=LifeStatus.ALIVE)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return facts["life_status"] == LifeStatus.ALIVE

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return "在册" if holds else "已死亡或迁出（不在册）"


@dataclass(frozen=True)
class LowIncomeOn(Flag):
    """低保/特困/低保边缘 on a given date, from the LowIncomePeriod history (so an ended 低保 counts as ended)."""

    status: str
    on: date
    name: str = "low_income_on"
    label: str = "某日低保等状态"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        return status_in(self.on, {self.status})

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return low_income_on_date(facts["low_income_periods"], self.on) == self.status

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"在 {self.on} {'处于' if holds else '未处于'}{STATUS.display(self.status)}"


@dataclass(frozen=True)
class LowIncomeOnRefDate(Field):
    """低保/特困/低保边缘/无 *on the reference date*, from the LowIncomePeriod history.

    Not the current column on Person: a 低保 that ended (or starts) after the reference date, or one whose
    end an import recorded ahead of time, must count as it stood on that date (decision 0016). The status
    is always known (无 when no period covers the date), so ``!=`` and ``not in`` are exact complements.
    """

    name: str = "low_income"
    label: str = "低保等状态"
    type: EnumType = LOW_INCOME
    unit: str = ""
    help: str = "基准日的状态（按低保状态期间的起止日期，已终止的不算）；其他日期用 low_income_on"

    def to_q(self, op: Op, value: Value | tuple[Value, ...], ctx: RuleContext) -> Q:
        wanted = set(value) if isinstance(value, tuple) else {value}
        # the status on a date is always exactly one of the four, so “is not one of” is “is one of the others”
        return status_in(ctx.ref_date, wanted if op in (Op.EQ, Op.IN) else set(LowIncomeStatus.values) - wanted)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> str:
        return low_income_on_date(facts["low_income_periods"], ctx.ref_date)


def status_in(day: date, statuses: set[Value]) -> Q:
    """Persons whose low-income status on `day` is one of `statuses` (无 included: no period in force).

    The person's own columns answer for everyone whose status of today began on or before `day`
    (`low_income_since`, kept by the services with the periods; NULL: never had one): their status on `day` is
    `low_income_status`. Only the persons whose status changed after `day` (a few percent of a registry for a
    recent date) look in their own period history, with an index probe each (`low_income_person_period`), so a
    screening scans one covering index and builds no set of the whole history (decision 0018). A person's
    periods never overlap (LowIncomePeriod.clean, and the services start a new period only after the latest
    one: decision 0016), so the status on `day` is that of *the* period covering it.
    """
    from canlian.registry.models import LowIncomePeriod

    wanted = sorted(str(s) for s in statuses)
    if not wanted:
        return Q(pk__in=[])
    in_force = LowIncomePeriod.objects.filter(_period_q(day, day), person=OuterRef("pk"))
    real = [s for s in wanted if s != LowIncomeStatus.NONE.value]
    history = Q(RareExists(in_force.filter(status__in=real))) if real else None
    if LowIncomeStatus.NONE.value in wanted:
        none = ~Q(RareExists(in_force))
        history = none if history is None else history | none
    # CASE, not (current AND …) OR (changed later AND …): the history is looked at only in the ELSE branch, and
    # PostgreSQL reads the covering index once instead of OR-ing two bitmap scans of it and visiting the table
    status = Case(
        When(Q(low_income_since__isnull=True) | Q(low_income_since__lte=day),
             then=ExpressionWrapper(Q(low_income_status__in=wanted), output_field=BooleanField())),
        default=ExpressionWrapper(history, output_field=BooleanField()),
        output_field=BooleanField(),
    )
    return Q(status)


def low_income_on_date(periods: Iterable[Facts], day: date) -> str:
    """The status a person's periods give for `day` (the period covering it; periods never overlap, the
    latest-starting would win should old data hold two), 无 when none."""
    covering = [p for p in periods if _overlaps(p, day, day)]
    return max(covering, key=lambda p: (p["start"], p["id"]))["status"] if covering else LowIncomeStatus.NONE.value


@dataclass(frozen=True)
class Enrolled(Flag):
    programme: str
    programmes: EnumType
    name: str = "enrolled"
    label: str = "正在享受"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        return _enrolments(self.programme, ctx.ref_date, ctx.ref_date)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return any(
            e["programme"] == self.programme and _overlaps(e, ctx.ref_date, ctx.ref_date) for e in facts["enrolments"]
        )

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"基准日{'正在享受' if holds else '未享受'} {self.programmes.display(self.programme)}"

    def demand(self, wanted: bool, ctx: RuleContext) -> str:
        return f"要求正在享受 {self.programmes.display(self.programme)}" if wanted else "本项目不可同时享受"


@dataclass(frozen=True)
class EnrolledHere(Flag):
    """Enrolled in the programme being screened (ctx.programme): lets a rule keep people already served."""

    name: str = "enrolled_here"
    label: str = "正在享受本项目"
    help: str = "基准日正在享受正在筛查的这个项目，如“已在训儿童可延续”"

    def to_q(self, ctx: RuleContext) -> Q:
        return _enrolments(ctx.programme, ctx.ref_date, ctx.ref_date)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return any(
            e["programme"] == ctx.programme and _overlaps(e, ctx.ref_date, ctx.ref_date) for e in facts["enrolments"]
        )

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"基准日{'正在享受' if holds else '未享受'}本项目（{ctx.programme}）"


@dataclass(frozen=True)
class EnrolledInYear(Flag):
    programme: str
    year: int
    programmes: EnumType
    name: str = "enrolled_in_year"
    label: str = "某年度享受过"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        return _enrolments(self.programme, date(self.year, 1, 1), date(self.year, 12, 31))

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        return any(e["programme"] == self.programme and _overlaps(e, first, last) for e in facts["enrolments"])

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"在 {self.year} 年{'享受过' if holds else '未享受'} {self.programmes.display(self.programme)}"


@dataclass(frozen=True)
class HasCategory(Flag):
    """The person's category is `category`, or a multiple disability (多重) whose components include it."""

    category: int
    name: str = "has_category"
    label: str = "残疾类别包括"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        if self.category == MULTIPLE:
            return Q(category=MULTIPLE)
        from canlian.registry.models import Certificate

        # the multiple-disability certificate's components, read from the partial covering index
        # `cert_multiple_components` (decision 0016); `category IN (c, 多重)` first, a column test that
        # AllOf puts before the sets and subqueries of the other conditions
        components = Certificate.objects.filter(
            person=OuterRef("pk"), is_current=True, category=MULTIPLE, components__contains=str(self.category)
        )
        return Q(category__in=[self.category, MULTIPLE]) & (
            Q(category=self.category) | (Q(category=MULTIPLE) & Q(Exists(components)))
        )

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        if facts["category"] == self.category:
            return True
        return facts["category"] == MULTIPLE and str(self.category) in (facts["components"] or "")

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"残疾类别{'包括' if holds else '不包括'} {CATEGORIES.display(self.category)}"


# --- household count --------------------------------------------------------------------------------------------


def _memberships_with_count() -> QuerySet:
    """The person's current membership row, annotated `n`: certified living members of that household.

    “Certified” follows registry.models.certified_count: a current member, alive, with a not-cancelled
    certificate — the registry's own definition of 一户多残, which Household.certified_count keeps.
    """
    from canlian.registry.models import HouseholdMember

    certified = (
        HouseholdMember.objects.filter(
            household=OuterRef("household"),
            left_on__isnull=True,
            person__life_status=LifeStatus.ALIVE,
            person__cert_status=CertificateStatus.VALID,
        )
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return HouseholdMember.objects.filter(person=OuterRef("pk"), left_on__isnull=True).annotate(
        n=Coalesce(Subquery(certified, output_field=IntegerField()), 0)
    )


def household_count_expression() -> Subquery:
    """The count as a value per person (NULL when the person belongs to no household), for facts and exports."""
    return Subquery(_memberships_with_count().values("n")[:1], output_field=IntegerField())


_SUFFIXES = {Op.EQ: "", Op.LT: "__lt", Op.LE: "__lte", Op.GT: "__gt", Op.GE: "__gte", Op.IN: "__in"}


@dataclass(frozen=True)
class HouseholdCertifiedCount(Field):
    """Compiled as “a member of a household whose count meets the comparison”, one set computed once from the
    count kept on each household (`Household.certified_count`, decision 0019; for ≥ and > read from its index):
    a person without a household (unknown) is in no such set, so meets no comparison as the engine requires,
    and ``not`` complements it exactly. Facts (explain, the per-person loop) count the members themselves, so
    the tests that compare the two also check the kept count."""

    name: str = "household_certified_count"
    label: str = "本户持证人数"
    type: IntType = COUNT
    unit: str = "人"
    help: str = "本人所在户中在册、持有效残疾人证的人数（含本人）；未登记户时为“未登记”"

    def to_q(self, op: Op, value: Value | tuple[Value, ...], ctx: RuleContext) -> Q:
        from canlian.registry.models import HouseholdMember

        members = HouseholdMember.objects.filter(left_on__isnull=True)
        count = "household__certified_count"
        if op in (Op.IN, Op.NOT_IN):
            values = list(value) if isinstance(value, tuple) else [value]
            members = (members.filter if op is Op.IN else members.exclude)(**{f"{count}__in": values})
        elif op is Op.NE:
            members = members.exclude(**{count: value})
        else:
            members = members.filter(**{f"{count}{_SUFFIXES[op]}": value})
        return Q(pk__in=members.values("person"))

    def evaluate(self, facts: Facts, ctx: RuleContext) -> int | None:
        return facts["household_certified_count"]


# --- facts recorded on the person (decision 0016) ----------------------------------------------------------------

FACT_FLAGS = (
    ColumnFlag(
        name="wheelchair", label="持有机动轮椅车", lookup="owns_wheelchair_vehicle", key="owns_wheelchair_vehicle",
        true_text="持有合规的机动轮椅车", false_text="未登记持有机动轮椅车", help="持有合规的机动轮椅车（燃油补贴）",
    ),
    ColumnFlag(
        name="lower_limb", label="下肢残疾", lookup="lower_limb", true_text="下肢残疾",
        false_text="未登记为下肢残疾", help="肢体残疾中的下肢残疾（残疾评定结论）",
    ),
    ColumnFlag(
        name="poverty", label="脱贫人口", lookup="poverty_alleviated", key="poverty_alleviated",
        true_text="属于脱贫人口", false_text="不属于脱贫人口", help="乡村振兴部门认定的脱贫户成员（含监测对象）",
    ),
    ColumnFlag(
        name="long_term_care", label="需长期照护", lookup="needs_long_term_care", key="needs_long_term_care",
        true_text="经评估需长期照护", false_text="未评估为需长期照护", help="经评估需要长期照护（护理补贴）",
    ),
    ColumnFlag(
        name="work_injury_care", label="领取工伤护理费", lookup="work_injury_care",
        true_text="正在领取工伤保险生活护理费", false_text="未领取工伤保险生活护理费",
        help="正在领取工伤保险生活护理费（不重复享受护理补贴）",
    ),
    ColumnFlag(
        name="autism", label="孤独症", lookup="autism", true_text="诊断为孤独症", false_text="未登记孤独症诊断",
        help="经医疗机构诊断为孤独症（儿童康复救助）",
    ),
)


# --- the schema -------------------------------------------------------------------------------------------------


def build_schema(programmes: Iterable[tuple[str, str]]) -> RuleSchema:
    """The schema for a catalogue whose programmes are (code, name) pairs."""
    # Quote marks in a name (“一户多残”家庭生活救助) could not be typed inside a quoted literal: drop them.
    choices = tuple(Choice(code, _QUOTES.sub("", name)) for code, name in programmes)
    programme_type = EnumType(choices or (Choice("-", "（无项目）"),))
    return RuleSchema(
        fields=(
            AgeField(name="age", label="年龄", birth_lookup="birth_date", birth_key="birth_date", help="基准日的周岁"),
            ColumnField(name="grade", label="残疾等级", type=GRADES, lookup="grade", help="一级最重；可比较大小"),
            ColumnField(
                name="category", label="残疾类别", type=CATEGORIES, lookup="category",
                help="当前残疾人证的类别；多重残疾的组成类别用 has_category",
            ),
            Severe(),
            ColumnField(name="sex", label="性别", type=SEX, lookup="sex", help="由身份证号得出"),
            ColumnField(
                name="hukou", label="户口类型", type=HUKOU, lookup="hukou_type", key="hukou_type", help="城镇或农村"
            ),
            LowIncomeOnRefDate(),
            ColumnField(name="life_status", label="在册状态", type=LIFE, lookup="life_status", help="在册、死亡、迁出"),
            Alive(),
            CertificateValid(),
            HouseholdCertifiedCount(),
            EnrolledHere(),
            *FACT_FLAGS,
        ),
        functions=(
            age_on_function(
                name="age_on", label="某日的年龄", birth_lookup="birth_date", birth_key="birth_date",
                help="指定日期的周岁，如儿童项目按年初年龄",
            ),
            Function(
                name="low_income_on",
                label="某日处于低保等状态",
                params=(Param(_("状态"), STATUS), Param(_("日期"), DateType())),
                returns=None,
                binder=lambda status, on: LowIncomeOn(status, on),
                help="该日处于低保、特困或低保边缘（按低保状态期间的起止日期，已终止的不算）",
            ),
            Function(
                name="enrolled",
                label="正在享受某项目",
                params=(Param(_("项目"), programme_type),),
                returns=None,
                binder=lambda programme: Enrolled(programme, programme_type),
                help="基准日正在享受或领取该项目（在享记录）",
            ),
            Function(
                name="enrolled_in_year",
                label="某年度享受过某项目",
                params=(Param(_("项目"), programme_type), Param(_("年度"), YEAR)),
                returns=None,
                binder=lambda programme, year: EnrolledInYear(programme, year, programme_type),
                help="该年度内任何时候享受过该项目",
            ),
            Function(
                name="has_category",
                label="残疾类别包括（含多重残疾的组成类别）",
                params=(Param(_("类别"), CATEGORIES),),
                returns=None,
                binder=lambda category: HasCategory(category),
                help="本人类别为该类别，或为多重残疾且包含该类别",
            ),
        ),
    )


@lru_cache(maxsize=8)
def _schema_for(programmes: tuple[tuple[str, str], ...]) -> RuleSchema:
    return build_schema(programmes)


def registry_schema() -> RuleSchema:
    """The schema for the current catalogue (one small query; the schema itself is cached per catalogue)."""
    from canlian.programmes.models import Programme

    return _schema_for(tuple(Programme.objects.order_by("code").values_list("code", "name")))


# --- facts ------------------------------------------------------------------------------------------------------

PERSON_COLUMNS = (
    "id", "birth_date", "grade", "category", "sex", "hukou_type", "low_income_status", "life_status",
    "cert_status", "cert_valid_until", "owns_wheelchair_vehicle", "lower_limb", "poverty_alleviated",
    "needs_long_term_care", "work_injury_care", "autism",
)


def facts_for_many(person_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The facts of many persons for evaluate()/explain(), in five queries whatever their number.

    Facts do not depend on the reference date: the bindings read the date from the context.
    """
    from canlian.programmes.models import Enrolment
    from canlian.registry.models import Certificate, LowIncomePeriod, Person

    ids = list(person_ids)
    facts: dict[int, dict[str, Any]] = {}
    for row in Person.objects.filter(pk__in=ids).values(*PERSON_COLUMNS):
        row.update(components="", low_income_periods=[], enrolments=[], household_certified_count=None)
        facts[row["id"]] = row
    for person_id, components in Certificate.objects.filter(
        person_id__in=ids, is_current=True, category=MULTIPLE
    ).values_list("person_id", "components"):
        facts[person_id]["components"] = components
    for period in LowIncomePeriod.objects.filter(person_id__in=ids).values("id", "person_id", "status", "start", "end"):
        facts[period.pop("person_id")]["low_income_periods"].append(period)
    for row in Enrolment.objects.filter(person_id__in=ids).values("person_id", "programme__code", "start", "end"):
        facts[row["person_id"]]["enrolments"].append(
            {"programme": row["programme__code"], "start": row["start"], "end": row["end"]}
        )
    counts = Person.objects.filter(pk__in=ids).annotate(n=household_count_expression()).values_list("pk", "n")
    for person_id, count in counts:
        facts[person_id]["household_certified_count"] = count
    return facts


def facts_for(person: Any, ctx: RuleContext | None = None) -> dict[str, Any]:
    """One person's facts (a Person or its id); `ctx` is accepted for symmetry, facts do not depend on it."""
    person_id = getattr(person, "pk", person)
    return facts_for_many([person_id])[person_id]

