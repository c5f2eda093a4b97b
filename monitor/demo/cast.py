"""Who lives in the sample world: the companies, their accounts and their habits (data only).

Rates are posts per ISO week; the engagement rate is a post's final engagement as a share
of the account's audience (for feeds and YouTube, which show no audience, of `reach`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Weekday weights, Monday first.
OFFICE_DAYS = (5, 6, 6, 6, 5, 1, 1)
EVERY_DAY = (4, 4, 4, 4, 4, 3, 3)
MIDWEEK = (2, 6, 7, 6, 3, 0, 0)


@dataclass(frozen=True)
class Account:
    """One account of one company on one platform, and how it behaves."""

    kind: str  # feed | youtube | mastodon | bluesky | telegram
    target: str  # as the configuration names it
    per_week: float  # own posts per ISO week (the week's count varies ±20%)
    audience: int  # followers at the start of the history (or the reach of a feed/channel)
    growth_per_week: float  # relative audience growth per week, e.g. 0.01 = +1%
    engagement_rate: float  # a typical post's final engagement / audience
    days: tuple[int, ...] = OFFICE_DAYS
    hours: tuple[int, ...] = (9, 10, 11, 14, 15, 16)  # local hours it likes to post at
    media: dict[str, float] = field(default_factory=lambda: {"text": 1.0})  # media -> weight
    reposts_per_week: float = 0.0  # boosts/reposts of others' posts (not its own posts)
    failing: bool = False  # the platform always answers 429 (rate limited)
    label: str | None = None


@dataclass(frozen=True)
class Persona:
    name: str
    is_self: bool
    slug: str  # for ids, domains and display names
    topics: tuple[str, ...]  # about its own products, in its own language
    hashtags: tuple[str, ...]
    accounts: tuple[Account, ...]
    language: str = "en"  # what it writes its posts in: en or it


US = Persona(
    name="Northwind",
    is_self=True,
    slug="northwind",
    topics=(
        "our spring catalogue of teas and spices",
        "how we pick our coffee growers",
        "the new warehouse in Verona",
        "a day with our delivery team",
        "five recipes with Northwind chai",
        "our customer service hours over the holidays",
    ),
    hashtags=("northwind", "tea", "coffee", "logistics"),
    accounts=(
        Account("feed", "https://northwind.example/blog/feed.xml", 1, 900, 0.004, 0.010,
                MIDWEEK, (10, 11), {"link": 2, "image": 1}),
        Account("youtube", "UCnorthwindTraders000001", 0.5, 8000, 0.004, 0.020,
                MIDWEEK, (15, 16), {"video": 1}),
        Account("mastodon", "@northwind@mastodon.social", 1, 2500, 0.004, 0.030,
                OFFICE_DAYS, (9, 10, 12), {"text": 2, "image": 1, "link": 1}),
        Account("bluesky", "northwind.bsky.social", 1.5, 5000, 0.006, 0.028,
                OFFICE_DAYS, (9, 10, 12), {"text": 2, "image": 2, "link": 1}),
    ),
)  # fmt: skip

AURORA = Persona(
    name="Aurora Caffè",
    is_self=False,
    slug="auroracaffe",
    topics=(
        "il lancio della miscela Aurora Oro",
        "dietro le quinte della torrefazione di Bergamo",
        "le vostre ricette con il nostro espresso",
        "una diretta con i nostri mastri torrefattori",
        "le miscele della linea 2027",
        "il nostro bilancio di sostenibilità",
        "un giro di 60 secondi nella nuova bottega",
        "come preparare a casa l'espresso Aurora",
    ),
    hashtags=("auroracaffe", "caffè", "torrefazione", "espresso", "sostenibilità"),
    accounts=(
        Account("feed", "https://auroracaffe.example/notizie/feed/", 3, 5000, 0.01, 0.006,
                EVERY_DAY, (8, 9, 10), {"link": 1, "image": 2}),
        Account("youtube", "UCauroraCaffeBergamo0001", 2, 60000, 0.015, 0.012,
                EVERY_DAY, (17, 18, 19), {"video": 1}),
        Account("mastodon", "@auroracaffe@mastodon.uno", 8, 6000, 0.012, 0.030,
                EVERY_DAY, (8, 9, 12, 13, 18, 19), {"text": 2, "image": 3, "video": 1, "link": 1},
                reposts_per_week=2),
        Account("bluesky", "auroracaffe.bsky.social", 10, 18000, 0.012, 0.026,
                EVERY_DAY, (8, 9, 12, 13, 18, 19), {"text": 2, "image": 3, "video": 2, "link": 1},
                reposts_per_week=3),
        Account("telegram", "auroracaffe_news", 7, 9000, 0.01, 0.020,
                EVERY_DAY, (8, 12, 18), {"text": 2, "image": 2, "video": 1}),
    ),
    language="it",
)  # fmt: skip

LEAFWELL = Persona(
    name="Leafwell Teas",
    is_self=False,
    slug="leafwell",
    topics=(
        "our first flush Darjeeling",
        "how we blend our Earl Grey",
        "a new tea room in Edinburgh",
        "the Leafwell tasting festival",
        "why we moved to compostable tea bags",
    ),
    hashtags=("leafwell", "tea", "darjeeling"),
    accounts=(
        Account("feed", "https://leafwell.example/feed.xml", 2, 2000, 0.003, 0.008,
                MIDWEEK, (9, 10), {"link": 1}),
        Account("mastodon", "@leafwell@mas.to", 3, 2500, 0.005, 0.025,
                OFFICE_DAYS, (9, 10, 11, 14), {"text": 3, "link": 2}),
        Account("bluesky", "leafwell.example", 3, 3000, 0.004, 0.025,
                OFFICE_DAYS, (9, 10, 11, 14), {"text": 3, "link": 2, "image": 1}),
        Account("telegram", "leafwell_updates", 3, 1500, 0.004, 0.02,
                OFFICE_DAYS, (9, 10), {"text": 1}, failing=True),
    ),
)  # fmt: skip

SPICE_ROUTE = Persona(
    name="Spice Route",
    is_self=False,
    slug="spiceroute",
    topics=(
        "saffron threads in slow motion",
        "the chilli heat test",
        "unboxing the spice advent calendar",
        "what our blenders do on Fridays",
        "the Zanzibar spice road trip, episode 4",
    ),
    hashtags=("spiceroute", "saffron", "slowmo", "spices"),
    accounts=(
        Account("youtube", "UCspiceRouteSpicesVideo1", 3, 25000, 0.03, 0.010,
                EVERY_DAY, (16, 17, 20), {"video": 1}),
        Account("bluesky", "spiceroute.bsky.social", 5, 7000, 0.045, 0.020,
                EVERY_DAY, (12, 17, 20, 21), {"video": 3, "image": 2, "text": 1}),
        Account("telegram", "spiceroute_channel", 4, 4000, 0.03, 0.025,
                EVERY_DAY, (12, 20), {"video": 2, "image": 1}),
    ),
)  # fmt: skip

PERSONAS: tuple[Persona, ...] = (US, AURORA, LEAFWELL, SPICE_ROUTE)

# The one post of the report week that breaks out: Spice Route's next Bluesky video.
BREAKOUT = ("Spice Route", "bluesky", 9.0)  # company, platform, engagement multiplier
