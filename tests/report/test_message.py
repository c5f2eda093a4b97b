"""The MIME message: parses back into alternative(text, related(html, PNGs)), clean headers."""

import email
import re
from datetime import UTC, datetime
from email import policy

import pytest

from monitor.errors import MonitorError
from monitor.report.render import build_message

SENDER = "Competitor Monitor <monitor@ourco.example>"
RECIPIENTS = ["ceo@ourco.example", "Chief Marketing <cmo@ourco.example>"]


def parsed(message):
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


@pytest.fixture(scope="module")
def message(english):
    return build_message(
        english,
        sender=SENDER,
        recipients=RECIPIENTS,
        reply_to="marketing@ourco.example",
        list_unsubscribe="https://ourco.example/digest/unsubscribe",
        date=datetime(2025, 11, 24, 7, tzinfo=UTC),
    )


def test_eml_parses_back_into_alternative_of_text_and_related_html_with_images(message):
    back = parsed(message)
    assert back.get_content_type() == "multipart/alternative"
    text, related = back.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, *images = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert [i.get_content_type() for i in images] == ["image/png"] * 3
    assert all(i.get_content_disposition() == "inline" for i in images)
    assert all(i.get_content().startswith(b"\x89PNG\r\n\x1a\n") for i in images)


def test_every_cid_has_its_image_and_no_image_is_unreferenced(message):
    related = parsed(message).get_payload()[1]
    html, *images = related.get_payload()
    referenced = set(re.findall(r'src="cid:([^"]+)"', html.get_content()))
    attached = {i["Content-ID"].strip("<>") for i in images}
    assert referenced == attached and len(attached) == 3


def test_message_carries_the_digest_text_and_html_unchanged(message, english):
    text, related = parsed(message).get_payload()
    assert text.get_content().replace("\r\n", "\n").rstrip() == english.text.rstrip()
    html = related.get_payload()[0].get_content()
    assert html.replace("\r\n", "\n").rstrip() == english.html.rstrip()


def test_headers_are_complete_and_one_line_each(message, english):
    back = parsed(message)
    assert back["Subject"] == english.subject
    assert back["From"] == SENDER
    assert [a.addr_spec for a in back["To"].addresses] == ["ceo@ourco.example", "cmo@ourco.example"]
    assert back["Reply-To"] == "marketing@ourco.example"
    assert back["List-Unsubscribe"] == "<https://ourco.example/digest/unsubscribe>"
    assert back["Auto-Submitted"] == "auto-generated"
    assert back["Date"] == "Mon, 24 Nov 2025 07:00:00 +0000"
    assert re.fullmatch(r"<[^<>@\s]+@ourco\.example>", back["Message-ID"])


@pytest.mark.parametrize(
    "sender",
    [
        "Evil\r\nBcc: victim@example.com <monitor@ourco.example>",
        "monitor@ourco.example\nBcc: victim@example.com",
    ],
)
def test_a_newline_in_an_address_is_refused_not_turned_into_a_header(english, sender):
    with pytest.raises(MonitorError, match="is not an address like"):
        build_message(english, sender=sender, recipients=["ceo@ourco.example"])


@pytest.mark.parametrize("bad", ["not an address", "a@b@c", "x@y.example, other@z.example"])
def test_a_bad_address_is_refused_with_a_plain_message(english, bad):
    with pytest.raises(MonitorError, match="is not an address like"):
        build_message(english, sender=SENDER, recipients=[bad])


def test_list_unsubscribe_must_be_mailto_or_https(english):
    with pytest.raises(MonitorError, match="List-Unsubscribe"):
        build_message(
            english, sender=SENDER, recipients=RECIPIENTS, list_unsubscribe="javascript:alert(1)"
        )
    ok = build_message(
        english,
        sender=SENDER,
        recipients=RECIPIENTS,
        list_unsubscribe="mailto:unsubscribe@ourco.example",
    )
    assert ok["List-Unsubscribe"] == "<mailto:unsubscribe@ourco.example>"


def test_without_recipients_the_message_is_still_valid(english):
    back = parsed(build_message(english, sender="monitor@localhost", recipients=[]))
    assert back["To"] == "undisclosed-recipients:;"
    assert back["Message-ID"].endswith("@localhost>")


def test_ten_companies_on_five_platforms_stay_under_one_megabyte(big):
    size = len(build_message(big, sender=SENDER, recipients=RECIPIENTS).as_bytes())
    assert size < 1_000_000
