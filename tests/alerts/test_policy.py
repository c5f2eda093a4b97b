"""When an alert may go out, and the `alerts:` section's checks."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, time, timedelta

import pytest

from monitor.alerts.policy import decide, quiet_until, week_start
from monitor.config import parse_config
from monitor.errors import ConfigError

NIGHT = (time(22, 0), time(7, 0))
BASE = """\
organization: {name: Us, sources: [feed: https://us.example/feed.xml]}
competitors: [{name: Acme, sources: [feed: https://acme.example/feed.xml]}]
"""


def test_quiet_hours_across_midnight_end_the_next_morning_local_time():
    late = datetime(2026, 11, 18, 22, 30, tzinfo=UTC)  # 23:30 in Rome
    assert quiet_until(late, NIGHT, "Europe/Rome") == datetime(2026, 11, 19, 6, 0, tzinfo=UTC)
    small_hours = datetime(2026, 11, 19, 3, 0, tzinfo=UTC)  # 04:00 in Rome
    assert quiet_until(small_hours, NIGHT, "Europe/Rome") == datetime(
        2026, 11, 19, 6, 0, tzinfo=UTC
    )
    assert quiet_until(datetime(2026, 11, 19, 6, 0, tzinfo=UTC), NIGHT, "Europe/Rome") is None
    assert quiet_until(datetime(2026, 11, 18, 20, 59, tzinfo=UTC), NIGHT, "Europe/Rome") is None


def test_quiet_hours_end_at_local_time_on_the_night_the_clocks_go_back():
    # 25 October 2026: Rome goes from UTC+2 to UTC+1 at 03:00 local.
    night = datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # 23:00 summer time
    assert quiet_until(night, NIGHT, "Europe/Rome") == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)


def test_quiet_hours_within_one_day():
    lunch = (time(12, 0), time(14, 0))
    noon = datetime(2026, 11, 18, 11, 30, tzinfo=UTC)  # 12:30 in Rome
    assert quiet_until(noon, lunch, "Europe/Rome") == datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
    assert quiet_until(noon, None, "Europe/Rome") is None


def test_the_week_of_the_cap_starts_on_monday_in_the_reports_time_zone():
    assert week_start(datetime(2026, 11, 18, 9, tzinfo=UTC), "Europe/Rome") == datetime(
        2026, 11, 15, 23, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("last_sent_ago", "sent_this_week", "waited", "expected"),
    [
        (None, 0, timedelta(0), "send"),
        (timedelta(hours=2), 0, timedelta(0), "suppressed"),
        (timedelta(hours=25), 0, timedelta(0), "send"),
        (None, 10, timedelta(0), "capped"),
        (None, 0, timedelta(hours=25), "expired"),
    ],
)
def test_decide(last_sent_ago, sent_this_week, waited, expected):
    now = datetime(2026, 11, 18, 9, tzinfo=UTC)
    verdict = decide(
        now=now,
        detected_at=now - waited,
        last_sent=None if last_sent_ago is None else now - last_sent_ago,
        cooldown=timedelta(hours=24),
        sent_this_week=sent_this_week,
        max_per_week=10,
    )
    assert verdict == expected


def test_an_alerts_section_with_every_setting_is_read():
    config = parse_config(
        BASE
        + textwrap.dedent("""\
        alerts:
          enabled: true
          competitor_breakout: {enabled: true, within: 48h}
          competitor_posting_surge: {window: 24h, baseline: 28d, ratio: 3, min_posts: 4}
          own_breakout: {enabled: false}
          source_down: {after_failures: 3}
          cooldown: 12h
          quiet_hours: "22:00-07:00"
          max_per_week: 5
          recipients: [marketing@us.example]
        """)
    )
    alerts = config.alerts
    assert alerts is not None and alerts.quiet == NIGHT
    assert alerts.kind_enabled("competitor_breakout") and not alerts.kind_enabled("own_breakout")
    assert alerts.cooldown == timedelta(hours=12)


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("alerts: {quiet_hours: 22-07}", "quiet_hours: not a span of hours like 22:00-07:00"),
        ("alerts: {quiet_hours: '25:00-07:00'}", "hours run from 00:00 to 23:59"),
        ("alerts: {cooldwn: 1h}", "alerts.cooldwn: unknown key (a typo?)"),
        ("alerts: {max_per_week: 0}", "alerts.max_per_week: must be at least 1"),
        ("alerts: {source_down: {after_failures: 0}}", "must be at least 1"),
        ("alerts: {competitor_posting_surge: {ratio: 1}}", "must be more than 1"),
    ],
)
def test_bad_alert_settings_are_refused_with_a_plain_message(setting, said):
    with pytest.raises(ConfigError) as raised:
        parse_config(BASE + setting + "\n")
    assert said in "\n".join(raised.value.problems)
