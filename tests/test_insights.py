"""Takeaways: only what the data supports, ranked, in English and Italian."""

from datetime import UTC, datetime

import pytest

from monitor.insights import headline, takeaways
from monitor.metrics import CompanyWeek, Figure, IsoWeek, MetricsSettings, PostSummary, WeekMetrics

SETTINGS = MetricsSettings(min_posts_for_claim=3)
NONE = Figure.of(None, None)


def row(company, posts, engagement=None, *, is_self=False, previous_posts=None,
        previous_engagement=None, growth_pct=None, growth=None,
        incomplete=False) -> CompanyWeek:  # fmt: skip
    per_post = engagement / posts if engagement is not None and posts else None
    return CompanyWeek(
        company=company, platform=None, is_self=is_self,
        posts=Figure.of(posts, previous_posts), posts_per_day=Figure.of(posts / 7, None),
        engagement=Figure.of(engagement, previous_engagement),
        engagement_per_post=Figure.of(per_post, None), engagement_rate=NONE, views=NONE,
        followers=NONE, follower_change=Figure.of(growth, None),
        follower_change_pct=Figure.of(growth_pct, None), follower_drop=False,
        share_of_posts=NONE, share_of_engagement=NONE, incomplete=incomplete, notes=(),
    )  # fmt: skip


def week(*companies, mix=None, slots=None, breakouts=()) -> WeekMetrics:
    average = row("Competitor average", 0)
    return WeekMetrics(
        week=IsoWeek(2026, 47), timezone="UTC", start=datetime(2026, 11, 16, tzinfo=UTC),
        end=datetime(2026, 11, 23, tzinfo=UTC), companies=list(companies), platforms=[],
        competitor_average=average, landscape_average=average, trend_weeks=[IsoWeek(2026, 47)],
        posts_trend={}, engagement_trend={}, heatmap=[[0] * 24 for _ in range(7)],
        content_mix=mix or {}, top_hashtags={}, top_posts=[], top_posts_by_rate=[],
        breakouts=list(breakouts), health=[],
        has_data=any(c.posts.value for c in companies), slots=slots or {},
    )  # fmt: skip


def kinds(metrics) -> list[str]:
    return [t.kind for t in takeaways(metrics, SETTINGS)]


def test_who_out_posts_us_and_by_how_much_in_both_languages():
    metrics = week(row("Our Co", 3, 30, is_self=True), row("Acme", 23, 230))
    posting = next(t for t in takeaways(metrics, SETTINGS) if t.kind == "out_posting")
    assert posting.companies == ("Acme",)
    assert posting.numbers == {"theirs": 23, "ours": 3, "ratio": pytest.approx(23 / 3)}
    assert posting.sentence("en") == "Acme posted 7.7× as often as we did (23 posts against our 3)."
    assert posting.sentence("it") == (
        "Acme ha pubblicato 7,7 volte quanto noi (23 post contro i nostri 3)."
    )


def test_no_claim_when_either_side_has_too_few_posts():
    assert kinds(week(row("Our Co", 2, 20, is_self=True), row("Acme", 23, 230))) == []
    assert "out_posting" not in kinds(week(row("Our Co", 3, 30, is_self=True), row("Acme", 2, 900)))


def test_we_did_not_post_is_said_instead_of_a_ratio_against_zero():
    metrics = week(row("Our Co", 0, is_self=True), row("Acme", 23, 230), row("Globex", 8, 40))
    found = takeaways(metrics, SETTINGS)
    assert [t.kind for t in found] == ["we_did_not_post"]
    assert found[0].sentence("en") == (
        "We did not post at all this week, while our competitors published 31 posts."
    )
    assert "ratio" not in found[0].numbers


def test_zero_engagement_of_ours_gives_a_plain_statement_not_a_ratio():
    metrics = week(row("Our Co", 4, 0, is_self=True), row("Acme", 4, 40))
    per_post = next(t for t in takeaways(metrics, SETTINGS) if t.kind == "out_engaging_per_post")
    assert "ratio" not in per_post.numbers
    assert per_post.sentence("en") == "Acme's posts earned 10 interactions each; ours earned none."
    assert per_post.sentence("it") == (
        "I post di Acme hanno ottenuto 10 interazioni ciascuno; i nostri nessuna."
    )


def test_takeaways_are_ranked_by_strength_and_limited():
    metrics = week(row("Our Co", 4, 40, is_self=True), row("Acme", 8, 1280))  # 2x posts, 32x total
    found = takeaways(metrics, SETTINGS)
    assert [t.kind for t in found] == ["out_engaging_total", "out_engaging_per_post", "out_posting"]
    assert [t.strength for t in found] == sorted((t.strength for t in found), reverse=True)
    assert len(takeaways(metrics, SETTINGS, limit=2)) == 2


def test_where_we_lead_is_said_plainly():
    metrics = week(row("Our Co", 10, 500, is_self=True), row("Acme", 4, 40), row("Globex", 5, 50))
    lead = [t for t in takeaways(metrics, SETTINGS) if t.kind == "we_lead"]
    assert {t.words["metric"] for t in lead} == {"posts", "engagement_per_post", "engagement"}
    total = next(t for t in lead if t.words["metric"] == "engagement")
    assert total.sentence("en") == (
        "We lead on total engagement: 500 against 50 for the best competitor, Globex."
    )
    assert total.sentence("it") == (
        "Siamo in testa per interazioni totali: 500 contro 50 del miglior concorrente, Globex."
    )


