"""Delivery of the digest: envelope headers, SMTP with retries, the outbox, sent exactly once.

The `deliveries` table is the memory: a (week, recipient list) is claimed before anything
is sent, so a rerun, a restart or a racing process never sends a week twice. What was
sent is what the outbox .eml holds, byte for byte.
"""

from __future__ import annotations

import copy
import email
import email.policy
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from monitor.config import EmailSettings, read_secret
from monitor.errors import ConfigError, DeliveryError
from monitor.store import Store

log = logging.getLogger("monitor.deliver")

# What smtplib sends: the message's own policy with CRLF line ends.
_WIRE_POLICY = email.policy.SMTP
_ENVELOPE_HEADERS = ("From", "To", "Cc", "Bcc", "Date", "Reply-To", "List-Unsubscribe")
PLACEHOLDER_SENDER = "monitor@localhost"  # without email settings the outbox is the delivery


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one digest. `status`: sent | partial | failed | outbox | skipped | test."""

    week: str
    recipients: tuple[str, ...]
    status: str
    eml_path: Path | None
    message_id: str | None = None
    error: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    previous_status: str | None = None  # for `skipped`: the status that made us skip

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "outbox", "skipped", "test")

    def describe(self) -> str:
        """One plain sentence for the command line and the log."""
        to = ", ".join(self.recipients) or "nobody"
        if self.status in ("sent", "test"):
            return f"Digest {self.week} sent to {to}."
        if self.status == "partial":
            refused = "; ".join(f"{a} ({w})" for a, w in self.refused.items())
            return f"Digest {self.week} sent, but the mail server refused {refused}."
        if self.status == "outbox":
            return (
                f"No mail server is configured: the digest {self.week} is in the outbox, "
                f"{self.eml_path} (with the .html next to it)."
            )
        if self.status == "skipped":
            return (
                f"Digest {self.week} was already {self.previous_status} to {to}; not sent again "
                "(use --force to send it anyway)."
            )
        return (
            f"Digest {self.week} was not sent: {self.error} It stays in the outbox "
            f"({self.eml_path}) and will be tried again on the next run."
        )


class _Failure(DeliveryError):
    """A failed attempt; `temporary` ones are tried again."""

    def __init__(self, message: str, *, temporary: bool):
        self.temporary = temporary
        super().__init__(message)


def recipients_key(recipients: list[str] | tuple[str, ...]) -> str:
    """The identity of a recipient list in `deliveries`: sorted, de-duplicated, comma-separated."""
    return ",".join(sorted({r.strip() for r in recipients if r.strip()}))


def send_digest(
    message: EmailMessage,
    *,
    week: str,
    recipients: list[str],
    settings: EmailSettings | None,
    store: Store,
    eml_path: Path,
    now: datetime,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """Send the week's digest once to `recipients`, or leave it in the outbox without SMTP."""
    key = recipients_key(recipients)
    to = tuple(key.split(",")) if key else ()
    eml_path = Path(eml_path)
    if force:
        store.force_delivery(week, key, str(eml_path), now)
    elif not store.claim_delivery(week, key, str(eml_path), now):
        previous = store.delivery(week, key)
        status = previous.status if previous else "sending"
        return DeliveryResult(
            week,
            to,
            "skipped",
            eml_path,
            previous.message_id if previous else None,
            previous_status=_past_tense(status),
        )
    # A retry of the very message tried before keeps its Message-ID; anything else gets a new one.
    record = None if force else store.delivery(week, key)
    message = _with_envelope(message, settings, to, now, keep_id=record and record.message_id)
    data = _write_eml(message, eml_path)
    message_id = message["Message-ID"]
    if settings is None or not to:
        # Without SMTP (or with nobody to send to), the outbox is the delivery.
        store.finish_delivery(week, key, status="outbox", now=now, message_id=message_id)
        return DeliveryResult(week, to, "outbox", eml_path, message_id)
    try:
        refused = _send_with_retries(settings, list(to), data, ssl_context, sleep)
    except (DeliveryError, ConfigError) as error:
        store.finish_delivery(
            week, key, status="failed", now=now, message_id=message_id, error=str(error)
        )
        return DeliveryResult(week, to, "failed", eml_path, message_id, error=str(error))
    status = "partial" if refused else "sent"
    error_text = _refused_text(refused) if refused else None
    store.finish_delivery(
        week, key, status=status, now=now, message_id=message_id, error=error_text, refused=refused
    )
    return DeliveryResult(week, to, status, eml_path, message_id, error_text, refused)


