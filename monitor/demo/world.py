"""The sample world of `monitor demo`: companies posting on several platforms for months.

Everything is a pure function of the seed and of the simulated moment asked about, so two
runs with the same seed serve the same bytes at the same simulated times.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from monitor.demo.cast import BREAKOUT, PERSONAS, Account, Persona

TIMEZONE = "Europe/Rome"
# The simulated "today": a Monday morning, so the week before (2026-W47) is complete.
TODAY = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo(TIMEZONE)).astimezone(UTC)
HISTORY_START = date(2026, 6, 1)  # a Monday: the first week anyone posts in
REPORT_WEEK_START = date(2026, 11, 16)  # Monday of the last complete week

MEDIA_BOOST = {"text": 0.85, "link": 0.75, "image": 1.1, "video": 1.35, "audio": 1.0}
NOISE_SIGMA, NOISE_CAP = 0.25, 0.5  # log-normal spread of engagement, truncated: no accidents
TAU_HOURS = {"feed": 30.0, "youtube": 48.0, "mastodon": 10.0, "bluesky": 8.0, "telegram": 14.0}
# How a platform's engagement splits into its counters (None: the platform has no such one).
SPLIT: dict[str, dict[str, float]] = {
    "feed": {"replies": 1.0},
    "youtube": {"likes": 1.0},
    "mastodon": {"likes": 0.72, "reposts": 0.2, "replies": 0.08},
    "bluesky": {"likes": 0.7, "reposts": 0.17, "replies": 0.09, "quotes": 0.04},
    "telegram": {"likes": 1.0},
}
VIEWS_PER_ENGAGEMENT = {"youtube": 28.0, "telegram": 22.0}
PAGE_LIMITS = {"feed": 10, "youtube": 15}  # how many newest items the platform shows at all


@dataclass(frozen=True)
class WorldPost:
    """One post (or repost) as the world knows it: its final counters and when it appeared."""

    company: str
    kind: str
    target: str
    post_id: str  # the platform's id (status id, rkey, video id, message number, slug)
    published_at: datetime  # UTC; for a repost, when it was reposted
    title: str
    text: str
    media_type: str
    hashtags: tuple[str, ...]
    final: dict[str, int]  # counter -> what it reaches once the post has settled
    is_repost: bool = False
    original_published_at: datetime | None = None  # reposts: when the original appeared
    original_author: str | None = None
    breakout: bool = False  # the one post the world makes break out in the report week


@dataclass(frozen=True)
class WorldSource:
    company: str
    is_self: bool
    slug: str
    display_name: str
    account: Account
    account_id: str  # the platform's id of the account (Mastodon id, Bluesky DID, channel id)
    posts: tuple[WorldPost, ...] = field(repr=False)  # oldest first
    language: str = "en"  # what the company writes in: en or it

    @property
    def kind(self) -> str:
        return self.account.kind

    @property
    def target(self) -> str:
        return self.account.target

    @property
    def failing(self) -> bool:
        return self.account.failing


@dataclass(frozen=True)
class World:
    seed: int
    sources: tuple[WorldSource, ...]

    def source(self, kind: str, target: str) -> WorldSource:
        for source in self.sources:
            if source.kind == kind and source.target == target:
                return source
        raise KeyError(f"no {kind} source {target!r} in the sample world")


# --- the pure functions of (seed, simulated now) -------------------------------------------


def posts_visible(source: WorldSource, now: datetime) -> list[WorldPost]:
    """What the account shows at `now`, newest first (feeds and YouTube show only the newest)."""
    shown = [p for p in reversed(source.posts) if p.published_at <= now]
    limit = PAGE_LIMITS.get(source.kind)
    return shown[:limit] if limit else shown


def counts_at(post: WorldPost, now: datetime) -> dict[str, int]:
    """Its counters at `now`: a saturating curve 1 - exp(-age / tau) of the final values."""
    born = post.original_published_at or post.published_at
    age_h = max((now - born).total_seconds() / 3600, 0.0)
    share = 1.0 - math.exp(-age_h / TAU_HOURS[post.kind])
    return {name: int(final * share) for name, final in post.final.items()}


def followers_at(source: WorldSource, now: datetime) -> int:
    """The audience at `now`, compounding weekly growth from the start of the history."""
    weeks = (now - _local_midnight(HISTORY_START)).total_seconds() / (7 * 86400)
    return round(source.account.audience * (1 + source.account.growth_per_week) ** weeks)


def own_posts_published(source: WorldSource, start: datetime, end: datetime) -> list[WorldPost]:
    """The account's own posts (reposts left out) published in [start, end)."""
    return [p for p in source.posts if not p.is_repost and start <= p.published_at < end]


