"""The goal state the agent fetched, under ``/var/lib/waagent`` (source ``waagent.state``).

Claims ``GoalState[.N].xml``, ``ExtensionsConfig[.N].xml``, ``HostingEnvironmentConfig.xml``,
``SharedConfig.xml``, ``VmSettings[.<id>].json`` and ``<Handler>.N.manifest.xml`` /
``Prod.N.agentsManifest``, directly under ``var/lib/waagent/`` or in ``history/<time>__<inc>/``::

    <GoalState><Incarnation>3</Incarnation><Machine><ExpectedState>Started</ExpectedState>...
    <Extensions goalStateIncarnation="3"><GuestAgentExtension><GAFamilies>...<Location>westus2</Location>
    <Plugins><Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0" state="enabled" .../>
    <PluginSettings><Plugin ...><RuntimeSettings seqNo="12">{"runtimeSettings":[...]}</RuntimeSettings>

One event per document (``kind`` goal_state, ext_config, hosting_env, shared_config,
vm_settings, manifest), one per agent family (``ext_config_ga_family``,
``vm_settings_ga_family``) and one per extension (``ext_config_plugin``,
``vm_settings_extension``). Protected settings and SAS queries never reach an event.
Fields: see each parser's ``fields`` below and ``docs/fields.md``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .. import ParseContext, Parser
from .._kit import (
    Element,
    attribute,
    child,
    children,
    descendants,
    field_text,
    first_text,
    flag_text,
    iso_z,
    load_json,
    local_name,
    lookup,
    parse_ticks,
    text_of,
)
from .state_common import (
    _LIB,
    JSON_STRING,
    LOCATION_FIELDS,
    NAME_ATTRIBUTE,
    NAME_ELEMENT,
    SETTINGS_FIELDS,
    SOURCE,
    _Broken,
    _claim,
    _has,
    _is_vmsnapshot,
    _json,
    _Lines,
    _no_query,
    _Out,
    _rx,
    _settings_fields,
    _settings_message,
    _short,
    _structured,
    _xml,
    _xml_root_is,
)

# --------------------------------------------------------------------------------------------------
# GoalState


def build_goal_state(root: Element, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``GoalState.N.xml``: incarnation, container, role instance, expected state, ExtensionsConfig URI."""
    if local_name(root.tag).lower() == "xml" and "placeholder" in (root.text or "").lower():
        out.add("GoalState placeholder file (agents 2.9+ keep goal states under history/)",
                {"kind": "goal_state", "placeholder": "1"})
        return
    if local_name(root.tag) != "GoalState":
        raise _Broken(f"root element is <{local_name(root.tag)}>, not <GoalState>")
    incarnation = text_of(root, "Incarnation")
    container = text_of(root, "Container", "ContainerId")
    expected = text_of(root, "Machine", "ExpectedState")
    instance = child(root, "Container", "RoleInstanceList", "RoleInstance")
    instance_id = text_of(instance, "InstanceId")
    role_state = text_of(instance, "State")
    extensions_uri = text_of(instance, "Configuration", "ExtensionsConfig")
    fields = {
        "kind": "goal_state",
        "incarnation": incarnation,
        "container_id": container,
        "role_instance_id": instance_id,
        "role_state": role_state,
        "expected_state": expected,
        "has_extensions_config": "1" if extensions_uri else "0",
        "version": text_of(root, "Version"),
    }
    message = (
        f"Goal state incarnation {incarnation}: container {container}, role instance {instance_id}, "
        f"expected state {expected}; "
        + ("ExtensionsConfig URI present" if extensions_uri else "no ExtensionsConfig URI (no extensions in this goal state)")
    )
    out.add(message, fields)


# --------------------------------------------------------------------------------------------------
# ExtensionsConfig


def _ga_family_event(out: _Out, kind: str, family: str | None, version: str | None, from_rsm: Any,
                     rsm_enabled: Any, uri_count: int, line: int, time: datetime | None) -> None:
    out.add(
        f"Agent family {family}: requested version {version or '(not set)'}",
        {
            "kind": kind,
            "family": family,
            "requested_version": version,
            "is_version_from_rsm": flag_text(from_rsm),
            "rsm_upgrades_enabled": flag_text(rsm_enabled),
            "uri_count": str(uri_count),
        },
        line=line,
        time=time,
    )


