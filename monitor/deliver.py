"""Delivery of the digest: envelope headers, SMTP with retries, the outbox, sent exactly once.

The `deliveries` table is the memory: a (week, recipient list) is claimed before anything
is sent, so a rerun, a restart or a racing process never sends a week twice. What was
sent is what the outbox .eml holds, byte for byte.
"""

from __future__ import annotations

import copy
import email
import email.policy
import errno
import logging
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from monitor.config import EmailSettings
from monitor.errors import ConfigError, DeliveryError
from monitor.smtp import (
    Interrupt,
    SmtpInterrupted,
    ascii_address,
    needs_smtputf8,
    refused_text,
    send_with_retries,
)
from monitor.store import Store

log = logging.getLogger("monitor.deliver")

# What smtplib sends: the message's own policy with CRLF line ends.
_WIRE_POLICY = email.policy.SMTP
# A delivery left `sending` this long was left by a process that died in the middle (the longest
# legitimate exchange, max_attempts x the timeout per step plus the pauses, is far shorter).
ABANDONED_AFTER = timedelta(hours=1)
_ENVELOPE_HEADERS = ("From", "To", "Cc", "Bcc", "Date", "Reply-To", "List-Unsubscribe")
PLACEHOLDER_SENDER = "monitor@localhost"  # without email settings the outbox is the delivery


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one digest. `status`: sent | partial | failed | outbox | skipped | test
    | held (not sent: too little was read) | early (a partial week, sent but not recorded) |
    pending (given back: stopped in the middle, or the outbox could not be written)."""

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
        return self.status in ("sent", "outbox", "skipped", "test", "early")

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
        if self.status == "held":
            return (
                f"Digest {self.week} was held, not sent to {to}: {self.error}. It is in the "
                f"outbox ({self.eml_path}); `monitor status` shows each source. To send it "
                f"anyway, with that caveat at its top: monitor report --send --force --week "
                f"{self.week}"
            )
        if self.status == "early":
            return (
                f"Digest {self.week} sent to {to} as a partial week; it is not recorded as the "
                "week's digest, which still goes out once the week is over."
            )
        if self.status == "pending":
            return (
                f"Digest {self.week} was not sent: {self.error} It will be tried again on the "
                "next run."
            )
        return (
            f"Digest {self.week} was not sent: {self.error} It stays in the outbox "
            f"({self.eml_path}) and will be tried again on the next run."
        )


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
    sleep: Callable[[float], object] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
    interrupt: Interrupt | None = None,
) -> DeliveryResult:
    """Send the week's digest once to `recipients`, or leave it in the outbox without SMTP."""
    key = recipients_key(recipients)
    to = tuple(key.split(",")) if key else ()
    eml_path = Path(eml_path)
    if force:
        store.force_delivery(week, key, str(eml_path), now)
    elif not store.claim_delivery(
        week, key, str(eml_path), now, abandoned_before=now - ABANDONED_AFTER
    ):
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
    try:
        message = _with_envelope(message, settings, to, now, keep_id=record and record.message_id)
        data = _write_eml(message, eml_path)
    except (OSError, DeliveryError) as error:
        # Nothing went out: give the week back, so the next attempt sends it.
        reason = _outbox_problem(eml_path, error) if isinstance(error, OSError) else str(error)
        store.release_delivery(week, key, reason, now)
        return DeliveryResult(week, to, "pending", eml_path, error=reason)
    message_id = message["Message-ID"]
    store.note_message_id(week, key, message_id, now)
    if settings is None or not to:
        # Without SMTP (or with nobody to send to), the outbox is the delivery.
        store.finish_delivery(week, key, status="outbox", now=now, message_id=message_id)
        return DeliveryResult(week, to, "outbox", eml_path, message_id)
    envelope = [ascii_address(address) for address in to]
    try:
        refused = send_with_retries(
            settings,
            envelope,
            data,
            ssl_context,
            sleep,
            interrupt,
            on_retry=lambda: store.count_attempt(week, key),
        )
    except SmtpInterrupted as error:
        store.release_delivery(week, key, f"{error}.", now)
        return DeliveryResult(week, to, "pending", eml_path, message_id, error=f"{error}.")
    except (DeliveryError, ConfigError) as error:
        store.finish_delivery(
            week, key, status="failed", now=now, message_id=message_id, error=str(error)
        )
        return DeliveryResult(week, to, "failed", eml_path, message_id, error=str(error))
    status = "partial" if refused else "sent"
    error_text = refused_text(refused) if refused else None
    store.finish_delivery(
        week, key, status=status, now=now, message_id=message_id, error=error_text, refused=refused
    )
    return DeliveryResult(week, to, status, eml_path, message_id, error_text, refused)


