"""Windows registry and application control: ``reg query`` output, ``.reg`` exports and
``Get-AppLockerPolicy -Xml``: source ``windows.command``.

Samples::

    > reg query HKLM\\SYSTEM\\CurrentControlSet\\Services\\WindowsAzureGuestAgent
    HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\WindowsAzureGuestAgent
        Start    REG_DWORD    0x4

    Windows Registry Editor Version 5.00
    [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\BcdrAgentPersistentKeys]
    "SnapshotWithoutThreads"="True"

    > Get-AppLockerPolicy -Effective -Xml
    <AppLockerPolicy Version="1"><RuleCollection Type="Exe" EnforcementMode="Enabled">
      <FilePathRule Id="..." Name="Block Packages" Action="Deny" UserOrGroupSid="S-1-1-0">
        <Conditions><FilePathCondition Path="%OSDRIVE%\\Packages\\*" /></Conditions></FilePathRule>
    </RuleCollection></AppLockerPolicy>

Events and their fields (every event has ``command``; ``component`` is ``reg`` or ``AppLocker``):

* ``kind=registry_value``: ``key`` (``HKLM\\...``), ``value_name``, ``value_type``
  (``REG_DWORD``, ...), ``value_data`` (DWORDs as decimal), and for a service key's ``Start``
  value ``service`` and ``start_type`` (``boot``/``system``/``auto``/``demand``/``disabled``).
* ``kind=applocker_collection``: ``collection`` (Exe, Dll, Script, Msi, Appx),
  ``enforcement`` (``Enabled``/``AuditOnly``/``NotConfigured``), ``rules``.
* ``kind=applocker_rule``: ``collection``, ``action`` (``Allow``/``Deny``), ``rule_name``,
  ``condition`` (the path, publisher or hash), ``affects_backup_extension`` (``true`` for a deny
  rule naming the extension's folder or IaaSBcdrExtension.exe).
* summary: ``values`` / ``collections``, ``enforced_collections``, ``backup_extension_denied``.
"""

from __future__ import annotations

import re

from .. import BY_NAME, ParseContext, Parser, ParseResult
from .._kit import XmlRefused, attribute, descendants, local_name, parse_xml
from ..linux.commands_output import (
    CommandOutput,
    claim_command,
    command_name,
    command_reader,
)

__all__ = ["PARSERS"]

SOURCE = "windows.command"

_NAMES = re.compile(r"^(reg( \.exe)? query\b|reg query|get-applockerpolicy\b|applocker( |-)?policy\b)")
_KEY = re.compile(r"^\[?(?P<key>(?:HKEY_[A-Z_]+|HKLM|HKCU|HKU|HKCR)(?:\\[^\]]*)?)\]?$")
_QUERY_VALUE = re.compile(r"^\s{2,}(?P<name>.*?)\s{2,}(?P<type>REG_[A-Z_]+)(?:\s{2,}(?P<data>.*))?$")
_REG_VALUE = re.compile(r'^(?P<name>"(?:[^"\\]|\\.)*"|@)=(?P<data>.*)$')
_START_TYPES = {"0": "boot", "1": "system", "2": "auto", "3": "demand", "4": "disabled"}
_BACKUP = re.compile(r"Packages(\\|/)?Plugins|Packages\\\*|Packages\\$|\\Packages\\?\*?$|IaaSBcdrExtension|RecoveryServices|%OSDRIVE%\\Packages|C:\\Packages", re.IGNORECASE)
_HIVES = {"HKEY_LOCAL_MACHINE": "HKLM", "HKEY_CURRENT_USER": "HKCU", "HKEY_USERS": "HKU", "HKEY_CLASSES_ROOT": "HKCR"}


