"""Through a real Store on a temporary SQLite file: what the collector wrote is measured."""

from datetime import UTC, datetime, timedelta

import pytest

from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.metrics import IsoWeek, MetricsSettings, load_and_compute
from monitor.store import Store

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'monitor.db'}") as store:
        store.sync_config(
            [
                ("Our Co", True, [("bluesky", "ourco.bsky.social", None)]),
                ("Acme", False, [("mastodon", "@acme@mastodon.social", "Acme on Mastodon")]),
            ]
        )
        yield store


def _save(store, source_id, at, posts, followers=None):
    harvest = Harvest(
        observed_at=at,
        posts=tuple(posts),
        account=AccountStats(followers=followers) if followers is not None else None,
    )
    store.save_harvest(source_id, harvest, track_engagement_for=timedelta(days=14), next_due_at=at)


def test_week_metrics_from_what_the_collector_saved(store):
    ids = {s.company: s.id for s in store.sources()}
    first = Post("a1", MONDAY + timedelta(hours=9), counts=Counts(likes=3, replies=1, reposts=0))
    boost = Post("a2", MONDAY + timedelta(hours=10), is_repost=True, counts=Counts(likes=90))
    _save(store, ids["Acme"], MONDAY + timedelta(hours=11), [first, boost], followers=400)
    # a later harvest raises the counters: the latest observation counts
    later = Post("a1", first.published_at, counts=Counts(likes=30, replies=5, reposts=5))
    _save(store, ids["Acme"], MONDAY + timedelta(days=2), [later], followers=400)
    ours = Post("u1", MONDAY + timedelta(days=3), media_type="video", counts=Counts(likes=8))
    _save(store, ids["Our Co"], MONDAY + timedelta(days=3, hours=1), [ours], followers=80)
    failed_at = MONDAY + timedelta(days=4)
    store.record_failure(
        ids["Acme"], "rate_limited", "Mastodon asked us to slow down.", at=failed_at,
        next_due_at=failed_at,
    )  # fmt: skip

    metrics = load_and_compute(store, IsoWeek(2026, 47), MetricsSettings(timezone="Europe/Rome"))

    us, acme = metrics.companies
    assert (us.company, us.posts.value, us.engagement.value) == ("Our Co", 1, 8)
    assert us.engagement_rate.value == pytest.approx(10.0)  # 8 / 80 followers
    assert (acme.posts.value, acme.engagement.value) == (1, 40)
    assert acme.engagement_rate.value == pytest.approx(10.0)  # 40 / 400
    assert acme.incomplete
    health = {h.company: h for h in metrics.health}
    assert health["Acme"].attempts == 3 and health["Acme"].failures == {"rate_limited": 1}
    assert health["Acme"].label == "Acme on Mastodon"
    assert metrics.content_mix["Our Co"] == {"video": (1, 8.0)}
    assert metrics.start.isoformat() == "2026-11-16T00:00:00+01:00"
