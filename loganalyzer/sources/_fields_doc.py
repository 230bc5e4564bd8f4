"""``docs/fields.md`` from the parsers' declarations (:func:`loganalyzer.sources.fields_markdown`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from . import EVERY_EVENT_FIELDS, Parser

__all__ = ["render"]

_HEAD = """# Event fields

Generated from each parser's `fields` declaration by `loganalyzer.sources.fields_markdown()`;
do not edit by hand (`python -c "import loganalyzer.sources as s; print(s.fields_markdown(), end='')" > docs/fields.md`).
A key ending in `*` stands for a family of keys (`data.*`: every key that starts with `data.`);
`*` alone means any key.
Signatures may name only fields that a parser of their source declares.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(fields: dict[str, str]) -> list[str]:
    rows = ["| field | meaning |", "|---|---|"]
    rows += [f"| `{name}` | {_cell(meaning)} |" for name, meaning in sorted(fields.items())]
    return rows


def render(parsers: Iterable[Parser]) -> str:
    """The Markdown text: the fields every event may carry, then one table per source and parser."""
    lines = [_HEAD, "## Every source", "", "Added by the reader to events of any parser.", "", *_table(dict(EVERY_EVENT_FIELDS)), ""]
    by_source: dict[str, list[Parser]] = defaultdict(list)
    for parser in parsers:
        by_source[parser.source].append(parser)
    for source in sorted(by_source):
        lines += [f"## Source `{source}`", ""]
        for parser in by_source[source]:
            lines += [f"### {parser.name}", ""]
            if parser.fields:
                lines += [*_table(dict(parser.fields)), ""]
            else:
                lines += ["Not declared yet.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
