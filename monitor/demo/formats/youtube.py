"""A YouTube channel's Atom feed (feeds/videos.xml): the newest 15 videos, yt: and media:."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from monitor.demo.formats import Reply
from monitor.demo.world import WorldPost, WorldSource, counts_at, posts_visible

CONTENT_TYPE = "text/xml; charset=UTF-8"
CHANNEL_CREATED = "2015-03-02T10:00:00+00:00"


def render_channel_feed(source: WorldSource, now: datetime) -> Reply:
    channel = source.target
    home = f"https://www.youtube.com/channel/{channel}"
    entries = "".join(_entry(source, post, now) for post in posts_visible(source, now))
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
 <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id={channel}"/>
 <id>yt:channel:{channel.removeprefix("UC")}</id>
 <yt:channelId>{channel.removeprefix("UC")}</yt:channelId>
 <title>{escape(source.company)}</title>
 <link rel="alternate" href="{home}"/>
 <author>
  <name>{escape(source.company)}</name>
  <uri>{home}</uri>
 </author>
 <published>{CHANNEL_CREATED}</published>
{entries}</feed>"""  # noqa: E501
    return Reply(200, CONTENT_TYPE, body.encode())


def _entry(source: WorldSource, post: WorldPost, now: datetime) -> str:
    video, channel = post.post_id, source.target
    counts = counts_at(post, now)
    home = f"https://www.youtube.com/channel/{channel}"
    # YouTube bumps <updated> when the counters are refreshed, a few hours at most behind.
    updated = max(post.published_at, now - timedelta(hours=3))
    tags = " ".join(f"#{tag}" for tag in post.hashtags)
    said = (
        f"Novità da {source.company}. Iscriviti per un nuovo video ogni settimana."
        if source.language == "it"
        else f"New from {source.company}. Subscribe for a new video every week."
    )
    description = escape(said + (f"\n\n{tags}" if tags else ""))
    return f""" <entry>
  <id>yt:video:{video}</id>
  <yt:videoId>{video}</yt:videoId>
  <yt:channelId>{channel}</yt:channelId>
  <title>{escape(post.title)}</title>
  <link rel="alternate" href="https://www.youtube.com/watch?v={video}"/>
  <author>
   <name>{escape(source.company)}</name>
   <uri>{home}</uri>
  </author>
  <published>{post.published_at.isoformat()}</published>
  <updated>{updated.isoformat()}</updated>
  <media:group>
   <media:title>{escape(post.title)}</media:title>
   <media:content url="https://www.youtube.com/v/{video}?version=3" type="application/x-shockwave-flash" width="640" height="390"/>
   <media:thumbnail url={quoteattr(f"https://i{len(video) % 4 + 1}.ytimg.com/vi/{video}/hqdefault.jpg")} width="480" height="360"/>
   <media:description>{description}</media:description>
   <media:community>
    <media:starRating count="{counts["likes"]}" average="5.00" min="1" max="5"/>
    <media:statistics views="{counts["views"]}"/>
   </media:community>
  </media:group>
 </entry>
"""  # noqa: E501
