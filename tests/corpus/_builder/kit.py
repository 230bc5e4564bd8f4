"""Writers for the routine content around the pasted lines of a public report.

Every helper returns text in the shape the program writes it (see ``/work/shared/formats``):
the Linux agent's log eras, the VMSnapshotLinux extension log variants and status files, the
Windows agent log, event exports and command outputs. Nothing here knows about causes: the
facts of each case live in ``cases_*.py`` beside this file.
"""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from datetime import datetime, timedelta

VMSNAP_LINUX = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
VMSNAP_WIN = "Microsoft.Azure.RecoveryServices.VMSnapshot"


def registry() -> tuple[list, object]:
    """A list of case functions and the decorator that appends to it."""
    cases: list = []

    def case(fn):
        cases.append(fn)
        return fn

    return cases, case


def D(y, mo, d, h=0, mi=0, s=0, us=0):
    return datetime(y, mo, d, h, mi, s, us)


def rng(name: str) -> random.Random:
    """A random source fixed per bundle, so a rebuild writes the same bytes."""
    return random.Random(name)


def guid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


# ----------------------------------------------------------------------------------- Linux agent


def stamp(era: str, t: datetime) -> str:
    """The record header time of a waagent.log era (A, B, C, D)."""
    if era == "A":
        return t.strftime("%Y/%m/%d %H:%M:%S")
    if era == "B":
        return t.strftime("%Y/%m/%d %H:%M:%S.%f")
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def wa_line(era: str, t: datetime, level: str, msg: str, thread: str = "ExtHandler", prefix: str | None = None) -> str:
    """One waagent.log record. ``prefix`` is the process prefix (Daemon/ExtHandler) or ``[Handler-ver]``."""
    ts = stamp(era, t)
    if era == "A":
        glue = {"ERROR": "ERROR:", "WARNING": "WARNING:"}.get(level, "")
        return f"{ts} {glue}{msg}"
    head = f"{ts} {level}"
    if era == "D":
        head += f" {thread}"
    if prefix:
        head += f" {prefix}"
    return f"{head} {msg}"


def wa_heartbeats(era: str, version: str, start: datetime, end: datetime, every_min: int = 30, counter0: int = 0,
                  hb_id: str = "3B2C8E6A-3F7A-4E6C-9C2A-1F7D0B5A6C11", gs_errors: int = 0) -> list[tuple[datetime, str]]:
    """Periodic liveness lines of the ext-handler for the era."""
    out = []
    t, n = start, counter0
    while t <= end:
        if era == "D":
            msg = (f"[HEARTBEAT] Agent WALinuxAgent-{version} is running as the goal state agent "
                   f"[DEBUG HeartbeatCounter: {n};HeartbeatId: {hb_id};DroppedPackets: 0;"
                   f"UpdateGSErrors: {gs_errors};AutoUpdate: 1]")
            out.append((t, wa_line(era, t, "INFO", msg, "ExtHandler", "ExtHandler")))
        elif era == "C":
            out.append((t, wa_line(era, t, "INFO", f"ExtHandler [HEARTBEAT] Agent WALinuxAgent-{version} is running as the goal state agent [DEBUG HeartbeatCounter: {n};HeartbeatId: {hb_id};DroppedPackets: 0;UpdateGSErrors: {gs_errors};AutoUpdate: 1]")))
        elif era == "B":
            out.append((t, wa_line(era, t, "INFO", "Event: name=WALA, op=HeartBeat, message=, duration=0" if version < "2.2.20" else f"Agent WALinuxAgent-{version} is running as the goal state agent", prefix="ExtHandler" if version >= "2.2.31" else None)))
        n += 1
        t += timedelta(minutes=every_min)
    return out


