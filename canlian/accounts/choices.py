from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The federation's roles (等保: least privilege and separation of duties)."""

    ADMIN = "admin", _("系统管理员")
    DISTRICT_OFFICER = "district_officer", _("区残联业务专干")
    LEADER = "leader", _("分管领导")
    FINANCE = "finance", _("财务")
    STREET_OFFICER = "street_officer", _("街道专干")
    COMMUNITY_COORDINATOR = "community_coordinator", _("社区专职委员")
    AUDITOR = "auditor", _("审计")


# The level of area each role works at: district roles see the whole district.
DISTRICT_ROLES = frozenset({Role.ADMIN, Role.DISTRICT_OFFICER, Role.LEADER, Role.FINANCE, Role.AUDITOR})
ROLE_AREA_LEVEL = {
    Role.ADMIN: "district",
    Role.DISTRICT_OFFICER: "district",
    Role.LEADER: "district",
    Role.FINANCE: "district",
    Role.AUDITOR: "district",
    Role.STREET_OFFICER: "street",
    Role.COMMUNITY_COORDINATOR: "community",
}
