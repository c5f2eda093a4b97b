"""What every mention collector shares: the searches a company's terms make, and the screen
every found mention passes (a term in it, no exclusion, not the company's own post).

Pure: no I/O. The collectors search with `search_phrases()` or `hashtags()`; collect.py
screens what they found with `screen()`, so no kind can forget a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from monitor.domain import Mention

_WORD = re.compile(r"[A-Za-z0-9_]+")


def search_phrases(terms: Iterable[str]) -> list[str]:
    """The phrases to search for: '#acme' is searched as 'acme'."""
    return list(dict.fromkeys(term.lstrip("#") for term in terms))


def hashtags(terms: Iterable[str]) -> list[str]:
    """The hashtags of the terms: '#acme', and one-word names ('Globex' is #globex)."""
    found = [term.lstrip("#").lower() for term in terms if _WORD.fullmatch(term.lstrip("#"))]
    return list(dict.fromkeys(found))


@cache
def _pattern(phrase: str) -> re.Pattern[str]:
    """A phrase, any case, not inside a longer word: 'acme' is not found in 'acmeville'."""
    words = [re.escape(part) for part in phrase.lstrip("#").split()]
    return re.compile(r"(?<![\w])#?" + r"\s+".join(words) + r"(?![\w])", re.IGNORECASE)


def says(text: str, phrases: Iterable[str]) -> bool:
    """Whether any of the phrases is in the text."""
    return any(_pattern(phrase).search(text) for phrase in phrases)


@dataclass(frozen=True)
class OwnAccounts:
    """How a company's own posts are recognised among mentions: its handles and its sites."""

    authors: frozenset[str]  # "acme@mastodon.social", "acme.bsky.social", "u/acme"
    hosts: frozenset[str]  # "acme.example" (without www.)

    def wrote(self, mention: Mention) -> bool:
        if mention.author and mention.author.lower().lstrip("@") in self.authors:
            return True
        host = _host(mention.url)
        return any(host == own or host.endswith("." + own) for own in self.hosts)


def own_accounts(sources: Iterable[object]) -> OwnAccounts:
    """The handles and sites of a company's own sources (its config entries)."""
    authors: set[str] = set()
    hosts: set[str] = set()
    for source in sources:
        kind = getattr(source, "kind", "")
        target = str(getattr(source, "target", ""))
        if kind in ("mastodon", "bluesky", "telegram", "instagram"):
            authors.add(target.lower().lstrip("@"))
        elif kind == "reddit" and target.startswith("u/"):
            authors.add(target.lower())
        elif kind in ("feed", "html"):
            hosts.add(_host(target))
    return OwnAccounts(frozenset(authors), frozenset(h for h in hosts if h))


def screen(
    mentions: Iterable[Mention], terms: Iterable[str], exclude: Iterable[str], own: OwnAccounts
) -> tuple[Mention, ...]:
    """The mentions that name the company: a term in them (where the platform gave their
    text), no excluded phrase, and not written by the company itself. One per address."""
    terms, exclude = tuple(terms), tuple(exclude)
    kept: dict[str, Mention] = {}
    for mention in mentions:
        said = " ".join(filter(None, (mention.title, mention.text, mention.url)))
        if mention.full_text and not says(said, terms):
            continue  # a search engine's loose match ("Acme" for "Acne"): not a mention
        if exclude and says(said, exclude):
            continue
        if own.wrote(mention):
            continue
        kept.setdefault(mention.url, mention)
    return tuple(kept.values())


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")
