"""Small drawings made on the server as SVG (no script, no library): horizontal bars for counts (the home
page's practices by voivodeship, the aggregate answers of canned queries) and an organisation's partner
network. Every text is escaped; each drawing is one image (role="img") with a title for screen readers,
and the same numbers, with links, are always in a table or list next to it (links inside an image would be
controls nested in an image: axe's nested-interactive)."""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

# Sector colours: at least 3:1 against white (WCAG non-text contrast), told apart by more than hue.
SECTOR_COLOURS = {"public": "#00528a", "ngo": "#8a3b00", "business": "#2e6b1f"}
OTHER = "#5c5c5c"


def bar_chart(rows: Sequence[tuple[str, float, str | None]], title: str, number: Callable[[float], str] = str,
              width: int = 420) -> Markup:
    """rows: (label, value, link or None; the link is for the table beside). Bars scaled to the largest
    value; labels left, values right."""
    if not rows:
        return Markup("")
    bar_h, gap, label_w, value_w = 20, 5, 160, 50      # readable at 390 px without scaling down much
    top = max(v for _, v, _ in rows) or 1
    height = len(rows) * (bar_h + gap) + gap
    out = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
           f'aria-labelledby="{_id(title)}-t" preserveAspectRatio="xMinYMin meet">',
           f'<title id="{_id(title)}-t">{escape(title)}</title>']
    for i, (label, value, _href) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1.0, (width - label_w - value_w) * value / top)
        text = escape(label if len(label) <= 24 else label[:23] + "…")
        bar = (f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{text}</text>'
               f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2"></rect>'
               f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{escape(number(value))}</text>')
        out.append(f"<g>{bar}</g>")
    out.append("</svg>")
    return Markup("".join(out))


def network(centre: str, partners: Sequence[tuple[str, str, int, str | None]], title: str,
            size: int = 480) -> Markup:
    """An organisation (`centre`) in the middle and its partners round it: (name, sector key, practices
    shared, link). The line to a partner is as thick as the practices they share."""
    if not partners:
        return Markup("")
    width = size + 240                     # room for the names left and right of the circle
    c, cy = width / 2, size / 2
    out = [f'<svg class="chart network" viewBox="0 0 {width} {size}" role="img" aria-labelledby="net-t">',
           f'<title id="net-t">{escape(title)}</title>']
    most = max(p[2] for p in partners) or 1
    places = _round(len(partners), size)
    for (_, _, shared, _), (line, _) in zip(partners, places, strict=True):
        out.append(f'{line}stroke-width="{1 + 5 * shared / most:.1f}"></line>')
    for (name, sector, _, _), (_, (circle, text)) in zip(partners, places, strict=True):
        label = escape(name if len(name) <= 26 else name[:25] + "…")
        out.append(f'<g>{circle}{SECTOR_COLOURS.get(sector, OTHER)}"></circle>{text}{label}</text></g>')
    short = escape(centre if len(centre) <= 26 else centre[:25] + "…")
    out.append(f'<circle class="centre" cx="{c}" cy="{cy}" r="14"></circle>'
               f'<text class="centre" x="{c}" y="{cy + 32}" text-anchor="middle">{short}</text></svg>')
    return Markup("".join(out))


@functools.lru_cache(maxsize=64)
def _round(count: int, size: int) -> list[tuple[str, tuple[str, str]]]:
    """The fixed markup of `count` partners round a circle (the same for every drawing of that many): each
    partner's line up to its width, and its circle up to its colour and its name's text up to the name."""
    width = size + 240
    c, cy = width / 2, size / 2
    radius = size / 2 - 70
    out = []
    for i in range(count):
        angle = 2 * math.pi * i / count - math.pi / 2
        x, y = c + radius * math.cos(angle), cy + radius * math.sin(angle)
        anchor = "start" if math.cos(angle) > 0.2 else "end" if math.cos(angle) < -0.2 else "middle"
        dx = 12 if anchor == "start" else -12 if anchor == "end" else 0
        dy = 4 if anchor != "middle" else (-14 if math.sin(angle) < 0 else 22)
        line = f'<line x1="{c:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
        circle = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="'
        text = f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}">'
        out.append((line, (circle, text)))
    return out


def _id(text: str) -> str:
    return "c" + str(zlib.crc32(text.encode()))
