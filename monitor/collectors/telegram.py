"""Telegram: a public channel's web preview, t.me/s/<channel> (HTML, no login).

The page lists the newest ~20 messages, oldest first; `?before=<message id>` gives the
ones before. A channel whose owner turned the preview off (or that does not exist) is
redirected by t.me to t.me/<channel>: that is an error, never an empty success.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from monitor.collectors import SourceContext
from monitor.collectors.parsing import clip, iso_utc, parse_count
from monitor.domain import AccountStats, Counts, Harvest, MediaType, Post
from monitor.errors import SourceError
from monitor.kinds.telegram import KIND

DEFAULT_BASE_URL = KIND.default_base_url
# Checked in this order: the first present decides the post's media type. Each is a class,
# with the element it must be on where one is named.
_MEDIA_CLASSES: tuple[tuple[tuple[tuple[str | None, str], ...], MediaType], ...] = (
    (((None, "tgme_widget_message_poll"),), "poll"),
    (
        (
            (None, "tgme_widget_message_video_player"),
            (None, "tgme_widget_message_roundvideo_player"),
            ("video", "tgme_widget_message_video"),
        ),
        "video",
    ),
    (
        ((None, "tgme_widget_message_photo_wrap"), (None, "tgme_widget_message_sticker_wrap")),
        "image",
    ),
    (((None, "tgme_widget_message_voice_player"), ("audio", "tgme_widget_message_voice")), "audio"),
    (
        ((None, "tgme_widget_message_document_wrap"), (None, "tgme_widget_message_document")),
        "document",
    ),
    (((None, "tgme_widget_message_link_preview"),), "link"),
)
_THUMBNAIL_CLASSES = (
    "tgme_widget_message_photo_wrap",
    "tgme_widget_message_video_thumb",
    "link_preview_image",
    "link_preview_right_image",
)
_BACKGROUND = re.compile(r"background-image:\s*url\(['\"]?([^'\")]+)")


@dataclass(frozen=True)
class ChannelPage:
    """What one preview page shows."""

    posts: tuple[Post, ...]
    account: AccountStats | None
    oldest_id: int | None  # the smallest message id on the page: the next `before`
    oldest_at: datetime | None  # the earliest message time on the page
    warnings: tuple[str, ...] = ()


# --- pure parsing ------------------------------------------------------------------


def parse_channel_page(body: bytes, channel: str) -> ChannelPage:
    """One t.me/s/<channel> page -> its posts, the channel's audience, the paging point."""
    soup = BeautifulSoup(body, "lxml")
    messages = soup.select(".tgme_widget_message[data-post]")
    warnings: list[str] = []
    if not messages:  # the wrapper's markup changed: the messages keep their post numbers
        messages = [m for m in soup.select("[data-post]") if m.select_one("time[datetime]")]
        if messages:
            warnings.append(
                f"the page of the Telegram channel {channel} has changed its layout; "
                f"{len(messages)} messages were read by their post numbers"
            )
    info = soup.select_one(".tgme_channel_info")
    if not messages and info is None:
        raise no_preview_error(soup, channel)
    posts: list[Post] = []
    ids: list[int] = []
    times: list[datetime] = []
    for message in messages:
        try:
            message_id, published, post = _message(message)
        except ValueError as problem:
            warnings.append(f"a message of the Telegram channel {channel} was skipped: {problem}")
            continue
        ids.append(message_id)
        times += [published] if published else []
        posts += [post] if post else []
    return ChannelPage(
        posts=tuple(posts),
        account=_account(soup),
        oldest_id=min(ids, default=None),
        oldest_at=min(times, default=None),
        warnings=tuple(warnings),
    )


def parse_no_preview(body: bytes, channel: str) -> SourceError:
    """The error that a page without a preview (t.me/<channel>) stands for."""
    return no_preview_error(BeautifulSoup(body, "lxml"), channel)


def no_preview_error(soup: BeautifulSoup, channel: str) -> SourceError:
    if soup.select_one(".tgme_page") is None:
        return SourceError(
            "bad_content",
            f"the page of the Telegram channel {channel} does not look like a channel preview",
        )
    extra = soup.select_one(".tgme_page_extra")
    if extra is not None and re.search(r"subscriber", extra.get_text(), re.IGNORECASE):
        return SourceError(
            "blocked",
            f"the Telegram channel {channel} exists but its owner has turned off the public "
            "web preview, so it can only be read in the Telegram app",
        )
    return SourceError("not_found", f"there is no public Telegram channel named {channel}")


def _message(message: Tag) -> tuple[int, datetime | None, Post | None]:
    """(message id, time, post); no post for service messages ("Channel created")."""
    data_post = str(message.get("data-post", ""))
    match = re.fullmatch(r"[^/\s]+/(\d+)", data_post)
    if not match:
        raise ValueError(f"it has no readable message number ({data_post!r})")
    message_id = int(match.group(1))
    if "service_message" in (message.get("class") or []):
        has_time = message.select_one("time[datetime]") is not None
        return message_id, _published(message) if has_time else None, None
    published = _published(message)
    by_class = _by_class(message)
    own_text = _own_text_node(by_class)
    return (
        message_id,
        published,
        Post(
            external_id=data_post,
            published_at=published,
            url=_url(by_class, data_post),
            text=_text(own_text),  # before the hashtags: its line breaks become "\n"
            media_type=_media_type(by_class),
            hashtags=_hashtags(own_text),
            is_repost="tgme_widget_message_forwarded_from" in by_class,
            counts=Counts(
                likes=_reactions(by_class),
                views=_views(by_class),
                replies=None,  # the preview shows no comment counts
                reposts=None,  # nor forwards
                quotes=None,
            ),
            thumbnail_url=_thumbnail(by_class),
        ),
    )


