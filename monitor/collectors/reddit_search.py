"""Reddit mentions through Reddit's public search feed (`/search.rss`, Atom).

Volume only: the feed carries no votes and no comment counts, so neither is claimed.
One search a cycle, all terms joined with OR, newest first.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import feedparser

from monitor.collectors import SourceContext
from monitor.collectors.mentions import search_phrases
from monitor.collectors.parsing import clip, html_to_text
from monitor.domain import Harvest, Mention
from monitor.errors import SourceError
from monitor.safe_xml import refuse_xml_entities

PAGE_SIZE = 100  # the most the search feed gives


def parse_search_feed(body: bytes) -> list[Mention]:
    """The Atom feed of a Reddit search: each entry a post naming the terms."""
    refuse_xml_entities(body, "Reddit's search feed")
    feed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if not feed.entries and (feed.bozo or "atom" not in feed.get("version", "")):
        raise SourceError("bad_content", "Reddit's search feed could not be read as a feed.")
    mentions = []
    for entry in feed.entries:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        link = entry.get("link")
        if not entry.get("id") or not link or when is None:
            continue
        content = " ".join(c.get("value", "") for c in entry.get("content") or [])
        author = (entry.get("author") or "").strip().removeprefix("/")
        mentions.append(
            Mention(
                url=link,
                published_at=datetime.fromtimestamp(calendar.timegm(when), UTC),
                external_id=entry["id"],
                title=entry.get("title"),
                text=clip(html_to_text(content)),
                author=author or None,
            )
        )
    return mentions


def search_query(terms: list[str]) -> str:
    """'"Acme Corp" OR "acme.com"': every term as a phrase."""
    return " OR ".join(f'"{phrase}"' for phrase in search_phrases(terms))


async def collect(ctx: SourceContext) -> Harvest:
    terms = ctx.mentions.terms if ctx.mentions else []
    within = ctx.source.within
    path = "/search.rss" if within == "all" else f"/{within}/search.rss"
    params: dict[str, str | int] = {
        "q": search_query(terms),
        "sort": "new",
        "t": ctx.source.period,
        "limit": PAGE_SIZE,
    }
    if within != "all":
        params["restrict_sr"] = "on"
    response = await ctx.client.get(f"{ctx.base_url}{path}", params=params)
    found = [m for m in parse_search_feed(response.content) if m.published_at >= ctx.since]
    return Harvest(observed_at=ctx.now, mentions=tuple(found))
