"""What every parser shares: the guard policy, the text prologue, times, JSON and XML helpers,
record grouping. A parser imports from here, never from another parser module.

======================  =========================================================================
:mod:`.guard`           :func:`run_parser`: a bug becomes one ``parser-error``, earlier events kept
:mod:`.text`            :func:`begin_text` (decode, binary sniff, encoding and line-length problems)
:mod:`.times`           :func:`parse_instant`, :func:`parse_ms_date`, :func:`duration_seconds`
:mod:`.jsondoc`         :func:`load_json` (depth-bounded), :func:`lookup` (case-insensitive)
:mod:`.xmldoc`          :func:`parse_xml` (defusedxml), namespace-blind element access
:mod:`.records`         :func:`group_records`: a header line starts a record, others continue it
:mod:`.offsets`         :class:`LineIndex`: the line of a character offset, by one index and bisect
======================  =========================================================================
"""

from .guard import after_parser_bug, run_parser
from .jsondoc import (
    MAX_JSON_DEPTH,
    field_text,
    flag_text,
    json_depth,
    load_json,
    lookup,
)
from .records import Record, group_records
from .offsets import LineIndex  # noqa: I001 (kept apart from lane kit's lines for a clean merge)
from .text import (
    MAX_LINE_CHARS,
    Text,
    begin_text,
    count_lines,
    cut_long_lines,
    decode,
    looks_binary,
    mark_unparsed,
    split_lines,
)
from .times import (
    duration_seconds,
    iso_z,
    parse_epoch,
    parse_instant,
    parse_ms_date,
    parse_ticks,
)
from .xmldoc import (
    Element,
    XmlRefused,
    attribute,
    child,
    children,
    descendants,
    first_text,
    local_name,
    parse_xml,
    text_of,
)

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_LINE_CHARS",
    "Element",
    "LineIndex",
    "Record",
    "Text",
    "XmlRefused",
    "after_parser_bug",
    "attribute",
    "begin_text",
    "child",
    "children",
    "count_lines",
    "cut_long_lines",
    "decode",
    "descendants",
    "duration_seconds",
    "field_text",
    "first_text",
    "flag_text",
    "group_records",
    "iso_z",
    "json_depth",
    "load_json",
    "local_name",
    "looks_binary",
    "lookup",
    "mark_unparsed",
    "parse_epoch",
    "parse_instant",
    "parse_ms_date",
    "parse_ticks",
    "parse_xml",
    "run_parser",
    "split_lines",
    "text_of",
]