def wa_goal_state_d(t: datetime, incarnation: int, handlers: list[tuple[str, str]]) -> list[tuple[datetime, str]]:
    """An era-D goal-state round: fetch, process each handler, complete."""
    rows = [
        (t, wa_line("D", t, "INFO", f"Fetched a new incarnation for the WireServer goal state [incarnation {incarnation}]")),
        (t, wa_line("D", t, "INFO", f"ProcessExtensionsGoalState started [incarnation_{incarnation} {{}} ]", prefix="ExtHandler")),
    ]
    for name, ver in handlers:
        tt = t + timedelta(milliseconds=400)
        rows.append((tt, wa_line("D", tt, "INFO", f"[{name}-{ver}] Target handler state: enabled [incarnation_{incarnation}]")))
        rows.append((tt, wa_line("D", tt, "INFO", f"[{name}-{ver}] [Enable] current handler state is: enabled")))
    te = t + timedelta(seconds=2)
    rows.append((te, wa_line("D", te, "INFO", f"ProcessExtensionsGoalState completed [incarnation_{incarnation} 1912 ms]", prefix="ExtHandler")))
    return rows


def wa_snapshot_enable(era: str, t: datetime, ext_ver: str, seq: int) -> list[tuple[datetime, str]]:
    """The agent launching VMSnapshotLinux enable: era D (thread names, the command's environment)
    or era B (2.2.x, a launch event two seconds later)."""
    h = f"[{VMSNAP_LINUX}-{ext_ver}]"
    d = era == "D"
    rows = [
        (t, wa_line(era, t, "INFO", f"{h} Target handler state: enabled" + (f" [incarnation_{seq}]" if d else ""))),
        (t, wa_line(era, t, "INFO", f"{h} [Enable] current handler state is: enabled")),
        (t, wa_line(era, t, "INFO", f"{h} Update settings file: {seq}.settings")),
        (t, wa_line(era, t, "INFO", f"{h} Enable extension{':' if d else ''} [main/handle.sh enable]")),
    ]
    if d:
        env = (f'{{"AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE": "NOT_RUN", "AZURE_GUEST_AGENT_EXTENSION_PATH": "/var/lib/waagent/{VMSNAP_LINUX}-{ext_ver}", '
               f'"AZURE_GUEST_AGENT_EXTENSION_VERSION": "{ext_ver}", "AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS": "168.63.129.16", "ConfigSequenceNumber": "{seq}"}}')
        rows.append((t, wa_line(era, t, "INFO", f"{h} Executing command: /var/lib/waagent/{VMSNAP_LINUX}-{ext_ver}/main/handle.sh enable with environment variables: {env}")))
    else:
        t2 = t + timedelta(seconds=2)
        rows.append((t2, wa_line(era, t2, "INFO", f"Event: name={VMSNAP_LINUX}, op=Enable, message=Launch command succeeded: main/handle.sh enable, duration=1063")))
    return rows


def joined(rows: list[tuple[datetime, str]]) -> str:
    """Rows sorted by time (stable), one per line."""
    return "\n".join(line for _, line in sorted(rows, key=lambda r: r[0])) + "\n"


