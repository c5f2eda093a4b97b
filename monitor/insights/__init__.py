"""Interpret a measured week: the verdict, the gap decomposed, our own evidence, the long view,
the takeaways, and the subject and preheader that agree with the verdict. Plain data out.

Every threshold lives in `thresholds`; every sentence in monitor.wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor import wording
from monitor.insights.claims import Claim, Takeaway
from monitor.insights.evidence import long_view, own_evidence
from monitor.insights.gaps import Gap, average_gap, gaps, is_one_post, verdict
from monitor.insights.outcomes import what_it_brought
from monitor.insights.takeaways import takeaways
from monitor.metrics import MetricsSettings, WeekMetrics
from monitor.metrics.conversation import Conversation
from monitor.metrics.outcomes import Outcomes
from monitor.wording.sentences import SUBJECTS

__all__ = ["Argument", "Claim", "Gap", "Takeaway", "interpret", "takeaways"]
SUBJECT_MAX = 70  # characters, in every language
PREHEADER_MAX = 150


@dataclass(frozen=True)
class Argument:
    verdict: Claim | None
    gaps: list[Gap]  # us against each competitor, scoreboard order
    average_gap: Gap | None  # us against the competitor average
    evidence: list[Claim]  # our own history
    long_view: Claim | None
    takeaways: list[Claim]
    brought: list[Claim] = field(default_factory=list)  # what it brought us (outcomes)

    def subject(self, metrics: WeekMetrics, language: str) -> str:
        return _subject(self.verdict, metrics, language)

    def preheader(self, language: str) -> str:
        """What follows the verdict's first clause, so the inbox line continues the subject."""
        if self.verdict is None:
            return ""
        sentence = self.verdict.sentence(language)
        _head, colon, rest = sentence.partition(": ")
        text = (rest[0].upper() + rest[1:]) if colon and rest else sentence
        return text if len(text) <= PREHEADER_MAX else text[: PREHEADER_MAX - 1].rstrip() + "…"

    def figures(self, language: str) -> dict:
        def said(claim: Claim | None) -> dict | None:
            return (
                None if claim is None else {**claim.figures(), "sentence": claim.sentence(language)}
            )

        return {
            "verdict": said(self.verdict),
            "gaps": [g.figures() for g in self.gaps],
            "average_gap": self.average_gap.figures() if self.average_gap else None,
            "own_evidence": [said(c) for c in self.evidence],
            "long_view": said(self.long_view),
            "takeaways": [said(c) for c in self.takeaways],
            "what_it_brought": [said(c) for c in self.brought],
        }


def interpret(
    metrics: WeekMetrics,
    settings: MetricsSettings,
    conversation: Conversation | None = None,
    outcomes: Outcomes | None = None,
) -> Argument:
    """The week's argument; `conversation`, when mention sources are configured, may add the
    share-of-conversation takeaway; `outcomes`, when outcome sources are, what it brought us."""
    floor = settings.min_posts_for_claim
    found = gaps(metrics, floor)
    the_verdict = verdict(metrics, found, floor)
    has_us = metrics.has_data and metrics.us is not None
    return Argument(
        verdict=the_verdict,
        gaps=found,
        average_gap=average_gap(metrics, floor),
        evidence=own_evidence(metrics) if has_us else [],
        long_view=long_view(metrics) if has_us else None,
        takeaways=takeaways(metrics, floor, the_verdict, conversation),
        brought=what_it_brought(outcomes) if outcomes is not None else [],
    )


def _subject(claim: Claim | None, metrics: WeekMetrics, language: str) -> str:
    """The verdict's point in the first 45 characters, at most 70 in all."""
    language = language if language in wording.LANGUAGES else "en"
    numbers = {"week": metrics.week.week}
    key = "empty"
    if claim is not None:
        whole = ("zero_ours", "silent", "too_few", "level", "no_rival")
        base = claim.variant if claim.variant in whole else claim.variant.split("_")[0]
        key = "verdict:too_few" if base == "no_rival" else f"verdict:{base}"
        numbers |= claim.numbers
        company = claim.companies[0] if claim.companies else ""
        if company and is_one_post(metrics, company) and key == "verdict:behind":
            key = "verdict:one_post"  # a week that is mostly one post never makes the headline
    template = SUBJECTS[key][language]
    companies = claim.companies if claim else ()
    text = _filled(template, companies, numbers, language)
    if len(text) > SUBJECT_MAX and companies:  # a long company name is shortened, not the point
        room = SUBJECT_MAX - (len(text) - len(companies[0])) - 1
        text = _filled(template, (companies[0][: max(room, 1)] + "…",), numbers, language)
    return text[:SUBJECT_MAX]


def _filled(template: str, companies: tuple[str, ...], numbers: dict, language: str) -> str:
    claim = Claim("subject", companies, numbers)
    return wording.fill(template, claim, language)