# --- building the world ---------------------------------------------------------------------


@lru_cache(maxsize=4)
def build_world(seed: int = 7) -> World:
    """The sample world for a seed; the same seed always gives the same world."""
    rng = random.Random(seed)
    sources = [
        _source(persona, account, rng) for persona in PERSONAS for account in persona.accounts
    ]
    return World(seed, tuple(_with_breakout(sources)))


def _source(persona: Persona, account: Account, rng: random.Random) -> WorldSource:
    source = WorldSource(
        company=persona.name,
        is_self=persona.is_self,
        slug=persona.slug,
        display_name=f"{persona.name} {_official(account.kind, persona.language)}",
        account=account,
        account_id=_account_id(account.kind, persona.slug, rng),
        posts=(),
        language=persona.language,
    )
    posts: list[WorldPost] = []
    week = HISTORY_START
    while _local_midnight(week) < TODAY:
        posts += _week_posts(source, persona, week, rng, len(posts))
        week += timedelta(days=7)
    posts = sorted((p for p in posts if p.published_at < TODAY), key=lambda p: p.published_at)
    return replace(source, posts=tuple(_numbered(source, posts)))


def _official(kind: str, language: str) -> str:
    if kind == "feed":
        return "Blog"
    return "Ufficiale" if language == "it" else "Official"


def _week_posts(
    source: WorldSource, persona: Persona, monday: date, rng: random.Random, before: int
) -> list[WorldPost]:
    account = source.account
    count = _week_count(account.per_week, rng)
    posts = [_own_post(source, persona, monday, rng) for _ in range(count)]
    reposts = _week_count(account.reposts_per_week, rng) if account.reposts_per_week else 0
    posts += [_repost(source, monday, rng) for _ in range(reposts)]
    return posts


def _week_count(per_week: float, rng: random.Random) -> int:
    """About `per_week` posts (±20%); a fractional rate posts in that share of the weeks."""
    if per_week < 1:
        return 1 if rng.random() < per_week else 0
    return max(1, round(per_week * rng.uniform(0.8, 1.2)))


def _moment(account: Account, monday: date, rng: random.Random) -> datetime:
    day = rng.choices(range(7), weights=account.days)[0]
    hour = rng.choice(account.hours)
    local = datetime.combine(monday + timedelta(days=day), datetime.min.time())
    local = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
    return local.replace(tzinfo=ZoneInfo(TIMEZONE)).astimezone(UTC)


def _own_post(source: WorldSource, persona: Persona, monday: date, rng: random.Random) -> WorldPost:
    account = source.account
    published = _moment(account, monday, rng)
    media = rng.choices(list(account.media), weights=list(account.media.values()))[0]
    topic = rng.choice(persona.topics)
    tags = tuple(rng.sample(persona.hashtags, rng.choice((0, 1, 1, 2))))
    title = topic[0].upper() + topic[1:]
    text = _sentence(topic, media, rng, persona.language)
    noise = math.exp(max(-NOISE_CAP, min(NOISE_CAP, rng.gauss(0, NOISE_SIGMA))))
    engagement = followers_at(source, published) * account.engagement_rate
    engagement *= MEDIA_BOOST[media] * noise
    return WorldPost(
        company=source.company,
        kind=account.kind,
        target=account.target,
        post_id="",
        published_at=published,
        title=title,
        text=text,
        media_type=media,
        hashtags=tags,
        final=_split(account.kind, engagement, rng),
    )


def _repost(source: WorldSource, monday: date, rng: random.Random) -> WorldPost:
    account = source.account
    published = _moment(account, monday, rng)
    author = rng.choice(("gamberorosso-ish", "coffeeweekly", "slowfoodnews", "citynews"))
    return WorldPost(
        company=source.company,
        kind=account.kind,
        target=account.target,
        post_id="",
        published_at=published,
        title="",
        text=REPOST_TEXT[source.language].format(author=author),
        media_type="link",
        hashtags=(),
        final=_split(account.kind, rng.uniform(20, 400), rng),
        is_repost=True,
        original_published_at=published - timedelta(hours=rng.uniform(2, 40)),
        original_author=author,
    )


