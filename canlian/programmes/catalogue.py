"""The federation's programmes as preloaded by migration 0002 (the seed's 2024 summary and 2025 plan).

Kept as plain data so the migration, the tests and the demo read one list. Amounts and rules are
per-year data (RuleVersion), not here.
"""

from __future__ import annotations

CASH = ["apply", "accept", "review", "approve", "notice", "deliver", "follow_up"]
SURVEYED_CASH = ["apply", "accept", "home_survey", "review", "approve", "notice", "deliver", "follow_up"]
ASSESSED_SERVICE = ["apply", "accept", "assess", "review", "approve", "deliver", "follow_up"]
TWO_SUBSIDIES = ["apply", "first_review", "review", "verify", "deliver", "follow_up"]

DEFAULT_DAYS = {
    "accept": 5, "first_review": 10, "home_survey": 10, "assess": 10, "review": 5, "verify": 10,
    "approve": 5, "notice": 5, "deliver": 20, "follow_up": 30,
}

# code, name, field, unit, benefit, periodicity, sources, steps, policy basis, excess by district, description
PROGRAMMES: list[dict[str, object]] = [
    dict(code="R1", name="困难精神残疾人药费补助", field="rehab", unit="person", benefit_kind="cash",
         periodicity="yearly", funding_sources=["upper", "district"], steps=CASH, excess_funded_by_district=True,
         policy_basis="安徽省困难精神残疾人药费补助（1000元/人/年，2017）",
         description="持精神残疾证、低保或困难证明的精神残疾人，每年审核；4月底前打卡发放。"),
    dict(code="R2", name="四类残疾儿童康复救助", field="rehab", unit="person", benefit_kind="service",
         periodicity="yearly", funding_sources=["upper"], steps=ASSESSED_SERVICE,
         policy_basis="国发〔2018〕20号",
         description="0–6岁视力、听力言语、肢体、智力残疾及孤独症儿童（安徽扩至7–14岁），经审核后到定点康复机构训练。"),
    dict(code="R3", name="儿童矫形器适配", field="rehab", unit="item", benefit_kind="item",
         periodicity="one_off", funding_sources=["upper"], steps=ASSESSED_SERVICE, policy_basis="",
         description="为残疾儿童免费适配矫形器。"),
    dict(code="R4", name="儿童辅助器具适配", field="rehab", unit="item", benefit_kind="item",
         periodicity="one_off", funding_sources=["upper"], steps=ASSESSED_SERVICE, policy_basis="",
         description="为残疾儿童免费适配辅助器具。"),
    dict(code="R5", name="精准康复服务", field="rehab", unit="person", benefit_kind="service",
         periodicity="yearly", funding_sources=["upper", "district"],
         steps=["apply", "accept", "home_survey", "assess", "approve", "deliver", "follow_up"], policy_basis="",
         description="依据上一年度残疾人基本状况调查的康复需求提供康复服务，含免费适配辅助器具。"),
    dict(code="L1", name="机动轮椅车燃油补贴", field="livelihood", unit="person", benefit_kind="cash",
         periodicity="yearly", funding_sources=["upper"],
         steps=["apply", "accept", "review", "approve", "deliver", "follow_up"],
         policy_basis="财社〔2010〕256号（260元/人/年）",
         description="下肢残疾、本人拥有符合规定的机动轮椅车；每年发放一次，并录入中残联燃油补贴系统。"),
    dict(code="L2", name="四小车辆置换车主子女就学补贴", field="livelihood", unit="person", benefit_kind="cash",
         periodicity="school_year", funding_sources=["upper"], steps=["apply", "accept", "review", "approve", "deliver"],
         policy_basis="", description="按学年审核，上级资金拨付后一次性打卡发放。"),
    dict(code="L3", name="“一户多残”家庭生活救助", field="livelihood", unit="household", benefit_kind="cash",
         periodicity="yearly", funding_sources=["district"], steps=SURVEYED_CASH, policy_basis="",
         description="同一户口内有两名及以上持证残疾人的困难家庭，按户救助。"),
    dict(code="L4", name="困难老年残疾人生活救助", field="livelihood", unit="person", benefit_kind="cash",
         periodicity="yearly", funding_sources=["district"], steps=SURVEYED_CASH, policy_basis="",
         description="60周岁及以上的困难持证残疾人。"),
    dict(code="L5", name="困难残疾人生活补贴", field="livelihood", unit="person", benefit_kind="cash",
         periodicity="monthly", funding_sources=["upper", "district"], steps=TWO_SUBSIDIES,
         policy_basis="国发〔2015〕52号；皖民务字〔2022〕116号（2025年起94元/人/月）",
         description="低保家庭或脱贫人口中的持证残疾人；特困供养人员不享受。按月发放，动态管理。"),
    dict(code="L6", name="重度残疾人护理补贴", field="livelihood", unit="person", benefit_kind="cash",
         periodicity="monthly", funding_sources=["upper", "district"], steps=TWO_SUBSIDIES,
         policy_basis="国发〔2015〕52号；皖民务字〔2022〕116号（2025年起94元/人/月）",
         description="一、二级重度残疾人（可扩至三、四级智力、精神残疾人）；享受工伤护理费、特困供养人员不享受。"),
    dict(code="L7", name="非低保重度残疾人居民基本医疗保险补贴", field="livelihood", unit="person",
         benefit_kind="cash", periodicity="yearly", funding_sources=["district"],
         steps=["apply", "accept", "review", "approve", "deliver"], policy_basis="",
         description="未纳入低保的重度残疾人参加城乡居民基本医疗保险的个人缴费补贴。"),
    dict(code="L8", name="困难残疾人走访慰问", field="livelihood", unit="person", benefit_kind="cash",
         periodicity="one_off", funding_sources=["district"], steps=["apply", "review", "approve", "deliver", "follow_up"],
         policy_basis="", description="节日走访慰问困难残疾人，送去慰问金或慰问品。"),
    dict(code="B1", name="困难重度残疾人家庭无障碍改造", field="accessibility", unit="household",
         benefit_kind="service", periodicity="one_off", funding_sources=["upper", "district"],
         steps=["apply", "accept", "home_survey", "assess", "review", "approve", "notice", "deliver", "follow_up"],
         policy_basis="GB 50763-2012；GB 55019-2021",
         description="入户调查、评估、审核，同意改造且符合条件的困难重度残疾人家庭，一户一方案、一户一档；记录拒绝施工类改造的原因。"),
    dict(code="E1", name="残疾人就业技能培训", field="employment", unit="person", benefit_kind="training",
         periodicity="one_off", funding_sources=["upper", "district"],
         steps=["apply", "accept", "review", "approve", "deliver", "follow_up"], policy_basis="",
         description="就业技能培训（2024年：互联网营销/直播销售员），培训后跟踪就业情况。"),
    dict(code="E2", name="按比例安置残疾人就业年审", field="employment", unit="enterprise", benefit_kind="service",
         periodicity="yearly", funding_sources=["district"], steps=["apply", "accept", "review", "approve"],
         policy_basis="财税〔2015〕72号（安置比例1.5%）",
         description="用人单位按比例安置残疾人就业的年度审核（网上申报3月1日至10月31日）。"),
    dict(code="E3", name="辅助性就业", field="employment", unit="person", benefit_kind="service",
         periodicity="yearly", funding_sources=["upper", "district"], steps=ASSESSED_SERVICE, policy_basis="",
         description="就业年龄段的智力、精神及重度肢体残疾人在辅助性就业机构就业。"),
    dict(code="E4", name="残疾人创业扶持", field="employment", unit="person", benefit_kind="cash",
         periodicity="one_off", funding_sources=["district"], steps=SURVEYED_CASH, policy_basis="",
         description="为个人创业的残疾人提供一次性创业扶持资金。"),
    dict(code="E5", name="残疾人新增就业", field="employment", unit="person", benefit_kind="service",
         periodicity="yearly", funding_sources=["district"], steps=["apply", "review", "deliver", "follow_up"],
         policy_basis="", description="登记城镇、农村新增就业的残疾人。"),
    dict(code="C1", name="阳光家园计划居家托养", field="care", unit="person", benefit_kind="service",
         periodicity="yearly", funding_sources=["upper", "district"],
         steps=["apply", "accept", "home_survey", "assess", "review", "approve", "deliver", "follow_up"],
         policy_basis="阳光家园计划", description="智力、精神、重度肢体残疾人由签约服务机构提供居家托养服务。"),
    dict(code="A1", name="残疾评定", field="assessment", unit="person", benefit_kind="service",
         periodicity="one_off", funding_sources=["district"],
         steps=["apply", "accept", "assess", "review", "notice", "deliver"], policy_basis="残疾人证管理办法（2018）",
         description="申请残疾人证的评定，免费；结果公示5个工作日。"),
]


def step_days(steps: list[str]) -> dict[str, int]:
    return {s: DEFAULT_DAYS[s] for s in steps if s in DEFAULT_DAYS}
