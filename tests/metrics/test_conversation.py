"""Share of conversation: mentions per company by source, the change, the most-engaged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.metrics.conversation import conversation_week
from monitor.metrics.weeks import IsoWeek
from monitor.store import Rows

WEEK = IsoWeek(2026, 47)  # Monday 16 November 2026
MONDAY = datetime(2026, 11, 16, 9, tzinfo=UTC)
COLUMNS = (
    "mention_id", "company", "is_self", "source_kind", "url", "title", "text", "author",
    "published_at", "likes", "replies", "reposts", "quotes", "views",
)  # fmt: skip
COMPANIES = [("Us", True), ("Acme", False), ("Globex", False)]


def mention(n: int, company: str, kind: str, when: datetime, likes=None, replies=None) -> tuple:
    is_self = company == "Us"
    url = f"https://x.example/{n}"
    return (n, company, is_self, kind, url, f"title {n}", "", None, when, likes, replies, None,
            None, None)  # fmt: skip


def rows(*mentions: tuple) -> Rows:
    return Rows(COLUMNS, list(mentions))


def test_mentions_share_and_change_per_company_by_source() -> None:
    last_week = MONDAY - timedelta(days=7)
    data = rows(
        mention(1, "Acme", "hackernews", MONDAY, likes=10, replies=2),
        mention(2, "Acme", "gdelt", MONDAY + timedelta(days=1)),
        mention(3, "Acme", "gdelt", MONDAY + timedelta(days=2)),
        mention(4, "Us", "reddit_search", MONDAY + timedelta(days=3)),
        mention(5, "Acme", "hackernews", last_week),
        mention(6, "Us", "hackernews", MONDAY + timedelta(days=8)),  # the week after: not counted
    )
    result = conversation_week(data, COMPANIES, [("gdelt", 1)], WEEK, "UTC")
    us, acme, globex = result.companies
    assert result.total == 4
    assert (us.company, us.mentions, us.share_pct) == ("Us", 1, 25.0)
    assert us.change_pct is None  # nothing the week before: no ratio against zero
    assert us.engagement is None  # Reddit's search gives no counts: unknown, not 0
    assert (acme.mentions, acme.previous, acme.change_pct) == (3, 1, 200.0)
    assert acme.by_source == (("gdelt", 2), ("hackernews", 1))
    assert acme.engagement == 12
    assert (globex.mentions, globex.share_pct, globex.by_source) == (0, 0.0, ())


def test_most_engaged_mentions_at_most_two_a_company_and_only_known_counts() -> None:
    data = rows(
        *(mention(n, "Acme", "hackernews", MONDAY, likes=100 - n) for n in range(4)),
        mention(10, "Globex", "bluesky_search", MONDAY, likes=5),
        mention(11, "Us", "gdelt", MONDAY),
    )
    top = conversation_week(data, COMPANIES, [], WEEK, "UTC").top
    assert [(m.company, m.engagement) for m in top] == [
        ("Acme", 100),
        ("Acme", 99),
        ("Globex", 5),
    ]


def test_no_mentions_at_all_is_no_share_for_anyone() -> None:
    result = conversation_week(rows(), COMPANIES, [("hackernews", 1)], WEEK, "UTC")
    assert result.total == 0
    assert all(c.share_pct is None and c.mentions == 0 for c in result.companies)
    assert result.top == ()


def test_only_companies_with_mention_terms_are_in_the_conversation(sqlite_url: str) -> None:
    """A company no mention source listens for is unseen, not 'mentioned 0 times'."""
    from monitor.domain import Harvest, Mention
    from monitor.metrics.conversation import load_conversation
    from monitor.store import Store

    week = IsoWeek(2026, 47)
    at = datetime(2026, 11, 18, 12, tzinfo=UTC)
    with Store(sqlite_url) as store:
        store.sync_config(
            [
                ("Us", True, [("feed", "https://us.example/feed", None),
                              ("hackernews", "Us Corp", None)]),
                ("Acme", False, [("hackernews", "Acme", None)]),
                ("Globex", False, [("feed", "https://globex.example/feed", None)]),
            ]
        )  # fmt: skip
        acme = next(r.id for r in store.sources() if r.company == "Acme")
        found = Mention(url="https://news.example/acme", published_at=at, external_id="1")
        store.save_harvest(acme, Harvest(observed_at=at, mentions=(found,)),
                           track_engagement_for=timedelta(days=14), next_due_at=at)  # fmt: skip
        conversation = load_conversation(store, week, "UTC")
    assert [(c.company, c.mentions) for c in conversation.companies] == [("Us", 0), ("Acme", 1)]
    assert conversation.coverage == (("hackernews", 1),)
