"""What a failed HTTP exchange means to a user: the error kinds and their plain sentences."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

from monitor.errors import SourceError


def status_error(status: int, url: str) -> SourceError:
    """The SourceError a non-2xx status means, as a sentence for a marketing lead."""
    try:
        said = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        said = str(status)
    if status == 404:
        return SourceError(
            "not_found", f"the server answered {said}: the page or account does not exist ({url})"
        )
    if status == 410:
        return SourceError("gone", f"the server answered {said}: it was removed ({url})")
    if status in (401, 403, 451):
        return SourceError(
            "blocked", f"the server answered {said}: it refuses to let the monitor read it ({url})"
        )
    if status == 429:
        return SourceError(
            "rate_limited",
            f"the server answered {said}: it limits how often it may be read ({url})",
        )
    if status >= 500:
        return SourceError(
            "server_error",
            f"the server answered {said}: the site has a problem on its side ({url})",
        )
    if 400 <= status < 500:
        return SourceError("blocked", f"the server refused the request with {said} ({url})")
    return SourceError("bad_content", f"the server answered {said}, which cannot be read ({url})")


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def too_large(url: str, max_bytes: int) -> SourceError:
    return SourceError(
        "too_large",
        f"the answer is larger than collect.max_bytes ({max_bytes:,} bytes), so it was cut off "
        f"({url})",
    )


def describe_problem(problem: Exception) -> str:
    text = str(problem).strip()
    return text or type(problem).__name__
