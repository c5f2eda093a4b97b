"""Reddit: a user's submissions (`u/name`) or a subreddit's new posts (`r/name`).

Three ways in, best first: the OAuth application-only grant with the user's own app
credentials (what Reddit serves reliably today), the anonymous JSON listing, then the
anonymous RSS (Atom) listing, which has no counters. Score is Reddit's net votes
(upvotes minus downvotes) and is mapped to `likes`; num_comments to `replies`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from monitor.collectors import SourceContext
from monitor.collectors.parsing import TEXT_LIMIT, as_count, load_json
from monitor.config import read_secret
from monitor.domain import AccountStats, Counts, Harvest, MediaType, Post
from monitor.errors import ConfigError, SourceError
from monitor.kinds.reddit import KIND
from monitor.safe_xml import refuse_xml_entities

DEFAULT_BASE_URL = KIND.default_base_url
OAUTH_API_URL = "https://oauth.reddit.com"
PAGE_SIZE = 100
CREDENTIALS_HELP = (
    "Reddit now wants credentials for automated reading: create a free 'script' app at "
    "https://www.reddit.com/prefs/apps, put its client id and secret in two environment "
    "variables, and name them in this source as client_id_env and client_secret_env."
)
_VIDEO_HINTS = {"hosted:video", "rich:video"}
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_RSS_LINK = re.compile(r'<a href="([^"]+)">\[link\]</a>')


# --- parsing (pure) ------------------------------------------------------------------


def _load_json(body: bytes, what: str) -> Any:
    return load_json(body, f"Reddit's {what}")


def parse_listing(
    body: bytes, *, web_base: str = DEFAULT_BASE_URL
) -> tuple[list[Post], str | None]:
    """A Listing of t3 (link) things -> posts, and the `after` cursor of the next page."""
    data = _load_json(body, "listing")
    if not isinstance(data, dict) or data.get("kind") != "Listing":
        raise SourceError("bad_content", "Reddit answered with something that is not a listing.")
    listing = data.get("data")
    children = listing.get("children") if isinstance(listing, dict) else None
    if not isinstance(children, list):
        raise SourceError("bad_content", "Reddit's listing has no list of posts.")
    posts = [
        _post(child["data"], web_base)
        for child in children
        if isinstance(child, dict)
        and child.get("kind") == "t3"
        and isinstance(child.get("data"), dict)
    ]
    after = listing.get("after")
    return posts, after if isinstance(after, str) and after else None


def _post(data: Mapping[str, Any], web_base: str) -> Post:
    try:
        created = datetime.fromtimestamp(float(data["created_utc"]), tz=UTC)
        external_id = str(data.get("name") or f"t3_{data['id']}")
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        raise SourceError("bad_content", "A Reddit post has no id or creation time.") from None
    permalink = data.get("permalink")
    text = data.get("selftext") if isinstance(data.get("selftext"), str) else ""
    return Post(
        external_id=external_id,
        published_at=created,
        url=web_base.rstrip("/") + permalink if _is_path(permalink) else None,
        title=_str_or_none(data.get("title")),
        text=text[:TEXT_LIMIT],
        media_type=_media_type(data),
        is_repost=bool(data.get("crosspost_parent")),
        counts=Counts(
            # Reddit hides the score of young posts in some subreddits (hide_score).
            likes=None if data.get("hide_score") else _int_or_none(data.get("score")),
            replies=_int_or_none(data.get("num_comments")),
        ),
        thumbnail_url=_http_url(data.get("thumbnail")),
    )


def _media_type(data: Mapping[str, Any]) -> MediaType:
    hint = data.get("post_hint")
    url = str(data.get("url_overridden_by_dest") or data.get("url") or "").lower()
    if data.get("is_video") or hint in _VIDEO_HINTS or "//v.redd.it/" in url:
        return "video"
    if hint == "image" or data.get("is_gallery") or url.split("?")[0].endswith(_IMAGE_EXTENSIONS):
        return "image"
    if data.get("is_self") or hint == "self":
        return "text"
    return "link"


def parse_about(body: bytes) -> AccountStats:
    """/r/<name>/about.json (a t5 thing) -> the subreddit's subscribers as followers."""
    data = _load_json(body, "subreddit description")
    about = data.get("data") if isinstance(data, dict) else None
    if not isinstance(about, dict) or data.get("kind") != "t5":
        raise SourceError("bad_content", "Reddit's subreddit description has an unknown shape.")
    return AccountStats(followers=_int_or_none(about.get("subscribers")))


