"""Telegram: parsing of the t.me/s/ preview's exact markup, and collection end to end."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from collector_support import HTML, NOW, SINCE, fixtures, loopback, run_collector, serve_telegram
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from monitor.collectors.telegram import parse_channel_page, parse_no_preview
from monitor.config import TelegramSource
from monitor.domain import Harvest
from monitor.errors import SourceError

fixture = fixtures("telegram")


def page(name: str = "channel_latest.html"):
    return parse_channel_page(fixture(name), "acme_news")


def collect(server: HTTPServer, *, channel: str = "acme_news", **options: Any) -> Harvest:
    source = TelegramSource(channel=channel)
    return run_collector(source, loopback(server), now=NOW, since=SINCE, **options)


def redirect_to_contact_page(server: HTTPServer, channel: str, contact_page: str) -> None:
    server.expect_request(f"/s/{channel}").respond_with_data(
        b"", status=302, headers={"Location": f"/{channel}"}
    )
    server.expect_request(f"/{channel}").respond_with_data(fixture(contact_page), content_type=HTML)


# --- parsing -----------------------------------------------------------------------


def test_each_message_becomes_a_post_with_its_data_post_id() -> None:
    posts = page().posts
    assert [p.external_id for p in posts] == [f"acme_news/{n}" for n in range(141, 147)]
    first = posts[0]
    assert first.published_at == datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
    assert first.url == "https://t.me/acme_news/141"
    assert first.text == "Behind the scenes at the anvil foundry.\n\n#factory #behindthescenes"
    assert first.hashtags == ("factory", "behindthescenes")
    assert first.thumbnail_url == "https://cdn4.telesco.pe/file/anvil-foundry.jpg"


def test_media_types_are_recognised() -> None:
    latest = [p.media_type for p in page().posts]
    assert latest == ["image", "video", "text", "poll", "document", "link"]
    older = [p.media_type for p in page("channel_before_141.html").posts]
    assert older == ["text", "text", "audio", "image", "text"]  # voice note, album of photos


def test_views_are_read_exactly_from_abbreviations() -> None:
    assert [p.counts.views for p in page().posts] == [2400, 12500, 3100, 850, 1200, 4620]


def test_reactions_are_summed_as_likes_without_paid_stars() -> None:
    likes = [p.counts.likes for p in page().posts]
    # 31 + 12 (50 Stars left out); 1.1K + 240; none shown; 18; custom emoji 7; 1.2K + 64
    assert likes == [43, 1340, None, 18, 7, 1264]


def test_counters_telegram_does_not_show_are_none() -> None:
    for post in page().posts:
        assert (post.counts.replies, post.counts.reposts, post.counts.quotes) == (None, None, None)
    without_views = re.sub(
        rb'<span class="tgme_widget_message_views">[^<]*</span>',
        b"",
        fixture("channel_latest.html"),
    )
    assert all(p.counts.views is None for p in parse_channel_page(without_views, "acme_news").posts)


def test_forwarded_message_is_a_repost() -> None:
    posts = page().posts
    assert [p.external_id for p in posts if p.is_repost] == ["acme_news/143"]


def test_poll_text_is_its_question() -> None:
    poll = page().posts[3]
    assert poll.text == "Which colour should the next Portable Hole come in?"


def test_subscribers_come_from_the_channel_header() -> None:
    assert page().account.followers == 12300


def test_service_messages_are_not_posts_but_count_for_paging() -> None:
    older = page("channel_before_141.html")
    assert "acme_news/138" not in [p.external_id for p in older.posts]
    oldest = page("channel_before_135.html")
    assert oldest.oldest_id == 1
    assert [p.external_id for p in oldest.posts] == ["acme_news/2"]


def test_paging_point_is_the_smallest_message_id() -> None:
    latest = page()
    assert latest.oldest_id == 141
    assert latest.oldest_at == datetime(2026, 2, 20, 9, 0, tzinfo=UTC)


def test_a_message_without_a_date_is_skipped_with_a_warning() -> None:
    body = fixture("channel_latest.html").replace(
        b'<time datetime="2026-03-01T08:15:00+00:00" class="time">', b'<time class="time">'
    )
    parsed = parse_channel_page(body, "acme_news")
    assert "acme_news/143" not in [p.external_id for p in parsed.posts]
    assert len(parsed.posts) == 5
    assert parsed.warnings and "acme_news" in parsed.warnings[0]


def test_channel_with_preview_turned_off_is_blocked() -> None:
    error = parse_no_preview(fixture("preview_disabled.html"), "initech_news")
    assert error.kind == "blocked"
    assert "preview" in error.message


def test_contact_page_of_an_unknown_channel_means_not_found() -> None:
    error = parse_no_preview(fixture("no_such_channel.html"), "acme_nobody")
    assert error.kind == "not_found"


def test_contact_page_served_at_the_preview_address_is_not_an_empty_success() -> None:
    with pytest.raises(SourceError) as caught:
        parse_channel_page(fixture("no_such_channel.html"), "acme_nobody")
    assert caught.value.kind == "not_found"


def test_empty_channel_is_a_success_with_its_audience() -> None:
    empty = page("channel_empty.html")
    assert empty.posts == ()
    assert empty.account.followers == 12300


@pytest.mark.parametrize(
    "body", [b"", b"<html><body><h1>502 Bad Gateway</h1></body></html>", b"{}"]
)
def test_a_page_that_is_not_a_preview_is_bad_content(body: bytes) -> None:
    with pytest.raises(SourceError) as caught:
        parse_channel_page(body, "acme_news")
    assert caught.value.kind == "bad_content"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_parser_raises_only_source_error_on_arbitrary_bytes(body: bytes) -> None:
    with contextlib.suppress(SourceError):  # SourceError is the one allowed failure
        parse_channel_page(body, "acme_news")


message_parts = st.sampled_from(
    [
        '<div class="tgme_widget_message js-widget_message" data-post="acme_news/{n}">',
        '<div class="tgme_widget_message service_message" data-post="{n}">',
        '<time datetime="{t}"></time>',
        '<a class="tgme_widget_message_date" href="{t}"><time datetime="2026-01-0{n}"></time></a>',
        '<span class="tgme_widget_message_views">{t}</span>',
        '<div class="tgme_widget_message_reactions"><span class="tgme_reaction">{t}</span>',
        '<div class="tgme_widget_message_text">{t}<a>#{t}</a><br/>',
        '<div class="tgme_channel_info"><span class="counter_value">{t}</span>',
        '<span class="counter_type">subscribers</span></div>',
        "</div>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(message_parts, st.integers(-5, 10**20), st.text(max_size=12)), max_size=12)
)
def test_parser_raises_only_source_error_on_scrambled_preview_markup(parts: list) -> None:
    body = "".join(part.replace("{n}", str(n)).replace("{t}", t) for part, n, t in parts)
    with contextlib.suppress(SourceError):
        parse_channel_page(body.encode(), "acme_news")


# --- collection end to end ---------------------------------------------------------


def test_collect_pages_back_with_before_to_the_lookback_limit(httpserver: HTTPServer) -> None:
    serve_telegram(httpserver)
    harvest = collect(httpserver)
    ids = [p.external_id for p in harvest.posts]
    assert ids == [f"acme_news/{n}" for n in (146, 145, 144, 143, 142, 141, 140, 139, 137)]
    assert all(p.published_at >= SINCE for p in harvest.posts)
    asked = [request.args.get("before") for request, _ in httpserver.log]
    assert asked == [None, "141"]  # the page before 135 is past the lookback
    assert harvest.account.followers == 12300


def test_forwarded_message_is_not_counted_as_own_post(httpserver: HTTPServer) -> None:
    serve_telegram(httpserver)
    harvest = collect(httpserver)
    assert len([p for p in harvest.posts if not p.is_repost]) == 8


def test_paging_stops_at_the_first_message(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s/acme_news").respond_with_data(
        fixture("channel_before_135.html"), content_type=HTML
    )
    harvest = collect(httpserver)
    assert harvest.posts == ()  # 2021 is past the lookback
    assert len(httpserver.log) == 1


def test_max_pages_stops_paging(httpserver: HTTPServer) -> None:
    serve_telegram(httpserver)
    harvest = collect(httpserver, max_pages=1)
    assert len(harvest.posts) == 6


def test_preview_turned_off_is_blocked_not_an_empty_success(httpserver: HTTPServer) -> None:
    redirect_to_contact_page(httpserver, "initech_news", "preview_disabled.html")
    with pytest.raises(SourceError) as caught:
        collect(httpserver, channel="initech_news")
    assert caught.value.kind == "blocked"
    assert "initech_news" in caught.value.message


def test_unknown_channel_redirected_by_telegram_is_not_found(httpserver: HTTPServer) -> None:
    redirect_to_contact_page(httpserver, "acme_nobody", "no_such_channel.html")
    with pytest.raises(SourceError) as caught:
        collect(httpserver, channel="acme_nobody")
    assert caught.value.kind == "not_found"


@pytest.mark.parametrize(("status", "kind"), [(404, "not_found"), (403, "blocked")])
def test_http_errors_become_plain_error_kinds(
    httpserver: HTTPServer, status: int, kind: str
) -> None:
    httpserver.expect_request("/s/acme_news").respond_with_data(b"", status=status)
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == kind


def test_rate_limit_waits_as_told_then_reports_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s/acme_news").respond_with_data(
        b"Too Many Requests", status=429, headers={"Retry-After": "30"}
    )
    sleeps: list[float] = []
    with pytest.raises(SourceError) as caught:
        collect(httpserver, sleeps=sleeps)
    assert caught.value.kind == "rate_limited"
    assert sleeps == [30.0]


def test_garbage_page_is_bad_content(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s/acme_news").respond_with_data(
        b"<html><body>Checking your browser...</body></html>", content_type=HTML
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "bad_content"
