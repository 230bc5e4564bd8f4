"""No secret leaves by any door: every secret kind, planted into the inputs of every parser
family, is checked through every output (``diagnose`` in text, Markdown, JSON and HTML;
``events`` as table, CSV, JSONL and Parquet; the batch datasets, markers and summary; the
Python tables). A property test plants random kinds in random families with random text around
them; the full cross product runs once, through the CLI and a batch too.
"""

from __future__ import annotations

import functools
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hostile_kit import REAL_FAILURE, REAL_LOG, build, real_failure_found

from loganalyzer import diagnose, read_bundle, run_batch
from loganalyzer.cli import main as cli_main
from loganalyzer.redaction import MASK, redact, redact_json, redact_table
from loganalyzer.signatures import load_knowledge, load_signatures

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
        '<?xml version="1.0"?>\n<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        '<Provider Name="VSS"/><EventID>8193</EventID><Level>2</Level><TimeCreated SystemTime="2024-05-30T13:15:45.000Z"/>'
        f"<Computer>vm1</Computer></System><EventData><Data>{_xml(s)}</Data></EventData></Event></Events>\n",
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


@functools.lru_cache(maxsize=1)
def _rules():
    knowledge = load_knowledge()
    return load_signatures(knowledge=knowledge), knowledge


def api_outputs(bundle: Path) -> dict[str, str]:
    """Every output of the Python API: the tables, every diagnosis format, events as Parquet."""
    signatures, knowledge = _rules()
    diagnosis = diagnose(bundle, signatures=signatures, knowledge=knowledge)
    events = pa.Table.from_pandas(diagnosis.events, preserve_index=False)
    parquet = io.BytesIO()
    pq.write_table(events, parquet)
    return {
        "events": diagnosis.events.astype(str).to_csv(),
        "events jsonl": "\n".join(json.dumps(row, default=str) for row in events.to_pylist()),
        "events parquet": str(pq.read_table(io.BytesIO(parquet.getvalue())).to_pylist()),
        "problems": diagnosis.problems.to_csv(),
        "coverage": diagnosis.coverage.to_csv(),
        "evidence": diagnosis.evidence.astype(str).to_csv(),
        "text": diagnosis.to_text(minimum="unlikely"),
        "markdown": diagnosis.to_markdown(minimum="unlikely"),
        "json": diagnosis.to_json(minimum="unlikely"),
        "html": diagnosis.to_html(),
        "repr html": diagnosis._repr_html_(),
    }


@pytest.mark.parametrize("kind", sorted(SECRET_KINDS))
def test_every_secret_kind_is_masked_in_text(kind):
    masked = redact(SECRET_KINDS[kind])
    assert not leaks(masked) and MASK in masked
    assert redact(masked) == masked


@pytest.mark.parametrize("kind", ["protected-object", "json-keys", "key-listing", "primary-keys"])
def test_every_json_secret_kind_is_masked_when_parsed(kind):
    document = json.loads(SECRET_KINDS[kind])
    assert not leaks(json.dumps(redact_json(document)))


def test_ordinary_text_near_secret_words_is_kept():
    for text in (
        "2024-05-30T13:15:45.331589Z INFO ExtHandler Daemon Downloaded certificate {'thumbprint': 'D6E7D889614B2E0FD33B189D96E05228D383D475', 'hasPrivateKey': True}",
        "Token refresh succeeded in 3 ms; tokens: 4",
        "mail root@localhost about key1 rotation",
        "DisableSshPasswordAuthentication=true",
        '{"tokens": 1, "keyVaultKeyId": "kid", "has_user_password": "1"}',
    ):
        assert redact(text) == text


def test_the_backstop_masks_what_a_parser_forgot():
    from loganalyzer.events import EVENT_SCHEMA

    rows = [{"file": "a?sv=1&sig=PLANTEDfileSIG", "line": 1, "time": None, "source": "x", "level": None, "component": None,
             "message": SECRET_KINDS[kind], "fields": [("apiKey", "PLANTEDfield"), ("note", SECRET_KINDS[kind]), ("has_password", "1")]}
            for kind in SECRET_KINDS]
    rows.append({"file": "b", "line": 2, "time": None, "source": "x", "level": None, "component": None, "message": "clean", "fields": []})
    table = pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)
    masked = redact_table(table)
    assert masked.schema == table.schema and masked.num_rows == table.num_rows
    assert not leaks(str(masked.to_pylist()))
    assert masked.to_pylist()[0]["fields"][2] == ("has_password", "1")
    clean = pa.Table.from_pylist(rows[-1:], schema=EVENT_SCHEMA)
    assert redact_table(clean) is clean  # a clean table comes back untouched


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    plants=st.lists(
        st.tuples(
            st.sampled_from(sorted(SECRET_KINDS)),
            st.sampled_from(sorted(CARRIERS)),
            st.sampled_from(["", " ", "x ", "\t", "=", "\"", "'", "(", ",", ";", "&", "?"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_planted_secret_never_reaches_any_api_output(tmp_path_factory, plants):
    bundle = planted_bundle(tmp_path_factory.mktemp("planted"), plants)
    found = {name: leaks(text) for name, text in api_outputs(bundle).items()}
    assert not {name: hits for name, hits in found.items() if hits}, plants


def test_every_kind_in_every_family_through_every_output(tmp_path, capsys):
    """The full cross product once: every kind in every family, through the API, the CLI in
    every format, and a batch (its datasets, markers and summary)."""
    plants = [(kind, family, "") for family in sorted(CARRIERS) for kind in sorted(SECRET_KINDS)]
    bundle = planted_bundle(tmp_path / "bundle", plants)
    contents = read_bundle(bundle)
    claimed = contents.coverage[contents.coverage.source != "unrecognised"]
    assert len(claimed) >= len(plants) * 3 // 4, "the secrets were really read, not skipped"
    outputs = api_outputs(bundle)
    assert MASK in outputs["events"]
    assert real_failure_found(diagnose(bundle))
    for fmt in ("text", "markdown", "json", "html"):
        target = tmp_path / f"diagnosis.{fmt}"
        assert cli_main(["diagnose", str(bundle), "--format", fmt, "--all", "-o", str(target)]) == 0
        outputs[f"cli diagnose {fmt}"] = target.read_text(encoding="utf-8")
    for fmt in ("table", "csv", "jsonl", "parquet"):
        target = tmp_path / f"events.{fmt}"
        assert cli_main(["events", str(bundle), "--format", fmt, "-o", str(target)]) == 0
        outputs[f"cli events {fmt}"] = str(pq.read_table(target).to_pylist()) if fmt == "parquet" else target.read_text(encoding="utf-8")
    out = tmp_path / "batch"
    result = run_batch({"bundle?sig=PLANTEDbundleID": bundle}, out, workers=1, progress=False)
    assert result.failed == 0
    for name in ("events", "evidence", "findings", "problems", "coverage", "bundles"):
        outputs[f"batch {name}"] = result.dataset(name).astype(str).to_csv()
    for path in out.rglob("*.json"):
        outputs[f"batch {path.relative_to(out)}"] = path.read_text(encoding="utf-8")
    outputs["batch summary text"] = result.to_text()
    outputs["stdout"] = "".join(capsys.readouterr())
    found = {name: leaks(text) for name, text in outputs.items()}
    assert not {name: hits for name, hits in found.items() if hits}
