"""Bluesky: an account's posts and reposts through the public AppView (XRPC, no login).

GET /xrpc/app.bsky.actor.getProfile?actor=<handle or DID> gives the audience; then
GET /xrpc/app.bsky.feed.getAuthorFeed pages back with `cursor` until the lookback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from monitor.collectors import SourceContext
from monitor.collectors.parsing import (
    clip,
    json_count,
    json_object,
    json_text,
    load_json,
    required_time,
)
from monitor.domain import AccountStats, Counts, Harvest, MediaType, Post
from monitor.errors import SourceError
from monitor.http_errors import status_error
from monitor.kinds.bluesky import KIND

DEFAULT_BASE_URL = KIND.default_base_url
PAGE_SIZE = 100  # the API's maximum
SENDER = "Bluesky"
WEB = "https://bsky.app"
REPOST = "app.bsky.feed.defs#reasonRepost"
PIN = "app.bsky.feed.defs#reasonPin"
_EMBEDS: dict[str, MediaType] = {
    "app.bsky.embed.images": "image",
    "app.bsky.embed.video": "video",
    "app.bsky.embed.external": "link",
    "app.bsky.embed.record": "link",  # a quote of another post
}
_ERROR_STATUSES = (400, 401, 403)


@dataclass(frozen=True)
class FeedEntry:
    """One item of an author feed: the post, and where the feed sorts it."""

    post: Post
    sorted_at: datetime  # when the author posted or reposted it: the feed's order
    pinned: bool = False  # shown on top, out of order (and again in its place)


@dataclass(frozen=True)
class FeedPage:
    entries: tuple[FeedEntry, ...]
    cursor: str | None


# --- pure parsing ------------------------------------------------------------------


def parse_profile(body: bytes) -> tuple[str, AccountStats]:
    """app.bsky.actor.defs#profileViewDetailed -> (DID, audience)."""
    profile = _object(_load(body), "profile")
    did = profile.get("did")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise SourceError("bad_content", "the Bluesky profile answer has no account identifier")
    return did, AccountStats(
        followers=_count(profile, "followersCount"),
        following=_count(profile, "followsCount"),
        posts_total=_count(profile, "postsCount"),
    )


def parse_feed(body: bytes) -> FeedPage:
    """An app.bsky.feed.getAuthorFeed answer -> its entries and the next cursor."""
    data = _object(_load(body), "feed page")
    feed = data.get("feed")
    if not isinstance(feed, list):
        raise SourceError("bad_content", "the Bluesky feed answer has no list of posts")
    cursor = data.get("cursor")
    entries = tuple(_entry(_object(item, "feed item")) for item in feed)
    return FeedPage(entries, cursor if isinstance(cursor, str) and cursor else None)


def parse_error(status: int, body: bytes, actor: str, url: str) -> SourceError:
    """An XRPC error body {"error": "...", "message": "..."} -> the right error kind."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        data = None
    name = data.get("error") if isinstance(data, dict) else None
    said = data.get("message") if isinstance(data, dict) else None
    why = f" (Bluesky said: {said})" if isinstance(said, str) and said else ""
    if name == "RateLimitExceeded":
        return SourceError("rate_limited", f"Bluesky limits how often it may be read{why}")
    if name == "AccountTakedown":
        return SourceError("gone", f"the Bluesky account {actor} was taken down{why}")
    if name == "AccountDeactivated":
        return SourceError("gone", f"the Bluesky account {actor} was deactivated{why}")
    if name in ("BlockedActor", "BlockedByActor"):
        return SourceError("blocked", f"the Bluesky account {actor} blocks the reader{why}")
    if name in ("AuthMissing", "AuthenticationRequired") or status == 401:
        return SourceError("login_required", f"Bluesky wants a login to show {actor}'s posts{why}")
    if name in ("InvalidRequest", "NotFound") and status == 400:
        return SourceError("not_found", f"there is no Bluesky account {actor}{why}")
    return status_error(status, url)


def post_url(uri: str, handle: str | None) -> str | None:
    """at://<did>/app.bsky.feed.post/<rkey> -> https://bsky.app/profile/<handle>/post/<rkey>."""
    match = re.fullmatch(r"at://([^/]+)/app\.bsky\.feed\.post/([^/]+)", uri)
    if not match:
        return None
    who = handle if handle and handle != "handle.invalid" else match.group(1)
    return f"{WEB}/profile/{who}/post/{match.group(2)}"


def _entry(item: dict[str, Any]) -> FeedEntry:
    view = _object(item.get("post"), "post")
    reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
    kind = reason.get("$type")
    post = post_from_view(view)
    if kind == REPOST:
        # Kept with the original's date and counters, marked: not the company's own post.
        repost_id = reason.get("uri") if isinstance(reason.get("uri"), str) else None
        repost = replace(
            post, external_id=repost_id or f"repost:{post.external_id}", is_repost=True
        )
        return FeedEntry(repost, _time(reason.get("indexedAt"), "repost"))
    return FeedEntry(post, _time(view.get("indexedAt"), "post"), pinned=kind == PIN)


