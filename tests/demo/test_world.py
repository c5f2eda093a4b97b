"""The sample world: deterministic, believable, and telling the story the demo needs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from monitor.config import load_config
from monitor.demo.run import collection_times, demo_config_text
from monitor.demo.world import (
    TODAY,
    build_world,
    counts_at,
    followers_at,
    own_posts_published,
    posts_visible,
    week_bounds,
)
from monitor.metrics.posts import robust_z

ROOT = Path(__file__).resolve().parents[2]


def test_the_same_seed_builds_the_same_world_and_another_seed_another():
    build_world.cache_clear()
    first = build_world(7)
    build_world.cache_clear()
    assert build_world(7) == first
    assert build_world(8) != first


def test_engagement_accumulates_over_the_first_days_and_then_settles():
    world = build_world(7)
    post = next(
        p for p in world.source("bluesky", "auroracaffe.bsky.social").posts if not p.is_repost
    )
    ages = [timedelta(hours=h) for h in (0, 2, 8, 24, 72, 24 * 14)]
    likes = [counts_at(post, post.published_at + age)["likes"] for age in ages]
    assert likes[0] == 0
    assert likes == sorted(likes)
    assert likes[2] < 0.8 * post.final["likes"] < likes[3]  # most of it comes on day one
    assert likes[-1] == post.final["likes"]


def test_nothing_is_visible_before_it_is_published():
    source = build_world(7).source("telegram", "spiceroute_channel")
    moment = TODAY - timedelta(days=30)
    shown = posts_visible(source, moment)
    assert shown and all(p.published_at <= moment for p in shown)
    assert len(posts_visible(source, TODAY)) > len(shown)


def test_audiences_grow_at_different_speeds():
    world = build_world(7)
    start, end = week_bounds()

    def growth(kind: str, target: str) -> float:
        source = world.source(kind, target)
        return followers_at(source, end) / followers_at(source, start) - 1

    assert growth("bluesky", "spiceroute.bsky.social") > 3 * growth(
        "bluesky", "northwind.bsky.social"
    )
    assert growth("bluesky", "northwind.bsky.social") > 0


def test_aurora_caffe_out_posts_us_in_the_report_week_for_several_seeds():
    start, end = week_bounds()
    for seed in (1, 7, 42):
        world = build_world(seed)

        def posts(company: str, world=world) -> int:
            sources = [s for s in world.sources if s.company == company and not s.failing]
            return sum(len(own_posts_published(s, start, end)) for s in sources)

        assert posts("Northwind") >= 3  # enough for a claim
        assert posts("Aurora Caffè") >= 4 * posts("Northwind")


def test_exactly_one_post_of_the_report_week_breaks_out_of_its_account_s_record():
    world = build_world(7)
    start, end = week_bounds()
    breakouts = []
    for source in world.sources:
        own = [p for p in source.posts if not p.is_repost]
        for post in own_posts_published(source, start, end):
            history = [
                p
                for p in own
                if post.published_at - timedelta(weeks=12) <= p.published_at < post.published_at
            ]
            values = np.log1p(
                [
                    sum(p.final.get(k, 0) for k in ("likes", "replies", "reposts", "quotes"))
                    for p in history
                ]
            )
            z = robust_z(
                float(np.log1p(sum(v for k, v in post.final.items() if k != "views"))), values
            )
            if z is not None and z >= 3.5:
                breakouts.append(post)
    assert [p.breakout for p in breakouts] == [True]
    assert breakouts[0].company == "Spice Route"


def test_collections_cover_the_trend_weeks_daily_at_the_end_and_end_now():
    times = collection_times()
    assert times[-1] == TODAY
    first_trend_week = week_bounds()[0] - timedelta(weeks=11)  # 12 weeks with the report's
    assert times[0] <= first_trend_week - timedelta(days=3)  # audiences known before it
    assert times == sorted(set(times))
    assert times[-2] == TODAY - timedelta(days=1)
    assert len(times) < 70  # the demo stays under a minute


def test_the_example_demo_yaml_is_the_one_the_demo_runs_with():
    example = ROOT / "config" / "demo.yaml"
    bundled = ROOT / "monitor" / "demo" / "demo.yaml"
    assert example.read_bytes() == bundled.read_bytes()


def test_the_demo_configuration_lists_exactly_the_world_s_sources(tmp_path):
    config = load_config(ROOT / "config" / "demo.yaml")
    listed = {(c.name, s.kind, s.target) for c in config.companies for s in c.sources}
    world = {(s.company, s.kind, s.target) for s in build_world(7).sources}
    assert listed == world
    assert config.organization.name == "Northwind"


def test_the_written_configuration_points_at_the_server_the_mail_server_and_the_output(tmp_path):
    text = demo_config_text("http://127.0.0.1:4321", tmp_path / "out", 2526, "it")
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    config = load_config(path)
    assert "demo-server.invalid" not in text.split("#")[0]
    assert set(config.collect.base_urls.values()) == {
        f"http://127.0.0.1:4321/{kind}"
        for kind in ("feed", "youtube", "bluesky", "telegram", "hackernews")
    } | {"http://127.0.0.1:4321/mastodon/{instance}"}
    assert config.email.port == 2526
    assert config.report.language == "it"
    assert config.report.outbox == (tmp_path / "out").resolve()
    assert config.database == f"sqlite:///{(tmp_path / 'out').resolve().as_posix()}/demo.db"


def test_competitors_post_about_their_own_products_in_their_own_language():
    world = build_world(7)
    texts = {s.company: [p.text for p in s.posts if not p.is_repost] for s in world.sources}
    assert all(t.startswith(("Guarda:", "Uno sguardo a:", "Leggi:", "Oggi:"))
               for t in texts["Aurora Caffè"])  # fmt: skip
    assert any("miscela" in t for t in texts["Aurora Caffè"])
    assert all(t.startswith(("Watch:", "A look at:", "Read about:", "Today:"))
               for t in texts["Spice Route"])  # fmt: skip


def test_a_topic_cross_posted_on_two_platforms_earns_its_own_engagement_on_each():
    world = build_world(7)
    same_day: dict[tuple, list[tuple[str, int]]] = {}
    for source in world.sources:
        for post in source.posts:
            if post.is_repost:
                continue
            engagement = sum(v for k, v in post.final.items() if k != "views")
            key = (source.company, post.title, post.published_at.date())
            same_day.setdefault(key, []).append((source.kind, engagement))
    crossed = [posts for posts in same_day.values() if len({kind for kind, _e in posts}) > 1]
    assert len(crossed) >= 10
    for posts in crossed:  # never the same count on two platforms
        for kind, engagement in posts:
            assert all(e != engagement for k, e in posts if k != kind), posts
