"""Golden diagnoses of the Windows sample bundles, coverage of the Windows signature packs, and
quiet on real Windows lab logs.

``samples/expected-windows.toml`` says, per sample, which cause must rank first, which error code
must lead, which other causes must be listed and which may appear at most as 'possible'. Every
check goes through the public ``diagnose()``; nothing is special-cased per sample. The real
event logs under ``shared/fixtures/windows`` come from lab and attack-simulation machines that
never ran Azure Backup: nothing there may reach 'likely'.
"""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache

import pytest

from loganalyzer.diagnosis import diagnose
from loganalyzer.ranking import CONFIDENCE_FLOORS
from loganalyzer.rules import load_knowledge, load_signatures

from golden import listing_checks
from conftest import SAMPLES

EXPECTED = tomllib.loads((SAMPLES / "expected-windows.toml").read_text(encoding="utf-8"))
POSSIBLE = dict(CONFIDENCE_FLOORS)["possible"]
LIKELY = dict(CONFIDENCE_FLOORS)["likely"]
WINDOWS_SOURCES = ("windows.event", "windows.agent")
#: causes a Windows guest's logs can show (knowledge.toml: os windows or any, guest visible),
#: leaving out the ones no Windows log speaks of (host-side, Azure-side or Linux-only stories)
WINDOWS_VISIBLE = (
    "agent-unresponsive-windows",
    "app-control-blocks-extension",
    "antivirus-blocks-extension",
    "complus-msdtc",
    "vss-writer-bad-state",
    "dhcp-disabled",
    "wireserver-unreachable",
    "storage-unreachable",
    "vm-shutdown-from-guest",
    "extension-failed",
)


@lru_cache(maxsize=None)
def _diagnosis(name: str):
    return diagnose(SAMPLES / name)


def _scores(name: str) -> dict[str, float]:
    return {finding.cause: finding.score for finding in _diagnosis(name).findings}


def _story(name: str) -> str:
    result = _diagnosis(name)
    findings = ", ".join(f"{f.cause} {f.score:.2f}" for f in result.findings) or "no finding"
    codes = ", ".join(f"{c.code} {c.score:.2f}" for c in result.codes[:3]) or "no code"
    return f"{name}: findings [{findings}]; codes [{codes}]"


@lru_cache(maxsize=None)
def _diagnose_path(path):
    return diagnose(path)


@lru_cache(maxsize=None)
def _windows_signatures():
    return tuple(s for s in load_signatures() if set(s.sources) <= set(WINDOWS_SOURCES))


def test_expectations_name_existing_samples_and_known_causes():
    knowledge = load_knowledge()
    assert len(EXPECTED) >= 10
    for name, expected in EXPECTED.items():
        assert name.startswith("windows-") and (SAMPLES / name).is_dir(), name
        for cause in [expected["cause"], *expected["also"], *expected["possible"]]:
            assert cause == "" or cause in knowledge.causes, (name, cause)
        assert expected["code"] == "" or knowledge.code(expected["code"]) is not None, (name, expected["code"])
    samples = {p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name.startswith("windows-")}
    assert samples == set(EXPECTED), f"samples without expectations: {samples - set(EXPECTED)}"


