"""The one small error hierarchy. Every message is a sentence for a marketing lead."""

from __future__ import annotations

from typing import Literal

# The words a user sees for why a source failed (status table, digest data health).
ErrorKind = Literal[
    "not_found",  # the account, channel or page does not exist
    "gone",  # it existed and was removed (410)
    "blocked",  # 401/403 or a bot wall
    "login_required",  # the platform wants credentials we do not have
    "rate_limited",  # 429 or a platform rate-limit error
    "timeout",  # the server did not answer in time
    "network",  # connection refused, DNS, TLS, redirect loop
    "too_large",  # the body passed collect.max_bytes
    "bad_content",  # unparseable body
    "layout_changed",  # a page that no longer matches its selectors
    "stale",  # healthy-looking, but nothing moves any more
    "server_error",  # 5xx after all retries
    "misconfigured",  # a setting it needs is missing, e.g. a token's environment variable
    "unexpected",  # a bug or an unforeseen answer; the message carries the exception's text
]
ERROR_KINDS: tuple[str, ...] = ErrorKind.__args__  # type: ignore[attr-defined]


class MonitorError(Exception):
    """Base of every error the program expects; the CLI prints it as one line."""

    exit_code = 1


class ConfigError(MonitorError):
    """The configuration file cannot be used. Carries every problem found."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or []
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        return "\n".join([head, *(f"  {p}" for p in self.problems)]) if self.problems else head


class SourceError(MonitorError):
    """One source could not be collected. `kind` is one of ERROR_KINDS."""

    def __init__(self, kind: ErrorKind, message: str):
        assert kind in ERROR_KINDS, kind
        self.kind = kind
        self.message = message
        super().__init__(f"{kind}: {message}")

    def __reduce__(self):  # crosses process boundaries (parsing runs in worker processes)
        return (SourceError, (self.kind, self.message))


class StoreError(MonitorError):
    """The database cannot be opened or used (corrupt, newer schema, unreachable)."""

    exit_code = 2


class DatabaseUnreachable(StoreError):
    """The database server does not answer (not started yet, or down): worth trying again.

    Exit 1, not 2: nothing is wrong with the input, so a service manager restarts the job.
    """

    exit_code = 1


class DeliveryError(MonitorError):
    """The digest could not be sent; it stays in the outbox."""
