"""Two collection cycles through the real cycle, for every source kind.

Each kind's fixture bodies are served on loopback; between the cycles one post's counter
changes (edited in the platform's own format: a JSON field, an XML attribute or element,
HTML text) and the others do not. The store must then hold exactly one new engagement
row, for that post only; reposts and boosts are stored marked and left out of the
company's own posts by the metrics. A second test per paging kind checks that the first
collection reaches back to `collect.lookback` and later ones only to
`collect.track_engagement_for`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from collector_support import (
    BLUESKY_DID,
    BLUESKY_FEED,
    IG_TOKEN,
    IG_USER_ID,
    MASTODON_STATUSES,
    NOW,
    YT_CHANNEL,
    read_fixture,
    serve_bluesky,
    serve_html,
    serve_instagram,
    serve_mastodon,
    serve_reddit,
    serve_telegram,
    serve_youtube,
)
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug import Request

from monitor.collect import SourceOutcome, collect_one, run_cycle
from monitor.config import (
    BlueskySource,
    CollectSettings,
    Company,
    Config,
    FeedSource,
    HtmlSource,
    InstagramSource,
    MastodonSource,
    RedditSource,
    TelegramSource,
    YoutubeSource,
)
from monitor.metrics import IsoWeek, MetricsSettings, load_and_compute
from monitor.net import HttpClient
from monitor.store import Rows, Store
from monitor.sync import sync_sources

LATER = NOW + timedelta(hours=1)
LOOKBACK = timedelta(days=30)  # the first collection reaches back to 8 February
TRACKING = timedelta(days=14)  # later ones to 24 February (13:00)
ENGAGEMENT = ("likes", "replies", "reposts", "quotes")

# A server's answer for one cycle: `bumped` says whether the changed counter is served.
Serve = Callable[[HTTPServer, bool], None]


# --- one counter changed, in the platform's own format -------------------------------


def _json_edit(body: bytes, edit: Callable[[Any], int]) -> bytes:
    data = json.loads(body)
    assert edit(data) >= 1, "the post to change is not in the fixture"
    return json.dumps(data, ensure_ascii=False).encode()


def mastodon_favourites(body: bytes, status_id: str, value: int) -> bytes:
    def edit(statuses: list) -> int:
        found = [s for s in statuses if s["id"] == status_id]
        for status in found:
            status["favourites_count"] = value
        return len(found)

    return _json_edit(body, edit)


def bluesky_likes(body: bytes, uri: str, value: int) -> bytes:
    def edit(page: dict) -> int:
        # A pinned post appears twice on a page: both views carry the same counters.
        views = [item["post"] for item in page["feed"] if item["post"]["uri"] == uri]
        for view in views:
            view["likeCount"] = value
        return len(views)

    return _json_edit(body, edit)


def reddit_score(body: bytes, name: str, value: int) -> bytes:
    def edit(listing: dict) -> int:
        found = [c["data"] for c in listing["data"]["children"] if c["data"]["name"] == name]
        for post in found:
            post["score"] = value
        return len(found)

    return _json_edit(body, edit)


def instagram_likes(body: bytes, media_id: str, value: int) -> bytes:
    def edit(answer: dict) -> int:
        media = answer["business_discovery"]["media"]["data"]
        found = [m for m in media if m["id"] == media_id]
        for item in found:
            item["like_count"] = value
        return len(found)

    return _json_edit(body, edit)


def _xml(body: bytes) -> etree._Element:
    return etree.fromstring(body, etree.XMLParser(strip_cdata=False, resolve_entities=False))


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def feed_comments(body: bytes, guid: str, value: int) -> bytes:
    """RSS 2.0: the <slash:comments> element of the item with this guid."""
    root = _xml(body)
    (item,) = [i for i in root.iter("item") if i.findtext("guid") == guid]
    item.find("{http://purl.org/rss/1.0/modules/slash/}comments").text = str(value)
    return _xml_bytes(root)


def youtube_likes(body: bytes, video_id: str, value: int) -> bytes:
    """Channel feed: the `count` attribute of the video's <media:starRating>."""
    ns = {
        "atom": "http://www.w3.org/2005/Atom",
        "yt": "http://www.youtube.com/xml/schemas/2015",
        "media": "http://search.yahoo.com/mrss/",
    }
    root = _xml(body)
    (entry,) = root.xpath(f"atom:entry[yt:videoId='{video_id}']", namespaces=ns)
    (rating,) = entry.xpath("media:group/media:community/media:starRating", namespaces=ns)
    rating.set("count", str(value))
    return _xml_bytes(root)


