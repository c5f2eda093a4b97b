"""What a source kind is, declared once: one module here a kind, beside its collector.

Each module `monitor/kinds/<name>.py` holds the kind's configuration model and a `KIND`
with its facts (display name, whether it has counters, what it needs, its limits). Every
list of kinds (the config union, the collectors, the report's platform names, the counters'
kinds, what `validate` and `status` say a kind needs) is derived from here, so adding a kind
is its declaration, its collector `monitor/collectors/<name>.py`, fixtures, tests and docs.

This package stays light (pydantic only): `validate` reads it without the HTTP stack.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import ClassVar

from pydantic import Field, model_validator

from monitor.config_types import CollectInterval, HttpUrl, Strict
from monitor.domain import NAME_MAX_CHARS, TARGET_MAX_CHARS
from monitor.links import normal_url


class SourceBase(Strict):
    """Settings every source kind takes; a kind's model adds its target and options."""

    TARGET_FIELD: ClassVar[str]  # the key of the target in the YAML's long form
    TARGET_ATTRIBUTE: ClassVar[str] = ""  # the attribute holding it, when named otherwise

    base_url: HttpUrl | None = Field(None, description="Override the platform's address.")
    interval: CollectInterval | None = Field(
        None, description="How often to collect; default collect.interval."
    )
    label: str | None = Field(
        None, description="A name for this source in the digest.", max_length=NAME_MAX_CHARS
    )

    @model_validator(mode="after")
    def _target_fits(self) -> SourceBase:
        if len(self.target) > TARGET_MAX_CHARS:
            raise ValueError(
                f"{self.TARGET_FIELD} is too long ({len(self.target)} characters; "
                f"at most {TARGET_MAX_CHARS})"
            )
        return self

    @property
    def target(self) -> str:
        """The identity of the source within its kind (a URL, a handle, a channel)."""
        return str(getattr(self, self.TARGET_ATTRIBUTE or self.TARGET_FIELD))

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target}"  # type: ignore[attr-defined]

    @property
    def identity(self) -> str:
        """What makes two entries the same account or feed: handles in any case, URLs
        normalised (`https://ACME.example/feed/` is `https://acme.example/feed`)."""
        target = self.target
        if target.startswith(("http://", "https://")):
            return f"{self.kind}:{normal_url(target)}"  # type: ignore[attr-defined]
        return f"{self.kind}:{target.removeprefix('@').casefold()}"  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Kind:
    """The facts of one source kind."""

    name: str  # the word in the YAML: feed, mastodon, …
    display_name: str  # what a reader sees: "Mastodon"; translated by the report
    model: type[SourceBase]  # its configuration model
    default_base_url: str  # where the platform is reached; "" when the target is a URL
    counters: bool  # whether its posts have like, reply or view counters
    # Settings it cannot work without, each with what it is in plain words.
    needs: dict[str, str] = field(default_factory=dict)
    robots: bool = False  # whether robots.txt applies (pages read like a browser would)
    limits_note: str | None = None  # a limit a user should know, e.g. "newest 15 videos only"
    mentions: bool = False  # it finds what others say about a company, not what it posts
    outcomes: bool = False  # it reads our own weekly results (visits, sign-ups), not posts

    @property
    def target_field(self) -> str:
        return self.model.TARGET_FIELD

    @property
    def collector_module(self) -> str:
        return f"monitor.collectors.{self.name}"


@cache
def all_kinds() -> dict[str, Kind]:
    """Every declared kind by name, in the order of their module names."""
    found: dict[str, Kind] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        declared = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
        if isinstance(declared, Kind):
            found[declared.name] = declared
    return found


def kind(name: str) -> Kind:
    """The declared kind of this name; KeyError when there is none."""
    try:
        return all_kinds()[name]
    except KeyError:
        raise KeyError(f"no source kind {name!r}") from None


def mention_kinds() -> frozenset[str]:
    """The kinds that find what others say about a company (hackernews, gdelt, …)."""
    return frozenset(name for name, declared in all_kinds().items() if declared.mentions)


def outcome_kinds() -> frozenset[str]:
    """The kinds that read our own weekly results (csv, plausible, matomo, ga4)."""
    return frozenset(name for name, declared in all_kinds().items() if declared.outcomes)


def display_name(name: str) -> str:
    """'Mastodon' for mastodon; an undeclared kind (an old database row) capitalised."""
    declared = all_kinds().get(name)
    return declared.display_name if declared else name.capitalize()


def unmet_needs(source: SourceBase, environ: Mapping[str, str] | None = None) -> list[str]:
    """What the source's kind needs and does not have, one plain sentence each."""
    environ = os.environ if environ is None else environ
    needs = kind(source.kind).needs  # type: ignore[attr-defined]
    missing: list[str] = []
    for setting, what in needs.items():
        value = getattr(source, setting, None)
        if not value:
            missing.append(f"needs '{setting}': {what}")
        elif setting.endswith("_env") and not environ.get(value):
            missing.append(f"needs {what} in the environment variable {value}, which is not set")
    return missing
