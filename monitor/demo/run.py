"""`monitor demo`: the whole pipeline on the sample world, offline, in one call.

A local server plays the platforms at a simulated clock; the real collectors collect
through the real HTTP client at simulated moments over the history (so follower and
engagement histories exist); then the last complete week's digest is computed,
rendered, sent to an SMTP server on loopback and written to the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from importlib import resources
from pathlib import Path

from monitor.collect import run_cycle
from monitor.config import Config, load_config
from monitor.demo.mailbox import LoopbackMailbox
from monitor.demo.server import DemoServer
from monitor.demo.world import TODAY, build_world
from monitor.errors import DeliveryError
from monitor.insights import Argument, Takeaway
from monitor.metrics import CompanyWeek, IsoWeek, WeekMetrics
from monitor.net import HttpClient
from monitor.store import Store
from monitor.sync import sync_sources
from monitor.weekly import run_week

PLACEHOLDER_ADDRESS = "http://demo-server.invalid"
PLACEHOLDER_OUTPUT = "reports/demo"
PLACEHOLDER_SMTP_PORT = 8025
FIRST_COLLECTION = TODAY - timedelta(weeks=13)
DAILY_FROM = TODAY - timedelta(weeks=3)  # every other day before: enough for weekly figures

Progress = Callable[[str, int, int], None]  # (what is happening, steps done, steps in all)


@dataclass(frozen=True)
class DemoResult:
    week: str  # "2026-W47"
    subject: str
    verdict: str  # the digest's first line, in its language
    argument: Argument  # the verdict, the gap, our evidence and the takeaways, as data
    takeaways: list[Takeaway]  # the data behind each sentence (kind, companies, numbers)
    sentences: tuple[str, ...]  # as the digest writes them, in its language
    scoreboard: list[CompanyWeek]  # us first, then the competitors
    metrics: WeekMetrics  # everything the digest was computed from
    html: Path
    eml: Path
    txt: Path
    figures: Path  # the .json of every figure the digest states
    config: Path  # the configuration the demo ran with
    received: EmailMessage  # the message as the SMTP server on loopback received it
    recipients: tuple[str, ...]  # the envelope's recipients there
    requests: int  # HTTP requests the platforms answered
    collections: int  # simulated moments collected at
    seconds: float


def run_demo(
    output: Path, *, language: str = "en", seed: int = 7, progress: Progress | None = None
) -> DemoResult:
    """Collect the sample world's history, then write, send and archive its last week's digest."""
    began = time.monotonic()
    report = progress or (lambda *_: None)
    output.mkdir(parents=True, exist_ok=True)
    times = collection_times()
    steps = len(times) + 2
    world = build_world(seed)
    for stale in output.glob("demo.db*"):  # a rerun starts from an empty history
        stale.unlink()
    with DemoServer(world, times[0]) as server, LoopbackMailbox() as mailbox, _quiet():
        config_path = output / "demo.yaml"
        text = demo_config_text(server.address, output, mailbox.port, language)
        config_path.write_text(text, encoding="utf-8")
        config = load_config(config_path)
        with Store(config.database) as store:
            sync_sources(config, store)
            asyncio.run(collect_history(config, store, server, times, report))
            report("Writing the digest", len(times) + 1, steps)
            week = IsoWeek.last_complete(TODAY, config.report.timezone)
            made = run_week(store, config, week, TODAY, send=True, force=True)
            report("Sending the digest", steps, steps)
            digest, paths, delivery = made.digest, made.paths, made.delivery
            if not delivery.ok:
                raise DeliveryError(f"the demo's mail server refused it: {delivery.describe()}")
        received, recipients = mailbox.last()
    return DemoResult(
        week=week.label,
        subject=digest.subject,
        verdict=digest.verdict,
        argument=made.argument,
        takeaways=made.argument.takeaways,
        sentences=digest.takeaways,
        scoreboard=[*made.metrics.companies],
        metrics=made.metrics,
        html=paths.html,
        eml=paths.eml,
        txt=paths.txt,
        figures=paths.json,
        config=config_path,
        received=received,
        recipients=recipients,
        requests=sum(server.requests.values()),
        collections=len(times),
        seconds=time.monotonic() - began,
    )


@contextmanager
def _quiet() -> Iterator[None]:
    """The failing source's warnings belong in the digest's data health, not on the screen."""
    logger = logging.getLogger("monitor")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def collection_times(first: datetime = FIRST_COLLECTION, last: datetime = TODAY) -> list[datetime]:
    """Every simulated moment the demo collects at: every other day, daily for the last
    three weeks (engagement still growing), and at the simulated now."""
    times, moment = [], first
    while moment < last:
        times.append(moment)
        moment += timedelta(days=2) if moment < DAILY_FROM else timedelta(days=1)
    return [*times, last] if times[-1] != last else times


def demo_config_text(address: str, output: Path, smtp_port: int, language: str) -> str:
    """config/demo.yaml with the server's address, the output folder and the SMTP port."""
    text = resources.files("monitor.demo").joinpath("demo.yaml").read_text(encoding="utf-8")
    text = text.replace(PLACEHOLDER_ADDRESS, address)
    folder = output.resolve().as_posix().replace("'", "''")  # inside '…' in YAML
    for quoted in ("'", "'sqlite:///"):
        text = text.replace(quoted + PLACEHOLDER_OUTPUT, quoted + folder)
    text = re.sub(rf"(?m)^(\s+port:) {PLACEHOLDER_SMTP_PORT}\b", rf"\g<1> {smtp_port}", text)
    return re.sub(r"(?m)^(\s+language:) en\b", rf"\g<1> {language}", text)


async def _no_wait(_seconds: float) -> None:
    """Retry-After and backoff pass in simulated time: the demo's clock is not the wall's."""


async def collect_history(
    config: Config, store: Store, server: DemoServer, times: list[datetime], progress: Progress
) -> None:
    async with HttpClient(config.collect, sleep=_no_wait) as client:
        for index, moment in enumerate(times):
            server.now = moment
            await run_cycle(config, store, now=lambda moment=moment: moment, client=client)
            progress(f"Collecting {moment:%d %b %Y}", index + 1, len(times))
