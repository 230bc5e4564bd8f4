"""What the hardening tests share: a real failure to plant beside hostile input, bundle
builders, and a CLI runner that measures the child's wall time and peak memory.

Each hostile test builds its input, runs it through the Python API and the CLI, and checks:
the documented exit status, no traceback, the member named in ``problems`` with its kind, the
planted real failure still found, and time and peak memory under the bounds stated here.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: a real agent failure (three lines of a wire-server outage, as the agent writes them): it
#: must still be found as ``wireserver-unreachable`` whatever hostile member sits beside it
REAL_FAILURE = (
    "2024-08-20T14:06:12.562829Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] "
    "[Wireserver Exception] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError "
    "timed out -- 6 attempts made\n"
    "2024-08-20T14:07:37.573867Z WARNING ExtHandler ExtHandler Fetch failed: [HttpError] [HTTP Failed] GET "
    "http://168.63.129.16:32526/vmSettings -- IOError timed out -- 6 attempts made\n"
    "2024-08-20T14:08:16.735402Z WARNING ExtHandler ExtHandler Falling back to direct upload: [HttpError] "
    "[HTTP Failed] PUT http://168.63.129.16:32526/status -- IOError timed out -- 6 attempts made\n"
)
REAL_CAUSE = "wireserver-unreachable"
REAL_LOG = "var/log/waagent.log"

#: bounds every small hostile input must stay under (seconds, MiB of peak RSS of the CLI process)
SECONDS_BOUND = 60.0
PEAK_MB_BOUND = 600


def build(root: Path, files: dict[str, bytes | str]) -> Path:
    """A folder bundle at ``root`` holding ``files`` (relative path -> content)."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def tar_entry(archive: tarfile.TarFile, name: str, data: bytes | None = None, kind: bytes = tarfile.REGTYPE, link: str = "") -> None:
    """Add one entry of any type (file, link, device, FIFO) to an open tar."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    if data is None:
        archive.addfile(info)
    else:
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def run_cli(*args: str, timeout: float = 120) -> CliRun:
    """``python -m loganalyzer ARGS`` in a child process, with its own peak RSS (``wait4``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "loganalyzer", *args], stdout=out, stderr=err, cwd=REPO)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                raise AssertionError(f"loganalyzer {' '.join(args)} did not finish within {timeout} s")
            time.sleep(0.02)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return CliRun(
            child.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,
        )


def assert_clean_run(run: CliRun, code: int = 0, seconds: float = SECONDS_BOUND, peak_mb: float = PEAK_MB_BOUND) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.code == code, (run.code, run.stderr[-2000:])
    assert run.seconds < seconds, f"took {run.seconds:.1f} s (bound {seconds} s)"
    assert run.peak_mb < peak_mb, f"peak RSS {run.peak_mb:.0f} MiB (bound {peak_mb} MiB)"


def kinds_of(problems, file_part: str) -> set[str]:
    """Problem kinds of the files whose name contains ``file_part``."""
    return {p.kind for p in problems.itertuples() if file_part in p.file}


def real_failure_found(diagnosis) -> bool:
    return any(f.cause == REAL_CAUSE for f in diagnosis.findings)


# ---- secrets: every kind of the hardening issue, and every parser family to plant it in ----

