"""Bluesky mentions through `app.bsky.feed.searchPosts`, logged in with the user's own
handle and app password (`com.atproto.server.createSession`): Bluesky has required a login
for search since 2025.

A search result is a postView like an author feed's, so the bluesky collector's parsing
reads it; each term is searched as a phrase, newest first, back to the lookback.
"""

from __future__ import annotations

from typing import Any

from monitor.collectors import SourceContext
from monitor.collectors.bluesky import parse_error
from monitor.collectors.bluesky import post_from_view as _post
from monitor.collectors.mentions import search_phrases
from monitor.collectors.parsing import json_object, json_text, load_json
from monitor.config import read_secret
from monitor.domain import Harvest, Mention
from monitor.errors import ConfigError, SourceError

SENDER = "Bluesky"
PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 5  # a term a cycle
_ERROR_STATUSES = (400, 401, 403)


def parse_session(body: bytes) -> str:
    """createSession's answer -> the access token."""
    session = json_object(load_json(body, SENDER), "login answer", SENDER)
    token = json_text(session.get("accessJwt"))
    if token is None:
        raise SourceError("bad_content", "Bluesky's login answer has no access token")
    return token


def parse_search(body: bytes) -> tuple[list[Mention], str | None]:
    """A searchPosts page: its mentions, and the cursor of the next page (or None)."""
    data = json_object(load_json(body, SENDER), "search answer", SENDER)
    posts = data.get("posts")
    if not isinstance(posts, list):
        raise SourceError("bad_content", "Bluesky sent a search answer without its posts")
    mentions = [_mention(view) for view in posts if isinstance(view, dict)]
    return mentions, json_text(data.get("cursor"))


def _mention(view: dict[str, Any]) -> Mention:
    post = _post(view)
    author = view.get("author") if isinstance(view.get("author"), dict) else {}
    return Mention(
        url=post.url or post.external_id,
        published_at=post.published_at,
        external_id=post.external_id,
        text=post.text,
        author=json_text(author.get("handle")),
        counts=post.counts,
    )


async def _login(ctx: SourceContext) -> str:
    source = ctx.source
    try:
        password = read_secret(source.app_password_env, f"bluesky_search {source.handle}")
    except ConfigError as error:
        raise SourceError("misconfigured", f"{error}; it must hold an app password") from None
    response = await ctx.client.post(
        f"{ctx.base_url}/xrpc/com.atproto.server.createSession",
        json_body={"identifier": source.handle, "password": password},
        allow_status=_ERROR_STATUSES,
    )
    if response.status in (400, 401):
        raise SourceError(
            "login_required",
            f"Bluesky refused the login of {source.handle}: check the app password in "
            f"{source.app_password_env} (Settings > Privacy and security > App passwords)",
        )
    if response.status >= 400:
        raise parse_error(response.status, response.content, source.handle, response.url)
    return parse_session(response.content)


async def collect(ctx: SourceContext) -> Harvest:
    token = await _login(ctx)
    headers = {"Authorization": f"Bearer {token}"}
    since = ctx.since.strftime("%Y-%m-%dT%H:%M:%SZ")
    found: dict[str, Mention] = {}
    for phrase in search_phrases(ctx.mentions.terms if ctx.mentions else []):
        cursor: str | None = None
        for _page in range(min(MAX_PAGES, ctx.max_pages)):
            params = {"q": f'"{phrase}"', "sort": "latest", "since": since, "limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            response = await ctx.client.get(
                f"{ctx.base_url}/xrpc/app.bsky.feed.searchPosts",
                params=params,
                headers=headers,
                allow_status=_ERROR_STATUSES,
            )
            if response.status >= 400:
                raise parse_error(response.status, response.content, "search", response.url)
            mentions, following = parse_search(response.content)
            for mention in mentions:
                if mention.published_at >= ctx.since:
                    found.setdefault(mention.url, mention)
            if not mentions or following in (None, cursor):
                break
            cursor = following
    return Harvest(observed_at=ctx.now, mentions=tuple(found.values()))