def hold_digest(
    *,
    week: str,
    recipients: list[str],
    reasons: list[str],
    settings: EmailSettings | None,
    store: Store,
    eml_path: Path,
    now: datetime,
    sleep: Callable[[float], object] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """Keep a thin week from its recipients: record why, and tell the operator (once)."""
    key = recipients_key(recipients)
    to = tuple(key.split(",")) if key else ()
    previous = store.delivery(week, key)
    if previous is not None and previous.status in ("sent", "partial", "sending", "outbox"):
        past = _past_tense(previous.status)  # it went out before: nothing to hold any more
        return DeliveryResult(week, to, "skipped", Path(eml_path), previous_status=past)
    reason = "; ".join(reasons)
    newly = store.hold_delivery(week, key, str(eml_path), reason, now)
    result = DeliveryResult(week, to, "held", Path(eml_path), error=reason)
    if newly and settings is not None and settings.operator:
        _tell_operator(result, settings, now, sleep, ssl_context)
    return result


def _tell_operator(
    held: DeliveryResult,
    settings: EmailSettings,
    now: datetime,
    sleep: Callable[[float], object],
    ssl_context: ssl.SSLContext | None,
) -> None:
    note = EmailMessage()
    note["Subject"] = f"Competitor Monitor: the digest {held.week} was held, not sent"
    note.set_content(held.describe() + "\n")
    try:
        send_copy(note, to=[settings.operator or ""], settings=settings, now=now, sleep=sleep,
                  ssl_context=ssl_context)  # fmt: skip
    except DeliveryError as error:  # the hold stands; the log and `monitor status` still say it
        log.warning("could not tell the operator %s: %s", settings.operator, error)


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
    try:
        _write_eml(_with_envelope(message, settings, to, now, keep_id=None), eml_path)
    except OSError as error:
        raise DeliveryError(_outbox_problem(eml_path, error)) from error
    return eml_path


def send_copy(
    message: EmailMessage,
    *,
    to: list[str],
    settings: EmailSettings | None,
    now: datetime,
    week: str = "",
    status: str = "test",
    sleep: Callable[[float], object] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """Send now, not recorded: a test (`--to`), a partial week (`early`), a note to the
    operator. The week's own delivery is left as it is."""
    if settings is None:
        raise DeliveryError(
            "sending it needs a mail server: add the 'email' section to the configuration"
        )
    message = _with_envelope(message, settings, tuple(to), now, keep_id=None)
    data = _wire_bytes(message)
    envelope = [ascii_address(address) for address in to]
    refused = send_with_retries(settings, envelope, data, ssl_context, sleep)
    if refused:
        raise DeliveryError(f"the mail server refused: {refused_text(refused)}")
    return DeliveryResult(week, tuple(to), status, None, message["Message-ID"])


def send_test(message: EmailMessage, *, to: str, **kwargs) -> DeliveryResult:
    """`--to addr`: send to that one address now; not recorded, the outbox is left alone."""
    return send_copy(message, to=[to], **kwargs)


def retry_pending(
    store: Store,
    settings: EmailSettings | None,
    now: datetime,
    *,
    sleep: Callable[[float], object] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
    interrupt: Interrupt | None = None,
    statuses: tuple[str, ...] = ("pending", "failed"),
) -> list[DeliveryResult]:
    """Send every digest in `statuses` again, from its .eml in the outbox, and every one left
    `sending` for longer than ABANDONED_AFTER by a process that died (same Message-ID)."""
    if settings is None:
        return []
    results = []
    for record in store.deliveries(status=statuses, abandoned_before=now - ABANDONED_AFTER):
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
                interrupt=interrupt,
            )
        )
    return results


def delivery_rows(store: Store, now: datetime) -> list[dict]:
    """The deliveries part of `monitor status`, newest week first."""
    rows = []
    for record in store.deliveries():
        error = record.error
        if record.refused and not error:
            error = refused_text(record.refused)
        if (
            record.status == "sending"
            and record.updated_at
            and record.updated_at < now - (ABANDONED_AFTER)
        ):
            error = (
                f"left 'sending' since {record.updated_at:%Y-%m-%d %H:%M} UTC: the program "
                "stopped in the middle of sending; `monitor run` sends it again (same "
                "Message-ID, so a copy that did arrive is not shown twice)"
            )
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
        message["To"] = ", ".join(ascii_address(address) for address in to)
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
    """As smtplib sends it; with UTF-8 headers only where an address needs SMTPUTF8."""
    addresses = [
        a.addr_spec for name in ("From", "To") if message[name] for a in message[name].addresses
    ]
    policy = email.policy.SMTPUTF8 if needs_smtputf8(addresses) else _WIRE_POLICY
    return message.as_bytes(policy=policy)


def _write_eml(message: EmailMessage, path: Path) -> bytes:
    """Write what will be sent to the outbox (atomically), and return those bytes. On a full
    disk no .part file is left behind."""
    data = _wire_bytes(message)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return data


def _outbox_problem(path: Path, error: OSError) -> str:
    reason = "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
    return f"cannot write the digest to {path}: {reason}; nothing was sent."


def _past_tense(status: str) -> str:
    return {
        "sending": "being sent",
        "outbox": "delivered to the outbox",
        "partial": "sent (in part)",
    }.get(status, status)
