"""A public Telegram channel's web preview, t.me/s/<channel>: the newest ~20 messages,
oldest first, `?before=<message id>` for earlier ones; counters written as "12.4K"."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from monitor.demo.formats import Reply
from monitor.demo.world import WorldPost, WorldSource, counts_at, followers_at, posts_visible

PAGE_SIZE = 20
CONTENT_TYPE = "text/html; charset=utf-8"
CDN = "https://cdn4.telesco.pe/file"
_REACTIONS = (("👍", "F09F918D", 0.6), ("❤", "E29DA4", 0.25), ("🔥", "F09F94A5", 0.15))


def compact(number: int) -> str:
    """Telegram's way of writing a count: 950, 12.4K, 1.2M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "K")):
        if number >= size:
            return f"{number / size:.1f}".removesuffix(".0") + suffix
    return str(number)


def render_channel(source: WorldSource, now: datetime, before: int | None) -> Reply:
    channel = source.target
    posts = list(reversed(posts_visible(source, now)))  # oldest first, as the page shows them
    if before is not None:
        posts = [p for p in posts if int(p.post_id) < before]
    page = posts[-PAGE_SIZE:]
    more = ""
    prev_link = ""
    if page and int(page[0].post_id) > 1:
        first = page[0].post_id
        prev_link = f'\n    <link rel="prev" href="/s/{channel}?before={first}">'
        more = (
            '<div class="tgme_widget_message_centered js-messages_more_wrap">'
            f'<a href="/s/{channel}?before={first}" class="tme_messages_more js-messages_more" '
            f'data-before="{first}"></a></div>'
        )
    messages = "".join(_message(source, post, now) for post in page)
    name = escape(source.display_name)
    subscribers = compact(followers_at(source, now))
    body = f"""<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>{name} – Telegram</title>
    <meta name="viewport" content="width=device-width, initial-scale=1.0, minimum-scale=1.0, maximum-scale=1.0, user-scalable=no" />
    <meta property="og:title" content="{name}">
    <meta property="og:site_name" content="Telegram">
    <meta property="al:android:url" content="tg://resolve?domain={channel}">
    <link rel="canonical" href="/s/{channel}">{prev_link}
    <link href="//telegram.org/css/widget-frame.css?71" rel="stylesheet" media="screen">
  </head>
  <body class="widget_frame_base tgme_webpreview emoji_image nodesktop">
<header class="tgme_header search_collapsed">
  <div class="tgme_header_info">
    <div class="tgme_header_title"><span dir="auto">{name}</span></div>
    <div class="tgme_header_counter">{subscribers} subscribers</div>
  </div>
</header>
<div class="tgme_header_right_column">
  <section class="tgme_right_column">
    <div class="tgme_channel_info">
      <div class="tgme_channel_info_header">
        <div class="tgme_channel_info_header_title_wrap"><div class="tgme_channel_info_header_title"><span dir="auto">{name}</span></div></div>
        <div class="tgme_channel_info_header_username"><a href="https://t.me/{channel}">@{channel}</a></div>
      </div>
      <div class="tgme_channel_info_description">News from {escape(source.company)}, every day.</div>
      <div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter"><span class="counter_value">{subscribers}</span> <span class="counter_type">subscribers</span></div><div class="tgme_channel_info_counter"><span class="counter_value">{compact(3 * len(posts) + 40)}</span> <span class="counter_type">photos</span></div><div class="tgme_channel_info_counter"><span class="counter_value">{compact(len(posts) + 12)}</span> <span class="counter_type">videos</span></div></div>
    </div>
  </section>
</div>
<main class="tgme_main" data-url="/{channel}">
  <div class="tgme_container">
    <section class="tgme_channel_history js-message_history">
      {more}{messages}
    </section>
  </div>
</main>
    <script src="//telegram.org/js/widget-frame.js?66"></script>
    <script>TWeb.init();</script>
  </body>
</html>
<!-- page generated in 9.41ms -->
"""  # noqa: E501
    return Reply(200, CONTENT_TYPE, body.encode())


def _message(source: WorldSource, post: WorldPost, now: datetime) -> str:
    channel, number = source.target, post.post_id
    link = f"https://t.me/{channel}/{number}"
    counts = counts_at(post, now)
    tags = "".join(f'<br/><a href="?q={quote("#" + t)}">#{escape(t)}</a>' for t in post.hashtags)
    return f"""<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{channel}/{number}" data-view="eyJjIjotMTAwMTIzNDU2Nzg5LCJwIjo{number}">
  <div class="tgme_widget_message_user"><a href="https://t.me/{channel}"><i class="tgme_widget_message_user_photo bgcolor2" data-content="{escape(source.company[0])}"><img src="{CDN}/{source.slug}-avatar.jpg"></i></a></div>
  <div class="tgme_widget_message_bubble">
    <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/{channel}"><span dir="auto">{escape(source.display_name)}</span></a></div>
{_media(post, link)}<div class="tgme_widget_message_text js-message_text" dir="auto">{escape(post.text)}{tags}</div>
{_reactions(counts["likes"])}<div class="tgme_widget_message_footer compact js-message_footer">
  <div class="tgme_widget_message_info short js-message_info">
    <span class="tgme_widget_message_views">{compact(counts["views"])}</span><span class="copyonly"> views</span><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="{link}"><time datetime="{post.published_at.isoformat()}" class="time">{post.published_at:%H:%M}</time></a></span>
  </div>
</div>
  </div>
</div></div>"""  # noqa: E501


def _media(post: WorldPost, link: str) -> str:
    picture = f"background-image:url('{CDN}/{post.target}-{post.post_id}.jpg')"
    if post.media_type == "image":
        return (
            f'<a class="tgme_widget_message_photo_wrap" href="{link}" '
            f'style="{picture};width:800px">'
            '<div class="tgme_widget_message_photo" style="padding-top:62.5%"></div></a>'
        )
    if post.media_type == "video":
        return (
            f'<a class="tgme_widget_message_video_player js-message_video_player" href="{link}">'
            f'<i class="tgme_widget_message_video_thumb" style="{picture}"></i>'
            '<div class="tgme_widget_message_video_wrap"><video class="tgme_widget_message_video '
            f'js-message_video" src="{CDN}/{post.target}-{post.post_id}.mp4" width="100%" '
            'height="100%"></video></div><div class="message_video_play"></div>'
            '<time class="message_video_duration js-message_video_duration">0:42</time></a>'
        )
    return ""


def _reactions(total: int) -> str:
    if total <= 0:
        return ""
    spans, left = [], total
    for index, (emoji, code, share) in enumerate(_REACTIONS):
        count = left if index == len(_REACTIONS) - 1 else round(total * share)
        left -= count
        if count > 0:
            spans.append(
                f'<span class="tgme_reaction"><i class="emoji" style="background-image:'
                f"url('//telegram.org/img/emoji/40/{code}.png')\"><b>{emoji}</b></i>"
                f"{compact(count)}</span>"
            )
    return (
        f'<div class="tgme_widget_message_reactions js-message_reactions">{"".join(spans)}</div>\n'
    )
