"""How the digest's claims are said: a sentence table per kind and language (`sentences`), and
the filling of their slots with numbers, words and plurals, one precision per kind of figure.

A slot's name says how its number is written, so a figure reads the same everywhere:
`*ratio` 5.4× (whole from 10), `*_pct` a signed change in percent (`*_percent` unsigned),
`change*` a signed whole number, `*_rate` a percentage with
two decimals, `*share` a percentage with one, `per_post*` whole from 100 (one decimal below),
`*money` an amount in the claim's currency with cents (`*_amount` whole),
anything else a whole number. `{name|noun}` is the noun in the plural form of `name`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from babel import Locale
from babel.lists import format_list

from monitor.kinds import display_name
from monitor.report.i18n import Formatter
from monitor.wording.outcome_sentences import MEASURES
from monitor.wording.sentences import MEDIA, NOUNS, SENTENCES

LANGUAGES = ("en", "it")
_SLOT = re.compile(r"\{(\w+)(?:\|(\w+))?\}")


class Sayable(Protocol):
    kind: str
    variant: str
    companies: tuple[str, ...]
    numbers: Mapping[str, float]
    words: Mapping[str, str]
    notes: tuple[str, ...]


def say(claim: Sayable, language: str) -> str:
    """The claim's sentence, with each of its notes (caveats) after it."""
    language = language if language in LANGUAGES else "en"
    key = f"{claim.kind}:{claim.variant}" if claim.variant else claim.kind
    text = fill(SENTENCES[key][language], claim, language)
    for note in claim.notes:
        text = text[:-1] + fill(SENTENCES[f"note:{note}"][language], claim, language)
    return text[0].upper() + text[1:]


def fill(template: str, claim: Sayable, language: str) -> str:
    """The template with its slots filled from the claim's figures and words."""
    fmt = Formatter(language)

    def slot(match: re.Match) -> str:
        name, noun = match.groups()
        if noun:
            forms = NOUNS[language][noun]
            one = Locale.parse(language).plural_form(abs(claim.numbers[name])) == "one"
            return forms[0] if one else forms[1]
        if name in ("company", "other"):
            return claim.companies[0 if name == "company" else 1]
        if name == "names":
            return names(claim.companies, language)
        if name in claim.numbers and name.endswith(("money", "_amount")):
            decimals = 0 if name.endswith("_amount") else 2
            return fmt.money(claim.numbers[name], claim.words.get("currency"), decimals)
        if name in claim.numbers:
            return number(name, claim.numbers[name], fmt)
        return word(name, claim.words[name], language)

    return _SLOT.sub(slot, template)


def number(name: str, value: float, fmt: Formatter) -> str:
    if name.endswith("ratio"):
        # "20×" in English; Italian prose says "20 volte"
        return fmt.ratio(value).replace("×", " volte") if fmt.language == "it" else fmt.ratio(value)
    if name.endswith("_pct"):
        return fmt.change_pct(value)
    if name.endswith("_percent"):  # a size of change, the direction said in words
        return fmt.change_pct(abs(value)).lstrip("+")
    if name.endswith("_rate"):
        return fmt.rate(value)
    if name.endswith("share"):
        return fmt.percent(value, 1)
    if name.startswith("per_post"):
        return fmt.compact(value)
    if name.startswith("change"):
        return fmt.change_abs(value)
    return fmt.integer(value)


def word(name: str, value: str, language: str) -> str:
    if name == "media":
        return MEDIA[language].get(value, value)
    if name == "measure":
        return MEASURES[language][value]
    if name == "platforms":
        return names([platform(p, language) for p in value.split(",")], language)
    if name == "platform":
        return platform(value, language)
    if name == "weekday":
        return Locale.parse(language).days["format"]["wide"][int(value)]
    return value


def platform(kind: str, language: str) -> str:
    """The kind's declared display name, translated where the digest translates it."""
    return Formatter(language)._(display_name(kind))


def names(items: Sequence[str], language: str) -> str:
    return format_list(list(items), locale=language)