def _published(message: Tag) -> datetime:
    time = message.select_one(".tgme_widget_message_date time[datetime]") or message.select_one(
        "time[datetime]"
    )
    if time is None:
        raise ValueError("it has no date")
    if (parsed := iso_utc(str(time["datetime"]))) is None:
        raise ValueError(f"its date is unreadable ({time['datetime']!r})")
    return parsed


_ByClass = dict[str, list[tuple[int, Tag]]]


def _by_class(message: Tag) -> _ByClass:
    """Every element inside the message under each of its classes, with its place in the
    page: one walk, where a CSS selector for each question walked the whole message again
    (most of a page's parse)."""
    found: _ByClass = {}
    for place, node in enumerate(message.descendants):
        if isinstance(node, Tag):
            for name in node.get("class") or ():
                found.setdefault(name, []).append((place, node))
    return found


def _first(by_class: _ByClass, name: str, element: str | None = None) -> Tag | None:
    """The first element with the class (and of that element, when named), as select_one."""
    return next((n for _, n in by_class.get(name, ()) if element in (None, n.name)), None)


def _url(by_class: _ByClass, data_post: str) -> str:
    link = next(
        (
            n
            for _, n in by_class.get("tgme_widget_message_date", ())
            if n.name == "a" and n.get("href") is not None
        ),
        None,
    )
    href = str(link["href"]) if link else ""
    return href if href.startswith(("https://", "http://")) else f"https://t.me/{data_post}"


def _own_text_node(by_class: _ByClass) -> Tag | None:
    """The message's own text, not the text of a message it replies to."""
    for _, node in by_class.get("tgme_widget_message_text", ()):
        if node.find_parent(class_="tgme_widget_message_reply") is None:
            return node
    return _first(by_class, "tgme_widget_message_poll_question")


def _text(node: Tag | None) -> str:
    if node is None:
        return ""
    for br in node.find_all("br"):
        br.replace_with("\n")
    text = node.get_text().strip()
    return clip(text)


def _hashtags(node: Tag | None) -> tuple[str, ...]:
    links = node.find_all("a") if node is not None else []
    tags = (a.get_text().strip() for a in links)
    return tuple(dict.fromkeys(t[1:] for t in tags if t.startswith("#") and len(t) > 1))


def _media_type(by_class: _ByClass) -> MediaType:
    for classes, media_type in _MEDIA_CLASSES:
        if any(_first(by_class, name, element) is not None for element, name in classes):
            return media_type
    return "text"


def _thumbnail(by_class: _ByClass) -> str | None:
    places = {place: node for name in _THUMBNAIL_CLASSES for place, node in by_class.get(name, ())}
    for _, node in sorted(places.items()):
        match = _BACKGROUND.search(str(node.get("style", "")))
        if match:
            return match.group(1)
    return None


def _views(by_class: _ByClass) -> int | None:
    node = _first(by_class, "tgme_widget_message_views")
    return parse_count(node.get_text()) if node is not None else None


def _reactions(by_class: _ByClass) -> int | None:
    """Emoji reactions summed; None where the channel shows none. Paid "star" reactions
    count Stars spent, not people, so they are left out."""
    block = _first(by_class, "tgme_widget_message_reactions")
    if block is None:
        return None
    counts = [
        parse_count("".join(span.find_all(string=True, recursive=False)))
        for span in block.select(".tgme_reaction")
        if "tgme_reaction_paid" not in (span.get("class") or [])
    ]
    known = [c for c in counts if c is not None]
    return sum(known) if known else None


def _account(soup: BeautifulSoup) -> AccountStats | None:
    for counter in soup.select(".tgme_channel_info_counter"):
        kind = counter.select_one(".counter_type")
        value = counter.select_one(".counter_value")
        if kind and value and kind.get_text().strip().lower().startswith("subscriber"):
            return AccountStats(followers=parse_count(value.get_text()))
    header = soup.select_one(".tgme_header_counter")  # "1.2K subscribers"
    if header is not None and "subscriber" in header.get_text().lower():
        return AccountStats(followers=parse_count(header.get_text()))
    return None


# --- I/O ---------------------------------------------------------------------------


async def collect(ctx: SourceContext) -> Harvest:
    channel = ctx.source.target
    url = f"{(ctx.base_url or DEFAULT_BASE_URL).rstrip('/')}/s/{channel}"
    posts: dict[str, Post] = {}
    account: AccountStats | None = None
    warnings: list[str] = []
    before: int | None = None
    for _page in range(ctx.max_pages):
        response = await ctx.client.get(url, params={"before": before} if before else None)
        if "/s/" not in urlsplit(response.url).path:
            raise parse_no_preview(response.content, channel)  # t.me redirected to /<channel>
        page = parse_channel_page(response.content, channel)
        account = account or page.account
        warnings += page.warnings
        posts.update({p.external_id: p for p in page.posts if p.published_at >= ctx.since})
        done = page.oldest_id is None or page.oldest_id <= 1
        if done or (before and page.oldest_id >= before):
            break
        if page.oldest_at is not None and page.oldest_at < ctx.since:
            break
        before = page.oldest_id
    if account is None and posts:  # the messages are there, the header is not
        warnings.append(
            f"the page of the Telegram channel {channel} shows no subscriber count (its "
            "header is missing or changed); its posts were read, its subscribers are unknown"
        )
    newest_first = sorted(posts.values(), key=lambda p: p.published_at, reverse=True)
    return Harvest(
        observed_at=ctx.now, posts=tuple(newest_first), account=account, warnings=tuple(warnings)
    )
