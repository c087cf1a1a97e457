"""Vocabularies of applications: status, transitions, follow-up answers."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    """Where an application stands. While IN_PROGRESS, `Application.step` says at which step it waits.

    Approved and delivered are not statuses: they are steps already passed (see the timeline), so one
    field never contradicts the other.
    """

    IN_PROGRESS = "in_progress", _("办理中")
    REJECTED = "rejected", pgettext_lazy("application status", "不予通过")  # the transition shares the Chinese
    WITHDRAWN = "withdrawn", _("已撤回")
    CLOSED = "closed", _("已办结")


class Transition(models.TextChoices):
    CREATE = "create", _("提交申请")
    ADVANCE = "advance", _("通过本环节")
    RETURN = "return", _("退回上一环节")
    REJECT = "reject", _("不予通过")
    WITHDRAW = "withdraw", _("撤回申请")
    REOPEN = "reopen", _("复议重新办理")


class AttachmentKind(models.TextChoices):
    SCAN = "scan", _("材料扫描件")
    PHOTO = "photo", _("入户照片")
    OTHER = "other", _("其他")


class VisitMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    HOME = "home", _("入户回访")


class Satisfaction(models.TextChoices):
    YES = "yes", _("满意")
    PARTLY = "partly", _("基本满意")
    NO = "no", _("不满意")
