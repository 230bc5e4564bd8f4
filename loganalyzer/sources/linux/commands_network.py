"""Network state on Linux and FreeBSD: ``ip addr``, ``ip route``, ``ifconfig``, ``netstat -rn``,
``iptables-save`` (and ``/etc/sysconfig/iptables``), ``nft list ruleset``, ``firewall-cmd
--list-all``, ``ifcfg-*`` files and ``curl -v``/``wget -S`` checks of the wire server
168.63.129.16 (ports 80 and 32526) and of storage: source ``linux.command``.

Samples::

    $ ip route show table all
    default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.4 metric 100
    168.63.129.16 via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.4 metric 100

    $ iptables-save
    *filter
    :OUTPUT ACCEPT [0:0]
    -A OUTPUT -d 168.63.129.16/32 -p tcp -m tcp --dport 32526 -j DROP
    COMMIT

    $ curl -sS -v -m 15 -o /dev/null http://168.63.129.16:32526/health
    *   Trying 168.63.129.16:32526...
    * Connection timed out after 15001 milliseconds
    curl: (28) Connection timed out after 15001 milliseconds

Events (every event has ``command``; ``component`` is the command):

* addresses (``ip addr``, ``ifconfig``): ``kind=interface``, ``interface``, ``state`` (UP/DOWN),
  ``ipv4``, ``dynamic`` (``true`` when the address came from DHCP); summary ``interfaces``,
  ``dhcp_address`` (``true``/``false``).
* routes (``ip route``, ``netstat -rn``): ``kind=route``, ``destination``, ``gateway``,
  ``interface``, ``proto``, ``to_wireserver`` (``true`` for a host route to 168.63.129.16);
  summary ``route_to_wireserver`` (``present``/``absent``), ``default_route``.
* firewall rules (iptables, nft, firewalld): ``kind=firewall_rule``, ``table``, ``chain``,
  ``action`` (``accept``/``drop``/``reject``), ``rule``, ``to_wireserver``, ``port``,
  ``agent_rule`` (``true`` for the agent's own rule that only stops non-root users), and
  ``blocks_wireserver`` (``true`` for a drop or reject of 168.63.129.16 that is not the agent's);
  ``kind=chain_policy`` with ``chain`` and ``policy``; summary ``wireserver_blocked``,
  ``output_policy``, ``rules``.
* ``ifcfg-*``: ``kind=ifcfg``, ``interface``, ``bootproto``, ``dhcp`` (``true``/``false``).
* reachability checks: ``kind=connection``, ``target`` (``wireserver``/``hostplugin``/
  ``storage``/``other``), ``host``, ``port``, ``reachable`` (``true``/``false``), ``http_status``,
  ``error`` (``timeout``/``refused``/``unreachable``/``dns``/``tls``/...).
"""

from __future__ import annotations

import ipaddress
import re

from .. import BY_NAME, ParseContext, Parser, ParseResult
from .commands_output import (
    WIRESERVER,
    CommandOutput,
    claim_command,
    command_name,
    command_reader,
)

__all__ = ["PARSERS"]

SOURCE = "linux.command"

_NAMES = re.compile(
    r"^(ip( -\w+)* (-\w+ )*(a|addr|address|r|ro|route)\b|ifconfig\b|netstat( -\w+)* -?\w*r\w*n?|route -n\b|"
    r"iptables-save|iptables( -\w+)* -?(l|s)\b|ip6?tables|nft( -\w+)* list ruleset|firewall-cmd\b|curl\b|wget\b)"
)
_WIRESERVER = re.escape(WIRESERVER)

