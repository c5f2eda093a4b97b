"""run_week: from a real store and configuration to the archived digest, one way."""

import email
import json
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from monitor.config import parse_config
from monitor.domain import AccountStats, Counts, Harvest, Post
from monitor.export import export_weekly
from monitor.metrics import IsoWeek, MetricsSettings
from monitor.store import Store
from monitor.sync import sync_sources
from monitor.weekly import run_week

WEEK = IsoWeek(2025, 47)
NOW = datetime(2025, 11, 24, 7, 0, tzinfo=UTC)


def config_text(outbox, *, language="it", email_section=""):
    return f"""
organization:
  name: Our Company
  sources: [{{mastodon: "@ourco@mastodon.example"}}]
competitors:
  - name: Acme
    sources: [{{mastodon: "@acme@mastodon.example"}}]
  - name: Globex
    sources: [{{bluesky: globex.bsky.social}}]
report: {{timezone: Europe/Rome, language: {language}, recipients: [ceo@ourco.example],
          outbox: "{outbox}", top_posts: 3}}
{email_section}
"""


def fill(store: Store) -> None:
    """Three companies posting through the week, with likes and followers."""
    monday = WEEK.start("Europe/Rome").astimezone(UTC)
    for source in store.sources():
        size = {"Our Company": 3, "Acme": 9, "Globex": 5}[source.company]
        posts = tuple(
            Post(
                external_id=f"{source.company}-{n}",
                published_at=monday + timedelta(days=n % 7, hours=9 + n),
                url=f"https://{source.company.lower().replace(' ', '')}.example/p/{n}",
                text=f"{source.company} post number {n}",
                counts=Counts(likes=10 * size + n, replies=n, reposts=2),
            )
            for n in range(size)
        )
        harvest = Harvest(
            observed_at=monday + timedelta(days=7),
            posts=posts,
            account=AccountStats(followers=1000 * size),
        )
        store.save_harvest(
            source.id, harvest, track_engagement_for=timedelta(days=14), next_due_at=NOW
        )


@pytest.fixture
def store(sqlite_url):
    with Store(sqlite_url) as opened:
        yield opened


def test_run_week_measures_interprets_renders_and_archives_the_week(store, tmp_path):
    config = parse_config(config_text(tmp_path / "reports"))
    sync_sources(config, store)
    fill(store)
    made = run_week(store, config, WEEK, NOW)
    digest, paths = made.digest, made.paths
    assert made.delivery is None  # written to the outbox, not sent
    assert digest.language == "it" and digest.subject.endswith("· settimana 47")
    assert paths.html == tmp_path / "reports" / "2025-W47.html"
    back = email.message_from_bytes(paths.eml.read_bytes(), policy=policy.default)
    assert back["Subject"] == digest.subject
    assert back["From"] == "monitor@localhost" and back["To"] == "ceo@ourco.example"
    assert "Acme" in paths.txt.read_text() and "https://acme.example/p/" in paths.txt.read_text()
    assert "2025-W47" in paths.index.read_text()


def test_the_outbox_eml_carries_the_envelope_of_the_email_settings(store, tmp_path):
    section = """email: {host: smtp.ourco.example, from: "Monitor <monitor@ourco.example>",
        reply_to: marketing@ourco.example, list_unsubscribe: "mailto:stop@ourco.example"}"""
    config = parse_config(config_text(tmp_path, language="en", email_section=section))
    sync_sources(config, store)
    fill(store)
    paths = run_week(store, config, WEEK, NOW).paths
    message = email.message_from_bytes(paths.eml.read_bytes(), policy=policy.default)
    assert message["From"] == "Monitor <monitor@ourco.example>"
    assert message["Reply-To"] == "marketing@ourco.example"
    assert message["List-Unsubscribe"] == "<mailto:stop@ourco.example>"


def test_an_empty_database_gives_a_digest_that_says_so(store, tmp_path):
    config = parse_config(config_text(tmp_path, language="en"))
    sync_sources(config, store)
    made = run_week(store, config, WEEK, NOW)
    assert made.digest.subject == "No posts collected · week 47"
    assert "No posts were collected for this week." in made.paths.txt.read_text()


def test_a_sent_weeks_eml_stays_what_was_sent_when_the_week_is_rendered_again(store, tmp_path):
    config = parse_config(config_text(tmp_path / "reports", language="en"))
    sync_sources(config, store)
    fill(store)
    paths = run_week(store, config, WEEK, NOW).paths
    paths.eml.write_bytes(b"Subject: exactly what went out\r\n\r\nsent\r\n")
    store.claim_delivery(WEEK.label, "ceo@ourco.example", str(paths.eml), NOW)
    store.finish_delivery(WEEK.label, "ceo@ourco.example", status="sent", now=NOW)
    paths.html.write_text("old")
    run_week(store, config, WEEK, NOW + timedelta(days=1))
    assert paths.eml.read_bytes() == b"Subject: exactly what went out\r\n\r\nsent\r\n"
    assert paths.html.read_text() != "old"  # the browser copy shows today's figures


def test_the_figures_file_states_the_verdict_and_matches_export_weekly(store, tmp_path):
    config = parse_config(config_text(tmp_path, language="en"))
    sync_sources(config, store)
    fill(store)
    made = run_week(store, config, WEEK, NOW)
    figures = json.loads(made.paths.json.read_text())
    assert figures["subject"] == made.digest.subject
    assert figures["verdict"]["sentence"] == made.digest.verdict
    exported = export_weekly(store, WEEK, MetricsSettings.from_report(config.report))
    assert figures["scoreboard"] == json.loads(json.dumps(exported))
    # The verdict's ratio is the two engagement figures of the scoreboard divided.
    rows = {r["company"]: r for r in figures["scoreboard"] if r["scope"] == "company"}
    numbers = figures["verdict"]["numbers"]
    leader = figures["verdict"]["companies"][0]
    assert numbers["ratio"] == rows[leader]["engagement"] / rows["Our Company"]["engagement"]


def test_report_attach_pdf_attaches_the_week_as_pdf_and_archives_it_beside_the_html(
    store, tmp_path
):
    text = config_text(tmp_path / "reports")
    text = text.replace("top_posts: 3}", "top_posts: 3, attach: [pdf]}")
    config = parse_config(text)
    sync_sources(config, store)
    fill(store)
    made = run_week(store, config, WEEK, NOW, documents=frozenset({"pptx"}))
    assert made.paths.documents == {
        "pdf": tmp_path / "reports" / "2025-W47.pdf",
        "pptx": tmp_path / "reports" / "2025-W47.pptx",
    }
    assert made.paths.documents["pdf"].read_bytes().startswith(b"%PDF-")
    back = email.message_from_bytes(made.paths.eml.read_bytes(), policy=policy.default)
    attached = list(back.iter_attachments())
    assert [(a.get_filename(), a.get_content_type()) for a in attached] == [
        ("2025-W47.pdf", "application/pdf")
    ]  # the deck is archived, not attached: only report.attach goes out
    assert attached[0].get_content() == made.paths.documents["pdf"].read_bytes()
    assert back.get_body(("html",)) is not None and back.get_body(("plain",)) is not None
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="2025-W47.pdf"' in index and 'href="2025-W47.pptx"' in index


def test_without_attach_or_documents_no_pdf_is_made(store, tmp_path):
    config = parse_config(config_text(tmp_path / "reports"))
    sync_sources(config, store)
    fill(store)
    made = run_week(store, config, WEEK, NOW)
    assert made.paths.documents == {}
    assert not list((tmp_path / "reports").glob("*.pdf"))
    assert not list(made.message.iter_attachments())
