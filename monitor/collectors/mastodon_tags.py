"""Mastodon mentions: the public hashtag timelines (`/api/v1/timelines/tag/:tag`) of the
servers the user lists.

A post federates to many servers, each with its own id for it; its `url` is the same
everywhere, so it is one mention. A server that keeps its tag timelines for logged-in users
answers 401 or 422: that is said as a note about the server, not as a failure of ours.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from monitor.collectors import SourceContext
from monitor.collectors.mentions import hashtags
from monitor.collectors.parsing import (
    clip,
    html_to_text,
    iso_utc,
    json_count,
    json_text,
    load_json,
    status_problem,
)
from monitor.domain import Counts, Harvest, Mention
from monitor.errors import SourceError

PAGE_SIZE = 40  # the API's maximum
MAX_PAGES = 5  # a tag a server a cycle
_CLOSED = (401, 422)  # "This method requires an authenticated user"
_ERROR_STATUSES = (*_CLOSED, 403, 404, 410)


def parse_tag_timeline(body: bytes, server: str) -> tuple[list[Mention], str | None]:
    """A page of a tag timeline: its mentions, and the id to page back from (or None)."""
    statuses = load_json(body, f"the Mastodon server {server}")
    if not isinstance(statuses, list):
        raise SourceError("bad_content", f"the Mastodon server {server} sent no list of posts")
    mentions = [m for m in (_mention(s, server) for s in statuses if isinstance(s, dict)) if m]
    last = statuses[-1] if statuses and isinstance(statuses[-1], dict) else {}
    return mentions, json_text(last.get("id"))


def _mention(status: dict[str, Any], server: str) -> Mention | None:
    if status.get("reblog"):
        return None  # a boost repeats a post; the post itself is what was said
    url = json_text(status.get("url")) or json_text(status.get("uri"))
    published = iso_utc(status.get("created_at"))
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    if url is None or published is None:
        return None
    acct = json_text(account.get("acct")) or ""
    return Mention(
        url=url,
        published_at=published,
        external_id=json_text(status.get("uri")) or url,
        text=clip(html_to_text(json_text(status.get("content")) or "")),
        author=(acct if "@" in acct else f"{acct}@{server}").lower() if acct else None,
        counts=Counts(
            likes=json_count(status, "favourites_count"),
            replies=json_count(status, "replies_count"),
            reposts=json_count(status, "reblogs_count"),
        ),
    )


def _server_base(ctx: SourceContext, server: str) -> str:
    return ctx.base_url.replace("{server}", server).rstrip("/")


async def _read_tag(ctx: SourceContext, server: str, tag: str) -> list[Mention] | None:
    """The tag's posts back to the lookback; None when the server keeps it for members."""
    url = f"{_server_base(ctx, server)}/api/v1/timelines/tag/{quote(tag)}"
    found: list[Mention] = []
    max_id: str | None = None
    for _page in range(min(MAX_PAGES, ctx.max_pages)):
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        if max_id:
            params["max_id"] = max_id
        response = await ctx.client.get(url, params=params, allow_status=_ERROR_STATUSES)
        if response.status in _CLOSED:
            return None
        if response.status >= 400:
            raise status_problem(
                response.status,
                response.url,
                subject=f"hashtag timeline #{tag} on {server}",
                where=f"the Mastodon server {server}",
            )
        page, following = parse_tag_timeline(response.content, server)
        found += [m for m in page if m.published_at >= ctx.since]
        if not page or page[-1].published_at < ctx.since or following in (None, max_id):
            break
        max_id = following
    return found


async def collect(ctx: SourceContext) -> Harvest:
    tags = hashtags(ctx.mentions.terms if ctx.mentions else [])
    if not tags:
        return Harvest(
            observed_at=ctx.now,
            warnings=("no term is a hashtag (like #acme), so no Mastodon tag timeline was read",),
        )
    found: dict[str, Mention] = {}
    closed: list[str] = []
    for server in ctx.source.servers:
        for tag in tags:
            mentions = await _read_tag(ctx, server, tag)
            if mentions is None:
                closed.append(server)
                break
            for mention in mentions:
                found.setdefault(mention.url, mention)
    if closed and len(closed) == len(ctx.source.servers):
        raise SourceError(
            "login_required",
            f"{_listed(closed)} show their hashtag timelines only to logged-in users; list "
            "servers that show them to visitors",
        )
    warnings = tuple(
        f"{server} shows its hashtag timelines only to logged-in users; its posts are not counted"
        for server in closed
    )
    return Harvest(observed_at=ctx.now, mentions=tuple(found.values()), warnings=warnings)


def _listed(servers: list[str]) -> str:
    return servers[0] if len(servers) == 1 else ", ".join(servers[:-1]) + " and " + servers[-1]
