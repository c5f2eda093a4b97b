"""Delivery against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.config import EmailSettings
from monitor.deliver import delivery_rows, read_eml, retry_pending, send_digest, send_test
from monitor.store import Store

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
WEEK = "2026-W47"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


# --- a loopback mail server ------------------------------------------------------------------


class Mailbox:
    """Accepts everything and keeps what arrived. `data_replies` answer DATA first, in order."""

    def __init__(self, *, data_replies: tuple[str, ...] = (), refuse: tuple[str, ...] = ()):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.data_replies = list(data_replies)
        self.refuse = refuse
        self.data_calls = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Ok: queued"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(c, policy=email.policy.default) for *_, c in self.received]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    started: list[Controller] = []

    def start(handler: Mailbox, port: int | None = None, **kwargs) -> int:
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def tls():
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'monitor.db'}") as store:
        yield store


def settings(port: int, **extra) -> EmailSettings:
    values = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from": "Competitor Monitor <monitor@ourco.example>",
        "timeout": "5s",
        "max_attempts": 3,
        **extra,
    }
    return EmailSettings.model_validate(values)


def digest() -> EmailMessage:
    """A digest shaped like the renderer's: text + HTML with an inline chart."""
    message = EmailMessage()
    message["Subject"] = "Competitors, week 47 (16–22 Nov): Acme +38% engagement"
    message.set_content("Acme posted 7.7× as often as we did.\n")
    message.add_alternative(
        '<p>Acme posted 7.7× as often.</p><img src="cid:trend">', subtype="html"
    )
    message.get_payload()[1].add_related(PNG, "image", "png", cid="<trend>", filename="trend.png")
    return message


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def send(store, tmp_path, config, recipients=("ceo@ourco.example",), **kwargs):
    return send_digest(
        digest(),
        week=WEEK,
        recipients=list(recipients),
        settings=config,
        store=store,
        eml_path=tmp_path / "reports" / f"{WEEK}.eml",
        now=NOW,
        **kwargs,
    )


# --- the message arrives complete --------------------------------------------------------------


def test_message_arrives_complete_with_envelope_headers(smtp_server, store, tmp_path):
    mailbox = Mailbox()
    port = smtp_server(mailbox)
    config = settings(
        port, reply_to="marketing@ourco.example", list_unsubscribe="mailto:unsub@ourco.example"
    )
    result = send(store, tmp_path, config, recipients=["cmo@ourco.example", "ceo@ourco.example"])

    assert result.status == "sent"
    [(mail_from, rcpt_tos, _content)] = mailbox.received
    assert mail_from == "monitor@ourco.example"
    assert sorted(rcpt_tos) == ["ceo@ourco.example", "cmo@ourco.example"]
    [message] = mailbox.messages()
    assert message["Subject"] == "Competitors, week 47 (16–22 Nov): Acme +38% engagement"
    assert message["From"] == "Competitor Monitor <monitor@ourco.example>"
    assert message["To"] == "ceo@ourco.example, cmo@ourco.example"
    assert message["Reply-To"] == "marketing@ourco.example"
    assert message["List-Unsubscribe"] == "<mailto:unsub@ourco.example>"
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["Message-ID"].endswith("@ourco.example>")
    assert message["Message-ID"] == result.message_id
    text = message.get_body(("plain",)).get_content()
    assert text == "Acme posted 7.7× as often as we did.\r\n"  # line ends are CRLF on the wire
    assert 'src="cid:trend"' in message.get_body(("html",)).get_content()
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<trend>"
    assert image.get_content() == PNG


def test_outbox_eml_holds_exactly_what_was_sent(smtp_server, store, tmp_path):
    mailbox = Mailbox()
    result = send(store, tmp_path, settings(smtp_server(mailbox)))
    sent = mailbox.received[0][2]
    on_disk = result.eml_path.read_bytes()
    # aiosmtpd hands over the DATA with CRLF line ends, as it came over the wire
    assert on_disk == sent
    assert read_eml(result.eml_path)["Message-ID"] == result.message_id


