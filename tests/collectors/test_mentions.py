"""Mentions: each mention kind's answers read from fixtures in the APIs' own formats, the
screen every mention passes, and two whole cycles through the store on loopback."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from collector_support import loopback, read_fixture, run_collector
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from monitor.collect import run_cycle
from monitor.collectors.bluesky_search import parse_search
from monitor.collectors.gdelt import parse_articles, search_query
from monitor.collectors.hackernews import parse_hits
from monitor.collectors.mastodon_tags import parse_tag_timeline
from monitor.collectors.mentions import hashtags, own_accounts, says, screen
from monitor.collectors.reddit_search import parse_search_feed
from monitor.config import parse_config
from monitor.config_sources import MENTION_KINDS, MentionTerms
from monitor.domain import Mention
from monitor.errors import SourceError
from monitor.kinds.bluesky_search import BlueskySearchSource
from monitor.kinds.mastodon_tags import MastodonTagsSource
from monitor.store import Store
from monitor.store import schema as s
from monitor.sync import sync_sources

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PASSWORD = "abcd-efgh-ijkl-mnop"
ACME_TERMS = MentionTerms(terms=["Acme Corp", "#acme"], exclude=["acme anvil"])


# --- each API's answer ------------------------------------------------------------------


def test_hacker_news_hits_are_stories_with_points_and_comments_without() -> None:
    mentions, pages = parse_hits(read_fixture("hackernews", "search_by_date_acme_corp.json"))
    assert pages == 1
    story, comment = mentions[0], mentions[1]
    assert story.url == "https://news.ycombinator.com/item?id=42100001"
    assert story.published_at == datetime(2026, 11, 19, 11, 45, tzinfo=UTC)
    assert (story.counts.likes, story.counts.replies) == (87, 23)
    assert story.author == "jdoe"
    assert comment.title == "Ask HN: Which billing platform do you use?"
    assert comment.text.startswith("We moved from Initech to Acme Corp last year & never")
    assert (comment.counts.likes, comment.counts.replies) == (None, None)  # not shown: unknown


def test_reddit_search_feed_gives_volume_only() -> None:
    mentions = parse_search_feed(read_fixture("reddit_search", "search_acme.rss"))
    assert [m.author for m in mentions] == ["u/ledger_larry", "u/acme_corp"]
    first = mentions[0]
    assert first.url.endswith("/comments/1gx7k2a/anyone_tried_acme_corp_for_invoicing/")
    assert "pricing page changed" in first.text
    assert all(m.counts.engagement is None for m in mentions)


def test_mastodon_tag_timeline_names_remote_and_local_authors() -> None:
    body = read_fixture("mastodon_tags", "tag_acme_mastodon_social.json")
    mentions, max_id = parse_tag_timeline(body, "mastodon.social")
    assert max_id == "113498000000000303"
    sam, lena = mentions[0], mentions[1]
    assert sam.url == "https://fosstodon.org/@sam/113499990000000007"  # the same on every server
    assert sam.author == "sam@fosstodon.org"
    assert lena.author == "lena@mastodon.social"
    assert (sam.counts.likes, sam.counts.reposts, sam.counts.replies) == (41, 9, 5)
    assert lena.text == "Is #acme down for anyone else?\nCheckout keeps failing."


def test_bluesky_search_posts_keep_their_counters_and_link() -> None:
    mentions, cursor = parse_search(read_fixture("bluesky_search", "search_acme_corp_page1.json"))
    assert cursor == "2"
    mira = mentions[0]
    assert mira.url == "https://bsky.app/profile/mira.bsky.social/post/3lbx7aq2kd22c"
    assert (mira.counts.likes, mira.counts.reposts, mira.counts.replies) == (58, 11, 6)
    assert mira.counts.quotes == 2
    assert mira.author == "mira.bsky.social"


def test_gdelt_articles_are_headlines_whose_terms_gdelt_matched() -> None:
    mentions = parse_articles(read_fixture("gdelt", "artlist_acme.json"))
    assert [m.author for m in mentions] == [
        "techpress.example",
        "giornale-economia.example",
        "acme.example",
    ]
    assert mentions[0].published_at == datetime(2026, 11, 19, 10, 15, tzinfo=UTC)
    assert not mentions[0].full_text and mentions[0].counts.engagement is None
    assert search_query(["Acme Corp", "#acme"], "any") == '("Acme Corp" OR acme)'
    assert search_query(["Globex"], "italian") == "Globex sourcelang:italian"


def test_gdelt_refusing_in_words_is_rate_limited_or_a_bad_query() -> None:
    with pytest.raises(SourceError) as limited:
        parse_articles(read_fixture("gdelt", "rate_limited.txt"))
    assert limited.value.kind == "rate_limited"
    with pytest.raises(SourceError) as bad:
        parse_articles(b"The specified phrase is too short.")
    assert bad.value.kind == "misconfigured" and "too short" in bad.value.message
    assert parse_articles(b"") == []


# --- the screen ------------------------------------------------------------------------


def _mention(text: str, url: str = "https://else.example/1", author: str | None = None):
    return Mention(url=url, published_at=NOW, external_id=url, text=text, author=author)


def test_terms_are_phrases_in_any_case_and_not_parts_of_words() -> None:
    assert says("we love ACME corp", ["Acme Corp"])
    assert says("tagged #acme today", ["#acme"]) and says("plain acme", ["#acme"])
    assert not says("acmeville fair", ["acme"])
    assert not says("Acne cream", ["Acme"])
    assert hashtags(["Acme Corp", "#acme", "Globex", "acme.com"]) == ["acme", "globex"]


def test_an_exclusion_removes_the_noise_and_own_posts_are_never_mentions() -> None:
    config = parse_config(
        "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
        "competitors:\n"
        "  - name: Acme\n"
        "    sources: [mastodon: '@acme@mastodon.social', feed: 'https://www.acme.example/f']\n"
    )
    own = own_accounts(config.competitors[0].sources)
    found = [
        _mention("Acme Corp ships", url="https://a.example/1"),
        _mention("the acme anvil, Acme Corp's", url="https://a.example/2"),
        _mention("Acme Corp here", url="https://a.example/3", author="acme@mastodon.social"),
        _mention("Acme Corp news", url="https://blog.acme.example/news"),
        _mention("Acme Corp ships", url="https://a.example/1"),  # the same address again
        _mention("nothing about them", url="https://a.example/4"),
    ]
    kept = screen(found, ["Acme Corp"], ["acme anvil"], own)
    assert [m.url for m in kept] == ["https://a.example/1"]


# --- two cycles through the store --------------------------------------------------------

YAML = """
organization:
  name: Northwind
  sources: [feed: 'https://northwind.example/feed.xml']
  mentions: {{terms: [Northwind]}}