def build_extensions_config(root: Element, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``ExtensionsConfig.N.xml``: one event for the document, one per agent family and per plugin."""
    if local_name(root.tag) != "Extensions":
        raise _Broken(f"root element is <{local_name(root.tag)}>, not <Extensions>")
    metadata = next(iter(descendants(root, "InVMGoalStateMetaData")), None)
    created = parse_ticks(attribute(metadata, "createdOnTicks")) if attribute(metadata, "createdOnTicks") else None
    blob = next(iter(descendants(root, "StatusUploadBlob")), None)
    blob_url = (blob.text or "").strip() if blob is not None else ""
    plugins = children(child(root, "Plugins"), "Plugin")
    settings = {(attribute(p, "name"), attribute(p, "version")): p for p in children(child(root, "PluginSettings"), "Plugin")}
    settings_by_name = {name: p for (name, _), p in settings.items()}
    location = first_text(root, "Location")
    incarnation = attribute(root, "goalStateIncarnation")
    names = [f"{attribute(p, 'name')}@{attribute(p, 'version')}" for p in plugins]
    fields = {
        "kind": "ext_config",
        "incarnation": incarnation,
        "location": location,
        "plugin_count": str(len(plugins)),
        "plugins": ",".join(names),
        "status_blob": "1" if blob_url else "0",
        "status_blob_type": (attribute(blob, "statusBlobType") or "BlockBlob") if blob_url else None,
        "status_blob_url": _no_query(blob_url) or None,
        "artifacts_profile_blob": "1" if first_text(root, "InVMArtifactsProfileBlob") else "0",
        "in_svd_seq_no": attribute(metadata, "inSvdSeqNo"),
        "created_on": iso_z(created),
        "activity_id": attribute(metadata, "activityId"),
        "correlation_id": attribute(metadata, "correlationId"),
        "vmsnapshot_present": "1" if any(_is_vmsnapshot(attribute(p, "name")) for p in plugins) else "0",
    }
    message = f"ExtensionsConfig incarnation {incarnation}: {len(plugins)} extension(s)"
    if location:
        message += f" in {location}"
    message += "; status blob " + (f"{fields['status_blob_type']}" if blob_url else "missing")
    out.add(message, fields, time=created)

    for family in descendants(root, "GAFamily"):
        name = text_of(family, "Name")
        _ga_family_event(out, "ext_config_ga_family", name, text_of(family, "Version"),
                         text_of(family, "IsVersionFromRSM"), text_of(family, "IsVMEnabledForRSMUpgrades"),
                         len(descendants(family, "Uri")), lines.first_match(NAME_ELEMENT, name), created)

    for plugin in plugins:
        name, version = attribute(plugin, "name"), attribute(plugin, "version")
        plugin_settings = settings.get((name, version)) or settings_by_name.get(name)
        depends = child(plugin_settings, "DependsOn")
        base = {
            "kind": "ext_config_plugin",
            "name": name,
            "version": version,
            "state": attribute(plugin, "state"),
            "auto_upgrade": flag_text(attribute(plugin, "autoUpgrade")),
            "use_exact_version": flag_text(attribute(plugin, "useExactVersion")),
            "depends_on": ",".join(filter(None, (attribute(d, "handler") for d in descendants(depends, "DependsOnExtension"))))
            if depends is not None else None,
            "dependency_level": attribute(depends, "dependencyLevel"),
        }
        runtime = [e for e in (plugin_settings if plugin_settings is not None else [])
                   if local_name(e.tag) in ("RuntimeSettings", "ExtensionRuntimeSettings")]
        line = lines.first_match(NAME_ATTRIBUTE, name)
        if not runtime:
            out.add(f"Extension {name} {version}: state {base['state']} (no settings)", base,
                    line=line, time=created, component=name)
        for element in runtime:
            fields = dict(base)
            fields["seq_no"] = attribute(element, "seqNo")
            fields["ext_name"] = attribute(element, "name")
            handler_settings = None
            body = (element.text or "").strip()
            if body:
                try:
                    parsed = load_json(body)
                    items = lookup(parsed, "runtimeSettings") or []
                    if isinstance(items, list) and items:
                        handler_settings = lookup(items[0], "handlerSettings")
                except (ValueError, RecursionError):
                    fields["settings_unreadable"] = "1"
            fields.update(_settings_fields(name, handler_settings))
            message = f"Extension {name} {version}: state {base['state']}, seqNo {fields['seq_no']}"
            extra = _settings_message(fields)
            out.add(message + (f"; {extra}" if extra else ""), fields, line=line, time=created, component=name)


#: a plugin's name, version and state attributes; the attribute gaps are bounded so that text
#: with many ``<Plugin`` and no ``>`` cannot make each attempt scan to the end
_SALVAGE_PLUGIN = re.compile(
    r"<Plugin\s[^>]{0,2000}?name=\"([^\"]{1,500})\"[^>]{0,2000}?version=\"([^\"]{1,100})\"[^>]{0,2000}?state=\"([^\"]{1,100})\""
)


def _salvage_extensions_config(text: str, out: _Out, context: ParseContext) -> None:
    """From a broken ExtensionsConfig, the plugin names, versions and states (span 0)."""
    line, counted_to = 1, 0  # counted on from the previous plugin: linear in the text
    for match in _SALVAGE_PLUGIN.finditer(text):
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        out.add(f"Extension {match.group(1)} {match.group(2)}: state {match.group(3)} (from a damaged file)",
                {"kind": "ext_config_plugin", "name": match.group(1), "version": match.group(2),
                 "state": match.group(3), "salvaged": "1"},
                line=line, component=match.group(1), span=0)


build_extensions_config.salvage = _salvage_extensions_config  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------
# HostingEnvironmentConfig / SharedConfig


def build_hosting_env(root: Element, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``HostingEnvironmentConfig.xml``: deployment, incarnation and role ids; setting names only."""
    if local_name(root.tag) != "HostingEnvironmentConfig":
        raise _Broken(f"root element is <{local_name(root.tag)}>, not <HostingEnvironmentConfig>")
    deployment = child(root, "Deployment")
    incarnation = child(root, "Incarnation")
    role = child(root, "Role")
    thumbprints = [(attribute(c, "certificateId") or "").split(":")[-1] for c in descendants(root, "StoredCertificate")]
    settings = [attribute(s, "name") or "" for s in descendants(child(root, "ApplicationSettings") or root, "Setting")]
    fields = {
        "kind": "hosting_env",
        "goal_state_incarnation": attribute(root, "goalStateIncarnation"),
        "deployment_name": attribute(deployment, "name"),
        "deployment_guid": attribute(deployment, "guid"),
        "incarnation": attribute(incarnation, "number"),
        "instance": attribute(incarnation, "instance"),
        "role_name": attribute(role, "name"),
        "role_guid": attribute(role, "guid"),
        "certificate_thumbprints": ",".join(t for t in thumbprints if t) or None,
        "app_settings": ",".join(s for s in settings if s) or None,
    }
    out.add(
        f"HostingEnvironmentConfig: deployment {fields['deployment_name']}, role {fields['role_name']} "
        f"{fields['role_guid']}, incarnation {fields['incarnation']}, instance {fields['instance']}",
        fields,
    )


def build_shared_config(root: Element, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``SharedConfig.xml``: deployment, role and instance ids."""
    if local_name(root.tag) != "SharedConfig":
        raise _Broken(f"root element is <{local_name(root.tag)}>, not <SharedConfig>")
    deployment = child(root, "Deployment")
    incarnation = child(root, "Incarnation")
    role = child(root, "Role")
    instances = descendants(child(root, "Instances") or root, "Instance")
    first = instances[0] if instances else None
    fields = {
        "kind": "shared_config",
        "goal_state_incarnation": attribute(root, "goalStateIncarnation"),
        "deployment_name": attribute(deployment, "name"),
        "deployment_guid": attribute(deployment, "guid"),
        "role_name": attribute(role, "name"),
        "role_guid": attribute(role, "guid"),
        "incarnation": attribute(incarnation, "number"),
        "instance": attribute(incarnation, "instance"),
        "instance_count": str(len(instances)),
        "instance_id": attribute(first, "id"),
        "instance_address": attribute(first, "address"),
    }
    out.add(
        f"SharedConfig: deployment {fields['deployment_name']}, role {fields['role_name']}, instance "
        f"{fields['instance_id']} at {fields['instance_address']}",
        fields,
    )


# --------------------------------------------------------------------------------------------------
# VmSettings.json


def build_vm_settings(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``VmSettings.json`` (FastTrack goal state from the HostGAPlugin): one event per extension."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    blob = lookup(document, "statusUploadBlob") or {}
    extensions = lookup(document, "extensionGoalStates") or []
    extensions = extensions if isinstance(extensions, list) else []
    modified = parse_ticks(lookup(document, "extensionsLastModifiedTickCount"))
    fields = {
        "kind": "vm_settings",
        "host_ga_plugin_version": field_text(lookup(document, "hostGAPluginVersion")),
        "source": field_text(lookup(document, "extensionGoalStatesSource")),
        "activity_id": field_text(lookup(document, "activityId")),
        "correlation_id": field_text(lookup(document, "correlationId")),
        "in_svd_seq_no": field_text(lookup(document, "inSvdSeqNo")),
        "status_blob_type": field_text(lookup(blob, "statusBlobType")),
        "status_blob_url": _no_query(field_text(lookup(blob, "value"))),
        "extension_count": str(len(extensions)),
        "last_modified": iso_z(modified),
    }
    out.add(
        f"vmSettings from HostGAPlugin {fields['host_ga_plugin_version']} (source {fields['source']}): "
        f"{len(extensions)} extension(s)",
        fields,
        time=modified,
    )
    for family in lookup(document, "gaFamilies") or []:
        if isinstance(family, dict):
            name = field_text(lookup(family, "name"))
            _ga_family_event(out, "vm_settings_ga_family", name, field_text(lookup(family, "version")),
                             lookup(family, "isVersionFromRSM"), lookup(family, "isVMEnabledForRSMUpgrades"),
                             len(lookup(family, "uris") or []), lines.first_match(JSON_STRING, name), modified)
    for extension in extensions:
        if not isinstance(extension, dict):
            continue
        name = field_text(lookup(extension, "name"))
        base = {
            "kind": "vm_settings_extension",
            "name": name,
            "version": field_text(lookup(extension, "version")),
            "state": field_text(lookup(extension, "state")),
            "seq_no": field_text(lookup(extension, "settingsSeqNo")),
            "is_multi_config": flag_text(lookup(extension, "isMultiConfig")),
            "auto_upgrade": flag_text(lookup(extension, "autoUpgrade")),
        }
        settings = lookup(extension, "settings")
        settings = settings if isinstance(settings, list) and settings else [None]
        for item in settings:
            fields = dict(base)
            fields["ext_name"] = field_text(lookup(item, "extensionName"))
            fields.update(_settings_fields(name, item))
            extra = _settings_message(fields)
            out.add(
                f"Extension {name} {base['version']}: state {base['state']}, settingsSeqNo {base['seq_no']}"
                + (f"; {extra}" if extra else ""),
                fields,
                line=lines.first_match(JSON_STRING, name),
                time=modified,
                component=name,
            )


# --------------------------------------------------------------------------------------------------
# manifests


def build_manifest(root: Element, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``<Handler>.N.manifest.xml`` / ``Prod.N.agentsManifest``: the versions on offer."""
    if local_name(root.tag) != "PluginVersionManifest":
        raise _Broken(f"root element is <{local_name(root.tag)}>, not <PluginVersionManifest>")
    base = context.path.rsplit("/", 1)[-1]
    agent = base.lower().endswith(".agentsmanifest") or base.lower().startswith("waagent.")
    name = re.sub(r"(\.\d+)?\.(manifest\.xml|agentsManifest)$", "", base, flags=re.IGNORECASE)
    versions = [text_of(p, "Version") or "" for p in children(child(root, "Plugins"), "Plugin")]
    internal = [text_of(p, "Version") or "" for p in children(child(root, "InternalPlugins"), "Plugin")]

    def sort_key(version: str) -> tuple:
        return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))

    latest = max(versions, key=sort_key) if versions else None
    fields = {
        "kind": "manifest",
        "manifest_kind": "agent" if agent else "extension",
        "name": name,
        "version_count": str(len(versions)),
        "versions": _short(",".join(versions), 1000),
        "internal_versions": _short(",".join(internal), 500) or None,
        "latest_version": latest,
    }
    out.add(f"Manifest {name}: {len(versions)} version(s), latest {latest}", fields)




