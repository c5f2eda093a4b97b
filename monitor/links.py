"""Which addresses may become a link anywhere the monitor shows one (digest, export)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def safe_url(value: object) -> str | None:
    """An absolute http(s) URL, or None (javascript:, data:, relative, malformed ...)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _CONTROL.search(url) or any(c in url for c in ' "<>`\\'):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc:  # user:pass@host hides the real host from a reader
        return None
    return url


# An address already in normal_url's spelling (most links are): lower-case scheme and host,
# no user, port or fragment, a path that does not end in "/", a query that is not empty.
_ALREADY_NORMAL = re.compile(r"https?://[a-z0-9.-]+(?:/[^?#\s]*[^/?#\s])?(?:\?[^#\s]+)?")


def normal_url(url: str) -> str:
    """One spelling of an address: scheme and host in lower case, no default port, no
    fragment, no trailing slash. Two spellings of the same feed compare equal."""
    if _ALREADY_NORMAL.fullmatch(url):
        return url  # what respelled would give back, at a tenth of the cost (every post's link)
    return respelled(url)


def respelled(url: str) -> str:
    """normal_url the long way: the address taken apart and put back together."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = (
        parts.port
        if parts.port not in (None, {"http": 80, "https": 443}.get(parts.scheme))
        else None
    )
    netloc = f"{host}:{port}" if port else host
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


NO_LINK = 0  # the link hash of a post without a usable link


def link_hash(url: object) -> int:
    """A post's link as one signed 64-bit number: its normal_url hashed (BLAKE2b), so two
    spellings of one address compare equal as integers, stored beside the post and compared
    without reading the link. NO_LINK without a usable link (none, empty, a malformed port).

    Two different links share a hash with odds of one in 10^19 a pair: among a company's
    100,000 posts, about once in 4 million years of digests."""
    if not isinstance(url, str) or not url:
        return NO_LINK
    try:
        spelling = normal_url(url)
    except ValueError:
        return NO_LINK
    digest = hashlib.blake2b(spelling.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True) or 1  # 0 is NO_LINK
