"""Hand-computed scoreboard figures on a small exact world (week 2026-W47, Mon 16 – Mon 23 Nov)."""

from datetime import UTC, datetime

import pytest


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def scored(world):
    us = world.source("Our Co", "bluesky", is_self=True)
    acme_sky, acme_feed = world.source("Acme", "bluesky"), world.source("Acme", "feed")
    globex = world.source("Globex", "mastodon")
    world.followers(us, at(5), 1000)  # held through W46 and until Wednesday of W47
    world.followers(us, at(18), 1100)
    world.followers(acme_sky, at(1), 5000)
    world.followers(globex, at(1), 200)
    world.followers(globex, at(19), 150)  # a 25 % purge
    # last week (W46): us 2 posts of 10, Acme 4 posts of 30
    for day in (10, 11):
        world.post(us, at(day), likes=10)
    for day in (9, 10, 11, 12):
        world.post(acme_sky, at(day), likes=30)
    # this week (W47)
    world.post(us, at(17), likes=10, replies=2)  # 12, followers 1000 -> 1.2 %
    world.post(us, at(19), likes=20)  # 20, followers 1100
    world.post(us, at(19, 15), likes=4, reposts=4, views=500)  # 8, followers 1100
    for hour in range(6):
        world.post(acme_sky, at(17, 8 + hour), likes=25, replies=5)  # 30 each
    world.post(acme_sky, at(18), likes=999, repost=True)  # someone else's post: not counted
    world.post(acme_feed, at(18))  # a feed shows no counters
    world.post(acme_feed, at(20))
    return world.compute("2026-W47", weeks_of_trend=3)


def test_companies_are_listed_us_first_then_by_engagement(scored):
    assert [c.company for c in scored.companies] == ["Our Co", "Acme", "Globex"]
    assert [(c.company, c.platform) for c in scored.platforms] == [
        ("Our Co", "bluesky"), ("Acme", "bluesky"), ("Acme", "feed"), ("Globex", "mastodon"),
    ]  # fmt: skip


def test_posts_exclude_reposts_and_compare_with_last_week(scored):
    us, acme, _ = scored.companies
    assert (us.posts.value, us.posts.previous, us.posts.change, us.posts.change_pct) == (
        3, 2, 1, 50.0,
    )  # fmt: skip
    assert acme.posts.value == 8
    assert us.posts_per_day.value == pytest.approx(3 / 7)


def test_engagement_sums_known_counters_and_per_post_divides_by_posts_that_show_them(scored):
    us, acme, _ = scored.companies
    assert us.engagement.value == 40 and us.engagement.previous == 20
    assert us.engagement.change_pct == 100.0
    assert us.engagement_per_post.value == pytest.approx(40 / 3)
    assert acme.engagement.value == 180  # the feed's two posts show nothing, not zero
    assert acme.engagement_per_post.value == 30


def test_engagement_rate_is_engagement_per_post_over_followers_at_the_weeks_end(scored):
    us = scored.companies[0]
    # Reproducible from the scoreboard: 40 engagement / 3 posts / 1,100 followers x 100.
    assert us.engagement_rate.value == pytest.approx(40 / 3 / 1100 * 100)
    assert us.engagement_rate.value == pytest.approx(
        us.engagement_per_post.value / us.followers.value * 100
    )
    assert scored.platforms[1].engagement_rate.value == pytest.approx(30 / 5000 * 100)


def test_platform_without_followers_has_no_rate_rather_than_zero(scored):
    feed = scored.platforms[2]
    assert feed.platform == "feed"
    assert feed.engagement.value is None
    assert feed.engagement_rate.value is None
    assert feed.followers.value is None
    assert "no follower count on feed" in feed.notes
    assert "no engagement counters on feed" in scored.companies[1].notes


def test_views_are_kept_apart_and_unknown_stays_unknown(scored):
    us, acme, _ = scored.companies
    assert us.views.value == 500
    assert acme.views.value is None


