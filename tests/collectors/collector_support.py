"""What the collector tests share: fixture bytes, one collection on loopback, the served pages.

Imported by its file name (`from collector_support import ...`), as pytest puts this folder
on the path; the name is distinctive so that it cannot clash with another test folder's
helpers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from monitor.collectors import SourceContext, collector_for
from monitor.config import CollectSettings, SourceConfig
from monitor.domain import Harvest
from monitor.net import HttpClient

FIXTURES = Path(__file__).parent.parent / "fixtures"
# When the paging kinds' fixtures are collected, and how far back: their posts are dated
# around this time, some inside the 30 days and some just before them.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)  # 2026-02-08 12:00
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
ATOM = "application/atom+xml; charset=UTF-8"

MASTODON_ACCOUNT_ID = "109300000000000001"
MASTODON_STATUSES = f"/api/v1/accounts/{MASTODON_ACCOUNT_ID}/statuses"
BLUESKY_DID = "did:plc:acme7x3kq2wz5v4n6m5p2r3t"
BLUESKY_PROFILE = "/xrpc/app.bsky.actor.getProfile"
BLUESKY_FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
REDDIT_FIRST_PAGE = {"limit": "100", "raw_json": "1"}
REDDIT_SECOND_PAGE = {**REDDIT_FIRST_PAGE, "after": "t3_1b0a004"}
IG_USER_ID = "17841400000000001"
IG_TOKEN = "EAAGacmeTOKEN0123456789abcdef"
IG_MEDIA = (
    "{id,timestamp,caption,media_type,media_product_type,permalink,"
    "like_count,comments_count,thumbnail_url,media_url}"
)
IG_FIRST_FIELDS = (
    "business_discovery.username(acmeofficial)"
    "{followers_count,follows_count,media_count,media.limit(50)" + IG_MEDIA + "}"
)
IG_SECOND_FIELDS = (
    "business_discovery.username(acmeofficial)"
    "{followers_count,follows_count,media_count,media.after(QVFIUmFjbWVQYWdlMg).limit(50)"
    + IG_MEDIA
    + "}"
)
YT_CHANNEL = "UCacmeCorpVideos0000001A"


def read_fixture(kind: str, name: str) -> bytes:
    return (FIXTURES / kind / name).read_bytes()


def fixtures(kind: str) -> Callable[[str], bytes]:
    """`fixture = fixtures("mastodon")`, then `fixture("account_lookup.json")`."""
    return partial(read_fixture, kind)


def loopback(server: HTTPServer) -> str:
    """The test server's address as a source's base_url is written: no trailing slash."""
    return server.url_for("/").rstrip("/")


def run_collector(
    source: SourceConfig,
    base_url: str,
    *,
    now: datetime,
    since: datetime,
    remember: dict[str, Any] | None = None,
    max_pages: int = 50,
    sleeps: list[float] | None = None,
    mentions: Any = None,
    **settings: Any,
) -> Harvest:
    """One collection of `source` by the collector registered for its kind.

    The client's waits are appended to `sleeps` instead of slept, so a Retry-After test is
    instant and can assert the wait. `settings` override the CollectSettings used here
    (1 ms between requests to a host, one retry, a 5 s timeout).
    """
    collect_settings = CollectSettings(
        **{"per_host_interval": "1ms", "max_retries": 1, "timeout": "5s", **settings}
    )
    waits = sleeps if sleeps is not None else []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def run() -> Harvest:
        async with HttpClient(collect_settings, sleep=fake_sleep) as client:
            ctx = SourceContext(
                source=source,
                client=client,
                base_url=base_url,
                now=now,
                since=since,
                remember=remember or {},
                max_pages=max_pages,
                mentions=mentions,
            )
            return await collector_for(source.kind).collect(ctx)

    return asyncio.run(run())


# --- each kind's fixture pages, served where the platform serves them ---------------------
# `first_page` (or `latest`, `feed`) replaces the first page's fixture body: the two-cycle
# tests serve it with one counter changed.


def _given_or_fixture(body: bytes | None, kind: str, name: str) -> bytes:
    return body if body is not None else read_fixture(kind, name)


def serve_mastodon(server: HTTPServer, first_page: bytes | None = None) -> None:
    """The account lookup, then three pages of statuses, the Link header naming the next."""
    server.expect_request("/api/v1/accounts/lookup", query_string="acct=acme").respond_with_data(
        read_fixture("mastodon", "account_lookup.json"), content_type=JSON
    )
    link = (
        f'<https://social.acme.example{MASTODON_STATUSES}?limit=40&max_id={{}}>; rel="next", '
        f'<https://social.acme.example{MASTODON_STATUSES}?limit=40&min_id=1>; rel="prev"'
    )
    pages = [  # max_id asked for, the page, the id its Link header names next
        (None, "statuses_page1.json", "113900000000000002"),
        ("113900000000000002", "statuses_page2.json", "113800000000000007"),
        ("113800000000000007", "statuses_page3.json", "113700000000000001"),
    ]
    for max_id, name, last in pages:
        body = _given_or_fixture(None if max_id else first_page, "mastodon", name)
        query = {"limit": "40", "exclude_replies": "true", **({"max_id": max_id} if max_id else {})}
        server.expect_request(MASTODON_STATUSES, query_string=query).respond_with_data(
            body, content_type=JSON, headers={"Link": link.format(last)}
        )


def serve_bluesky(
    server: HTTPServer, feed_filter: str = "posts_no_replies", first_page: bytes | None = None
) -> None:
    """The profile, then three pages of the author feed by cursor."""
    server.expect_request(
        BLUESKY_PROFILE, query_string={"actor": "acme.bsky.social"}
    ).respond_with_data(read_fixture("bluesky", "getProfile.json"), content_type=JSON)
    pages = [
        (None, _given_or_fixture(first_page, "bluesky", "getAuthorFeed_page1.json")),
        ("2026-02-26T10:00:02.000Z", read_fixture("bluesky", "getAuthorFeed_page2.json")),
        ("2026-02-01T09:00:00.000Z", read_fixture("bluesky", "getAuthorFeed_page3.json")),
    ]
    for cursor, body in pages:
        query = {"actor": BLUESKY_DID, "limit": "100", "filter": feed_filter}
        server.expect_request(
            BLUESKY_FEED, query_string={**query, **({"cursor": cursor} if cursor else {})}
        ).respond_with_data(body, content_type=JSON)


def serve_telegram(server: HTTPServer, latest: bytes | None = None) -> None:
    """The t.me/s/ preview of acme_news, then the pages before messages 141 and 135."""
    latest = _given_or_fixture(latest, "telegram", "channel_latest.html")
    server.expect_request("/s/acme_news", query_string="").respond_with_data(
        latest, content_type=HTML
    )
    for before in ("141", "135"):
        server.expect_request("/s/acme_news", query_string={"before": before}).respond_with_data(
            read_fixture("telegram", f"channel_before_{before}.html"), content_type=HTML
        )


def serve_reddit(
    server: HTTPServer,
    first_page: bytes | None = None,
    suffix: str = ".json",
    headers: dict[str, str] | None = None,
) -> None:
    """r/acme: two pages of the `new` listing and the about page (`suffix` "" for OAuth)."""
    headers = headers or {}
    pages = (
        (REDDIT_FIRST_PAGE, _given_or_fixture(first_page, "reddit", "acme_new_page1.json")),
        (REDDIT_SECOND_PAGE, read_fixture("reddit", "acme_new_page2.json")),
    )
    for query, body in pages:
        server.expect_request(
            f"/r/acme/new{suffix}", query_string=query, headers=headers
        ).respond_with_data(body, content_type=JSON)
    server.expect_request(f"/r/acme/about{suffix}", headers=headers).respond_with_data(
        read_fixture("reddit", "acme_about.json"), content_type=JSON
    )


def serve_instagram(server: HTTPServer, first_page: bytes | None = None) -> None:
    """Two pages of Business Discovery for acmeofficial, the second asked for by cursor."""
    pages = (
        (IG_FIRST_FIELDS, _given_or_fixture(first_page, "instagram", "discovery_page1.json")),
        (IG_SECOND_FIELDS, read_fixture("instagram", "discovery_page2.json")),
    )
    for fields, body in pages:
        server.expect_request(
            f"/{IG_USER_ID}", query_string={"fields": fields, "access_token": IG_TOKEN}
        ).respond_with_data(body, content_type=JSON)


def serve_youtube(server: HTTPServer, feed: bytes | None = None) -> None:
    """The channel's Atom feed of videos."""
    server.expect_request(
        "/feeds/videos.xml", query_string={"channel_id": YT_CHANNEL}
    ).respond_with_data(_given_or_fixture(feed, "youtube", "channel_feed.xml"), content_type=ATOM)


def serve_html(
    server: HTTPServer, body: bytes, path: str = "/news", robots: bytes | None = None
) -> None:
    """A page at `path`, and robots.txt: missing (404) unless `robots` is given."""
    if robots is None:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
    else:
        server.expect_request("/robots.txt").respond_with_data(robots, content_type="text/plain")
    server.expect_request(path).respond_with_data(body, content_type=HTML)
