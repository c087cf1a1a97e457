"""The programme catalogue: every subsidy and service the federation runs, as data.

A programme's identity (code, unit, benefit, workflow) changes rarely; its rules, targets and budgets
change every year, so they live in per-year rows that an administrator edits and that stay versioned.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from canlian.common.models import TimeStampedModel
from canlian.programmes.choices import (
    STEP_ORDER,
    BenefitKind,
    EnrolmentSource,
    Field,
    FundingSource,
    Periodicity,
    RuleStatus,
    ScreeningKind,
    ScreeningStatus,
    SelectionStatus,
    Step,
    Unit,
)
from canlian.registry.models import area_code_q


class Programme(TimeStampedModel):
    """One programme of the federation (R1 药费补助, L1 燃油补贴, 两项补贴 …)."""

    code = models.CharField(_("项目编号"), max_length=16, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    field = models.CharField(_("工作领域"), max_length=32, choices=Field.choices)
    unit = models.CharField(_("计量单位"), max_length=16, choices=Unit.choices)
    benefit_kind = models.CharField(_("补助形式"), max_length=16, choices=BenefitKind.choices)
    periodicity = models.CharField(_("周期"), max_length=16, choices=Periodicity.choices)
    funding_sources = models.JSONField(_("资金来源"), default=list, blank=True)
    excess_funded_by_district = models.BooleanField(
        _("超目标部分由区级资金承担"), default=False,
        help_text=_("超出上级下达目标任务的人数，其资金由区级承担（如药费补助第 301 人）"),
    )
    steps = models.JSONField(_("办理环节"), default=list)
    step_days = models.JSONField(_("各环节时限（工作日）"), default=dict, blank=True)
    policy_basis = models.CharField(_("政策依据"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    report_order = models.PositiveIntegerField(_("年度总结中的顺序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["report_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        unknown = [s for s in self.steps if s not in STEP_ORDER]
        if unknown:
            raise ValidationError({"steps": _("未知的办理环节：%(s)s") % {"s": "、".join(unknown)}})
        if [s for s in STEP_ORDER if s in self.steps] != list(self.steps):
            raise ValidationError({"steps": _("办理环节须按“申请→受理→…→回访”的顺序排列")})
        if len(set(self.steps)) != len(self.steps):
            raise ValidationError({"steps": _("办理环节不能重复")})
        if not self.steps or self.steps[0] != Step.APPLY:
            raise ValidationError({"steps": _("办理环节须从“申请”开始")})
        bad_sources = [s for s in self.funding_sources if s not in FundingSource.values]
        if bad_sources or not self.funding_sources:
            raise ValidationError({"funding_sources": _("请选择资金来源（上级资金、区级资金）")})
        for step, days in (self.step_days or {}).items():
            if step not in self.steps:
                raise ValidationError({"step_days": _("环节“%(s)s”未启用，不能设置时限") % {"s": step}})
            if not isinstance(days, int) or days <= 0:
                raise ValidationError({"step_days": _("时限须为正整数（工作日）")})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("programmes:detail", args=[self.code])

    @property
    def step_labels(self) -> list[str]:
        return [str(Step(s).label) for s in self.steps]

    @property
    def steps_with_days(self) -> list[dict[str, object]]:
        return [{"step": s, "label": Step(s).label, "days": self.step_days.get(s)} for s in self.steps]

    @property
    def funding_source_labels(self) -> list[str]:
        return [str(FundingSource(s).label) for s in self.funding_sources]


class Target(TimeStampedModel):
    """目标任务: how many units the programme must reach in a year (optionally per street)."""

    programme = models.ForeignKey(Programme, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveIntegerField(_("年度"))
    street = models.ForeignKey(
        "regions.Region", verbose_name=_("街道"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("留空表示全区目标"),
    )
    quantity = models.PositiveIntegerField(_("目标数量"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        ordering = ["programme", "year", "street__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year"], condition=models.Q(street__isnull=True), name="target_one_district_total"
            ),
            models.UniqueConstraint(fields=["programme", "year", "street"], name="target_one_per_street"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.year} {self.quantity}"


class Budget(TimeStampedModel):
    """预算: money for a programme and year from one funding source (yuan, Decimal)."""

    programme = models.ForeignKey(Programme, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveIntegerField(_("年度"))
    source = models.CharField(_("资金来源"), max_length=16, choices=FundingSource.choices)
    amount = models.DecimalField(_("预算金额（元）"), max_digits=14, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("预算")
        verbose_name_plural = _("预算")
        ordering = ["programme", "year", "source"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "source"], name="budget_one_per_source"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.year} {self.get_source_display()} {self.amount}"


class EnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user: object) -> EnrolmentQuerySet:
        """Enrolments of persons in the user's area (the person's community code, copied on the row)."""
        from canlian.accounts.permissions import can
        from canlian.accounts.scoping import area_prefix

        prefix = area_prefix(user)
        if prefix is None or not can(user, "person.view"):
            return self.none()
        return self.filter(area_code_q(prefix))

    def active_on(self, day: date) -> EnrolmentQuerySet:
        """Enrolments in force on `day` (start ≤ day, and open or ending on/after day)."""
        return self.filter(models.Q(end__isnull=True) | models.Q(end__gte=day), start__lte=day)


class Enrolment(TimeStampedModel):
    """在保/在享: a person receives (or is being paid) a programme from `start` until `end` (open while NULL).

    It is what 应退未退 screening checks against the rule and what the rules' enrolled(...) functions read.
    A household programme (L3, B1) records its household as well as the person it is paid to, so
    every enrolment has a person: screening, area scoping and the person page all read one column.
    `application_id` is a plain integer (no foreign key) because the applications module sits above
    programmes in the import order; it names the application that delivered the benefit.
    """

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="enrolments"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="enrolments",
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="enrolments"
    )
    area_code = models.CharField(_("社区代码"), max_length=12, editable=False)
    start = models.DateField(_("开始享受日期"))
    end = models.DateField(_("停止享受日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=EnrolmentSource.choices)
    application_id = models.PositiveBigIntegerField(_("申请编号"), null=True, blank=True)
    end_reason = models.CharField(_("停止原因"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("在享记录")
        verbose_name_plural = _("在享记录")
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["programme", "person", "start"], name="enrolment_programme_person"),
            models.Index(fields=["person", "start"], name="enrolment_person_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme"], condition=models.Q(end__isnull=True), name="enrolment_one_open"
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="enrolment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.start}–{self.end or ''}"

    @property
    def is_open(self) -> bool:
        return self.end is None


class RuleVersion(TimeStampedModel):
    """One version of a programme's eligibility rule and amount for one year.

    Drafts are edited freely; publishing makes a version the year's rule and supersedes the one it replaces,
    and a year never borrows another year's rule (docs/decisions/0011-rule-versions.md): checking against a
    year without a published version is an explicit error. Published text is never edited, only replaced.
    """

    programme = models.ForeignKey(Programme, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="rules")
    year = models.PositiveIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本号"))
    eligibility = models.TextField(_("资格条件"))
    amount_spec = models.JSONField(_("金额规则"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RuleStatus.choices, default=RuleStatus.DRAFT)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        ordering = ["programme", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "version"], name="rule_version_unique"),
            models.UniqueConstraint(
                fields=["programme", "year"], condition=models.Q(status=RuleStatus.PUBLISHED),
                name="rule_one_published_per_year",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RuleStatus.PUBLISHED) | models.Q(published_at__isnull=False),
                name="rule_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.year} v{self.version}"

    @property
    def amount_text(self) -> str:
        """The amount as a sentence (“每月 94.00 元，自申请当月起…”), or “不涉及金额”."""
        from canlian.programmes.rules.amount import parse_amount_spec

        return parse_amount_spec(self.amount_spec).describe() if self.amount_spec else str(_("不涉及金额"))

    def clean(self) -> None:
        from canlian.programmes.rules import RuleSyntaxError, compile_rule
        from canlian.programmes.rules.amount import AmountSpecError, parse_amount_spec
        from canlian.programmes.schema import registry_schema

        try:
            compile_rule(self.eligibility, registry_schema())
        except RuleSyntaxError as error:
            raise ValidationError({"eligibility": str(error)}) from error
        if self.amount_spec:
            try:
                parse_amount_spec(self.amount_spec)
            except AmountSpecError as error:
                raise ValidationError({"amount_spec": list(error.errors)}) from error


class ScreeningRunQuerySet(models.QuerySet):
    def visible_to(self, user: object) -> ScreeningRunQuerySet:
        """Runs whose area lies inside the user's area (a street officer sees runs of their street)."""
        from canlian.accounts.permissions import can
        from canlian.accounts.scoping import area_prefix

        prefix = area_prefix(user)
        if prefix is None or not can(user, "screening.view"):
            return self.none()
        if not prefix:
            return self.all()
        return self.filter(area_prefix__startswith=prefix)


