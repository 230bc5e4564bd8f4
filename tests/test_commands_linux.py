"""Linux command-output parsers (source ``linux.command``): real-format samples of each command
family, recognition by name and by content, and the fields signatures key on."""

from __future__ import annotations

import pytest
from test_commands_helpers import parse_checked, rows, summary_of, winner

from loganalyzer.reader import read_bundle
from loganalyzer.sources import BY_CONTENT, BY_NAME
from loganalyzer.sources.linux import (
    commands_host,
    commands_network,
    commands_storage,
    commands_systemd,
)

# An older systemd (no vendor preset, "*" bullet, ASCII CGroup tree), as in agent issue reports.
STATUS_RUNNING = """\
* walinuxagent.service - Azure Linux Agent
   Loaded: loaded (/lib/systemd/system/walinuxagent.service; enabled)
   Active: active (running) since Tue 2017-06-20 06:52:14 UTC; 3min 5s ago
 Main PID: 477 (python)
   CGroup: /system.slice/walinuxagent.service
           |-477 python /usr/sbin/waagent -daemon
           `-568 python -u /usr/sbin/waagent -run-exthandlers

Jun 20 06:52:20 debian-vm waagent[477]: 2017/06/20 06:52:20.077847 INFO WALinuxAgent-2.2.13 running as process 568
Jun 20 06:52:20 debian-vm waagent[477]: 2017/06/20 06:52:20.097578 INFO Wire server endpoint:168.63.129.16
"""

STATUS_FAILED = """\
× walinuxagent.service - Azure Linux Agent
     Loaded: loaded (/lib/systemd/system/walinuxagent.service; enabled; preset: enabled)
     Active: failed (Result: exit-code) since Mon 2024-11-04 08:01:12 UTC; 2h ago
   Duration: 1.204s
    Process: 812 ExecStart=/usr/bin/python3 -u /usr/sbin/waagent -daemon (code=exited, status=1/FAILURE)
   Main PID: 812 (code=exited, status=1/FAILURE)
        CPU: 611ms

Nov 04 08:01:12 vm1 python3[812]: ModuleNotFoundError: No module named 'crypt'
Nov 04 08:01:12 vm1 systemd[1]: walinuxagent.service: Failed with result 'exit-code'.
"""


def test_systemctl_status_of_a_running_agent():
    result = parse_checked(commands_systemd, "commands/systemctl_status_walinuxagent.txt", STATUS_RUNNING)
    (unit,) = rows(result, "unit")
    assert unit["unit"] == "walinuxagent.service" and unit["is_agent"] == "true"
    assert (unit["load_state"], unit["unit_file_state"], unit["active_state"], unit["sub_state"]) == ("loaded", "enabled", "active", "running")
    assert unit["main_pid"] == "477" and unit["since"].startswith("2017-06-20T06:52:14")
    journal = rows(result, "journal")
    assert [j["process"] for j in journal] == ["waagent", "waagent"]
    assert result.events.time[0].year == 2017 and result.events.time[0].tzinfo is not None
    assert summary_of(result)["agent_running"] == "true" and result.unparsed == 0


def test_systemctl_status_of_a_failed_agent_names_the_exit_status():
    result = parse_checked(commands_systemd, "sos_commands/systemd/systemctl_status_--all", STATUS_FAILED)
    (unit,) = rows(result, "unit")
    assert unit["active_state"] == "failed" and unit["result"] == "exit-code" and unit["exit_status"] == "1/FAILURE"
    levels = dict(zip(result.events.message, result.events.level))
    assert levels["ModuleNotFoundError: No module named 'crypt'"] == "error"
    assert levels["walinuxagent.service: Failed with result 'exit-code'."] == "error"
    summary = summary_of(result)
    assert summary["agent_running"] == "false" and summary["agent_active_state"] == "failed"


def test_systemctl_status_of_a_missing_unit():
    result = parse_checked(commands_systemd, "commands/systemctl_status_waagent.txt", "Unit waagent.service could not be found.\n")
    (unit,) = rows(result, "unit")
    assert unit["load_state"] == "not-found" and unit["is_agent"] == "true"


