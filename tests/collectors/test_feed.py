"""Feeds: every supported format parsed from fixture bytes, and collection on loopback."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import pytest
from collector_support import fixtures, run_collector
from pytest_httpserver import HTTPServer

from monitor.collectors import collector_for, feed_parse
from monitor.collectors.feed import rebase
from monitor.collectors.feed_parse import parse_feed, stable_id
from monitor.collectors.feed_text import excerpt, strip_html
from monitor.config import FeedSource
from monitor.domain import Harvest, Post
from monitor.errors import SourceError

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
FEED_URL = "https://acme.example/news/feed/"


fixture = fixtures("feed")


def parse(name: str, content_type: str | None = None) -> tuple[list[Post], list[str]]:
    return parse_feed(fixture(name), FEED_URL, NOW, content_type)


def by_id(posts: list[Post]) -> dict[str, Post]:
    return {post.external_id: post for post in posts}


# --- RSS 2.0 (WordPress) -------------------------------------------------------------


def test_wordpress_rss_reads_posts_with_comment_counts_as_replies() -> None:
    posts, warnings = parse("wordpress_rss2.xml", "application/rss+xml; charset=UTF-8")
    assert warnings == []
    assert len(posts) == 3
    skates = by_id(posts)["https://acme.example/news/?p=4812"]
    assert skates.title == "Acme launches the Rocket Skates 3000"
    assert skates.url == "https://acme.example/news/2026/03/rocket-skates-3000/"
    assert skates.published_at == datetime(2026, 3, 3, 9, 15, 2, tzinfo=UTC)  # +0100 -> UTC
    assert not skates.published_estimated
    assert skates.counts.replies == 14
    assert skates.hashtags == ("product news", "skates")


def test_platform_counters_a_feed_lacks_are_unknown_not_zero() -> None:
    posts, _ = parse("wordpress_rss2.xml")
    webinar, podcast = by_id(posts)["https://acme.example/news/?p=4790"], posts[2]
    assert webinar.counts.replies == 0  # the feed says zero comments: that is a real zero
    assert podcast.counts.replies is None  # no slash:comments at all: unknown
    for post in posts:
        assert post.counts.likes is None
        assert post.counts.reposts is None
        assert post.counts.quotes is None
        assert post.counts.views is None


def test_media_type_comes_from_enclosures_and_media_content() -> None:
    posts, _ = parse("wordpress_rss2.xml")
    skates, webinar, podcast = posts
    assert skates.media_type == "image"
    assert skates.thumbnail_url == (
        "https://acme.example/wp-content/uploads/2026/03/skates-1024x683.jpg"
    )
    assert webinar.media_type == "video"
    assert podcast.media_type == "audio"


def test_excerpt_is_plain_text_without_html_or_scripts() -> None:
    posts, _ = parse("wordpress_rss2.xml")
    text = posts[0].text
    assert text.startswith("Faster than anything on the desert road: the Rocket Skates 3000")
    assert "<" not in text and "&#8230;" not in text
    assert "…" in text
    assert strip_html("<p>One</p><script>trackLaunch();</script><p>Two &amp; three</p>") == (
        "One Two & three"
    )


def test_long_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = excerpt("<p>" + "anvil " * 200 + "</p>", limit=50)
    assert len(text) <= 51
    assert text.endswith("anvil…")


# --- RSS 1.0, RSS 0.91 -------------------------------------------------------------


def test_rss_1_0_rdf_reads_dc_date_as_publication_time() -> None:
    posts, warnings = parse("rss10_rdf.xml")
    assert warnings == []
    keynote = posts[0]
    assert keynote.external_id == "https://globex.example/press/2026/hank-scorpio-keynote.html"
    assert keynote.published_at == datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    assert not keynote.published_estimated
    assert keynote.text == "Our CEO on hammocks and innovation."
    assert keynote.counts.replies == 3
    assert keynote.hashtags == ("events",)


def test_rss_0_91_without_guid_or_dates_uses_link_and_flags_the_time() -> None:
    posts, warnings = parse("rss091.xml", "text/xml")
    assert warnings == []
    assert [p.external_id for p in posts] == [
        "http://initech.example/bulletin/tps-cover-sheets.html",
        "http://initech.example/bulletin/cafe.html",
    ]
    assert posts[1].title == "Café opening on floor 4"
    assert all(p.published_estimated and p.published_at == NOW for p in posts)
    assert all(p.media_type == "link" for p in posts)


# --- Atom 1.0 and 0.3 --------------------------------------------------------------


def test_atom_1_0_entry_with_published_time_thread_count_and_categories() -> None:
    posts, warnings = parse("atom10.xml", "application/atom+xml")
    assert warnings == []
    hive = posts[0]
    assert hive.external_id == "tag:umbrella.example,2026:/blog/scaling-hive"
    assert hive.title == "Scaling the hive cluster"  # HTML title stripped
    assert hive.published_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert not hive.published_estimated
    assert hive.counts.replies == 5
    assert hive.hashtags == ("infrastructure", "kubernetes")
    assert hive.media_type == "image"


def test_atom_relative_links_resolve_against_the_feed_address() -> None:
    posts, _ = parse("atom10.xml")
    assert posts[0].url == "https://acme.example/blog/2026/03/scaling-hive"


def test_rss_links_resolve_against_the_feed_address_and_only_http_links_stay() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Acme</title>
<item><title>One</title><link>/news/one</link><guid isPermaLink="false">1</guid>
<pubDate>Tue, 03 Mar 2026 09:00:00 GMT</pubDate></item>
<item><title>Two</title><link>javascript:alert(1)</link><guid isPermaLink="false">2</guid>
<pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate></item></channel></rss>"""
    posts, _ = parse_feed(body, "https://acme.example/feed.xml", NOW, "application/rss+xml")
    assert [p.url for p in posts] == ["https://acme.example/news/one", None]


