"""monitor.net against real servers on loopback: every politeness, limit and retry rule."""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response as WerkzeugResponse

from monitor.config import CollectSettings
from monitor.errors import SourceError
from monitor.http_errors import retry_after
from monitor.net import HttpClient, Validators
from monitor.safe_xml import refuse_xml_entities

UA = "AcmeWatch/2.0 (+https://ourco.example/bot)"


def settings(**overrides: Any) -> CollectSettings:
    values: dict[str, Any] = {
        "per_host_interval": timedelta(0),
        "timeout": timedelta(seconds=2),
        "max_retries": 2,
        "user_agent": UA,
    }
    return CollectSettings(**{**values, **overrides})


class SleepRecorder:
    """An injected sleep: records the backoff it was asked for and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def fetch(url: str, *, sleep: SleepRecorder | None = None, **kwargs: Any) -> Any:
    config = kwargs.pop("config", settings())

    async def go() -> Any:
        async with HttpClient(config, sleep=sleep or SleepRecorder()) as client:
            return await client.get(url, **kwargs), client.stats

    return asyncio.run(go())


def failure(url: str, **kwargs: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        fetch(url, **kwargs)
    return caught.value


# --- status codes, retries, backoff -------------------------------------------------


def test_user_agent_from_config_is_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed", headers={"User-Agent": UA}).respond_with_data("ok")
    response, _ = fetch(httpserver.url_for("/feed"))
    assert response.status == 200
    assert response.content == b"ok"


def test_not_found_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    sleep = SleepRecorder()
    error = failure(httpserver.url_for("/gone"), sleep=sleep)
    assert error.kind == "not_found"
    assert "404 Not Found" in error.message
    assert len(httpserver.log) == 1
    assert sleep.calls == []


@pytest.mark.parametrize(
    ("status", "kind"), [(410, "gone"), (401, "blocked"), (403, "blocked"), (400, "blocked")]
)
def test_other_client_errors_are_classified_and_not_retried(
    httpserver: HTTPServer, status: int, kind: str
) -> None:
    httpserver.expect_request("/x").respond_with_data("", status=status)
    assert failure(httpserver.url_for("/x")).kind == kind
    assert len(httpserver.log) == 1


def test_server_error_then_success_is_retried_after_a_backoff(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/flaky").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/flaky").respond_with_data("up")
    sleep = SleepRecorder()
    response, stats = fetch(httpserver.url_for("/flaky"), sleep=sleep)
    assert response.content == b"up"
    assert stats.retries == 1
    assert len(sleep.calls) == 1
    assert 0.5 <= sleep.calls[0] <= 1.5  # 1 s base, ±50% jitter


def test_persistent_server_error_gives_up_after_max_retries_with_growing_backoff(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/down").respond_with_data("", status=503)
    sleep = SleepRecorder()
    error = failure(httpserver.url_for("/down"), sleep=sleep, config=settings(max_retries=3))
    assert error.kind == "server_error"
    assert "after 4 attempts" in error.message
    assert len(httpserver.log) == 4
    assert [round(s) for s in sleep.calls] != [] and len(sleep.calls) == 3
    for attempt, seconds in enumerate(sleep.calls):
        assert 0.5 * 2**attempt <= seconds <= 1.5 * 2**attempt


def test_429_waits_the_retry_after_seconds(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/api").respond_with_data("{}")
    sleep = SleepRecorder()
    response, _ = fetch(httpserver.url_for("/api"), sleep=sleep)
    assert response.status == 200
    assert sleep.calls == [7.0]


def test_429_waits_until_the_retry_after_http_date(httpserver: HTTPServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    httpserver.expect_ordered_request("/api").respond_with_data(
        "", status=429, headers={"Retry-After": when}
    )
    httpserver.expect_ordered_request("/api").respond_with_data("{}")
    sleep = SleepRecorder()
    fetch(httpserver.url_for("/api"), sleep=sleep)
    assert len(sleep.calls) == 1
    assert 115 <= sleep.calls[0] <= 121


def test_retry_after_is_capped_at_five_minutes(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api").respond_with_data(
        "", status=503, headers={"Retry-After": "86400"}
    )
    httpserver.expect_ordered_request("/api").respond_with_data("{}")
    sleep = SleepRecorder()
    fetch(httpserver.url_for("/api"), sleep=sleep)
    assert sleep.calls == [300.0]


def test_persistent_429_ends_as_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_data("", status=429)
    error = failure(httpserver.url_for("/api"), config=settings(max_retries=1))
    assert error.kind == "rate_limited"
    assert len(httpserver.log) == 2


def test_retry_after_parses_seconds_and_dates() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert retry_after("30", now) == 30.0
    assert retry_after("Mon, 02 Mar 2026 12:01:00 GMT", now) == 60.0
    assert retry_after("Mon, 02 Mar 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_allowed_status_is_returned_for_the_collector_to_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/me").respond_with_json({"error": "private"}, status=403)
    response, _ = fetch(httpserver.url_for("/me"), allow_status={403})
    assert response.status == 403
    assert response.json() == {"error": "private"}


def test_connection_refused_is_a_network_error_after_retries() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = SleepRecorder()
    error = failure(f"http://127.0.0.1:{port}/feed", sleep=sleep, config=settings(max_retries=1))
    assert error.kind == "network"
    assert len(sleep.calls) == 1


# --- conditional GET ----------------------------------------------------------------


def test_304_is_unchanged_and_keeps_the_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/feed", headers={"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 02 Mar 2026"}
    ).respond_with_data("", status=304)
    given = Validators(etag='"v1"', last_modified="Mon, 02 Mar 2026", sha256="abc")
    response, stats = fetch(httpserver.url_for("/feed"), validators=given)
    assert response.unchanged
    assert response.content == b""
    assert response.validators == given
    assert stats.not_modified == 1


def test_first_fetch_returns_validators_to_remember(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "<rss/>", headers={"ETag": '"v2"', "Last-Modified": "Tue, 03 Mar 2026 08:00:00 GMT"}
    )
    response, _ = fetch(httpserver.url_for("/feed"))
    assert not response.unchanged
    remembered = Validators.from_dict(response.validators.to_dict())
    assert remembered == response.validators
    assert remembered is not None and remembered.etag == '"v2"'
    assert remembered.sha256 and len(remembered.sha256) == 64


def test_same_body_hash_counts_as_unchanged_when_server_ignores_conditional_get(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/feed").respond_with_data("<rss>same</rss>")
    first, _ = fetch(httpserver.url_for("/feed"))
    second, stats = fetch(httpserver.url_for("/feed"), validators=first.validators)
    assert second.unchanged
    assert stats.not_modified == 1
    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data("<rss>new</rss>")
    third, _ = fetch(httpserver.url_for("/feed"), validators=first.validators)
    assert not third.unchanged


def test_validators_from_nothing_is_none() -> None:
    assert Validators.from_dict(None) is None
    assert Validators.from_dict({}) is None


# --- redirects ----------------------------------------------------------------------


def test_redirects_are_followed_to_the_final_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data("", 301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data("here")
    response, _ = fetch(httpserver.url_for("/old"))
    assert response.content == b"here"
    assert response.url == httpserver.url_for("/new")


def test_a_cookie_set_before_a_redirect_is_sent_to_the_next_page(httpserver: HTTPServer) -> None:
    """A site that hands out a session cookie and redirects (a consent page) gets it back."""
    httpserver.expect_request("/consent").respond_with_data(
        "", 302, headers={"Location": "/feed", "Set-Cookie": "consent=yes; Path=/"}
    )
    httpserver.expect_request("/feed", headers={"Cookie": "consent=yes"}).respond_with_data("ok")
    response, _ = fetch(httpserver.url_for("/consent"))
    assert response.content == b"ok"


def test_credentials_in_the_address_are_sent_as_basic_auth() -> None:
    with serve(_echo_authorization) as server:
        response, _ = fetch(server.replace("http://", "http://reader:s3cret@") + "/private")
    assert response.content == b"authorization: Basic cmVhZGVyOnMzY3JldA=="  # reader:s3cret


def test_redirect_loop_ends_with_a_network_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", 302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", 302, headers={"Location": "/a"})
    error = failure(httpserver.url_for("/a"))
    assert error.kind == "network"
    assert "loop" in error.message
    assert len(httpserver.log) == 2


def test_too_many_redirects_end_with_a_network_error(httpserver: HTTPServer) -> None:
    for hop in range(5):
        httpserver.expect_request(f"/r{hop}").respond_with_data(
            "", 302, headers={"Location": f"/r{hop + 1}"}
        )
    error = failure(httpserver.url_for("/r0"), config=settings(max_redirects=3))
    assert error.kind == "network"
    assert "more than 3 times" in error.message


# --- robots.txt ---------------------------------------------------------------------


def test_robots_txt_that_forbids_the_path_blocks_it(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    httpserver.expect_request("/private/news").respond_with_data("secret")
    httpserver.expect_request("/public/news").respond_with_data("hello")

    async def go() -> tuple[Any, SourceError]:
        async with HttpClient(settings()) as client:
            allowed = await client.get(httpserver.url_for("/public/news"), robots=True)
            with pytest.raises(SourceError) as caught:
                await client.get(httpserver.url_for("/private/news"), robots=True)
            return allowed, caught.value

    allowed, blocked = asyncio.run(go())
    assert allowed.content == b"hello"
    assert blocked.kind == "blocked"
    assert "robots.txt" in blocked.message
    paths = [request.path for request, _ in httpserver.log]
    assert paths.count("/robots.txt") == 1  # cached per host
    assert "/private/news" not in paths


def test_robots_txt_is_asked_for_where_a_redirect_goes(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n"
    )
    httpserver.expect_request("/news").respond_with_data(
        "", status=302, headers={"Location": "/private/news"}
    )
    httpserver.expect_request("/private/news").respond_with_data("secret")
    blocked = failure(httpserver.url_for("/news"), robots=True)
    assert blocked.kind == "blocked" and "/private/news" in blocked.message
    assert "/private/news" not in [request.path for request, _ in httpserver.log]


def test_robots_txt_is_ignored_when_not_asked_or_turned_off(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    httpserver.expect_request("/page").respond_with_data("page")
    assert fetch(httpserver.url_for("/page"))[0].content == b"page"
    off = settings(respect_robots=False)
    assert fetch(httpserver.url_for("/page"), robots=True, config=off)[0].content == b"page"
    assert all(request.path != "/robots.txt" for request, _ in httpserver.log)


def test_missing_robots_txt_allows_everything(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/page").respond_with_data("page")
    assert fetch(httpserver.url_for("/page"), robots=True)[0].content == b"page"


def test_robots_rules_for_our_agent_apply(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: AcmeWatch\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    )
    assert failure(httpserver.url_for("/page"), robots=True).kind == "blocked"


# --- size and time limits: servers that misbehave -----------------------------------


class _Handler(BaseHTTPRequestHandler):
    behaviour: Callable[[BaseHTTPRequestHandler], None]

    def do_GET(self) -> None:
        self.server.behaviour(self)  # type: ignore[attr-defined]

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        return


@contextmanager
def serve(behaviour: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A threaded server on loopback (one thread a request), for bodies pytest-httpserver
    cannot produce: slow, endless, or concurrent ones."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.behaviour = behaviour  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<item>" + b"x" * 8000 + b"</item>"
    try:
        for _ in range(100_000):  # ~800 MB if nobody stops reading
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except (BrokenPipeError, ConnectionResetError):
        return


def _slow(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    try:
        for _ in range(100):  # 10 bytes a second: each read is quick, the whole is not
            handler.wfile.write(b"0123456789")
            handler.wfile.flush()
            time.sleep(0.1)
    except (BrokenPipeError, ConnectionResetError):
        return


def test_endless_body_is_cut_at_max_bytes() -> None:
    with serve(_endless) as base:
        error = failure(base + "/feed", config=settings(max_bytes=200_000))
    assert error.kind == "too_large"
    assert "200,000 bytes" in error.message


def _cut_short(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b"<rss><channel>")  # then the connection closes
    handler.close_connection = True


def test_a_body_cut_in_the_middle_says_so() -> None:
    with serve(_cut_short) as base:
        error = failure(base + "/feed", config=settings(max_retries=1))
    assert error.kind == "network"
    assert "broke off in the middle of its answer" in error.message


def test_declared_oversized_body_is_refused_before_reading(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    error = failure(httpserver.url_for("/big"), config=settings(max_bytes=1000))
    assert error.kind == "too_large"


def test_slow_body_times_out() -> None:
    sleep = SleepRecorder()
    config = settings(timeout=timedelta(seconds=0.5), max_retries=1)
    started = time.monotonic()
    with serve(_slow) as base:
        error = failure(base + "/feed", config=config, sleep=sleep)
    assert error.kind == "timeout"
    assert len(sleep.calls) == 1  # a timeout is retried
    assert time.monotonic() - started < 3


# --- politeness: per host and in total ----------------------------------------------


class Tracker:
    """Records when requests start and how many overlap, per server and over all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.total = 0
        self.peak_total = 0
        self.starts: dict[str, list[float]] = {}

    def behaviour(self, name: str, seconds: float) -> Callable[[BaseHTTPRequestHandler], None]:
        def handle(handler: BaseHTTPRequestHandler) -> None:
            with self.lock:
                self.starts.setdefault(name, []).append(time.monotonic())
                self.in_flight[name] = self.in_flight.get(name, 0) + 1
                self.peak[name] = max(self.peak.get(name, 0), self.in_flight[name])
                self.total += 1
                self.peak_total = max(self.peak_total, self.total)
            time.sleep(seconds)
            with self.lock:
                self.in_flight[name] -= 1
                self.total -= 1
            handler.send_response(200)
            handler.send_header("Content-Length", "2")
            handler.end_headers()
            handler.wfile.write(b"ok")

        return handle


