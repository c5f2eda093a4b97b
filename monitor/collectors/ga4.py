"""ga4: our sessions from social and key events by ISO week, from the Google Analytics 4 Data
API (`properties/{id}:runReport`), as a service account of our own (the `[ga4]` extra).

Visits from social are the sessions whose `sessionDefaultChannelGroup` is the configured
group ("Organic Social"); sign-ups and orders the key events named in the configuration among
those sessions (`keyEvents:<event>`), revenue their `totalRevenue`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.collectors import SourceContext
from monitor.collectors.google_login import access_token, read_key_file
from monitor.collectors.parsing import json_object, load_json, status_problem
from monitor.domain import Harvest, WeekOutcome
from monitor.errors import SourceError

SENDER = "Google Analytics"
HISTORY = timedelta(weeks=26)  # the first reading reaches this far back, for the trend


def report_request(source, since: datetime, now: datetime) -> dict[str, Any]:
    """runReport's body: per ISO week, sessions (and key events, revenue) of the social group."""
    metrics = [{"name": "sessions"}]
    for event in (source.signups_event, source.orders_event):
        if event:
            metrics.append({"name": f"keyEvents:{event}"})
    if source.orders_event:
        metrics.append({"name": "totalRevenue"})
    first = since.date() - timedelta(days=since.weekday())
    return {
        "dateRanges": [{"startDate": first.isoformat(), "endDate": now.date().isoformat()}],
        "dimensions": [{"name": "isoYearIsoWeek"}],
        "metrics": metrics,
        "dimensionFilter": {
            "filter": {
                "fieldName": "sessionDefaultChannelGroup",
                "stringFilter": {"matchType": "EXACT", "value": source.channel_group},
            }
        },
    }


def parse_report(
    body: bytes, signups_event: str | None, orders_event: str | None
) -> list[WeekOutcome]:
    """The report's rows as weeks; the metrics found by their headers' names."""
    data = json_object(load_json(body, SENDER), "report", SENDER)
    names = [h.get("name") for h in data.get("metricHeaders", []) if isinstance(h, dict)]
    currency = (data.get("metadata") or {}).get("currencyCode")
    wanted = {"sessions": "visits_from_social", f"keyEvents:{signups_event}": "signups",
              f"keyEvents:{orders_event}": "orders", "totalRevenue": "revenue"}  # fmt: skip
    weeks = []
    for row in data.get("rows") or []:
        week = _week(row)
        values = [v.get("value") for v in row.get("metricValues", [])]
        figures: dict[str, Any] = {}
        for name, value in zip(names, values, strict=False):
            if name in wanted and value not in (None, ""):
                figure = wanted[name]
                figures[figure] = float(value) if figure == "revenue" else int(float(value))
        if "revenue" in figures:
            figures["currency"] = currency
        weeks.append(WeekOutcome(week=week, **figures))
    return sorted(weeks, key=lambda w: w.week)


def _week(row: dict[str, Any]) -> str:
    value = str((row.get("dimensionValues") or [{}])[0].get("value", ""))
    if len(value) != 6 or not value.isdigit():
        raise SourceError("bad_content", f"{SENDER} sent a week it did not name ({value!r})")
    return f"{value[:4]}-W{value[4:]}"


async def collect(ctx: SourceContext) -> Harvest:
    source = ctx.source
    key = await asyncio.to_thread(read_key_file, Path(source.credentials_file))
    token = await access_token(ctx.client, key, ctx.now)
    since = ctx.since if ctx.remember.get("history_read") else min(ctx.since, ctx.now - HISTORY)
    url = f"{ctx.base_url}/v1beta/properties/{source.property_id}:runReport"
    response = await ctx.client.post(
        url,
        json_body=report_request(source, since, ctx.now),
        headers={"Authorization": f"Bearer {token}"},
        allow_status=(400, 401, 403, 404, 429),
    )
    if response.status != 200:
        said = _said(response.content)
        subject = f"GA4 property {source.property_id}"
        raise status_problem(response.status, url, subject=subject, where=SENDER, said=said)
    weeks = parse_report(response.content, source.signups_event, source.orders_event)
    return Harvest(observed_at=ctx.now, outcomes=tuple(weeks), remember={"history_read": True})


def _said(body: bytes) -> str | None:
    try:
        error = load_json(body, SENDER)
    except SourceError:
        return None
    if isinstance(error, dict) and isinstance(error.get("error"), dict):
        return str(error["error"].get("message", ""))[:300] or None
    return None