def parse_rss(body: bytes) -> list[Post]:
    """The Atom listing (/r/<name>/new.rss, /user/<name>/submitted.rss): posts, no counters."""
    refuse_xml_entities(body, "Reddit's RSS listing")
    feed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if not feed.entries and (feed.bozo or "atom" not in feed.get("version", "")):
        raise SourceError("bad_content", "Reddit's RSS listing could not be read as a feed.")
    posts = []
    for entry in feed.entries:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        if not entry.get("id") or when is None:
            continue
        thumbnail = (entry.get("media_thumbnail") or [{}])[0].get("url")
        link = _http_url(entry.get("link"))
        posts.append(
            Post(
                external_id=entry.id,
                published_at=datetime(*when[:6], tzinfo=UTC),
                url=link,
                title=_str_or_none(entry.get("title")),
                media_type=_rss_media_type(entry, link),
                thumbnail_url=_http_url(thumbnail),
                published_estimated=entry.get("published_parsed") is None,
            )
        )
    return posts


def _rss_media_type(entry: Mapping[str, Any], permalink: str | None) -> MediaType:
    # The entry's HTML ends with "[link]" pointing at what was posted: the post itself
    # for a text post, an image or video host, or another site.
    content = " ".join(c.get("value", "") for c in entry.get("content") or [])
    found = _RSS_LINK.search(content)
    if not found or found.group(1) == permalink:
        return "text"
    return _media_type({"url": found.group(1).replace("&amp;", "&")})


def parse_token(body: bytes) -> str:
    """The access token of an application-only grant; a refusal is login_required."""
    data = _load_json(body, "token answer")
    token = data.get("access_token") if isinstance(data, dict) else None
    if isinstance(token, str) and token:
        return token
    reason = data.get("error") if isinstance(data, dict) else None
    raise SourceError(
        "login_required",
        f"Reddit refused the app credentials ({reason or 'no access token given'}); "
        "check the client id and secret of your Reddit app.",
    )


