"""Windows command-output parsers (source ``windows.command``): real-format samples of sc,
Get-Service, vssadmin, ipconfig, route print, netsh advfirewall, Test-NetConnection, reg and
AppLocker policy exports."""

from __future__ import annotations

import pytest
from test_commands_helpers import parse_checked, rows, summary_of, winner

from loganalyzer.sources import ParseContext
from loganalyzer.sources.windows import (
    commands_network,
    commands_policy,
    commands_services,
)

SC_QUERY = """
SERVICE_NAME: WindowsAzureGuestAgent
        TYPE               : 10  WIN32_OWN_PROCESS
        STATE              : 1  STOPPED
        WIN32_EXIT_CODE    : 1067  (0x42b)
        SERVICE_EXIT_CODE  : 0  (0x0)
        CHECKPOINT         : 0x0
        WAIT_HINT          : 0x0
"""

SC_QC = """[SC] QueryServiceConfig SUCCESS

SERVICE_NAME: VSS
        TYPE               : 10  WIN32_OWN_PROCESS
        START_TYPE         : 4   DISABLED
        ERROR_CONTROL      : 1   NORMAL
        BINARY_PATH_NAME   : C:\\Windows\\system32\\vssvc.exe
        LOAD_ORDER_GROUP   :
        TAG                : 0
        DISPLAY_NAME       : Volume Shadow Copy
        DEPENDENCIES       : RPCSS
        SERVICE_START_NAME : LocalSystem
"""


def test_sc_query_of_a_stopped_agent():
    result = parse_checked(commands_services, "commands/sc_query_WindowsAzureGuestAgent.txt", SC_QUERY)
    (service,) = rows(result, "service")
    assert (service["state"], service["exit_code"], service["is_agent"]) == ("stopped", "1067", "true")
    assert summary_of(result)["agent_running"] == "false" and result.unparsed == 0
    assert winner("dump/out.txt", SC_QUERY.encode()) == "sc/Get-Service/vssadmin"


def test_sc_qc_gives_the_start_type():
    (service,) = rows(parse_checked(commands_services, "commands/sc_qc_VSS.txt", SC_QC), "service")
    assert service["start_type"] == "disabled" and service["binary_path"].endswith("vssvc.exe")


def test_sc_on_a_missing_service():
    result = parse_checked(commands_services, "commands/sc_query_RdAgent.txt", "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\n\nThe specified service does not exist as an installed service.\n\n")
    assert rows(result, "service_missing")


def test_get_service_table_from_windows_powershell_in_utf16():
    text = "\nStatus   Name               DisplayName\n------   ----               -----------\nRunning  RdAgent            RdAgent\nStopped  WindowsAzureGue... Windows Azure Guest Agent\n"
    data = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")
    result = commands_services.parse(data, ParseContext(file="get-service.txt", path="commands/get-service.txt"))
    assert result.lines == result.events.spans + result.unparsed
    assert [s["state"] for s in rows(result, "service")] == ["running", "stopped"]


VSS_WRITERS = """vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Waiting for responses.
These may be delayed if a shadow copy is being prepared.

Writer name: 'Task Scheduler Writer'
   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}
   Writer Instance Id: {1bddd48e-5052-49db-9b07-b96f96727e6b}
   State: [1] Stable
   Last error: No error

Writer name: 'SqlServerWriter'
   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}
   Writer Instance Id: {9075d0a6-8a3e-4ad8-9a30-d23e4bf83fa1}
   State: [8] Failed
   Last error: Timed out

Writer name: 'Microsoft Exchange Writer'
   Writer Id: {76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}
   Writer Instance Id: {e3ec4d42-61d5-49b4-8b0b-bb5a3c9f0f4f}
   State: [5] Waiting for completion
   Last error: Retryable error

"""


