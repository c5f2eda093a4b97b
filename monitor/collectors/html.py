"""Any web page: posts picked out by CSS selectors, or read from schema.org JSON-LD.

With `item` (the CSS selector of one post) and `fields`, each field is a selector inside
the item: `h2` reads text, `a@href` an attribute, `@data-id` the item's own attribute.
Without selectors, the page's `<script type="application/ld+json">` blocks are read for
posts and their interactionStatistic counters. robots.txt is honoured.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag
from bs4.exceptions import ParserRejectedMarkup
from dateutil import parser as dateparser

from monitor.collectors import SourceContext, register
from monitor.collectors.counts import parse_count
from monitor.domain import Counts, Harvest, MediaType, Post
from monitor.errors import SourceError
from monitor.net import Validators

TEXT_LIMIT = 500
DEFAULT_PUBLISHED = "time"  # its datetime attribute, else its text
COUNT_FIELDS = ("likes", "replies", "reposts", "views")
POST_TYPES = {
    "SocialMediaPosting", "DiscussionForumPosting", "BlogPosting", "LiveBlogPosting",
    "NewsArticle", "ReportageNewsArticle", "Article", "TechArticle", "Report", "VideoObject",
}  # fmt: skip
ACTION_COUNTERS = {
    "LikeAction": "likes",
    "CommentAction": "replies",
    "ReplyAction": "replies",
    "ShareAction": "reposts",
    "WatchAction": "views",
    "ViewAction": "views",
}
LEGACY_COUNTERS = {"UserLikes": "likes", "UserComments": "replies", "UserPlays": "views"}
_HASHTAG = re.compile(r"(?<![\w#&])#(\w{2,})")
_FIELD = re.compile(r"^(?P<selector>.*?)@(?P<attr>[A-Za-z_:][-\w:.]*)$", re.S)
_NOT_CONTENT = ("script", "style", "noscript", "template")

# --- dates ---------------------------------------------------------------------------

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000, "y": 31536000}
_EN_UNITS = (
    ("mo", r"months?|mos?"), ("s", r"seconds?|secs?|s"), ("m", r"minutes?|mins?|m"),
    ("h", r"hours?|hrs?|h"), ("d", r"days?|d"), ("w", r"weeks?|wks?|w"), ("y", r"years?|yrs?|y"),
)  # fmt: skip
_IT_UNITS = (
    ("s", r"second[oi]"), ("m", r"minut[oi]"), ("h", r"or[ae]"), ("d", r"giorn[oi]"),
    ("w", r"settiman[ae]"), ("mo", r"mes[ei]"), ("y", r"ann[oi]"),
)  # fmt: skip
_RELATIVE = [
    (unit, re.compile(rf"\b(\d+|an?|one)\s*(?:{words})\s+ago\b", re.I)) for unit, words in _EN_UNITS
] + [
    (unit, re.compile(rf"\b(\d+|una?|uno)\s+(?:{words})\s+fa\b", re.I)) for unit, words in _IT_UNITS
]
_DAYS_BACK = {"yesterday": 1, "ieri": 1, "today": 0, "oggi": 0, "just now": 0, "poco fa": 0}
_NUMERIC = re.compile(
    r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\b(?:[\sT,]+(\d{1,2})[:.](\d{2})(?::(\d{2}))?)?"
)
_IT_MONTHS = {
    "gennaio": "january", "febbraio": "february", "marzo": "march", "aprile": "april",
    "maggio": "may", "giugno": "june", "luglio": "july", "agosto": "august",
    "settembre": "september", "ottobre": "october", "novembre": "november", "dicembre": "december",
    "gen": "jan", "mag": "may", "giu": "jun", "lug": "jul", "ago": "aug", "set": "sep",
    "ott": "oct", "dic": "dec",
}  # fmt: skip
_IT_MONTH = re.compile(
    rf"(?<=\d\s)({'|'.join(_IT_MONTHS)})\b\.?|\b({'|'.join(_IT_MONTHS)})\b(?=\.?\s+\d)", re.I
)
_MONTH_NAME = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def parse_date(text: str | None, *, now: datetime, day_first: bool = False) -> datetime | None:
    """A post's date as pages write it, in UTC; None when it cannot be read with confidence."""
    if not text or not text.strip():
        return None
    text = " ".join(text.split())[:200]
    found = _relative(text, now) or _absolute(text, now, day_first)
    if found is None:
        return None
    found = found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)
    # A date in the future or before the web is a misreading, not a post.
    return found if datetime(1990, 1, 1, tzinfo=UTC) <= found <= now + timedelta(days=2) else None


