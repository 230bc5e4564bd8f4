"""DHCP leases, read for option 245 (the WireServer address the agent uses) (source ``waagent.state``).

Claims dhclient (``var/lib/dhcp/dhclient*.leases``, ``var/lib/dhclient/*``), NetworkManager
(``var/lib/NetworkManager/*.lease*``), wicked (``var/lib/wicked/lease*``) and systemd-networkd
(``run/systemd/netif/leases/*``) lease files::

    lease {
      interface "eth0";
      fixed-address 10.0.1.4;
      option unknown-245 a8:3f:81:10;
      expire 4 2015/06/16 16:58:54;
    }

One ``dhcp_lease`` event per lease: ``lease_format``, ``interface``, ``fixed_address``,
``server_identifier``, ``routers``, ``option_245``, ``endpoint`` (decoded),
``endpoint_is_wireserver``, ``expire``, ``renew``, ``lease6``, ``ifindex``, ``lifetime``;
``dhcp_statement`` (``statement``) for lines outside a lease block.
"""

from __future__ import annotations

import re
from typing import Any

from ...events import Problem
from .. import ParseContext, Parser, ParseResult
from .._kit import descendants, first_text, iso_z, parse_epoch, parse_instant, text_of
from .state_common import (
    LOCATION_FIELDS,
    SOURCE,
    WIRESERVER_IP,
    _begin,
    _Broken,
    _broken,
    _claim,
    _dhclient_content,
    _Location,
    _Out,
    _rx,
    _short,
    _xml,
)

# --------------------------------------------------------------------------------------------------
# DHCP leases


def _decode_245(value: str) -> str | None:
    """Option 245 as an IPv4 address: ``a8:3f:81:10``, ``A83F8110``, ``168.63.129.16`` or an escaped string."""
    text = value.strip().strip(";").strip()
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text):
        return text
    hexes = text.split(":") if ":" in text else re.findall(r"..", text) if re.fullmatch(r"[0-9A-Fa-f]{8}", text) else None
    if hexes and len(hexes) == 4 and all(re.fullmatch(r"[0-9A-Fa-f]{1,2}", h) for h in hexes):
        return ".".join(str(int(h, 16)) for h in hexes)
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        raw = bytearray()
        body = text[1:-1]
        index = 0
        while index < len(body):
            char = body[index]
            if char == "\\" and index + 1 < len(body):
                octal = re.match(r"[0-7]{1,3}", body[index + 1:])
                if octal:
                    raw.append(int(octal.group(0), 8) & 0xFF)
                    index += 1 + len(octal.group(0))
                    continue
                raw.append(ord(body[index + 1]) & 0xFF)
                index += 2
                continue
            raw.append(ord(char) & 0xFF)
            index += 1
        if len(raw) == 4:
            return ".".join(str(b) for b in raw)
    return None


def _dhclient_time(words: list[str]) -> str | None:
    """``expire 4 2015/06/16 16:58:54`` (UTC), ``expire never``, ``expire epoch 1434473934``."""
    if words and words[0].isdigit() and len(words) > 1 and not re.match(r"\d{4}/", words[0]):
        words = words[1:]  # the weekday digit
    if not words:
        return None
    if words[0] == "never":
        return "never"
    if words[0] == "epoch" and len(words) > 1:
        return iso_z(parse_epoch(words[1]))
    if len(words) >= 2:
        return iso_z(parse_instant(words[0].replace("/", "-") + "T" + words[1] + "Z"))
    return None


def _lease_event(out: _Out, fields: dict[str, Any], line: int, span: int) -> None:
    endpoint = fields.get("endpoint")
    where = fields.get("interface") or (f"interface index {fields['ifindex']}" if fields.get("ifindex") else "?")
    message = f"DHCP lease on {where}: address {fields.get('fixed_address')}"
    if fields.get("option_245") == "1":
        message += f", option 245 = {endpoint or 'undecodable'}"
    else:
        message += ", no option 245 (no WireServer address from DHCP)"
    if fields.get("expire"):
        message += f", expires {fields['expire']}"
    level = "info"
    if fields.get("option_245") != "1" or (endpoint and endpoint != WIRESERVER_IP):
        level = "warning"
    out.add(message, fields, line=line, level=level, component="dhcp", span=span)


