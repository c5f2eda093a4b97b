"""From WeekMetrics to what the templates show: formatted strings, in one language.

All formatting and wording decisions live here, so the HTML and the plain-text templates
say the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from monitor.coverage import MIN_SHARE_READ, Coverage
from monitor.kinds import display_name
from monitor.metrics import CompanyWeek, Figure, PostSummary, SourceHealth, WeekMetrics
from monitor.report.i18n import Formatter
from monitor.report.safety import excerpt, one_line


@dataclass(frozen=True)
class Cell:
    value: str
    arrow: str  # ▲ ▼ = or "" when there is nothing to compare with
    change: str  # "+38%", "+120 (+1.2%)", "+2.5 pts", or ""
    direction: str  # up | down | flat | none

    @property
    def text(self) -> str:
        return f"{self.value} {self.arrow}{self.change}".strip() if self.arrow else self.value


@dataclass(frozen=True)
class ScoreRow:
    company: str
    colour: str | None
    kind: str  # us | competitor | average
    incomplete: bool
    cells: tuple[Cell, ...]  # posts, engagement per post, engagement rate, followers, share


@dataclass(frozen=True)
class PostView:
    platform: str
    company: str
    date: str
    excerpt: str
    figures: tuple[tuple[str, str], ...]  # (label, number), known counters only
    url: str | None  # raw; the templates pass it through safe_url
    thumbnail_url: str | None
    note: str  # breakouts: how far above the usual

    @property
    def figures_text(self) -> str:
        return " · ".join(f"{number} {label}" for label, number in self.figures)


def platform_name(platform: str, fmt: Formatter) -> str:
    return fmt._(display_name(platform))  # each kind's declared name; a few are translated


def _arrow(value: float | None) -> tuple[str, str]:
    if value is None:
        return "", "none"
    if value > 0:
        return "▲", "up"
    return ("▼", "down") if value < 0 else ("=", "flat")


def _cell(value: str, driver: float | None, change: str) -> Cell:
    arrow, direction = _arrow(driver)
    return Cell(value, arrow, change if arrow else "", direction)


def _posts(value: float | None, fmt: Formatter) -> str:
    """Whole posts for a company, one decimal for an average."""
    return fmt.number(value, 0 if value is None or value.is_integer() else 1)


def score_cells(row: CompanyWeek, fmt: Formatter) -> tuple[Cell, ...]:
    followers = row.follower_change.value
    follower_change = fmt.change_abs(followers)
    if row.follower_change_pct.value is not None:
        follower_change += f" ({fmt.change_pct(row.follower_change_pct.value)})"
    share: Figure = row.share_of_engagement
    return (
        _cell(_posts(row.posts.value, fmt), row.posts.change, fmt.change_pct(row.posts.change_pct)),
        _cell(
            fmt.compact(row.engagement_per_post.value),
            row.engagement_per_post.change,
            fmt.change_pct(row.engagement_per_post.change_pct),
        ),
        _cell(
            fmt.percent(row.engagement_rate.value, 2),
            row.engagement_rate.change,
            fmt.change_pct(row.engagement_rate.change_pct),
        ),
        _cell(fmt.integer(row.followers.value), followers, follower_change),
        _cell(fmt.percent(share.value, 1), share.change, fmt.change_points(share.change)),
    )


def scoreboard(metrics: WeekMetrics, colours: dict[str, str], fmt: Formatter) -> list[ScoreRow]:
    """Us first, then the competitors, then the two averages."""
    ordered = sorted(metrics.companies, key=lambda c: not c.is_self)  # stable: keeps the rank
    rows = [
        ScoreRow(
            one_line(c.company),
            colours.get(c.company),
            "us" if c.is_self else "competitor",
            c.incomplete,
            score_cells(c, fmt),
        )
        for c in ordered
    ]
    for label, average in (
        (fmt._("Competitor average"), metrics.competitor_average),
        (fmt._("Landscape average"), metrics.landscape_average),
    ):
        rows.append(ScoreRow(label, None, "average", average.incomplete, score_cells(average, fmt)))
    return rows


def score_headers(fmt: Formatter) -> tuple[str, ...]:
    _ = fmt._
    return (
        _("Company"),
        _("Posts"),
        _("Engagement per post"),
        _("Engagement rate"),
        _("Followers"),
        _("Share of voice"),
    )


def post_view(post: PostSummary, timezone: str, fmt: Formatter, note: str = "") -> PostView:
    _ = fmt._
    counters = (
        (_("engagement"), post.engagement),
        (_("likes"), post.likes),
        (_("replies"), post.replies),
        (_("reposts"), post.reposts),
        (_("quotes"), post.quotes),
        (_("views"), post.views),
    )
    return PostView(
        platform=platform_name(post.platform, fmt),
        company=one_line(post.company),
        date=fmt.day(post.published_at.astimezone(ZoneInfo(timezone))),
        excerpt=excerpt(post.title, post.text) or _("(no text)"),
        figures=tuple((label, fmt.compact(v)) for label, v in counters if v is not None),
        url=post.url,
        thumbnail_url=post.thumbnail_url,
        note=note,
    )


def breakout_note(post: PostSummary, fmt: Formatter) -> str:
    if not post.engagement or not post.median_engagement:
        return ""
    return fmt._(
        "%(times)s× its usual engagement (median %(median)s)",
        times=fmt.number(post.engagement / post.median_engagement, 1),
        median=fmt.compact(post.median_engagement),
    )


def _reason(kind: str, fmt: Formatter) -> str:
    _ = fmt._
    # Spelled out so the extractor finds every message.
    words = {
        "not_found": _("the account or page was not found"),
        "gone": _("the account or page has been removed"),
        "blocked": _("the platform refused our requests (blocked)"),
        "login_required": _("the platform asked for a login"),
        "rate_limited": _("the platform asked us to slow down (rate limited)"),
        "timeout": _("the server did not answer in time"),
        "network": _("we could not reach the server"),
        "too_large": _("the page was too large to read"),
        "bad_content": _("the platform sent something we could not read"),
        "layout_changed": _("the page layout changed and no longer matches its settings"),
        "stale": _("nothing has changed there for a long time"),
        "server_error": _("the platform's server had errors"),
        "misconfigured": _("a setting it needs is missing"),
    }
    return words.get(kind, _("an unexpected problem occurred"))


def health_lines(health: list[SourceHealth], fmt: Formatter) -> list[str]:
    """One plain sentence per problem; "all is well" only when every source was read."""
    lines: list[str] = []
    for source in health:
        if not source.ok:
            lines.extend(_source_problems(source, fmt))
    if lines:
        return lines
    if not health:
        return [fmt._("No source reported this week.")]
    return [
        fmt.n_(
            "All is well: the only source worked normally all week.",
            "All is well: all %(num)s sources worked normally all week.",
            len(health),
        )
    ]


def _source_problems(source: SourceHealth, fmt: Formatter) -> list[str]:
    _ = fmt._
    who = _(
        "%(company)s on %(platform)s",
        company=one_line(source.company),
        platform=platform_name(source.platform, fmt),
    )
    if source.label:
        who += f" ({one_line(source.label, 60)})"
    if source.never_read:
        why = _reason(source.last_error_kind, fmt) if source.last_error_kind else ""
        if why:
            return [
                _("%(who)s: never read since tracking began (%(reason)s).", who=who, reason=why)
            ]
        return [_("%(who)s: never read since tracking began.", who=who)]
    if source.attempts == 0:
        return [_("%(who)s: not collected this week; its figures are missing.", who=who)]
    lines = []
    read = _read_count(source, fmt)
    for kind, count in sorted(source.failures.items(), key=lambda item: -item[1]):
        lines.append(
            _(
                "%(who)s: %(reason)s %(times)s (%(read)s); figures for it may be low.",
                who=who,
                reason=_reason(kind, fmt),
                times=fmt.n_("once", "%(num)s times", count),
                read=read,
            )
        )
    if source.stale_reason and "stale" not in source.failures:
        lines.append(
            _(
                "%(who)s: no new posts or figures for a long time; the source may be stale.",
                who=who,
            )
        )
    return lines


def _read_count(source: SourceHealth, fmt: Formatter) -> str:
    """'read 5 of 7 scheduled times', or 'read 5 times' when the schedule is not known."""
    if source.scheduled:
        return fmt._(
            "read %(reads)s of %(scheduled)s scheduled times",
            reads=fmt.integer(source.reads),
            scheduled=fmt.integer(source.scheduled),
        )
    return fmt.n_("read once", "read %(num)s times", source.reads)


def coverage_banner(coverage: Coverage | None, fmt: Formatter) -> list[str]:
    """The caveat at the top of a digest that is not a normal week's: partial, or thin."""
    if coverage is None:
        return []
    _ = fmt._
    lines = []
    if coverage.future:
        lines.append(_("This week has not begun yet: there is nothing to report about it."))
    elif coverage.partial:
        lines.append(
            _("Partial week: the week is not over yet, so these figures cover only part of it.")
        )
    if not coverage.us_read:
        lines.append(
            _("Our own accounts were not read this week: the comparison with us is not reliable.")
        )
    if coverage.sources_read < coverage.sources * MIN_SHARE_READ:
        lines.append(
            _(
                "Only %(read)s of %(sources)s sources were read this week: these figures do "
                "not stand for the week.",
                read=fmt.integer(coverage.sources_read),
                sources=fmt.integer(coverage.sources),
            )
        )
    return lines


def how_we_count(timezone: str, fmt: Formatter) -> list[str]:
    _ = fmt._
    return [
        _(
            "Posts: what a company published in the week (Monday to Sunday, %(timezone)s time); "
            "reposts of others are not counted.",
            timezone=timezone,
        ),
        _("Engagement: likes + replies + reposts + quotes, as last seen; views are kept apart."),
        _("Engagement per post: the week's engagement divided by the week's posts."),
        _(
            "Engagement rate: each post's engagement divided by the followers at the time, "
            "averaged over the week's posts."
        ),
        _(
            "Followers: at the end of the week, summed over the platforms that show them; the "
            "change is over the week."
        ),
        _(
            "Share of voice: a company's part of all the engagement earned by the companies "
            "we track."
        ),
        _(
            "Arrows: the change from the previous week; a share changes in percentage points "
            "(pts); – means there is no figure to compare."
        ),
    ]


def last_day(metrics: WeekMetrics):
    return (metrics.end - timedelta(days=1)).date()
