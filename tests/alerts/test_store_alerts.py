"""Alerts in the store: the migration, told once, the cooldown and cap queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from monitor.store import Store
from monitor.store.schema import LATEST_VERSION

NOW = datetime(2026, 11, 18, 9, tzinfo=UTC)


def add(store: Store, identity: str, at: datetime = NOW, company: str = "Acme") -> bool:
    return store.add_alert(identity=identity, kind="competitor_breakout", company=company,
                           subject=f"about {identity}", body="…", url=None,
                           numbers={"ratio": 20.0}, now=at)  # fmt: skip


def test_a_database_from_before_alerts_is_upgraded(database_url):
    Store(database_url).close()
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alerts"))
        connection.execute(text("UPDATE schema_version SET version = 6"))
    engine.dispose()
    with Store(database_url) as store:
        assert store.schema_version() == LATEST_VERSION
        assert add(store, "post-1")


def test_an_alert_is_recorded_once_and_claimed_once(database_url):
    with Store(database_url) as store:
        assert add(store, "post-1")
        assert not add(store, "post-1", NOW + timedelta(hours=1))
        assert store.known_alert("post-1") and not store.known_alert("post-2")
        (pending,) = store.pending_alerts()
        assert store.claim_alert(pending.id, NOW)
        assert not store.claim_alert(pending.id, NOW)  # a second process gets nothing
        store.finish_alert(pending.id, "sent", NOW, channels="e-mail")
        assert store.pending_alerts() == []
        assert store.last_alert_sent("Acme", "competitor_breakout") == NOW
        assert store.last_alert_sent("Globex", "competitor_breakout") is None
        assert store.alerts_sent_since(NOW - timedelta(days=1)) == 1
        assert store.alerts_sent_since(NOW + timedelta(seconds=1)) == 0
        (record,) = store.recent_alerts()
        assert (record.status, record.channels, record.numbers) == ("sent", "e-mail", {"ratio": 20})


def test_a_chat_channel_keeps_its_health_and_the_last_week_posted(database_url):
    Store(database_url).close()
    engine = create_engine(database_url)
    with engine.begin() as connection:  # a database from before chat
        connection.execute(text("DROP TABLE chat_channels"))
        connection.execute(text("UPDATE schema_version SET version = 9"))
    engine.dispose()
    with Store(database_url) as store:
        store.record_chat("board", False, NOW, "the service answered 502")
        store.record_chat("board", False, NOW + timedelta(hours=1), "the service answered 502")
        (board,) = store.chat_channels()
        assert (board.consecutive_failures, board.last_ok_at) == (2, None)
        assert not store.weekly_posted("board", "2026-W47")
        store.record_chat("board", True, NOW + timedelta(hours=2))
        store.mark_weekly_posted("board", "2026-W47")
        (board,) = store.chat_channels()
        assert (board.consecutive_failures, board.last_error) == (0, None)
        assert store.weekly_posted("board", "2026-W47")
        assert not store.weekly_posted("board", "2026-W48")


def test_an_alert_left_sending_by_a_stopped_program_is_given_up_not_resent(database_url):
    with Store(database_url) as store:
        add(store, "post-1")
        (alert,) = store.pending_alerts()
        assert store.claim_alert(alert.id, NOW)  # then the program stopped
        assert store.give_up_abandoned_alerts(NOW - timedelta(minutes=1), NOW) == 0
        later = NOW + timedelta(hours=2)
        assert store.give_up_abandoned_alerts(later - timedelta(hours=1), later) == 1
        (record,) = store.recent_alerts()
        assert record.status == "failed" and "may or may not have arrived" in (record.error or "")
        assert store.pending_alerts() == []
