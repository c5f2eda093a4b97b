"""What may become a link and what may reach a mail header."""

import pytest

from monitor.report.safety import excerpt, header_text, one_line, safe_url


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.example/news/1",
        "http://acme.example:8080/a?b=c#d",
        "  https://acme.example/x  ",
    ],
)
def test_absolute_http_urls_survive(url):
    assert safe_url(url) == url.strip()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "/news/1",
        "//evil.example/x",
        "news/1",
        "https://",
        "https://acme.example:99999/",
        "https://user:pass@evil.example/",
        'https://acme.example/"onmouseover="alert(1)',
        "https://acme.example/\nSet-Cookie: x",
        "ftp://acme.example/file",
        "",
        None,
        42,
    ],
)
def test_everything_but_absolute_http_urls_is_dropped(url):
    assert safe_url(url) is None


def test_header_text_removes_line_breaks_and_control_characters():
    hostile = "Acme +38%\r\nBcc: victim@example.com\x00\u2028again"
    cleaned = header_text(hostile)
    assert "\n" not in cleaned and "\r" not in cleaned and "\x00" not in cleaned
    assert "\u2028" not in cleaned
    assert cleaned == "Acme +38% Bcc: victim@example.com again"


def test_one_line_cuts_long_text_with_an_ellipsis():
    assert one_line("word " * 100, 20) == "word word word word…"
    assert len(one_line("x" * 500, 240)) == 240


def test_excerpt_joins_title_and_text_without_repeating_the_title():
    assert excerpt("Launch", "We launched today") == "Launch: We launched today"
    assert excerpt("Launch", "Launch day is here") == "Launch day is here"
    assert excerpt(None, "  two\n\nlines ") == "two lines"
    assert excerpt("Only a title", "") == "Only a title"
