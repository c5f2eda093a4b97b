"""Bluesky: parsing of the AppView's exact XRPC bodies, and collection end to end on loopback."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from collector_support import (
    BLUESKY_DID,
    BLUESKY_FEED,
    BLUESKY_PROFILE,
    JSON,
    NOW,
    SINCE,
    fixtures,
    loopback,
    run_collector,
    serve_bluesky,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from monitor.collectors.bluesky import parse_error, parse_feed, parse_profile, post_url
from monitor.config import BlueskySource
from monitor.domain import Harvest
from monitor.errors import SourceError

fixture = fixtures("bluesky")
P1 = f"at://{BLUESKY_DID}/app.bsky.feed.post/3l2lfldvsux46"
P3 = f"at://{BLUESKY_DID}/app.bsky.feed.post/3ldeijnbu553u"
REPOST = f"at://{BLUESKY_DID}/app.bsky.feed.repost/3lfi5agiq23cv"


def collect(
    server: HTTPServer,
    *,
    handle: str = "acme.bsky.social",
    feed_filter: str = "posts_no_replies",
    **options: Any,
) -> Harvest:
    source = BlueskySource(handle=handle, filter=feed_filter)
    return run_collector(source, loopback(server), now=NOW, since=SINCE, **options)


# --- parsing -----------------------------------------------------------------------


def test_profile_gives_did_and_audience() -> None:
    did, stats = parse_profile(fixture("getProfile.json"))
    assert did == BLUESKY_DID
    assert (stats.followers, stats.following, stats.posts_total) == (8421, 190, 1204)


def test_feed_maps_counters_text_and_web_address() -> None:
    page = parse_feed(fixture("getAuthorFeed_page1.json"))
    assert page.cursor == "2026-02-26T10:00:02.000Z"
    launch = page.entries[1].post
    assert launch.external_id == P1
    assert launch.url == "https://bsky.app/profile/acme.bsky.social/post/3l2lfldvsux46"
    assert launch.published_at == datetime(2026, 3, 9, 9, 15, tzinfo=UTC)
    assert launch.text.startswith("Rocket Skates 2 are out today")
    counts = launch.counts
    assert (counts.likes, counts.reposts, counts.replies, counts.quotes) == (87, 14, 6, 2)
    assert counts.views is None
    assert not launch.is_repost


def test_hashtags_come_from_facets_and_record_tags() -> None:
    entries = parse_feed(fixture("getAuthorFeed_page1.json")).entries
    assert entries[1].post.hashtags == ("RocketSkates", "launch")
    assert entries[3].post.hashtags == ("springsale",)  # record `tags`, not in the text


def test_media_type_comes_from_the_embed() -> None:
    first = parse_feed(fixture("getAuthorFeed_page1.json")).entries
    second = parse_feed(fixture("getAuthorFeed_page2.json")).entries
    assert [e.post.media_type for e in first[1:]] == ["link", "text", "image", "video"]
    # a quote post is a link; a quote with pictures is an image post
    assert [e.post.media_type for e in second] == ["link", "image", "text"]
    assert first[4].post.thumbnail_url.endswith("/thumbnail.jpg")


def test_repost_is_marked_with_the_originals_date() -> None:
    entry = parse_feed(fixture("getAuthorFeed_page1.json")).entries[2]
    assert entry.post.is_repost
    assert entry.post.external_id == REPOST
    assert entry.post.published_at == datetime(2025, 12, 1, 15, 0, tzinfo=UTC)
    assert entry.sorted_at == datetime(2026, 3, 5, 12, 30, tzinfo=UTC)  # when Acme reposted
    assert entry.post.url.startswith("https://bsky.app/profile/globex.example/post/")
    assert entry.post.counts.likes == 512


def test_pinned_post_is_not_a_repost() -> None:
    pinned = parse_feed(fixture("getAuthorFeed_page1.json")).entries[0]
    assert pinned.pinned
    assert not pinned.post.is_repost
    assert pinned.post.external_id == P3


def test_quote_count_absent_on_older_appview_is_none_not_zero() -> None:
    (entry,) = parse_feed(fixture("getAuthorFeed_2023_appview.json")).entries
    assert entry.post.counts.quotes is None
    assert entry.post.counts.likes == 9


def test_web_address_falls_back_to_the_did_when_the_handle_is_invalid() -> None:
    uri = f"at://{BLUESKY_DID}/app.bsky.feed.post/3kabc"
    assert post_url(uri, "handle.invalid") == f"https://bsky.app/profile/{BLUESKY_DID}/post/3kabc"
    assert post_url("not an at uri", "acme.bsky.social") is None


@pytest.mark.parametrize(
    ("status", "name", "kind"),
    [
        (400, "error_profile_not_found.json", "not_found"),
        (400, "error_account_takedown.json", "gone"),
        (400, "error_account_deactivated.json", "gone"),
        (400, "error_blocked_actor.json", "blocked"),
        (429, "error_rate_limit.json", "rate_limited"),
    ],
)
def test_xrpc_errors_become_plain_error_kinds(status: int, name: str, kind: str) -> None:
    error = parse_error(status, fixture(name), "acme.bsky.social", "https://x.example/xrpc")
    assert error.kind == kind
    said = json.loads(fixture(name))["message"]
    assert said in error.message


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"[]", b'{"feed": 3}', b'{"feed": [7]}'])
def test_unreadable_feed_is_bad_content(body: bytes) -> None:
    with pytest.raises(SourceError) as caught:
        parse_feed(body)
    assert caught.value.kind == "bad_content"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_parsers_raise_only_source_error_on_arbitrary_bytes(body: bytes) -> None:
    for parse in (parse_feed, parse_profile):
        with contextlib.suppress(SourceError):  # SourceError is the one allowed failure
            parse(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
post_keys = st.sampled_from(["uri", "record", "author", "embed", "indexedAt", "likeCount"])
item = st.fixed_dictionaries(
    {"post": st.dictionaries(post_keys, json_values)},
    optional={
        "reason": st.dictionaries(st.sampled_from(["$type", "indexedAt", "uri"]), json_values)
    },
)


@settings(max_examples=200, deadline=None)
@given(st.lists(item, max_size=3), json_values)
def test_feed_parser_raises_only_source_error_on_odd_json(feed: list, cursor: object) -> None:
    with contextlib.suppress(SourceError):
        parse_feed(json.dumps({"feed": feed, "cursor": cursor}).encode())


# --- collection end to end ---------------------------------------------------------


def test_collect_pages_back_to_the_lookback_limit(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    harvest = collect(httpserver)
    urls = [p.url.rsplit("/", 1)[1] for p in harvest.posts]
    assert len(harvest.posts) == 6  # pinned once, the 1 February post left out
    assert all(p.published_at >= SINCE or p.is_repost for p in harvest.posts)
    assert "3l2lfldvsux46" in urls
    asked = [request.args.get("cursor") for request, _ in httpserver.log]
    assert "2026-02-01T09:00:00.000Z" not in asked  # page 3 is past the lookback
    assert harvest.account.followers == 8421
    assert harvest.remember == {"did": BLUESKY_DID}


def test_pinned_post_is_counted_once(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    harvest = collect(httpserver)
    assert [p.external_id for p in harvest.posts].count(P3) == 1


def test_repost_is_not_counted_as_own_post(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    harvest = collect(httpserver)
    reposts = [p for p in harvest.posts if p.is_repost]
    assert [p.external_id for p in reposts] == [REPOST]
    assert len([p for p in harvest.posts if not p.is_repost]) == 5


def test_an_old_post_reposted_recently_does_not_stop_paging(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    harvest = collect(httpserver)
    assert any(p.published_at.month == 2 and p.published_at.day == 14 for p in harvest.posts)


def test_configured_filter_is_sent(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver, feed_filter="posts_with_replies")
    harvest = collect(httpserver, feed_filter="posts_with_replies")
    assert len(harvest.posts) == 6


def test_max_pages_stops_paging(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    harvest = collect(httpserver, max_pages=1)
    assert len(harvest.posts) == 4


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("error_profile_not_found.json", "not_found"),
        ("error_account_takedown.json", "gone"),
        ("error_blocked_actor.json", "blocked"),
    ],
)
def test_profile_errors_become_plain_error_kinds(
    httpserver: HTTPServer, name: str, kind: str
) -> None:
    httpserver.expect_request(BLUESKY_PROFILE).respond_with_data(
        fixture(name), status=400, content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == kind
    assert "acme.bsky.social" in caught.value.message


def test_blocked_feed_is_blocked(httpserver: HTTPServer) -> None:
    httpserver.expect_request(BLUESKY_PROFILE).respond_with_data(
        fixture("getProfile.json"), content_type=JSON
    )
    httpserver.expect_request(BLUESKY_FEED).respond_with_data(
        fixture("error_blocked_actor.json"), status=400, content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "blocked"


def test_rate_limit_waits_as_told_then_reports_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request(BLUESKY_PROFILE).respond_with_data(
        fixture("error_rate_limit.json"),
        status=429,
        content_type=JSON,
        headers={"Retry-After": "12", "RateLimit-Limit": "3000", "RateLimit-Remaining": "0"},
    )
    sleeps: list[float] = []
    with pytest.raises(SourceError) as caught:
        collect(httpserver, sleeps=sleeps)
    assert caught.value.kind == "rate_limited"
    assert sleeps == [12.0]


def test_forbidden_is_blocked(httpserver: HTTPServer) -> None:
    httpserver.expect_request(BLUESKY_PROFILE).respond_with_data(b"Forbidden", status=403)
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "blocked"


def test_html_instead_of_json_is_bad_content(httpserver: HTTPServer) -> None:
    httpserver.expect_request(BLUESKY_PROFILE).respond_with_data(
        b"<html><body>Maintenance</body></html>", content_type="text/html"
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "bad_content"
