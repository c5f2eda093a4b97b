"""Plain text of the HTML in feeds: a title's or an excerpt's words, as a reader sees them.

The fragment is read as lxml.html.fragment_fromstring reads it, without its Python layers
(tests/collectors/test_feed_text.py compares the two readings).
"""

from __future__ import annotations

import re

from lxml import etree

EXCERPT_CHARS = 500
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "img",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "section",
    "article",
    "hr",
}
_DROPPED = {"script", "style", etree.Comment}
# lxml.html's own parser settings and its test for a whole document, without its element classes
_HTML_PARSER = etree.HTMLParser()
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE).match
# Characters no XML tree holds (lxml refuses them in any text it is given): a space instead,
# so that one of them in a feed's description never costs the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def strip_html(html: str) -> str:
    """Plain text of an HTML fragment, whitespace collapsed; scripts and styles dropped."""
    html = _NOT_XML.sub(" ", html)
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    try:
        body = _fragment_body(html)
    except (etree.ParserError, ValueError):  # not markup after all (or empty)
        return " ".join(html.split())
    dropped = []
    for element in body.iter():  # one pass: a pass for each list of tags costs more
        if element.tag in _BLOCKS:  # words of two paragraphs must not run together
            element.tail = " " + (element.tail or "")
        elif element.tag in _DROPPED:
            dropped.append(element)
    for element in dropped:
        _drop_tree(element)
    return " ".join(etree.tostring(body, method="text", encoding=str, with_tail=False).split())


def _fragment_body(html: str) -> etree._Element:
    """The <body> that lxml.html.fragment_fromstring reads the fragment into, the same way
    (half its cost was its Python layers and element classes); the whole document when it
    has no single <body>, where lxml.html fails an assertion."""
    document = html if _FULL_HTML(html) else f"<html><body>{html}</body></html>"
    root = etree.fromstring(document, _HTML_PARSER)
    if root is None:
        raise etree.ParserError("Document is empty")
    bodies = [child for child in root if child.tag == "body"]
    if root.tag != "html" or len(bodies) != 1:
        return root
    body = bodies[0]
    if body.text is not None:  # the leading text as lxml.html keeps it: dropped when blank, else
        body.text = body.text if body.text.strip() else None  # copied (control characters fail)
    return body


def _drop_tree(element: etree._Element) -> None:
    """The element and its children removed, its tail kept (lxml.html's drop_tree)."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def excerpt(html: str, limit: int = EXCERPT_CHARS) -> str:
    text = strip_html(html)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"
