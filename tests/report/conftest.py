"""Digests rendered once per session: rendering draws three charts, so the tests share them."""

from __future__ import annotations

import pytest
from report_builders import (
    COMPETITORS,
    PLATFORMS,
    TIMEZONE,
    health,
    post,
    week_metrics,
    when,
)

from monitor import insights
from monitor.metrics import MetricsSettings
from monitor.report.render import Digest, render_digest

HOSTILE = (
    '<script>alert("x")</script> <img src=x onerror=alert(1)> '
    '<a href="javascript:alert(2)">win</a> </table></td> end'
)


def hostile_metrics():
    """A week where competitors' text, links and thumbnails try every trick."""
    top = [
        post(
            "Acme",
            "telegram",
            text=HOSTILE,
            url="javascript:alert(3)",
            thumbnail="data:image/png;base64,AAAA",
            engagement=900,
        ),
        post(
            "Globex",
            "mastodon",
            text="Plain launch note",
            url="https://globex.example/p/1",
            thumbnail="https://cdn.globex.example/t.jpg",
            engagement=700,
        ),
        post(
            "Initech",
            "html",
            text="Relative link",
            url="/news/1",
            engagement=600,
            thumbnail="vbscript:msgbox(1)",
        ),
    ]
    breakout = post(
        "Acme",
        "bluesky",
        text="Record </table>",
        engagement=5000,
        median=200,
        z_score=6.1,
        url="https://bsky.example/acme/9",
    )
    sources = [
        health("Acme", "telegram", failures={"rate_limited": 3}),
        health("Globex", "feed", stale_reason="nothing new for 30 days"),
        health("Our Company", "bluesky"),
    ]
    return week_metrics(top_posts=top, breakouts=[breakout], sources=sources)


def render(metrics, language: str, top_posts: int = 5) -> Digest:
    chosen = insights.takeaways(metrics, MetricsSettings(timezone=TIMEZONE))
    return render_digest(
        metrics, chosen, language=language, top_posts=top_posts, generated_at=when()
    )


@pytest.fixture(scope="session")
def english() -> Digest:
    return render(hostile_metrics(), "en")


@pytest.fixture(scope="session")
def italian() -> Digest:
    return render(hostile_metrics(), "it")


@pytest.fixture(scope="session")
def big() -> Digest:
    """10 companies x 5 platforms, a full page of posts: the size and time figures."""
    return render(week_metrics(COMPETITORS, PLATFORMS), "en", top_posts=10)
