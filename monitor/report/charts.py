"""The digest's charts: PNGs drawn with matplotlib (Agg), each with alt text that says its point.

Drawn at 1200x600 px (dpi 200) to be shown at 600 px wide. Colours are Okabe-Ito (safe for
colour-blind readers); a company keeps its colour in every chart and in the scoreboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from monitor.report.i18n import Formatter
from monitor.report.safety import one_line

US_COLOUR = "#0072B2"  # Okabe-Ito blue: always us
# The other Okabe-Ito colours, most legible on white first (yellow last).
COMPETITOR_COLOURS = ("#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
WIDTH_IN, HEIGHT_IN, DPI = 6.0, 3.0, 200  # 1200 x 600 px
TEXT_COLOUR, GRID_COLOUR = "#222222", "#DDDDDD"


@dataclass(frozen=True)
class Chart:
    name: str  # "posts", "share", "heatmap": also the image's file name
    title: str
    alt: str  # the chart's message in one or two sentences, from the numbers
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
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=12, fontweight="bold", color=TEXT_COLOUR, x=0.02, ha="left")
    return figure


def _style_axes(axes, xlabel: str, ylabel: str) -> None:
    axes.set_xlabel(xlabel, fontsize=10, color=TEXT_COLOUR)
    axes.set_ylabel(ylabel, fontsize=10, color=TEXT_COLOUR)
    axes.tick_params(labelsize=9, colors=TEXT_COLOUR)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def posts_chart(
    week_labels: Sequence[str],
    series: dict[str, list[float | None]],
    styles: dict[str, Style],
    us: str | None,
    fmt: Formatter,
) -> Chart:
    """Posts per week over the trend weeks, one line per company (us drawn on top)."""
    _ = fmt._
    title = _("Posts per week")
    figure = _figure(title)
    axes = figure.add_axes((0.09, 0.19, 0.66, 0.68))
    positions = list(range(len(week_labels)))
    order = sorted(series, key=lambda c: (c == us, c.casefold()))
    for company in order:
        values = [float("nan") if v is None else v for v in series[company]]
        style = styles.get(company, Style("#555555", "o"))
        axes.plot(
            positions,
            values,
            color=style.colour,
            marker=style.marker,
            markersize=3,
            linewidth=2.4 if company == us else 1.4,
            label=one_line(company),
            zorder=3 if company == us else 2,
        )
    axes.set_xticks(positions, list(week_labels))
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
    _style_axes(axes, _("ISO week"), _("Posts"))
    if order:
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(
            handles[::-1],
            labels[::-1],
            fontsize=8,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
        )
    return Chart("posts", title, _posts_alt(series, us, len(week_labels), fmt), _png(figure))


def _posts_alt(series: dict[str, list[float | None]], us: str | None, weeks: int, fmt) -> str:
    _ = fmt._
    head = _("Posts per week over the last %(weeks)s weeks.", weeks=fmt.integer(weeks))
    latest = {c: (v[-1] if v else None) for c, v in series.items()}
    known = {c: v for c, v in latest.items() if v is not None}
    if not known or max(known.values()) == 0:
        return head + " " + _("Nobody posted this week.")
    top = max(known, key=lambda c: (known[c], c))
    parts = [
        head,
        _(
            "This week %(company)s posted most (%(posts)s).",
            company=one_line(top),
            posts=fmt.integer(known[top]),
        ),
    ]
    if us and us != top:
        parts.append(_("We posted %(posts)s.", posts=fmt.integer(latest.get(us))))
    return " ".join(parts)


def share_chart(shares: Sequence[tuple[str, float | None]], styles, us, fmt: Formatter) -> Chart:
    """Share of engagement this week, horizontal bars, biggest on top."""
    _ = fmt._
    title = _("Share of engagement this week")
    figure = _figure(title)
    axes = figure.add_axes((0.27, 0.19, 0.66, 0.68))
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
            fontsize=8,
            color=TEXT_COLOUR,
        )
    axes.set_yticks(range(len(rows)), [_label(name, us, fmt) for name in names])
    axes.set_xlim(0, max([*values, 1.0]) * 1.18)
    axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
    axes.set_axisbelow(True)
    _style_axes(axes, _("Share of all engagement (%)"), _("Company"))
    return Chart("share", title, _share_alt(rows, us, fmt), _png(figure))


def _label(name: str, us: str | None, fmt: Formatter) -> str:
    name_line = one_line(name)
    return fmt._("%(company)s (us)", company=name_line) if name == us else name_line


def _share_alt(rows, us, fmt: Formatter) -> str:
    _ = fmt._
    known = [(name, share) for name, share in reversed(rows) if share is not None]
    if not known or sum(share for _n, share in known) == 0:
        return _("Share of engagement this week: no engagement was recorded.")
    listed = ", ".join(f"{_label(n, us, fmt)} {fmt.percent(s, 0)}" for n, s in known[:5])
    return _("Share of engagement this week: %(list)s.", list=listed)


def heatmap_chart(grid: Sequence[Sequence[int]], fmt: Formatter, timezone: str) -> Chart:
    """When the competitors post: weekday x hour (local time), darker = more posts."""
    _ = fmt._
    title = _("When competitors post (%(timezone)s)", timezone=timezone)
    figure = _figure(title)
    axes = figure.add_axes((0.1, 0.19, 0.8, 0.68))
    cells = [list(row) + [0] * (24 - len(row)) for row in grid] or [[0] * 24] * 7
    image = axes.imshow(cells, aspect="auto", cmap="Blues", vmin=0, interpolation="nearest")
    axes.set_yticks(range(7), fmt.weekday_names())
    axes.set_xticks(range(0, 24, 2), [f"{hour:02d}" for hour in range(0, 24, 2)])
    _style_axes(axes, _("Hour of the day"), _("Day of the week"))
    colourbar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
    colourbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    colourbar.ax.tick_params(labelsize=8, colors=TEXT_COLOUR)
    colourbar.set_label(_("Posts"), fontsize=9, color=TEXT_COLOUR)
    return Chart("heatmap", title, _heatmap_alt(cells, fmt), _png(figure))


def _heatmap_alt(cells: list[list[int]], fmt: Formatter) -> str:
    _ = fmt._
    total = sum(sum(row) for row in cells)
    if total == 0:
        return _("The competitors published no posts this week.")
    day, hour = max(((d, h) for d in range(7) for h in range(24)), key=lambda p: cells[p[0]][p[1]])
    start, end = f"{hour:02d}:00", f"{(hour + 1) % 24:02d}:00"
    return _(
        "The competitors' busiest slot was %(day)s %(start)s–%(end)s (%(posts)s); "
        "%(total)s in the week.",
        day=fmt.weekday_names("wide")[day],
        start=start,
        end=end,
        posts=fmt.n_("%(num)s post", "%(num)s posts", cells[day][hour]),
        total=fmt.n_("%(num)s post", "%(num)s posts", total),
    )
