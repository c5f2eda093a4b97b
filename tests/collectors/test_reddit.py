"""Reddit: parsing of listing, about, token and RSS bodies; collection end to end on loopback."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from collector_support import (
    JSON,
    NOW,
    REDDIT_FIRST_PAGE,
    SINCE,
    fixtures,
    loopback,
    run_collector,
    serve_reddit,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from monitor.collectors import collector_for
from monitor.collectors.reddit import (
    CREDENTIALS_HELP,
    parse_about,
    parse_listing,
    parse_rss,
    parse_token,
)
from monitor.config import RedditSource
from monitor.domain import Harvest
from monitor.errors import SourceError
from monitor.store import HarvestResult, Store

fixture = fixtures("reddit")


def collect(server: HTTPServer, target: str = "r/acme", **options: Any) -> Harvest:
    source = RedditSource(target=target, **options)
    return run_collector(source, loopback(server), now=NOW, since=SINCE)


# --- parsing ---------------------------------------------------------------------------


def test_listing_maps_score_to_likes_and_comments_to_replies():
    posts, after = parse_listing(fixture("acme_new_page1.json"))
    first = posts[0]
    assert after == "t3_1b0a004"
    assert first.external_id == "t3_1b0a001"
    assert first.published_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert first.title == "Acme Rocket Skates 2.0 are here"
    assert first.text.startswith("We rebuilt the skates")
    assert (
        first.url
        == "https://www.reddit.com/r/acme/comments/1b0a001/acme_rocket_skates_2.0_are_here/"
    )
    assert (first.counts.likes, first.counts.replies) == (1234, 87)
    assert (first.counts.reposts, first.counts.quotes, first.counts.views) == (None, None, None)


def test_media_type_comes_from_post_hint_video_flag_and_self():
    posts, _ = parse_listing(fixture("acme_new_page1.json"))
    older, _ = parse_listing(fixture("acme_new_page2.json"))
    kinds = {p.external_id: p.media_type for p in posts + older}
    assert kinds == {
        "t3_1b0a001": "text",
        "t3_1b0a002": "image",
        "t3_1b0a003": "video",
        "t3_1b0a004": "link",
        "t3_1b0a005": "link",
        "t3_1b0a006": "text",
    }


def test_thumbnail_is_kept_only_when_it_is_a_web_address():
    posts, _ = parse_listing(fixture("acme_new_page1.json"))
    thumbnails = [p.thumbnail_url for p in posts]
    assert thumbnails == [
        None,  # "self"
        "https://b.thumbs.redditmedia.com/acmefactory01.jpg",
        "https://a.thumbs.redditmedia.com/acmevideo03.jpg",
        None,  # "default"
    ]


def test_crosspost_is_marked_as_repost():
    posts, _ = parse_listing(fixture("acme_new_page1.json"))
    assert [p.is_repost for p in posts] == [False, False, False, True]


def test_hidden_score_is_unknown_not_zero():
    (post,), after = parse_listing(fixture("acme_new_hidden_score.json"))
    assert post.counts.likes is None
    assert post.counts.replies == 0
    assert after is None


def test_permalinks_point_at_the_given_web_address():
    posts, _ = parse_listing(fixture("acme_new_page1.json"), web_base="http://mirror.example")
    assert posts[0].url.startswith("http://mirror.example/r/acme/comments/1b0a001/")


def test_about_gives_subreddit_subscribers_as_followers():
    assert parse_about(fixture("acme_about.json")).followers == 48210


def test_rss_entries_have_no_counters_and_media_from_the_posted_link():
    posts = parse_rss(fixture("acme_new.rss"))
    assert [p.external_id for p in posts] == [
        "t3_1b0a001",
        "t3_1b0a002",
        "t3_1b0a005",
        "t3_1b0a006",
    ]
    assert [p.media_type for p in posts] == ["text", "image", "link", "text"]
    assert all(p.counts.likes is None and p.counts.replies is None for p in posts)
    assert posts[1].thumbnail_url == "https://b.thumbs.redditmedia.com/acmefactory01.jpg"
    assert posts[0].published_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def test_rss_declaring_xml_entities_is_refused():
    body = fixture("acme_new.rss").replace(
        b"<feed ", b'<!DOCTYPE feed [<!ENTITY boom "boom">]><feed ', 1
    )
    with pytest.raises(SourceError) as caught:
        parse_rss(body)
    assert caught.value.kind == "bad_content"


def test_token_answer_gives_the_access_token():
    assert parse_token(fixture("access_token.json")).endswith(".acme-app-only-token")


def test_token_refusal_is_login_required():
    with pytest.raises(SourceError) as caught:
        parse_token(b'{"error": "invalid_grant"}')
    assert caught.value.kind == "login_required"
    assert "invalid_grant" in caught.value.message


@pytest.mark.parametrize("body", [b"", b"<html>", b"[]", b'{"kind": "t5"}', b'{"kind": "Listing"}'])
def test_listing_that_is_not_a_listing_is_bad_content(body: bytes):
    with pytest.raises(SourceError) as caught:
        parse_listing(body)
    assert caught.value.kind == "bad_content"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_parsers_raise_only_source_error_on_arbitrary_bytes(body: bytes):
    for parse in (parse_listing, parse_about, parse_token, parse_rss):
        try:
            parse(body)
        except SourceError as error:
            assert error.kind == "bad_content" or parse is parse_token
            assert error.message


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["kind", "data", "after", "children"]), json_values))
def test_listing_parser_survives_odd_listing_shapes(data: dict):
    wrapped = {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": data}]}}
    try:
        parse_listing(json.dumps(wrapped).encode())
    except SourceError as error:
        assert error.kind == "bad_content"


# --- collection ------------------------------------------------------------------------


def test_anonymous_json_pages_back_to_lookback_and_stops(httpserver: HTTPServer):
    serve_reddit(httpserver)
    harvest = collect(httpserver)
    ids = [p.external_id for p in harvest.posts]
    # Page 2 ends with a post older than the lookback: no third page is asked for,
    # and the old post is left out.
    assert ids == ["t3_1b0a001", "t3_1b0a002", "t3_1b0a003", "t3_1b0a004", "t3_1b0a005"]
    assert harvest.account.followers == 48210
    assert harvest.warnings == ()
    listing_calls = [r for r, _ in httpserver.log if r.path == "/r/acme/new.json"]
    assert len(listing_calls) == 2


def test_user_target_reads_submissions_and_reports_no_followers(httpserver: HTTPServer):
    httpserver.expect_request(
        "/user/wile_acme/submitted.json", query_string=REDDIT_FIRST_PAGE
    ).respond_with_data(fixture("wile_acme_submitted.json"), content_type=JSON)
    harvest = collect(httpserver, "u/wile_acme")
    assert [(p.external_id, p.is_repost) for p in harvest.posts] == [
        ("t3_1b0b001", False),
        ("t3_1b0b002", True),
    ]
    assert harvest.account.followers is None  # karma is not an audience


def test_oauth_gets_an_app_token_and_reads_with_bearer(httpserver: HTTPServer, monkeypatch):
    monkeypatch.setenv("ACME_REDDIT_ID", "acme-client-id")
    monkeypatch.setenv("ACME_REDDIT_SECRET", "acme-client-secret")
    basic = base64.b64encode(b"acme-client-id:acme-client-secret").decode()
    httpserver.expect_request(
        "/api/v1/access_token",
        method="POST",
        headers={"Authorization": f"Basic {basic}"},
        data="grant_type=client_credentials",
    ).respond_with_data(fixture("access_token.json"), content_type=JSON)
    token = json.loads(fixture("access_token.json"))["access_token"]
    serve_reddit(httpserver, suffix="", headers={"Authorization": f"bearer {token}"})
    harvest = collect(
        httpserver, client_id_env="ACME_REDDIT_ID", client_secret_env="ACME_REDDIT_SECRET"
    )
    assert len(harvest.posts) == 5
    assert harvest.posts[0].counts.likes == 1234
    assert harvest.account.followers == 48210
    # Permalinks still point at the web address, not at the API.
    assert harvest.posts[0].url.startswith(httpserver.url_for("/r/acme/comments/"))


def test_oauth_with_wrong_credentials_is_login_required(httpserver: HTTPServer, monkeypatch):
    monkeypatch.setenv("ACME_REDDIT_ID", "acme-client-id")
    monkeypatch.setenv("ACME_REDDIT_SECRET", "wrong")
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_data(
        fixture("error_unauthorized.json"), status=401, content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver, client_id_env="ACME_REDDIT_ID", client_secret_env="ACME_REDDIT_SECRET")
    assert caught.value.kind == "login_required"
    assert "client id and secret" in caught.value.message
    assert "wrong" not in caught.value.message


def test_oauth_without_the_environment_variable_is_login_required(httpserver, monkeypatch):
    monkeypatch.delenv("ACME_REDDIT_ID", raising=False)
    monkeypatch.setenv("ACME_REDDIT_SECRET", "acme-client-secret")
    with pytest.raises(SourceError) as caught:
        collect(httpserver, client_id_env="ACME_REDDIT_ID", client_secret_env="ACME_REDDIT_SECRET")
    assert caught.value.kind == "login_required"
    assert "ACME_REDDIT_ID" in caught.value.message
    assert httpserver.log == []


@pytest.mark.parametrize("status", [403, 429])
def test_refused_json_falls_back_to_rss_with_a_warning(httpserver: HTTPServer, status: int):
    httpserver.expect_request("/r/acme/new.json").respond_with_data(
        fixture("blocked.html"), status=status, content_type="text/html"
    )
    httpserver.expect_request("/r/acme/new.rss", query_string=REDDIT_FIRST_PAGE).respond_with_data(
        fixture("acme_new.rss"), content_type="application/atom+xml; charset=UTF-8"
    )
    httpserver.expect_request("/r/acme/about.json").respond_with_data(
        fixture("blocked.html"), status=403, content_type="text/html"
    )
    harvest = collect(httpserver)
    # The RSS page ends with a post older than the lookback: it is dropped, no more paging.
    assert [p.external_id for p in harvest.posts] == ["t3_1b0a001", "t3_1b0a002", "t3_1b0a005"]
    assert all(p.counts.likes is None for p in harvest.posts)
    assert any("only the RSS listing" in w and "client_id_env" in w for w in harvest.warnings)
    assert any("subscribers of r/acme could not be read" in w for w in harvest.warnings)
    assert harvest.account.followers is None


def test_refused_json_and_rss_say_reddit_wants_credentials(httpserver: HTTPServer):
    for path in ("/r/acme/new.json", "/r/acme/new.rss"):
        httpserver.expect_request(path).respond_with_data(
            fixture("blocked.html"), status=403, content_type="text/html"
        )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "blocked"
    assert CREDENTIALS_HELP in caught.value.message
    assert "reddit.com/prefs/apps" in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (403, "error_private.json", "blocked", "is private"),
        (404, "error_banned.json", "gone", "banned"),
        (404, "error_not_found.json", "not_found", "does not exist"),
    ],
)
def test_reddit_refusals_with_a_reason_become_the_right_kind(
    httpserver: HTTPServer, status: int, body: str, kind: str, words: str
):
    httpserver.expect_request("/r/acme/new.json").respond_with_data(
        fixture(body), status=status, content_type=JSON
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == kind
    assert words in caught.value.message
    assert not any(r.path.endswith(".rss") for r, _ in httpserver.log)


def test_missing_subreddit_sent_to_search_is_not_found(httpserver: HTTPServer):
    httpserver.expect_request("/r/acme/new.json").respond_with_data(
        "", status=302, headers={"Location": "/subreddits/search.json?q=acme"}
    )
    httpserver.expect_request("/subreddits/search.json").respond_with_data(
        json.dumps({"kind": "Listing", "data": {"after": None, "children": []}}),
        content_type=JSON,
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "not_found"
    assert "r/acme does not exist" in caught.value.message


def test_collector_registers_with_reddits_address():
    info = collector_for("reddit")
    assert info.default_base_url == "https://www.reddit.com"
    assert info.needs == ()


def test_changed_score_gives_a_new_engagement_row_and_unchanged_posts_do_not(
    httpserver: HTTPServer, sqlite_url: str
):
    with Store(sqlite_url) as store:
        store.sync_config([("Acme", False, [("reddit", "r/acme", None)])])
        (record,) = store.sources()

        def cycle(when: datetime) -> HarvestResult:
            harvest = collect(httpserver)
            harvest = Harvest(when, harvest.posts, harvest.account, remember=harvest.remember)
            return store.save_harvest(
                record.id, harvest, track_engagement_for=timedelta(days=60), next_due_at=when
            )

        serve_reddit(httpserver)
        first = cycle(NOW)
        httpserver.clear()
        changed = json.loads(fixture("acme_new_page1.json"))
        changed["data"]["children"][0]["data"]["score"] = 1400  # the newest post gained votes
        serve_reddit(httpserver, first_page=json.dumps(changed).encode())
        second = cycle(NOW + timedelta(hours=1))
        assert (first.new_posts, second.new_posts, second.updated_counts) == (5, 0, 1)
        rows = store.read_post_counts(SINCE, NOW + timedelta(days=1)).rows
        assert len(rows) == 6  # five first observations, one change