# ip addr / ifconfig
_IP_LINK = re.compile(r"^\d+:\s+(?P<interface>[^:@\s]+)(?:@\S+)?:\s+<(?P<flags>[^>]*)>.*?(?:state (?P<state>\S+))?")
_IP_INET = re.compile(r"^\s+inet (?P<address>[\d.]+)(?:/(?P<prefix>\d+))?(?P<rest>.*)$")
_IP_ONE_LINE = re.compile(r"^\d+:\s+(?P<interface>[^:@\s]+)\s+(?P<family>inet6?|link/\w+)\s+(?P<address>\S+)")
_IP_OTHER = re.compile(r"^\s+(link/|inet6 |valid_lft|altname|vf |\S+ \S+)")
_IFCONFIG_HEAD = re.compile(r"^(?P<interface>[A-Za-z][\w.:-]*?):? (?:flags=\d+<(?P<flags>[^>]*)>|Link encap)")
_IFCONFIG_INET = re.compile(r"^\s+inet (?:addr:)?(?P<address>[\d.]+)")

# routes
_IP_ROUTE = re.compile(r"^(?:(?P<type>unicast|local|broadcast|multicast|blackhole|unreachable|prohibit|throw|anycast)\s+)?(?P<destination>default|[\d.]+(?:/\d+)?|[0-9a-f:]+(?:/\d+)?)\b(?P<rest>.*)$")
_NETSTAT_ROUTE = re.compile(r"^(?P<destination>default|[\d.]+(?:/\d+)?|[0-9a-f:.%\w]+(?:/\d+)?)\s+(?P<gateway>\S+)\s+(?P<rest>.+)$")
_NETSTAT_HEAD = re.compile(r"^(Routing tables|Kernel IP routing table|Internet6?:|Destination\s+Gateway)")

# firewalls
_IPT_TABLE = re.compile(r"^\*(?P<table>\w+)$")
_IPT_POLICY = re.compile(r"^:(?P<chain>\S+) (?P<policy>\S+)(?: \[\d+:\d+\])?$")
_IPT_RULE = re.compile(r"^(?:\[\d+:\d+\] )?-A (?P<chain>\S+) (?P<rule>.*)$")
_IPT_CHAIN = re.compile(r"^Chain (?P<chain>\S+) \((?:policy (?P<policy>\w+)|\d+ references?)")
_IPT_TARGET = re.compile(r"-j (?P<target>\S+)")
_DESTINATION = re.compile(r"(?:^|\s)(?:-d|--destination) (?P<net>[\d./]+)|(?:ip daddr |destination address=\"?)(?P<net2>[\d./]+)")
_PORT = re.compile(r"--dports? (?P<port>[\d,:]+)|dpts?:(?P<port3>[\d,:]+)|dport (?:\{ ?)?(?P<port2>[\d, ]+)")
_NFT_TABLE = re.compile(r"^table (?P<family>\w+) (?P<table>\S+) \{$")
_NFT_CHAIN = re.compile(r"^chain (?P<chain>\S+) \{$")
_NFT_POLICY = re.compile(r"^type \w+ hook (?P<hook>\w+) .*policy (?P<policy>\w+);")

# ifcfg
_IFCFG = re.compile(r"^(?P<key>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")

# curl / wget
_TRYING = re.compile(r"^\*\s+Trying (?P<host>[\w.:\[\]-]+?)(?::(?P<port>\d+))?\.*$")
_CONNECTED = re.compile(r"^\*\s+Connected to (?P<host>\S+) \([^)]*\) port (?P<port>\d+)|^Connecting to (?P<host2>\S+?)(?: \(\S+\))?(?:\|[\d.]+\|)?:(?P<port2>\d+)\.\.\. connected\.")
_HTTP = re.compile(r"^(?:<\s+|\s*)HTTP/[\d.]+ (?P<status>\d{3})|^HTTP request sent, awaiting response\.\.\. (?P<status2>\d{3})")
_CURL_ERROR = re.compile(r"^curl: \((?P<code>\d+)\) (?P<text>.*)$")
_WGET_FAILED = re.compile(r"failed: (?P<text>[^.]+)\.?$|^wget: unable to resolve host address|^Giving up\.")
_URL = re.compile(r"https?://(?P<host>[^/:\s]+)(?::(?P<port>\d+))?")


