"""Properties every command-output and system-log parser keeps: arbitrary bytes never raise, every
line is accounted for (``lines == spans + unparsed``) and every field emitted is declared, under
the names they claim."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources import EVERY_EVENT_FIELDS, ParseContext
from loganalyzer.sources.linux import (
    commands_host,
    commands_network,
    commands_storage,
    commands_systemd,
    syslog,
)
from loganalyzer.sources.windows import commands_network as windows_network
from loganalyzer.sources.windows import commands_policy, commands_services

CASES = [
    (commands_systemd, "commands/systemctl_status_walinuxagent.txt"),
    (commands_systemd, "commands/systemctl_is-active_waagent.txt"),
    (commands_systemd, "sos_commands/systemd/systemctl_list-units"),
    (commands_systemd, "commands/service_waagent_status.txt"),
    (commands_host, "commands/ps.txt"),
    (commands_host, "commands/waagent_version.txt"),
    (commands_host, "commands/python3_version.txt"),
    (commands_host, "etc/os-release"),
    (commands_host, "commands/collect_info.txt"),
    (commands_network, "commands/ip_addr.txt"),
    (commands_network, "commands/ip_route.txt"),
    (commands_network, "commands/ifconfig.txt"),
    (commands_network, "commands/iptables-save.txt"),
    (commands_network, "commands/nft_list_ruleset.txt"),
    (commands_network, "commands/firewall-cmd_list-all.txt"),
    (commands_network, "commands/curl_wireserver_80.txt"),
    (commands_network, "etc/sysconfig/network-scripts/ifcfg-eth0"),
    (commands_storage, "commands/df.txt"),
    (commands_storage, "commands/mount.txt"),
    (commands_storage, "commands/findmnt.txt"),
    (commands_storage, "commands/lsblk.txt"),
    (commands_storage, "etc/fstab"),
    (syslog, "var/log/messages"),
    (commands_services, "commands/sc_query_VSS.txt"),
    (commands_services, "commands/get-service.txt"),
    (commands_services, "commands/vssadmin_list_writers.txt"),
    (windows_network, "commands/ipconfig_all.txt"),
    (windows_network, "commands/route_print.txt"),
    (windows_network, "commands/netsh_advfirewall_show_allprofiles.txt"),
    (windows_network, "commands/test-netconnection_wireserver_80.txt"),
    (commands_policy, "commands/reg_query_vss.txt"),
    (commands_policy, "commands/applocker_policy.txt"),
]

# fragments of the real formats, so that generated inputs reach the row parsers, not only the prologue
FRAGMENTS = [
    "● walinuxagent.service - Azure Linux Agent\n", "     Active: failed (Result: exit-code) since Tue 2024-08-20 09:12:04 UTC\n",
    "   Main PID: 812 (code=exited, status=1/FAILURE)\n", "Aug 20 09:12:04 vm1 python3[812]: boom\n",
    "-A OUTPUT -d 168.63.129.16/32 -j DROP\n", "*filter\n", ":OUTPUT DROP [0:0]\n", "table ip t {\n", "}\n",
    "default via 10.0.0.1 dev eth0 proto dhcp\n", "2: eth0: <UP> mtu 1500 state UP\n", "    inet 10.0.0.4/24 dynamic\n",
    "*   Trying 168.63.129.16:80...\n", "curl: (28) Connection timed out\n", "/dev/sda1 on / type ext4 (rw)\n",
    "Filesystem 1K-blocks Used Available Use% Mounted on\n", "/dev/sda1 10 10 0 100% /\n", "SERVICE_NAME: VSS\n",
    "        STATE              : 1  STOPPED\n", "Writer name: 'X'\n", "   State: [8] Failed\n", "   Last error: Timed out\n",
    "Ethernet adapter Ethernet:\n", "   DHCP Enabled. . . . : No\n", "Domain Profile Settings:\n", "Rule Name: r\n",
    "TcpTestSucceeded : False\n", "HKEY_LOCAL_MACHINE\\SYSTEM\\X\n", "    Start    REG_DWORD    0x4\n",
    '"a"=hex:01,\\\n', "<AppLockerPolicy>", "WALinuxAgent-2.2.45 running on x\n", "Python 3.1\n", "ID=x\n", "BOOTPROTO=none\n",
    "[  1.0] kernel\n", '{"MESSAGE": "x", "__REALTIME_TIMESTAMP": "1"}\n', "\r\n", "\x00", "\ufffd", "\t",
]

inputs = st.one_of(
    st.binary(max_size=600),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=40), max_size=25).map(lambda parts: "".join(parts).encode("utf-8", "replace")),
)


@pytest.mark.parametrize(("module", "path"), CASES, ids=[path for _, path in CASES])
@given(data=inputs)
def test_never_raises_and_accounts_for_every_line(module, path, data):
    result = module.parse(data, ParseContext(file=path, path=path))
    assert result.lines == result.events.spans + result.unparsed
    assert not [p for p in result.problems if p.kind == "parser-error"], result.problems
    declared = set(module.PARSERS[0].fields) | set(EVERY_EVENT_FIELDS)
    emitted = {key for fields in result.events.fields for key in fields}
    assert emitted <= declared, emitted - declared
    module.claim(path, data[:4096])
