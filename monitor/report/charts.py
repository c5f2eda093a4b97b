"""The digest's charts: PNGs drawn with matplotlib (Agg), each with alt text that says its point.

Drawn at 690x435 px (dpi 150) to be shown 345 to 552 px wide: every text is at least 10 px on a
phone. The background is transparent and every text has a white outline, so forced dark mode
shows no white panel and the words stay legible. Colours are Okabe-Ito (safe for colour-blind
readers); a company keeps its colour in every chart and in the scoreboard.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from monitor.report.i18n import Formatter
from monitor.report.safety import one_line

US_COLOUR = "#0072B2"  # Okabe-Ito blue: always us
# The other Okabe-Ito colours, most legible on white first (yellow last).
COMPETITOR_COLOURS = ("#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
WIDTH_IN, HEIGHT_IN, DPI = 4.6, 2.9, 150  # 690 x 435 px
TEXT_COLOUR, GRID_COLOUR = "#222222", "#BBBBBB"
TITLE_PT, LABEL_PT = 13, 11  # at 345 px wide: 13.5 px and 11.5 px
HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]


@dataclass(frozen=True)
class Chart:
    name: str  # "posts", "share", "heatmap": also the image's file name
    title: str
    alt: str  # what the image shows, for a reader who cannot see it
    caption: str  # the chart's message, from the numbers, shown beneath it
    png: bytes


@dataclass(frozen=True)
class Style:
    colour: str
    marker: str


def company_styles(companies: Sequence[str], us: str | None) -> dict[str, Style]:
    """A stable company -> colour map: us always blue, competitors by name, so the same
    company gets the same colour every week whatever its rank."""
    styles = {us: Style(US_COLOUR, "o")} if us else {}
    others = sorted((c for c in companies if c != us), key=str.casefold)
    for index, company in enumerate(others):
        colour = COMPETITOR_COLOURS[index % len(COMPETITOR_COLOURS)]
        styles[company] = Style(colour, MARKERS[(index // len(COMPETITOR_COLOURS)) % len(MARKERS)])
    return styles


def _figure(title: str) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="none")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=TITLE_PT, fontweight="bold", color=TEXT_COLOUR, x=0.02,
                    ha="left", path_effects=HALO)  # fmt: skip
    return figure


def _style_axes(axes, xlabel: str, ylabel: str) -> None:
    axes.set_facecolor("none")
    if xlabel:
        axes.set_xlabel(xlabel, fontsize=LABEL_PT, color=TEXT_COLOUR, path_effects=HALO)
    if ylabel:
        axes.set_ylabel(ylabel, fontsize=LABEL_PT, color=TEXT_COLOUR, path_effects=HALO)
    axes.tick_params(labelsize=LABEL_PT, colors=TEXT_COLOUR)
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_path_effects(HALO)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, transparent=True, metadata={"Software": None})
    return buffer.getvalue()


def engagement_chart(
    week_labels: Sequence[str],
    lines: list[tuple[str, str, list[float | None]]],
    our_posts: list[float | None],
    fmt: Formatter,
    caption: str,
) -> Chart:
    """Our weekly engagement against the competitor average and the leader (lines, labelled at
    their ends), with our posts per week as bars beneath. A log scale when the lines are far
    apart, so our line is not flattened against the axis."""
    _ = fmt._
    title = _("Our engagement against the competitors")
    figure = _figure(title)
    top = figure.add_axes((0.14, 0.38, 0.5, 0.48))  # room on the right for the line labels
    bottom = figure.add_axes((0.14, 0.12, 0.5, 0.18), sharex=top)
    positions = list(range(len(week_labels)))
    known = [v for _n, _c, values in lines for v in values if v]
    for name, colour, values in lines:
        series = [v if v else float("nan") for v in values]  # 0 on a log scale: a gap
        width = 2.6 if colour == US_COLOUR else 1.6
        top.plot(positions, series, color=colour, linewidth=width, marker="o", markersize=3)
        last = next((v for v in reversed(series) if v == v), None)
        if last is not None:
            top.annotate(one_line(name, 22), (positions[-1], last), xytext=(6, 0),
                         textcoords="offset points", va="center", fontsize=LABEL_PT,
                         color=TEXT_COLOUR, path_effects=HALO, annotation_clip=False)  # fmt: skip
    if known and max(known) / min(known) > 10:
        top.set_yscale("log")
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.integer(v)))
    else:
        top.set_ylim(bottom=0)
        top.yaxis.set_major_locator(MaxNLocator(nbins=4))
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.integer(v)))
    top.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
    _style_axes(top, "", _("Engagement"))
    top.tick_params(labelbottom=False)
    bottom.bar(positions, [v or 0 for v in our_posts], color=US_COLOUR, width=0.6)
    bottom.yaxis.set_major_locator(MaxNLocator(nbins=2, integer=True))
    step = max(1, len(positions) // 4)  # four or five week labels, not twelve
    bottom.set_xticks(positions[::step], list(week_labels)[::step])
    _style_axes(bottom, "", _("Our posts"))
    alt = _(
        "Line chart of weekly engagement from %(first)s to %(last)s for %(names)s, with bars "
        "of our posts per week beneath.",
        first=week_labels[0] if week_labels else "",
        last=week_labels[-1] if week_labels else "",
        names=", ".join(one_line(name) for name, _c, _v in lines),
    )
    return Chart("engagement", title, alt, caption, _png(figure))


def share_chart(shares: Sequence[tuple[str, float | None]], styles, us, fmt: Formatter) -> Chart:
    """Share of engagement this week, horizontal bars, biggest on top."""
    _ = fmt._
    title = _("Share of engagement this week")
    figure = _figure(title)
    axes = figure.add_axes((0.3, 0.2, 0.55, 0.64))
    rows = sorted(shares, key=lambda item: (item[1] is not None, item[1] or 0.0))
    names = [name for name, _share in rows]
    values = [share or 0.0 for _name, share in rows]
    colours = [styles.get(name, Style("#555555", "o")).colour for name in names]
    bars = axes.barh(range(len(rows)), values, color=colours, height=0.65)
    for bar, (_name, share) in zip(bars, rows, strict=True):
        axes.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            " " + fmt.percent(share, 1),
            va="center",
            fontsize=LABEL_PT,
            color=TEXT_COLOUR,
            path_effects=HALO,
        )
    labels = [textwrap.fill(_label(n, us, fmt), 18, max_lines=2, placeholder="…") for n in names]
    axes.set_yticks(range(len(rows)), labels)
    axes.set_xlim(0, max([*values, 1.0]) * 1.18)
    axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=3))
    _style_axes(axes, _("Share of all engagement (%)"), "")
    _fit_left_margin(figure, axes)  # once the labels have their final size
    alt = _("Bar chart of each company's share of this week's engagement, largest first.")
    return Chart("share", title, alt, _share_alt(rows, us, fmt), _png(figure))


def _fit_left_margin(figure: Figure, axes) -> None:
    """Room on the left for the longest company name (wrapped on two lines): a fixed margin
    cut long names off at the image's edge."""
    renderer = figure.canvas.get_renderer()
    widest = max((t.get_window_extent(renderer).width for t in axes.get_yticklabels()), default=0)
    left = min(max((widest + 24) / (WIDTH_IN * DPI), 0.18), 0.5)  # + ticks, gap, halo
    axes.set_position((left, 0.2, 0.85 - left, 0.64))


def _label(name: str, us: str | None, fmt: Formatter) -> str:
    name_line = one_line(name)
    return fmt._("%(company)s (us)", company=name_line) if name == us else name_line


def _share_alt(rows, us, fmt: Formatter) -> str:
    _ = fmt._
    known = [(name, share) for name, share in reversed(rows) if share is not None]
    if not known or sum(share for _n, share in known) == 0:
        return _("Share of engagement this week: no engagement was recorded.")
    listed = ", ".join(f"{_label(n, us, fmt)} {fmt.percent(s, 1)}" for n, s in known[:5])
    return _("Share of engagement this week: %(list)s.", list=listed)
