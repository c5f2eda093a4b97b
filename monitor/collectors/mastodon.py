"""Mastodon: an account's public statuses through the instance's REST API (no login).

GET /api/v1/accounts/lookup?acct=<user> resolves the handle to an account id once (the id
is remembered), then GET /api/v1/accounts/<id>/statuses pages back with `max_id`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitor.collectors import SourceContext
from monitor.collectors.parsing import (
    html_to_text,
    json_count,
    json_object,
    json_text,
    load_json,
    required_time,
    status_problem,
)
from monitor.domain import AccountStats, Counts, Harvest, MediaType, Post
from monitor.errors import SourceError
from monitor.kinds.mastodon import KIND

PAGE_SIZE = 40  # the API's maximum
_ERROR_STATUSES = (401, 403, 404, 410)
SENDER = "the Mastodon server"
_MEDIA: dict[str, MediaType] = {
    "image": "image",
    "gifv": "image",
    "video": "video",
    "audio": "audio",
    "unknown": "document",
}


# --- pure parsing ------------------------------------------------------------------


def parse_account(body: bytes) -> tuple[str, AccountStats]:
    """An Account entity -> (account id, audience)."""
    account = _object(_load(body), "account")
    if account.get("suspended") is True:
        raise SourceError("gone", "the Mastodon account has been suspended by its server")
    account_id = account.get("id")
    if not isinstance(account_id, str) or not account_id:
        raise SourceError("bad_content", "the Mastodon server's account answer has no account id")
    return account_id, _account_stats(account)


def parse_statuses(body: bytes) -> list[Post]:
    """A page of Status entities (newest first) -> posts. Boosts are marked is_repost."""
    statuses = _load(body)
    if not isinstance(statuses, list):
        raise SourceError("bad_content", "the Mastodon server did not send a list of posts")
    return [_post(_object(status, "post")) for status in statuses]


def parse_statuses_account(body: bytes, account_id: str) -> AccountStats | None:
    """The account's audience as embedded in its own statuses (saves a request)."""
    for status in _load(body) or []:
        account = status.get("account") if isinstance(status, dict) else None
        if isinstance(account, dict) and account.get("id") == account_id:
            return _account_stats(account)
    return None


def parse_error(body: bytes) -> str | None:
    """The server's own words from an error body {"error": "..."}, if it sent any."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) and error.strip() else None


def next_max_id(link_header: str | None, posts: list[Post]) -> str | None:
    """The max_id of the next (older) page: from the Link header, else the last post's id."""
    for part in (link_header or "").split(","):
        match = re.match(r"\s*<([^>]*)>\s*;(.*)", part)
        if match and re.search(r'rel="?next"?', match.group(2)):
            found = parse_qs(urlsplit(match.group(1)).query).get("max_id")
            if found:
                return found[0]
    return posts[-1].external_id if posts else None


def _load(body: bytes) -> Any:
    return load_json(body, SENDER)


def _object(value: Any, what: str) -> dict[str, Any]:
    return json_object(value, what, SENDER)


def _account_stats(account: dict[str, Any]) -> AccountStats:
    return AccountStats(
        followers=_count(account, "followers_count"),
        following=_count(account, "following_count"),
        posts_total=_count(account, "statuses_count"),
    )


def _post(status: dict[str, Any]) -> Post:
    boosted = status.get("reblog")
    is_boost = isinstance(boosted, dict)
    # A boost is the company's act (its id and time), showing someone else's post.
    shown = _object(boosted, "boosted post") if is_boost else status
    status_id = status.get("id")
    if not isinstance(status_id, str) or not status_id:
        raise SourceError("bad_content", "the Mastodon server sent a post without an id")
    return Post(
        external_id=status_id,
        published_at=_time(status.get("created_at")),
        url=_text(shown.get("url")) or _text(shown.get("uri")),
        text=html_to_text(_text(shown.get("content")) or ""),
        media_type=_media_type(shown),
        hashtags=_hashtags(shown.get("tags")),
        is_repost=is_boost,
        counts=Counts(
            likes=_count(shown, "favourites_count"),
            replies=_count(shown, "replies_count"),
            reposts=_count(shown, "reblogs_count"),
            quotes=_count(shown, "quotes_count"),
            views=None,  # Mastodon shows no view counts
        ),
        thumbnail_url=_thumbnail(shown),
    )


def _media_type(status: dict[str, Any]) -> MediaType:
    attachments = status.get("media_attachments")
    if isinstance(attachments, list):
        for attachment in attachments:
            kind = attachment.get("type") if isinstance(attachment, dict) else None
            if kind in _MEDIA:
                return _MEDIA[kind]
    if isinstance(status.get("poll"), dict):
        return "poll"  # before the card: a poll that mentions a link is still a poll
    if isinstance(status.get("card"), dict):
        return "link"
    return "text"


