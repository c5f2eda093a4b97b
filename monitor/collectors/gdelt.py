"""News mentions through the GDELT DOC 2.0 API (`mode=artlist&format=json`), no key needed.

GDELT asks for at most one request every 5 seconds: the client spaces requests to its host
that far apart. It gives headlines, not text, so the terms are GDELT's own match; the
exclusions are checked on the headline and the address.
"""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.collectors import SourceContext
from monitor.collectors.mentions import search_phrases
from monitor.collectors.parsing import json_text, load_json
from monitor.domain import Harvest, Mention
from monitor.errors import SourceError

SENDER = "GDELT"
MIN_INTERVAL_S = 5.0  # GDELT's own rule: "one request every 5 seconds"
MAX_RECORDS = 250  # the API's maximum


def parse_articles(body: bytes) -> list[Mention]:
    """An artlist answer. GDELT answers a bad query with a plain sentence, not JSON."""
    if not body.strip():
        return []  # no article matched: GDELT sends an empty body
    if not body.lstrip().startswith(b"{"):
        said = body.decode("utf-8", "replace").strip()[:300]
        if "limit requests" in said.lower():
            raise _rate_limited(said)
        raise SourceError("misconfigured", f"GDELT could not run the search: {said}")
    data = load_json(body, SENDER)
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        return []
    return [m for m in (_mention(a) for a in articles if isinstance(a, dict)) if m]


def _mention(article: dict) -> Mention | None:
    url = json_text(article.get("url"))
    seen = json_text(article.get("seendate"))
    if url is None or seen is None:
        return None
    try:
        published = datetime.strptime(seen, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return Mention(
        url=url,
        published_at=published,
        external_id=url,
        title=json_text(article.get("title")),
        author=json_text(article.get("domain")),
        full_text=False,
    )


def search_query(terms: list[str], language: str) -> str:
    """'("Acme Corp" OR acme.com) sourcelang:english': GDELT wants OR inside parentheses."""
    phrases = [f'"{p}"' if " " in p else p for p in search_phrases(terms)]
    query = phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"
    return query if language == "any" else f"{query} sourcelang:{language}"


def _rate_limited(said: str) -> SourceError:
    return SourceError(
        "rate_limited",
        f"GDELT answers at most one request every 5 seconds and refused this one ({said}); "
        "it is tried again at the next collection",
    )


async def collect(ctx: SourceContext) -> Harvest:
    terms = ctx.mentions.terms if ctx.mentions else []
    url = f"{ctx.base_url}/api/v2/doc/doc"
    ctx.client.at_most_every(url, MIN_INTERVAL_S)
    params = {
        "query": search_query(terms, ctx.source.language),
        "mode": "artlist",
        "format": "json",
        "maxrecords": MAX_RECORDS,
        "sort": "datedesc",
        "startdatetime": ctx.since.strftime("%Y%m%d%H%M%S"),
        "enddatetime": ctx.now.strftime("%Y%m%d%H%M%S"),
    }
    response = await ctx.client.get(url, params=params, allow_status=(429,))
    if response.status == 429:
        raise _rate_limited(response.content.decode("utf-8", "replace").strip()[:300])
    return Harvest(observed_at=ctx.now, mentions=tuple(parse_articles(response.content)))
