"""YouTube: the channel's public Atom feed, and optionally the Data API v3 for more counters.

The feed (`/feeds/videos.xml?channel_id=UC…`) carries the newest 15 videos with views
(`media:statistics`) and likes (`media:starRating count`). With an API key, the channel's
subscriber count and each video's comment count are added. An @handle is resolved to the
channel id once, from the channel page, and remembered.
A Short is recognised by its /shorts/ link or a #shorts title; its hashtags include "shorts".
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml

from monitor.collectors import SourceContext
from monitor.collectors.feed_parse import hashtags
from monitor.collectors.feed_text import excerpt
from monitor.collectors.parsing import iso_utc
from monitor.config import read_secret
from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.errors import ConfigError, SourceError
from monitor.kinds.youtube import KIND
from monitor.net import HttpClient, Response, Validators
from monitor.safe_xml import refuse_xml_entities

DEFAULT_BASE_URL = KIND.default_base_url
DEFAULT_API_URL = "https://www.googleapis.com/youtube/v3"
API_BATCH = 50  # the Data API takes at most 50 ids a request
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "yt": "http://www.youtube.com/xml/schemas/2015",
    "media": "http://search.yahoo.com/mrss/",
}
_CHANNEL_ID = r"UC[A-Za-z0-9_-]{22}"
_PAGE_PATTERNS = (  # where a channel page names its own id, most reliable first
    re.compile(rf'<link rel="canonical" href="[^"]*/channel/({_CHANNEL_ID})"'),
    re.compile(rf'<meta itemprop="(?:channelId|identifier)" content="({_CHANNEL_ID})"'),
    re.compile(rf'"(?:externalId|channelId)"\s*:\s*"({_CHANNEL_ID})"'),
)
_HASHTAG = re.compile(r"(?<![\w&])#(\w{2,})")


# --- collect: I/O only --------------------------------------------------------------


async def collect(ctx: SourceContext) -> Harvest:
    base = (ctx.base_url or DEFAULT_BASE_URL).rstrip("/")
    channel: str = ctx.source.channel  # type: ignore[union-attr]
    remember = dict(ctx.remember)
    if channel.startswith("@"):
        if not remember.get("channel_id"):
            page = await ctx.client.get(f"{base}/{quote(channel)}")
            remember["channel_id"] = parse_channel_page(page.content, channel)
        channel = remember["channel_id"]
    feed = await ctx.client.get(
        f"{base}/feeds/videos.xml",
        params={"channel_id": channel},
        validators=Validators.from_dict(remember.get("validators")),
    )
    remember["validators"] = feed.validators.to_dict()
    if feed.unchanged:  # the API is not asked either: it would spend quota for nothing new
        return Harvest(observed_at=ctx.now, unchanged=True, remember=remember)
    posts = parse_channel_feed(feed.content, feed.url, ctx.now)
    env_name = getattr(ctx.source, "api_key_env", None)
    if not env_name:
        return Harvest(observed_at=ctx.now, posts=tuple(posts), remember=remember)
    api = DEFAULT_API_URL if base == DEFAULT_BASE_URL else f"{base}/youtube/v3"
    account, posts, warnings = await _add_api_counts(ctx.client, api, env_name, channel, posts)
    return Harvest(
        observed_at=ctx.now,
        posts=tuple(posts),
        account=account,
        warnings=tuple(warnings),
        remember=remember,
    )


async def _add_api_counts(
    client: HttpClient, api: str, env_name: str, channel_id: str, posts: list[Post]
) -> tuple[AccountStats | None, list[Post], list[str]]:
    try:
        key = read_secret(env_name, "youtube.api_key_env")
    except ConfigError as missing:
        raise SourceError("misconfigured", str(missing)) from None
    headers = {"X-Goog-Api-Key": key}  # a header, never the URL: URLs end up in messages
    channels = await _api_get(client, f"{api}/channels", channel_id, headers)
    if isinstance(channels, str):
        return None, posts, [channels]
    account = parse_api_channels(channels)
    counts: dict[str, Counts] = {}
    ids = [post.external_id for post in posts]
    for start in range(0, len(ids), API_BATCH):
        batch = ",".join(ids[start : start + API_BATCH])
        videos = await _api_get(client, f"{api}/videos", batch, headers)
        if isinstance(videos, str):
            return account, posts, [videos]
        counts.update(parse_api_videos(videos))
    return account, [merge_counts(post, counts.get(post.external_id)) for post in posts], []


async def _api_get(client: HttpClient, url: str, ids: str, headers: dict[str, str]) -> Any:
    """The API's answer, or a warning sentence when it refused (bad key, quota)."""
    response: Response = await client.get(
        url, params={"part": "statistics", "id": ids}, headers=headers, allow_status={400, 403}
    )
    if response.status >= 400:
        reason = parse_api_error(response.content)
        return (
            f"the YouTube Data API refused the request ({reason}); subscriber and comment "
            f"counts are missing this time"
        )
    return response.json()