def _thumbnail(status: dict[str, Any]) -> str | None:
    attachments = status.get("media_attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if isinstance(attachment, dict) and _text(attachment.get("preview_url")):
            return attachment["preview_url"]
    card = status.get("card")
    return _text(card.get("image")) if isinstance(card, dict) else None


def _hashtags(tags: Any) -> tuple[str, ...]:
    if not isinstance(tags, list):
        return ()
    names = (t.get("name") for t in tags if isinstance(t, dict))
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n))


_count = json_count
_text = json_text


def _time(value: Any) -> datetime:
    return required_time(value, "post", SENDER)


# --- I/O ---------------------------------------------------------------------------


def split_handle(handle: str) -> tuple[str, str]:
    """'@acme@mastodon.social' -> ('acme', 'mastodon.social')."""
    user, _, instance = handle.removeprefix("@").partition("@")
    if not user or not instance:
        raise SourceError("not_found", f"{handle!r} is not a Mastodon handle like @name@server")
    return user, instance


DEFAULT_BASE_URL = KIND.default_base_url


def base_url_for(ctx: SourceContext, instance: str) -> str:
    """The instance named in the handle, unless the configuration points elsewhere."""
    base = ctx.base_url or DEFAULT_BASE_URL
    return base.replace("{instance}", instance).rstrip("/")


async def collect(ctx: SourceContext) -> Harvest:
    handle = ctx.source.target
    user, instance = split_handle(handle)
    base = base_url_for(ctx, instance)
    remembered = ctx.remember.get("account_id") if ctx.remember.get("acct") == handle else None
    account_id, account = remembered, None
    if account_id is None:
        account_id, account = await _lookup(ctx, base, user, handle)
    try:
        posts, embedded = await _statuses(ctx, base, account_id, handle)
    except SourceError as error:
        if remembered is None or error.kind != "not_found":
            raise
        # The remembered id went stale (the account moved or was recreated): resolve again.
        account_id, account = await _lookup(ctx, base, user, handle)
        posts, embedded = await _statuses(ctx, base, account_id, handle)
    if account is None:
        account = embedded or await _account(ctx, base, account_id, handle)
    return Harvest(
        observed_at=ctx.now,
        posts=tuple(posts),
        account=account,
        remember={"account_id": account_id, "acct": handle},
    )


async def _lookup(
    ctx: SourceContext, base: str, user: str, handle: str
) -> tuple[str, AccountStats]:
    url = f"{base}/api/v1/accounts/lookup"
    response = await ctx.client.get(url, params={"acct": user}, allow_status=_ERROR_STATUSES)
    _raise_for_status(response.status, response.content, handle, url)
    return parse_account(response.content)


async def _account(ctx: SourceContext, base: str, account_id: str, handle: str) -> AccountStats:
    url = f"{base}/api/v1/accounts/{account_id}"
    response = await ctx.client.get(url, allow_status=_ERROR_STATUSES)
    _raise_for_status(response.status, response.content, handle, url)
    return parse_account(response.content)[1]


async def _statuses(
    ctx: SourceContext, base: str, account_id: str, handle: str
) -> tuple[list[Post], AccountStats | None]:
    url = f"{base}/api/v1/accounts/{account_id}/statuses"
    exclude_replies = "true" if ctx.source.exclude_replies else "false"
    posts: list[Post] = []
    account: AccountStats | None = None
    max_id: str | None = None
    for _page in range(ctx.max_pages):
        params = {"limit": PAGE_SIZE, "exclude_replies": exclude_replies}
        if max_id:
            params["max_id"] = max_id
        response = await ctx.client.get(url, params=params, allow_status=_ERROR_STATUSES)
        _raise_for_status(response.status, response.content, handle, url)
        page = parse_statuses(response.content)
        account = account or parse_statuses_account(response.content, account_id)
        posts += [p for p in page if p.published_at >= ctx.since]
        following = next_max_id(response.headers.get("link"), page)
        if not page or page[-1].published_at < ctx.since or following in (None, max_id):
            break
        max_id = following
    return posts, account


def _raise_for_status(status: int, body: bytes, handle: str, url: str) -> None:
    if 200 <= status < 300:
        return
    raise status_problem(
        status,
        url,
        subject=f"Mastodon account {handle}",
        where=f"the Mastodon server of {handle}",
        said=parse_error(body),
    )
