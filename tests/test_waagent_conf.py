"""Tests of the waagent.conf and VMSnapshotLinux /etc/azure configuration parsers."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext
from loganalyzer.sources.linux.conf import (
    claim_extension_conf,
    claim_waagent_conf,
    parse_extension_conf,
    parse_waagent_conf,
    PARSERS,
)
from loganalyzer.sources._kit import decode, split_lines

CONF = b"""#
# Microsoft Azure Linux Agent Configuration
#

# Enable extension handling.
Extensions.Enable=y
Extensions.Enabled=n
Provisioning.Agent=auto # EOL comment
#HttpProxy.Host=None
HttpProxy.Host=http://backup:S3cretProxyPw@proxy.corp.local
HttpProxy.Port=3128
Logs.Verbose=n
Logs.Verbose=y
OS.EnableFirewall="y"
this line has no equals sign
"""


def _parse(data: bytes, path: str = "etc/waagent.conf"):
    return parse_waagent_conf(data, ParseContext(file=path, path=path))


def _keys(result):
    rows = []
    for fields in result.events.fields:
        fields = dict(fields)
        if fields.get("kind") == "waagent_conf_key":
            rows.append(fields)
    return rows


def _all_text(result) -> str:
    parts = list(result.events.message)
    for fields in result.events.fields:
        parts.extend(f"{k}={v}" for k, v in dict(fields).items())
    return "\n".join(parts)


def test_keys_values_and_line_numbers():
    result = _parse(CONF)
    keys = {(row["key"], row["line"]): row for row in _keys(result)}
    assert keys[("Extensions.Enabled", "7")]["value"] == "n"
    assert keys[("Provisioning.Agent", "8")]["value"] == "auto"
    assert keys[("OS.EnableFirewall", "14")]["value"] == "y"
    assert keys[("HttpProxy.Port", "11")]["value"] == "3128"
    assert result.unparsed == 1 and result.unparsed_lines == [15]
    assert result.lines == len(split_lines(decode(CONF).text)) == result.events.spans + result.unparsed


def test_extensions_enable_is_told_apart_and_ignored():
    result = _parse(CONF)
    rows = {row["key"]: row for row in _keys(result)}
    ignored = rows["Extensions.Enable"]
    assert ignored["ignored_key"] == "1" and ignored["known"] == "0"
    message = result.events.message[[dict(f).get("key") for f in result.events.fields].index("Extensions.Enable")]
    assert "ignored by the agent" in message and "Extensions.Enabled" in message
    assert "ignored_key" not in rows["Extensions.Enabled"]
    summary = dict(result.events.fields[0])
    assert summary["kind"] == "waagent_conf"
    assert summary["extensions_enabled"] == "n"
    assert summary["ignored_keys"] == "Extensions.Enable"


def test_duplicates_last_wins():
    result = _parse(CONF)
    verbose = [row for row in _keys(result) if row["key"] == "Logs.Verbose"]
    assert [(r["value"], r["effective"], r["duplicate"]) for r in verbose] == [("n", "0", "1"), ("y", "1", "1")]
    assert dict(result.events.fields[0])["duplicate_keys"] == "Logs.Verbose"


def test_commented_keys_are_not_keys_but_are_accounted():
    result = _parse(CONF)
    assert all(row["key"] != "#HttpProxy.Host" for row in _keys(result))
    assert "HttpProxy.Host" in dict(result.events.fields[0])["commented_keys"]
    # the summary event accounts for the comment and blank lines
    assert result.events.spans == result.lines - result.unparsed


def test_proxy_password_is_masked():
    result = _parse(CONF)
    text = _all_text(result)
    assert "S3cretProxyPw" not in text
    assert "proxy.corp.local" in text


def test_claims():
    assert claim_waagent_conf("etc/waagent.conf", CONF) == BY_NAME_AND_CONTENT
    assert claim_waagent_conf("etc/waagent.conf", b"") == BY_NAME
    assert claim_waagent_conf("home/me/agent-settings.txt", CONF) == BY_CONTENT
    assert claim_waagent_conf("etc/ssh/sshd_config", b"PasswordAuthentication no\n") == 0
    assert claim_extension_conf("etc/azure/vmbackup.conf", b"[SnapshotThread]\nfsfreeze: True\n") == BY_NAME_AND_CONTENT
    assert claim_extension_conf("tmp/x.conf", b"[SnapshotThread]\ntimeout = 90\n") == BY_CONTENT
    assert [p.source for p in PARSERS] == ["waagent.conf", "extension.conf"]


VMBACKUP = b"""[SnapshotThread]
timeout = 90
MountsToSkip = /mnt/resource,/data2
  , /data3
