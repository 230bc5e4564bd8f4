"""Linux bundles, each rebuilt around the lines pasted in one public report (``source``)."""

from __future__ import annotations

import json
from datetime import timedelta

from kit import (
    VMSNAP_LINUX,
    D,
    ext_conf_xml,
    ext_success_run_x3,
    handler_status,
    joined,
    registry,
    vmsnap_linux_status,
    wa_line,
    waagent_conf,
    x2,
    x3,
)
from linux_base import (
    boot_b,
    boot_d,
    daily_snapshots_b,
    daily_snapshots_d,
    ext_log_x2_days,
    ext_log_x3_days,
    gs_rounds_b,
    gs_rounds_d,
    wa_heartbeats,
)

CASES, case = registry()


EXT = f"var/lib/waagent/{VMSNAP_LINUX}"
EXTLOG = f"var/log/azure/{VMSNAP_LINUX}"


# --------------------------------------------------------------------------------------------------
@case
def ubuntu1404_vmsnap_downgrade_not_allowed():
    ver, ext = "2.2.22", "1.0.9120.0"
    rows = boot_b(D(2018, 2, 12, 8, 2, 11, 104233), ver, "ubuntu 14.04", "2.7.6", prefix=False)
    rows += wa_heartbeats("B", ver, D(2018, 2, 12, 8, 32, 11, 98000), D(2018, 3, 5, 14, 0), every_min=60)
    rows += gs_rounds_b(D(2018, 2, 12, 9, 0, 4, 1200), 21)
    rows += daily_snapshots_b(D(2018, 2, 12, 21, 30, 2, 431000), 8, ext, 31)
    t = D(2018, 2, 20, 21, 30, 2, 120011)
    while t < D(2018, 3, 5, 15):
        for dt, lvl, msg in [
            (0, "INFO", f"[{VMSNAP_LINUX}-{ext}] Target handler state: enabled"),
            (0.0023, "ERROR", f"[{VMSNAP_LINUX}-{ext}] Failed to save handler status: [Errno 2] No such file or directory: '/var/lib/waagent/{VMSNAP_LINUX}-{ext}/config/HandlerStatus'"),
            (0.0045, "ERROR", f"Event: name={VMSNAP_LINUX}, op=None, message=[ExtensionError] Downgrade not allowed, duration=0"),
        ]:
            tt = t + timedelta(seconds=dt)
            rows.append((tt, wa_line("B", tt, lvl, msg)))
        t += timedelta(hours=8) if t.day % 2 else timedelta(hours=16)
    # the reporter's own tail, verbatim times
    for tt, lvl, msg in [
        (D(2018, 3, 5, 14, 31, 57, 742721), "INFO", f"[{VMSNAP_LINUX}-{ext}] Target handler state: enabled"),
        (D(2018, 3, 5, 14, 31, 57, 745038), "ERROR", f"[{VMSNAP_LINUX}-{ext}] Failed to save handler status: [Errno 2] No such file or directory: '/var/lib/waagent/{VMSNAP_LINUX}-{ext}/config/HandlerStatus'"),
        (D(2018, 3, 5, 14, 31, 57, 747218), "ERROR", f"Event: name={VMSNAP_LINUX}, op=None, message=[ExtensionError] Downgrade not allowed, duration=0"),
    ]:
        rows.append((tt, wa_line("B", tt, lvl, msg)))
    ext_lines = ext_log_x2_days(D(2018, 2, 12, 21, 30, 4), 8, ["/", "/mnt"], "5a1c")
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(ext_lines) + "\n",
        "etc/waagent.conf": waagent_conf(swap="y", swapmb="2048"),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/status/38.status": vmsnap_linux_status(D(2018, 2, 19, 21, 30, 14), "1", "Enable Succeeded", task="5a1c0007-61b2-4a3c-8d7e-1f2a3b4c5d07"),
        "commands/waagent_-version.txt": "WALinuxAgent-2.2.22 running on ubuntu 14.04\nPython: 2.7.6\nGoal state agent: 2.2.22\n",
        "var/lib/waagent/ExtensionsConfig.52.xml": ext_conf_xml(52, [(VMSNAP_LINUX, "1.0.9118.0", "enabled")], "canadacentral", ver),
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/1059", "platform": "linux", "cause": "extension-failed",
                 "acceptable_causes": ["agent-outdated-linux"], "code": "GuestAgentSnapshotTaskStatusError",
                 "acceptable_codes": ["UserErrorVmProvisioningStateFailed"], "verdict": "failure", "kind": "failure", "certainty": "medium",
                 "key_evidence": "log line",
                 "note": "Ubuntu 14.04, agent 2.2.22 (era B, local time): the goal state asks for VMSnapshotLinux 1.0.9118.0 while 1.0.9120.0 is installed without its config/HandlerStatus; every goal state ends in '[ExtensionError] Downgrade not allowed'; portal: could not communicate with the VM agent for snapshot status."}
    return files, label


@case
def ubuntu1404_vmsnap_recovered_after_cleanup():
    ver, ext = "2.2.25", "1.0.9120.0"
    rows = boot_b(D(2018, 3, 6, 10, 12, 40, 5011), "2.2.22", "ubuntu 14.04", "2.7.6", prefix=False)
    rows += [(D(2018, 3, 6, 10, 12, 44, 1), wa_line("B", D(2018, 3, 6, 10, 12, 44, 1), "INFO", "Agent WALinuxAgent-2.2.25 discovered, will replace WALinuxAgent-2.2.22"))]
    rows += wa_heartbeats("B", ver, D(2018, 3, 6, 10, 42, 40), D(2018, 3, 9, 9, 0), every_min=30)
    for tt, lvl, msg in [
        (D(2018, 3, 6, 9, 58, 3, 120400), "ERROR", f"Event: name={VMSNAP_LINUX}, op=None, message=[ExtensionError] Downgrade not allowed, duration=0"),
        (D(2018, 3, 6, 10, 5, 12, 1), "INFO", "Agent WALinuxAgent-2.2.22 forwarding signal 15 to WALinuxAgent-2.2.22"),
        (D(2018, 3, 6, 10, 20, 14, 55120), "INFO", f"[{VMSNAP_LINUX}-{ext}] Initialize extension directory"),
        (D(2018, 3, 6, 10, 20, 14, 60211), "INFO", f"[{VMSNAP_LINUX}-{ext}] Update settings file: 53.settings"),
        (D(2018, 3, 6, 10, 20, 14, 71100), "INFO", f"[{VMSNAP_LINUX}-{ext}] Install extension [main/handle.sh install]"),
        (D(2018, 3, 6, 10, 20, 16, 90812), "INFO", f"Event: name={VMSNAP_LINUX}, op=Install, message=Launch command succeeded: main/handle.sh install, duration=2017"),
    ]:
        rows.append((tt, wa_line("B", tt, lvl, msg)))
    rows += daily_snapshots_b(D(2018, 3, 6, 21, 30, 2, 431000), 3, ext, 54)
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(ext_log_x2_days(D(2018, 3, 6, 21, 30, 4), 3, ["/", "/mnt"], "7b2d")) + "\n",
        "etc/waagent.conf": waagent_conf(swap="y", swapmb="2048"),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext),
        f"{EXT}-{ext}/status/56.status": vmsnap_linux_status(D(2018, 3, 8, 21, 30, 13), "1", "Enable Succeeded", task="7b2d0002-61b2-4a3c-8d7e-1f2a3b4c5d02"),
        "root/cleanup_history.txt": "  501  sudo rm -f /var/lib/waagent/*.[0-9]*.xml\n  502  sudo rm -f /var/lib/waagent/Prod.[0-9]*.agentsManifest\n  503  service walinuxagent stop\n  504  mkdir /tmp/SnapshotExt_backup\n  505  cd /var/lib/waagent\n  506  mv Microsoft.Azure.RecoveryServices* /tmp/SnapshotExt_backup/\n  507  cd /var/log/azure/\n  508  rm -rf Microsoft.Azure.RecoveryServices.VMSnapshotLinux\n  509  service walinuxagent start\n  510  service walinuxagent status\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/1059#issuecomment-370741278", "platform": "linux", "cause": "", "code": "",
                 "verdict": "healthy", "kind": "recovered", "certainty": "medium", "key_evidence": "log line",
                 "note": "Same VM family as the 'Downgrade not allowed' case after the thread's cleanup steps (stop agent, move RecoveryServices dirs, restart): one old error before the cleanup, a fresh install and three successful nightly snapshots."}
    return files, label


@case
def rhel80_vmsnap_python_unknown():
    ver, ext = "2.2.38", "1.0.9156.0"
    rows = boot_b(D(2019, 11, 16, 23, 50, 1, 1200), ver, "redhat 8.0", "3.6.8", prefix=True)
    rows += wa_heartbeats("B", ver, D(2019, 11, 16, 23, 55, 1), D(2019, 11, 22, 9, 0), every_min=30)
    t = D(2019, 11, 17, 0, 3, 18, 94280)
    days = 0
    while t < D(2019, 11, 22, 12):
        h = f"[{VMSNAP_LINUX}-{ext}]"
        for dt, lvl, msg in [
            (-1.2, "INFO", f"{h} Install extension [main/handle.sh install]"),
            (0, "INFO", f"Added PID 5{3989 + days} to cgroup /sys/fs/cgroup/cpu/walinuxagent.extensions/{VMSNAP_LINUX}_{ext}"),
            (0.0095, "INFO", f"Added PID 5{3989 + days} to cgroup /sys/fs/cgroup/memory/walinuxagent.extensions/{VMSNAP_LINUX}_{ext}"),
            (0.7, "ERROR", f"Event: name={VMSNAP_LINUX}, op=Install, message=[ExtensionOperationError] Non-zero exit code: 3, /var/lib/waagent/{VMSNAP_LINUX}-{ext}/main/handle.sh install\n[stdout]\n{(t).strftime('%Y/%m/%d %H:%M:%S.%f')} INFO ExtHandler Added PID 5{3989 + days} to cgroup /sys/fs/cgroup/cpu/walinuxagent.extensions/{VMSNAP_LINUX}_{ext}\n\n\n[stderr]\n, duration=0"),
        ]:
            tt = t + timedelta(seconds=dt)
            rows.append((tt, wa_line("B", tt, lvl, msg, prefix="ExtHandler")))
        days += 1
        t += timedelta(days=1, minutes=3, seconds=41)
    shell = "".join(
        f"{d} UTC 2019- python version unknown\n{d} UTC 2019- 3 returned from handle.py\n"
        for d in ["Mon Nov 18 00:05:10", "Mon Nov 18 22:50:18", "Tue Nov 19 00:09:59", "Wed Nov 20 00:08:03",
                  "Thu Nov 21 00:07:52", "Fri Nov 22 00:12:01"])
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/shell.log": shell,
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "NotInstalled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext, "NotReady", 1007, "Non-zero exit code: 3, main/handle.sh install"),
        "commands/ls_-l_usr_bin_python.txt": "$ ls -l /usr/bin/python*\nls: cannot access '/usr/bin/python*': No such file or directory\n$ alternatives --display python\npython - status is auto.\n link currently points to /usr/libexec/no-python\n/usr/libexec/no-python - priority 404\n",
        "etc/os-release": 'NAME="Red Hat Enterprise Linux"\nVERSION="8.0 (Ootpa)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="8.0"\nPLATFORM_ID="platform:el8"\nPRETTY_NAME="Red Hat Enterprise Linux 8.0 (Ootpa)"\n',
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/946", "platform": "linux", "cause": "extension-failed",
                 "acceptable_causes": [], "code": "UserErrorVmProvisioningStateFailed",
                 "acceptable_codes": ["ExtensionOperationFailedForManagedDisks", "UserErrorGuestAgentStatusUnavailable"],
                 "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "command output",
                 "note": "RHEL 8.0 ships no 'python' binary: VMSnapshotLinux 1.0.9156.0 install exits 3 every night ('python version unknown' in shell.log); alternatives points python at /usr/libexec/no-python. Report names no portal code."}
    return files, label