competitors:
  - name: Acme
    sources:
      - mastodon: "@acme@mastodon.social"
      - bluesky: acme.bsky.social
      - reddit: u/acme_corp
      - feed: https://acme.example/blog/feed.xml
    mentions: {{terms: ["Acme Corp", "#acme"], exclude: ["acme anvil"]}}
mention_sources:
  - hackernews: all
  - reddit_search: all
  - mastodon_tags: [mastodon.social, fosstodon.org, closed.example]
  - bluesky_search: {{handle: ourco.bsky.social, app_password_env: MONITOR_TEST_BSKY_PASSWORD}}
  - gdelt: any
collect:
  per_host_interval: 1ms
  max_retries: 0
  timeout: 10s
  base_urls:
    hackernews: {base}
    reddit_search: {base}
    mastodon_tags: "{base}/{{server}}"
    bluesky_search: {base}
    gdelt: {news}
database: {database}
"""


class Platforms:
    """Every mention API on one loopback server, answering as the real ones do."""

    def __init__(self) -> None:
        self.bumped = False
        self.gdelt_starts: list[float] = []
        self.logins: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        path, args = request.path, request.args
        if path == "/api/v1/search_by_date":
            if args["query"] == '"Acme Corp"':
                return self._json(self._edit("hackernews", "search_by_date_acme_corp.json"))
            return self._json(read_fixture("hackernews", "search_by_date_empty.json"))
        if path == "/search.rss":
            name = "search_acme.rss" if "Acme Corp" in args["q"] else None
            body = read_fixture("reddit_search", name) if name else _EMPTY_ATOM
            return Response(body, content_type="application/atom+xml; charset=UTF-8")
        if path.endswith("/api/v1/timelines/tag/acme") or "/timelines/tag/" in path:
            return self._mastodon(path)
        if path == "/xrpc/com.atproto.server.createSession":
            self.logins.append(json.loads(request.get_data()))
            return self._json(read_fixture("bluesky_search", "create_session.json"))
        if path == "/xrpc/app.bsky.feed.searchPosts":
            assert request.headers["Authorization"].startswith("Bearer eyJ")
            return self._json(self._bluesky(args))
        if path == "/api/v2/doc/doc":
            self.gdelt_starts.append(time.monotonic())
            if "Acme Corp" in args["query"]:
                return self._json(read_fixture("gdelt", "artlist_acme.json"))
            return Response(b"", content_type="application/json; charset=utf-8")
        return Response("not found", status=404)

    def _mastodon(self, path: str) -> Response:
        server = path.split("/")[1]
        if server == "closed.example":
            return self._json(read_fixture("mastodon_tags", "error_requires_login.json"), 422)
        if not path.endswith("/tag/acme"):
            return self._json(b"[]")
        name = f"tag_acme_{server.replace('.', '_')}.json"
        return self._json(self._edit("mastodon_tags", name))

    def _bluesky(self, args: Any) -> bytes:
        if args["q"] != '"Acme Corp"':
            return read_fixture("bluesky_search", "search_empty.json")
        if args.get("cursor") == "2":
            return read_fixture("bluesky_search", "search_acme_corp_page2.json")
        return self._edit("bluesky_search", "search_acme_corp_page1.json")

    def _edit(self, kind: str, name: str) -> bytes:
        """The second cycle's answers: the same mentions, some counters moved."""
        body = read_fixture(kind, name)
        if not self.bumped:
            return body
        data = json.loads(body)
        if kind == "hackernews":
            data["hits"][0]["points"] = 95
        elif kind == "bluesky_search":
            data["posts"][0]["likeCount"] = 64
        elif name == "tag_acme_mastodon_social.json":
            data[0]["favourites_count"] = 50
        return json.dumps(data).encode()

    @staticmethod
    def _json(body: bytes, status: int = 200) -> Response:
        return Response(body, status=status, content_type="application/json; charset=utf-8")


