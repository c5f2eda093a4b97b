"""The one HTTP client every collector uses: politeness, limits, retries, conditional GET.

Politeness: at most `collect.concurrency` requests in flight; per host (host:port) one
request at a time, and consecutive requests to it start at least `per_host_interval`
apart. Each attempt (connect to last byte) must finish within `collect.timeout`. Bodies
are streamed and cut at `collect.max_bytes`. Connection errors, timeouts, 429 and 5xx are
retried with exponential backoff and jitter (Retry-After honoured, capped at 5 minutes).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import random
import re
import time
import zlib
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.request import getproxies

import httpx
from protego import Protego
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from monitor.config import CollectSettings
from monitor.errors import SourceError
from monitor.host_pools import HostPools
from monitor.http_errors import describe_problem, retry_after, status_error, too_large

RETRY_AFTER_CAP_S = 300.0
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
# Hosts whose kept-alive connection is kept between requests (a socket each), at least.
HOSTS_KEPT = 128
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
# The permanent redirects met by the current collection (each source runs in a task of its
# own, so each sees its own list): collect.py reports them on the source.
_moves: ContextVar[list[tuple[str, str]] | None] = ContextVar("permanent_moves", default=None)


@contextmanager
def recording_moves() -> Iterator[list[tuple[str, str]]]:
    """Collect (old address, new address) of every 301/308 followed inside the block."""
    moves: list[tuple[str, str]] = []
    token = _moves.set(moves)
    try:
        yield moves
    finally:
        _moves.reset(token)


Sleep = Callable[[float], Awaitable[Any]]
# A host's turn beyond this process (fleet mode: monitor/fleet/turns.py): given the host
# (host:port) and its minimum interval, held around each request to it.
HostTurn = Callable[[str, float], AbstractAsyncContextManager[Any]]


def _no_turn(_host: str, _interval_s: float) -> AbstractAsyncContextManager[Any]:
    return nullcontext()


@dataclass(frozen=True)
class Validators:
    """What a conditional GET remembers about one URL."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # hash of the last body (many servers ignore conditional GET)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict | None) -> Validators | None:
        if not data:
            return None
        return cls(data.get("etag"), data.get("last_modified"), data.get("sha256"))