def telegram_reaction(body: bytes, post: str, value: int) -> bytes:
    """t.me/s/ preview: the number after the emoji of the message's one reaction."""
    soup = BeautifulSoup(body, "lxml")
    message = soup.select_one(f'.tgme_widget_message[data-post="{post}"]')
    (reaction,) = message.select(".tgme_reaction")
    (number,) = [s for s in reaction.find_all(string=True, recursive=False) if s.strip()]
    number.replace_with(str(value))
    return soup.encode()


def html_likes(body: bytes, href: str, value: int) -> bytes:
    """A news page: the `.likes` text of the article that links to `href`."""
    soup = BeautifulSoup(body, "lxml")
    (article,) = [a for a in soup.select("article.post") if a.select_one(f'h2 a[href="{href}"]')]
    article.select_one(".likes").string = str(value)
    return soup.encode()


# --- each kind: where its fixtures are served, and what changes -----------------------


@dataclass(frozen=True)
class Case:
    kind: str
    source: Callable[[str], Any]  # the config entry, given the loopback server's address
    serve: Serve
    changed: str  # the end of the external id of the post whose counter changes
    unchanged: str  # a post inside the tracking window whose counters stay the same
    counter: str
    before: int
    after: int
    stored: int  # posts kept by the first collection
    own: int  # of which the company's own (reposts and boosts left out)
    repost: str | None = None  # the end of the external id of a repost, where the kind has them
    env: dict[str, str] = field(default_factory=dict)
    page_token: Callable[[Request], str | None] | None = None  # the paging cursor asked for
    listing_path: str = ""


# What each kind serves for one cycle: its fixture pages, the first one with a counter
# changed when `bumped`.


def serve_mastodon_cycle(server: HTTPServer, bumped: bool) -> None:
    first = read_fixture("mastodon", "statuses_page1.json")
    serve_mastodon(
        server, mastodon_favourites(first, "113900000000000005", 140) if bumped else None
    )


def serve_bluesky_cycle(server: HTTPServer, bumped: bool) -> None:
    first = read_fixture("bluesky", "getAuthorFeed_page1.json")
    uri = f"at://{BLUESKY_DID}/app.bsky.feed.post/3l2lfldvsux46"
    serve_bluesky(server, first_page=bluesky_likes(first, uri, 95) if bumped else None)


def serve_telegram_cycle(server: HTTPServer, bumped: bool) -> None:
    latest = read_fixture("telegram", "channel_latest.html")
    serve_telegram(server, telegram_reaction(latest, "acme_news/144", 25) if bumped else None)


def serve_reddit_cycle(server: HTTPServer, bumped: bool) -> None:
    first = read_fixture("reddit", "acme_new_page1.json")
    serve_reddit(server, reddit_score(first, "t3_1b0a001", 1400) if bumped else None)


def serve_instagram_cycle(server: HTTPServer, bumped: bool) -> None:
    first = read_fixture("instagram", "discovery_page1.json")
    serve_instagram(server, instagram_likes(first, "18040000000000003", 4900) if bumped else None)


def serve_feed_cycle(server: HTTPServer, bumped: bool) -> None:
    body = read_fixture("feed", "wordpress_rss2.xml")
    if bumped:
        body = feed_comments(body, "https://acme.example/news/?p=4812", 15)
    server.expect_request("/news/feed/").respond_with_data(
        body, content_type="application/rss+xml; charset=UTF-8"
    )


def serve_youtube_cycle(server: HTTPServer, bumped: bool) -> None:
    feed = read_fixture("youtube", "channel_feed.xml")
    serve_youtube(server, youtube_likes(feed, "Rk8sK4tes01", 1250) if bumped else None)


