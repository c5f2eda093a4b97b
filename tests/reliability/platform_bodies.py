"""Generated answers in the platforms' real formats, for the reliability tests and the soak.

Each world source is a feed (RSS 2.0, Atom 1.0 or JSON Feed 1.1), a Mastodon account or a
Bluesky account, served under its own path prefix `/s<n>/`. Its content depends on a
`version` (the cycle): each version adds a post and moves the counters, so a healthy
collection always has something new to store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from fault_server import Reply, Request

RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=UTF-8"}
JSON_FEED = {"Content-Type": "application/feed+json; charset=UTF-8"}
JSON = {"Content-Type": "application/json; charset=utf-8"}
BASE_POSTS = 6
EPOCH = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # the first post of every source


@dataclass(frozen=True)
class Item:
    """What one post is, whatever the format that carries it."""

    external_id: str
    published_at: datetime
    title: str
    text: str
    url: str
    count: int  # replies (feeds) or likes (social)


@dataclass(frozen=True)
class WorldSource:
    number: int
    kind: str  # feed | mastodon | bluesky
    form: str  # rss | atom | jsonfeed | mastodon | bluesky

    @property
    def prefix(self) -> str:
        return f"/s{self.number}"

    @property
    def company(self) -> str:
        return f"Company {self.number:03d}"

    @property
    def handle(self) -> str:
        if self.kind == "mastodon":
            return f"@acme{self.number}@social.acme.example"
        return f"acme{self.number}.bsky.example"

    @property
    def did(self) -> str:
        return f"did:plc:acme{self.number:05d}xk2wz5v4n6m5p2r"

    @property
    def account_id(self) -> str:
        return f"1093{self.number:06d}"

    def feed_path(self) -> str:
        return f"{self.prefix}/feed.{'json' if self.form == 'jsonfeed' else 'xml'}"

    def items(self, version: int) -> list[Item]:
        """Newest first: BASE_POSTS + version posts, counters growing with the version."""
        found = []
        for n in range(BASE_POSTS + version):
            at = EPOCH + timedelta(hours=5 * n, minutes=self.number % 60)
            found.append(
                Item(
                    external_id=self._id(n),
                    published_at=at,
                    title=f"Announcement {n} from {self.company}",
                    text=f"Paragraph {n}: Announcement about our products, caffè e novità.",
                    url=f"https://acme{self.number}.example/news/{n}",
                    count=n + version * 3,
                )
            )
        return found[::-1]

    def followers(self, version: int) -> int:
        return 1000 + self.number * 10 + version

    def _id(self, n: int) -> str:
        if self.kind == "mastodon":
            return f"1139{self.number:06d}{n:05d}"
        if self.kind == "bluesky":
            return f"at://{self.did}/app.bsky.feed.post/3l{self.number:05d}p{n:04d}"
        return f"https://acme{self.number}.example/news/{n}"


def world(count: int) -> list[WorldSource]:
    """Mostly feeds (every format), with one Mastodon and one Bluesky account in ten."""
    forms = ("rss", "rss", "atom", "jsonfeed", "rss", "mastodon", "rss", "atom", "bluesky", "rss")
    result = []
    for number in range(count):
        form = forms[number % len(forms)]
        kind = form if form in ("mastodon", "bluesky") else "feed"
        result.append(WorldSource(number, kind, form))
    return result


def source_yaml(source: WorldSource, base: str) -> str:
    """The source's entry in a configuration file (one line of YAML flow style)."""
    if source.kind == "feed":
        return f"{{feed: '{base}{source.feed_path()}'}}"
    return f"{{{source.kind}: {{handle: '{source.handle}', base_url: '{base}{source.prefix}'}}}}"


def config_yaml(sources: list[WorldSource], bases: list[str], database: str, collect: str) -> str:
    """A whole configuration: the first source is us, each other one a competitor."""
    lines = [
        "organization:",
        "  name: Company 000",
        f"  sources: [{source_yaml(sources[0], bases[0])}]",
        "competitors:",
    ]
    for index, source in enumerate(sources[1:], 1):
        lines += [
            f"  - name: {source.company}",
            f"    sources: [{source_yaml(source, bases[index % len(bases)])}]",
        ]
    lines += [f"collect: {collect}", f"database: '{database}'"]
    return "\n".join(lines) + "\n"


def answer(source: WorldSource, request: Request, version: int) -> Reply:
    """The healthy answer of a source to a request (404 for a path it does not have)."""
    path = request.path.removeprefix(source.prefix)
    if source.kind == "feed" and request.path == source.feed_path():
        return _feed(source, version)
    if source.kind == "mastodon":
        if path == "/api/v1/accounts/lookup":
            return Reply(200, _json(_mastodon_account(source, version)), JSON)
        if path == f"/api/v1/accounts/{source.account_id}/statuses":
            older_than = request.query.get("max_id")
            statuses = [] if older_than else _mastodon_statuses(source, version)
            return Reply(200, _json(statuses), JSON)
        if path == f"/api/v1/accounts/{source.account_id}":
            return Reply(200, _json(_mastodon_account(source, version)), JSON)
    if source.kind == "bluesky":
        if path == "/xrpc/app.bsky.actor.getProfile":
            return Reply(200, _json(_bluesky_profile(source, version)), JSON)
        if path == "/xrpc/app.bsky.feed.getAuthorFeed":
            return Reply(200, _json({"feed": _bluesky_feed(source, version)}), JSON)
    return Reply(404, b'{"error":"Record not found"}', JSON, label="not_found")


