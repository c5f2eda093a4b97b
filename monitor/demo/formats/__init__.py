"""The platforms' exact response formats, one module a platform, each a pure function of
the sample world and the simulated moment: what the production collectors parse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, headers and body bytes."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(body: bytes, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, "application/json; charset=utf-8", body, headers)


def iso_millis(moment: datetime) -> str:
    """2026-11-18T16:22:18.000Z, as Mastodon and Bluesky write times."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
