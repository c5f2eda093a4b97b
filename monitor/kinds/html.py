"""html: any web page, by CSS selectors for a post and its fields, else its JSON-LD."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from monitor.config_types import HttpUrl
from monitor.kinds import Kind, SourceBase


class HtmlSource(SourceBase):
    kind: Literal["html"] = "html"
    TARGET_FIELD: ClassVar = "url"
    url: HttpUrl
    item: str | None = Field(None, description="CSS selector of one post; omit to read JSON-LD.")
    fields: dict[
        Literal[
            "text", "title", "url", "published", "likes", "replies", "reposts", "views", "image"
        ],
        str,
    ] = Field(default_factory=dict, description="field: CSS selector, '@attr' reads an attribute")
    day_first: bool = Field(False, description="Read 03/04/2026 as 3 April.")

    @model_validator(mode="after")
    def _fields_need_item(self) -> HtmlSource:
        if self.fields and not self.item:
            raise ValueError("'fields' needs 'item', the CSS selector of one post")
        return self


KIND = Kind(
    name="html",
    display_name="Website",
    model=HtmlSource,
    default_base_url="",
    counters=False,
    robots=True,
)
