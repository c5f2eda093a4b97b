"""render_digest: one week's metrics and takeaways -> a Digest (subject, HTML, text, images).

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
from babel.dates import format_datetime
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from monitor import insights
from monitor.coverage import Coverage
from monitor.insights import Takeaway
from monitor.metrics import WeekMetrics
from monitor.report import charts as chart_module
from monitor.report import context
from monitor.report.i18n import Formatter, translations
from monitor.report.mime import build_message
from monitor.report.safety import header_text, one_line, safe_url
from monitor.report.text import score_table

__all__ = ["Digest", "build_message", "render_digest"]
MAX_TAKEAWAYS = 5
CSS = Markup((Path(__file__).parent / "templates" / "digest.css").read_text(encoding="utf-8"))


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
    takeaways: list[Takeaway],
    *,
    language: str,
    top_posts: int,
    generated_at: datetime,
    coverage: Coverage | None = None,
) -> Digest:
    """`coverage`: what was read in the week; a partial or thin week carries a banner."""
    fmt = Formatter(language)
    sentences = tuple(one_line(t.sentence(language)) for t in takeaways[:MAX_TAKEAWAYS])
    drawn = _draw_charts(metrics, fmt) if metrics.has_data else []
    cids = {
        chart.name: f"{chart.name}.{metrics.week.label.lower()}@digest.monitor" for chart in drawn
    }
    subject = _subject(metrics, fmt)
    values = _values(metrics, sentences, fmt, top_posts, generated_at)
    values["banner"] = context.coverage_banner(coverage, fmt)
    values["subject"] = subject
    values["preheader"] = _preheader(sentences, values["no_data_text"], metrics.has_data)
    if values["banner"]:  # the caveat is the first thing a mail app shows under the subject
        values["preheader"] = one_line(values["banner"][0], 150)
    environment = template_environment(language)
    html_template = environment.get_template("digest.html")

    def html_with(sources: dict[str, str]) -> str:
        shown = [{"src": sources[c.name], "alt": c.alt, "title": c.title} for c in drawn]
        return _inline(html_template.render(**values, charts=shown))

    text_charts = [{"title": c.title, "alt": c.alt} for c in drawn]
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
    )


def _subject(metrics: WeekMetrics, fmt: Formatter) -> str:
    title = _title(metrics, fmt)
    words = insights.headline(metrics, fmt.language) if metrics.has_data else None
    if not words:
        words = fmt._("no data this week")
    return header_text(f"{title}: {words}")


def _title(metrics: WeekMetrics, fmt: Formatter) -> str:
    days = fmt.day_range(metrics.start.date(), context.last_day(metrics))
    return fmt._("Competitors, week %(week)s (%(days)s)", week=metrics.week.week, days=days)


def _preheader(sentences: tuple[str, ...], no_data: str, has_data: bool) -> str:
    if not has_data:
        return one_line(no_data, 150)
    return one_line(" ".join(sentences[1:3] or sentences[:1]), 150)


def _values(metrics, sentences, fmt: Formatter, top_posts: int, generated_at) -> dict:
    tz = metrics.timezone
    rows = context.scoreboard(metrics, _colours(metrics), fmt) if metrics.companies else []
    headers = context.score_headers(fmt)
    when = format_datetime(
        generated_at.astimezone(ZoneInfo(tz)), "d MMMM y, HH:mm", locale=fmt.locale
    )
    breakouts = [
        context.post_view(p, tz, fmt, context.breakout_note(p, fmt)) for p in metrics.breakouts
    ]
    return {
        "language": fmt.language,
        "title": _title(metrics, fmt),
        "period": fmt._("Week %(label)s, %(timezone)s time", label=metrics.week.label, timezone=tz),
        "has_data": metrics.has_data,
        "no_data_text": fmt._(
            "No posts were collected for week %(label)s. The sources may not have run yet, "
            "or all of them failed: see data health below.",
            label=metrics.week.label,
        ),
        "css": CSS,
        "takeaways": list(sentences),
        "score_headers": headers,
        "score_rows": rows,
        "score_table": score_table(headers, rows),
        "any_incomplete": any(row.incomplete for row in rows),
        "top_posts": [context.post_view(p, tz, fmt) for p in metrics.top_posts[:top_posts]],
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


def _draw_charts(metrics: WeekMetrics, fmt: Formatter) -> list[chart_module.Chart]:
    styles = _styles(metrics)
    us = metrics.us.company if metrics.us else None
    weeks = [fmt._("W%(week)s", week=w.week) for w in metrics.trend_weeks]
    shares = [(c.company, c.share_of_engagement.value) for c in metrics.companies]
    return [
        chart_module.posts_chart(weeks, metrics.posts_trend, styles, us, fmt),
        chart_module.share_chart(shares, styles, us, fmt),
        chart_module.heatmap_chart(metrics.heatmap, fmt, metrics.timezone),
    ]


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _inline(html: str) -> str:
    inlined = css_inline.inline(html)
    if "<style" in inlined:  # css-inline keeps nothing, but a digest must never rely on it
        raise AssertionError("a <style> block survived inlining")
    return inlined
