"""A loopback HTTP/1.1 server for the reliability tests: healthy answers and every way to fail.

One asyncio event loop in a background thread listens on several ports (each port is a
"host" to the client, which fetches one request at a time per host). A `respond(request)`
function given by the test decides each answer; the server only knows how to put an
answer on the wire, including the broken ways: a body cut in the middle, a body that
never ends, a server that never answers, a huge body generated on the fly.
Every request is logged (in arrival order) with the answer it got.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

# What a request may get, besides a healthy answer.
FAULTS = (
    "status_500",
    "status_503",  # with Retry-After
    "status_429",
    "status_403",
    "status_404",
    "cut",  # Content-Length announced, half the body sent, connection closed
    "invalid_utf8",  # the healthy body with bytes that are not UTF-8 in the middle
    "html_error",  # a 200 with an HTML error page instead of the feed or JSON
    "empty",  # a 200 with no body
    "endless",  # a 200 whose chunked body never ends
    "hang",  # nothing at all comes back
)
RETRY_AFTER_S = 7  # distinctive: the client's own backoff never waits exactly this long
ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server is not responding. "
    b"Please try again later.</p><hr><address>nginx</address></body></html>\n"
)
_CHUNK = b"<item><title>" + b"x" * 8000 + b"</title></item>"
_ENDLESS_CAP = 200_000_000  # a safety stop if a client never gives up


@dataclass(frozen=True)
class Request:
    port: int
    target: str  # path and query, as sent
    headers: dict[str, str]
    peer: str = ""  # the client's address (which machine or network namespace asked)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query).items()}


@dataclass(frozen=True)
class Reply:
    """One answer. `mode` says how it goes on the wire."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"  # normal | cut | endless | hang | stream
    stream_bytes: int = 0  # for "stream": how many bytes to generate
    delay_s: float = 0.0  # wait before answering
    label: str = "ok"  # what the log records (the fault's name, or "ok")


@dataclass(frozen=True)
class Logged:
    seq: int
    at: float  # time.monotonic()
    request: Request
    label: str
    status: int