def test_vssadmin_writers_name_the_failed_ones():
    result = parse_checked(commands_services, "commands/vssadmin_list_writers.txt", VSS_WRITERS)
    writers = {w["writer"]: w for w in rows(result, "vss_writer")}
    assert writers["Task Scheduler Writer"]["writer_failed"] == "false"
    assert writers["SqlServerWriter"]["writer_state"] == "failed" and writers["SqlServerWriter"]["last_error"] == "timed out"
    assert writers["Microsoft Exchange Writer"]["writer_failed"] == "true"
    summary = summary_of(result)
    assert summary["writers"] == "3" and summary["writers_failed"] == "2"
    assert summary["failed_writers"] == "SqlServerWriter, Microsoft Exchange Writer" and result.unparsed == 0


def test_vssadmin_providers_and_shadows():
    providers = parse_checked(commands_services, "commands/vssadmin_list_providers.txt", """vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Provider name: 'Microsoft Software Shadow Copy provider 1.0'
   Provider type: System
   Provider Id: {b5946137-7b9f-4925-af80-51abd60b20d5}
   Version: 1.0.0.7

Provider name: 'Acme Backup VSS Provider'
   Provider type: Software
   Provider Id: {11111111-2222-3333-4444-555555555555}
   Version: 7.2.0.1
""")
    assert [p["third_party"] for p in rows(providers, "vss_provider")] == ["false", "true"]
    assert summary_of(providers)["third_party_providers"] == "1"
    shadows = parse_checked(commands_services, "commands/vssadmin_list_shadows.txt", """vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Contents of shadow copy set ID: {c4a2d2a1-0000-4d3e-9b6f-1a2b3c4d5e6f}
   Contained 1 shadow copies at creation time: 11/4/2024 2:00:05 AM
      Shadow Copy ID: {0f0e0d0c-1111-2222-3333-444455556666}
         Original Volume: (C:)\\\\?\\Volume{12345678-0000-0000-0000-100000000000}\\
         Shadow Copy Volume: \\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1
""")
    (shadow,) = rows(shadows, "vss_shadow")
    assert shadow["original_volume"].startswith("(C:)")


IPCONFIG = """
Windows IP Configuration

   Host Name . . . . . . . . . . . . : FS03
   Primary Dns Suffix  . . . . . . . :
   Node Type . . . . . . . . . . . . : Hybrid
   IP Routing Enabled. . . . . . . . : No

Ethernet adapter Ethernet 2:

   Connection-specific DNS Suffix  . : xyz.ax.internal.cloudapp.net
   Description . . . . . . . . . . . : Microsoft Hyper-V Network Adapter #2
   Physical Address. . . . . . . . . : 00-0D-3A-11-22-33
   DHCP Enabled. . . . . . . . . . . : Yes
   Autoconfiguration Enabled . . . . : Yes
   IPv4 Address. . . . . . . . . . . : 10.2.0.5(Preferred)
   Subnet Mask . . . . . . . . . . . : 255.255.255.0
   Lease Obtained. . . . . . . . . . : Monday, November 4, 2024 1:00:02 AM
   Default Gateway . . . . . . . . . : 10.2.0.1
   DHCP Server . . . . . . . . . . . : 168.63.129.16
   DNS Servers . . . . . . . . . . . : 168.63.129.16
   NetBIOS over Tcpip. . . . . . . . : Enabled
"""


def test_ipconfig_dhcp_on_and_off():
    on = parse_checked(commands_network, "commands/ipconfig_all.txt", IPCONFIG)
    (adapter,) = rows(on, "adapter")
    assert (adapter["adapter"], adapter["dhcp_enabled"], adapter["ipv4"], adapter["dhcp_server"]) == ("Ethernet 2", "true", "10.2.0.5", "168.63.129.16")
    assert summary_of(on)["dhcp_enabled"] == "true" and on.unparsed == 0
    off = parse_checked(commands_network, "x/ipconfig.out", IPCONFIG.replace("DHCP Enabled. . . . . . . . . . . : Yes", "DHCP Enabled. . . . . . . . . . . : No"))
    assert summary_of(off)["dhcp_enabled"] == "false"
    assert winner("collected/network.txt", IPCONFIG.encode()) == "ipconfig/route print/netsh/Test-NetConnection"


