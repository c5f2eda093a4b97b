"""The collector registry: one module a source kind, each registering itself.

A collector is `async def collect(ctx: SourceContext) -> Harvest`. It fetches through
`ctx.client` (monitor.net.HttpClient), calls its module's pure `parse_*()` functions, and
raises `SourceError` for anything that went wrong. It never touches the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import os
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from monitor.domain import Harvest

if TYPE_CHECKING:
    from monitor.config import SourceConfig
    from monitor.net import HttpClient

KINDS = ("feed", "youtube", "mastodon", "bluesky", "telegram", "reddit", "instagram", "html")


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


Collect = Callable[[SourceContext], Awaitable[Harvest]]


@dataclass(frozen=True)
class CollectorInfo:
    """What a kind is and what it needs, so validation and `status` can say what is missing."""

    kind: str
    collect: Collect
    default_base_url: str
    needs: tuple[str, ...] = ()  # config fields that must be set, e.g. ("token_env",)
    robots: bool = False  # whether robots.txt applies (pages read like a browser would)
    history_note: str | None = None  # a limit a user should know, e.g. "newest 15 videos only"


_REGISTRY: dict[str, CollectorInfo] = {}


def register(
    kind: str,
    *,
    default_base_url: str,
    needs: tuple[str, ...] = (),
    robots: bool = False,
    history_note: str | None = None,
) -> Callable[[Collect], Collect]:
    """Decorator for a module's `collect` function."""

    def decorate(function: Collect) -> Collect:
        _REGISTRY[kind] = CollectorInfo(
            kind, function, default_base_url.rstrip("/"), needs, robots, history_note
        )
        return function

    return decorate


def collector_for(kind: str) -> CollectorInfo:
    """The registered collector of a kind (its module is imported on first use)."""
    if kind not in _REGISTRY:
        if kind not in KINDS:
            raise KeyError(f"no collector for source kind {kind!r}")
        importlib.import_module(f"monitor.collectors.{kind}")
    return _REGISTRY[kind]


# --- parsing off the event loop ---------------------------------------------------------

P = ParamSpec("P")
T = TypeVar("T")
_parse_pool: ContextVar[ProcessPoolExecutor | None] = ContextVar("parse_pool", default=None)
# Below this many sources, starting worker processes costs more than it saves.
POOL_MIN_SOURCES = 50


@contextlib.contextmanager
def parsing_pool(sources: int) -> Iterator[None]:
    """Parse in worker processes while the event loop keeps fetching, for large cycles.

    Parsing a feed is pure Python (feedparser) and holds the interpreter for milliseconds;
    over hundreds of sources it is most of a cycle's time. Workers use the other cores.
    """
    workers = min((os.cpu_count() or 1) - 1, 4)
    if sources < POOL_MIN_SOURCES or workers < 1:
        yield
        return
    context = multiprocessing.get_context("forkserver")  # no fork of a threaded process
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        token = _parse_pool.set(pool)
        try:
            yield
        finally:
            _parse_pool.reset(token)


async def parse_off_loop(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a pure parser in a worker process when a pool is set up, else right here."""
    pool = _parse_pool.get()
    if pool is None or kwargs:
        return function(*args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