PEM_BODY = (
    "MIIEowIBAAKCAQEAx7PLANTEDpemLINE1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd\n"
    "Zm9vYmFyPLANTEDpemLINE2QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789xyzAB\n"
)
#: one text per secret kind of the hardening issue, each carrying the word PLANTED in its secret
SECRET_KINDS = {
    "sas-url": "upload to https://md-x.blob.core.windows.net/vhds/os.vhd?sv=2020-08-04&sr=b&sig=PLANTEDsasURL%3D&se=2024 failed",
    "sas-json-escaped": r"GET https://a.blob.core.windows.net/c/b?sv=2020\u0026sr=b\u0026sig=PLANTEDsasJSON%2B\u0026se=1 failed",
    "sas-url-encoded": "redirect https://login/x?to=https%3A%2F%2Fa.blob.core.windows.net%2Fc%3Fsv%3D1%26sig%3DPLANTEDsasENC%253D%26se%3D2 done",
    "bearer": "request Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGkifQ.PLANTEDbearerSIG sent",
    "jwt": "token eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ2bSJ9.PLANTEDjwtSIG-x_y accepted",
    "form-secret": "POST body grant_type=client_credentials&client_id=abc&client_secret=PLANTEDform~x.y&scope=api",
    "proxy-credentials": "using proxy http://backup:PLANTEDproxy@10.0.0.4:3128 for uploads",
    "protected-object": '{"protectedSettings": {"storageAccountKey": "PLANTEDobjKEY", "more": {"list": ["PLANTEDobjARR"]}}, "publicSettings": {"a": 1}}',
    "unicode-escaped-key": r'settings {"protected\u0053ettings": "PLANTEDuniKEY", "x": 1}',
    "account-key-spaces": "conn DefaultEndpointsProtocol=https; AccountName=x; AccountKey = PLANTEDakSPACE==; EndpointSuffix=core.windows.net",
    "connection-string": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=PLANTEDconnSTR+/==;EndpointSuffix=core.windows.net",
    "pem-lines": "certificate follows\n" + PEM_BODY,
    "pem-block": "key -----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY.replace("pemLINE", "pemBLOCK") + "-----END RSA PRIVATE KEY----- end",
    "env-vars": "export AZURE_CLIENT_SECRET=PLANTEDenvSECRET ARM_ACCESS_KEY=PLANTEDenvARM",
    "json-keys": '{"clientSecret": "PLANTEDjsCS", "accessToken": "PLANTEDjsAT", "apiKey": "PLANTEDjsAK", "sharedKey": "PLANTEDjsSK", "credentials": {"user": "u", "pass": "PLANTEDjsPASS"}}',
    "key-listing": '[{"keyName": "key1", "permissions": "FULL", "value": "PLANTEDkeyVAL1"}, {"keyName": "key2", "permissions": "FULL", "value": "PLANTEDkeyVAL2"}]',
    "primary-keys": '{"primaryKey": "PLANTEDprimary", "secondaryKey": "PLANTEDsecondary", "primaryConnectionString": "Endpoint=sb://x/;SharedAccessKey=PLANTEDsbKEY"}',
    "xml-password": "<UserPassword>PLANTEDxmlPW</UserPassword><CustomData>PLANTEDxmlCD</CustomData>",
}
#: files whose whole content is secret (the agent's private keys, the provisioning document)
SECRET_FILES = {
    "var/lib/waagent/8F3E2D.prv": "-----BEGIN PRIVATE KEY-----\n" + PEM_BODY + "-----END PRIVATE KEY-----\n",
    "var/lib/waagent/8F3E2D.pem": "-----BEGIN CERTIFICATE-----\nMIIPLANTEDcertBODY\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\nPLANTEDpemFILE\n-----END RSA PRIVATE KEY-----\n",
    "var/lib/waagent/ovf-env.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" '
        'xmlns:wa="http://schemas.microsoft.com/windowsazure">\n<wa:ProvisioningSection><wa:Version>1.0</wa:Version>\n'
        '<LinuxProvisioningConfigurationSet xmlns="http://schemas.microsoft.com/windowsazure">\n'
        "<ConfigurationSetType>LinuxProvisioningConfiguration</ConfigurationSetType>\n<HostName>vm1</HostName>\n"
        "<UserName>azureuser</UserName>\n<UserPassword>PLANTEDovfPW</UserPassword>\n<CustomData>PLANTEDovfCD</CustomData>\n"
        "</LinuxProvisioningConfigurationSet></wa:ProvisioningSection>\n</Environment>\n"
    ),
}

SNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
WIN_SNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshot"


def _json_or_text(snippet: str) -> object:
    try:
        return json.loads(snippet)
    except ValueError:
        return snippet


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lines_after(header: str, snippet: str) -> str:
    first, _, rest = snippet.partition("\n")
    return header + first + "\n" + rest + ("" if not rest or rest.endswith("\n") else "\n")