_GA_FAMILY_FIELDS = {
    "family": "agent family name (Prod, Test, ...)",
    "requested_version": "agent version the goal state requests",
    "is_version_from_rsm": "1: the version comes from a rolling upgrade (RSM)",
    "rsm_upgrades_enabled": "1: the VM takes RSM upgrades",
    "uri_count": "number of download URIs for the family",
}
GOAL_STATE_FIELDS = {
    **LOCATION_FIELDS,
    "incarnation": "goal state incarnation",
    "container_id": "container id",
    "role_instance_id": "role instance id",
    "role_state": "role instance state",
    "expected_state": "machine expected state (Started, ...)",
    "has_extensions_config": "1 when the goal state links an ExtensionsConfig",
    "version": "goal state schema version",
    "placeholder": "1: the 2.9+ placeholder file (goal states live under history/)",
}
EXTENSIONS_CONFIG_FIELDS = {
    **LOCATION_FIELDS,
    **SETTINGS_FIELDS,
    **_GA_FAMILY_FIELDS,
    "incarnation": "goalStateIncarnation",
    "location": "Azure region",
    "plugin_count": "number of extensions",
    "plugins": "comma list of name@version",
    "status_blob": "1 when a status upload blob is given",
    "status_blob_type": "BlockBlob or PageBlob",
    "status_blob_url": "status blob URL without its query",
    "artifacts_profile_blob": "1 when an artifacts profile blob is given",
    "in_svd_seq_no": "inSvdSeqNo of the goal state metadata",
    "created_on": "UTC time the goal state was created (...Z)",
    "activity_id": "activity id of the goal state",
    "correlation_id": "correlation id of the goal state",
    "vmsnapshot_present": "1 when the backup extension is among the extensions",
    "name": "extension handler name (ext_config_plugin)",
    "version": "extension version (ext_config_plugin)",
    "state": "requested state: enabled, disabled, uninstall",
    "auto_upgrade": "1: autoUpgrade",
    "use_exact_version": "1: useExactVersion",
    "seq_no": "runtime settings sequence number",
    "depends_on": "comma list of handlers the extension depends on",
    "dependency_level": "dependency level",
}
HOSTING_ENV_FIELDS = {
    **LOCATION_FIELDS,
    "goal_state_incarnation": "goalStateIncarnation",
    "deployment_name": "deployment name",
    "deployment_guid": "deployment guid",
    "incarnation": "incarnation number",
    "instance": "instance name",
    "role_name": "role name",
    "role_guid": "role guid",
    "certificate_thumbprints": "comma list of stored certificate thumbprints",
    "app_settings": "comma list of application setting names (never values)",
}
SHARED_CONFIG_FIELDS = {
    **LOCATION_FIELDS,
    "goal_state_incarnation": "goalStateIncarnation",
    "deployment_name": "deployment name",
    "deployment_guid": "deployment guid",
    "role_name": "role name",
    "role_guid": "role guid",
    "incarnation": "incarnation",
    "instance": "instance",
    "instance_count": "number of instances",
    "instance_id": "this instance's id",
    "instance_address": "this instance's address",
}
VM_SETTINGS_FIELDS = {
    **LOCATION_FIELDS,
    **SETTINGS_FIELDS,
    **_GA_FAMILY_FIELDS,
    "host_ga_plugin_version": "HostGAPlugin version",
    "source": "where the settings came from (FastTrack, ...)",
    "activity_id": "activity id",
    "correlation_id": "correlation id",
    "in_svd_seq_no": "inSvdSeqNo",
    "status_blob_type": "BlockBlob or PageBlob",
    "status_blob_url": "status blob URL without its query",
    "extension_count": "number of extensions",
    "last_modified": "extensionGoalStatesLastModified",
    "name": "extension name (vm_settings_extension)",
    "version": "extension version",
    "state": "requested state",
    "seq_no": "settings sequence number",
    "is_multi_config": "1: a multi-config extension",
    "auto_upgrade": "1: automatic minor version upgrade",
}
MANIFEST_FIELDS = {
    **LOCATION_FIELDS,
    "manifest_kind": "extension or agent",
    "name": "handler or agent family",
    "version_count": "number of versions offered",
    "versions": "comma list of the versions",
    "internal_versions": "comma list of internal versions",
    "latest_version": "highest version offered",
}

