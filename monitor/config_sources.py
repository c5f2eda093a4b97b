"""The source kinds of the configuration, derived from the declared kinds (monitor.kinds).

A source is `kind: target` (short form) or `kind: {options}` (long form) in the YAML.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, field_validator

from monitor.config_types import Strict
from monitor.kinds import SourceBase, all_kinds

SOURCE_MODELS: dict[str, type[SourceBase]] = {k.name: k.model for k in all_kinds().values()}
# The discriminated union of every kind's model; pydantic picks the model by `kind`.
SourceConfig = Annotated[
    Union[tuple(SOURCE_MODELS.values())],  # noqa: UP007  (built at run time from the registry)
    Field(discriminator="kind"),
]
# The models by class name (MastodonSource, …), for `from monitor.config import …`.
MODELS_BY_NAME: dict[str, type[SourceBase]] = {m.__name__: m for m in SOURCE_MODELS.values()}


MENTION_KINDS = tuple(k.name for k in all_kinds().values() if k.mentions)
OUTCOME_KINDS = tuple(k.name for k in all_kinds().values() if k.outcomes)


class MentionTerms(Strict):
    """What names a company when others talk about it; matched as phrases, any case."""

    terms: list[str] = Field(
        min_length=1, description='Names, hashtags, domains: ["Acme Corp", "#acme", "acme.com"].'
    )
    exclude: list[str] = Field(
        default_factory=list, description='Phrases that mark noise: ["acme anvil"].'
    )

    @field_validator("terms", "exclude")
    @classmethod
    def _no_blank_phrases(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(phrase.split()) for phrase in value]
        if any(len(phrase.lstrip("#")) < 2 for phrase in cleaned):
            raise ValueError("each phrase needs at least two letters or digits")
        return cleaned


def expand_source(entry: Any) -> Any:
    """`{kind: target}` or `{kind: {options}}` -> `{"kind": kind, ...options}`."""
    if isinstance(entry, BaseModel) or not isinstance(entry, dict):
        return entry
    if "kind" in entry:
        return entry
    if len(entry) != 1:
        raise ValueError(
            f"each source is one 'kind: target' pair (got {', '.join(map(str, entry))})"
        )
    kind, value = next(iter(entry.items()))
    if kind not in SOURCE_MODELS:
        raise ValueError(f"unknown source kind {kind!r}; known: {', '.join(SOURCE_MODELS)}")
    if isinstance(value, dict):
        return {"kind": kind, **value}
    return {"kind": kind, SOURCE_MODELS[kind].TARGET_FIELD: value}
