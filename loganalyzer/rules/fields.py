"""The contract between parsers and signatures: a rule may only name fields its sources emit.

Every parser declares the ``fields`` keys its events may carry (``Parser.fields``; a key ending in
``*`` covers a family, ``data.*``). The bundle reader adds a few to any event
(:data:`READER_FIELDS`). A rule that names a field (in ``fields.X`` conditions, ``details``
placeholders, ``count.by``, ``absence.by``, ``state.key``) that no parser of its sources declares is
refused with ``file:line: reason``.

A source whose parsers declare nothing yet is not checked: declarations arrive family by family,
and the check becomes total by itself once every parser declares its fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..sources import all_parsers

__all__ = ["READER_FIELDS", "FieldContract", "parser_contract"]

#: fields any event may carry whatever its parser: set by a parser for local-time sources
#: (``time_basis``) and by the reader when it resolves local time (``timebase.py``)
READER_FIELDS = {
    "time_basis": "'local' when the source stamps wall-clock time without an offset",
    "utc_offset": "the offset applied to a local time: '+02:00', 'tz:Europe/Stockholm' or 'unknown'",
    "utc_offset_source": "where that offset came from: caller, inferred or none",
}


@dataclass(frozen=True)
class FieldContract:
    """Declared field names per source; a source absent from ``declared`` is not checked."""

    declared: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: names every event may carry (the reader's own)
    common: frozenset[str] = frozenset(READER_FIELDS)

    def checks(self, source: str) -> bool:
        """Whether names used with ``source`` are checked (its parsers declared something)."""
        return bool(self.declared.get(source))

    def allows(self, sources: Iterable[str], name: str) -> bool:
        """Whether ``name`` may be used on events of ``sources``.

        True when one of the sources declares it (exactly or through a ``prefix*`` family), when
        every event carries it, or when any of the sources is unchecked (it declares nothing, so
        nothing can be said yet).
        """
        sources = tuple(sources)
        if name in self.common or not sources or not all(self.checks(s) for s in sources):
            return True
        return any(_covers(declared, name) for source in sources for declared in self.declared[source])

    def known(self, sources: Iterable[str]) -> list[str]:
        """The declared names of ``sources``, for error messages."""
        return sorted({name for source in sources for name in self.declared.get(source, ())})


def _covers(declared: str, name: str) -> bool:
    if declared.endswith("*"):
        return name.startswith(declared[:-1])
    return declared == name


def parser_contract(parsers: Iterable | None = None) -> FieldContract:
    """The contract the parsers declare (every shipped parser unless ``parsers`` is given)."""
    if parsers is None:
        parsers = all_parsers()
    from ..inference import INFERRED, INFERRED_FIELDS

    declared: dict[str, set[str]] = {INFERRED: set(INFERRED_FIELDS)}
    for parser in parsers:
        declared.setdefault(parser.source, set()).update(parser.fields)
    return FieldContract({source: frozenset(names) for source, names in declared.items()})
