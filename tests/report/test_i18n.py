"""Catalogs read at run time, and numbers, dates and plurals per language."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from monitor.errors import MonitorError
from monitor.report.i18n import LOCALES_DIR, Formatter, translations

REPORT = Path(__file__).parents[2] / "monitor" / "report"
# What the CSV outcome source says of its rows is shown in the digest, in its language.
SAID_IN_THE_DIGEST = [REPORT.parent / "collectors" / f for f in ("csv.py", "outcome_values.py")]


def _used_messages() -> set[str | tuple[str, str]]:
    """Every message the report's code and templates ask to translate (N_ marks one)."""
    found: set = set()
    keywords = {"_": None, "n_": (1, 2), "N_": None}
    for path in [*REPORT.glob("*.py"), *SAID_IN_THE_DIGEST]:
        with path.open("rb") as handle:
            found |= {m for _l, m, _c, _x in extract("python", handle, keywords=keywords)}
    for path in (REPORT / "templates").glob("*.*"):
        if path.suffix in (".html", ".txt"):
            with path.open("rb") as handle:
                options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "True"}
                found |= {
                    m
                    for _l, m, _c, _x in extract(
                        "jinja2.ext:babel_extract", handle, keywords={"_": None}, options=options
                    )
                }
    return found


def test_every_message_of_the_report_has_an_italian_translation():
    with (LOCALES_DIR / "it" / "LC_MESSAGES" / "digest.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id
        for m in catalog
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    used = _used_messages()
    assert len(used) > 60
    assert used - translated == set()


def test_catalog_is_loaded_from_the_po_file_at_run_time():
    italian = translations("it")
    assert italian.gettext("Scoreboard") == "Il confronto"
    assert italian.ngettext("once", "%(num)s times", 1) == "una volta"
    assert italian.ngettext("once", "%(num)s times", 3) == "%(num)s volte"
    assert translations("en").gettext("Scoreboard") == "Scoreboard"


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(MonitorError, match="no 'fr' language"):
        translations("fr")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["1,234.5", "12.5%", "+38%", "−12%", "+2.5 pts", "–"]),
        ("it", ["1.234,5", "12,5%", "+38%", "−12%", "+2,5 pt", "–"]),
    ],
)
def test_numbers_follow_the_language(language, expected):
    fmt = Formatter(language)
    got = [
        fmt.number(1234.5, 1),
        fmt.percent(12.5),
        fmt.change_pct(38.2),
        fmt.change_pct(-12.4),
        fmt.change_points(2.5),
        fmt.number(None),
    ]
    assert got == expected


def test_unknown_stays_unknown_and_never_becomes_zero():
    fmt = Formatter("en")
    assert fmt.integer(None) == "–" and fmt.percent(None) == "–" and fmt.change_pct(None) == "–"
    assert fmt.integer(0) == "0"


@pytest.mark.parametrize(
    ("language", "first", "last", "expected"),
    [
        ("en", date(2025, 11, 17), date(2025, 11, 23), "17–23 Nov"),
        ("it", date(2025, 11, 17), date(2025, 11, 23), "17–23 nov"),
        ("en", date(2025, 11, 24), date(2025, 11, 30), "24–30 Nov"),
    ],
)
def test_week_days_are_written_the_local_way(language, first, last, expected):
    assert Formatter(language).day_range(first, last) == expected


def test_a_week_across_months_names_both_months():
    text = Formatter("it").day_range(date(2025, 12, 29), date(2026, 1, 4))
    assert "dic" in text and "gen" in text


def test_plurals_follow_the_language():
    assert Formatter("en").n_("once", "%(num)s times", 1) == "once"
    assert Formatter("en").n_("once", "%(num)s times", 1234) == "1,234 times"
    assert Formatter("it").n_("once", "%(num)s times", 1) == "una volta"
    assert Formatter("it").n_("once", "%(num)s times", 1234) == "1.234 volte"


def test_post_dates_use_local_weekday_and_month_names():
    moment = datetime(2025, 11, 18, 9, 30, tzinfo=UTC)
    assert Formatter("en").day(moment) == "Tue 18 Nov, 09:30"
    assert Formatter("it").day(moment) == "mar 18 nov, 09:30"


def test_what_the_mention_sources_cannot_see_is_said_in_the_reports_language():
    from monitor.metrics import IsoWeek
    from monitor.metrics.conversation import Conversation
    from monitor.report.conversation import coverage_sentence

    heard = Conversation(IsoWeek.parse("2026-W47"), 0, (), (), (("hackernews", 1),))
    assert coverage_sentence(heard, Formatter("it")) == (
        "Citazioni contate da Hacker News; non da X, LinkedIn o TikTok. Ogni citazione è "
        "contata una volta, mai i post dell'azienda stessa."
    )
    assert "not X, LinkedIn or TikTok" in coverage_sentence(heard, Formatter("en"))
