"""The contract between parsers and signatures: a rule names only fields its sources declare.

The declarations here are synthetic (``FieldContract``), so the tests hold whatever the parsers
declare today; the last test checks the shipped packs against the parsers' real declarations.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from loganalyzer.rules import (
    READER_FIELDS,
    FieldContract,
    SignatureError,
    load_signatures,
    parser_contract,
)
from loganalyzer.rules.examples import validate
from loganalyzer.sources import Parser

RULE = """
[[signature]]
id = "test.fields"
title = "A rule on fields"
status = "test"
level = "medium"
kind = "{kind}"
source = "waagent.state"
cause = "extension-failed"
weight = 0.5
fields.status = "NotReady"
fields."{name}" = {{ exists = true }}
details = "{details}"
{extra}
examples.match = [{{ message = "m", fields = {{ status = "NotReady", "{name}" = "1" }} }}]
"""

DECLARED = FieldContract({"waagent.state": frozenset({"status", "code", "data.*", "kind"})})


def _pack(tmp_path: Path, name: str = "code", details: str = "{message}", kind: str = "event", extra: str = "") -> Path:
    path = tmp_path / "pack.toml"
    path.write_text(textwrap.dedent(RULE.format(name=name, details=details, kind=kind, extra=extra)), encoding="utf-8")
    return path


def _line(path: Path, snippet: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if snippet in line)


def test_declared_fields_pass(tmp_path):
    _pack(tmp_path, "code", details="{status} {code} {message}")
    assert validate(tmp_path, contract=DECLARED) == []


def test_a_family_declaration_covers_its_members(tmp_path):
    _pack(tmp_path, "data.ReasonCode")
    assert validate(tmp_path, contract=DECLARED) == []


def test_an_undeclared_condition_field_is_refused_with_file_and_line(tmp_path):
    path = _pack(tmp_path, "handler_sate")
    (error,) = validate(tmp_path, contract=DECLARED)
    assert error.file == str(path) and error.line == _line(path, 'handler_sate" = { exists')
    assert "'handler_sate' is not declared by any parser of waagent.state" in error.reason
    assert str(error).startswith(f"{path}:{error.line}:")


def test_an_undeclared_details_placeholder_is_refused(tmp_path):
    path = _pack(tmp_path, "code", details="{status} {handler_sate}")
    (error,) = validate(tmp_path, contract=DECLARED)
    assert "'handler_sate'" in error.reason and error.line == _line(path, "details =")


def test_kind_keys_are_checked(tmp_path):
    path = _pack(tmp_path, "code", kind="state", extra='state.key = "handlr"')
    (error,) = validate(tmp_path, contract=DECLARED)
    assert "'handlr'" in error.reason and error.line == _line(path, "state.key")


def test_named_groups_and_kind_values_are_not_fields(tmp_path):
    text = RULE.format(name="code", details="{count} in {window}: {who}", kind="count", extra="count.min = 1")
    text = text.replace('fields.status = "NotReady"', "message = '(?P<who>\\w+)'")
    (tmp_path / "pack.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    assert validate(tmp_path, contract=DECLARED) == []


def test_reader_fields_are_allowed_everywhere(tmp_path):
    for name in READER_FIELDS:
        _pack(tmp_path, name)
        assert validate(tmp_path, contract=DECLARED) == [], name


def test_a_source_that_declares_nothing_is_not_checked(tmp_path):
    _pack(tmp_path, "anything_at_all")
    assert validate(tmp_path, contract=FieldContract({"waagent.log": frozenset({"era"})})) == []
    assert validate(tmp_path, contract=FieldContract({"waagent.state": frozenset()})) == []


def test_load_signatures_refuses_an_undeclared_field(tmp_path):
    _pack(tmp_path, "handler_sate")
    with pytest.raises(SignatureError) as raised:
        load_signatures(extra_dirs=[tmp_path], contract=DECLARED)
    assert any("handler_sate" in e.reason and e.file.endswith("pack.toml") for e in raised.value.errors)


def test_the_contract_is_built_from_parser_declarations():
    def never(*_):
        return 0

    parsers = [
        Parser("a", "waagent.state", never, never, fields={"status": "handler status", "data.*": "event data"}),
        Parser("b", "waagent.state", never, never, fields={"code": "a code"}),
        Parser("c", "windows.event", never, never),
    ]
    contract = parser_contract(parsers)
    assert contract.allows(["waagent.state"], "code") and contract.allows(["waagent.state"], "data.x")
    assert not contract.allows(["waagent.state"], "nope")
    assert contract.allows(["windows.event"], "nope")  # declares nothing yet
    # a rule on two sources may use what either declares, unless one of them is unchecked
    assert contract.allows(["waagent.state", "windows.event"], "nope")


def test_the_shipped_packs_keep_the_parsers_contract():
    """Whatever the parsers declare today, the shipped rules use only declared fields."""
    load_signatures(include_experimental=True, contract=parser_contract())
