"""Windows network state: ``ipconfig /all``, ``route print``, ``netsh advfirewall show
allprofiles`` and ``Test-NetConnection``: source ``windows.command``.

Samples::

    > ipconfig /all
    Ethernet adapter Ethernet:
       DHCP Enabled. . . . . . . . . . . : No
       IPv4 Address. . . . . . . . . . . : 10.1.0.4(Preferred)

    > route print
    IPv4 Route Table
    Network Destination        Netmask          Gateway       Interface  Metric
        168.63.129.16  255.255.255.255         10.1.0.1        10.1.0.4     11

    > Test-NetConnection 168.63.129.16 -Port 32526
    ComputerName     : 168.63.129.16
    RemotePort       : 32526
    TcpTestSucceeded : False

Events and their fields (every event has ``command``; ``component`` is the command):

* ``kind=adapter`` (ipconfig): ``adapter``, ``dhcp_enabled`` (``true``/``false``), ``ipv4``,
  ``gateway``, ``dhcp_server``; level warning when DHCP is off. Summary ``adapters``,
  ``dhcp_enabled`` (``false`` when any adapter with an address has DHCP off).
* ``kind=route`` (route print): ``destination``, ``netmask``, ``gateway``, ``interface``,
  ``metric``, ``to_wireserver``; summary ``route_to_wireserver`` (``present``/``absent``),
  ``default_route``.
* ``kind=firewall_profile`` (netsh): ``profile``, ``firewall_state`` (``on``/``off``),
  ``inbound_policy``, ``outbound_policy`` (``allow``/``block``); summary
  ``outbound_blocked`` (``true`` when an enabled profile blocks outbound by default).
* ``kind=connection`` (Test-NetConnection): ``host``, ``port``, ``target``
  (``wireserver``/``hostplugin``/``storage``/``other``), ``reachable`` (``true``/``false``),
  ``ping_succeeded``, ``source_address``, ``interface``.
"""

from __future__ import annotations

import ipaddress
import re

from .. import ParseContext, Parser, ParseResult
from ..linux.commands_output import (
    WIRESERVER,
    CommandOutput,
    claim_command,
    command_name,
    command_reader,
)

__all__ = ["PARSERS"]

SOURCE = "windows.command"

_NAMES = re.compile(r"^(ipconfig\b|route( \.exe)? print|netstat( -\w+)* -?r|netsh( \.exe)? advfirewall|test-netconnection\b|tnc\b)")
_ADAPTER = re.compile(r"^(?P<type>[A-Za-z][\w -]* adapter) (?P<name>.+?)\s*:$", re.IGNORECASE)
_DOTTED = re.compile(r"^\s+(?P<key>[^\W\d_][\w ()/-]*?)[ .]*:\s*(?P<value>.*)$")
#: ipconfig's labels in the UI languages the project reads (en, de, fr, sv, es) -> one name
_IPCONFIG_KEYS = {
    **dict.fromkeys(("dhcp enabled", "dhcp aktiviert", "dhcp activé", "dhcp aktiverat", "dhcp habilitado"), "dhcp enabled"),
    **dict.fromkeys(("ipv4 address", "ip address", "ipv4-adresse", "adresse ipv4", "ipv4-adress", "dirección ipv4"), "ipv4 address"),
    **dict.fromkeys(("default gateway", "standardgateway", "passerelle par défaut", "puerta de enlace predeterminada"), "default gateway"),
    **dict.fromkeys(("dhcp server", "dhcp-server", "serveur dhcp", "servidor dhcp"), "dhcp server"),
    **dict.fromkeys(("media state", "medienstatus", "statut du média", "mediastatus", "estado de los medios"), "media state"),
}
_ROUTE = re.compile(r"^\s*(?P<destination>\d+\.\d+\.\d+\.\d+)\s+(?P<netmask>\d+\.\d+\.\d+\.\d+)\s+(?P<gateway>\S+)\s+(?P<interface>\S+)\s+(?P<metric>\d+)\s*$")
_ROUTE_NOISE = re.compile(r"^(=+|Interface List|IPv[46] Route Table|Active Routes:|Persistent Routes:|Network Destination|\s*None$|\s*\d+\.{3}|If Metric|\s*\d+\s+\d+\s+[0-9a-f:/]+\s)", re.IGNORECASE)
_PROFILE = re.compile(r"^(?P<profile>Domain|Private|Public) Profile Settings:", re.IGNORECASE)
_NETSH_SETTING = re.compile(r"^(?P<key>[A-Za-z][\w ]*?)\s{2,}(?P<value>\S.*)$")
_RULE_NAME = re.compile(r"^Rule Name:\s*(?P<name>.+)$")
_RULE_SETTING = re.compile(r"^(?P<key>[A-Za-z][\w ]*?):\s*(?P<value>.*)$")
_TNC = re.compile(r"^(?P<key>[A-Za-z][\w]*)\s*:\s*(?P<value>.*)$")