; a comment
fsfreeze: True
"""


def test_vmbackup_conf_ini():
    path = "etc/azure/vmbackup.conf"
    result = parse_extension_conf(VMBACKUP, ParseContext(file=path, path=path))
    assert result.source == "extension.conf"
    rows = [dict(f) for f in result.events.fields][1:]
    assert [(r["section"], r["key"], r["value"]) for r in rows] == [
        ("SnapshotThread", "timeout", "90"),
        ("SnapshotThread", "MountsToSkip", "/mnt/resource,/data2\n, /data3"),
        ("SnapshotThread", "fsfreeze", "True"),
    ]
    assert result.unparsed == 0 and result.events.spans == result.lines == 6


def test_workload_conf_credentials_masked():
    data = b"[workload]\nworkload_name = oracle\ncredString = sys/OraclePw99@orcl\n"
    path = "etc/azure/workload.conf"
    result = parse_extension_conf(data, ParseContext(file=path, path=path))
    assert "OraclePw99" not in _all_text(result)
    assert {dict(f)["key"]: dict(f)["value"] for f in result.events.fields[1:]}["workload_name"] == "oracle"


def test_plugin_json_and_broken_json():
    path = "etc/azure/VMSnapshotScriptPluginConfig.json"
    good = b'{\n  "pluginName" : "ScriptRunner",\n  "timeoutInSeconds" : 30,\n  "continueBackupOnFailure" : true\n}\n'
    result = parse_extension_conf(good, ParseContext(file=path, path=path))
    rows = {dict(f).get("key"): dict(f) for f in result.events.fields}
    assert rows["timeoutInSeconds"]["value"] == "30" and rows["timeoutInSeconds"]["line"] == "3"
    assert result.unparsed == 0 and result.events.spans == result.lines
    broken = parse_extension_conf(b'{"pluginName": ', ParseContext(file=path, path=path))
    assert [p.kind for p in broken.problems] == ["malformed"] and broken.unparsed == broken.lines == 1


KEY = st.sampled_from(["Extensions.Enabled", "Provisioning.Agent", "Logs.Verbose", "OS.EnableFirewall", "AutoUpdate.GAFamily"])
VALUE = st.text(alphabet=string.ascii_letters + string.digits + "./-_", min_size=1, max_size=20)


@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_lines_account(data):
    for parser in PARSERS:
        for path in ("etc/waagent.conf", "etc/azure/vmbackup.conf", "etc/azure/VMSnapshotScriptPluginConfig.json"):
            result = parser.parse(data, ParseContext(file=path, path=path))
            assert result.lines == result.events.spans + result.unparsed
            assert not [p for p in result.problems if p.kind == "parser-error"]


@given(st.lists(st.tuples(KEY, VALUE, st.booleans()), max_size=15))
def test_generated_conf_round_trips(entries):
    lines = []
    for key, value, commented in entries:
        lines.append(f"# {key}={value}" if commented else f"{key}={value}")
        lines.append("")
    result = _parse("\n".join(lines).encode())
    got = [(row["key"], row["value"]) for row in _keys(result)]
    assert got == [(k, v) for k, v, c in entries if not c]
    assert result.unparsed == 0 and result.events.spans == result.lines
    last = {}
    for k, v, c in entries:
        if not c:
            last[k] = v
    assert {row["key"]: row["value"] for row in _keys(result) if row["effective"] == "1"} == last


@given(st.text(alphabet=string.ascii_letters + string.digits, min_size=8, max_size=24))
def test_planted_secret_never_appears(secret):
    secret = "Zq" + secret
    data = (
        f"HttpProxy.Host=http://user:{secret}@proxy:8080\n"
        f"Extensions.Enabled=https://x.blob.core.windows.net/c/b?sv=2018&sig={secret}\n"
    ).encode()
    assert secret not in _all_text(_parse(data))
    path = "etc/azure/workload.conf"
    result = parse_extension_conf(f"[workload]\ncredString = {secret}\n".encode(), ParseContext(file=path, path=path))
    assert secret not in _all_text(result)