@pytest.mark.parametrize(
    ("name", "text", "key", "value"),
    [
        ("commands/systemctl_is-active_walinuxagent.txt", "inactive\n", "active_state", "inactive"),
        ("commands/systemctl_is-enabled_waagent.txt", "disabled\n", "unit_file_state", "disabled"),
        ("commands/systemctl_is-enabled_waagent.txt", "masked\n", "unit_file_state", "masked"),
    ],
)
def test_is_active_and_is_enabled_take_the_unit_from_the_file_name(name, text, key, value):
    result = parse_checked(commands_systemd, name, text)
    (unit,) = rows(result, "unit")
    assert unit[key] == value and unit["is_agent"] == "true"
    assert winner(name, text) == "systemctl/service"


def test_is_active_output_without_a_telling_name_is_not_claimed():
    assert winner("notes/answer.txt", "active\n") is None


def test_list_units_and_list_unit_files():
    units = parse_checked(commands_systemd, "sos_commands/systemd/systemctl_list-units", """\
  UNIT                      LOAD   ACTIVE SUB     DESCRIPTION
  cron.service              loaded active running Regular background program processing daemon
● walinuxagent.service      loaded failed failed  Azure Linux Agent

LOAD   = Reflects whether the unit definition was properly loaded.
ACTIVE = The high-level unit activation state, i.e. generalization of SUB.
SUB    = The low-level unit activation state, values depend on unit type.

2 loaded units listed.
""")
    assert [u["unit"] for u in rows(units, "unit")] == ["cron.service", "walinuxagent.service"]
    assert summary_of(units)["agent_active_state"] == "failed" and units.unparsed == 0
    files = parse_checked(commands_systemd, "commands/systemctl_list-unit-files.txt", """\
UNIT FILE                    STATE           VENDOR PRESET
walinuxagent.service         disabled        enabled
ssh.service                  enabled         enabled

2 unit files listed.
""")
    agent = next(u for u in rows(files, "unit") if u["is_agent"] == "true")
    assert agent["unit_file_state"] == "disabled" and agent["vendor_preset"] == "enabled"


@pytest.mark.parametrize(
    ("text", "active"),
    [
        ("waagent (pid  1520) is running...\n", "active"),
        ("waagent is stopped\n", "inactive"),
        ("walinuxagent start/running, process 1024\n", "active"),
        ("waagent is not running.\n", "inactive"),
    ],
)
def test_service_status_of_sysv_upstart_and_freebsd(text, active):
    result = parse_checked(commands_systemd, "commands/service_waagent_status.txt", text)
    (unit,) = rows(result, "unit")
    assert unit["active_state"] == active and unit["is_agent"] == "true"


def test_waagent_version_gives_both_agents_and_python():
    text = "WALinuxAgent-2.2.45 running on ubuntu 18.04\nPython: 3.6.9\nGoal state agent: 2.8.0.11\n"
    assert winner("commands/waagent_version.txt", text) == "ps/versions/os-release"
    assert winner("anything.out", text) == "ps/versions/os-release"  # by content alone
    summary = summary_of(parse_checked(commands_host, "commands/waagent_version.txt", text))
    assert (summary["agent_version"], summary["goal_state_agent_version"], summary["python_version"]) == ("2.2.45", "2.8.0.11", "3.6.9")


def test_python_version_and_a_missing_interpreter():
    assert summary_of(parse_checked(commands_host, "commands/python3_version.txt", "Python 3.12.3\n"))["python_version"] == "3.12.3"
    missing = parse_checked(commands_host, "commands/python_version.txt", "/bin/sh: 1: python: not found\n")
    assert summary_of(missing)["python_missing"] == "true" and summary_of(missing)["interpreter"] == "python"


def test_ps_listing_tells_which_agent_processes_run():
    text = """\
USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root           1  0.0  0.1 167744 13140 ?        Ss   Nov03   0:04 /sbin/init
root         947  0.0  0.4 236072 17436 ?        Ss   Nov03   0:05 /usr/bin/python3 -u /usr/sbin/waagent -daemon
root        1311  0.4  1.1 893092 45304 ?        Sl   Nov03   6:12 python3 -u bin/WALinuxAgent-2.12.0.4-py3.12.egg -run-exthandlers
"""
    result = parse_checked(commands_host, "sos_commands/process/ps_auxwww", text)
    roles = {p["process_role"]: p for p in rows(result, "process")}
    assert roles["agent-exthandler"]["agent_version"] == "2.12.0.4"
    summary = summary_of(result)
    assert summary["agent_daemon_running"] == "true" and summary["backup_extension_running"] == "false"
    assert summary["processes"] == "3"
    stopped = summary_of(parse_checked(commands_host, "commands/ps.txt", text.splitlines()[0] + "\n" + text.splitlines()[1] + "\n"))
    assert stopped["agent_daemon_running"] == "false" and stopped["agent_exthandler_running"] == "false"


