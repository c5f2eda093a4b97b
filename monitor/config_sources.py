"""The source kinds of the configuration: one model a kind, each checking its target's shape.

A source is `kind: target` (short form) or `kind: {options}` (long form) in the YAML.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from monitor.config_types import Duration, EnvName, HttpUrl, Strict


class SourceBase(Strict):
    TARGET_FIELD: ClassVar[str]  # the key of the target in the YAML's long form
    TARGET_ATTRIBUTE: ClassVar[str] = ""  # the attribute holding it, when named otherwise

    base_url: HttpUrl | None = Field(None, description="Override the platform's address.")
    interval: Duration | None = Field(
        None, description="How often to collect; default collect.interval."
    )
    label: str | None = Field(None, description="A name for this source in the digest.")

    @property
    def target(self) -> str:
        """The identity of the source within its kind (a URL, a handle, a channel)."""
        return str(getattr(self, self.TARGET_ATTRIBUTE or self.TARGET_FIELD))

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target}"


class FeedSource(SourceBase):
    kind: Literal["feed"] = "feed"
    TARGET_FIELD: ClassVar = "url"
    url: HttpUrl


class YoutubeSource(SourceBase):
    kind: Literal["youtube"] = "youtube"
    TARGET_FIELD: ClassVar = "channel"
    channel: str = Field(description="A channel id (UC + 22 characters) or an @handle.")
    api_key_env: EnvName | None = Field(None, description="YouTube Data API v3 key, optional.")

    @field_validator("channel")
    @classmethod
    def _channel_shape(cls, value: str) -> str:
        if re.fullmatch(r"UC[A-Za-z0-9_-]{22}", value) or re.fullmatch(r"@[\w.\-]{3,30}", value):
            return value
        raise ValueError("not a YouTube channel id (UC followed by 22 characters) or an @handle")


class MastodonSource(SourceBase):
    kind: Literal["mastodon"] = "mastodon"
    TARGET_FIELD: ClassVar = "handle"
    handle: str = Field(description="@user@instance")
    exclude_replies: bool = True

    @field_validator("handle")
    @classmethod
    def _handle_shape(cls, value: str) -> str:
        if re.fullmatch(r"@?[A-Za-z0-9_]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?", value):
            return value if value.startswith("@") else "@" + value
        raise ValueError("not a Mastodon handle like @name@mastodon.social")


class BlueskySource(SourceBase):
    kind: Literal["bluesky"] = "bluesky"
    TARGET_FIELD: ClassVar = "handle"
    handle: str = Field(description="A handle like acme.bsky.social, or a did:plc:… identifier.")
    filter: Literal["posts_no_replies", "posts_with_replies", "posts_and_author_threads"] = (
        "posts_no_replies"
    )

    @field_validator("handle")
    @classmethod
    def _handle_shape(cls, value: str) -> str:
        value = value.removeprefix("@")
        if re.fullmatch(r"did:(plc|web):[A-Za-z0-9._:%-]+", value):
            return value
        if re.fullmatch(r"([A-Za-z0-9-]+\.)+[A-Za-z]{2,}", value):
            return value.lower()
        raise ValueError("not a Bluesky handle like acme.bsky.social or a did:plc: identifier")


class TelegramSource(SourceBase):
    kind: Literal["telegram"] = "telegram"
    TARGET_FIELD: ClassVar = "channel"
    channel: str = Field(description="The public channel's name, as in t.me/<name>.")

    @field_validator("channel")
    @classmethod
    def _channel_shape(cls, value: str) -> str:
        value = re.sub(r"^(https?://)?t\.me/(s/)?", "", value).removeprefix("@")
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            return value
        raise ValueError("not a public Telegram channel name (5 to 32 letters, digits or _)")


class RedditSource(SourceBase):
    kind: Literal["reddit"] = "reddit"
    TARGET_FIELD: ClassVar = "target"
    TARGET_ATTRIBUTE: ClassVar = "subject"  # "target" is taken by the property
    subject: str = Field(alias="target", description="r/subreddit or u/username")
    client_id_env: EnvName | None = None
    client_secret_env: EnvName | None = None

    @field_validator("subject")
    @classmethod
    def _target_shape(cls, value: str) -> str:
        value = value.strip("/")
        if re.fullmatch(r"(r|u|user)/[A-Za-z0-9_-]{2,32}", value):
            return value.replace("user/", "u/")
        raise ValueError("not a Reddit target like r/name or u/name")

    @model_validator(mode="after")
    def _credentials_in_pairs(self) -> RedditSource:
        if (self.client_id_env is None) != (self.client_secret_env is None):
            raise ValueError("client_id_env and client_secret_env go together; give both or none")
        return self


class InstagramSource(SourceBase):
    kind: Literal["instagram"] = "instagram"
    TARGET_FIELD: ClassVar = "username"
    username: str
    token_env: EnvName = Field(
        description="Environment variable holding your own Instagram Graph API access token."
    )
    ig_user_id: str = Field(description="Your own Instagram business account id (digits).")

    @field_validator("ig_user_id")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not str(value).isdigit():
            raise ValueError("must be the numeric id of your Instagram business account")
        return str(value)


class HtmlSource(SourceBase):
    kind: Literal["html"] = "html"
    TARGET_FIELD: ClassVar = "url"
    url: HttpUrl
    item: str | None = Field(None, description="CSS selector of one post; omit to read JSON-LD.")
    fields: dict[
        Literal[
            "text", "title", "url", "published", "likes", "replies", "reposts", "views", "image"
        ],
        str,
    ] = Field(default_factory=dict, description="field: CSS selector, '@attr' reads an attribute")
    day_first: bool = Field(False, description="Read 03/04/2026 as 3 April.")

    @model_validator(mode="after")
    def _fields_need_item(self) -> HtmlSource:
        if self.fields and not self.item:
            raise ValueError("'fields' needs 'item', the CSS selector of one post")
        return self


SOURCE_MODELS: dict[str, type[SourceBase]] = {
    m.model_fields["kind"].default: m
    for m in (
        FeedSource,
        YoutubeSource,
        MastodonSource,
        BlueskySource,
        TelegramSource,
        RedditSource,
        InstagramSource,
        HtmlSource,
    )
}
SourceConfig = Annotated[
    FeedSource
    | YoutubeSource
    | MastodonSource
    | BlueskySource
    | TelegramSource
    | RedditSource
    | InstagramSource
    | HtmlSource,
    Field(discriminator="kind"),
]


def expand_source(entry: Any) -> Any:
    """`{kind: target}` or `{kind: {options}}` -> `{"kind": kind, ...options}`."""
    if isinstance(entry, BaseModel) or not isinstance(entry, dict):
        return entry
    if "kind" in entry:
        return entry
    if len(entry) != 1:
        raise ValueError(
            f"each source is one 'kind: target' pair (got {', '.join(map(str, entry))})"
        )
    kind, value = next(iter(entry.items()))
    if kind not in SOURCE_MODELS:
        raise ValueError(f"unknown source kind {kind!r}; known: {', '.join(SOURCE_MODELS)}")
    if isinstance(value, dict):
        return {"kind": kind, **value}
    return {"kind": kind, SOURCE_MODELS[kind].TARGET_FIELD: value}
