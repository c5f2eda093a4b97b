"""The digest's argument on worlds with known numbers: the verdict names the right lever, the
gap multiplies back exactly, and no claim rests on one post or on unlike counters."""

from datetime import UTC, datetime

import pytest

from monitor.insights import interpret
from monitor.insights.evidence import own_evidence
from monitor.metrics import (
    CompanyWeek,
    Figure,
    IsoWeek,
    MetricsSettings,
    OwnWeek,
    TopPostShare,
    WeekMetrics,
)

SETTINGS = MetricsSettings(min_posts_for_claim=3)
NONE = Figure.of(None, None)
WEEK = IsoWeek(2026, 47)


def row(company, posts, engagement, followers=None, *, is_self=False, platform=None,
        previous=None, incomplete=False) -> CompanyWeek:  # fmt: skip
    per_post = engagement / posts if posts else None
    rate = per_post / followers * 100 if per_post is not None and followers else None
    return CompanyWeek(
        company=company, platform=platform, is_self=is_self,
        posts=Figure.of(posts, posts), posts_per_day=Figure.of(posts / 7, None),
        engagement=Figure.of(engagement, previous), engagement_per_post=Figure.of(per_post, None),
        engagement_rate=Figure.of(rate, None), views=NONE, followers=Figure.of(followers, None),
        follower_change=NONE, follower_change_pct=NONE, follower_drop=False,
        share_of_posts=NONE, share_of_engagement=NONE, incomplete=incomplete, notes=(),
        engaged_posts=Figure.of(posts, None),
    )  # fmt: skip


def world(us, *rivals, shares=None, own_weeks=(), content=None, trend=None) -> WeekMetrics:
    """Each company on one platform (Mastodon) with the given posts, engagement, followers."""
    companies = [row(*us, is_self=True), *(row(*r) for r in rivals)]
    platforms = [
        row(
            c.company,
            c.posts.value,
            c.engagement.value,
            c.followers.value,
            is_self=c.is_self,
            platform="mastodon",
        )
        for c in companies
    ]
    average = row("Competitor average", 10, 100)
    return WeekMetrics(
        week=WEEK, timezone="UTC", start=datetime(2026, 11, 16, tzinfo=UTC),
        end=datetime(2026, 11, 23, tzinfo=UTC), companies=companies, platforms=platforms,
        competitor_average=average, landscape_average=average,
        trend_weeks=[WEEK.minus(n) for n in range(len(own_weeks) - 1, -1, -1)] or [WEEK],
        posts_trend={}, engagement_trend=trend or {}, heatmap=[], content_mix={},
        top_hashtags={}, top_posts=[], top_posts_by_rate=[], breakouts=[], health=[],
        has_data=True, content_by_platform=content or {}, own_weeks=list(own_weeks),
        top_post_shares=shares or {},
    )  # fmt: skip


def verdict_of(metrics):
    return interpret(metrics, SETTINGS).verdict


def test_a_competitor_ahead_only_by_volume_points_at_posting_more():
    metrics = world(("Us", 5, 500, 1000), ("Acme", 20, 2000, 1000))
    verdict = verdict_of(metrics)
    assert verdict.variant == "behind_volume" and verdict.companies == ("Acme",)
    assert verdict.numbers["ratio"] == 4 and verdict.numbers["posts_ratio"] == 4
    assert verdict.sentence("en").startswith(
        "Acme earned 4× our engagement (2,000 against our 500), all of it from posting 4× as often"
    )
    assert "how often we post" in verdict.sentence("en")


def test_a_competitor_ahead_per_post_with_the_same_audience_points_at_content():
    metrics = world(("Us", 5, 500, 1000), ("Acme", 5, 3000, 1000))
    verdict = verdict_of(metrics)
    assert verdict.variant == "behind_per_post"
    assert "audience_and_rate" in verdict.notes and "lever_content" in verdict.notes
    assert "what each post earns per follower" in verdict.sentence("en")


def test_a_competitor_ahead_only_by_audience_is_said_so_and_per_follower_we_hold():
    metrics = world(("Us", 5, 500, 1000), ("Acme", 5, 2500, 5000))
    verdict = verdict_of(metrics)
    assert verdict.variant == "behind_per_post"
    assert "audience_only" in verdict.notes and "lever_audience" in verdict.notes
    text = verdict.sentence("en")
    assert "comes from a 5× larger audience" in text
    assert "per follower our posts do as well as Acme's (10.00% against 10.00%)" in text


def test_when_we_lead_the_verdict_says_so_with_the_inverse_ratios():
    metrics = world(("Us", 10, 3000, 1000), ("Acme", 5, 1000, 1000))
    verdict = verdict_of(metrics)
    assert verdict.variant == "ahead"
    assert verdict.numbers["ratio"] == 3 and verdict.numbers["posts_ratio"] == 2
    assert verdict.sentence("en").startswith("We earned 3× the engagement of Acme")
    assert interpret(metrics, SETTINGS).subject(metrics, "en") == (
        "We earned 3× Acme's engagement · week 47"
    )


