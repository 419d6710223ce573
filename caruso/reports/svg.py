"""Server-side SVG charts (stacked bars): no library, no script, text escaped, readable without colour
(each series is named in the legend and in every bar's tooltip)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from caruso.reports.compute import STATES, Report

PALETTE = ("#1a7f37", "#c62828", "#9a6700", "#0b5cad", "#6f42c1", "#57606a", "#bf3989")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(value)


def stacked_bars(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                 unit: str = "") -> str:
    width, height, left, bottom, top = 720, 300, 60, 60, 40
    plot_w, plot_h = width - left - 20, height - top - bottom
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    ymax = _nice_max(max(totals, default=0.0))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title, {chr(34): "&quot;"})}" font-family="sans-serif" font-size="12">',
           f'<title>{escape(title)}</title>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i in range(5):
        value = ymax * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dee3"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}{escape(unit)}</text>')
    n = max(len(categories), 1)
    slot = plot_w / n
    bar = min(60.0, slot * 0.6)
    for i, name in enumerate(categories):
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for s, (label, values) in enumerate(series):
            h = plot_h * values[i] / ymax
            if h <= 0:
                continue
            y -= h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                       f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)} — {escape(label)}: '
                       f'{values[i]:g}{escape(unit)}</title></rect>')
        out.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                   f'{escape(name[:18])}</text>')
    lx = left
    for s, (label, _) in enumerate(series):
        out.append(f'<rect x="{lx}" y="{height - 22}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        out.append(f'<text x="{lx + 16}" y="{height - 12}">{escape(label)}</text>')
        lx += 24 + 7 * len(label)
    out.append("</svg>")
    return "\n".join(out)


def queue_chart(report: Report) -> str:
    names = sorted(report.queues)
    return stacked_bars("Inbound calls per queue", names,
                        [("answered", [report.queues[q].answered for q in names]),
                         ("abandoned", [report.queues[q].abandoned for q in names]),
                         ("overflowed", [report.queues[q].overflowed for q in names])])


def agent_chart(report: Report) -> str:
    agents = sorted(report.agents)
    return stacked_bars("Agent time per state (minutes)", agents,
                        [(state, [round(report.agents[a].state_seconds.get(state, 0.0) / 60, 1) for a in agents])
                         for state in STATES], unit="")


CHARTS = {"queues": queue_chart, "agents": agent_chart}