HTML_FIELDS = {
    "title": "h2",
    "url": "h2 a@href",
    "published": "time, .when",
    "text": ".excerpt",
    "likes": ".likes",
    "replies": ".comments",
    "reposts": ".shares",
}


def serve_html_cycle(server: HTTPServer, bumped: bool) -> None:
    body = read_fixture("html", "news.html")
    if bumped:
        body = html_likes(body, "https://initech.example/news/intervista-ceo?ref=home", 870)
    serve_html(server, body)


def _arg(name: str) -> Callable[[Request], str | None]:
    return lambda request: request.args.get(name)


def _instagram_after(request: Request) -> str | None:
    found = re.search(r"media\.after\(([^)]*)\)", request.args.get("fields", ""))
    return found.group(1) if found else None


CASES = [
    Case(
        "feed",
        lambda base: FeedSource(url=f"{base}/news/feed/"),
        serve_feed_cycle,
        changed="?p=4812",
        unchanged="?p=4790",
        counter="replies",
        before=14,
        after=15,
        stored=3,
        own=3,
    ),
    Case(
        "youtube",
        lambda base: YoutubeSource(channel=YT_CHANNEL, base_url=base),
        serve_youtube_cycle,
        changed="Rk8sK4tes01",
        unchanged="AnV1lDr0p02",
        counter="likes",
        before=1204,
        after=1250,
        stored=4,
        own=4,
    ),
    Case(
        "mastodon",
        lambda base: MastodonSource(handle="@acme@social.acme.example", base_url=base),
        serve_mastodon_cycle,
        changed="113900000000000005",
        unchanged="113900000000000003",
        counter="likes",
        before=128,
        after=140,
        stored=6,
        own=5,
        repost="113900000000000004",
        page_token=_arg("max_id"),
        listing_path=MASTODON_STATUSES,
    ),
    Case(
        "bluesky",
        lambda base: BlueskySource(handle="acme.bsky.social", base_url=base),
        serve_bluesky_cycle,
        changed="/3l2lfldvsux46",
        unchanged="/3l34pekwxruj4",
        counter="likes",
        before=87,
        after=95,
        stored=6,
        own=5,
        repost="app.bsky.feed.repost/3lfi5agiq23cv",
        page_token=_arg("cursor"),
        listing_path=BLUESKY_FEED,
    ),
    Case(
        "telegram",
        lambda base: TelegramSource(channel="acme_news", base_url=base),
        serve_telegram_cycle,
        changed="acme_news/144",
        unchanged="acme_news/146",
        counter="likes",
        before=18,
        after=25,
        stored=9,
        own=8,
        repost="acme_news/143",
        page_token=_arg("before"),
        listing_path="/s/acme_news",
    ),
    Case(
        "reddit",
        lambda base: RedditSource(target="r/acme", base_url=base),
        serve_reddit_cycle,
        changed="t3_1b0a001",
        unchanged="t3_1b0a002",
        counter="likes",
        before=1234,
        after=1400,
        stored=5,
        own=4,
        repost="t3_1b0a004",
        page_token=_arg("after"),
        listing_path="/r/acme/new.json",
    ),
    Case(
        "instagram",
        lambda base: InstagramSource(
            username="acmeofficial", token_env="ACME_IG_TOKEN", ig_user_id=IG_USER_ID, base_url=base
        ),
        serve_instagram_cycle,
        changed="18040000000000003",
        unchanged="18040000000000001",
        counter="likes",
        before=4821,
        after=4900,
        stored=4,
        own=4,
        env={"ACME_IG_TOKEN": IG_TOKEN},
        page_token=_instagram_after,
        listing_path=f"/{IG_USER_ID}",
    ),
    Case(
        "html",
        lambda base: HtmlSource(
            url="https://initech.example/news",
            item="article.post",
            fields=HTML_FIELDS,
            base_url=base,
        ),
        serve_html_cycle,
        changed="/news/intervista-ceo?ref=home",
        unchanged="/news/nuovo-stabilimento",
        counter="likes",
        before=845,
        after=870,
        stored=3,
        own=3,
    ),
]
PAGING = {c.kind: c for c in CASES if c.page_token is not None}


