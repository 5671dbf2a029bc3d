"""Dotted field paths into scenario documents, with selectors into lists.

A path names one field of a nested document: segments separated by dots,
each a key, optionally followed by a selector into a list:

- ``qpus[name=qpu1]``: the element whose ``name`` is ``qpu1`` (exactly one);
- ``qpus[2]``: the element at that index;
- ``qpus[*]``: every element (setting only).

Keys that contain dots themselves (a node's ``overrides`` are written
``communication.t2: 20 ms``) are found by their longest match: in
``qpus[name=qpu1].overrides.communication.t2`` the last two segments are the
one key ``communication.t2``, existing or new, because ``overrides`` maps
such keys.

>>> doc = {"qpus": [{"name": "a", "overrides": {}}, {"name": "b", "overrides": {}}]}
>>> set_path(doc, "qpus[name=b].overrides.communication.t2", "20 ms")
>>> doc["qpus"][1]["overrides"]
{'communication.t2': '20 ms'}
>>> get_path({"summary": {"qos_met": 3}}, "summary.qos_met")
3
"""

from __future__ import annotations

import re
from typing import Any

from qdcnet.errors import ParameterError

__all__ = ["FLAT_KEY_MAPS", "expand_path", "get_path", "parse_path", "set_path"]

#: Mappings whose keys are dotted names themselves: the rest of a path is one key.
FLAT_KEY_MAPS = frozenset({"overrides"})

_SEGMENT = re.compile(r"^(?P<key>[^\[\]]+)(?:\[(?P<selector>[^\[\]]*)\])?$")


def parse_path(path: str) -> list[tuple[str, str | None]]:
    """``"a.b[name=x].c"`` -> ``[("a", None), ("b", "name=x"), ("c", None)]``."""
    if not isinstance(path, str) or not path.strip():
        raise ParameterError("field", path, "a dotted path such as qpus[name=qpu1].rack")
    # Dots inside a selector (name=r0.q1) are part of the selector.
    parts, depth, current = [], 0, ""
    for char in path:
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        current += char
    parts.append(current)
    out = []
    for part in parts:
        match = _SEGMENT.match(part.strip())
        if match is None or depth != 0:
            raise ParameterError("field", path, "segments key or key[selector] joined by dots, "
                                 "a selector being [name=value], [index] or [*]")
        out.append((match["key"], match["selector"]))
    return out


def _select(items: Any, selector: str, where: str, *, many: bool) -> list[Any]:
    if not isinstance(items, list):
        raise ParameterError(where, type(items).__name__, "a list (a selector [...] picks "
                             "elements of a list)")
    if selector == "*":
        if not many:
            raise ParameterError(where, "[*]", "a selector naming one element ([name=...] or "
                                 "[index]): a metric is one value")
        return items
    if "=" in selector:
        field, wanted = (s.strip() for s in selector.split("=", 1))
        found = [item for item in items if isinstance(item, dict)
                 and str(item.get(field)) == wanted]
        if len(found) != 1:
            names = [str(item.get(field)) for item in items if isinstance(item, dict)]
            raise ParameterError(where, f"[{selector}]", f"exactly one element with {field} = "
                                 f"{wanted}; found {len(found)} among {', '.join(names) or '-'}")
        return found
    try:
        index = int(selector)
    except ValueError:
        raise ParameterError(where, f"[{selector}]", "[name=value], [index] or [*]") from None
    if not -len(items) <= index < len(items):
        raise ParameterError(where, index, f"an index in 0..{len(items) - 1}")
    return [items[index]]


def _key_span(node: dict[str, Any], keys: list[str], parent: str | None) -> int:
    """How many of ``keys`` form the next key of ``node`` (the longest that exists)."""
    for length in range(len(keys), 0, -1):
        if ".".join(keys[:length]) in node:
            return length
    return len(keys) if parent in FLAT_KEY_MAPS else 1


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set the field ``path`` of ``document`` (in place) to ``value``.

    Missing keys are created (the scenario's validation then judges them);
    a selector that matches nothing, or a list where a mapping is needed, is
    refused with the path in the message.
    """
    segments = parse_path(path)
    _set(document, segments, value, path, None)


def _set(node: Any, segments: list[tuple[str, str | None]], value: Any, path: str,
         parent: str | None) -> None:
    if not isinstance(node, dict):
        raise ParameterError(path, type(node).__name__, "a mapping at this point of the path")
    keys = [key for key, _ in segments]
    # A selector ends a run of keys that may join into one.
    stop = next((i for i, (_, s) in enumerate(segments) if s is not None), len(segments) - 1)
    span = _key_span(node, keys[:stop + 1], parent)
    key, selector = ".".join(keys[:span]), segments[span - 1][1]
    rest = segments[span:]
    if selector is None:
        if not rest:
            node[key] = value
            return
        child = node.setdefault(key, {})
        _set(child, rest, value, path, key)
        return
    if key not in node:
        raise ParameterError(path, key, f"a field of the document: {', '.join(node) or '-'}")
    for item in _select(node[key], selector, path, many=True):
        if not rest:
            raise ParameterError(path, f"[{selector}]", "a path that goes on to a field of the "
                                 "selected element")
        _set(item, rest, value, path, key)


def get_path(document: Any, path: str) -> Any:
    """The value at ``path`` (selectors must name one element)."""
    node = document
    segments = parse_path(path)
    parent: str | None = None
    while segments:
        if not isinstance(node, dict):
            raise ParameterError(path, type(node).__name__, "a mapping at this point of the "
                                 "path")
        keys = [key for key, _ in segments]
        stop = next((i for i, (_, s) in enumerate(segments) if s is not None),
                    len(segments) - 1)
        span = _key_span(node, keys[:stop + 1], parent)
        key, selector = ".".join(keys[:span]), segments[span - 1][1]
        if key not in node:
            raise ParameterError(path, key, f"one of {', '.join(map(str, node)) or '-'}")
        node = node[key]
        if selector is not None:
            node = _select(node, selector, path, many=False)[0]
        parent, segments = key, segments[span:]
    return node


def expand_path(document: dict[str, Any], path: str) -> list[str]:
    """The paths, one per element, that ``path`` sets: every selector an index.

    ``[*]`` becomes each index, ``[name=x]`` the index of that element; keys
    past the document's end (a field not yet written) are kept as they are.

    >>> doc = {"qpus": [{"name": "a"}, {"name": "b"}]}
    >>> expand_path(doc, "qpus[*].overrides.memory.t2")
    ['qpus[0].overrides.memory.t2', 'qpus[1].overrides.memory.t2']
    >>> expand_path(doc, "qpus[name=b].rack")
    ['qpus[1].rack']
    """
    segments = parse_path(path)
    found: list[str] = []

    def walk(node: Any, index: int, prefix: str) -> None:
        if index == len(segments):
            found.append(prefix)
            return
        key, selector = segments[index]
        written = f"{prefix}.{key}" if prefix else key
        child = node.get(key) if isinstance(node, dict) else None
        if selector is None:
            walk(child, index + 1, written)
            return
        if child is None:
            raise ParameterError(path, key, "a list field the document has (a selector "
                                 "[...] picks its elements)")
        if index + 1 == len(segments):
            raise ParameterError(path, f"[{selector}]", "a path that goes on to a field of "
                                 "the selected element")
        for item in _select(child, selector, path, many=True):
            position = next(i for i, x in enumerate(child) if x is item)
            walk(item, index + 1, f"{written}[{position}]")

    walk(document, 0, "")
    return found
