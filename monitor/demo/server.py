"""A threaded HTTP server on loopback that plays every platform of the sample world.

Paths mirror the platforms' own under one prefix a kind (the demo configuration's
`collect.base_urls`): /feed/<the feed's path>, /youtube/feeds/videos.xml,
/mastodon/<instance>/api/v1/…, /bluesky/xrpc/…, /telegram/s/<channel>; Northwind's own
weekly results at /outcomes/northwind.csv (a published spreadsheet). The clock is
simulated: the runner sets `server.now` before each collection.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from monitor.demo.formats import (
    Reply,
    bluesky,
    feed,
    hackernews,
    json_reply,
    mastodon,
    telegram,
    youtube,
)
from monitor.demo.formats.outcomes import render_outcomes
from monitor.demo.world import World, WorldSource

RETRY_AFTER_S = 3600  # what the rate-limited source asks for, every time
OUTCOMES_PATH = "/outcomes/northwind.csv"  # Northwind's weekly results, published as CSV


class DemoServer:
    """Serves `world` at the simulated moment `now`; use as a context manager."""

    def __init__(self, world: World, now: datetime):
        self.world = world
        self.now = now
        self.requests: Counter[str] = Counter()  # kind -> requests answered
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        """The reply to one GET: pure apart from the request counter."""
        kind = path.strip("/").split("/", 1)[0]
        with self._lock:
            self.requests[kind] += 1
        if kind == "hackernews" and path.endswith("/api/v1/search_by_date"):
            return hackernews.render_search(self.world.seed, self.now, query)  # no source: a search
        if path == OUTCOMES_PATH:  # Northwind's own spreadsheet of weekly results, as CSV
            return _conditional(render_outcomes(self.world, self.now), headers.get("if-none-match"))
        route = _ROUTES.get(kind)
        if route is None:
            return Reply(404, "text/plain; charset=utf-8", b"Not Found")
        source = route.find(self.world, path, query)
        if source is None:
            return route.not_found()
        if source.failing:
            return _rate_limited(kind)
        reply = route.render(source, self, path, query, headers.get("host", ""))
        return _conditional(reply, headers.get("if-none-match"))


class _Route:
    def __init__(self, find, render, not_found):
        self.find, self.render, self.not_found = find, render, not_found


def _sources(world: World, kind: str) -> list[WorldSource]:
    return [s for s in world.sources if s.kind == kind]


def _find_feed(world: World, path: str, _query) -> WorldSource | None:
    wanted = path.removeprefix("/feed")
    return next((s for s in _sources(world, "feed") if urlsplit(s.target).path == wanted), None)


def _find_youtube(world: World, _path: str, query) -> WorldSource | None:
    wanted = query.get("channel_id")
    return next((s for s in _sources(world, "youtube") if s.target == wanted), None)


_MASTODON = re.compile(r"/mastodon/([^/]+)/api/v1/accounts/(lookup|\d+)(/statuses)?")


def _find_mastodon(world: World, path: str, query) -> WorldSource | None:
    match = _MASTODON.fullmatch(path)
    if not match:
        return None
    instance, which = match.group(1), match.group(2)
    for source in _sources(world, "mastodon"):
        user, home = mastodon.user_and_instance(source)
        if home != instance:
            continue
        if which == "lookup" and query.get("acct") in (user, f"{user}@{home}"):
            return source
        if which == source.account_id:
            return source
    return None


def _find_bluesky(world: World, path: str, query) -> WorldSource | None:
    if path not in (
        "/bluesky/xrpc/app.bsky.actor.getProfile",
        "/bluesky/xrpc/app.bsky.feed.getAuthorFeed",
    ):
        return None
    actor = query.get("actor")
    return next((s for s in _sources(world, "bluesky") if actor in (s.target, s.account_id)), None)


def _find_telegram(world: World, path: str, _query) -> WorldSource | None:
    channel = path.removeprefix("/telegram/s/")
    return next((s for s in _sources(world, "telegram") if s.target == channel), None)


def _render_mastodon(source, server, path, query, host) -> Reply:
    if path.endswith("/statuses"):
        return mastodon.render_statuses(source, server.now, query, f"http://{host}{path}")
    return mastodon.render_account(source, server.now)


def _render_bluesky(source, server, path, query, _host) -> Reply:
    if path.endswith("getProfile"):
        return bluesky.render_profile(source, server.now)
    return bluesky.render_author_feed(source, server.now, query)


def _render_telegram(source, server, _path, query, _host) -> Reply:
    before = query.get("before")
    return telegram.render_channel(source, server.now, int(before) if before else None)


_ROUTES = {
    "feed": _Route(
        _find_feed,
        lambda source, server, *_: feed.render_feed(source, server.now),
        lambda: Reply(404, "text/html; charset=UTF-8", b"<h1>Page not found</h1>"),
    ),
    "youtube": _Route(
        _find_youtube,
        lambda source, server, *_: youtube.render_channel_feed(source, server.now),
        lambda: Reply(404, "text/html; charset=utf-8", b"<html><body>Error 404</body></html>"),
    ),
    "mastodon": _Route(
        _find_mastodon,
        _render_mastodon,
        lambda: json_reply(b'{"error":"Record not found"}', 404),
    ),
    "bluesky": _Route(
        _find_bluesky,
        _render_bluesky,
        lambda: bluesky.error_reply(400, "InvalidRequest", "Profile not found"),
    ),
    "telegram": _Route(
        _find_telegram,
        _render_telegram,
        # t.me sends a channel that shows no preview to its plain page
        lambda: Reply(302, "text/html; charset=utf-8", b"", (("Location", "/"),)),
    ),
}


def _rate_limited(kind: str) -> Reply:
    retry = (("Retry-After", str(RETRY_AFTER_S)),)
    if kind in ("mastodon", "bluesky"):
        body = b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}'
        return json_reply(body, 429, retry)
    return Reply(
        429, "text/html; charset=utf-8", b"<html><body>Too Many Requests</body></html>", retry
    )


def _conditional(reply: Reply, if_none_match: str | None) -> Reply:
    """An ETag on every successful answer; 304 when the client already has this body."""
    if reply.status != 200:
        return reply
    etag = '"' + hashlib.sha256(reply.body).hexdigest()[:20] + '"'
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Reply(304, reply.content_type, b"", (("ETag", etag),))
    return Reply(reply.status, reply.content_type, reply.body, (*reply.headers, ("ETag", etag)))


def _handler_for(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connections
        # Headers and body in one write, without Nagle: no 40 ms delayed-ACK stall per request.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = server.answer(parts.path, query, headers)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the demo shows progress its own way."""

    return Handler
