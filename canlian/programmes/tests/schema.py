"""A complete test schema: the registry's future fields, bound to plain dicts (facts) and to Django Q.

It proves the binding design before the registry models exist, and it is the schema docs/rules.md
documents. Facts are one dict per person:

    birth_date, grade, category, hukou, low_income, life_status, certificate_expires,
    household_certified_count, per_capita_income, poverty, wheelchair, lower_limb, long_term_care, autism,
    low_income_periods: [{status, start, end}], enrolments: [{programme, start, end}], components: [{category}]

Functions over related rows compile to ``related(relation, where)``, supplied by whoever builds the schema:
the default gives a readable :class:`Related` placeholder (what an ``Exists(rows.filter(where))`` will be),
the database test gives a real ``Exists`` over test tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from canlian.common.certificate import CATEGORY_NAMES, GRADE_NAMES
from canlian.programmes.rules import (
    AgeField,
    Choice,
    ColumnField,
    ColumnFlag,
    DateType,
    DecimalType,
    EnumType,
    Facts,
    Flag,
    Function,
    IntType,
    Param,
    RuleContext,
    RuleSchema,
    age_on_function,
)

Related = Callable[[str, Q], Q]  # (relation, condition on its rows) -> "the person has such a row"


@dataclass(frozen=True)
class RelatedRows:
    """Placeholder for Exists(<the person's `relation` rows>.filter(where)), readable in str(q)."""

    relation: str
    where: Q
    conditional = True  # lets Q() hold it as a child, as it holds Exists()

    def __repr__(self) -> str:
        return f"Related({self.relation}: {self.where})"


def placeholder(relation: str, where: Q) -> Q:
    return Q(RelatedRows(relation, where))


GRADES = EnumType(tuple(Choice(code, str(label)) for code, label in GRADE_NAMES.items()), ordered=True)
CATEGORIES = EnumType(tuple(Choice(code, str(label)) for code, label in CATEGORY_NAMES.items()))
HUKOU = EnumType((Choice("urban", "城镇", ("城市",)), Choice("rural", "农村")))
STATUSES = (
    Choice("dibao", "低保", ("最低生活保障",)),
    Choice("tekun", "特困", ("特困供养",)),
    Choice("edge", "低保边缘"),
)
LOW_INCOME = EnumType((*STATUSES, Choice("none", "无")))
STATUS = EnumType(STATUSES)
LIFE = EnumType((Choice("alive", "在世", ("健在",)), Choice("dead", "死亡", ("已故",)), Choice("moved", "迁出")))
PROGRAMMES = EnumType(
    (
        Choice("R1", "困难精神残疾人药费补助"),
        Choice("R2", "残疾儿童康复救助"),
        Choice("L1", "机动轮椅车燃油补贴"),
        Choice("L3", "一户多残生活救助"),
        Choice("L4", "困难老年残疾人生活救助"),
        Choice("S1", "困难残疾人生活补贴"),
        Choice("S2", "重度残疾人护理补贴"),
        Choice("GS", "工伤护理费"),
    )
)
YEAR = IntType(2000, 2100)


def _current(where: Q, start: date, end: date) -> Q:
    """Rows whose [start, end] (end open when NULL) overlaps the days from `start` to `end`."""
    return where & Q(start__lte=end) & (Q(end__isnull=True) | Q(end__gte=start))


def _overlaps(row: Facts, start: date, end: date) -> bool:
    return row["start"] <= end and (row["end"] is None or row["end"] >= start)


@dataclass(frozen=True)
class CertificateValid(Flag):
    name: str = "certificate_valid"
    label: str = "残疾人证有效"
    help: str = "残疾人证有效期截止日不早于基准日"

    def to_q(self, ctx: RuleContext) -> Q:
        return Q(certificate_expires__gte=ctx.ref_date)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        expires = facts["certificate_expires"]
        return expires is not None and expires >= ctx.ref_date

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"残疾人证在 {ctx.ref_date} {'有效' if holds else '已过期或未登记'}"


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
        return "重度残疾（一级或二级）" if holds else "非重度残疾（三级、四级或未登记）"


@dataclass(frozen=True)
class LowIncomeOn(Flag):
    status: str
    on: date
    related: Related = field(compare=False)
    name: str = "low_income_on"
    label: str = "低保等状态"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        return self.related("low_income_periods", _current(Q(status=self.status), self.on, self.on))

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return any(
            p["status"] == self.status and _overlaps(p, self.on, self.on) for p in facts["low_income_periods"]
        )

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"在 {self.on} {'处于' if holds else '未处于'}{STATUS.display(self.status)}"


@dataclass(frozen=True)
class Enrolled(Flag):
    programme: str
    related: Related = field(compare=False)
    name: str = "enrolled"
    label: str = "正在享受"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        return self.related("enrolments", _current(Q(programme=self.programme), ctx.ref_date, ctx.ref_date))

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return any(
            e["programme"] == self.programme and _overlaps(e, ctx.ref_date, ctx.ref_date) for e in facts["enrolments"]
        )

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"当前{'享受' if holds else '未享受'} {PROGRAMMES.display(self.programme)}"

    def demand(self, wanted: bool, ctx: RuleContext) -> str:
        return f"要求正在享受 {PROGRAMMES.display(self.programme)}" if wanted else "本项目不可同时享受"


@dataclass(frozen=True)
class EnrolledHere(Flag):
    """Enrolled in the programme being screened (ctx.programme): lets a rule keep people already served."""

    related: Related = field(compare=False)
    name: str = "enrolled_here"
    label: str = "正在享受本项目"
    help: str = "基准日正在享受正在筛查的这个项目，如“已在训儿童可延续”"

    def to_q(self, ctx: RuleContext) -> Q:
        return Enrolled(ctx.programme, self.related).to_q(ctx)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return Enrolled(ctx.programme, self.related).evaluate(facts, ctx)

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"当前{'享受' if holds else '未享受'}本项目（{ctx.programme}）"


@dataclass(frozen=True)
class EnrolledInYear(Flag):
    programme: str
    year: int
    related: Related = field(compare=False)
    name: str = "enrolled_in_year"
    label: str = "某年度享受过"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        return self.related("enrolments", _current(Q(programme=self.programme), first, last))

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        return any(e["programme"] == self.programme and _overlaps(e, first, last) for e in facts["enrolments"])

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"在 {self.year} 年{'享受过' if holds else '未享受'} {PROGRAMMES.display(self.programme)}"


@dataclass(frozen=True)
class HasCategory(Flag):
    category: int
    related: Related = field(compare=False)
    name: str = "has_category"
    label: str = "残疾类别包括"
    help: str = ""

    def to_q(self, ctx: RuleContext) -> Q:
        if self.category == 7:
            return Q(category=7)
        return Q(category=self.category) | (Q(category=7) & self.related("components", Q(category=self.category)))

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        if facts["category"] == self.category:
            return True
        return facts["category"] == 7 and any(c["category"] == self.category for c in facts["components"])

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return f"残疾类别{'包括' if holds else '不包括'} {CATEGORIES.display(self.category)}"


def _flag(name: str, label: str, true_text: str, false_text: str, help: str) -> ColumnFlag:
    return ColumnFlag(name=name, label=label, lookup=name, true_text=true_text, false_text=false_text, help=help)


def make_schema(related: Related = placeholder) -> RuleSchema:
    """The test schema; `related` builds the Q for “the person has a related row matching where”."""
    return RuleSchema(
        fields=(
            AgeField(name="age", label="年龄", birth_lookup="birth_date", birth_key="birth_date", help="基准日的周岁"),
            ColumnField(name="grade", label="残疾等级", type=GRADES, lookup="grade", help="一级最重；可比较大小"),
            ColumnField(name="category", label="残疾类别", type=CATEGORIES, lookup="category", help="多重残疾为 7"),
            ColumnField(name="hukou", label="户口类型", type=HUKOU, lookup="hukou", help="“城市”也可"),
            ColumnField(
                name="low_income", label="低保等状态", type=LOW_INCOME, lookup="low_income", help="当前状态（民政名单）"
            ),
            ColumnField(name="life_status", label="人员状态", type=LIFE, lookup="life_status", help="死亡、迁出名单"),
            CertificateValid(),
            ColumnField(
                name="certificate_expires",
                label="残疾人证有效期至",
                type=DateType(),
                lookup="certificate_expires",
                help="证件有效期截止日",
            ),
            ColumnField(
                name="household_certified_count",
                label="本户持证人数",
                type=IntType(0, 20),
                lookup="household_certified_count",
                unit="人",
                help="同一户口内持证残疾人人数（含本人）",
            ),
            Severe(),
            ColumnField(
                name="per_capita_income",
                label="家庭人均月收入",
                type=DecimalType(minimum=Decimal(0), maximum=Decimal(1_000_000), places=2),
                lookup="per_capita_income",
                unit="元",
                help="家庭人均月收入（元）",
            ),
            _flag("poverty", "脱贫人口", "属于脱贫人口", "不属于脱贫人口", "乡村振兴部门认定的脱贫户成员"),
            _flag("wheelchair", "持有机动轮椅车", "持有机动轮椅车", "未登记持有机动轮椅车", "持有合规的机动轮椅车"),
            _flag("lower_limb", "下肢残疾", "下肢残疾", "非下肢残疾", "肢体残疾中的下肢残疾"),
            _flag("long_term_care", "需长期照护", "需长期照护", "不需长期照护", "经评估需要长期照护"),
            _flag("autism", "孤独症", "孤独症", "非孤独症", "诊断为孤独症（儿童康复）"),
            EnrolledHere(related),
        ),
        functions=(
            age_on_function(
                name="age_on",
                label="某日的年龄",
                birth_lookup="birth_date",
                birth_key="birth_date",
                help="指定日期的周岁，如儿童项目按年初年龄",
            ),
            Function(
                name="low_income_on",
                label="某日处于低保等状态",
                params=(Param("状态", STATUS), Param("日期", DateType())),
                returns=None,
                binder=lambda status, on: LowIncomeOn(status, on, related),
                help="该日处于低保、特困或低保边缘（按民政名单的起止日期）",
            ),
            Function(
                name="enrolled",
                label="正在享受某项目",
                params=(Param("项目", PROGRAMMES),),
                returns=None,
                binder=lambda programme: Enrolled(programme, related),
                help="基准日正在享受或领取该项目",
            ),
            Function(
                name="enrolled_in_year",
                label="某年度享受过某项目",
                params=(Param("项目", PROGRAMMES), Param("年度", YEAR)),
                returns=None,
                binder=lambda programme, year: EnrolledInYear(programme, year, related),
                help="该年度内任何时候享受过该项目",
            ),
            Function(
                name="has_category",
                label="残疾类别包括（含多重残疾的组成类别）",
                params=(Param("类别", CATEGORIES),),
                returns=None,
                binder=lambda category: HasCategory(category, related),
                help="本人类别为该类别，或为多重残疾且包含该类别",
            ),
        ),
    )


SCHEMA = make_schema()
