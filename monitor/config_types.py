"""Validated value types of the configuration: durations, sizes, addresses, variable names."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    WithJsonSchema,
)

from monitor.units import format_duration, parse_duration, parse_size

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"}),
]
ByteSize = Annotated[
    int,
    BeforeValidator(parse_size),
    WithJsonSchema({"type": ["string", "integer"], "examples": ["10MB"]}),
]


def _check_http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must be an http:// or https:// address")
    return value.rstrip("/") if value.count("/") == 2 else value


def _check_env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError("must be the name of an environment variable, like SMTP_PASSWORD")
    return value


HttpUrl = Annotated[str, AfterValidator(_check_http_url)]

# Collecting a source more often than this is never useful and hammers its host.
MIN_COLLECT_INTERVAL = timedelta(seconds=1)


def _check_collect_interval(value: timedelta) -> timedelta:
    if value < MIN_COLLECT_INTERVAL:
        raise ValueError(f"is too short: at least {format_duration(MIN_COLLECT_INTERVAL)}")
    return value


CollectInterval = Annotated[Duration, AfterValidator(_check_collect_interval)]


EnvName = Annotated[str, AfterValidator(_check_env_name)]


class Strict(BaseModel):
    """Unknown keys are refused (a typo must not be ignored); values cannot change."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
