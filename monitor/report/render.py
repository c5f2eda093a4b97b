"""render_digest: a week's metrics and their interpretation -> a Digest (subject, HTML, text,
images). It neither measures nor queries.

The HTML is written with a <style> block for readability, then every rule is inlined with
css-inline and the block dropped: mail clients strip <style>, they keep style="".
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import css_inline
from babel.dates import format_datetime, format_interval
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from monitor.coverage import Coverage
from monitor.insights import Argument
from monitor.metrics import WeekMetrics
from monitor.metrics.conversation import Conversation
from monitor.metrics.outcomes import Outcomes
from monitor.report import charts as chart_module
from monitor.report import context
from monitor.report.context import PostView, ScoreRow
from monitor.report.conversation import conversation_view
from monitor.report.i18n import Formatter, translations
from monitor.report.outcomes import outcomes_view
from monitor.report.safety import header_text, one_line, safe_url
from monitor.report.text import score_blocks

__all__ = ["Digest", "Parts", "render_digest"]
MAX_TAKEAWAYS = 5
CSS = Markup((Path(__file__).parent / "templates" / "digest.css").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Parts:
    """What the digest shows, section by section, as formatted for it: the slides are laid out
    from these, so the deck states the very figures and words of the email."""

    title: str
    period: str
    banner: tuple[str, ...]
    score_headers: tuple[str, ...]
    score_rows: tuple[ScoreRow, ...]
    charts: tuple[chart_module.Chart, ...]
    top_posts: tuple[PostView, ...]
    breakouts: tuple[PostView, ...]
    health: tuple[str, ...]
    generated: str


@dataclass(frozen=True)
class Digest:
    week_label: str  # "2026-W47"
    language: str
    subject: str  # one line, no control characters
    preheader: str
    html: str  # the email version: images as cid:
    html_archive: str  # the browser version: images as data: URIs
    text: str  # the plain-text alternative
    images: dict[str, bytes]  # Content-ID (without <>) -> PNG
    takeaways: tuple[str, ...]  # the sentences, for the command line
    generated_at: datetime
    verdict: str = ""
    parts: Parts | None = None


@cache
def template_environment(language: str) -> Environment:
    environment = Environment(
        loader=PackageLoader("monitor.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.install_gettext_translations(translations(language), newstyle=True)
    environment.filters["safe_url"] = safe_url
    return environment


def render_digest(
    metrics: WeekMetrics,
    argument: Argument,
    *,
    language: str,
    top_posts: int,
    generated_at: datetime,
    coverage: Coverage | None = None,
    conversation: Conversation | None = None,
    outcomes: Outcomes | None = None,
) -> Digest:
    """The week's digest from figures already measured and interpreted: it computes nothing.
    `coverage`: what was read in the week; a partial or thin week carries a banner."""
    fmt = Formatter(language)
    sentences = tuple(one_line(t.sentence(language)) for t in argument.takeaways[:MAX_TAKEAWAYS])
    drawn = _draw_charts(metrics, argument, fmt) if metrics.has_data else []
    cids = {
        chart.name: f"{chart.name}.{metrics.week.label.lower()}@digest.monitor" for chart in drawn
    }
    subject = header_text(argument.subject(metrics, language), 70)
    values = _values(metrics, argument, sentences, fmt, top_posts, generated_at)
    values["subject"] = subject
    values["preheader"] = one_line(argument.preheader(language) or values["no_data_text"], 150)
    values["banner"] = context.coverage_banner(coverage, fmt)
    values["conversation"] = conversation_view(conversation, metrics.timezone, fmt)
    values["outcomes"] = outcomes_view(outcomes, argument.brought, metrics.health, fmt)
    if values["banner"]:  # the caveat is the first thing a mail app shows under the subject
        values["preheader"] = one_line(values["banner"][0], 150)
    environment = template_environment(language)
    html_template = environment.get_template("digest.html")

    def html_with(sources: dict[str, str]) -> str:
        shown = [
            {"src": sources[c.name], "alt": c.alt, "title": c.title, "caption": c.caption}
            for c in drawn
        ]
        return _inline(html_template.render(**values, charts=shown))

    text_charts = [{"title": c.title, "caption": c.caption} for c in drawn]
    return Digest(
        week_label=metrics.week.label,
        language=language,
        subject=subject,
        preheader=values["preheader"],
        html=html_with({c.name: f"cid:{cids[c.name]}" for c in drawn}),
        html_archive=html_with({c.name: _data_uri(c.png) for c in drawn}),
        text=environment.get_template("digest.txt").render(**values, charts=text_charts),
        images={cids[c.name]: c.png for c in drawn},
        takeaways=sentences,
        generated_at=generated_at,
        verdict=values["verdict"],
        parts=_parts(values, drawn),
    )


def _parts(values: dict, drawn: list[chart_module.Chart]) -> Parts:
    return Parts(
        title=values["title"],
        period=values["period"],
        banner=tuple(values["banner"]),
        score_headers=tuple(values["score_headers"]),
        score_rows=tuple(values["score_rows"]),
        charts=tuple(drawn),
        top_posts=tuple(values["top_posts"]),
        breakouts=tuple(values["breakouts"]),
        health=tuple(values["health"]),
        generated=values["generated"],
    )


def _title(metrics: WeekMetrics, fmt: Formatter) -> str:
    days = fmt.day_range(metrics.start.date(), context.last_day(metrics))
    return fmt._("Competitors, week %(week)s (%(days)s)", week=metrics.week.week, days=days)


def _period(metrics: WeekMetrics, fmt: Formatter) -> str:
    first, last = metrics.start.date(), context.last_day(metrics)
    days = format_interval(first, last, "yMMMMd", locale=fmt.locale)
    return fmt._("%(days)s, %(zone)s", days=days, zone=context.zone_name(metrics.timezone, fmt))


def _values(metrics, argument: Argument, sentences, fmt: Formatter, top_posts: int,
            generated_at) -> dict:  # fmt: skip
    tz = metrics.timezone
    rows = context.scoreboard(metrics, _colours(metrics), fmt) if metrics.companies else []
    when = format_datetime(
        generated_at.astimezone(ZoneInfo(tz)), "d MMMM y, HH:mm", locale=fmt.locale
    )
    breakouts = [
        context.post_view(p, tz, fmt, context.breakout_note(p, fmt)) for p in metrics.breakouts
    ]
    language = fmt.language
    verdict = one_line(argument.verdict.sentence(language)) if argument.verdict else ""
    evidence = [one_line(c.sentence(language)) for c in argument.evidence]
    gaps = [*argument.gaps, *([argument.average_gap] if argument.average_gap else [])]
    return {
        "language": language,
        "title": _title(metrics, fmt),
        "period": _period(metrics, fmt),
        "has_data": metrics.has_data,
        "no_data_text": fmt._(
            "No posts were collected for this week. The sources may not have run yet, "
            "or all of them failed: see data health below."
        ),
        "css": CSS,
        "verdict": verdict,
        "evidence": evidence,
        "long_view": one_line(argument.long_view.sentence(language)) if argument.long_view else "",
        "takeaways": list(sentences),
        "score_headers": context.score_headers(fmt),
        "score_rows": rows,
        "score_blocks": score_blocks(rows, context.score_headers(fmt), fmt._("(us)")),
        "any_incomplete": any(row.incomplete for row in rows),
        "gaps": context.gap_views(gaps, fmt),
        "platform_headers": context.platform_headers(fmt),
        "platform_rows": context.platform_rows(metrics, fmt),
        "top_posts": context.top_post_views(metrics, fmt, top_posts),
        "breakouts": breakouts,
        "health": context.health_lines(metrics.health, fmt),
        "how_we_count": context.how_we_count(tz, fmt),
        "generated": fmt._("Generated by Competitor Monitor on %(date)s.", date=when),
    }


def _colours(metrics: WeekMetrics) -> dict[str, str]:
    styles = _styles(metrics)
    return {company: style.colour for company, style in styles.items()}


def _styles(metrics: WeekMetrics) -> dict[str, chart_module.Style]:
    us = metrics.us.company if metrics.us else None
    names = {c.company for c in metrics.companies} | set(metrics.posts_trend)
    return chart_module.company_styles(sorted(names), us)


def _draw_charts(metrics: WeekMetrics, argument: Argument, fmt: Formatter) -> list:
    styles = _styles(metrics)
    us = metrics.us.company if metrics.us else None
    weeks = [fmt._("wk %(week)s", week=w.week) for w in metrics.trend_weeks]
    shares = [(c.company, c.share_of_engagement.value) for c in metrics.companies]
    drawn = []
    if us is not None:
        lines, our_posts = _engagement_lines(metrics, argument, styles, us, fmt)
        caption = one_line(argument.long_view.sentence(fmt.language)) if argument.long_view else ""
        drawn.append(chart_module.engagement_chart(weeks, lines, our_posts, fmt, caption))
    drawn.append(chart_module.share_chart(shares, styles, us, fmt))
    return drawn


def _engagement_lines(metrics, argument: Argument, styles, us: str, fmt: Formatter):
    """Us, the competitor average and the verdict's competitor (else the week's leader)."""
    trend = metrics.engagement_trend
    rivals = [c.company for c in metrics.competitors]
    average = [_mean([trend[c][i] for c in rivals]) for i in range(len(metrics.trend_weeks))]
    named = argument.verdict.companies if argument.verdict else ()
    leader = named[0] if named else (rivals[0] if rivals else None)
    lines = [(_label(us, fmt), chart_module.US_COLOUR, trend.get(us, []))]
    lines.append((fmt._("Competitor average"), "#6E6E6E", average))
    if leader:
        lines.append((leader, styles[leader].colour, trend.get(leader, [])))
    return lines, metrics.posts_trend.get(us, [])


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _label(us: str, fmt: Formatter) -> str:
    return fmt._("%(company)s (us)", company=one_line(us))


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _inline(html: str) -> str:
    inlined = css_inline.inline(html)
    if "<style" in inlined:  # css-inline keeps nothing, but a digest must never rely on it
        raise AssertionError("a <style> block survived inlining")
    return inlined