LINKS = [
    *("https://acme.example/news/one", "http://acme.example", "https://acme.example?q=1#top"),
    *("https://u:p@acme.example:8080/a/../b//c?x=1&y=%20#f?g", " https://acme.example/pad "),
    *("http://acme.example/x?", "http://acme.example/x#", "http://acme.example/x?#f"),
    *("http://acme.example/x;", "http://acme.example/x;p", "http://acme.example/x?a;b"),
    *("HTTP://acme.example/", "http:///path", "http://[::1]/", "http://[::1/", "https:"),
    *("http://acme.example/ä", "http://acme.example/a b", "http://acme.example/a\tb"),
    *("https://acme.example\\x", "//cdn.example/x", "/news/one", "", "  ", "javascript:x()"),
]


def urljoin_reading(base: str, link: str) -> tuple[str, str | None]:
    """What _absolute gave when it always asked urljoin, or the error urljoin raised."""
    try:
        resolved = urljoin(base, link.strip()) if link else None
    except ValueError as error:  # an IPv6 host without its closing bracket
        return "error", str(error)
    ok = resolved is not None and resolved.startswith(("http://", "https://"))
    return "link", resolved if ok else None


def our_reading(base: str, link: str) -> tuple[str, str | None]:
    try:
        return "link", feed_parse._absolute(base, link)
    except ValueError as error:
        return "error", str(error)


@pytest.mark.parametrize("base", ["https://acme.example/news/feed/", "http://acme.example"])
def test_links_resolve_as_urljoin_resolves_them(base: str) -> None:
    pick = random.Random(16)
    pieces = ["https://", "acme.example", "/", "?", "#", ";", ":", "@", "[", "]", " ", "\t", "ä"]
    links = LINKS + ["".join(pick.choices(pieces, k=pick.randint(1, 9))) for _ in range(3000)]
    assert [our_reading(base, link) for link in links] == [
        urljoin_reading(base, link) for link in links
    ]


def test_atom_entry_with_only_an_updated_time_is_flagged_estimated() -> None:
    posts, _ = parse("atom10.xml")
    notes = posts[1]
    assert notes.published_at == datetime(2026, 2, 27, 8, 0, tzinfo=UTC)
    assert notes.published_estimated
    assert notes.text == "Twelve fixes and one new feature."


def test_atom_0_3_issued_time_is_the_publication_time() -> None:
    posts, warnings = parse("atom03.xml")
    assert warnings == []
    (green,) = posts
    assert green.external_id == "tag:soylent.example,2026:journal.green"
    assert green.published_at == datetime(2026, 2, 25, 12, 0, tzinfo=UTC)
    assert not green.published_estimated
    assert green.hashtags == ("products",)


# --- JSON Feed -----------------------------------------------------------------------


def test_json_feed_1_1_items_by_content_type_or_shape() -> None:
    for content_type in ("application/feed+json", None):
        posts, warnings = parse("jsonfeed11.json", content_type)
        assert warnings == []
        nucleus, keynote = posts
        assert nucleus.external_id == "https://hooli.example/news/nucleus-2"
        assert nucleus.published_at == datetime(2026, 3, 2, 23, 4, 5, tzinfo=UTC)
        assert nucleus.hashtags == ("nucleus", "launch")
        assert nucleus.media_type == "image"
        assert nucleus.thumbnail_url == "https://hooli.example/img/nucleus-2.jpg"
        assert keynote.external_id == "hooli-xyz-keynote"
        assert keynote.url == "https://video.hooli.example/keynote"
        assert keynote.media_type == "video"
        assert keynote.published_estimated
        assert keynote.counts.replies is None


def test_json_that_is_not_a_json_feed_is_bad_content() -> None:
    with pytest.raises(SourceError) as caught:
        parse_feed(b'{"data": []}', FEED_URL, NOW, "application/json")
    assert caught.value.kind == "bad_content"
    with pytest.raises(SourceError):
        parse_feed(b'{"version": ', FEED_URL, NOW, "application/feed+json")


# --- broken and hostile feeds ----------------------------------------------------------


