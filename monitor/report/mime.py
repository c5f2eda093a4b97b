"""The digest as a MIME body: multipart/alternative(text/plain, related(html, PNGs)), inside
multipart/mixed when the PDF or the deck is attached.

Envelope headers (From, To, Date, Message-ID, Reply-To, List-Unsubscribe) are not set here:
delivery sets them, once, on the message it sends and writes to the outbox.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import TYPE_CHECKING

from monitor.report.safety import header_text

if TYPE_CHECKING:
    from monitor.report.render import Digest


MIME_TYPES = {
    "pdf": ("application", "pdf"),
    "pptx": ("application", "vnd.openxmlformats-officedocument.presentationml.presentation"),
}


def compose_message(digest: Digest, attachments: dict[str, bytes] | None = None) -> EmailMessage:
    """The message's content; every header value one clean line. `attachments`: "pdf" /
    "pptx" -> the file, attached as YYYY-Www.pdf (the message becomes multipart/mixed)."""
    message = EmailMessage()
    message["Subject"] = header_text(digest.subject, 250)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
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
    for kind, data in (attachments or {}).items():
        maintype, subtype = MIME_TYPES[kind]
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=f"{digest.week_label}.{kind}"
        )
    message["Content-Language"] = digest.language  # after the parts: set_content drops Content-*
    return message