_EMPTY_ATOM = (
    b'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b"<id>/search.rss</id><title>reddit.com: search results</title>"
    b"<updated>2026-11-20T11:58:02+00:00</updated></feed>"
)


def _cycle(config, store: Store) -> list:
    ids = [r.id for r in store.sources() if r.kind in MENTION_KINDS]
    report = asyncio.run(run_cycle(config, store, now=lambda: NOW, source_ids=ids))
    return report.outcomes


def _stored(store: Store) -> dict[str, dict[str, Any]]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(s.mentions)).mappings().all()
    return {row["url"]: dict(row) for row in rows}


@pytest.fixture
def news_server() -> Iterator[HTTPServer]:
    """GDELT on a host of its own, as in life: its 5-second rule must not slow the others."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_two_cycles_store_each_mention_once_and_update_its_counts(
    httpserver: HTTPServer,
    news_server: HTTPServer,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITOR_TEST_BSKY_PASSWORD", PASSWORD)
    platforms = Platforms()
    httpserver.expect_request("").respond_with_handler(platforms)  # "" matches every path
    news_server.expect_request("").respond_with_handler(platforms)
    base = httpserver.url_for("/").rstrip("/")
    news = news_server.url_for("/").rstrip("/")
    config = parse_config(YAML.format(base=base, news=news, database=database_url))
    with Store(database_url) as store:
        sync_sources(config, store)
        assert sorted(r.kind for r in store.sources() if r.company == "Acme") == sorted(
            ["mastodon", "bluesky", "reddit", "feed", *MENTION_KINDS]
        )
        first = _cycle(config, store)
        assert all(o.ok for o in first), [(o.kind, o.error_message) for o in first]
        stored = _stored(store)
        acme = {url for url, row in stored.items() if row["company_id"] != _id(store, "Northwind")}
        assert acme == {
            "https://news.ycombinator.com/item?id=42100001",
            "https://news.ycombinator.com/item?id=42098811",
            "https://www.reddit.com/r/smallbusiness/comments/1gx7k2a/anyone_tried_acme_corp_for_invoicing/",
            "https://fosstodon.org/@sam/113499990000000007",
            "https://mastodon.social/@lena/113499000000000202",
            "https://bsky.app/profile/mira.bsky.social/post/3lbx7aq2kd22c",
            "https://bsky.app/profile/tomreviews.bsky.social/post/3lbu6nn4xe42k",
            "https://www.techpress.example/2026/11/19/acme-corp-billing-api-launch",
            "https://www.giornale-economia.example/notizie/acme-corp-italia",
        }
        assert len(stored) == 9  # nothing for Northwind: every search came back empty
        mastodon = next(o for o in first if o.kind == "mastodon_tags" and o.company == "Acme")
        assert mastodon.warnings == (
            "closed.example shows its hashtag timelines only to logged-in users; "
            "its posts are not counted",
        )
        assert platforms.logins[0] == {"identifier": "ourco.bsky.social", "password": PASSWORD}
        # GDELT's own rule: one request every 5 seconds, whatever per_host_interval says.
        assert len(platforms.gdelt_starts) == 2
        assert platforms.gdelt_starts[1] - platforms.gdelt_starts[0] >= 4.9

        platforms.bumped = True
        second = _cycle(config, store)
        assert all(o.ok for o in second)
        again = _stored(store)
        assert set(again) == set(stored)
        moved = {
            "https://news.ycombinator.com/item?id=42100001": ("likes", 87, 95),
            "https://bsky.app/profile/mira.bsky.social/post/3lbx7aq2kd22c": ("likes", 58, 64),
            "https://fosstodon.org/@sam/113499990000000007": ("likes", 41, 50),
        }
        for url, (counter, before, after) in moved.items():
            assert (stored[url][counter], again[url][counter]) == (before, after)
        assert sum(o.updated_counts for o in second) == 3
        assert sum(o.new_posts for o in second) == 0
        with store.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(s.mentions)).scalar() == 9


def _id(store: Store, company: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(
            select(s.companies.c.id).where(s.companies.c.name == company)
        ).scalar_one()


def test_gdelt_429_is_said_plainly_and_stops_no_other_source(
    httpserver: HTTPServer, news_server: HTTPServer, sqlite_url: str
) -> None:
    news_server.expect_request("/api/v2/doc/doc").respond_with_data(
        read_fixture("gdelt", "rate_limited.txt"), status=429, content_type="text/plain"
    )
    httpserver.expect_request("/api/v1/search_by_date").respond_with_data(
        read_fixture("hackernews", "search_by_date_acme_corp.json"),
        content_type="application/json; charset=utf-8",
    )
    base = httpserver.url_for("/").rstrip("/")
    news = news_server.url_for("/").rstrip("/")
    config = parse_config(
        "organization: {name: Us, sources: [feed: 'https://us.example/feed']}\n"
        "competitors:\n"
        "  - name: Acme\n"
        "    sources: [feed: 'https://acme.example/feed']\n"
        "    mentions: {terms: [Acme Corp]}\n"
        "mention_sources: [gdelt: any, hackernews: all]\n"
        f"collect: {{per_host_interval: 1ms, max_retries: 0,"
        f" base_urls: {{gdelt: '{news}', hackernews: '{base}'}}}}\n"
        f"database: {sqlite_url}\n"
    )
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        outcomes = {o.kind: o for o in _cycle(config, store)}
        assert outcomes["gdelt"].error_kind == "rate_limited"
        assert "one request every 5 seconds" in outcomes["gdelt"].error_message
        # No exclusion here: the anvil story names Acme Corp too.
        assert outcomes["hackernews"].ok and outcomes["hackernews"].new_posts == 3
        (gdelt,) = [r for r in store.sources() if r.kind == "gdelt"]
        assert gdelt.consecutive_failures == 1


def test_a_mention_kind_is_refused_among_a_companys_own_sources() -> None:
    with pytest.raises(Exception, match="list it under mention_sources"):
        parse_config(
            "organization: {name: Us, sources: [hackernews: all]}\n"
            "competitors: [{name: Acme, sources: [feed: 'https://acme.example/f']}]\n"
        )
    with pytest.raises(Exception, match="mention_sources takes only"):
        parse_config(
            "organization: {name: Us, sources: [feed: 'https://us.example/f']}\n"
            "competitors: [{name: Acme, sources: [feed: 'https://acme.example/f']}]\n"
            "mention_sources: [feed: 'https://x.example/f']\n"
        )


def test_a_refused_bluesky_login_says_to_check_the_app_password(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_TEST_BSKY_PASSWORD", "wrong")
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_data(
        read_fixture("bluesky_search", "error_bad_password.json"),
        status=401,
        content_type="application/json; charset=utf-8",
    )
    source = BlueskySearchSource(
        handle="ourco.bsky.social", app_password_env="MONITOR_TEST_BSKY_PASSWORD"
    )
    with pytest.raises(SourceError) as refused:
        run_collector(source, loopback(httpserver), now=NOW, since=NOW, mentions=ACME_TERMS)
    assert refused.value.kind == "login_required"
    assert "MONITOR_TEST_BSKY_PASSWORD" in refused.value.message
    assert "wrong" not in refused.value.message  # a secret is never said


def test_servers_that_all_keep_tag_timelines_for_members_are_said_to(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/closed.example/api/v1/timelines/tag/acme").respond_with_data(
        read_fixture("mastodon_tags", "error_requires_login.json"),
        status=422,
        content_type="application/json; charset=utf-8",
    )
    source = MastodonTagsSource(servers=["closed.example"])
    with pytest.raises(SourceError) as closed:
        run_collector(
            source, loopback(httpserver) + "/{server}", now=NOW, since=NOW, mentions=ACME_TERMS
        )
    assert closed.value.kind == "login_required"
    assert "closed.example show their hashtag timelines only to logged-in users" in (
        closed.value.message
    )
