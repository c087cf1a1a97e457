"""Choices of the registry: what the federation records about a person, a certificate and a household."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from canlian.common.certificate import CATEGORY_NAMES, GRADE_NAMES


class Sex(models.TextChoices):
    """Derived from the ID number (17th digit odd = male), never typed."""

    MALE = "M", _("男")
    FEMALE = "F", _("女")


class HukouType(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class LifeStatus(models.TextChoices):
    """Whether the person is still on the district's books; leaving it stops every benefit."""

    ALIVE = "alive", _("在册")
    DECEASED = "deceased", _("死亡")
    MOVED_OUT = "moved_out", _("迁出")


class LowIncomeStatus(models.TextChoices):
    """Social-assistance status from civil affairs (民政): an eligibility input for most programmes."""

    NONE = "none", _("无")
    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困")
    BIANYUAN = "bianyuan", _("低保边缘")


class Education(models.TextChoices):
    PRESCHOOL = "preschool", _("学龄前")
    NONE = "none", _("未上学")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("未婚")
    MARRIED = "married", _("已婚")
    DIVORCED = "divorced", _("离婚")
    WIDOWED = "widowed", _("丧偶")


class Relation(models.TextChoices):
    """Relation to the household head (户主), as the 户口簿 states it; also used for guardians."""

    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class CertificateStatus(models.TextChoices):
    """What is stored on a certificate row. "Expired" is never stored: it follows from valid_until and today
    (see EffectiveCertificateStatus), so no nightly job is needed and no screen can disagree with another."""

    VALID = "valid", _("有效")
    CANCELLED = "cancelled", _("已注销")
    SUPERSEDED = "superseded", _("已换证")


class EffectiveCertificateStatus(models.TextChoices):
    """The certificate status as every screen, filter, export and API answer shows it, on a given day."""

    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    CANCELLED = "cancelled", _("已注销")
    SUPERSEDED = "superseded", _("已换证")
    NONE = "none", _("无证")


class ChangeKind(models.TextChoices):
    """The kinds of change the person's timeline records."""

    REGISTERED = "registered", _("登记")
    LIFE = "life", _("在册状态")
    LOW_INCOME = "low_income", _("低保状态")
    RESIDENCE = "residence", _("居住社区")
    CERTIFICATE_NEW = "certificate_new", _("办证")
    CERTIFICATE_REASSESS = "certificate_reassess", _("重新评定换证")
    CERTIFICATE_CANCEL = "certificate_cancel", _("注销残疾人证")


class ChangeSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("导入")
    API = "api", _("接口")


class HolderRelation(models.TextChoices):
    """Whose account a benefit is paid into: the person's own, or a guardian's (children, incapacity)."""

    SELF = "self", _("本人")
    GUARDIAN = "guardian", _("监护人")


Category = models.IntegerChoices("Category", [(f"C{k}", (k, v)) for k, v in CATEGORY_NAMES.items()])
Grade = models.IntegerChoices("Grade", [(f"G{k}", (k, v)) for k, v in GRADE_NAMES.items()])
MULTIPLE = 7  # 多重: the certificate also records its component categories (1–6)

# GB 3304-1991 民族 codes and names: the 56 ethnic groups, then 97 其他 (other, not yet identified).
_ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
ETHNICITIES: tuple[tuple[str, str], ...] = (
    *((f"{i:02d}", name) for i, name in enumerate(_ETHNIC_GROUPS, start=1)),
    ("97", "其他"),
)
HAN = "01"
ETHNICITY_NAMES = dict(ETHNICITIES)
ETHNICITY_BY_NAME = {name: code for code, name in ETHNICITIES}


class ReviewKind(models.TextChoices):
    """Why a person is on the review list (动态管理): the kind of change an import recorded."""

    DEATH = "death", _("死亡")
    LOW_INCOME = "low_income", _("低保状态变化")
    MOVE = "move", _("迁移")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    HANDLED = "handled", _("已处理")
