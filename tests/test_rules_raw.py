"""Raw examples: real input text, read by the real parser, then matched by its rule.

Every shipped signature carries at least one ``examples.raw``; each is checked on its own, so a
failure names the rule. ``loganalyzer.testing`` is exercised the way a rule author uses it.
"""

from __future__ import annotations

import textwrap

import pytest

from loganalyzer.rules import load_signatures
from loganalyzer.rules.examples import check_raw_examples, load_pack
from loganalyzer.testing import assert_matches, assert_no_match

SHIPPED = load_signatures(include_experimental=True)


def test_every_signature_has_a_raw_example():
    missing = [s.id for s in SHIPPED if not any(e.expect_match for e in s.raw_examples)]
    assert not missing, f"{len(missing)} signature(s) without a matching raw example: {missing}"


@pytest.mark.parametrize("signature_id", SHIPPED.ids)
def test_raw_examples_of(signature_id):
    failures = check_raw_examples([SHIPPED[signature_id]])
    assert not failures, "\n".join(f"{f.file}:{f.line}: {f.reason}" for f in failures)


def test_assert_matches_reads_through_the_real_parser():
    line = "2024-05-30T13:15:45.123456Z INFO ExtHandler ExtHandler Extension handling is disabled\n"
    evidence = assert_matches("linux.log.extensions-disabled", line, source="waagent.log")
    assert evidence["file"].tolist() == ["var/log/waagent.log"] and evidence["line"].tolist() == [1]


def test_assert_matches_fails_with_what_the_parser_read():
    line = "2024-05-30T13:15:45.123456Z INFO ExtHandler ExtHandler Extension processing is enabled\n"
    with pytest.raises(AssertionError, match="selected nothing; the parser read 1 event"):
        assert_matches("linux.log.extensions-disabled", line, source="waagent.log")
    assert_no_match("linux.log.extensions-disabled", line, source="waagent.log")


def test_a_source_mismatch_is_reported():
    with pytest.raises(AssertionError, match="not 'waagent.syslog'"):
        assert_matches("linux.log.extensions-disabled", "2024-05-30T13:15:45.123456Z INFO ExtHandler ExtHandler x\n",
                       source="waagent.syslog", path="var/log/waagent.log")


def test_a_failing_raw_example_is_refused_with_its_line(tmp_path):
    path = tmp_path / "pack.toml"
    path.write_text(textwrap.dedent('''
        [[signature]]
        id = "test.raw"
        title = "A rule with a wrong raw example"
        status = "test"
        source = "waagent.log"
        cause = "agent-not-running"
        weight = 0.5
        message = 'Daemon ended with exception'
        examples.match = ["Daemon ended with exception"]
        examples.raw = [
            { path = "var/log/waagent.log", text = \'\'\'
        2024-05-30T13:15:45.123456Z INFO Daemon Daemon Daemon is already running
        \'\'\' },
            { path = "var/log/waagent.log", text = "2024-05-30T13:15:45.123456Z ERROR Daemon Daemon Daemon ended with exception", match = false },
        ]
    '''), encoding="utf-8")
    with pytest.raises(Exception) as raised:
        load_pack(path)
    errors = raised.value.errors
    assert len(errors) == 2
    lines = path.read_text().splitlines()
    assert "Daemon is already running" in lines[errors[0].line - 1] and "should match but did not" in errors[0].reason
    assert "match = false" in lines[errors[1].line - 1] and "matched but should not" in errors[1].reason
