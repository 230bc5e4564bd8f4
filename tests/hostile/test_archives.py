"""Hostile archives: links, devices and FIFOs in tars, bombs in tar.gz, a zip whose central
directory lies, a random or truncated ``.zip``, an empty folder. Each costs at most its own
member, which is named in ``problems``; the real failure beside it is still found.

Bounds: every case here finishes in under :data:`hostile_kit.SECONDS_BOUND` seconds with the
CLI's peak RSS under :data:`hostile_kit.PEAK_MB_BOUND` MiB.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import tarfile
import zipfile

import pytest
from hostile_kit import (
    REAL_FAILURE,
    REAL_LOG,
    assert_clean_run,
    kinds_of,
    real_failure_found,
    run_cli,
    tar_entry,
)

from loganalyzer import Limits, diagnose, read_bundle

MiB = 1024 * 1024
EXTENSION_LOG = b"2024-05-30 13:15:45.412117 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]starting enable\n"


def json_problems(run) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for problem in json.loads(run.stdout)["problems"]:
        found.setdefault(problem["file"], set()).add(problem["kind"])
    return found


def linked_tar(path) -> None:
    """The finding of the issue: ``waagent.log``, ``current.log -> waagent.log``, then more
    members, plus every other kind of entry a tar of a real log folder may hold."""
    with tarfile.open(path, "w") as archive:
        tar_entry(archive, REAL_LOG, REAL_FAILURE.encode())
        tar_entry(archive, "var/log/current.log", kind=tarfile.SYMTYPE, link="waagent.log")
        tar_entry(archive, "var/log/hard.log", kind=tarfile.LNKTYPE, link=REAL_LOG)
        tar_entry(archive, "var/log/loop-a", kind=tarfile.SYMTYPE, link="loop-b")
        tar_entry(archive, "var/log/loop-b", kind=tarfile.SYMTYPE, link="loop-a")
        tar_entry(archive, "var/log/passwd", kind=tarfile.SYMTYPE, link="../../../etc/passwd")
        tar_entry(archive, "var/log/shadow", kind=tarfile.SYMTYPE, link="/etc/shadow")
        tar_entry(archive, "var/log/null", kind=tarfile.CHRTYPE)
        tar_entry(archive, "var/log/disk", kind=tarfile.BLKTYPE)
        tar_entry(archive, "var/log/pipe", kind=tarfile.FIFOTYPE)
        tar_entry(archive, "var/log/forward.log", kind=tarfile.SYMTYPE, link="azure/ext/extension.log")
        tar_entry(archive, "var/log/azure/ext/extension.log", EXTENSION_LOG)


EXPECTED_LINK_KINDS = {
    "loop-a": "link-loop",
    "loop-b": "link-loop",
    "passwd": "link-outside",
    "shadow": "link-outside",
    "null": "unreadable",
    "disk": "unreadable",
    "pipe": "unreadable",
}


def test_links_in_a_tar_drop_no_member_and_are_read_as_their_target(tmp_path):
    bundle = tmp_path / "logs.tar"
    linked_tar(bundle)
    contents = read_bundle(bundle)
    read = set(contents.coverage.file)
    # every member after the first link is still read; links inside the bundle as their target
    assert {f"logs.tar/{name}" for name in (REAL_LOG, "var/log/current.log", "var/log/hard.log",
                                             "var/log/forward.log", "var/log/azure/ext/extension.log")} <= read
    lines = contents.coverage.set_index("file")["lines"]
    assert lines["logs.tar/var/log/current.log"] == lines[f"logs.tar/{REAL_LOG}"] == 3
    for name, kind in EXPECTED_LINK_KINDS.items():
        assert kinds_of(contents.problems, f"var/log/{name}") == {kind}, name
    assert real_failure_found(diagnose(bundle))
    run = run_cli("diagnose", str(bundle), "--format", "json")
    assert_clean_run(run)
    problems = json_problems(run)
    for name, kind in EXPECTED_LINK_KINDS.items():
        assert problems[f"logs.tar/var/log/{name}"] == {kind}


def test_a_link_chain_to_a_member_is_followed_once(tmp_path):
    bundle = tmp_path / "chain.tar"
    with tarfile.open(bundle, "w") as archive:
        tar_entry(archive, "var/log/c", kind=tarfile.SYMTYPE, link="b")
        tar_entry(archive, "var/log/b", kind=tarfile.SYMTYPE, link="waagent.log")
        tar_entry(archive, REAL_LOG, REAL_FAILURE.encode())
        tar_entry(archive, "var/log/gone", kind=tarfile.SYMTYPE, link="missing.log")
    contents = read_bundle(bundle)
    assert {"chain.tar/var/log/c", "chain.tar/var/log/b"} <= set(contents.coverage.file)
    assert kinds_of(contents.problems, "var/log/gone") == {"unreadable"}
    assert "missing.log" in contents.problems.message.iloc[0]


def test_a_bomb_inside_a_tar_gz_is_caught_by_ratio_and_the_rest_read(tmp_path):
    bundle = tmp_path / "rotated.tar.gz"
    with tarfile.open(bundle, "w:gz") as archive:
        tar_entry(archive, "var/log/waagent.log.1", b"\0" * (64 * MiB))
        tar_entry(archive, REAL_LOG, REAL_FAILURE.encode())
    assert os.path.getsize(bundle) < MiB
    contents = read_bundle(bundle)
    assert kinds_of(contents.problems, "waagent.log.1") == {"bomb"}
    assert f"rotated.tar.gz/{REAL_LOG}" in set(contents.coverage.file)
    run = run_cli("diagnose", str(bundle), "--format", "json")
    assert_clean_run(run)
    assert json_problems(run)["rotated.tar.gz/var/log/waagent.log.1"] == {"bomb"}
    assert any(f["cause"] == "wireserver-unreachable" for f in json.loads(run.stdout)["findings"])


def lying_zip(path) -> None:
    """A zip whose central directory claims the bomb member's compressed size runs to the end
    of the archive (a stored padding member follows), so its claimed ratio looks harmless."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(REAL_LOG, REAL_FAILURE)
        archive.writestr("var/log/big.log", b"\0" * (100 * MiB))
        archive.writestr("padding.bin", os.urandom(3 * MiB), compress_type=zipfile.ZIP_STORED)
    data = bytearray(buffer.getvalue())
    entry = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)  # the central entry of big.log
    offset = struct.unpack("<I", data[entry + 42 : entry + 46])[0]
    data[entry + 20 : entry + 24] = struct.pack("<I", len(data) - offset - 200)
    path.write_bytes(bytes(data))


