"""Each platform the demo server plays parses with the production collector's own parser,
and gives back exactly the sample world's posts, counters and audience."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from monitor.collectors import bluesky as bluesky_collector
from monitor.collectors import feed as feed_collector
from monitor.collectors import mastodon as mastodon_collector
from monitor.collectors import telegram as telegram_collector
from monitor.collectors import youtube as youtube_collector
from monitor.demo.formats import bluesky, feed, mastodon, telegram, youtube
from monitor.demo.server import DemoServer
from monitor.demo.world import TODAY, build_world, counts_at, followers_at, posts_visible

WORLD = build_world(7)
NOW = TODAY - timedelta(days=3, hours=5)  # mid-week: some posts are still gaining


def engagement(counts: dict[str, int]) -> int:
    return sum(v for k, v in counts.items() if k != "views")


def test_feed_round_trip_gives_the_newest_items_with_comment_counts():
    source = WORLD.source("feed", "https://auroracaffe.example/notizie/feed/")
    reply = feed.render_feed(source, NOW)
    posts, warnings = feed_collector.parse_feed(reply.body, source.target, NOW, reply.content_type)
    expected = posts_visible(source, NOW)
    assert warnings == []
    assert len(posts) == len(expected) == 10
    for post, world_post in zip(posts, expected, strict=True):
        assert post.published_at == world_post.published_at
        assert post.title == world_post.title
        assert post.url == feed.post_url(source, world_post)
        assert post.counts.replies == counts_at(world_post, NOW)["replies"]
        assert post.counts.likes is None  # a blog shows no likes: unknown, not 0
        assert post.hashtags == world_post.hashtags
        assert post.media_type == ("image" if world_post.media_type == "image" else "link")


def test_youtube_round_trip_gives_the_newest_15_videos_with_views_and_likes():
    source = WORLD.source("youtube", "UCspiceRouteSpicesVideo1")
    reply = youtube.render_channel_feed(source, NOW)
    posts = youtube_collector.parse_channel_feed(reply.body, "http://x/feeds/videos.xml", NOW)
    expected = posts_visible(source, NOW)
    assert len(posts) == 15
    for post, world_post in zip(posts, expected, strict=True):
        counts = counts_at(world_post, NOW)
        assert post.external_id == world_post.post_id
        assert post.published_at == world_post.published_at
        assert (post.counts.likes, post.counts.views) == (counts["likes"], counts["views"])
        assert post.media_type == "video"
        assert set(world_post.hashtags) <= set(post.hashtags)


def test_mastodon_round_trip_marks_boosts_and_reads_the_audience():
    source = WORLD.source("mastodon", "@auroracaffe@mastodon.uno")
    reply = mastodon.render_statuses(source, NOW, {"limit": "40"}, "http://h/statuses")
    posts = mastodon_collector.parse_statuses(reply.body)
    expected = posts_visible(source, NOW)[:40]
    assert [p.external_id for p in posts] == [w.post_id for w in expected]
    for post, world_post in zip(posts, expected, strict=True):
        counts = counts_at(world_post, NOW)
        assert post.is_repost == world_post.is_repost
        assert post.published_at == world_post.published_at
        assert post.counts.engagement == engagement(counts)
        if not world_post.is_repost:
            assert post.media_type == world_post.media_type
            assert post.hashtags == world_post.hashtags
    assert any(p.is_repost for p in posts)
    account_id, stats = mastodon_collector.parse_account(mastodon.render_account(source, NOW).body)
    assert account_id == source.account_id
    assert stats.followers == followers_at(source, NOW)
    assert mastodon_collector.parse_statuses_account(reply.body, account_id) == stats


def test_mastodon_link_header_pages_back_without_gaps_or_repeats():
    source = WORLD.source("mastodon", "@auroracaffe@mastodon.uno")
    seen, query = [], {"limit": "40"}
    for _ in range(20):
        reply = mastodon.render_statuses(source, NOW, query, "http://h/statuses")
        page = mastodon_collector.parse_statuses(reply.body)
        if not page:
            break
        seen += [p.external_id for p in page]
        query = {
            "limit": "40",
            "max_id": mastodon_collector.next_max_id(dict(reply.headers)["Link"], page),
        }
    assert seen == [w.post_id for w in posts_visible(source, NOW)]


def test_bluesky_round_trip_marks_reposts_and_pages_with_the_cursor():
    source = WORLD.source("bluesky", "auroracaffe.bsky.social")
    did, stats = bluesky_collector.parse_profile(bluesky.render_profile(source, NOW).body)
    assert did == source.account_id
    assert stats.followers == followers_at(source, NOW)
    entries, cursor = [], None
    for _ in range(20):
        query = {"actor": did, "limit": "100", **({"cursor": cursor} if cursor else {})}
        page = bluesky_collector.parse_feed(bluesky.render_author_feed(source, NOW, query).body)
        entries += page.entries
        cursor = page.cursor
        if cursor is None:
            break
    expected = posts_visible(source, NOW)
    assert len(entries) == len(expected) > 100
    for entry, world_post in zip(entries, expected, strict=True):
        assert entry.post.is_repost == world_post.is_repost
        assert entry.sorted_at == world_post.published_at
        assert entry.post.counts.engagement == engagement(counts_at(world_post, NOW))
        if not world_post.is_repost:
            assert entry.post.media_type == world_post.media_type
            assert entry.post.hashtags == world_post.hashtags


def test_telegram_round_trip_reads_views_reactions_and_pages_with_before():
    source = WORLD.source("telegram", "auroracaffe_news")
    posts, before, audience = [], None, None
    for _ in range(30):
        page = telegram_collector.parse_channel_page(
            telegram.render_channel(source, NOW, before).body, source.target
        )
        posts += page.posts
        audience = audience or page.account
        if page.oldest_id is None or page.oldest_id <= 1001:
            break
        before = page.oldest_id
    expected = posts_visible(source, NOW)
    by_id = {p.external_id: p for p in posts}
    assert len(by_id) == len(expected)
    for world_post in expected:
        post = by_id[f"auroracaffe_news/{world_post.post_id}"]
        counts = counts_at(world_post, NOW)
        assert post.published_at == world_post.published_at
        assert post.counts.likes == (counts["likes"] or None)  # no reactions shown: unknown
        assert post.counts.views == pytest.approx(counts["views"], rel=0.05)  # "12.4K"
        assert post.media_type == world_post.media_type
    assert audience.followers == pytest.approx(followers_at(source, NOW), rel=0.01)


def test_telegram_writes_counts_the_way_telegram_does():
    assert [telegram.compact(n) for n in (950, 1000, 12_449, 1_250_000)] == [
        "950",
        "1K",
        "12.4K",
        "1.2M",
    ]


def test_server_answers_each_platform_and_rate_limits_the_failing_source():
    with DemoServer(WORLD, NOW) as server:
        base = server.address
        with httpx.Client(base_url=base) as client:
            lookup = client.get(
                "/mastodon/mastodon.social/api/v1/accounts/lookup", params={"acct": "northwind"}
            )
            assert lookup.status_code == 200
            assert json.loads(lookup.content)["followers_count"] == followers_at(
                WORLD.source("mastodon", "@northwind@mastodon.social"), NOW
            )
            statuses = client.get(
                f"/mastodon/mastodon.social/api/v1/accounts/{lookup.json()['id']}/statuses",
                params={"limit": 2},
            )
            assert statuses.headers["link"].startswith(f"<{base}/mastodon/mastodon.social/api/")
            blog = client.get("/feed/blog/feed.xml")
            assert blog.headers["content-type"].startswith("application/rss+xml")
            again = client.get(
                "/feed/blog/feed.xml", headers={"If-None-Match": blog.headers["etag"]}
            )
            assert again.status_code == 304
            limited = client.get("/telegram/s/leafwell_updates")
            assert limited.status_code == 429
            assert limited.headers["retry-after"] == "3600"
            assert (
                client.get(
                    "/bluesky/xrpc/app.bsky.actor.getProfile",
                    params={"actor": "nobody.bsky.social"},
                ).status_code
                == 400
            )
        assert server.requests["mastodon"] == 2
