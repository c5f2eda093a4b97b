"""Parsing feeds: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser, JSON Feed 1.x by hand.

Plain RSS 2.0 and Atom 1.0 are read with lxml directly (feed_plain.py), as feedparser would
read them; anything unusual goes to feedparser.

feedparser only ever sees bytes fetched by monitor.net (it never fetches), and only after
monitor.safe_xml.refuse_xml_entities() has refused any XML that declares entities.

Pure, and light to import: a parsing worker imports this module and what it needs only.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpx
from dateutil import parser as dateparser

from monitor.collectors.feed_plain import plain_entries
from monitor.collectors.feed_text import excerpt, strip_html
from monitor.domain import Counts, MediaType, Post
from monitor.errors import SourceError
from monitor.safe_xml import refuse_xml_entities

# An absolute http(s) link that urljoin gives back unchanged: nothing urlsplit removes or checks
# (controls, spaces, IPv6 brackets), no ";" in the path (parameters) and no empty query or
# fragment, which its reassembly would drop.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[^/?#\[\]\x00-\x20\x7f]+(?:/[^?#;\x00-\x20\x7f]*)?"
    r"(?:\?[^#\x00-\x20\x7f]+)?(?:#[^\x00-\x20\x7f]+)?"
).fullmatch


def parse_feed(
    body: bytes, url: str, now: datetime, content_type: str | None = None
) -> tuple[list[Post], list[str]]:
    """Posts and warnings from a feed body of any supported format."""
    body, repaired = _repair_utf8(body, content_type)
    if _looks_like_json(body, content_type):
        return parse_json_feed(body, url, now), repaired
    posts, warnings = parse_xml_feed(body, url, now, content_type)
    return posts, [*repaired, *warnings]


def _repair_utf8(body: bytes, content_type: str | None) -> tuple[bytes, list[str]]:
    """A UTF-8 feed with a few bad bytes: those bytes replaced (U+FFFD), and a warning.

    Left as is, feedparser rereads the whole feed as windows-1252 (every accented letter
    garbled, silently) and a JSON Feed is refused: one bad byte should cost one character.
    A feed that declares another encoding is left to feedparser.
    """
    declared = re.findall(
        r"(?:charset=|encoding=)[\"']?([\w.:-]+)", f"{content_type or ''} {body[:200]!r}", re.I
    )
    if any(name.lower() not in ("utf-8", "utf8") for name in declared):
        return body, []
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 by its byte order mark
        return body, []
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        repaired = body.decode("utf-8", errors="replace").encode("utf-8")
        return repaired, ["the feed has bytes that are not valid UTF-8; they were replaced by �"]
    return body, []


@functools.cache
def _feedparser() -> Any:
    """feedparser, imported at the first feed that needs it: plain RSS and Atom never do, and
    its import was half of this module's (at the start of every large cycle and worker)."""
    import feedparser

    # It asks xml.sax for the libxml2 driver first; that is never installed, and the failed
    # import searches sys.path again on every parse (a third of the time of a small feed).
    feedparser.api.PREFERRED_XML_PARSERS = []
    return feedparser


def parse_xml_feed(
    body: bytes, url: str, now: datetime, content_type: str | None = None
) -> tuple[list[Post], list[str]]:
    refuse_xml_entities(body, url)
    plain = plain_entries(body) if _utf8_only(body, content_type) else None
    if plain is not None:  # plain RSS 2.0 or Atom 1.0: lxml directly, as feedparser would read it
        entries, is_rss = plain
        return [_entry_post(entry, url, now, is_rss) for entry in entries], []
    # No content-location: feedparser would then resolve a base URL at every element (a
    # fifth of its time); the few links we keep are resolved against the feed's URL below.
    headers = {"content-type": content_type or "application/xml"}
    # No sanitising or URL resolving inside feedparser: the excerpt is stripped to plain text
    # below anyway, and those passes cost most of the parsing time.
    feedparser = _feedparser()
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    # flagged as "bozo" although the feed reads fine: not worth a warning
    harmless = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
    if problem is not None and isinstance(problem, harmless):
        problem = None
    if not parsed.entries and (problem is not None or not parsed.get("version")):
        raise SourceError("bad_content", f"this is not a feed that can be read ({url})")
    is_rss = str(parsed.get("version", "")).startswith("rss")
    posts = [_entry_post(entry, url, now, is_rss) for entry in parsed.entries]
    warnings = []
    if problem is not None:
        warnings.append(
            f"the feed is malformed ({_first_line(problem)}); read the {len(posts)} items "
            f"that could be read"
        )
    return posts, warnings


def _utf8_only(body: bytes, content_type: str | None) -> bool:
    """Whether every encoding the feed and its server declare is UTF-8 (or none is declared)."""
    declared = re.findall(
        r"(?:charset=|encoding=)[\"']?([\w.:-]+)", f"{content_type or ''} {body[:200]!r}", re.I
    )
    return all(name.lower() in ("utf-8", "utf8") for name in declared) and not body.startswith(
        (b"\xff\xfe", b"\xfe\xff")
    )


