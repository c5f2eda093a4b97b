"""SMTP: one session with STARTTLS or implicit TLS and a login, retried on temporary failures.

What the server said is kept in its own words (`550 5.1.1 User unknown`), for the record.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from email.utils import parseaddr

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from monitor.config import EmailSettings, read_secret
from monitor.errors import DeliveryError

log = logging.getLogger("monitor.deliver")


class SmtpFailure(DeliveryError):
    """A failed attempt; `temporary` ones are tried again."""

    def __init__(self, message: str, *, temporary: bool):
        self.temporary = temporary
        super().__init__(message)


class SmtpInterrupted(DeliveryError):
    """The exchange was stopped on purpose (the job is stopping); the delivery is given back."""


class Interrupt:
    """Stops an SMTP exchange from another thread: shutting its socket down makes the read
    blocked on a stalled server return at once, instead of after `email.timeout` per step."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._smtp: smtplib.SMTP | None = None
        self._fired = threading.Event()

    @property
    def fired(self) -> bool:
        return self._fired.is_set()

    def fire(self) -> None:
        self._fired.set()
        with self._lock:
            self._shut(self._smtp)

    def attach(self, smtp: smtplib.SMTP | None) -> None:
        with self._lock:
            self._smtp = smtp
            if self.fired:
                self._shut(smtp)

    @staticmethod
    def _shut(smtp: smtplib.SMTP | None) -> None:
        sock = getattr(smtp, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed by the exchange itself
                sock.shutdown(socket.SHUT_RDWR)


def ascii_address(address: str) -> str:
    """The address with its domain IDNA-encoded (ceo@bücher.example -> ceo@xn--bcher-kva.example),
    as SMTP and mail headers carry it; the part before the @ is left as it is."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise SmtpFailure(
            f"the address {address} has a domain that cannot be written for e-mail", temporary=False
        ) from None


def needs_smtputf8(addresses: list[str]) -> bool:
    """An address with letters outside ASCII before the @ needs the server's SMTPUTF8."""
    return any(not address.rpartition("@")[0].isascii() for address in addresses)


def send_with_retries(
    settings: EmailSettings,
    recipients: list[str],
    data: bytes,
    ssl_context: ssl.SSLContext | None,
    sleep: Callable[[float], object],
    interrupt: Interrupt | None = None,
    on_retry: Callable[[], object] | None = None,
) -> dict[str, str]:
    """Send `data` to `recipients` (already in their ASCII-domain form), retrying temporary
    failures with growing pauses; an `interrupt` stops at once, between or inside attempts.
    `on_retry` is told of each attempt after the first, so the delivery counts them all."""

    def before(state: RetryCallState) -> None:
        if on_retry is not None and state.attempt_number > 1:
            on_retry()

    retrying = Retrying(
        before=before,
        stop=stop_after_attempt(settings.max_attempts),
        wait=wait_exponential(multiplier=2, max=300),
        retry=retry_if_exception(lambda e: isinstance(e, SmtpFailure) and e.temporary),
        before_sleep=_log_retry,
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(_send_once, settings, recipients, data, ssl_context, interrupt)
    except SmtpFailure:
        if interrupt is not None and interrupt.fired:
            raise SmtpInterrupted("the job was stopped while sending") from None
        raise


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
    interrupt: Interrupt | None = None,
) -> dict[str, str]:
    """One SMTP session. Returns the refused recipients with the server's words."""
    if interrupt is not None and interrupt.fired:
        raise SmtpInterrupted("the job was stopped while sending")
    envelope_from = ascii_address(parseaddr(settings.from_)[1])
    context = ssl_context or ssl.create_default_context()
    where = f"{settings.host}:{settings.port}"
    utf8 = needs_smtputf8([envelope_from, *recipients])
    try:
        smtp = _connect(settings, context, interrupt)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                password = read_secret(settings.password_env or "", "email.password_env")
                smtp.login(settings.username, password)
            smtp.ehlo_or_helo_if_needed()
            if utf8 and not smtp.has_extn("smtputf8"):
                raise SmtpFailure(
                    f"the mail server {where} does not accept international addresses "
                    "(SMTPUTF8), which an address with letters outside ASCII before the @ "
                    "needs; remove that address, or use a server that accepts them",
                    temporary=False,
                )
            options = ["SMTPUTF8"] if utf8 else []
            refused = smtp.sendmail(envelope_from, recipients, data, mail_options=options)
        finally:
            if interrupt is not None:
                interrupt.attach(None)
            _close(smtp)
    except smtplib.SMTPRecipientsRefused as error:
        words = {a: _words(c, m) for a, (c, m) in error.recipients.items()}
        temporary = all(400 <= c < 500 for c, _m in error.recipients.values())
        raise SmtpFailure(
            f"the mail server refused every recipient: {refused_text(words)}", temporary=temporary
        ) from None
    except smtplib.SMTPResponseException as error:
        code = error.smtp_code
        raise SmtpFailure(
            f"the mail server {where} answered {_words(code, error.smtp_error)}",
            temporary=400 <= code < 500,
        ) from None
    except ssl.SSLError as error:
        raise SmtpFailure(
            f"a secure connection to the mail server {where} failed ({error})", temporary=False
        ) from None
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise SmtpFailure(
            f"cannot reach the mail server {where} ({error or type(error).__name__})",
            temporary=True,
        ) from None
    except smtplib.SMTPException as error:  # e.g. STARTTLS or AUTH not offered by the server
        raise SmtpFailure(
            f"the mail server {where} cannot be used: {error}", temporary=False
        ) from None
    return {address: _words(code, text) for address, (code, text) in refused.items()}


def _connect(
    settings: EmailSettings, context: ssl.SSLContext, interrupt: Interrupt | None
) -> smtplib.SMTP:
    """Connect, with the session known to `interrupt` from the server's greeting on."""
    timeout = settings.timeout.total_seconds()
    if settings.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(timeout=timeout)
    # smtplib learns the host name (checked against the certificate by STARTTLS and TLS) only
    # when given to the constructor, which would also connect before `interrupt` knows it.
    smtp._host = settings.host
    if interrupt is not None:
        interrupt.attach(smtp)
    try:
        smtp.connect(settings.host, settings.port)
    except BaseException:
        smtp.close()
        raise
    if interrupt is not None and interrupt.fired:  # fired while connecting
        smtp.close()
        raise SmtpInterrupted("the job was stopped while sending")
    return smtp


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


def refused_text(refused: dict[str, str]) -> str:
    return "; ".join(f"{address}: {words}" for address, words in sorted(refused.items()))