def _parse_dhclient(lines: list[str], result: ParseResult, out: _Out, context: ParseContext, interface_hint: str | None) -> None:
    index = 0
    pending_blank = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith("#"):
            if len(result.events):
                result.events.spans += 1
            else:
                pending_blank += 1
            index += 1
            continue
        opening = re.match(r"^(lease6?)\s*\{", stripped)
        if not opening:
            if stripped.endswith(";"):
                out.add(f"DHCP client statement: {stripped}", {"kind": "dhcp_statement", "statement": _short(stripped, 300)},
                        line=index + 1, component="dhcp", span=1 + pending_blank)
                pending_blank = 0
            else:
                result.unparsable(index + 1)
            index += 1
            continue
        start = index
        depth = stripped.count("{") - stripped.count("}")
        fields: dict[str, Any] = {"kind": "dhcp_lease", "lease_format": "dhclient", "option_245": "0",
                                  "lease6": "1" if opening.group(1) == "lease6" else None}
        index += 1
        while index < len(lines) and depth > 0:
            body = lines[index].strip()
            depth += body.count("{") - body.count("}")
            statement = re.sub(r";\s*(?:#.*)?$", "", body).strip()
            words = statement.split()
            if words:
                if words[0] == "interface" and len(words) > 1:
                    fields["interface"] = words[1].strip('"')
                elif words[0] == "fixed-address" and len(words) > 1:
                    fields["fixed_address"] = words[1]
                elif words[0] in ("expire", "renew", "rebind"):
                    if words[0] in ("expire", "renew"):
                        fields[words[0]] = _dhclient_time(words[1:])
                elif words[0] == "option" and len(words) > 2:
                    option, value = words[1], " ".join(words[2:])
                    if option == "dhcp-server-identifier":
                        fields["server_identifier"] = value
                    elif option == "routers":
                        fields["routers"] = value
                    elif option in ("unknown-245", "option-245", "azure-endpoint", "wireserver") or option.endswith("245"):
                        fields["option_245"] = "1"
                        fields["endpoint"] = _decode_245(value)
            index += 1
        if depth > 0:
            kind = "truncated" if context.truncated or index >= len(lines) else "malformed"
            result.problems.append(Problem(context.file, kind, f"lease block opened at line {start + 1} is not closed"))
            for number in range(start + 1, index + 1):
                result.unparsable(number)
            span = 0
        else:
            span = index - start + pending_blank
        pending_blank = 0
        fields.setdefault("interface", interface_hint)
        if fields.get("endpoint"):
            fields["endpoint_is_wireserver"] = "1" if fields["endpoint"] == WIRESERVER_IP else "0"
        _lease_event(out, fields, start + 1, span)
    if pending_blank:
        if len(result.events):
            result.events.spans += pending_blank
        else:
            out.add("DHCP lease file without leases", {"kind": "dhcp_statement"}, span=pending_blank, component="dhcp")


def _parse_key_value_lease(lines: list[str], result: ParseResult, out: _Out, interface_hint: str | None, ifindex: str | None) -> None:
    values: dict[str, str] = {}
    accounted = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            accounted += 1
            continue
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", stripped)
        if not match:
            result.unparsable(number)
            continue
        values[match.group(1)] = match.group(2).strip().strip('"')
        accounted += 1
    option = values.get("OPTION_245") or values.get("PRIVATE_245")
    fields: dict[str, Any] = {
        "kind": "dhcp_lease",
        "lease_format": "networkd",
        "interface": interface_hint,
        "ifindex": ifindex,
        "fixed_address": values.get("ADDRESS"),
        "server_identifier": values.get("SERVER_ADDRESS"),
        "routers": values.get("ROUTER"),
        "lifetime": values.get("LIFETIME"),
        "option_245": "1" if option else "0",
        "endpoint": _decode_245(option) if option else None,
    }
    if fields["endpoint"]:
        fields["endpoint_is_wireserver"] = "1" if fields["endpoint"] == WIRESERVER_IP else "0"
    _lease_event(out, fields, 1, accounted)