def test_malformed_feed_yields_what_can_be_read_with_a_warning() -> None:
    posts, warnings = parse("malformed_rss.xml", "application/rss+xml")
    assert [p.title for p in posts] == [
        "Importing & exporting latex",
        "Chips & dips for the trade fair",
    ]
    assert len(warnings) == 1
    assert "malformed" in warnings[0] and "2 items" in warnings[0]


@pytest.mark.parametrize("name", ["entity_bomb.xml", "external_entity.xml"])
def test_entity_declarations_are_refused_never_expanded(name: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(name)
    assert caught.value.kind == "bad_content"
    assert "entities" in caught.value.message


def test_html_page_instead_of_a_feed_is_bad_content() -> None:
    page = b"<!doctype html><html><body><h1>Welcome to Acme</h1></body></html>"
    with pytest.raises(SourceError) as caught:
        parse_feed(page, FEED_URL, NOW, "text/html")
    assert caught.value.kind == "bad_content"


def test_item_without_id_or_link_gets_a_stable_hash_id() -> None:
    body = (
        b'<rss version="2.0"><channel><title>Acme</title>'
        b"<item><title>No link</title><description>Just words</description></item>"
        b"</channel></rss>"
    )
    first, _ = parse_feed(body, FEED_URL, NOW)
    again, _ = parse_feed(body, FEED_URL, NOW + timedelta(hours=1))
    assert first[0].external_id.startswith("sha256:")
    assert first[0].external_id == again[0].external_id
    assert first[0].media_type == "text"
    assert stable_id(None, None, "No link", "Just words") == first[0].external_id


# --- collection on loopback -------------------------------------------------------------


def collect(url: str, *, base_url: str = "", **options: Any) -> Harvest:
    since = NOW - timedelta(days=56)
    return run_collector(FeedSource(url=url), base_url, now=NOW, since=since, **options)


def test_collect_remembers_validators_and_a_304_means_unchanged(httpserver: HTTPServer) -> None:
    body = fixture("wordpress_rss2.xml")
    httpserver.expect_request("/news/feed/", headers={"If-None-Match": '"w1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/news/feed/").respond_with_data(
        body, content_type="application/rss+xml; charset=UTF-8", headers={"ETag": '"w1"'}
    )
    first = collect(httpserver.url_for("/news/feed/"), remember={"cursor": "kept"})
    assert len(first.posts) == 3
    assert not first.unchanged
    assert first.remember["validators"]["etag"] == '"w1"'
    assert first.remember["cursor"] == "kept"
    second = collect(httpserver.url_for("/news/feed/"), remember=first.remember)
    assert second.unchanged
    assert second.posts == ()
    assert second.remember["validators"]["etag"] == '"w1"'


def test_collect_treats_an_identical_body_as_unchanged(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.json").respond_with_data(
        fixture("jsonfeed11.json"), content_type="application/feed+json"
    )
    first = collect(httpserver.url_for("/feed.json"))
    assert len(first.posts) == 2
    assert collect(httpserver.url_for("/feed.json"), remember=first.remember).unchanged


def test_collect_reads_the_feed_from_the_overridden_base_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/blog/atom.xml", query_string="lang=en").respond_with_data(
        fixture("atom10.xml"), content_type="application/atom+xml"
    )
    harvest = collect(
        "https://umbrella.example/blog/atom.xml?lang=en", base_url=httpserver.url_for("/")
    )
    assert harvest.posts[0].external_id == ("tag:umbrella.example,2026:/blog/scaling-hive")
    assert harvest.account is None


def test_rebase_replaces_only_the_origin() -> None:
    feed = "https://acme.example/news/feed/?type=rss"
    assert rebase(feed, "") == feed
    assert rebase(feed, "https://acme.example") == feed
    assert rebase(feed, "http://127.0.0.1:8080") == "http://127.0.0.1:8080/news/feed/?type=rss"
    assert rebase(feed, "http://mirror.example/acme/") == (
        "http://mirror.example/acme/news/feed/?type=rss"
    )


def test_collect_of_a_malformed_feed_carries_the_warning(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/blog/rss").respond_with_data(
        fixture("malformed_rss.xml"), content_type="application/rss+xml"
    )
    harvest = collect(httpserver.url_for("/blog/rss"))
    assert len(harvest.posts) == 2
    assert harvest.warnings and "malformed" in harvest.warnings[0]


def test_collect_of_an_entity_bomb_fails_as_bad_content(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/bomb").respond_with_data(
        fixture("entity_bomb.xml"), content_type="application/rss+xml"
    )
    with pytest.raises(SourceError) as caught:
        collect(httpserver.url_for("/bomb"))
    assert caught.value.kind == "bad_content"


def test_collect_of_a_missing_feed_is_not_found(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("Not here", status=404)
    with pytest.raises(SourceError) as caught:
        collect(httpserver.url_for("/gone"))
    assert caught.value.kind == "not_found"


def test_feed_kind_is_registered_without_a_platform_address() -> None:
    info = collector_for("feed")
    assert info.kind == "feed"
    assert info.robots is False
    assert info.default_base_url == ""
