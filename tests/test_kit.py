"""The parsing kit: guard policy, text prologue, times, JSON/XML helpers, grouping, bulk rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.events import EventRows
from loganalyzer.sources import BY_NAME, ParseContext, Parser, ParseResult
from loganalyzer.sources import _kit as kit

CONTEXT = ParseContext(file="bundle/x.log", path="x.log")


# ---- guard policy --------------------------------------------------------------------------


def _read_two_then_fail(data: bytes, context: ParseContext, result: ParseResult) -> None:
    lines = kit.begin_text(data, context, result)
    result.events.add(line=1, message=lines[0])
    result.events.add(line=2, message=lines[1], span=2)
    raise KeyError("boom")


def test_a_bug_keeps_the_events_before_it_and_counts_the_rest_unparsed():
    parser = Parser("two-then-fail", "test", lambda path, head: BY_NAME, read=_read_two_then_fail)
    result = parser.parse(b"a\nb\nb2\nc\nd\n", CONTEXT)
    assert result.events.message == ["a", "b"]
    assert (result.lines, result.events.spans, result.unparsed) == (5, 3, 2)
    assert result.unparsed_lines[:2] == [3, 4]
    [problem] = result.problems
    assert problem.kind == "parser-error"
    assert "two-then-fail" in problem.message and "KeyError" in problem.message


def test_an_older_parser_that_raises_gets_the_same_problem_and_every_line_unparsed():
    def parse(data, context):
        raise RuntimeError("old shape")

    parser = Parser("old", "test", lambda path, head: BY_NAME, parse)
    result = kit.run_parser(parser, b"one\ntwo\n", CONTEXT)
    assert (result.lines, result.unparsed, len(result.events)) == (2, 2, 0)
    assert [p.kind for p in result.problems] == ["parser-error"]


def test_a_parser_needs_read_or_parse():
    with pytest.raises(TypeError):
        Parser("nothing", "test", lambda path, head: 0)


# ---- text prologue -------------------------------------------------------------------------


def test_binary_data_is_named_and_every_line_unparsed():
    result = ParseResult(source="test")
    data = b"\x00\x01\x02\x03garbage\n" * 10
    assert kit.begin_text(data, CONTEXT, result, binary_message="not a log") is None
    assert [(p.kind, p.message) for p in result.problems] == [("binary", "not a log")]
    assert result.unparsed == result.lines == 10


def test_binary_looking_data_that_the_parser_recognises_is_read():
    result = ParseResult(source="test")
    data = b"RECORD one\x00\x00\x00\x00\x00\nRECORD two\n"
    lines = kit.begin_text(data, CONTEXT, result, is_text=lambda lines: lines[0].startswith("RECORD"))
    assert lines is not None and len(lines) == 2
    assert not [p for p in result.problems if p.kind == "binary"]


def test_latin1_text_is_read_with_an_encoding_problem():
    result = ParseResult(source="test")
    lines = kit.begin_text("caf\u00e9 ok\n".encode("latin-1"), CONTEXT, result)
    assert lines == ["caf\u00e9 ok"]
    assert [p.kind for p in result.problems] == ["encoding"]


def test_utf16_with_and_without_bom_is_clean_text():
    for data in ("line one\nline two\n".encode("utf-16"), "line one\nline two\n".encode("utf-16-le")):
        text = kit.decode(data)
        assert kit.split_lines(text.text) == ["line one", "line two"]
        assert text.warning is None


def test_a_line_over_the_bound_is_cut_and_named_and_the_rest_read():
    result = ParseResult(source="test")
    data = b"first\n" + b"x" * 5000 + b"\nlast\n"
    lines = kit.begin_text(data, CONTEXT, result, line_bound=1000)
    assert lines == ["first", "x" * 1000, "last"]
    [problem] = result.problems
    assert problem.kind == "oversized-line" and "line 2" in problem.message


def test_documents_read_whole_are_not_cut():
    result = ParseResult(source="test")
    lines = kit.begin_text(b"y" * 5000, CONTEXT, result, line_bound=None)
    assert lines == ["y" * 5000] and not result.problems


def test_split_lines_keeps_form_feeds_and_drops_only_the_final_terminator():
    assert kit.split_lines("a\r\nb\rc\x0cd\n") == ["a", "b", "c\x0cd"]
    assert kit.split_lines("") == []
    assert kit.split_lines("\n\n") == ["", ""]


# ---- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-05-30T13:15:45.331589Z", datetime(2024, 5, 30, 13, 15, 45, 331589, UTC)),
        ("2024-05-30T13:15:45.3315891Z", datetime(2024, 5, 30, 13, 15, 45, 331589, UTC)),
        ("2024/05/30 13:15:45,5", datetime(2024, 5, 30, 13, 15, 45, 500000, UTC)),
        ("2024-05-30 15:15:45 +0200", datetime(2024, 5, 30, 13, 15, 45, tzinfo=UTC)),
        ("2024-05-30T15:15:45+02:00", datetime(2024, 5, 30, 13, 15, 45, tzinfo=UTC)),
        ("2024-05-30 13:15:45 UTC", datetime(2024, 5, 30, 13, 15, 45, tzinfo=UTC)),
        ("/Date(1717074945331)/", datetime(2024, 5, 30, 13, 15, 45, 331000, UTC)),
        ("\\/Date(1717074945331+0200)\\/", datetime(2024, 5, 30, 13, 15, 45, 331000, UTC)),
    ],
)
def test_parse_instant_reads_the_stamps_in_use(text, expected):
    assert kit.parse_instant(text) == expected


def test_a_stamp_without_offset_is_utc_or_wall_clock_as_the_caller_says():
    assert kit.parse_instant("2024-05-30 08:15:46").tzinfo is UTC
    local = kit.parse_instant("2024-05-30 08:15:46", naive="local")
    assert local == datetime(2024, 5, 30, 8, 15, 46) and local.tzinfo is None
    assert kit.parse_instant("2024-05-30 08:15:46Z", naive="local").tzinfo is UTC


def test_parse_instant_refuses_what_is_not_a_stamp_unless_other_formats_are_allowed():
    for text in ("", "yesterday", "2024-13-40T00:00:00Z", "2024-05-30", None, 17):
        assert kit.parse_instant(text) is None
    assert kit.parse_instant("Thu May 30 13:15:45 UTC 2024") is None
    assert kit.parse_instant("Thu May 30 13:15:45 UTC 2024", other_formats=True) == datetime(2024, 5, 30, 13, 15, 45, tzinfo=UTC)
    assert kit.parse_instant("13:15:45", other_formats=True) is None  # no year: refused


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_parse_instant_reads_back_what_iso_z_writes(moment):
    assert kit.parse_instant(kit.iso_z(moment)) == moment


def test_durations_in_every_shape():
    assert kit.duration_seconds("PT7M27.56S") == pytest.approx(447.56)
    assert kit.duration_seconds("01:02:03") == 3723
    assert kit.duration_seconds("1.01:00:00") == 90000
    assert kit.duration_seconds("2 days, 1:00:00") == 176400
    assert kit.duration_seconds({"TotalSeconds": 12.5}) == 12.5
    assert kit.duration_seconds({"Ticks": 50_000_000}) == 5
    assert kit.duration_seconds("soon") is None and kit.duration_seconds(True) is None


def test_ticks_and_epoch():
    assert kit.parse_ticks(638527000000000000) == datetime(1, 1, 1, tzinfo=UTC) + timedelta(microseconds=63852700000000000)
    assert kit.parse_epoch("1717074945") == datetime(2024, 5, 30, 13, 15, 45, tzinfo=UTC)
    assert kit.parse_ticks("x") is None and kit.parse_epoch(None) is None


# ---- JSON and XML --------------------------------------------------------------------------


def test_lookup_prefers_the_exact_key_then_any_case():
    document = {"Status": "exact", "code": 3}
    assert kit.lookup(document, "Status") == "exact"
    assert kit.lookup(document, "CODE") == 3
    assert kit.lookup(document, "missing", "Code") == 3
    assert kit.lookup(["not", "a", "dict"], "x") is None


def test_load_json_refuses_deep_documents_with_a_value_error():
    with pytest.raises(ValueError):
        kit.load_json("[" * 500 + "]" * 500)
    assert kit.load_json('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    assert kit.json_depth('{"a": "[[[[", "b": [[1]]}') == 3


def test_field_and_flag_text():
    assert kit.field_text(True) == "1" and kit.field_text({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    assert kit.flag_text("Yes") == "1" and kit.flag_text("n") == "0" and kit.flag_text("maybe") == "maybe"


def test_xml_helpers_ignore_namespaces_and_case_of_attributes():
    root = kit.parse_xml(
        '<?xml version="1.0" encoding="utf-16"?><a:Root xmlns:a="urn:x"><a:Item Name="one"><a:V> 1 </a:V></a:Item>'
        "<a:Item name='two'/></a:Root>"
    )
    items = kit.children(root, "Item")
    assert [kit.attribute(item, "NAME") for item in items] == ["one", "two"]
    assert kit.text_of(root, "Item", "V") == "1"
    assert kit.first_text(root, "V") == "1"
    assert len(kit.descendants(root, "Item")) == 2
    assert kit.child(root, "Nope", "V") is None


def test_xml_entities_are_refused_and_broken_xml_named():
    with pytest.raises(kit.XmlRefused, match="entities"):
        kit.parse_xml('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(kit.XmlRefused, match="well-formed"):
        kit.parse_xml("<x><y></x>")


# ---- grouping and bulk rows ----------------------------------------------------------------


def test_a_header_starts_a_record_and_other_lines_continue_it():
    lines = ["junk", "H 1", "more", "", "H 2", "H 3", "tail"]
    orphans, records = kit.group_records(lines, lambda line: line[2:] if line.startswith("H ") else None)
    assert orphans == [1]
    assert [(r.line, r.head, r.span) for r in records] == [(2, "1", 3), (5, "2", 1), (6, "3", 2)]
    assert records[0].body(lines) == ["more", ""]


@given(st.lists(st.sampled_from(["H", "x", ""]), max_size=40))
def test_grouping_accounts_for_every_line_once(lines):
    orphans, records = kit.group_records(lines, lambda line: line if line == "H" else None)
    assert len(orphans) + sum(r.span for r in records) == len(lines)


def test_extend_columns_adds_checked_columns_and_spans():
    rows = EventRows()
    rows.add(line=1, message="first")
    moment = datetime(2024, 5, 30, tzinfo=UTC)
    rows.extend_columns(
        line=[2, 3], time=[moment, None], level=["info", None], component=["c", None],
        message=["a", "b"], fields=[{"k": "v"}, {}],
    )
    assert rows.message == ["first", "a", "b"] and rows.spans == 3
    rows.extend_columns(line=[4], time=[None], level=[None], component=[None], message=["c"], fields=[{}], spans=3)
    assert rows.spans == 6
    assert rows.to_table("f", "s").num_rows == 4


@pytest.mark.parametrize(
    "change",
    [{"message": ["only one"]}, {"level": ["loud", None]}, {"spans": 1}],
)
def test_extend_columns_refuses_bad_columns_and_adds_nothing(change):
    rows = EventRows()
    columns = dict(line=[1, 2], time=[None, None], level=[None, None], component=[None, None],
                   message=["a", "b"], fields=[{}, {}])
    columns.update(change)
    with pytest.raises(ValueError):
        rows.extend_columns(**columns)
    assert len(rows) == 0 and rows.spans == 0