#: every parser family: (path, content) for a snippet planted in it (``n`` keeps paths apart)
CARRIERS = {
    "waagent.log": lambda s, n: (f"var/log/waagent.log.{n}", _lines_after("2024-05-30T13:15:46.000000Z INFO ExtHandler ExtHandler ", s)),
    "waagent.log-event": lambda s, n: (
        f"var/log/waagent.log.{n}e",
        f"2024-05-30T13:15:47.000000Z ERROR ExtHandler ExtHandler Event: name=X, op=Enable, message={json.dumps(s)}, duration=0\n",
    ),
    "extension-status-json": lambda s, n: (
        f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/status/{n}.status",
        json.dumps([{"version": "1.0", "timestampUTC": "2024-05-30T13:16:00Z", "status": {"name": SNAPSHOT, "operation": "Enable",
                    "status": "error", "code": 1, "formattedMessage": {"lang": "en-US", "message": s}}}]),
    ),
    "extension-settings-json": lambda s, n: (
        f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/config/{n}.settings",
        json.dumps({"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "AB",
                    "publicSettings": {"commandToExecute": "snapshot", "taskId": "t", "detail": _json_or_text(s)}}}]}),
    ),
    "extensions-config-xml": lambda s, n: (
        f"var/lib/waagent/ExtensionsConfig.{n}.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<Extensions version="1.0.0.0" goalStateIncarnation="1"><Plugins>'
        f'<Plugin name="{SNAPSHOT}" version="1.0.9215.0" location="https://x/m.xml" state="enabled" autoUpgrade="true" /></Plugins>'
        f'<PluginSettings><Plugin name="{SNAPSHOT}" version="1.0.9215.0"><RuntimeSettings seqNo="1">'
        + _xml(json.dumps({"runtimeSettings": [{"handlerSettings": {"publicSettings": {"note": s}}}]}))
        + "</RuntimeSettings></Plugin></PluginSettings></Extensions>\n",
    ),
    "waagent.conf": lambda s, n: (
        f"etc/waagent.conf.{n}" if n else "etc/waagent.conf",
        "Logs.Verbose=n\n" + "".join(f"Custom.Note{i}={line}\n" for i, line in enumerate(s.splitlines())),
    ),
    "extension.log": lambda s, n: (
        f"var/log/azure/{SNAPSHOT}/extension.log.{n}",
        _lines_after(f"2024-05-30 13:15:46.110000 [{SNAPSHOT}-1.0]", s),
    ),
    "handler.log": lambda s, n: (
        f"var/log/azure/custom-script/handler.log.{n}",
        f"time=2024-05-30T13:15:46Z version=v2.1.6 operation=enable seq=0 event={json.dumps(s)}\n",
    ),
    "windows-events-csv": lambda s, n: (
        f"EventLogs/System{n}.csv",
        "TimeCreated,Id,LevelDisplayName,ProviderName,Message\n"
        '"2024-05-30 13:15:45",7036,Error,Service Control Manager,"' + s.replace('"', '""') + '"\n',
    ),
    "windows-events-xml": lambda s, n: (
        f"EventLogs/Application{n}.xml",
        (
            '<?xml version="1.0"?>\n<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
            '<Provider Name="VSS"/><EventID>8193</EventID><Level>2</Level><TimeCreated SystemTime="2024-05-30T13:15:45.000Z"/>'
            f"<Computer>vm1</Computer></System><EventData><Data>{_xml(s)}</Data></EventData></Event></Events>\n"
        ),
    ),
    "windows-events-json": lambda s, n: (
        f"EventLogs/System_last7days{n}.json",
        json.dumps([{"TimeCreated": "/Date(1717074945000)/", "Id": 7036, "LevelDisplayName": "Error",
                     "ProviderName": "Service Control Manager", "Message": s}]),
    ),
    "windows-agent-log": lambda s, n: (
        f"WindowsAzure/Logs/WaAppAgent{n}.log",
        _lines_after("[00000006] [05/30/2024 13:10:03.41] [ERROR] ", s),
    ),
    "windows-plugin-log": lambda s, n: (
        f"WindowsAzure/Logs/Plugins/{WIN_SNAPSHOT}/1.0.95.0/IaaSBcdrExtension{n}.log",
        _lines_after("[2024-05-30 13:10:02.41] [INFO] ", s),
    ),
    "windows-runtime-settings": lambda s, n: (
        f"Packages/Plugins/{WIN_SNAPSHOT}/1.0.95.0/RuntimeSettings/{n}.settings",
        json.dumps({"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "AB",
                    "publicSettings": {"note": _json_or_text(s)}}}]}),
    ),
    "azure-job-json": lambda s, n: (
        f"az/job-show{n}.json",
        json.dumps({"id": "/subscriptions/1/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/backupJobs/j",
                    "name": "j", "properties": {"jobType": "AzureIaaSVMJob", "operation": "Backup", "status": "Failed",
                    "entityFriendlyName": "vm1", "startTime": "2025-01-22T08:15:12Z",
                    "errorDetails": [{"errorCode": "UserErrorX", "errorString": s, "recommendations": [s]}],
                    "extendedInfo": {"propertyBag": {"detail": _json_or_text(s)}}}}),
    ),
    "azure-activity-csv": lambda s, n: (
        f"az/activity{n}.csv",
        "Operation name,Status,Time,Time stamp,Subscription,Event initiated by,Resource type,Resource group,Resource\n"
        '"Microsoft.Compute/virtualMachines/write","Failed","x","2024-05-30T13:15:45Z","s","' + s.replace('"', '""')
        + '","t","g","r"\n',
    ),
    "azure-cli-output": lambda s, n: (f"az/storage-keys{n}.json", s if s.lstrip().startswith(("[", "{")) else json.dumps({"output": s})),
}

_PLANTED = re.compile(r"PLANTED\w*")


def leaks(text: str) -> list[str]:
    return sorted(set(_PLANTED.findall(text)))


def planted_bundle(root: Path, plants: list[tuple[str, str, str]]) -> Path:
    """A bundle with the real failure, the secret files, and each (kind, family, filler) planted."""
    files: dict[str, str] = {REAL_LOG: REAL_FAILURE, **SECRET_FILES}
    for n, (kind, family, filler) in enumerate(plants):
        path, content = CARRIERS[family](filler + SECRET_KINDS[kind] + filler, n)
        files[path] = content
    return build(root, files)