def test_every_windows_visible_cause_has_a_sample():
    tops = {expected["cause"] for expected in EXPECTED.values()}
    missing = set(WINDOWS_VISIBLE) - tops - {"storage-unreachable"}  # storage shares the network sample's story
    assert not missing, missing
    assert any(expected.get("healthy") and not expected["possible"] for expected in EXPECTED.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_diagnosed_as_windows(name):
    assert _diagnosis(name).os_family == "windows"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_top_cause(name):
    expected = EXPECTED[name]
    findings = _diagnosis(name).findings
    if expected["cause"]:
        assert findings and findings[0].cause == expected["cause"], _story(name)
        assert findings[0].score >= LIKELY, _story(name)
    else:
        assert not findings or findings[0].score < POSSIBLE, _story(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_top_code(name):
    """The expected code leads (a code tied with the leader's score counts as leading)."""
    expected = EXPECTED[name]
    codes = _diagnosis(name).codes
    if expected["code"]:
        assert codes, _story(name)
        leaders = {c.code for c in codes if abs(c.score - codes[0].score) < 1e-9}
        assert expected["code"] in leaders, _story(name)
    else:
        assert not codes, _story(name)


test_also_listed, test_possible_at_most_possible, test_nothing_unexpected_is_listed, test_healthy_samples_give_nothing_listed = (
    listing_checks(EXPECTED, _diagnosis, _scores, _story)
)


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if not e.get("healthy")))
def test_top_finding_has_evidence_from_both_event_log_and_agent_logs(name):
    top = _diagnosis(name).findings[0]
    # facts the engine infers across files (source "inferred") may add to the logs' own evidence
    assert set(top.evidence["source"].astype(str)) - {"inferred"} == set(WINDOWS_SOURCES), _story(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_planted_secrets_never_reach_the_output(name):
    secrets = EXPECTED[name].get("secrets", [])
    assert secrets, name
    raw = b"".join(p.read_bytes() for p in (SAMPLES / name).rglob("*") if p.is_file())
    assert all(secret.encode() in raw for secret in secrets), "a planted secret is not in the sample's bytes"
    result = _diagnosis(name)
    text = result.to_json(minimum="unlikely") + "\n".join(result.events["message"].astype(str))
    text += json.dumps([dict(f) for f in result.events["fields"]], default=str)
    for secret in secrets:
        assert secret not in text, (name, secret)


# --- the Windows packs --------------------------------------------------------------------------


def _positive(cause_id: str) -> list:
    return [s for s in _windows_signatures() if not s.counter and cause_id in dict(s.causes)]


@pytest.mark.parametrize("cause_id", WINDOWS_VISIBLE)
def test_every_windows_visible_cause_has_two_signatures_from_two_sources(cause_id):
    signatures = _positive(cause_id)
    assert len(signatures) >= 2, f"{cause_id}: {[s.id for s in signatures]}"
    families = {source for s in signatures for source in s.sources}
    assert families == set(WINDOWS_SOURCES), f"{cause_id}: only {families}"


def test_windows_visible_causes_are_the_knowledge_bases():
    knowledge = load_knowledge()
    for cause_id in WINDOWS_VISIBLE:
        cause = knowledge.causes[cause_id]
        assert cause.os in ("windows", "any") and cause.guest_visible != "no", cause_id
    windows_only = {c.id for c in knowledge.causes.values() if c.os == "windows"}
    assert windows_only <= set(WINDOWS_VISIBLE)


def test_windows_packs_size_kinds_and_counter_evidence():
    signatures = _windows_signatures()
    assert len(signatures) >= 25
    assert {s.kind for s in signatures} == {"event", "count", "absence", "state"}
    counters = {cause for s in signatures if s.counter for cause, _ in s.causes}
    assert {"vss-writer-bad-state", "complus-msdtc", "antivirus-blocks-extension", "dhcp-disabled"} <= counters


def _matchers(signature):
    parts = [signature.matcher]
    if signature.state and signature.state.where:
        parts.append(signature.state.where)
    if signature.absence:
        parts += [signature.absence.expect, signature.absence.after]
    return [p for p in parts if p is not None]


def test_event_log_rules_never_key_on_an_event_id_alone():
    for signature in _windows_signatures():
        if "windows.event" not in signature.sources:
            continue
        keys = {name for matcher in _matchers(signature) for name, _ in matcher.fields}
        assert "provider" in keys, f"{signature.id} does not name a provider"


def test_windows_signatures_have_near_miss_examples():
    for signature in _windows_signatures():
        if signature.kind == "absence":
            assert any(not e.expect_match for e in signature.examples), signature.id
            continue
        assert any(not e.expect_match for e in signature.examples), f"{signature.id} has no near-miss example"
        assert any(e.expect_match for e in signature.examples), f"{signature.id} has no example"


def test_decisive_signatures_name_their_codes():
    by_id = {s.id: s for s in _windows_signatures()}
    assert by_id["win.status.vss-writer-bad-state"].codes == ("ExtensionFailedVssWriterInBadState",)
    assert by_id["win.ext.msdtc-failed"].codes == ("ExtensionInstallationFailedMDTC",)
    assert by_id["win.ext.complus-failed"].codes[0] == "ExtensionSnapshotFailedCOM"
    assert by_id["win.app.backup-extension-crashed"].codes == ("VMRestorePointInternalError",)
    assert by_id["win.scm.agent-service-failed"].codes == ("UserErrorGuestAgentStatusUnavailable",)


# --- real lab logs stay quiet ---------------------------------------------------------------------


def test_real_windows_fixtures_folder_reaches_no_likely_finding(shared):
    result = diagnose(shared / "fixtures" / "windows")
    assert result.os_family == "windows"
    assert len(result.events) > 5000
    loud = {f.cause: round(f.score, 2) for f in result.findings if f.score >= LIKELY}
    assert not loud, loud


def test_real_windows_fixtures_one_by_one_reach_no_likely_finding(shared):
    """Each real log alone, so that recency does not dilute it against the newest file."""
    for path in sorted((shared / "fixtures" / "windows").rglob("*.evtx")):
        result = _diagnose_path(path)
        loud = {f.cause: round(f.score, 2) for f in result.findings if f.score >= LIKELY}
        assert not loud, (path.name, loud)


def test_lab_crash_of_rundll32_is_not_blamed_on_the_backup_extension(shared):
    path = next((shared / "fixtures" / "windows").rglob("many-events-application.evtx"))
    result = _diagnose_path(path)
    crashes = result.events[result.events["message"].astype(str).str.contains("rundll32.exe", regex=False)]
    assert len(crashes), "the fixture's Application Error 1000 for rundll32.exe is gone"
    blamed = result.evidence[result.evidence["cause"].isin(["antivirus-blocks-extension", "agent-unresponsive-windows", "complus-msdtc", "vss-writer-bad-state"])]
    assert blamed.empty, blamed[["signature", "cause", "excerpt"]].to_string()