def _relative(text: str, now: datetime) -> datetime | None:
    lowered = text.lower()
    for words, days in _DAYS_BACK.items():
        if re.search(rf"\b{words}\b", lowered):
            return now - timedelta(days=days)
    for unit, pattern in _RELATIVE:
        if match := pattern.search(text):
            amount = int(match.group(1)) if match.group(1).isdigit() else 1
            return now - timedelta(seconds=amount * _UNIT_SECONDS[unit])
    return None


def _absolute(text: str, now: datetime, day_first: bool) -> datetime | None:
    if re.fullmatch(r"\d{10}(\d{3})?", text):  # a Unix timestamp, seconds or milliseconds
        return datetime.fromtimestamp(int(text[:10]), tz=UTC)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass  # not ISO 8601: the other spellings follow
    if re.match(r"^([A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass  # RFC 2822 look-alike that is not; dateutil below may still read it
    if match := _NUMERIC.search(text):
        return _numeric(match, day_first)
    english = _IT_MONTH.sub(lambda m: _IT_MONTHS[(m.group(1) or m.group(2)).lower()], text)
    if _MONTH_NAME.search(english) and re.search(r"\d", english):
        return _with_month_name(english, now, day_first)
    return None


def _numeric(match: re.Match[str], day_first: bool) -> datetime | None:
    first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    year += 2000 if year < 100 else 0
    if first > 12 or (day_first and second <= 12):
        day, month = first, second
    else:
        month, day = first, second
    hour, minute, second_ = (int(g or 0) for g in match.group(4, 5, 6))
    try:
        return datetime(year, month, day, hour, minute, second_)
    except ValueError:
        return None


def _with_month_name(text: str, now: datetime, day_first: bool) -> datetime | None:
    default = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        found = dateparser.parse(text, fuzzy=True, dayfirst=day_first, default=default)
    except (ValueError, OverflowError):
        return None
    if not re.search(r"\b\d{4}\b", text) and found.replace(tzinfo=None) > default + timedelta(2):
        found = found.replace(year=found.year - 1)  # "Dec 23" read in January: last December
    return found


# --- pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPage:
    posts: tuple[Post, ...]
    matched: int  # items the selector matched, or posts found in JSON-LD
    warnings: tuple[str, ...] = ()


def _soup(body: bytes, encoding: str | None) -> BeautifulSoup:
    try:
        return BeautifulSoup(body, "lxml", from_encoding=encoding)
    except (ParserRejectedMarkup, LookupError, ValueError) as error:
        raise SourceError("bad_content", f"The page could not be read as HTML ({error}).") from None


def _compile(selector: str) -> soupsieve.SoupSieve:
    try:
        return soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, ValueError, TypeError) as error:
        raise SourceError(
            "layout_changed", f"The CSS selector {selector!r} is not valid ({error})."
        ) from None


def _split(spec: str) -> tuple[soupsieve.SoupSieve | None, str | None]:
    """`sel@attr` -> (sel, attr); `@attr` -> (None, attr): the item's own attribute."""
    spec = spec.strip()
    match = _FIELD.match(spec)
    selector, attr = (match["selector"].strip(), match["attr"]) if match else (spec, None)
    return (_compile(selector) if selector else None), attr


def _read(item: Tag, spec: str, default_attr: str | None = None) -> str | None:
    selector, attr = _split(spec)
    node = selector.select_one(item) if selector else item
    if node is None:
        return None
    value = node.get(attr or default_attr or "") if (attr or default_attr) else None
    if not value and not attr:  # no such attribute (or an empty one): the element's text
        value = node.get_text(" ", strip=True)
    if isinstance(value, list):
        value = " ".join(value)
    return value.strip() or None if isinstance(value, str) else None