@case
def ubuntu1604_restricted_network_409():
    ver, ext = "2.2.18", "1.0.9124.0"
    rows = boot_b(D(2017, 11, 1, 6, 0, 12, 44100), ver, "ubuntu 16.04", "3.5.2", prefix=False)
    rows += wa_heartbeats("B", ver, D(2017, 11, 1, 6, 30, 12), D(2017, 11, 14, 10, 0), every_min=30)
    rows += gs_rounds_b(D(2017, 11, 1, 7, 0, 1), 13)
    rows += daily_snapshots_b(D(2017, 11, 1, 3, 0, 41, 300000), 14, ext, 61)
    ok = ext_log_x2_days(D(2017, 11, 1, 3, 0, 45), 9, ["/", "/mnt", "/syslog"], "9e4f")
    t = D(2017, 11, 10, 3, 0, 45)
    bad = []
    for d in range(5):
        tt = t + timedelta(days=d)
        s = tt.strftime("%Y/%m/%d %H:%M:%S")
        ss = (tt + timedelta(seconds=7)).strftime("%Y/%m/%d %H:%M:%S")
        inner = (tt + timedelta(seconds=7)).strftime("%Y-%m-%d %H:%M:%S")
        bad += [
            x2(tt, "starting enable"), x2(tt, f"taskId: 9e4f{9 + d:04d}-61b2-4a3c-8d7e-1f2a3b4c5d{9 + d:02d}"),
            x2(tt + timedelta(seconds=5), "T:S freeze, timeout value 60"),
            f"{ss} [{VMSNAP_LINUX}-1.0]{inner} Thawing: /mnt",
            f"{ss} [{VMSNAP_LINUX}-1.0]{inner} Thawing: /syslog",
            f"{ss} [{VMSNAP_LINUX}-1.0]T:S thaw result",
            f"{ss} [{VMSNAP_LINUX}-1.0]T:S snapshotall ends...",
            f"{ss} [{VMSNAP_LINUX}-1.0]setting doseq flag in config file",
            f"{ss} [{VMSNAP_LINUX}-1.0]T:S snapshot result: errorcode: 409",
            f"{ss}  StatusCode.FailedRetryableSnapshotFailedRestrictedNetwork,",
            f"{ss} [{VMSNAP_LINUX}-1.0]unfreeze ends...",
            f"{ss} [{VMSNAP_LINUX}-1.0]some child process terminated",
            f"{ss} [{VMSNAP_LINUX}-1.0]binary child terminated",
            f"{ss} [{VMSNAP_LINUX}-1.0]Enable,success,76,T:S snapshot result: errorcode: 409 StatusCode.FailedRetryableSnapshotFailedRestrictedNetwork,,True",
        ]
        del s
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(ok + bad) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext),
        f"{EXT}-{ext}/status/74.status": vmsnap_linux_status(
            D(2017, 11, 14, 3, 0, 52), "76", "T:S snapshot result: errorcode: 409 StatusCode.FailedRetryableSnapshotFailedRestrictedNetwork,",
            ext_err="FailedRetryableSnapshotFailedRestrictedNetwork", ok=False, task="9e4f0013-61b2-4a3c-8d7e-1f2a3b4c5d13",
            extra_telemetry={"statusBlobUploadError": "false", "snapshotCreator": "guestExtension"},
            snapshots=[{"isSuccessful": "true", "errorMessage": ""}, {"isSuccessful": "false", "errorMessage": "This request is not authorized to perform this operation."}]),
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/494", "platform": "linux", "cause": "storage-unreachable",
                 "acceptable_causes": [], "code": "ExtensionSnapshotFailedNoNetwork", "acceptable_codes": ["ExtensionFailedTimeoutVMNetworkUnresponsive"],
                 "verdict": "failure", "kind": "failure", "certainty": "high", "key_evidence": "log line",
                 "note": "Ubuntu 16.04, agent 2.2.18, VMSnapshotLinux 1.0.9124.0 (Python 2 log, local time): guest snapshots end with 'errorcode: 409 StatusCode.FailedRetryableSnapshotFailedRestrictedNetwork' every night from 11-10; status code 76."}
    return files, label


@case
def ubuntu1404_fifreeze_new_volumes():
    ver, ext = "2.1.5", "1.0.9103.0"
    rows = boot_b(D(2016, 12, 1, 9, 11, 2, 330100), ver, "ubuntu 14.04", "3.4.0", prefix=False)
    rows += wa_heartbeats("B", "2.1.5", D(2016, 12, 1, 9, 41, 2), D(2016, 12, 16, 17, 0), every_min=30)
    rows += daily_snapshots_b(D(2016, 12, 1, 1, 10, 58, 100000), 16, ext, 12)

    def x0(t, inner_t, msg):
        return [f"{t.strftime('%Y/%m/%d %H:%M:%S')} [{VMSNAP_LINUX}-1.0]{inner_t.strftime('%Y-%m-%d %H:%M:%S.%f')}  Info  {msg}",
                t.strftime('%Y/%m/%d %H:%M:%S')]

    lines = []
    for d in range(16):
        t = D(2016, 12, 1, 1, 11, 0) + timedelta(days=d)
        mounts = ["/mnt", "/"] if d < 9 else ["/mnt", "/data/dblog", "/data/db", "/"]
        lines += x0(t, t + timedelta(microseconds=519872), str([f"/var/lib/waagent/{VMSNAP_LINUX}-{ext}/main/safefreeze/bin/safefreeze", "60", *mounts]))
        lines += x0(t, t + timedelta(microseconds=521585), "proceeded for accepting signals")
        lines += x0(t, t + timedelta(microseconds=529252), "binary child terminated")
        for i, m in enumerate(mounts):
            lines += x0(t, t + timedelta(microseconds=530742 + 900 * i), f"freezing the mount: {m}")
            if m == "/data/dblog":
                lines += x0(t, t + timedelta(microseconds=532512), "Failed to FIFREEZE: /data/dblog")
                break
        if d < 9:
            lines += x0(t, t + timedelta(seconds=3), "T:S thaw result success")
            lines += x0(t, t + timedelta(seconds=3, microseconds=100), "Enable,success,1,Enable Succeeded,False")
        else:
            lines += x0(t, t + timedelta(microseconds=768963), "unfreeze ends...")
            lines += x0(t, t + timedelta(seconds=1), "Enable,success,2,Enable failed with exception in safe freeze or snapshot ,True")
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        "etc/fstab": "UUID=3c1d9a3e-7a52-4f7c-9a34-0b2b6e6c2f11 / ext4 defaults,discard 0 0\n/dev/sdb1 /mnt auto defaults,nofail,comment=cloudconfig 0 2\n/dev/sdc1 /data/db xfs defaults,nofail 0 2\n/dev/sdd1 /data/dblog xfs defaults,nofail 0 2\n",
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/525", "platform": "linux", "cause": "fs-freeze-failed", "acceptable_causes": [],
                 "code": "UserErrorFsFreezeFailed", "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "high", "key_evidence": "log line",
                 "note": "Ubuntu 14.04, agent 2.1.5, VMSnapshotLinux 1.0.9103.0 (X0 doubled-stamp log, local time): after new data volumes were mounted, 'Failed to FIFREEZE: /data/dblog' in every nightly run and the backup jobs fail."}
    return files, label


@case
def ubuntu2004_freeze_never_thawed():
    d_ver, h_ver, ext = "2.2.45", "2.9.1.1", "1.0.9219.0"
    rows = boot_d(D(2024, 1, 8, 6, 1, 12, 223100), d_ver, h_ver, "ubuntu 20.04", "3.8.10")
    rows += wa_heartbeats("D", h_ver, D(2024, 1, 8, 6, 31, 14, 1), D(2024, 1, 14, 22, 0), every_min=30)
    rows += gs_rounds_d(D(2024, 1, 8, 7, 0, 1), D(2024, 1, 14, 22, 0))
    rows += daily_snapshots_d(D(2024, 1, 8, 22, 16, 40, 101000), 7, ext, 110)
    # after the hang: the VM was deallocated and started on 01-15
    rows += boot_d(D(2024, 1, 15, 7, 42, 3, 1400), d_ver, h_ver, "ubuntu 20.04", "3.8.10")
    rows += wa_heartbeats("D", h_ver, D(2024, 1, 15, 8, 12, 5), D(2024, 1, 15, 9, 45), every_min=30)
    ok = ext_log_x3_days(D(2024, 1, 8, 22, 16, 41), 6, ext, ["/mnt", "/"], "b7e1")
    t = D(2024, 1, 14, 22, 16, 41, 2210)
    hang = [x3(t, "starting enable"), x3(t + timedelta(microseconds=11000), "taskId: b7e10006-4d3e-9a1b-6c0f2e7d5a06"),
            x3(t + timedelta(seconds=6), "hostIp : 168.63.129.16")]
    for ts, msg in [
        (D(2024, 1, 14, 22, 16, 48, 792020), "PreSnapshot: Status Code: 200"),
        (D(2024, 1, 14, 22, 16, 48, 794220), "Taking Snapshot through Host"),
        (D(2024, 1, 14, 22, 16, 48, 796446), "T:S freeze, timeout value 60"),
        (D(2024, 1, 14, 22, 16, 48, 798717), "skipped mount :"),
        (D(2024, 1, 14, 22, 16, 48, 800908), "fsfreeze mount :/mnt"),
        (D(2024, 1, 14, 22, 16, 48, 803464), "fsfreeze mount :/"),
        (D(2024, 1, 14, 22, 16, 48, 805675), "skip freeze is : False"),
        (D(2024, 1, 14, 22, 16, 48, 811102), f"arg : ['/var/lib/waagent/{VMSNAP_LINUX}-{ext}/main/safefreeze/bin/safefreeze', '60', '/mnt', '/']"),
        (D(2024, 1, 14, 22, 16, 48, 813900), "****** 1. Starting Freeze Binary"),
        (D(2024, 1, 14, 22, 16, 48, 816112), "proceeded for accepting signals"),
    ]:
        hang.append(x3(ts, msg))
    syslog = 'Jan 14 22:16:01 web-prod-02 CRON[88121]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)\nJan 14 22:16:40 web-prod-02 python3[1043]: 2024-01-14T22:16:40.101000Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9219.0] Enable extension: [main/handle.sh enable]\nJan 14 22:19:51 web-prod-02 kernel: [553210.101221] INFO: task jbd2/sda1-8:312 blocked for more than 120 seconds.\nJan 14 22:19:51 web-prod-02 kernel: [553210.101290]       Not tainted 5.15.0-1053-azure #61~20.04.1-Ubuntu\nJan 14 22:19:51 web-prod-02 kernel: [553210.101340] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.\nJan 14 22:21:52 web-prod-02 kernel: [553331.431112] INFO: task nginx:2211 blocked for more than 120 seconds.\nJan 15 07:41:58 web-prod-02 kernel: [    0.000000] Linux version 5.15.0-1053-azure (buildd@lcy02-amd64-071) (gcc (Ubuntu 9.4.0-1ubuntu1~20.04.2) 9.4.0) #61~20.04.1-Ubuntu SMP\nJan 15 07:42:03 web-prod-02 systemd[1]: Started Azure Linux Agent.\n'
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(ok + hang) + "\n",
        "var/log/syslog": syslog,
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/status/116.status": vmsnap_linux_status(D(2024, 1, 14, 22, 16, 47), "4", "Transitioning state in extension", ok=True, task="b7e10006-4d3e-9a1b-6c0f2e7d5a06"),
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/1868", "platform": "linux", "cause": "fs-freeze-failed", "acceptable_causes": [],
                 "code": "UserErrorFsFreezeFailed", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure", "certainty": "medium",
                 "key_evidence": "absence",
                 "note": "Ubuntu 20.04, ext-handler 2.9.1.1: the last extension.log lines are the safefreeze start ('proceeded for accepting signals'); no thaw, no result, status stuck at code 4, hung-task kernel messages, then a deallocate/start the next morning. Report names no portal code."}
    return files, label


