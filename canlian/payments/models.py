"""Payments: batches of bank-card payments (打卡发放), their lines (a ledger never edited, only reversed),
the findings of the pre-payment check, bank return files and the roster layouts (data, not code).

A line's beneficiary is a person, or a household for household programmes. The database guarantees that a
programme pays a beneficiary at most once per period: a partial unique index over the live payment lines
(not failed, reversed or excluded). See docs/decisions/0013-payments.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from canlian.common.models import TimeStampedModel
from canlian.payments.choices import (
    BatchSource,
    BatchStatus,
    BatchTransition,
    FileFormat,
    FindingKind,
    LayoutKind,
    LineKind,
    LineStatus,
    RosterField,
)
from canlian.programmes.choices import FundingSource
from canlian.registry.models import AREA_CODE_LENGTH, area_code_q

if TYPE_CHECKING:
    from canlian.accounts.models import User

LIVE = Q(kind=LineKind.PAYMENT) & ~Q(status__in=[LineStatus.FAILED, LineStatus.REVERSED, LineStatus.EXCLUDED])
"""A payment line that holds its beneficiary's slot for the period: pending in a batch, or paid."""


class RosterLayout(TimeStampedModel):
    """The columns of a file: a bank's payment roster (and its return file), or a national system's template.

    `columns` is a list of {"header": "账号", "field": "account_number"} (field from RosterField; a
    "constant" column has a "value"). `return_columns` maps the bank's return file: {"line_ref": "流水号",
    "amount": "金额", "result": "处理结果", "reason": "失败原因", "paid_on": "入账日期"} and `success_values`
    lists the result texts that mean paid.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=LayoutKind.choices)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    bank_name = models.CharField(_("银行"), max_length=64, blank=True)
    programme = models.ForeignKey("programmes.Programme", verbose_name=_("项目"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", help_text=_("上报模板适用的项目"))
    file_format = models.CharField(_("文件格式"), max_length=8, choices=FileFormat.choices, default=FileFormat.XLSX)
    columns = models.JSONField(_("列定义"), default=list)
    return_columns = models.JSONField(_("回盘文件列"), default=dict, blank=True)
    success_values = models.JSONField(_("表示成功的结果"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("名单格式")
        verbose_name_plural = _("名单格式")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.columns, list) or not self.columns:
            raise ValidationError({"columns": _("请至少定义一列：[{\"header\": \"姓名\", \"field\": \"name\"}, …]")})
        headers = []
        for i, col in enumerate(self.columns, start=1):
            if not isinstance(col, dict) or not str(col.get("header", "")).strip():
                raise ValidationError({"columns": _("第 %(i)d 列缺少表头（header）") % {"i": i}})
            if col.get("field") not in RosterField.values:
                raise ValidationError({"columns": _("第 %(i)d 列的字段 %(f)s 无法识别，可用：%(ok)s") % {
                    "i": i, "f": col.get("field"), "ok": "、".join(RosterField.values)}})
            headers.append(col["header"])
        if len(set(headers)) != len(headers):
            raise ValidationError({"columns": _("表头不能重复")})
        if self.kind == LayoutKind.BANK:
            fields = {c["field"] for c in self.columns}
            if not {RosterField.LINE_REF, RosterField.ACCOUNT_NUMBER, RosterField.AMOUNT} <= fields:
                raise ValidationError({"columns": _("银行名单须包含明细编号、银行账号和金额三列")})
            missing = {"line_ref", "amount", "result"} - set(self.return_columns or {})
            if missing or not self.success_values:
                raise ValidationError({"return_columns": _(
                    "银行格式须定义回盘文件的明细编号（line_ref）、金额（amount）、结果（result）列和表示成功的结果")})


class BatchQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> BatchQuerySet:
        """Batches are district work: roles that may view payments see every batch (lines are scoped)."""
        from canlian.accounts.permissions import can
        from canlian.accounts.scoping import area_prefix

        if area_prefix(user) is None or not can(user, "payment.view"):
            return self.none()
        return self.filter(area_prefix__startswith=area_prefix(user)) if area_prefix(user) else self.all()


class Batch(TimeStampedModel):
    """发放批次: one programme, one period, one payment date; lines are the people (or households) paid."""

    programme = models.ForeignKey("programmes.Programme", verbose_name=_("项目"), on_delete=models.PROTECT,
                                  related_name="payment_batches")
    year = models.PositiveIntegerField(_("年度"))
    period = models.CharField(_("期次"), max_length=16)
    batch_date = models.DateField(_("发放基准日"))
    source = models.CharField(_("生成方式"), max_length=16, choices=BatchSource.choices)
    reissue_of = models.ForeignKey("self", verbose_name=_("重发自批次"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="reissues")
    area_prefix = models.CharField(_("范围"), max_length=12, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    left_out = models.JSONField(_("未纳入人员及原因"), default=list, blank=True)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    layout = models.ForeignKey(RosterLayout, verbose_name=_("银行名单格式"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    export_sha256 = models.CharField(_("名单文件 SHA-256"), max_length=64, blank=True)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导出人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT,
                                   related_name="+")

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="batch_status_valid")]

    def __str__(self) -> str:
        return f"{self.code} {self.programme.code} {self.period}"

    @property
    def code(self) -> str:
        return f"PB{self.pk:06d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("payments:detail", args=[self.pk])


class BatchEvent(models.Model):
    """One transition of a batch: its timeline (the audit trail holds the same with the snapshot)."""

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(_("操作"), max_length=16, choices=BatchTransition.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=BatchStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=BatchStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                              related_name="+")
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("批次记录")
        verbose_name_plural = _("批次记录")
        ordering = ["batch", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_transition_display()} {self.at:%Y-%m-%d %H:%M}"


class LineQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> LineQuerySet:
        """Lines of beneficiaries in the user's area."""
        from canlian.accounts.permissions import can
        from canlian.accounts.scoping import area_prefix

        prefix = area_prefix(user)
        if prefix is None or not can(user, "payment.view"):
            return self.none()
        return self.filter(area_code_q(prefix))


