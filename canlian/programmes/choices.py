"""Vocabularies of the programme catalogue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Field(models.TextChoices):
    """工作领域: the sections of the annual work summary."""

    REHABILITATION = "rehab", _("康复")
    LIVELIHOOD = "livelihood", _("民生保障")
    ACCESSIBILITY = "accessibility", _("无障碍")
    EMPLOYMENT = "employment", _("就业")
    CARE = "care", _("托养")
    ASSESSMENT = "assessment", _("残疾评定")
    RIGHTS = "rights", _("权益保障")
    CULTURE = "culture", _("文体宣传")


class Unit(models.TextChoices):
    PERSON = "person", _("人")
    HOUSEHOLD = "household", _("户")
    ITEM = "item", _("件")
    ENTERPRISE = "enterprise", _("家")


class BenefitKind(models.TextChoices):
    CASH = "cash", _("现金补贴")
    ITEM = "item", _("实物/辅具")
    SERVICE = "service", _("服务")
    TRAINING = "training", _("培训")


class Periodicity(models.TextChoices):
    ONE_OFF = "one_off", _("一次性")
    YEARLY = "yearly", _("按年")
    MONTHLY = "monthly", _("按月")
    SCHOOL_YEAR = "school_year", _("按学年")


class FundingSource(models.TextChoices):
    UPPER = "upper", _("上级资金")
    DISTRICT = "district", _("区级资金")


class Step(models.TextChoices):
    """The common workflow (domain.md §3); each programme switches steps on or off."""

    APPLY = "apply", _("申请")
    ACCEPT = "accept", _("受理")
    FIRST_REVIEW = "first_review", _("初审")
    HOME_SURVEY = "home_survey", _("入户调查")
    ASSESS = "assess", _("评估")
    REVIEW = "review", _("审核")
    VERIFY = "verify", _("审定")
    APPROVE = "approve", _("审批")
    NOTICE = "notice", _("公示")
    DELIVER = "deliver", _("发放/实施")
    FOLLOW_UP = "follow_up", _("回访")


STEP_ORDER = [s.value for s in Step]


class EnrolmentSource(models.TextChoices):
    """How an enrolment (在享) was recorded."""

    MANUAL = "manual", _("手工登记")
    APPLICATION = "application", _("申请办结")
    IMPORT = "import", _("导入")


class RuleStatus(models.TextChoices):
    """The life of a rule version: drafted, published for its year, then superseded by a newer one."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")


class ScreeningKind(models.TextChoices):
    """What a screening looks for."""

    MISSING = "missing", _("应享未享")
    EXCESS = "excess", _("应退未退")
    BOTH = "both", _("应享未享和应退未退")


class ScreeningStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class SelectionStatus(models.TextChoices):
    """A screened person picked for a draft application, waiting for the applications module."""

    QUEUED = "queued_for_application", _("待生成申请")
    CONSUMED = "consumed", _("已生成申请")
