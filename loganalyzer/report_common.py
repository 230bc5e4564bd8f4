"""What every renderer of a diagnosis shares (text and Markdown in :mod:`.report`, HTML in
:mod:`.report_html`)."""

from __future__ import annotations

import math

__all__ = ["EVIDENCE_SHOWN", "score_text"]

#: evidence rows shown per finding; the rest are counted
EVIDENCE_SHOWN = 5


def score_text(score: float) -> str:
    """The score with two decimals, rounded down, so that it always agrees with its confidence
    word (0.8996 is ``likely`` and prints ``0.89``, never ``0.90``)."""
    return f"{math.floor(round(float(score) * 100, 6)) / 100:.2f}"
