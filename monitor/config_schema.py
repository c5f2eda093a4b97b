"""The JSON Schema of the file users write (`monitor config-schema`), for editors.

pydantic describes the models after `expand_source` has run (`{kind: feed, url: …}`); the
file says `- feed: https://…` or `- feed: {url: …, interval: 30m}`. This rewrites each
source into those two written forms, so the schema accepts exactly what `validate` accepts.
"""

from __future__ import annotations

import copy
from typing import Any

from monitor.config import Config
from monitor.config_sources import SOURCE_MODELS


def written_schema() -> dict[str, Any]:
    schema = Config.model_json_schema(by_alias=True)
    definitions = schema["$defs"]
    forms = []
    for kind, model in SOURCE_MODELS.items():
        long_form = copy.deepcopy(definitions[model.__name__])
        long_form["properties"].pop("kind", None)
        target = long_form["properties"][model.TARGET_FIELD]
        forms.append(
            {
                "type": "object",
                "properties": {kind: {"anyOf": [_short(target), long_form]}},
                "required": [kind],
                "additionalProperties": False,
                "description": f"A {kind} source: `{kind}: target` or `{kind}: {{options}}`.",
            }
        )
    definitions["Company"]["properties"]["sources"]["items"] = {"oneOf": forms}
    for listed in ("mention_sources", "outcome_sources"):  # the same written forms
        if listed in schema["properties"]:
            schema["properties"][listed]["items"] = {"oneOf": forms}
    return schema


def _short(target: dict[str, Any]) -> dict[str, Any]:
    """The short form's value: the target field's own schema, without its title."""
    return {k: v for k, v in target.items() if k not in ("title", "default")}
