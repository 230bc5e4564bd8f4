"""Windows bundles, each rebuilt around what one public report pasted or stated (``source``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from kit import (
    VMSNAP_WIN,
    D,
    bcdr_log,
    event_xml,
    events_csv,
    joined,
    ps_events_json,
    registry,
    vmsnap_win_status,
    waa,
    waa_heartbeats,
    waa_plugin_run,
    waa_start,
)

CASES, case = registry()


PKG = f"Packages/Plugins/{VMSNAP_WIN}"
LOG = f"WindowsAzure/Logs/Plugins/{VMSNAP_WIN}"


def agent_days(start: datetime, days: int, agent: str, ext_ver: str, seq0: int, iso: bool = True, ok_days: int | None = None,
               run_hour: int = 22, fail_exit: int = 1, other: str = "Microsoft.Azure.Monitor.AzureMonitorWindowsAgent.1.22.0.0") -> list[tuple[datetime, str]]:
    """Start, heartbeats and one VMSnapshot run a day; runs after ``ok_days`` exit with ``fail_exit``."""
    rows = waa_start(start, agent, iso)
    rows += waa_heartbeats(start + timedelta(hours=1), start + timedelta(days=days), 6, iso)
    ok_days = days if ok_days is None else ok_days
    for d in range(days):
        t = D(start.year, start.month, start.day, run_hour, 0, 4, 110000) + timedelta(days=d)
        rows += waa_plugin_run(t, ext_ver, seq0 + d, 0 if d < ok_days else fail_exit, iso)
        tt = t + timedelta(minutes=2, seconds=40)
        rows.append((tt, waa(tt, "INFO", f"Plugin {other}: heartbeat status Ready.", 11, iso)))
    return rows


def bcdr_days(start: datetime, days: int, seq0: int, writers: int = 13, ok_days: int | None = None, fail: list[str] | None = None,
              run_hour: int = 22) -> str:
    rows = []
    ok_days = days if ok_days is None else ok_days
    for d in range(days):
        t = D(start.year, start.month, start.day, run_hour, 0, 5) + timedelta(days=d)
        rows.append((t, "INFO", f"Enable started, sequence {seq0 + d}"))
        if d < ok_days:
            rows.append((t + timedelta(seconds=4), "INFO", f"All {writers} VSS writers stable"))
            rows.append((t + timedelta(minutes=2, seconds=25), "INFO", "Snapshot succeeded (ApplicationConsistent)"))
        else:
            for i, msg in enumerate(fail or []):
                rows.append((t + timedelta(seconds=4 + i), "ERROR" if i == len(fail) - 1 else "WARN", msg))
    return bcdr_log(rows)


def status_ok(t: datetime) -> str:
    return vmsnap_win_status(t, "success", 0, "Snapshot completed successfully (application consistent).")


VSS_WRITERS_OK = [
    ("Task Scheduler Writer", "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}"), ("VSS Metadata Store Writer", "{75dfb225-e2e4-4d39-9ac9-ffaff65ddf06}"),
    ("Performance Counters Writer", "{0bada1de-01a9-4625-8278-69e735f39dd2}"), ("System Writer", "{e8132975-6f93-4464-a53e-1050253ae220}"),
    ("ASR Writer", "{be000cbe-11fe-4426-9c58-531aa6355fc4}"), ("WMI Writer", "{a6ad56c2-b509-4e6c-bb19-49d8f43532f0}"),
    ("Registry Writer", "{afbab4a2-367d-4d15-a586-71dbb18f8485}"), ("COM+ REGDB Writer", "{542da469-d3e1-473c-9f4f-7847f01fc64f}"),
    ("Shadow Copy Optimization Writer", "{4dc3bdd4-ab48-4d07-adb0-3bee2926fd7f}"),
]


def vssadmin_writers(bad: dict[str, tuple[str, str]] | None = None, extra: list[tuple[str, str]] | None = None) -> str:
    """``vssadmin list writers`` output; ``bad`` maps writer name -> (state text, last error)."""
    bad = bad or {}
    out = ["vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool", "(C) Copyright 2001-2013 Microsoft Corp.", ""]
    for i, (name, wid) in enumerate([*VSS_WRITERS_OK, *(extra or [])]):
        state, err = bad.get(name, ("[1] Stable", "No error"))
        out += [f"Writer name: '{name}'", f"   Writer Id: {wid}", f"   Writer Instance Id: {{{i:08x}-3a1b-4c2d-9e8f-1a2b3c4d5e6f}}",
                f"   State: {state}", f"   Last error: {err}", ""]
    return "\r\n".join(out)


def sc_query(name: str, state: str) -> str:
    code = {"RUNNING": 4, "STOPPED": 1}[state]
    return ("\r\nSERVICE_NAME: " + name + "\r\n        TYPE               : 10  WIN32_OWN_PROCESS\r\n"
            f"        STATE              : {code}  {state}\r\n"
            "                                (NOT_STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)\r\n" if state == "STOPPED" else
            "\r\nSERVICE_NAME: " + name + "\r\n        TYPE               : 10  WIN32_OWN_PROCESS\r\n"
            f"        STATE              : {code}  {state}\r\n                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n") + \
        ("        WIN32_EXIT_CODE    : 1067  (0x42b)\r\n" if state == "STOPPED" else "        WIN32_EXIT_CODE    : 0  (0x0)\r\n") + \
        "        SERVICE_EXIT_CODE  : 0  (0x0)\r\n        CHECKPOINT         : 0x0\r\n        WAIT_HINT          : 0x0\r\n"


def ipconfig(dhcp: bool, ip: str, extra_ips: list[str] | None = None, host: str = "APP01") -> str:
    lines = ["", "Windows IP Configuration", "", f"   Host Name . . . . . . . . . . . . : {host}", "   Primary Dns Suffix  . . . . . . . : ",
             "   Node Type . . . . . . . . . . . . : Hybrid", "   IP Routing Enabled. . . . . . . . : No", "   WINS Proxy Enabled. . . . . . . . : No",
             "   DNS Suffix Search List. . . . . . : reddog.microsoft.com", "", "Ethernet adapter Ethernet:", "",
             "   Connection-specific DNS Suffix  . : reddog.microsoft.com" if dhcp else "   Connection-specific DNS Suffix  . : ",
             "   Description . . . . . . . . . . . : Microsoft Hyper-V Network Adapter", "   Physical Address. . . . . . . . . : 00-0D-3A-2B-4C-5D",
             f"   DHCP Enabled. . . . . . . . . . . : {'Yes' if dhcp else 'No'}", "   Autoconfiguration Enabled . . . . : Yes",
             f"   IPv4 Address. . . . . . . . . . . : {ip}(Preferred) "]
    for extra in extra_ips or []:
        lines.append(f"   IPv4 Address. . . . . . . . . . . : {extra}(Preferred) ")
    lines += ["   Subnet Mask . . . . . . . . . . . : 255.255.255.0"]
    if dhcp:
        lines += ["   Lease Obtained. . . . . . . . . . : Monday, May 6, 2019 8:01:12 AM", "   Lease Expires . . . . . . . . . . : Thursday, June 12, 2155 2:29:53 PM"]
    lines += [f"   Default Gateway . . . . . . . . . : {ip.rsplit('.', 1)[0]}.1"]
    if dhcp:
        lines += ["   DHCP Server . . . . . . . . . . . : 168.63.129.16"]
    lines += ["   DNS Servers . . . . . . . . . . . : 168.63.129.16" if dhcp else "   DNS Servers . . . . . . . . . . . : 10.1.0.4",
              "   NetBIOS over Tcpip. . . . . . . . : Enabled", ""]
    return "\r\n".join(lines)


# --------------------------------------------------------------------------------------------------
@case
def win2016_complus_snapshotfailedcom():
    agent, ext = "2.7.41491.949", "1.0.51.0"
    rows = agent_days(D(2019, 11, 3, 6, 12, 1), 5, agent, ext, 21, iso=False, ok_days=2, run_hour=7, fail_exit=1)
    csv_rows = []
    for d in (2, 3, 4):
        t = D(2019, 11, 3, 8, 0, 11) + timedelta(days=d)
        csv_rows.append((t, "error", "VSS", 8193, "None", "Volume Shadow Copy Service error: Unexpected error calling routine CoCreateInstance.  hr = 0x80080005, Server execution failed\n.\n\nOperation:\n   Instantiating VSS server"))
        csv_rows.append((t - timedelta(seconds=2), "error", "COM+", 4689, "(117)", "The run-time environment has detected an inconsistency in its internal state. Please contact Microsoft Product Support Services to report this error.\nProcess Name: dllhost.exe\nComsvcs.dll file version: ENU 2001.12.10941.16384 shp"))
        csv_rows.append((t + timedelta(seconds=1), "info", "VSS", 8224, "None", "The VSS service is shutting down due to idle timeout."))
    for d in (0, 1):
        t = D(2019, 11, 3, 8, 2, 30) + timedelta(days=d)
        csv_rows.append((t, "info", "VSS", 8224, "None", "The VSS service is shutting down due to idle timeout."))
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2019, 11, 3), 5, 21, ok_days=2, run_hour=7,
                                                        fail=["Creating VSS backup components", "CoCreateInstance(CLSID_VSSCoordinator) failed with 0x80080005", "Snapshot failed, hr=0x80080005"]),
        f"{PKG}/{ext}/Status/25.status": vmsnap_win_status(D(2019, 11, 7, 7, 2, 31), "error", 14, "Snapshot operation failed due to COM+ error", sub_ok=False),
        "EventLogs/Application.csv": events_csv("en", csv_rows),
        "portal/job-error.txt": "Error Code | ExtensionSnapshotFailedCOM\nError Message | Snapshot operation failed due to COM+ error\nRecommended Action | Please restart windows service \"COM+ System Application\" (COMSysApp). If the issue persists,, restart the VM.\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/42299", "platform": "windows", "cause": "complus-msdtc", "code": "ExtensionSnapshotFailedCOM",
                 "acceptable_codes": ["ExtensionInstallationFailedCOM"], "verdict": "failure", "kind": "failure", "certainty": "high", "key_evidence": "log line",
                 "note": "Windows Server 2016 legacy app server, daily 7 AM backup: two good days, then 'Snapshot operation failed due to COM+ error' every morning even after restarting COMSysApp and the VM (pasted job error). COM+/VSS errors in the Application log."}
    return files, label


@case
def win2016_applocker_blocks_iaasbcdr():
    agent, ext = "2.7.41491.971", "1.0.58.0"
    rows = agent_days(D(2020, 4, 24, 5, 0, 1), 5, agent, ext, 40, iso=True, ok_days=2, run_hour=23, fail_exit=1)
    for d in (2, 3, 4):
        t = D(2020, 4, 24, 23, 0, 5) + timedelta(days=d)
        rows.append((t, waa(t, "WARN", f"Status file C:\\Packages\\Plugins\\{VMSNAP_WIN}\\{ext}\\Status\\{40 + d}.status is not available for the Extension '{VMSNAP_WIN}' yet.", 11)))
    xml = []
    rec = 7001
    for d in (2, 3, 4):
        t = D(2020, 4, 24, 23, 0, 4, 900000) + timedelta(days=d)
        xml.append(event_xml(t, "Microsoft-Windows-AppLocker", 8004, 2, "Microsoft-Windows-AppLocker/EXE and DLL", "FS16-APP02", rec,
                             [f"%OSDRIVE%\\PACKAGES\\PLUGINS\\{VMSNAP_WIN.upper()}\\{ext}\\IAASBCDREXTENSION.EXE", "-", "S-1-5-18"], qualifiers=None))
        rec += 1
    xml.append(event_xml(D(2020, 4, 25, 23, 0, 4), "Microsoft-Windows-AppLocker", 8002, 4, "Microsoft-Windows-AppLocker/EXE and DLL", "FS16-APP02", 6990,
                         ["%OSDRIVE%\\PACKAGES\\PLUGINS\\MICROSOFT.AZURE.RECOVERYSERVICES.VMSNAPSHOT\\1.0.58.0\\IAASBCDREXTENSION.EXE", "-", "S-1-5-18"], qualifiers=None))
    policy = ("<AppLockerPolicy Version=\"1\">\r\n  <RuleCollection Type=\"Exe\" EnforcementMode=\"Enabled\">\r\n"
              "    <FilePathRule Id=\"921cc481-6e17-4653-8f75-050b80acca20\" Name=\"(Default Rule) All files located in the Program Files folder\" Description=\"\" UserOrGroupSid=\"S-1-1-0\" Action=\"Allow\">\r\n"
              "      <Conditions><FilePathCondition Path=\"%PROGRAMFILES%\\*\" /></Conditions>\r\n    </FilePathRule>\r\n"
              "    <FilePathRule Id=\"a61c8b2c-a319-4cd0-9690-d2177cad7b51\" Name=\"(Default Rule) All files located in the Windows folder\" Description=\"\" UserOrGroupSid=\"S-1-1-0\" Action=\"Allow\">\r\n"
              "      <Conditions><FilePathCondition Path=\"%WINDIR%\\*\" /></Conditions>\r\n    </FilePathRule>\r\n"
              "    <FilePathRule Id=\"3f2a1c55-0d7e-4b8e-9d1c-8b6f2e4a1d10\" Name=\"Azure guest agent\" Description=\"\" UserOrGroupSid=\"S-1-1-0\" Action=\"Allow\">\r\n"
              "      <Conditions><FilePathCondition Path=\"%OSDRIVE%\\WindowsAzure\\*\" /></Conditions>\r\n    </FilePathRule>\r\n"
              "  </RuleCollection>\r\n</AppLockerPolicy>\r\n")
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2020, 4, 24), 2, 40, run_hour=23),
        f"{PKG}/{ext}/Status/41.status": status_ok(D(2020, 4, 25, 23, 2, 31)),
        "EventLogs/AppLocker_EXE_and_DLL.xml": "\n".join(xml) + "\n",
        "commands/Get-AppLockerPolicy_-Effective_-Xml.txt": policy,
        "portal/job-error.txt": "Error Code: GuestAgentSnapshotTaskStatusError\nError Message: Could not communicate with the VM agent for snapshot status.\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/53568", "platform": "windows", "cause": "app-control-blocks-extension",
                 "code": "GuestAgentSnapshotTaskStatusError", "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "high", "key_evidence": "log line",
                 "note": "An AppLocker policy allows Program Files, Windows and WindowsAzure but not C:\\Packages: from 04-26 IaaSBcdrExtension.exe is blocked (AppLocker 8004), no status file appears and the job fails with GuestAgentSnapshotTaskStatusError, as the reporter describes."}
    return files, label


@case
def win2008r2_agent_1018_crash_german():
    agent_old, agent_new = "2.7.41491.1010", "2.7.41491.1018"
    rows = waa_start(D(2021, 8, 2, 6, 0, 1), agent_old, iso=False)
    rows += waa_heartbeats(D(2021, 8, 2, 7, 0, 1), D(2021, 8, 5, 14, 0), 6, iso=False)
    for d in range(3):
        rows += waa_plugin_run(D(2021, 8, 2, 21, 0, 3, 500000) + timedelta(days=d), "1.0.75.0", 80 + d, 0, iso=False)
    t = D(2021, 8, 5, 15, 56, 48, 500000)
    rows.append((t, waa(t, "INFO", "WindowsAzureGuestAgent stopping.", 4, False)))
    rows.append((t + timedelta(seconds=2), waa(t + timedelta(seconds=2), "INFO", f"Installing guest agent version {agent_new} from C:\\WindowsAzure\\Packages_202185_155650", 4, False)))
    ti = [
        "[00000004] [08/05/2021 15:56:50.71] [INFO]  TransparentInstaller: starting upgrade to 2.7.41491.1018",
        "[00000004] [08/05/2021 15:56:51.20] [INFO]  Stopping service WindowsAzureGuestAgent",
        "[00000004] [08/05/2021 15:56:54.02] [INFO]  Installing service RdAgent",
        "[00000004] [08/05/2021 15:56:54.88] [ERROR] Microsoft.WindowsAzure.GuestAgent.Core.ServiceInstallFailedException: Service installation failed",
        "   at Microsoft.WindowsAzure.GuestAgent.TransparentInstaller.GuestAgentInstallerThread.<Start>b__46_0()",
    ]
    csv_rows = []
    for k in range(6):
        t0 = D(2021, 8, 5, 17, 56, 57) + timedelta(minutes=3 * k)
        csv_rows.append((t0, "error", ".NET Runtime", 1026, "Keine",
                         "Anwendung: WaAppAgent.exe\nFrameworkversion: v4.0.30319\nBeschreibung: Der Prozess wurde aufgrund einer unbehandelten Ausnahme beendet.\nAusnahmeinformationen: Microsoft.WindowsAzure.GuestAgent.Core.ServiceInstallFailedException\nStapel:\n   bei Microsoft.WindowsAzure.GuestAgent.TransparentInstaller.GuestAgentInstallerThread.<Start>b__46_0()\n   bei System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, System.Threading.ContextCallback, System.Object, Boolean)\n   bei System.Threading.ExecutionContext.Run(System.Threading.ExecutionContext, System.Threading.ContextCallback, System.Object)\n   bei System.Threading.ThreadHelper.ThreadStart()"))
        csv_rows.append((t0 + timedelta(seconds=1), "error", "Application Error", 1000, "(100)",
                         "Name der fehlerhaften Anwendung: WaAppAgent.exe, Version: 2.7.41491.1018, Zeitstempel: 0x60f1fdae\nName des fehlerhaften Moduls: KERNELBASE.dll, Version: 6.1.7601.24499, Zeitstempel: 0x5d0115f1\nAusnahmecode: 0xe0434352\nFehleroffset: 0x000000000000b87d\nID des fehlerhaften Prozesses: 0x26e0\nStartzeit der fehlerhaften Anwendung: 0x01d78a01d2076560\nPfad der fehlerhaften Anwendung: C:\\WindowsAzure\\Packages_202185_155650\\WaAppAgent.exe\nPfad des fehlerhaften Moduls: C:\\Windows\\system32\\KERNELBASE.dll\nBerichtskennung: 1ad4792e-f5f5-11eb-9e13-000d3aaf3be2"))
    sys_rows = [(D(2021, 8, 5, 17, 56, 58) + timedelta(minutes=3 * k), "error", "Service Control Manager", 7034, "Keine",
                 f"Der Dienst \"Windows Azure Guest Agent\" wurde unerwartet beendet. Dies ist bereits {k + 1} Mal passiert.") for k in range(6)]
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        "WindowsAzure/Logs/TransparentInstaller.log": "\r\n".join(ti) + "\r\n",
        f"{PKG}/1.0.75.0/Status/82.status": status_ok(D(2021, 8, 4, 21, 2, 30)),
        "EventLogs/Anwendung.csv": events_csv("de", csv_rows),
        "EventLogs/System.csv": events_csv("de", sys_rows),
        "commands/sc_query_WindowsAzureGuestAgent.txt": sc_query("WindowsAzureGuestAgent", "STOPPED"),
    }
    label = {"source": "https://github.com/Azure/WindowsVMAgent/issues/8", "platform": "windows", "cause": "agent-unresponsive-windows", "code": "UserErrorGuestAgentStatusUnavailable",
                 "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "absence",
                 "note": "Windows Server 2008 R2 (German UI): the agent's self-update to 2.7.41491.1018 crashes at service start (.NET Runtime 1026 ServiceInstallFailedException, Application Error 1000 WaAppAgent.exe, SCM 7034 in German CSV exports); WaAppAgent.log stops at the upgrade. 1010 worked. Code not in the report."}
    return files, label


@case
def win2008r2_agent_1010_healthy():
    agent, ext = "2.7.41491.1010", "1.0.75.0"
    rows = agent_days(D(2021, 7, 30, 6, 0, 1), 5, agent, ext, 76, iso=False, run_hour=21)
    sys_rows = [(D(2021, 7, 30, 23, 0, 2) + timedelta(days=d), "info", "Service Control Manager", 7036, "Keine",
                 "Der Dienst \"Volumeschattenkopie\" befindet sich jetzt im Status \"Beendet\".") for d in range(5)]
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2021, 7, 30), 5, 76, run_hour=21),
        f"{PKG}/{ext}/Status/80.status": status_ok(D(2021, 8, 3, 21, 2, 31)),
        f"{PKG}/{ext}/SeqNumber.txt": "80",
        "EventLogs/System.csv": events_csv("de", sys_rows),
        "commands/sc_query_WindowsAzureGuestAgent.txt": sc_query("WindowsAzureGuestAgent", "RUNNING"),
    }
    label = {"source": "https://github.com/Azure/WindowsVMAgent/issues/8", "platform": "windows", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "medium", "key_evidence": "state",
                 "note": "Windows Server 2008 R2 (German UI) on agent 2.7.41491.1010, which the reporter says 'works fine': heartbeats, nightly VMSnapshot enables with exit code 0 and a success status, guest agent service RUNNING."}
    return files, label


@case
def win2012r2_gapluginpinger_notready():
    agent = "2.7.41491.1071"
    rows = waa_start(D(2022, 11, 10, 8, 0, 2), agent, iso=False)
    t = D(2022, 11, 10, 8, 0, 5, 100000)
    rows.append((t, waa(t, "WARN", "(Ignoring) Exception while fetching supported versions from HostGAPlugin: System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond 168.63.129.16:32526", 8, False)))
    t = D(2022, 11, 10, 8, 4, 11, 900000)
    tid = [13, 86, 5, 13, 41]
    k = 0
    while t < D(2022, 11, 11, 6, 44, 13):
        for lvl, msg in [("INFO", "WriteGAPluginHeartbeat: HostGAPluginServiceClient is not initialized so setting isCurrentlyHealthy as false"),
                         ("WARN", "Reached Maximim error count:1000 so not incrementing the count anymore"), ("WARN", "Error state triggered for caller:GAPluginPinger")]:
            rows.append((t, waa(t, lvl, msg, tid[k % 5], False)))
        k += 1
        t += timedelta(minutes=5, milliseconds=80)
    health = ("======== Microsoft Azure VM Health Report - Start 2022-11-11T06:10:02.7506342Z =========\n"
              + json.dumps({"reportTime": "2022-11-11T06:10:02.75Z", "services": [
                  {"errorControl": "Normal", "exitCode": 0, "name": "LanmanWorkstation", "processId": 584, "serviceType": "Share Process", "startMode": "Auto", "startName": "NT AUTHORITY\\NetworkService", "state": "Running", "status": "OK"},
                  {"errorControl": "Normal", "exitCode": 0, "name": "Netlogon", "processId": 548, "serviceType": "Share Process", "startMode": "Auto", "startName": "LocalSystem", "state": "Running", "status": "OK"}],
                  "systemInfo": {"windows": {"osVersion": "Microsoft Windows NT 6.2.9200.0", "isOsEval": True, "realTimeIsUniversal": True, "domainRole": "PrimaryDomainController", "emsEnabled": False}},
                  "firewallPolicy": {"localPolicy": {"domainProfile": {"blockAllInboundConnections": -1, "enable": 1}, "publicProfile": {"blockAllInboundConnections": -1, "enable": 1}, "standardProfile": {"blockAllInboundConnections": -1, "enable": 1}},
                                     "domainPolicy": {"domainProfile": {"blockAllInboundConnections": -1, "enable": -1}, "publicProfile": {"blockAllInboundConnections": -1, "enable": -1}}}})
              + "\n======== Microsoft Azure VM Health Report - End 2022-11-11T06:10:02.8506342Z =========")
    t = D(2022, 11, 11, 6, 10, 2, 850000)
    rows.append((t, waa(t, "TRACE", "VmHealthCollectorThread: Writing health report - START\n" + health, 12, False)))
    rows.append((t, waa(t + timedelta(milliseconds=1), "TRACE", "VmHealthCollectorThread: Opening serial port", 12, False)))
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        "WindowsAzure/Logs/Plugins/Microsoft.Azure.Security.IaaSAntimalware/1.5.5.9/CommandExecution.log": "[11/10/2022 08:06:12.00] Enable started\n[11/10/2022 08:06:14.52] Enable succeeded\n",
        "commands/Test-NetConnection_168.63.129.16_32526.txt": "WARNING: TCP connect to (168.63.129.16 : 32526) failed\r\n\r\nComputerName           : 168.63.129.16\r\nRemoteAddress          : 168.63.129.16\r\nRemotePort             : 32526\r\nInterfaceAlias         : Ethernet\r\nSourceAddress          : 10.0.0.4\r\nPingSucceeded          : False\r\nPingReplyDetails (RTT) : 0 ms\r\nTcpTestSucceeded       : False\r\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/SupportArticles-docs/issues/782", "platform": "windows", "cause": "wireserver-unreachable",
                 "acceptable_causes": ["agent-unresponsive-windows"], "code": "UserErrorGuestAgentStatusUnavailable", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"],
                 "verdict": "failure", "kind": "failure", "certainty": "low", "key_evidence": "log line",
                 "note": "Windows Server 2012 R2 domain controller, agent Not Ready: 'HostGAPluginServiceClient is not initialized' / 'Error state triggered for caller:GAPluginPinger' every 5 minutes (pasted) and a failed TCP test to 168.63.129.16:32526. The thread never names the root cause."}
    return files, label


@case
def win2019_guest_agent_service_stopped():
    agent, ext = "2.7.41491.1102", "1.0.80.0"
    rows = agent_days(D(2022, 8, 20, 5, 0, 1), 4, agent, ext, 60, iso=True, run_hour=1)
    t = D(2022, 8, 24, 3, 11, 40, 510000)
    rows.append((t, waa(t, "INFO", "WindowsAzureGuestAgent stopping.", 4)))
    rows.append((t + timedelta(seconds=30), waa(t + timedelta(seconds=30), "ERROR", "WindowsAzureGuestAgent could not be stopped. Exception: System.TimeoutException: The operation has timed out.", 4)))
    sys_rows = [(D(2022, 8, 24, 5, 11, 41), "error", "Service Control Manager", 7031, "None",
                 "The Windows Azure Guest Agent service terminated unexpectedly.  It has done this 1 time(s).  The following corrective action will be taken in 0 milliseconds: No action."),
                (D(2022, 8, 24, 5, 11, 40), "info", "Service Control Manager", 7040, "None", "The start type of the Windows Azure Guest Agent service was changed from auto start to demand start.")]
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2022, 8, 20), 4, 60, run_hour=1),
        f"{PKG}/{ext}/Status/63.status": status_ok(D(2022, 8, 23, 1, 2, 31)),
        "EventLogs/System.csv": events_csv("en", sys_rows),
        "commands/sc_query_WindowsAzureGuestAgent.txt": sc_query("WindowsAzureGuestAgent", "STOPPED"),
        "commands/collected_at.txt": "Collected 2022-08-26T09:40:12Z by the support engineer (Run Command)\r\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/18580", "platform": "windows", "cause": "agent-unresponsive-windows", "code": "UserErrorGuestAgentStatusUnavailable",
                 "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "command output",
                 "note": "The documented 'agent installed but unresponsive' case the thread is about (service 'Windows Azure Guest Agent'): the service crashed on 08-24 and was left on demand start; sc query shows STOPPED, WaAppAgent.log ends on 08-24 while the bundle is from 08-26. No pasted log in the thread (doc issue)."}
    return files, label


@case
def win2016_guest_agent_not_installed_packer():
    files = {
        "commands/Get-Service_WindowsAzureGuestAgent.txt": "Get-Service : Cannot find any service with service name 'WindowsAzureGuestAgent'.\r\nAt line:1 char:2\r\n+ (Get-Service WindowsAzureGuestAgent).Status\r\n+  ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n    + CategoryInfo          : ObjectNotFound: (WindowsAzureGuestAgent:String) [Get-Service], ServiceCommandException\r\n    + FullyQualifiedErrorId : NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand\r\n",
        "commands/dir_C_WindowsAzure.txt": " Volume in drive C is Windows\r\n Volume Serial Number is 4E2A-11C0\r\n\r\n Directory of C:\\\r\n\r\nFile Not Found\r\n",
        "Windows/Panther/setupact.log": "2019-01-07 18:59:10, Error                 SYSPRP setupdigetclassdevs failed with error 0\r\n2019-01-07 18:59:10, Error                 SYSPRP MRTGeneralize:107 - ERROR: Failed DeleteInstance AntiSpywareProduct.instanceGuid=\"{D68DDC3A-831F-4FAE-9E44-DA132C1ACF46}\" hr=2147749904\r\n2019-01-07 18:59:10, Error                 SYSPRP MRTGeneralize:116 - ERROR: Failed DeleteInstance AntiVirusProduct.instanceGuid=\"{D68DDC3A-831F-4FAE-9E44-DA132C1ACF46}\" hr=2147749904\r\n2019-01-07 18:59:12, Info                  SYSPRP Sysprep_Clean_Validate_Opk: There are no OPK leftovers\r\n",
        "EventLogs/System.csv": events_csv("en", [(D(2019, 1, 7, 19, 20, 4), "info", "Service Control Manager", 7036, "None", "The Windows Modules Installer service entered the running state."),
                                                 (D(2019, 1, 8, 2, 0, 1), "info", "Service Control Manager", 7036, "None", "The Volume Shadow Copy service entered the running state.")]),
        "portal/job-error.txt": "Error Code: UserErrorGuestAgentStatusUnavailable\r\nError Message: VM Agent unable to communicate with the Azure Backup Service.\r\n",
    }
    label = {"source": "https://github.com/hashicorp/packer/issues/5945", "platform": "windows", "cause": "agent-unresponsive-windows", "code": "UserErrorGuestAgentStatusUnavailable",
                 "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "command output",
                 "note": "A Packer-built Windows Server 2016 image where the guest agent never got installed: 'Cannot find any service with service name WindowsAzureGuestAgent' (pasted), no C:\\WindowsAzure folder, sysprep noise; the backup of a VM from this image cannot reach the agent."}
    return files, label


@case
def win2019_multi_ip_static_no_dhcp():
    agent = "2.7.41491.931"
    rows = []
    t = D(2019, 5, 6, 8, 1, 2)
    rows.append((t, waa(t, "INFO", f"WindowsAzureGuestAgent starting. Version {agent}", 4, False)))
    k = 0
    while t < D(2019, 5, 10, 9, 0):
        t1 = t + timedelta(seconds=1)
        rows.append((t1, waa(t1, "INFO", "Attempting to discover fabric address on interface Ethernet.", 4, False)))
        rows.append((t1, waa(t1 + timedelta(milliseconds=20), "WARN", "Empty DHCP option data returned", 4, False)))
        rows.append((t1, waa(t1 + timedelta(milliseconds=21), "WARN", "Did not discover fabric address on interface Ethernet", 4, False)))
        k += 1
        t += timedelta(minutes=37)
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        "commands/ipconfig_all.txt": ipconfig(False, "10.1.2.10", ["10.1.2.11", "10.1.2.12"], "WEB19-03"),
        "commands/Get-NetIPInterface.txt": "ifIndex InterfaceAlias  AddressFamily NlMtu(Bytes) InterfaceMetric Dhcp     ConnectionState PolicyStore\r\n------- --------------  ------------- ------------ --------------- ----     --------------- -----------\r\n6       Ethernet        IPv4                  1500              15 Disabled Connected       ActiveStore\r\n",
        "EventLogs/System.csv": events_csv("en", [(D(2019, 5, 6, 7, 59, 40), "info", "Microsoft-Windows-Dhcp-Client", 50036, "Service startup", "DHCPv4 client service is started")]),
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/31011", "platform": "windows", "cause": "dhcp-disabled", "code": "UserErrorGuestAgentStatusUnavailable",
                 "acceptable_codes": ["GuestAgentSnapshotTaskStatusError", "ExtensionSnapshotFailedNoNetwork"], "verdict": "failure", "kind": "failure", "certainty": "medium",
                 "key_evidence": "command output",
                 "note": "Windows Server 2019 with three IP addresses hard-coded in the NIC as the multiple-IP article asks (DHCP off): the agent never discovers the fabric address (option 245), so no extension runs. The doc issue asks exactly whether such VMs can be backed up."}
    return files, label


@case
def win2016_sql_log_backup_vss_swedish():
    agent, ext = "2.7.41491.901", "1.0.45.0"
    rows = agent_days(D(2019, 2, 1, 5, 0, 1), 6, agent, ext, 10, iso=False, ok_days=3, run_hour=20)
    csv_rows = []
    for d in (3, 4, 5):
        t = D(2019, 2, 1, 21, 1, 12) + timedelta(days=d)
        csv_rows.append((t, "error", "SQLWRITER", 24583, "Ingen", "Sqllib-fel: OLE DB-fel uppstod när ICommandText::Execute anropades. hr = 0x80040e14. SQLSTATE: 42000, intern felkod: 3013, allvarlighetsgrad: 16\nSource: Microsoft SQL Server Native Client 11.0\nError message: BACKUP DATABASE is terminating abnormally."))
        csv_rows.append((t + timedelta(seconds=1), "error", "VSS", 8229, "Ingen", "En VSS-skrivare har avvisat en händelse med felet 0x800423f4, Skrivaren stötte på ett icke-tillfälligt fel. Om säkerhetskopieringen görs om inträffar felet troligen igen.\n\nÅtgärd:\n   PrepareForSnapshot-händelse\n\nKontext:\n   Skrivarens klass-ID: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\n   Skrivarnamn: SqlServerWriter"))
    for d in range(6):
        t = D(2019, 2, 1, 21, 30, 0) + timedelta(days=d)
        csv_rows.append((t, "info", "MSSQLSERVER", 18265, "Säkerhetskopia", "Logg har säkerhetskopierats. Databas: ERP, skapandedatum(tid): 2017/03/14(09:12:45), första LSN: 4411:1020:1, sista LSN: 4411:1180:1, antal dumpenheter: 1, information om enheten: (FILE=1, TYPE=DISK: {'F:\\Backup\\ERP_log.trn'})."))
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2019, 2, 1), 6, 10, writers=14, ok_days=3, run_hour=20,
                                                        fail=["Writer SqlServerWriter state: [8] Failed, last error: Non-retryable error", "Snapshot failed, hr=0x800423f4"]),
        f"{PKG}/{ext}/Status/15.status": vmsnap_win_status(D(2019, 2, 6, 20, 2, 41), "error", 8, "Snapshot operation failed due to VSS Writers in bad state.", sub_ok=False),
        "EventLogs/Program.csv": events_csv("sv", csv_rows),
        "commands/vssadmin_list_writers.txt": vssadmin_writers({"SqlServerWriter": ("[8] Failed", "Non-retryable error")}, [("SqlServerWriter", "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}")]),
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/24576", "platform": "windows", "cause": "vss-writer-bad-state", "code": "ExtensionFailedVssWriterInBadState",
                 "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "command output",
                 "note": "Windows Server 2016 with SQL Server and its own log backups (the 'VMs with SQL Server backup configured' section the thread asks about), Swedish UI: from 02-04 the SqlServerWriter fails at PrepareForSnapshot (VSS 8229 0x800423f4 in a Swedish CSV export) and vssadmin shows it [8] Failed."}
    return files, label


@case
def win2012r2_system_writer_failed():
    agent, ext = "2.7.41491.872", "1.0.33.0"
    rows = agent_days(D(2018, 2, 25, 5, 0, 1), 6, agent, ext, 90, iso=False, ok_days=3, run_hour=2)
    xml = []
    for d in (3, 4, 5):
        t = D(2018, 2, 25, 2, 0, 35) + timedelta(days=d)
        xml.append(event_xml(t, "VSS", 8229, 2, "Application", "FILESRV12", 51000 + d,
                             ["0x800423f3, The writer experienced a transient error.  If the backup process is retried,\nthe error may not reoccur.\n",
                              "\n\nOperation:\n   PrepareForSnapshot Event\n\nContext:\n   Execution Context: Writer\n   Writer Class Id: {e8132975-6f93-4464-a53e-1050253ae220}\n   Writer Name: System Writer\n   Writer Instance ID: {2d2433ca-ba80-4d45-867b-aeebfb418c1e}"]))
        xml.append(event_xml(t - timedelta(seconds=30), "Microsoft-Windows-CAPI2", 513, 2, "Application", "FILESRV12", 50990 + d,
                             ["Details:\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\n\nSystem Error:\nAccess is denied.\n"]))
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2018, 2, 25), 6, 90, ok_days=3, run_hour=2,
                                                        fail=["Writer System Writer state: [8] Failed, last error: Timed out", "Snapshot failed, hr=0x800423f3"]),
        f"{PKG}/{ext}/Status/95.status": vmsnap_win_status(D(2018, 3, 2, 2, 2, 31), "error", 8, "Snapshot operation failed due to VSS Writers in bad state.", sub_ok=False),
        "EventLogs/Application.xml": "\n".join(xml) + "\n",
        "commands/vssadmin_list_writers.txt": vssadmin_writers({"System Writer": ("[8] Failed", "Timed out")}),
        "commands/sc_query_CryptSvc.txt": sc_query("CryptSvc", "RUNNING"),
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/5225", "platform": "windows", "cause": "vss-writer-bad-state", "code": "ExtensionFailedVssWriterInBadState",
                 "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "command output",
                 "note": "The error the thread quotes, 'Snapshot operation failed due to VSS Writers in bad state', on a 2012 R2 file server whose System Writer (served by Cryptographic Services) is [8] Failed / Timed out after CAPI2 513 access-denied errors; the thread asks for the writer-to-service mapping."}
    return files, label


@case
def win2019_sql_vss_full_backup_healthy():
    agent, ext = "2.7.41491.1102", "1.0.85.0"
    rows = agent_days(D(2023, 7, 29, 5, 0, 1), 5, agent, ext, 300, iso=True, run_hour=22)
    js = []
    for d in range(5):
        t = D(2023, 7, 29, 22, 0, 20) + timedelta(days=d)
        js.append((t, 18264, "MSSQLSERVER", "Information", "Database backed up. Database: SalesDW, creation date(time): 2021/05/10(11:02:54), pages dumped: 5411022, first LSN: 98211:1022:1, last LSN: 98211:1066:1, number of dump devices: 1, device information: (FILE=1, TYPE=VIRTUAL_DEVICE: {'{4A1F2C3D-5E6F-4A8B-9C0D-1E2F3A4B5C6D}1'}). This is an informational message only. No user action is required.", 4))
        js.append((t - timedelta(seconds=8), 18265, "MSSQLSERVER", "Information", "Log was backed up. Database: SalesDW, creation date(time): 2021/05/10(11:02:54), first LSN: 98211:900:1, last LSN: 98211:1022:1, number of dump devices: 1, device information: (FILE=1, TYPE=DISK: {'E:\\LogBackup\\SalesDW_20230729.trn'}).", 4))
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2023, 7, 29), 5, 300, writers=14),
        f"{PKG}/{ext}/Status/304.status": status_ok(D(2023, 8, 2, 22, 2, 31)),
        "EventLogs/Application.json": ps_events_json(js, "SQL19-01", "Application"),
        "commands/vssadmin_list_writers.txt": vssadmin_writers(extra=[("SqlServerWriter", "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}")]),
        "commands/msdb_backupset.txt": "database_name backup_start_date       type is_copy_only device_type\r\n------------- ----------------------- ---- ------------ -----------\r\nSalesDW       2023-08-02 22:00:12.000 D    0            7\r\nSalesDW       2023-08-02 21:59:58.000 L    0            2\r\nSalesDW       2023-08-01 22:00:11.000 D    0            7\r\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/113149", "platform": "windows", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "high", "key_evidence": "log line",
                 "note": "Windows Server 2019 with SQL Server: every VM snapshot succeeds and SQL records it as a full (VIRTUAL_DEVICE) backup in msdb.backupset, which broke the customer's monitoring; the backup itself is healthy (PowerShell 5.1 JSON event export)."}
    return files, label


@case
def win2016_usevsscopybackup_healthy():
    agent, ext = "2.7.41491.911", "1.0.45.0"
    rows = agent_days(D(2019, 3, 29, 5, 0, 1), 6, agent, ext, 120, iso=False, run_hour=23)
    reg = ("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\BcdrAgent]\r\n\"USEVSSCOPYBACKUP\"=\"TRUE\"\r\n\"IsProviderInstalled\"=\"True\"\r\n")
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2019, 3, 29), 6, 120, writers=14, run_hour=23),
        f"{PKG}/{ext}/Status/125.status": status_ok(D(2019, 4, 3, 23, 2, 31)),
        "registry/BcdrAgent.reg": "\ufeff" + reg,
        "EventLogs/Application.csv": events_csv("en", [(D(2019, 3, 29, 23, 0, 21) + timedelta(days=d), "info", "MSSQLSERVER", 18264, "Backup",
                                                        "Database backed up. Database: CRM, creation date(time): 2018/11/02(10:11:15), pages dumped: 1822015, first LSN: 5022:110:37, last LSN: 5022:150:1, number of dump devices: 1, device information: (FILE=1, TYPE=VIRTUAL_DEVICE: {'{2B3C4D5E-6F70-4812-9A3B-4C5D6E7F8091}4'}). This is an informational message only. No user action is required.") for d in range(6)]),
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/28686", "platform": "windows", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "high", "key_evidence": "state",
                 "note": "Windows Server 2016 with SQL Server after REG ADD HKLM\\SOFTWARE\\Microsoft\\BcdrAgent USEVSSCOPYBACKUP=TRUE and a reboot: the snapshots succeed every night; the reporter's question is only why SQL still records them as full backups."}
    return files, label


@case
def win2022_testnetconnection_443_healthy():
    agent, ext = "2.7.41491.1057", "1.0.80.0"
    rows = agent_days(D(2022, 3, 13, 5, 0, 1), 4, agent, ext, 30, iso=True, run_hour=0)

    def tnc(port: int, ok: bool) -> str:
        head = "" if ok else f"WARNING: TCP connect to (168.63.129.16 : {port}) failed\r\n"
        return (head + f"\r\nComputerName     : 168.63.129.16\r\nRemoteAddress    : 168.63.129.16\r\nRemotePort       : {port}\r\nInterfaceAlias   : Ethernet\r\n"
                f"SourceAddress    : 10.4.0.5\r\nTcpTestSucceeded : {'True' if ok else 'False'}\r\n")

    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2022, 3, 13), 4, 30, run_hour=0),
        f"{PKG}/{ext}/Status/33.status": status_ok(D(2022, 3, 16, 0, 2, 31)),
        "commands/Test-NetConnection_168.63.129.16_80.txt": tnc(80, True),
        "commands/Test-NetConnection_168.63.129.16_32526.txt": tnc(32526, True),
        "commands/Test-NetConnection_168.63.129.16_443.txt": tnc(443, False),
        "WindowsAzure/Logs/TransparentInstaller.log": "[00000004] 2022-03-13T05:00:09.114Z [INFO]  Downloading package from https://md-ssd-x1.blob.core.windows.net/agentpackages/WindowsAzureVmAgent.zip\n[00000004] 2022-03-13T05:00:12.870Z [INFO]  Package download succeeded.\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/SupportArticles-docs/issues/493", "platform": "windows", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "medium", "key_evidence": "command output",
                 "note": "Windows Server 2022: Test-NetConnection to 168.63.129.16 succeeds on 80 and 32526 and fails on 443, as the reporter found; 443 is not used there (packages come from *.blob.core.windows.net over https), and backups succeed. A trap for a naive port check."}
    return files, label


@case
def win2019_custom_image_firewall_blocks_wireserver():
    agent = "2.7.41491.971"
    rows = waa_start(D(2020, 2, 24, 9, 0, 1), agent, iso=True)[:4]
    t = D(2020, 2, 24, 9, 0, 3)
    while t < D(2020, 2, 26, 10, 0):
        rows.append((t, waa(t, "WARN", "(Ignoring) Exception while fetching supported versions from HostGAPlugin: System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: An attempt was made to access a socket in a way forbidden by its access permissions 168.63.129.16:32526", 8)))
        t2 = t + timedelta(seconds=21)
        rows.append((t2, waa(t2, "ERROR", "GetVersions() failed with exception: Microsoft.ServiceModel.Web.WebProtocolException: Server Error: Service Unavailable (ServiceUnavailable) ---> System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: An attempt was made to access a socket in a way forbidden by its access permissions 168.63.129.16:80", 8)))
        t += timedelta(minutes=45)
    netsh = ("\r\nRule Name:                            Block all outbound except approved\r\n----------------------------------------------------------------------\r\n"
             "Enabled:                              Yes\r\nDirection:                            Out\r\nProfiles:                             Domain,Private,Public\r\n"
             "Grouping:                             \r\nLocalIP:                              Any\r\nRemoteIP:                             1.0.0.0-10.0.0.255,10.0.2.0-255.255.255.255\r\n"
             "Protocol:                             Any\r\nEdge traversal:                       No\r\nAction:                               Block\r\nOk.\r\n")
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        "commands/netsh_advfirewall_firewall_show_rule_name_all_dir_out.txt": netsh,
        "commands/netsh_advfirewall_show_allprofiles.txt": "\r\nDomain Profile Settings:\r\n----------------------------------------------------------------------\r\nState                                 ON\r\nFirewall Policy                       BlockInbound,BlockOutbound\r\n\r\nPrivate Profile Settings:\r\n----------------------------------------------------------------------\r\nState                                 ON\r\nFirewall Policy                       BlockInbound,BlockOutbound\r\n\r\nPublic Profile Settings:\r\n----------------------------------------------------------------------\r\nState                                 ON\r\nFirewall Policy                       BlockInbound,BlockOutbound\r\nOk.\r\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/48996", "platform": "windows", "cause": "wireserver-unreachable", "code": "UserErrorGuestAgentStatusUnavailable",
                 "acceptable_codes": ["GuestAgentSnapshotTaskStatusError", "ExtensionSnapshotFailedNoNetwork"], "verdict": "failure", "kind": "failure", "certainty": "low",
                 "key_evidence": "command output",
                 "note": "A custom Windows Server 2019 image uploaded without allowing 168.63.129.16 in its outbound firewall policy (the thread's question): the agent cannot reach ports 80 or 32526 ('forbidden by its access permissions'), never reports Ready, so no backup can run."}
    return files, label


@case
def win2016_vm_shut_down_from_guest():
    agent, ext = "2.7.41491.1110", "1.0.85.0"
    rows = agent_days(D(2024, 6, 1, 5, 0, 1), 5, agent, ext, 200, iso=True, run_hour=19)
    t = D(2024, 6, 5, 11, 42, 10, 220000)
    rows.append((t, waa(t, "INFO", "WindowsAzureGuestAgent stopping.", 4)))
    sys_rows = [(D(2024, 6, 5, 19, 42, 5), "info", "User32", 1074, "None",
                 "The process C:\\Windows\\Explorer.EXE (APP16-07) has initiated the power off of computer APP16-07 on behalf of user CONTOSO\\opsadmin for the following reason: Other (Planned)\n Reason Code: 0x85000000\n Shutdown Type: power off\n Comment: "),
                (D(2024, 6, 5, 19, 42, 20), "info", "EventLog", 6006, "None", "The Event log service was stopped.")]
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2024, 6, 1), 4, 200, run_hour=19),
        f"{PKG}/{ext}/Status/203.status": status_ok(D(2024, 6, 4, 19, 2, 31)),
        "EventLogs/System.csv": events_csv("en", sys_rows),
        "azure/vm-instance-view.json": json.dumps({"statuses": [{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded"},
                                                               {"code": "PowerState/stopped", "level": "Info", "displayStatus": "VM stopped"}]}, indent=2),
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/123170", "platform": "windows", "cause": "vm-shutdown-from-guest", "code": "GuestAgentSnapshotTaskStatusError",
                 "acceptable_codes": ["UserErrorVmNotInDesirableState", "UserErrorGuestAgentStatusUnavailable"], "verdict": "failure", "kind": "failure", "certainty": "low",
                 "key_evidence": "absence",
                 "note": "The customer case the thread relays: the VM was powered off from inside the guest (User32 1074, 'VM stopped' not deallocated), so the backup service could not run the extension on it; the agent log simply ends on 06-05. The portal code is not in the thread."}
    return files, label


@case
def win2019_customscript_tls_extension_failed():
    agent, ext = "2.7.41491.1030", "1.0.80.0"
    rows = agent_days(D(2021, 12, 10, 5, 0, 1), 4, agent, ext, 50, iso=True, run_hour=2)
    t = D(2021, 12, 13, 14, 20, 3)
    cse = "Microsoft.Compute.CustomScriptExtension.1.10.12"
    rows.append((t, waa(t, "INFO", f"Plugin {cse}: enable command started, sequence number 0.", 11)))
    rows.append((t + timedelta(minutes=1), waa(t + timedelta(minutes=1), "ERROR", f"Plugin {cse}: enable command completed with exit code 1.", 11)))
    cse_status = json.dumps([{"version": "1.0", "timestampUTC": "2021-12-13T14:21:04Z", "status": {
        "name": "Microsoft.Compute.CustomScriptExtension", "operation": "Enable", "status": "error", "code": 1,
        "formattedMessage": {"lang": "en-US", "message": "Failed to download all specified files. Exiting. Error Message: The request was aborted: Could not create SSL/TLS secure channel."}}}], indent=1)
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2021, 12, 10), 4, 50, run_hour=2),
        f"{PKG}/{ext}/Status/53.status": status_ok(D(2021, 12, 13, 2, 2, 31)),
        "Packages/Plugins/Microsoft.Compute.CustomScriptExtension/1.10.12/Status/0.status": cse_status,
        "WindowsAzure/Logs/Plugins/Microsoft.Compute.CustomScriptExtension/1.10.12/CustomScriptHandler.log": "[2148+00000001] [12/13/2021 14:20:05.22] [INFO] Downloading files specified in configuration...\n[2148+00000001] [12/13/2021 14:21:04.01] [ERROR] Failed to download all specified files. Exiting. Error Message: The request was aborted: Could not create SSL/TLS secure channel.\n",
        "azure/deployment-error.json": json.dumps({"status": "Failed", "error": {"code": "VMExtensionProvisioningError", "message": "VM has reported a failure when processing extension 'InstallDB'. Error message: \"Failed to download all specified files. Exiting. Error Message: The request was aborted: Could not create SSL/TLS secure channel.\""}}, indent=2),
    }
    label = {"source": "https://github.com/microsoft/MCW-Building-a-resilient-IaaS-architecture/issues/82", "platform": "windows", "cause": "extension-failed",
                 "code": "UserErrorVmProvisioningStateFailed", "acceptable_codes": ["UserErrorGuestAgentStatusUnavailable"], "verdict": "failure", "kind": "failure",
                 "certainty": "low", "key_evidence": "state",
                 "note": "Windows Server 2019 SQL VM: the CustomScript extension 'InstallDB' failed ('Could not create SSL/TLS secure channel', pasted deployment error) and stays in error; the next backups meet a VM in failed provisioning state. The backup consequence is the documented one, not the reporter's."}
    return files, label


@case
def win2016_template_agent_not_ready_oobe():
    agent, ext = "2.7.41491.901", "1.0.45.0"
    rows = []
    t = D(2018, 12, 14, 10, 2, 11)
    rows.append((t, waa(t, "INFO", f"WindowsAzureGuestAgent starting. Version {agent}", 4, False)))
    t += timedelta(seconds=2)
    while t < D(2018, 12, 14, 10, 21, 40):
        rows.append((t, waa(t, "INFO", "Waiting for OOBE to Complete ...", 4, False)))
        t += timedelta(seconds=30)
    rows.append((t, waa(t, "INFO", "StateExecutor initialization completed.", 4, False)))
    rows += [(r[0], r[1]) for r in waa_start(t + timedelta(seconds=2), agent, iso=False)[1:]]
    rows += waa_heartbeats(D(2018, 12, 14, 11, 0, 13), D(2018, 12, 16, 23, 0), 6, iso=False)
    for d in range(2):
        rows += waa_plugin_run(D(2018, 12, 15, 22, 0, 4) + timedelta(days=d), ext, 1 + d, 0, iso=False)
    deploy = {"status": "Failed", "error": {"code": "DeploymentFailed", "message": "At least one resource deployment operation failed.",
              "details": [{"code": "UserErrorGuestAgentStatusUnavailable", "message": "VM agent is unable to communicate with the Azure Backup Service."}]},
              "properties": {"timestamp": "2018-12-14T10:14:52.1177012Z", "templateLink": "101-recovery-services-create-vm-and-configure-backup/azuredeploy.json",
                             "parameters": {"vmName": "vm2016dc01", "osVersion": "2016-Datacenter"}}}
    files = {
        "WindowsAzure/Logs/WaAppAgent.log": joined(rows),
        f"{LOG}/{ext}/IaaSBcdrExtension.log": bcdr_days(D(2018, 12, 15), 2, 1),
        f"{PKG}/{ext}/Status/2.status": status_ok(D(2018, 12, 16, 22, 2, 31)),
        "azure/deployment-operations.json": json.dumps(deploy, indent=2),
    }
    label = {"source": "https://github.com/Azure/azure-quickstart-templates/issues/5445", "platform": "windows", "cause": "", "code": "", "verdict": "healthy", "kind": "recovered",
                 "certainty": "medium", "key_evidence": "log line",
                 "note": "The quickstart template enables protection while a fresh Windows Server 2016 Datacenter VM is still in OOBE ('Waiting for OOBE to Complete ...' for 19 minutes), so the deployment fails with UserErrorGuestAgentStatusUnavailable (pasted); once the agent is up, the scheduled backups of the next two nights succeed."}
    return files, label