def write_outbox(
    message: EmailMessage,
    *,
    recipients: list[str],
    settings: EmailSettings | None,
    eml_path: Path,
    now: datetime,
    sent: bool,
) -> Path:
    """The week's .eml as it would be sent, without sending it. A week already sent keeps
    its .eml exactly as it went out."""
    eml_path = Path(eml_path)
    if sent and eml_path.exists():
        return eml_path
    key = recipients_key(recipients)
    to = tuple(key.split(",")) if key else ()
    _write_eml(_with_envelope(message, settings, to, now, keep_id=None), eml_path)
    return eml_path


def send_test(
    message: EmailMessage,
    *,
    to: str,
    settings: EmailSettings | None,
    now: datetime,
    week: str = "",
    sleep: Callable[[float], None] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """`--to addr`: send to that one address now; not recorded, the outbox is left alone."""
    if settings is None:
        raise DeliveryError(
            "a test send needs a mail server: add the 'email' section to the configuration"
        )
    message = _with_envelope(message, settings, (to,), now, keep_id=None)
    data = _wire_bytes(message)
    refused = _send_with_retries(settings, [to], data, ssl_context, sleep)
    if refused:
        raise DeliveryError(f"the mail server refused the test address: {_refused_text(refused)}")
    return DeliveryResult(week, (to,), "test", None, message["Message-ID"])


def retry_pending(
    store: Store,
    settings: EmailSettings | None,
    now: datetime,
    *,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> list[DeliveryResult]:
    """Send every failed or pending digest again, from its .eml in the outbox."""
    if settings is None:
        return []
    results = []
    for record in store.deliveries(status=("pending", "failed")):
        path = Path(record.path) if record.path else None
        if path is None or not path.is_file():
            error = (
                f"the outbox file {path} is missing; "
                f"make it again with: monitor report --send --week {record.week}"
            )
            store.finish_delivery(
                record.week, record.recipients, status="failed", now=now, error=error
            )
            recipients = tuple(record.recipients.split(","))
            results.append(DeliveryResult(record.week, recipients, "failed", path, error=error))
            continue
        results.append(
            send_digest(
                read_eml(path),
                week=record.week,
                recipients=record.recipients.split(","),
                settings=settings,
                store=store,
                eml_path=path,
                now=now,
                sleep=sleep,
                ssl_context=ssl_context,
            )
        )
    return results


def delivery_rows(store: Store) -> list[dict]:
    """The deliveries part of `monitor status`, newest week first."""
    rows = []
    for record in store.deliveries():
        error = record.error
        if record.refused and not error:
            error = _refused_text(record.refused)
        rows.append(
            {
                "week": record.week,
                "recipients": record.recipients.replace(",", ", ") or "(outbox only)",
                "status": record.status,
                "attempts": record.attempts,
                "sent_at": record.sent_at,
                "error": error,
            }
        )
    return rows


def read_eml(path: Path) -> EmailMessage:
    return email.message_from_bytes(Path(path).read_bytes(), policy=email.policy.default)


# --- the message --------------------------------------------------------------------------------


def _with_envelope(
    message: EmailMessage,
    settings: EmailSettings | None,
    to: tuple[str, ...],
    now: datetime,
    *,
    keep_id: str | None,
) -> EmailMessage:
    """A copy of the message with From, To, Date, Message-ID and the optional headers set."""
    message = copy.deepcopy(message)
    sender = settings.from_ if settings else (message["From"] or PLACEHOLDER_SENDER)
    message_id = keep_id if keep_id and message["Message-ID"] == keep_id else None
    for name in (*_ENVELOPE_HEADERS, "Message-ID"):
        del message[name]
    if sender:
        message["From"] = sender
    if to:
        message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    if settings and settings.reply_to:
        message["Reply-To"] = settings.reply_to
    if settings and settings.list_unsubscribe:
        target = settings.list_unsubscribe.strip("<>")
        message["List-Unsubscribe"] = f"<{target}>"
    return message


def _domain(mailbox: str | None) -> str:
    address = parseaddr(mailbox or "")[1]
    return address.rpartition("@")[2] or "localhost"


def _wire_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=_WIRE_POLICY)


def _write_eml(message: EmailMessage, path: Path) -> bytes:
    """Write what will be sent to the outbox (atomically), and return those bytes."""
    data = _wire_bytes(message)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return data


# --- SMTP ---------------------------------------------------------------------------------------


def _send_with_retries(
    settings: EmailSettings,
    recipients: list[str],
    data: bytes,
    ssl_context: ssl.SSLContext | None,
    sleep: Callable[[float], None],
) -> dict[str, str]:
    retrying = Retrying(
        stop=stop_after_attempt(settings.max_attempts),
        wait=wait_exponential(multiplier=2, max=300),
        retry=retry_if_exception(lambda e: isinstance(e, _Failure) and e.temporary),
        before_sleep=_log_retry,
        sleep=sleep,
        reraise=True,
    )
    return retrying(_send_once, settings, recipients, data, ssl_context)


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.warning(
        "mail attempt %d failed (%s); trying again in %.0f s", state.attempt_number, error, wait
    )


def _send_once(
    settings: EmailSettings,
    recipients: list[str],
    data: bytes,
    ssl_context: ssl.SSLContext | None,
) -> dict[str, str]:
    """One SMTP session. Returns the refused recipients with the server's words."""
    envelope_from = parseaddr(settings.from_)[1]
    context = ssl_context or ssl.create_default_context()
    where = f"{settings.host}:{settings.port}"
    try:
        smtp = _connect(settings, context)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                password = read_secret(settings.password_env or "", "email.password_env")
                smtp.login(settings.username, password)
            refused = smtp.sendmail(envelope_from, recipients, data)
        finally:
            _close(smtp)
    except smtplib.SMTPRecipientsRefused as error:
        words = {a: _words(c, m) for a, (c, m) in error.recipients.items()}
        temporary = all(400 <= c < 500 for c, _m in error.recipients.values())
        raise _Failure(
            f"the mail server refused every recipient: {_refused_text(words)}", temporary=temporary
        ) from None
    except smtplib.SMTPResponseException as error:
        code = error.smtp_code
        raise _Failure(
            f"the mail server {where} answered {_words(code, error.smtp_error)}",
            temporary=400 <= code < 500,
        ) from None
    except ssl.SSLError as error:
        raise _Failure(
            f"a secure connection to the mail server {where} failed ({error})", temporary=False
        ) from None
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise _Failure(
            f"cannot reach the mail server {where} ({error or type(error).__name__})",
            temporary=True,
        ) from None
    except smtplib.SMTPException as error:  # e.g. STARTTLS or AUTH not offered by the server
        raise _Failure(
            f"the mail server {where} cannot be used: {error}", temporary=False
        ) from None
    return {address: _words(code, text) for address, (code, text) in refused.items()}


def _connect(settings: EmailSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    timeout = settings.timeout.total_seconds()
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    return smtplib.SMTP(settings.host, settings.port, timeout=timeout)


def _close(smtp: smtplib.SMTP) -> None:
    """Say goodbye. Once the message is accepted, a failing QUIT must not look like a failure
    (that would send it twice), so its errors only close the socket."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _words(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _refused_text(refused: dict[str, str]) -> str:
    return "; ".join(f"{address}: {words}" for address, words in sorted(refused.items()))


def _past_tense(status: str) -> str:
    return {
        "sending": "being sent",
        "outbox": "delivered to the outbox",
        "partial": "sent (in part)",
    }.get(status, status)
