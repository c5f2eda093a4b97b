"""html_to_text reads HTML with lxml as BeautifulSoup's get_text reads it, on fragments
made of the pieces where the two could differ."""

from __future__ import annotations

import random
import re

import pytest
from bs4 import BeautifulSoup

from monitor.collectors.parsing import clip, html_to_text

PIECES = (
    "<p>", "</p>", "<br>", "<br/>", "<a href='x'>", "</a>", '<span class="h">', "</span>",
    "#tag", "hello", " ", "  ", "\n", "\t", "\r\n", "\x0c", "&amp;", "&lt;", "&nbsp;",
    "&#x1F600;", "&bogus;", "<script>x < y</script>", "<style>p{}</style>", "<!-- c -->", "<b>",
    "</b>", "<div>", "</div>", "<", ">", "&", "é", "<html>", "<body>", "</body>",
    "<head><title>t</title></head>", "<![CDATA[z]]>", "<?pi x?>", "<img src=a>",
    "<ul><li>a</li> <li>b</li></ul>", "<pre>  x \n y</pre>", "<pre><b> a </b> <i>\n</i></pre>",
    "<textarea> t </textarea>", "<p class='x'>", "\x00", "\x0b", "\ufeff", "\u2028",
)  # fmt: skip


def soup_text(html: str) -> str:
    """The reading html_to_text keeps: BeautifulSoup's tree and its get_text."""
    soup = BeautifulSoup(html, "lxml")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for paragraph in soup.find_all("p"):
        paragraph.insert_after("\n\n")
    return clip(re.sub(r"\n{3,}", "\n\n", soup.get_text()).strip())


@pytest.mark.parametrize("seed", range(4))
def test_every_fragment_reads_as_beautifulsoup_reads_it(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(2_500):
        html = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        assert html_to_text(html) == soup_text(html), repr(html)


def test_a_mastodon_status_keeps_its_paragraphs_and_line_breaks() -> None:
    content = (
        '<p>Launch day! <a href="https://acme.example/tags/launch" class="mention hashtag"'
        ' rel="tag">#<span>launch</span></a><br />Read more: <a href="https://acme.example/b">'
        '<span class="invisible">https://</span><span class="">acme.example/b</span></a></p>'
        "<p>Second &amp; last.</p>"
    )
    assert html_to_text(content) == (
        "Launch day! #launch\nRead more: https://acme.example/b\n\nSecond & last."
    )
