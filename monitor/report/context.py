"""From WeekMetrics to what the templates show: formatted strings, in one language.

All formatting and wording decisions live here, so the HTML and the plain-text templates
say the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location

from monitor.coverage import MIN_SHARE_READ, Coverage
from monitor.insights import Gap
from monitor.kinds import display_name
from monitor.metrics import CompanyWeek, PostSummary, SourceHealth, WeekMetrics
from monitor.metrics.scoreboard import COMPETITOR_AVERAGE
from monitor.report.i18n import Formatter
from monitor.report.safety import excerpt, one_line
from monitor.wording import names


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
    cells: tuple[Cell, ...]  # posts, engagement, per follower
    details: str  # per post, followers, views, share of engagement: beneath the row


@dataclass(frozen=True)
class GapView:
    competitor: str
    total: str  # "20× = 5.4× posts × 3.8× per post"
    audience: str  # "on Bluesky and Mastodon: 3.7× per post = 0.99× per follower × 3.8× audience"


@dataclass(frozen=True)
class PlatformRow:
    platform: str
    company: str
    kind: str  # us | competitor
    cells: tuple[str, ...]  # posts, engagement, per post, per follower


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
    ours: bool = False
    traits: str = ""  # what the post was: its format

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
    """Posts, engagement and per follower, each with its change on last week."""
    return (
        _cell(_posts(row.posts.value, fmt), row.posts.change, fmt.change_pct(row.posts.change_pct)),
        _cell(
            fmt.integer(row.engagement.value),
            row.engagement.change,
            fmt.change_pct(row.engagement.change_pct),
        ),
        _cell(
            fmt.rate(row.engagement_rate.value),
            row.engagement_rate.change,
            fmt.change_pct(row.engagement_rate.change_pct),
        ),
    )


def score_details(row: CompanyWeek, fmt: Formatter) -> str:
    """The figures beneath a scoreboard row: per post, followers (and change), views, share."""
    _ = fmt._
    parts = [_("%(value)s per post", value=fmt.compact(row.engagement_per_post.value))]
    if row.followers.value is not None:
        followers = _("%(value)s followers", value=fmt.integer(row.followers.value))
        if row.follower_change_pct.value is not None:
            followers += f" ({fmt.change_pct(row.follower_change_pct.value)})"
        parts.append(followers)
    if row.views.value is not None:
        parts.append(_("%(value)s views", value=fmt.integer(row.views.value)))
    if row.share_of_engagement.value is not None and row.company != COMPETITOR_AVERAGE:
        parts.append(
            _("%(value)s of all engagement", value=fmt.percent(row.share_of_engagement.value, 1))
        )
    return " · ".join(parts)


def scoreboard(metrics: WeekMetrics, colours: dict[str, str], fmt: Formatter) -> list[ScoreRow]:
    """Us first, then the competitors, then the competitor average."""
    ordered = sorted(metrics.companies, key=lambda c: not c.is_self)  # stable: keeps the rank
    rows = [
        ScoreRow(
            one_line(c.company),
            colours.get(c.company),
            "us" if c.is_self else "competitor",
            c.incomplete,
            score_cells(c, fmt),
            score_details(c, fmt),
        )
        for c in ordered
    ]
    average = metrics.competitor_average
    rows.append(
        ScoreRow(
            fmt._("Competitor average"),
            None,
            "average",
            average.incomplete,
            score_cells(average, fmt),
            score_details(average, fmt),
        )
    )
    return rows


def score_headers(fmt: Formatter) -> tuple[str, ...]:
    _ = fmt._
    return (_("Company"), _("Posts"), _("Engagement"), _("Per follower"))


def gap_views(gaps: list[Gap], fmt: Formatter) -> list[GapView]:
    """Each competitor's engagement against ours, as the factors that multiply back to it."""
    _ = fmt._
    views = []
    for gap in gaps:
        if gap.engagement_ratio is None:
            continue
        total = _(
            "%(total)s = %(posts)s posts × %(per_post)s per post",
            total=fmt.ratio(gap.engagement_ratio),
            posts=fmt.ratio(gap.posts_ratio),
            per_post=fmt.ratio(gap.per_post_ratio),
        )
        audience = ""
        if gap.audience is not None:
            split = gap.audience
            audience = _(
                "on %(platforms)s: %(per_post)s per post = %(rate)s per follower × "
                "%(audience)s audience",
                platforms=names([platform_name(p, fmt) for p in split.platforms], fmt.language),
                per_post=fmt.ratio(split.per_post_ratio),
                rate=fmt.ratio(split.follower_ratio),
                audience=fmt.ratio(split.audience_ratio),
            )
        name = _("Competitor average") if gap.competitor == COMPETITOR_AVERAGE else gap.competitor
        views.append(GapView(one_line(name), total, audience))
    return views


def platform_rows(metrics: WeekMetrics, fmt: Formatter) -> list[PlatformRow]:
    """Per platform we are on: us, and the competitor with the most engagement there."""
    us = metrics.us
    if us is None:
        return []
    rows = []
    ours = [r for r in metrics.platforms if r.is_self]
    for mine in ours:
        rivals = [r for r in metrics.platforms
                  if not r.is_self and r.platform == mine.platform and r.posts.value]  # fmt: skip
        best = max(rivals, key=lambda r: r.engagement.value or 0.0, default=None)
        for row in (mine, best) if best else (mine,):
            rows.append(
                PlatformRow(
                    platform_name(mine.platform, fmt),
                    one_line(row.company),
                    "us" if row.is_self else "competitor",
                    (
                        _posts(row.posts.value, fmt),
                        fmt.integer(row.engagement.value),
                        fmt.compact(row.engagement_per_post.value),
                        fmt.rate(row.engagement_rate.value),
                    ),
                )
            )
    return rows


