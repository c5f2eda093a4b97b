"""The share-of-conversation takeaway: who others talk about most, against us, said only when
the gap is large and both counts are enough (a ratio needs enough mentions on both sides; a
company mentioned often while we are hardly mentioned is said in counts, never as a ratio)."""

from __future__ import annotations

import math

from monitor.insights.claims import Claim
from monitor.insights.thresholds import (
    MIN_CONVERSATION_RATIO,
    MIN_MENTIONS_LEADING,
    RELEVANCE,
)
from monitor.metrics.conversation import CompanyConversation, Conversation


def conversation_gap(conversation: Conversation | None, floor: int) -> list[Claim]:
    """At most one claim: the most-mentioned competitor against us, or us against it."""
    if conversation is None or not conversation.coverage or conversation.us is None:
        return []
    us = conversation.us
    rivals = [c for c in conversation.companies if not c.is_self]
    if not rivals:
        return []
    leader = max(rivals, key=lambda c: c.mentions)
    if leader.mentions >= us.mentions:
        return _behind(us, leader, floor)
    return _ahead(us, leader, floor)


def _behind(us: CompanyConversation, leader: CompanyConversation, floor: int) -> list[Claim]:
    if leader.mentions < MIN_MENTIONS_LEADING:
        return []
    numbers = _numbers(leader, us)
    if us.mentions < floor:  # too few of ours for a ratio: the counts say it
        variant = "none_ours" if us.mentions == 0 else "few_ours"
        return [_claim(variant, leader, numbers, math.log2(leader.mentions / max(us.mentions, 1)))]
    ratio = leader.mentions / us.mentions
    if ratio < MIN_CONVERSATION_RATIO:
        return []
    return [_claim("behind", leader, {**numbers, "ratio": ratio}, math.log2(ratio))]


def _ahead(us: CompanyConversation, leader: CompanyConversation, floor: int) -> list[Claim]:
    if us.mentions < MIN_MENTIONS_LEADING or leader.mentions < floor:
        return []
    ratio = us.mentions / leader.mentions
    if ratio < MIN_CONVERSATION_RATIO:
        return []
    return [_claim("ahead", leader, {**_numbers(leader, us), "ratio": ratio}, math.log2(ratio))]


def _numbers(leader: CompanyConversation, us: CompanyConversation) -> dict[str, float]:
    numbers = {"theirs": float(leader.mentions), "ours": float(us.mentions)}
    if leader.share_pct is not None and us.share_pct is not None:
        numbers |= {"their_share": leader.share_pct, "our_share": us.share_pct}
    return numbers


def _claim(variant: str, leader: CompanyConversation, numbers: dict, magnitude: float) -> Claim:
    strength = RELEVANCE["conversation_gap"] * magnitude
    return Claim("conversation_gap", (leader.company,), numbers, strength, variant=variant)
