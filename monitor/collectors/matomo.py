"""matomo: our visits from social networks and goal conversions by week, from Matomo's
Reporting API (`Referrers.getSocials`, `Goals.get`), with our own token sent by POST.

Visits from social are the visits of every social network Matomo recognises, added up per
week; sign-ups and orders are the conversions of the configured goals among visits that came
from social networks (`segment=referrerType==social`), revenue the orders goal's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from monitor.collectors import SourceContext
from monitor.collectors.outcome_values import week_of
from monitor.collectors.parsing import load_json, status_problem
from monitor.config import read_secret
from monitor.domain import Harvest, WeekOutcome
from monitor.errors import ConfigError, SourceError

SENDER = "Matomo"
HISTORY = timedelta(weeks=26)  # the first reading reaches this far back, for the trend
SOCIAL = "referrerType==social"


def date_range(since: datetime, now: datetime) -> str:
    first = since.date() - timedelta(days=since.weekday())
    return f"{first.isoformat()},{now.date().isoformat()}"


def _weeks(body: bytes) -> dict[str, Any]:
    """Period -> its answer, each period keyed by its week; Matomo's own error said plainly."""
    data = load_json(body, SENDER)
    if isinstance(data, dict) and data.get("result") == "error":
        message = str(data.get("message", ""))[:300]
        refused = "token" in message.lower() or "access" in message.lower()
        kind = "login_required" if refused else "bad_content"
        raise SourceError(kind, f"Matomo refused the request: {message}")
    if not isinstance(data, dict):
        raise SourceError("bad_content", f"{SENDER} sent weekly figures in an unknown shape")
    found: dict[str, Any] = {}
    for period, answer in data.items():
        try:
            found[week_of(date.fromisoformat(str(period).split(",")[0]))] = answer
        except ValueError:
            said = f"{SENDER} sent a period it did not name: {period!r}"
            raise SourceError("bad_content", said) from None
    return found


def parse_socials(body: bytes) -> dict[str, int]:
    """Week -> visits from all social networks (Referrers.getSocials)."""
    visits: dict[str, int] = {}
    for week, rows in _weeks(body).items():
        networks = rows if isinstance(rows, list) else []
        visits[week] = sum(int(r.get("nb_visits") or 0) for r in networks if isinstance(r, dict))
    return visits


def parse_goal(body: bytes) -> dict[str, tuple[int, float | None]]:
    """Week -> (conversions, revenue) of one goal (Goals.get); an empty week is 0 conversions."""
    found: dict[str, tuple[int, float | None]] = {}
    for week, figures in _weeks(body).items():
        if not isinstance(figures, dict):
            found[week] = (0, None)  # Matomo answers [] for a week without conversions
            continue
        revenue = figures.get("revenue")
        found[week] = (
            int(figures.get("nb_conversions") or 0),
            float(revenue) if isinstance(revenue, int | float | str) and revenue != "" else None,
        )
    return found


def outcomes_of(
    visits: dict[str, int],
    signups: dict[str, tuple[int, float | None]],
    orders: dict[str, tuple[int, float | None]],
) -> list[WeekOutcome]:
    result = []
    for week in sorted(set(visits) | set(signups) | set(orders)):
        ordered = orders.get(week)
        result.append(
            WeekOutcome(
                week=week,
                visits_from_social=visits.get(week),
                signups=signups[week][0] if week in signups else None,
                orders=ordered[0] if ordered else None,
                revenue=ordered[1] if ordered else None,
            )
        )
    return result


async def collect(ctx: SourceContext) -> Harvest:
    source = ctx.source
    try:
        token = read_secret(source.token_env, f"matomo site {source.site_id}")
    except ConfigError as error:
        raise SourceError("login_required", f"{error}; it must hold a Matomo auth token") from None
    since = ctx.since if ctx.remember.get("history_read") else min(ctx.since, ctx.now - HISTORY)
    common = {
        "module": "API",
        "idSite": str(source.site_id),
        "period": "week",
        "date": date_range(since, ctx.now),
        "format": "JSON",
        "token_auth": token,
    }
    socials = {**common, "method": "Referrers.getSocials", "filter_limit": "-1"}
    visits = parse_socials(await _ask(ctx, token, socials))
    goals = {}
    for figure, goal in (("signups", source.signups_goal), ("orders", source.orders_goal)):
        if goal:
            asked = {**common, "method": "Goals.get", "idGoal": str(goal), "segment": SOCIAL}
            goals[figure] = parse_goal(await _ask(ctx, token, asked))
    outcomes = outcomes_of(visits, goals.get("signups", {}), goals.get("orders", {}))
    return Harvest(observed_at=ctx.now, outcomes=tuple(outcomes), remember={"history_read": True})


async def _ask(ctx: SourceContext, token: str, form: dict[str, str]) -> bytes:
    url = f"{(ctx.base_url or ctx.source.url).rstrip('/')}/index.php"
    try:
        response = await ctx.client.post(url, data=form, allow_status=(400, 401, 403, 404))
    except SourceError as error:  # the token travels in the form; never in a message
        raise SourceError(error.kind, error.message.replace(token, "***")) from None
    if response.status != 200:
        subject = f"Matomo site {ctx.source.site_id}"
        raise status_problem(response.status, url, subject=subject, where="Matomo")
    return response.content