ROUTE_PRINT = """===========================================================================
Interface List
  5...00 0d 3a 11 22 33 ......Microsoft Hyper-V Network Adapter #2
  1...........................Software Loopback Interface 1
===========================================================================

IPv4 Route Table
===========================================================================
Active Routes:
Network Destination        Netmask          Gateway       Interface  Metric
          0.0.0.0          0.0.0.0         10.2.0.1         10.2.0.5     10
         10.2.0.0    255.255.255.0         On-link          10.2.0.5    266
    168.63.129.16  255.255.255.255         10.2.0.1         10.2.0.5     11
===========================================================================
Persistent Routes:
  None

IPv6 Route Table
===========================================================================
Active Routes:
 If Metric Network Destination      Gateway
  1    331 ::1/128                  On-link
===========================================================================
Persistent Routes:
  None
"""


def test_route_print():
    result = parse_checked(commands_network, "commands/route_print.txt", ROUTE_PRINT)
    assert summary_of(result)["route_to_wireserver"] == "present" and result.unparsed == 0
    without = parse_checked(commands_network, "commands/route_print.txt", ROUTE_PRINT.replace("    168.63.129.16  255.255.255.255         10.2.0.1         10.2.0.5     11\n", ""))
    assert summary_of(without)["route_to_wireserver"] == "absent"


def test_netsh_profiles_and_a_rule_blocking_the_wireserver():
    profiles = parse_checked(commands_network, "commands/netsh_advfirewall_show_allprofiles.txt", """
Domain Profile Settings:
----------------------------------------------------------------------
State                                 ON
Firewall Policy                       BlockInbound,AllowOutbound
LocalFirewallRules                    N/A (GPO-store only)

Public Profile Settings:
----------------------------------------------------------------------
State                                 ON
Firewall Policy                       BlockInbound,BlockOutbound

Logging:
LogAllowedConnections                 Disable
FileName                              %systemroot%\\system32\\LogFiles\\Firewall\\pfirewall.log

Ok.

""")
    assert [p["outbound_policy"] for p in rows(profiles, "firewall_profile")] == ["allow", "block"]
    assert summary_of(profiles)["outbound_blocked"] == "true" and profiles.unparsed == 0
    rule = parse_checked(commands_network, "commands/netsh_advfirewall_firewall_show_rule.txt", """
Rule Name:                            Deny Azure platform
----------------------------------------------------------------------
Enabled:                              Yes
Direction:                            Out
Profiles:                             Domain,Private,Public
RemoteIP:                             168.63.0.0/16
Protocol:                             TCP
RemotePort:                           80,32526
Action:                               Block
Ok.
""")
    (found,) = rows(rule, "firewall_rule")
    assert found["blocks_wireserver"] == "true" and summary_of(rule)["wireserver_blocked"] == "true"


@pytest.mark.parametrize(("succeeded", "reachable"), [("True", "true"), ("False", "false")])
def test_test_netconnection(succeeded, reachable):
    text = f"""

ComputerName     : 168.63.129.16
RemoteAddress    : 168.63.129.16
RemotePort       : 32526
InterfaceAlias   : Ethernet 2
SourceAddress    : 10.2.0.5
TcpTestSucceeded : {succeeded}


"""
    summary = summary_of(parse_checked(commands_network, "commands/test-netconnection_hostplugin_32526.txt", text))
    assert (summary["target"], summary["port"], summary["reachable"]) == ("hostplugin", "32526", reachable)