def _content(text: str) -> bool:
    head = text.lstrip()[:3000]
    return bool(re.search(r"^(Windows IP Configuration|Windows-IP-Konfiguration|Configuration IP de Windows|Windows IP-konfiguration|Configuración IP de Windows)", head, re.MULTILINE) or re.search(r"^IPv4 Route Table", head, re.MULTILINE)
                or re.search(r"^(Domain|Private|Public) Profile Settings:", head, re.MULTILINE)
                or re.search(r"^ComputerName\s*:.*\n(.*\n)*?\s*(TcpTestSucceeded|PingSucceeded)\s*:", head, re.MULTILINE))


def claim(path: str, head: bytes) -> int:
    return claim_command(path, head, _NAMES, _content)


def _covers_wireserver(network: str) -> bool:
    try:
        return ipaddress.ip_address(WIRESERVER) in ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        return False


def _yes(value: str) -> str:
    return "true" if value.strip().lower() in ("yes", "true", "ja", "oui", "sí", "si") else "false"


def _ipconfig(lines: list[str], out: CommandOutput) -> dict[str, str]:
    adapter: dict[str, str] | None = None
    start = span = 0
    adapters: list[dict[str, str]] = []
    last_key = None

    def flush() -> None:
        if adapter is None:
            return
        adapters.append(adapter)
        off = adapter.get("dhcp_enabled") == "false" and "ipv4" in adapter
        out.event(start, f"{adapter['adapter']}: DHCP {adapter.get('dhcp_enabled', '?')}, IPv4 {adapter.get('ipv4', '-')}",
                  span=span, level="warning" if off else None, kind="adapter", **adapter)

    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        if not text[:1].isspace() and stripped.endswith(":"):
            # an adapter heading: "Ethernet adapter Ethernet 2:", "Ethernet-Adapter Ethernet:", "Carte Ethernet Ethernet :"
            flush()
            found = _ADAPTER.match(stripped)
            name = found.group("name") if found else stripped[:-1].strip()
            adapter, start, span, last_key = {"adapter": name}, number, 1, None
        elif not text[:1].isspace():
            continue  # "Windows IP Configuration" in any language
        elif (found := _DOTTED.match(text)):
            key, value = found.group("key").strip().lower(), found.group("value").strip()
            key = _IPCONFIG_KEYS.get(key, key)
            last_key = key
            if adapter is None:
                continue  # host-wide settings (host name, node type): covered by the summary
            span += 1
            if key == "dhcp enabled":
                adapter["dhcp_enabled"] = _yes(value)
            elif key in ("ipv4 address", "ip address") and "ipv4" not in adapter:
                adapter["ipv4"] = re.sub(r"\(.*\)$", "", value)
            elif key == "default gateway" and value:
                adapter["gateway"] = value
            elif key == "dhcp server":
                adapter["dhcp_server"] = value
            elif key == "media state":
                adapter["media_state"] = value.lower()
        elif adapter is not None and text.startswith(" ") and last_key:
            span += 1  # a second value of the key above (more DNS servers, a second gateway)
        else:
            out.skip(number)
    flush()
    addressed = [a for a in adapters if "ipv4" in a]
    return {"adapters": str(len(adapters)), "dhcp_enabled": "false" if any(a.get("dhcp_enabled") == "false" for a in addressed) else ("true" if addressed else None)}


