"""Hostile content through the real pipeline: loopback server -> collectors -> store -> digest.

Entity bombs and external entities (in feeds and in pages), 50 MB bodies generated on the
fly, deeply nested JSON, a feed of 10,000 items, and markup, links and header injections
written to harm the digest's readers. Nothing may be expanded or fetched, memory stays
bounded, and the digest escapes everything.
"""

from __future__ import annotations

import asyncio
import email
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest
from fault_server import FaultServer, Reply, Request, gzip_bomb
from lxml import html as lxml_html
from memory import peak_rss
from sqlalchemy import text

from monitor.collect import CycleReport, run_cycle
from monitor.collectors.bluesky import parse_feed as parse_bluesky_feed
from monitor.collectors.bluesky import parse_profile
from monitor.collectors.feed import parse_feed
from monitor.collectors.mastodon import parse_account, parse_statuses
from monitor.config import parse_config
from monitor.errors import SourceError
from monitor.metrics import IsoWeek
from monitor.store import Store
from monitor.sync import sync_sources
from monitor.weekly import run_week

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday: the report week is 2026-W47
WEEK = IsoWeek(2026, 47)
IN_WEEK = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
FIFTY_MB = 50_000_000
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json; charset=utf-8"}


class Routes:
    """path -> Reply (or a function of the request); everything else is a 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | Callable[[Request], Reply]] = {}

    def __call__(self, request: Request) -> Reply:
        found = self.routes.get(request.path)
        if found is None:
            return Reply(404, b"not here", {"Content-Type": "text/plain"}, label="not_found")
        return found(request) if callable(found) else found


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FaultServer, Routes]]:
    routes = Routes()
    with FaultServer(routes, hosts=4) as running:
        yield running, routes


def collect(
    tmp_path: Path, base: str, sources: list[str], *, names: list[str] | None = None, **collect_
) -> tuple[CycleReport, Store]:
    """One cycle over `sources` (YAML flow entries), one company each; the first is us."""
    names = names or [f"Company {n}" for n in range(len(sources))]
    settings = {"per_host_interval": "1ms", "timeout": "10s", "max_retries": 0, **collect_}
    competitors = [
        f"  - {{name: {json.dumps(name)}, sources: [{source}]}}"
        for name, source in zip(names[1:], sources[1:], strict=True)
    ]
    report = {"outbox": str(tmp_path / "reports"), "recipients": ["ceo@ourco.example"]}
    lines = [
        "organization:",
        f"  name: {json.dumps(names[0])}",
        f"  sources: [{sources[0]}]",
        "competitors:",
        *competitors,
        f"collect: {json.dumps(settings)}",
        f"report: {json.dumps({**report, 'top_posts': 10})}",
        f"database: 'sqlite:///{tmp_path / 'hostile.db'}'",
    ]
    config = parse_config("\n".join(lines).replace("{base}", base))
    store = Store(config.database)
    sync_sources(config, store)
    report = asyncio.run(run_cycle(config, store, now=lambda: NOW))
    store.config = config  # type: ignore[attr-defined]  # for the digest tests below
    return report, store


def stored_texts(store: Store) -> str:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT coalesce(title, '') || ' ' || text FROM posts"))
        return "\n".join(row[0] for row in rows)


# --- entity tricks: never expanded, never fetched --------------------------------------

BOMB_DTD = """<!DOCTYPE {root} [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
  <!ENTITY leak SYSTEM "file:///etc/passwd">
  <!ENTITY call SYSTEM "{base}/secret/entity">
]>"""


def bomb_feed(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{BOMB_DTD.format(root="rss", base=base)}
<rss version="2.0"><channel><title>Acme Newsroom</title><link>https://acme.example/</link>
<item><title>&lol9;</title><link>https://acme.example/n/1</link><guid>n1</guid>
<pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate><description>&leak; &call;</description></item>
</channel></rss>""".encode()


def bomb_page(base: str) -> bytes:
    return f"""<!DOCTYPE html>
{BOMB_DTD.format(root="html", base=base)}
<html><head><title>Acme news</title></head><body>
<article class="post"><h2>&lol9; &leak; &call;</h2><a href="/news/1">Read</a>
<time datetime="2026-11-18T10:00:00Z">18 Nov</time></article>
</body></html>""".encode()


