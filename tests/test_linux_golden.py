"""Golden diagnoses of the Linux sample bundles, and coverage of the Linux signature packs.

``samples/expected-linux.toml`` says, per sample, which cause must rank first, which error code
must lead, which other causes must be listed and which may appear at most as 'possible'. Every
check here goes through the public ``diagnose()``; nothing is special-cased per sample.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import pyarrow as pa
import pytest

from loganalyzer.diagnosis import diagnose
from loganalyzer.events import EventRows, concat_events
from loganalyzer.matching import match
from loganalyzer.ranking import CONFIDENCE_FLOORS
from loganalyzer.rules import load_knowledge, load_signatures

from golden import listing_checks
from conftest import SAMPLES

EXPECTED = tomllib.loads((SAMPLES / "expected-linux.toml").read_text(encoding="utf-8"))
POSSIBLE = dict(CONFIDENCE_FLOORS)["possible"]
LIKELY = dict(CONFIDENCE_FLOORS)["likely"]
LINUX_SOURCES = ("waagent.log", "waagent.syslog", "waagent.state", "waagent.conf", "extension.log", "extension.conf")


@lru_cache(maxsize=None)
def _shipped():
    return load_signatures()


def _bundle(name: str):
    folder = SAMPLES / name
    return folder if folder.is_dir() else SAMPLES / f"{name}.zip"


@lru_cache(maxsize=None)
def _diagnosis(name: str):
    return diagnose(_bundle(name), signatures=_shipped())


def _scores(name: str) -> dict[str, float]:
    return {finding.cause: finding.score for finding in _diagnosis(name).findings}


def _story(name: str) -> str:
    """What the diagnosis said, for assertion messages."""
    result = _diagnosis(name)
    findings = ", ".join(f"{f.cause} {f.score:.2f}" for f in result.findings) or "no finding"
    codes = ", ".join(f"{c.code} {c.score:.2f}" for c in result.codes[:3]) or "no code"
    return f"{name}: findings [{findings}]; codes [{codes}]"


def test_expectations_name_existing_samples_and_known_causes():
    knowledge = load_knowledge()
    assert EXPECTED, "expected-linux.toml lists no sample"
    for name, expected in EXPECTED.items():
        assert _bundle(name).exists(), name
        for cause in [expected["cause"], *expected["also"], *expected["possible"]]:
            assert cause == "" or cause in knowledge.causes, (name, cause)
        assert expected["code"] == "" or knowledge.code(expected["code"]) is not None, (name, expected["code"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_top_cause(name):
    expected = EXPECTED[name]
    findings = _diagnosis(name).findings
    if expected["cause"]:
        assert findings and findings[0].cause == expected["cause"], _story(name)
        assert findings[0].score >= POSSIBLE, _story(name)
    else:
        assert not findings or findings[0].score < POSSIBLE, _story(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_top_code(name):
    expected = EXPECTED[name]
    codes = _diagnosis(name).codes
    if expected["code"]:
        assert codes and codes[0].code == expected["code"], _story(name)
    else:
        assert not codes, _story(name)


test_also_listed, test_possible_at_most_possible, test_nothing_unexpected_is_listed, test_healthy_samples_give_nothing_listed = (
    listing_checks(EXPECTED, _diagnosis, _scores, _story)
)


# --- coverage of the Linux packs ---------------------------------------------------------------


def _linux_visible_causes(knowledge) -> list[str]:
    return sorted(
        cause.id
        for cause in knowledge.causes.values()
        if cause.os in ("linux", "any") and cause.guest_visible != "no"
    )


def _positive_linux_signatures(signatures, cause_id: str) -> list:
    return [
        s
        for s in signatures
        if not s.counter and cause_id in dict(s.causes) and set(s.sources) <= set(LINUX_SOURCES)
    ]


@pytest.mark.parametrize("cause_id", _linux_visible_causes(load_knowledge()))
def test_every_linux_visible_cause_has_two_signatures_from_two_sources(cause_id):
    signatures = _positive_linux_signatures(load_signatures(include_experimental=True), cause_id)
    assert len(signatures) >= 2, f"{cause_id}: {[s.id for s in signatures]}"
    families = {source for s in signatures for source in s.sources}
    assert len(families) >= 2, f"{cause_id}: only {families}"


def test_linux_packs_use_every_rule_kind_and_have_counter_evidence():
    linux = [s for s in _shipped() if set(s.sources) <= set(LINUX_SOURCES)]
    assert len(linux) >= 45
    assert {s.kind for s in linux} == {"event", "count", "absence", "state"}
    counters = {cause for s in linux if s.counter for cause, _ in s.causes}
    assert {"storage-unreachable", "wireserver-unreachable", "fs-freeze-failed", "agent-not-running"} <= counters


def test_linux_signatures_have_near_miss_examples():
    for signature in _shipped():
        if not set(signature.sources) <= set(LINUX_SOURCES):
            continue
        assert any(not e.expect_match for e in signature.examples), f"{signature.id} has no near-miss example"


# --- behaviour of the time-based Linux rules on small hand-built logs --------------------------

T0 = datetime(2024, 5, 30, 10, 0, tzinfo=timezone.utc)
EXT_LOG = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log"
VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _events(*records: dict) -> pa.Table:
    builders: dict[tuple[str, str], EventRows] = {}
    for number, record in enumerate(records, 1):
        key = (record.get("file", "var/log/waagent.log"), record.get("source", "waagent.log"))
        builders.setdefault(key, EventRows()).add(
            line=number,
            message=record["message"],
            time=T0 + timedelta(minutes=record["minutes"]),
            level=record.get("level", "info"),
            component=record.get("component"),
            fields=record.get("fields"),
        )
    return concat_events(rows.to_table(file, source) for (file, source), rows in builders.items())


def _agent(minutes: float, message: str, **fields: str) -> dict:
    return {"minutes": minutes, "message": message, "fields": {"prefix": "ExtHandler", "agent_version": "2.10.0.8", **fields}}


def _heartbeat(minutes: float) -> dict:
    return _agent(minutes, "[HEARTBEAT] Agent WALinuxAgent-2.10.0.8 is running as the goal state agent [DEBUG HeartbeatCounter: 1;HeartbeatId: 7;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]")


def _fired(events: pa.Table, signature_id: str) -> list[int]:
    evidence = match(events, [_shipped()[signature_id]])
    return sorted(set(evidence["line"]))


def test_heartbeat_stopped_fires_only_when_the_log_outlasts_the_silence():
    silent = _events(_heartbeat(0), _heartbeat(30), _agent(40, "Error processing goal state: [Errno 28] No space left on device"),
                     {"minutes": 400, "message": "Running log collector mode normal", "fields": {"prefix": "LogCollector"}})
    assert _fired(silent, "linux.log.heartbeat-stopped") == [3]
    alive = _events(_heartbeat(0), _agent(10, "Extension status: [('x', 'success')]"), _heartbeat(30), _heartbeat(60), _heartbeat(90))
    assert _fired(alive, "linux.log.heartbeat-stopped") == []
    old_agent = _events(_agent(0, "Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 3", agent_version="2.2.18"),
                        _agent(600, "Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 4", agent_version="2.2.18"))
    assert _fired(old_agent, "linux.log.heartbeat-stopped") == []


def _ext(minutes: float, message: str) -> dict:
    return {"minutes": minutes, "message": message, "file": EXT_LOG, "source": "extension.log", "component": VMSNAPSHOT}


def test_enable_without_final_status_needs_the_log_to_go_on():
    stuck = _events(_ext(0, "starting enable"), _ext(1, "Enable,success,4,Transitioning state in extension,False"), _ext(300, "starting enable"),
                    _ext(302, "Enable,success,1,Enable Succeeded,False"), _ext(500, "the sequence number are same, so skip, current:9== last:9"))
    assert _fired(stuck, "linux.ext.enable-without-final-status") == [1]
    finished = _events(_ext(0, "starting enable"), _ext(1, "Enable,success,4,Transitioning state in extension,False"),
                       _ext(3, "Enable,error,121,T:S Enable failed with error: freeze failed for some mount StatusCode.FailedRetryableFsFreezeFailed,,False"),
                       _ext(500, "starting enable"))
    assert _fired(finished, "linux.ext.enable-without-final-status") == []


def test_a_later_success_lowers_an_earlier_network_failure_but_not_an_overlap():
    def status(minutes, seq, code, message="status"):
        return {"minutes": minutes, "message": message, "source": "waagent.state",
                "file": f"var/lib/waagent/{VMSNAPSHOT}-1.0.9225.0/status/{seq}.status",
                "fields": {"kind": "ext_status", "handler": VMSNAPSHOT, "status": "success", "code": code, "seq_no": str(seq)}}

    evidence = match(_events(status(0, 7, "76"), status(1440, 8, "1")), _shipped())
    counters = set(evidence[evidence["counter"]]["cause"])
    assert {"storage-unreachable", "wireserver-unreachable"} <= counters
    assert "backup-in-progress" not in counters