def test_os_release():
    text = 'NAME="Red Hat Enterprise Linux"\nVERSION="8.6 (Ootpa)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="8.6"\nPRETTY_NAME="Red Hat Enterprise Linux 8.6 (Ootpa)"\n'
    summary = summary_of(parse_checked(commands_host, "etc/os-release", text))
    assert (summary["os_id"], summary["os_version_id"], summary["os_like"]) == ("rhel", "8.6", "fedora")


IPTABLES_BLOCKS = """\
# Generated by iptables-save v1.8.7 on Mon Nov  4 08:00:00 2024
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -d 168.63.129.16/32 -p tcp -m tcp --dport 53 -j ACCEPT
-A OUTPUT -d 168.63.129.16/32 -p tcp -m owner --uid-owner 0 -j ACCEPT
-A OUTPUT -d 168.63.129.16/32 -p tcp -m conntrack --ctstate INVALID,NEW -j DROP
-A OUTPUT -d 168.63.129.16/32 -p tcp -m tcp --dport 32526 -j REJECT --reject-with icmp-port-unreachable
COMMIT
# Completed on Mon Nov  4 08:00:00 2024
"""


def test_iptables_tells_the_agents_own_rules_from_a_block():
    result = parse_checked(commands_network, "commands/iptables-save.txt", IPTABLES_BLOCKS)
    rules = rows(result, "firewall_rule")
    assert [r.get("agent_rule", "-") for r in rules] == ["-", "true", "true", "-"]
    assert [r["blocks_wireserver"] for r in rules] == ["false", "false", "false", "true"]
    assert rules[-1]["port"] == "32526" and rules[-1]["action"] == "reject"
    assert summary_of(result)["wireserver_blocked"] == "true" and summary_of(result)["output_policy"] == "accept"
    agent_only = "\n".join(line for line in IPTABLES_BLOCKS.splitlines() if "32526" not in line) + "\n"
    assert summary_of(parse_checked(commands_network, "commands/iptables-save.txt", agent_only))["wireserver_blocked"] == "false"
    assert winner("saved/rules.out", IPTABLES_BLOCKS) == "ip/iptables/nft/firewalld/curl"


def test_nft_ruleset_and_firewalld():
    nft = parse_checked(commands_network, "sos_commands/nftables/nft_list_ruleset", """\
table inet filter {
\tchain output {
\t\ttype filter hook output priority filter; policy accept;
\t\tip daddr 168.63.0.0/16 drop
\t}
}
""")
    assert summary_of(nft)["wireserver_blocked"] == "true"
    zone = parse_checked(commands_network, "commands/firewall-cmd_list-all.txt", """\
public (active)
  target: default
  interfaces: eth0
  services: dhcpv6-client ssh
  rich rules:
\trule family="ipv4" destination address="168.63.129.16" port port="80" protocol="tcp" reject
""")
    assert summary_of(zone)["wireserver_blocked"] == "true" and zone.unparsed == 0


def test_routes_with_and_without_the_wireserver():
    present = parse_checked(commands_network, "sos_commands/networking/ip_route_show_table_all", """\
default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.4 metric 100
10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.4 metric 100
168.63.129.16 via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.4 metric 100
169.254.169.254 via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.4 metric 100
local 10.0.0.4 dev eth0 table local proto kernel scope host src 10.0.0.4
""")
    assert summary_of(present)["route_to_wireserver"] == "present" and present.unparsed == 0
    absent = parse_checked(commands_network, "commands/ip_route.txt", "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.4\n")
    assert summary_of(absent) | {} == {"command": "ip route", "kind": "summary", "route_to_wireserver": "absent", "default_route": "absent"}
    bsd = parse_checked(commands_network, "commands/netstat_rn.txt", """\
Routing tables

Internet:
Destination        Gateway            Flags     Netif Expire
default            10.0.0.1           UGS      hn0
10.0.0.0/24        link#1             U        hn0
168.63.129.16      10.0.0.1           UGHS     hn0
""")
    assert summary_of(bsd)["route_to_wireserver"] == "present" and bsd.unparsed == 0


