"""Golden diagnoses of the Azure-side sample bundles (samples/azure-*, samples/expected-azure.toml),
the reported code taken from a portal error in the bundle, and a path to a 'likely' finding for
every documented code."""

from __future__ import annotations

import json
import shutil
import tomllib

import pytest
from conftest import SAMPLES

from loganalyzer import diagnose, read_bundle
from loganalyzer.ranking import CONFIDENCE_FLOORS
from loganalyzer.rules import load_knowledge, load_signatures

EXPECTED = tomllib.loads((SAMPLES / "expected-azure.toml").read_text(encoding="utf-8"))
KNOWLEDGE = load_knowledge()
LIKELY = dict(CONFIDENCE_FLOORS)["likely"]
POSSIBLE = dict(CONFIDENCE_FLOORS)["possible"]


@pytest.fixture(scope="module")
def diagnoses():
    return {name: diagnose(SAMPLES / name) for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_top_cause_code_and_reported_code(name, diagnoses):
    expected, result = EXPECTED[name], diagnoses[name]
    top = result.findings[0]
    assert top.cause == expected["cause"], result.to_text()
    assert top.score >= LIKELY
    assert result.codes[0].code == expected["code"]
    assert result.reported_code == expected["reported"]
    listed = {f.cause for f in result.findings if f.score >= POSSIBLE}
    assert set(expected["also"]) <= listed
    assert listed - {expected["cause"]} <= set(expected["also"]) | set(expected["possible"]), listed


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_deciding_azure_input_is_in_the_evidence(name, diagnoses):
    expected, result = EXPECTED[name], diagnoses[name]
    files = set(result.findings[0].evidence["file"].astype(str))
    assert any(any(f.startswith(wanted) for f in files) for wanted in expected["decided_by"]), files


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reads_completely_and_keeps_secrets(name):
    contents = read_bundle(SAMPLES / name)
    assert not (contents.problems["kind"] == "parser-error").any()
    azure = contents.coverage[contents.coverage["file"].astype(str).str.startswith("azure/")]
    assert len(azure) >= 2 and (azure["unparsed"] == 0).all() and azure["source"].astype(str).str.startswith("azure.").all()
    raw = b"".join(p.read_bytes() for p in (SAMPLES / name).rglob("*") if p.is_file())
    text = "\n".join(contents.events["message"].astype(str)) + json.dumps([dict(f) for f in contents.event_table["fields"].to_pylist()])
    for secret in EXPECTED[name]["secrets"]:
        assert secret.encode() in raw, f"{secret} is not planted in {name}"
        assert secret not in text


def test_the_guest_alone_sees_nothing_where_azure_decides(diagnoses):
    healthy = diagnose(SAMPLES / "linux-healthy")
    assert not [f for f in healthy.findings if f.score >= LIKELY]
    assert diagnoses["azure-rp-locked"].findings[0].confidence == "certain"


def test_a_portal_error_in_the_bundle_sets_the_reported_code(tmp_path):
    bundle = tmp_path / "case"
    shutil.copytree(SAMPLES / "linux-healthy", bundle)
    (bundle / "what-the-portal-said.txt").write_text(
        "Felkod: UserErrorBackupOperationInProgress\n"
        "Felmeddelande: Det går inte att starta säkerhetskopieringen eftersom en annan säkerhetskopiering pågår.\n",
        encoding="utf-8",
    )
    result = diagnose(bundle)
    assert result.reported.code == "UserErrorBackupOperationInProgress"
    assert result.reported.decided_on == "azure"
    assert result.findings[0].cause == "backup-in-progress"  # single documented cause
    # the caller's code wins over the bundle's
    assert diagnose(bundle, reported_code="UserErrorFsFreezeFailed").reported.code == "UserErrorFsFreezeFailed"


def test_a_code_with_several_causes_is_only_the_reported_code(tmp_path):
    bundle = tmp_path / "case"
    shutil.copytree(SAMPLES / "linux-healthy", bundle)
    (bundle / "pane.txt").write_text(
        "Error Code | ExtensionSnapshotFailedNoNetwork\nError Message | Snapshot operation failed due to no network connectivity on the virtual machine.\n"
    )
    result = diagnose(bundle)
    assert result.reported.code == "ExtensionSnapshotFailedNoNetwork"
    assert not [f for f in result.findings if f.score >= POSSIBLE]  # the guest decides, and it looks healthy
    assert {row["supported"] for row in result.reported.causes} == {"no"}


def test_a_portal_code_joins_guest_evidence_for_its_cause(tmp_path):
    bundle = tmp_path / "case"
    shutil.copytree(SAMPLES / "linux-extension-failed", bundle)
    (bundle / "pane.txt").write_text("Error Code: UserErrorVmProvisioningStateFailed\n")
    result = diagnose(bundle)
    assert result.findings[0].cause == "extension-failed" and result.findings[0].confidence == "certain"
    assert {"azure.portal"} <= set(result.findings[0].evidence["source"])


def test_every_article_code_has_a_path_to_a_likely_finding():
    """For each of the 12 documented codes, some signature (any pack) supports one of its causes
    strongly enough to reach 'likely' on its own, even from an export without a time (x0.85)."""
    signatures = load_signatures(knowledge=KNOWLEDGE)
    best: dict[str, float] = {}
    for signature in signatures:
        if signature.counter:
            continue
        for cause, weight in signature.causes:
            best[cause] = max(best.get(cause, 0.0), weight)
    article = [code for code in KNOWLEDGE.codes.values() if code.article == "agent-extension"]
    assert len(article) == 12
    for code in article:
        assert max(best.get(cause, 0.0) for cause in code.causes) * 0.85 >= LIKELY, code.id


def test_azure_only_causes_are_decided_by_azure_signatures():
    signatures = load_signatures(knowledge=KNOWLEDGE)
    azure_causes = {cause for s in signatures if any(src.startswith("azure.") for src in s.sources) and not s.counter for cause, w in s.causes if w >= 0.75}
    assert {"rp-collection-locked", "keyvault-permissions", "disk-size-unsupported", "backup-in-progress",
            "crp-reported-error", "protection-not-active", "extension-failed", "agent-not-running"} <= azure_causes
