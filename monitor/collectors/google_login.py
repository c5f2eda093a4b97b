"""A Google service account's access token: a JWT signed with its private key (RS256),
exchanged at its token address (OAuth 2.0 JWT bearer grant). Needs `cryptography`, the
`[ga4]` extra; pure apart from the one POST."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.collectors.parsing import load_json
from monitor.errors import SourceError
from monitor.net import HttpClient

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def read_key_file(path: Path) -> dict[str, str]:
    """The service account's email, private key and token address, from its JSON key file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError("misconfigured", f"there is no key file {path}") from None
    except (OSError, ValueError) as error:
        said = f"{path} is not a readable JSON key file ({error})"
        raise SourceError("misconfigured", said) from None
    wanted = ("client_email", "private_key", "token_uri")
    if not isinstance(data, dict) or any(not data.get(k) for k in wanted):
        raise SourceError(
            "misconfigured", f"{path} is not a service account key (it needs {', '.join(wanted)})"
        )
    return {k: str(data[k]) for k in wanted}


def _part(value: dict[str, Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed_assertion(key: dict[str, str], now: datetime, scope: str = SCOPE) -> str:
    """The JWT the token address takes: who we are, for what, for one hour, signed RS256."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
    except ImportError:
        raise SourceError(
            "misconfigured", "GA4 needs the ga4 extra: pip install 'competitor-monitor[ga4]'"
        ) from None
    issued = int(now.timestamp())
    claims = {
        "iss": key["client_email"],
        "scope": scope,
        "aud": key["token_uri"],
        "iat": issued,
        "exp": issued + int(timedelta(hours=1).total_seconds()),
    }
    signing_input = f"{_part({'alg': 'RS256', 'typ': 'JWT'})}.{_part(claims)}"
    try:
        private = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
        signed = signing_input.encode()
        signature = private.sign(signed, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg]
    except (ValueError, TypeError) as error:
        said = f"the key file's private_key is not usable ({error})"
        raise SourceError("misconfigured", said) from None
    return f"{signing_input}.{_part(signature)}"


async def access_token(client: HttpClient, key: dict[str, str], now: datetime) -> str:
    form = {"grant_type": GRANT, "assertion": signed_assertion(key, now)}
    response = await client.post(key["token_uri"], data=form, allow_status=(400, 401, 403))
    answer = load_json(response.content, "Google's token service")
    if response.status != 200 or not isinstance(answer, dict) or "access_token" not in answer:
        said = (
            answer.get("error_description") or answer.get("error")
            if isinstance(answer, dict)
            else None
        )
        raise SourceError("login_required", f"Google refused the service account's login ({said})")
    return str(answer["access_token"])