def source_of(request: Request, sources: list[WorldSource]) -> WorldSource | None:
    head = request.path.split("/")[1] if request.path.count("/") >= 2 else ""
    if head.startswith("s") and head[1:].isdigit() and int(head[1:]) < len(sources):
        return sources[int(head[1:])]
    return None


# --- feeds ----------------------------------------------------------------------------


def _feed(source: WorldSource, version: int) -> Reply:
    items = source.items(version)
    if source.form == "rss":
        return Reply(200, _rss(source, items), RSS)
    if source.form == "atom":
        return Reply(200, _atom(source, items), ATOM)
    return Reply(200, _json_feed(source, items), JSON_FEED)


def _rss(source: WorldSource, items: list[Item]) -> bytes:
    entries = "".join(
        f"""
    <item>
      <title>{i.title}</title>
      <link>{i.url}</link>
      <guid isPermaLink="true">{i.external_id}</guid>
      <pubDate>{format_datetime(i.published_at, usegmt=True)}</pubDate>
      <category>news</category>
      <slash:comments>{i.count}</slash:comments>
      <description><![CDATA[<p>{i.text}</p>]]></description>
    </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{source.company} news</title>
    <link>https://acme{source.number}.example/news</link>
    <description>News from {source.company}</description>
    <language>en</language>{entries}
  </channel>
</rss>
""".encode()


def _atom(source: WorldSource, items: list[Item]) -> bytes:
    entries = "".join(
        f"""
  <entry>
    <title>{i.title}</title>
    <link rel="alternate" type="text/html" href="{i.url}"/>
    <id>{i.external_id}</id>
    <published>{i.published_at.isoformat()}</published>
    <updated>{i.published_at.isoformat()}</updated>
    <summary type="html">&lt;p&gt;{i.text}&lt;/p&gt;</summary>
  </entry>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{source.company} blog</title>
  <link rel="alternate" href="https://acme{source.number}.example/"/>
  <id>https://acme{source.number}.example/</id>
  <updated>{items[0].published_at.isoformat()}</updated>{entries}
</feed>
""".encode()


def _json_feed(source: WorldSource, items: list[Item]) -> bytes:
    return _json(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": f"{source.company} updates",
            "home_page_url": f"https://acme{source.number}.example/",
            "items": [
                {
                    "id": i.external_id,
                    "url": i.url,
                    "title": i.title,
                    "content_html": f"<p>{i.text}</p>",
                    "date_published": i.published_at.isoformat(),
                    "tags": ["news"],
                }
                for i in items
            ],
        }
    )


# --- Mastodon and Bluesky -------------------------------------------------------------


def _mastodon_account(source: WorldSource, version: int) -> dict:
    return {
        "id": source.account_id,
        "username": f"acme{source.number}",
        "acct": f"acme{source.number}",
        "display_name": source.company,
        "locked": False,
        "bot": False,
        "created_at": "2022-11-07T00:00:00.000Z",
        "note": f"<p>Official account of {source.company}.</p>",
        "url": f"https://social.acme.example/@acme{source.number}",
        "followers_count": source.followers(version),
        "following_count": 42,
        "statuses_count": 500 + version,
    }


def _mastodon_statuses(source: WorldSource, version: int) -> list[dict]:
    account = _mastodon_account(source, version)
    return [
        {
            "id": i.external_id,
            "created_at": i.published_at.isoformat().replace("+00:00", ".000Z"),
            "in_reply_to_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": "en",
            "uri": f"https://social.acme.example/users/acme{source.number}/statuses/{i.external_id}",
            "url": f"https://social.acme.example/@acme{source.number}/{i.external_id}",
            "replies_count": 1,
            "reblogs_count": 2,
            "favourites_count": i.count,
            "content": f"<p>{i.text}</p>",
            "reblog": None,
            "account": account,
            "media_attachments": [],
            "mentions": [],
            "tags": [{"name": "news", "url": "https://social.acme.example/tags/news"}],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        for i in source.items(version)
    ]


def _bluesky_profile(source: WorldSource, version: int) -> dict:
    return {
        "did": source.did,
        "handle": source.handle,
        "displayName": source.company,
        "followersCount": source.followers(version),
        "followsCount": 12,
        "postsCount": 300 + version,
        "indexedAt": "2024-01-10T08:00:00.000Z",
        "createdAt": "2023-06-01T10:00:00.000Z",
        "labels": [],
    }


def _bluesky_feed(source: WorldSource, version: int) -> list[dict]:
    author = {"did": source.did, "handle": source.handle, "displayName": source.company}
    return [
        {
            "post": {
                "uri": i.external_id,
                "cid": f"bafyrei{source.number:05d}{n:04d}",
                "author": author,
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": i.published_at.isoformat().replace("+00:00", ".000Z"),
                    "langs": ["en"],
                    "text": i.text,
                },
                "replyCount": 1,
                "repostCount": 2,
                "likeCount": i.count,
                "quoteCount": 0,
                "indexedAt": i.published_at.isoformat().replace("+00:00", ".000Z"),
                "labels": [],
            }
        }
        for n, i in enumerate(source.items(version))
    ]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