WAAGENT_CONF = """\
#
# Microsoft Azure Linux Agent Configuration
#

# Enable extension handling. Do not disable this unless you do not need password reset,
# backup, monitoring, or any extension handling whatsoever.
Extensions.Enabled={ext}

# Which provisioning agent to use. Supported values are "auto" (default), "waagent",
# "cloud-init", or "disabled".
Provisioning.Agent={prov}

# Password authentication for root account will be unavailable.
Provisioning.DeleteRootPassword=y

# Generate fresh host key pair.
Provisioning.RegenerateSshHostKeyPair=y

# Supported values are "rsa", "dsa", "ecdsa", "ed25519", and "auto".
Provisioning.SshHostKeyPairType=rsa

# Monitor host name changes and publish changes via DHCP requests.
Provisioning.MonitorHostName=y

# Format if unformatted. If 'n', resource disk will not be mounted.
ResourceDisk.Format={rdformat}

# File system on the resource disk
ResourceDisk.Filesystem=ext4

# Mount point for the resource disk
ResourceDisk.MountPoint=/mnt/resource

# Create and use swapfile on resource disk.
ResourceDisk.EnableSwap={swap}

# Size of the swapfile.
ResourceDisk.SwapSizeMB={swapmb}

# Enable verbose logging (y|n)
Logs.Verbose={verbose}

# Enable Console logging, default is y
# Logs.Console=y

# Is FIPS enabled
OS.EnableFIPS=n

# Root device timeout in seconds.
OS.RootDeviceScsiTimeout=300

# If "None", the system default version is used.
OS.OpensslPath=None

# Set the SSH ClientAliveInterval
# OS.SshClientAliveInterval=180

# Set the path to SSH keys and configuration files
OS.SshDir=/etc/ssh

# If set, agent will use proxy server to access internet
{proxy}
# Detect Scvmm environment, default is n
# DetectScvmmEnv=n

# Enable RDMA management and set up, should only be used in HPC images
# OS.EnableRDMA=y

# Enable or disable goal state processing auto-update, default is enabled
AutoUpdate.Enabled={autoupdate}

# Determine the update family, this should not be changed
# AutoUpdate.GAFamily=Prod

# Determine if the overprovisioning feature is enabled. If yes, hold extension
# handling until inVMArtifactsProfile.OnHold is false.
# Default is enabled
# EnableOverProvisioning=y

# Allow fallback to HTTP if HTTPS is unavailable
# Note: Allowing HTTP (vs. HTTPS) may cause security risks
# OS.AllowHTTP=n

# Add firewall rules to protect access to Azure host node services
OS.EnableFirewall={firewall}
"""


def waagent_conf(ext: str = "y", prov: str = "auto", autoupdate: str = "y", verbose: str = "n", proxy: str = "#HttpProxy.Host=None\n#HttpProxy.Port=None\n",
                 swap: str = "n", swapmb: str = "0", rdformat: str = "y", firewall: str = "y") -> str:
    return WAAGENT_CONF.format(ext=ext, prov=prov, autoupdate=autoupdate, verbose=verbose, proxy=proxy, swap=swap,
                               swapmb=swapmb, rdformat=rdformat, firewall=firewall)


# -------------------------------------------------------------------------- VMSnapshotLinux files


def x3(t: datetime, msg: str) -> str:
    """An extension.log line in the Python 3 variant (``str(datetime)``)."""
    ts = str(t)
    return f"{ts} [{VMSNAP_LINUX}-1.0]{msg}"


def x2(t: datetime, msg: str, error: bool = False) -> str:
    """An extension.log line in the Python 2 variant (embedded 2.0 logger)."""
    return f"{t.strftime('%Y/%m/%d %H:%M:%S')} {'ERROR:' if error else ''}[{VMSNAP_LINUX}-1.0]{msg}"


def ext_success_run_x3(t: datetime, task: str, mounts: list[str], ext_ver: str, host: bool = True) -> list[str]:
    """The milestone lines of one successful snapshot run (Python 3 extension)."""
    lines = []

    def add(dt: float, msg: str) -> None:
        lines.append(x3(t + timedelta(seconds=dt), msg))

    add(0, "starting enable")
    add(0.01, f"taskId: {task}")
    add(0.02, "Sleeping for milliseconds: 5000")
    add(5.1, "starting daemon initially")
    add(5.2, "safeFreezeBinary exists True")
    add(5.3, "hostIp : 168.63.129.16")
    add(5.4, "snapshotMethodConfigValue : firstHostThenGuest")
    add(6.0, "PreSnapshot: Status Code: 200")
    add(6.01, "Taking Snapshot through Host" if host else "****** 5. Snaphotting (Guest-parallel) Started")
    add(6.02, "T:S freeze, timeout value 60")
    for m in mounts:
        add(6.03, f"fsfreeze mount :{m}")
    add(6.05, f"arg : ['/var/lib/waagent/{VMSNAP_LINUX}-{ext_ver}/main/safefreeze/bin/safefreeze', '60', " + ", ".join(f"'{m}'" for m in mounts) + "]")
    add(6.06, "****** 1. Starting Freeze Binary")
    add(6.5, "****** 4. Freeze Completed (Signal=1 received)")
    add(6.51, "T:S freeze result success, timedout :False")
    add(9.3, "****** 6. Snaphotting (Host) Completed")
    add(9.31, 'dosnapshot responseBody: {"snapshotInfo":[{"isSuccessful":true,"errorMessage":""}],"error":null}')
    add(9.32, "****** 7. Sending Thaw Signal to Binary")
    add(9.4, "****** 9. Binary Process completed (Signal=2 received)")
    add(9.41, "T:S thaw result success")
    add(9.5, "doFreezeSnapshot : run_result - 1 run_status - success all_failed - False unable_to_sleep - False is_inconsistent - False values post snapshot")
    add(9.6, "Enable,success,1,Enable Succeeded,False")
    return lines


