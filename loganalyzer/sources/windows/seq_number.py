"""The last sequence number an extension processed: ``Packages/Plugins/<ext>/<ver>/SeqNumber.txt``
(VMSnapshot), by name. The whole file is one number::

    22

Source ``windows.agent``; ``fields``: ``kind=seq-number``, ``seq_number``,
``handler``/``handler_version`` (from the path).
"""

from __future__ import annotations

import re

from ...events import Problem
from .. import BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import begin_text, mark_unparsed
from .agent_paths import HANDLER_FIELDS, SEQNUMBER_FILE
from .agent_state import SOURCE
from .common import normalise_path, original_parts

__all__ = ["PARSER", "claim_seq_number"]

FIELDS = {"kind": "seq-number", "seq_number": "the number SeqNumber.txt holds", **HANDLER_FIELDS}
_NUMBER = re.compile(r"-?\d{1,12}")


def claim_seq_number(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/SeqNumber.txt`` (VMSnapshot)."""
    return BY_NAME_AND_CONTENT if SEQNUMBER_FILE.search(normalise_path(path)) else 0


def read_seq_number(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """The last sequence number the extension processed."""
    lines = begin_text(data, context, result)
    if lines is None:
        return
    value = "\n".join(lines).strip().lstrip("\ufeff")
    parts = original_parts(context.path, SEQNUMBER_FILE)
    base = {"handler": parts[0], "handler_version": parts[1]} if parts else {}
    if not _NUMBER.fullmatch(value):
        result.problems.append(Problem(context.file, "malformed", "SeqNumber.txt does not hold a number"))
        mark_unparsed(result)
        return
    result.events.add(line=1, message=f"sequence number {value}", component=base.get("handler"),
                      fields=dict(base, kind="seq-number", seq_number=value), span=result.lines)


PARSER = Parser("windows-seqnumber", SOURCE, claim_seq_number, read=read_seq_number, fields=FIELDS)
