"""Base models shared by every domain app, and the shared machinery: background jobs and imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.common.choices import IMPORT_BUSY, JOB_FINISHED, ImportStatus, JobStatus


class TimeStampedModel(models.Model):
    """Creation and last-change times, kept by the database layer for every domain record."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, editable=False)

    class Meta:
        abstract = True


_FINISHED_VALUES = sorted(s.value for s in JOB_FINISHED)  # sorted: a stable migration


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to the user who started them (jobs, import runs)."""

    view_action = "job.view"

    def visible_to(self, user) -> OwnedQuerySet:  # noqa: ANN001
        """A user's own rows; administrators (`job.view_all`) see everyone's."""
        from canlian.accounts.permissions import can

        if not can(user, self.view_action):
            return self.none()
        return self.all() if can(user, "job.view_all") else self.filter(owner=user)


class ImportRunQuerySet(OwnedQuerySet):
    view_action = "import.view"


class Job(models.Model):
    """A piece of background work a user started and watches: an import, a screening, a large export.

    The work itself runs in a django-tasks task (`canlian.common.tasks.run_job`) that only carries the
    job's id; this row is what the user's progress page reads, so it holds everything that page shows:
    status, done/total, a message, and the outcome (a JSON result and/or a file under
    MEDIA_ROOT/jobs/, which is outside the web root and served only to the owner by a view).
    `func_path` names a function marked with `@job_function`; `params` are its keyword arguments.
    """

    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="jobs"
    )
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    func_path = models.CharField(_("执行函数"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    message = models.TextField(_("说明"), blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    result_file = models.CharField(_("结果文件"), max_length=255, blank=True)  # relative to MEDIA_ROOT/jobs/
    result_name = models.CharField(_("结果文件名"), max_length=200, blank=True)  # the name the browser saves
    task_id = models.CharField(_("任务队列编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    progress_at = models.DateTimeField(_("进度更新时间"), null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="job_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status__in=_FINISHED_VALUES, finished_at__isnull=False)
                | (~models.Q(status__in=_FINISHED_VALUES) & models.Q(finished_at__isnull=True)),
                name="job_finished_at_iff_finished",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in JOB_FINISHED


class ImportRun(models.Model):
    """One uploaded spreadsheet on its way into Canlian: validated, previewed, then confirmed or discarded.

    The uploaded file is kept under MEDIA_ROOT/imports/ between the preview and the confirmation and
    is found through this row (never through a path the browser sends); it is deleted once the import
    has been applied. The counts and the capped `preview` (changed rows with their field changes, new
    rows, the first errors) are what the preview page shows; every error is in the error workbook.
    """

    kind = models.CharField(_("导入类型"), max_length=32)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="import_runs"
    )
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_path = models.CharField(_("存储位置"), max_length=255, blank=True)  # relative to MEDIA_ROOT/imports/
    file_sha256 = models.CharField(_("文件 SHA-256"), max_length=64)
    file_size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    valid_only = models.BooleanField(_("只导入无误的行"), default=False)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("修改"), default=0)
    unchanged = models.PositiveIntegerField(_("不变"), default=0)
    error_rows = models.PositiveIntegerField(_("有误行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    validated_at = models.DateTimeField(_("校验时间"), null=True, blank=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ImportStatus.values), name="import_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"

    @property
    def is_busy(self) -> bool:
        return self.status in IMPORT_BUSY