def vmsnap_linux_status(t: datetime, code: str, message: str, ext_err: str = "success", ok: bool = True, task: str = "",
                        extra_telemetry: dict | None = None, snapshots: list[dict] | None = None, consistency: int = 1) -> str:
    """A VMSnapshotLinux ``status/<N>.status`` file (outer success, real result inside)."""
    telemetry = {"extErrorCode": ext_err, "snapshotCreator": "backupHostService", "hostStatusCodePreSnapshot": "200",
                 "hostStatusCodeDoSnapshot": "200" if ok else "555"}
    telemetry.update(extra_telemetry or {})
    inner = [{
        "version": "1.0", "timestampUTC": f"/Date({int(t.timestamp() * 1000)})/",
        "status": {
            "name": VMSNAP_LINUX, "operation": "Enable", "status": "success" if ok else "error", "code": code,
            "formattedMessage": {"lang": "en-US", "message": message}, "taskId": task,
            "snapshotInfo": snapshots or [{"isSuccessful": "true" if ok else "false", "errorMessage": "" if ok else message}],
            "vmHealthInfo": {"vmHealthState": 0 if ok else 256, "vmHealthStatusCode": 0 if ok else int(code) if code.isdigit() else 2},
            "telemetryData": [{"Key": k, "Value": v} for k, v in telemetry.items()],
        },
    }]
    msg = {"messageStr": message + " " + ", ".join(f"{k}={v}" for k, v in telemetry.items()) + ", ",
           "snapshotConsistency": consistency if ok else 0, "jobMessage": "", "isSizeComputationFailed": False}
    outer = [{
        "version": "1.0", "timestampUTC": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": {
            "name": VMSNAP_LINUX, "operation": "Enable", "status": "success", "code": code,
            "formattedMessage": {"lang": "en-US", "message": json.dumps(msg)},
            "substatus": [{"name": json.dumps(inner).replace('"/Date(', '"\\/Date(').replace(')/"', ')\\/"'), "status": "success", "code": code,
                           "formattedMessage": {"lang": "en-US", "message": ""}}],
        },
    }]
    return json.dumps(outer)


def handler_status(name: str, ver: str, status: str = "Ready", code: int = 0, message: str = "Plugin enabled") -> str:
    return json.dumps({"name": name, "version": ver, "status": status, "code": code, "message": message,
                       "supports_multi_config": False, "extension_status": None})


def ext_conf_xml(incarnation: int, plugins: list[tuple[str, str, str]], location: str = "westeurope", agent_ver: str = "2.9.1.1") -> str:
    """A top-level ``ExtensionsConfig.<N>.xml`` (≤2.7 layout) with SAS already stripped."""
    plug = "\n".join(
        f'    <Plugin name="{n}" version="{v}" location="https://umsa{incarnation}x.blob.core.windows.net/{n}_manifest.xml" '
        f'state="{s}" autoUpgrade="true" failoverlocation="https://umsb{incarnation}x.blob.core.windows.net/{n}_manifest.xml" runAsStartupTask="false" isJson="true" useExactVersion="true" />'
        for n, v, s in plugins)
    settings = "\n".join(
        f'    <Plugin name="{n}" version="{v}">\n      <RuntimeSettings seqNo="{incarnation}">{{"runtimeSettings":[{{"handlerSettings":{{"publicSettings":{{}}}}}}]}}</RuntimeSettings>\n    </Plugin>'
        for n, v, s in plugins)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Extensions version="1.0.0.0" goalStateIncarnation="{incarnation}"><GuestAgentExtension xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <GAFamilies>
    <GAFamily>
      <Name>Prod</Name>
      <Version>{agent_ver}</Version>
    </GAFamily>
  </GAFamilies>
  <Location>{location}</Location>