def _content(text: str) -> bool:
    head = text.lstrip()[:2048]
    return bool(
        re.match(r"# Generated by (iptables|ip6tables)-save|\*(filter|nat|mangle|raw|security)\n", head)
        or re.match(r"table (ip|inet|ip6|arp|bridge|netdev) \S+ \{", head)
        or re.match(r"\d+: lo: <LOOPBACK", head)
        or re.match(r"\*\s+Trying \S+", head)
        or re.search(r"^\S+( \(\S+\))?\n\s+target: ", head, re.MULTILINE)
    )


def claim(path: str, head: bytes) -> int:
    lowered = path.lower()
    if lowered.endswith(("etc/sysconfig/iptables", "etc/sysconfig/ip6tables")):
        return BY_NAME + 5
    if re.search(r"(^|/)ifcfg-[\w.:-]+$", lowered) and not lowered.endswith((".bak", "~")):
        return BY_NAME
    return claim_command(path, head, _NAMES, _content)


def _kind(path: str, lines: list[str]) -> str:
    name = command_name(path)
    lowered = path.lower()
    head = "\n".join(lines[:20])
    if re.search(r"(^|/)ifcfg-", lowered):
        return "ifcfg"
    if re.search(r"^Chain \S+ \((policy \w+|\d+ references)", head, re.MULTILINE):
        return "iptables -L"
    if lowered.endswith("sysconfig/iptables") or "iptables" in name or re.search(r"^\*filter$|^-A \S+ ", head, re.MULTILINE):
        return "iptables"
    if name.startswith("nft") or re.search(r"^table \w+ \S+ \{", head, re.MULTILINE):
        return "nft"
    if name.startswith("firewall-cmd") or re.search(r"^\s+target: ", head, re.MULTILINE):
        return "firewalld"
    if name.startswith(("curl", "wget")) or re.search(r"^\*\s+Trying |^Connecting to |^curl: \(", head, re.MULTILINE):
        return "probe"
    if re.match(r"ip( -\w+)* (-\w+ )*(r|ro|route)\b", name):
        return "ip route"
    if name.startswith(("netstat", "route")):
        return "netstat"
    if name.startswith("ifconfig"):
        return "ifconfig"
    return "ip addr"


def _addresses(lines: list[str], out: CommandOutput, ifconfig: bool) -> dict[str, str]:
    interfaces: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    start = span = 0

    def flush() -> None:
        if current is not None:
            interfaces[current["interface"]] = current
            out.event(start, f"interface {current['interface']} {current.get('state', '')} {current.get('ipv4', '')}".strip(), span=span, kind="interface", **current)

    for number, text in enumerate(lines, 1):
        one_line = None if ifconfig else _IP_ONE_LINE.match(text)
        if one_line:  # ``ip -o addr``: one line per address
            flush()
            adapter = interfaces.setdefault(one_line.group("interface"), {"interface": one_line.group("interface")})
            current = None
            if one_line.group("family") == "inet" and "ipv4" not in adapter:
                adapter.update(ipv4=one_line.group("address").split("/")[0], dynamic="true" if " dynamic " in text else "false")
            out.event(number, text.strip(), kind="address", interface=one_line.group("interface"), family=one_line.group("family"),
                      address=one_line.group("address"), dynamic="true" if " dynamic " in text else "false")
            continue
        head = (_IFCONFIG_HEAD if ifconfig else _IP_LINK).match(text)
        if head:
            flush()
            flags = (head.group("flags") or "").split(",")
            state = head.groupdict().get("state") or ("UP" if "UP" in flags else "DOWN")
            current, start, span = {"interface": head.group("interface"), "state": state}, number, 1
            continue
        if current is None:
            if text.strip():
                out.skip(number)
            continue
        if not text.strip():
            continue
        span += 1
        inet = (_IFCONFIG_INET if ifconfig else _IP_INET).match(text)
        if inet and "ipv4" not in current:
            current["ipv4"] = inet.group("address")
            if not ifconfig:
                current["dynamic"] = "true" if "dynamic" in inet.group("rest") else "false"
    flush()
    real = [i for i in interfaces.values() if not i["interface"].startswith("lo")]
    facts = {"interfaces": str(len(interfaces))}
    if not ifconfig:
        facts["dhcp_address"] = "true" if any(i.get("dynamic") == "true" for i in real) else "false"
    return facts