def test_a_zip_whose_directory_lies_about_sizes_is_a_bomb(tmp_path):
    bundle = tmp_path / "lying.zip"
    lying_zip(bundle)
    contents = read_bundle(bundle, limits=Limits(max_member_bytes=8 * MiB))
    assert kinds_of(contents.problems, "big.log") == {"bomb"}
    assert real_failure_found(diagnose(bundle))
    run = run_cli("diagnose", str(bundle), "--format", "json")
    assert_clean_run(run)
    assert json_problems(run)["lying.zip/var/log/big.log"] == {"bomb"}


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(REAL_LOG, REAL_FAILURE * 200)
        archive.writestr("var/log/azure/x/extension.log", os.urandom(200_000))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("random.zip", os.urandom(20_000), "not-recognised"),
        ("truncated.zip", a_zip()[:60_000], "truncated"),
        ("random.tar.gz", os.urandom(20_000), "not-recognised"),
        ("cut.gz", gzip.compress(REAL_FAILURE.encode() * 500)[:300], "truncated"),
    ],
)
def test_unreadable_bundle_files_are_named_problems(tmp_path, name, content, kind):
    bundle = tmp_path / name
    bundle.write_bytes(content)
    contents = read_bundle(bundle)
    assert kind in kinds_of(contents.problems, name)
    run = run_cli("diagnose", str(bundle), "--format", "json")
    assert_clean_run(run)
    assert kind in json_problems(run)[name]


def test_an_empty_folder_is_a_named_problem(tmp_path):
    (tmp_path / "empty").mkdir()
    contents = read_bundle(tmp_path / "empty")
    assert list(contents.problems.kind) == ["not-recognised"]
    run = run_cli("diagnose", str(tmp_path / "empty"), "--format", "json")
    assert_clean_run(run)
    assert json_problems(run) == {"empty": {"not-recognised"}}
