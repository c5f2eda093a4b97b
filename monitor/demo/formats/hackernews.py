"""Algolia's Hacker News search (`/api/v1/search_by_date`): stories and comments naming a
company, newest first, as a pure function of the seed, the company and the moment asked."""

from __future__ import annotations

import json
import random
import re
import zlib
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from monitor.demo.formats import Reply, json_reply
from monitor.demo.world import REPORT_WEEK_START, TODAY

# Mentions a week, the report week last: Aurora Caffè is talked about most, and more than before.
WEEKLY = {
    "Northwind": (4, 5, 3, 6, 4, 5, 4, 6, 5, 4, 6, 5, 7, 6),
    "Aurora Caffè": (14, 16, 15, 18, 17, 16, 19, 18, 20, 19, 21, 20, 18, 26),
    "Leafwell Teas": (6, 5, 7, 6, 8, 7, 6, 7, 8, 6, 7, 8, 7, 9),
    "Spice Route": (3, 4, 3, 5, 4, 3, 4, 5, 4, 6, 5, 4, 5, 11),
}
TOPICS = (
    "{name} raises its prices for offices and cafés",
    "Show HN: I track {name}'s prices with a spreadsheet and a cron job",
    "{name} recalls a batch after a labelling error",
    "Why our office switched its coffee and tea to {name}",
    "{name} publishes where every one of its beans and leaves comes from",
    "Ask HN: Is {name}'s subscription worth it for a five-person office?",
)
COMMENTS = (
    "We have ordered from {name} for two years; delivery is slow but the product is excellent.",
    "{name} finally fixed the subscription bug that double-charged us last spring.",
    "Honestly {name} is the only supplier in this space that publishes its sourcing.",
)


def mentions_of(name: str, seed: int) -> list[dict]:
    """Every hit naming `name` over the demo's weeks, newest first (Algolia's hit format)."""
    rng = random.Random(zlib.crc32(f"{seed}:{name}".encode()))
    counts = WEEKLY.get(name, ())
    first = REPORT_WEEK_START - timedelta(weeks=len(counts) - 1)
    hits = []
    for week, count in enumerate(counts):
        monday = first + timedelta(weeks=week)
        for number in range(count):
            hits.append(_hit(name, monday, week * 100 + number, rng))
    return sorted(hits, key=lambda h: h["created_at_i"], reverse=True)


def _hit(name: str, monday: date, number: int, rng: random.Random) -> dict:
    moment = datetime(monday.year, monday.month, monday.day, tzinfo=UTC) + timedelta(
        minutes=rng.randrange(7 * 24 * 60)
    )
    item = 41_000_000 + zlib.crc32(f"{name}{number}".encode()) % 1_000_000
    common = {
        "author": rng.choice(("jdoe", "pat_k", "mkl", "rsz", "quietdev", "anna_b")),
        "created_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_i": int(moment.timestamp()),
        "objectID": str(item),
        "updated_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if rng.random() < 0.6:
        title = rng.choice(TOPICS).format(name=name)
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        return {
            **common,
            "_tags": ["story", f"author_{common['author']}", f"story_{item}"],
            "children": [],
            "num_comments": int(rng.paretovariate(1.6) * 3),
            "points": int(rng.paretovariate(1.3) * 6),
            "story_id": item,
            "title": title,
            "url": f"https://news.example/{quote(slug)}",
        }
    return {
        **common,
        "_tags": ["comment", f"author_{common['author']}", f"story_{item - 7}"],
        "comment_text": "<p>" + rng.choice(COMMENTS).format(name=name) + "</p>",
        "parent_id": item - 3,
        "story_id": item - 7,
        "story_title": f"Ask HN: Tools for running a small company in {monday.year}?",
        "story_url": None,
    }


def render_search(seed: int, now: datetime, query: dict[str, str]) -> Reply:
    """One page of search_by_date: the phrase's hits published by `now`, after the filter."""
    name = query.get("query", "").strip('"')
    after = re.search(r"created_at_i>(\d+)", query.get("numericFilters", ""))
    since = int(after.group(1)) if after else 0
    visible = [
        h
        for h in mentions_of(name, seed)
        if since < h["created_at_i"] <= min(now, TODAY).timestamp()
    ]
    per_page = int(query.get("hitsPerPage") or 20)
    page = int(query.get("page") or 0)
    pages = (len(visible) + per_page - 1) // per_page
    body = {
        "exhaustive": {"nbHits": True, "typo": True},
        "exhaustiveNbHits": True,
        "exhaustiveTypo": True,
        "hits": visible[page * per_page : (page + 1) * per_page],
        "hitsPerPage": per_page,
        "nbHits": len(visible),
        "nbPages": pages,
        "page": page,
        "params": "&".join(f"{k}={quote(v)}" for k, v in sorted(query.items())),
        "processingTimeMS": 1,
        "query": query.get("query", ""),
        "serverTimeMS": 1,
    }
    return json_reply(json.dumps(body).encode())
