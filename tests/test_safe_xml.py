"""monitor.safe_xml: entity declarations refused in any encoding; plain feeds not parsed twice.

The refusals of the plain cases (a billion-laughs bomb, a DOCTYPE without entities, malformed
XML) are in tests/test_net.py.
"""

from __future__ import annotations

import pytest

from monitor import safe_xml
from monitor.errors import SourceError
from monitor.safe_xml import refuse_xml_entities

BOMB = """<?xml version="1.0" encoding="{encoding}"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title></channel></rss>"""
PLAIN = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0"><channel><title>A &amp; B</title><item><title><![CDATA[<b>x</b>]]></title>
</item></channel></rss>"""


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_entity_declarations_in_utf16_are_refused(codec: str) -> None:
    body = BOMB.format(encoding="UTF-16").encode(codec)  # "utf-16" writes a byte order mark
    with pytest.raises(SourceError) as caught:
        refuse_xml_entities(body, "http://x/feed")
    assert caught.value.kind == "bad_content"


def test_lowercase_declarations_are_refused() -> None:
    body = BOMB.format(encoding="UTF-8").replace("<!DOCTYPE", "<!doctype")
    with pytest.raises(SourceError, match="declares XML entities"):
        refuse_xml_entities(body.replace("<!ENTITY", "<!entity").encode(), "http://x/feed")


@pytest.fixture
def xml_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies the entity check parsed, in order (it still parses them)."""
    parsed: list[bytes] = []
    original = safe_xml.defused_fromstring

    def recording(body: bytes, **options: bool) -> object:
        parsed.append(body)
        return original(body, **options)

    monkeypatch.setattr(safe_xml, "defused_fromstring", recording)
    return parsed


def test_a_feed_that_declares_nothing_is_not_parsed_for_the_check(xml_parses: list[bytes]) -> None:
    refuse_xml_entities(PLAIN.format(encoding="UTF-8").encode(), "u")
    refuse_xml_entities(PLAIN.format(encoding="ISO-8859-1").encode("latin-1"), "u")
    refuse_xml_entities(b"<rss><channel><title>unclosed", "u")
    assert xml_parses == []


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "rss.dtd"><rss version="0.91"></rss>',
        b"<!doctype rss><rss></rss>",
        PLAIN.format(encoding="UTF-16").encode("utf-16"),
        PLAIN.format(encoding="UTF-16").encode("utf-16-be"),
        PLAIN.format(encoding="UTF-32").encode("utf-32"),
        b"<rss>\x00</rss>",
    ],
    ids=["doctype", "lowercase", "utf16", "utf16_no_bom", "utf32", "nul_byte"],
)
def test_a_feed_that_might_declare_entities_is_parsed_for_the_check(
    body: bytes, xml_parses: list[bytes]
) -> None:
    refuse_xml_entities(body, "u")
    assert xml_parses == [body]


def test_a_declaration_anywhere_in_the_body_gets_the_check(xml_parses: list[bytes]) -> None:
    body = b'<rss version="2.0"><channel><title>A</title></channel></rss>\n<!ENTITY x "y">'
    with pytest.raises(SourceError, match="is malformed"):
        refuse_xml_entities(body, "u")
    assert xml_parses == [body]


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be"])
def test_entity_declarations_in_utf32_are_refused(codec: str) -> None:
    body = BOMB.format(encoding="UTF-32").encode(codec)  # "utf-32" writes a byte order mark
    with pytest.raises(SourceError, match="declares XML entities"):
        refuse_xml_entities(body, "http://x/feed")


def test_a_utf32_feed_that_declares_nothing_passes() -> None:
    refuse_xml_entities(PLAIN.format(encoding="UTF-32").encode("utf-32"), "http://x/feed")
