"""Configuration files: the Linux agent's ``/etc/waagent.conf`` and VMSnapshotLinux's ``/etc/azure`` files.

``etc/waagent.conf`` (source ``waagent.conf``) is ``key=value`` lines with ``#`` comments, including
comments at the end of a value, which the agent strips::

    # Enable extension handling. Do not disable this unless ...
    Extensions.Enabled=y
    Provisioning.Agent=auto
    OS.EnableFIPS=y#Another EOL comment that should be ignored
    #HttpProxy.Host=None

The agent reads every non-comment line containing ``=``: key = text before the first ``=``
(stripped), value = text after it up to the first ``#``, stripped of blanks and double quotes;
the literal ``None`` means unset; a key given twice keeps its **last** value. ``Extensions.Enable``
(a spelling found in some documentation) is not an agent option and is ignored; the option is
``Extensions.Enabled``.

VMSnapshotLinux's own configuration (source ``extension.conf``): ``etc/azure/vmbackup.conf``,
``etc/azure/VMSnapshotPluginHost.conf`` and ``etc/azure/workload.conf`` are INI files
(``[section]`` then ``key: value`` or ``key = value``), ``etc/azure/VMSnapshotScriptPluginConfig.json``
is a JSON object::

    [SnapshotThread]
    fsfreeze: True
    MountsToSkip = /mnt/resource

Events. The first event of a file (``fields["kind"]`` = ``waagent_conf`` or ``extension_conf``) is a
summary at line 1 that also accounts for comment, blank and section lines; then one event per key
(``kind`` = ``waagent_conf_key`` / ``extension_conf_key``) at the key's line. ``fields``:

=================  ==================================================================================
``kind``           see above
``key``            option name as written (``Extensions.Enabled``)
``value``          value as the reader sees it (EOL comment and quotes removed; secrets masked)
``line``           line number of the key
``known``          ``1`` when the key is a documented agent option (waagent.conf only)
``ignored_key``    ``1`` for ``Extensions.Enable`` (ignored by the agent)
``duplicate``      ``1`` when the key occurs more than once in the file
``effective``      ``0`` for an occurrence that a later one overrides, else ``1``
``section``        INI section (extension.conf only)
``file_kind``      ``vmbackup.conf`` | ``VMSnapshotPluginHost.conf`` | ``workload.conf`` |
                   ``VMSnapshotScriptPluginConfig.json`` (extension.conf only)
summary fields     ``key_count``, ``commented_keys`` (comma list of ``#Key=`` lines),
                   ``duplicate_keys`` (comma list), ``extensions_enabled`` (effective value of
                   ``Extensions.Enabled`` when set), ``ignored_keys``
=================  ==================================================================================
"""

from __future__ import annotations

import json
import re

from ...events import Problem
from ...redaction import MASK, redact
from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import begin_text, load_json

__all__ = ["KNOWN_AGENT_KEYS", "PARSERS"]

