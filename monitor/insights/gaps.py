"""The gap between us and each competitor, decomposed, and the verdict built on it.

Exact by construction:
  engagement ratio = posts ratio x per-post ratio        (posts that show engagement)
  per-post ratio   = per-follower ratio x audience ratio (on the platforms where both sides
                                                          show followers)
The verdict's rules, in order: we did not post; too few posts of ours; no competitor with
enough posts; the leader (most engagement, a one-post week counted without its post) earned
something and we nothing; behind, ahead or level, with the factor that explains it and the
lever in our hands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.insights.claims import Claim
from monitor.insights.thresholds import MIN_RATIO, ONE_POST_SHARE, SAME
from monitor.metrics import CompanyWeek, WeekMetrics


@dataclass(frozen=True)
class Side:
    posts: float  # posts whose engagement is known
    engagement: float

    @property
    def per_post(self) -> float | None:
        return self.engagement / self.posts if self.posts else None


@dataclass(frozen=True)
class AudienceSplit:
    """Both sides on the platforms where both show followers."""

    platforms: tuple[str, ...]
    ours: Side
    theirs: Side
    ours_followers: float
    theirs_followers: float

    @property
    def ours_rate(self) -> float:
        return (self.ours.per_post or 0.0) / self.ours_followers * 100

    @property
    def theirs_rate(self) -> float:
        return (self.theirs.per_post or 0.0) / self.theirs_followers * 100

    @property
    def per_post_ratio(self) -> float:
        return (self.theirs.per_post or 0.0) / (self.ours.per_post or math.inf)

    @property
    def follower_ratio(self) -> float:
        return self.theirs_rate / self.ours_rate if self.ours_rate else math.inf

    @property
    def audience_ratio(self) -> float:
        return self.theirs_followers / self.ours_followers


@dataclass(frozen=True)
class Gap:
    competitor: str
    ours: Side
    theirs: Side
    enough: bool  # both sides have the posts a comparison needs
    audience: AudienceSplit | None

    @property
    def comparable(self) -> bool:
        return (self.enough and self.ours.engagement > 0 and self.theirs.engagement > 0
                and self.ours.posts > 0 and self.theirs.posts > 0)  # fmt: skip

    @property
    def engagement_ratio(self) -> float | None:
        return self.theirs.engagement / self.ours.engagement if self.comparable else None

    @property
    def posts_ratio(self) -> float | None:
        return self.theirs.posts / self.ours.posts if self.comparable else None

    @property
    def per_post_ratio(self) -> float | None:
        if not self.comparable:
            return None
        return (self.theirs.per_post or 0.0) / (self.ours.per_post or math.inf)

    def figures(self) -> dict:
        split = self.audience
        return {
            "competitor": self.competitor,
            "ours": {"posts": self.ours.posts, "engagement": self.ours.engagement},
            "theirs": {"posts": self.theirs.posts, "engagement": self.theirs.engagement},
            "engagement_ratio": self.engagement_ratio,
            "posts_ratio": self.posts_ratio,
            "per_post_ratio": self.per_post_ratio,
            "audience": None
            if split is None
            else {
                "platforms": list(split.platforms),
                "ours": {"posts": split.ours.posts, "engagement": split.ours.engagement,
                         "followers": split.ours_followers, "per_follower_pct": split.ours_rate},
                "theirs": {"posts": split.theirs.posts, "engagement": split.theirs.engagement,
                           "followers": split.theirs_followers,
                           "per_follower_pct": split.theirs_rate},
                "per_post_ratio": split.per_post_ratio,
                "per_follower_ratio": split.follower_ratio,
                "audience_ratio": split.audience_ratio,
            },
            "how": "engagement ratio = posts ratio x per-post ratio (posts that show engagement); "
            "on the platforms where both show followers, per-post ratio = per-follower ratio x "
            "audience ratio",
        }  # fmt: skip


def _side(row: CompanyWeek) -> Side:
    """Posts that show engagement (all posts where the metrics do not say)."""
    posts = row.engaged_posts.value if row.engaged_posts.value is not None else row.posts.value
    return Side(posts or 0.0, row.engagement.value or 0.0)


def gaps(metrics: WeekMetrics, floor: int) -> list[Gap]:
    """Us against each competitor, in the scoreboard's order (most engagement first)."""
    us = metrics.us
    if us is None:
        return []
    found = []
    platforms = _platforms_of(metrics)
    for rival in metrics.competitors:
        enough = (us.posts.value or 0) >= floor and (rival.posts.value or 0) >= floor
        split = _audience(platforms, us.company, rival.company)
        found.append(Gap(rival.company, _side(us), _side(rival), enough, split))
    return found