def safe_url(value: str | None, page_url: str) -> str | None:
    """An absolute http(s) link, or None (javascript:, data:, mailto: are dropped)."""
    if not value:
        return None
    try:
        absolute = urljoin(page_url, value.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def parse_items(
    body: bytes,
    *,
    page_url: str,
    item: str,
    fields: Mapping[str, str],
    now: datetime,
    day_first: bool = False,
    encoding: str | None = None,
) -> ParsedPage:
    """Posts picked out by CSS selectors; posts without a readable date are skipped."""
    item_selector = _compile(item)
    for spec in fields.values():
        _split(spec)  # a broken selector is reported even when no item matches
    soup = _soup(body, encoding)
    for node in soup.find_all(_NOT_CONTENT):
        node.decompose()
    items = item_selector.select(soup)
    posts: dict[str, Post] = {}
    undated = 0
    for element in items:
        post = _item_post(element, fields, page_url, now, day_first)
        if post is None:
            undated += 1
        else:
            posts.setdefault(post.external_id, post)
    warnings = ()
    if undated:
        spec = fields.get("published", DEFAULT_PUBLISHED)
        warnings = (
            f"{undated} of the {len(items)} posts on the page were skipped because their date "
            f"could not be read (selector {spec!r}); a guessed date would distort the weekly "
            "figures.",
        )
    return ParsedPage(tuple(posts.values()), len(items), warnings)


def _item_post(
    element: Tag, fields: Mapping[str, str], page_url: str, now: datetime, day_first: bool
) -> Post | None:
    published = parse_date(
        _read(element, fields.get("published", DEFAULT_PUBLISHED), "datetime"),
        now=now,
        day_first=day_first,
    )
    if published is None:
        return None
    title = _read(element, fields["title"]) if "title" in fields else None
    text = (_read(element, fields["text"]) or "") if "text" in fields else ""
    if "url" in fields:
        url = safe_url(_read(element, fields["url"], "href"), page_url)
    else:
        url = safe_url(element.get("href") if element.name == "a" else None, page_url)  # type: ignore[arg-type]
    image = (
        safe_url(_read(element, fields["image"], "src"), page_url) if "image" in fields else None
    )
    counts = {
        name: parse_count(_read(element, fields[name])) if name in fields else None
        for name in COUNT_FIELDS
    }
    media: MediaType = "video" if element.find("video") else "image" if image else "text"
    return Post(
        external_id=url or _hashed_id(title or text, published),
        published_at=published,
        url=url,
        title=title,
        text=text[:TEXT_LIMIT],
        media_type=media,
        hashtags=_hashtags(f"{title or ''} {text}"),
        counts=Counts(**counts),
        thumbnail_url=image,
    )


def _hashed_id(title: str, published: datetime) -> str:
    digest = hashlib.sha256(f"{title}|{published.isoformat()}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _hashtags(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag.lower() for tag in _HASHTAG.findall(text)))


# --- JSON-LD -------------------------------------------------------------------------


def parse_json_ld(
    body: bytes, *, page_url: str, now: datetime, encoding: str | None = None
) -> ParsedPage:
    """Posts from schema.org JSON-LD: SocialMediaPosting, BlogPosting, Article, VideoObject…"""
    soup = _soup(body, encoding)
    nodes: list[Mapping[str, Any]] = []
    unreadable = 0
    for script in soup.find_all("script", attrs={"type": _is_json_ld}):
        text = re.sub(r"^\s*(<!--|<!\[CDATA\[)|(-->|\]\]>)\s*$", "", script.get_text())
        try:
            nodes += _post_nodes(json.loads(text, strict=False), depth=0)
        except (ValueError, RecursionError):
            unreadable += 1
    posts: dict[str, Post] = {}
    undated = 0
    for node in nodes:
        post = _ld_post(node, page_url, now)
        if post is None:
            undated += 1
        else:
            posts.setdefault(post.external_id, post)
    warnings = []
    if unreadable:
        warnings.append(f"{unreadable} JSON-LD block(s) on the page are not valid JSON.")
    if undated:
        warnings.append(
            f"{undated} of the {len(nodes)} posts in the page's JSON-LD were skipped because "
            "they have no readable date; a guessed date would distort the weekly figures."
        )
    return ParsedPage(tuple(posts.values()), len(nodes), tuple(warnings))


def _is_json_ld(value: str | None) -> bool:
    return bool(value) and value.split(";")[0].strip().lower() == "application/ld+json"


def _types(node: Mapping[str, Any]) -> set[str]:
    declared = node.get("@type")
    names = declared if isinstance(declared, list) else [declared]
    return {_last_segment(name) for name in names if isinstance(name, str)}


def _last_segment(name: str) -> str:
    """`https://schema.org/LikeAction`, `schema:LikeAction`, `LikeAction` -> `LikeAction`."""
    return re.split(r"[/:#]", name.rstrip("/"))[-1]


def _post_nodes(value: Any, depth: int) -> list[Mapping[str, Any]]:
    """Every post node, inside @graph, lists, mainEntity, itemListElement and the like."""
    if depth > 20:
        return []
    if isinstance(value, list):
        return [found for entry in value for found in _post_nodes(entry, depth + 1)]
    if not isinstance(value, dict):
        return []
    if _types(value) & POST_TYPES:
        return [value]  # its parts (a video inside an article) are not separate posts
    return [found for entry in value.values() for found in _post_nodes(entry, depth + 1)]


def _ld_post(node: Mapping[str, Any], page_url: str, now: datetime) -> Post | None:
    estimated = False
    when = next((_text(node.get(k)) for k in ("datePublished", "uploadDate", "dateCreated")
                 if _text(node.get(k))), None)  # fmt: skip
    if when is None and _text(node.get("dateModified")):
        when, estimated = _text(node.get("dateModified")), True
    published = parse_date(when, now=now)
    if published is None:
        return None
    url = next(filter(None, (safe_url(u, page_url) for u in _urls(node))), None)
    title = _text(node.get("headline")) or _text(node.get("name"))
    text = _text(node.get("articleBody")) or _text(node.get("description")) or ""
    text = _text(node.get("text")) or text
    image = next(filter(None, (safe_url(u, page_url) for u in _images(node))), None)
    is_video = "VideoObject" in _types(node)
    return Post(
        external_id=url or _hashed_id(title or text, published),
        published_at=published,
        url=url,
        title=title,
        text=text[:TEXT_LIMIT],
        media_type="video" if is_video else "image" if image and not title else "text",
        hashtags=_hashtags(f"{title or ''} {text}"),
        counts=_ld_counts(node),
        thumbnail_url=image,
        published_estimated=estimated,
    )


def _text(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _urls(node: Mapping[str, Any]) -> Iterator[str]:
    for key in ("url", "mainEntityOfPage", "@id"):
        value = node.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            yield value


def _images(node: Mapping[str, Any]) -> Iterator[str]:
    for key in ("thumbnailUrl", "image"):
        values = node.get(key)
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, dict):
                value = value.get("url") or value.get("contentUrl")
            if isinstance(value, str):
                yield value


def _ld_counts(node: Mapping[str, Any]) -> Counts:
    found: dict[str, int] = {}

    def keep(name: str | None, count: Any) -> None:
        number = _count(count)
        if name and number is not None:
            found[name] = max(found.get(name, 0), number)

    statistics = node.get("interactionStatistic")
    for counter in statistics if isinstance(statistics, list) else [statistics]:
        if isinstance(counter, dict):
            action = counter.get("interactionType")
            if isinstance(action, dict):
                action = action.get("@type") or action.get("@id")
            if isinstance(action, str):
                keep(
                    ACTION_COUNTERS.get(_last_segment(action)), counter.get("userInteractionCount")
                )
    legacy = node.get("interactionCount")  # old schema.org: "UserLikes:120"
    for entry in legacy if isinstance(legacy, list) else [legacy]:
        if isinstance(entry, str) and ":" in entry:
            name, _, count = entry.partition(":")
            keep(LEGACY_COUNTERS.get(name.strip()), count)
    keep("replies", node.get("commentCount"))
    return Counts(**found)


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value >= 0 else None
    return parse_count(value) if isinstance(value, str) else None


# --- fetching ------------------------------------------------------------------------


def page_address(url: str, base_url: str | None) -> str:
    """The page's URL, its origin replaced by base_url when one is set (a mirror, a test)."""
    if not base_url:
        return url
    parts = urlsplit(url)
    if base_url.rstrip("/") == f"{parts.scheme}://{parts.netloc}":
        return url
    return base_url.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@register("html", default_base_url="", robots=True)
async def collect(ctx: SourceContext) -> Harvest:
    source = ctx.source
    url = page_address(source.url, ctx.base_url)
    validators = Validators.from_dict(ctx.remember.get("validators"))
    response = await ctx.client.get(url, robots=True, validators=validators)
    remember = {**ctx.remember, "validators": response.validators.to_dict()}
    if response.unchanged:
        return Harvest(observed_at=ctx.now, unchanged=True, remember=remember)
    charset = re.search(r"charset=[\"']?([\w.:-]+)", response.headers.get("content-type", ""))
    encoding = charset.group(1) if charset else None
    if source.item:
        page = parse_items(
            response.content, page_url=response.url, item=source.item, fields=source.fields,
            now=ctx.now, day_first=source.day_first, encoding=encoding,
        )  # fmt: skip
    else:
        page = parse_json_ld(
            response.content, page_url=response.url, now=ctx.now, encoding=encoding
        )
    if page.matched == 0:
        raise SourceError("layout_changed", _nothing_matched(source.item, url, ctx.remember))
    remember["matched"] = page.matched
    posts = tuple(post for post in page.posts if post.published_at >= ctx.since)
    return Harvest(observed_at=ctx.now, posts=posts, warnings=page.warnings, remember=remember)


def _nothing_matched(item: str | None, url: str, remember: Mapping[str, Any]) -> str:
    before = remember.get("matched")
    if item and before:
        return (
            f"The item selector {item!r} found {before} posts on earlier visits and finds none "
            f"now on {url}: the page's layout has probably changed; update the selectors."
        )
    if item:
        return (
            f"The item selector {item!r} matched nothing on {url}; check it against the page "
            "(a page that builds its posts with JavaScript cannot be read this way)."
        )
    if before:
        return (
            f"The page {url} carried schema.org post data (JSON-LD) on earlier visits and carries "
            "none now: the site has probably changed; give CSS selectors (item and fields)."
        )
    return (
        f"The page {url} carries no schema.org post data (JSON-LD) the monitor can read; give "
        "the CSS selectors of its posts (item and fields)."
    )