def test_entity_bombs_and_external_entities_are_never_expanded_nor_fetched(
    server, tmp_path: Path
) -> None:
    running, routes = server
    base = running.base(0)
    routes.routes["/bomb.xml"] = Reply(200, bomb_feed(base), RSS)
    routes.routes["/bomb.html"] = Reply(200, bomb_page(base), HTML)
    page = (
        "{html: {url: '{base}/bomb.html', item: article.post, fields: {title: h2, url: 'a@href'}}}"
    )
    with peak_rss() as peak:
        report, store = collect(tmp_path, base, ["{feed: '{base}/bomb.xml'}", page])
    feed, html_page = sorted(report.outcomes, key=lambda o: o.kind)
    assert feed.kind == "feed" and feed.error_kind == "bad_content"
    assert "entities" in (feed.error_message or "")
    assert html_page.ok  # an HTML page is read as HTML: a DOCTYPE subset means nothing there
    stored = stored_texts(store)
    assert "lollol" not in stored and "root:" not in stored
    assert not running.requests_to("/secret/entity"), "an external entity was fetched"
    assert peak.growth_bytes < 50_000_000


# --- huge bodies: cut at max_bytes, never held whole ----------------------------------


def test_fifty_megabyte_bodies_are_cut_at_max_bytes_with_memory_bounded(
    server, tmp_path: Path
) -> None:
    running, routes = server
    chunked = Reply(200, b"<item>Acme</item>", RSS, mode="stream", stream_bytes=FIFTY_MB)
    declared = Reply(
        200,
        b"<item>Acme</item>",
        {**RSS, "Content-Length": str(FIFTY_MB)},
        mode="stream",
        stream_bytes=FIFTY_MB,
    )
    routes.routes["/huge-chunked.xml"] = chunked
    routes.routes["/huge-declared.xml"] = declared
    routes.routes["/bomb.gz"] = Reply(200, gzip_bomb(FIFTY_MB), {**RSS, "Content-Encoding": "gzip"})
    sources = [
        f"{{feed: '{running.base(n)}{p}'}}"
        for n, p in enumerate(("/huge-chunked.xml", "/huge-declared.xml", "/bomb.gz"))
    ]
    began = time.monotonic()
    with peak_rss() as peak:
        report, _store = collect(tmp_path, running.base(0), sources, max_bytes="10MB")
    seconds = time.monotonic() - began
    assert [o.error_kind for o in report.outcomes] == ["too_large"] * 3
    assert all("10,000,000 bytes" in (o.error_message or "") for o in report.outcomes)
    # Three answers cut at 10 MB each; holding one whole 50 MB body would pass the bound.
    assert peak.growth_bytes < 64_000_000, f"{peak.growth_bytes / 1e6:.0f} MB for 3 x 50 MB"
    assert seconds < 120  # not hung; the speed itself is measured in tests/benchmarks/


# --- deeply nested JSON ----------------------------------------------------------------

NESTED = b"[" * 100_000 + b"]" * 100_000
NESTED_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(
    "parse",
    [parse_statuses, parse_account, parse_profile, parse_bluesky_feed],
    ids=["mastodon-statuses", "mastodon-account", "bluesky-profile", "bluesky-feed"],
)
def test_deeply_nested_json_is_bad_content_for_the_social_parsers(parse, body: bytes) -> None:
    with pytest.raises(SourceError) as caught:
        parse(body)
    assert caught.value.kind == "bad_content"


def test_deeply_nested_json_feed_is_bad_content() -> None:
    with pytest.raises(SourceError) as caught:
        parse_feed(NESTED_OBJECT, "https://acme.example/feed.json", NOW, "application/feed+json")
    assert caught.value.kind == "bad_content"


