"""JSON for parsers: a depth-bounded loader, case-insensitive lookup, scalars as field strings."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "field_text", "flag_text", "json_depth", "load_json", "lookup"]

#: deepest JSON nesting a parser accepts; real agent and Azure documents stay under 20 levels,
#: and deeper documents would exhaust Python's recursion in the code that walks them
MAX_JSON_DEPTH = 100

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of JSON text nest (brackets inside strings ignored).

    Works on broken JSON too (an unclosed bracket still counts) and never recurses, so it is a
    safe check before :func:`json.loads` hands a document to code that walks it recursively.
    """
    opened = text.count("[") + text.count("{")
    if opened <= 1:
        return opened
    if "\"" in text:
        text = _JSON_STRING.sub("", text)
    steps = (_BRACKET_STEP[found] for found in _JSON_BRACKET.findall(text))
    return max(accumulate(steps, initial=0))


def load_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> object:
    """:func:`json.loads` that refuses documents nested deeper than ``max_depth``.

    Raises :class:`ValueError` (as ``json.loads`` does for bad JSON) for a document too deep or
    deeper than the interpreter's recursion allows, so a caller's ``except ValueError`` covers
    every hostile shape.
    """
    if text.count("[") + text.count("{") > max_depth:
        depth = json_depth(text)
        if depth > max_depth:
            raise ValueError(f"JSON nested {depth} levels deep (more than {max_depth}); not read")
    try:
        return json.loads(text)
    except RecursionError as error:
        raise ValueError(f"JSON nested too deeply to read: {error}") from None


def lookup(mapping: Any, *keys: str) -> Any:
    """The value of the first of ``keys`` that ``mapping`` holds, compared case-insensitively.

    Exact spellings win over folded ones; anything that is not a dict gives None.
    """
    if not isinstance(mapping, dict):
        return None
    for key in keys:
        if key in mapping:
            return mapping[key]
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    for key in keys:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def field_text(value: Any) -> str | None:
    """A JSON value as a ``fields`` string: booleans as ``1``/``0``, containers as sorted JSON."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def flag_text(value: Any) -> str | None:
    """A yes/no value in any of its spellings (``true``, ``y``, ``1``, a bool) as ``1``/``0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1"):
        return "1"
    if text in ("false", "no", "n", "0"):
        return "0"
    return str(value)