#: agent options documented in waagent.conf / the agent's configuration code (compared case-sensitively, as the agent does)
KNOWN_AGENT_KEYS = frozenset(
    ["Extensions.Enabled", "Extensions.GoalStatePeriod", "Extensions.InitialGoalStatePeriod", "Extensions.WaitForCloudInit", "Extensions.WaitForCloudInitTimeout", "Provisioning.Agent", "Provisioning.Enabled", "Provisioning.UseCloudInit", "Provisioning.DeleteRootPassword", "Provisioning.RegenerateSshHostKeyPair", "Provisioning.SshHostKeyPairType", "Provisioning.MonitorHostName", "Provisioning.MonitorHostNamePeriod", "Provisioning.DecodeCustomData", "Provisioning.ExecuteCustomData", "Provisioning.PasswordCryptId", "Provisioning.PasswordCryptSaltLength", "Provisioning.AllowResetSysUser", "ResourceDisk.Format", "ResourceDisk.Filesystem", "ResourceDisk.MountPoint", "ResourceDisk.EnableSwap", "ResourceDisk.EnableSwapEncryption", "ResourceDisk.SwapSizeMB", "ResourceDisk.MountOptions", "Logs.Verbose", "Logs.Console", "Logs.Collect", "Logs.CollectPeriod", "OS.EnableFIPS", "OS.RootDeviceScsiTimeout", "OS.RootDeviceScsiTimeoutPeriod", "OS.OpensslPath", "OS.SshClientAliveInterval", "OS.SshDir", "OS.EnableRDMA", "OS.CheckRdmaDriver", "OS.UpdateRdmaDriver", "OS.AllowHTTP", "OS.EnableFirewall", "OS.EnableFirewallPeriod", "OS.RemovePersistentNetRulesPeriod", "OS.MonitorDhcpClientRestartPeriod", "OS.HomeDir", "OS.PasswordPath", "OS.SudoersDir", "HttpProxy.Host", "HttpProxy.Port", "DetectScvmmEnv", "Lib.Dir", "DVD.MountPoint", "Pid.File", "Extension.LogDir", "Home.Dir", "AutoUpdate.Enabled", "AutoUpdate.UpdateToLatestVersion", "AutoUpdate.GAFamily", "EnableOverProvisioning", "Protocol.EndpointDiscovery", "Debug.EnableExtensionPolicy", "Debug.EnableSignatureValidation", "CGroups.EnforceLimits", "CGroups.Excluded", "Debug.CgroupLogMetrics", "Debug.CgroupDisableOnProcessCheckFailure", "Debug.CgroupDisableOnQuotaCheckFailure", "Debug.EnableFastTrack", "Debug.EnableGAVersioning", "Debug.AutoUpdateHotfixFrequency", "Debug.AutoUpdateNormalFrequency", "Debug.EtpCollectionPeriod", "Debug.FirewallRulesLogPeriod", "Debug.LogCollectorInitialDelay"]
)

IGNORED_AGENT_KEYS = {"Extensions.Enable": "Extensions.Enabled"}
_COMMENTED_KEYS_OF_INTEREST = KNOWN_AGENT_KEYS | frozenset(IGNORED_AGENT_KEYS)

_WAAGENT_CONF_NAME = re.compile(r"(?:^|/)waagent\.conf$", re.IGNORECASE)
_KEY_LINE = re.compile(rb"^[ \t]*([A-Za-z][\w.]*)[ \t]*=", re.MULTILINE)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+):([^\s@/]+)@")
_SECRET_KEY = re.compile(r"(?i)cred|passw|pwd|secret|token|accountkey")

_EXT_CONF_NAMES = {
    "vmbackup.conf": "vmbackup.conf",
    "vmsnapshotpluginhost.conf": "VMSnapshotPluginHost.conf",
    "workload.conf": "workload.conf",
    "vmsnapshotscriptpluginconfig.json": "VMSnapshotScriptPluginConfig.json",
}
_BINARY = "binary data where a text configuration file was expected"
_EXT_CONF_SECTIONS = (b"[snapshotthread]", b"[pre_post]", b"[workload]", b"[monitor]")


def _mask_value(key: str, value: str) -> str:
    """A config value made safe to show: proxy passwords, key-like names and SAS signatures masked."""
    if value and key not in KNOWN_AGENT_KEYS and _SECRET_KEY.search(key):
        return MASK
    return redact(_URL_USERINFO.sub(lambda m: f"{m.group(1)}:{MASK}@", value))


# --------------------------------------------------------------------------------------------------
# /etc/waagent.conf


def claim_waagent_conf(path: str, head: bytes) -> int:
    """``waagent.conf`` by name; by content: at least two ``key=value`` lines naming agent options."""
    by_name = bool(_WAAGENT_CONF_NAME.search(path))
    known = sum(1 for m in _KEY_LINE.finditer(head[:16384]) if m.group(1).decode("ascii", "replace") in KNOWN_AGENT_KEYS)
    by_content = known >= 2
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    return BY_CONTENT if by_content else 0


def _agent_value(raw: str) -> str:
    """The value as the agent reads it: up to the first ``#``, blanks and double quotes stripped."""
    return raw.split("#", 1)[0].strip('" ').strip()