def test_the_gap_multiplies_back_exactly():
    metrics = world(("Us", 7, 536, 8564), ("Globex", 27, 10876, 43804), ("Acme", 10, 8343, 29356))
    for gap in interpret(metrics, SETTINGS).gaps:
        assert gap.engagement_ratio == pytest.approx(gap.posts_ratio * gap.per_post_ratio)
        split = gap.audience
        assert split.per_post_ratio == pytest.approx(split.follower_ratio * split.audience_ratio)


def test_too_few_posts_give_no_comparison_and_no_ratio_against_zero():
    assert verdict_of(world(("Us", 2, 50, 100), ("Acme", 20, 900, 100))).variant == "too_few"
    assert verdict_of(world(("Us", 4, 0, 100), ("Acme", 20, 900, 100))).variant == "zero_ours"
    silent = verdict_of(world(("Us", 0, 0, 100), ("Acme", 20, 900, 100)))
    assert silent.variant == "silent" and silent.numbers["competitor_posts"] == 20
    assert verdict_of(world(("Us", 5, 50, 100), ("Acme", 2, 900, 100))).variant == "no_rival"


def test_a_week_that_is_mostly_one_post_is_said_so_and_never_makes_the_subject():
    shares = {"Acme": TopPostShare("Acme", 4703, 8343, 6016)}
    metrics = world(("Us", 5, 536, 8564), ("Acme", 10, 8343, 29356), shares=shares)
    argument = interpret(metrics, SETTINGS)
    verdict = argument.verdict
    assert "one_post" in verdict.notes
    assert "Mostly one post: 4,703 of Acme's 8,343; without it, 6.8×." in verdict.sentence("en")
    assert argument.subject(metrics, "en") == "Acme: one post earned 4,703 engagement · week 47"


def test_a_one_post_week_does_not_make_the_leader_when_another_leads_without_it():
    shares = {"Acme": TopPostShare("Acme", 4703, 8343, 6016)}
    metrics = world(("Us", 5, 536, 8564), ("Globex", 27, 6000, 43804), ("Acme", 10, 8343, 29356),
                    shares=shares)  # fmt: skip
    argument = interpret(metrics, SETTINGS)
    assert argument.verdict.companies == ("Globex",)
    per_post = next(t for t in argument.takeaways if t.kind == "out_engaging_per_post")
    assert per_post.companies == ("Acme",) and "one_post" in per_post.notes


def test_a_change_resting_on_one_post_is_also_given_without_it():
    shares = {"Acme": TopPostShare("Acme", 4703, 8343, 6016)}
    metrics = world(("Us", 5, 536, 8564), ("Globex", 27, 9000, 43804),
                    ("Acme", 10, 8343, 29356), shares=shares)  # fmt: skip
    metrics.companies[2] = row("Acme", 10, 8343, 29356, previous=6016)
    change = next(t for t in interpret(metrics, SETTINGS).takeaways if t.kind == "change")
    assert change.sentence("en") == (
        "Acme's engagement rose 39% on last week (8,343 against 6,016). Mostly one post: 4,703 of "
        "8,343; without it, −39%."
    )


def test_content_is_compared_only_within_one_platform():
    content = {
        ("bluesky", "video"): (4, 1600.0),
        ("bluesky", "text"): (10, 400.0),
        ("feed", "text"): (5, 2.0),  # a feed's comment counts against likes: never compared
        ("mastodon", "image"): (5, 100.0),
    }
    metrics = world(("Us", 5, 500, 1000), ("Acme", 20, 2000, 1000), content=content)
    found = [t for t in interpret(metrics, SETTINGS).takeaways if t.kind == "content_works"]
    assert len(found) == 1 and found[0].words == {"media": "video", "platform": "bluesky"}
    assert found[0].numbers["ratio"] == 4


def own(posts, engagement, videos=0):
    return OwnWeek(WEEK, posts, engagement, videos, {"mastodon": posts})


def test_our_own_evidence_compares_our_busier_weeks_with_the_quieter_ones():
    weeks = [own(5, 600), own(5, 500), own(5, 560), own(3, 300), own(3, 360), own(3, 330)]
    evidence = own_evidence(world(("Us", 5, 500, 1000), ("Acme", 5, 500), own_weeks=weeks))
    volume = next(c for c in evidence if c.variant == "volume")
    assert volume.numbers["ratio"] == pytest.approx((1660 / 3) / (990 / 3))
    assert volume.sentence("en") == (
        "Our 3 weeks with 5 or more posts earned 553 engagement on average, 1.7× our 3 weeks "
        "with fewer (330)."
    )


