"""html: any web page, by CSS selectors for a post and its fields, else its JSON-LD."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from monitor.config_types import HttpUrl
from monitor.kinds import Kind, SourceBase

_FIELD = re.compile(r"^(?P<selector>.*?)@(?P<attr>[A-Za-z_:][-\w:.]*)$", re.S)


def split_field(spec: str) -> tuple[str, str | None]:
    """`sel@attr` -> ('sel', 'attr'); `@attr` -> ('', 'attr'): the item's own attribute."""
    spec = spec.strip()
    match = _FIELD.match(spec)
    return (match["selector"].strip(), match["attr"]) if match else (spec, None)


def compiled_selector(selector: str) -> Any:
    """soupsieve's compiled `selector`; a ValueError that says why when it is not CSS."""
    import soupsieve  # bs4's; loaded only for a configuration with a page source

    try:
        return soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, ValueError, TypeError) as error:
        raise ValueError(str(error).splitlines()[0]) from None


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

    @model_validator(mode="after")
    def _selectors_are_css(self) -> HtmlSource:
        # Refused here, in one line: at collection a broken selector looked like a changed page
        named = [("item", self.item or "")] + [
            (f"fields.{name}", split_field(spec)[0]) for name, spec in self.fields.items()
        ]
        for where, selector in named:
            try:
                if selector:
                    compiled_selector(selector)
            except ValueError as problem:
                raise ValueError(
                    f"{where}: {selector!r} is not a valid CSS selector ({problem})"
                ) from None
        return self


KIND = Kind(
    name="html",
    display_name="Website",
    model=HtmlSource,
    default_base_url="",
    counters=False,
    robots=True,
)