@case
def rhel77_oracle_freeze_hang_serial():
    ver, ext = "2.2.41", "1.0.9164.0"
    rows = boot_b(D(2019, 11, 17, 2, 0, 3, 100), ver, "redhat 7.7", "2.7.5", prefix=True)
    rows += wa_heartbeats("B", ver, D(2019, 11, 17, 2, 30, 3), D(2019, 11, 23, 21, 0), every_min=30)
    rows += gs_rounds_b(D(2019, 11, 17, 3, 0, 0), 6, prefix=True)
    rows += daily_snapshots_b(D(2019, 11, 17, 21, 10, 10, 500000), 7, ext, 44)
    ok = ext_log_x2_days(D(2019, 11, 17, 21, 11, 12), 6, ["/", "/oracle/SID/oraflash", "/mnt/resource"], "c3f2")
    t = D(2019, 11, 23, 21, 11, 12)
    hang = [x2(t, "starting enable"), x2(t, "taskId: c3f20006-61b2-4a3c-8d7e-1f2a3b4c5d06"),
            x2(t + timedelta(seconds=6), "T:S freeze, timeout value 60"),
            x2(t + timedelta(seconds=6), "fsfreeze mount :[SWAP]"), x2(t + timedelta(seconds=6), "fsfreeze mount :/oracle/SID/oraflash"),
            x2(t + timedelta(seconds=6), "fsfreeze mount :/mnt/resource")]
    serial = 'Red Hat Enterprise Linux Server 7.7 (Maipo)\nKernel 3.10.0-1062.4.1.el7.x86_64 on an x86_64\n\ndbora01 login: \n2019-11-23 21:11:18.333008  Info  T:S freeze, timeout value 60 \n2019-11-23 21:11:18.336246  Info  fsfreeze mount :[SWAP] \n2019-11-23 21:11:18.339610  Info  fsfreeze mount :/oracle/SID/oraflash \n2019-11-23 21:11:18.343238  Info  fsfreeze mount :/mnt/resource\n2019-11-23 21:12:22.536345  Info  inside while with sig_handle 0 \n2019-11-23 21:12:24.539222  Info  Binary output for signal handled: 0 \n2019-11-23 21:12:24.539751  Info  freeze_safe after returning from startproc : sig_handle=0 \n2019-11-23 21:12:24.540054  Info  ============== Binary output traces start =================  \n[173421.553210] INFO: task ora_lgwr_SID:41022 blocked for more than 120 seconds.\n[173421.553299] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.\n[173541.553812] INFO: task xfsaild/sdc1:1220 blocked for more than 120 seconds.\n'
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(ok + hang) + "\n",
        "serial-console/console-2019-11-24.txt": serial,
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/951", "platform": "linux", "cause": "fs-freeze-failed", "acceptable_causes": [],
                 "code": "UserErrorFsFreezeFailed", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure", "certainty": "medium",
                 "key_evidence": "absence",
                 "note": "Oracle DB VM on RHEL 7.7: the serial console shows the freeze and 'Binary output traces start' and then nothing from the backup; extension.log and waagent.log stop at 21:11 on 11-23 while kernel hung-task messages continue. Report names no portal code."}
    return files, label


@case
def centos71_docker_freeze_no_followup():
    ver, ext = "2.2.2", "1.0.9103.0"
    rows = boot_b(D(2016, 12, 14, 15, 20, 0, 120000), ver, "centos 7.1.1503", "2.7.5", prefix=False)
    rows += wa_heartbeats("B", ver, D(2016, 12, 14, 15, 50, 0), D(2016, 12, 18, 2, 30), every_min=30)
    rows += daily_snapshots_b(D(2016, 12, 11, 2, 0, 4, 200000), 7, ext, 8)

    def x0(t, msg):
        return [f"{t.strftime('%Y/%m/%d %H:%M:%S')} [{VMSNAP_LINUX}-1.0]{t.strftime('%Y-%m-%d %H:%M:%S.%f')}  Info  {msg}", t.strftime('%Y/%m/%d %H:%M:%S')]

    lines = []
    for d in range(7):
        t = D(2016, 12, 11, 2, 0, 6, 311000) + timedelta(days=d)
        mounts = ["/", "/mnt/resource"] if d < 3 else ["/", "/mnt/resource", "/var/lib/docker/devicemapper/mnt/4f1c6e0d1b", "/var/lib/docker/containers/4f1c6e0d1b/shm"]
        lines += x0(t, str([f"/var/lib/waagent/{VMSNAP_LINUX}-{ext}/main/safefreeze/bin/safefreeze", "60", *mounts]))
        lines += x0(t + timedelta(microseconds=1700), "proceeded for accepting signals")
        lines += x0(t + timedelta(microseconds=9000), "freezing the mount: /")
        if d < 3:
            lines += x0(t + timedelta(seconds=4), "T:S thaw result success")
            lines += x0(t + timedelta(seconds=4, microseconds=300), "Enable,success,1,Enable Succeeded,False")
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        "commands/docker_info.txt": "Containers: 6\n Running: 6\nServer Version: 1.12.3\nStorage Driver: devicemapper\n Pool Name: docker-8:1-1573-pool\n Data file: /dev/loop0\nKernel Version: 3.10.0-229.20.1.el7.x86_64\nOperating System: CentOS Linux 7 (Core)\n",
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/296", "platform": "linux", "cause": "fs-freeze-failed", "acceptable_causes": [],
                 "code": "UserErrorFsFreezeFailed", "acceptable_codes": ["BackUpOperationFailed"], "verdict": "failure", "kind": "failure", "certainty": "low",
                 "key_evidence": "absence",
                 "note": "CentOS 7.1 with docker (devicemapper) after a yum update on 12-14: freezing starts but there is no follow-up (no thaw, no result) in the nightly runs; the thread closed with 'docker hosts not supported yet'. Code not given."}
    return files, label


@case
def debian8_walinuxagent_dead():
    ver = "2.2.13"
    rows = boot_b(D(2017, 6, 20, 6, 52, 14, 3001), "2.2.2", "debian 8.8", "2.7.9", prefix=False)
    rows += [(D(2017, 6, 20, 6, 52, 20, 77847), wa_line("B", D(2017, 6, 20, 6, 52, 20, 77847), "INFO", "WALinuxAgent-2.2.13 running as process 568"))]
    rows += wa_heartbeats("B", ver, D(2017, 6, 20, 7, 22, 20), D(2017, 6, 20, 10, 22, 20), every_min=30)
    for tt, lvl, msg in [
        (D(2017, 6, 20, 10, 38, 53, 55050), "VERBOSE", "Agent WALinuxAgent-2.2.13 loaded manifest from /var/lib/waagent/WALinuxAgent-2.2.13/HandlerManifest.json"),
        (D(2017, 6, 20, 10, 38, 53, 77214), "VERBOSE", "Successfully loaded Agent WALinuxAgent-2.2.13 HandlerManifest.json: {'handlerManifest': {'reportHeartbeat': False, 'installCommand': '', 'rebootAfterInstall': False, 'enableCommand': 'python -u bin/WALinuxAgent-2.2.13-py2.7.egg -run-exthandlers', 'updateCommand': '', 'uninstallCommand': '', 'disableCommand': ''}, 'name': 'WALinuxAgent', 'version': 1.0}"),
        (D(2017, 6, 20, 10, 38, 53, 133992), "VERBOSE", "Instantiating Agent WALinuxAgent-2.2.12 from disk"),
        (D(2017, 6, 20, 10, 38, 53, 145231), "INFO", "Agent WALinuxAgent-2.2.2 forwarding signal 15 to WALinuxAgent-2.2.13"),
        (D(2017, 6, 20, 11, 1, 58, 965411), "INFO", "Activate resource disk"),
    ]:
        rows.append((tt, wa_line("B", tt, lvl, msg)))
    status = ("walinuxagent.service - Microsft Azure Linux Agent\n"
              "   Loaded: loaded (/lib/systemd/system/walinuxagent.service; enabled)\n"
              "   Active: inactive (dead)\n\n"
              "Jun 20 10:38:53 debian-lsn systemd[1]: Stopping Microsft Azure Linux Agent...\n"
              "Jun 20 10:38:53 debian-lsn systemd[1]: Stopped Microsft Azure Linux Agent.\n"
              "Jun 20 11:01:58 debian-lsn systemd[1]: Starting Microsft Azure Linux Agent...\n")
    files = {
        "var/log/waagent.log": joined(rows),
        "etc/waagent.conf": waagent_conf(verbose="y", autoupdate="n"),
        "commands/systemctl_status_walinuxagent.txt": status,
        "commands/date.txt": "Tue Jun 20 14:12:07 UTC 2017\n",
        "var/log/syslog": "Jun 20 10:38:53 debian-lsn systemd[1]: Stopping Microsft Azure Linux Agent...\nJun 20 10:38:53 debian-lsn systemd[1]: Stopped Microsft Azure Linux Agent.\nJun 20 11:01:58 debian-lsn systemd[1]: Starting Microsft Azure Linux Agent...\nJun 20 14:10:01 debian-lsn CRON[4410]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/773", "platform": "linux", "cause": "agent-not-running", "acceptable_causes": [],
                 "code": "UserErrorGuestAgentStatusUnavailable", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure",
                 "certainty": "medium", "key_evidence": "command output",
                 "note": "Debian 8.8, agent 2.2.2 daemon with 2.2.13: after the agent forwarded signal 15 the service is 'inactive (dead)' and a manual start hangs; the last log line is 11:01 while the bundle was collected at 14:12. The reporter cancelled the backup he triggered."}
    return files, label


@case
def debian87_orphan_process_wait():
    rows = boot_b(D(2017, 9, 1, 12, 47, 46, 100), "2.2.13", "debian 8.7", "2.7.9", prefix=False)
    t = D(2017, 9, 1, 12, 47, 52, 580111)
    while t < D(2017, 9, 1, 12, 49, 20):
        rows.append((t, wa_line("B", t, "INFO", "WALinuxAgent-2.2.15 waiting for orphan process 4035 to terminate")))
        t += timedelta(seconds=3, microseconds=3900)
    for tt in [D(2017, 9, 1, 12, 49, 9, 601321), D(2017, 9, 1, 12, 49, 12, 605202), D(2017, 9, 1, 12, 49, 15, 609147), D(2017, 9, 1, 12, 49, 18, 613089)]:
        rows.append((tt, wa_line("B", tt, "INFO", "WALinuxAgent-2.2.15 waiting for orphan process 4035 to terminate")))
    t = D(2017, 9, 1, 12, 49, 21, 617000)
    while t < D(2017, 9, 1, 14, 24):
        rows.append((t, wa_line("B", t, "INFO", "WALinuxAgent-2.2.15 waiting for orphan process 4035 to terminate")))
        t += timedelta(minutes=1, seconds=3)
    status = ("● waagent.service - LSB: WindowsAzureLinuxAgent\n   Loaded: loaded (/etc/init.d/waagent)\n"
              "   Active: active (running) since Fri 2017-09-01 12:47:46 AST; 1h 37min ago\n"
              "  Process: 24824 ExecStop=/etc/init.d/waagent stop (code=exited, status=0/SUCCESS)\n"
              "  Process: 26349 ExecStart=/etc/init.d/waagent start (code=exited, status=0/SUCCESS)\n"
              "   CGroup: /system.slice/waagent.service\n"
              "           ├─26355 python /usr/sbin/waagent -daemon\n"
              "           └─26361 python -u bin/WALinuxAgent-2.2.15-py2.7.egg -run-exthandlers\n\n"
              "Sep 01 12:47:46 MoodleWeb waagent[26349]: Starting WindowsAzureLinuxAgent....\n"
              "Sep 01 12:47:46 MoodleWeb systemd[1]: Started LSB: WindowsAzureLinuxAgent.\n")
    files = {
        "var/log/waagent.log": joined(rows),
        "etc/waagent.conf": waagent_conf(),
        "commands/systemctl_status_waagent.txt": status,
        "commands/ps_ax_grep_4035.txt": " 4035 ?        S      1:43 [kworker/0:1]\n",
        "commands/waagent_--version.txt": "WALinuxAgent-2.2.13 running on debian 8.7\nPython: 2.7.9\nGoal state agent: 2.2.15\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/871", "platform": "linux", "cause": "agent-not-running", "acceptable_causes": ["agent-outdated-linux"],
                 "code": "UserErrorGuestAgentStatusUnavailable", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure",
                 "certainty": "low", "key_evidence": "state",
                 "note": "Debian 8.7, daemon 2.2.13 with goal-state agent 2.2.15: after a restart the ext-handler only logs 'waiting for orphan process 4035 to terminate' (pid 4035 is a kworker), never processes a goal state; a backup failure alert fired. Service shows active (running)."}
    return files, label