def _route_words(rest: str) -> dict[str, str]:
    words = rest.split()
    found: dict[str, str] = {}
    for key, name in (("via", "gateway"), ("dev", "interface"), ("proto", "proto"), ("table", "table"), ("src", "source")):
        if key in words and words.index(key) + 1 < len(words):
            found[name] = words[words.index(key) + 1]
    return found


def _routes(lines: list[str], out: CommandOutput, netstat: bool) -> dict[str, str]:
    to_wireserver = default = False
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or (netstat and _NETSTAT_HEAD.match(stripped)):
            continue
        found = (_NETSTAT_ROUTE if netstat else _IP_ROUTE).match(stripped)
        if not found:
            out.skip(number)
            continue
        destination = found.group("destination")
        if netstat:
            fields = {"gateway": found.group("gateway")}
            rest = found.group("rest").split()
            if rest:
                fields["interface"] = rest[-1] if not rest[-1].isdigit() else (rest[-2] if len(rest) > 1 else None)
        else:
            fields = _route_words(found.group("rest"))
        wire = destination.split("/")[0] == WIRESERVER and destination.split("/")[-1] in (WIRESERVER, "32")
        to_wireserver |= wire
        default |= destination in ("default", "0.0.0.0", "0.0.0.0/0")
        out.event(number, stripped, kind="route", destination=destination, to_wireserver="true" if wire else "false", **fields)
    return {"route_to_wireserver": "present" if to_wireserver else "absent", "default_route": "present" if default else "absent"}


def _covers_wireserver(network: str) -> bool:
    try:
        return ipaddress.ip_address(WIRESERVER) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _firewall_rule(out: CommandOutput, number: int, rule: str, action: str, facts: dict[str, str], **where: str | None) -> None:
    destination = _DESTINATION.search(rule)
    wire = bool(destination) and _covers_wireserver(destination.group("net") or destination.group("net2") or "")
    agent_rule = wire and bool(re.search(r"--uid-owner 0\b|skuid (?:!= )?0\b|ctstate INVALID,NEW|ct state invalid,new", rule))
    port = _PORT.search(rule)
    port_text = (port.group("port") or port.group("port2") or port.group("port3")) if port else None
    ports = set(re.findall(r"\d+", port_text or ""))
    outbound = (where.get("chain") or "").lower() in ("output", "") or "destination" in rule
    port_wide = destination is None and outbound and bool(ports & {"80", "32526"})
    blocks = (wire or port_wide) and action in ("drop", "reject") and not agent_rule
    if blocks:
        facts["wireserver_blocked"] = "true"
    facts["rules"] = str(int(facts.get("rules", "0")) + 1)
    out.event(
        number,
        rule,
        level="warning" if blocks else None,
        kind="firewall_rule",
        action=action,
        rule=rule,
        to_wireserver="true" if wire else "false",
        agent_rule="true" if agent_rule else None,
        blocks_wireserver="true" if blocks else "false",
        port=port_text.strip() if port_text else None,
        **where,
    )


