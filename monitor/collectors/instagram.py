"""Instagram: a business or creator account, through the Graph API's Business Discovery.

Instagram shows nothing to anonymous programs. Business Discovery lets the user's own
business account (ig_user_id, with its access token) read another business or creator
account's public figures: followers, media count, and each post's likes and comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from monitor.collectors import SourceContext
from monitor.collectors.parsing import TEXT_LIMIT
from monitor.config import read_secret
from monitor.domain import AccountStats, Counts, Harvest, MediaType, Post
from monitor.errors import ConfigError, ErrorKind, SourceError
from monitor.kinds.instagram import KIND

DEFAULT_BASE_URL = KIND.default_base_url
PAGE_SIZE = 50
MEDIA_FIELDS = (
    "id,timestamp,caption,media_type,media_product_type,permalink,"
    "like_count,comments_count,thumbnail_url,media_url"
)
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_RATE_LIMIT_CODES = {4, 17, 32, 613}
_NOT_FOUND_CODES = {24, 110}


# --- parsing (pure) ------------------------------------------------------------------


def discovery_fields(username: str, after: str | None = None) -> str:
    """The `fields` parameter: one account and one page of its media."""
    media = f"media.after({after}).limit({PAGE_SIZE})" if after else f"media.limit({PAGE_SIZE})"
    return (
        f"business_discovery.username({username})"
        f"{{followers_count,follows_count,media_count,{media}{{{MEDIA_FIELDS}}}}}"
    )


def parse_discovery(body: bytes) -> tuple[AccountStats, list[Post], str | None]:
    """A Business Discovery answer -> the account, one page of posts, the next cursor."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise SourceError("bad_content", "Instagram's answer is not valid JSON.") from None
    if isinstance(data, dict) and "error" in data:
        raise parse_error(body)
    discovery = data.get("business_discovery") if isinstance(data, dict) else None
    if not isinstance(discovery, dict):
        raise SourceError("bad_content", "Instagram's answer has no business_discovery part.")
    account = AccountStats(
        followers=_int_or_none(discovery.get("followers_count")),
        following=_int_or_none(discovery.get("follows_count")),
        posts_total=_int_or_none(discovery.get("media_count")),
    )
    media = discovery.get("media") if isinstance(discovery.get("media"), dict) else {}
    items = media.get("data") if isinstance(media.get("data"), list) else []
    posts = [_post(item) for item in items if isinstance(item, dict)]
    return account, posts, _after_cursor(media) if posts else None


def _after_cursor(media: Mapping[str, Any]) -> str | None:
    paging = media.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def _post(item: Mapping[str, Any]) -> Post:
    try:
        external_id = str(item["id"])
        # Graph API times look like 2026-03-02T09:15:00+0000.
        published = datetime.strptime(str(item["timestamp"]), "%Y-%m-%dT%H:%M:%S%z")
    except (KeyError, ValueError):
        raise SourceError("bad_content", "An Instagram post has no id or no valid time.") from None
    caption = item.get("caption") if isinstance(item.get("caption"), str) else ""
    media_type = _media_type(item)
    thumbnail = item.get("thumbnail_url") if media_type == "video" else item.get("media_url")
    return Post(
        external_id=external_id,
        published_at=published.astimezone(UTC),
        url=_http_url(item.get("permalink")),
        text=caption[:TEXT_LIMIT],
        media_type=media_type,
        hashtags=tuple(dict.fromkeys(tag.lower() for tag in _HASHTAG.findall(caption))),
        counts=Counts(
            likes=_int_or_none(item.get("like_count")),  # absent when the owner hides likes
            replies=_int_or_none(item.get("comments_count")),
        ),
        thumbnail_url=_http_url(thumbnail),
    )


def _media_type(item: Mapping[str, Any]) -> MediaType:
    if item.get("media_type") == "VIDEO" or item.get("media_product_type") == "REELS":
        return "video"
    return "image"  # IMAGE and CAROUSEL_ALBUM


def parse_error(body: bytes) -> SourceError:
    """Graph API's {"error": {...}} -> the SourceError it means, with Instagram's words."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        error = None
    if not isinstance(error, dict):
        return SourceError("bad_content", "Instagram answered with an error it did not explain.")
    code = error.get("code")
    said = str(error.get("error_user_msg") or error.get("message") or "no message")
    kind, meaning = _error_meaning(code if isinstance(code, int) else -1, said)
    return SourceError(kind, f"{meaning} Instagram said: {said!r} (code {code}).")


def _error_meaning(code: int, said: str) -> tuple[ErrorKind, str]:
    if code in _RATE_LIMIT_CODES or 80001 <= code <= 80014:
        return "rate_limited", "Instagram limits how often your token may ask; later runs retry."
    if code == 190:
        return "login_required", (
            "The access token expired or was revoked; create a new one in Meta's developer "
            "tools and put it in the environment variable this source names."
        )
    if code == 10 or 200 <= code <= 299:
        return "blocked", "Your token lacks a permission Business Discovery needs."
    if code in _NOT_FOUND_CODES or "invalid user id" in said.lower() or "cannot be found" in said:
        return "not_found", (
            "The account was not found; it must be an Instagram business or creator account."
        )
    if code in (1, 2):
        return "server_error", "Instagram had a temporary problem on its side."
    if code == 100:
        return "not_found", "Instagram did not accept the request; check ig_user_id."
    return "blocked", "Instagram refused the request."


def _http_url(value: object) -> str | None:
    return value if isinstance(value, str) and re.match(r"https?://\S+$", value) else None


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


# --- fetching --------------------------------------------------------------------------


async def collect(ctx: SourceContext) -> Harvest:
    source = ctx.source
    try:
        token = read_secret(source.token_env, f"instagram {source.username}")
    except ConfigError as error:
        message = f"{error}; it must hold your Instagram Graph API access token."
        raise SourceError("login_required", message) from None
    url = f"{ctx.base_url.rstrip('/')}/{source.ig_user_id}"
    account: AccountStats | None = None
    found: dict[str, Post] = {}
    after: str | None = None
    for _ in range(ctx.max_pages):
        params = {"fields": discovery_fields(source.username, after), "access_token": token}
        body = await _get(ctx, url, params, token)
        page_account, page, after = parse_discovery(body)
        account = account or page_account
        for post in page:
            if post.published_at >= ctx.since:
                found.setdefault(post.external_id, post)
        if not after or page[-1].published_at < ctx.since:
            break
    return Harvest(observed_at=ctx.now, posts=tuple(found.values()), account=account)


async def _get(ctx: SourceContext, url: str, params: Mapping[str, str], token: str) -> bytes:
    try:
        response = await ctx.client.get(url, params=params, allow_status=(400, 401, 403, 404))
    except SourceError as error:
        # The token travels in the address; it must never reach a message or a log.
        message = error.message.replace(token, "***").replace(quote(token, safe=""), "***")
        raise SourceError(error.kind, message) from None
    if response.status != 200:
        raise parse_error(response.content)
    return response.content
