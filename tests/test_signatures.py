"""The knowledge base and signature packs: shipped data loads, examples pass, bad files are refused
with the right file, line and reason, tuning disables and reweights."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from loganalyzer.rules import (
    SignatureError,
    check_regex,
    derive_literals,
    load_knowledge,
    load_signatures,
    parse_duration,
    version_key,
)
from loganalyzer.rules.examples import load_pack, run_examples, validate

ARTICLE_CODES = [
    "UserErrorGuestAgentStatusUnavailable",
    "GuestAgentSnapshotTaskStatusError",
    "UserErrorVmProvisioningStateFailed",
    "UserErrorRpCollectionLimitReached",
    "UserErrorKeyvaultPermissionsNotConfigured",
    "ExtensionSnapshotFailedNoNetwork",
    "ExtensionOperationFailedForManagedDisks",
    "BackUpOperationFailed",
    "UserErrorUnsupportedDiskSize",
    "UserErrorBackupOperationInProgress",
    "UserErrorCrpReportedUserError",
    "UserErrorBcmDatasourceNotPresent",
]
RELATED_CODES = [
    "UserErrorFsFreezeFailed",
    "ExtensionFailedSnapshotLimitReachedError",
    "ExtensionFailedVssWriterInBadState",
    "ExtensionSnapshotFailedCOM",
    "ExtensionInstallationFailedCOM",
    "ExtensionInstallationFailedMDTC",
    "ExtensionFailedTimeoutVMNetworkUnresponsive",
    "VMRestorePointInternalError",
    "UserErrorVmNotInDesirableState",
]
# The knowledge page's cause-id table, in its order, then the ids this project added.
PAGE_CAUSE_IDS = [
    "agent-unresponsive-windows",
    "agent-outdated-linux",
    "agent-not-running",
    "agent-config-linux",
    "app-control-blocks-extension",
    "antivirus-blocks-extension",
    "wireserver-unreachable",
    "dhcp-disabled",
    "storage-unreachable",
    "vm-shutdown-from-guest",
    "extension-failed",
    "complus-msdtc",
    "vss-writer-bad-state",
    "fs-freeze-failed",
    "snapshot-limit-reached",
    "rp-collection-locked",
    "backup-in-progress",
    "disk-size-unsupported",
    "keyvault-permissions",
    "protection-not-active",
    "crp-reported-error",
]
ADDED_CAUSE_IDS = [
    "prepost-script-failed",
    "host-snapshot-failed",
    "policy-denies-restore-points",
    "keyvault-rbac-role-missing",
    "guest-clock-skew",
    "extension-python-unsupported",
    "consistency-fallback",
]


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


@pytest.fixture(scope="module")
def shipped():
    return load_signatures()


# --- knowledge ------------------------------------------------------------------------------


def test_the_twelve_article_codes_are_present_in_order(knowledge):
    article = [c.id for c in knowledge.codes.values() if c.article == "agent-extension"]
    assert article == ARTICLE_CODES


def test_backup_operation_failed_v2_shares_the_entry(knowledge):
    assert knowledge.code("BackUpOperationFailedV2") is knowledge.codes["BackUpOperationFailed"]
    assert knowledge.code("backupoperationfailed").id == "BackUpOperationFailed"


def test_related_codes_are_present(knowledge):
    related = [c.id for c in knowledge.codes.values() if c.article == "vm-backup"]
    assert related == RELATED_CODES


def test_cause_ids_are_exactly_the_page_table_plus_documented_additions(knowledge):
    assert list(knowledge.causes) == PAGE_CAUSE_IDS + ADDED_CAUSE_IDS


def test_codes_list_the_article_causes_in_documented_order(knowledge):
    # GuestAgentSnapshotTaskStatusError: A, B, E (storage, shutdown, DHCP, wire server), C, D
    assert knowledge.codes["GuestAgentSnapshotTaskStatusError"].causes == (
        "agent-unresponsive-windows",
        "agent-outdated-linux",
        "storage-unreachable",
        "vm-shutdown-from-guest",
        "dhcp-disabled",
        "wireserver-unreachable",
        "agent-config-linux",
        "app-control-blocks-extension",
    )
    assert knowledge.codes["BackUpOperationFailed"].causes[-1] == "rp-collection-locked"
    assert knowledge.codes["ExtensionOperationFailedForManagedDisks"].causes[0] == "storage-unreachable"


def test_visibility_and_decision_place(knowledge):
    visible = {c.id: (c.guest_visible, c.decided_on) for c in knowledge.codes.values()}
    assert visible["UserErrorGuestAgentStatusUnavailable"] == ("yes", "guest")
    assert visible["BackUpOperationFailed"] == ("partly", "both")
    assert visible["UserErrorRpCollectionLimitReached"] == ("no", "azure")


def test_every_cause_has_bilingual_steps_and_docs(knowledge):
    for cause in knowledge.causes.values():
        assert cause.steps and len(cause.steps) == len(cause.steps_sv), cause.id
        assert cause.title_sv and cause.os in ("linux", "windows", "any")
        assert all(d.startswith("https://learn.microsoft.com/") for d in cause.docs)
    for code in knowledge.codes.values():
        assert code.message and code.message_sv


def test_result_codes_cover_the_documented_ranges(knowledge):
    vmsnapshot = {code for family, code in knowledge.result_codes if family == "vmsnapshot"}
    expected = {0, 1, 2, 3, 4, 11, 12, 15, 16, 17, 76, 761, 85, 173, 121, 122, 123, 124, 201, 202, 203, 402, 556}
    expected |= set(range(300, 319)) | set(range(500, 513))
    assert vmsnapshot == expected
    host = {code for family, code in knowledge.result_codes if family == "host_snapshot"}
    assert {555, 556, 557, 558} <= host
    agent = {code for family, code in knowledge.result_codes if family == "agent_handler"}
    assert agent == {-1, 0, 1000, 1001, 1002, 1003, 1004, 1005, 1007, 1008, 1009, 1010, 1011, 1012, 2001}
    no_network = knowledge.result_code("vmsnapshot", "76")
    assert no_network.name == "FailedRetryableSnapshotFailedNoNetwork"
    assert dict(no_network.causes)["storage-unreachable"] == pytest.approx(0.7)
    assert knowledge.result_code("vmsnapshot", "not a number") is None


def test_checklist_has_four_steps(knowledge):
    assert [c.step for c in knowledge.checklist] == [1, 2, 3, 4]
    assert "agent-config-linux" in knowledge.checklist[1].fails_on
    assert all(c.title_sv and len(c.checks) == len(c.checks_sv) for c in knowledge.checklist)


def test_broken_knowledge_is_refused_with_line(tmp_path):
    text = (Path(load_knowledge().file)).read_text(encoding="utf-8")
    text = text.replace('causes = ["keyvault-permissions", "keyvault-rbac-role-missing"]', 'causes = ["no-such-cause"]', 1)
    (tmp_path / "knowledge.toml").write_text(text, encoding="utf-8")
    errors = validate(tmp_path)
    assert len(errors) == 1
    line = text.splitlines().index('causes = ["no-such-cause"]') + 1
    assert errors[0].line == line and "unknown cause 'no-such-cause'" in errors[0].reason


# --- shipped packs --------------------------------------------------------------------------


def test_shipped_packs_validate_cleanly():
    assert validate() == []


def test_shipped_pack_exercises_every_rule_kind(shipped):
    kinds = {s.kind for s in shipped}
    assert kinds == {"event", "count", "absence", "state"}
    assert any(s.counter for s in shipped)
    assert len([s for s in shipped if s.file.endswith("linux-agent.toml")]) >= 10


def _shipped_ids():
    return list(load_signatures().ids)


@pytest.mark.parametrize("signature_id", _shipped_ids())
def test_examples_of(shipped, signature_id):
    signature = shipped[signature_id]
    assert signature.examples, "every shipped signature carries examples"
    assert run_examples([signature]) == []


# --- validation errors with file and line ---------------------------------------------------

GOOD = '''
[[signature]]
id = "test.good"
title = "A good rule"
status = "test"
source = "waagent.log"
cause = "agent-not-running"
weight = 0.5
message = 'Daemon ended with exception'
examples.match = ["Daemon ended with exception -- Sleep 15 seconds and restart daemon"]
examples.no_match = ["Daemon is already running"]
'''


def _pack(tmp_path: Path, text: str, name: str = "pack.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _line_of(path: Path, snippet: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if snippet in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(snippet)


def _one_error(tmp_path: Path, path: Path):
    errors = validate(tmp_path)
    assert len(errors) == 1, [str(e) for e in errors]
    assert errors[0].file.endswith(path.name)
    return errors[0]


def test_good_pack_validates(tmp_path):
    _pack(tmp_path, GOOD)
    assert validate(tmp_path) == []


def test_unknown_cause(tmp_path):
    path = _pack(tmp_path, GOOD.replace('cause = "agent-not-running"', 'cause = "agent-on-holiday"'))
    error = _one_error(tmp_path, path)
    assert error.line == _line_of(path, "agent-on-holiday")
    assert "unknown cause 'agent-on-holiday'" in error.reason and error.signature == "test.good"


def test_duplicate_id(tmp_path):
    path = _pack(tmp_path, GOOD + GOOD)
    error = _one_error(tmp_path, path)
    assert error.line == _line_of(path, "[[signature]]", occurrence=2)
    assert "duplicate id" in error.reason


def test_duplicate_of_a_shipped_id_across_folders(tmp_path):
    _pack(tmp_path, GOOD.replace("test.good", "linux.log.agent-disabled"))
    with pytest.raises(SignatureError) as raised:
        load_signatures(extra_dirs=[tmp_path])
    assert any("duplicate id" in e.reason for e in raised.value.errors)


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("Daemon(?= ended)", "lookaround"),
        ("(?<!x)Daemon ended", "lookaround"),
        ("(Daemon) \\1", "backreference"),
        ("(?P<d>Daemon) (?P=d)", "backreference"),
        ("(?>Daemon) ended", "atomic"),
        ("Daemon ended++", "possessive"),
        ("Daemon ended\\Z", "\\Z"),
        ("(?x)Daemon ended", "inline flag"),
        ("Daemon ended{,3}", "{,n}"),
        ("Daemon (ended", "bad regex"),
    ],
)
def test_regex_outside_the_common_subset(tmp_path, pattern, reason):
    path = _pack(tmp_path, GOOD.replace("message = 'Daemon ended with exception'", f"message = '{pattern}'"))
    errors = validate(tmp_path)
    assert errors and all(e.file.endswith(path.name) for e in errors)
    assert errors[0].line == _line_of(path, "message = ")
    assert reason in errors[0].reason


def test_failing_example(tmp_path):
    path = _pack(tmp_path, GOOD.replace('examples.no_match = ["Daemon is already running"]', 'examples.no_match = ["Daemon ended with exception again"]'))
    error = _one_error(tmp_path, path)
    assert error.line == _line_of(path, "Daemon ended with exception again")
    assert "failing example" in error.reason and "matched but should not" in error.reason


def test_failing_example_that_misses_the_declared_literals(tmp_path):
    text = GOOD.replace("message = 'Daemon ended with exception'", "message = 'Daemon ended'\nliterals = [\"restart\"]")
    text = text.replace('examples.match = ["Daemon ended with exception -- Sleep 15 seconds and restart daemon"]', 'examples.match = ["Daemon ended"]')
    path = _pack(tmp_path, text)
    error = _one_error(tmp_path, path)
    assert "none of the literals" in error.reason
    assert error.line == _line_of(path, 'examples.match = ["Daemon ended"]')


def test_unknown_operator(tmp_path):
    text = GOOD.replace("message = 'Daemon ended with exception'", "fields.code = { greater_than = 3 }")
    text = text.replace('examples.match = ["Daemon ended with exception -- Sleep 15 seconds and restart daemon"]', 'examples.match = [{ message = "x", fields = { code = "5" } }]')
    text = text.replace('examples.no_match = ["Daemon is already running"]', "")
    path = _pack(tmp_path, text)
    error = _one_error(tmp_path, path)
    assert error.line == _line_of(path, "greater_than")
    assert "unknown operator 'greater_than'" in error.reason


def test_unknown_source(tmp_path):
    path = _pack(tmp_path, GOOD.replace('source = "waagent.log"', 'source = "waagent.lg"'))
    errors = validate(tmp_path)
    assert errors[0].line == _line_of(path, "waagent.lg")
    assert "unknown source 'waagent.lg'" in errors[0].reason


def test_several_problems_are_all_reported(tmp_path):
    text = GOOD.replace('cause = "agent-not-running"', 'cause = "nope"').replace('level = "x"', "")
    text = text.replace('status = "test"', 'level = "urgent"\nkind = "state"\nstatus = "wip"')
    _pack(tmp_path, text)
    reasons = " | ".join(e.reason for e in validate(tmp_path))
    assert "unknown cause" in reasons and "level must be" in reasons and "status must be" in reasons


def test_load_signatures_raises_with_every_error(tmp_path):
    _pack(tmp_path, GOOD.replace('cause = "agent-not-running"', 'cause = "nope"'))
    with pytest.raises(SignatureError) as raised:
        load_signatures(extra_dirs=[tmp_path])
    assert "pack.toml" in str(raised.value) and "unknown cause" in str(raised.value)


def test_not_toml(tmp_path):
    path = _pack(tmp_path, GOOD + "\nthis is = = not toml\n")
    error = _one_error(tmp_path, path)
    assert "not valid TOML" in error.reason and error.line == _line_of(path, "this is = = not toml")


def test_absence_and_count_need_their_tables(tmp_path):
    text = GOOD.replace('title = "A good rule"', 'title = "A good rule"\nkind = "count"')
    _pack(tmp_path, text)
    assert any("count.min" in e.reason for e in validate(tmp_path))


def test_bad_details_template(tmp_path):
    _pack(tmp_path, GOOD.replace('weight = 0.5', 'weight = 0.5\ndetails = "{bad name} and {"'))
    reasons = [e.reason for e in validate(tmp_path)]
    assert any("bad placeholder" in r for r in reasons) and any("unbalanced" in r for r in reasons)


# --- extra folders and tuning ---------------------------------------------------------------


def test_extra_dirs_add_signatures(tmp_path):
    _pack(tmp_path, GOOD)
    loaded = load_signatures(extra_dirs=[tmp_path])
    assert "test.good" in loaded.ids and "linux.log.agent-disabled" in loaded.ids


def test_load_pack_reads_one_file(tmp_path):
    signatures = load_pack(_pack(tmp_path, GOOD))
    assert [s.id for s in signatures] == ["test.good"]
    assert signatures[0].matcher.literals == ("Daemon ended with exception",)


def test_tuning_disables_and_reweights(tmp_path):
    tuning = _pack(
        tmp_path,
        """
        disable = ["linux.log.agent-disabled"]
        [weights]
        "linux.log.extensions-disabled" = 0.3
        "linux.state.vmsnapshot-no-network" = { storage-unreachable = 0.2 }
        """,
        "tuning.toml",
    )
    loaded = load_signatures(tuning=tuning)
    assert "linux.log.agent-disabled" not in loaded.ids
    assert loaded.disabled == ("linux.log.agent-disabled",)
    assert loaded["linux.log.extensions-disabled"].causes == (("agent-config-linux", 0.3),)
    assert dict(loaded["linux.state.vmsnapshot-no-network"].causes) == {
        "storage-unreachable": 0.2,
        "wireserver-unreachable": 0.3,
    }


def test_tuning_mapping_and_unknown_ids(tmp_path):
    loaded = load_signatures(tuning={"weights": {"linux.log.agent-disabled": 0.1}})
    assert loaded["linux.log.agent-disabled"].causes == (("agent-not-running", 0.1),)
    tuning = _pack(tmp_path, 'disable = ["linux.no-such-rule"]\n', "tuning.toml")
    with pytest.raises(SignatureError) as raised:
        load_signatures(tuning=tuning)
    (error,) = raised.value.errors
    assert error.line == 1 and "unknown signature id 'linux.no-such-rule'" in error.reason


# --- helpers --------------------------------------------------------------------------------


def test_check_regex_accepts_the_common_subset():
    assert check_regex(r"(?i)\b168\.63\.129\.16\b.*(timed out|refused)") is None
    assert check_regex(r"(?P<mount>\S+) [a-z*+]{2,4}?") is None
    assert check_regex(r"[\d.]+ \x41") is None


def test_derive_literals():
    assert derive_literals(r"Failed to FIFREEZE: (?P<m>\S+)") == (("Failed to FIFREEZE: ",), False)
    assert derive_literals(r"(?i)error fetching|still failing") == (("error fetching", "still failing"), True)
    assert derive_literals(r"\d+ a") == ((), False)
    assert derive_literals(r"(abc|x)yz") == ((), False)


def test_parse_duration_and_version_key():
    assert parse_duration("1h30m") == 5400 and parse_duration("90s") == 90 and parse_duration("2d") == 172800
    with pytest.raises(ValueError):
        parse_duration("soon")
    assert version_key("WALinuxAgent-2.2.45") == (2, 2, 45)
    assert version_key("2.2.10.0") == version_key("2.2.10") < version_key("2.9")
    assert version_key("n/a") is None


# --- status, level, knowledge facts ---------------------------------------------------------


def test_experimental_rules_are_off_unless_asked(tmp_path):
    _pack(tmp_path, GOOD.replace('status = "test"', 'status = "experimental"'))
    default = load_signatures(extra_dirs=[tmp_path])
    assert "test.good" not in default.ids and "test.good" in default.experimental
    shipped_experimental = [s.id for s in load_signatures(include_experimental=True) if s.status == "experimental"]
    assert shipped_experimental and not set(shipped_experimental) & set(default.ids)
    assert set(shipped_experimental) <= set(default.experimental)
    assert "test.good" in load_signatures(extra_dirs=[tmp_path], include_experimental=True).ids


def test_a_rule_without_status_is_under_test_and_on(tmp_path):
    _pack(tmp_path, GOOD.replace('status = "test"\n', ""))
    loaded = load_signatures(extra_dirs=[tmp_path])
    assert loaded["test.good"].status == "test"


@pytest.mark.parametrize(
    "change, reason",
    [
        ('weight = 0.5\nlevel = "critical"', "level 'critical' needs weights within 0.65..1.0"),
        ('weight = 0.5\nlevel = "low"', "level 'low' needs weights within 0.0..0.3"),
        ('weight = 0.5\nlevel = "informational"', "level 'informational' is for counter-evidence"),
        ('weight = 0.5\ncounter = true\nlevel = "medium"', "level 'informational' is for counter-evidence"),
    ],
)
def test_level_and_weight_agree(tmp_path, change, reason):
    path = _pack(tmp_path, GOOD.replace("weight = 0.5", change))
    error = _one_error(tmp_path, path)
    assert reason in error.reason and error.line == _line_of(path, "level =")


def test_knowledge_holds_the_input_facts(knowledge):
    assert knowledge.os_family(["waagent.log", "unrecognised"]) == "linux"
    assert knowledge.os_family(["windows.event"]) == "windows"
    assert knowledge.os_family(["waagent.log", "windows.agent"]) is None
    assert knowledge.os_family(["azure.job"]) is None
    assert knowledge.backup_extension == ("VMSnapshot", "IaaSBcdr", "RecoveryServices")
    files = {
        "azure/vm.json": "azure.vm",
        "var/log/waagent.log": "waagent.log",
        "WindowsAzure/Logs/WaAppAgent.log": "windows.agent",
        "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/3.status": "windows.agent",
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status": "waagent.state",
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log": "extension.log",
    }
    per_step = knowledge.inputs_per_step(files)
    assert per_step[1] == ["azure/vm.json"]
    assert per_step[2] == ["var/log/waagent.log", "WindowsAzure/Logs/WaAppAgent.log"]
    assert per_step[3] == [
        "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/3.status",
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status",
    ]
    assert per_step[4] == list(files)[3:]


def test_knowledge_refuses_bad_input_facts(tmp_path):
    text = (Path(load_knowledge().file)).read_text(encoding="utf-8")
    broken = tmp_path / "knowledge.toml"
    broken.write_text(text.replace('inputs = [{ source = "azure.vm" }]', 'inputs = [{ source = "azure.nope" }]'), encoding="utf-8")
    with pytest.raises(SignatureError) as raised:
        load_knowledge(broken)
    (error,) = raised.value.errors
    assert "unknown source 'azure.nope'" in error.reason and error.line == _line_of(broken, "azure.nope")
