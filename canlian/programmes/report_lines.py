"""The annual summary's work lines for the programmes in the catalogue, in the seed's order and phrasing.

Wording is data: each line is a template over the figures the report computes per programme
(canlian.reports.definitions; `{R1.done}` reads figures.programmes.R1.done). Placeholder formats:
`wan` 万元 with trailing zeros dropped (34.2), `wan2`/`wan4` 万元 with fixed decimals (2.10, 20.9250 — the
seed prints those two that way), `yuan` whole yuan (11034), `pct` a completion rate (100.33%, 600%),
`if` nothing (only a condition). A segment in `[[…]]` is left out when one of its figures is missing, zero
or false, so a sentence never states "超目标任务0人" and never invents a sum the payments module has not
reported. The seed's wording that needs figures Canlian does not hold yet is registered as pending
(canlian/reports/outline.py) and listed in the document as not yet available.
"""

from __future__ import annotations

from canlian.common.report_sections import Line

LINES: tuple[Line, ...] = (
    Line("rehab", "rehab.R1", 210,
         "完成困难精神残疾人药费补助{R1.done}人[[，超目标任务{R1.over}人]]"
         "[[{R1.over:if}{R1.excess_funded_by_district:if}（超额部分资金由区级承担）]]"
         "[[，完成率{R1.rate:pct}]][[，发放补助资金{R1.amount:wan}万元]]"
         "[[，于{R1.last_paid_month}月底前通过银行卡发放到受助残疾人家庭]]"),
    Line("rehab", "rehab.R2-R4", 220,
         "{R2.people}名通过审核的四类残疾儿童至各定点康复机构进行康复训练；"
         "为{R3.people}名残疾儿童适配矫形器[[，完成率{R3.rate:pct}]]，"
         "{R4.people}名儿童适配辅助器具[[，完成率{R4.rate:pct}]]"),
    Line("rehab", "rehab.R5", 230,
         "结合上一年度残疾人基本状况调查康复需求数据，为{R5.people}名残疾人提供康复服务"
         "[[，投入资金{R5.amount:wan}万元]]"),
    Line("livelihood", "livelihood.L1", 310,
         "完成{L1.people}名残疾人机动轮椅车燃油补贴发放工作[[，补贴资金{L1.amount:wan}万元]]"),
    Line("livelihood", "livelihood.L2", 320,
         "完成[[{L2.periods}年度]]{L2.reviewed}名四小车辆置换车主子女就学资料审核"
         "[[，补贴资金{L2.amount_awaiting:yuan}元，待上级资金拨付一次性打卡发放]]"
         "[[，已发放补贴资金{L2.amount:yuan}元]]"),
    Line("livelihood", "livelihood.L3-L4", 330,
         "完成{L3.households}户“一户多残”及{L4.people}名困难老年残疾人生活救助"
         "[[，补贴资金分别为{L3.amount:wan}万元、{L4.amount:wan4}万元]]"),
    # Programmes of the 2025 plan: a line only once there is something to report.
    Line("livelihood", "livelihood.L5", 340,
         "[[发放困难残疾人生活补贴{L5.people}人]][[，补贴资金{L5.amount:wan}万元]]"),
    Line("livelihood", "livelihood.L6", 350,
         "[[发放重度残疾人护理补贴{L6.people}人]][[，补贴资金{L6.amount:wan}万元]]"),
    Line("livelihood", "livelihood.L7", 360,
         "[[为{L7.people}名非低保重度残疾人提供居民基本医疗保险补贴]][[，补贴资金{L7.amount:wan}万元]]"),
    Line("livelihood", "livelihood.L8", 370,
         "[[走访慰问困难残疾人{L8.people}人]][[，发放慰问金{L8.amount:wan}万元]]"),
    Line("accessibility", "accessibility.B1", 410,
         "通过对有需求的残疾人进行入户调查、评估、审核，确定同意改造且符合改造条件的困难重度残疾人"
         "{B1.approved}户[[，完成改造{B1.done}户]][[，投入资金{B1.amount:wan}万元]]"),
    Line("employment", "employment.E1", 510, "为{E1.people}名残疾人开展就业技能培训"),
    Line("employment", "employment.E3", 530, "辅助性就业安置智力、精神及重度肢体残疾人{E3.people}人"),
    Line("employment", "employment.E4", 540,
         "为{E4.people}名个人创业残疾人提供创业扶持资金[[，共计{E4.amount:wan2}万元]]"),
    Line("employment", "employment.E5", 550, "城镇新增就业{E5.people_urban}人，农村新增就业{E5.people_rural}人"),
    Line("rights", "rights.A1", 720, "为{A1.people}名申请人免费进行残疾评定"),
    Line("rights", "rights.C1", 730,
         "开展“阳光家园计划”居家托养项目，为{report.area_phrase}{C1.people}名残疾人提供居家托养服务"),
)