def _parse_wicked_lease(text: str, lines: list[str], result: ParseResult, out: _Out, context: ParseContext, interface_hint: str | None) -> None:
    # wicked writes element names such as <ipv4:dhcp> without declaring the prefix
    body = re.sub(r"<(/?)([A-Za-z][\w.-]*):([A-Za-z])", r"<\1\2_\3", text)
    try:
        root = _xml(body)
    except _Broken as error:
        _broken(result, context, str(error))
        return
    option_value = None
    for option in descendants(root, "option"):
        if (text_of(option, "code") or "").strip() == "245":
            option_value = text_of(option, "data") or text_of(option, "value") or ""
    for name in ("unknown-245", "option-245"):
        found = first_text(root, name)
        if found:
            option_value = found
    fields: dict[str, Any] = {
        "kind": "dhcp_lease",
        "lease_format": "wicked",
        "interface": interface_hint,
        "fixed_address": first_text(root, "address") or first_text(root, "local"),
        "server_identifier": first_text(root, "server-address"),
        "option_245": "1" if option_value is not None else "0",
        "endpoint": _decode_245(option_value) if option_value else None,
    }
    if fields["endpoint"]:
        fields["endpoint_is_wireserver"] = "1" if fields["endpoint"] == WIRESERVER_IP else "0"
    _lease_event(out, fields, 1, len(lines))


def read_dhcp_lease(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """DHCP leases of dhclient, NetworkManager, wicked and systemd-networkd: option 245 = WireServer."""
    text, lines = _begin(data, context, result)
    if text is None:
        return
    base = context.path.rsplit("/", 1)[-1]
    interface = None
    match = re.search(r"(?:dhclient6?[.-](?:[0-9a-f-]+-)?|internal-[0-9a-f-]+-|lease-)([A-Za-z][\w.]*?)(?:\.leases?|-dhcp-ipv[46]\.xml)?$", base)
    if match and not match.group(1).startswith(("lease", "dhclient")):
        interface = match.group(1)
    out = _Out(result, _Location(context.path), structured=False)
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("<"):
        _parse_wicked_lease(text, lines, result, out, context, interface)
    elif re.search(r"^[^\S\n]*lease6?\s*\{", text, re.MULTILINE) or not re.search(r"^[A-Z][A-Z0-9_]*=", text, re.MULTILINE):
        _parse_dhclient(lines, result, out, context, interface)
    else:
        _parse_key_value_lease(lines, result, out, interface, base if base.isdigit() else None)
    return




DHCP_FIELDS = {
    **LOCATION_FIELDS,
    "lease_format": "dhclient, networkd or wicked",
    "interface": "network interface",
    "fixed_address": "the leased address",
    "server_identifier": "DHCP server",
    "routers": "routers offered",
    "option_245": "1 when the lease carries option 245 (the WireServer address)",
    "endpoint": "option 245 decoded to an address",
    "endpoint_is_wireserver": "1 when that address is 168.63.129.16",
    "expire": "lease expiry, UTC ...Z or never",
    "renew": "lease renewal time",
    "lease6": "1 for a DHCPv6 lease",
    "ifindex": "interface index (networkd lease file name)",
    "lifetime": "lease lifetime (networkd)",
    "statement": "a dhclient statement outside any lease block (dhcp_statement)",
}

PARSERS: tuple[Parser, ...] = (
    Parser("DHCP lease", SOURCE,
           _claim(_rx(r"(?:^|/)(?:var/lib/dhcp/[^/]*\.leases?|var/lib/dhcp/dhclient[^/]*|var/lib/dhclient/[^/]+"
                      r"|var/lib/NetworkManager/[^/]*\.lease[^/]*|var/lib/wicked/lease[^/]*|run/systemd/netif/leases/[^/]+)$"),
                  _dhclient_content),
           read=read_dhcp_lease, fields=DHCP_FIELDS),
)
