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
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, ParserRejectedMarkup, Tag  # bs4.exceptions is 4.13+ only

from monitor.collectors import SourceContext
from monitor.collectors.html_dates import is_relative, parse_date
from monitor.collectors.parsing import TEXT_LIMIT, as_count, parse_count
from monitor.domain import Counts, Harvest, MediaType, Post
from monitor.errors import SourceError
from monitor.kinds.html import compiled_selector, split_field
from monitor.net import Validators

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
_NOT_CONTENT = ("script", "style", "noscript", "template")

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
        return compiled_selector(selector)
    except ValueError as error:
        raise SourceError(
            "layout_changed", f"The CSS selector {selector!r} is not valid ({error})."
        ) from None


def _split(spec: str) -> tuple[soupsieve.SoupSieve | None, str | None]:
    """`sel@attr` -> (sel, attr); `@attr` -> (None, attr): the item's own attribute."""
    selector, attr = split_field(spec)
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
    written = _read(element, fields.get("published", DEFAULT_PUBLISHED), "datetime")
    published = parse_date(written, now=now, day_first=day_first)
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
        external_id=url or _hashed_id(title or text, published, written),
        published_at=published,
        url=url,
        title=title,
        text=text[:TEXT_LIMIT],
        media_type=media,
        hashtags=_hashtags(f"{title or ''} {text}"),
        counts=Counts(**counts),
        thumbnail_url=image,
    )


def _hashed_id(title: str, published: datetime, written: str | None) -> str:
    """An id for a post without a link. A relative date ("3 giorni fa") moves with each
    fetch, so it is left out: else the same post would be stored again every cycle."""
    when = "" if is_relative(written) else published.isoformat()
    digest = hashlib.sha256(f"{title}|{when}".encode()).hexdigest()
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
        external_id=url or _hashed_id(title or text, published, when),
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
        return as_count(value)
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