def average_gap(metrics: WeekMetrics, floor: int) -> Gap | None:
    """Us against the average competitor (its ratios follow from its averages)."""
    us, average = metrics.us, metrics.competitor_average
    if us is None or not metrics.competitors:
        return None
    enough = (us.posts.value or 0) >= floor and (average.posts.value or 0) >= floor
    return Gap(average.company, _side(us), _side(average), enough, None)


def _platforms_of(metrics: WeekMetrics) -> dict[str, dict[str | None, CompanyWeek]]:
    """company -> platform -> its row (once for every rival: a walk of every row for each
    one was quadratic in the companies)."""
    found: dict[str, dict[str | None, CompanyWeek]] = {}
    for row in metrics.platforms:
        found.setdefault(row.company, {})[row.platform] = row
    return found


def _audience(
    platforms_of: dict[str, dict[str | None, CompanyWeek]], ours: str, theirs: str
) -> AudienceSplit | None:
    def followed(company: str) -> set[str | None]:
        rows = platforms_of.get(company, {})
        return {p for p, row in rows.items() if row.followers.value and _side(row).posts}

    platforms = sorted(followed(ours) & followed(theirs))
    if not platforms:
        return None
    our_rows = [platforms_of[ours][p] for p in platforms]
    their_rows = [platforms_of[theirs][p] for p in platforms]
    our_side = Side(
        sum(_side(r).posts for r in our_rows), sum(_side(r).engagement for r in our_rows)
    )
    their_side = Side(sum(_side(r).posts for r in their_rows),
                      sum(_side(r).engagement for r in their_rows))  # fmt: skip
    if not our_side.engagement or not their_side.engagement:
        return None
    return AudienceSplit(
        tuple(platforms),
        our_side,
        their_side,
        sum(r.followers.value for r in our_rows),
        sum(r.followers.value for r in their_rows),
    )


# --- the verdict -------------------------------------------------------------------------------


def leader(metrics: WeekMetrics, found: list[Gap]) -> Gap | None:
    """The competitor with the most engagement among those with enough posts, a week that is
    mostly one post counted without that post (no headline from one post)."""
    candidates = [g for g in found if g.enough and g.theirs.engagement > 0]
    return max(candidates, key=lambda g: (_without_top_post(metrics, g), g.competitor),
               default=None)  # fmt: skip


def _without_top_post(metrics: WeekMetrics, gap: Gap) -> float:
    if not is_one_post(metrics, gap.competitor):
        return gap.theirs.engagement
    return gap.theirs.engagement - metrics.top_post_shares[gap.competitor].post_engagement


