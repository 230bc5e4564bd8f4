"""``/etc/azure/VMSnapshotScriptPluginConfig.json``: the pre/post script plug-in's settings read by
VMSnapshotLinux's ``ScriptRunner`` (source ``extension.conf``)::

    {
        "pluginName" : "ScriptRunner",
        "preScriptLocation" : "/opt/scripts/pre.sh",
        "postScriptLocation" : "/opt/scripts/post.sh",
        "preScriptParams" : ["", ""],
        "postScriptParams" : ["", ""],
        "preScriptNoOfRetries" : 0,
        "postScriptNoOfRetries" : 0,
        "timeoutInSeconds" : 30,
        "continueBackupOnFailure" : true,
        "fsFreezeEnabled" : true
    }

One ``extension_conf_key`` event per key (``key``, ``value``, ``line``, ``effective``, as for the
other ``/etc/azure`` files, so the same rules apply) and one ``prepost_config`` summary event on
line 1 that carries the settings the extension acts on: ``continueBackupOnFailure``,
``timeoutInSeconds``, ``preScriptLocation``, ``postScriptLocation``, ``preScriptNoOfRetries``,
``postScriptNoOfRetries``, ``fsFreezeEnabled``, ``pluginName`` (values as written, booleans as
``true``/``false``), and ``scripts_configured`` (``none``, ``pre``, ``post`` or ``both``). The
extension caps ``timeoutInSeconds`` at the plug-in host's own timeout (1800 s by default).
Script parameters are not copied (they can hold credentials); ``params_given`` counts them.
"""

from __future__ import annotations

import json
import re

from ...events import Problem
from ...redaction import redact
from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import begin_text, load_json, mark_unparsed

__all__ = ["PARSERS", "FIELDS"]

SOURCE = "extension.conf"
COMPONENT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
FILE_KIND = "VMSnapshotScriptPluginConfig.json"
_SETTINGS = (
    "continueBackupOnFailure",
    "timeoutInSeconds",
    "preScriptLocation",
    "postScriptLocation",
    "preScriptNoOfRetries",
    "postScriptNoOfRetries",
    "fsFreezeEnabled",
    "pluginName",
)
_PARAMS = ("preScriptParams", "postScriptParams")

FIELDS = {
    "kind": "prepost_config (the summary) or extension_conf_key (one key)",
    "file_kind": "VMSnapshotScriptPluginConfig.json",
    "key": "extension_conf_key: the key as written",
    "value": "extension_conf_key: its value (script parameters are not copied)",
    "line": "line number of the key",
    "effective": "1 (JSON keys are not overridden)",
    **{name: f"prepost_config: {name} as written (booleans true/false)" for name in _SETTINGS},
    "scripts_configured": "prepost_config: none, pre, post or both (a non-empty script location)",
    "params_given": "prepost_config: number of non-empty script parameters (not copied)",
}


def _claim(path: str, head: bytes) -> int:
    if not path.lower().endswith("vmsnapshotscriptpluginconfig.json"):
        return 0
    return BY_NAME_AND_CONTENT if head.lstrip().startswith(b"{") else BY_NAME


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _read(data: bytes, context: ParseContext, result: ParseResult) -> None:
    lines = begin_text(data, context, result, line_bound=None)
    if lines is None:
        return
    try:
        document = load_json("\n".join(lines))
    except (ValueError, RecursionError) as error:
        kind = "truncated" if context.truncated else "malformed"
        result.problems.append(Problem(context.file, kind, f"not valid JSON: {error}"))
        mark_unparsed(result)
        return
    if not isinstance(document, dict):
        result.problems.append(Problem(context.file, "malformed", "expected a JSON object of plug-in settings"))
        mark_unparsed(result)
        return

    def line_of(key: str) -> int:
        return next((n for n, text in enumerate(lines, 1) if re.search(rf'"{re.escape(key)}"\s*:', text)), 1)

    settings = {name: _text(document[name]) for name in _SETTINGS if name in document}
    pre, post = bool(str(document.get("preScriptLocation") or "").strip()), bool(str(document.get("postScriptLocation") or "").strip())
    params = sum(1 for name in _PARAMS for item in (document.get(name) or []) if isinstance(document.get(name), list) and str(item).strip())
    summary = {
        "kind": "prepost_config",
        "file_kind": FILE_KIND,
        **{name: redact(value) for name, value in settings.items()},
        "scripts_configured": "both" if pre and post else "pre" if pre else "post" if post else "none",
        "params_given": str(params),
    }
    cont = settings.get("continueBackupOnFailure", "true (default)")
    message = (
        f"pre/post script plug-in {settings.get('pluginName', '?')}: scripts {summary['scripts_configured']}, "
        f"timeout {settings.get('timeoutInSeconds', '?')} s, continueBackupOnFailure {cont}"
    )
    level = "warning" if settings.get("continueBackupOnFailure") == "false" else "info"
    # the summary spans every line that no key event claims (braces, params, blank lines)
    key_lines = {line_of(str(key)) for key in document}
    result.events.add(line=1, message=message, level=level, component=COMPONENT, fields=summary,
                      span=len(lines) - len(key_lines - {1}) if lines else 0)
    used: set[int] = set()
    for key, value in document.items():
        key = str(key)
        shown = f"{sum(1 for item in value if str(item).strip())} parameter(s)" if key in _PARAMS and isinstance(value, list) else _text(value)
        line = line_of(key)
        result.events.add(
            line=line,
            message=redact(f"{key} = {shown}"),
            level="info",
            component=COMPONENT,
            fields={"kind": "extension_conf_key", "file_kind": FILE_KIND, "key": redact(key), "value": redact(shown), "line": str(line), "effective": "1"},
            span=0 if line == 1 or line in used else 1,
        )
        used.add(line)


PARSERS = (Parser(name="VMSnapshotScriptPluginConfig.json", source=SOURCE, claim=_claim, read=_read, fields=FIELDS),)