def test_ip_addr_tells_dhcp_from_static():
    text = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000
    link/ether 00:0d:3a:aa:bb:cc brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.4/24 brd 10.0.0.255 scope global noprefixroute eth0
       valid_lft forever preferred_lft forever
"""
    result = parse_checked(commands_network, "sos_commands/networking/ip_-d_address", text)
    eth0 = next(i for i in rows(result, "interface") if i["interface"] == "eth0")
    assert eth0["ipv4"] == "10.0.0.4" and eth0["dynamic"] == "false" and eth0["state"] == "UP"
    assert summary_of(result)["dhcp_address"] == "false"


@pytest.mark.parametrize(
    ("name", "text", "reachable", "error", "target"),
    [
        ("commands/curl_wireserver_80.txt",
         "*   Trying 168.63.129.16:80...\n* Connected to 168.63.129.16 (168.63.129.16) port 80 (#0)\n> GET /?comp=versions HTTP/1.1\n< HTTP/1.1 200 OK\n",
         "true", None, "wireserver"),
        ("commands/curl_hostplugin_32526.txt",
         "*   Trying 168.63.129.16:32526...\n* connect to 168.63.129.16 port 32526 failed: Connection refused\ncurl: (7) Failed to connect to 168.63.129.16 port 32526 after 2 ms: Couldn't connect to server\n",
         "false", "refused", "hostplugin"),
        ("commands/curl_wireserver_80.txt",
         "*   Trying 168.63.129.16:80...\n* Connection timed out after 15001 milliseconds\ncurl: (28) Connection timed out after 15001 milliseconds\n",
         "false", "timeout", "wireserver"),
        ("commands/wget_wireserver.txt",
         "--2024-11-04 08:00:00--  http://168.63.129.16/?comp=versions\nConnecting to 168.63.129.16:80... failed: Connection timed out.\nGiving up.\n",
         "false", "timeout", "wireserver"),
        ("commands/curl_storage.txt",
         "*   Trying 20.60.1.4:443...\n* Connected to md-abc.z12.blob.storage.azure.net (20.60.1.4) port 443 (#0)\n< HTTP/1.1 400 Bad Request\n",
         "true", None, "other"),
    ],
)
def test_reachability_checks(name, text, reachable, error, target):
    summary = summary_of(parse_checked(commands_network, name, text))
    assert (summary["reachable"], summary.get("error"), summary["target"]) == (reachable, error, target)


def test_ifcfg_without_dhcp():
    text = 'DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nIPADDR=10.0.0.4\n'
    summary = summary_of(parse_checked(commands_network, "etc/sysconfig/network-scripts/ifcfg-eth0", text))
    assert summary["dhcp"] == "false" and summary["bootproto"] == "none"


def test_df_mount_findmnt_lsblk_and_fstab():
    df = parse_checked(commands_storage, "sos_commands/filesys/df_-al_-x_autofs", """\
Filesystem     1K-blocks     Used Available Use% Mounted on
/dev/sda1       30298176 30298176         0 100% /
/dev/mapper/rootvg-varlv
                 8374272  2109440   6264832  26% /var
""")
    filesystems = rows(df, "filesystem")
    assert [r["full"] for r in filesystems] == ["true", "false"] and filesystems[1]["mount_point"] == "/var"
    assert summary_of(df)["full_filesystems"] == "1" and df.unparsed == 0
    mount = parse_checked(commands_storage, "sos_commands/filesys/mount_-l", """\