class PaymentLine(models.Model):
    """One payment (or reversal) to one beneficiary: a ledger row. Amounts are never edited; a correction is a
    reversal line (negative amount) that points at the line it reverses, dated by its own payment date.

    `status` moves pending → paid/failed (bank return) or pending → excluded (check, with a reason); a paid
    line becomes "reversed" when a reversal line is written for it.
    """

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="lines")
    seq = models.PositiveIntegerField(_("序号"))
    ref = models.CharField(_("明细编号"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=LineKind.choices, default=LineKind.PAYMENT)
    programme = models.ForeignKey("programmes.Programme", verbose_name=_("项目"), on_delete=models.PROTECT,
                                  related_name="+")
    period = models.CharField(_("期次"), max_length=16)
    person = models.ForeignKey("registry.Person", verbose_name=_("领取人"), on_delete=models.PROTECT,
                               related_name="payment_lines")
    household = models.ForeignKey("registry.Household", verbose_name=_("户"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="payment_lines")
    application = models.ForeignKey("applications.Application", verbose_name=_("申请"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="payment_lines")
    area_code = models.CharField(_("社区代码"), max_length=AREA_CODE_LENGTH)
    funding_source = models.CharField(_("资金来源"), max_length=16, choices=FundingSource.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    bank_account = models.ForeignKey("registry.BankAccount", verbose_name=_("银行账户"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=LineStatus.choices, default=LineStatus.PENDING)
    reverses = models.OneToOneField("self", verbose_name=_("冲正的明细"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    retry_of = models.ForeignKey("self", verbose_name=_("重发自明细"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="retries")
    paid_on = models.DateField(_("到账日期"), null=True, blank=True)
    bank_reason = models.CharField(_("银行反馈"), max_length=200, blank=True)
    excluded_reason = models.CharField(_("剔除原因"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = LineQuerySet.as_manager()

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["batch", "seq"]
        indexes = [
            models.Index(fields=["batch", "status"], name="payment_line_batch_status"),
            models.Index(fields=["person", "programme"], name="payment_line_person"),
            models.Index(fields=["programme", "paid_on"], name="payment_line_paid_on"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person", "period"],
                                    condition=LIVE & Q(household__isnull=True), name="payment_one_per_person_period"),
            models.UniqueConstraint(fields=["programme", "household", "period"],
                                    condition=LIVE & Q(household__isnull=False),
                                    name="payment_one_per_household_period"),
            models.UniqueConstraint(fields=["batch", "seq"], name="payment_line_seq_unique"),
            models.CheckConstraint(
                condition=(Q(kind=LineKind.PAYMENT, amount__gt=0, reverses__isnull=True)
                           | Q(kind=LineKind.REVERSAL, amount__lt=0, reverses__isnull=False)),
                name="payment_line_amount_sign"),
            models.CheckConstraint(condition=Q(status=LineStatus.PAID, paid_on__isnull=False)
                                   | Q(status=LineStatus.REVERSED, paid_on__isnull=False)
                                   | (~Q(status__in=[LineStatus.PAID, LineStatus.REVERSED]) & Q(paid_on__isnull=True)),
                                   name="payment_line_paid_has_date"),
            models.CheckConstraint(condition=Q(status__in=LineStatus.values), name="payment_line_status_valid"),
        ]

    def __str__(self) -> str:
        return self.ref


class Finding(models.Model):
    """What the pre-payment check found on a line (or, with no line, on the batch: the budget). Approval waits
    until each is resolved with a note or its line is excluded with a reason."""

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="findings")
    line = models.ForeignKey(PaymentLine, verbose_name=_("明细"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="findings")
    kind = models.CharField(_("问题"), max_length=16, choices=FindingKind.choices)
    detail = models.CharField(_("说明"), max_length=300)
    resolved = models.BooleanField(_("已处理"), default=False)
    resolution = models.CharField(_("处理意见"), max_length=200, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("核查问题")
        verbose_name_plural = _("核查问题")
        ordering = ["batch", "line", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.detail}"


class BankReturn(models.Model):
    """A bank return file that was imported (accepted files only: a refused file changes nothing)."""

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="returns")
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("行数"))
    paid = models.PositiveIntegerField(_("成功"))
    failed = models.PositiveIntegerField(_("失败"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT,
                                    related_name="+")
    imported_at = models.DateTimeField(_("导入时间"))

    class Meta:
        verbose_name = _("银行回盘")
        verbose_name_plural = _("银行回盘")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.file_name


class RosterExport(models.Model):
    """A roster file that was produced (bank or national template): who, when, which file (hash)."""

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="exports")
    layout = models.ForeignKey(RosterLayout, verbose_name=_("格式"), on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    lines = models.PositiveIntegerField(_("行数"))
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.PROTECT,
                                    related_name="+")
    exported_at = models.DateTimeField(_("导出时间"))

    class Meta:
        verbose_name = _("名单导出")
        verbose_name_plural = _("名单导出")
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return self.file_name