def post_from_view(view: dict[str, Any]) -> Post:
    """A postView (author feeds and search results alike) as a Post."""
    uri = view.get("uri")
    if not isinstance(uri, str) or not uri:
        raise SourceError("bad_content", "the Bluesky feed has a post without an identifier")
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    author = view.get("author") if isinstance(view.get("author"), dict) else {}
    estimated = not isinstance(record.get("createdAt"), str)
    published = view.get("indexedAt") if estimated else record.get("createdAt")
    text = record.get("text") if isinstance(record.get("text"), str) else ""
    return Post(
        external_id=uri,
        published_at=_time(published, "post"),
        published_estimated=estimated,
        url=post_url(uri, author.get("handle") if isinstance(author.get("handle"), str) else None),
        text=clip(text),
        media_type=_media_type(view.get("embed"), record.get("embed")),
        hashtags=_hashtags(record),
        counts=Counts(
            likes=_count(view, "likeCount"),
            replies=_count(view, "replyCount"),
            reposts=_count(view, "repostCount"),
            quotes=_count(view, "quoteCount"),
            views=None,  # Bluesky shows no view counts
        ),
        thumbnail_url=_thumbnail(view.get("embed")),
    )


def _media_type(shown: Any, written: Any) -> MediaType:
    """From the embed view (app.bsky.embed.*#view), else the record's own embed."""
    embed = shown if isinstance(shown, dict) else written if isinstance(written, dict) else {}
    kind = str(embed.get("$type", "")).removesuffix("#view")
    if kind == "app.bsky.embed.recordWithMedia":
        media = embed.get("media") if isinstance(embed.get("media"), dict) else {}
        return _EMBEDS.get(str(media.get("$type", "")).removesuffix("#view"), "link")
    return _EMBEDS.get(kind, "text")


def _thumbnail(embed: Any) -> str | None:
    if not isinstance(embed, dict):
        return None
    if isinstance(embed.get("media"), dict):  # recordWithMedia
        return _thumbnail(embed["media"])
    images = embed.get("images")
    if isinstance(images, list) and images and isinstance(images[0], dict):
        return _text(images[0].get("thumb"))
    external = embed.get("external")
    if isinstance(external, dict):
        return _text(external.get("thumb"))
    return _text(embed.get("thumbnail"))  # video


def _hashtags(record: dict[str, Any]) -> tuple[str, ...]:
    """Tags written in the text (richtext facets) and the record's extra `tags`."""
    found: list[str] = []
    facets = record.get("facets")
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if isinstance(feature, dict) and feature.get("$type") == "app.bsky.richtext.facet#tag":
                found.append(feature.get("tag"))
    tags = record.get("tags")
    found += tags if isinstance(tags, list) else []
    return tuple(dict.fromkeys(t for t in found if isinstance(t, str) and t))


def _load(body: bytes) -> Any:
    return load_json(body, SENDER)


def _object(value: Any, what: str) -> dict[str, Any]:
    return json_object(value, what, SENDER)


_count = json_count
_text = json_text


def _time(value: Any, what: str) -> datetime:
    return required_time(value, what, SENDER)


# --- I/O ---------------------------------------------------------------------------


async def collect(ctx: SourceContext) -> Harvest:
    actor = ctx.source.target
    base = (ctx.base_url or DEFAULT_BASE_URL).rstrip("/")
    did, account = parse_profile(
        await _xrpc(ctx, f"{base}/xrpc/app.bsky.actor.getProfile", {"actor": actor}, actor)
    )
    posts: dict[str, Post] = {}
    cursor: str | None = None
    for _page in range(ctx.max_pages):
        params = {"actor": did, "limit": PAGE_SIZE, "filter": ctx.source.filter}
        if cursor:
            params["cursor"] = cursor
        page = parse_feed(
            await _xrpc(ctx, f"{base}/xrpc/app.bsky.feed.getAuthorFeed", params, actor)
        )
        in_order = [e for e in page.entries if not e.pinned]
        for entry in page.entries:
            # A pinned post also appears in its place: keep one copy of each post.
            if entry.sorted_at >= ctx.since and entry.post.external_id not in posts:
                posts[entry.post.external_id] = entry.post
        reached_lookback = any(e.sorted_at < ctx.since for e in in_order)
        if reached_lookback or page.cursor in (None, cursor) or not page.entries:
            break
        cursor = page.cursor
    return Harvest(
        observed_at=ctx.now, posts=tuple(posts.values()), account=account, remember={"did": did}
    )


async def _xrpc(ctx: SourceContext, url: str, params: dict[str, Any], actor: str) -> bytes:
    response = await ctx.client.get(url, params=params, allow_status=_ERROR_STATUSES)
    if not 200 <= response.status < 300:
        raise parse_error(response.status, response.content, actor, response.url)
    return response.content
