"""Linux guest sources: the agent's log and state, its configuration, extension logs, DHCP leases.

=========================  ================================================================
:mod:`.agent_log`          ``waagent.log`` and ``CommandExecution*.log`` (one header grammar)
:mod:`.agent_syslog`       agent records copied into syslog / the journal
:mod:`.conf`               ``/etc/waagent.conf`` and VMSnapshotLinux's ``/etc/azure`` files
:mod:`.goal_state`         GoalState, ExtensionsConfig, HostingEnvironmentConfig, SharedConfig,
                           VmSettings, extension and agent manifests
:mod:`.certificates`       certificates and key files (presence only), ``Certificates.json``,
                           ``ovf-env.xml``
:mod:`.status`             ``waagent_status.json`` and extension ``status/N.status``
:mod:`.handler_files`      the rest of an extension's directory (settings, HandlerState,
                           HandlerStatus, manifests, heartbeat, mrseq), agent marker files,
                           ``error.json``, log collector results
:mod:`.dhcp`               DHCP leases (option 245: the WireServer address)
:mod:`.extension_log`      VMSnapshotLinux ``extension.log`` and generic timestamped text
:mod:`.handler_logs`       ``shell.log`` and the Go extensions' ``handler.log``
:mod:`.extension_events`   extension telemetry ``events/*.json``
=========================  ================================================================

Shared, not parsers: :mod:`.agent_grammar`, :mod:`.state_common`, :mod:`.extension_common`.
"""

from __future__ import annotations

from .. import Parser
from . import (
    agent_log,
    agent_syslog,
    certificates,
    conf,
    dhcp,
    extension_events,
    extension_log,
    goal_state,
    handler_files,
    handler_logs,
    status,
)

__all__ = ["PARSERS"]


def _in_order(*groups: tuple[Parser, ...], names: tuple[str, ...]) -> tuple[Parser, ...]:
    """The parsers of ``groups`` in the order of ``names`` (the order breaks ties between claims)."""
    by_name = {parser.name: parser for group in groups for parser in group}
    missing = set(by_name) ^ set(names)
    if missing:
        raise RuntimeError(f"Linux parser order out of date: {sorted(missing)}")
    return tuple(by_name[name] for name in names)


_STATE = (goal_state.PARSERS, certificates.PARSERS, status.PARSERS, handler_files.PARSERS, dhcp.PARSERS)

PARSERS: tuple[Parser, ...] = (
    agent_log.WAAGENT_LOG,
    *agent_syslog.PARSERS,
    *conf.PARSERS,
    *_in_order(
        *_STATE,
        names=(
            "GoalState", "ExtensionsConfig", "HostingEnvironmentConfig", "SharedConfig", "VmSettings",
            "certificate or secret file", "Certificates.json", "waagent_status.json", "extension status file",
            "extension settings", "HandlerState", "HandlerStatus", "HandlerManifest.json", "HandlerEnvironment.json",
            "heartbeat.log", "mrseq", "agent error.json", "agent marker file", "ovf-env.xml",
            "extension or agent manifest", "log collector results", "DHCP lease",
        ),
    ),
    agent_log.COMMAND_EXECUTION,
    extension_log.EXTENSION_LOG,
    extension_log.HOST_BASED_LOG,
    *handler_logs.PARSERS[:1],
    *extension_events.PARSERS,
    *handler_logs.PARSERS[1:],
    extension_log.GENERIC_LOG,
)
