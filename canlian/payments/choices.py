"""Vocabularies of payments: batch lifecycle, line status and kind, check findings, roster fields."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    CHECKED = "checked", _("已核查")
    APPROVED = "approved", _("已审批")
    AWAITING_FUNDS = "awaiting_funds", _("待上级资金")
    EXPORTED = "exported", _("已导出银行名单")
    RECONCILED = "reconciled", _("已对账")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已作废")


class BatchTransition(models.TextChoices):
    CHECK = "check", _("发放前核查")
    APPROVE = "approve", _("审批")
    AWAIT_FUNDS = "await_funds", _("等待上级资金")
    FUNDS_ARRIVED = "funds_arrived", _("上级资金到位")
    EXPORT = "export", _("导出银行名单")
    RECONCILE = "reconcile", _("导入银行回盘")
    CLOSE = "close", _("结束")
    CANCEL = "cancel", _("作废")


class BatchSource(models.TextChoices):
    APPLICATIONS = "applications", _("已审批待发放的申请")
    ENROLMENTS = "enrolments", _("在享且仍符合条件的人员")
    REISSUE = "reissue", _("失败重发")


class LineKind(models.TextChoices):
    PAYMENT = "payment", _("发放")
    REVERSAL = "reversal", _("冲正")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("待发放")
    EXCLUDED = "excluded", _("已剔除")
    PAID = "paid", _("已到账")
    FAILED = "failed", _("发放失败")
    REVERSED = "reversed", _("已冲正")


class FindingKind(models.TextChoices):
    INELIGIBLE = "ineligible", _("发放日不符合条件")
    DIED = "died", _("已死亡")
    MOVED = "moved", _("已迁出")
    DUPLICATE = "duplicate", _("疑似重复发放")
    NO_ACCOUNT = "no_account", _("无银行账户")
    INVALID_ACCOUNT = "invalid_account", _("银行账户已停用或无效")
    AMOUNT = "amount", _("金额与规则不符")
    BUDGET = "budget", _("超出剩余预算")


class LayoutKind(models.TextChoices):
    BANK = "bank", _("银行代发名单")
    NATIONAL = "national", _("上报国家系统")


class FileFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (.xlsx)")
    CSV = "csv", _("CSV (.csv)")


class RosterField(models.TextChoices):
    """What a roster column can hold: a layout maps its own column headers to these."""

    LINE_REF = "line_ref", _("明细编号")
    SEQ = "seq", _("序号")
    NAME = "name", _("姓名")
    ID_NUMBER = "id_number", _("身份证号")
    ACCOUNT_NUMBER = "account_number", _("银行账号")
    BANK_NAME = "bank_name", _("开户银行")
    HOLDER_NAME = "holder_name", _("户名")
    AMOUNT = "amount", _("金额（元）")
    PROGRAMME = "programme", _("项目名称")
    PERIOD = "period", _("期次")
    COMMUNITY = "community", _("社区")
    CATEGORY = "category", _("残疾类别")
    GRADE = "grade", _("残疾等级")
    CERTIFICATE = "certificate", _("残疾人证号")
    PHONE = "phone", _("联系电话")
    FUNDING_SOURCE = "funding_source", _("资金来源")
    REMARK = "remark", _("备注")
    CONSTANT = "constant", _("固定值")
