""""A header line starts a record, other lines continue it": the grouping every log format needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Record", "group_records"]

Head = TypeVar("Head")


@dataclass
class Record(Generic[Head]):
    """One record: its header line, what the header test returned for it, and where it ends."""

    #: 1-based number of the header line
    line: int
    #: what ``header(line)`` returned (a regex match, a parsed tuple, ...)
    head: Head
    #: 1-based number of the record's last line (continuation lines included)
    last: int

    @property
    def span(self) -> int:
        return self.last - self.line + 1

    def body(self, lines: list[str]) -> list[str]:
        """The continuation lines (after the header)."""
        return lines[self.line : self.last]


def group_records(
    lines: list[str], header: Callable[[str], Head | None]
) -> tuple[list[int], list[Record[Head]]]:
    """Split ``lines`` into records where ``header(line)`` is not None.

    Returns the numbers of the lines before the first header (no record to continue) and the
    records in file order. Every line belongs to exactly one of the two.
    """
    orphans: list[int] = []
    records: list[Record[Head]] = []
    current: Record[Head] | None = None
    for number, text in enumerate(lines, 1):
        head = header(text)
        if head is not None:
            current = Record(number, head, number)
            records.append(current)
        elif current is not None:
            current.last = number
        else:
            orphans.append(number)
    return orphans, records
