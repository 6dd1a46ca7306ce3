"""The weekly report's chart: per campaign, the funnel (leads → touched within the SLA →
contacted → won) and the median time to first touch, as one PNG.

Drawn with matplotlib's object API on the Agg canvas (no display, no pyplot global state, safe
in any thread). It is an opaque light card with dark text and a colour-blind-safe palette
(Okabe-Ito), so it reads the same in Slack's light and dark themes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

SHOWN = 12  # campaigns in the chart, the most leads first
BACKGROUND = "#FFFFFF"
INK = "#1D1C1D"  # Slack's own text colour on light
GRID = "#DDDDDD"
STAGES = (  # label, colour
    ("Leads", "#0072B2"),
    ("Touched within SLA", "#56B4E9"),
    ("Contacted", "#E69F00"),
    ("Won", "#009E73"),
)
MEDIAN_COLOUR = "#CC79A7"


@dataclass(frozen=True)
class ChartRow:
    name: str
    leads: int
    within_sla: int
    contacted: int
    won: int
    median_first_touch: timedelta | None


def _label(name: str) -> str:
    short = name if len(name) <= 28 else name[:27] + "…"
    return short.replace("$", r"\$")  # a $ would start matplotlib's math text


def render_chart(rows: list[ChartRow], *, title: str, sla: timedelta) -> bytes:
    """The PNG of `rows` (the first SHOWN of them)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = rows[:SHOWN]
    height = 2.2 + 0.55 * max(1, len(rows))
    figure = Figure(figsize=(11, height), dpi=110, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    funnel, speed = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 1.3]})
    names = [_label(row.name) for row in rows][::-1]
    positions = list(range(len(rows)))
    bar = 0.8 / len(STAGES)
    values = [
        [row.leads for row in rows],
        [row.within_sla for row in rows],
        [row.contacted for row in rows],
        [row.won for row in rows],
    ]
    for index, ((label, colour), numbers) in enumerate(zip(STAGES, values, strict=True)):
        offsets = [p + 0.4 - bar * (index + 0.5) for p in positions]
        funnel.barh(offsets, numbers[::-1], height=bar, color=colour, label=label)
    minutes = [
        (row.median_first_touch.total_seconds() / 60) if row.median_first_touch else 0
        for row in rows
    ][::-1]
    speed.barh(positions, minutes, height=0.5, color=MEDIAN_COLOUR)
    for position, value, row in zip(positions, minutes, rows[::-1], strict=True):
        text = f"{value:.0f} min" if row.median_first_touch is not None else "no touch"
        speed.annotate(
            text,
            (value, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color=INK,
        )
    sla_minutes = sla.total_seconds() / 60
    speed.axvline(sla_minutes, color=INK, linestyle="--", linewidth=1)
    speed.annotate(
        f"SLA {sla_minutes:.0f} min",
        (sla_minutes, 1),
        xycoords=("data", "axes fraction"),
        xytext=(3, -10),
        textcoords="offset points",
        fontsize=8,
        color=INK,
    )
    funnel.set_yticks(positions, names)
    funnel.set_title("Funnel per campaign", color=INK, fontsize=11, loc="left")
    speed.set_title("Median time to first touch", color=INK, fontsize=11, loc="left")
    funnel.legend(loc="lower right", fontsize=8, frameon=False, labelcolor=INK)
    for axes in (funnel, speed):
        axes.set_facecolor(BACKGROUND)
        axes.tick_params(colors=INK, labelsize=9)
        axes.grid(axis="x", color=GRID, linewidth=0.8)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            axes.spines[side].set_color(GRID)
    funnel.xaxis.set_major_locator(MaxNLocator(integer=True))
    funnel.set_xlabel("leads", color=INK, fontsize=9)
    speed.set_xlabel("working minutes", color=INK, fontsize=9)
    speed.set_xlim(0, max([*minutes, sla_minutes]) * 1.35 or 1)
    figure.suptitle(title.replace("$", r"\$"), color=INK, fontsize=13, x=0.01, ha="left")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()
