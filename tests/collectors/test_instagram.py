"""Instagram: Business Discovery bodies and error bodies; collection end to end on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from collector_support import (
    IG_FIRST_FIELDS,
    IG_SECOND_FIELDS,
    IG_TOKEN,
    IG_USER_ID,
    JSON,
    NOW,
    SINCE,
    fixtures,
    loopback,
    run_collector,
    serve_instagram,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from monitor.collectors import collector_for
from monitor.collectors.instagram import discovery_fields, parse_discovery, parse_error
from monitor.config import InstagramSource
from monitor.domain import Harvest
from monitor.errors import ERROR_KINDS, SourceError

fixture = fixtures("instagram")


def collect(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch, token: str | None = IG_TOKEN
) -> Harvest:
    if token is None:
        monkeypatch.delenv("ACME_IG_TOKEN", raising=False)
    else:
        monkeypatch.setenv("ACME_IG_TOKEN", token)
    source = InstagramSource(
        username="acmeofficial", token_env="ACME_IG_TOKEN", ig_user_id=IG_USER_ID
    )
    return run_collector(source, loopback(server), now=NOW, since=SINCE)


# --- parsing ---------------------------------------------------------------------------


def test_discovery_fields_ask_for_one_page_and_then_the_next_by_cursor():
    assert discovery_fields("acmeofficial") == IG_FIRST_FIELDS
    assert discovery_fields("acmeofficial", "QVFIUmFjbWVQYWdlMg") == IG_SECOND_FIELDS


def test_discovery_gives_followers_media_count_and_posts():
    account, posts, after = parse_discovery(fixture("discovery_page1.json"))
    assert (account.followers, account.following, account.posts_total) == (58231, 184, 412)
    assert after == "QVFIUmFjbWVQYWdlMg"
    reel = posts[0]
    assert reel.external_id == "18040000000000003"
    assert reel.published_at == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)
    assert reel.url == "https://www.instagram.com/reel/DAcmeRl03/"
    assert (reel.counts.likes, reel.counts.replies) == (4821, 133)
    assert (reel.counts.reposts, reel.counts.quotes, reel.counts.views) == (None, None, None)
    assert reel.text.startswith("Rocket Skates 2.0 in action")


def test_media_types_map_reels_and_video_to_video_and_albums_to_image():
    _, first, _ = parse_discovery(fixture("discovery_page1.json"))
    _, second, _ = parse_discovery(fixture("discovery_page2.json"))
    assert [p.media_type for p in first + second] == ["video", "image", "image", "video", "image"]


def test_video_thumbnail_is_the_still_not_the_video_file():
    _, posts, _ = parse_discovery(fixture("discovery_page1.json"))
    assert "_thumb.jpg" in posts[0].thumbnail_url
    assert "_n.jpg" in posts[2].thumbnail_url


def test_hidden_likes_are_unknown_not_zero():
    _, posts, _ = parse_discovery(fixture("discovery_page1.json"))
    album = posts[1]
    assert album.counts.likes is None
    assert album.counts.replies == 41


def test_hashtags_come_from_the_caption_once_each():
    _, posts, _ = parse_discovery(fixture("discovery_page1.json"))
    assert posts[0].hashtags == ("acmeskates", "roadrunner")
    assert posts[1].hashtags == ("behindthescenes",)
    assert posts[2].hashtags == ()


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("error_4_app_rate_limit.json", "rate_limited", "Application request limit reached"),
        ("error_17_user_rate_limit.json", "rate_limited", "User request limit reached"),
        ("error_32_page_rate_limit.json", "rate_limited", "Page request limit reached"),
        ("error_613_rate_limit.json", "rate_limited", "exceeded the rate limit"),
        ("error_190_expired_token.json", "login_required", "Session has expired"),
        ("error_10_permission.json", "blocked", "does not have permission"),
        ("error_200_permissions.json", "blocked", "Permissions error"),
        ("error_110_user_not_found.json", "not_found", "acmeofficial cannot be found"),
        ("error_24_not_found.json", "not_found", "requested user cannot be found"),
        ("error_2_temporary.json", "server_error", "unexpected error"),
    ],
)
def test_graph_api_errors_become_the_right_kind_with_instagrams_words(name, kind, words):
    error = parse_error(fixture(name))
    assert error.kind == kind
    assert words in error.message  # the platform's own message is kept


def test_expired_token_says_to_create_a_new_one():
    error = parse_error(fixture("error_190_expired_token.json"))
    assert "expired or was revoked" in error.message
    assert "create a new one" in error.message


def test_error_body_inside_a_200_answer_is_still_an_error():
    with pytest.raises(SourceError) as caught:
        parse_discovery(fixture("error_4_app_rate_limit.json"))
    assert caught.value.kind == "rate_limited"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["business_discovery", "media", "data", "paging", "error", "code", "id"]
            )
            | st.text(max_size=8),
            inner,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_parsers_raise_only_source_error_on_arbitrary_bytes(body: bytes):
    try:
        parse_discovery(body)
    except SourceError as error:
        assert error.kind in ERROR_KINDS
    assert parse_error(body).kind in ERROR_KINDS


# --- collection ------------------------------------------------------------------------


def test_collect_pages_back_by_cursor_until_the_lookback(httpserver: HTTPServer, monkeypatch):
    serve_instagram(httpserver)
    harvest = collect(httpserver, monkeypatch)
    assert [p.external_id for p in harvest.posts] == [
        "18040000000000003",
        "18040000000000002",
        "18040000000000001",
        "18030000000000009",  # the post from 1 February is older than the lookback
    ]
    assert harvest.account.followers == 58231
    assert len(httpserver.log) == 2  # page 2 reaches past the lookback: no third request


@pytest.mark.parametrize(
    ("status", "name", "kind"),
    [
        (400, "error_190_expired_token.json", "login_required"),
        (400, "error_4_app_rate_limit.json", "rate_limited"),
        (403, "error_10_permission.json", "blocked"),
        (400, "error_110_user_not_found.json", "not_found"),
    ],
)
def test_collect_reads_instagrams_error_bodies(httpserver, monkeypatch, status, name, kind):
    httpserver.expect_request(f"/{IG_USER_ID}").respond_with_data(
        fixture(name), status=status, content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver, monkeypatch)
    assert caught.value.kind == kind
    assert IG_TOKEN not in caught.value.message


def test_the_token_never_appears_in_an_error_message(httpserver: HTTPServer, monkeypatch):
    httpserver.expect_request(f"/{IG_USER_ID}").respond_with_data(
        fixture("error_2_temporary.json"), status=500, content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver, monkeypatch)
    assert caught.value.kind == "server_error"
    assert IG_TOKEN not in str(caught.value)
    assert "***" in caught.value.message  # the address is still shown, without the secret


def test_missing_token_variable_is_login_required_without_a_request(httpserver, monkeypatch):
    with pytest.raises(SourceError) as caught:
        collect(httpserver, monkeypatch, token=None)
    assert caught.value.kind == "login_required"
    assert "ACME_IG_TOKEN" in caught.value.message
    assert httpserver.log == []


def test_collector_declares_that_it_needs_a_token_and_account_id():
    info = collector_for("instagram")
    assert info.needs == ("token_env", "ig_user_id")
    assert info.default_base_url == "https://graph.facebook.com/v21.0"