def test_reg_query_and_reg_export():
    query = parse_checked(commands_policy, "commands/reg_query_guestagent.txt", """
HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\WindowsAzureGuestAgent
    Type    REG_DWORD    0x10
    Start    REG_DWORD    0x4
    ErrorControl    REG_DWORD    0x1
    ImagePath    REG_EXPAND_SZ    C:\\WindowsAzure\\GuestAgent_2.7.41491.1102_2024-08-20_030516\\WindowsAzureGuestAgent.exe
    DisplayName    REG_SZ    Windows Azure Guest Agent
""")
    start = next(v for v in rows(query, "registry_value") if v["value_name"] == "Start")
    assert (start["service"], start["start_type"], start["key"].split("\\")[0]) == ("WindowsAzureGuestAgent", "disabled", "HKLM")
    export = parse_checked(commands_policy, "WindowsAzure/bcdr.reg", 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\BcdrAgent]\r\n"USEVSSCOPYBACKUP"="TRUE"\r\n"Threshold"=dword:0000000a\r\n', "utf-16")
    values = {v["value_name"]: v["value_data"] for v in rows(export, "registry_value")}
    assert values == {"USEVSSCOPYBACKUP": "TRUE", "Threshold": "10"}


def test_applocker_policy_deny_rule_on_the_extension_folder():
    xml = ('<AppLockerPolicy Version="1"><RuleCollection Type="Exe" EnforcementMode="Enabled">'
           '<FilePathRule Id="921cc481-6e17-4653-8f75-050b80acca20" Name="(Default Rule) All files located in the Windows folder" '
           'Description="" UserOrGroupSid="S-1-1-0" Action="Allow"><Conditions><FilePathCondition Path="%WINDIR%\\*" /></Conditions></FilePathRule>'
           '<FilePathRule Id="0a1b2c3d-0000-4000-8000-000000000001" Name="No packages" Description="" UserOrGroupSid="S-1-1-0" Action="Deny">'
           '<Conditions><FilePathCondition Path="%OSDRIVE%\\Packages\\Plugins\\*" /></Conditions></FilePathRule></RuleCollection>'
           '<RuleCollection Type="Dll" EnforcementMode="NotConfigured" /></AppLockerPolicy>\n')
    result = parse_checked(commands_policy, "commands/applocker_policy.txt", xml)
    rules = rows(result, "applocker_rule")
    assert [r["affects_backup_extension"] for r in rules] == ["false", "true"]
    assert summary_of(result)["backup_extension_denied"] == "true" and summary_of(result)["enforced_collections"] == "1"
    audit = parse_checked(commands_policy, "commands/applocker_policy.txt", xml.replace('EnforcementMode="Enabled"', 'EnforcementMode="AuditOnly"'))
    assert summary_of(audit)["backup_extension_denied"] == "false"
    broken = parse_checked(commands_policy, "commands/applocker_policy.txt", "<AppLockerPolicy><RuleCollection\n")
    assert broken.unparsed == broken.lines == 1 and "xml_error" in summary_of(broken)


def test_ipconfig_in_german_and_french():
    german = """
Windows-IP-Konfiguration

   Hostname  . . . . . . . . . . . . : APP01

Ethernet-Adapter Ethernet:

   Verbindungsspezifisches DNS-Suffix: abc.internal.cloudapp.net
   DHCP aktiviert. . . . . . . . . . : Nein
   IPv4-Adresse  . . . . . . . . . . : 10.3.0.4(Bevorzugt)
   Standardgateway . . . . . . . . . : 10.3.0.1
"""
    result = parse_checked(commands_network, "commands/ipconfig_all.txt", german)
    (adapter,) = rows(result, "adapter")
    assert (adapter["dhcp_enabled"], adapter["ipv4"], adapter["gateway"]) == ("false", "10.3.0.4", "10.3.0.1")
    assert summary_of(result)["dhcp_enabled"] == "false" and result.unparsed == 0
    french = "\nConfiguration IP de Windows\n\nCarte Ethernet Ethernet :\n\n   DHCP activé. . . . . . . . . . . . . . : Oui\n   Adresse IPv4. . . . . . . . . . . . . .: 10.4.0.4(préféré)\n"
    (adapter,) = rows(parse_checked(commands_network, "commands/ipconfig_all.txt", french), "adapter")
    assert (adapter["adapter"], adapter["dhcp_enabled"], adapter["ipv4"]) == ("Carte Ethernet Ethernet", "true", "10.4.0.4")
    assert winner("netz/ausgabe.txt", german) == "ipconfig/route print/netsh/Test-NetConnection"
