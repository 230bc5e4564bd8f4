"""One step after parsing: raw values that parsers extract are given their meaning from
``signatures/knowledge.toml``, so each code table lives in one place.

A rule says: for events of ``source`` whose ``fields[raw]`` holds a number that the
knowledge's ``result_codes.<family>`` lists, set ``fields[target]`` to that entry's ``note``
(its short meaning). The reader runs :func:`enrich` on every parse result.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sources import ParseResult

__all__ = ["RULES", "CodeMeaning", "enrich"]


@dataclass(frozen=True)
class CodeMeaning:
    source: str
    raw: str
    family: str
    target: str


RULES: tuple[CodeMeaning, ...] = (
    # Windows events cite Win32 errors as %%N (Service Control Manager 7000, 7009, 7031, ...)
    CodeMeaning(source="windows.event", raw="win32_error", family="win32", target="win32_error_text"),
)


@lru_cache(maxsize=1)
def _meanings() -> dict[tuple[str, int], str]:
    """``(family, code) -> note`` of the shipped knowledge (read once per process)."""
    from .signatures import load_knowledge

    families = {rule.family for rule in RULES}
    return {
        key: entry.note
        for key, entry in load_knowledge().result_codes.items()
        if key[0] in families and entry.note
    }


def enrich(result: ParseResult) -> None:
    """Add the meaning of every raw code the rules of ``result.source`` name, in place."""
    rules = [rule for rule in RULES if rule.source == result.source]
    if not rules or not len(result.events):
        return
    meanings = _meanings()
    for values in result.events.fields:
        for rule in rules:
            raw = values.get(rule.raw)
            if raw is not None and raw.isdigit():
                meaning = meanings.get((rule.family, int(raw)))
                if meaning:
                    values[rule.target] = meaning