/dev/sda1 on / type ext4 (rw,relatime,discard)
//stor01.file.core.windows.net/share on /mnt/share type cifs (rw,relatime,vers=3.1.1,cache=strict)
/dev/sdc1 on /datadrive type xfs (ro,relatime,attr2,inode64,noquota)
""")
    by_point = {m["mount_point"]: m for m in rows(mount, "mount")}
    assert by_point["/mnt/share"]["network_fs"] == "true" and by_point["/datadrive"]["read_only"] == "true"
    findmnt = parse_checked(commands_storage, "commands/findmnt.txt", "TARGET     SOURCE    FSTYPE OPTIONS\n/          /dev/sda1 ext4   rw,relatime\n/datadrive /dev/sdc1 xfs    rw,relatime\n")
    assert [m["fs_type"] for m in rows(findmnt, "mount")] == ["ext4", "xfs"]
    lsblk = parse_checked(commands_storage, "sos_commands/block/lsblk", "NAME   MAJ:MIN RM  SIZE RO TYPE MOUNTPOINT\nsda      8:0    0   30G  0 disk\n└─sda1   8:1    0   30G  0 part /\n")
    assert [d["name"] for d in rows(lsblk, "block_device")] == ["sda", "sda1"]
    fstab = parse_checked(commands_storage, "etc/fstab", "# static file system information\nUUID=abc / xfs defaults 0 0\n/data/pg /var/lib/pgsql none bind 0 0\n")
    assert [m.get("bind", "-") for m in rows(fstab, "mount")] == ["-", "true"]


def test_unknown_text_stays_unrecognised(tmp_path):
    (tmp_path / "commands").mkdir()
    (tmp_path / "commands" / "uname_-a.txt").write_text("Linux vm1 5.15.0-1064-azure #73-Ubuntu SMP x86_64 GNU/Linux\n")
    (tmp_path / "notes.txt").write_text("customer says backups fail since Monday\n")
    coverage = read_bundle(tmp_path).coverage
    assert set(coverage.source) == {"unrecognised"}


def test_claims_by_name_and_by_content_are_ranked():
    text = STATUS_RUNNING
    by_both = commands_systemd.claim("commands/systemctl_status_waagent.txt", text.encode())
    by_content = commands_systemd.claim("x/output.log", text.encode())
    by_name = commands_systemd.claim("commands/systemctl_status_waagent.txt", b"garbage")
    assert by_both > by_name >= BY_NAME and by_content == BY_CONTENT


def test_ip_one_line_addresses_from_sos():
    text = (
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
        "2: eth0    inet 10.0.0.4/24 brd 10.0.0.255 scope global dynamic eth0\\       valid_lft 86000sec preferred_lft 86000sec\n"
        "2: eth0    inet6 fe80::20d:3aff:fe11:2233/64 scope link \\       valid_lft forever preferred_lft forever\n"
    )
    result = parse_checked(commands_network, "sos_commands/networking/ip_-o_addr", text)
    assert [a["family"] for a in rows(result, "address")] == ["inet", "inet", "inet6"]
    assert summary_of(result)["dhcp_address"] == "true" and result.unparsed == 0


def test_freebsd_ifconfig():
    text = (
        "hn0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n"
        "\toptions=8051b<RXCSUM,TXCSUM,VLAN_MTU,VLAN_HWTAGGING,TSO4,LRO,LINKSTATE>\n"
        "\tether 00:0d:3a:11:22:33\n"
        "\tinet 10.0.0.4 netmask 0xffffff00 broadcast 10.0.0.255\n"
        "\tmedia: Ethernet autoselect (10Gbase-T <full-duplex>)\n"
        "\tstatus: active\n"
        "lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> metric 0 mtu 16384\n"
        "\tinet 127.0.0.1 netmask 0xff000000\n"
    )
    result = parse_checked(commands_network, "commands/ifconfig.txt", text)
    interfaces = {i["interface"]: i for i in rows(result, "interface")}
    assert interfaces["hn0"]["ipv4"] == "10.0.0.4" and interfaces["hn0"]["state"] == "UP"
    assert summary_of(result)["interfaces"] == "2" and result.unparsed == 0


def test_iptables_listing_from_sos():
    text = """\
Chain INPUT (policy ACCEPT 1043 packets, 219611 bytes)
    pkts      bytes target     prot opt in     out     source               destination

Chain OUTPUT (policy ACCEPT 977 packets, 190442 bytes)
    pkts      bytes target     prot opt in     out     source               destination
       0        0 ACCEPT     tcp  --  *      *       0.0.0.0/0            168.63.129.16        owner UID match 0
      12      720 DROP       tcp  --  *      *       0.0.0.0/0            168.63.129.16        tcp dpt:32526
"""
    result = parse_checked(commands_network, "sos_commands/firewall_tables/iptables_-t_filter_-nvL", text)
    rules = rows(result, "firewall_rule")
    assert [r["blocks_wireserver"] for r in rules] == ["false", "true"] and rules[1]["port"] == "32526"
    assert summary_of(result)["wireserver_blocked"] == "true" and result.unparsed == 0