PARSERS: tuple[Parser, ...] = (
    Parser("GoalState", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?GoalState(?:\.\d+)?\.xml$"), _xml_root_is("GoalState")),
           read=_structured(build_goal_state, _xml), fields=GOAL_STATE_FIELDS),
    Parser("ExtensionsConfig", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?ExtensionsConfig(?:\.\d+)?\.xml$"), _xml_root_is("Extensions")),
           read=_structured(build_extensions_config, _xml), fields=EXTENSIONS_CONFIG_FIELDS),
    Parser("HostingEnvironmentConfig", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?HostingEnvironmentConfig(?:\.\d+)?\.xml$"), _xml_root_is("HostingEnvironmentConfig")),
           read=_structured(build_hosting_env, _xml), fields=HOSTING_ENV_FIELDS),
    Parser("SharedConfig", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?SharedConfig(?:\.\d+)?\.xml$"), _xml_root_is("SharedConfig")),
           read=_structured(build_shared_config, _xml), fields=SHARED_CONFIG_FIELDS),
    Parser("VmSettings", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?VmSettings(?:\.[^/]+)?\.json$"), _has(b'"extensionGoalStates"', start=b"{")),
           read=_structured(build_vm_settings, _json), fields=VM_SETTINGS_FIELDS),
    Parser("extension or agent manifest", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?[^/]+\.(?:manifest\.xml|agentsManifest)$"), _xml_root_is("PluginVersionManifest")),
           read=_structured(build_manifest, _xml), fields=MANIFEST_FIELDS),
)
