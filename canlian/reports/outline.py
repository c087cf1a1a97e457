"""The outline of part 一 of the work summary (the seed's seven headings) and the seed's wording that
Canlian cannot state yet. Registered by this app; lines come from the apps that own them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from canlian.common.report_sections import Pending

SECTIONS: tuple[tuple[str, object, int, bool], ...] = (
    ("party", _("加强党的领导和建设"), 100, True),
    ("rehab", _("提升残疾人康复质量"), 200, True),
    ("livelihood", _("兜牢残疾人民生保障"), 300, True),
    ("accessibility", _("优化残疾人家庭无障碍改造"), 400, False),
    ("employment", _("拓展残疾人就业渠道"), 500, False),
    ("culture", _("突出残疾人文体宣传"), 600, True),
    ("rights", _("推动残疾人权益保障"), 700, False),
)

ORGANISATION = _("党建与组织工作模块（outreach）")
DELIVERY = _("服务提供模块（delivery）")
EMPLOYMENT = _("就业模块（employment）")
OUTREACH = _("宣传文体模块（outreach）")

PENDING: tuple[Pending, ...] = (
    Pending("party", "party.G1", 110, _("党建工作（“三会一课”、专题学习、培养入党积极分子人数）"), ORGANISATION),
    Pending("rehab", "rehab.R5.devices", 231,
            _("精准康复中免费适配辅助器具的人数和件数（如“为61人免费适配辅助器具69件”）"), DELIVERY),
    Pending("livelihood", "livelihood.L1.national_system", 311, _("燃油补贴数据录入中残联燃油补贴系统的情况"),
            _("上报记录")),
    Pending("livelihood", "livelihood.L2.batch", 321, _("就学补贴的审核批次（如“第一批”）"),
            _("支付模块批次（payments）")),
    Pending("accessibility", "accessibility.B1.plans", 411,
            _("制定个性化改造方案的户数，不愿接受施工类改造的户数和原因"), DELIVERY),
    Pending("employment", "employment.E1.course", 511,
            _("就业技能培训的课程（如互联网营销/直播销售员）及培训后就业情况"), DELIVERY),
    Pending("employment", "employment.E2", 520, _("按比例安置残疾人企业年审家数、安置残疾人就业人数"), EMPLOYMENT),
    Pending("employment", "employment.E3.institutions", 531, _("辅助性就业机构家数"), EMPLOYMENT),
    Pending("employment", "employment.O2", 560, _("职业指导竞赛、职业技能竞赛的获奖情况"), OUTREACH),
    Pending("culture", "culture.O1.publicity", 610,
            _("宣传活动的产出（宣传资料、展板条幅、义诊、咨询、讲座、新闻报道的数量）"), OUTREACH),
    Pending("culture", "culture.O1.events", 620, _("文体活动（游园、特奥会、观影等）及参加人数"), OUTREACH),
    Pending("rights", "rights.P1", 710, _("信访件数及分类（救济、康复、就业、涉法涉诉、其他）"),
            _("信访模块（petitions）")),
    Pending("rights", "rights.A1.sessions", 721, _("残疾评定的场次"), _("残疾评定模块（assessments）")),
    Pending("rights", "rights.C1.provider", 731, _("居家托养服务机构的签约和项目启动日期"), DELIVERY),
)
