"""Export: stable column names, unknown kept empty (CSV) or null (JSON), company filter."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.export import (
    ACCOUNT_COLUMNS,
    POST_COLUMNS,
    WEEKLY_COLUMNS,
    export_accounts,
    export_posts,
    export_weekly,
    write_rows,
)
from monitor.metrics import IsoWeek, MetricsSettings
from monitor.store import Store

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
WEEK_END = MONDAY + timedelta(days=7)


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'monitor.db'}") as store:
        store.sync_config([
            ("Our Co", True, [("bluesky", "ourco.bsky.social", None)]),
            ("Acme", False, [("feed", "https://acme.example/feed.xml", "Acme blog")]),
        ])  # fmt: skip
        ids = {s.company: s.id for s in store.sources()}
        at = MONDAY + timedelta(days=1)
        ours = Post("u1", at, url="https://bsky.app/u1", hashtags=("Launch",),
                    counts=Counts(likes=4, replies=1, reposts=0, quotes=0))  # fmt: skip
        theirs = Post("a1", at + timedelta(hours=1), title="Acme news", text="We launched.")
        for company, post, account in (("Our Co", ours, AccountStats(followers=120)),
                                       ("Acme", theirs, None)):  # fmt: skip
            store.save_harvest(ids[company], Harvest(observed_at=at + timedelta(hours=2),
                                                     posts=(post,), account=account),
                               track_engagement_for=timedelta(days=14), next_due_at=at)  # fmt: skip
        yield store


def test_posts_export_has_the_documented_columns_and_keeps_unknown_empty(store):
    rows = export_posts(store, MONDAY, WEEK_END)
    out = io.StringIO()
    write_rows(rows, "csv", out, POST_COLUMNS)
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[0] == [
        "company", "is_self", "platform", "source_id", "source_label", "external_id", "url",
        "title", "text", "published_at", "media_type", "hashtags", "is_repost", "likes",
        "replies", "reposts", "quotes", "views", "engagement", "counts_observed_at",
    ]  # fmt: skip
    ours, theirs = (dict(zip(table[0], line, strict=True)) for line in table[1:])
    assert (ours["company"], ours["engagement"], ours["hashtags"]) == ("Our Co", "5", "launch")
    assert ours["published_at"] == "2026-11-17T00:00:00+00:00" and ours["is_self"] == "true"
    assert (theirs["likes"], theirs["engagement"], theirs["source_label"]) == ("", "", "Acme blog")


def test_posts_export_as_json_uses_null_for_unknown_and_filters_by_company(store):
    out = io.StringIO()
    write_rows(export_posts(store, MONDAY, WEEK_END, company="Acme"), "json", out, POST_COLUMNS)
    data = json.loads(out.getvalue())
    assert [list(item) for item in data] == [list(POST_COLUMNS)]
    assert data[0]["likes"] is None and data[0]["engagement"] is None
    assert data[0]["title"] == "Acme news"


def test_accounts_export_lists_observations_in_range(store):
    rows = export_accounts(store, MONDAY, WEEK_END)
    assert [tuple(r) for r in rows] == [ACCOUNT_COLUMNS]
    assert (rows[0]["company"], rows[0]["followers"], rows[0]["following"]) == ("Our Co", 120, None)
    assert export_accounts(store, WEEK_END, WEEK_END + timedelta(days=7)) == []


def test_weekly_export_flattens_every_figure_with_stable_names(store):
    rows = export_weekly(store, IsoWeek(2026, 47), MetricsSettings())
    assert all(tuple(r) == WEEKLY_COLUMNS for r in rows)
    documented = {"posts", "posts_previous", "posts_change", "posts_change_pct",
                  "engagement_rate", "share_of_engagement_change_pct", "notes"}  # fmt: skip
    assert documented <= set(WEEKLY_COLUMNS)
    scopes = [(r["scope"], r["company"], r["platform"]) for r in rows]
    assert scopes == [
        ("company", "Our Co", None), ("company", "Acme", None),
        ("platform", "Our Co", "bluesky"), ("platform", "Acme", "feed"),
        ("average", "Competitor average", None), ("average", "Landscape average", None),
    ]  # fmt: skip
    ours = rows[0]
    assert (ours["week"], ours["posts"], ours["engagement"], ours["followers"]) == (
        "2026-W47", 1.0, 5.0, 120.0,
    )  # fmt: skip
    assert rows[1]["engagement_rate"] is None
    assert "no follower count on feed" in rows[1]["notes"]
    only_acme = export_weekly(store, IsoWeek(2026, 47), MetricsSettings(), company="Acme")
    assert {r["company"] for r in only_acme} == {"Acme"}


def test_empty_export_still_writes_the_header(store):
    out = io.StringIO()
    write_rows([], "csv", out, ACCOUNT_COLUMNS)
    assert out.getvalue() == ",".join(ACCOUNT_COLUMNS) + "\r\n"  # RFC 4180 line ends


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="csv or json"):
        write_rows([], "xlsx", io.StringIO(), ACCOUNT_COLUMNS)
