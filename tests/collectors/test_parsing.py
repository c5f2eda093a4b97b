"""parse_count reads counts the way pages print them, exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.collectors.parsing import clip, iso_utc, parse_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("930", 930),
        ("1.2K", 1_200),
        ("4.62K", 4_620),
        ("3.4M", 3_400_000),
        ("12,5K", 12_500),
        ("1 234", 1_234),
        ("1\u00a0234", 1_234),  # no-break space
        ("1\u2009234", 1_234),  # thin space
        ("1\u202f234\u202f567", 1_234_567),  # narrow no-break space
        ("1,234", 1_234),
        ("1.234", 1_234),  # dot as the thousands separator (it, de)
        ("1.234.567", 1_234_567),
        ("1'234", 1_234),  # Swiss
        ("1.234,5K", 1_234_500),
        ("1,234.5K", 1_234_500),
        ("1,2 mila", 1_200),
        ("12 mila", 12_000),
        ("3 Mln", 3_000_000),
        ("1,5 mln", 1_500_000),
        ("2 Mrd.", 2_000_000_000),
        ("1.1B", 1_100_000_000),
        ("5 Tsd.", 5_000),
        ("2,3 Mio.", 2_300_000),
        ("7 milioni", 7_000_000),
        ("1.5k", 1_500),
        ("2.5m", 2_500_000),
        ("12K views", 12_000),
        ("Views: 1.2K", 1_200),
        ("1,2 mila visualizzazioni", 1_200),
        ("1.2345K", 1_235),  # rounded half up to a whole count
    ],
)
def test_counts_are_read_exactly(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "views", "K", "1.5", "12 34", "1.23.4"])
def test_text_without_a_count_gives_none_not_zero(text: str | None) -> None:
    assert parse_count(text) is None


def test_zero_is_a_count() -> None:
    assert parse_count("0") == 0


def test_a_word_starting_like_a_suffix_is_not_a_suffix() -> None:
    assert parse_count("5 minutes ago") == 5
    assert parse_count("3 books") == 3


_SEPARATORS = [",", ".", " ", "\u00a0", "\u2009", "\u202f", "'"]


def _grouped(number: int, separator: str) -> str:
    return f"{number:,}".replace(",", separator)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(_SEPARATORS))
def test_grouped_numbers_round_trip(number: int, separator: str) -> None:
    assert parse_count(_grouped(number, separator)) == number


@given(st.integers(min_value=0, max_value=10**12))
def test_plain_numbers_round_trip(number: int) -> None:
    assert parse_count(str(number)) == number


_ABBREVIATIONS = [
    ("K", 1_000),
    ("k", 1_000),
    ("M", 1_000_000),
    ("B", 1_000_000_000),
    (" mila", 1_000),
    (" Mln", 1_000_000),
    (" mln", 1_000_000),
]


@given(
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=0, max_value=9),
    st.sampled_from(_ABBREVIATIONS),
    st.sampled_from([".", ","]),
)
def test_abbreviated_numbers_round_trip(
    whole: int, tenth: int, abbreviation: tuple[str, int], mark: str
) -> None:
    suffix, multiplier = abbreviation
    text = f"{whole}{mark}{tenth}{suffix}" if tenth else f"{whole}{suffix}"
    expected = (Decimal(whole) + Decimal(tenth) / 10) * multiplier
    assert parse_count(text) == int(expected)


@given(st.text(max_size=60))
def test_any_text_gives_a_non_negative_count_or_none(text: str) -> None:
    result = parse_count(text)
    assert result is None or (isinstance(result, int) and result >= 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-17T09:30:00.000Z", datetime(2026, 11, 17, 9, 30, tzinfo=UTC)),
        ("2026-11-17T10:30:00+01:00", datetime(2026, 11, 17, 9, 30, tzinfo=UTC)),
        ("2026-11-17T09:30:00.123456789Z", datetime(2026, 11, 17, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2026-11-17T09:30:00", datetime(2026, 11, 17, 9, 30, tzinfo=UTC)),
    ],
)
def test_platform_times_become_utc(text: str, expected: datetime) -> None:
    assert iso_utc(text) == expected


@pytest.mark.parametrize("value", [None, "", "yesterday", 1731836000, "2026-13-40T00:00:00Z"])
def test_unreadable_times_are_none(value: object) -> None:
    assert iso_utc(value) is None


def test_a_long_text_is_cut_with_an_ellipsis_and_a_short_one_kept() -> None:
    assert clip("short") == "short"
    cut = clip("word " * 200)
    assert len(cut) == 500 and cut.endswith("…")