</GuestAgentExtension>
<Plugins>
{plug}
</Plugins>
<PluginSettings>
{settings}
</PluginSettings>
<StatusUploadBlob statusBlobType="PageBlob">https://md-hdd-status.blob.core.windows.net/$system/vm.status</StatusUploadBlob></Extensions>
"""


# ------------------------------------------------------------------------------------- Windows


def waa(t: datetime, level: str, msg: str, tid: int = 8, iso: bool = True) -> str:
    """One WaAppAgent.log line (ISO variant 2021+, or the MM/dd/yyyy variant)."""
    pad = "  " if level in ("INFO", "WARN") else " "
    if iso:
        return f"[{tid:08d}] {t.strftime('%Y-%m-%dT%H:%M:%S.')}{t.microsecond // 1000:03d}Z [{level}]{pad}{msg}"
    return f"[{tid:08d}] [{t.strftime('%m/%d/%Y %H:%M:%S.')}{t.microsecond // 10000:02d}] [{level}]{pad}{msg}"


def waa_start(t: datetime, version: str, iso: bool = True, iface: str = "Ethernet") -> list[tuple[datetime, str]]:
    lines = [
        (t, waa(t, "INFO", f"WindowsAzureGuestAgent starting. Version {version}", 4, iso)),
        (t + timedelta(seconds=1), waa(t + timedelta(seconds=1), "INFO", f"Attempting to discover fabric address on interface {iface}.", 4, iso)),
        (t + timedelta(seconds=1, milliseconds=30), waa(t + timedelta(seconds=1, milliseconds=30), "INFO", f"Discovered fabric address on interface {iface}.", 4, iso)),
        (t + timedelta(seconds=1, milliseconds=31), waa(t + timedelta(seconds=1, milliseconds=31), "INFO", "Using fabric address 168.63.129.16 from DHCP.", 4, iso)),
        (t + timedelta(seconds=2), waa(t + timedelta(seconds=2), "INFO", "ControlSystem initialized with version 2015-04-05.", 4, iso)),
        (t + timedelta(seconds=3), waa(t + timedelta(seconds=3), "INFO", "HostGAPlugin supported versions fetched: 2015-09-01, 2016-08-01, 2016-10-01", 8, iso)),
    ]
    return lines


def waa_heartbeats(start: datetime, end: datetime, every_h: int = 6, iso: bool = True) -> list[tuple[datetime, str]]:
    out, t = [], start
    while t <= end:
        out.append((t, waa(t, "HEART", "WindowsAzureGuestAgent Heartbeat.", 9, iso)))
        t += timedelta(hours=every_h)
    return out


def waa_plugin_run(t: datetime, ext_ver: str, seq: int, exit_code: int = 0, iso: bool = True, minutes: int = 2) -> list[tuple[datetime, str]]:
    name = f"{VMSNAP_WIN}.{ext_ver}"
    te = t + timedelta(minutes=minutes, seconds=27)
    return [
        (t, waa(t, "INFO", f"Plugin {name}: enable command started, sequence number {seq}.", 11, iso)),
        (te, waa(te, "INFO", f"Plugin {name}: enable command completed with exit code {exit_code}.", 11, iso)),
    ]


def vmsnap_win_status(t: datetime, status: str, code: int, message: str, sub_ok: bool = True, consistency: int = 2) -> str:
    inner = {"snapshotInfo": [{"isSuccessful": "true" if sub_ok else "false"}], "isSuccessful": "true" if sub_ok else "false",
             "snapshotConsistency": consistency if sub_ok else 0}
    return json.dumps([{
        "version": "1.0", "timestampUTC": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": {"name": VMSNAP_WIN, "operation": "Enable", "status": status, "code": code,
                   "formattedMessage": {"lang": "en-US", "message": message},
                   "substatus": [{"name": "VMSnapshotStatus", "status": "success" if sub_ok else "error", "code": str(code),
                                  "formattedMessage": {"lang": "en-US", "message": json.dumps(inner)}}]},
    }], indent=1)


def bcdr_log(rows: list[tuple[datetime, str, str]]) -> str:
    """IaaSBcdrExtension.log text: no public grammar is known, so a plain stamped line per record."""
    return "".join(f"[{t.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-5]}Z] pid=3920 {lvl:<5} {msg}\n" for t, lvl, msg in rows)


# Event Viewer "Save All Events As" CSV headers and level words by UI language
CSV_HEAD = {
    "en": (["Level", "Date and Time", "Source", "Event ID", "Task Category"], {"error": "Error", "warning": "Warning", "info": "Information"}, "%m/%d/%Y %I:%M:%S %p"),
    "de": (["Ebene", "Datum und Uhrzeit", "Quelle", "Ereignis-ID", "Aufgabenkategorie"], {"error": "Fehler", "warning": "Warnung", "info": "Informationen"}, "%d.%m.%Y %H:%M:%S"),
    "sv": (["Nivå", "Datum och tid", "Källa", "Händelse-ID", "Aktivitetskategori"], {"error": "Fel", "warning": "Varning", "info": "Information"}, "%Y-%m-%d %H:%M:%S"),
}


def events_csv(lang: str, rows: list[tuple[datetime, str, str, int, str, str]]) -> str:
    """Rows of (local time, level key, source, event id, task category, message), newest first like the viewer."""
    head, words, fmt = CSV_HEAD[lang]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)
    for t, lvl, src, eid, cat, msg in sorted(rows, key=lambda r: r[0], reverse=True):
        if lang == "en":
            ts = f"{t.month}/{t.day}/{t.year} {(t.hour % 12) or 12}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"
        else:
            ts = t.strftime(fmt)
        w.writerow([words[lvl], ts, src, eid, cat, msg.replace("\n", "\r\n")])
    return "\ufeff" + buf.getvalue()


def event_xml(t: datetime, provider: str, eid: int, level: int, channel: str, computer: str, record: int, data: list[str],
              qualifiers: int | None = 0) -> str:
    """One wevtutil ``/f:xml`` event element (UTC SystemTime)."""
    q = f" Qualifiers='{qualifiers}'" if qualifiers is not None else ""
    ed = "".join(f"<Data>{d}</Data>" for d in data)
    return (f"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{provider}'/>"
            f"<EventID{q}>{eid}</EventID><Version>0</Version><Level>{level}</Level><Task>0</Task><Opcode>0</Opcode>"
            f"<Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='{t.strftime('%Y-%m-%dT%H:%M:%S.%f')}0Z'/>"
            f"<EventRecordID>{record}</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/>"
            f"<Channel>{channel}</Channel><Computer>{computer}</Computer><Security/></System><EventData>{ed}</EventData></Event>")


def ps_events_json(rows: list[tuple[datetime, int, str, str, str, int]], computer: str, log: str) -> str:
    """``Get-WinEvent | Select ... | ConvertTo-Json`` in Windows PowerShell 5.1 (``\\/Date(ms)\\/``)."""
    out = []
    for t, eid, provider, level_name, msg, level in rows:
        out.append({"TimeCreated": f"/Date({int(t.timestamp() * 1000)})/", "Id": eid, "ProviderName": provider,
                    "LevelDisplayName": level_name, "Level": level, "LogName": log, "MachineName": computer, "Message": msg})
    return json.dumps(out, indent=4).replace('"/Date(', '"\\/Date(').replace(')/"', ')\\/"')
