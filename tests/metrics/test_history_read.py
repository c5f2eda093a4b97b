"""The weeks before the two compared are read in fewer values (read_post_history): the
digest's figures are the ones every post read in full would give."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.metrics import IsoWeek, MetricsSettings, compute_week, load_and_compute, window_for
from monitor.store import Store

WEEK = IsoWeek(2026, 47)
SETTINGS = MetricsSettings(timezone="Europe/Rome", breakout_min_history=5)
BIG = 2**63 - 1  # the largest count a column holds: two of them pass it


def _counts(rng: random.Random, kind: str, n: int) -> Counts:
    if kind == "feed":
        return Counts()  # a feed shows no counters: engagement unknown, never 0
    if n % 17 == 0:
        return Counts(likes=None, replies=rng.randint(0, 5))  # only some counters known
    likes = BIG if (kind == "youtube" and n % 40 == 0) else int(rng.lognormvariate(3, 1.2))
    views = None if likes == BIG else likes * 30
    return Counts(likes=likes, replies=likes // 2, reposts=likes // 11, views=views)


def _posts(rng: random.Random, kind: str, start: datetime, days: int) -> list[Post]:
    posts = []
    for day in range(days):
        for n in range(rng.randint(0, 3)):
            number = len(posts)
            posts.append(
                Post(
                    f"{kind}-{day}-{n}",
                    start + timedelta(days=day, hours=rng.randint(0, 23)),
                    url=f"https://news.example/{kind}/{day}/{n}",
                    media_type=rng.choice(("text", "image", "video", "link")),
                    hashtags=rng.choice(((), ("launch",), ("ai", "launch"))),
                    is_repost=number % 13 == 0,
                    counts=_counts(rng, kind, number),
                )
            )
    return posts


@pytest.fixture
def store(database_url):
    """Us on Bluesky and in a newsroom feed that carries the same links (spelled with a
    trailing slash and an upper-case host); Acme on two Mastodon addresses giving the same
    posts (the account moved) with other counts; Globex on YouTube with huge counters."""
    rng = random.Random(7)
    start = datetime(2026, 7, 20, tzinfo=UTC)
    days = 130  # past the week, into the next
    with Store(database_url) as store:
        store.sync_config(
            [
                ("Us", True, [("bluesky", "us.bsky.social", None), ("feed", "https://us/", None)]),
                ("Acme", False, [("mastodon", "@acme@a.example", None),
                                 ("mastodon", "@acme@b.example", None)]),
                ("Globex", False, [("youtube", "globex", None)]),
            ]
        )  # fmt: skip
        ids = {(s.company, s.target): s.id for s in store.sources()}
        ours = _posts(rng, "bluesky", start, days)
        newsroom = [
            Post(
                f"news-{p.external_id}",
                # a copy seen a few hours later: some fall on the other side of a week
                p.published_at + timedelta(hours=rng.choice((0, 5, 30))),
                url=p.url.replace("news.example", "NEWS.example") + "/",
                media_type=p.media_type,
            )
            for p in [p for p in ours if not p.is_repost][::2]
        ]
        acme = _posts(rng, "mastodon", start, days)
        moved = [
            Post(p.external_id, p.published_at, url=p.url, is_repost=p.is_repost,
                 counts=Counts(likes=(p.counts.likes or 0) * 2))
            for p in acme[::3]
        ]  # fmt: skip
        harvests = [
            (("Us", "us.bsky.social"), ours, 1_000),
            (("Us", "https://us/"), newsroom, None),
            (("Acme", "@acme@a.example"), acme, 5_000),
            (("Acme", "@acme@b.example"), moved, 200),
            (("Globex", "globex"), _posts(rng, "youtube", start, days), 90_000),
        ]
        for key, posts, followers in harvests:
            for day in range(0, days, 7):  # weekly, as a collection would have seen them
                at = start + timedelta(days=day + 7)
                seen = tuple(p for p in posts if at - timedelta(days=7) <= p.published_at < at)
                account = AccountStats(followers=followers + day) if followers else None
                harvest = Harvest(observed_at=at, posts=seen, account=account)
                store.save_harvest(
                    ids[key], harvest, track_engagement_for=timedelta(days=14), next_due_at=at
                )
        yield store


def test_the_week_read_in_two_parts_gives_what_one_full_read_gives(store):
    since, until = window_for(WEEK, SETTINGS)
    full = compute_week(
        store.read_post_figures(since, until),
        store.read_account_counts(since, until),
        store.read_sources(),
        store.read_attempt_counts(WEEK.start(SETTINGS.timezone).astimezone(UTC), until),
        WEEK,
        SETTINGS,
    )
    split = load_and_compute(store, WEEK, SETTINGS)

    assert split.posts_trend == full.posts_trend
    assert split.engagement_trend == full.engagement_trend
    assert split.own_weeks == full.own_weeks
    assert split.breakouts == [
        type(p)(**{**p.__dict__, "title": b.title, "text": b.text, "thumbnail_url": None})
        for p, b in zip(full.breakouts, split.breakouts, strict=True)
    ]
    assert split.companies == full.companies
    assert split.platforms == full.platforms
    # the data is what the test means it to be: copies, history, a breakout, huge counters
    assert sum(full.posts_trend["Us"]) > 100 and any(w.video_posts for w in full.own_weeks)
    assert full.breakouts, "no breakout: the account records were not compared"
    assert max(v for v in full.engagement_trend["Globex"] if v) > 1.5 * BIG


def test_a_copy_is_counted_once_across_the_two_parts(store):
    """Our newsroom's copy of a Bluesky post, seen up to 30 hours later, can fall in last
    week while the post itself is in the weeks before: counted once either way, as the
    Bluesky post (the copy with engagement known)."""
    tz = SETTINGS.timezone
    trend_start = WEEK.minus(SETTINGS.weeks_of_trend - 1).start(tz).astimezone(UTC)
    since, until = window_for(WEEK, SETTINGS)
    every = store.read_posts(since, until)
    column = {name: i for i, name in enumerate(every.columns)}
    copies = sum(1 for row in every.rows if row[column["platform"]] == "feed")
    originals = [
        row
        for row in every.rows
        if row[column["platform"]] == "bluesky" and not row[column["is_repost"]]
        and trend_start <= row[column["published_at"]] < until
    ]  # fmt: skip
    assert copies > 20 and len(originals) > 100

    split = load_and_compute(store, WEEK, SETTINGS)

    assert sum(split.posts_trend["Us"]) == len(originals)


@pytest.mark.parametrize("part_rows", [1, 7])
def test_a_read_in_small_parts_gives_the_same_week(store, monkeypatch, part_rows):
    """The large reads come in parts, each made compact before the next: no row is lost
    or read twice at a part's edge (a buffer ahead of the cursor would lose rows)."""
    whole = load_and_compute(store, WEEK, SETTINGS)
    since, until = window_for(WEEK, SETTINGS)
    every_post = len(store.read_posts(since, until).rows)  # read whole, another way
    monkeypatch.setattr("monitor.store.reads.PART_ROWS", part_rows)

    parts = [len(p.rows) for p in store.read_post_figures(since, until)]
    in_parts = load_and_compute(store, WEEK, SETTINGS)

    assert len(parts) > 10 and max(parts) == part_rows and sum(parts) == every_post
    assert in_parts == whole


def test_a_week_after_the_last_post_still_has_its_trend(store):
    """No post in the two compared weeks, the history before them full: the week says it
    has no data and the trend still shows the weeks that had posts."""
    later = IsoWeek(2026, 50)  # the posts end on 2026-11-27

    metrics = load_and_compute(store, later, SETTINGS)

    assert not metrics.has_data
    assert sum(metrics.posts_trend["Us"][:-2]) > 20 and metrics.posts_trend["Us"][-2:] == [0, 0]
