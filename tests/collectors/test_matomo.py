"""matomo: our visits from social networks and goal conversions by week (Reporting API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from collector_support import loopback, read_fixture, run_collector
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.collectors.matomo import parse_goal, parse_socials
from monitor.errors import SourceError
from monitor.kinds.matomo import MatomoSource

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TOKEN = "0123456789abcdef0123456789abcdef"


def source(url: str) -> MatomoSource:
    return MatomoSource(url=url, site_id=1, token_env="MATOMO_TEST_TOKEN", orders_goal=3)


def test_social_networks_are_added_up_per_week() -> None:
    visits = parse_socials(read_fixture("matomo", "socials_by_week.json"))
    assert visits == {"2026-W44": 1120, "2026-W45": 1305, "2026-W46": 0, "2026-W47": 1205}


def test_a_goal_gives_conversions_and_revenue_and_an_empty_week_none() -> None:
    goal = parse_goal(read_fixture("matomo", "goal_orders_by_week.json"))
    assert goal == {"2026-W44": (5, 612.0), "2026-W45": (6, 734.5), "2026-W46": (0, None),
                    "2026-W47": (9, 1234.5)}  # fmt: skip


def test_a_matomo_error_is_said_in_its_words() -> None:
    with pytest.raises(SourceError, match="requires 'view' access") as raised:
        parse_socials(read_fixture("matomo", "error_no_access.json"))
    assert raised.value.kind == "login_required"


def _matomo(request: Request) -> Response:
    form = request.form
    assert form["token_auth"] == TOKEN and "token_auth" not in request.args  # never in the URL
    assert (form["module"], form["idSite"], form["period"], form["format"]) == (
        "API", "1", "week", "JSON")  # fmt: skip
    assert form["date"] == "2026-05-25,2026-11-23"
    if form["method"] == "Referrers.getSocials":
        return Response(
            read_fixture("matomo", "socials_by_week.json"), content_type="application/json"
        )
    asked = (form["method"], form["idGoal"], form["segment"])
    assert asked == ("Goals.get", "3", "referrerType==social")
    return Response(
        read_fixture("matomo", "goal_orders_by_week.json"), content_type="application/json"
    )


def test_collect_posts_the_token_and_gives_each_week(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATOMO_TEST_TOKEN", TOKEN)
    httpserver.expect_request("/index.php", method="POST").respond_with_handler(_matomo)
    harvest = run_collector(source(loopback(httpserver)), "", now=NOW,
                            since=NOW - timedelta(days=56))  # fmt: skip
    weeks = {o.week: o for o in harvest.outcomes}
    assert (weeks["2026-W47"].visits_from_social, weeks["2026-W47"].orders) == (1205, 9)
    assert weeks["2026-W47"].revenue == 1234.5 and weeks["2026-W47"].signups is None


def test_a_refused_token_never_shows_in_the_message(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATOMO_TEST_TOKEN", TOKEN)
    httpserver.expect_request("/index.php", method="POST").respond_with_data(
        read_fixture("matomo", "error_no_access.json"), content_type="application/json"
    )
    with pytest.raises(SourceError) as raised:
        run_collector(source(loopback(httpserver)), "", now=NOW, since=NOW)
    assert raised.value.kind == "login_required" and TOKEN not in raised.value.message