def _read_waagent_conf(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """One event per option line of ``/etc/waagent.conf`` plus a summary event for the file."""
    lines = begin_text(data, context, result, binary_message=_BINARY)
    if lines is None:
        return
    entries: list[tuple[int, str, str]] = []
    commented: list[str] = []
    other = 0  # comment / blank lines, accounted by the summary event
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            other += 1
            continue
        if stripped.startswith("#"):
            other += 1
            inner = stripped.lstrip("#").strip()
            match = re.match(r"([A-Za-z][\w.]*)\s*=", inner)
            if match and match.group(1) in _COMMENTED_KEYS_OF_INTEREST:
                commented.append(match.group(1))
            continue
        if "=" not in stripped:
            result.unparsable(number)
            continue
        key, raw = stripped.split("=", 1)
        entries.append((number, key.strip(), _agent_value(raw)))

    last_line: dict[str, int] = {}
    counts: dict[str, int] = {}
    for number, key, _ in entries:
        last_line[key] = number
        counts[key] = counts.get(key, 0) + 1
    duplicates = sorted(k for k, c in counts.items() if c > 1)
    ignored = sorted({k for _, k, _ in entries if k in IGNORED_AGENT_KEYS})
    effective = {key: value for _, key, value in entries}

    summary = {
        "kind": "waagent_conf",
        "key_count": str(len(entries)),
        "commented_keys": ",".join(commented) or None,
        "duplicate_keys": ",".join(duplicates) or None,
        "ignored_keys": ",".join(ignored) or None,
        "extensions_enabled": effective.get("Extensions.Enabled"),
    }
    message = f"waagent.conf: {len(entries)} option(s) set"
    if "Extensions.Enabled" in effective:
        message += f"; Extensions.Enabled={effective['Extensions.Enabled']}"
    if ignored:
        message += f"; ignored by the agent: {', '.join(ignored)}"
    if duplicates:
        message += f"; set more than once (last wins): {', '.join(duplicates)}"
    result.events.add(
        line=1,
        message=redact(message),
        level="info",
        component="waagent.conf",
        fields={k: redact(v) for k, v in summary.items() if v is not None},
        span=other,
    )

    for number, key, value in entries:
        shown = _mask_value(key, value)
        fields = {
            "kind": "waagent_conf_key",
            "key": key,
            "value": shown,
            "line": str(number),
            "known": "1" if key in KNOWN_AGENT_KEYS else "0",
            "effective": "1" if last_line[key] == number else "0",
        }
        level = "info"
        message = f"{key}={shown}" if key else f"line with an empty option name (value {shown!r})"
        if counts[key] > 1:
            fields["duplicate"] = "1"
            if last_line[key] != number:
                message += f" (overridden by line {last_line[key]}; the agent uses the last value)"
            else:
                message += " (set more than once; the agent uses this last value)"
            level = "warning"
        if key in IGNORED_AGENT_KEYS:
            fields["ignored_key"] = "1"
            message += f" is ignored by the agent: the option is {IGNORED_AGENT_KEYS[key]}"
            level = "warning"
        result.events.add(
            line=number,
            message=redact(message),
            level=level,
            component="waagent.conf",
            fields={k: redact(v) for k, v in fields.items()},
        )
    return


# --------------------------------------------------------------------------------------------------
# /etc/azure/* of VMSnapshotLinux


def _ext_conf_kind(path: str) -> str | None:
    base = path.rsplit("/", 1)[-1].lower()
    return _EXT_CONF_NAMES.get(base)


def claim_extension_conf(path: str, head: bytes) -> int:
    """VMSnapshotLinux's ``/etc/azure`` configuration files, by name or by their section names / JSON keys."""
    by_name = _ext_conf_kind(path) is not None
    lowered = head[:4096].lower()
    by_content = any(section in lowered for section in _EXT_CONF_SECTIONS) or (
        b'"pluginname"' in lowered and b'"prescriptlocation"' in lowered
    )
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    return BY_CONTENT if by_content else 0


def _ext_summary(result: ParseResult, file_kind: str, keys: int, span: int) -> None:
    result.events.add(
        line=1,
        message=f"{file_kind}: {keys} setting(s)",
        level="info",
        component="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
        fields={"kind": "extension_conf", "file_kind": file_kind, "key_count": str(keys)},
        span=span,
    )


def _read_extension_conf(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """VMSnapshotLinux configuration: one event per setting, INI or JSON."""
    lines = begin_text(data, context, result, binary_message=_BINARY)
    if lines is None:
        return
    file_kind = _ext_conf_kind(context.path)
    text = "\n".join(lines)
    if file_kind == "VMSnapshotScriptPluginConfig.json" or (file_kind is None and text.lstrip().startswith("{")):
        return _parse_plugin_json(result, lines, context, file_kind or "VMSnapshotScriptPluginConfig.json")
    file_kind = file_kind or "vmbackup.conf"

    entries: list[list] = []  # [line, section, key, value, span]
    section = ""
    other = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            other += 1
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            other += 1
            continue
        if line[:1] in " \t" and entries:
            entries[-1][3] = (entries[-1][3] + "\n" + stripped).strip()
            entries[-1][4] += 1
            continue
        match = re.match(r"([^:=]+?)\s*[:=]\s*(.*)$", stripped)
        if not match:
            result.unparsable(number)
            continue
        entries.append([number, section, match.group(1).strip(), match.group(2).strip(), 1])

    _ext_summary(result, file_kind, len(entries), other)
    last = {}
    for number, sect, key, _, _ in entries:
        last[(sect, key.lower())] = number
    for number, sect, key, value, span in entries:
        shown = _mask_value(key, value)
        result.events.add(
            line=number,
            message=redact(f"[{sect}] {key} = {shown}" if sect else f"{key} = {shown}"),
            level="info",
            component="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
            fields={
                "kind": "extension_conf_key",
                "file_kind": file_kind,
                "section": redact(sect),
                "key": redact(key),
                "value": shown,
                "line": str(number),
                "effective": "1" if last[(sect, key.lower())] == number else "0",
            },
            span=span,
        )
    return


def _parse_plugin_json(result: ParseResult, lines: list[str], context: ParseContext, file_kind: str) -> None:
    try:
        document = load_json("\n".join(lines))
    except (ValueError, RecursionError) as error:
        kind = "truncated" if context.truncated else "malformed"
        result.problems.append(Problem(context.file, kind, f"not valid JSON: {error}"))
        for number in range(1, len(lines) + 1):
            result.unparsable(number)
        return
    if not isinstance(document, dict):
        result.problems.append(Problem(context.file, "malformed", "expected a JSON object of plugin settings"))
        document = {}
    _ext_summary(result, file_kind, len(document), len(lines))
    for key, value in document.items():
        rendered = value if isinstance(value, str) else json.dumps(value)
        shown = _mask_value(str(key), rendered)
        line = next((n for n, text in enumerate(lines, 1) if f'"{key}"' in text), 1)
        result.events.add(
            line=line,
            message=redact(f"{key} = {shown}"),
            level="info",
            component="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
            fields={"kind": "extension_conf_key", "file_kind": file_kind, "key": redact(str(key)), "value": shown,
                    "line": str(line), "effective": "1"},
            span=0,
        )
    return


_CONF_KEY_FIELDS = {
    "kind": "waagent_conf / extension_conf (the file's summary) or waagent_conf_key / extension_conf_key",
    "key": "option name as written",
    "value": "value as the reader sees it (EOL comment and quotes removed; secrets masked)",
    "line": "line number of the key",
    "duplicate": "1 when the key occurs more than once in the file",
    "effective": "0 for an occurrence a later one overrides, else 1",
    "key_count": "summary: number of keys",
    "duplicate_keys": "summary: comma list of keys given more than once",
}
WAAGENT_CONF_FIELDS = {
    **_CONF_KEY_FIELDS,
    "known": "1 when the key is a documented agent option",
    "ignored_key": "1 for Extensions.Enable (the agent ignores it)",
    "commented_keys": "summary: comma list of #Key= lines",
    "extensions_enabled": "summary: effective Extensions.Enabled value when set",
    "ignored_keys": "summary: comma list of ignored keys",
}
EXTENSION_CONF_FIELDS = {
    **_CONF_KEY_FIELDS,
    "section": "INI section",
    "file_kind": "vmbackup.conf, VMSnapshotPluginHost.conf, workload.conf or VMSnapshotScriptPluginConfig.json",
}

WAAGENT_CONF = Parser("waagent.conf", "waagent.conf", claim_waagent_conf, read=_read_waagent_conf, fields=WAAGENT_CONF_FIELDS)
EXTENSION_CONF = Parser("VMSnapshotLinux config", "extension.conf", claim_extension_conf, read=_read_extension_conf, fields=EXTENSION_CONF_FIELDS)
parse_waagent_conf = WAAGENT_CONF.parse
parse_extension_conf = EXTENSION_CONF.parse

PARSERS = (WAAGENT_CONF, EXTENSION_CONF)
