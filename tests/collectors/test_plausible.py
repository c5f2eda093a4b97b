"""plausible: our visits from social and goal conversions by week, from the Stats API v2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from collector_support import loopback, read_fixture, run_collector
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.collectors.plausible import goals_query, parse_goals, parse_visits, visits_query
from monitor.errors import SourceError
from monitor.kinds.plausible import PlausibleSource

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
KEY = "plausible-test-key-0123456789"
SOURCE = PlausibleSource(site_id="northwind.example", api_key_env="PLAUSIBLE_TEST_KEY",
                         signups_goal="Signup", orders_goal="Purchase")  # fmt: skip


def test_visits_are_read_per_week_of_the_social_channel() -> None:
    visits = parse_visits(read_fixture("plausible", "visits_by_week.json"))
    assert visits == {"2026-W44": 1120, "2026-W45": 1305, "2026-W46": 1840, "2026-W47": 1712}


def test_goal_conversions_and_a_revenue_goal_are_read_per_week() -> None:
    goals = parse_goals(read_fixture("plausible", "goals_by_week.json"),
                        {"Signup": "signups", "Purchase": "orders"})  # fmt: skip
    assert goals["2026-W46"] == {"signups": 23, "orders": 9, "revenue": 1234.5, "currency": "EUR"}
    assert goals["2026-W45"] == {"signups": 17}


def test_the_queries_ask_for_whole_weeks_of_the_social_channels_only() -> None:
    days = ["2026-10-26", "2026-11-23"]
    assert visits_query("n.example", ["Organic Social"], days) == {
        "site_id": "n.example", "metrics": ["visits"], "date_range": days,
        "dimensions": ["time:week"], "filters": [["is", "visit:channel", ["Organic Social"]]],
    }  # fmt: skip
    asked = goals_query("n.example", ["Organic Social"], ["Signup"], days)
    assert asked["dimensions"] == ["time:week", "event:goal"]
    assert asked["filters"][1] == ["is", "event:goal", ["Signup"]]


def _plausible(request: Request) -> Response:
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    query = json.loads(request.data)
    assert query["site_id"] == "northwind.example" and query["date_range"][0] == "2026-05-25"
    name = "goals_by_week.json" if "event:goal" in query["dimensions"] else "visits_by_week.json"
    return Response(read_fixture("plausible", name), content_type="application/json")


def test_collect_posts_both_queries_with_the_key_and_gives_each_week(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAUSIBLE_TEST_KEY", KEY)
    httpserver.expect_request("/api/v2/query", method="POST").respond_with_handler(_plausible)
    harvest = run_collector(SOURCE, loopback(httpserver), now=NOW, since=NOW - timedelta(days=56))
    weeks = {o.week: o for o in harvest.outcomes}
    assert [w for w in weeks] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    last = weeks["2026-W46"]
    assert (last.visits_from_social, last.signups, last.orders, last.revenue, last.currency) == (
        1840, 23, 9, 1234.5, "EUR")  # fmt: skip
    assert weeks["2026-W45"].orders is None  # no conversion row: not given, never 0
    assert harvest.remember == {"history_read": True}


def test_an_invalid_key_is_said_in_plausibles_words_without_the_key(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAUSIBLE_TEST_KEY", KEY)
    httpserver.expect_request("/api/v2/query", method="POST").respond_with_data(
        read_fixture("plausible", "error_invalid_key.json"), status=401,
        content_type="application/json")  # fmt: skip
    with pytest.raises(SourceError) as raised:
        run_collector(SOURCE, loopback(httpserver), now=NOW, since=NOW)
    assert raised.value.kind == "login_required"
    assert "Invalid API key or site ID" in raised.value.message and KEY not in raised.value.message


def test_a_missing_key_says_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLAUSIBLE_TEST_KEY", raising=False)
    with pytest.raises(SourceError, match="PLAUSIBLE_TEST_KEY is not set"):
        run_collector(SOURCE, "http://127.0.0.1:9", now=NOW, since=NOW)
