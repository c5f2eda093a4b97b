"""A blog's RSS 2.0 feed as WordPress writes it: the newest items, comments as slash:comments."""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from monitor.demo.formats import Reply
from monitor.demo.world import WorldPost, WorldSource, counts_at, posts_visible

CONTENT_TYPE = "application/rss+xml; charset=UTF-8"


def site_of(source: WorldSource) -> str:
    """https://northwind.example/blog/feed.xml -> https://northwind.example/blog/"""
    return re.sub(r"/feed(\.xml)?/?$", "/", source.target)


def post_url(source: WorldSource, post: WorldPost) -> str:
    return f"{site_of(source)}{post.post_id}/"


def render_feed(source: WorldSource, now: datetime) -> Reply:
    posts = posts_visible(source, now)
    site = site_of(source)
    built = posts[0].published_at if posts else now
    items = "".join(_item(source, post, now) for post in posts)
    body = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"
\txmlns:media="http://search.yahoo.com/mrss/"
\t>

<channel>
\t<title>{escape(source.display_name)}</title>
\t<atom:link href="{escape(source.target)}" rel="self" type="application/rss+xml" />
\t<link>{escape(site)}</link>
\t<description>News and stories from {escape(source.company)}</description>
\t<lastBuildDate>{format_datetime(built, usegmt=True)}</lastBuildDate>
\t<language>en-US</language>
\t<sy:updatePeriod>
\thourly\t</sy:updatePeriod>
\t<sy:updateFrequency>
\t1\t</sy:updateFrequency>
\t<generator>https://wordpress.org/?v=6.6.2</generator>
{items}</channel>
</rss>
"""
    return Reply(200, CONTENT_TYPE, body.encode())


def _item(source: WorldSource, post: WorldPost, now: datetime) -> str:
    link = escape(post_url(source, post))
    comments = counts_at(post, now).get("replies", 0)
    guid = f"{site_of(source)}?p={zlib.crc32(post.post_id.encode()) % 10**5}"
    categories = "".join(f"\t\t<category><![CDATA[{tag}]]></category>\n" for tag in post.hashtags)
    image = ""
    if post.media_type == "image":
        picture = f"{site_of(source)}wp-content/uploads/{post.post_id[:7]}/cover.jpg"
        image = f'\t\t<media:content url="{escape(picture)}" medium="image" />\n'
    return f"""\t<item>
\t\t<title>{escape(post.title)}</title>
\t\t<link>{link}</link>
\t\t<comments>{link}#respond</comments>
\t\t<dc:creator><![CDATA[{source.company} team]]></dc:creator>
\t\t<pubDate>{format_datetime(post.published_at, usegmt=True)}</pubDate>
{categories}\t\t<guid isPermaLink="false">{escape(guid)}</guid>
\t\t<description><![CDATA[{post.text} [&#8230;]]]></description>
\t\t<content:encoded><![CDATA[<p>{escape(post.text)}</p>]]></content:encoded>
{image}\t\t<wfw:commentRss>{link}feed/</wfw:commentRss>
\t\t<slash:comments>{comments}</slash:comments>
\t</item>
"""
