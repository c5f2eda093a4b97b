"""gdelt: news articles naming a company, through the GDELT DOC 2.0 API (no key)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from monitor.kinds import Kind, SourceBase


class GdeltSource(SourceBase):
    kind: Literal["gdelt"] = "gdelt"
    TARGET_FIELD: ClassVar = "language"
    language: str = Field(
        "any", description="Only articles in this language (english, italian, …), or any."
    )


KIND = Kind(
    name="gdelt",
    display_name="News",
    model=GdeltSource,
    default_base_url="https://api.gdeltproject.org",
    counters=False,
    mentions=True,
    limits_note=(
        "GDELT answers one request every 5 seconds, searches the last 3 months and gives "
        "headlines only (no engagement); it sees news sites, not X, LinkedIn or TikTok"
    ),
)
