"""``/etc/azure/VMSnapshotScriptPluginConfig.json`` (``loganalyzer.sources.linux.prepost_config``):
the settings ScriptRunner acts on, one event per key, no script parameters in any output.

The file's shape is VMSnapshotLinux's own template (VMBackup/main/tempPlugin in
Azure/azure-linux-extensions) with values of a configured PostgreSQL plug-in.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from loganalyzer import diagnose
from loganalyzer.sources import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, all_parsers
from loganalyzer.sources.linux import prepost_config
from loganalyzer.testing import assert_matches, assert_no_match

from conftest import SAMPLES

PATH = "etc/azure/VMSnapshotScriptPluginConfig.json"
PARSER = prepost_config.PARSERS[0]
CONFIG = """{
    "pluginName" : "ScriptRunner",
    "preScriptLocation" : "/opt/pgbackup/pg_prefreeze.sh",
    "postScriptLocation" : "",
    "preScriptParams" : ["--password", "FAKEPWunitDoNotUse"],
    "postScriptParams" : ["", ""],
    "preScriptNoOfRetries" : 2,
    "postScriptNoOfRetries" : 0,
    "timeoutInSeconds" : 60,
    "continueBackupOnFailure" : false,
    "fsFreezeEnabled" : true
}
"""


def parse(text: str, path: str = PATH):
    return PARSER.parse(text.encode(), ParseContext(file=f"bundle/{path}", path=path))


def summary(result) -> dict:
    index = [i for i, fields in enumerate(result.events.fields) if dict(fields).get("kind") == "prepost_config"]
    assert len(index) == 1
    return dict(result.events.fields[index[0]])


def test_the_summary_carries_what_scriptrunner_acts_on():
    result = parse(CONFIG)
    fields = summary(result)
    assert fields["continueBackupOnFailure"] == "false"
    assert fields["timeoutInSeconds"] == "60"
    assert fields["preScriptLocation"] == "/opt/pgbackup/pg_prefreeze.sh"
    assert fields["preScriptNoOfRetries"] == "2"
    assert fields["scripts_configured"] == "pre"
    assert fields["params_given"] == "2"
    assert result.events.level[0] == "warning"  # a failing script fails the backup


def test_one_event_per_key_on_its_own_line_and_every_line_accounted():
    result = parse(CONFIG)
    keys = {dict(f)["key"]: line for f, line in zip(result.events.fields, result.events.line) if dict(f)["kind"] == "extension_conf_key"}
    assert keys["timeoutInSeconds"] == 9 and keys["pluginName"] == 2 and len(keys) == 10
    assert result.lines == result.events.spans + result.unparsed == 12
    assert not result.problems


def test_script_parameters_are_never_copied():
    result = parse(CONFIG)
    text = json.dumps([list(result.events.message), [dict(f) for f in result.events.fields]])
    assert "FAKEPWunitDoNotUse" not in text and "--password" not in text


def test_a_one_line_file_is_accounted_once():
    result = parse(json.dumps(json.loads(CONFIG)))
    assert result.lines == 1 and result.events.spans + result.unparsed == 1


def test_broken_json_is_a_named_problem_with_every_line_unparsed():
    result = parse(CONFIG[:120])
    assert [p.kind for p in result.problems] == ["malformed"]
    assert result.unparsed == result.lines and len(result.events) == 0


def test_a_json_array_is_refused_as_malformed():
    result = parse("[1, 2]\n")
    assert [p.kind for p in result.problems] == ["malformed"] and result.unparsed == 1


def test_claim_by_name_and_content_and_registry_order():
    assert PARSER.claim(PATH, b"{\n") == BY_NAME_AND_CONTENT
    assert PARSER.claim(PATH, b"") == BY_NAME
    assert PARSER.claim("etc/azure/vmbackup.conf", b"{") == 0
    winner = max(all_parsers(), key=lambda p: p.claim(PATH, CONFIG.encode()[:512]))
    assert winner is PARSER


@given(st.dictionaries(st.sampled_from(["pluginName", "timeoutInSeconds", "continueBackupOnFailure", "preScriptLocation", "x"]),
                       st.one_of(st.booleans(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3)), max_size=5))
def test_any_object_is_read_with_lines_accounted(document):
    text = json.dumps(document, indent=4)
    result = parse(text)
    assert result.lines == result.events.spans + result.unparsed
    assert not result.problems


def test_stop_on_failure_rule_reads_the_summary():
    evidence = assert_matches("linux.conf.prepost-stop-on-failure", CONFIG, source="extension.conf", path=PATH)
    assert evidence["line"].tolist() == [1]
    assert_no_match("linux.conf.prepost-stop-on-failure", CONFIG.replace("false", "true"), source="extension.conf", path=PATH)


def test_the_consistency_fallback_sample_reads_its_config_without_leaking_the_password():
    result = diagnose(SAMPLES / "linux-consistency-fallback")
    read = result.events[result.events["file"].astype(str).str.endswith("VMSnapshotScriptPluginConfig.json")]
    kinds = [dict(f)["kind"] for f in read["fields"]]
    assert kinds.count("prepost_config") == 1 and kinds.count("extension_conf_key") == 10
    assert "FAKEPWprepostDoNotUse" not in result.to_json() + result.to_text()