def refusal_reason(body: bytes) -> str | None:
    """Reddit's reason for a 403/404 JSON error ("private", "banned", "quarantined")."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    reason = data.get("reason") if isinstance(data, dict) else None
    return reason if isinstance(reason, str) else None


def _is_path(value: object) -> bool:
    return isinstance(value, str) and value.startswith("/") and not value.startswith("//")


def _http_url(value: object) -> str | None:
    return value if isinstance(value, str) and re.match(r"https?://\S+$", value) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int_or_none(value: object) -> int | float | None:
    return as_count(value)


# --- fetching --------------------------------------------------------------------------


class _Refused(Exception):
    """Anonymous access refused (403 without a reason, 429): time for the next way in."""


@dataclass(frozen=True)
class _Route:
    api: str  # where the listings live
    suffix: str  # ".json" anonymously; nothing on the OAuth host
    headers: Mapping[str, str]


def listing_path(target: str) -> str:
    """`r/name` -> /r/name/new, `u/name` -> /user/name/submitted."""
    prefix, name = target.split("/", 1)
    return f"/r/{name}/new" if prefix == "r" else f"/user/{name}/submitted"


async def collect(ctx: SourceContext) -> Harvest:
    target: str = ctx.source.target
    warnings: list[str] = []
    if ctx.source.client_id_env:
        route = await _oauth_route(ctx)
        posts = await _read_pages(ctx, route, parse_listing, anonymous=False)
    else:
        route = _Route(ctx.base_url, ".json", {})
        try:
            posts = await _read_pages(ctx, route, parse_listing, anonymous=True)
        except _Refused as refusal:
            posts = await _read_rss(ctx, str(refusal))
            warnings.append(
                f"Reddit refused the JSON listing of {target} ({refusal}), so only the RSS "
                "listing was read: it has no vote or comment counts. " + CREDENTIALS_HELP
            )
    account = await _account(ctx, route, warnings)
    return Harvest(
        observed_at=ctx.now, posts=tuple(posts), account=account, warnings=tuple(warnings)
    )


async def _oauth_route(ctx: SourceContext) -> _Route:
    where = f"reddit {ctx.source.target}"
    try:
        client_id = read_secret(ctx.source.client_id_env, where)
        secret = read_secret(ctx.source.client_secret_env, where)
    except ConfigError as error:
        message = f"{error}; it must hold your Reddit app's credentials."
        raise SourceError("login_required", message) from None
    overridden = ctx.base_url.rstrip("/") != DEFAULT_BASE_URL
    auth_base = ctx.base_url if overridden else DEFAULT_BASE_URL
    response = await ctx.client.post(
        f"{auth_base}/api/v1/access_token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        allow_status=(400, 401, 403),
    )
    if response.status != 200:
        raise SourceError(
            "login_required",
            f"Reddit refused your app credentials (HTTP {response.status}); check the client "
            "id and secret of your Reddit app at https://www.reddit.com/prefs/apps.",
        )
    token = parse_token(response.content)
    api = ctx.base_url if overridden else OAUTH_API_URL
    return _Route(api, "", {"Authorization": f"bearer {token}"})


async def _read_pages(
    ctx: SourceContext, route: _Route, parse: Any, *, anonymous: bool
) -> list[Post]:
    """Page back with `after` until the posts are older than ctx.since."""
    url = f"{route.api}{listing_path(ctx.source.target)}{route.suffix}"
    found: dict[str, Post] = {}
    after: str | None = None
    for _ in range(ctx.max_pages):
        params: dict[str, str | int] = {"limit": PAGE_SIZE, "raw_json": 1}
        if after:
            params["after"] = after
        response = await _get(ctx, url, params, route.headers, anonymous=anonymous)
        page, after = parse(response.content, web_base=_web_base(ctx))
        for post in page:
            if post.published_at >= ctx.since:
                found.setdefault(post.external_id, post)
        # Listings run newest first (pinned posts aside, at the top): the last one decides.
        if not after or not page or page[-1].published_at < ctx.since:
            break
    return list(found.values())


async def _read_rss(ctx: SourceContext, refusal: str) -> list[Post]:
    def parse(body: bytes, web_base: str) -> tuple[list[Post], str | None]:
        posts = parse_rss(body)
        return posts, posts[-1].external_id if posts else None

    try:
        return await _read_pages(ctx, _Route(ctx.base_url, ".rss", {}), parse, anonymous=True)
    except _Refused as again:
        raise SourceError(
            "blocked",
            f"Reddit refused both the JSON listing ({refusal}) and the RSS listing ({again}) "
            f"of {ctx.source.target}. {CREDENTIALS_HELP}",
        ) from None


async def _get(
    ctx: SourceContext,
    url: str,
    params: Mapping[str, str | int],
    headers: Mapping[str, str],
    *,
    anonymous: bool,
) -> Any:
    target = ctx.source.target
    try:
        response = await ctx.client.get(
            url, params=params, headers=headers, allow_status=(401, 403, 404)
        )
    except SourceError as error:
        if anonymous and error.kind == "rate_limited":
            raise _Refused("HTTP 429 Too Many Requests") from None
        raise
    if response.status == 200 and "/subreddits/search" in response.url:
        # Reddit sends the name of a missing subreddit to its search page.
        raise SourceError("not_found", f"{target} does not exist on Reddit.")
    if response.status == 200:
        return response
    reason = refusal_reason(response.content)
    if response.status == 404:
        if reason == "banned":
            raise SourceError("gone", f"{target} was banned by Reddit and cannot be read.")
        raise SourceError("not_found", f"{target} does not exist on Reddit (HTTP 404).")
    if reason == "private":
        raise SourceError("blocked", f"{target} is private: only its approved members see it.")
    if reason in ("quarantined", "gold_only"):
        raise SourceError("login_required", f"{target} is {reason}: Reddit shows it to members.")
    if response.status == 401 and not anonymous:
        raise SourceError("login_required", "Reddit did not accept the access token it gave us.")
    if anonymous:
        raise _Refused(f"HTTP {response.status}")
    raise SourceError(
        "blocked", f"Reddit refused to show {target} even with your app credentials (HTTP 403)."
    )


async def _account(ctx: SourceContext, route: _Route, warnings: list[str]) -> AccountStats:
    prefix, name = ctx.source.target.split("/", 1)
    if prefix != "r":
        return AccountStats()  # a user's karma is not an audience; Reddit shows no followers
    url = f"{route.api}/r/{name}/about{route.suffix}"
    try:
        response = await _get(ctx, url, {"raw_json": 1}, route.headers, anonymous=True)
        return parse_about(response.content)
    except (_Refused, SourceError) as error:
        if isinstance(error, SourceError) and error.kind not in ("blocked", "bad_content"):
            raise
        warnings.append(f"The subscribers of {ctx.source.target} could not be read ({error}).")
        return AccountStats()


def _web_base(ctx: SourceContext) -> str:
    base = ctx.base_url.rstrip("/")
    return DEFAULT_BASE_URL if base == OAUTH_API_URL else base