def gather(config: CollectSettings, urls: list[str]) -> float:
    async def go() -> float:
        async with HttpClient(config) as client:
            started = time.monotonic()
            await asyncio.gather(*(client.get(url) for url in urls))
            return time.monotonic() - started

    return asyncio.run(go())


def test_one_request_at_a_time_per_host_with_minimum_interval() -> None:
    tracker = Tracker()
    config = settings(concurrency=8, per_host_interval=timedelta(seconds=0.15))
    with serve(tracker.behaviour("a", 0.02)) as base:
        gather(config, [f"{base}/p{n}" for n in range(4)])
    assert tracker.peak["a"] == 1
    starts = tracker.starts["a"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(gaps) == 3
    # Measured where the server sees them: the first request also paid for the connection,
    # so its arrival can lag; without the interval the gaps would be ~0.02 s.
    assert min(gaps) >= 0.1


def test_different_hosts_are_fetched_in_parallel() -> None:
    tracker = Tracker()
    config = settings(concurrency=8, per_host_interval=timedelta(seconds=1))
    with serve(tracker.behaviour("a", 0.5)) as a, serve(tracker.behaviour("b", 0.5)) as b:
        gather(config, [a + "/feed", b + "/feed"])
    assert tracker.peak_total == 2  # both at once: no wall-clock bound, which a busy machine breaks


def test_total_concurrency_is_bounded() -> None:
    tracker = Tracker()
    config = settings(concurrency=2)
    with (
        serve(tracker.behaviour("a", 0.15)) as a,
        serve(tracker.behaviour("b", 0.15)) as b,
        serve(tracker.behaviour("c", 0.15)) as c,
        serve(tracker.behaviour("d", 0.15)) as d,
    ):
        gather(config, [a + "/1", b + "/1", c + "/1", d + "/1", a + "/2", b + "/2"])
    assert tracker.peak_total == 2
    assert sum(len(s) for s in tracker.starts.values()) == 6


# --- bodies and helpers ---------------------------------------------------------------


def test_text_is_decoded_by_the_declared_charset(httpserver: HTTPServer) -> None:
    body = "Caffè e novità".encode("iso-8859-1")
    httpserver.expect_request("/it").respond_with_response(
        WerkzeugResponse(body, content_type="text/plain; charset=iso-8859-1")
    )
    response, stats = fetch(httpserver.url_for("/it"))
    assert response.text() == "Caffè e novità"
    assert stats.bytes_received == len(body)
    assert stats.requests == 1


def test_json_that_is_not_json_is_bad_content(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_data("<html>login</html>")
    response, _ = fetch(httpserver.url_for("/api"))
    with pytest.raises(SourceError) as caught:
        response.json()
    assert caught.value.kind == "bad_content"


def test_post_sends_form_and_basic_auth(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/token",
        method="POST",
        headers={"Authorization": "Basic aWQ6c2VjcmV0"},  # id:secret
        data="grant_type=client_credentials",
    ).respond_with_json({"access_token": "t"})

    async def go() -> Any:
        async with HttpClient(settings()) as client:
            return await client.post(
                httpserver.url_for("/token"),
                data={"grant_type": "client_credentials"},
                auth=("id", "secret"),
            )

    assert asyncio.run(go()).json() == {"access_token": "t"}


def test_query_params_are_encoded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v", query_string="id=a%2Cb&n=50").respond_with_data("ok")
    response, _ = fetch(httpserver.url_for("/v"), params={"id": "a,b", "n": 50})
    assert response.content == b"ok"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title></channel></rss>"""


def test_xml_entity_declarations_are_refused() -> None:
    with pytest.raises(SourceError) as caught:
        refuse_xml_entities(BOMB, "http://x/feed")
    assert caught.value.kind == "bad_content"


def test_plain_and_malformed_xml_pass_the_entity_check() -> None:
    refuse_xml_entities(b'<rss version="2.0"><channel><title>A</title></channel></rss>', "u")
    refuse_xml_entities(b"<rss><channel><title>unclosed", "u")
    netscape = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC '
        b'"-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"></rss>'
    )
    refuse_xml_entities(netscape, "u")


def test_credentials_do_not_follow_a_redirect_to_another_host(httpserver: HTTPServer) -> None:
    with serve(_echo_authorization) as other:
        httpserver.expect_request("/token", method="POST").respond_with_data(
            "", 307, headers={"Location": other + "/elsewhere"}
        )

        async def go() -> Any:
            async with HttpClient(settings()) as client:
                return await client.post(httpserver.url_for("/token"), auth=("id", "secret"))

        response = asyncio.run(go())
    assert response.content == b"authorization: none"


def _echo_authorization(handler: BaseHTTPRequestHandler) -> None:
    said = handler.headers.get("Authorization") or "none"
    body = f"authorization: {said}".encode()
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_robots_txt_wildcards_are_honoured(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /*/private/\nDisallow: /*.pdf$\n"
    )
    httpserver.expect_request("/news/public/1").respond_with_data("page")
    assert fetch(httpserver.url_for("/news/public/1"), robots=True)[0].content == b"page"
    for path in ("/news/private/1", "/files/report.pdf"):
        assert failure(httpserver.url_for(path), robots=True).kind == "blocked", path


def test_a_host_that_does_not_resolve_is_a_network_problem_not_blocked() -> None:
    def no_such_host(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async def go() -> SourceError:
        config = settings(max_retries=0)
        async with HttpClient(config, transport=httpx.MockTransport(no_such_host)) as client:
            with pytest.raises(SourceError) as caught:
                await client.get("http://acme.example/news", robots=True)
        return caught.value

    error = asyncio.run(go())
    assert error.kind == "network"
    assert "Name or service not known" in error.message