def _iptables(lines: list[str], out: CommandOutput) -> dict[str, str]:
    facts: dict[str, str] = {"wireserver_blocked": "false"}
    table = "filter"
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#") or stripped == "COMMIT":
            continue
        if (found := _IPT_TABLE.match(stripped)):
            table = found.group("table")
        elif (found := _IPT_POLICY.match(stripped)):
            if found.group("policy") != "-":
                if table == "filter" and found.group("chain") == "OUTPUT":
                    facts["output_policy"] = found.group("policy").lower()
                out.event(number, stripped, kind="chain_policy", table=table, chain=found.group("chain"), policy=found.group("policy").lower())
        elif (found := _IPT_RULE.match(stripped)):
            target = _IPT_TARGET.search(found.group("rule"))
            _firewall_rule(out, number, stripped, target.group("target").lower() if target else "none", facts, table=table, chain=found.group("chain"))
        else:
            out.skip(number)
    return facts


def _iptables_listing(lines: list[str], out: CommandOutput) -> dict[str, str]:
    """``iptables -L -n [-v] [-x]``: ``Chain NAME (policy P ...)`` then a header and one row a rule."""
    facts: dict[str, str] = {"wireserver_blocked": "false"}
    chain = None
    columns: list[str] = []
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        if (found := _IPT_CHAIN.match(stripped)):
            chain = found.group("chain")
            if found.group("policy"):
                policy = found.group("policy").lower()
                if chain == "OUTPUT":
                    facts["output_policy"] = policy
                out.event(number, stripped, kind="chain_policy", table="filter", chain=chain, policy=policy)
        elif stripped.split()[:1] in (["target"], ["pkts"]):
            columns = stripped.split()
        elif chain is not None and columns:
            words = stripped.split()
            row = dict(zip(columns, words))
            if "target" not in row or len(words) < len(columns) - 1:
                out.skip(number)
                continue
            extra = " ".join(words[len(columns):])
            destination = row.get("destination", "")
            rule = f"-A {chain} -d {destination} -j {row['target']} {extra}".strip()
            _firewall_rule(out, number, rule, row["target"].lower(), facts, table="filter", chain=chain)
        else:
            out.skip(number)
    return facts


def _nft(lines: list[str], out: CommandOutput) -> dict[str, str]:
    facts: dict[str, str] = {"wireserver_blocked": "false"}
    table = chain = None
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or stripped == "}" or stripped.startswith("#"):
            continue
        if (found := _NFT_TABLE.match(stripped)):
            table = f"{found.group('family')} {found.group('table')}"
        elif (found := _NFT_CHAIN.match(stripped)):
            chain = found.group("chain")
        elif (found := _NFT_POLICY.match(stripped)):
            if found.group("hook") == "output":
                facts["output_policy"] = found.group("policy")
            out.event(number, stripped, kind="chain_policy", table=table, chain=chain, policy=found.group("policy"))
        elif table is not None:
            words = stripped.split()
            verdict = next((w for w in reversed(words) if w in ("accept", "drop", "reject")), None)
            if verdict is None and "reject" in words:
                verdict = "reject"
            if verdict is None:
                continue  # sets, counters, maps and other declarations: covered by the summary
            _firewall_rule(out, number, stripped, verdict, facts, table=table, chain=chain)
        else:
            out.skip(number)
    return facts


def _firewalld(lines: list[str], out: CommandOutput) -> dict[str, str]:
    facts: dict[str, str] = {"wireserver_blocked": "false"}
    zone = None
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        if not text.startswith((" ", "\t")) and re.match(r"^[\w-]+( \([^)]*\))?$", stripped):
            zone = stripped.split()[0]
            out.event(number, stripped, kind="zone", zone=zone, active="true" if "active" in stripped else "false")
        elif stripped.startswith("rule "):
            action = next((w for w in ("accept", "drop", "reject") if re.search(rf"\b{w}\b", stripped)), "none")
            _firewall_rule(out, number, stripped, action, facts, zone=zone)
        elif ":" in stripped:
            key, _, value = stripped.partition(":")
            out.event(number, stripped, kind="zone_setting", zone=zone, setting=key.strip(), value=value.strip() or None)
        else:
            out.skip(number)
    return facts


