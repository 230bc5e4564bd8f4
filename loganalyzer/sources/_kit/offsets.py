"""Offsets in a text to line numbers, in logarithmic time: one index of where lines start.

A parser that finds records by character offset (``json.JSONDecoder.raw_decode``, a regex over
the whole text) asks :class:`LineIndex` for the line of each, instead of counting newlines from
the start of the text every time (which makes a file of a million small records quadratic).
"""

from __future__ import annotations

from bisect import bisect_right

__all__ = ["LineIndex"]


class LineIndex:
    """The 1-based line of any offset into ``text`` (lines end at ``\\n``)."""

    def __init__(self, text: str):
        starts = [0]
        find = text.find
        position = find("\n")
        while position != -1:
            starts.append(position + 1)
            position = find("\n", position + 1)
        self._starts = starts

    def line_of(self, offset: int) -> int:
        """The line holding the character at ``offset`` (1 for offset 0)."""
        return bisect_right(self._starts, offset)
