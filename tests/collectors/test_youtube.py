"""YouTube: feed, channel page and Data API parsing, and collection on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from collector_support import ATOM, YT_CHANNEL, fixtures, loopback, run_collector, serve_youtube
from pytest_httpserver import HTTPServer

from monitor.collectors import collector_for
from monitor.collectors.youtube import (
    merge_counts,
    parse_api_channels,
    parse_api_error,
    parse_api_videos,
    parse_channel_feed,
    parse_channel_page,
)
from monitor.config import YoutubeSource
from monitor.domain import AccountStats, Counts, Harvest
from monitor.errors import SourceError

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
VIDEO_IDS = ["Rk8sK4tes01", "AnV1lDr0p02", "Gr4v1tyT3s3", "Qu4rterly04"]
KEY_ENV = "ACME_TEST_YOUTUBE_KEY"


fixture = fixtures("youtube")


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name))


# --- the channel feed ---------------------------------------------------------------


def test_feed_gives_views_likes_thumbnail_and_video_type() -> None:
    posts = parse_channel_feed(fixture("channel_feed.xml"), "u", NOW)
    assert [p.external_id for p in posts] == VIDEO_IDS
    launch = posts[0]
    assert launch.url == "https://www.youtube.com/watch?v=Rk8sK4tes01"
    assert launch.title == "Rocket Skates 3000: the launch film"
    assert launch.published_at == datetime(2026, 3, 3, 16, 0, 7, tzinfo=UTC)
    assert launch.counts == Counts(likes=1204, views=48213)
    assert launch.thumbnail_url == "https://i2.ytimg.com/vi/Rk8sK4tes01/hqdefault.jpg"
    assert launch.media_type == "video"
    assert launch.text.startswith("Faster than anything on the desert road.")
    assert launch.hashtags == ("rocketskates", "acme")


def test_feed_without_a_star_rating_leaves_likes_unknown() -> None:
    results = parse_channel_feed(fixture("channel_feed.xml"), "u", NOW)[3]
    assert results.title == "Acme Q4 results & outlook"
    assert results.counts.likes is None
    assert results.counts.views == 2045
    assert results.counts.replies is None  # comments need the API


def test_zero_counts_in_the_feed_stay_zero() -> None:
    gravity = parse_channel_feed(fixture("channel_feed.xml"), "u", NOW)[2]
    assert gravity.counts.likes == 0
    assert gravity.counts.views == 0


def test_shorts_are_recognised_by_link_or_title() -> None:
    launch, anvils, gravity, results = parse_channel_feed(fixture("channel_feed.xml"), "u", NOW)
    assert "shorts" in anvils.hashtags  # /shorts/ link
    assert "shorts" in gravity.hashtags  # "#Shorts" in the title
    assert "shorts" not in launch.hashtags
    assert "shorts" not in results.hashtags


def test_a_page_that_is_not_a_feed_is_bad_content() -> None:
    with pytest.raises(SourceError) as caught:
        parse_channel_feed(b"<html><body>Before you continue</body>", "u", NOW)
    assert caught.value.kind == "bad_content"
    with pytest.raises(SourceError):
        parse_channel_feed(b"not xml at all", "u", NOW)


def test_entity_declarations_in_a_youtube_feed_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>'
    )
    with pytest.raises(SourceError) as caught:
        parse_channel_feed(bomb, "u", NOW)
    assert caught.value.kind == "bad_content"


# --- channel page, Data API ------------------------------------------------------------


def test_handle_resolves_to_the_channel_id_from_the_channel_page() -> None:
    assert parse_channel_page(fixture("channel_page.html"), "@AcmeCorp") == YT_CHANNEL


def test_channel_id_is_found_in_page_metadata_without_a_canonical_link() -> None:
    page = fixture("channel_page.html").replace(b'rel="canonical"', b'rel="shortlink"')
    assert parse_channel_page(page, "@AcmeCorp") == YT_CHANNEL
    only_data = (
        b'<script>var ytInitialData = {"externalId":"' + YT_CHANNEL.encode() + b'"};</script>'
    )
    assert parse_channel_page(only_data, "@AcmeCorp") == YT_CHANNEL


def test_a_consent_page_without_a_channel_id_is_layout_changed() -> None:
    consent = b"<html><head><title>Before you continue to YouTube</title></head></html>"
    with pytest.raises(SourceError) as caught:
        parse_channel_page(consent, "@AcmeCorp")
    assert caught.value.kind == "layout_changed"
    assert "@AcmeCorp" in caught.value.message


def test_api_channel_statistics_give_subscribers() -> None:
    assert parse_api_channels(fixture_json("api_channels.json")) == AccountStats(
        followers=58300, posts_total=412
    )


def test_hidden_subscriber_count_is_unknown_not_zero() -> None:
    stats = parse_api_channels(fixture_json("api_channels_hidden.json"))
    assert stats is not None and stats.followers is None
    assert parse_api_channels({"items": []}) is None


def test_api_video_statistics_give_comments_as_replies() -> None:
    counts = parse_api_videos(fixture_json("api_videos.json"))
    assert counts["Rk8sK4tes01"] == Counts(likes=1211, replies=97, views=48390)
    assert counts["AnV1lDr0p02"].replies is None  # comments turned off
    assert counts["Gr4v1tyT3s3"].likes is None  # likes hidden
    assert counts["Gr4v1tyT3s3"].replies == 0


def test_api_counts_win_but_the_feed_fills_gaps() -> None:
    gravity = parse_channel_feed(fixture("channel_feed.xml"), "u", NOW)[2]
    merged = merge_counts(gravity, Counts(likes=None, replies=0, views=5))
    assert merged.counts == Counts(likes=0, replies=0, views=5)
    assert merge_counts(gravity, None) is gravity


def test_api_error_reason_is_read() -> None:
    assert parse_api_error(fixture("api_error_quota.json")) == "quotaExceeded"
    assert "not the API" in parse_api_error(b"<html>")


# --- collection on loopback -------------------------------------------------------------


def collect(
    server: HTTPServer, channel: str, *, remember: dict | None = None, **options: Any
) -> Harvest:
    source = YoutubeSource(channel=channel, **options)
    since = NOW - timedelta(days=56)
    return run_collector(source, loopback(server), now=NOW, since=since, remember=remember)


def test_collect_by_channel_id_reads_the_feed_without_audience(httpserver: HTTPServer) -> None:
    serve_youtube(httpserver)
    harvest = collect(httpserver, YT_CHANNEL)
    assert [p.external_id for p in harvest.posts] == VIDEO_IDS
    assert harvest.account is None  # no API key: the audience is unknown, not zero
    assert harvest.remember["validators"]["sha256"]


def test_collect_resolves_a_handle_once_and_remembers_it(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/@AcmeCorp").respond_with_data(
        fixture("channel_page.html"), content_type="text/html; charset=utf-8"
    )
    serve_youtube(httpserver)
    first = collect(httpserver, "@AcmeCorp")
    assert first.remember["channel_id"] == YT_CHANNEL
    assert len(first.posts) == 4
    second = collect(httpserver, "@AcmeCorp", remember={"channel_id": YT_CHANNEL})
    assert second.remember["channel_id"] == YT_CHANNEL
    pages = [request.path for request, _ in httpserver.log]
    assert pages.count("/@AcmeCorp") == 1


def test_collect_of_an_unchanged_feed_is_unchanged(httpserver: HTTPServer) -> None:
    serve_youtube(httpserver)
    first = collect(httpserver, YT_CHANNEL)
    second = collect(httpserver, YT_CHANNEL, remember=first.remember)
    assert second.unchanged
    assert second.posts == ()


def test_collect_of_an_unknown_channel_is_not_found(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feeds/videos.xml").respond_with_data("", status=404)
    with pytest.raises(SourceError) as caught:
        collect(httpserver, YT_CHANNEL)
    assert caught.value.kind == "not_found"


def test_collect_with_an_api_key_adds_subscribers_and_comments(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "test-key-123")
    serve_youtube(httpserver)
    key = {"X-Goog-Api-Key": "test-key-123"}
    httpserver.expect_request(
        "/youtube/v3/channels", query_string={"part": "statistics", "id": YT_CHANNEL}, headers=key
    ).respond_with_json(fixture_json("api_channels.json"))
    httpserver.expect_request(
        "/youtube/v3/videos",
        query_string={"part": "statistics", "id": ",".join(VIDEO_IDS)},
        headers=key,
    ).respond_with_json(fixture_json("api_videos.json"))
    harvest = collect(httpserver, YT_CHANNEL, api_key_env=KEY_ENV)
    assert harvest.warnings == ()
    assert harvest.account == AccountStats(followers=58300, posts_total=412)
    launch = harvest.posts[0]
    assert launch.counts == Counts(likes=1211, replies=97, views=48390)
    for request, _ in httpserver.log:
        assert "test-key-123" not in request.url  # the key never sits in a URL


def test_api_requests_are_batched_by_fifty_ids(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "k")
    entry = fixture("channel_feed.xml").split(b"<entry>")[1].split(b"</entry>")[0]
    ids = [f"Vid{n:08d}"[:11] for n in range(120)]
    entries = b"".join(
        b"<entry>" + entry.replace(b"Rk8sK4tes01", i.encode()) + b"</entry>" for i in ids
    )
    head, _, _ = fixture("channel_feed.xml").partition(b"<entry>")
    httpserver.expect_request("/feeds/videos.xml").respond_with_data(
        head + entries + b"</feed>", content_type=ATOM
    )
    httpserver.expect_request("/youtube/v3/channels").respond_with_json(
        fixture_json("api_channels.json")
    )
    httpserver.expect_request("/youtube/v3/videos").respond_with_json({"items": []})
    harvest = collect(httpserver, YT_CHANNEL, api_key_env=KEY_ENV)
    assert len(harvest.posts) == 120
    batches = [
        request.args["id"].split(",")
        for request, _ in httpserver.log
        if request.path == "/youtube/v3/videos"
    ]
    assert [len(b) for b in batches] == [50, 50, 20]
    assert [i for batch in batches for i in batch] == ids


def test_api_quota_error_keeps_the_feed_and_warns(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "k")
    serve_youtube(httpserver)
    httpserver.expect_request("/youtube/v3/channels").respond_with_json(
        fixture_json("api_error_quota.json"), status=403
    )
    harvest = collect(httpserver, YT_CHANNEL, api_key_env=KEY_ENV)
    assert len(harvest.posts) == 4
    assert harvest.posts[0].counts == Counts(likes=1204, views=48213)
    assert harvest.account is None
    assert len(harvest.warnings) == 1 and "quotaExceeded" in harvest.warnings[0]


def test_missing_api_key_variable_is_misconfigured(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    serve_youtube(httpserver)
    with pytest.raises(SourceError) as caught:
        collect(httpserver, YT_CHANNEL, api_key_env=KEY_ENV)
    assert caught.value.kind == "misconfigured"
    assert KEY_ENV in caught.value.message


def test_youtube_is_registered_with_its_history_limit() -> None:
    info = collector_for("youtube")
    assert info.default_base_url == "https://www.youtube.com"
    assert info.limits_note and "15" in info.limits_note
