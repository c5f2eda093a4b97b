"""instagram: a business or creator account through the Graph API's Business Discovery."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from monitor.config_types import EnvName
from monitor.kinds import Kind, SourceBase


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


KIND = Kind(
    name="instagram",
    display_name="Instagram",
    model=InstagramSource,
    default_base_url="https://graph.facebook.com/v21.0",
    counters=True,
    needs={
        "token_env": "your own Instagram Graph API access token",
        "ig_user_id": "the numeric id of your own Instagram business account",
    },
)
