"""What the store can hold, checked once for every kind before a harvest is written.

A counter is a whole number from 0 to 2**63 - 1 (a BIGINT on PostgreSQL, an INTEGER on
SQLite). A page or an API can say more (2**64, 1e30, Infinity, NaN): that counter becomes
unknown, with a warning on its post, so one odd value never stops a source or a cycle, and
SQLite and PostgreSQL keep exactly the same thing.
"""

from __future__ import annotations

import functools
from dataclasses import fields, replace
from operator import attrgetter
from typing import Any

from monitor.domain import AccountStats, Counts, Harvest, Post

MAX_COUNT = 2**63 - 1


def storable_harvest(harvest: Harvest) -> Harvest:
    """The harvest with every counter the store cannot hold made unknown, each one said."""
    warnings: list[str] = []
    posts = []
    for post in harvest.posts:
        counts, refused = _storable(post.counts)
        if refused:
            warnings.append(f"{_name(post)}: {_said(refused)}")
            post = replace(post, counts=counts)
        posts.append(post)
    account = harvest.account
    if account is not None:
        account, refused = _storable(account)
        if refused:
            warnings.append(f"the account's audience: {_said(refused)}")
    if not warnings:
        return harvest
    said = tuple(dict.fromkeys(warnings))  # a post seen on two pages is said once
    return replace(
        harvest, posts=tuple(posts), account=account, warnings=(*harvest.warnings, *said)
    )


def _storable(counters: Counts | AccountStats) -> tuple[Any, dict[str, object]]:
    names, values_of = _figures(type(counters))
    values = values_of(counters)
    if all(value is None or _fits(value) for value in values):
        return counters, {}  # nearly always: no copy to make
    refused = {
        name: value
        for name, value in zip(names, values, strict=True)
        if value is not None and not _fits(value)
    }
    return replace(counters, **dict.fromkeys(refused)), refused


@functools.cache
def _figures(kind: type) -> tuple[tuple[str, ...], attrgetter]:
    """The names of a kind of counters and a getter of its values (fields() each time cost
    more than the check: it runs for every post of every harvest)."""
    names = tuple(f.name for f in fields(kind))
    return names, attrgetter(*names)


def _fits(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


def _said(refused: dict[str, object]) -> str:
    listed = ", ".join(f"{name} {_shown(value)}" for name, value in refused.items())
    return f"a count beyond what can be stored ({listed}) is kept as unknown"


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(text)} digits)"


def _name(post: Post) -> str:
    return f"the post {post.url or post.external_id}"
