"""plausible: our visits from social and goal conversions by week, from Plausible's Stats API
v2 (`POST /api/v2/query`, our own key in `api_key_env`).

Visits from social are the visits of the channels Plausible itself groups as social
(`visit:channel` "Organic Social" by default); sign-ups and orders are the conversions of the
configured goals among those visits, and revenue the orders goal's, when it is a revenue goal.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from monitor.collectors import SourceContext
from monitor.collectors.outcome_values import week_of
from monitor.collectors.parsing import json_object, load_json, status_problem
from monitor.config import read_secret
from monitor.domain import Harvest, WeekOutcome
from monitor.errors import ConfigError, SourceError

SENDER = "Plausible"
HISTORY = timedelta(weeks=26)  # the first reading reaches this far back, for the trend


def date_range(since: datetime, now: datetime) -> list[str]:
    """From the Monday of `since`'s week to today: whole weeks, as Plausible counts them."""
    first = since.date() - timedelta(days=since.weekday())
    return [first.isoformat(), now.date().isoformat()]


def visits_query(site_id: str, channels: list[str], days: list[str]) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "metrics": ["visits"],
        "date_range": days,
        "dimensions": ["time:week"],
        "filters": [["is", "visit:channel", channels]],
    }


def goals_query(site_id: str, channels: list[str], goals: list[str], days: list[str]) -> dict:
    return {
        "site_id": site_id,
        "metrics": ["events", "total_revenue"],
        "date_range": days,
        "dimensions": ["time:week", "event:goal"],
        "filters": [["is", "visit:channel", channels], ["is", "event:goal", goals]],
    }


def _results(body: bytes) -> list[dict[str, Any]]:
    data = json_object(load_json(body, SENDER), "query answer", SENDER)
    results = data.get("results")
    if not isinstance(results, list):
        raise SourceError("bad_content", f"{SENDER} answered without results")
    return [row for row in results if isinstance(row, dict)]


def _week(value: Any) -> str:
    try:
        return week_of(date.fromisoformat(str(value)[:10]))
    except ValueError:
        said = f"{SENDER} sent a week that is not a date ({value!r})"
        raise SourceError("bad_content", said) from None


def parse_visits(body: bytes) -> dict[str, int]:
    """Week -> visits from the social channels."""
    found: dict[str, int] = {}
    for row in _results(body):
        dimensions, metrics = row.get("dimensions") or [], row.get("metrics") or []
        if dimensions and metrics and isinstance(metrics[0], int | float):
            week = _week(dimensions[0])
            found[week] = found.get(week, 0) + int(metrics[0])
    return found


def parse_goals(body: bytes, goals: dict[str, str]) -> dict[str, dict[str, float]]:
    """Week -> {"signups": n, "orders": n, "revenue": x, "currency": …}; `goals` maps a goal's
    display name to the figure it counts."""
    found: dict[str, dict[str, Any]] = {}
    for row in _results(body):
        dimensions, metrics = row.get("dimensions") or [], row.get("metrics") or []
        if len(dimensions) < 2 or not metrics or dimensions[1] not in goals:
            continue
        figures = found.setdefault(_week(dimensions[0]), {})
        figure = goals[dimensions[1]]
        if isinstance(metrics[0], int | float):
            figures[figure] = figures.get(figure, 0) + int(metrics[0])
        revenue = metrics[1] if len(metrics) > 1 else None
        if figure == "orders" and isinstance(revenue, dict) and revenue.get("value") is not None:
            figures["revenue"] = figures.get("revenue", 0.0) + float(revenue["value"])
            figures["currency"] = revenue.get("currency")
    return found


def outcomes_of(visits: dict[str, int], goals: dict[str, dict[str, Any]]) -> list[WeekOutcome]:
    weeks = sorted(set(visits) | set(goals))
    return [
        WeekOutcome(week=w, visits_from_social=visits.get(w), **goals.get(w, {})) for w in weeks
    ]


async def collect(ctx: SourceContext) -> Harvest:
    source = ctx.source
    try:
        key = read_secret(source.api_key_env, f"plausible {source.site_id}")
    except ConfigError as error:
        said = f"{error}; it must hold a Plausible Stats API key"
        raise SourceError("login_required", said) from None
    since = ctx.since if ctx.remember.get("history_read") else min(ctx.since, ctx.now - HISTORY)
    days = date_range(since, ctx.now)
    url = f"{ctx.base_url}/api/v2/query"
    asked = visits_query(source.site_id, source.channels, days)
    visits = parse_visits(await _query(ctx, url, key, asked))
    named = (("signups", source.signups_goal), ("orders", source.orders_goal))
    goals = {name: figure for figure, name in named if name}
    converted: dict[str, dict[str, Any]] = {}
    if goals:
        query = goals_query(source.site_id, source.channels, list(goals), days)
        converted = parse_goals(await _query(ctx, url, key, query), goals)
    return Harvest(
        observed_at=ctx.now,
        outcomes=tuple(outcomes_of(visits, converted)),
        remember={"history_read": True},
    )


async def _query(ctx: SourceContext, url: str, key: str, query: dict[str, Any]) -> bytes:
    response = await ctx.client.post(
        url,
        json_body=query,
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        allow_status=(400, 401, 402, 403, 404),
    )
    if response.status != 200:
        raise status_problem(
            response.status,
            url,
            subject=f"Plausible site {ctx.source.site_id}",
            where="Plausible",
            said=_said(response.content),
        )
    return response.content


def _said(body: bytes) -> str | None:
    try:
        error = load_json(body, SENDER)
    except SourceError:
        return None
    return str(error.get("error"))[:300] if isinstance(error, dict) and error.get("error") else None