def verdict(metrics: WeekMetrics, found: list[Gap], floor: int) -> Claim | None:
    us = metrics.us
    if not metrics.has_data or us is None:
        return None
    if not us.posts.value:
        posts = sum(c.posts.value or 0 for c in metrics.competitors)
        engagement = sum(c.engagement.value or 0 for c in metrics.competitors)
        numbers = {"competitor_posts": posts, "competitor_engagement": engagement}
        return Claim("verdict", numbers=numbers, variant="silent")
    if us.posts.value < floor:
        return Claim("verdict", numbers={"posts_ours": us.posts.value, "floor": floor},
                     variant="too_few")  # fmt: skip
    best = leader(metrics, found)
    if best is None:
        return Claim("verdict", numbers={"floor": floor}, variant="no_rival")
    numbers = {"ours": best.ours.engagement, "theirs": best.theirs.engagement,
               "posts_ours": us.posts.value or 0, "posts_theirs": best.theirs.posts}  # fmt: skip
    if best.ours.engagement == 0:
        return Claim("verdict", (best.competitor,), numbers, variant="zero_ours")
    claim = _compared(metrics, best, numbers)
    incomplete = tuple(c.company for c in metrics.companies
                       if c.incomplete and c.company in (us.company, best.competitor))  # fmt: skip
    if incomplete:
        claim = claim.with_note("incomplete", incomplete=", ".join(incomplete))
        claim = Claim(**{**claim.__dict__, "incomplete": incomplete})
    return claim


def _compared(metrics: WeekMetrics, gap: Gap, numbers: dict[str, float]) -> Claim:
    ratio, posts, per_post = gap.engagement_ratio, gap.posts_ratio, gap.per_post_ratio
    numbers = {
        **numbers,
        "per_post_ours": gap.ours.per_post,
        "per_post_theirs": gap.theirs.per_post,
    }
    company = (gap.competitor,)
    if ratio >= MIN_RATIO:
        variant = "behind" if posts >= SAME and per_post >= SAME else (
            "behind_volume" if posts >= SAME else "behind_per_post")  # fmt: skip
        numbers |= {"ratio": ratio, "posts_ratio": posts, "per_post_ratio": per_post}
        claim = _audience_and_lever(gap, Claim("verdict", company, numbers, variant=variant))
        return _one_post(metrics, gap, claim)
    if 1 / ratio >= MIN_RATIO:
        variant = "ahead" if posts <= 1 / SAME and per_post <= 1 / SAME else (
            "ahead_volume" if posts <= 1 / SAME else "ahead_per_post")  # fmt: skip
        numbers |= {"ratio": 1 / ratio, "posts_ratio": 1 / posts, "per_post_ratio": 1 / per_post}
        return Claim("verdict", company, numbers, variant=variant)
    return Claim("verdict", company, numbers, variant="level")


def _audience_and_lever(gap: Gap, claim: Claim) -> Claim:
    """Behind: where the per-post gap comes from, and the lever in our hands."""
    split, per_post = gap.audience, gap.per_post_ratio
    lever = "lever_volume" if (gap.posts_ratio or 0) >= per_post else "lever_content"
    if split is None or per_post < SAME:
        return claim.with_note(lever)
    numbers = {"audience_ratio": split.audience_ratio, "follower_ratio": split.follower_ratio,
               "ours_rate": split.ours_rate, "theirs_rate": split.theirs_rate}  # fmt: skip
    platforms = ",".join(split.platforms)
    if split.follower_ratio < SAME and split.audience_ratio >= SAME:
        note = "audience_only" if split.follower_ratio > 1 / SAME else "audience_better"
        claim = claim.with_note(note, numbers, platforms=platforms)
        # Per follower we hold our own: the gap is volume and audience.
        return claim.with_note(
            "lever_volume" if (gap.posts_ratio or 0) >= SAME else "lever_audience"
        )
    claim = claim.with_note("audience_and_rate", numbers, platforms=platforms)
    return claim.with_note(lever)


def _one_post(metrics: WeekMetrics, gap: Gap, claim: Claim) -> Claim:
    share = metrics.top_post_shares.get(gap.competitor)
    if share is None or share.share <= ONE_POST_SHARE or "ratio" not in claim.numbers:
        return claim
    without = (share.week_engagement - share.post_engagement) / gap.ours.engagement
    numbers = {"top_post": share.post_engagement, "week_total": share.week_engagement,
               "without_ratio": without}  # fmt: skip
    return claim.with_note("one_post", numbers)


def is_one_post(metrics: WeekMetrics, company: str) -> bool:
    share = metrics.top_post_shares.get(company)
    return share is not None and share.share > ONE_POST_SHARE
