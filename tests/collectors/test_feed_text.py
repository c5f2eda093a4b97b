"""strip_html: the text lxml.html's fragment reading gives, without its Python layers.

The reference below is strip_html as it was, on lxml.html.fragment_fromstring; the cheaper
reading must give the same text wherever lxml.html reads one, and a text where it failed
(a character no XML tree holds, a document without a single <body>): one item's description
must never cost a feed.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from monitor.collectors.feed_text import strip_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BLOCKS = ["p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "img"]
BLOCKS += ["blockquote", "pre", "figure", "figcaption", "section", "article", "hr"]
PIECES = [
    *("<p>", "</p>", "<div>", "</div>", "<br>", "<br/>", "<b>", "</b>", "<li>", "<td>", "<hr>"),
    *("<script>", "</script>", "<style>", "</style>", "<!--", "-->", "<!-- c -->", "<?pi x?>"),
    *("<html>", "</html>", "<body>", "</body>", "<head>", "<title>t</title>", "<!doctype html>"),
    *("<textarea>", "</textarea>", "<plaintext>", "<noembed>", "<svg>", "<![CDATA[", "]]>"),
    *("&amp;", "&lt;", "&nbsp;", "&#8230;", "&foo;", "&", "<", ">", "</", "<!", "'", '"'),
    *(" ", "\n", "\t", "\r\n", "\x0c", "\x01", "\x00", "\x85", "\xa0", "\ufffe", "\u2028"),
    *("word", "wörd", "日本", "😀", "<a href='x'>", "</a>", "<img src=x>", "<o:p>"),
]
TRICKY = [
    "",
    "&",
    "<",
    "a<!-- c -->b",
    "<p>One</p><script>x()</script>two<style>p{}</style><p>three</p>",
    "<html><head><title>T</title></head><body><p>B</p></body></html>",
    "  <!DOCTYPE html><html></html>",
    "<html><body>a</body><body>b</body></html>",
    "x</body>after<p>y",
    "\x01<p>leading control character</p>",
    "\x0c<!-- c -->\tblank leading text",
    "<p>a</p>\x01 control character in a tail",
    "<b>\ufffe</b><plaintext><p>raw",
    "<p>Paragraph 3 of a post about our plans.</p>",
]


NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def lxml_reading(html: str) -> str | None:
    """The text strip_html read on lxml.html, characters no XML tree holds made spaces first;
    None where it failed (lxml.html asserts a single <body>)."""
    try:
        return _reference(NOT_XML.sub(" ", html))
    except AssertionError:
        return None


def _reference(html: str) -> str:
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return " ".join(html.split())
    for tag in list(root.iter("script", "style", etree.Comment)):
        tag.drop_tree()
    for tag in root.iter(*BLOCKS):
        tag.tail = " " + (tag.tail or "")
    return " ".join("".join(root.itertext()).split())


def agrees(html: str) -> bool:
    """strip_html reads a text, lxml.html's own where it has one."""
    ours = strip_html(html)
    reference = lxml_reading(html)
    return isinstance(ours, str) and (reference is None or ours == reference)


def fixture_texts() -> list[str]:
    texts = []
    for path in sorted((FIXTURES / "feed").glob("*.xml")):
        for entry in feedparser.parse(path.read_bytes(), sanitize_html=False).entries:
            texts += [entry.get("title", ""), entry.get("summary", "")]
            texts += [content.get("value", "") for content in entry.get("content", [])]
    return texts


def random_fragments(count: int, seed: int) -> list[str]:
    pick = random.Random(seed)
    return ["".join(pick.choices(PIECES, k=pick.randint(1, 30))) for _ in range(count)]


@pytest.mark.parametrize("html", TRICKY)
def test_tricky_fragments_read_as_lxml_html_reads_them(html: str) -> None:
    assert agrees(html)


def test_every_fixture_text_reads_as_lxml_html_reads_it() -> None:
    texts = fixture_texts()
    assert len(texts) > 20 and any("<p>" in text for text in texts)
    assert [text for text in texts if not agrees(text)] == []


def test_random_fragments_read_as_lxml_html_reads_them() -> None:
    fragments = random_fragments(3000, seed=16)
    assert [f for f in fragments if not agrees(f)] == []


def test_what_the_text_keeps_and_drops() -> None:
    assert strip_html("<p>a</p>b<br>c<li>d</li><li>e</li>") == "a b cd e"  # after a block, a space
    assert strip_html("a<!-- c -->b<script>x()</script>c") == "abc"
    assert strip_html("<html><head><title>T</title></head><body>B</body></html>") == "B"
    assert strip_html("Caf&eacute; &amp; <b>bold</b>") == "Café & bold"
    assert strip_html("\x01<p>x</p>") == "x"  # a control character: a space


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<html></html>", ""),
        ("<html><head><title>Launch</title><style>p{}</style></head></html>", "Launch"),
        ("<html><body><p>a</p></body><body>b</body></html>", "a b"),
        ("<p>Offer</p>\x01 ends\x0bsoon", "Offer ends soon"),
    ],
)
def test_where_lxml_html_failed_a_text_is_read(html: str, text: str) -> None:
    assert strip_html(html) == text


def test_one_item_lxml_html_could_not_read_costs_the_feed_nothing() -> None:
    from datetime import UTC, datetime

    from monitor.collectors.feed import parse_feed

    items = "".join(
        f"<item><title>Post {n}</title><link>https://acme.example/{n}</link>"
        f"<description>{description}</description></item>"
        for n, description in enumerate(
            ["&lt;p&gt;Fine&lt;/p&gt;", "&lt;html&gt;&lt;/html&gt;", "&lt;p&gt;a&lt;/p&gt;&#x1;b"]
        )
    )
    body = f'<rss version="2.0"><channel><title>Acme</title>{items}</channel></rss>'.encode()
    posts, _warnings = parse_feed(body, "https://acme.example/feed", datetime.now(UTC), None)
    assert [p.text for p in posts] == ["Fine", "", "a b"]