@dataclass(frozen=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: httpx.Headers
    content: bytes  # b"" when unchanged by 304
    validators: Validators  # to remember for the next conditional GET of this URL
    unchanged: bool = False  # 304, or the same body hash as the validators given to get()

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
            raise SourceError(
                "bad_content", f"the server sent something that is not valid JSON ({self.url})"
            ) from None

    def text(self) -> str:
        match = re.search(r"charset=[\"']?([\w.:-]+)", self.headers.get("content-type", ""), re.I)
        encoding = match.group(1) if match else "utf-8"
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:  # an unknown charset name
            return self.content.decode("utf-8", errors="replace")


@dataclass
class NetStats:
    """Counters for benchmarks and logs."""

    requests: int = 0  # HTTP requests sent (redirect hops and retries included)
    bytes_received: int = 0  # body bytes as they came over the wire
    retries: int = 0
    not_modified: int = 0  # answers that were unchanged (304 or same body hash)


@dataclass
class _Retryable(Exception):
    """An attempt failed in a way worth another try."""

    error: SourceError
    retry_after_s: float | None = None


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    headers: dict[str, str]
    data: dict[str, str] | None = None
    content: bytes | None = None  # a JSON body, already encoded
    robots: bool = False  # each address it goes to, redirects included, asks robots.txt first

    def redirected(self, status: int, location: str) -> _Request:
        """The request a redirect asks for: credentials never follow to another host."""
        url = str(httpx.URL(self.url).join(location))
        headers = self.headers
        if _host_key(url) != _host_key(self.url):
            private = {"authorization", "cookie"}
            headers = {k: v for k, v in headers.items() if k.lower() not in private}
        if status in (301, 302, 303) and self.method == "POST":
            return _Request("GET", url, headers, robots=self.robots)
        return _Request(self.method, url, headers, self.data, self.content, self.robots)


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = float("-inf")
    min_interval_s: float = 0.0  # a platform's own minimum, above the configured interval


class HttpClient:
    """One httpx.AsyncClient with the project's politeness rules; use as `async with`."""

    def __init__(
        self,
        settings: CollectSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        host_turn: HostTurn = _no_turn,
    ):
        self.settings = settings
        self._host_turn = host_turn
        self.stats = NetStats()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._timeout_s = settings.timeout.total_seconds()
        self._interval_s = settings.per_host_interval.total_seconds()
        # None when the environment sets a proxy: httpx's own transport, which knows it
        self._transport = transport or _default_transport(settings.concurrency)
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(self._timeout_s),
            follow_redirects=False,  # followed here, so every hop is polite and loops end
            # Only what _BoundedDecoder can inflate within max_bytes.
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=settings.concurrency),
        )
        self._extensions = {"timeout": self._client.timeout.as_dict()}
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # --- public API -----------------------------------------------------------

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
        robots: bool = False,
        allow_status: Collection[int] = (),
    ) -> Response:
        target = str(httpx.URL(url, params=params)) if params else url
        sent = dict(headers or {})
        if validators and validators.etag:
            sent["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            sent["If-Modified-Since"] = validators.last_modified
        checks_robots = robots and self.settings.respect_robots
        request = _Request("GET", target, sent, robots=checks_robots)
        response = await self._with_retries(request, allow_status)
        return self._conditional(response, validators)

    async def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        json_body: Any = None,
        allow_status: Collection[int] = (),
    ) -> Response:
        """A form (`data`) or a JSON document (`json_body`) sent by POST."""
        sent = dict(headers or {})
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            sent["Authorization"] = f"Basic {token}"
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        request = _Request(
            "POST", url, sent, dict(data or {}) if content is None else None, content
        )
        return await self._with_retries(request, allow_status)

    def at_most_every(self, url: str, seconds: float) -> None:
        """Requests to this URL's host start at least `seconds` apart (a platform's own rule,
        e.g. GDELT's one request every 5 seconds), whatever `collect.per_host_interval` says."""
        host = self._hosts.setdefault(_host_key(url), _Host())
        host.min_interval_s = max(host.min_interval_s, seconds)

    # --- retries --------------------------------------------------------------

    async def _with_retries(self, request: _Request, allow_status: Collection[int]) -> Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=self._backoff,
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._follow(request, allow_status)
        except _Retryable as failed:
            attempts = self.settings.max_retries + 1
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            raise SourceError(failed.error.kind, failed.error.message + suffix) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _backoff(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after_s is not None:
            return min(max(error.retry_after_s, 0.0), RETRY_AFTER_CAP_S)
        delay = min(BACKOFF_BASE_S * 2 ** (state.attempt_number - 1), BACKOFF_CAP_S)
        return delay * (0.5 + self._rng.random())  # jitter: 50%..150% of the delay

    def _count_retry(self, _state: RetryCallState) -> None:
        self.stats.retries += 1

    # --- one attempt: redirects ------------------------------------------------

    async def _follow(self, request: _Request, allow_status: Collection[int]) -> Response:
        seen: set[str] = set()
        for _hop in range(self.settings.max_redirects + 1):
            seen.add(request.url)
            if request.robots:  # a page may redirect to one its site, or another, disallows
                await self._check_robots(request.url)
            response = await self._send(request)
            location = response.headers.get("location")
            if response.status not in _REDIRECTS or not location:
                return self._check_status(response, allow_status)
            moved_from = request.url
            request = request.redirected(response.status, location)
            if response.status in _PERMANENT and (moves := _moves.get()) is not None:
                moves.append((moved_from, request.url))
            if request.url in seen:
                raise SourceError("network", f"the address redirects in a loop ({request.url})")
        raise SourceError(
            "network",
            f"the address redirected more than {self.settings.max_redirects} times ({request.url})",
        )

    def _check_status(self, response: Response, allow_status: Collection[int]) -> Response:
        status = response.status
        if 200 <= status < 300 or status == 304 or status in allow_status:
            return response
        error = status_error(status, response.url)
        if status == 429 or status >= 500:
            raise _Retryable(error, retry_after(response.headers.get("retry-after")))
        raise error

    # --- one request: politeness, limits ---------------------------------------

    async def _send(self, request: _Request) -> Response:
        url = request.url
        key = _host_key(url)
        host = self._hosts.setdefault(key, _Host())
        async with host.lock:
            interval = max(self._interval_s, host.min_interval_s)
            wait = host.last_start + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # politeness is real time, never the injected sleep
            async with self._slots, self._host_turn(key, interval):
                host.last_start = time.monotonic()
                self.stats.requests += 1
                try:
                    async with asyncio.timeout(self._timeout_s):
                        return await self._exchange(request)
                except (TimeoutError, httpx.TimeoutException):
                    error = SourceError(
                        "timeout", f"the server did not answer within {self._timeout_s:g}s ({url})"
                    )
                    raise _Retryable(error) from None
                except (httpx.UnsupportedProtocol, httpx.InvalidURL) as problem:
                    raise SourceError("network", f"{url} cannot be fetched: {problem}") from None
                except httpx.RemoteProtocolError as problem:
                    error = SourceError(
                        "network",
                        "the server broke off in the middle of its answer "
                        f"({describe_problem(problem)}) ({url})",
                    )
                    raise _Retryable(error) from None
                except httpx.TransportError as problem:
                    error = SourceError(
                        "network",
                        f"could not reach the server: {describe_problem(problem)} ({url})",
                    )
                    raise _Retryable(error) from None

    async def _exchange(self, request: _Request) -> Response:
        reply = await self._reply(request)
        limit = self.settings.max_bytes
        try:
            if int(reply.headers.get("content-length", "0") or 0) > limit:
                raise too_large(request.url, limit)
            chunks: list[bytes] = []
            size = 0
            decoder = _BoundedDecoder(reply.headers.get("content-encoding", ""), request.url)
            async for raw in reply.aiter_raw():
                # Never inflate more than the bytes still allowed: a gzip bomb is cut at
                # max_bytes, not after a whole network read has grown a thousandfold.
                chunk = decoder.decode(raw, limit - size + 1)
                size += len(chunk)
                if size > limit:
                    raise too_large(request.url, limit)
                chunks.append(chunk)
        finally:
            self.stats.bytes_received += reply.num_bytes_downloaded
            await reply.aclose()
        body = b"".join(chunks)
        return Response(str(reply.url), reply.status_code, reply.headers, body, Validators())

    async def _reply(self, request: _Request) -> httpx.Response:
        """The answer's head, its body still to read: from the transport itself, as
        AsyncClient.send would get it (the client's headers, cookies and timeouts), without
        its layers of redirects, authentication and streams (a tenth of the collection's CPU);
        through the client for a proxy or an address that carries a user name."""
        headers = self._client.headers.copy()
        headers.update(request.headers)
        built = httpx.Request(
            request.method,
            request.url,
            headers=headers,
            data=request.data,
            content=request.content,
            extensions=self._extensions,
        )
        cookies = self._client.cookies
        if cookies:
            cookies.set_cookie_header(built)
        if self._transport is None or built.url.userinfo:
            return await self._client.send(built, stream=True)
        reply = await self._transport.handle_async_request(built)
        reply.request = built
        if "set-cookie" in reply.headers:
            cookies.extract_cookies(reply)
        return reply

    # --- conditional GET -------------------------------------------------------

    def _conditional(self, response: Response, given: Validators | None) -> Response:
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if response.status == 304:
            self.stats.not_modified += 1
            kept = given or Validators()
            kept = replace(
                kept, etag=etag or kept.etag, last_modified=modified or kept.last_modified
            )
            return replace(response, content=b"", validators=kept, unchanged=True)
        digest = hashlib.sha256(response.content).hexdigest()
        same = bool(given and given.sha256 == digest and 200 <= response.status < 300)
        if same:
            self.stats.not_modified += 1
        return replace(response, validators=Validators(etag, modified, digest), unchanged=same)

    # --- robots.txt ------------------------------------------------------------

    async def _check_robots(self, url: str) -> None:
        parsed = httpx.URL(url)
        origin = f"{parsed.scheme}://{parsed.netloc.decode()}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # fetched once per host, however many pages wait for it
            if origin not in self._robots:
                self._robots[origin] = await self._fetch_robots(origin)
        rules = self._robots[origin]
        if rules is None:
            raise SourceError(
                "blocked",
                f"the site's robots.txt could not be read (server error), so its pages are "
                f"left alone ({origin}/robots.txt)",
            )
        if not rules.can_fetch(url, self.settings.user_agent):
            raise SourceError(
                "blocked", f"the site's robots.txt asks robots not to read this page ({url})"
            )

    async def _fetch_robots(self, origin: str) -> Protego | None:
        """The parsed rules (protego: RFC 9309 with `*` and `$`, which the standard library's
        parser ignores); None when the site answers but cannot say (RFC 9309: assume
        disallowed). A site that cannot be reached at all (DNS, refused, timeout) is that
        network problem, not a robots.txt refusal, and is asked again next time."""
        try:
            answer = await self._with_retries(_Request("GET", origin + "/robots.txt", {}), ())
        except SourceError as error:
            if error.kind in ("network", "timeout"):
                raise
            if error.kind in ("server_error", "rate_limited"):
                return None
            return Protego.parse("")  # 4xx: no rules, everything allowed
        return Protego.parse(answer.text())


class _BoundedDecoder:
    """Content-Encoding gzip/deflate undone piece by piece, never past a given size."""

    def __init__(self, encoding: str, url: str):
        self._url = url
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflate = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._inflate = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header
        else:
            raise SourceError(
                "bad_content",
                f"the server compressed its answer as '{encoding}', which cannot be read ({url})",
            )

    def decode(self, data: bytes, room: int) -> bytes:
        """At most `room` bytes of output; more input than that fits is left unread."""
        if self._inflate is None:
            return data
        try:
            return self._inflate.decompress(data, room)
        except zlib.error:
            raise SourceError(
                "bad_content", f"the server sent a damaged compressed answer ({self._url})"
            ) from None


def _default_transport(concurrency: int) -> httpx.AsyncBaseTransport | None:
    """A pool per host; or httpx's own, which knows the proxy, when the environment sets one."""
    if any(scheme != "no" for scheme in getproxies()):  # "no": NO_PROXY alone sets no proxy
        return None
    return HostPools(keep_hosts=max(HOSTS_KEPT, 4 * concurrency))


@functools.lru_cache(maxsize=16384)  # the same addresses at every cycle; parsing one is not free
def _host_key(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}"