@case
def sles15_configprovider_old_wala():
    ver, gs, ext = "2.2.36", "2.2.37", "1.0.9147.0"
    rows = boot_b(D(2019, 3, 1, 9, 2, 1, 1200), ver, "sles 15", "3.6.5", prefix=True)
    rows += wa_heartbeats("B", gs, D(2019, 3, 1, 9, 32, 1), D(2019, 3, 1, 18, 30), every_min=30)
    rows += daily_snapshots_b(D(2019, 3, 1, 17, 58, 30, 2000), 1, ext, 3)
    t = D(2019, 3, 1, 17, 58, 35)
    lines = [x2(t - timedelta(seconds=3), "starting enable"), x2(t - timedelta(seconds=3), "taskId: d0e1a2b3-61b2-4a3c-8d7e-1f2a3b4c5d00"),
             x2(t, "Failed to construct ConfigurationProvider, which may due to the old wala code."),
             x2(t, "GetBlobProperties: Failed to get blob properties with error: __init__() takes exactly 2 arguments (1 given), stack trace: Traceback (most recent call last):"),
             f"{t:%Y/%m/%d %H:%M:%S}   File \"/var/lib/waagent/{VMSNAP_LINUX}-{ext}/main/blobwriter.py\", line 207, in GetBlobProperties",
             f"{t:%Y/%m/%d %H:%M:%S}     http_util = HttpUtil(self.hutil)",
             f"{t:%Y/%m/%d %H:%M:%S}   File \"/var/lib/waagent/{VMSNAP_LINUX}-{ext}/main/HttpUtil.py\", line 43, in __init__",
             f"{t:%Y/%m/%d %H:%M:%S}     Config = waagent.ConfigurationProvider()",
             f"{t:%Y/%m/%d %H:%M:%S} TypeError: __init__() missing 1 required positional argument: 'walaConfigFile'",
             x2(t + timedelta(seconds=40), "T:S taking snapshot failed as blobs are empty or none"),
             x2(t + timedelta(seconds=40), "T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error StatusCode.FailedRetryableSnapshotFailedNoNetwork,"),
             x2(t + timedelta(seconds=41), "Enable,success,76,T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error StatusCode.FailedRetryableSnapshotFailedNoNetwork,,True")]
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/status/3.status": vmsnap_linux_status(D(2019, 3, 1, 17, 59, 16), "76", "T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error StatusCode.FailedRetryableSnapshotFailedNoNetwork,",
                                                           ext_err="FailedRetryableSnapshotFailedNoNetwork", ok=False, extra_telemetry={"statusBlobUploadError": "true", "snapshotCreator": "guestExtension"}),
        "commands/waagent_--version.txt": "WALinuxAgent-2.2.36 running on sles 15\nPython: 3.6.5\nGoal state agent: 2.2.37\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/1477", "platform": "linux", "cause": "extension-failed", "acceptable_causes": ["storage-unreachable"],
                 "code": "ExtensionSnapshotFailedNoNetwork", "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "low", "key_evidence": "log line",
                 "note": "SLES 15, agent 2.2.36/2.2.37, VMSnapshotLinux 1.0.9147.0 under Python 3: 'Failed to construct ConfigurationProvider, which may due to the old wala code' and a TypeError in HttpUtil; NSG already allowed storage. Portal: ExtensionSnapshotFailedNoNetwork. Root cause is the extension's HTTP helper, not the network (low certainty)."}
    return files, label


@case
def freebsd_pfsense_backup_status_error():
    ver = "2.2.26"
    rows = boot_b(D(2018, 9, 6, 19, 59, 20, 100), ver, "freebsd 11.1", "2.7.14", prefix=True)
    for tt, lvl, msg in [
        (D(2018, 9, 6, 19, 59, 23, 323809), "ERROR", "Provisioning failed: [ProtocolError] [CopyOvfEnv] Error mounting dvd: [OSUtilError] Failed to get dvd device from /dev\nInner error: The following devices were found, but none matched the pattern [(sr[0-9]|hd[c-z]|cdrom[0-9]|cd[0-9])]: ['dumpdev', 'reroot', 'geom.ctl', 'sndstat', 'hv_tsc', 'mdctl', 'console', 'devctl', 'devctl2', 'random', 'urandom', 'bpf', 'bpf0']"),
        (D(2018, 9, 6, 19, 59, 25, 11), "WARNING", "Unable to retrieve firewall packets dropped[Errno 2] No such file or directory"),
        (D(2018, 9, 6, 19, 59, 25, 17), "WARNING", "Unable to add firewall rules: iptables: No such file or directory"),
    ]:
        rows.append((tt, wa_line("B", tt, lvl, msg, prefix="Daemon")))
    rows += wa_heartbeats("B", ver, D(2018, 9, 6, 20, 29, 25), D(2018, 9, 7, 9, 0), every_min=30)
    ext = "1.0.9136.0"
    t = D(2018, 9, 6, 22, 0, 3, 4)
    h = f"[{VMSNAP_LINUX}-{ext}]"
    for dt, lvl, msg in [(0, "INFO", f"{h} Install extension [main/handle.sh install]"),
                         (1.3, "ERROR", f"Event: name={VMSNAP_LINUX}, op=Install, message=[ExtensionError] Non-zero exit code: 1, main/handle.sh install\n[stdout]\nOS not supported\n\n[stderr]\n, duration=0")]:
        rows.append((t + timedelta(seconds=dt), wa_line("B", t + timedelta(seconds=dt), lvl, msg, prefix="ExtHandler")))
    files = {
        "var/log/waagent.log": joined(rows),
        "usr/local/etc/waagent.conf": waagent_conf(),
        "portal/job-error.txt": "Error code: GuestAgentSnapshotTaskStatusError\nError Message: Could not communicate with the VM agent for snapshot status.\n",
        f"{EXT}-{ext}/config/HandlerState": "NotInstalled",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/1335", "platform": "linux", "cause": "extension-failed", "acceptable_causes": ["agent-outdated-linux"],
                 "code": "GuestAgentSnapshotTaskStatusError", "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "low", "key_evidence": "log line",
                 "note": "pfSense (FreeBSD 11.1), agent 2.2.26 from ports with conf under /usr/local/etc: provisioning and iptables errors are noise; the backup extension cannot install on this OS. Portal: GuestAgentSnapshotTaskStatusError (pasted). The fix-level cause is the unsupported OS, filed as extension-failed."}
    return files, label


@case
def centos71_waagent_stops_responding():
    lines = []
    t = D(2015, 9, 28, 8, 0, 3)
    for m in ["Azure Linux Agent Version: WALinuxAgent-2.0.14", "Linux Distribution Detected      : centos", "Module /lib/modules/3.10.0-229.14.1.el7.x86_64/kernel/drivers/ata/ata_piix.ko driver for ATAPI CD-ROM does not exist.",
              "Probing for Azure environment.", "DoDhcpWork: Setting socket.timeout=10, entering recv", "Discovered Azure endpoint: 168.63.129.16",
              "Fabric preferred wire protocol version: 2015-04-05", "Negotiated wire protocol version: 2012-11-30", "Retrieved GoalState from Azure Fabric.",
              "ExpectedState: Started", "Start reporting status.", "Reporting status. Ready"]:
        lines.append(wa_line("A", t, "INFO", m))
        t += timedelta(seconds=1)
    t = D(2015, 9, 28, 8, 0, 30)
    while t < D(2015, 9, 30, 14, 11):
        lines.append(wa_line("A", t, "INFO", "Retrieved GoalState from Azure Fabric."))
        t += timedelta(minutes=25)
    lines.append(wa_line("A", D(2015, 9, 30, 14, 11, 2), "INFO", "Successfully reported handler status"))
    messages = []
    t = D(2015, 9, 30, 14, 20)
    while t < D(2015, 10, 1, 9, 0):
        messages.append(f"{t:%b %d %H:%M:%S} crm-app01 systemd: Started Session {int(t.timestamp()) % 9000} of user root.".replace(" 0", "  ", 1) if t.day < 10 else f"{t:%b %d %H:%M:%S} crm-app01 systemd: Started Session {int(t.timestamp()) % 9000} of user root.")
        t += timedelta(hours=1)
    files = {
        "var/log/waagent.log": "\n".join(lines) + "\n",
        "var/log/messages": "\n".join(messages) + "\n",
        "etc/waagent.conf": waagent_conf(),
        "azure/Get-AzureVM_GuestAgentStatus.txt": "PS C:\\> $vm = get-azurevm -ServiceName crmsvc -Name crm-app01\nPS C:\\> $vm.GuestAgentStatus | Format-List GuestAgentVersion,Status\n\nGuestAgentVersion : WALinuxAgent-2.0.14\nStatus            : NotReady\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/110", "platform": "linux", "cause": "agent-not-running", "acceptable_causes": [],
                 "code": "UserErrorGuestAgentStatusUnavailable", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure",
                 "certainty": "medium", "key_evidence": "absence",
                 "note": "CentOS 7.1, WALinuxAgent 2.0.14 (era A, local time): the agent log stops on 09-30 14:11 while syslog runs on to 10-01; PowerShell shows GuestAgentStatus NotReady; no snapshot is created; restarting the daemon fixes it."}
    return files, label


@case
def rhel73_status_put_400_nsg():
    ver = "2.2.6"
    rows = boot_b(D(2017, 3, 27, 9, 12, 0, 1), ver, "redhat 7.3", "2.7.5", prefix=False)
    t = D(2017, 3, 27, 9, 14, 54, 831691)
    while t < D(2017, 3, 27, 11, 47):
        for dt, lvl, msg in [(0, "VERBOSE", "Posting VM status to host plugin"), (0.0075, "VERBOSE", "HTTP connection [PUT] [/status]  (debug content removed)"),
                             (0.185, "VERBOSE", "HTTP response status: [400]"), (0.19, "WARNING", "PUT http://168.63.129.16:32526/status [400: Bad Request]"),
                             (0.2, "VERBOSE", "Successfully reported vm agent status")]:
            tt = t + timedelta(seconds=dt)
            rows.append((tt, wa_line("B", tt, lvl, msg)))
        t += timedelta(seconds=70)
    for tt, lvl, msg in [(D(2017, 3, 27, 11, 46, 54, 831691), "VERBOSE", "Posting VM status to host plugin"),
                         (D(2017, 3, 27, 11, 46, 54, 839248), "VERBOSE", "HTTP connection [PUT] [/status]  (debug content removed)"),
                         (D(2017, 3, 27, 11, 46, 55, 16262), "VERBOSE", "HTTP response status: [400]"),
                         (D(2017, 3, 27, 11, 46, 55, 22925), "WARNING", "PUT http://168.63.129.16:32526/status [400: Bad Request]"),
                         (D(2017, 3, 27, 11, 46, 55, 34311), "VERBOSE", "Successfully reported vm agent status")]:
        rows.append((tt, wa_line("B", tt, lvl, msg)))
    files = {
        "var/log/waagent.log": joined(rows),
        "etc/waagent.conf": waagent_conf(verbose="y"),
        "commands/waagent_-version.txt": "WALinuxAgent-2.2.6 running on redhat 7.3\nPython: 2.7.5\nGoal state agent: 2.2.6\n",
        "azure/nsg-outbound-rules.txt": "Name                 Priority  Direction  Access  Protocol  DestinationAddressPrefix  DestinationPortRange\n-------------------  --------  ---------  ------  --------  ------------------------  --------------------\nAllowVnetOutBound    100       Outbound   Allow   *         VirtualNetwork            *\nDenyInternetOutBound 200       Outbound   Deny    *         Internet                  *\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/627", "platform": "linux", "cause": "storage-unreachable", "acceptable_causes": ["wireserver-unreachable"],
                 "code": "UserErrorGuestAgentStatusUnavailable", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure",
                 "certainty": "medium", "key_evidence": "log line",
                 "note": "RHEL 7.3, agent 2.2.6 with managed disks behind an NSG that denies Internet outbound: direct status upload times out and the host-plugin PUT /status returns 400 while the agent logs 'Successfully reported vm agent status'; the portal never shows the agent running and the backup extension cannot install."}
    return files, label


