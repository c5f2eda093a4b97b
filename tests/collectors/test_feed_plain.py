"""The lxml reading of plain RSS 2.0 / Atom 1.0 gives exactly what feedparser gives.

Every feed fixture we have (and a few edge cases) is parsed both ways and compared post by
post; the feeds the plain reader declines must go to feedparser, never be read half-way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.collectors import feed_parse as feed
from monitor.collectors.feed_plain import plain_entries
from monitor.domain import Post

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
URL = "https://acme.example/news/feed/"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
XML_FIXTURES = sorted(
    p
    for p in FIXTURES.rglob("*")
    if p.suffix in (".xml", ".rss") and "entity" not in p.name and p.parent.name != "store"
)

RSS_EDGES = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Edges</title><link>https://acme.example/</link><description>d</description>
<item><title>Caf\xc3\xa9 &amp; cr\xc3\xa8me &lt;b&gt;bold&lt;/b&gt;</title>
  <guid>https://acme.example/permalink-only</guid>
  <pubDate>Tue, 03 Mar 2026 10:15:02 GMT</pubDate>
  <description>  plain   text,  no markup  </description></item>
<item><title><![CDATA[CDATA <i>title</i>]]></title><link> /relative/path </link>
  <guid isPermaLink="false">  spaced-id  </guid>
  <pubDate>Mon, 2 Mar 2026 08:00:00 -0500</pubDate>
  <content:encoded><![CDATA[<p>Only <em>content</em></p><script>x()</script>]]></content:encoded>
  <category>  Tag One </category><category>tag one</category><category></category>
  <slash:comments> 7 </slash:comments>
  <enclosure url="https://acme.example/a.mp3" type="audio/mpeg" length="1"/>
  <media:thumbnail url="https://acme.example/t.jpg"/></item>
<item><link>javascript:alert(1)</link><description>no id, no title, no date</description></item>
<item><title>Video</title><link>https://acme.example/v</link>
  <media:content url="https://acme.example/v.mp4" type="video/mp4" medium="video">
    <media:title>Not the title</media:title><media:thumbnail url="https://acme.example/v.jpg"/>
  </media:content>
  <pubDate>Sun, 01 Mar 2026 23:59:59 +0100</pubDate></item>
</channel></rss>"""

ATOM_EDGES = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>Edges</title><id>urn:edges</id><updated>2026-03-01T00:00:00Z</updated>
<entry><title type="text">a &lt; b &amp; c</title><id>urn:1</id>
  <link href="https://acme.example/1"/><link rel="self" href="https://acme.example/1.atom"/>
  <published>2026-03-01T10:00:00.250+02:00</published><updated>2026-03-02T00:00:00Z</updated>
  <summary type="html">&lt;p&gt;First&lt;/p&gt;&lt;p&gt;second&lt;/p&gt;</summary>
  <category term="Alpha" label="A"/><category label="Only label"/></entry>
<entry><title>Only updated</title><id>urn:2</id><updated>2026-02-27T08:00:00Z</updated>
  <link rel="alternate" type="text/html" href="/relative"/>
  <content type="html">&lt;p&gt;Content, no summary&lt;/p&gt;</content>
  <link rel="enclosure" type="video/mp4" href="https://acme.example/2.mp4"/>
  <thr:total>3</thr:total></entry>
<entry><id>urn:3</id><updated>2026-02-26T08:00:00Z</updated></entry>
</feed>"""

EDGES = {"rss_edges": RSS_EDGES, "atom_edges": ATOM_EDGES}


def both_ways(body: bytes, monkeypatch: pytest.MonkeyPatch, content_type: str | None):
    plain = feed.parse_xml_feed(body, URL, NOW, content_type)
    with monkeypatch.context() as patched:
        patched.setattr(feed, "plain_entries", lambda _body: None)
        through_feedparser = feed.parse_xml_feed(body, URL, NOW, content_type)
    return plain, through_feedparser


def bench_feed() -> bytes:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_collect_feeds import feed_body

    return feed_body(7)


@pytest.mark.parametrize("path", XML_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_feed_fixture_reads_the_same_as_through_feedparser(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, through_feedparser = both_ways(path.read_bytes(), monkeypatch, None)
    assert plain == through_feedparser


@pytest.mark.parametrize("name", sorted(EDGES))
@pytest.mark.parametrize("content_type", [None, "application/xml", "text/xml; charset=utf-8"])
def test_edge_cases_read_the_same_as_through_feedparser(
    name: str, content_type: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = EDGES[name]
    assert plain_entries(body) is not None  # really read by the plain reader
    plain, through_feedparser = both_ways(body, monkeypatch, content_type)
    assert plain == through_feedparser
    assert all(isinstance(p, Post) for p in plain[0]) and len(plain[0]) >= 3


def test_the_common_feeds_take_the_plain_path() -> None:
    # the benchmark's feed, the reliability suite's RSS and the Atom fixture are plain
    assert plain_entries(bench_feed()) is not None
    for name in ("atom10.xml", "wordpress_rss2.xml"):
        assert plain_entries((FIXTURES / "feed" / name).read_bytes()) is not None


@pytest.mark.parametrize(
    "body",
    [
        b'<rss version="0.91"><channel><item><title>t</title></item></channel></rss>',
        b'<rss version="2.0"><channel><item><dc:date xmlns:dc="http://purl.org/dc/elements/'
        b'1.1/">2026-03-01</dc:date></item></channel></rss>',
        b'<rss version="2.0"><channel><item><pubDate>yesterday</pubDate></item></channel></rss>',
        b'<rss version="2.0"><channel><item><description><p>raw</p></description></item>'
        b"</channel></rss>",
        b'<rss version="2.0" xml:base="https://x.example/"><channel></channel></rss>',
        b'<rss version="2.0"><channel><item><title>cut',
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml"><div '
        b'xmlns="http://www.w3.org/1999/xhtml">x</div></title></entry></feed>',
        b'<rss version="2.0"><channel><item><media:content xmlns:media="http://search.yahoo.com/'
        b'mrss/" url="https://x.example/v.mp4"><media:title>t</media:title></media:content>'
        b"</item></channel></rss>",
    ],
    ids=[
        "rss091",
        "dc_date",
        "odd_date",
        "markup_in_description",
        "xml_base",
        "cut",
        "xhtml",
        "only_media_title",
    ],
)
def test_anything_unusual_is_left_to_feedparser(body: bytes) -> None:
    assert plain_entries(body) is None
