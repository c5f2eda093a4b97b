"""Share of conversation: how often others mention each company, by source, and the change.

Pure over the store's rows (pandas inside, plain data out), like the rest of the metrics;
`load_conversation` is the one function that reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from monitor.metrics.frames import ENGAGEMENT_COUNTERS, frame, utc_times
from monitor.metrics.weeks import IsoWeek
from monitor.store import Rows

TOP_MENTIONS = 5  # the most-engaged mentions shown
TOP_PER_COMPANY = 2  # so one loud company does not fill the list


@dataclass(frozen=True)
class CompanyConversation:
    company: str
    is_self: bool
    mentions: int  # this week
    previous: int  # the week before
    change_pct: float | None  # None when the week before had none (no ratio against zero)
    share_pct: float | None  # of all tracked companies' mentions; None when nobody was mentioned
    by_source: tuple[tuple[str, int], ...]  # (kind, mentions), largest first, none left at 0
    engagement: float | None  # over the mentions whose platform shows counters; None if none


@dataclass(frozen=True)
class MentionView:
    company: str
    source_kind: str
    url: str
    title: str | None
    text: str
    author: str | None
    published_at: datetime
    engagement: float


@dataclass(frozen=True)
class Conversation:
    week: IsoWeek
    total: int  # every tracked company's mentions this week
    companies: tuple[CompanyConversation, ...]  # us first, then the competitors
    top: tuple[MentionView, ...]  # the most-engaged, at most TOP_PER_COMPANY a company
    coverage: tuple[tuple[str, int], ...]  # (kind, places read: servers for mastodon_tags)

    @property
    def us(self) -> CompanyConversation | None:
        return next((c for c in self.companies if c.is_self), None)


def conversation_week(
    mentions: Rows,
    companies: list[tuple[str, bool]],
    coverage: list[tuple[str, int]],
    week: IsoWeek,
    timezone: str,
) -> Conversation:
    """The week's share of conversation from the mentions of it and of the week before."""
    df = _mentions_frame(mentions)
    start, end = week.start(timezone), week.end(timezone)
    previous_start = week.previous().start(timezone)
    this = df[(df["published_at"] >= start) & (df["published_at"] < end)]
    before = df[(df["published_at"] >= previous_start) & (df["published_at"] < start)]
    total = len(this)
    rows = tuple(_company(name, is_self, this, before, total) for name, is_self in companies)
    ordered = tuple(sorted(rows, key=lambda r: not r.is_self))  # stable: the config's order
    return Conversation(week, total, ordered, _top(this), tuple(coverage))


def _company(
    name: str, is_self: bool, this: pd.DataFrame, before: pd.DataFrame, total: int
) -> CompanyConversation:
    mine = this[this["company"] == name]
    count, previous = len(mine), int((before["company"] == name).sum())
    by_source = mine["source_kind"].value_counts()
    engagement = mine["engagement"].sum(min_count=1)
    return CompanyConversation(
        company=name,
        is_self=is_self,
        mentions=count,
        previous=previous,
        change_pct=(count - previous) / previous * 100 if previous else None,
        share_pct=count / total * 100 if total else None,
        by_source=tuple((str(kind), int(n)) for kind, n in by_source.items() if n),
        engagement=None if pd.isna(engagement) else float(engagement),
    )


def _top(this: pd.DataFrame) -> tuple[MentionView, ...]:
    known = this[this["engagement"].notna() & (this["engagement"] > 0)]
    ranked = known.sort_values(["engagement", "published_at"], ascending=[False, False])
    capped = ranked.groupby("company", sort=False).head(TOP_PER_COMPANY).head(TOP_MENTIONS)
    return tuple(
        MentionView(
            company=row.company,
            source_kind=row.source_kind,
            url=row.url,
            title=row.title if isinstance(row.title, str) else None,
            text=row.text if isinstance(row.text, str) else "",
            author=row.author if isinstance(row.author, str) else None,
            published_at=row.published_at.to_pydatetime(),
            engagement=float(row.engagement),
        )
        for row in capped.itertuples()
    )


def _mentions_frame(rows: Rows) -> pd.DataFrame:
    df = frame(rows)
    if df.empty:
        df = pd.DataFrame(columns=list(rows.columns) or _COLUMNS)
    df["published_at"] = utc_times(df["published_at"])
    for column in ENGAGEMENT_COUNTERS:
        df[column] = pd.to_numeric(df[column], errors="coerce").astype("float64")
    # Missing counters stay missing: a Reddit search result has no engagement, not 0.
    df["engagement"] = df[list(ENGAGEMENT_COUNTERS)].sum(axis=1, min_count=1)
    return df


_COLUMNS = [
    "mention_id", "company", "is_self", "source_kind", "url", "title", "text", "author",
    "published_at", "likes", "replies", "reposts", "quotes", "views",
]  # fmt: skip


def load_conversation(store, week: IsoWeek, timezone: str) -> Conversation:
    """Read the two weeks' mentions and the mention sources from the store, then compute."""
    from monitor.kinds import all_kinds

    since = week.previous().start(timezone)
    mentions = store.read_mentions(since, week.end(timezone))
    records = store.sources()
    mention_kinds = {name for name, kind in all_kinds().items() if kind.mentions}
    listened = [r for r in records if r.kind in mention_kinds]
    # Only companies with mention terms: one without is not "mentioned 0 times", it is unseen.
    companies = list(dict.fromkeys((r.company, r.is_self) for r in listened))
    places: dict[str, int] = {}
    for record in listened:
        count = len(record.target.split(",")) if record.kind == "mastodon_tags" else 1
        places[record.kind] = max(places.get(record.kind, 0), count)
    return conversation_week(mentions, companies, sorted(places.items()), week, timezone)