@case
def centos82_static_ip_dhcp_disabled():
    d_ver = "2.8.0.11"
    rows = []
    t = D(2023, 3, 8, 15, 40, 1, 120000)
    for m in [f"Azure Linux Agent Version: {d_ver}", "OS: centos 8.2.2004", "Python: 3.6.8", "Run daemon", "No RDMA handler exists for distro version", "Clean protocol and wireserver endpoint",
              "Running default provisioning handler", "Provisioning already completed, skipping.", "Detect protocol endpoint", "Test for route to 168.63.129.16", "Route to 168.63.129.16 exists",
              "Checking for dhcp lease cache", "Cache exists [False]", "Send dhcp request"]:
        rows.append((t, wa_line("D", t, "INFO", m, "Daemon", "Daemon")))
        t += timedelta(milliseconds=53)
    t = D(2023, 3, 8, 15, 40, 11, 300000)
    n = 0
    while t < D(2023, 3, 8, 15, 52):
        rows.append((t, wa_line("D", t, "WARNING", "Failed to send DHCP request: [DhcpError] timed out", "Daemon", "Daemon")))
        rows.append((t + timedelta(seconds=10), wa_line("D", t + timedelta(seconds=10), "INFO", f"Retry detect protocol: retry={n % 6}", "Daemon", "Daemon")))
        n += 1
        t += timedelta(seconds=30, milliseconds=88)
    rows.append((D(2023, 3, 8, 15, 51, 58, 451299), wa_line("D", D(2023, 3, 8, 15, 51, 58, 451299), "WARNING", "Failed to send DHCP request: [DhcpError] timed out", "Daemon", "Daemon")))
    files = {
        "var/log/waagent.log": joined(rows),
        "etc/waagent.conf": waagent_conf(),
        "etc/sysconfig/network-scripts/ifcfg-eth0": "DEVICE=eth0\nONBOOT=yes\nBOOTPROTO=none\nIPADDR=10.20.4.17\nPREFIX=24\nGATEWAY=10.20.4.1\nDNS1=10.20.0.4\nTYPE=Ethernet\nUSERCTL=no\nPEERDNS=no\nIPV6INIT=no\nNM_CONTROLLED=yes\n",
        "commands/ip_addr.txt": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n    link/ether 00:0d:3a:4b:1c:22 brd ff:ff:ff:ff:ff:ff\n    inet 10.20.4.17/24 brd 10.20.4.255 scope global noprefixroute eth0\n       valid_lft forever preferred_lft forever\n",
        "commands/systemctl_status_waagent.txt": "● waagent.service - Azure Linux Agent\n   Loaded: loaded (/usr/lib/systemd/system/waagent.service; enabled; vendor preset: enabled)\n   Active: active (running) since Wed 2023-03-08 15:40:00 UTC; 12min ago\n Main PID: 1198 (python3)\n    Tasks: 1 (limit: 48004)\n   Memory: 21.4M\n   CGroup: /system.slice/waagent.service\n           └─1198 /usr/bin/python3 -u /usr/sbin/waagent -daemon\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/2781", "platform": "linux", "cause": "dhcp-disabled", "acceptable_causes": [],
                 "code": "UserErrorGuestAgentStatusUnavailable", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure",
                 "certainty": "high", "key_evidence": "command output",
                 "note": "CentOS 8.2 vendor appliance with a static IP and DHCP off (ifcfg BOOTPROTO=none), agent 2.8.0.11: the daemon loops on 'Failed to send DHCP request: [DhcpError] timed out' and never starts the ext-handler; agent status Not Ready in the portal."}
    return files, label


@case
def centos76_exthandler_relaunch_every_second():
    ver = "2.2.42"
    rows = boot_b(D(2019, 9, 19, 2, 15, 27, 620278), ver, "centos 7.6.1810", "2.7.5", prefix=True)
    t = D(2019, 9, 19, 2, 15, 28, 995389)
    while t < D(2019, 9, 19, 2, 19, 40):
        rows.append((t, wa_line("B", t, "INFO", "Agent WALinuxAgent-2.2.42 launched with command 'python -u /usr/sbin/waagent -run-exthandlers' is successfully running", prefix="Daemon")))
        t2 = t + timedelta(microseconds=4206)
        rows.append((t2, wa_line("B", t2, "INFO", "Installed Agent WALinuxAgent-2.2.42 is the most current agent", prefix="Daemon")))
        t += timedelta(seconds=1, microseconds=11512)
    files = {
        "var/log/waagent.log": joined(rows),
        "etc/waagent.conf": waagent_conf(autoupdate="y"),
        "commands/ps_-ef_grep_waagent.txt": "root      1102     1  0 02:15 ?        00:00:41 /usr/bin/python -u /usr/sbin/waagent -daemon\nroot     31877  1102  0 03:09 ?        00:00:00 [python] <defunct>\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/1639", "platform": "linux", "cause": "agent-not-running", "acceptable_causes": [],
                 "code": "UserErrorGuestAgentStatusUnavailable", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure",
                 "certainty": "medium", "key_evidence": "state",
                 "note": "CentOS 7.6, agent 2.2.42: the daemon relaunches '-run-exthandlers' every second ('... is successfully running' / 'Installed Agent ... is the most current agent') and no goal state is ever processed; agent status Not Ready. No error line at all."}
    return files, label


@case
def ubuntu1604_vmsnap_install_exit_127():
    ver = "2.2.18"
    rows = boot_b(D(2018, 1, 29, 9, 30, 1, 1), ver, "ubuntu 16.04", "3.5.2", prefix=False)
    rows += wa_heartbeats("B", ver, D(2018, 1, 29, 10, 0, 1), D(2018, 1, 31, 1, 0), every_min=30)
    seq = 31
    for day_t, ext in [(D(2018, 1, 29, 21, 45, 57, 690100), "1.0.9124.0"), (D(2018, 1, 30, 15, 7, 31, 634504), "1.0.9126.0")]:
        h = f"[{VMSNAP_LINUX}-{ext}]"
        for dt, lvl, msg in [(0, "INFO", f"{h} Initialize extension directory"), (0.02, "INFO", f"{h} Update settings file: 3.settings"),
                             (0.035, "INFO", f"{h} Install extension [main/handle.sh install]"),
                             (1.08, "ERROR", f"Event: name={VMSNAP_LINUX}, op=Install, message=[ExtensionError] Non-zero exit code: 127, main/handle.sh install, duration=0"),
                             (1.1, "WARNING", "Too many files under: /var/lib/waagent/events, removing oldest"),
                             (1.17, "INFO", f"{h} Remove extension handler directory: /var/lib/waagent/{VMSNAP_LINUX}-{ext}"),
                             (1.22, "INFO", f"Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation {seq}, duration=2042"),
                             (1.24, "WARNING", "Too many files under: /var/lib/waagent/events, removing oldest")]:
            tt = day_t + timedelta(seconds=dt)
            rows.append((tt, wa_line("B", tt, lvl, msg)))
        t = day_t + timedelta(minutes=58, seconds=17)
        for _ in range(6):
            rows.append((t, wa_line("B", t, "WARNING", f"Exception retrieving agent manifests: [ProtocolError] /var/lib/waagent/GoalState.{seq}.xml is missing.")))
            rows.append((t, wa_line("B", t + timedelta(microseconds=19000), "ERROR", f"Event: name=WALinuxAgent, op=Download, message=Exception retrieving agent manifests: [ProtocolError] /var/lib/waagent/GoalState.{seq}.xml is missing., duration=0")))
            t += timedelta(hours=1, seconds=1)
        seq += 2
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/shell.log": "Mon Jan 29 21:45:58 UTC 2018- The command is install, exiting without conf file copy\nMon Jan 29 21:45:58 UTC 2018- python version unknown\nTue Jan 30 15:07:32 UTC 2018- The command is install, exiting without conf file copy\nTue Jan 30 15:07:32 UTC 2018- python version unknown\n",
        "etc/waagent.conf": waagent_conf(),
        "commands/ls_var_lib_waagent_events_wc.txt": "1000\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/1055", "platform": "linux", "cause": "extension-failed", "acceptable_causes": [],
                 "code": "UserErrorVmProvisioningStateFailed", "acceptable_codes": ["ExtensionOperationFailedForManagedDisks", "GuestAgentSnapshotTaskStatusError"],
                 "verdict": "failure", "kind": "failure", "certainty": "low", "key_evidence": "log line",
                 "note": "Ubuntu 16.04, agent 2.2.18: VMSnapshotLinux 1.0.9124.0 and 1.0.9126.0 installs exit 127 (interpreter not found), the handler directory is removed each time, events folder full, 'GoalState.N.xml is missing' every hour. No portal code in the report."}
    return files, label


@case
def ubuntu1604_manifest_404_healthy():
    ver, ext = "2.2.14", "1.0.9121.0"
    rows = boot_b(D(2017, 7, 31, 8, 0, 0, 500), ver, "ubuntu 16.04", "3.5.2", prefix=False)
    rows += wa_heartbeats("B", ver, D(2017, 7, 31, 8, 30, 0), D(2017, 8, 4, 9, 0), every_min=30)
    rows += daily_snapshots_b(D(2017, 7, 31, 23, 30, 3, 1000), 4, ext, 90)
    for tt, lvl, msg in [
        (D(2017, 8, 3, 14, 43, 51, 650589), "WARNING", "Could not fetch https://rdfepirv2os1prdstr01.blob.core.windows.net/80afa74b14194a679c6347109557b7ee/Microsoft.Azure.RecoveryServices_VMSnapshotLinux_japanwest_manifest.xml [[404: The specified blob does not exist.] <?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.\nRequestId:68bcbeea-0001-0043-601b-0cbefd000000\nTime:2017-08-03T05:43:51.4391387Z</Message></Error>]"),
        (D(2017, 8, 3, 14, 43, 51, 715995), "WARNING", "Could not fetch http://168.63.129.16:32526/extensionArtifact [[404: Not Found] {\n    \"errorCode\": \"The specified blob does not exist.\",\n    \"details\": \"\"\n}]"),
        (D(2017, 8, 3, 14, 43, 51, 754204), "WARNING", "Forcing an update of the goal state.."),
        (D(2017, 8, 3, 14, 43, 53, 1100), "INFO", "Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 93, duration=1650"),
    ]:
        rows.append((tt, wa_line("B", tt, lvl, msg)))
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(ext_log_x2_days(D(2017, 7, 31, 23, 30, 5), 4, ["/", "/mnt"], "e5d4")) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext),
        f"{EXT}-{ext}/status/93.status": vmsnap_linux_status(D(2017, 8, 3, 23, 30, 14), "1", "Enable Succeeded", task="e5d40003-61b2-4a3c-8d7e-1f2a3b4c5d03"),
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/833", "platform": "linux", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "medium", "key_evidence": "log line",
                 "note": "Ubuntu 16.04 in Japan West, agent 2.2.14: a transient 'BlobNotFound' 404 for the VMSnapshotLinux manifest and the extensionArtifact fallback, then 'Forcing an update of the goal state'; nightly snapshots before and after succeed."}
    return files, label


@case
def centos69_precheck_warning_healthy():
    ver, ext = "2.2.18", "1.0.9128.0"
    rows = boot_b(D(2018, 3, 25, 4, 0, 2, 33), ver, "centos 6.9", "2.6.6", prefix=False)
    rows += wa_heartbeats("B", ver, D(2018, 3, 25, 4, 30, 2), D(2018, 3, 29, 7, 0), every_min=30)
    rows += gs_rounds_b(D(2018, 3, 25, 5, 0, 0), 4)
    rows += daily_snapshots_b(D(2018, 3, 25, 1, 0, 3), 5, ext, 20)
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(ext_log_x2_days(D(2018, 3, 25, 1, 0, 5), 5, ["/", "/mnt/resource"], "f6a5")) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext),
        f"{EXT}-{ext}/status/24.status": vmsnap_linux_status(D(2018, 3, 29, 1, 0, 12), "1", "Enable Succeeded", task="f6a50004-61b2-4a3c-8d7e-1f2a3b4c5d04"),
        "commands/rpm_-q_WALinuxAgent.txt": "WALinuxAgent-2.2.18-1.el6.noarch\n",
    }
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/1082", "platform": "linux", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "medium", "key_evidence": "state",
                 "note": "CentOS 6.9 with the distro's WALinuxAgent 2.2.18-1.el6 and VMSnapshotLinux 1.0.9128.0: backups succeed; the portal's Backup Pre-Check shows 'Warning' only because the agent is not the newest (2.2.25). Not a failure."}
    return files, label


