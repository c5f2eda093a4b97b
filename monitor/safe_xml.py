"""XML that declares entities is refused before any parser sees it (no entity is expanded)."""

from __future__ import annotations

import re

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring

from monitor.errors import SourceError


def refuse_xml_entities(body: bytes, url: str) -> None:
    """Refuse XML that declares entities (billion laughs, external entities) before parsing.

    Malformed XML passes: feedparser reads what it can of it. Only entity tricks are refused.
    """
    try:
        defused_fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden):
        raise SourceError(
            "bad_content",
            f"the feed declares XML entities (a known attack, or a broken feed), so it was not "
            f"read ({url})",
        ) from None
    except (ParseError, ValueError):
        if re.search(rb"<!ENTITY", body[:65536], re.IGNORECASE):
            raise SourceError(
                "bad_content",
                f"the feed declares XML entities and is malformed, so it was not read ({url})",
            ) from None
