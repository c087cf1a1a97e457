"""The programme catalogue: every subsidy and service the federation runs, as data.

A programme's identity (code, unit, benefit, workflow) changes rarely; its rules, targets and budgets
change every year, so they live in per-year rows that an administrator edits and that stay versioned.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from canlian.common.models import TimeStampedModel
from canlian.programmes.choices import (
    STEP_ORDER,
    BenefitKind,
    Field,
    FundingSource,
    Periodicity,
    Step,
    Unit,
)


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
