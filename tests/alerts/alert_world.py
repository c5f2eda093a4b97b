"""A small loopback world for the alert tests: WordPress-style RSS 2.0 feeds (with
`slash:comments`, the engagement a feed gives), an SMTP server, and a clock the tests set.

Each company's feed is a list of items the test changes between collection cycles; a feed
set to an HTTP status answers that status instead (a source that stops answering).
"""

from __future__ import annotations

import socket
import textwrap
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from aiosmtpd.controller import Controller

from monitor.config import Config, parse_config

FEEDS = {"Our Company": "ourco", "Acme": "acme", "Globex": "globex", "Initech": "initech"}


@dataclass
class Item:
    slug: str
    published_at: datetime
    comments: int

    def rss(self, company: str) -> str:
        link = f"https://{company.lower().replace(' ', '')}.example/news/{self.slug}/"
        return (
            "\t<item>\n"
            f"\t\t<title>{escape(self.slug.replace('-', ' ').title())}</title>\n"
            f"\t\t<link>{link}</link>\n"
            f"\t\t<comments>{link}#comments</comments>\n"
            f"\t\t<pubDate>{format_datetime(self.published_at)}</pubDate>\n"
            f'\t\t<guid isPermaLink="false">{link}?p={self.slug}</guid>\n'
            f"\t\t<description><![CDATA[News: {escape(self.slug)}]]></description>\n"
            f"\t\t<slash:comments>{self.comments}</slash:comments>\n"
            "\t</item>\n"
        )


@dataclass
class World:
    feeds: dict[str, list[Item] | int] = field(default_factory=dict)

    def rss(self, company: str) -> bytes:
        items = self.feeds[company]
        assert isinstance(items, list)
        body = "".join(i.rss(company) for i in sorted(items, key=lambda i: i.published_at)[::-1])
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
            '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n\t>\n<channel>\n'
            f"\t<title>{escape(company)} Newsroom</title>\n"
            f"\t<link>https://{company.lower().replace(' ', '')}.example/news</link>\n"
            f"\t<description>News from {escape(company)}</description>\n"
            f"{body}</channel>\n</rss>\n"
        ).encode()


def history(start: datetime, *, days: int, every_h: float, base: int, tag: str) -> list[Item]:
    """A steady record: one post every `every_h` hours over `days`, before `start`, with
    comments around `base` (a spread, so the median absolute deviation is not zero)."""
    items, step, n = [], timedelta(hours=every_h), 0
    moment = start - timedelta(days=days)
    while moment < start:
        items.append(Item(f"{tag}-{n}", moment, base + (n * 7) % 5))
        moment += step
        n += 1
    return items


def serve(world: World) -> tuple[ThreadingHTTPServer, int]:
    paths = {f"/{slug}.xml": company for company, slug in FEEDS.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            company = paths.get(self.path)
            feed = world.feeds.get(company) if company else None
            if feed is None or isinstance(feed, int):
                self.send_response(feed or 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = world.rss(company)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, server.server_address[1]


class Mailbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    @property
    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.received]


def start_smtp() -> tuple[Controller, Mailbox]:
    handler = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    return controller, handler


def world_config(
    tmp: Path, port: int, smtp_port: int | None, alerts: str, *, language: str = "en"
) -> Config:
    return parse_config(world_config_text(tmp, port, smtp_port, alerts, language=language))


def world_config_text(
    tmp: Path, port: int, smtp_port: int | None, alerts: str, *, language: str = "en"
) -> str:
    """The world's configuration file: four companies, one feed each, on loopback."""

    def feed(company: str) -> str:
        return f"http://127.0.0.1:{port}/{FEEDS[company]}.xml"

    email = (
        f"email: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout: 5s, "
        'max_attempts: 1, from: "Competitor Monitor <monitor@ourco.example>"}\n'
        if smtp_port
        else ""
    )
    competitors = "".join(
        f"  - name: {name}\n    sources:\n      - feed: {feed(name)}\n"
        for name in ("Acme", "Globex", "Initech")
    )
    return (
        f"organization:\n  name: Our Company\n  sources:\n    - feed: {feed('Our Company')}\n"
        f"competitors:\n{competitors}"
        "collect: {interval: 1h, max_retries: 0, timeout: 5s, per_host_interval: 1ms}\n"
        f"report: {{timezone: Europe/Rome, language: {language}, recipients: [ceo@ourco.example],\n"
        f"         outbox: {tmp / 'reports'}}}\n"
        f"{email}database: sqlite:///{tmp / 'monitor.db'}\n"
        f"{textwrap.dedent(alerts)}"
    )


@dataclass
class Received:
    path: str
    content_type: str
    body: bytes

    def json(self) -> dict:
        import json

        return json.loads(self.body)


class Hooks:
    """A loopback web server that records every POST it gets (a chat service's webhook
    endpoint), and answers `status`: 200 with "ok", as Slack and Mattermost do, or a failure."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[Received] = []
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "")
                hooks.received.append(Received(self.path, kind, body))
                answer = b"ok" if hooks.status == 200 else b"upstream failure"
                self.send_response(hooks.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


T0 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Rome
ALERTS = "alerts:\n  source_down: {after_failures: 2}\n"


def steady_world(now: datetime) -> World:
    """Everyone posts every two days with about 10 comments; Initech's feed answers 503."""
    before = now - timedelta(days=3)
    world = World()
    for company, tag in (("Our Company", "ours"), ("Acme", "acme"), ("Globex", "globex")):
        world.feeds[company] = history(before, days=60, every_h=48, base=10, tag=tag)
    world.feeds["Initech"] = 503
    return world


def acme_breaks_out(world: World, now: datetime, slug: str = "rocket-skates") -> None:
    world.feeds["Acme"].append(Item(slug, now - timedelta(hours=5), 240))