def test_followers_at_week_end_and_change_in_the_week(scored):
    us, acme, globex = scored.companies
    assert (us.followers.value, us.followers.previous) == (1100, 1000)
    assert us.follower_change.value == 100 and us.follower_change.previous == 0
    assert us.follower_change_pct.value == pytest.approx(10.0)
    assert acme.follower_change.value == 0
    assert not us.follower_drop and not acme.follower_drop
    assert globex.follower_drop
    assert globex.follower_change_pct.value == pytest.approx(-25.0)


def test_company_with_no_posts_counts_zero_posts_and_unknown_engagement(scored):
    globex = scored.companies[2]
    assert globex.posts.value == 0
    assert globex.engagement.value is None
    assert globex.engagement_per_post.value is None
    assert globex.share_of_posts.value == 0
    assert globex.share_of_engagement.value == 0


def test_share_of_voice_in_posts_and_engagement(scored):
    us, acme, _ = scored.companies
    assert us.share_of_posts.value == pytest.approx(3 / 11 * 100)
    assert acme.share_of_posts.value == pytest.approx(8 / 11 * 100)
    assert us.share_of_engagement.value == pytest.approx(40 / 220 * 100)
    assert us.share_of_engagement.previous == pytest.approx(20 / 140 * 100)
    # per platform, the share is of that platform's posts
    assert scored.platforms[2].share_of_posts.value == 100


def test_averages_are_an_average_company_whose_ratios_come_from_its_averages(scored):
    competitors, landscape = scored.competitor_average, scored.landscape_average
    assert competitors.company == "Competitor average"
    assert competitors.posts.value == 4  # (8 + 0) / 2
    assert competitors.engagement.value == 180  # Globex's is unknown, not zero
    assert landscape.posts.value == pytest.approx(11 / 3)
    # Not the average of the per-post figures ((40/3 + 30) / 2): the average engagement
    # (40 + 180) / 2 over the average posts with counters (3 + 6) / 2, of the same companies.
    assert landscape.engagement_per_post.value == pytest.approx(110 / 4.5)


def test_trend_series_cover_the_trend_weeks_oldest_first(scored):
    assert [w.label for w in scored.trend_weeks] == ["2026-W45", "2026-W46", "2026-W47"]
    assert scored.posts_trend["Our Co"] == [0, 2, 3]
    assert scored.posts_trend["Acme"] == [0, 4, 8]
    assert scored.engagement_trend["Acme"] == [None, 120, 180]


def test_post_at_half_past_midnight_monday_in_rome_belongs_to_the_next_week(world):
    us = world.source("Our Co", "bluesky", is_self=True)
    world.post(us, datetime(2026, 11, 22, 23, 30, tzinfo=UTC), likes=1)  # Mon 00:30 in Rome
    rome = world.compute("2026-W47", timezone="Europe/Rome")
    utc = world.compute("2026-W47", timezone="UTC")
    assert rome.companies[0].posts.value == 0 and not rome.has_data
    assert utc.companies[0].posts.value == 1
    assert world.compute("2026-W48", timezone="Europe/Rome").companies[0].posts.value == 1


def test_post_early_monday_utc_is_still_last_week_in_new_york(world):
    us = world.source("Our Co", "bluesky", is_self=True)
    world.post(us, datetime(2026, 11, 23, 3, 0, tzinfo=UTC), likes=1)  # Sun 22:00 in New York
    assert world.compute("2026-W47", timezone="America/New_York").companies[0].posts.value == 1
    assert world.compute("2026-W47", timezone="UTC").companies[0].posts.value == 0