# --- the cycle, the store, the metrics ------------------------------------------------


def config_for(case: Case, server: HTTPServer, tracking: timedelta = TRACKING) -> Config:
    base = server.url_for("/").rstrip("/")
    return Config(
        organization=Company(name="Us", sources=[FeedSource(url="https://us.example/feed.xml")]),
        competitors=[Company(name="Acme", sources=[case.source(base)])],
        collect=CollectSettings(
            per_host_interval="1ms",
            max_retries=0,
            timeout="5s",
            lookback=LOOKBACK,
            track_engagement_for=tracking,
        ),
    )


def acme_source_id(store: Store) -> int:
    (record,) = [r for r in store.sources() if r.company == "Acme"]
    return record.id


def one_cycle(config: Config, store: Store, now: datetime) -> SourceOutcome:
    """The real cycle, for Acme's source only (Us's source is on no server)."""
    report = asyncio.run(
        run_cycle(config, store, now=lambda: now, source_ids=[acme_source_id(store)])
    )
    (outcome,) = report.outcomes
    assert outcome.ok, f"{outcome.error_kind}: {outcome.error_message}"
    return outcome


def as_dicts(rows: Rows) -> list[dict[str, Any]]:
    return [dict(zip(rows.columns, row, strict=True)) for row in rows.rows]


def stored_posts(store: Store) -> dict[str, dict[str, Any]]:
    """external_id -> the posts table's row (with its latest counts)."""
    rows = store.read_posts(NOW - timedelta(days=400), LATER + timedelta(days=1))
    return {row["external_id"]: row for row in as_dicts(rows)}


def the_post(posts: dict[str, dict[str, Any]], id_end: str) -> dict[str, Any]:
    (found,) = [row for key, row in posts.items() if key.endswith(id_end)]
    return found


def engagement_rows(store: Store) -> list[dict[str, Any]]:
    return as_dicts(store.read_post_counts(NOW - timedelta(days=400), LATER + timedelta(days=1)))


def weekly_acme(store: Store) -> tuple[float, float]:
    """Acme's own posts and engagement over 26 weeks of the weekly figures."""
    metrics = load_and_compute(
        store, IsoWeek.containing(NOW, "UTC"), MetricsSettings(weeks_of_trend=26)
    )
    posts = sum(metrics.posts_trend["Acme"])
    engagement = sum(e for e in metrics.engagement_trend["Acme"] if e is not None)
    return posts, engagement


