"""Mentions in the store: one row per company and address, however many sources saw it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from monitor.domain import Counts, Mention
from monitor.store import schema as s
from monitor.store.records import COUNTERS, Rows

MAX_EXTERNAL_ID = 500  # the size of mentions.external_id


def url_key(url: str) -> str:
    """The identity of a mention's address: the same page is one mention whoever saw it."""
    return hashlib.sha256(url.strip().encode()).hexdigest()


def write_mentions(
    connection: Connection, source_id: int, mentions: tuple[Mention, ...], observed: datetime
) -> tuple[int, int]:
    """New mentions inserted, known ones' counters updated: (new, updated)."""
    if not mentions:
        return 0, 0
    company_id = connection.execute(
        select(s.sources.c.company_id).where(s.sources.c.id == source_id)
    ).scalar_one()
    by_key = {url_key(m.url): m for m in mentions}  # a harvest may repeat one
    existing: dict[str, Any] = {}
    keys = list(by_key)
    for start in range(0, len(keys), 500):
        query = select(s.mentions).where(
            s.mentions.c.company_id == company_id,
            s.mentions.c.url_key.in_(keys[start : start + 500]),
        )
        existing.update({row.url_key: row for row in connection.execute(query)})
    new_rows = [
        _values(company_id, source_id, key, mention, observed)
        for key, mention in by_key.items()
        if key not in existing
    ]
    if new_rows:
        connection.execute(s.mentions.insert(), new_rows)
    updated = 0
    for key, row in existing.items():
        counts = _known_counts(by_key[key].counts)
        # Only the source that first saw it updates its counters: another server's copy of a
        # Mastodon post, say, shows that server's partial counts.
        if row.source_id != source_id or not counts:
            continue
        if all(getattr(row, name) == value for name, value in counts.items()):
            continue
        updated += 1
        connection.execute(
            update(s.mentions)
            .where(s.mentions.c.id == row.id)
            .values(**counts, counts_observed_at=observed)
        )
    return len(new_rows), updated


def _known_counts(counts: Counts) -> dict[str, int]:
    return {c: getattr(counts, c) for c in COUNTERS if getattr(counts, c) is not None}


def _values(
    company_id: int, source_id: int, key: str, mention: Mention, observed: datetime
) -> dict[str, Any]:
    external_id = mention.external_id
    if len(external_id) > MAX_EXTERNAL_ID:
        external_id = "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()
    return {
        "company_id": company_id,
        "source_id": source_id,
        "url_key": key,
        "url": mention.url,
        "external_id": external_id,
        "published_at": mention.published_at,
        "title": mention.title,
        "text": mention.text,
        "author": (mention.author or "")[:300] or None,
        "first_seen_at": observed,
        "counts_observed_at": observed,
        **{c: getattr(mention.counts, c) for c in COUNTERS},
    }


class MentionReads:
    engine: Engine

    def read_mentions(self, since: datetime, until: datetime) -> Rows:
        """Mentions published in [since, until), with their company and the kind that saw them."""
        query = (
            select(
                s.mentions.c.id.label("mention_id"),
                s.companies.c.name.label("company"),
                s.companies.c.is_self,
                s.sources.c.kind.label("source_kind"),
                s.mentions.c.url,
                s.mentions.c.title,
                s.mentions.c.text,
                s.mentions.c.author,
                s.mentions.c.published_at,
                *(s.mentions.c[c] for c in COUNTERS),
            )
            .select_from(
                s.mentions.join(s.companies, s.mentions.c.company_id == s.companies.c.id).join(
                    s.sources, s.mentions.c.source_id == s.sources.c.id
                )
            )
            .where(s.mentions.c.published_at >= since, s.mentions.c.published_at < until)
            .order_by(s.mentions.c.published_at)
        )
        with self.engine.connect() as connection:
            result = connection.execute(query)
            return Rows(tuple(result.keys()), [tuple(row) for row in result])
