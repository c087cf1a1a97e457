"""Applications: one generic case for every programme, its timeline, attachments and follow-up visit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from canlian.applications.choices import AttachmentKind, Satisfaction, Status, Transition, VisitMethod
from canlian.common.models import TimeStampedModel
from canlian.programmes.choices import FundingSource, Step
from canlian.registry.models import AREA_CODE_LENGTH, area_code_q

if TYPE_CHECKING:
    from canlian.accounts.models import User

ACTIVE = ~Q(status__in=[Status.REJECTED, Status.WITHDRAWN])


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ApplicationQuerySet:
        """Applications the user may see: the applicant lives in the user's area. Enforced here, once."""
        from canlian.accounts.permissions import can
        from canlian.accounts.scoping import area_prefix

        prefix = area_prefix(user)
        if prefix is None or not can(user, "application.view"):
            return self.none()
        return self.filter(area_code_q(prefix))

    def active(self) -> ApplicationQuerySet:
        return self.filter(ACTIVE)


class Application(TimeStampedModel):
    """One person's (or household's) application to one programme for one period.

    `status` says whether it is still moving; while it is, `step` says where it waits and `due_on` by when
    that step must be done (working days, see workdays.py). `version` grows with every transition so that a
    second approver acting on a stale copy changes nothing (conditional UPDATE in services._move).
    """

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="applications"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="applications"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("申请户"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="applications", help_text=_("按户计量的项目必填"),
    )
    year = models.PositiveIntegerField(_("年度"))
    period = models.CharField(_("期次"), max_length=16, help_text=_("如 2024、2024-03、2023-2024"))
    area_code = models.CharField(_("社区代码"), max_length=AREA_CODE_LENGTH, editable=False)
    funding_source = models.CharField(_("资金来源"), max_length=16, choices=FundingSource.choices, blank=True)
    requested_amount = models.DecimalField(_("申请金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    approved_amount = models.DecimalField(_("核定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    items = models.CharField(_("申请物品/服务"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=16, default="manual", choices=[
        ("manual", _("窗口受理")), ("screening", _("筛查发现")),
    ])

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    step = models.CharField(_("当前环节"), max_length=16, choices=Step.choices)
    step_since = models.DateField(_("进入本环节日期"))
    due_on = models.DateField(_("本环节办理期限"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    eligible = models.BooleanField(_("符合条件"), null=True, blank=True)
    eligibility_reasons = models.JSONField(_("资格说明"), default=list, blank=True)
    eligibility_rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    eligibility_override = models.CharField(_("不符合条件仍受理的理由"), max_length=200, blank=True)

    delivered_on = models.DateField(_("发放/实施日期"), null=True, blank=True)
    delivered_amount = models.DecimalField(_("发放金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    delivered_items = models.CharField(_("发放物品/服务"), max_length=200, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请")
        verbose_name_plural = _("申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["area_code", "status", "step"], name="application_area_step"),
            models.Index(fields=["status", "due_on"], name="application_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme", "period"], condition=ACTIVE & Q(household__isnull=True),
                name="application_one_per_person_period",
            ),
            models.UniqueConstraint(
                fields=["household", "programme", "period"], condition=ACTIVE & Q(household__isnull=False),
                name="application_one_per_household_period",
            ),
            models.CheckConstraint(condition=Q(requested_amount__gte=0) | Q(requested_amount__isnull=True),
                                   name="application_requested_not_negative"),
            models.CheckConstraint(condition=Q(approved_amount__gte=0) | Q(approved_amount__isnull=True),
                                   name="application_approved_not_negative"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="application_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}-{self.period}-{self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("applications:detail", args=[self.pk])

    @property
    def step_label(self) -> str:
        return str(Step(self.step).label)

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == Status.IN_PROGRESS and self.due_on is not None and self.due_on < timezone.localdate()


class ApplicationEvent(models.Model):
    """One transition: the application's timeline and the signature lines of the printed 审批表. Never edited."""

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.CASCADE,
                                    related_name="events")
    transition = models.CharField(_("操作"), max_length=16, choices=Transition.choices)
    step = models.CharField(_("办理环节"), max_length=16, choices=Step.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    to_step = models.CharField(_("新环节"), max_length=16, choices=Step.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), on_delete=models.PROTECT,
                              related_name="+")
    opinion = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("办理时间"))
    overdue = models.BooleanField(_("超期办理"), default=False)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.get_transition_display()}"

    @property
    def step_label(self) -> str:
        return str(Step(self.step).label)


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Attachments live under MEDIA_ROOT/applications, which no URL serves: only the download view does,
    after checking that the user may see the application."""

    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / "applications")

    def url(self, name: str | None) -> str:
        raise ValueError("attachments have no public URL")


private_storage = PrivateStorage()


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"{instance.application_id}/{instance.sha256[:16]}{instance.extension}"


class Attachment(models.Model):
    """A scan or home-visit photo. Checked for type and size, stored outside the web root, hashed (SHA-256)."""

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.CASCADE,
                                    related_name="attachments")
    event = models.ForeignKey(ApplicationEvent, verbose_name=_("办理记录"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), storage=private_storage, upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(self.content_type, "")


class FollowUp(models.Model):
    """回访 after delivery: satisfaction and policy awareness feed the yearly performance review."""

    application = models.OneToOneField(Application, verbose_name=_("申请"), on_delete=models.CASCADE,
                                       related_name="follow_up")
    visited_on = models.DateField(_("回访日期"))
    method = models.CharField(_("回访方式"), max_length=8, choices=VisitMethod.choices)
    satisfied = models.CharField(_("是否满意"), max_length=8, choices=Satisfaction.choices)
    aware = models.BooleanField(_("知晓政策"))
    comment = models.CharField(_("意见建议"), max_length=500, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), on_delete=models.PROTECT,
                                related_name="+")

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.get_satisfied_display()}"


class Holiday(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday, or (is_workday) a 调休 make-up working day.

    Preloaded for 2024–2026 from the State Council's notices; an administrator adds next year's in the UI.
    """

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=32)
    is_workday = models.BooleanField(_("调休上班"), default=False)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