# How a company introduces a post and ends it, in its own language (as many tails in each,
# so every language draws the same numbers from the world's random sequence).
LEADS = {
    "en": {"video": "Watch", "image": "A look at", "link": "Read about", "text": "Today"},
    "it": {"video": "Guarda", "image": "Uno sguardo a", "link": "Leggi", "text": "Oggi"},
}
TAILS = {
    "en": ("", " Tell us what you think.", " More soon.", " Thanks to everyone!"),
    "it": ("", " Diteci cosa ne pensate.", " Presto altre novità.", " Grazie a tutti!"),
}
REPOST_TEXT = {
    "en": "Worth a read from our friends at {author}.",
    "it": "Da leggere, dai nostri amici di {author}.",
}


def _sentence(topic: str, media: str, rng: random.Random, language: str = "en") -> str:
    tail = rng.choice(TAILS[language])
    return f"{LEADS[language][media]}: {topic}.{tail}"


def _split(kind: str, engagement: float, rng: random.Random) -> dict[str, int]:
    final = {name: round(engagement * share) for name, share in SPLIT[kind].items()}
    if kind in VIEWS_PER_ENGAGEMENT:
        final["views"] = round(engagement * VIEWS_PER_ENGAGEMENT[kind] * rng.uniform(0.8, 1.25))
    return final


def _with_breakout(sources: list[WorldSource]) -> list[WorldSource]:
    """Multiply the engagement of the one breakout post: the report week's first video (or
    else first post) of the chosen account, published from Tuesday on."""
    company, kind, factor = BREAKOUT
    start = _local_midnight(REPORT_WEEK_START + timedelta(days=1))
    end = _local_midnight(REPORT_WEEK_START + timedelta(days=7))
    result = []
    for source in sources:
        if (source.company, source.kind) == (company, kind):
            week = own_posts_published(source, start, end)
            chosen = next((p for p in week if p.media_type == "video"), week[0])
            final = {k: round(v * factor) for k, v in chosen.final.items()}
            boosted = replace(chosen, final=final, breakout=True)
            source = replace(
                source, posts=tuple(boosted if p is chosen else p for p in source.posts)
            )
        result.append(source)
    return result


# --- ids ---------------------------------------------------------------------------------------

_BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_YOUTUBE = string.ascii_letters + string.digits + "-_"


def _account_id(kind: str, slug: str, rng: random.Random) -> str:
    if kind == "mastodon":
        return str(109_000_000_000_000_000 + rng.randrange(10**15))
    if kind == "bluesky":
        return "did:plc:" + "".join(rng.choice(_BASE32_SORTABLE) for _ in range(24))
    return slug


def _numbered(source: WorldSource, posts: list[WorldPost]) -> list[WorldPost]:
    """Give each post the id its platform would, in publication order."""
    rng = random.Random(f"{source.kind}:{source.target}")  # ids independent of the world's draw
    numbered = []
    for number, post in enumerate(posts, start=1):
        numbered.append(replace(post, post_id=_post_id(source, post, number, rng)))
    return numbered


def _post_id(source: WorldSource, post: WorldPost, number: int, rng: random.Random) -> str:
    kind = source.kind
    if kind == "mastodon":  # a Mastodon snowflake: milliseconds << 16, then a sequence
        return str((int(post.published_at.timestamp() * 1000) << 16) + number)
    if kind == "bluesky":  # a TID: microseconds << 10 | clock id, base32-sortable
        tid = (int(post.published_at.timestamp() * 1_000_000) << 10) | (number % 1024)
        return "".join(_BASE32_SORTABLE[(tid >> (5 * i)) & 31] for i in reversed(range(13)))
    if kind == "youtube":
        return "".join(rng.choice(_YOUTUBE) for _ in range(11))
    if kind == "telegram":
        return str(1000 + number)
    slug = "-".join(post.title.lower().replace(":", "").split()[:6])
    return f"{post.published_at:%Y/%m/%d}/{slug}"


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(TIMEZONE)).astimezone(UTC)


def week_bounds(monday: date = REPORT_WEEK_START) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of a week in the world's time zone, in UTC."""
    return _local_midnight(monday), _local_midnight(monday + timedelta(days=7))