class ScreeningRun(models.Model):
    """One screening of a programme on a date, with the rule version and time its results were computed with."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="screenings"
    )
    ref_date = models.DateField(_("基准日"))
    kind = models.CharField(_("筛查类型"), max_length=16, choices=ScreeningKind.choices, default=ScreeningKind.BOTH)
    rule_version = models.ForeignKey(
        RuleVersion, verbose_name=_("规则版本"), on_delete=models.PROTECT, related_name="screenings"
    )
    area_prefix = models.CharField(_("范围"), max_length=12, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ScreeningStatus.choices, default=ScreeningStatus.RUNNING
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "common.Job", verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    missing_count = models.PositiveIntegerField(_("应享未享人数"), default=0)
    excess_count = models.PositiveIntegerField(_("应退未退人数"), default=0)
    eligible_count = models.PositiveIntegerField(_("符合条件人数"), default=0)
    enrolled_count = models.PositiveIntegerField(_("在享人数"), default=0)

    objects = ScreeningRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("筛查")
        verbose_name_plural = _("筛查")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.ref_date} {self.get_kind_display()}"


class ScreeningResult(models.Model):
    """One person found by a screening: 应享未享 (eligible, not enrolled) or 应退未退 (enrolled, failing now)."""

    run = models.ForeignKey(ScreeningRun, verbose_name=_("筛查"), on_delete=models.CASCADE, related_name="results")
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ScreeningKind.choices)
    area_code = models.CharField(_("社区代码"), max_length=12)
    category = models.PositiveSmallIntegerField(_("残疾类别"), null=True, blank=True)
    grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        verbose_name = _("筛查结果")
        verbose_name_plural = _("筛查结果")
        ordering = ["run", "kind", "area_code", "id"]
        indexes = [models.Index(fields=["run", "kind", "area_code", "id"], name="screening_result_keyset")]
        constraints = [
            models.UniqueConstraint(fields=["run", "person", "kind"], name="screening_result_once"),
            models.CheckConstraint(condition=~models.Q(kind=ScreeningKind.BOTH), name="screening_result_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id}"


class ScreeningSelection(models.Model):
    """A screened person picked for a draft application (生成草稿申请), queued until the applications module
    consumes the queue: it turns each queued row into a draft application and marks it consumed."""

    result = models.OneToOneField(
        ScreeningResult, verbose_name=_("筛查结果"), on_delete=models.CASCADE, related_name="selection"
    )
    programme = models.ForeignKey(Programme, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("状态"), max_length=32, choices=SelectionStatus.choices, default=SelectionStatus.QUEUED
    )
    application_id = models.PositiveBigIntegerField(_("申请编号"), null=True, blank=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("选择人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    selected_at = models.DateTimeField(_("选择时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待生成申请")
        verbose_name_plural = _("待生成申请")
        ordering = ["-selected_at", "-id"]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.person_id} {self.get_status_display()}"