@case
def rhel79_restore_point_unfreeze_random():
    d_ver, h_ver, ext = "2.2.53.1", "2.9.0.4", "1.0.9210.0"
    rows = boot_d(D(2023, 2, 21, 8, 0, 2, 1000), d_ver, h_ver, "redhat 7.9", "3.6.8")
    rows += wa_heartbeats("D", h_ver, D(2023, 2, 21, 8, 30, 4), D(2023, 2, 21, 14, 35), every_min=30)
    lines = []
    t = D(2023, 2, 21, 11, 35, 1)
    n = 0
    while t < D(2023, 2, 21, 14, 35):
        rows += [(t, wa_line("D", t, "INFO", f"[{VMSNAP_LINUX}-{ext}] Enable extension: [main/handle.sh enable]"))]
        if n % 4 == 3:
            lines += [x3(t + timedelta(seconds=2), "starting enable"), x3(t + timedelta(seconds=2, microseconds=5000), f"taskId: 1a2b{n:04d}-4d3e-9a1b-6c0f2e7d5a11"),
                      x3(t + timedelta(seconds=8), "T:S freeze, timeout value 60"), x3(t + timedelta(seconds=8, microseconds=300), "fsfreeze mount :/"),
                      x3(t + timedelta(seconds=68), "T:S freeze result timedout, timedout :True"),
                      x3(t + timedelta(seconds=69), "T:S ###### Enable failed with error: freeze took longer than timeout StatusCode.FailedRetryableFsFreezeTimeout,"),
                      x3(t + timedelta(seconds=70), "Enable,success,122,T:S ###### Enable failed with error: freeze took longer than timeout StatusCode.FailedRetryableFsFreezeTimeout,,True")]
        else:
            lines += ext_success_run_x3(t + timedelta(seconds=2), f"1a2b{n:04d}-4d3e-9a1b-6c0f2e7d5a11", ["/", "/mnt"], ext)
        n += 1
        t += timedelta(minutes=5)
    t = D(2023, 2, 21, 14, 35, 1)
    rows += [(t, wa_line("D", t, "INFO", f"[{VMSNAP_LINUX}-{ext}] Enable extension: [main/handle.sh enable]"))]
    lines += [x3(t + timedelta(seconds=2), "starting enable"), x3(t + timedelta(seconds=2, microseconds=4000), f"taskId: 1a2b{n:04d}-4d3e-9a1b-6c0f2e7d5a11"),
              x3(t + timedelta(seconds=8), "T:S freeze, timeout value 60"), x3(t + timedelta(seconds=8, microseconds=200), "fsfreeze mount :/mnt"),
              x3(t + timedelta(seconds=8, microseconds=400), "fsfreeze mount :/"), x3(t + timedelta(seconds=8, microseconds=900), "****** 1. Starting Freeze Binary")]
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/status/{n}.status": vmsnap_linux_status(t + timedelta(seconds=7), "4", "Transitioning state in extension"),
        "commands/uptime.txt": " 16:58:12 up  8:58,  0 users,  load average: 41.02, 40.88, 40.31\n",
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/1680", "platform": "linux", "cause": "fs-freeze-failed", "acceptable_causes": [],
                 "code": "UserErrorFsFreezeFailed", "acceptable_codes": ["GuestAgentSnapshotTaskStatusError"], "verdict": "failure", "kind": "failure", "certainty": "medium",
                 "key_evidence": "absence",
                 "note": "RHEL 7.9 taking restore points every 5 minutes: most runs succeed, some time out (code 122), and the last one freezes '/' and never thaws (log and heartbeats stop, status stuck at code 4, load average 41 at collection). Restore points, not vault backups: no portal code pasted."}
    return files, label


@case
def ubuntu1804_safefreeze_lock_retry_healthy():
    d_ver, h_ver, ext = "2.2.45", "2.2.53", "1.0.9178.0"
    rows = boot_d(D(2021, 2, 24, 7, 0, 1, 10), d_ver, h_ver, "ubuntu 18.04", "3.6.9")
    rows += wa_heartbeats("D", h_ver, D(2021, 2, 24, 7, 30, 3), D(2021, 2, 26, 11, 0), every_min=30)
    rows += daily_snapshots_d(D(2021, 2, 24, 9, 41, 30, 101), 3, ext, 15)
    lines = ext_log_x3_days(D(2021, 2, 24, 9, 41, 32), 2, ext, ["/", "/mnt"], "2c3d")
    t = D(2021, 2, 26, 9, 41, 32)
    lines += [x3(t, "starting enable"), x3(t + timedelta(microseconds=9000), "taskId: 2c3d0002-4d3e-9a1b-6c0f2e7d5a02"),
              x3(t + timedelta(seconds=13), "T:S freeze, timeout value 60"), x3(t + timedelta(seconds=13, microseconds=400), "fsfreeze mount :/"),
              x3(t + timedelta(seconds=13, microseconds=500), "****** 1. Starting Freeze Binary")]
    freeze = ["================== Logs during Freeze Start =============="]
    fz = D(2021, 2, 26, 9, 41, 45, 748281)
    for i, (dt, msg) in enumerate([
        (0, "/etc/azure/MicrosoftRecoverySvcsSafeFreezeLock/SafeFreezeLockFile file opened Sucessfully"),
        (0.000083, "Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable"),
        (1.001299, "Retry to aquire lock count: 1"), (1.001544, "/etc/azure/MicrosoftRecoverySvcsSafeFreezeLock/SafeFreezeLockFile file opened Sucessfully"),
        (1.00162, "Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable"),
        (2.002053, "Retry to aquire lock count: 2"), (2.002263, "/etc/azure/MicrosoftRecoverySvcsSafeFreezeLock/SafeFreezeLockFile file opened Sucessfully"),
        (2.002335, "Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable"),
        (3.003536, "Retry to aquire lock count: 3"), (3.003731, "/etc/azure/MicrosoftRecoverySvcsSafeFreezeLock/SafeFreezeLockFile file opened Sucessfully"),
        (3.003803, "Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable"),
        (4.0044, "Retry to aquire lock count: 4"), (34.0071, "/etc/azure/MicrosoftRecoverySvcsSafeFreezeLock/SafeFreezeLockFile file opened Sucessfully"),
        (34.0072, "Aquired the lock successfully"), (34.51, "****** 4. Freeze Completed (Signal=1 received)"),
    ]):
        freeze.append(f"{(fz + timedelta(seconds=dt)).strftime('%Y/%m/%d %H:%M:%S.%f')}  Info  {msg} ")
    freeze.append("================== Logs during Freeze End ==============")
    lines.append(x3(fz + timedelta(seconds=38), freeze[0]))
    lines += freeze[1:]
    te = fz + timedelta(seconds=38)
    lines += [x3(te + timedelta(seconds=1), "T:S freeze result success, timedout :False"), x3(te + timedelta(seconds=3), "T:S thaw result success"),
              x3(te + timedelta(seconds=3, microseconds=1000), "Enable,success,1,Enable Succeeded,False")]
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext),
        f"{EXT}-{ext}/status/17.status": vmsnap_linux_status(te + timedelta(seconds=4), "1", "Enable Succeeded", task="2c3d0002-4d3e-9a1b-6c0f2e7d5a02"),
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/pull/1309", "platform": "linux", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "high", "key_evidence": "log line",
                 "note": "Ubuntu 18.04, VMSnapshotLinux 1.0.9178.0: another process holds the SafeFreezeLockFile, the extension logs four 'Failed to open file or aquire lock: [Errno 11]' retries inside the freeze window, gets the lock within the timeout and the snapshot succeeds."}
    return files, label


@case
def ubuntu2004_dosnapshot_500_bhs():
    d_ver, h_ver, ext = "2.2.49.2", "2.12.0.2", "1.0.9225.0"
    rows = boot_d(D(2024, 10, 18, 6, 0, 1, 10), d_ver, h_ver, "ubuntu 20.04", "3.8.10")
    rows += wa_heartbeats("D", h_ver, D(2024, 10, 18, 6, 30, 3), D(2024, 10, 22, 23, 30), every_min=30)
    rows += gs_rounds_d(D(2024, 10, 18, 7, 0, 0), D(2024, 10, 22, 23, 0))
    rows += daily_snapshots_d(D(2024, 10, 18, 22, 49, 20, 1000), 5, ext, 60)
    lines = ext_log_x3_days(D(2024, 10, 18, 22, 49, 22), 4, ext, ["/", "/mnt"], "3d4e")
    t = D(2024, 10, 22, 22, 49, 22)
    lines += [x3(t, "starting enable"), x3(t + timedelta(microseconds=9000), "taskId: 3d4e0004-4d3e-9a1b-6c0f2e7d5a04"),
              x3(t + timedelta(seconds=6), "PreSnapshot: Status Code: 200"), x3(t + timedelta(seconds=6, microseconds=2000), "Taking Snapshot through Host"),
              x3(t + timedelta(seconds=6, microseconds=4000), "T:S freeze, timeout value 60"), x3(t + timedelta(seconds=6, microseconds=6000), "fsfreeze mount :/"),
              x3(t + timedelta(seconds=7), "T:S freeze result success, timedout :False"),
              "2024-10-22 22:49:39.187634  Info  dosnapshot responseBody: StatusCode:500, ErrorMessage: Could not find config corresponding to the Disk  - md-zt1h5xp3fb3q - 4gsgxhsfkwl2/abcd, bhsVersion:3.0.51.0  ",
              x3(D(2024, 10, 22, 22, 49, 39, 190000), "dosnapshot responseBody: StatusCode:500, ErrorMessage: Could not find config corresponding to the Disk  - md-zt1h5xp3fb3q - 4gsgxhsfkwl2/abcd, bhsVersion:3.0.51.0"),
              x3(D(2024, 10, 22, 22, 49, 39, 300000), "T:S thaw result success"),
              x3(D(2024, 10, 22, 22, 49, 39, 410000), "T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error StatusCode.FailedRetryableSnapshotFailedNoNetwork,"),
              x3(D(2024, 10, 22, 22, 49, 39, 420000), "Enable,success,76,T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error StatusCode.FailedRetryableSnapshotFailedNoNetwork,,True")]
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext),
        f"{EXT}-{ext}/status/64.status": vmsnap_linux_status(D(2024, 10, 22, 22, 49, 40), "76", "T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error StatusCode.FailedRetryableSnapshotFailedNoNetwork,",
                                                            ext_err="FailedRetryableSnapshotFailedNoNetwork", ok=False, task="3d4e0004-4d3e-9a1b-6c0f2e7d5a04",
                                                            extra_telemetry={"hostStatusCodeDoSnapshot": "500", "statusBlobUploadError": "false"}),
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/pull/2019", "platform": "linux", "cause": "host-snapshot-failed", "acceptable_causes": [],
                 "code": "BackUpOperationFailed", "acceptable_codes": ["ExtensionSnapshotFailedNoNetwork"], "verdict": "failure", "kind": "failure", "certainty": "medium",
                 "key_evidence": "log line",
                 "note": "Ubuntu 20.04, VMSnapshotLinux 1.0.9225.0 before the fix: the host's DoSnapshot answers 500 'Could not find config corresponding to the Disk' (bhsVersion 3.0.51.0) and the extension misreports it as FailedRetryableSnapshotFailedNoNetwork; the platform side failed, not the VM's network."}
    return files, label


