"""Mastodon: parsing of the REST API's exact bodies, and collection end to end on loopback."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from collector_support import (
    JSON,
    MASTODON_ACCOUNT_ID,
    MASTODON_STATUSES,
    NOW,
    SINCE,
    fixtures,
    loopback,
    run_collector,
    serve_mastodon,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from monitor.collectors import SourceContext, collector_for
from monitor.collectors.mastodon import (
    html_to_text,
    next_max_id,
    parse_account,
    parse_error,
    parse_statuses,
)
from monitor.config import MastodonSource
from monitor.domain import Harvest
from monitor.errors import SourceError

fixture = fixtures("mastodon")


def collect(server: HTTPServer, *, exclude_replies: bool = True, **options: Any) -> Harvest:
    """Run the registered mastodon collector against the loopback server."""
    source = MastodonSource(handle="@acme@social.acme.example", exclude_replies=exclude_replies)
    return run_collector(source, loopback(server), now=NOW, since=SINCE, **options)


def requested_paths(server: HTTPServer) -> list[str]:
    return [request.full_path for request, _response in server.log]


# --- parsing -----------------------------------------------------------------------


def test_account_lookup_gives_id_and_audience() -> None:
    account_id, stats = parse_account(fixture("account_lookup.json"))
    assert account_id == MASTODON_ACCOUNT_ID
    assert (stats.followers, stats.following, stats.posts_total) == (12840, 311, 2417)


def test_statuses_map_counters_media_and_hashtags() -> None:
    posts = parse_statuses(fixture("statuses_page1.json"))
    assert [p.external_id for p in posts] == [
        "113900000000000005",
        "113900000000000004",
        "113900000000000003",
        "113900000000000002",
    ]
    launch = posts[0]
    assert launch.published_at == datetime(2026, 3, 9, 9, 15, tzinfo=UTC)
    assert launch.url == "https://social.acme.example/@acme/113900000000000005"
    assert (launch.counts.likes, launch.counts.reposts, launch.counts.replies) == (128, 31, 12)
    assert launch.counts.quotes == 4
    assert launch.counts.views is None
    assert launch.media_type == "link"
    assert launch.hashtags == ("rocketskates", "launch")
    assert not launch.is_repost
    assert [p.media_type for p in posts[2:]] == ["image", "poll"]
    assert posts[2].thumbnail_url.endswith("/small/acme.png")


def test_html_content_becomes_plain_text() -> None:
    launch = parse_statuses(fixture("statuses_page1.json"))[0]
    assert launch.text.startswith("The new Acme Rocket Skates are here: 40% lighter")
    assert "Read the launch notes: https://acme.example/blog/rocket-skates" in launch.text
    assert "<" not in launch.text
    assert html_to_text("<p>one<br />two</p><p>three</p>") == "one\ntwo\n\nthree"


def test_boost_is_marked_and_shows_the_boosted_post() -> None:
    boost = parse_statuses(fixture("statuses_page1.json"))[1]
    assert boost.is_repost
    assert boost.external_id == "113900000000000004"  # the boost itself, unique per account
    assert boost.published_at == datetime(2026, 3, 7, 16, 40, 12, 512000, tzinfo=UTC)
    assert boost.url == "https://globex.example/@globex/113899000000000321"
    assert boost.text.startswith("Globex and Acme will share a booth")
    assert boost.counts.likes == 56


def test_video_and_audio_attachments() -> None:
    posts = parse_statuses(fixture("statuses_page2.json"))
    assert [p.media_type for p in posts] == ["video", "audio", "text"]


def test_quotes_count_absent_on_older_servers_is_none_not_zero() -> None:
    (post,) = parse_statuses(fixture("statuses_mastodon_4_2.json"))
    assert post.counts.quotes is None
    assert post.counts.likes == 3
    assert post.counts.engagement == 4


def test_next_page_comes_from_the_link_header_else_the_last_id() -> None:
    posts = parse_statuses(fixture("statuses_page2.json"))
    header = (
        '<https://x.example/api/v1/accounts/1/statuses?max_id=42>; rel="next", '
        '<https://x.example/api/v1/accounts/1/statuses?min_id=99>; rel="prev"'
    )
    assert next_max_id(header, posts) == "42"
    assert next_max_id(None, posts) == "113800000000000007"
    assert next_max_id(None, []) is None


def test_suspended_account_is_gone() -> None:
    with pytest.raises(SourceError) as caught:
        parse_account(fixture("account_suspended.json"))
    assert caught.value.kind == "gone"


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b'{"id": 5}', b"[1, 2]", b""])
def test_unreadable_bodies_are_bad_content(body: bytes) -> None:
    with pytest.raises(SourceError) as caught:
        parse_statuses(body) if body.startswith(b"[") else parse_account(body)
    assert caught.value.kind == "bad_content"


def test_error_body_gives_the_servers_words() -> None:
    assert parse_error(fixture("error_not_found.json")) == "Record not found"
    assert parse_error(b"<html>") is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_parsers_raise_only_source_error_on_arbitrary_bytes(body: bytes) -> None:
    for parse in (parse_statuses, parse_account):
        with contextlib.suppress(SourceError):  # SourceError is the one allowed failure
            parse(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
status_keys = st.sampled_from(
    ["id", "created_at", "content", "reblog", "tags", "media_attachments", "card", "poll"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(status_keys, json_values), max_size=3))
def test_statuses_parser_raises_only_source_error_on_odd_json(statuses: list) -> None:
    with contextlib.suppress(SourceError):
        parse_statuses(json.dumps(statuses).encode())


# --- collection end to end ---------------------------------------------------------


def test_collect_pages_back_to_the_lookback_limit(httpserver: HTTPServer) -> None:
    serve_mastodon(httpserver)
    harvest = collect(httpserver)
    ids = [p.external_id for p in harvest.posts]
    assert ids == [
        "113900000000000005",
        "113900000000000004",
        "113900000000000003",
        "113900000000000002",
        "113800000000000009",
        "113800000000000008",
    ]  # the 20 January post is older than the lookback; page 3 is never asked for
    assert all(p.published_at >= SINCE for p in harvest.posts)
    assert not any("max_id=113800000000000007" in path for path in requested_paths(httpserver))
    assert harvest.account.followers == 12840
    assert harvest.remember == {
        "account_id": MASTODON_ACCOUNT_ID,
        "acct": "@acme@social.acme.example",
    }
    assert harvest.observed_at == NOW


def test_boost_is_not_counted_as_own_post(httpserver: HTTPServer) -> None:
    serve_mastodon(httpserver)
    harvest = collect(httpserver)
    own = [p for p in harvest.posts if not p.is_repost]
    assert len(own) == 5
    assert [p.external_id for p in harvest.posts if p.is_repost] == ["113900000000000004"]


def test_remembered_account_id_skips_the_lookup(httpserver: HTTPServer) -> None:
    serve_mastodon(httpserver)
    remember = {"account_id": MASTODON_ACCOUNT_ID, "acct": "@acme@social.acme.example"}
    harvest = collect(httpserver, remember=remember)
    assert not any("lookup" in path for path in requested_paths(httpserver))
    assert len(harvest.posts) == 6
    assert harvest.account.followers == 12840  # read from the account embedded in the posts


def test_stale_remembered_id_is_resolved_again(httpserver: HTTPServer) -> None:
    serve_mastodon(httpserver)
    httpserver.expect_request("/api/v1/accounts/999/statuses").respond_with_data(
        fixture("error_not_found.json"), status=404, content_type=JSON
    )
    harvest = collect(
        httpserver, remember={"account_id": "999", "acct": "@acme@social.acme.example"}
    )
    assert harvest.remember["account_id"] == MASTODON_ACCOUNT_ID
    assert len(harvest.posts) == 6


def test_max_pages_stops_paging(httpserver: HTTPServer) -> None:
    serve_mastodon(httpserver)
    harvest = collect(httpserver, max_pages=1)
    assert len(harvest.posts) == 4


def test_replies_are_asked_for_when_configured(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_data(
        fixture("account_lookup.json"), content_type=JSON
    )
    httpserver.expect_request(
        MASTODON_STATUSES, query_string={"limit": "40", "exclude_replies": "false"}
    ).respond_with_data(b"[]", content_type=JSON)
    harvest = collect(httpserver, exclude_replies=False)
    assert harvest.posts == ()


def test_account_without_posts_still_reports_its_audience(httpserver: HTTPServer) -> None:
    httpserver.expect_request(MASTODON_STATUSES).respond_with_data(b"[]", content_type=JSON)
    httpserver.expect_request(f"/api/v1/accounts/{MASTODON_ACCOUNT_ID}").respond_with_data(
        fixture("account_lookup.json"), content_type=JSON
    )
    remember = {"account_id": MASTODON_ACCOUNT_ID, "acct": "@acme@social.acme.example"}
    harvest = collect(httpserver, remember=remember)
    assert harvest.account.followers == 12840


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (404, "error_not_found.json", "not_found", "Record not found"),
        (410, "error_not_found.json", "gone", "removed"),
        (401, "error_unauthenticated.json", "login_required", "logged-in"),
        (403, "error_not_found.json", "blocked", "refuses"),
    ],
)
def test_lookup_errors_become_plain_error_kinds(
    httpserver: HTTPServer, status: int, body: str, kind: str, words: str
) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_data(
        fixture(body), status=status, content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == kind
    assert words in caught.value.message
    assert "@acme@social.acme.example" in caught.value.message


def test_rate_limit_waits_as_told_then_reports_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_data(
        fixture("error_rate_limited.json"),
        status=429,
        content_type=JSON,
        headers={"Retry-After": "7"},
    )
    sleeps: list[float] = []
    with pytest.raises(SourceError) as caught:
        collect(httpserver, sleeps=sleeps)
    assert caught.value.kind == "rate_limited"
    assert sleeps == [7.0]


def test_suspended_account_is_reported_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_data(
        fixture("account_suspended.json"), content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "gone"


def test_html_instead_of_json_is_bad_content(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_data(
        b"<!DOCTYPE html><html><body>We'll be back soon</body></html>",
        content_type="text/html",
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "bad_content"


def test_default_address_is_the_instance_of_the_handle() -> None:
    info = collector_for("mastodon")
    assert info.default_base_url == "https://{instance}"
    from monitor.collectors.mastodon import base_url_for

    ctx = SourceContext(
        source=MastodonSource(handle="@acme@social.acme.example"),
        client=None,  # type: ignore[arg-type]
        base_url=info.default_base_url,
        now=NOW,
        since=SINCE,
    )
    assert base_url_for(ctx, "social.acme.example") == "https://social.acme.example"
