"""ga4: sessions from social and key events by ISO week, from the GA4 Data API, signed in as
a service account (its JWT checked against its public key by the loopback token service)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from collector_support import loopback, read_fixture, run_collector
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.collectors.ga4 import parse_report, report_request
from monitor.errors import SourceError
from monitor.kinds.ga4 import Ga4Source

crypto = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TOKEN = "ya29.test-access-token"


@pytest.fixture(scope="module")
def private_key():
    return crypto.generate_private_key(public_exponent=65537, key_size=2048)


def _key_file(tmp_path: Path, private_key, token_uri: str) -> Path:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "ga4-key.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "northwind-analytics",
        "private_key_id": "0123456789abcdef", "private_key": pem,
        "client_email": "monitor@northwind-analytics.iam.gserviceaccount.com",
        "client_id": "100000000000000000001", "token_uri": token_uri,
    }))  # fmt: skip
    return path


def _unpadded(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_the_report_gives_iso_weeks_with_sessions_key_events_and_revenue() -> None:
    weeks = parse_report(read_fixture("ga4", "run_report.json"), "sign_up", "purchase")
    assert [(w.week, w.visits_from_social, w.signups, w.orders) for w in weeks] == [
        ("2026-W46", 1840, 23, 9), ("2026-W47", 1712, 21, 8)]  # fmt: skip
    assert (weeks[0].revenue, weeks[0].currency) == (1234.5, "EUR")


def test_the_request_asks_for_the_social_channel_group_by_iso_week() -> None:
    source = Ga4Source(property_id="123456789", credentials_file="k.json", orders_event="purchase")
    body = report_request(source, NOW - timedelta(days=20), NOW)
    assert body["dimensions"] == [{"name": "isoYearIsoWeek"}]
    assert [m["name"] for m in body["metrics"]] == [
        "sessions",
        "keyEvents:purchase",
        "totalRevenue",
    ]
    assert body["dimensionFilter"]["filter"] == {"fieldName": "sessionDefaultChannelGroup",
        "stringFilter": {"matchType": "EXACT", "value": "Organic Social"}}  # fmt: skip
    assert body["dateRanges"] == [{"startDate": "2026-11-02", "endDate": "2026-11-23"}]


def test_collect_signs_in_as_the_service_account_then_reads_the_report(
    httpserver: HTTPServer, private_key, tmp_path: Path
) -> None:
    def token(request: Request) -> Response:
        assert request.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        header, claims, signature = request.form["assertion"].split(".")
        private_key.public_key().verify(_unpadded(signature), f"{header}.{claims}".encode(),
                                        padding.PKCS1v15(), hashes.SHA256())  # fmt: skip
        said = json.loads(_unpadded(claims))
        assert said["iss"].endswith("iam.gserviceaccount.com")
        assert said["scope"] == "https://www.googleapis.com/auth/analytics.readonly"
        assert said["exp"] - said["iat"] == 3600
        answer = {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"}
        return Response(json.dumps(answer), content_type="application/json")

    def report(request: Request) -> Response:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert json.loads(request.data)["dimensions"] == [{"name": "isoYearIsoWeek"}]
        return Response(read_fixture("ga4", "run_report.json"), content_type="application/json")

    httpserver.expect_request("/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/v1beta/properties/123456789:runReport",
                              method="POST").respond_with_handler(report)  # fmt: skip
    key = _key_file(tmp_path, private_key, f"{loopback(httpserver)}/token")
    source = Ga4Source(property_id="123456789", credentials_file=str(key),
                       signups_event="sign_up", orders_event="purchase")  # fmt: skip
    harvest = run_collector(source, loopback(httpserver), now=NOW, since=NOW - timedelta(days=56))
    assert [w.visits_from_social for w in harvest.outcomes] == [1840, 1712]


def test_a_property_the_account_cannot_see_is_said_in_googles_words(
    httpserver: HTTPServer, private_key, tmp_path: Path
) -> None:
    httpserver.expect_request("/token", method="POST").respond_with_json({"access_token": TOKEN})
    httpserver.expect_request("/v1beta/properties/123456789:runReport").respond_with_data(
        read_fixture("ga4", "error_permission.json"), status=403, content_type="application/json"
    )
    key = _key_file(tmp_path, private_key, f"{loopback(httpserver)}/token")
    source = Ga4Source(property_id="123456789", credentials_file=str(key))
    with pytest.raises(SourceError, match="sufficient permissions") as raised:
        run_collector(source, loopback(httpserver), now=NOW, since=NOW)
    assert raised.value.kind == "blocked"


def test_a_missing_key_file_is_a_setting_to_fix(tmp_path: Path) -> None:
    source = Ga4Source(property_id="123456789", credentials_file=str(tmp_path / "none.json"))
    with pytest.raises(SourceError, match="there is no key file") as raised:
        run_collector(source, "http://127.0.0.1:9", now=NOW, since=NOW)
    assert raised.value.kind == "misconfigured"
