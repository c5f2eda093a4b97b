"""reddit: a subreddit's or a user's submissions, through Reddit's public JSON or RSS."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from monitor.config_types import EnvName
from monitor.kinds import Kind, SourceBase


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


KIND = Kind(
    name="reddit",
    display_name="Reddit",
    model=RedditSource,
    default_base_url="https://www.reddit.com",
    counters=True,
)
