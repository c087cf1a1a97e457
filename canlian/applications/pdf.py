"""The printed 审批表: one page per application, in Chinese, as real text in an embedded CJK TrueType font.

reportlab embeds the font as a subset (only the glyphs used), so the PDF prints the same on any office PC
and its text can be searched and extracted. The font path is a setting (CJK_FONT_PATH).
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from canlian.applications.models import Application
from canlian.common.exceptions import DomainError
from canlian.programmes.choices import Step

FONT = "CanlianCJK"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = settings.CJK_FONT_PATH
        if not path.exists():
            raise DomainError(f"找不到打印用的中文字体 {path}：请安装 fonts-wqy-zenhei 或设置 CANLIAN_CJK_FONT")
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=settings.CJK_FONT_SUBFONT))
    return FONT


def _money(value: object) -> str:
    return f"{value} 元" if value is not None else "—"


def _story(app: Application, events: list, styles: dict[str, ParagraphStyle]) -> list:
    p = app.person
    body, cell = styles["body"], styles["cell"]
    story: list = [
        Paragraph(f"{app.programme.name}审批表", styles["title"]),
        Paragraph(f"编号：{app.programme.code}-{app.period}-{app.pk}　　年度：{app.year}　　期次：{app.period}", body),
        Spacer(1, 4 * mm),
    ]
    rows = [
        ["申请人", p.name, "性别", p.get_sex_display(), "出生日期", p.birth_date.isoformat()],
        ["身份证号", p.id_number_masked, "残疾类别", p.get_category_display() or "—", "残疾等级",
         p.get_grade_display() or "—"],
        ["居住社区", f"{p.community.parent.name if p.community.parent else ''}{p.community.name}", "联系电话",
         p.phone or "—", "低保状态", p.get_low_income_status_display()],
        ["申请金额", _money(app.requested_amount), "核定金额", _money(app.approved_amount), "资金来源",
         app.get_funding_source_display() or "—"],
        ["申请物品/服务", app.items or "—", "发放日期", app.delivered_on.isoformat() if app.delivered_on else "—",
         "发放金额", _money(app.delivered_amount)],
        ["资格审查", "；".join(app.eligibility_reasons) or ("符合" if app.eligible else "—"), "", "", "状态",
         f"{app.get_status_display()}（{app.step_label}）"],
    ]
    grid = Table([[Paragraph(str(c), cell) for c in r] for r in rows],
                 colWidths=[22 * mm, 38 * mm, 20 * mm, 30 * mm, 20 * mm, 40 * mm])
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("SPAN", (1, 5), (3, 5)),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [grid, Spacer(1, 5 * mm), Paragraph("办理意见", styles["heading"])]
    opinion_rows = [[Paragraph(t, cell) for t in ("环节", "意见", "办理人", "日期")]]
    for e in events:
        opinion_rows.append([
            Paragraph(f"{Step(e.step).label}（{e.get_transition_display()}）", cell),
            Paragraph(e.opinion or "—", cell),
            Paragraph(e.actor.display_name, cell),
            Paragraph(timezone.localtime(e.at).date().isoformat(), cell),
        ])
    table = Table(opinion_rows, colWidths=[36 * mm, 84 * mm, 26 * mm, 24 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    signature = "经办人签字：　　　　　　　　审批人签字：　　　　　　　　（盖章）"
    story += [table, Spacer(1, 10 * mm), Paragraph(signature, body)]
    return story


def approval_forms(applications: Iterable[Application]) -> bytes:
    """One PDF with a 审批表 per application (the caller passes only applications the user may see)."""
    font = _font()
    styles = {
        "title": ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=6),
        "heading": ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceAfter=3),
        "body": ParagraphStyle("b", fontName=font, fontSize=10, leading=15),
        "cell": ParagraphStyle("c", fontName=font, fontSize=9, leading=13, wordWrap="CJK"),
    }
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title="审批表", author="残联")
    story: list = []
    apps = list(applications)
    for i, app in enumerate(apps):
        events = list(app.events.select_related("actor").order_by("at", "id"))
        story += _story(app, events, styles)
        if i < len(apps) - 1:
            story.append(PageBreak())
    if not story:
        raise DomainError("没有可打印的申请")
    doc.build(story)
    return buffer.getvalue()
