"""Feeds: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser, JSON Feed 1.x by hand.

This module fetches; the parsing is feed_parse.py's (pure, and light to import: it runs in
the parsing workers).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import httpx

from monitor.collectors import SourceContext, parse_off_loop
from monitor.collectors.feed_parse import parse_feed
from monitor.domain import Harvest, Post
from monitor.net import Validators

# --- collect: I/O only --------------------------------------------------------------


async def collect(ctx: SourceContext) -> Harvest:
    url = rebase(ctx.source.url, ctx.base_url)  # type: ignore[union-attr]
    known = Validators.from_dict(ctx.remember.get("validators"))
    response = await ctx.client.get(url, validators=known)
    remember = {**ctx.remember, "validators": response.validators.to_dict()}
    if response.unchanged:
        return Harvest(observed_at=ctx.now, unchanged=True, remember=remember)
    content_type = response.headers.get("content-type")
    posts, warnings = await parse_off_loop(
        parse_feed, response.content, response.url, ctx.now, content_type
    )
    posts, ids_by_link, changed = stable_ids(posts, ctx.remember.get("ids_by_link") or {})
    remember["ids_by_link"] = ids_by_link
    if changed:
        warnings = [
            *warnings,
            f"the feed's item ids change at every visit ({changed} items came back with a new "
            "id); its items are told apart by their links, so none is counted twice",
        ]
    return Harvest(
        observed_at=ctx.now, posts=tuple(posts), warnings=tuple(warnings), remember=remember
    )


def stable_ids(
    posts: list[Post], ids_by_link: dict[str, str]
) -> tuple[list[Post], dict[str, str], int]:
    """Each item under the id it had when its link was first seen: (posts, map, changed).

    Some feeds (generated per request) give every item a new guid at each fetch while its
    link stays; stored by guid, each visit would add every item again. The map keeps the
    links of the feed's current items only, so it stays as small as the feed.
    """
    kept, current, changed = [], {}, 0
    links = Counter(post.url for post in posts if post.url)
    for post in posts:
        unique = post.url is not None and links[post.url] == 1  # many items, one link: ids decide
        first = ids_by_link.get(post.url) if unique else None
        if first is not None and first != post.external_id:
            post = replace(post, external_id=first)
            changed += 1
        if unique:
            current[post.url] = post.external_id
        kept.append(post)
    return kept, current, changed


def rebase(url: str, base_url: str | None) -> str:
    """The feed URL served from `base_url` (a mirror or loopback) when that differs."""
    if not base_url:
        return url
    original, base = httpx.URL(url), httpx.URL(base_url)
    if (base.scheme, base.host, base.port) == (original.scheme, original.host, original.port):
        return url
    path = base.path.rstrip("/") + original.path
    return str(base.copy_with(path=path, query=original.query or None))