def _content(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith(("Windows Registry Editor Version", "REGEDIT4", "<AppLockerPolicy")) or bool(
        re.match(r"HKEY_[A-Z_]+\\\S.*\n\s{2,}\S.*\s{2,}REG_[A-Z_]+", head))


def claim(path: str, head: bytes) -> int:
    if path.lower().endswith(".reg"):
        return BY_NAME
    return claim_command(path, head, _NAMES, _content)


def _short_key(key: str) -> str:
    hive, _, rest = key.partition("\\")
    return _HIVES.get(hive.upper(), hive) + ("\\" + rest if rest else "")


def _value_event(out: CommandOutput, line: int, span: int, key: str | None, name: str, kind: str, data: str) -> None:
    if kind.upper() == "REG_DWORD" and data.lower().startswith("0x"):
        try:
            data = str(int(data, 16))
        except ValueError:
            pass
    fields: dict[str, str | None] = {"key": key, "value_name": name, "value_type": kind, "value_data": data}
    service = re.search(r"\\Services\\([^\\]+)$", key or "", re.IGNORECASE)
    if service and name.lower() == "start":
        fields.update(service=service.group(1), start_type=_START_TYPES.get(data, data))
    out.event(line, f"{key}\\{name} = {data}", span=span, kind="registry_value", **fields)


def _reg_type(data: str) -> tuple[str, str]:
    if data.startswith('"'):
        return "REG_SZ", data.strip('"')
    if data.lower().startswith("dword:"):
        return "REG_DWORD", str(int(data[6:], 16)) if re.fullmatch(r"[0-9a-fA-F]{1,8}", data[6:]) else data[6:]
    if data.lower().startswith("hex(b):"):
        return "REG_QWORD", data[7:]
    if data.lower().startswith("hex(7):"):
        return "REG_MULTI_SZ", data[7:]
    if data.lower().startswith("hex(2):"):
        return "REG_EXPAND_SZ", data[7:]
    if data.lower().startswith("hex:"):
        return "REG_BINARY", data[4:]
    return "unknown", data


def _registry(lines: list[str], out: CommandOutput) -> dict[str, str]:
    key: str | None = None
    count = 0
    number = 0
    while number < len(lines):
        text = lines[number]
        number += 1
        stripped = text.strip()
        if not stripped or stripped.startswith(("Windows Registry Editor", "REGEDIT4", ";", "End of search")):
            continue
        if (found := _KEY.match(stripped)) and not text.startswith(" "):
            key = _short_key(found.group("key"))
            continue
        if (found := _QUERY_VALUE.match(text)):
            count += 1
            name = found.group("name").strip()
            _value_event(out, number, 1, key, "(Default)" if name == "(Default)" else name, found.group("type"), (found.group("data") or "").strip())
            continue
        if (found := _REG_VALUE.match(stripped)):
            start, data = number, found.group("data")
            while data.endswith("\\") and number < len(lines):
                data = data[:-1] + lines[number].strip()
                number += 1
            kind, value = _reg_type(data)
            name = found.group("name")
            count += 1
            _value_event(out, start, number - start + 1, key, "(Default)" if name == "@" else name[1:-1], kind, value)
            continue
        if stripped.startswith("ERROR:"):
            out.event(number, stripped, level="warning", kind="reg_error", key=key)
            continue
        out.skip(number)
    return {"values": str(count)}


def _applocker(text: str, lines: list[str], out: CommandOutput) -> dict[str, str]:
    try:
        root = parse_xml(text)
    except (XmlRefused, ValueError, SyntaxError) as error:
        out.skip_all(range(1, len(lines) + 1))
        return {"xml_error": str(error)[:200]}
    enforced = 0
    denied = False
    collections = [e for e in descendants(root, "RuleCollection")]
    for collection in collections:
        kind = attribute(collection, "Type") or "?"
        mode = attribute(collection, "EnforcementMode") or "NotConfigured"
        rules = [e for e in list(collection) if local_name(e.tag).endswith("Rule")]
        enforced += mode == "Enabled"
        out.event(1, f"AppLocker {kind} rules: {mode}, {len(rules)} rule(s)", span=0, kind="applocker_collection",
                  collection=kind, enforcement=mode, rules=str(len(rules)))
        for rule in rules:
            conditions = [attribute(c, "Path") or attribute(c, "PublisherName") or attribute(c, "FileName") or attribute(c, "SourceFileName")
                          for c in rule.iter() if local_name(c.tag).endswith("Condition")]
            condition = "; ".join(c for c in conditions if c)
            action = attribute(rule, "Action") or "?"
            affects = action.lower() == "deny" and bool(_BACKUP.search(condition or ""))
            denied |= affects and mode == "Enabled"
            out.event(1, f"AppLocker {kind} {action}: {attribute(rule, 'Name') or '?'} ({condition})", span=0,
                      level="warning" if affects else None, kind="applocker_rule", collection=kind, action=action,
                      rule_name=attribute(rule, "Name"), condition=condition or None, enforcement=mode,
                      affects_backup_extension="true" if affects else "false")
    return {"collections": str(len(collections)), "enforced_collections": str(enforced), "backup_extension_denied": "true" if denied else "false"}


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    name = command_name(context.path)
    text = "\n".join(lines)
    if "applocker" in name or text.lstrip().startswith("<AppLockerPolicy"):
        out = CommandOutput(result, "Get-AppLockerPolicy", "AppLocker")
        facts = _applocker(text, lines, out)
        return out.finish(f"AppLocker: {facts.get('enforced_collections', '?')} enforced rule collection(s); backup extension denied: {facts.get('backup_extension_denied', '?')}",
                          level="warning" if facts.get("backup_extension_denied") == "true" else None, **facts)
    out = CommandOutput(result, "reg query" if not context.path.lower().endswith(".reg") else "reg export", "reg")
    facts = _registry(lines, out)
    return out.finish(f"{out.command}: {facts['values']} value(s)", **facts)


_FIELDS = {
    "command": "reg query | reg export | Get-AppLockerPolicy",
    "kind": "registry_value | reg_error | applocker_collection | applocker_rule | summary",
    "key": "registry key (HKLM\\...)",
    "value_name": "registry value name",
    "value_type": "REG_SZ | REG_DWORD | ...",
    "value_data": "the value (DWORDs in decimal)",
    "service": "for a service's Start value: the service",
    "start_type": "for a service's Start value: boot | system | auto | demand | disabled",
    "values": "summary: registry values read",
    "collection": "AppLocker rule collection (Exe, Dll, Script, Msi, Appx)",
    "enforcement": "Enabled | AuditOnly | NotConfigured",
    "rules": "rules in the collection",
    "action": "Allow | Deny",
    "rule_name": "the rule's name",
    "condition": "the rule's path, publisher or file name",
    "affects_backup_extension": "true for a deny rule naming the extension's folder or IaaSBcdrExtension.exe",
    "collections": "summary: rule collections",
    "enforced_collections": "summary: collections in Enabled mode",
    "backup_extension_denied": "summary: true when an enforced deny rule names the backup extension",
    "xml_error": "summary: why the policy XML could not be read",
}

PARSERS = (Parser(name="reg/AppLocker policy", source=SOURCE, claim=claim, read=command_reader(_read), fields=_FIELDS),)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
