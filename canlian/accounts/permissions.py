"""The role × action matrix, enforced from this one place.

Views call `require(user, action)` (or use `@requires(action)`), services call `require()` too, the
navigation hides what `can()` refuses, and `docs/roles.md` is generated from MATRIX by
`manage.py roles_doc` (a test keeps the two in step). Area scoping is separate: see scoping.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.accounts.choices import Role
from canlian.common.exceptions import PermissionDenied

R = Role
ALL = frozenset(Role)
STAFF = frozenset({R.DISTRICT_OFFICER, R.LEADER, R.FINANCE, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR})
CASEWORKERS = frozenset({R.DISTRICT_OFFICER, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR})

# action: (what it means, roles allowed)
MATRIX: dict[str, tuple[object, frozenset[Role]]] = {
    "home.view": (gettext_lazy("首页与我的待办"), ALL),
    "user.view": (
        gettext_lazy("查看本辖区的用户账号（街道专干只读本街道及其社区）"), frozenset({R.ADMIN, R.STREET_OFFICER})
    ),
    "user.manage": (gettext_lazy("新建、修改、停用和启用账号，重置密码，解除锁定"), frozenset({R.ADMIN})),
    "region.view": (gettext_lazy("查看行政区划"), ALL),
    "region.manage": (gettext_lazy("维护街道和社区、导入区划"), frozenset({R.ADMIN, R.DISTRICT_OFFICER})),
    "audit.view": (gettext_lazy("浏览审计日志"), frozenset({R.ADMIN, R.AUDITOR})),
    "audit.export": (gettext_lazy("导出审计日志"), frozenset({R.ADMIN, R.AUDITOR})),
    "programme.view": (gettext_lazy("查看项目、规则、目标任务和预算"), ALL),
    "programme.manage": (gettext_lazy("新建和修改项目"), frozenset({R.ADMIN})),
    "target.manage": (gettext_lazy("下达目标任务"), frozenset({R.ADMIN, R.DISTRICT_OFFICER})),
    "budget.manage": (gettext_lazy("编制预算"), frozenset({R.ADMIN, R.FINANCE})),
    "rule.manage": (gettext_lazy("起草、发布项目的年度资格条件和金额规则"), frozenset({R.ADMIN})),
    "enrolment.manage": (gettext_lazy("登记、停止在享记录（本辖区）"), CASEWORKERS),
    "screening.view": (
        gettext_lazy("查看本辖区的应享未享、应退未退筛查结果"),
        frozenset({R.ADMIN, R.DISTRICT_OFFICER, R.LEADER, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR, R.AUDITOR}),
    ),
    "screening.run": (
        gettext_lazy("发起筛查、导出结果、选择人员生成草稿申请"),
        frozenset({R.ADMIN, R.DISTRICT_OFFICER, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR}),
    ),
    "job.view": (gettext_lazy("查看本人启动的后台任务及其进度、下载结果"), ALL),
    "job.view_all": (gettext_lazy("查看所有人的后台任务和导入记录"), frozenset({R.ADMIN})),
    "import.view": (
        gettext_lazy("打开数据导入页面、查看本人的导入记录（每种导入另需其权限，如区划导入需“维护街道和社区”）"),
        frozenset({R.ADMIN, *CASEWORKERS}),
    ),
    "person.view": (
        gettext_lazy("查看残疾人档案（证件号、银行账号仅显示脱敏号码）"),
        frozenset({R.DISTRICT_OFFICER, R.LEADER, R.FINANCE, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR, R.AUDITOR}),
    ),
    "person.edit": (
        gettext_lazy("登记、修改残疾人档案，记录死亡、迁出迁入、低保状态，维护户"),
        CASEWORKERS,
    ),
    "person.import": (
        gettext_lazy("导入残疾人档案、家庭户、银行账户、死亡名单、低保名单和迁移名单（只限本人负责的区域）"),
        CASEWORKERS,
    ),
    "person.reveal": (
        gettext_lazy("查看完整身份证号、银行账号（每次查看均记入审计日志）"),
        frozenset({R.DISTRICT_OFFICER, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR, R.FINANCE}),
    ),
    "person.export": (
        gettext_lazy("导出残疾人名单（完整证件号另需“查看完整号码”权限）"),
        frozenset({R.DISTRICT_OFFICER, R.LEADER, R.FINANCE, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR, R.AUDITOR}),
    ),
    "certificate.manage": (
        gettext_lazy("录入残疾人证、重新评定换证、注销残疾人证"),
        frozenset({R.DISTRICT_OFFICER}),
    ),
    "bank_account.manage": (
        gettext_lazy("添加、停用银行账户，设置默认发放账户"),
        CASEWORKERS | {R.FINANCE},
    ),
    "application.view": (
        gettext_lazy("查看本辖区的申请、办理记录和附件，打印审批表"),
        frozenset({R.DISTRICT_OFFICER, R.LEADER, R.FINANCE, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR, R.AUDITOR}),
    ),
    "application.create": (gettext_lazy("录入项目申请（社区、街道、区残联）"), CASEWORKERS),
    "application.act": (
        gettext_lazy("办理申请的环节（受理、调查、审核、审批、发放、回访等，各环节角色见申请流程表）"),
        frozenset({R.DISTRICT_OFFICER, R.LEADER, R.FINANCE, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR}),
    ),
    "application.batch": (gettext_lazy("批量审核、审批或不予通过申请"), frozenset({R.DISTRICT_OFFICER, R.LEADER})),
    "application.override": (gettext_lazy("对资格不符的申请说明理由后仍予受理"), frozenset({R.DISTRICT_OFFICER})),
    "application.overdue": (gettext_lazy("查看全区逾期未办的申请（督办）"), frozenset({R.DISTRICT_OFFICER, R.LEADER})),
    "holiday.manage": (gettext_lazy("维护法定节假日和调休上班日"), frozenset({R.ADMIN})),
    "report.view": (
        gettext_lazy("查看本辖区的统计分析（目标完成、资金、月度趋势、分街道、逾期）"),
        frozenset({R.DISTRICT_OFFICER, R.LEADER, R.FINANCE, R.STREET_OFFICER, R.AUDITOR}),
    ),
    "report.generate": (
        gettext_lazy("生成并下载本辖区的年度工作总结（Word、Excel、JSON）"),
        frozenset({R.DISTRICT_OFFICER, R.LEADER, R.STREET_OFFICER}),
    ),
    "payment.view": (
        gettext_lazy("查看发放批次（区级）和本辖区人员的发放明细、发放记录（账号仅脱敏）"),
        frozenset({R.DISTRICT_OFFICER, R.LEADER, R.FINANCE, R.STREET_OFFICER, R.COMMUNITY_COORDINATOR, R.AUDITOR}),
    ),
    "payment.manage": (
        gettext_lazy("生成发放批次、发放前核查、导出银行名单、导入银行回盘、失败重发、冲正"),
        frozenset({R.FINANCE}),
    ),
    "payment.approve": (gettext_lazy("审批发放批次"), frozenset({R.LEADER})),
    "payment.layout": (gettext_lazy("维护银行名单格式和上报模板"), frozenset({R.ADMIN, R.FINANCE})),
}


def can(user, action: str) -> bool:  # noqa: ANN001
    """Whether the user's role allows the action (unknown actions are refused, never allowed)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action not in MATRIX:
        raise KeyError(f"unknown permission action {action!r}: add it to MATRIX")
    if user.is_superuser:
        return True
    return user.role in MATRIX[action][1]


def require(user, action: str) -> None:  # noqa: ANN001
    """Raise PermissionDenied with a Chinese message unless `can(user, action)`."""
    if not can(user, action):
        raise PermissionDenied(_("您的角色无权执行此操作：%(action)s") % {"action": MATRIX[action][0]})


def requires(action: str) -> Callable:
    """View decorator: log-in required, then the action must be allowed (403 page otherwise)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.permission_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def roles_markdown() -> str:
    """The matrix as the Markdown table kept in docs/roles.md."""
    roles = list(Role)
    lines = [
        "# Roles and actions",
        "",
        "Generated from `canlian/accounts/permissions.py` by `python manage.py roles_doc`; do not edit by hand.",
        "Roles bound what a user may do; the user's area (district, street or community) bounds what they see.",
        "District roles (administrator, district officer, leader, finance, auditor) work at district level,",
        "the street officer in one street, the community coordinator in one community.",
        "",
        "| action | meaning | " + " | ".join(str(r.label) for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for action, (meaning, allowed) in MATRIX.items():
        cells = " | ".join("✓" if r in allowed else "" for r in roles)
        lines.append(f"| `{action}` | {meaning} | {cells} |")
    return "\n".join(lines) + "\n"