def test_too_little_history_says_so_instead_of_claiming():
    weeks = [own(5, 600), own(3, 300)]
    evidence = own_evidence(world(("Us", 5, 500, 1000), ("Acme", 5, 500), own_weeks=weeks))
    assert [c.variant for c in evidence] == ["none"]
    assert evidence[0].sentence("it").startswith("Non c'è ancora abbastanza storia")


def test_the_long_view_says_whether_the_gap_to_the_leader_closes():
    trend = {"Us": [100.0] * 4 + [200.0] * 4, "Acme": [1000.0] * 8}
    weeks = [own(5, v) for v in trend["Us"]]
    metrics = world(("Us", 5, 200, 1000), ("Acme", 5, 1000), own_weeks=weeks, trend=trend)
    view = interpret(metrics, SETTINGS).long_view
    assert view.variant == "closing"
    assert view.numbers["first_ratio"] == 10 and view.numbers["last_ratio"] == 5
    assert "closed from 10× to 5×" in view.sentence("en")


def test_subjects_stay_within_70_characters_in_both_languages():
    long_name = "The Very Long Company Name Of Industrial Anvils International"
    metrics = world(("Us", 5, 500, 1000), (long_name, 20, 20000, 1000))
    argument = interpret(metrics, SETTINGS)
    for language in ("en", "it"):
        subject = argument.subject(metrics, language)
        assert len(subject) <= 70 and subject.endswith("47")
        assert "20" in subject[:45] or "…" in subject


# --- share of conversation: a takeaway only from enough mentions, never a ratio against few ----


def talk(ours: int, *rivals: tuple[str, int]):
    from monitor.metrics.conversation import CompanyConversation, Conversation

    total = ours + sum(n for _name, n in rivals)

    def company(name, mentions, is_self=False):
        share = mentions / total * 100 if total else None
        by_source = (("hackernews", mentions),) if mentions else ()
        return CompanyConversation(name, is_self, mentions, 0, None, share, by_source, None)

    rows = (company("Us", ours, True), *(company(n, m) for n, m in rivals))
    return Conversation(WEEK, total, rows, (), (("hackernews", 1),))


def conversation_claims(conversation):
    metrics = world(("Us", 5, 500), ("Globex", 5, 500))
    found = interpret(metrics, SETTINGS, conversation).takeaways
    return [t for t in found if t.kind == "conversation_gap"]


def test_competitor_mentioned_far_more_is_said_with_its_counts_and_shares():
    (claim,) = conversation_claims(talk(6, ("Globex", 26), ("Acme", 11)))
    assert claim.variant == "behind" and claim.companies == ("Globex",)
    assert claim.numbers["ratio"] == pytest.approx(26 / 6)
    assert claim.sentence("en") == (
        "In what others posted this week, Globex was mentioned 4.3× as often as we were "
        "(26 mentions against our 6; 60.5% of the conversation against 14.0%)."
    )
    assert "4,3 volte più di noi" in claim.sentence("it")
    assert "60,5% della conversazione contro 14,0%" in claim.sentence("it")


def test_too_few_of_our_mentions_for_a_ratio_gives_counts_not_a_factor():
    (few,) = conversation_claims(talk(2, ("Globex", 30)))
    assert few.variant == "few_ours" and "ratio" not in few.numbers
    assert "we were mentioned only 2 times" in few.sentence("en")
    (none,) = conversation_claims(talk(0, ("Globex", 12)))
    assert none.sentence("en") == (
        "Globex was mentioned 12 times in what others posted this week; we were not mentioned "
        "at all."
    )
    assert none.sentence("it").endswith("noi nemmeno una.")


@pytest.mark.parametrize(
    "conversation",
    [
        talk(0, ("Globex", 9)),  # the louder side has too few mentions to say anything
        talk(6, ("Globex", 11)),  # under twice as often: no gap worth a sentence
        talk(0, ("Globex", 0)),  # nobody mentioned
        None,  # no mention source configured
    ],
    ids=["too-few-leading", "small-gap", "silence", "no-sources"],
)
def test_no_conversation_takeaway_without_enough_mentions_or_a_large_gap(conversation):
    assert conversation_claims(conversation) == []


def test_we_lead_the_conversation_against_the_most_mentioned_competitor():
    (claim,) = conversation_claims(talk(24, ("Globex", 8), ("Acme", 3)))
    assert claim.variant == "ahead" and claim.companies == ("Globex",)
    assert claim.sentence("en").startswith(
        "In what others posted this week, we were mentioned 3× as often as Globex, the "
        "most-mentioned competitor (24 mentions against 8;"
    )
    assert conversation_claims(talk(24, ("Globex", 2))) == []  # a ratio against 2 is not said
