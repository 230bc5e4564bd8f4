"""Copies of the goal state and extensions config under ``WindowsAzure/config/*.xml``, by name::

    <GoalState><Version>2015-04-05</Version><Incarnation>12</Incarnation><Machine>...
      <Container><ContainerId>7d0e...</ContainerId><RoleInstanceList><RoleInstance>
      <InstanceId>896c..._vm01</InstanceId><State>Started</State>...

    <Extensions version="1.0.0.0" goalStateIncarnation="95"> ...
      <Plugins><Plugin name="Microsoft.Azure.Monitor.AzureMonitorWindowsAgent" version="1.22.0.0" state="enabled" .../>
      </Plugins><PluginSettings><Plugin name="..." version="...">
      <RuntimeSettings seqNo="3">{"runtimeSettings":[{"handlerSettings":{...}}]}</RuntimeSettings>...

Source ``windows.agent``; a short summary, one event per document or plugin. ``fields``:
``kind`` (goal-state | plugin | plugin-settings | config), ``incarnation``, ``container_id``,
``role_instance``, ``state``, ``version``, ``auto_upgrade``, ``seq``, ``name`` (the root of any
other document), ``handler``/``handler_version``, and the public settings of
:data:`.agent_state.SETTINGS_FIELDS` (``protectedSettings`` never read).
"""

from __future__ import annotations

from ...events import Problem
from ...redaction import redact_json
from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import (
    Element,
    XmlRefused,
    begin_text,
    first_text,
    load_json,
    local_name,
    mark_unparsed,
    parse_xml,
)
from .agent_paths import CONFIG_FILE, HANDLER_FIELDS
from .agent_state import SETTINGS_FIELDS, SOURCE, DocumentRows, public_values
from .common import DECLARES_DTD, normalise_path

__all__ = ["PARSER", "claim_agent_config"]

FIELDS = {
    "kind": "goal-state | plugin | plugin-settings | config",
    "incarnation": "goal state incarnation",
    "container_id": "goal state container id",
    "role_instance": "goal state role instance id",
    "state": "role state (goal state) or extension state (plugin)",
    "version": "goal state version",
    "auto_upgrade": "the plugin's autoUpgrade attribute",
    "seq": "RuntimeSettings seqNo of a plugin's settings",
    "name": "root element of a document that is neither goal state nor extensions config",
    **SETTINGS_FIELDS,
    **HANDLER_FIELDS,
}


def claim_agent_config(path: str, head: bytes) -> int:
    """Copies of goal state / extensions config under ``WindowsAzure/config``."""
    if not CONFIG_FILE.search(normalise_path(path)):
        return 0
    return BY_NAME_AND_CONTENT if b"<" in head else BY_NAME


def _public_settings(text: str) -> dict[str, str]:
    """Public settings of a ``RuntimeSettings`` JSON text (protected ones only noted)."""
    try:
        document = load_json(text)
    except ValueError:
        return {}
    values: dict[str, str] = {}
    entries = document.get("runtimeSettings") if isinstance(document, dict) else None
    for entry in entries or []:
        handler = entry.get("handlerSettings") if isinstance(entry, dict) else None
        if isinstance(handler, dict):
            public_values(redact_json(handler.get("publicSettings") or {}), "public", values, [50])
            values["has_protected_settings"] = "true" if handler.get("protectedSettings") else "false"
    return values


def _goal_state(rows: DocumentRows, root: Element) -> None:
    fields = {"kind": "goal-state", "incarnation": first_text(root, "Incarnation"),
              "container_id": first_text(root, "ContainerId"), "role_instance": first_text(root, "InstanceId"),
              "state": first_text(root, "State"), "version": first_text(root, "Version")}
    rows.add(message=f"goal state incarnation {fields['incarnation']}, role state {fields['state']}",
             component="GuestAgent", fields=fields)


def _extensions(rows: DocumentRows, root: Element) -> None:
    for plugins in root.iter():
        section = local_name(plugins.tag)
        if section not in ("Plugins", "PluginSettings"):
            continue
        for plugin in plugins:
            if local_name(plugin.tag) != "Plugin":
                continue
            name, version = plugin.get("name"), plugin.get("version")
            if section == "Plugins":
                fields = {"kind": "plugin", "handler": name, "handler_version": version,
                          "state": plugin.get("state"), "auto_upgrade": plugin.get("autoUpgrade")}
                rows.add(message=f"extension {name} {version} state {plugin.get('state')}", component=name,
                         fields=fields)
                continue
            for settings in plugin:
                if local_name(settings.tag) != "RuntimeSettings":
                    continue
                fields = {"kind": "plugin-settings", "handler": name, "handler_version": version,
                          "seq": settings.get("seqNo")}
                fields.update(_public_settings(settings.text or ""))
                rows.add(message=f"extension {name} settings seqNo {settings.get('seqNo')}", component=name,
                         fields=fields)


def read_agent_config(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """A short summary: incarnation and role state of a goal state; plugins of an extensions config."""
    lines = begin_text(data, context, result, binary_message="binary data where an XML configuration was expected",
                       line_bound=None)
    if lines is None:
        return
    text = "\n".join(lines)
    if DECLARES_DTD.search(text):
        result.problems.append(Problem(context.file, "malformed", "XML with a DTD or entity declaration refused"))
        mark_unparsed(result)
        return
    try:
        root = parse_xml(text)
    except XmlRefused as error:
        reason = str(error).removeprefix("not well-formed XML: ")
        result.problems.append(Problem(context.file, "malformed", f"XML does not parse: {reason}"))
        mark_unparsed(result)
        return
    rows = DocumentRows(result)
    root_name = local_name(root.tag)
    if root_name == "GoalState":
        _goal_state(rows, root)
    elif root_name == "Extensions":
        _extensions(rows, root)
    if rows.count == 0:
        rows.add(message=f"{root_name} document with {sum(1 for _ in root.iter())} elements", component="GuestAgent",
                 fields={"kind": "config", "name": root_name})
    rows.finish(context, "configuration")


PARSER = Parser("windows-agent-config", SOURCE, claim_agent_config, read=read_agent_config, fields=FIELDS)
