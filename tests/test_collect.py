"""The collection scripts: shipped as package data, the bash script run against a fake VM root
whose archive diagnoses with no unrecognised file, the PowerShell script checked for syntax and
for collecting only what a parser reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tomllib
from pathlib import Path

import pyarrow.compute as pc
import pytest

from loganalyzer.cli import main
from loganalyzer.collect import SCRIPTS, script_text
from loganalyzer.diagnosis import diagnose
from loganalyzer.reader import UNRECOGNISED, read_bundle
from loganalyzer.sources import all_parsers

EXPECTED = tomllib.loads((Path(__file__).resolve().parent.parent / "samples" / "expected-linux.toml").read_text(encoding="utf-8"))

BASH = shutil.which("bash")


def _fake_root(tmp_path: Path, samples: Path, shared: Path, sample: str) -> Path:
    root = tmp_path / "root"
    shutil.copytree(samples / sample, root)
    lib = root / "var/lib/waagent"
    # secrets that must never leave the VM
    shutil.copy(shared / "fixtures/linux/WALinuxAgent/tests/data/ovf-env.xml", lib / "ovf-env.xml")
    (lib / "TransportPrivate.pem").write_text("-----BEGIN PRIVATE KEY-----\nMIIEplanted\n-----END PRIVATE KEY-----\n")
    (lib / "0A1B2C.prv").write_text("planted private key\n")
    handler = next(lib.glob("Microsoft.Azure.RecoveryServices.VMSnapshotLinux-*"))
    settings = handler / "config" / "99.settings"
    settings.write_text(
        '{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":"ABCDEF",'
        '"protectedSettings":"MIIBplantedSECRETblob==","publicSettings":{"locale":"en-us"}}}]}'
    )
    (root / "etc").mkdir(exist_ok=True)
    shutil.copy(shared / "fixtures/linux/WALinuxAgent/config/waagent.conf", root / "etc/waagent.conf")
    (root / "etc/os-release").write_text('NAME="Oracle Linux Server"\nVERSION_ID="8.9"\nID="ol"\nPRETTY_NAME="Oracle Linux Server 8.9"\n')
    (root / "var/log/messages").write_text(
        "Aug 20 14:07:37 ora-batch-11 systemd[1]: Started Azure Linux Agent.\n"
        "Aug 20 14:08:16 ora-batch-11 python3[812]: WARNING ExtHandler wire server unreachable\n"
    )
    return root


def _run(script: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASH, str(script), *args], capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_linux_script_on_a_fake_root_gives_an_archive_that_diagnoses(tmp_path, samples, shared):
    root = _fake_root(tmp_path, samples, shared, "linux-wireserver-blocked")
    script = tmp_path / "collect.sh"
    assert main(["collect-script", "linux", "-o", str(script)]) == 0
    out = tmp_path / "out"
    done = _run(script, "--root", str(root), "--output", str(out))
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip().splitlines()[-1])
    assert archive.parent == out and re.fullmatch(r"azbackup-logs-[\w-]+-\d{8}T\d{6}Z\.tar\.gz", archive.name)

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        everything = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert not any(n.endswith(("ovf-env.xml", ".pem", ".prv")) for n in names)
    assert b"PRIVATE KEY" not in everything and b"planted" not in everything.lower()
    assert b"MIIBplantedSECRETblob" not in everything and b"*** REDACTED ***" in everything
    assert any(n.endswith("commands/collect_info.txt") for n in names)

    contents = read_bundle(archive)
    coverage = contents.coverage
    assert list(coverage.loc[coverage.source == UNRECOGNISED, "file"]) == []
    assert (coverage.unparsed == 0).all(), coverage[coverage.unparsed > 0]
    result = diagnose(archive)
    assert result.findings and result.findings[0].cause == "wireserver-unreachable"


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_linux_script_saves_command_outputs_that_a_parser_reads(tmp_path, samples, shared):
    """With --commands the script runs the agent, network and disk commands; here they are
    stand-ins on PATH that print real-format outputs, so the test does not depend on this host."""
    root = _fake_root(tmp_path, samples, shared, "linux-healthy")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    outputs = {
        "systemctl": "● walinuxagent.service - Azure Linux Agent\n     Loaded: loaded (/lib/systemd/system/walinuxagent.service; enabled; vendor preset: enabled)\n     Active: active (running) since Tue 2025-01-21 09:12:01 UTC; 5h ago\n   Main PID: 812 (python3)\n",
        "waagent": "WALinuxAgent-2.2.45 running on ubuntu 24.04\nPython: 3.12.3\nGoal state agent: 2.12.0.4\n",
        "python3": "Python 3.12.3\n",
        "ps": "USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\nroot 812 0.0 0.3 245372 24404 ? Ss 09:12 0:01 /usr/bin/python3 -u /usr/sbin/waagent -daemon\n",
        "ip": "default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.4 metric 100\n168.63.129.16 via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.4 metric 100\n",
        "iptables-save": "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 168.63.129.16/32 -p tcp -m owner --uid-owner 0 -j ACCEPT\nCOMMIT\n",
        "curl": "*   Trying 168.63.129.16:80...\n* Connected to 168.63.129.16 (168.63.129.16) port 80 (#0)\n< HTTP/1.1 200 OK\n",
        "df": "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/sda1         30298176 9000000  21298176      30% /\n",
        "mount": "/dev/sda1 on / type ext4 (rw,relatime)\n",
        "findmnt": "TARGET SOURCE    FSTYPE OPTIONS\n/      /dev/sda1 ext4   rw,relatime\n",
        "lsblk": "NAME   TYPE  SIZE FSTYPE MOUNTPOINT\nsda    disk   30G\n└─sda1 part   30G ext4   /\n",
        "journalctl": "2025-01-21T09:12:01+0000 vm1 systemd[1]: Started Azure Linux Agent.\n",
    }
    by_argument = {  # commands whose output depends on their first argument
        "systemctl": {"status": outputs["systemctl"], "is-active": "active\n", "is-enabled": "enabled\n", "cat": ""},
        "ip": {"route": outputs["ip"], "addr": "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP\n    inet 10.0.0.4/24 brd 10.0.0.255 scope global dynamic eth0\n"},
    }
    for name, text in outputs.items():
        stub = bin_dir / name
        if name in by_argument:
            cases = "".join(f"  {arg}) cat <<'EOF'\n{out}EOF\n  ;;\n" for arg, out in by_argument[name].items())
            stub.write_text(f"#!/bin/sh\ncase \"$1\" in\n{cases}  *) exit 0 ;;\nesac\n")
        else:
            stub.write_text("#!/bin/sh\ncat <<'EOF'\n" + text + "EOF\n")
        stub.chmod(0o755)
    for name in ("hostname", "date", "du", "awk", "sed", "tail", "head", "grep", "tar", "gzip", "mkdir", "cp", "rm", "mv",
                 "ls", "wc", "tr", "cat", "mktemp", "uname", "pwd"):
        if (found := shutil.which(name)) and not (bin_dir / name).exists():
            (bin_dir / name).symlink_to(found)
    script = tmp_path / "collect.sh"
    script.write_text(script_text("linux"))
    env = {**os.environ, "PATH": str(bin_dir)}
    done = _run(script, "--root", str(root), "--output", str(tmp_path), "--commands", env=env)
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip().splitlines()[-1])
    with tarfile.open(archive) as tar:
        saved = sorted(Path(n).name for n in tar.getnames() if "/commands/" in n)
    assert {"systemctl_status_walinuxagent.txt", "waagent_version.txt", "ip_route.txt", "curl_wireserver_80.txt"} <= set(saved)

    contents = read_bundle(archive)
    coverage = contents.coverage
    assert list(coverage.loc[coverage.source == UNRECOGNISED, "file"]) == []
    commands = coverage[coverage.file.str.contains("/commands/")]
    assert set(commands.source) <= {"linux.command", "linux.syslog", "waagent.syslog"} and (commands.unparsed == 0).all()
    fields = [dict(f) for f in contents.events.loc[contents.events.source == "linux.command", "fields"]]
    assert {"kind": "summary", "command": "ip route", "route_to_wireserver": "present", "default_route": "present"}.items() <= next(
        f for f in fields if f.get("command") == "ip route" and f.get("kind") == "summary").items()
    assert any(f.get("agent_running") == "true" for f in fields)
    assert any(f.get("goal_state_agent_version") == "2.12.0.4" for f in fields)
    assert diagnose(archive).findings == [] or all(f.confidence != "certain" for f in diagnose(archive).findings)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_linux_script_refuses_a_missing_root(tmp_path):
    script = tmp_path / "collect.sh"
    script.write_text(script_text("linux"))
    done = _run(script, "--root", str(tmp_path / "nowhere"), "--output", str(tmp_path))
    assert done.returncode == 2 and "no such folder" in done.stderr


def test_scripts_are_package_data_and_the_cli_prints_them(capsys):
    for system, name in SCRIPTS.items():
        assert main(["collect-script", system]) == 0
        printed = capsys.readouterr().out
        assert printed == script_text(system) and len(printed) > 2000
    assert script_text("linux").startswith("#!/usr/bin/env bash")
    with pytest.raises(ValueError):
        script_text("macos")
    assert main(["collect-script", "macos"]) == 2


# --- PowerShell: no pwsh in Debian's packages, so a tokenizer check and the dry-run listing ----

def _powershell_balance(text: str) -> list[str]:
    """Brackets balance outside strings, comments and here-strings; returns the problems."""
    problems: list[str] = []
    stack: list[tuple[str, int]] = []
    pairs = {")": "(", "}": "{", "]": "["}
    i, line = 0, 1
    while i < len(text):
        c = text[i]
        if c == "\n":
            line += 1
        if text.startswith("<#", i):
            end = text.find("#>", i)
            assert end > 0, "unterminated block comment"
            line += text.count("\n", i, end)
            i = end + 2
            continue
        if c == "#":
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if text.startswith(("@'", '@"'), i) and text[i + 2 : i + 3] in ("\n", "\r"):
            close = "\n" + text[i + 1] + "@"
            end = text.find(close, i)
            assert end > 0, f"unterminated here-string at line {line}"
            line += text.count("\n", i, end)
            i = end + len(close)
            continue
        if c in "'\"":
            j = i + 1
            while j < len(text):
                if text[j] == c and text[j + 1 : j + 2] == c:
                    j += 2
                    continue
                if c == '"' and text[j] == "`":
                    j += 2
                    continue
                if text[j] == c:
                    break
                j += 1
            else:
                problems.append(f"unterminated string at line {line}")
            line += text.count("\n", i, j)
            i = j + 1
            continue
        if c == "`":
            i += 2
            continue
        if c in "({[":
            stack.append((c, line))
        elif c in ")}]":
            if not stack or stack[-1][0] != pairs[c]:
                problems.append(f"unbalanced {c!r} at line {line}")
            else:
                stack.pop()
        i += 1
    problems.extend(f"unclosed {c!r} from line {n}" for c, n in stack)
    return problems


def test_powershell_script_tokenizes_and_declares_its_parameters():
    text = script_text("windows")
    assert _powershell_balance(text) == []
    param = re.search(r"param\((.*?)\n\)", text, re.DOTALL).group(1)
    for name in ("Root", "Output", "DryRun"):
        assert re.search(rf"\${name}\b", param), name
    assert ".PARAMETER DryRun" in text and ".PARAMETER Root" in text
    # no PowerShell 7-only syntax: the script must run on Windows PowerShell 5.1
    assert not re.search(r"\?\?|\?\.|&&|\|\||\bclean\s*\{|-Parallel\b", re.sub(r"#.*", "", text))


def test_powershell_tokenizer_check_catches_a_broken_script():
    assert _powershell_balance("function f { if ($a) { 'x' }\n") == ["unclosed '{' from line 1"]
    assert _powershell_balance("$x = 'it''s fine' # (\n") == []


def test_powershell_dry_run_lists_only_what_a_parser_reads():
    """Each command output the script saves (``Invoke-Saved NAME``) is claimed by a parser with a
    real-format sample of that command, so the archive has no unrecognised command output."""
    text = script_text("windows")
    names = re.findall(r"Invoke-Saved '([^']+)'", text) + [
        n.replace("$service", s)
        for n in re.findall(r'Invoke-Saved "([^"]+)"', text)
        for s in ("WindowsAzureGuestAgent", "VSS")
    ]
    assert "vssadmin_list_writers" in names and "ipconfig_all" in names and "sc_query_VSS" in names
    parsers = all_parsers()
    for name in names + ["collect_info"]:
        path = f"azbackup-logs-vm/commands/{name}.txt"
        assert max(p.claim(path, b"") for p in parsers) > 0, f"no parser knows {path}"
    assert 'Write-Output "run ${Name}:' in text and 'Write-Output "copy $relative"' in text
    dry_run_end = 'if ($DryRun) {\n    Write-Output "write commands\\collect_info.txt"\n    Write-Output $Archive'
    assert dry_run_end in text, "the dry run must end by printing the archive path"


def test_the_wheel_ships_every_package_and_the_scripts():
    """A non-editable install finds the scripts through importlib.resources only when the
    package and its data are listed in pyproject.toml."""
    import tomllib

    repo = Path(__file__).resolve().parent.parent
    config = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = set(config["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(repo).parts)
        for init in (repo / "loganalyzer").rglob("__init__.py")
    }
    assert on_disk <= packages, sorted(on_disk - packages)
    assert set(config["package-data"]["loganalyzer.collect"]) >= {"*.sh", "*.ps1"}


def test_powershell_copies_only_files_a_parser_reads():
    """Every ``Copy-Files FOLDER -Filter PATTERN`` of the script names files a parser claims
    (``*`` stands for a file name; ``$base`` for the backup extension's package folder)."""
    text = script_text("windows")
    base = "Packages\\Plugins\\Microsoft.Azure.RecoveryServices.VMSnapshot\\1.0.96.0"
    copies = re.findall(r"Copy-Files (\S+) -Filter (\S+)(.*)", text)
    logs = re.search(r"foreach \(\$log in @\(([^)]*)\)\)", text).group(1)
    copies += [("'WindowsAzure\\Logs'", name.strip(), "") for name in logs.split(",")]
    assert len(copies) >= 10
    parsers = all_parsers()
    for folder, pattern, rest in copies:
        if pattern == "$log":
            continue
        folder = folder.strip("'\"").replace("$base", base).replace("\\", "/")
        pattern = pattern.strip("'")
        name = pattern.replace("*", "1", 1) if pattern.startswith("*") else pattern.replace("*", "")
        middle = "/Microsoft.Azure.Monitor.AzureMonitorWindowsAgent/1.0" if "-Recurse" in rest else ""
        path = f"{folder}{middle}/{name}"
        assert max(p.claim(path, b"") for p in parsers) > 0, f"no parser reads {path}"


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_linux_script_on_a_freebsd_like_host_without_systemd_or_ip(tmp_path, samples, shared):
    """No systemctl and no ip: the script asks ``service`` and uses ifconfig and netstat, and
    each output still has a parser."""
    root = _fake_root(tmp_path, samples, shared, "linux-agent-not-running")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stubs = {
        "service": 'case "$1" in waagent) echo "waagent is not running." ;; *) echo "$1 does not exist in /etc/rc.d or the local startup directories (/usr/local/etc/rc.d), or is not executable" ;; esac',
        "ifconfig": "printf 'hn0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\\n\\tinet 10.0.0.4 netmask 0xffffff00 broadcast 10.0.0.255\\n'",
        "netstat": "printf 'Routing tables\\n\\nInternet:\\nDestination        Gateway            Flags     Netif Expire\\ndefault            10.0.0.1           UGS         hn0\\n'",
    }
    for name, body in stubs.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    for name in ("hostname", "date", "du", "awk", "sed", "tail", "head", "grep", "tar", "gzip", "mkdir", "cp", "rm", "mv",
                 "ls", "wc", "tr", "cat", "mktemp", "uname", "pwd", "sh"):
        if found := shutil.which(name):
            (bin_dir / name).symlink_to(found)
    script = tmp_path / "collect.sh"
    script.write_text(script_text("linux"))
    done = _run(script, "--root", str(root), "--output", str(tmp_path), "--commands", env={**os.environ, "PATH": str(bin_dir)})
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip().splitlines()[-1])
    contents = read_bundle(archive)
    coverage = contents.coverage
    assert list(coverage.loc[coverage.source == UNRECOGNISED, "file"]) == []
    saved = {Path(f).name for f in coverage.file if "/commands/" in f}
    assert {"service_waagent_status.txt", "service_walinuxagent_status.txt", "ifconfig.txt", "netstat_rn.txt"} <= saved
    fields = [dict(f) for f in contents.events.loc[contents.events.source == "linux.command", "fields"]]
    assert any(f.get("agent_running") == "false" for f in fields)
    assert any(f.get("command") == "netstat -rn" and f.get("route_to_wireserver") == "absent" for f in fields)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@pytest.mark.parametrize("sample", ["linux-fsfreeze-failed", "linux-agent-not-running", "linux-extensions-disabled", "linux-healthy"])
