"""The matching engine on small hand-built event tables: event, count, absence and state rules,
field operators, counter-evidence, and agreement of the prefiltered engine with a plain regex."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.events import EventRows, concat_events, to_frame
from loganalyzer.matching import EVIDENCE_SCHEMA, match, match_table, render_details
from loganalyzer.rules import Condition, Matcher, Signature, load_signatures
from loganalyzer.rules.examples import load_pack

T0 = datetime(2024, 5, 30, 10, 0, tzinfo=timezone.utc)
LOG = "var/log/waagent.log"
CONF = "etc/waagent.conf"
VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def table(*records: dict) -> pa.Table:
    """Events from dicts with file, source, message and optional line, time, level, component, fields."""
    builders: dict[tuple[str, str], EventRows] = {}
    for number, record in enumerate(records, 1):
        key = (record.get("file", LOG), record.get("source", "waagent.log"))
        builders.setdefault(key, EventRows()).add(
            line=record.get("line", number),
            message=record["message"],
            time=record.get("time"),
            level=record.get("level"),
            component=record.get("component"),
            fields=record.get("fields"),
        )
    return concat_events(rows.to_table(file, source) for (file, source), rows in builders.items())


def log(minutes: float, message: str, level: str = "info", **fields: str) -> dict:
    return {"time": at(minutes), "message": message, "level": level, "fields": fields or None}


@pytest.fixture(scope="module")
def shipped():
    return load_signatures()


def rules(tmp_path, text: str):
    path = tmp_path / "rules.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_pack(path)


def only(signatures, *ids):
    return [s for s in signatures if s.id in ids]


# --- event rules ----------------------------------------------------------------------------


def test_event_rule_evidence_row(shipped):
    events = table(
        log(0, "Daemon is already running: 1"),
        log(1, "Disabling the guest agent by sleeping forever; to re-enable, remove /var/lib/waagent/disable_agent and restart\nsecond line"),
    )
    evidence = match(events, only(shipped, "linux.log.agent-disabled"))
    assert list(evidence.columns) == EVIDENCE_SCHEMA.names
    (row,) = evidence.to_dict("records")
    assert row["signature"] == "linux.log.agent-disabled" and row["cause"] == "agent-not-running"
    assert row["weight"] == pytest.approx(0.9) and row["counter"] is False
    assert (row["file"], row["line"], row["source"]) == (LOG, 2, "waagent.log")
    assert row["time"] == at(1)
    assert row["excerpt"].startswith("Disabling the guest agent") and "second line" not in row["excerpt"]
    assert row["details"] == row["excerpt"]


def test_dataframe_input_gives_the_same_evidence(shipped):
    events = table(log(0, "Extension handling is disabled"), log(1, "Extensions.Enabled is set to False, not processing the operation"))
    from_table = match(events, shipped)
    from_frame = match(to_frame(events), shipped)
    assert from_frame.equals(from_table) and len(from_table) == 2


def test_empty_events_give_empty_evidence(shipped):
    evidence = match_table(concat_events([]), shipped)
    assert evidence.schema == EVIDENCE_SCHEMA and evidence.num_rows == 0


def test_sources_and_event_level_filter(tmp_path):
    signatures = rules(
        tmp_path,
        """
        [[signature]]
        id = "t.errors-only"
        title = "t"
        source = ["waagent.log", "waagent.syslog"]
        event_level = "error"
        cause = "extension-failed"
        weight = 0.5
        message = 'Non-zero exit code: (?P<rc>\\d+)'
        details = "exit code {rc}"
        examples.match = ["Non-zero exit code: 1, main/handle.sh enable"]
        """,
    )
    events = table(
        log(0, "Non-zero exit code: 1, enable", level="error"),
        log(1, "Non-zero exit code: 2, enable", level="warning"),
        {"file": "var/log/syslog", "source": "waagent.syslog", "time": at(2), "level": "error", "message": "Non-zero exit code: 3, enable"},
        {"file": "var/log/azure/x/extension.log", "source": "extension.log", "time": at(3), "level": "error", "message": "Non-zero exit code: 4, enable"},
    )
    evidence = match(events, signatures)
    assert list(evidence["details"]) == ["exit code 1", "exit code 3"]
    assert set(evidence["source"]) == {"waagent.log", "waagent.syslog"}


def test_counter_and_multi_cause_rows(shipped):
    events = table(
        {"file": "var/log/azure/VMSnapshotLinux/extension.log", "source": "extension.log", "time": at(0), "message": "Enable Succeeded with App Consistent Snapshot"}
    )
    evidence = match(events, only(shipped, "linux.ext.snapshot-succeeded"))
    assert set(evidence["cause"]) == {"storage-unreachable", "wireserver-unreachable", "fs-freeze-failed", "extension-failed"}
    assert evidence["counter"].all() and (evidence["details"] == "snapshot succeeded").all()


def test_excerpt_is_short():
    long_line = "Disabling guest agent " + "x" * 500
    signature = load_signatures()["linux.log.agent-disabled"]
    evidence = match(table(log(0, long_line)), [signature])
    assert len(evidence["excerpt"][0]) == 200 and evidence["excerpt"][0].endswith("\u2026")


def test_render_details():
    assert render_details("{handler} status {code}", {"handler": "H", "code": 4}) == "H status 4"
    assert render_details("{missing} {{literal}}", {}) == "- {literal}"


# --- field operators ------------------------------------------------------------------------


def field_rule(*conditions: Condition, key: str = "code") -> Signature:
    matcher = Matcher(sources=("waagent.state",), fields=((key, conditions),))
    return Signature(
        id="t.field", title="t", kind="event", status="test", level="low",
        causes=(("extension-failed", 0.5),), sources=("waagent.state",), matcher=matcher,
    )


STATE_VALUES = ["4", "76", "1009", " 12 ", "abc", None, "2.2.4", "2.9.1.1"]


def state_table():
    return table(
        *(
            {"file": f"s{i}", "source": "waagent.state", "message": "m", "fields": {"code": v} if v is not None else {"other": "x"}}
            for i, v in enumerate(STATE_VALUES)
        )
    )


@pytest.mark.parametrize(
    "condition, expected",
    [
        (Condition("eq", "4"), ["4"]),
        (Condition("ne", "4"), ["76", "1009", " 12 ", "abc", "2.2.4", "2.9.1.1"]),
        (Condition("in", ("76", "abc")), ["76", "abc"]),
        (Condition("regex", r"^\d+$"), ["4", "76", "1009"]),
        (Condition("num_gt", 50.0), ["76", "1009"]),
        (Condition("num_lt", 13.0), ["4", " 12 "]),
        (Condition("num_in_range", (1000.0, 1012.0)), ["1009"]),
        (Condition("exists", True), [v for v in STATE_VALUES if v is not None]),
        (Condition("absent", True), [None]),
        (Condition("version_lt", (2, 2, 10)), ["2.2.4"]),
        (Condition("version_ge", (2, 2, 10)), ["4", "76", "1009", " 12 ", "2.9.1.1"]),
    ],
)
def test_field_operators(condition, expected):
    evidence = match(state_table(), [field_rule(condition)])
    chosen = [STATE_VALUES[int(name[1:])] for name in evidence["file"]]
    assert chosen == expected


def test_component_and_file_conditions(tmp_path):
    signatures = rules(
        tmp_path,
        """
        [[signature]]
        id = "t.component"
        title = "t"
        source = "waagent.log"
        cause = "extension-failed"
        weight = 0.5
        component = { in = ["ExtHandler"] }
        file = { regex = 'waagent\\.log$' }
        message = 'boom'
        examples.match = [{ message = "boom", component = "ExtHandler", file = "var/log/waagent.log" }]
        examples.no_match = [{ message = "boom", component = "Daemon", file = "var/log/waagent.log" }, { message = "boom", component = "ExtHandler", file = "other" }]
        """,
    )
    events = table({**log(0, "boom"), "component": "ExtHandler"}, {**log(1, "boom"), "component": "Daemon"})
    assert list(match(events, signatures)["line"]) == [1]


# --- count rules ----------------------------------------------------------------------------

WIRE_FAILURE = "[ProtocolError] [Wireserver Exception] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out -- 6 attempts made"


def test_count_rule_fires_once_at_the_latest_qualifying_event(shipped):
    events = table(
        log(0, WIRE_FAILURE, "warning"),
        log(10, WIRE_FAILURE, "warning"),
        log(20, "unrelated"),
        log(30, WIRE_FAILURE, "warning"),
        log(45, WIRE_FAILURE, "warning"),
    )
    evidence = match(events, only(shipped, "linux.log.wireserver-failures"))
    (row,) = evidence.to_dict("records")
    assert row["line"] == 5 and row["cause"] == "wireserver-unreachable"
    assert row["details"].startswith("4 wire server failures within 1h:")


def test_count_rule_below_threshold_within_window(shipped):
    events = table(log(0, WIRE_FAILURE, "warning"), log(61, WIRE_FAILURE, "warning"), log(122, WIRE_FAILURE, "warning"))
    assert match(events, only(shipped, "linux.log.wireserver-failures")).empty


def test_count_by_field(tmp_path):
    signatures = rules(
        tmp_path,
        """
        [[signature]]
        id = "t.count-by"
        title = "t"
        kind = "count"
        source = "waagent.log"
        cause = "extension-failed"
        weight = 0.5
        message = 'Non-zero exit code'
        count.min = 2
        count.by = "handler"
        details = "{handler}"
        examples.match = ["Non-zero exit code: 1"]
        """,
    )
    events = table(
        log(0, "Non-zero exit code: 1", handler="A"),
        log(1, "Non-zero exit code: 1", handler="B"),
        log(2, "Non-zero exit code: 1", handler="A"),
        log(3, "Non-zero exit code: 1"),
    )
    evidence = match(events, signatures)
    assert list(evidence["details"]) == ["A (2 times in the bundle)"]


# --- absence rules --------------------------------------------------------------------------

HEARTBEAT = "[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG HeartbeatCounter: 3;HeartbeatId: 1;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]"


def test_absence_fires_when_the_heartbeat_stops(shipped):
    events = table(log(0, HEARTBEAT), log(30, HEARTBEAT), log(100, "Fetch goal state"), log(180, "Fetch goal state"))
    (row,) = match(events, only(shipped, "linux.log.heartbeat-missing")).to_dict("records")
    assert row["line"] == 2 and row["cause"] == "agent-not-running"
    assert row["details"] == "agent heartbeat missing 90m before the last log line"


def test_absence_quiet_when_heartbeat_is_recent(shipped):
    events = table(log(0, HEARTBEAT), log(100, "x"), log(150, HEARTBEAT), log(180, "x"))
    assert match(events, only(shipped, "linux.log.heartbeat-missing")).empty


def test_absence_undecidable_on_a_short_log(shipped):
    events = table(log(0, "x"), log(60, "y"))
    assert match(events, only(shipped, "linux.log.heartbeat-missing")).empty


def test_absence_without_any_heartbeat_points_at_the_last_event(shipped):
    events = table(log(0, "x"), log(200, "y"))
    (row,) = match(events, only(shipped, "linux.log.heartbeat-missing")).to_dict("records")
    assert row["line"] == 2


AFTER_EXPECT = """
[[signature]]
id = "t.enable-without-command"
title = "t"
kind = "absence"
source = "waagent.log"
cause = "extension-failed"
weight = 0.5
absence.within = "10m"
absence.by = "handler"
absence.after.message = 'Enable extension'
absence.expect.message = 'Command: main/handle.sh enable'
details = "{handler}: no command output"
"""


def test_absence_after_expect_by_key(tmp_path):
    signatures = rules(tmp_path, AFTER_EXPECT)
    events = table(
        log(0, "Enable extension: [main/handle.sh enable]", handler="A"),
        log(1, "Enable extension: [main/handle.sh enable]", handler="B"),
        log(3, "Command: main/handle.sh enable", handler="A"),
        log(30, "Enable extension: [main/handle.sh enable]", handler="A"),  # too close to the end: undecided
        log(35, "end"),
    )
    (row,) = match(events, signatures).to_dict("records")
    assert row["line"] == 2 and row["details"] == "B: no command output (no follow-up within 10m; 1 of 1 times)"


# --- state rules ----------------------------------------------------------------------------


def conf(line: int, key: str, value: str) -> dict:
    return {"file": CONF, "source": "waagent.conf", "line": line, "message": f"{key}={value}", "fields": {"kind": "waagent_conf_key", "key": key, "value": value}}


def test_state_config_value(shipped):
    events = table(conf(1, "Extensions.Enabled", "n"), conf(2, "Provisioning.Agent", "auto"))
    (row,) = match(events, shipped).to_dict("records")
    assert row["signature"] == "linux.conf.extensions-disabled" and row["details"] == "Extensions.Enabled=n"


def test_state_uses_the_latest_value_per_key(shipped):
    events = table(conf(1, "Extensions.Enabled", "n"), conf(9, "Extensions.Enabled", "y"))
    assert match(events, only(shipped, "linux.conf.extensions-disabled")).empty


def test_state_agent_version_latest_wins(shipped):
    rule = only(shipped, "linux.log.agent-version-unsupported")
    old = log(0, "Azure Linux Agent Version:2.2.4", agent_version="2.2.4")
    new = log(60, "Agent WALinuxAgent-2.9.1.1 is running as the goal state agent", agent_version="2.9.1.1")
    assert match(table(old, new), rule).empty
    (row,) = match(table(new | {"time": at(-60)}, old), rule).to_dict("records")
    assert row["details"] == "agent version 2.2.4"


def status(minutes: float, sequence: int, code: str, handler: str = VMSNAPSHOT) -> dict:
    return {
        "file": f"var/lib/waagent/{handler}-1.0.9225.0/status/{sequence}.status",
        "source": "waagent.state",
        "time": at(minutes),
        "message": "status",
        "fields": {"kind": "ext_status", "handler": handler, "status": "success", "code": code},
    }


def test_state_stuck_transitioning(shipped):
    rule = only(shipped, "linux.state.vmsnapshot-stuck-transitioning")
    stuck = match(table(status(0, 11, "1"), status(60, 12, "4")), rule)
    assert list(stuck["cause"]) == ["extension-failed", "fs-freeze-failed"]
    assert stuck["file"][0].endswith("/status/12.status")
    assert match(table(status(0, 11, "4"), status(60, 12, "1")), rule).empty


def test_shipped_rules_stay_quiet_on_a_healthy_log(shipped):
    events = table(
        log(0, "Azure Linux Agent Version: 2.9.1.1", agent_version="2.9.1.1"),
        log(1, HEARTBEAT),
        log(31, HEARTBEAT),
        log(61, HEARTBEAT),
        log(62, "Route to 168.63.129.16 exists"),
        conf(1, "Extensions.Enabled", "y"),
        conf(2, "Provisioning.Agent", "auto"),
        status(50, 3, "1"),
    )
    evidence = match(events, shipped)
    assert evidence["counter"].all(), evidence[~evidence["counter"]]["signature"].tolist()


# --- the prefilter never changes the answer -------------------------------------------------


def _fragments():
    pieces = ["", " ", "168.63.129.16", "goal state", "[HTTP Failed] GET http://168.63.129.16/x", "Disabling", "isabling guest agent"]
    for signature in load_signatures():
        for example in signature.examples:
            pieces.append(example.message)
            pieces.append(example.message[: len(example.message) // 2])
            pieces.append(example.message[len(example.message) // 3 :])
    return pieces


FRAGMENTS = _fragments()
EVENT_RULES = [s for s in load_signatures() if s.kind == "event" and s.matcher.message and not s.matcher.fields]


@given(st.lists(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=4).map("".join), min_size=1, max_size=12))
def test_prefiltered_engine_agrees_with_plain_regex(messages):
    events = table(*({"message": m, "level": "error", "source": "waagent.log"} for m in messages))
    evidence = match(events, EVENT_RULES)
    for signature in EVENT_RULES:
        got = sorted(set(evidence[evidence["signature"] == signature.id]["line"]))
        expected = [
            number
            for number, message in enumerate(messages, 1)
            if "waagent.log" in signature.matcher.sources
            and (not signature.matcher.event_levels or "error" in signature.matcher.event_levels)
            and regex.search(signature.matcher.message, message)
            and not (signature.matcher.message_not and regex.search(signature.matcher.message_not, message))
        ]
        assert got == expected, signature.id


def test_many_rows(shipped):
    lines = [log(i / 60, f"routine line {i}") for i in range(20_000)]
    lines[5_000] = log(5_000 / 60, "Disabling guest agent in accordance with ovf-env.xml")
    evidence = match(table(*lines), shipped)
    found = dict(zip(evidence["signature"], evidence["line"]))
    # five and a half hours of log without a heartbeat: the absence rule fires too
    assert found == {"linux.log.agent-disabled": 5_001, "linux.log.heartbeat-missing": 20_000}
