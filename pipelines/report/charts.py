"""Small inline-SVG charts for the report: no JavaScript library, no network, print-friendly.

Every chart is an `<svg class="chart" data-chart=NAME>` whose marks carry a `<title>` (the browser's
own tooltip on hover) and, where the report wants a click to reveal more, a `data-key`.
"""
from __future__ import annotations

import math
from html import escape

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#17becf"]
STANCE_COLOURS = {"support": "#2e8b57", "neutral": "#a0a0a0", "oppose": "#c0392b"}
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12"'


def colour_map(names) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _short(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scale(value: float, count: int = 5) -> tuple[float, float]:
    """(axis maximum, tick step): round numbers, whole ones for counts, at most ~`count` steps."""
    value = max(value, 1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000,
                 100_000, 200_000, 500_000, 1_000_000):
        if value / step <= count:
            return math.ceil(value / step) * step, step
    step = 10 ** math.ceil(math.log10(value / count))
    return math.ceil(value / step) * step, step


def _ticks(maximum: float, step: float) -> list[float]:
    return [step * i for i in range(int(round(maximum / step)) + 1)]


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 10 else f"{value:,.0f}"


def _svg_open(name: str, width: int, height: float) -> str:
    return (f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" {FONT} xmlns="http://www.w3.org/2000/svg">')


def _vertical_grid(maximum: float, step: float, left: float, plot: float, top: float, bottom: float) -> list[str]:
    """A light vertical line and its value above it at every tick of a horizontal scale."""
    lines = []
    for tick in _ticks(maximum, step):
        x = left + plot * tick / maximum
        lines.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="#e6e6e6"/>'
                     f'<text x="{x:.1f}" y="{top - 4}" text-anchor="middle" fill="#777">{_fmt(tick)}</text>')
    return lines


def legend(names, colours: dict[str, str]) -> str:
    items = "".join(f'<span class="key"><i style="background:{colours[n]}"></i>{escape(str(n))}</span>' for n in names)
    return f'<div class="legend">{items}</div>'


def hbar_stacked(name: str, rows: list[str], series: list[str], values: dict[tuple[str, str], float],
                 colours: dict[str, str], *, label_width: int = 220, width: int = 820, unit: str = "",
                 keys: dict[tuple[str, str], str] | None = None, tips: dict[tuple[str, str], str] | None = None,
                 row_labels: dict[str, str] | None = None) -> str:
    """Horizontal bars, one per row, split into one segment per series.
    values[(row, series)] -> number; keys/tips optional per segment (data-key, extra tooltip text)."""
    bar, gap, top = 18, 8, 22
    plot = width - label_width - 60
    totals = [sum(values.get((r, s), 0) for s in series) for r in rows]
    maximum, step = _scale(max(totals or [0]))
    height = top + len(rows) * (bar + gap) + 10
    parts = [_svg_open(name, width, height)]
    parts.extend(_vertical_grid(maximum, step, label_width, plot, top - 4, height - 8))
    for i, row in enumerate(rows):
        y = top + i * (bar + gap)
        label = (row_labels or {}).get(row, row)
        parts.append(f'<text x="{label_width - 8}" y="{y + bar - 5}" text-anchor="end" fill="#222">'
                     f'<title>{escape(str(label))}</title>{escape(_short(label, label_width // 7))}</text>')
        x = label_width
        for s in series:
            value = values.get((row, s), 0)
            if not value:
                continue
            w = plot * value / maximum
            key = (keys or {}).get((row, s))
            tip = f"{label} · {s}: {_fmt(value)}{unit}"
            extra = (tips or {}).get((row, s))
            if extra:
                tip += "\n" + extra
            attrs = f' data-key="{escape(key)}" class="mark clickable"' if key else ' class="mark"'
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar}" fill="{colours[s]}"{attrs}>'
                         f'<title>{escape(tip)}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + bar - 5}" fill="#444">{_fmt(totals[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns_stacked(name: str, columns: list[str], series: list[str], values: dict[tuple[str, str], float],
                    colours: dict[str, str], *, width: int = 820, height: int = 260) -> str:
    """Vertical stacked columns (e.g. one per day), one segment per series."""
    left, bottom, top = 44, 46, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    totals = [sum(values.get((c, s), 0) for s in series) for c in columns]
    maximum, step = _scale(max(totals or [0]))
    slot = plot_w / max(len(columns), 1)
    bar = max(min(slot * 0.7, 60), 2)
    parts = [_svg_open(name, width, height)]
    for tick in _ticks(maximum, step):
        y = top + plot_h - plot_h * tick / maximum
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e6e6"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#777">{_fmt(tick)}</text>')
    label_every = max(1, int(len(columns) / (plot_w / 70)) + 1)
    for i, column in enumerate(columns):
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for s in series:
            value = values.get((column, s), 0)
            if not value:
                continue
            h = plot_h * value / maximum
            y -= h
            parts.append(f'<rect class="mark" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{max(h, 1):.1f}" '
                         f'fill="{colours[s]}"><title>{escape(f"{column} · {s}: {_fmt(value)}")}</title></rect>')
        if i % label_every == 0:
            cx = x + bar / 2
            parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#444">'
                         f'{escape(str(column))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def lag_dots(name: str, groups: list[dict], colours: dict[str, str], *, width: int = 820,
             label_width: int = 260) -> str:
    """One row per copy group: the original at 0, each copy a dot at its delay (hours) after it.
    groups: [{"label": str, "copies": [{"outlet", "hours", "tip"}]}]"""
    row, top = 26, 44
    plot = width - label_width - 40
    longest = max([c["hours"] for g in groups for c in g["copies"]] + [1])
    maximum, step = _scale(longest)
    height = top + len(groups) * row + 12
    parts = [_svg_open(name, width, height),
             f'<text x="{label_width + plot / 2:.0f}" y="13" text-anchor="middle" fill="#555">'
             f'hours after the original</text>']
    parts.extend(_vertical_grid(maximum, step, label_width, plot, top - 6, height - 8))
    for i, group in enumerate(groups):
        y = top + i * row + row / 2
        parts.append(f'<text x="{label_width - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#222">'
                     f'<title>{escape(group["label"])}</title>{escape(_short(group["label"], label_width // 7))}</text>'
                     f'<line x1="{label_width}" x2="{width - 40}" y1="{y:.1f}" y2="{y:.1f}" stroke="#f0f0f0"/>')
        for copy in group["copies"]:
            x = label_width + plot * max(copy["hours"], 0) / maximum
            original = copy["hours"] == 0 and copy.get("original")
            shape = (f'<rect class="mark" x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" ' if original
                     else f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="6" ')
            parts.append(f'{shape}fill="{colours[copy["outlet"]]}" stroke="#fff" stroke-width="1.5">'
                         f'<title>{escape(copy["tip"])}</title>{"</rect>" if original else "</circle>"}')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(name: str, rows: list[str], columns: list[str], values: dict[tuple[str, str], float], *,
            width: int = 820, label_width: int = 200, colour: str = "78,121,167",
            row_labels: dict[str, str] | None = None) -> str:
    """Rows × columns of shaded cells (e.g. entities × days), the count written in each cell."""
    top, cell_h = 60, 20
    cell_w = min(60, (width - label_width - 10) / max(len(columns), 1))
    height = top + len(rows) * cell_h + 8
    maximum = max(list(values.values()) + [1])
    parts = [_svg_open(name, width, height)]
    for j, column in enumerate(columns):
        x = label_width + j * cell_w + cell_w / 2
        parts.append(f'<text transform="translate({x:.1f},{top - 6}) rotate(-45)" fill="#444">'
                     f'{escape(str(column))}</text>')
    for i, row in enumerate(rows):
        y = top + i * cell_h
        label = (row_labels or {}).get(row, row)
        parts.append(f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end" fill="#222">'
                     f'<title>{escape(str(label))}</title>{escape(_short(label, label_width // 7))}</text>')
        for j, column in enumerate(columns):
            value = values.get((row, column), 0)
            x = label_width + j * cell_w
            alpha = 0.08 + 0.92 * value / maximum if value else 0.03
            parts.append(f'<rect class="mark" x="{x + 1:.1f}" y="{y + 1}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                         f'fill="rgba({colour},{alpha:.2f})"><title>{escape(f"{label} · {column}: {_fmt(value)}")}'
                         f'</title></rect>')
            if value and cell_w >= 18:
                ink = "#fff" if alpha > 0.55 else "#222"
                parts.append(f'<text x="{x + cell_w / 2:.1f}" y="{y + 14}" text-anchor="middle" fill="{ink}" '
                             f'font-size="11" pointer-events="none">{_fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)
