"""The enrichment step: result codes named once, from knowledge.toml, after parsing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loganalyzer.enrich import CODE_NAMES, enrich
from loganalyzer.events import EventRows, concat_events
from loganalyzer.signatures import load_knowledge

KNOWLEDGE = load_knowledge()
VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
REPO = Path(__file__).resolve().parent.parent


def _table(*rows: tuple[str, str, str | None, dict[str, str]]):
    events = EventRows()
    for message, level, _, fields in rows:
        events.add(line=1, message=message, level=level, fields=fields)
    return events.to_table("var/lib/waagent/x", "waagent.state")


def _rows(table):
    return table.select(["message", "level", "fields"]).to_pylist()


def test_a_vmsnapshot_status_code_is_named_in_its_fields_and_message_and_a_failure_is_an_error():
    table = _table(("VMSnapshotLinux Enable: status success, code 121; freeze failed", "info", None,
                    {"kind": "ext_status", "handler": VMS, "code": "121"}))
    [row] = _rows(enrich(table, KNOWLEDGE))
    assert dict(row["fields"])["code_name"] == "FailedRetryableFsFreezeFailed"
    assert row["message"] == "VMSnapshotLinux Enable: status success, code 121 (FailedRetryableFsFreezeFailed); freeze failed"
    assert row["level"] == "error"


@pytest.mark.parametrize("code, level", [("1", "info"), ("3", "info"), ("4", "info"), ("85", "error"), ("300", "error")])
def test_success_and_transient_outcomes_keep_the_level(code, level):
    table = _table((f"X Enable: status success, code {code}", "info", None, {"kind": "ext_status", "name": VMS, "code": code}))
    assert _rows(enrich(table, KNOWLEDGE))[0]["level"] == level


def test_other_handlers_unknown_codes_and_other_sources_are_left_alone():
    events = EventRows()
    events.add(line=1, message="X: status error, code 121", fields={"kind": "ext_status", "handler": "Other.Ext", "code": "121"})
    events.add(line=2, message="X: status error, code 99999", fields={"kind": "ext_status", "handler": VMS, "code": "99999"})
    other = EventRows()
    other.add(line=1, message="code 1009", fields={"kind": "handler_status", "code": "1009"})
    table = concat_events([events.to_table("a", "waagent.state"), other.to_table("b", "windows.agent")])
    rows = _rows(enrich(table, KNOWLEDGE))
    assert all("code_name" not in dict(row["fields"]) for row in rows)
    assert [row["message"] for row in rows] == ["X: status error, code 121", "X: status error, code 99999", "code 1009"]


def test_agent_handler_codes_and_the_message_skips_success():
    table = _table(
        ("Handler A 1.0: NotReady, code 1009; boom", "error", None, {"kind": "handler_status", "code": "1009"}),
        ("Handler B 1.0: Ready, code 0", "info", None, {"kind": "agent_status_handler", "name": "B", "code": "0"}),
        ("Goal state aggregate status Failed, code 2001", "error", None, {"kind": "agent_status_goal_state", "code": "2001"}),
    )
    rows = _rows(enrich(table, KNOWLEDGE))
    assert [dict(row["fields"])["code_name"] for row in rows] == ["PluginEnableProcessingFailed", "Success", "GoalStateUnsupportedRequiredFeatures"]
    assert rows[0]["message"] == "Handler A 1.0: NotReady, code 1009 (PluginEnableProcessingFailed); boom"
    assert rows[1]["message"] == "Handler B 1.0: Ready, code 0"
    assert rows[2]["message"] == "Goal state aggregate status Failed, code 2001"


def test_inner_and_settings_codes():
    table = _table(("Handler VMSnapshot: Ready, code 0; extension status success code 76", "error", None,
                    {"kind": "agent_status_handler", "name": VMS, "code": "0", "settings_code": "76",
                     "inner_status": "error", "inner_code": "761"}))
    fields = dict(_rows(enrich(table, KNOWLEDGE))[0]["fields"])
    assert fields["settings_code_name"] == "FailedRetryableSnapshotFailedNoNetwork"
    assert fields["inner_code_name"] == "FailedRetryableSnapshotFailedRestrictedNetwork"


def test_rows_keep_their_order_and_everything_else():
    rows = [(f"line {n}", "info", None, {"kind": "other", "n": str(n)}) for n in range(5)]
    rows.insert(2, ("H: NotReady, code 1004", "error", None, {"kind": "handler_status", "code": "1004"}))
    table = _table(*rows)
    out = enrich(table, KNOWLEDGE)
    assert out.num_rows == table.num_rows and out.schema == table.schema
    assert [row["message"] for row in _rows(out)] == [
        "line 0", "line 1", "H: NotReady, code 1004 (PluginPackageDownloadFailed)", "line 2", "line 3", "line 4"]


def test_every_rule_names_a_family_that_knowledge_holds():
    families = {family for family, _ in KNOWLEDGE.result_codes}
    assert {rule.family for rule in CODE_NAMES} <= families


def test_no_linux_parser_keeps_its_own_copy_of_a_result_code_table():
    names = {code.name for code in KNOWLEDGE.result_codes.values() if len(code.name) > 8}
    for module in sorted((REPO / "loganalyzer" / "sources" / "linux").glob("*.py")):
        text = module.read_text(encoding="utf-8")
        copied = sorted(name for name in names if re.search(rf"\b{re.escape(name)}\b", text))
        assert not copied, f"{module.name} repeats result code names of knowledge.toml: {copied}"