def test_the_archive_of_a_sample_vm_diagnoses_as_the_sample_does(tmp_path, samples, sample):
    """The script collects what matters: its archive of a sample VM gives the sample's expected
    top cause and code (or nothing above 'possible' for a healthy VM), and no planted secret."""
    root = tmp_path / "root"
    shutil.copytree(samples / sample, root)
    script = tmp_path / "collect.sh"
    script.write_text(script_text("linux"))
    # collected as if just after the sample's newest line: the engine weighs an agent's silence
    # against the collection time the script records, and the samples' logs end in the past
    newest = pc.max(read_bundle(samples / sample).event_table["time"]).as_py()
    clock = tmp_path / "clock"
    clock.mkdir()
    (clock / "date").write_text(f'#!/bin/sh\nexec {shutil.which("date")} -d "{newest.isoformat()}" "$@"\n')
    (clock / "date").chmod(0o755)
    done = _run(script, "--root", str(root), "--output", str(tmp_path), env={**os.environ, "PATH": f"{clock}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip().splitlines()[-1])
    coverage = read_bundle(archive).coverage
    assert list(coverage.loc[coverage.source == UNRECOGNISED, "file"]) == []
    expected = EXPECTED[sample]
    result = diagnose(archive)
    listed = result.listed("likely")
    if expected["cause"]:
        assert listed and listed[0].cause == expected["cause"]
        assert listed[0].codes[0] == expected["code"]
    else:
        assert listed == []
    with tarfile.open(archive) as tar:
        everything = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    for secret in expected.get("secrets", []):
        assert secret.encode() not in everything, secret
