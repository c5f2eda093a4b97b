"""The digest as a MIME message: multipart/alternative(text/plain, related(html, PNGs))."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING

from monitor.errors import MonitorError
from monitor.report.safety import header_text, safe_url

if TYPE_CHECKING:
    from monitor.report.render import Digest


def build_message(
    digest: Digest,
    *,
    sender: str,
    recipients: Sequence[str],
    reply_to: str | None = None,
    list_unsubscribe: str | None = None,
    message_id: str | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """The exact message that is, or would be, sent. Every header value is one clean line."""
    message = EmailMessage()
    message["Subject"] = header_text(digest.subject, 250)
    message["From"] = _mailbox(sender)
    message["To"] = ", ".join(_mailbox(r) for r in recipients) or "undisclosed-recipients:;"
    if reply_to:
        message["Reply-To"] = _mailbox(reply_to)
    message["Date"] = format_datetime(date or digest.generated_at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # Short enough never to be folded: one line, like every header here.
    unique = f"<digest.{digest.week_label}.{uuid.uuid4().hex[:20]}@{domain}>"
    message["Message-ID"] = header_text(message_id) or unique
    if list_unsubscribe:
        message["List-Unsubscribe"] = f"<{_unsubscribe(list_unsubscribe)}>"
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    message["Content-Language"] = digest.language
    message.set_content(digest.text, subtype="plain", charset="utf-8")
    message.add_alternative(digest.html, subtype="html", charset="utf-8")
    html_part = message.get_payload()[1]
    for cid, png in digest.images.items():
        html_part.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            disposition="inline",
            filename=f"{cid.split('.', 1)[0]}.png",
        )
    return message


def _mailbox(value: str) -> str:
    """'Name <a@b.c>' or 'a@b.c', parsed strictly: a line break or a second address is refused."""
    if header_text(value, 320) != value.strip():
        raise MonitorError(f"{value!r} is not an address like 'Monitor <monitor@example.com>'")
    header = default_policy.header_factory("To", value.strip())
    addresses = getattr(header, "addresses", ())
    if header.defects or len(addresses) != 1 or not (addresses[0].username and addresses[0].domain):
        raise MonitorError(f"{value!r} is not an address like 'Monitor <monitor@example.com>'")
    return str(addresses[0])


def _unsubscribe(value: str) -> str:
    text = header_text(value, 500)
    if text.lower().startswith("mailto:") and "@" in text and " " not in text:
        return text
    if safe_url(text):
        return text
    raise MonitorError(f"'{text}' is not a mailto: or http(s) address for List-Unsubscribe")
