"""Reading the configuration's YAML safely: bounded in size and depth, plain about spaces.

A YAML file can be small and still mean something enormous: aliases of aliases (an "alias
bomb" of 2 KB stands for a billion values) or brackets nested thousands deep (Python's
stack ends first). Both are refused, with the line, before anything is built from them.
"""

from __future__ import annotations

import re

import yaml

from monitor.errors import ConfigError

MAX_DEPTH = 50  # a real configuration nests about 6 levels
MAX_VALUES = 100_000  # values once every alias is expanded; a real file has a few hundred
# Spaces that look like spaces but are not to YAML (pasted from a web page or a document).
_ODD_SPACES = re.compile(r"^[ \t]*([\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff])")


# libyaml's loader where PyYAML was built with it: several times faster than pure Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str, name: str) -> tuple[yaml.Node | None, object]:
    """(the document's node tree, its data); ConfigError with the line for what is refused."""
    _check_spaces(text, name)
    try:
        _check_depth(text, name)
        loader = _LOADER(text)
        try:
            root = loader.get_single_node()
            _check_expansion(root, name)
            data = None if root is None else loader.construct_document(root)  # the same tree
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{where}: not valid YAML ({problem})") from None
    return root, data


def _check_spaces(text: str, name: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        if match := _ODD_SPACES.match(line):
            code = f"U+{ord(match.group(1)):04X}"
            raise ConfigError(
                f"{name}:{number}: this line is indented with a non-breaking or other special "
                f"space ({code}), often pasted from a web page; indent with ordinary spaces"
            )


def _check_depth(text: str, name: str) -> None:
    """Walk the parser's events (no tree, no recursion) and stop at MAX_DEPTH."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(name, event.start_mark.line + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as error:
        if "nesting depth" not in str(error):  # libyaml stops deep nesting itself
            raise
        mark = getattr(error, "problem_mark", None)
        raise _too_deep(name, mark.line + 1 if mark else 1) from None


def _too_deep(name: str, line: int) -> ConfigError:
    return ConfigError(
        f"{name}:{line}: nested more than {MAX_DEPTH} levels deep; a configuration needs only a few"
    )


def _check_expansion(root: yaml.Node | None, name: str) -> None:
    """Count the values the tree stands for, each shared node once per use (memoised)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = min(total, MAX_VALUES + 1)
        if total > MAX_VALUES:
            raise ConfigError(
                f"{name}:{node.start_mark.line + 1}: its aliases (*name) expand to more than "
                f"{MAX_VALUES:,} values; a configuration needs far fewer (an alias bomb?)"
            )
        return total

    if root is not None:
        size(root)
