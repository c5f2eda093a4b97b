"""The digest's "Share of conversation" section: the week's mentions, formatted in one
language for both templates. It formats what the metrics measured; it computes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from monitor.kinds import display_name
from monitor.metrics.conversation import Conversation
from monitor.report.i18n import Formatter
from monitor.report.safety import excerpt

# What none of the mention sources can see, said every time (marked for translation below).
NOT_SEEN = "X, LinkedIn or TikTok"


@dataclass(frozen=True)
class ConversationRow:
    company: str
    ours: bool
    mentions: str  # "26"
    share: str  # "51.0%", or "–"
    change: str  # "+30%", or "" when the week before had none
    by_source: str  # "Hacker News 20 · News 6"


@dataclass(frozen=True)
class MentionLine:
    company: str
    source: str
    date: str
    excerpt: str
    figures: str
    url: str


def conversation_view(
    conversation: Conversation | None, timezone: str, fmt: Formatter
) -> dict[str, object] | None:
    """What the templates show; None when no mention source is configured."""
    if conversation is None or not conversation.coverage:
        return None
    rows = [
        ConversationRow(
            company=c.company,
            ours=c.is_self,
            mentions=fmt.integer(c.mentions),
            share=fmt.percent(c.share_pct),
            change=fmt.change_pct(c.change_pct) if c.change_pct is not None else "",
            by_source=" · ".join(
                f"{fmt._(display_name(kind))} {fmt.integer(n)}" for kind, n in c.by_source
            ),
        )
        for c in conversation.companies
    ]
    top = [
        MentionLine(
            company=m.company,
            source=fmt._(display_name(m.source_kind)),
            date=fmt.day(m.published_at.astimezone(ZoneInfo(timezone))),
            excerpt=excerpt(m.title, m.text) or fmt._("(no text)"),
            figures=fmt.n_("%(num)s interaction", "%(num)s interactions", int(m.engagement)),
            url=m.url,
        )
        for m in conversation.top
    ]
    return {"rows": rows, "top": top, "coverage": coverage_sentence(conversation, fmt)}


def coverage_sentence(conversation: Conversation, fmt: Formatter) -> str:
    """'From Hacker News, Mastodon hashtags on 3 servers and News; not X, LinkedIn or TikTok.'"""
    parts = []
    for kind, places in conversation.coverage:
        if kind == "mastodon_tags":
            parts.append(fmt.n_("Mastodon hashtags on %(num)s server",
                                "Mastodon hashtags on %(num)s servers", places))  # fmt: skip
        else:
            parts.append(fmt._(display_name(kind)))
    listed = (
        parts[0]
        if len(parts) == 1
        else fmt._("%(first)s and %(last)s", first=", ".join(parts[:-1]), last=parts[-1])
    )
    return fmt._(
        "Mentions counted from %(sources)s; not %(unseen)s. Each mention is counted once, "
        "never a company's own posts.",
        sources=listed,
        unseen=fmt._(NOT_SEEN),
    )