def login_server(smtp_server, tls, monkeypatch, authenticator, password: str):
    """A STARTTLS server that requires a login, and settings that log in to it as
    monitor@ourco.example with `password`, read from TEST_SMTP_PASSWORD."""
    server_context, _client_context = tls
    mailbox = Mailbox()
    port = smtp_server(
        mailbox,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    monkeypatch.setenv("TEST_SMTP_PASSWORD", password)
    config = settings(
        port,
        security="starttls",
        username="monitor@ourco.example",
        password_env="TEST_SMTP_PASSWORD",
    )
    return mailbox, config


def test_starttls_and_auth_with_password_from_environment(
    smtp_server, store, tmp_path, tls, monkeypatch
):
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pass", handled=False)

    _, client_context = tls
    mailbox, config = login_server(smtp_server, tls, monkeypatch, authenticator, "s3cret-pass")

    result = send(store, tmp_path, config, ssl_context=client_context)

    assert result.status == "sent"
    assert logins == [(b"monitor@ourco.example", b"s3cret-pass")]
    assert len(mailbox.received) == 1


def test_wrong_password_is_a_permanent_failure_with_the_servers_words(
    smtp_server, store, tmp_path, tls, monkeypatch
):
    def refuse_every_login(*_args) -> AuthResult:
        return AuthResult(success=False, handled=False)

    _, client_context = tls
    _, config = login_server(smtp_server, tls, monkeypatch, refuse_every_login, "wrong")
    sleeps = Sleeps()

    result = send(store, tmp_path, config, ssl_context=client_context, sleep=sleeps)

    assert result.status == "failed"
    assert "535" in result.error and "Authentication credentials invalid" in result.error
    assert "wrong" not in result.error
    assert sleeps == []  # not retried: a wrong password stays wrong
    assert store.delivery(WEEK, "ceo@ourco.example").status == "failed"


def test_untrusted_certificate_is_refused(smtp_server, store, tmp_path, tls):
    server_context, _client = tls
    port = smtp_server(Mailbox(), tls_context=server_context, require_starttls=True)
    result = send(store, tmp_path, settings(port, security="starttls"), sleep=Sleeps())
    assert result.status == "failed"
    assert "secure connection" in result.error


def test_implicit_tls(smtp_server, store, tmp_path, tls):
    server_context, client_context = tls
    mailbox = Mailbox()
    port = smtp_server(mailbox, ssl_context=server_context)
    result = send(store, tmp_path, settings(port, security="tls"), ssl_context=client_context)
    assert result.status == "sent"
    assert len(mailbox.received) == 1


def test_missing_password_variable_fails_and_names_it(smtp_server, store, tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    config = settings(smtp_server(Mailbox()), username="u", password_env="TEST_SMTP_PASSWORD")
    result = send(store, tmp_path, config)
    assert result.status == "failed"
    assert "TEST_SMTP_PASSWORD is not set" in result.error


# --- temporary and permanent failures ----------------------------------------------------------


def test_451_then_accepted_is_sent_once_after_a_backoff(smtp_server, store, tmp_path):
    mailbox = Mailbox(data_replies=("451 4.3.0 Temporary local problem, try later",))
    sleeps = Sleeps()
    result = send(store, tmp_path, settings(smtp_server(mailbox)), sleep=sleeps)
    assert result.status == "sent"
    assert mailbox.data_calls == 2
    assert len(mailbox.received) == 1
    assert sleeps == [2]


def test_temporary_failures_back_off_exponentially_then_fail(smtp_server, store, tmp_path):
    mailbox = Mailbox(data_replies=("421 4.7.0 Try again later",) * 5)
    sleeps = Sleeps()
    result = send(store, tmp_path, settings(smtp_server(mailbox), max_attempts=4), sleep=sleeps)
    assert result.status == "failed"
    assert sleeps == [2, 4, 8]
    assert "421 4.7.0 Try again later" in result.error
    assert mailbox.received == []


def test_refused_recipient_is_partial_and_recorded_per_recipient(smtp_server, store, tmp_path):
    mailbox = Mailbox(refuse=("gone@ourco.example",))
    port = smtp_server(mailbox)
    result = send(
        store, tmp_path, settings(port), recipients=["ceo@ourco.example", "gone@ourco.example"]
    )
    assert result.status == "partial"
    assert mailbox.received[0][1] == ["ceo@ourco.example"]
    record = store.delivery(WEEK, "ceo@ourco.example,gone@ourco.example")
    assert record.status == "partial"
    assert record.sent_at == NOW
    assert record.refused == {
        "gone@ourco.example": "550 5.1.1 <gone@ourco.example>: Recipient address rejected: "
        "User unknown"
    }
    [row] = delivery_rows(store, NOW)
    assert row["status"] == "partial"
    assert "gone@ourco.example" in row["error"] and "User unknown" in row["error"]


def test_all_recipients_refused_is_a_failure_with_the_servers_words(smtp_server, store, tmp_path):
    mailbox = Mailbox(refuse=("gone@ourco.example",))
    sleeps = Sleeps()
    result = send(
        store, tmp_path, settings(smtp_server(mailbox)), ["gone@ourco.example"], sleep=sleeps
    )
    assert result.status == "failed"
    assert "User unknown" in result.error
    assert sleeps == []


# --- exactly once -------------------------------------------------------------------------------


def test_server_down_then_up_sends_exactly_once_overall(smtp_server, store, tmp_path):
    port = free_port()
    config = settings(port, max_attempts=2)
    sleeps = Sleeps()

    first = send(store, tmp_path, config, sleep=sleeps)
    assert first.status == "failed"
    assert "cannot reach the mail server" in first.error
    assert sleeps == [2]
    assert first.eml_path.is_file()
    assert store.delivery(WEEK, "ceo@ourco.example").status == "failed"

    mailbox = Mailbox()
    smtp_server(mailbox, port=port)
    later = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    [retried] = retry_pending(store, config, later, sleep=sleeps)
    assert retried.status == "sent"
    assert retried.message_id == first.message_id  # the same message, not a new one

    assert retry_pending(store, config, later) == []
    assert send(store, tmp_path, config).status == "skipped"
    assert len(mailbox.received) == 1
    record = store.delivery(WEEK, "ceo@ourco.example")
    # every try at the mail server counts: two in the first send, one in the retry
    assert (record.status, record.attempts, record.sent_at) == ("sent", 3, later)


def test_rerun_does_not_send_again_but_force_does(smtp_server, store, tmp_path):
    mailbox = Mailbox()
    config = settings(smtp_server(mailbox))
    first = send(store, tmp_path, config)
    again = send(store, tmp_path, config)
    assert again.status == "skipped" and "already sent" in again.describe()
    forced = send(store, tmp_path, config, force=True)
    assert forced.status == "sent"
    assert forced.message_id != first.message_id
    assert len(mailbox.received) == 2


def test_racing_senders_send_once(smtp_server, tmp_path):
    mailbox = Mailbox()
    config = settings(smtp_server(mailbox))
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    Store(url).close()  # create the schema before the race
    barrier = threading.Barrier(2)
    results = []

    def racer(name: str) -> None:
        with Store(url) as store:
            barrier.wait()
            eml = tmp_path / name / f"{WEEK}.eml"
            results.append(
                send_digest(
                    digest(),
                    week=WEEK,
                    recipients=["ceo@ourco.example"],
                    settings=config,
                    store=store,
                    eml_path=eml,
                    now=NOW,
                )
            )

    threads = [threading.Thread(target=racer, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in results) == ["sent", "skipped"]
    assert len(mailbox.received) == 1


# --- without SMTP, and test sends ---------------------------------------------------------------


def test_without_email_settings_the_outbox_is_the_delivery(store, tmp_path):
    result = send(store, tmp_path, None)
    assert result.status == "outbox"
    assert str(result.eml_path) in result.describe()
    written = read_eml(result.eml_path)
    assert written["To"] == "ceo@ourco.example"
    assert written["Subject"].startswith("Competitors, week 47")
    assert store.delivery(WEEK, "ceo@ourco.example").status == "outbox"
    assert retry_pending(store, None, NOW) == []
    assert send(store, tmp_path, None).status == "skipped"


def test_test_send_goes_to_one_address_and_is_not_recorded(smtp_server, store, tmp_path):
    mailbox = Mailbox()
    result = send_test(
        digest(), to="me@ourco.example", settings=settings(smtp_server(mailbox)), now=NOW, week=WEEK
    )
    assert result.status == "test"
    assert mailbox.received[0][1] == ["me@ourco.example"]
    assert mailbox.messages()[0]["To"] == "me@ourco.example"
    assert store.deliveries() == []
    # the week's real delivery is still to come
    assert send(store, tmp_path, settings(smtp_server(Mailbox()))).status == "sent"


def test_missing_outbox_file_is_reported_not_lost(smtp_server, store, tmp_path):
    config = settings(free_port(), max_attempts=1)
    first = send(store, tmp_path, config)
    first.eml_path.unlink()
    [result] = retry_pending(store, config, NOW)
    assert result.status == "failed"
    assert "monitor report --send --week 2026-W47" in result.error


def test_message_id_is_in_the_senders_domain_even_if_the_renderer_set_one(
    smtp_server, store, tmp_path
):
    mailbox = Mailbox()
    message = digest()
    message["Message-ID"] = "<digest.2026-W47.abc@localhost>"
    result = send_digest(
        message,
        week=WEEK,
        recipients=["ceo@ourco.example"],
        settings=settings(smtp_server(mailbox)),
        store=store,
        eml_path=tmp_path / f"{WEEK}.eml",
        now=NOW,
    )
    assert result.message_id.endswith("@ourco.example>")
    assert mailbox.messages()[0]["Message-ID"] == result.message_id


# --- a week never stuck (issue 14.2) ---------------------------------------------------------


def test_a_delivery_left_sending_by_a_crash_is_retried_with_the_same_message_id(
    smtp_server, store, tmp_path
):
    mailbox = Mailbox(data_replies=("451 4.3.0 try later",) * 3)  # the first run never finishes
    port = smtp_server(mailbox)
    first = send(store, tmp_path, settings(port, max_attempts=1))
    key = "ceo@ourco.example"
    store.force_delivery(WEEK, key, str(first.eml_path), NOW)  # as a crash mid-send leaves it
    store.note_message_id(WEEK, key, first.message_id, NOW)
    soon = NOW + timedelta(minutes=20)
    assert retry_pending(store, settings(port), soon) == []  # maybe still sending: left alone
    [row] = delivery_rows(store, NOW + timedelta(hours=2))
    assert row["status"] == "sending" and "stopped in the middle of sending" in row["error"]
    mailbox.data_replies.clear()
    [retried] = retry_pending(store, settings(port), NOW + timedelta(hours=2))
    assert retried.status == "sent" and retried.message_id == first.message_id
    assert mailbox.messages()[0]["Message-ID"] == first.message_id


def test_an_internationalised_domain_is_sent_idna_encoded(smtp_server, store, tmp_path):
    mailbox = Mailbox()
    result = send(
        store, tmp_path, settings(smtp_server(mailbox)), recipients=["ceo@bücher.example"]
    )
    assert result.status == "sent"
    [(_from, rcpt_tos, _content)] = mailbox.received
    assert rcpt_tos == ["ceo@xn--bcher-kva.example"]
    assert mailbox.messages()[0]["To"] == "ceo@xn--bcher-kva.example"


def test_a_non_ascii_local_part_goes_with_smtputf8_where_the_server_offers_it(
    smtp_server, store, tmp_path
):
    mailbox = Mailbox()
    port = smtp_server(mailbox, enable_SMTPUTF8=True)
    result = send(
        store, tmp_path, settings(port, smtputf8=True), recipients=["jürgen@ourco.example"]
    )
    assert result.status == "sent", result.error
    assert mailbox.received[0][1] == ["jürgen@ourco.example"]
    assert mailbox.messages()[0]["To"] == "jürgen@ourco.example"


def test_a_non_ascii_local_part_without_smtputf8_is_a_recorded_failure_not_a_crash(
    smtp_server, store, tmp_path
):
    mailbox = Mailbox()
    port = smtp_server(mailbox, enable_SMTPUTF8=False)  # does not offer SMTPUTF8
    result = send(
        store, tmp_path, settings(port, smtputf8=True), recipients=["jürgen@ourco.example"]
    )
    assert result.status == "failed" and "SMTPUTF8" in result.error
    assert store.delivery(WEEK, "jürgen@ourco.example").status == "failed"


def test_two_hundred_recipients_are_one_delivery_on_every_database(database_url, tmp_path):
    recipients = [
        f"{hashlib.sha256(str(n).encode()).hexdigest()[:16]}@division{n % 7}.ourco.example"
        for n in range(200)
    ]
    with Store(database_url) as store:
        first = send(store, tmp_path, None, recipients=recipients)
        again = send(store, tmp_path, None, recipients=list(reversed(recipients)))
    assert (first.status, again.status) == ("outbox", "skipped")
    assert len(first.recipients) == 200
