"""Any HTML page: CSS selectors, JSON-LD, dates, hostile pages; collection on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from collector_support import NOW, SINCE, fixtures, loopback, run_collector, serve_html
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from monitor.collectors import collector_for
from monitor.collectors.html import (
    page_address,
    parse_items,
    parse_json_ld,
    safe_url,
)
from monitor.collectors.html_dates import parse_date
from monitor.config import HtmlSource
from monitor.domain import Harvest
from monitor.errors import SourceError

NEWS_URL = "https://initech.example/news"
NEWS_FIELDS = {
    "title": "h2",
    "url": "h2 a@href",
    "published": "time, .when",
    "text": ".excerpt",
    "image": "img.cover",
    "likes": ".likes",
    "replies": ".comments",
    "reposts": ".shares",
}
HOSTILE_FIELDS = {
    "title": ".link",
    "url": ".link@href",
    "published": ".date",
    "text": ".txt",
    "image": "img.pic@src",
    "likes": ".votes",
}


fixture = fixtures("html")


def news(body: str = "news.html", **options):
    return parse_items(
        fixture(body),
        page_url=NEWS_URL,
        item="article.post",
        fields=NEWS_FIELDS,
        now=NOW,
        **options,
    )


def collect(
    server: HTTPServer,
    *,
    url: str = NEWS_URL,
    item: str | None = "article.post",
    fields: dict | None = None,
    remember: dict | None = None,
) -> Harvest:
    source = HtmlSource(
        url=url, item=item, fields=NEWS_FIELDS if fields is None and item else fields or {}
    )
    base_url = loopback(server)
    return run_collector(source, base_url, now=NOW, since=SINCE, remember=remember, max_retries=0)


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2026-03-01T10:00:00Z", False, datetime(2026, 3, 1, 10, 0)),
        ("2026-03-01T10:00:00+01:00", False, datetime(2026, 3, 1, 9, 0)),
        ("2026-03-01", False, datetime(2026, 3, 1)),
        ("Tue, 03 Mar 2026 10:00:00 +0100", False, datetime(2026, 3, 3, 9, 0)),
        ("3 days ago", False, datetime(2026, 3, 7, 12, 0)),
        ("2 hours ago", False, datetime(2026, 3, 10, 10, 0)),
        ("an hour ago", False, datetime(2026, 3, 10, 11, 0)),
        ("5 mins ago", False, datetime(2026, 3, 10, 11, 55)),
        ("yesterday", False, datetime(2026, 3, 9, 12, 0)),
        ("3 giorni fa", False, datetime(2026, 3, 7, 12, 0)),
        ("2 ore fa", False, datetime(2026, 3, 10, 10, 0)),
        ("ieri", False, datetime(2026, 3, 9, 12, 0)),
        ("23/12/2013", True, datetime(2013, 12, 23)),
        ("23/12/2013", False, datetime(2013, 12, 23)),  # 23 cannot be a month
        ("03/02/2026", True, datetime(2026, 2, 3)),
        ("03/02/2026", False, datetime(2026, 3, 2)),
        ("04.03.2026 14:30", True, datetime(2026, 3, 4, 14, 30)),
        ("Dec 23, 2013", False, datetime(2013, 12, 23)),
        ("23 December 2013", False, datetime(2013, 12, 23)),
        ("23 dicembre 2013", False, datetime(2013, 12, 23)),
        ("Published on March 5, 2026 at 4:00 pm", False, datetime(2026, 3, 5, 16, 0)),
        ("Dec 23", False, datetime(2025, 12, 23)),  # no year, read in March: last December
        ("1772704800", False, datetime(2026, 3, 5, 10, 0)),
    ],
)
def test_dates_are_read_in_many_spellings(text: str, day_first: bool, expected: datetime):
    assert parse_date(text, now=NOW, day_first=day_first) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["", "soon", "3", "coming in 2099-01-01", "2099-01-01", "31/02/2026"]
)
def test_unreadable_or_impossible_dates_are_none(text: str):
    assert parse_date(text, now=NOW) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.booleans())
def test_any_text_gives_none_or_an_aware_date_not_in_the_future(text: str, day_first: bool):
    found = parse_date(text, now=NOW, day_first=day_first)
    assert found is None or (found.tzinfo is UTC and found <= NOW + timedelta(days=2))


# --- CSS selectors -----------------------------------------------------------------------


def test_selectors_read_text_attributes_and_resolve_relative_urls():
    page = news()
    first = page.posts[0]
    assert first.title == "Apre il nuovo stabilimento di Torino #Initech"
    assert first.url == "https://initech.example/news/nuovo-stabilimento"
    assert first.external_id == first.url
    assert first.published_at == datetime(2026, 3, 9, 7, 30, tzinfo=UTC)
    assert first.text == "Oltre 200 nuovi posti di lavoro. #lavoro"
    assert first.thumbnail_url == "https://initech.example/media/stabilimento.jpg"
    assert first.media_type == "image"
    assert first.hashtags == ("initech", "lavoro")


def test_counts_are_parsed_and_unconfigured_counters_are_none():
    first, second, third, _ = news().posts
    assert (first.counts.likes, first.counts.replies, first.counts.reposts) == (1200, 37, 12)
    assert (second.counts.likes, second.counts.replies, second.counts.reposts) == (845, 9, None)
    assert (third.counts.likes, third.counts.replies) == (3400, None)
    assert first.counts.views is None and first.counts.quotes is None


def test_relative_and_text_dates_in_items():
    _, interview, balance, christmas = news().posts
    assert interview.published_at == NOW - timedelta(days=3)
    assert interview.media_type == "video"
    assert balance.published_at == datetime(2026, 2, 28, tzinfo=UTC)  # empty datetime: its text
    assert christmas.published_at == datetime(2025, 12, 23, 10, 0, tzinfo=UTC)


def test_post_without_a_date_is_skipped_with_a_warning():
    page = news()
    assert page.matched == 5
    assert "https://initech.example/news/evento" not in [p.url for p in page.posts]
    (warning,) = page.warnings
    assert warning.startswith("1 of the 5 posts on the page were skipped")


def test_at_attribute_alone_reads_the_items_own_attribute():
    page = parse_items(
        fixture("news.html"),
        page_url=NEWS_URL,
        item="article.post",
        fields={"title": "@data-id", "published": "time"},
        now=NOW,
    )
    assert [p.title for p in page.posts][:2] == ["initech-2026-031", "initech-2026-029"]


def test_hostile_page_keeps_only_web_links_and_no_script_text():
    page = parse_items(
        fixture("hostile.html"),
        page_url="https://globex.example/updates",
        item="li.entry",
        fields={**HOSTILE_FIELDS},
        now=NOW,
    )
    first, second, third = page.posts
    assert first.url is None and first.external_id.startswith("sha256:")  # javascript: dropped
    assert first.thumbnail_url is None  # data: image dropped
    assert first.text == "Hello world"
    assert "alert" not in first.text
    assert first.counts.likes is None  # "lots" is not a count
    assert second.url == "https://globex.example/updates/42"
    assert second.thumbnail_url is None  # vbscript: dropped
    assert second.text == "Plain text survives"
    assert third.url is None  # mailto: dropped


def test_own_attribute_with_javascript_is_dropped():
    page = parse_items(
        fixture("hostile.html"),
        page_url="https://globex.example/updates",
        item="li.entry",
        fields={"url": "@data-href", "published": ".date"},
        now=NOW,
    )
    assert [p.url for p in page.posts] == [None, None, None]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/a", "https://acme.example/a"),
        ("b?c=1", "https://acme.example/news/b?c=1"),
        ("JavaScript:alert(1)", None),
        (" java\tscript:alert(1)", None),
        ("ftp://acme.example/file", None),
        ("http://[::1", None),
        ("", None),
    ],
)
def test_safe_url_resolves_and_keeps_only_http(value: str, expected: str | None):
    assert safe_url(value, "https://acme.example/news/") == expected


def test_invalid_selector_is_reported_plainly():
    with pytest.raises(SourceError) as caught:
        parse_items(
            fixture("news.html"), page_url=NEWS_URL, item="article..post", fields={}, now=NOW
        )
    assert caught.value.kind == "layout_changed"
    assert "'article..post' is not valid" in caught.value.message


# --- JSON-LD -----------------------------------------------------------------------------


def test_json_ld_graph_gives_the_blog_posting_with_its_counters():
    page = parse_json_ld(
        fixture("blog_graph.html"), page_url="https://globex.example/blog/", now=NOW
    )
    (post,) = page.posts  # the WebPage, ImageObject and Organization are not posts
    assert post.title == "Why anvils still matter"
    assert post.url == "https://globex.example/blog/why-anvils-matter/"
    assert post.published_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert (post.counts.likes, post.counts.replies) == (1204, 14)
    assert post.thumbnail_url == "https://globex.example/wp-content/uploads/2026/03/anvil-hero.jpg"
    assert not post.published_estimated


def test_json_ld_lists_legacy_counters_videos_and_item_lists():
    page = parse_json_ld(
        fixture("social_posts.html"), page_url="https://social.globex.example/globex", now=NOW
    )
    posts = {p.url: p for p in page.posts}
    base = "https://social.globex.example/globex"
    hammers = posts[f"{base}/posts/9001"]  # a relative url, resolved
    assert (hammers.counts.likes, hammers.counts.reposts, hammers.counts.replies) == (
        2310,
        1200,
        88,
    )
    assert hammers.hashtags == ("globexhammers",)
    assert hammers.thumbnail_url == "https://cdn.globex.example/img/hammers.jpg"
    legacy = posts[f"{base}/posts/8990"]
    assert (legacy.counts.likes, legacy.counts.replies) == (57, 4)
    assert legacy.published_at == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    edited = posts[f"{base}/posts/8980"]
    assert edited.published_estimated
    video = posts[f"{base}/videos/drop-test"]
    assert (video.media_type, video.counts.views, video.counts.likes) == ("video", 48213, None)
    assert video.published_at == datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert "https://news.globex.example/cypress-creek" in posts
    assert f"{base}/posts/8970" not in posts  # no date: skipped
    assert page.matched == 6
    assert any("1 JSON-LD block(s)" in w for w in page.warnings)
    assert any("1 of the 6 posts" in w for w in page.warnings)


def test_json_ld_without_posts_matches_nothing():
    page = parse_json_ld(fixture("no_posts.html"), page_url="https://initech.example/", now=NOW)
    assert (page.posts, page.matched) == ((), 0)


page_bytes = st.binary(max_size=600) | st.text(
    alphabet=st.sampled_from(list("<>/=\"' abcdefghijklmnoptsry{}[]:,@#&;0123456789\n")),
    max_size=400,
).map(
    lambda t: (
        f'<html><script type="application/ld+json">{t}</script><article class="post">{t}'.encode()
    )
)


@settings(max_examples=200, deadline=None)
@given(page_bytes)
def test_page_parsers_raise_only_source_error_on_arbitrary_bytes(body: bytes):
    for parse in (
        lambda b: parse_items(
            b, page_url=NEWS_URL, item="article.post", fields=NEWS_FIELDS, now=NOW
        ),
        lambda b: parse_json_ld(b, page_url=NEWS_URL, now=NOW),
    ):
        try:
            parse(body)
        except SourceError as error:
            assert error.kind == "bad_content"


# --- collection ----------------------------------------------------------------------


def test_page_address_replaces_the_origin_with_base_url():
    assert page_address(NEWS_URL, "") == NEWS_URL
    assert page_address(NEWS_URL, "https://initech.example") == NEWS_URL
    assert page_address(f"{NEWS_URL}?page=2", "http://127.0.0.1:8080/") == (
        "http://127.0.0.1:8080/news?page=2"
    )


def test_collect_reads_the_page_and_drops_posts_before_the_lookback(httpserver: HTTPServer):
    serve_html(httpserver, fixture("news.html"))
    harvest = collect(httpserver)
    titles = [p.title for p in harvest.posts]
    assert titles == [
        "Apre il nuovo stabilimento di Torino #Initech",
        "Intervista al CEO",
        "Bilancio 2025 approvato",
    ]
    assert harvest.remember["matched"] == 5
    assert len(harvest.warnings) == 1
    # Links are resolved against the address actually fetched.
    assert harvest.posts[0].url == httpserver.url_for("/news/nuovo-stabilimento")


def test_unchanged_page_is_reported_unchanged(httpserver: HTTPServer):
    serve_html(httpserver, fixture("news.html"))
    first = collect(httpserver)
    second = collect(httpserver, remember=first.remember)
    assert second.unchanged and second.posts == ()
    assert second.remember["matched"] == 5


def test_selector_that_matched_before_and_not_now_is_layout_changed(httpserver: HTTPServer):
    serve_html(httpserver, fixture("news_redesigned.html"))
    with pytest.raises(SourceError) as caught:
        collect(httpserver, remember={"matched": 5})
    assert caught.value.kind == "layout_changed"
    assert "found 5 posts on earlier visits and finds none now" in caught.value.message


def test_selector_that_never_matched_is_layout_changed_saying_so(httpserver: HTTPServer):
    serve_html(httpserver, fixture("news_redesigned.html"))
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "layout_changed"
    assert "'article.post' matched nothing" in caught.value.message


def test_json_ld_page_is_read_without_selectors(httpserver: HTTPServer):
    serve_html(httpserver, fixture("social_posts.html"), path="/globex")
    harvest = collect(httpserver, url="https://social.globex.example/globex", item=None)
    assert len(harvest.posts) == 5
    assert sum(p.counts.views or 0 for p in harvest.posts) == 48213


def test_json_ld_page_without_posts_is_layout_changed(httpserver: HTTPServer):
    serve_html(httpserver, fixture("no_posts.html"), path="/about")
    with pytest.raises(SourceError) as caught:
        collect(httpserver, url="https://initech.example/about", item=None)
    assert caught.value.kind == "layout_changed"
    assert "no schema.org post data" in caught.value.message


def test_robots_txt_forbidding_the_page_is_blocked_and_page_untouched(httpserver: HTTPServer):
    serve_html(httpserver, fixture("news.html"), robots=fixture("robots_disallow.txt"))
    with pytest.raises(SourceError) as caught:
        collect(httpserver)
    assert caught.value.kind == "blocked"
    assert "robots.txt" in caught.value.message
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]


def test_collector_registers_as_honouring_robots():
    info = collector_for("html")
    assert info.robots is True
    assert info.default_base_url == ""


def test_post_without_a_link_keeps_its_id_although_its_relative_date_moves():
    fields = {name: spec for name, spec in NEWS_FIELDS.items() if name != "url"}

    def ids(now: datetime) -> dict[str, str]:
        page = parse_items(
            fixture("news.html"), page_url=NEWS_URL, item="article.post", fields=fields, now=now
        )
        return {p.title: p.external_id for p in page.posts}

    now, later = ids(NOW), ids(NOW + timedelta(hours=5))
    assert now["Intervista al CEO"] == later["Intervista al CEO"]  # dated "3 giorni fa"
    assert len(set(now.values())) == len(now)  # still one id a post
