"""The "What it brought us" section as mail clients get it: right after the verdict, a text
version within 78 columns, and on a phone no sideways scrolling, in both languages."""

from __future__ import annotations

import shutil

import pytest
from report_builders import TIMEZONE, hostile_metrics, when

from monitor import insights
from monitor.metrics import MetricsSettings
from monitor.metrics.outcomes import Outcomes, OutcomeWeek
from monitor.report.render import render_digest


def outcomes_for(metrics) -> Outcomes:
    weeks = [
        OutcomeWeek(week=w, posts=3 + i % 3, engagement=400.0 + 10 * i,
                    visits_from_social=1200 + 90 * (i % 3), signups=14 + i % 4, orders=5 + i % 2,
                    revenue=640.5 + i, currency="EUR", spend=415.38, spend_currency="EUR",
                    spend_from="configuration")
        for i, w in enumerate(metrics.trend_weeks)
    ]  # fmt: skip
    return Outcomes(weeks, [("csv", "/data/outcomes.csv")])


@pytest.fixture(scope="module", params=["en", "it"])
def digest(request):
    metrics = hostile_metrics()
    outcomes = outcomes_for(metrics)
    argument = insights.interpret(metrics, MetricsSettings(timezone=TIMEZONE), None, outcomes)
    return render_digest(metrics, argument, language=request.param, top_posts=5,
                         generated_at=when(), outcomes=outcomes)  # fmt: skip


def test_the_section_comes_right_after_the_verdict(digest) -> None:
    html = digest.html_archive
    section = html.index('data-section="outcomes"')
    assert html.index('data-section="verdict"') < section < html.index('data-section="gap"')
    heading = "WHAT IT BROUGHT US" if digest.language == "en" else "COSA CI HA PORTATO"
    assert heading in digest.text


def test_the_text_version_stays_within_78_columns(digest) -> None:
    heading = "WHAT IT BROUGHT US" if digest.language == "en" else "COSA CI HA PORTATO"
    start = digest.text.index(heading)
    lines = digest.text[start:].split("\n\n", 1)[0].splitlines()
    assert len(lines) > 10  # the sentences, the weeks' table, the footnotes
    assert all(len(line) <= 78 for line in lines), max(lines, key=len)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_on_a_phone_the_weeks_table_needs_no_sideways_scrolling(digest, tmp_path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    path = tmp_path / "digest.html"
    path.write_text(digest.html_archive, encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 375, "height": 900})
            page.goto(path.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        finally:
            browser.close()
