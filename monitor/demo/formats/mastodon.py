"""A Mastodon server's REST API: accounts/lookup, accounts/:id and accounts/:id/statuses
(newest first, paged with max_id, a Link header to the next and previous pages)."""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from monitor.demo.formats import Reply, iso_millis, json_reply
from monitor.demo.world import (
    HISTORY_START,
    WorldPost,
    WorldSource,
    counts_at,
    followers_at,
    posts_visible,
)

MAX_LIMIT = 40
DEFAULT_LIMIT = 20


def user_and_instance(source: WorldSource) -> tuple[str, str]:
    user, _, instance = source.target.removeprefix("@").partition("@")
    return user, instance


def render_account(source: WorldSource, now: datetime) -> Reply:
    return json_reply(json.dumps(account(source, now)).encode())


def render_statuses(
    source: WorldSource, now: datetime, query: dict[str, str], page_url: str
) -> Reply:
    """One page of statuses; `page_url` is this endpoint's public address (for Link)."""
    limit = min(int(query.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    posts = posts_visible(source, now)
    if query.get("max_id"):
        posts = [p for p in posts if int(p.post_id) < int(query["max_id"])]
    page = posts[:limit]
    owner = account(source, now)
    statuses = [status(source, post, now, owner) for post in page]
    headers: tuple[tuple[str, str], ...] = ()
    if page:
        kept = {k: v for k, v in query.items() if k not in ("max_id", "min_id", "since_id")}
        older = f"{page_url}?{urlencode({**kept, 'max_id': page[-1].post_id})}"
        newer = f"{page_url}?{urlencode({**kept, 'min_id': page[0].post_id})}"
        headers = (("Link", f'<{older}>; rel="next", <{newer}>; rel="prev"'),)
    return json_reply(json.dumps(statuses).encode(), headers=headers)


def account(source: WorldSource, now: datetime) -> dict[str, Any]:
    user, instance = user_and_instance(source)
    shown = posts_visible(source, now)
    avatar = f"https://{instance}/system/accounts/avatars/{source.account_id}/original.png"
    return {
        "id": source.account_id,
        "username": user,
        "acct": user,
        "display_name": source.display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": f"{HISTORY_START.year - 3}-01-09T00:00:00.000Z",
        "note": f"<p>The official account of {escape(source.company)}.</p>",
        "url": f"https://{instance}/@{user}",
        "uri": f"https://{instance}/users/{user}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": f"https://{instance}/headers/original/missing.png",
        "header_static": f"https://{instance}/headers/original/missing.png",
        "followers_count": followers_at(source, now),
        "following_count": 80 + len(source.company) * 7,
        "statuses_count": 350 + len(shown),
        "last_status_at": f"{shown[0].published_at:%Y-%m-%d}" if shown else None,
        "emojis": [],
        "fields": [],
    }


def status(source: WorldSource, post: WorldPost, now: datetime, owner: dict) -> dict[str, Any]:
    user, instance = user_and_instance(source)
    if post.is_repost:
        original = _original(post, now, instance)
        activity = f"https://{instance}/users/{user}/statuses/{post.post_id}/activity"
        shell = _status_shell(post.post_id, post.published_at, owner, activity, None)
        return {**shell, "reblog": original}
    counts = counts_at(post, now)
    url = f"https://{instance}/@{user}/{post.post_id}"
    body = _status_shell(
        post.post_id,
        post.published_at,
        owner,
        url.replace(f"/@{user}/", f"/users/{user}/statuses/"),
        url,
    )
    body.update(
        content=_content(post, instance),
        replies_count=counts["replies"],
        reblogs_count=counts["reposts"],
        favourites_count=counts["likes"],
        tags=[{"name": tag, "url": f"https://{instance}/tags/{tag}"} for tag in post.hashtags],
        media_attachments=_attachments(post, instance),
        card=_card(post, source) if post.media_type == "link" else None,
    )
    return body


def _status_shell(status_id: str, at: datetime, owner: dict, uri: str, url: str | None) -> dict:
    return {
        "id": status_id,
        "created_at": iso_millis(at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": uri,
        "url": url,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": "",
        "reblog": None,
        "application": {"name": "Web", "website": None},
        "account": owner,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def _original(post: WorldPost, now: datetime, instance: str) -> dict[str, Any]:
    author = post.original_author or "someone"
    at = post.original_published_at or post.published_at
    counts = counts_at(post, now)
    original_id = str(int(post.post_id) - 7919)
    url = f"https://{instance}/@{author}/{original_id}"
    owner = {
        "id": str(109_000_000_000_000_000 + zlib.crc32(author.encode())),
        "username": author,
        "acct": author,
        "display_name": author.title(),
        "url": f"https://{instance}/@{author}",
        "followers_count": 5000,
        "following_count": 300,
        "statuses_count": 2000,
    }
    body = _status_shell(original_id, at, owner, url, url)
    body.update(
        content=f"<p>{escape(post.text)}</p>",
        replies_count=counts["replies"],
        reblogs_count=counts["reposts"],
        favourites_count=counts["likes"],
    )
    return body


def _content(post: WorldPost, instance: str) -> str:
    tags = " ".join(
        f'<a href="https://{instance}/tags/{tag}" class="mention hashtag" rel="tag">'
        f"#<span>{tag}</span></a>"
        for tag in post.hashtags
    )
    return f"<p>{escape(post.text)}</p>" + (f"<p>{tags}</p>" if tags else "")


def _attachments(post: WorldPost, instance: str) -> list[dict[str, Any]]:
    if post.media_type not in ("image", "video"):
        return []
    kind = "image" if post.media_type == "image" else "video"
    path = f"https://files.{instance}/media_attachments/files/{post.post_id}"
    return [
        {
            "id": post.post_id,
            "type": kind,
            "url": f"{path}/original.{'jpg' if kind == 'image' else 'mp4'}",
            "preview_url": f"{path}/small.jpg",
            "remote_url": None,
            "description": post.title,
            "blurhash": "UKO2?U%2Tw=w]~RBVZRi};RPxuwH%3s8tLOt",
        }
    ]


def _card(post: WorldPost, source: WorldSource) -> dict[str, Any]:
    return {
        "url": f"https://{source.slug}.example/news/{post.post_id}",
        "title": post.title,
        "description": post.text,
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": source.company,
        "provider_url": "",
        "html": "",
        "width": 640,
        "height": 360,
        "image": f"https://{source.slug}.example/images/{post.post_id}.jpg",
        "embed_url": "",
        "blurhash": None,
    }
