"""Post-level metrics: heatmap, content mix, hashtags, top posts and breakouts."""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from monitor.metrics.posts import robust_z

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)  # W47 starts (UTC)


@pytest.fixture
def two(world):
    return world.source("Our Co", "bluesky", is_self=True), world.source("Acme", "mastodon")


def test_heatmap_counts_competitor_posts_by_local_weekday_and_hour(world, two):
    us, acme = two
    world.post(acme, MONDAY + timedelta(days=1, hours=10), likes=1)  # Tue 11:00 in Rome
    world.post(acme, MONDAY + timedelta(days=1, hours=10, minutes=30), likes=1)
    world.post(acme, MONDAY + timedelta(days=6, hours=22, minutes=30))  # Sun 23:30 in Rome
    world.post(us, MONDAY + timedelta(days=1, hours=10), likes=1)  # ours: not in the heatmap
    grid = world.compute("2026-W47", timezone="Europe/Rome").heatmap
    assert grid[1][11] == 2 and grid[6][23] == 1
    assert sum(map(sum, grid)) == 3


def test_content_mix_counts_posts_and_engagement_per_post_by_media(world, two):
    us, acme = two
    world.post(acme, MONDAY, likes=10, media="video")
    world.post(acme, MONDAY, likes=30, media="video")
    world.post(acme, MONDAY, likes=5, media="image")
    world.post(us, MONDAY, media="link")  # no counters: count it, engagement unknown
    mix = world.compute("2026-W47").content_mix
    assert mix["Acme"] == {"video": (2, 20.0), "image": (1, 5.0)}
    assert mix["Our Co"] == {"link": (1, None)}


def test_slots_give_engagement_per_post_by_weekday_and_four_hour_block(world, two):
    _, acme = two
    world.post(acme, MONDAY + timedelta(hours=9), likes=10)
    world.post(acme, MONDAY + timedelta(hours=11), likes=20)
    world.post(acme, MONDAY + timedelta(days=2, hours=23), likes=1)
    slots = world.compute("2026-W47").slots
    assert slots == {(0, 8): (2, 15.0), (2, 20): (1, 1.0)}


def test_top_hashtags_by_count_then_name(world, two):
    us, acme = two
    world.post(acme, MONDAY, hashtags="launch ai")
    world.post(acme, MONDAY, hashtags="ai")
    world.post(acme, MONDAY, hashtags="beta")
    world.post(us, MONDAY)
    tags = world.compute("2026-W47").top_hashtags
    assert tags["Acme"] == [("ai", 2), ("beta", 1), ("launch", 1)]
    assert tags["Our Co"] == []


def test_top_posts_by_engagement_and_by_rate_skip_unknowns(world, two):
    us, acme = two
    world.followers(us, MONDAY - timedelta(days=1), 100)
    world.post(acme, MONDAY + timedelta(hours=1), likes=50)  # no followers known: no rate
    world.post(us, MONDAY + timedelta(hours=2), likes=20)  # 20 % of 100 followers
    world.post(us, MONDAY + timedelta(hours=3), likes=5)
    world.post(acme, MONDAY + timedelta(hours=4))  # unknown engagement: never ranked
    metrics = world.compute("2026-W47", top_posts=2)
    assert [p.engagement for p in metrics.top_posts] == [50, 20]
    assert [p.engagement_rate for p in metrics.top_posts_by_rate] == [20.0, 5.0]
    assert metrics.top_posts[0].company == "Acme" and metrics.top_posts[0].z_score is None


def test_robust_z_is_0_6745_times_distance_from_median_over_mad():
    history = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # median 3, MAD 1
    assert robust_z(10.0, history) == pytest.approx(0.6745 * 7)


def test_robust_z_falls_back_to_mean_deviation_when_mad_is_zero():
    history = np.array([2.0, 2.0, 2.0, 2.0, 4.0])  # MAD 0, mean absolute deviation 0.4
    assert robust_z(6.0, history) == pytest.approx(0.7979 * 4 / 0.4)
    assert robust_z(9.0, np.array([2.0, 2.0, 2.0])) is None  # no spread: no score at all


def _history(world, source, engagements, before=MONDAY):
    for n, value in enumerate(engagements, start=1):
        world.post(source, before - timedelta(days=n), likes=value)


def test_breakout_is_far_above_the_accounts_own_previous_90_days(world, two):
    us, acme = two
    past = [9, 10, 11, 10, 9, 10, 11, 10, 12, 8]
    _history(world, acme, past)
    _history(world, us, [1000] * 10)  # another account's record does not count
    world.post(acme, MONDAY + timedelta(hours=5), likes=200)
    world.post(acme, MONDAY + timedelta(hours=6), likes=12)  # within its usual range
    breakouts = world.compute("2026-W47").breakouts
    assert [b.engagement for b in breakouts] == [200]
    logs = np.log1p(past)
    median = np.median(logs)
    mad = np.median(np.abs(logs - median))
    assert breakouts[0].z_score == pytest.approx(0.6745 * (math.log1p(200) - median) / mad)
    assert breakouts[0].median_engagement == pytest.approx(10.0)