def parse_json_feed(body: bytes, url: str, now: datetime) -> list[Post]:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise SourceError("bad_content", f"the JSON feed is not valid JSON ({url})") from None
    version = document.get("version", "") if isinstance(document, dict) else ""
    items = document.get("items") if isinstance(document, dict) else None
    if not str(version).startswith("https://jsonfeed.org/version/") or not isinstance(items, list):
        raise SourceError("bad_content", f"this is not a JSON Feed ({url})")
    return [_json_item_post(item, url, now) for item in items if isinstance(item, dict)]


def _entry_post(entry: Mapping[str, Any], url: str, now: datetime, is_rss: bool) -> Post:
    # dict.get: feedparser's own get() silently substitutes one date for the other
    published = _struct_time(dict.get(entry, "published_parsed"))
    updated = _struct_time(dict.get(entry, "updated_parsed"))
    # RSS items have one date; feedparser files dc:date under "updated", yet it is the
    # publication date. Atom's <updated> is a later edit, so it only estimates publication.
    estimated = published is None and not (is_rss and updated is not None)
    title = strip_html(entry.get("title", "")) or None
    link = _absolute(url, entry.get("link"))
    html = entry.get("summary") or _first_content(entry)
    text = excerpt(html)
    media_type, thumbnail = media_of(_media_items(entry), bool(link))
    return Post(
        external_id=stable_id(entry.get("id"), link, title, text),
        published_at=published or updated or now,
        url=link,
        title=title,
        text=text,
        media_type=media_type,
        hashtags=hashtags(tag.get("term") or tag.get("label") for tag in entry.get("tags", [])),
        counts=Counts(replies=_count(entry.get("slash_comments") or entry.get("thr_total"))),
        thumbnail_url=thumbnail,
        published_estimated=estimated,
    )


def _json_item_post(item: Mapping[str, Any], url: str, now: datetime) -> Post:
    published = _iso_time(item.get("date_published"))
    updated = _iso_time(item.get("date_modified"))
    link = item.get("url") or item.get("external_url") or None
    title = strip_html(str(item.get("title") or "")) or None
    html = item.get("summary") or item.get("content_html") or item.get("content_text") or ""
    text = excerpt(str(html))
    items = [
        (attachment.get("mime_type", ""), "", attachment.get("url"))
        for attachment in item.get("attachments") or []
        if isinstance(attachment, dict)
    ]
    if item.get("image"):
        items.append(("", "image", item["image"]))
    media_type, thumbnail = media_of(items, bool(link))
    raw_id = item.get("id")
    return Post(
        external_id=stable_id(str(raw_id) if raw_id is not None else None, link, title, text),
        published_at=published or updated or now,
        url=str(httpx.URL(url).join(link)) if link else None,
        title=title,
        text=text,
        media_type=media_type,
        hashtags=hashtags(str(tag) for tag in item.get("tags") or []),
        thumbnail_url=thumbnail,
        published_estimated=published is None,
    )


# --- small pure helpers (the YouTube collector uses some of them) -------------------


def _absolute(base: str, link: str | None) -> str | None:
    """A link resolved against the feed's address; only http(s) links are kept as links."""
    if not link:
        return None
    link = link.strip()
    if link.isascii() and _PLAIN_ABSOLUTE(link):
        return link  # what urljoin would give back, at a tenth of its cost
    resolved = urljoin(base, link)
    return resolved if resolved.startswith(("http://", "https://")) else None


def stable_id(given: str | None, link: str | None, title: str | None, text: str) -> str:
    """The feed's own id, else the link, else a hash of what the item says."""
    if given and given.strip():
        return given.strip()
    if link:
        return link
    digest = hashlib.sha256(f"{title or ''}\n{text}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def hashtags(terms: Iterable[str | None]) -> tuple[str, ...]:
    """Categories as hashtags: lower case, without '#', each once, in order."""
    seen: dict[str, None] = {}
    for term in terms:
        tag = (term or "").strip().lstrip("#").strip().casefold()
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)


def media_of(
    items: Iterable[tuple[str, str, str | None]], has_link: bool
) -> tuple[MediaType, str | None]:
    """The post's media type and thumbnail from (mime type, medium, url) triples.

    Video wins over audio over image (a podcast episode often carries cover art too).
    """
    found: dict[str, str | None] = {}
    for mime, medium, url in items:
        kind = (medium or "").lower() or (mime or "").split("/")[0].lower()
        if mime == "application/pdf" or kind == "document":
            kind = "document"
        if kind in ("video", "audio", "image", "document"):
            found.setdefault(kind, url)
    for kind in ("video", "audio", "image", "document"):
        if kind in found:
            return kind, found.get("image")  # type: ignore[return-value]
    return ("link" if has_link else "text"), None


def _media_items(entry: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
    items = [
        (e.get("type", ""), "", e.get("href") or e.get("url")) for e in entry.get("enclosures", [])
    ]
    items += [
        (m.get("type", ""), m.get("medium", ""), m.get("url"))
        for m in entry.get("media_content", [])
    ]
    items += [("", "image", t.get("url")) for t in entry.get("media_thumbnail", []) if t.get("url")]
    return items


def _first_content(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or []
    return contents[0].get("value", "") if contents else ""


def _count(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _struct_time(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def _iso_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dateparser.isoparse(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and re.search(r"\bjson\b", content_type, re.IGNORECASE):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _first_line(problem: object) -> str:
    return str(problem).splitlines()[0] if str(problem) else type(problem).__name__