def test_deeply_nested_json_from_a_server_is_classified_not_a_crash(server, tmp_path: Path) -> None:
    running, routes = server
    routes.routes["/nested/api/v1/accounts/lookup"] = Reply(200, NESTED, JSON)
    routes.routes["/nested/xrpc/app.bsky.actor.getProfile"] = Reply(200, NESTED_OBJECT, JSON)
    routes.routes["/nested.json"] = Reply(200, NESTED, {"Content-Type": "application/feed+json"})
    base = running.base(1)
    report, _store = collect(
        tmp_path,
        base,
        [
            "{mastodon: {handle: '@acme@social.acme.example', base_url: '{base}/nested'}}",
            "{bluesky: {handle: acme.bsky.example, base_url: '{base}/nested'}}",
            "{feed: '{base}/nested.json'}",
        ],
    )
    assert [o.error_kind for o in report.outcomes] == ["bad_content"] * 3, [
        o.error_message for o in report.outcomes
    ]


# --- a feed of 10,000 items -------------------------------------------------------------


def big_feed(items: int) -> bytes:
    entries = "".join(
        f"<item><title>Acme post {n}</title><link>https://acme.example/p/{n}</link>"
        f"<guid>acme-{n}</guid><pubDate>Wed, 18 Nov 2026 10:{n % 60:02d}:00 GMT</pubDate>"
        f"<slash:comments>{n % 7}</slash:comments>"
        f"<description>&lt;p&gt;Paragraph {n} about anvils.&lt;/p&gt;</description></item>"
        for n in range(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel><title>Acme</title>'
        f"<link>https://acme.example/</link><description>All</description>{entries}"
        "</channel></rss>"
    ).encode()


def test_a_feed_of_ten_thousand_items_is_stored_whole_in_bounded_time_and_memory(
    server, tmp_path: Path
) -> None:
    running, routes = server
    body = big_feed(10_000)
    routes.routes["/big.xml"] = Reply(200, body, RSS)
    routes.routes["/small.xml"] = Reply(200, big_feed(3), RSS)
    began = time.monotonic()
    with peak_rss() as peak:
        report, store = collect(
            tmp_path, running.base(2), ["{feed: '{base}/small.xml'}", "{feed: '{base}/big.xml'}"]
        )
    seconds = time.monotonic() - began
    assert [(o.ok, o.new_posts) for o in report.outcomes] == [(True, 3), (True, 10_000)]
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM posts")).scalar() == 10_003
        assert connection.execute(text("SELECT count(*) FROM post_counts")).scalar() == 10_003
    assert seconds < 120, f"{seconds:.1f}s for a feed of 10,000 items"  # not hung
    growth = peak.growth_bytes / 1e6
    assert growth < 200, f"{growth:.0f} MB at peak for a {len(body) / 1e6:.1f} MB feed"


# --- malicious markup and header injection, all the way to the digest -------------------

LEGIT_LINK = "https://acme.example/news/rocket-skates?utm=1&ref=feed"
INJECTION = "Big news\r\nBcc: victim@example.com\r\nX-Evil: 1"
EVIL_COMPANY = "Initech\nBcc: ceo-list@example.com"


def hostile_feed() -> bytes:
    items = [
        (INJECTION, "javascript:alert(document.cookie)", "<script>alert('feed')</script>Hi"),
        (
            "Data link",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            '<img src="x" onerror="alert(2)">Pictures',
        ),
        (
            "<b>Bold</b> &amp; <iframe src=//evil.example>",
            "https://acme.example/ok?a=1&b=<2>",
            '<a href="javascript:alert(3)">click</a> <style>body{display:none}</style>Styled',
        ),
        ("Vbscript", " JaVaScRiPt:alert(4)", "<svg onload=alert(5)>Vector</svg>"),
        ("A real launch", LEGIT_LINK, "<p>Our rocket skates ship today.</p>"),
    ]
    entries = "".join(
        f"<item><title><![CDATA[{title}]]></title><link>{xml_escape(link)}</link>"
        f"<guid>evil-{n}</guid><pubDate>Wed, 18 Nov 2026 1{n}:00:00 GMT</pubDate>"
        f"<slash:comments>{50 + n}</slash:comments>"
        f"<description><![CDATA[{body}]]></description></item>"
        for n, (title, link, body) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel><title>Evil</title>'
        f"<link>https://evil.example/</link><description>x</description>{entries}</channel></rss>"
    ).encode()


def hostile_statuses(base: str) -> bytes:
    statuses = [
        {
            "id": f"9{n}",
            "created_at": (IN_WEEK + timedelta(hours=n)).isoformat().replace("+00:00", ".000Z"),
            "url": url,
            "uri": url,
            "content": content,
            "favourites_count": 900 + n,
            "reblogs_count": 40,
            "replies_count": 12,
            "reblog": None,
            "media_attachments": [
                {"type": "image", "preview_url": "data:image/svg+xml,<svg onload=alert(6)>"}
            ],
            "card": None,
            "poll": None,
            "tags": [{"name": "<script>tag</script>"}],
            "account": {"id": "666", "followers_count": 5000},
        }
        for n, (url, content) in enumerate(
            [
                (
                    "javascript:alert('mastodon')",
                    "<p>Launch\r\nBcc: x@example.com</p><script>alert(7)</script>",
                ),
                (
                    f"{base}/redirect\r\nSet-Cookie: a=b",
                    '<p><a href="javascript:void(0)">Deal</a> "quoted" \'single\'</p>',
                ),
                (
                    "https://user:pass@evil.example/login",
                    "<p>&lt;img src=x onerror=alert(8)&gt; escaped twice</p>",
                ),
            ]
        )
    ]
    return json.dumps(statuses).encode()


def test_the_digest_escapes_everything_hostile_and_its_subject_stays_one_line(
    server, tmp_path: Path
) -> None:
    running, routes = server
    base = running.base(3)
    routes.routes["/evil.xml"] = Reply(200, hostile_feed(), RSS)
    account = {"id": "666", "username": "evil", "acct": "evil", "followers_count": 5000}
    routes.routes["/m/api/v1/accounts/lookup"] = Reply(200, json.dumps(account).encode(), JSON)
    routes.routes["/m/api/v1/accounts/666/statuses"] = lambda request: Reply(
        200, b"[]" if "max_id" in request.query else hostile_statuses(base), JSON
    )
    report, store = collect(
        tmp_path,
        base,
        [
            "{feed: '{base}/evil.xml'}",
            "{mastodon: {handle: '@evil@social.evil.example', base_url: '{base}/m'}}",
        ],
        names=["Our <Company> & Co", EVIL_COMPANY],
    )
    assert all(o.ok for o in report.outcomes), [o.error_message for o in report.outcomes]
    made = run_week(store, store.config, WEEK, NOW)
    digest, message, paths = made.digest, made.message, made.paths

    assert "\n" not in digest.subject and "\r" not in digest.subject
    parsed = email.message_from_bytes(paths.eml.read_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None and parsed["Set-Cookie"] is None
    assert len(parsed.get_all("Subject")) == 1 and "\n" not in str(parsed["Subject"])
    envelope = {"From", "To", "Date", "Message-ID"}
    assert set(parsed.keys()) == set(message.keys()) | envelope

    for name, page in (("email", digest.html), ("archive", digest.html_archive)):
        tree = lxml_html.document_fromstring(page)
        assert not tree.xpath("//script | //iframe | //object | //embed | //svg"), name
        for element in tree.iter():
            for attribute, value in element.attrib.items():
                assert not attribute.lower().startswith("on"), (name, attribute, value)
                if attribute in ("href", "src", "action", "background", "srcset"):
                    assert_harmless_link(name, attribute, value)
    links = lxml_html.document_fromstring(digest.html).xpath("//a/@href")
    assert LEGIT_LINK in links, "the honest link survives (so the link checks above ran)"
    # The hostile company name is in the digest (as text), not silently dropped.
    assert "Initech Bcc: ceo-list@example.com" in digest.subject
    assert "Initech Bcc: ceo-list@example.com" in " ".join(digest.text.split())
    assert "Initech" in digest.html and "&lt;Company&gt;" in digest.html


def assert_harmless_link(page: str, attribute: str, value: str) -> None:
    lowered = value.strip().lower()
    if attribute == "src":  # charts only: attached (email) or embedded PNG (archive)
        assert lowered.startswith(("cid:", "data:image/png;base64,")), (page, value)
        return
    assert lowered.startswith(("https://", "http://", "#", "mailto:")), (page, attribute, value)
    assert "@" not in lowered.split("//", 1)[-1].split("/")[0], (page, value)
