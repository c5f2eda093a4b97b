"""Every threshold behind what the digest claims, in one place."""

MIN_POSTS = 3  # default floor of posts on each side of a comparison (report.min_posts_for_claim)
MIN_RATIO = 1.25  # "ahead" or "behind" only from a quarter more; below that it is level
SAME = 1.1  # a factor within 10% of 1 is "about the same" (as often, as much per follower)
ONE_POST_SHARE = 0.5  # a week whose best post earned more than half of it is "mostly one post"
MIN_GROWTH_PCT = 0.5  # audience growth worth a sentence
MIN_CHANGE_PCT = 25.0  # a week-over-week engagement change worth a sentence
MIN_EVIDENCE_WEEKS = 3  # our own evidence: weeks needed on each side of a comparison
LONG_VIEW_SPAN = 4  # the long view compares the first and the last this many trend weeks
MIN_MENTIONS_LEADING = 10  # share of conversation: mentions the louder side needs for a takeaway
MIN_CONVERSATION_RATIO = 2.0  # "mentioned twice as often" and more: a gap worth a sentence
MIN_OUTCOME_WEEKS = 3  # what it brought us: weeks with the figure needed on each side
LAG_MARGIN = 1.1  # a one-week lag is said only when its busier/quieter ratio is 10% higher
COST_SPAN = 4  # cost per visit: the first this many weeks with a spend against the last
MAX_TAKEAWAYS = 5
# How much each kind of takeaway matters to an executive, times how strong its figure is.
RELEVANCE = {
    "out_engaging_per_post": 2.8,
    "out_posting": 2.5,
    "change": 2.2,
    "conversation_gap": 2.1,
    "breakout": 2.0,
    "audience_growth": 2.0,
    "content_works": 1.6,
    "incomplete_data": 1.0,
}