def test_claim_about_an_incomplete_company_says_its_figures_may_be_low():
    metrics = week(row("Our Co", 3, 30, is_self=True), row("Acme", 23, 230, incomplete=True))
    posting = next(t for t in takeaways(metrics, SETTINGS) if t.kind == "out_posting")
    assert posting.sentence("en").endswith("(Figures for Acme may be low: a source failed.)")


def test_incomplete_company_not_in_any_claim_gets_its_own_note():
    metrics = week(row("Our Co", 3, 30, is_self=True), row("Acme", 23, 230),
                   row("Globex", 0, incomplete=True))  # fmt: skip
    found = takeaways(metrics, SETTINGS)
    assert found[-1].kind == "incomplete_data"
    assert found[-1].sentence("it") == (
        "I dati di Globex potrebbero essere bassi: una fonte non ha risposto durante la settimana."
    )


def test_fastest_audience_growth_with_italian_percent():
    metrics = week(row("Our Co", 3, 30, is_self=True, growth_pct=0.4, growth=4),
                   row("Acme", 3, 30, growth_pct=12.5, growth=1250))  # fmt: skip
    growth = next(t for t in takeaways(metrics, SETTINGS) if t.kind == "audience_growth")
    assert growth.sentence("en") == (
        "Acme grew its audience fastest: +12.5% (+1,250 followers) this week; "
        "ours changed by +0.4%."
    )
    assert "+12,5%" in growth.sentence("it") and "+1.250 follower" in growth.sentence("it")


def test_content_that_works_needs_enough_posts_of_each_type():
    mix = {"Acme": {"video": (3, 90.0), "text": (6, 10.0)}, "Our Co": {"text": (3, 10.0)}}
    metrics = week(row("Our Co", 3, 30, is_self=True), row("Acme", 9, 330), mix=mix)
    content = next(t for t in takeaways(metrics, SETTINGS) if t.kind == "content_works")
    assert content.words["media"] == "video"
    assert content.numbers["ratio"] == pytest.approx(9.0)
    assert content.sentence("en").startswith("Video posts work best: 90 interactions per post, 9×")
    one_video = {"Acme": {"video": (1, 900.0), "text": (8, 10.0)}}
    assert "content_works" not in kinds(week(row("Our Co", 3, 30, is_self=True),
                                             row("Acme", 9, 980), mix=one_video))  # fmt: skip


def test_best_slot_names_the_weekday_and_hours():
    slots = {(1, 8): (3, 60.0), (3, 16): (6, 10.0)}
    metrics = week(row("Our Co", 3, 90, is_self=True), row("Acme", 6, 60), slots=slots)
    slot = next(t for t in takeaways(metrics, SETTINGS) if t.kind == "best_slot")
    assert slot.sentence("en").startswith("The best time to post was Tuesday 08:00–12:00: 60")
    assert slot.sentence("it").startswith("Il momento migliore per pubblicare è stato il martedì")


def test_breakout_post_is_told_against_its_usual_engagement():
    post = PostSummary(
        company="Acme", platform="mastodon", published_at=datetime(2026, 11, 17, tzinfo=UTC),
        url=None, title=None, text="", media_type="video", thumbnail_url=None, likes=2340,
        replies=None, reposts=None, quotes=None, views=None, engagement=2340.0,
        engagement_rate=None, z_score=9.1, median_engagement=160.0,
    )  # fmt: skip
    metrics = week(row("Our Co", 3, 30, is_self=True), row("Acme", 3, 2400), breakouts=[post])
    breakout = next(t for t in takeaways(metrics, SETTINGS) if t.kind == "breakout")
    assert breakout.sentence("en") == (
        "A post by Acme broke out: 2,340 interactions, 14.6× its usual 160."
    )
    assert breakout.sentence("it") == (
        "Un post di Acme è esploso: 2.340 interazioni, 14,6 volte il suo solito (160)."
    )


def test_singular_and_plural_forms():
    metrics = week(row("Our Co", 0, is_self=True), row("Acme", 1, 5))
    assert takeaways(metrics, SETTINGS)[0].sentence("en").endswith("published 1 post.")
    assert headline(metrics, "it") == "non abbiamo pubblicato; Acme 1 volta"


def test_headline_names_the_biggest_engagement_move_and_the_posting_gap():
    metrics = week(row("Our Co", 4, 40, is_self=True, previous_posts=5),
                   row("Acme", 31, 1380, previous_posts=30, previous_engagement=1000))  # fmt: skip
    assert headline(metrics, "en") == "Acme +38% engagement; we posted 4 times vs 31"
    assert headline(metrics, "it") == "Acme +38% interazioni; abbiamo pubblicato 4 volte contro 31"


def test_headline_rounds_large_changes_to_whole_percents():
    metrics = week(row("Our Co", 4, 40, is_self=True, previous_posts=5),
                   row("Acme", 31, 1387, previous_posts=30, previous_engagement=1000))  # fmt: skip
    assert headline(metrics, "en").startswith("Acme +39% engagement;")
    small = week(row("Our Co", 4, 40, is_self=True, previous_posts=5),
                 row("Acme", 31, 1087, previous_posts=30, previous_engagement=1000))  # fmt: skip
    assert headline(small, "it").startswith("Acme +8,7% interazioni;")


def test_no_data_gives_no_takeaways_and_a_plain_headline():
    metrics = week(row("Our Co", 0, is_self=True), row("Acme", 0))
    assert takeaways(metrics, SETTINGS) == []
    assert headline(metrics, "en") == "no posts this week"