def test_no_breakout_before_enough_history(world, two):
    _, acme = two
    _history(world, acme, [9, 10, 11, 10, 9, 10, 11, 10, 12])  # nine earlier posts
    world.post(acme, MONDAY - timedelta(days=100), likes=10)  # older than 90 days: not history
    world.post(acme, MONDAY + timedelta(hours=5), likes=5000)
    assert world.compute("2026-W47").breakouts == []
    assert world.compute("2026-W47", breakout_min_history=9).breakouts != []


def test_breakout_threshold_is_configurable(world, two):
    _, acme = two
    _history(world, acme, [9, 10, 11, 10, 9, 10, 11, 10, 12, 8])
    world.post(acme, MONDAY + timedelta(hours=5), likes=14)  # z about 2.4
    assert world.compute("2026-W47").breakouts == []
    assert len(world.compute("2026-W47", breakout_z=2.0).breakouts) == 1


def test_flat_history_gives_no_breakout_and_no_error(world, two):
    _, acme = two
    _history(world, acme, [10] * 12)
    world.post(acme, MONDAY + timedelta(hours=5), likes=5000)
    assert world.compute("2026-W47").breakouts == []


LINKS = [
    "https://acme.example/news/1",
    "HTTPS://Acme.Example:443/news/1/#comments",
    "http://acme.example/news/1",
    "https://acme.example/News/1",
    "https://acme.example/news/1?ref=feed",
    "https://acme.example:8443/news/1",
    "https://acme.example:99999/news/1",
    "https://www.acme.example/news/1/",
    "https://acme.example/news/1\t",
    "https://acme.example/news/12",
    "",
    None,
]


def test_a_post_is_kept_once_per_company_exactly_when_its_links_are_the_same_address():
    """The quick path (normal_url only where two links could be one) keeps what comparing
    every pair with normal_url would keep."""
    import pandas as pd

    from monitor.links import normal_url
    from monitor.metrics.frames import once_per_company

    rows = [
        {"company": company, "source_id": 1, "platform": "feed", "external_id": f"{company}{n}",
         "url": url, "engagement": float(n)}
        for company in ("Acme", "Globex") for n, url in enumerate(LINKS)
    ]  # fmt: skip
    kept = once_per_company(pd.DataFrame(rows))

    def spelling(url):
        try:
            return normal_url(url) if isinstance(url, str) and url else None
        except ValueError:
            return None

    for company in ("Acme", "Globex"):
        expected = {spelling(u) for u in LINKS if spelling(u)}
        ours = kept[kept["company"] == company]
        assert sorted(ours["url"].map(spelling).dropna()) == sorted(expected)
        # the copy with the most engagement is the one kept
        assert ours[ours["url"].map(spelling) == normal_url(LINKS[0])]["engagement"].item() == 8.0
        assert ours["url"].isna().sum() + (ours["url"] == "").sum() == 2


def test_every_post_scored_at_once_is_scored_as_robust_z_scores_it_alone():
    """record_scores (a source's posts in one matrix) gives each post the robust z-score
    worked out with np.median, and its record's median, also where most past posts are alike
    (MAD 0) or all are (no score), and nothing with too short a record."""
    from monitor.metrics.posts import record_scores

    rng = np.random.default_rng(3)
    record = np.log1p(rng.choice([0, 1, 5, 5, 5, 5, 5, 9, 40, 300], size=400).astype(float))
    record[100:160] = np.log1p(7.0)  # a stretch where every post earned the same
    first = rng.integers(0, 390, size=300)
    end = np.minimum(first + rng.integers(0, 120, size=300), len(record))
    first[:5], end[:5] = 100, 160  # inside the flat stretch: no spread at all
    values = np.log1p(rng.integers(0, 2000, size=300).astype(float))

    scores = record_scores(values, record, first, end, min_history=5)

    def by_hand(value: float, earlier: np.ndarray) -> float | None:
        deviations = np.abs(earlier - np.median(earlier))
        if np.median(deviations) > 0:
            return 0.6745 * (value - np.median(earlier)) / np.median(deviations)
        if np.mean(deviations) > 0:
            return 0.7979 * (value - np.median(earlier)) / np.mean(deviations)
        return None

    for value, start, stop, (z, median) in zip(values, first, end, scores, strict=True):
        earlier = record[start:stop]
        expected = by_hand(float(value), earlier) if len(earlier) >= 5 else None
        if expected is None:
            assert (z, median) == (None, None)
        else:
            assert z == pytest.approx(expected, rel=1e-12)
            assert median == float(np.median(np.expm1(earlier)))
    assert sum(z is None for z, _ in scores) >= 5  # the flat stretch and the short records
    alike = [
        record[a:b] for a, b in zip(first, end, strict=True)
        if b - a >= 5 and np.median(np.abs(record[a:b] - np.median(record[a:b]))) == 0
        and np.ptp(record[a:b]) > 0
    ]  # fmt: skip
    assert alike, "no record where the mean deviation stands in for a MAD of 0"