def test_dst_week_includes_its_whole_169_hours(world):
    us = world.source("Our Co", "bluesky", is_self=True)
    # W43 2026 in Rome: Mon 19 Oct 00:00 (+02:00) to Mon 26 Oct 00:00 (+01:00)
    world.post(us, datetime(2026, 10, 18, 22, 0, tzinfo=UTC), likes=1)  # first instant: in
    world.post(us, datetime(2026, 10, 25, 22, 59, tzinfo=UTC), likes=1)  # Sun 23:59: in
    world.post(us, datetime(2026, 10, 25, 23, 0, tzinfo=UTC), likes=1)  # Mon 00:00: next week
    world.post(us, datetime(2026, 10, 18, 21, 59, tzinfo=UTC), likes=1)  # Sun 23:59: last week
    metrics = world.compute("2026-W43", timezone="Europe/Rome")
    assert metrics.companies[0].posts.value == 2
    assert metrics.companies[0].posts.previous == 1


def test_incomplete_week_marks_the_company_and_its_source(world):
    us = world.source("Our Co", "bluesky", is_self=True)
    feed = world.source("Acme", "feed")
    world.event(us, at(17))
    world.event(feed, at(17), ok=False, kind="rate_limited")
    world.event(feed, at(18), ok=False, kind="rate_limited")
    world.event(feed, at(19), ok=False, kind="layout_changed")
    world.event(feed, at(20))
    world.event(feed, at(24), ok=False, kind="timeout")  # next week: not this week's problem
    metrics = world.compute("2026-W47")
    us_row, acme = metrics.companies
    assert acme.incomplete and not us_row.incomplete
    assert metrics.competitor_average.incomplete
    health = {h.company: h for h in metrics.health}
    assert health["Acme"].attempts == 4
    assert health["Acme"].failures == {"layout_changed": 1, "rate_limited": 2}
    assert health["Acme"].incomplete and not health["Acme"].ok
    assert health["Our Co"].ok and health["Our Co"].failures == {}
    assert any("failed during the week" in note for note in acme.notes)


def test_stale_source_is_not_ok_and_inactive_sources_are_left_out(world):
    stale = world.source("Our Co", "bluesky", is_self=True, stale="no new post in 30 days")
    world.source("Gone", "feed", active=False)
    world.event(stale, at(18))  # read this week, but nothing moves any more
    metrics = world.compute("2026-W47")
    assert [c.company for c in metrics.companies] == ["Our Co"]
    assert not metrics.health[0].ok and not metrics.health[0].incomplete


def test_a_world_with_no_posts_at_all_computes_without_data(world):
    world.source("Our Co", "bluesky", is_self=True)
    world.source("Acme", "feed")
    metrics = world.compute("2026-W47")
    assert not metrics.has_data
    assert [c.posts.value for c in metrics.companies] == [0, 0]
    assert metrics.companies[0].share_of_posts.value is None  # no ratio against zero posts
    assert metrics.top_posts == [] and metrics.breakouts == []
    assert metrics.competitor_average.engagement.value is None


def test_an_empty_database_computes_an_empty_week(world):
    metrics = world.compute("2026-W47")
    assert metrics.companies == [] and not metrics.has_data


def test_a_mention_source_is_in_data_health_never_in_the_posting_figures(world):
    """Hacker News finds what others say about us: it is no platform of ours, so no row 'us
    on Hacker News: 0 posts', no 'no follower count on hackernews', no low-figures mark
    when it fails."""
    ours = world.source("Our Co", "bluesky", is_self=True)
    listening = world.source("Our Co", "hackernews", is_self=True)
    world.followers(ours, at(16), 1000)
    world.post(ours, at(17), likes=10)
    world.event(ours, at(17))
    world.event(listening, at(17), ok=False, kind="rate_limited")
    metrics = world.compute("2026-W47")
    assert [(p.company, p.platform) for p in metrics.platforms] == [("Our Co", "bluesky")]
    [company] = metrics.companies
    assert not any("hackernews" in note for note in company.notes), company.notes
    assert not company.incomplete
    assert [h.platform for h in metrics.health] == ["bluesky", "hackernews"]
    assert metrics.health[1].failures == {"rate_limited": 1}