@case
def sles12_unmanaged_snapshot_count_exceeded():
    ver, ext = "2.2.31", "1.0.9137.0"
    rows = boot_b(D(2018, 9, 20, 8, 0, 0, 1), ver, "sles 12.3", "2.7.13", prefix=True)
    rows += wa_heartbeats("B", ver, D(2018, 9, 20, 8, 30, 0), D(2018, 9, 25, 14, 0), every_min=30)
    rows += daily_snapshots_b(D(2018, 9, 20, 12, 58, 50), 6, ext, 70)
    lines = ext_log_x2_days(D(2018, 9, 20, 12, 58, 55), 3, ["/", "/hana/data", "/hana/log"], "4e5f")
    for d in range(3, 6):
        t = D(2018, 9, 20, 12, 58, 55) + timedelta(days=d)
        lines += [x2(t, "starting enable"), x2(t, f"taskId: 4e5f{d:04d}-61b2-4a3c-8d7e-1f2a3b4c5d{d:02d}"),
                  x2(t + timedelta(seconds=6), "T:S freeze, timeout value 60"), x2(t + timedelta(seconds=7), "T:S freeze result success, timedout :False"),
                  x2(t + timedelta(seconds=9), "snapshot blob: https://md-strvlcbcwfpk.blob.core.windows.net/tlm3qpxkvkjg/abcd failed: <?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>SnapshotCountExceeded</Code><Message>The snapshot count against this blob has been exceeded."),
                  x2(t + timedelta(seconds=9), "T:S thaw result success"),
                  x2(t + timedelta(seconds=10), "T:S Enable failed with FailedSnapshotLimitReached errror StatusCode.FailedSnapshotLimitReached,"),
                  x2(t + timedelta(seconds=10), "Enable,success,85,T:S Enable failed with FailedSnapshotLimitReached errror StatusCode.FailedSnapshotLimitReached,,True")]
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/status/75.status": vmsnap_linux_status(D(2018, 9, 25, 12, 59, 6), "85", "T:S Enable failed with FailedSnapshotLimitReached errror StatusCode.FailedSnapshotLimitReached,",
                                                            ext_err="FailedSnapshotLimitReached", ok=False,
                                                            snapshots=[{"snapshotUri": "https://md-strvlcbcwfpk.blob.core.windows.net/j013glglr4ld/abcd?snapshot=2018-09-25T12:59:15.1810026Z", "errorMessage": "", "isSuccessful": "true"},
                                                                       {"snapshotUri": "", "errorMessage": "The snapshot count against this blob has been exceeded.", "isSuccessful": "false"}]),
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/pull/635", "platform": "linux", "cause": "snapshot-limit-reached", "acceptable_causes": [],
                 "code": "ExtensionFailedSnapshotLimitReachedError", "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "log line",
                 "note": "SLES 12 SP3 (HANA) on unmanaged disks, VMSnapshotLinux 1.0.9137.0: one data-disk blob answers 'The snapshot count against this blob has been exceeded', status code 85 FailedSnapshotLimitReached (the flow the PR fixed; the status sample is from the PR)."}
    return files, label


@case
def ubuntu1804_extensions_enabled_n():
    ver = "2.2.44"
    rows = boot_b(D(2019, 10, 28, 7, 0, 1, 10), ver, "ubuntu 18.04", "3.6.8", prefix=True)
    rows += wa_heartbeats("B", ver, D(2019, 10, 28, 7, 30, 0), D(2019, 11, 6, 8, 0), every_min=30)
    t = D(2019, 10, 28, 22, 0, 4, 1000)
    while t < D(2019, 11, 6, 8):
        rows.append((t, wa_line("B", t, "INFO", f"Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation {100 + t.day}, duration=10", prefix="ExtHandler")))
        rows.append((t, wa_line("B", t + timedelta(milliseconds=3), "INFO", "Extensions.Enabled is set to False, not processing the operation", prefix="ExtHandler")))
        rows.append((t, wa_line("B", t + timedelta(milliseconds=5), "INFO", f"Extension {VMSNAP_LINUX} will not be processed since extension processing is disabled. To enable extension processing, set Extensions.Enabled=y in '/etc/waagent.conf'", prefix="ExtHandler")))
        t += timedelta(days=1)
    files = {
        "var/log/waagent.log": joined(rows),
        "etc/waagent.conf": waagent_conf(ext="n"),
        "portal/job-error.txt": "Error Code\tGuestAgentSnapshotTaskStatusError\nError Message\tCould not communicate with the VM agent for snapshot status.\nRecommended Action\tEnsure that the VM has network connectivity, and the VM agent is up-to-date and running.\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/42262", "platform": "linux", "cause": "agent-config-linux", "acceptable_causes": [],
                 "code": "GuestAgentSnapshotTaskStatusError", "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "high", "key_evidence": "state",
                 "note": "Ubuntu 18.04, agent 2.2.44, a customer set Extensions.Enabled=n; every nightly goal state skips VMSnapshotLinux and the job fails with GuestAgentSnapshotTaskStatusError; no extension folder exists at all."}
    return files, label


@case
def rhel84_mountstoskip_in_tempplugin_ignored():
    d_ver, h_ver, ext = "2.2.49.2", "2.7.1.0", "1.0.9170.0"
    rows = boot_d(D(2022, 3, 18, 6, 0, 0, 10), d_ver, h_ver, "redhat 8.4", "3.6.8")
    rows += wa_heartbeats("D", h_ver, D(2022, 3, 18, 6, 30, 1), D(2022, 3, 23, 3, 0), every_min=30)
    rows += gs_rounds_d(D(2022, 3, 18, 7, 0, 0), D(2022, 3, 23, 3, 0))
    rows += daily_snapshots_d(D(2022, 3, 18, 1, 30, 2, 1000), 6, ext, 40)
    lines = []
    for d in range(6):
        t = D(2022, 3, 18, 1, 30, 4) + timedelta(days=d)
        lines += [x3(t, "starting enable"), x3(t + timedelta(microseconds=8000), f"taskId: 5f6a{d:04d}-4d3e-9a1b-6c0f2e7d5a{d:02d}"),
                  x3(t + timedelta(seconds=6), "T:S freeze, timeout value 60"), x3(t + timedelta(seconds=6, microseconds=100), "fsfreeze mount :/"),
                  x3(t + timedelta(seconds=6, microseconds=200), "fsfreeze mount :/data"), x3(t + timedelta(seconds=6, microseconds=300), "fsfreeze mount :/srv/data"),
                  x3(t + timedelta(seconds=6, microseconds=400), "fsfreeze mount :/mnt"),
                  x3(t + timedelta(seconds=7), "============== Binary output traces start ================= "),
                  x3(t + timedelta(seconds=7), f"{t + timedelta(seconds=7):%Y-%m-%d %H:%M:%S} Freezing: /data"),
                  x3(t + timedelta(seconds=7), f"{t + timedelta(seconds=7):%Y-%m-%d %H:%M:%S} Failed to FIFREEZE: /srv/data with error message: Device or resource busy"),
                  x3(t + timedelta(seconds=7), "============== Binary output traces end ================= "),
                  x3(t + timedelta(seconds=8), "T:S Enable failed with error: freeze failed for some mount StatusCode.FailedRetryableFsFreezeFailed,"),
                  x3(t + timedelta(seconds=8, microseconds=500), "Enable,success,121,T:S Enable failed with error: freeze failed for some mount StatusCode.FailedRetryableFsFreezeFailed,,True")]
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/main/tempPlugin/vmbackup.conf": "[SnapshotThread]\nfsfreeze: True\nMountsToSkip = /srv/data\n",
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/status/45.status": vmsnap_linux_status(D(2022, 3, 23, 1, 30, 13), "121", "T:S Enable failed with error: freeze failed for some mount StatusCode.FailedRetryableFsFreezeFailed,",
                                                            ext_err="FailedRetryableFsFreezeFailed", ok=False),
        "commands/findmnt.txt": "TARGET      SOURCE                 FSTYPE OPTIONS\n/           /dev/sda2              xfs    rw,relatime,attr2,inode64,noquota\n├─/data     /dev/sdc1              xfs    rw,relatime,attr2,inode64,noquota\n├─/srv/data /dev/sdc1[/]           xfs    rw,relatime,attr2,inode64,noquota\n├─/boot     /dev/sda1              xfs    rw,relatime,attr2,inode64,noquota\n└─/mnt      /dev/sdb1              ext4   rw,relatime\n",
        "commands/ls_-l_etc_azure.txt": "ls: cannot access '/etc/azure/vmbackup.conf': No such file or directory\n",
        "portal/job-error.txt": "Error Code: UserErrorFsFreezeFailed\nError Message: Failed to freeze one or more mount-points of the VM to take a file-system consistent snapshot.\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/90308", "platform": "linux", "cause": "fs-freeze-failed", "acceptable_causes": [],
                 "code": "UserErrorFsFreezeFailed", "acceptable_codes": [], "verdict": "failure", "kind": "failure", "certainty": "high", "key_evidence": "command output",
                 "note": "RHEL 8.4, VMSnapshotLinux 1.0.9170.0: /data is bind-mounted again at /srv/data; MountsToSkip was put in the extension's tempPlugin/vmbackup.conf (overwritten and ignored) instead of /etc/azure/vmbackup.conf, so the duplicate mount still fails to freeze (code 121)."}
    return files, label


@case
def wireserver_503_hostplugin_not_resilient():
    ver = "2.2.10"
    rows = boot_b(D(2017, 5, 26, 1, 0, 0, 1), ver, "ubuntu 16.04", "3.5.2", prefix=False)
    rows += wa_heartbeats("B", "2.2.10", D(2017, 5, 26, 1, 30, 0), D(2017, 5, 26, 10, 13, 54), every_min=30)
    pasted = [
        (D(2017, 5, 26, 10, 13, 54, 141642), "INFO", "Event: name=WALinuxAgent-2.2.10, op=HeartBeat, message="),
        (D(2017, 5, 26, 10, 32, 46, 485080), "WARNING", "Service temporarily unavailable, sleeping 15s before retrying."),
        (D(2017, 5, 26, 10, 33, 1, 502547), "WARNING", "Service temporarily unavailable, sleeping 15s before retrying."),
        (D(2017, 5, 26, 10, 33, 16, 520102), "WARNING", "Service temporarily unavailable, sleeping 15s before retrying."),
        (D(2017, 5, 26, 10, 33, 31, 535711), "WARNING", "Exception retrieving extension handlers: [000008] Calling wire server failed: 503"),
        (D(2017, 5, 26, 10, 33, 31, 536052), "ERROR", "Event: name=WALinuxAgent, op=, message=Exception retrieving extension handlers: [000008] Calling wire server failed: 503"),
        (D(2017, 5, 26, 10, 35, 17, 803011), "WARNING", "Forcing update of goal state"),
        (D(2017, 5, 26, 10, 35, 20, 898415), "INFO", "Retry fetch in 1 seconds"),
        (D(2017, 5, 26, 10, 35, 51, 932274), "ERROR", "HostGAPlugin: Exception Get API versions: [000009] HTTP GET failed"),
        (D(2017, 5, 26, 10, 35, 51, 932637), "ERROR", "Event: name=WALinuxAgent, op=InitializeHostPlugin, message="),
        (D(2017, 5, 26, 10, 35, 51, 934452), "ERROR", "Event: name=Microsoft.OSTCExtensions.CustomScriptForLinux, op=None, message=[000003] Failed to get ext handler pkgs\nInner error: [000008] HostGAPlugin: Host plugin channel is not available"),
        (D(2017, 5, 26, 10, 35, 51, 935536), "ERROR", f"Event: name={VMSNAP_LINUX}, op=None, message=[000003] Failed to get ext handler pkgs\nInner error: [000008] HostGAPlugin: Host plugin channel is not available"),
    ]
    for tt, lvl, msg in pasted:
        rows.append((tt, wa_line("B", tt, lvl, msg)))
    t = D(2017, 5, 26, 11, 5, 51)
    while t < D(2017, 5, 26, 18, 0):
        rows.append((t, wa_line("B", t, "ERROR", f"Event: name={VMSNAP_LINUX}, op=None, message=[000003] Failed to get ext handler pkgs\nInner error: [000008] HostGAPlugin: Host plugin channel is not available")))
        t += timedelta(minutes=30)
    files = {"var/log/waagent.log": joined(rows), "etc/waagent.conf": waagent_conf()}
    label = {"source": "https://github.com/Azure/WALinuxAgent/issues/745", "platform": "linux", "cause": "wireserver-unreachable", "acceptable_causes": ["extension-failed"],
                 "code": "GuestAgentSnapshotTaskStatusError", "acceptable_codes": ["UserErrorGuestAgentStatusUnavailable", "ExtensionOperationFailedForManagedDisks"],
                 "verdict": "failure", "kind": "failure", "certainty": "low", "key_evidence": "log line",
                 "note": "Agent 2.2.10: the wire server answers 503 for a while, the agent falls back to the host plugin, whose initialization is never retried; from then on VMSnapshotLinux packages cannot be fetched ('Host plugin channel is not available'). A platform-side outage plus an agent bug; the fix-level cause is arguable."}
    return files, label


