"""Hacker News mentions through the public Algolia HN search API (`search_by_date`).

One search a term, newest first, back to the lookback: stories (points, comment counts)
and comments (no points shown). The mention's address is the HN item's page.
"""

from __future__ import annotations

from typing import Any

from monitor.collectors import SourceContext
from monitor.collectors.mentions import search_phrases
from monitor.collectors.parsing import (
    clip,
    epoch_utc,
    html_to_text,
    json_count,
    json_object,
    json_text,
    load_json,
)
from monitor.domain import Counts, Harvest, Mention
from monitor.errors import SourceError

SENDER = "Hacker News search (Algolia)"
ITEM_URL = "https://news.ycombinator.com/item?id={}"
PAGE_SIZE = 100
MAX_PAGES = 5  # a term a cycle: 500 of the newest hits is far more than a week's mentions
TAGS = {"all": "(story,comment)", "stories": "story", "comments": "comment"}


def parse_hits(body: bytes) -> tuple[list[Mention], int]:
    """A search_by_date answer: its mentions, and how many pages the search has."""
    data = json_object(load_json(body, SENDER), "search answer", SENDER)
    hits = data.get("hits")
    if not isinstance(hits, list):
        raise SourceError("bad_content", f"{SENDER} sent an answer without its list of hits")
    mentions = [m for m in (_mention(h) for h in hits if isinstance(h, dict)) if m]
    pages = data.get("nbPages")
    return mentions, pages if isinstance(pages, int) else 1


def _mention(hit: dict[str, Any]) -> Mention | None:
    item_id = json_text(hit.get("objectID"))
    published = epoch_utc(hit.get("created_at_i"))
    if item_id is None or published is None:
        return None
    tags = hit.get("_tags") if isinstance(hit.get("_tags"), list) else []
    comment = "comment" in tags or json_text(hit.get("comment_text")) is not None
    if comment:
        title = json_text(hit.get("story_title"))
        text = html_to_text(json_text(hit.get("comment_text")) or "")
        counts = Counts(likes=json_count(hit, "points"))
    else:
        title = json_text(hit.get("title"))
        story = html_to_text(json_text(hit.get("story_text")) or "")
        text = story or json_text(hit.get("url")) or ""
        counts = Counts(likes=json_count(hit, "points"), replies=json_count(hit, "num_comments"))
    return Mention(
        url=ITEM_URL.format(item_id),
        published_at=published,
        external_id=item_id,
        title=title,
        text=clip(text),
        author=json_text(hit.get("author")),
        counts=counts,
    )


async def collect(ctx: SourceContext) -> Harvest:
    terms = ctx.mentions.terms if ctx.mentions else []
    found: dict[str, Mention] = {}
    for phrase in search_phrases(terms):
        for page in range(min(MAX_PAGES, ctx.max_pages)):
            params = {
                "query": f'"{phrase}"',
                "tags": TAGS[ctx.source.look_in],
                "numericFilters": f"created_at_i>{int(ctx.since.timestamp())}",
                "hitsPerPage": PAGE_SIZE,
                "page": page,
            }
            response = await ctx.client.get(f"{ctx.base_url}/api/v1/search_by_date", params=params)
            mentions, pages = parse_hits(response.content)
            for mention in mentions:
                found.setdefault(mention.url, mention)
            if page + 1 >= pages or not mentions:
                break
    return Harvest(observed_at=ctx.now, mentions=tuple(found.values()))