def _ifcfg(lines: list[str], out: CommandOutput, path: str) -> dict[str, str]:
    values: dict[str, tuple[int, str]] = {}
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        found = _IFCFG.match(stripped)
        if found:
            values[found.group("key")] = (number, found.group("value").strip("\"'"))
        else:
            out.skip(number)
    interface = values.get("DEVICE", (0, path.rsplit("ifcfg-", 1)[-1]))[1]
    facts: dict[str, str] = {"interface": interface}
    if "BOOTPROTO" in values:
        line, proto = values["BOOTPROTO"]
        dhcp = proto.lower() in ("dhcp", "bootp", "dhcp4")
        facts.update(bootproto=proto, dhcp="true" if dhcp else "false")
        out.event(line, f"BOOTPROTO={proto}", level=None if dhcp else "warning", kind="ifcfg", interface=interface, bootproto=proto, dhcp=facts["dhcp"])
    return facts


def _target(host: str, port: str | None) -> str:
    if host == WIRESERVER:
        return "hostplugin" if port == "32526" else "wireserver"
    if re.search(r"\.blob\.(core\.windows\.net|storage\.azure\.net)$", host):
        return "storage"
    return "other"


_CURL_CODES = {"6": "dns", "7": "refused", "28": "timeout", "35": "tls", "60": "tls", "52": "empty-reply", "56": "reset"}


def _probe(lines: list[str], out: CommandOutput, path: str) -> dict[str, str]:
    host = port = status = error = None
    connected = False
    url = _URL.search(path.replace("_", "/"))
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if (found := _TRYING.match(stripped)):
            host, port = found.group("host").strip("[]"), found.group("port") or port
        elif (found := _CONNECTED.match(stripped)):
            connected = True
            host = host or found.group("host") or found.group("host2")
            port = found.group("port") or found.group("port2")
        elif (found := _HTTP.match(text)):
            status = found.group("status") or found.group("status2")
        elif (found := _CURL_ERROR.match(stripped)):
            error = _CURL_CODES.get(found.group("code"), "error")
            if "refused" in found.group("text").lower():
                error = "refused"
            elif "no route" in found.group("text").lower() or "unreachable" in found.group("text").lower():
                error = "unreachable"
            out.event(number, stripped, level="warning", kind="probe_error", error=error)
        elif (found := _WGET_FAILED.search(stripped)) and not connected:
            text_lower = stripped.lower()
            error = "timeout" if "timed out" in text_lower else "refused" if "refused" in text_lower else "dns" if "resolve" in text_lower else "unreachable" if "unreachable" in text_lower else error or "error"
            out.event(number, stripped, level="warning", kind="probe_error", error=error)
        elif (found := _URL.search(stripped)) and host is None:
            host, port = found.group("host"), found.group("port")
    if host is None and url:
        host, port = url.group("host"), url.group("port")
    if port is None and host:
        port = "80"
    reachable = connected and error is None
    facts = {"host": host, "port": port, "target": _target(host or "", port), "reachable": "true" if reachable else "false",
             "http_status": status, "error": error if not reachable else None}
    if host and not reachable and error is None:
        facts["error"] = "no-connection"
    return facts


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    kind = _kind(context.path, lines)
    commands = {"ifcfg": "ifcfg", "iptables": "iptables-save", "iptables -L": "iptables -L", "nft": "nft list ruleset", "firewalld": "firewall-cmd --list-all",
                "probe": "curl", "ip route": "ip route", "netstat": "netstat -rn", "ifconfig": "ifconfig", "ip addr": "ip addr"}
    out = CommandOutput(result, commands[kind], commands[kind].split()[0])
    if kind == "ifcfg":
        facts = _ifcfg(lines, out, context.path)
        return out.finish(f"ifcfg {facts['interface']}: BOOTPROTO={facts.get('bootproto', '?')}", **facts)
    if kind in ("iptables", "iptables -L", "nft", "firewalld"):
        facts = {"iptables": _iptables, "iptables -L": _iptables_listing, "nft": _nft, "firewalld": _firewalld}[kind](lines, out)
        blocked = facts.get("wireserver_blocked") == "true"
        return out.finish(f"{out.command}: {facts.get('rules', '0')} rule(s); 168.63.129.16 blocked: {facts['wireserver_blocked']}",
                          level="warning" if blocked else None, **facts)
    if kind == "probe":
        facts = _probe(lines, out, context.path)
        message = f"connection to {facts['host']}:{facts['port']} ({facts['target']}): " + (
            f"reachable, HTTP {facts['http_status'] or '?'}" if facts["reachable"] == "true" else f"failed ({facts['error']})")
        return out.finish(message, level=None if facts["reachable"] == "true" else "warning", kind_detail="connection", **facts)
    if kind in ("ip route", "netstat"):
        facts = _routes(lines, out, kind == "netstat")
        return out.finish(f"routes: to 168.63.129.16 {facts['route_to_wireserver']}, default {facts['default_route']}", **facts)
    facts = _addresses(lines, out, kind == "ifconfig")
    return out.finish(f"{facts['interfaces']} interface(s)" + (f"; DHCP address: {facts['dhcp_address']}" if "dhcp_address" in facts else ""), **facts)


