"""Alerts through collection cycles of a loopback world: feeds on loopback, real collectors,
the store, a real SMTP server. Each cycle opens the store anew, as a restarted job would."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from alert_world import ALERTS, T0, Item, acme_breaks_out, world_config
from sqlalchemy import func, select

from monitor.alerts import check_alerts
from monitor.collect import run_cycle
from monitor.errors import MonitorError
from monitor.health import assess
from monitor.scheduler import run_job
from monitor.store import Store
from monitor.store import schema as s
from monitor.sync import sync_sources


def cycle(config, at: datetime):
    """One collection of every source at `at`, then the alert check, on a freshly opened store."""
    with Store(config.database) as store:
        sync_sources(config, store)
        asyncio.run(run_cycle(config, store, now=lambda: at))
        return check_alerts(config, store, at, sleep=lambda _s: None)


def breakouts(report) -> list:
    return [t for t in report.told if t.kind == "competitor_breakout"]


def statuses(config) -> dict[str, str]:
    with Store(config.database) as store:
        return {a.subject: a.status for a in store.recent_alerts()}


def test_a_breakout_is_told_once_and_not_again_after_a_restart(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS)
    acme_breaks_out(world, T0)
    first = cycle(config, T0)
    assert [t.status for t in first.told] == ["sent"]
    assert smtp.subjects == ["Acme's post is taking off: 20× its usual engagement"]
    text = smtp.received[0].get_content()
    assert "A post by Acme on Website feed" in text
    assert "has 240 engagement after 5 hours: 20× its usual (12, the median engagement" in text
    assert "Link: https://acme.example/news/rocket-skates/" in text
    assert smtp.received[0]["To"] == "ceo@ourco.example"

    second = cycle(config, T0 + timedelta(hours=1))  # a restarted job, one hour on
    assert smtp.subjects[1:] == [
        "Initech on Website feed is not being read: 2 failed attempts in a row"
    ]  # the outage, now two failures long; the breakout is not told again
    assert [t.kind for t in second.told] == ["source_down"]
    down = smtp.received[1].get_content()
    assert "failed 2 times in a row; it has never been read." in down
    assert "The last problem: the platform's server had errors (the server answered 503" in down
    assert cycle(config, T0 + timedelta(hours=2)).told == ()
    assert len(smtp.received) == 2


def test_a_second_breakout_inside_the_cooldown_is_held_back(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS)
    acme_breaks_out(world, T0)
    cycle(config, T0)
    later = T0 + timedelta(hours=6)
    acme_breaks_out(world, later, slug="portable-holes")
    told = breakouts(cycle(config, later))
    assert [t.status for t in told] == ["suppressed"]
    assert sum("taking off" in subject for subject in smtp.subjects) == 1
    # Past the cooldown (24 h), a new breakout of Acme is told again.
    much_later = T0 + timedelta(hours=30)
    acme_breaks_out(world, much_later, slug="giant-magnet")
    assert [t.status for t in breakouts(cycle(config, much_later))] == ["sent"]


def test_alerts_found_in_quiet_hours_go_out_when_they_end(tmp_path, world, smtp):
    quiet = ALERTS + '  quiet_hours: "22:00-07:00"\n'
    config = world_config(tmp_path, world.port, smtp.port, quiet)
    night = datetime(2026, 11, 18, 22, 30, tzinfo=UTC)  # 23:30 in Rome
    acme_breaks_out(world, night)
    told = cycle(config, night).told
    assert [t.status for t in told] == ["pending"]
    assert "until 2026-11-19 06:00 UTC" in told[0].note  # 07:00 in Rome
    early = datetime(2026, 11, 19, 5, 50, tzinfo=UTC)  # 06:50 in Rome: still quiet
    assert {t.status for t in cycle(config, early).told} == {"pending"}
    assert smtp.received == []
    morning = datetime(2026, 11, 19, 6, 10, tzinfo=UTC)  # 07:10 in Rome
    told = cycle(config, morning).told
    assert [t.status for t in told if t.kind == "competitor_breakout"] == ["sent"]
    assert smtp.subjects[0].startswith("Acme's post is taking off")


def test_nothing_is_found_or_sent_when_alerts_are_off(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, "alerts: {enabled: false}\n")
    acme_breaks_out(world, T0)
    for hours in (0, 1, 2):
        assert cycle(config, T0 + timedelta(hours=hours)).told == ()
    assert smtp.received == []
    with Store(config.database) as store, store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.alerts)).scalar_one() == 0


def test_without_an_alerts_section_there_are_no_alerts(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, "")
    acme_breaks_out(world, T0)
    assert cycle(config, T0).told == ()
    assert smtp.received == []


def test_the_weekly_cap_holds_back_what_passes_it(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS + "  max_per_week: 1\n")
    acme_breaks_out(world, T0)
    world.feeds["Globex"] += [
        Item(f"flash-sale-{n}", T0 - timedelta(hours=2 * n + 1), 10) for n in range(6)
    ]
    told = cycle(config, T0).told
    assert sorted(t.status for t in told) == ["capped", "sent"]
    assert len(smtp.received) == 1
    # A new week (Monday in Rome) starts a new count.
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    world.feeds["Acme"].append(Item("anvil-week", monday - timedelta(hours=3), 300))
    told = cycle(config, monday).told
    assert ("competitor_breakout", "sent") in [(t.kind, t.status) for t in told]


def test_a_posting_surge_and_our_own_breakout_are_told_with_their_numbers(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS)
    world.feeds["Globex"] += [
        Item(f"flash-sale-{n}", T0 - timedelta(hours=2 * n + 1), 10) for n in range(6)
    ]
    world.feeds["Our Company"].append(Item("our-big-news", T0 - timedelta(hours=20), 180))
    cycle(config, T0)
    by_subject = {str(m["Subject"]): m.get_content() for m in smtp.received}
    assert set(by_subject) == {
        "Globex is posting 13× as often as usual",
        "Our post is taking off: 15× our usual engagement",
    }
    surge = by_subject["Globex is posting 13× as often as usual"]
    assert "Globex published 6 posts in the last 24 hours: 13× its usual rate" in surge
    assert "(0.5 per 24 hours on average over the 28 days before)" in surge
    ours = by_subject["Our post is taking off: 15× our usual engagement"]
    assert "has 180 engagement after 20 hours" in ours
    assert "Link: https://ourcompany.example/news/our-big-news/" in ours


def test_an_alert_is_worded_in_the_reports_language(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS, language="it")
    acme_breaks_out(world, T0)
    cycle(config, T0)
    assert smtp.subjects == ["Un post di Acme decolla: 20 volte le sue interazioni abituali"]
    text = smtp.received[0].get_content()
    assert "Un post di Acme su Feed del sito, pubblicato mer 18 nov, 05:00" in text  # Rome time
    assert "ha 240 interazioni dopo 5 ore" in text
    cycle(config, T0 + timedelta(hours=1))  # Initech's second failure in a row
    down = smtp.received[1].get_content()
    assert smtp.subjects[1] == (
        "Initech su Feed del sito non viene letto: 2 tentativi falliti di fila"
    )
    assert "L'ultimo problema: il server della piattaforma ha dato errori (" in down


def test_a_failing_mail_server_is_a_recorded_failure_and_the_check_goes_on(tmp_path, world):
    config = world_config(tmp_path, world.port, 9, ALERTS)  # nothing listens on port 9
    acme_breaks_out(world, T0)
    told = cycle(config, T0).told
    assert [t.status for t in told] == ["failed"]
    assert "e-mail: cannot reach the mail server 127.0.0.1:9" in told[0].note
    assert "not sent yet (tried again later)" in told[0].describe()
    assert statuses(config) == {told[0].subject: "pending"}  # kept for a later check
    with Store(config.database) as store:
        health = assess(store, T0)
    assert not health.healthy
    assert any("alert not sent yet" in problem and "127.0.0.1:9" in problem
               for problem in health.problems)  # fmt: skip


def test_an_alert_no_channel_took_is_sent_once_the_mail_server_is_back(tmp_path, world, smtp):
    down = world_config(tmp_path, world.port, 9, ALERTS)
    acme_breaks_out(world, T0)
    (subject,) = [t.subject for t in breakouts(cycle(down, T0))]
    assert breakouts(cycle(down, T0 + timedelta(minutes=5))) == []  # not at every check
    back = world_config(tmp_path, world.port, smtp.port, ALERTS)
    assert breakouts(cycle(back, T0 + timedelta(minutes=10))) == []  # nor before RETRY_AFTER
    told = breakouts(cycle(back, T0 + timedelta(minutes=20)))
    assert [(t.subject, t.status) for t in told] == [(subject, "sent")]
    assert smtp.subjects.count(subject) == 1
    assert statuses(back)[subject] == "sent"
    assert breakouts(cycle(back, T0 + timedelta(hours=1))) == []  # told once


def test_an_alert_that_never_found_a_channel_expires_with_its_last_error(tmp_path, world):
    config = world_config(tmp_path, world.port, 9, ALERTS)
    acme_breaks_out(world, T0)
    (subject,) = [t.subject for t in breakouts(cycle(config, T0))]
    assert [t.status for t in breakouts(cycle(config, T0 + timedelta(hours=2)))] == ["failed"]
    assert [t.status for t in breakouts(cycle(config, T0 + timedelta(hours=25)))] == ["expired"]
    with Store(config.database) as store:
        (record,) = [a for a in store.recent_alerts() if a.subject == subject]
        health = assess(store, T0 + timedelta(hours=25))
    assert record.status == "expired" and "127.0.0.1:9" in (record.error or "")
    assert any(problem.startswith(f"alert not sent: {subject}") for problem in health.problems)


def test_the_job_checks_for_alerts_after_each_collection(tmp_path, world, smtp):
    config = world_config(tmp_path, world.port, smtp.port, ALERTS)
    acme_breaks_out(world, T0)
    stop, started, errors = threading.Event(), threading.Event(), []

    def no_digest(*_args, **_kwargs):
        raise MonitorError("no digest in this test")

    def target() -> None:
        try:
            run_job(
                config,
                clock=lambda: T0,
                stop_event=stop,
                started=started,
                run_week=no_digest,
                log=logging.getLogger("test"),
                stop_grace_s=0.5,
            )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
            started.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        assert started.wait(10)
        deadline = time.monotonic() + 15
        while not smtp.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert errors == []
    assert smtp.subjects == ["Acme's post is taking off: 20× its usual engagement"]
