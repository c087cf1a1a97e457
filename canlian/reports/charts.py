"""Charts drawn on the server as inline SVG: no script, no CDN, printable, allowed by our CSP (presentation
attributes only, no style attributes). Labels are escaped; numbers are laid out proportionally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PRIMARY = "#b3261e"
SECONDARY = "#9aa3ad"
INK = "#1f2328"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int
    reference: Decimal | int | None = None  # a target drawn as a tick and a light bar behind
    text: str = ""  # what is printed after the bar (defaults to the value)


def hbars(bars: Sequence[Bar], *, title: str, width: int = 640, row: int = 26) -> SafeString:
    """Horizontal bars, one per row; a reference (target) is a grey bar behind the red one."""
    label_w, text_w = 170, 130
    plot = width - label_w - text_w
    top = max([float(b.value) for b in bars] + [float(b.reference or 0) for b in bars] + [1.0])
    height = row * len(bars) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, bar in enumerate(bars):
        y = 4 + i * row
        parts.append(f'<text x="{label_w - 6}" y="{y + row * 0.62:.1f}" text-anchor="end" font-size="12" '
                     f'fill="{INK}">{escape(bar.label)}</text>')
        if bar.reference:
            w = plot * float(bar.reference) / top
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="#e6e8eb"/>')
        w = plot * float(bar.value) / top
        parts.append(f'<rect x="{label_w}" y="{y + 7}" width="{w:.1f}" height="{row - 14}" fill="{PRIMARY}"/>')
        if bar.reference:
            x = label_w + plot * float(bar.reference) / top
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 2}" y2="{y + row - 2}" stroke="{INK}" '
                         f'stroke-width="1.5"/>')
        parts.append(f'<text x="{label_w + plot + 6}" y="{y + row * 0.62:.1f}" font-size="12" fill="{INK}">'
                     f'{escape(bar.text or str(bar.value))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)


def vbars(bars: Sequence[Bar], *, title: str, width: int = 640, height: int = 200) -> SafeString:
    """Vertical bars (a monthly trend): value above each bar, label below."""
    bottom, top_pad = 24, 18
    plot_h = height - bottom - top_pad
    top = max([float(b.value) for b in bars] + [1.0])
    step = width / max(len(bars), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<line x1="0" x2="{width}" y1="{height - bottom}" y2="{height - bottom}" stroke="{SECONDARY}"/>']
    for i, bar in enumerate(bars):
        h = plot_h * float(bar.value) / top
        x = i * step + step * 0.2
        y = height - bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" fill="{PRIMARY}"/>')
        cx = i * step + step / 2
        parts.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11" fill="{INK}">'
                     f'{escape(bar.text or str(bar.value))}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{height - 7}" text-anchor="middle" font-size="11" fill="{INK}">'
                     f'{escape(bar.label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