PARSERS = (
    Parser(
        name="ip/iptables/nft/firewalld/curl",
        source=SOURCE,
        claim=claim,
        read=command_reader(_read),
        fields={
            "command": "the command whose output this is (ip route, iptables-save, curl, ...)",
            "kind": "interface | address | route | firewall_rule | chain_policy | zone | zone_setting | ifcfg | probe_error | summary",
            "kind_detail": "summary of a reachability check: connection",
            "interface": "network interface (eth0)",
            "state": "interface state (UP, DOWN)",
            "ipv4": "the interface's first IPv4 address",
            "family": "ip -o addr: inet | inet6 | link/ether",
            "address": "ip -o addr: the address with its prefix",
            "dynamic": "true when the address is a DHCP lease (ip addr 'dynamic')",
            "interfaces": "summary: interfaces listed",
            "dhcp_address": "summary: true when any non-loopback address came from DHCP",
            "destination": "route destination",
            "gateway": "route gateway",
            "proto": "route origin (dhcp, kernel, static)",
            "source": "route source address",
            "table": "routing or firewall table",
            "to_wireserver": "true when the route or rule names 168.63.129.16",
            "route_to_wireserver": "summary: present | absent (a host route to 168.63.129.16)",
            "default_route": "summary: present | absent",
            "chain": "firewall chain",
            "policy": "chain policy (accept, drop)",
            "output_policy": "summary: the OUTPUT chain's policy",
            "action": "rule verdict (accept, drop, reject)",
            "rule": "the rule as written",
            "port": "destination port(s) the rule names",
            "agent_rule": "true for the agent's own rule that stops only non-root traffic to 168.63.129.16",
            "blocks_wireserver": "true for a drop or reject of 168.63.129.16 that is not the agent's own",
            "wireserver_blocked": "summary: true when any rule blocks 168.63.129.16",
            "rules": "summary: rules listed",
            "zone": "firewalld zone",
            "active": "firewalld: whether the zone is active",
            "setting": "firewalld zone setting name (target, services, ports, ...)",
            "value": "firewalld zone setting value",
            "bootproto": "ifcfg BOOTPROTO (dhcp, none, static)",
            "dhcp": "ifcfg: true when the interface uses DHCP",
            "target": "reachability check: wireserver | hostplugin | storage | other",
            "host": "reachability check: host",
            "reachable": "reachability check: true when the connection was made",
            "http_status": "reachability check: the HTTP status received",
            "error": "reachability check: timeout | refused | unreachable | dns | tls | no-connection | ...",
        },
    ),
)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
