"""The collectors: one module a source kind, `monitor/collectors/<kind>.py`.

A kind's facts (display name, default address, what it needs, its limits) are declared once
in `monitor/kinds/<kind>.py`; this module finds each declared kind's collector by its name.

A collector is `async def collect(ctx: SourceContext) -> Harvest`. It fetches through
`ctx.client` (monitor.net.HttpClient), calls its module's pure `parse_*()` functions, and
raises `SourceError` for anything that went wrong. It never touches the store.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from monitor.child_process import children_for
from monitor.collectors.workers import ParsingWorkers
from monitor.domain import Harvest

if TYPE_CHECKING:
    from monitor.config import SourceConfig
    from monitor.config_sources import MentionTerms
    from monitor.kinds import Kind
    from monitor.net import HttpClient


@dataclass
class SourceContext:
    """Everything one collection of one source needs."""

    source: SourceConfig  # the validated config entry (FeedSource, MastodonSource, …)
    client: HttpClient
    base_url: str  # resolved: per source, else per kind (collect.base_urls), else the default
    now: datetime  # UTC; the observation time of this harvest
    since: datetime  # page back until posts are older than this
    remember: dict[str, Any] = field(default_factory=dict)  # what earlier harvests asked to keep
    max_pages: int = 50  # a hard stop for paging, whatever the platform says
    mentions: MentionTerms | None = None  # for a mention kind: the company's terms to look for
    language: str = "en"  # the report's: what a collector says that the digest shows


Collect = Callable[[SourceContext], Awaitable[Harvest]]


@dataclass(frozen=True)
class CollectorInfo:
    """A kind's declared facts (monitor.kinds) and its collector's `collect` function."""

    declared: Kind
    collect: Collect

    @property
    def kind(self) -> str:
        return self.declared.name

    @property
    def default_base_url(self) -> str:
        return self.declared.default_base_url.rstrip("/")

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(self.declared.needs)

    @property
    def robots(self) -> bool:
        return self.declared.robots

    @property
    def limits_note(self) -> str | None:
        return self.declared.limits_note


@functools.cache
def collector_for(name: str) -> CollectorInfo:
    """The collector of a kind: its module `monitor.collectors.<name>`, imported on first use."""
    # Imported here, not above: a parsing worker imports this package, and the kinds' models
    # (the configuration's, pydantic's) cost it a quarter of a second it never needs.
    from monitor.kinds import kind

    declared = kind(name)  # KeyError for a kind nobody declared
    module = importlib.import_module(declared.collector_module)
    return CollectorInfo(declared, module.collect)


# --- parsing off the event loop ---------------------------------------------------------

P = ParamSpec("P")
T = TypeVar("T")
_parse_pool: ContextVar[ParsingWorkers | None] = ContextVar("parse_pool", default=None)


@contextlib.contextmanager
def parsing_pool(sources: int) -> Iterator[None]:
    """Parse in worker processes while the event loop keeps fetching, for large cycles.

    Parsing a feed (lxml, feedparser for unusual ones) holds the interpreter for about a
    millisecond, during which no answer is read: workers do it on the other cores.
    """
    if not children_for(sources):
        yield
        return
    pool = ParsingWorkers(min((os.cpu_count() or 1) - 1, 4))
    token = _parse_pool.set(pool)
    try:
        yield
    finally:
        _parse_pool.reset(token)
        pool.close()


async def parse_off_loop(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a pure parser in a worker process when a pool is set up, else right here."""
    pool = _parse_pool.get()
    if pool is None or kwargs:
        return function(*args, **kwargs)
    return await pool.run(function, *args)