# --- parsing: pure ------------------------------------------------------------------


def parse_channel_feed(body: bytes, url: str, now: datetime) -> list[Post]:
    """The videos of a channel's Atom feed (yt: and media: namespaces)."""
    refuse_xml_entities(body, url)
    try:
        root = parse_xml(body)
    except ParseError:
        raise SourceError("bad_content", f"the YouTube feed is not valid XML ({url})") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise SourceError("bad_content", f"this is not a YouTube channel feed ({url})")
    return [_video(entry, now) for entry in root.findall("atom:entry", NS)]


def _video(entry: Element, now: datetime) -> Post:
    video_id = _text(entry, "yt:videoId") or _text(entry, "atom:id").removeprefix("yt:video:")
    link = entry.find("atom:link[@rel='alternate']", NS)
    url = link.get("href") if link is not None else None
    title = _text(entry, "atom:title")
    description = _text(entry, "media:group/media:description")
    published = iso_utc(_text(entry, "atom:published"))
    updated = iso_utc(_text(entry, "atom:updated"))
    thumbnail = entry.find("media:group/media:thumbnail", NS)
    stars = entry.find("media:group/media:community/media:starRating", NS)
    stats = entry.find("media:group/media:community/media:statistics", NS)
    is_short = bool(url and "/shorts/" in url) or "#shorts" in title.casefold()
    tags = _HASHTAG.findall(f"{title}\n{description}")
    return Post(
        external_id=video_id,
        published_at=published or updated or now,
        url=url,
        title=title or None,
        text=excerpt(description),
        media_type="video",
        hashtags=hashtags([*tags, "shorts" if is_short else None]),
        counts=Counts(
            likes=_int(stars.get("count") if stars is not None else None),
            views=_int(stats.get("views") if stats is not None else None),
        ),
        thumbnail_url=thumbnail.get("url") if thumbnail is not None else None,
        published_estimated=published is None,
    )


def parse_channel_page(body: bytes, handle: str) -> str:
    """The channel id (UC…) a channel page names for itself."""
    text = body.decode("utf-8", errors="replace")
    for pattern in _PAGE_PATTERNS:
        if match := pattern.search(text):
            return match.group(1)
    raise SourceError(
        "layout_changed",
        f"the YouTube page of {handle} does not show its channel id (YouTube may have shown a "
        f"consent page); put the channel id (UC…) in the configuration instead",
    )


def parse_api_channels(data: Any) -> AccountStats | None:
    """Subscribers and video count; a hidden subscriber count is unknown, not zero."""
    items = data.get("items") if isinstance(data, dict) else None
    if not items:
        return None
    stats = items[0].get("statistics", {})
    hidden = stats.get("hiddenSubscriberCount") is True
    return AccountStats(
        followers=None if hidden else _int(stats.get("subscriberCount")),
        posts_total=_int(stats.get("videoCount")),
    )


def parse_api_videos(data: Any) -> dict[str, Counts]:
    """Per video id: likes, comments (as replies) and views; absent counters stay None."""
    found: dict[str, Counts] = {}
    for item in (data.get("items") if isinstance(data, dict) else None) or []:
        stats = item.get("statistics", {})
        found[item.get("id", "")] = Counts(
            likes=_int(stats.get("likeCount")),
            replies=_int(stats.get("commentCount")),
            views=_int(stats.get("viewCount")),
        )
    return found


def merge_counts(post: Post, api: Counts | None) -> Post:
    """The API's counters where it has them, the feed's elsewhere."""
    if api is None:
        return post
    feed = post.counts
    merged = Counts(
        likes=api.likes if api.likes is not None else feed.likes,
        replies=api.replies,
        views=api.views if api.views is not None else feed.views,
    )
    return replace(post, counts=merged)


def parse_api_error(body: bytes) -> str:
    """The reason word of a Data API error body (quotaExceeded, keyInvalid …)."""
    try:
        error = json.loads(body).get("error", {})
        reasons = [e.get("reason") for e in error.get("errors", []) if e.get("reason")]
        return ", ".join(reasons) or str(error.get("message") or error.get("code"))
    except (ValueError, AttributeError, UnicodeDecodeError, RecursionError):
        return "an answer that is not the API's JSON"


def _text(element: Element, path: str) -> str:
    found = element.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
