"""How the takeaways are said: one small sentence table per kind and language, and the
filling of their slots with numbers, words and plurals formatted by Babel."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

if TYPE_CHECKING:
    from monitor.insights import Takeaway

# --- sentences: one small table per kind and language ------------------------------------------
# {name} is a formatted number or word; {name|noun} is the noun in the plural form of `name`.
TEMPLATES: dict[str, dict[str, str]] = {
    "we_did_not_post": {
        "en": "We did not post at all this week, while our competitors published "
        "{competitor_posts} {competitor_posts|post}.",
        "it": "Questa settimana non abbiamo pubblicato nulla, mentre i concorrenti hanno "
        "pubblicato {competitor_posts} {competitor_posts|post}.",
    },
    "out_posting": {
        "en": "{company} posted {ratio}× as often as we did ({theirs} {theirs|post} against our "
        "{ours}).",
        "it": "{company} ha pubblicato {ratio} volte quanto noi ({theirs} {theirs|post} contro i "
        "nostri {ours}).",
    },
    "out_engaging_per_post": {
        "en": "{company} earned {ratio}× our engagement per post ({theirs} {theirs|interaction} "
        "per post against our {ours}).",
        "it": "{company} ha ottenuto {ratio} volte le nostre interazioni per post ({theirs} per "
        "post contro {ours}).",
    },
    "out_engaging_per_post:zero": {
        "en": "{company}'s posts earned {theirs} {theirs|interaction} each; ours earned none.",
        "it": "I post di {company} hanno ottenuto {theirs} {theirs|interaction} ciascuno; i "
        "nostri nessuna.",
    },
    "out_engaging_total": {
        "en": "{company} earned {ratio}× our total engagement ({theirs} {theirs|interaction} "
        "against our {ours}).",
        "it": "{company} ha ottenuto {ratio} volte le nostre interazioni totali ({theirs} contro "
        "{ours}).",
    },
    "out_engaging_total:zero": {
        "en": "{company} earned {theirs} {theirs|interaction} in total; our posts earned none.",
        "it": "{company} ha ottenuto {theirs} {theirs|interaction} in tutto; i nostri post "
        "nessuna.",
    },
    "audience_growth": {
        "en": "{company} grew its audience fastest: {growth_pct} ({growth} {growth|follower}) "
        "this week.",
        "it": "{company} ha fatto crescere il pubblico più di tutti: {growth_pct} ({growth} "
        "{growth|follower}) questa settimana.",
    },
    "audience_growth:us_known": {
        "en": "{company} grew its audience fastest: {growth_pct} ({growth} {growth|follower}) "
        "this week; ours changed by {ours_pct}.",
        "it": "{company} ha fatto crescere il pubblico più di tutti: {growth_pct} ({growth} "
        "{growth|follower}) questa settimana; il nostro è variato del {ours_pct}.",
    },
    "audience_growth:self": {
        "en": "We grew our audience fastest of all: {growth_pct} ({growth} {growth|follower}) "
        "this week.",
        "it": "Il nostro pubblico è cresciuto più di tutti: {growth_pct} ({growth} "
        "{growth|follower}) questa settimana.",
    },
    "content_works": {
        "en": "{media} work best: {per_post} {per_post|interaction} per post, {ratio}× the other "
        "posts ({others}), over {posts} {posts|post}.",
        "it": "Funzionano meglio {media}: {per_post} {per_post|interaction} per post, {ratio} "
        "volte gli altri post ({others}), su {posts} {posts|post}.",
    },
    "best_slot": {
        "en": "The best time to post was {weekday} {hours}: {per_post} {per_post|interaction} per "
        "post, {ratio}× the week's average ({average}), over {posts} {posts|post}.",
        "it": "Il momento migliore per pubblicare è stato il {weekday} {hours}: {per_post} "
        "{per_post|interaction} per post, {ratio} volte la media della settimana ({average}), su "
        "{posts} {posts|post}.",
    },
    "breakout": {
        "en": "A post by {company} broke out: {engagement} {engagement|interaction}, {ratio}× its "
        "usual {median}.",
        "it": "Un post di {company} è esploso: {engagement} {engagement|interaction}, {ratio} "
        "volte il suo solito ({median}).",
    },
    "we_lead": {
        "en": "We lead on {metric}: {ours} against {theirs} for the best competitor, {company}.",
        "it": "Siamo in testa per {metric}: {ours} contro {theirs} del miglior concorrente, "
        "{company}.",
    },
    "incomplete_data": {
        "en": "Figures for {names} may be low: a source failed during the week.",
        "it": "I dati di {names} potrebbero essere bassi: una fonte non ha risposto durante la "
        "settimana.",
    },
    "caveat": {
        "en": " (Figures for {names} may be low: a source failed.)",
        "it": " (I dati di {names} potrebbero essere bassi: una fonte non ha risposto.)",
    },
}
NOUNS = {
    "en": {
        "post": ("post", "posts"),
        "interaction": ("interaction", "interactions"),
        "follower": ("follower", "followers"),
        "time": ("time", "times"),
    },
    "it": {
        "post": ("post", "post"),
        "interaction": ("interazione", "interazioni"),
        "follower": ("follower", "follower"),
        "time": ("volta", "volte"),
    },
}
MEDIA = {
    "en": {"text": "text posts", "link": "link posts", "image": "image posts",
           "video": "video posts", "audio": "audio posts", "document": "document posts",
           "poll": "polls"},
    "it": {"text": "i post di solo testo", "link": "i post con link",
           "image": "i post con immagini", "video": "i video", "audio": "gli audio",
           "document": "i documenti", "poll": "i sondaggi"},
}  # fmt: skip
METRIC_NAMES = {
    "en": {"posts": "posting", "engagement": "total engagement",
           "engagement_per_post": "engagement per post", "follower_change_pct": "audience growth"},
    "it": {"posts": "numero di post", "engagement": "interazioni totali",
           "engagement_per_post": "interazioni per post",
           "follower_change_pct": "crescita del pubblico"},
}  # fmt: skip
_SLOT = re.compile(r"\{(\w+)(?:\|(\w+))?\}")

HEADLINE = {
    "en": {"change": "{company} {change_pct} engagement",
           "posted": "we posted {ours} {ours|time} vs {theirs}",
           "silent": "we did not post; {company} posted {theirs} {theirs|time}",
           "empty": "no posts this week"},
    "it": {"change": "{company} {change_pct} interazioni",
           "posted": "abbiamo pubblicato {ours} {ours|time} contro {theirs}",
           "silent": "non abbiamo pubblicato; {company} {theirs} {theirs|time}",
           "empty": "nessun post questa settimana"},
}  # fmt: skip


def fill(template: str, takeaway: Takeaway, language: str) -> str:
    """The template with its slots filled from the takeaway's figures and words."""

    def slot(match: re.Match) -> str:
        name, noun = match.groups()
        if noun:
            forms = NOUNS[language][noun]
            one = Locale.parse(language).plural_form(abs(takeaway.numbers[name])) == "one"
            return forms[0] if one else forms[1]
        if name == "company":
            return takeaway.companies[0]
        if name == "names":
            return format_list(list(takeaway.incomplete or takeaway.companies), locale=language)
        if name in takeaway.numbers:
            return _number(name, takeaway.numbers[name], language)
        return _word(name, takeaway.words[name], language)

    return _SLOT.sub(slot, template)


def _number(name: str, value: float, language: str) -> str:
    if name.endswith("_pct"):
        sign = "+" if value > 0 else ""
        return sign + format_percent(value / 100, format="#,##0.#%", locale=language)
    if name == "growth":
        return ("+" if value > 0 else "") + format_decimal(value, format="#,##0", locale=language)
    if name == "ratio" or value != round(value) or abs(value) < 10:
        return format_decimal(value, format="#,##0.#", locale=language)
    return format_decimal(value, format="#,##0", locale=language)


def _word(name: str, value: str, language: str) -> str:
    if name == "media":
        return MEDIA[language].get(value, value)
    if name == "metric":
        return METRIC_NAMES[language][value]
    if name == "weekday":
        return Locale.parse(language).days["format"]["wide"][int(value)]
    return value
