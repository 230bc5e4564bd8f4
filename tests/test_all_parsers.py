"""Properties every parser keeps, checked over all of them at once (each module's own tests go
further with realistic, generated records)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.redaction import MASK
from loganalyzer.signatures import load_knowledge
from loganalyzer.sources import ParseContext, all_parsers

PARSERS = all_parsers()

#: shapes that make parsers go past their first checks: XML, JSON, key=value, log headers
PREFIXES = [
    b"",
    b"<?xml version='1.0'?><GoalState>",
    b'[{"version": 1.0, "status": {"status": "error", "code": ',
    b'{"runtimeSettings": [{"handlerSettings": {"publicSettings": ',
    b"Extensions.Enabled=",
    b"2024-05-30T13:15:45.331589Z INFO ExtHandler ",
    b"2018/03/05 14:31:57.742721 ERROR ",
    b"2024-05-30 13:15:45.331589 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]",
    b"ElfFile\x00",
    b"\xef\xbb\xbfLevel,Date and Time,Source,Event ID,Task Category\r\n",
    b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>",
    b"[00000003] [05/30/2024 13:15:45.33] [INFO] ",
]


def test_every_parser_has_a_name_and_a_known_source():
    names = [p.name for p in PARSERS]
    assert len(names) == len(set(names)) and len(PARSERS) >= 30
    # every source a parser emits is one the knowledge base declares, so signatures may name it
    assert {p.source for p in PARSERS} <= set(load_knowledge().sources)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=600))
def test_arbitrary_bytes_never_raise_and_every_line_is_accounted_for(parser, prefix, body):
    data = prefix + body
    parser.claim("var/log/waagent.log", data[:8192])
    result = parser.parse(data, ParseContext(file="x", path="x"))
    assert result.lines == result.events.spans + result.unparsed
    assert not [p for p in result.problems if p.kind == "parser-error"], result.problems


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
@given(secret=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=12, max_size=24))
def test_a_planted_sas_signature_never_appears(parser, secret):
    line = f"https://md-x.blob.core.windows.net/vhds/a.vhd?sv=2018-03-28&sr=b&sig={secret}&se=2024"
    for data in (
        f"2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler GET {line}\n",
        f'[{{"version": 1.0, "status": {{"status": "error", "code": 1, "formattedMessage": {{"message": "{line}"}}}}}}]',
        f"<Event><System><Provider Name='x'/><EventID>1</EventID></System><EventData><Data>{line}</Data></EventData></Event>",
    ):
        result = parser.parse(data.encode(), ParseContext(file="x", path="x"))
        text = "\n".join(result.events.message) + repr(result.events.fields)
        assert secret not in text
        if secret in data and result.events.message:
            assert MASK in text or "sig=" not in text


def test_a_bug_in_any_kit_parser_keeps_the_events_before_it(monkeypatch):
    """The guard policy is the registry's, the same for every family: the parser's own events up to
    the bug stay, the rest of the file is counted unparsed, one parser-error names it."""
    from loganalyzer.events import EventRows

    original = EventRows.add
    data = b"2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler one\n" * 3 + b"key=value\nx=y\n"
    reached = []
    for parser in (p for p in PARSERS if p.read is not None):
        calls = {"n": 0}

        def add_then_fail(self, _calls=calls, **row):
            _calls["n"] += 1
            if _calls["n"] > 1:
                raise RuntimeError("planted bug")
            original(self, **row)

        monkeypatch.setattr(EventRows, "add", add_then_fail)
        result = parser.parse(data, ParseContext(file="x", path="x"))
        assert result.lines == result.events.spans + result.unparsed, parser.name
        if calls["n"] > 1:  # the parser reached a second event: the first is kept, the bug is named
            reached.append(parser.name)
            assert len(result.events) == 1, parser.name
            assert [p.kind for p in result.problems].count("parser-error") == 1, parser.name
    assert len(reached) >= 5, reached


def test_every_linux_parser_leaves_the_guard_to_the_registry():
    from loganalyzer.sources import linux

    assert all(parser.read is not None for parser in linux.PARSERS)
