"""The public Bluesky AppView (XRPC): app.bsky.actor.getProfile and
app.bsky.feed.getAuthorFeed (newest first, paged with an opaque cursor)."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from datetime import datetime
from typing import Any

from monitor.demo.formats import Reply, iso_millis, json_reply
from monitor.demo.world import (
    HISTORY_START,
    WorldPost,
    WorldSource,
    counts_at,
    followers_at,
    posts_visible,
)

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
CDN = "https://cdn.bsky.app/img"


def render_profile(source: WorldSource, now: datetime) -> Reply:
    shown = posts_visible(source, now)
    profile = {
        **_author(source),
        "description": (
            f"L'account ufficiale di {source.company}."
            if source.language == "it"
            else f"The official account of {source.company}."
        ),
        "banner": f"{CDN}/banner/plain/{source.account_id}/bafkreibanner@jpeg",
        "followersCount": followers_at(source, now),
        "followsCount": 120 + len(source.company) * 11,
        "postsCount": 200 + len(shown),
        "indexedAt": iso_millis(shown[-1].published_at) if shown else iso_millis(now),
        "pinnedPost": None,
    }
    return json_reply(json.dumps({k: v for k, v in profile.items() if v is not None}).encode())


def render_author_feed(source: WorldSource, now: datetime, query: dict[str, str]) -> Reply:
    """The cursor is the sort time of the page's last item, as the AppView's is."""
    limit = min(int(query.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    posts = posts_visible(source, now)
    if query.get("cursor"):
        posts = [p for p in posts if iso_millis(p.published_at) < query["cursor"]]
    page = posts[:limit]
    body: dict[str, Any] = {"feed": [_item(source, post, now) for post in page]}
    if len(posts) > limit:
        body["cursor"] = iso_millis(page[-1].published_at)
    return json_reply(json.dumps(body).encode())


def error_reply(status: int, name: str, message: str) -> Reply:
    return json_reply(json.dumps({"error": name, "message": message}).encode(), status)


def _author(source: WorldSource) -> dict[str, Any]:
    return {
        "did": source.account_id,
        "handle": source.target,
        "displayName": source.display_name,
        "avatar": f"{CDN}/avatar/plain/{source.account_id}/bafkreiavatar@jpeg",
        "associated": {"chat": {"allowIncoming": "following"}},
        "viewer": {"muted": False, "blockedBy": False},
        "labels": [],
        "createdAt": f"{HISTORY_START.year - 2}-05-14T09:00:00.000Z",
    }


def _item(source: WorldSource, post: WorldPost, now: datetime) -> dict[str, Any]:
    if not post.is_repost:
        return {"post": _post_view(post, now, _author(source), source.account_id)}
    author_did = "did:plc:" + f"{zlib.crc32((post.original_author or '').encode()):024x}"[-24:]
    author = {
        "did": author_did,
        "handle": f"{post.original_author}.bsky.social",
        "displayName": (post.original_author or "").title(),
        "labels": [],
        "createdAt": "2023-09-01T08:00:00.000Z",
    }
    return {
        "post": _post_view(post, now, author, author_did),
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": _author(source),
            "uri": f"at://{source.account_id}/app.bsky.feed.repost/{post.post_id}",
            "cid": _cid("repost" + post.post_id),
            "indexedAt": iso_millis(post.published_at),
        },
    }


def _post_view(post: WorldPost, now: datetime, author: dict, did: str) -> dict[str, Any]:
    counts = counts_at(post, now)
    created = post.original_published_at or post.published_at
    rkey = post.post_id if not post.is_repost else f"{post.post_id[:-1]}2"
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "createdAt": iso_millis(created),
        "langs": ["en"],
        "text": _text(post),
    }
    if facets := _facets(post):
        record["facets"] = facets
    view: dict[str, Any] = {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": _cid(rkey),
        "author": author,
        "record": record,
    }
    embed = _embed(post, did)
    if embed:
        record["embed"], view["embed"] = embed
    view.update(
        bookmarkCount=0,
        replyCount=counts["replies"],
        repostCount=counts["reposts"],
        likeCount=counts["likes"],
        quoteCount=counts["quotes"],
        indexedAt=iso_millis(created),
        viewer={"bookmarked": False, "threadMuted": False, "embeddingDisabled": False},
        labels=[],
    )
    return view


def _text(post: WorldPost) -> str:
    tags = " ".join(f"#{tag}" for tag in post.hashtags)
    return f"{post.text} {tags}".strip()


def _facets(post: WorldPost) -> list[dict[str, Any]]:
    """Hashtag facets, with byte offsets into the UTF-8 text as the lexicon wants."""
    text = _text(post).encode()
    facets, start = [], 0
    for tag in post.hashtags:
        needle = f"#{tag}".encode()
        at = text.find(needle, start)
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": at, "byteEnd": at + len(needle)},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
        start = at + len(needle)
    return facets


def _embed(post: WorldPost, did: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(the record's embed, the view's embed) for the post's media."""
    blob = _cid("blob" + post.post_id)
    if post.media_type == "image":
        image = {"alt": post.title, "aspectRatio": {"height": 1000, "width": 1500}}
        record = {
            "$type": "app.bsky.embed.images",
            "images": [
                {
                    **image,
                    "image": {
                        "$type": "blob",
                        "ref": {"$link": blob},
                        "mimeType": "image/jpeg",
                        "size": 312_000,
                    },
                }
            ],
        }
        view = {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    **image,
                    "thumb": f"{CDN}/feed_thumbnail/plain/{did}/{blob}@jpeg",
                    "fullsize": f"{CDN}/feed_fullsize/plain/{did}/{blob}@jpeg",
                }
            ],
        }
        return record, view
    if post.media_type == "video":
        ratio = {"height": 1080, "width": 1920}
        record = {
            "$type": "app.bsky.embed.video",
            "video": {
                "$type": "blob",
                "ref": {"$link": blob},
                "mimeType": "video/mp4",
                "size": 6_100_000,
            },
            "aspectRatio": ratio,
        }
        watch = f"https://video.bsky.app/watch/{did.replace(':', '%3A')}/{blob}"
        view = {
            "$type": "app.bsky.embed.video#view",
            "cid": blob,
            "playlist": f"{watch}/playlist.m3u8",
            "thumbnail": f"{watch}/thumbnail.jpg",
            "aspectRatio": ratio,
        }
        return record, view
    if post.media_type == "link":
        external = {
            "uri": f"https://example.org/read/{post.post_id}",
            "title": post.title,
            "description": post.text,
        }
        record = {"$type": "app.bsky.embed.external", "external": external}
        view = {
            "$type": "app.bsky.embed.external#view",
            "external": {**external, "thumb": f"{CDN}/feed_thumbnail/plain/{did}/{blob}@jpeg"},
        }
        return record, view
    return None


def _cid(seed: str) -> str:
    """A CID-shaped string (base32, 'bafyrei' prefix), stable for a seed."""
    digest = base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode().lower()
    return "bafyrei" + digest.rstrip("=")[:52]