def own_engagement(posts: dict[str, dict[str, Any]]) -> float:
    """Engagement by definition: the known counters of every post that is not a repost."""
    return float(
        sum(
            sum(row[c] for c in ENGAGEMENT if row[c] is not None)
            for row in posts.values()
            if not row["is_repost"]
        )
    )


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_a_changed_counter_gives_one_engagement_row_and_reposts_are_not_own_posts(
    case: Case, httpserver: HTTPServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    config = config_for(case, httpserver)
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        case.serve(httpserver, False)
        first = one_cycle(config, store, NOW)
        assert first.new_posts == case.stored
        first_posts = stored_posts(store)
        assert the_post(first_posts, case.changed)[case.counter] == case.before
        posts_before, engagement_before = weekly_acme(store)

        httpserver.clear()
        case.serve(httpserver, True)
        second = one_cycle(config, store, LATER)
        assert (second.new_posts, second.updated_counts) == (0, 1)

        posts = stored_posts(store)
        changed, unchanged = the_post(posts, case.changed), the_post(posts, case.unchanged)
        rows = engagement_rows(store)
        per_post = Counter(row["post_id"] for row in rows)
        assert per_post[changed["post_id"]] == 2
        assert per_post[unchanged["post_id"]] == 1
        assert len(rows) == case.stored + 1  # one row a post, plus the one change
        newest = max(
            (r for r in rows if r["post_id"] == changed["post_id"]), key=lambda r: r["observed_at"]
        )
        assert (newest["observed_at"], newest[case.counter]) == (LATER, case.after)
        # The posts table holds the latest counts, and when they were seen.
        assert (changed[case.counter], changed["counts_observed_at"]) == (case.after, LATER)
        assert unchanged["counts_observed_at"] == NOW
        assert unchanged == first_posts[unchanged["external_id"]]

        reposts = [key for key, row in posts.items() if row["is_repost"]]
        if case.repost:
            assert len(reposts) == 1 and reposts[0].endswith(case.repost)
        else:
            assert reposts == []  # the kind has no reposts: every post is the company's own
        posts_after, engagement_after = weekly_acme(store)
        assert posts_before == posts_after == case.own
        assert engagement_after - engagement_before == case.after - case.before
        assert engagement_after == own_engagement(posts)


# --- how far back each collection pages -----------------------------------------------


def requests_by_cycle(
    case: Case, server: HTTPServer, sqlite_url: str, tracking: timedelta
) -> tuple[list[str | None], list[str | None]]:
    """The paging cursors asked for in a first and a later collection, through collect_one."""
    config = config_for(case, server, tracking)
    asked: list[list[str | None]] = []
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        for now in (NOW, LATER):
            server.clear()
            case.serve(server, False)
            (record,) = [r for r in store.sources() if r.company == "Acme"]

            async def collect(record=record, now=now):
                async with HttpClient(config.collect) as client:
                    return await collect_one(config, store, client, record, now)

            outcome = asyncio.run(collect())
            assert outcome.ok, f"{outcome.error_kind}: {outcome.error_message}"
            asked.append([case.page_token(r) for r, _ in server.log if r.path == case.listing_path])
    return asked[0], asked[1]


@pytest.mark.parametrize(
    ("kind", "first", "later"),
    [
        # mastodon: page 2 ends on 20 January, before the lookback: page 3 is never asked for
        ("mastodon", [None, "113900000000000002"], [None]),
        # bluesky: page 2 reaches 1 February; page 1 already reaches past 3 March
        ("bluesky", [None, "2026-02-26T10:00:02.000Z"], [None]),
        # telegram: the page before message 141 reaches 30 January
        ("telegram", [None, "141"], [None]),
        ("reddit", [None, "t3_1b0a004"], [None]),
        ("instagram", [None, "QVFIUmFjbWVQYWdlMg"], [None]),
    ],
)
def test_first_collection_pages_back_to_lookback_and_later_ones_to_the_tracking_window(
    kind: str,
    first: list[str | None],
    later: list[str | None],
    httpserver: HTTPServer,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = PAGING[kind]
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    # A week of tracking: the second collection needs only posts since 3 March, 13:00.
    asked_first, asked_later = requests_by_cycle(case, httpserver, sqlite_url, timedelta(days=7))
    assert asked_first == first
    assert asked_later == later


def test_html_post_without_a_link_dated_relatively_stays_one_post_across_cycles(
    httpserver: HTTPServer, sqlite_url: str
) -> None:
    # No url field: a post is known by what it says. "3 giorni fa" is read against each
    # fetch's time, so the date differs from one cycle to the next; the post must not.
    fields = {name: spec for name, spec in HTML_FIELDS.items() if name != "url"}
    (html,) = [c for c in CASES if c.kind == "html"]
    case = replace(
        html,
        source=lambda base: HtmlSource(
            url="https://initech.example/news", item="article.post", fields=fields, base_url=base
        ),
    )
    config = config_for(case, httpserver)
    with Store(sqlite_url) as store:
        sync_sources(config, store)
        serve_html_cycle(httpserver, False)
        assert one_cycle(config, store, NOW).new_posts == 3
        httpserver.clear()
        serve_html_cycle(httpserver, True)  # "Intervista al CEO", dated "3 giorni fa", gained likes
        second = one_cycle(config, store, LATER)
        assert (second.new_posts, second.updated_counts) == (0, 1)
        titles = sorted(row["title"] for row in stored_posts(store).values())
        assert titles == [
            "Apre il nuovo stabilimento di Torino #Initech",
            "Bilancio 2025 approvato",
            "Intervista al CEO",
        ]
