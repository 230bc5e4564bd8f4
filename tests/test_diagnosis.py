"""diagnose(): ranking behaviour, the reported code, renderers, the JSON schema and the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from loganalyzer import diagnose
from loganalyzer.cli import main
from loganalyzer.ranking import confidence, rank_codes, rank_findings, recency
from loganalyzer.rules import load_knowledge

from conftest import REPO, SAMPLES

SCHEMA = json.loads((REPO / "docs" / "diagnosis.schema.json").read_text())
KNOWLEDGE = load_knowledge()
T0 = datetime(2024, 5, 30, 13, 0, tzinfo=timezone.utc)


def evidence(*rows) -> pd.DataFrame:
    """Evidence rows: (signature, cause, weight, counter, source, time)."""
    return pd.DataFrame(
        [
            {
                "signature": sig, "cause": cause, "weight": weight, "counter": counter, "file": "f", "line": 1,
                "time": time, "source": source, "excerpt": sig, "details": "", "codes": [],
            }
            for sig, cause, weight, counter, source, time in rows
        ]
    )


def test_confidence_words():
    assert [confidence(s) for s in (0.95, 0.9, 0.6, 0.3, 0.29)] == ["certain", "certain", "likely", "possible", "unlikely"]


def test_recency_fades_with_age_but_keeps_a_floor():
    assert recency(T0, T0) == 1.0
    assert recency(T0 - timedelta(hours=20), T0) == 1.0
    assert 0.4 < recency(T0 - timedelta(days=3), T0) < 1.0
    assert recency(T0 - timedelta(days=60), T0) == 0.4
    assert recency(None, T0) == 0.85


def test_noisy_or_counts_each_signature_once():
    many = evidence(*[("a", "fs-freeze-failed", 0.5, False, "extension.log", T0)] * 20)
    (finding,) = rank_findings(many, KNOWLEDGE.causes, attempt=T0, os_family="linux")
    assert finding.score == pytest.approx(0.5)
    two = evidence(("a", "fs-freeze-failed", 0.5, False, "extension.log", T0), ("b", "fs-freeze-failed", 0.5, False, "extension.log", T0))
    (finding,) = rank_findings(two, KNOWLEDGE.causes, attempt=T0, os_family="linux")
    assert finding.score == pytest.approx(0.75)


def test_corroboration_across_sources_raises_the_score():
    same = evidence(("a", "storage-unreachable", 0.5, False, "extension.log", T0), ("b", "storage-unreachable", 0.5, False, "extension.log", T0))
    across = evidence(("a", "storage-unreachable", 0.5, False, "extension.log", T0), ("b", "storage-unreachable", 0.5, False, "waagent.state", T0))
    (one,) = rank_findings(same, KNOWLEDGE.causes, attempt=T0, os_family="linux")
    (two,) = rank_findings(across, KNOWLEDGE.causes, attempt=T0, os_family="linux")
    assert two.score > one.score
    assert "corroborated" in two.explanation


def test_later_success_lowers_an_earlier_failure_but_an_earlier_one_does_not():
    fail = ("fail", "storage-unreachable", 0.9, False, "extension.log", T0)
    later = ("ok", "storage-unreachable", 0.6, True, "extension.log", T0 + timedelta(days=1))
    earlier = ("ok", "storage-unreachable", 0.6, True, "extension.log", T0 - timedelta(days=1))
    (recovered,) = rank_findings(evidence(fail, later), KNOWLEDGE.causes, attempt=T0 + timedelta(days=1), os_family="linux")
    (standing,) = rank_findings(evidence(fail, earlier), KNOWLEDGE.causes, attempt=T0, os_family="linux")
    assert recovered.score == pytest.approx(0.36)
    assert standing.score == pytest.approx(0.9)
    assert len(recovered.counter_evidence) == 1 and standing.counter_evidence.empty


def test_windows_causes_are_not_proposed_for_a_linux_bundle():
    rows = evidence(("w", "vss-writer-bad-state", 0.9, False, "windows.event", T0))
    assert rank_findings(rows, KNOWLEDGE.causes, attempt=T0, os_family="linux") == []
    assert rank_findings(rows, KNOWLEDGE.causes, attempt=T0, os_family="windows")[0].cause == "vss-writer-bad-state"


def test_signature_code_hints_decide_the_top_code():
    rows = evidence(("x", "storage-unreachable", 0.9, False, "waagent.state", T0))
    rows.at[0, "codes"] = ["ExtensionSnapshotFailedNoNetwork"]
    findings = rank_findings(rows, KNOWLEDGE.causes, attempt=T0, os_family="linux")
    codes = rank_codes(findings, KNOWLEDGE)
    assert codes[0].code == "ExtensionSnapshotFailedNoNetwork"
    assert findings[0].codes[0] == "ExtensionSnapshotFailedNoNetwork"


@pytest.mark.parametrize("fmt", ["json", "text", "markdown", "html"])
def test_every_renderer_runs_on_a_failing_and_a_healthy_sample(fmt):
    for sample in ("linux-fsfreeze-failed", "linux-healthy"):
        result = diagnose(SAMPLES / sample)
        rendered = {"json": result.to_json, "text": result.to_text, "markdown": result.to_markdown, "html": result.to_html}[fmt]()
        assert sample in rendered


@pytest.mark.parametrize("sample", ["linux-fsfreeze-failed", "linux-healthy", "linux-collector-logs.zip", "windows-av-crash"])
def test_json_validates_against_the_documented_schema(sample):
    document = json.loads(diagnose(SAMPLES / sample, reported_code="UserErrorGuestAgentStatusUnavailable").to_json())
    jsonschema.validate(document, SCHEMA)
    assert document["schema"] == "loganalyzer.diagnosis/2"
    assert document["verdict"] in ("failure", "healthy", "inconclusive")
    assert [step["step"] for step in document["checklist"]] == [1, 2, 3, 4]


def test_failing_sample_gives_evidence_with_place_and_fix():
    document = diagnose(SAMPLES / "linux-fsfreeze-failed").to_dict()
    top = document["findings"][0]
    assert top["cause"] == "fs-freeze-failed" and top["confidence"] in ("likely", "certain")
    assert top["codes"][0] == "UserErrorFsFreezeFailed"
    assert all(row["file"] and row["line"] > 0 for row in top["evidence"])
    assert top["remediation"] and top["docs"][0].startswith("https://learn.microsoft.com/")
    step4 = document["checklist"][3]
    assert step4["status"] == "fail" and step4["evidence"]


def test_healthy_sample_gives_nothing_above_possible():
    result = diagnose(SAMPLES / "linux-healthy")
    assert all(f.score < 0.6 for f in result.findings)
    assert {s.status for s in result.checklist} <= {"pass", "unknown", "warn"}


def test_azure_side_reported_code_is_said_plainly():
    result = diagnose(SAMPLES / "linux-healthy", reported_code="usererrorkeyvaultpermissionsnotconfigured")
    assert result.reported.code == "UserErrorKeyvaultPermissionsNotConfigured"
    assert result.reported.decided_on == "azure"
    assert "Azure side" in result.reported.note
    assert result.reported.causes[0]["supported"] == "cannot-tell"
    assert result.reported.causes[0]["remediation"]


def test_reported_code_ranks_its_documented_causes_first():
    result = diagnose(SAMPLES / "linux-fsfreeze-failed", reported_code="UserErrorFsFreezeFailed")
    assert result.findings[0].cause == "fs-freeze-failed"
    assert result.reported.causes[0]["supported"] == "yes"


def test_unknown_reported_code_is_not_an_error():
    result = diagnose(SAMPLES / "linux-healthy", reported_code="NoSuchCode")
    assert result.reported.known is False


def test_swedish_remediation():
    english = diagnose(SAMPLES / "linux-fsfreeze-failed").findings[0]
    swedish = diagnose(SAMPLES / "linux-fsfreeze-failed", lang="sv").findings[0]
    assert swedish.title != english.title and swedish.remediation != english.remediation
    assert "Åtgärd" in diagnose(SAMPLES / "linux-fsfreeze-failed", lang="sv").to_text()


def test_cli_diagnose_exit_codes(tmp_path, capsys):
    assert main(["diagnose", str(SAMPLES / "linux-fsfreeze-failed")]) == 0
    out = capsys.readouterr().out
    assert "fs-freeze-failed" in out and "extension.log:" in out
    assert main(["diagnose", str(SAMPLES / "linux-fsfreeze-failed"), "--fail-on", "likely"]) == 1
    assert main(["diagnose", str(SAMPLES / "linux-healthy"), "--fail-on", "likely"]) == 0
    assert main(["diagnose", str(tmp_path / "missing")]) == 2
    assert main(["diagnose", str(SAMPLES / "linux-healthy"), "--signatures", str(tmp_path / "nope")]) == 2
    assert main(["diagnose", str(SAMPLES / "linux-healthy"), "--format", "xml"]) == 2
    out_file = tmp_path / "d.json"
    assert main(["diagnose", str(SAMPLES / "linux-healthy"), "--format", "json", "-o", str(out_file)]) == 0
    jsonschema.validate(json.loads(out_file.read_text()), SCHEMA)


def test_cli_signatures_commands(tmp_path, capsys):
    assert main(["signatures", "list"]) == 0
    assert "signatures" in capsys.readouterr().out
    assert main(["signatures", "validate"]) == 0
    assert main(["signatures", "test"]) == 0
    bad = tmp_path / "pack"
    bad.mkdir()
    (bad / "bad.toml").write_text(
        '[[signature]]\nid = "my.bad"\ntitle = "bad"\nsource = "waagent.log"\ncause = "no-such-cause"\nweight = 0.5\n'
        'message = "(?<=x)y"\nexamples.match = ["xy"]\n'
    )
    assert main(["signatures", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.toml:7" in out and "lookaround" in out and "no-such-cause" in out
    assert main(["diagnose", str(SAMPLES / "linux-healthy"), "--signatures", str(bad)]) == 2


def test_user_signature_folder_and_tuning_file(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "mine.toml").write_text(
        '[[signature]]\nid = "site.heartbeat"\ntitle = "A heartbeat, as a site-specific signal"\nsource = "waagent.log"\n'
        'cause = "agent-not-running"\nweight = 0.5\nmessage = "HEARTBEAT"\nexamples.match = ["[HEARTBEAT] Agent is running"]\n'
    )
    result = diagnose(SAMPLES / "linux-healthy", signatures=[pack])
    assert "site.heartbeat" in set(result.evidence["signature"])
    tuning = tmp_path / "tuning.toml"
    tuning.write_text('disable = ["site.heartbeat"]\n')
    result = diagnose(SAMPLES / "linux-healthy", signatures=[pack], tuning=tuning)
    assert "site.heartbeat" not in set(result.evidence["signature"])


def test_diagnosis_repr_and_html():
    result = diagnose(SAMPLES / "linux-fsfreeze-failed")
    assert "fs-freeze-failed" in repr(result)
    assert result._repr_html_().count("<table") >= 2


def test_confidence_words_are_defined_once():
    from loganalyzer.ranking import CONFIDENCE_FLOORS, CONFIDENCE_WORDS, LISTED_WORDS, at_least, confidence_floor

    assert CONFIDENCE_WORDS == (*LISTED_WORDS, "unlikely") == ("certain", "likely", "possible", "unlikely")
    assert [confidence_floor(w) for w in CONFIDENCE_WORDS] == [f for _, f in CONFIDENCE_FLOORS] + [0.0]
    assert at_least("certain", "possible") and at_least("possible", "possible") and not at_least("unlikely", "possible")
    from loganalyzer.locales import available_languages, locale

    for lang in available_languages():
        table = locale(lang).table  # each language names every confidence word itself, no fallback
        assert all(word in table["confidence"] for word in CONFIDENCE_WORDS), lang


def test_diagnose_can_include_experimental_rules():
    without = diagnose(SAMPLES / "azure-keyvault")
    with_them = diagnose(SAMPLES / "azure-keyvault", include_experimental=True)
    experimental = {"azure.activity.keyvault-access-changed"}
    assert not experimental & set(without.evidence["signature"])
    assert experimental <= set(with_them.evidence["signature"])


@pytest.mark.parametrize("dhcp_weight, moves", [(0.7, True), (0.45, False)])
def test_a_likely_root_cause_ranks_before_the_symptoms_it_explains(dhcp_weight, moves):
    rows = evidence(
        ("a.wireserver", "wireserver-unreachable", 0.9, False, "waagent.log", T0),
        ("a.dhcp", "dhcp-disabled", dhcp_weight, False, "waagent.log", T0),
    )
    first, second = rank_findings(rows, KNOWLEDGE.causes, attempt=T0, os_family="linux")
    root, symptom = (first, second) if moves else (second, first)
    assert (root.cause, symptom.cause) == ("dhcp-disabled", "wireserver-unreachable")
    if moves:  # likely, so it is shown to be the root: first, and both say so
        assert root.explains == ["wireserver-unreachable"] and symptom.explained_by == "dhcp-disabled"
        assert "explained by dhcp-disabled" in symptom.explanation and "explains wireserver-unreachable" in root.explanation
    else:  # too weak to be shown the root: the ranking stays by score
        assert root.explains == [] and symptom.explained_by is None


def test_codes_follow_the_agents_reachability():
    stopped = rank_findings(evidence(("a.stop", "agent-not-running", 0.9, False, "waagent.log", T0)), KNOWLEDGE.causes, attempt=T0, os_family="linux")
    assert rank_codes(stopped, KNOWLEDGE)[0].code == "UserErrorGuestAgentStatusUnavailable"
    failed = rank_findings(evidence(("a.ext", "extension-failed", 0.9, False, "waagent.log", T0)), KNOWLEDGE.causes, attempt=T0, os_family="linux")
    codes = [c.code for c in rank_codes(failed, KNOWLEDGE)]
    if "GuestAgentSnapshotTaskStatusError" in codes and "UserErrorGuestAgentStatusUnavailable" in codes:
        assert codes.index("GuestAgentSnapshotTaskStatusError") < codes.index("UserErrorGuestAgentStatusUnavailable")


def test_the_reported_code_is_named_first_even_without_findings():
    assert [c.code for c in rank_codes([], KNOWLEDGE, reported="UserErrorFsFreezeFailed")] == ["UserErrorFsFreezeFailed"]
    stopped = rank_findings(evidence(("a.stop", "agent-not-running", 0.9, False, "waagent.log", T0)), KNOWLEDGE.causes, attempt=T0, os_family="linux")
    assert rank_codes(stopped, KNOWLEDGE, reported="GuestAgentSnapshotTaskStatusError")[0].code == "GuestAgentSnapshotTaskStatusError"


def test_unexplained_errors_show_when_nothing_is_likely(tmp_path):
    log = tmp_path / "var" / "log" / "waagent.log"
    log.parent.mkdir(parents=True)
    log.write_text(
        "2024-05-30T13:15:45.123456Z ERROR ExtHandler ExtHandler Something nobody wrote a rule for: code 17\n"
        "2024-05-30T13:16:45.123456Z ERROR ExtHandler ExtHandler Something nobody wrote a rule for: code 18\n"
    )
    diagnosis = diagnose(tmp_path)
    assert not diagnosis.listed("likely")
    (row,) = diagnosis.to_dict()["unexplained"]
    assert row["count"] == 2 and row["template"].endswith("code <n>") and row["file"] == "var/log/waagent.log"
    assert "Something nobody wrote a rule for" in diagnosis.to_text()
    assert "Something nobody wrote a rule for" in diagnosis.to_markdown() and "Something nobody wrote a rule for" in diagnosis.to_html()
    jsonschema.validate(json.loads(diagnosis.to_json()), SCHEMA)


def test_agent_health_is_no_pass_when_the_agent_is_not_shown_alive(tmp_path):
    log = tmp_path / "var" / "log" / "waagent.log"
    log.parent.mkdir(parents=True)
    log.write_text("2024-05-30T10:00:00.100000Z INFO ExtHandler ExtHandler Wire server endpoint:168.63.129.16\n")
    syslog = tmp_path / "var" / "log" / "syslog"
    syslog.write_text("May 30 10:00:01 vm1 CRON[2201]: (root) CMD (true)\n")
    (step,) = [s for s in diagnose(tmp_path).checklist if s.step == 2]
    assert step.status == "pass"
    syslog.write_text("May 30 10:00:01 vm1 CRON[2201]: (root) CMD (true)\nMay 30 16:00:01 vm1 CRON[2301]: (root) CMD (true)\n")
    (step,) = [s for s in diagnose(tmp_path).checklist if s.step == 2]
    assert step.status in ("unknown", "warn", "fail") and step.status != "pass"
