"""The MIME message: parses back into alternative(text, related(html, PNGs)), clean headers."""

import email
import re
from email import policy

import pytest

from monitor.report.mime import compose_message


def parsed(message):
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


@pytest.fixture(scope="module")
def message(english):
    return compose_message(english)


def test_eml_parses_back_into_alternative_of_text_and_related_html_with_images(message):
    back = parsed(message)
    assert back.get_content_type() == "multipart/alternative"
    text, related = back.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, *images = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert [i.get_content_type() for i in images] == ["image/png"] * 2
    assert all(i.get_content_disposition() == "inline" for i in images)
    assert all(i.get_content().startswith(b"\x89PNG\r\n\x1a\n") for i in images)


def test_every_cid_has_its_image_and_no_image_is_unreferenced(message):
    related = parsed(message).get_payload()[1]
    html, *images = related.get_payload()
    referenced = set(re.findall(r'src="cid:([^"]+)"', html.get_content()))
    attached = {i["Content-ID"].strip("<>") for i in images}
    assert referenced == attached and len(attached) == 2


def test_message_carries_the_digest_text_and_html_unchanged(message, english):
    text, related = parsed(message).get_payload()
    assert text.get_content().replace("\r\n", "\n").rstrip() == english.text.rstrip()
    html = related.get_payload()[0].get_content()
    assert html.replace("\r\n", "\n").rstrip() == english.html.rstrip()


def test_the_body_carries_subject_and_language_but_no_envelope(message, english):
    back = parsed(message)
    assert back["Subject"] == english.subject
    assert back["Auto-Submitted"] == "auto-generated"
    assert back["Content-Language"] == "en"
    # Delivery sets these once, on the message it sends and keeps (tests/test_deliver.py).
    assert all(back[name] is None for name in ("From", "To", "Date", "Message-ID"))


def test_ten_companies_on_five_platforms_stay_under_one_megabyte(big):
    size = len(compose_message(big).as_bytes())
    assert size < 1_000_000
