from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """Life of a background job: queued → running → succeeded | failed (see JOB_TRANSITIONS)."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


JOB_FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})
JOB_TRANSITIONS = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING}),
    JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED}),
}


class ImportStatus(models.TextChoices):
    """Life of one uploaded import file (see IMPORT_TRANSITIONS).

    validating → validated (the preview) → applying → applied; a validated run can be discarded; an
    unreadable file or an unexpected error ends in failed. When the re-validation at confirm time finds
    errors the preview did not have (the data changed meanwhile), an applying run goes back to validated
    with the new preview and nothing written.
    """

    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("待确认")
    APPLYING = "applying", _("导入中")
    APPLIED = "applied", _("已导入")
    DISCARDED = "discarded", _("已放弃")
    FAILED = "failed", _("失败")


IMPORT_TRANSITIONS = {
    ImportStatus.VALIDATING: frozenset({ImportStatus.VALIDATED, ImportStatus.FAILED}),
    ImportStatus.VALIDATED: frozenset({ImportStatus.APPLYING, ImportStatus.DISCARDED}),
    ImportStatus.APPLYING: frozenset({ImportStatus.APPLIED, ImportStatus.VALIDATED, ImportStatus.FAILED}),
}
IMPORT_BUSY = frozenset({ImportStatus.VALIDATING, ImportStatus.APPLYING})


class RowAction(models.TextChoices):
    """What an import would do with one valid row."""

    NEW = "new", _("新增")
    CHANGED = "changed", _("修改")
    UNCHANGED = "unchanged", _("不变")