def platform_headers(fmt: Formatter) -> tuple[str, ...]:
    _ = fmt._
    return (_("Platform"), _("Company"), _("Posts"), _("Engagement"), _("Per post"),
            _("Per follower"))  # fmt: skip


def post_view(
    post: PostSummary, timezone: str, fmt: Formatter, note: str = "", ours: bool = False
) -> PostView:
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
        ours=ours,
        traits=_traits(post, fmt),
    )


def _traits(post: PostSummary, fmt: Formatter) -> str:
    """What the data says about the post beside its time: its format."""
    _ = fmt._
    media = {
        "text": _("Text"), "link": _("Link"), "image": _("Image"), "video": _("Video"),
        "audio": _("Audio"), "document": _("Document"), "poll": _("Poll"),
    }.get(post.media_type, post.media_type)  # fmt: skip
    return media


def top_post_views(metrics: WeekMetrics, fmt: Formatter, limit: int) -> list[PostView]:
    """At most two posts per company, our best always among them, no breakout repeated;
    then by engagement, up to `limit` (one more when our best would not make it)."""
    tz, us = metrics.timezone, (metrics.us.company if metrics.us else None)
    broke_out = {(p.company, p.url, p.published_at) for p in metrics.breakouts}
    shown: list[PostSummary] = []
    per_company: dict[str, int] = {}
    for post in metrics.best_posts:
        if (post.company, post.url, post.published_at) in broke_out:
            continue
        if per_company.get(post.company, 0) >= 2:
            continue
        per_company[post.company] = per_company.get(post.company, 0) + 1
        shown.append(post)
    chosen = shown[:limit]
    if us and not any(p.company == us for p in chosen):
        chosen += [p for p in shown if p.company == us][:1]
    return [post_view(p, tz, fmt, ours=p.company == us) for p in chosen]


def breakout_note(post: PostSummary, fmt: Formatter) -> str:
    if not post.engagement or not post.median_engagement:
        return ""
    return fmt._(
        "%(times)s× its usual engagement (median %(median)s)",
        times=fmt.number(post.engagement / post.median_engagement, 1),
        median=fmt.compact(post.median_engagement),
    )


def failure_reason(kind: str, fmt: Formatter) -> str:
    """What a source's error kind means, in the report's language (data health, alerts)."""
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
        why = failure_reason(source.last_error_kind, fmt) if source.last_error_kind else ""
        if why:
            return [
                _(
                    "%(who)s: never read since tracking began, so it has no figures; at the "
                    "last attempt, %(reason)s.",
                    who=who,
                    reason=why,
                )
            ]
        return [_("%(who)s: never read since tracking began, so it has no figures.", who=who)]
    if source.attempts == 0:
        return [_("%(who)s: not collected this week; its figures are missing.", who=who)]
    lines = []
    read = _read_count(source, fmt)
    for kind, count in sorted(source.failures.items(), key=lambda item: -item[1]):
        lines.append(
            _(
                "%(who)s: %(reason)s %(times)s (%(read)s); figures for it may be low.",
                who=who,
                reason=failure_reason(kind, fmt),
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
    """What the code does, in words (tests/report checks each line against the metrics)."""
    _ = fmt._
    return [
        _(
            "Posts: what a company published in the week (Monday to Sunday, %(timezone)s); "
            "reposts of others are not counted.",
            timezone=zone_name(timezone, fmt),
        ),
        _("Engagement: likes + replies + reposts + quotes, as last seen; views are kept apart."),
        _(
            "Per post: the week's engagement divided by the week's posts that show engagement "
            "(a feed without comment counts shows none)."
        ),
        _(
            "Per follower: engagement per post divided by followers at the end of the week, "
            "× 100, counting only the platforms that show followers; each platform's figure is "
            "in the table by platform."
        ),
        _(
            "The gap: their engagement ÷ ours = their posts ÷ ours × their engagement per post ÷ "
            "ours; on the platforms where both show followers, per post = per follower × audience."
        ),
        _(
            "Competitor average: the average competitor's posts, engagement and followers; its "
            "per post and per follower follow from those averages."
        ),
        _(
            "Share of engagement: a company's part of all the engagement earned by the "
            "companies we track."
        ),
        _(
            "Changes: against the previous week; – means there is no figure to compare. Our own "
            "evidence compares our weeks with each other: an observation, not a promise."
        ),
    ]


ZONE_WORDS = {"Europe/Rome": {"en": "Italian time", "it": "ora italiana"}}


def zone_name(timezone: str, fmt: Formatter) -> str:
    """'Italian time' / 'ora italiana': a reader's words for the report's time zone, not its
    identifier ("Europe/Rome")."""
    if timezone in ZONE_WORDS:
        return ZONE_WORDS[timezone][fmt.language]
    if timezone in ("UTC", "Etc/UTC"):
        return "UTC"
    words = get_timezone_location(timezone, locale=fmt.locale, return_city=False) or timezone
    return words[0].lower() + words[1:] if fmt.language == "it" else words


def last_day(metrics: WeekMetrics):
    return (metrics.end - timedelta(days=1)).date()