def _route_print(lines: list[str], out: CommandOutput) -> dict[str, str]:
    wire = default = False
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or _ROUTE_NOISE.match(text) or _ROUTE_NOISE.match(stripped):
            continue
        found = _ROUTE.match(text)
        if not found:
            out.skip(number)
            continue
        to_wire = found.group("destination") == WIRESERVER
        wire |= to_wire
        default |= found.group("destination") == "0.0.0.0" and found.group("netmask") == "0.0.0.0"
        out.event(number, stripped, kind="route", to_wireserver="true" if to_wire else "false", **found.groupdict())
    return {"route_to_wireserver": "present" if wire else "absent", "default_route": "present" if default else "absent"}


def _netsh(lines: list[str], out: CommandOutput) -> dict[str, str]:
    profile: dict[str, str] | None = None
    start = span = 0
    blocked = False
    facts: dict[str, str] = {}

    def flush() -> None:
        nonlocal blocked
        if profile is None:
            return
        if "rule_name" in profile:
            wire = any(_covers_wireserver(part) for part in profile.get("remote_ip", "").split(","))
            blocks = wire and profile.get("action", "").lower() == "block" and profile.get("enabled", "").lower() == "yes" and profile.get("direction", "").lower() == "out"
            blocked |= blocks
            out.event(start, f"firewall rule {profile['rule_name']}: {profile.get('direction', '?')} {profile.get('action', '?')} {profile.get('remote_ip', '')}",
                      span=span, level="warning" if blocks else None, kind="firewall_rule", to_wireserver="true" if wire else "false",
                      blocks_wireserver="true" if blocks else "false", **profile)
            facts["wireserver_blocked"] = "true" if blocks or facts.get("wireserver_blocked") == "true" else "false"
            return
        blocks = profile.get("firewall_state") == "on" and profile.get("outbound_policy") == "block"
        blocked |= blocks
        out.event(start, f"{profile['profile']} profile: state {profile.get('firewall_state', '?')}, outbound {profile.get('outbound_policy', '?')}",
                  span=span, level="warning" if blocks else None, kind="firewall_profile", **profile)

    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or set(stripped) <= {"-"} or stripped == "Ok.":
            continue
        if (found := _PROFILE.match(stripped)):
            flush()
            profile, start, span = {"profile": found.group("profile").lower()}, number, 1
        elif (found := _RULE_NAME.match(stripped)):
            flush()
            profile, start, span = {"rule_name": found.group("name")}, number, 1
        elif profile is not None and "rule_name" in profile and (found := _RULE_SETTING.match(stripped)):
            span += 1
            key = found.group("key").strip().lower().replace(" ", "_")
            if key in ("enabled", "direction", "action", "remoteip", "remoteport", "protocol", "profiles"):
                profile[{"remoteip": "remote_ip", "remoteport": "remote_port"}.get(key, key)] = found.group("value").strip()
        elif profile is not None and (found := _NETSH_SETTING.match(stripped)):
            span += 1
            key, value = found.group("key").strip().lower(), found.group("value").strip()
            if key == "state":
                profile["firewall_state"] = value.lower()
            elif key == "firewall policy":
                inbound, _, outbound = value.partition(",")
                profile["inbound_policy"] = "block" if "block" in inbound.lower() else "allow"
                profile["outbound_policy"] = "block" if "block" in outbound.lower() else "allow"
        elif profile is not None:
            span += 1  # section titles (Logging:) and values netsh wraps
        else:
            out.skip(number)
    flush()
    return {"outbound_blocked": "true" if blocked else "false", **facts}


