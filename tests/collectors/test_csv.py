"""csv: our own weekly results from a CSV file or a published CSV, as spreadsheets write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from collector_support import loopback, read_fixture, run_collector
from pytest_httpserver import HTTPServer

from monitor.collectors.csv import parse_outcomes
from monitor.errors import SourceError
from monitor.kinds.csv import CsvSource

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday of 2026-W48


def test_italian_numbers_are_read_with_their_separators() -> None:
    parsed = parse_outcomes(read_fixture("csv", "outcomes_it.csv"), NOW, currency="EUR")
    first = parsed.outcomes[0]
    assert (first.week, first.visits_from_social, first.signups, first.orders) == (
        "2026-W40", 1120, 14, 5)  # fmt: skip
    assert (first.revenue, first.spend, first.currency) == (612.0, 300.0, "EUR")


def test_a_bad_row_is_said_with_its_line_number_and_the_rest_is_kept() -> None:
    parsed = parse_outcomes(read_fixture("csv", "outcomes_it.csv"), NOW)
    assert [o.week for o in parsed.outcomes] == ["2026-W40", "2026-W41", "2026-W42", "2026-W44"]
    assert "line 5: 'mille' in visits_from_social is not a number; the row was left out" in (
        parsed.warnings
    )


def test_a_duplicate_week_keeps_the_later_row_and_says_so() -> None:
    parsed = parse_outcomes(read_fixture("csv", "outcomes_it.csv"), NOW)
    week = next(o for o in parsed.outcomes if o.week == "2026-W42")
    assert (week.visits_from_social, week.revenue) == (1910, 1302.0)
    assert "lines 4 and 7 are both week 2026-W42; line 7 is kept" in parsed.warnings


def test_a_week_in_the_future_is_left_out_with_a_clear_message() -> None:
    parsed = parse_outcomes(read_fixture("csv", "outcomes_it.csv"), NOW)
    assert "line 8: week 2026-W49 has not begun yet; left out" in parsed.warnings
    assert "columns not read: Note" in parsed.warnings


def test_dates_stand_for_their_week_and_english_separators_are_read() -> None:
    parsed = parse_outcomes(read_fixture("csv", "outcomes_en.csv"), NOW)
    assert [(o.week, o.visits_from_social, o.orders) for o in parsed.outcomes] == [
        ("2026-W41", 1120, None), ("2026-W42", 1305, None), ("2026-W43", 1840, None)]  # fmt: skip
    assert parsed.warnings == []


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("2026-W45;1.234,5;1", "'1.234,5' in visits_from_social is not a whole number"),
        ("2026-W45;-3;1", "'-3' in visits_from_social is below zero"),
        ("2026-W54;3;1", "'2026-W54' is not a week like 2026-W47 or a date"),
        ("2026-W45;;", "week 2026-W45 has no figure"),
    ],
)
def test_each_kind_of_bad_row_says_what_is_wrong(row: str, said: str) -> None:
    body = f"week;visits_from_social;signups\n2026-W44;10;1\n{row}\n".encode()
    parsed = parse_outcomes(body, NOW)
    assert [o.week for o in parsed.outcomes] == ["2026-W44"]
    assert parsed.warnings == [f"line 3: {said}; the row was left out"]


def test_the_rows_left_out_are_said_in_the_reports_language() -> None:
    parsed = parse_outcomes(read_fixture("csv", "outcomes_it.csv"), NOW, language="it")
    assert parsed.warnings == [
        "colonne non lette: Note",
        "riga 5: 'mille' in visits_from_social non è un numero; la riga è stata esclusa",
        "le righe 4 e 7 sono entrambe della settimana 2026-W42; si tiene la riga 7",
        "riga 8: la settimana 2026-W49 non è ancora iniziata; esclusa",
    ]
    body = "week;visits\n" + "".join(f"2026-W{w:02d};-{w}\n" for w in range(1, 13))
    said = parse_outcomes(body.encode(), NOW, language="it").warnings
    assert said[0] == "riga 2: '-1' in visits_from_social è sotto zero; la riga è stata esclusa"
    assert said[-1] == "e ancora 2 righe come queste"  # 12 bad rows: 10 said, 2 counted


def test_a_file_without_a_week_column_fails_with_its_header() -> None:
    with pytest.raises(
        SourceError, match=r"has no 'week' column \(its header row is: visits, orders\)"
    ):
        parse_outcomes(b"visits,orders\n12,3\n", NOW)


def test_a_published_csv_is_read_over_http(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pub", query_string="output=csv").respond_with_data(
        read_fixture("csv", "outcomes_en.csv"), content_type="text/csv; charset=utf-8"
    )
    source = CsvSource(location=f"{loopback(httpserver)}/pub?output=csv")
    harvest = run_collector(source, "", now=NOW, since=NOW - timedelta(days=30))
    assert [o.visits_from_social for o in harvest.outcomes] == [1120, 1305, 1840]
    assert harvest.posts == ()


def test_a_missing_file_is_a_source_error(tmp_path) -> None:
    source = CsvSource(location=str(tmp_path / "nowhere.csv"))
    with pytest.raises(SourceError, match="there is no file"):
        run_collector(source, "", now=NOW, since=NOW)