@case
def rhel77_asr_normal_run_healthy():
    ver, ext = "2.2.41", "1.0.9164.0"
    rows = boot_b(D(2019, 12, 1, 2, 0, 3, 100), ver, "redhat 7.7", "2.7.5", prefix=True)
    rows += wa_heartbeats("B", ver, D(2019, 12, 1, 2, 30, 3), D(2019, 12, 3, 23, 0), every_min=30)
    rows += daily_snapshots_b(D(2019, 12, 1, 21, 15, 50, 500000), 3, ext, 51)
    lines = ext_log_x2_days(D(2019, 12, 1, 21, 16, 2), 2, ["/", "/oracle/SID/oraflash", "/mnt/resource"], "6a7b")
    t = D(2019, 12, 3, 21, 16, 2)
    lines += [x2(t, "starting enable"), x2(t, "taskId: 6a7b0002-61b2-4a3c-8d7e-1f2a3b4c5d02"), x2(t + timedelta(seconds=8), "T:S freeze, timeout value 60"),
              x2(t + timedelta(seconds=8), "fsfreeze mount :[SWAP]"), x2(t + timedelta(seconds=8), "fsfreeze mount :/oracle/SID/oraflash"),
              x2(t + timedelta(seconds=8), "fsfreeze mount :/mnt/resource"), x2(t + timedelta(seconds=8), "============== Binary output traces start ================= "),
              x2(t + timedelta(seconds=9), "2019-12-03 21:16:11 Freezing: /oracle/SID/oraflash"), x2(t + timedelta(seconds=9), "2019-12-03 21:16:11 Freezing: /mnt/resource"),
              x2(t + timedelta(seconds=12), "2019-12-03 21:16:14 Thawing: /oracle/SID/oraflash"), x2(t + timedelta(seconds=12), "2019-12-03 21:16:14 Thawing: /mnt/resource"),
              x2(t + timedelta(seconds=12), "============== Binary output traces end ================= "),
              x2(t + timedelta(seconds=12), "T:S thaw result success"), x2(t + timedelta(seconds=12), "Enable,success,1,Enable Succeeded,False")]
    serial = ("2019-12-03 21:16:10.380410  Info  T:S freeze, timeout value 60 \n2019-12-03 21:16:10.383621  Info  fsfreeze mount :[SWAP] \n"
              "2019-12-03 21:16:10.386940  Info  fsfreeze mount :/oracle/SID/oraflash \n2019-12-03 21:16:10.390511  Info  fsfreeze mount :/mnt/resource\n"
              "2019-12-03 21:16:11.401121  Info  ============== Binary output traces start =================  \n"
              "2019-12-03 21:16:14.422710  Info  ============== Binary output traces end =================  \n2019-12-03 21:16:14.423050  Info  T:S thaw result success \n")
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/extension.log": "\n".join(lines) + "\n",
        "serial-console/console-2019-12-04.txt": serial,
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext),
        f"{EXT}-{ext}/status/53.status": vmsnap_linux_status(D(2019, 12, 3, 21, 16, 15), "1", "Enable Succeeded", task="6a7b0002-61b2-4a3c-8d7e-1f2a3b4c5d02"),
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/951", "platform": "linux", "cause": "", "code": "", "verdict": "healthy", "kind": "healthy",
                 "certainty": "medium", "key_evidence": "log line",
                 "note": "The same Oracle VM's normal run that the reporter contrasts with the hang: freeze, binary traces start and end, thaw, success; nightly successes on 12-01..12-03."}
    return files, label


@case
def ubuntu1804_autoupdate_off_notready_inconclusive():
    d_ver = "2.9.0.4"
    rows = boot_d(D(2023, 10, 23, 8, 0, 0, 10), d_ver, d_ver, "ubuntu 18.04", "3.6.9")
    rows += wa_heartbeats("D", d_ver, D(2023, 10, 23, 8, 30, 1), D(2023, 10, 23, 11, 30), every_min=30)
    rows += gs_rounds_d(D(2023, 10, 23, 8, 0, 10), D(2023, 10, 23, 11, 30), every_h=1)
    files = {
        "var/log/waagent.log": joined(rows),
        "etc/waagent.conf": waagent_conf(autoupdate="n"),
        "commands/ps_-ef_grep_waagent.txt": "root       912     1  0 08:00 ?        00:00:03 /usr/bin/python3 /usr/sbin/waagent -daemon\nroot      1040   912  0 08:00 ?        00:00:19 /usr/bin/python3 /usr/sbin/waagent -run-exthandlers\n",
        "portal/vm-properties.txt": "Agent status\tNot ready\nAgent version\tUnknown\n",
    }
    label = {"source": "https://github.com/MicrosoftDocs/azure-docs/issues/116356", "platform": "linux", "cause": "", "code": "", "verdict": "inconclusive",
                 "kind": "inconclusive", "certainty": "low", "key_evidence": "state",
                 "note": "A security appliance on agent 2.9.0.4 with AutoUpdate.Enabled=n: the portal shows Not ready / Unknown after about an hour while the guest log shows the agent alive; the thread never found the cause. No backup attempt in the bundle."}
    return files, label


PY314_STDERR = f"""[stderr]
counting is deprecated, ignoring assignment: CPUAccounting=no
Running as unit: enable_5733d770-43a9-4362-a43a-8dfa1866776d.scope; invocation ID: fdb3594c441e4c0f9e1c0a450d34ff80
Traceback (most recent call last):
  File "/var/lib/waagent/{VMSNAP_LINUX}-1.0.9225.0/main/Utils/WAAgentUtil.py", line 66, in <module>
    spec.loader.exec_module(waagent)
    ~~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^^
  File "<frozen importlib._bootstrap_external>", line 759, in exec_module
  File "<frozen importlib._bootstrap>", line 491, in _call_with_frames_removed
  File "/var/lib/waagent/{VMSNAP_LINUX}-1.0.9225.0/main/WaagentLib.py", line 26, in <module>
    import crypt
ModuleNotFoundError: No module named 'crypt'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/var/lib/waagent/{VMSNAP_LINUX}-1.0.9225.0/main/Utils/WAAgentUtil.py", line 69, in <module>
    import imp
ModuleNotFoundError: No module named 'imp'
"""


@case
def ubuntu2604_py314_no_module_crypt():
    d_ver, h_ver, ext = "2.14.0.1", "2.14.0.1", "1.0.9225.0"
    rows = boot_d(D(2026, 5, 8, 9, 0, 0, 1000), d_ver, h_ver, "ubuntu 26.04", "3.14.3")
    rows += wa_heartbeats("D", h_ver, D(2026, 5, 8, 9, 30, 2), D(2026, 5, 12, 8, 0), every_min=30)
    rows += gs_rounds_d(D(2026, 5, 8, 10, 0, 0), D(2026, 5, 12, 8, 0))
    for d in range(3):
        t = D(2026, 5, 9, 21, 0, 3, 211000) + timedelta(days=d)
        rows += daily_snapshots_d(t, 1, ext, 2 + d)
        te = t + timedelta(seconds=2, milliseconds=300)
        msg = (f"Event: name={VMSNAP_LINUX}, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, "
               f"/var/lib/waagent/{VMSNAP_LINUX}-{ext}/main/handle.sh enable\n[stdout]\n\n" + PY314_STDERR + ", duration=0")
        rows.append((te, wa_line("D", te, "ERROR", msg, "ExtHandler", "ExtHandler")))
    shell = "".join(f"{day} 09:00:0{i} PM UTC 2026- python3 path exists\n{day} 09:00:0{i} PM UTC 2026- 1 returned from handle.py\n"
                    for i, day in enumerate(["Sat May  9", "Sun May 10", "Mon May 11"]))
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/shell.log": shell,
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/config/HandlerStatus": handler_status(VMSNAP_LINUX, ext, "NotReady", 1009, "Non-zero exit code: 1, main/handle.sh enable"),
        "commands/python3_--version.txt": "Python 3.14.3\n",
        "etc/os-release": 'PRETTY_NAME="Ubuntu 26.04 LTS"\nNAME="Ubuntu"\nVERSION_ID="26.04"\nVERSION="26.04 LTS"\nID=ubuntu\nID_LIKE=debian\n',
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/issues/2172", "platform": "linux", "cause": "extension-failed", "acceptable_causes": [],
                 "code": "UserErrorVmProvisioningStateFailed", "acceptable_codes": ["ExtensionOperationFailedForManagedDisks", "GuestAgentSnapshotTaskStatusError"],
                 "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "log line",
                 "note": "Ubuntu 26.04 with Python 3.14: VMSnapshotLinux 1.0.9225.0 dies at import ('No module named crypt', then 'No module named imp', pasted stderr) on every enable; the fix PR says the extension then times out and the backup fails. Portal code not pasted."}
    return files, label


@case
def debian13_py313_no_distutils_silent():
    d_ver, h_ver, ext = "2.11.1.4", "2.13.1.1", "1.0.9225.0"
    rows = boot_d(D(2025, 11, 3, 7, 0, 0, 1000), d_ver, h_ver, "debian 13", "3.13.5")
    rows += wa_heartbeats("D", h_ver, D(2025, 11, 3, 7, 30, 2), D(2025, 11, 7, 9, 0), every_min=30)
    rows += gs_rounds_d(D(2025, 11, 3, 8, 0, 0), D(2025, 11, 7, 9, 0))
    for d in range(4):
        t = D(2025, 11, 3, 23, 30, 2, 110000) + timedelta(days=d)
        rows += daily_snapshots_d(t, 1, ext, 30 + d)
    shell = "".join(f"{day} 11:30:0{i} PM UTC 2025- ConfigSequenceNumber from environment variable seqNo:{30 + i}\n"
                    f"{day} 11:30:0{i} PM UTC 2025- python3 path exists\n{day} 11:30:0{i} PM UTC 2025- 1 returned from handle.py\n"
                    for i, day in enumerate(["Mon Nov  3", "Tue Nov  4", "Wed Nov  5", "Thu Nov  6"]))
    files = {
        "var/log/waagent.log": joined(rows),
        f"{EXTLOG}/shell.log": shell,
        "etc/waagent.conf": waagent_conf(),
        f"{EXT}-{ext}/config/HandlerState": "Enabled",
        f"{EXT}-{ext}/status/33.status": json.dumps([{"version": "1.0", "timestampUTC": "2025-11-06T23:30:02Z", "status": {
            "name": VMSNAP_LINUX, "operation": "Enable", "status": "transitioning", "code": 0,
            "formattedMessage": {"lang": "en-US", "message": f"Creating a placeholder status file for {VMSNAP_LINUX}"}}}]),
        "commands/python3_-c_import_distutils.txt": "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n    import distutils\nModuleNotFoundError: No module named 'distutils'\n",
        "commands/python3_--version.txt": "Python 3.13.5\n",
    }
    label = {"source": "https://github.com/Azure/azure-linux-extensions/pull/2196", "platform": "linux", "cause": "extension-failed", "acceptable_causes": [],
                 "code": "UserErrorVmProvisioningStateFailed", "acceptable_codes": ["ExtensionOperationFailedForManagedDisks", "GuestAgentSnapshotTaskStatusError"],
                 "verdict": "failure", "kind": "failure", "certainty": "medium", "key_evidence": "state",
                 "note": "Debian 13 with Python 3.13 (the fix PR lists Debian 13 among the distros without distutils/imp): the agent launches enable every night and logs nothing wrong; the only traces are shell.log's repeated '1 returned from handle.py', no extension.log at all and a status stuck at the agent's placeholder."}
    return files, label