def _test_netconnection(lines: list[str], out: CommandOutput) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        found = _TNC.match(stripped)
        if found:
            values[found.group("key").lower()] = found.group("value").strip()
        elif stripped.startswith(("WARNING:", "Warnung:")):
            out.event(number, stripped, level="warning", kind="tnc_warning")
        elif not text.startswith(" "):
            out.skip(number)
    host = values.get("remoteaddress") or values.get("computername")
    port = values.get("remoteport")
    target = "other"
    if host == WIRESERVER:
        target = "hostplugin" if port == "32526" else "wireserver"
    elif host and re.search(r"\.blob\.(core\.windows\.net|storage\.azure\.net)$", values.get("computername", "")):
        target = "storage"
    tcp = values.get("tcptestsucceeded")
    ping = values.get("pingsucceeded")
    reachable = _yes(tcp) if tcp is not None else (_yes(ping) if ping is not None else "false")
    return {"host": host, "port": port, "target": target, "reachable": reachable,
            "ping_succeeded": _yes(ping) if ping is not None else None,
            "source_address": values.get("sourceaddress"), "interface": values.get("interfacealias")}


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    name = command_name(context.path)
    head = "\n".join(lines[:60])
    if name.startswith("ipconfig") or re.search(r"^Windows.IP.Config|^Windows-IP-Konfig|^Configura\w+ IP de Windows", head, re.MULTILINE | re.IGNORECASE):
        out = CommandOutput(result, "ipconfig /all", "ipconfig")
        facts = _ipconfig(lines, out)
        return out.finish(f"ipconfig: {facts['adapters']} adapter(s); DHCP enabled: {facts.get('dhcp_enabled') or '?'}",
                          level="warning" if facts.get("dhcp_enabled") == "false" else None, **facts)
    if name.startswith(("route", "netstat")) or "IPv4 Route Table" in head:
        out = CommandOutput(result, "route print", "route")
        facts = _route_print(lines, out)
        return out.finish(f"routes: to 168.63.129.16 {facts['route_to_wireserver']}, default {facts['default_route']}", **facts)
    if name.startswith("netsh") or re.search(r"Profile Settings:", head):
        out = CommandOutput(result, "netsh advfirewall", "netsh")
        facts = _netsh(lines, out)
        bad = facts["outbound_blocked"] == "true" or facts.get("wireserver_blocked") == "true"
        return out.finish(f"Windows Firewall: outbound blocked: {facts['outbound_blocked']}; 168.63.129.16 blocked: {facts.get('wireserver_blocked', '?')}",
                          level="warning" if bad else None, **facts)
    out = CommandOutput(result, "Test-NetConnection", "Test-NetConnection")
    facts = _test_netconnection(lines, out)
    return out.finish(f"connection to {facts['host']}:{facts['port']} ({facts['target']}): reachable {facts['reachable']}",
                      level=None if facts["reachable"] == "true" else "warning", kind_detail="connection", **facts)


PARSERS = (
    Parser(
        name="ipconfig/route print/netsh/Test-NetConnection",
        source=SOURCE,
        claim=claim,
        read=command_reader(_read),
        fields={
            "command": "ipconfig /all | route print | netsh advfirewall | Test-NetConnection",
            "kind": "adapter | route | firewall_profile | firewall_rule | tnc_warning | summary",
            "kind_detail": "summary of Test-NetConnection: connection",
            "adapter": "network adapter name",
            "dhcp_enabled": "true | false (per adapter, and in the summary false when any addressed adapter has DHCP off)",
            "ipv4": "the adapter's IPv4 address",
            "gateway": "default gateway",
            "dhcp_server": "DHCP server",
            "media_state": "media state (media disconnected)",
            "adapters": "summary: adapters listed",
            "destination": "route destination",
            "netmask": "route netmask",
            "interface": "route interface address, or Test-NetConnection's interface alias",
            "metric": "route metric",
            "to_wireserver": "true for a route to 168.63.129.16",
            "route_to_wireserver": "summary: present | absent",
            "default_route": "summary: present | absent",
            "profile": "firewall profile: domain | private | public",
            "firewall_state": "on | off",
            "inbound_policy": "allow | block",
            "outbound_policy": "allow | block",
            "outbound_blocked": "true when the rule or an enabled profile blocks outbound traffic",
            "rule_name": "netsh firewall rule name",
            "enabled": "netsh firewall rule: Yes | No",
            "direction": "netsh firewall rule: In | Out",
            "action": "netsh firewall rule: Allow | Block",
            "remote_ip": "netsh firewall rule: remote addresses",
            "remote_port": "netsh firewall rule: remote ports",
            "protocol": "netsh firewall rule: protocol",
            "profiles": "netsh firewall rule: profiles",
            "blocks_wireserver": "true for an enabled outbound block rule covering 168.63.129.16",
            "wireserver_blocked": "summary: true when any such rule is listed",
            "host": "Test-NetConnection: the remote address",
            "port": "Test-NetConnection: the remote port",
            "target": "wireserver | hostplugin | storage | other",
            "reachable": "true when the TCP test (or ping) succeeded",
            "ping_succeeded": "true | false",
            "source_address": "the local address used",
        },
    ),
)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