def fault_reply(fault: str, healthy: Reply) -> Reply:
    """The broken version of a healthy answer."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    if fault.startswith("status_"):
        status = int(fault.removeprefix("status_"))
        headers = dict(html)
        if status == 503:
            headers["Retry-After"] = str(RETRY_AFTER_S)
        page = f"<html><body><h1>{status} {HTTPStatus(status).phrase}</h1></body></html>"
        return Reply(status, page.encode(), headers, label=fault)
    if fault == "cut":
        return replace(healthy, mode="cut", label=fault)
    if fault == "invalid_utf8":
        return replace(healthy, body=break_utf8(healthy.body), label=fault)
    if fault == "html_error":
        return Reply(200, ERROR_PAGE, html, label=fault)
    if fault == "empty":
        return Reply(200, b"", dict(healthy.headers), label=fault)
    if fault == "endless":
        return Reply(200, b"", dict(healthy.headers), mode="endless", label=fault)
    if fault == "hang":
        return Reply(mode="hang", label=fault)
    raise ValueError(f"unknown fault {fault!r}")


def break_utf8(body: bytes) -> bytes:
    """Bytes that are not UTF-8, inside a text (never inside a tag or a JSON token).

    The generated bodies write "Announcement" in their texts and "Company" in their names;
    the bad bytes go before the first one past the middle, so only the encoding is wrong.
    """
    for marker in (b"Announcement", b"Company"):
        at = body.find(marker, len(body) // 2)
        at = body.find(marker) if at == -1 else at
        if at != -1:
            return body[:at] + b"\xff\xfe\xc3\x28" + body[at:]
    return b"\xff\xfe" + body  # nothing to write in (an empty list): the start is broken


def choose_fault(
    seed: int, target: str, attempt: int, healthy_share: float, faults: tuple[str, ...] = FAULTS
) -> str | None:
    """None (healthy) or one of `faults`, decided by (seed, URL, how many times it was asked)."""
    rng = random.Random(f"{seed}|{target}|{attempt}")
    if rng.random() < healthy_share:
        return None
    return rng.choice(faults)


class FaultServer:
    """Serve `respond(request) -> Reply` on `hosts` loopback ports; use as a context manager."""

    def __init__(
        self, respond: Callable[[Request], Reply], hosts: int = 1, address: str = "127.0.0.1"
    ):
        self.respond = respond
        self.hosts = hosts
        self.address = address  # where it listens: loopback unless a test needs a network
        self.ports: list[int] = []
        self.log: list[Logged] = []
        self.errors: list[str] = []  # exceptions of `respond`: a broken test, never silent
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None

    def __enter__(self) -> FaultServer:
        self._thread = threading.Thread(target=self._run, name="fault-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault server did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(10)

    def base(self, host: int = 0) -> str:
        return f"http://{self.address}:{self.ports[host % self.hosts]}"

    def requests_to(self, target: str) -> list[Logged]:
        with self._lock:
            return [entry for entry in self.log if entry.request.target == target]

    def entries(self) -> list[Logged]:
        with self._lock:
            return list(self.log)

    # --- the loop ---------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        servers = []
        for _ in range(self.hosts):
            server = await asyncio.start_server(self._connection, self.address, 0, backlog=512)
            servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])
        self._ready.set()
        await self._stopped.wait()
        for server in servers:
            server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        port = writer.get_extra_info("sockname")[1]
        peer = writer.get_extra_info("peername")[0]
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                request = replace(_parse_head(port, head), peer=peer)
                try:
                    reply = self.respond(request)
                except Exception as error:  # reported by the test through `errors`
                    self.errors.append(f"{request.target}: {error!r}")
                    raise
                with self._lock:
                    seq = len(self.log)
                    self.log.append(
                        Logged(seq, time.monotonic(), request, reply.label, reply.status)
                    )
                if reply.delay_s:
                    await asyncio.sleep(reply.delay_s)
                if not await self._send(reply, reader, writer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _send(self, reply: Reply, reader, writer: asyncio.StreamWriter) -> bool:
        """Put the reply on the wire; False when the connection must end after it."""
        if reply.mode == "hang":
            # Until the client gives up and closes the connection (or 30 s: a client that
            # never gives up fails the test on its own timing).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.read(), timeout=30)
            return False
        headers = dict(reply.headers)
        if reply.mode == "endless":
            headers["Transfer-Encoding"] = "chunked"
            writer.write(_head(reply.status, headers))
            sent = 0
            while sent < _ENDLESS_CAP:
                writer.write(b"%x\r\n%s\r\n" % (len(_CHUNK), _CHUNK))
                await writer.drain()
                sent += len(_CHUNK)
            return False
        if reply.mode == "stream":
            return await _stream(reply, headers, writer)
        headers["Content-Length"] = str(len(reply.body))
        writer.write(_head(reply.status, headers))
        if reply.mode == "cut":
            writer.write(reply.body[: len(reply.body) // 2])
            await writer.drain()
            return False
        writer.write(reply.body)
        await writer.drain()
        return True


async def _stream(reply: Reply, headers: dict[str, str], writer: asyncio.StreamWriter) -> bool:
    """`stream_bytes` of generated body, never held in memory; chunked unless a length is set."""
    chunked = "Content-Length" not in headers
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    writer.write(_head(reply.status, headers))
    block = (reply.body or b"<p>Acme Acme Acme</p>\n") * 64
    left = reply.stream_bytes
    while left > 0:
        piece = block[: min(left, len(block))]
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        await writer.drain()
        left -= len(piece)
    if chunked:
        writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A gzip body that decodes to `decoded_bytes` of zeros, compressed piece by piece."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    zeros = b"\0" * 1_000_000
    parts = [packer.compress(zeros) for _ in range(decoded_bytes // len(zeros))]
    return b"".join([*parts, packer.flush()])


def _parse_head(port: int, head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    _method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return Request(port, target, headers)


def _head(status: int, headers: dict[str, str]) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {status} {phrase}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
