"""The bundle reader: safe by construction, and nothing lost around a bad member."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer import Limits, read_bundle
from loganalyzer.bundle import Member, iter_members, normalise_member_name, vm_path
from loganalyzer.events import Problem

ERA_D = (
    "2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler Starting the goal state\n"
    "2024-05-30T13:15:46.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state\n"
)


def members(path, limits=None):
    found = list(iter_members(path, limits))
    return [m for m in found if isinstance(m, Member)], [p for p in found if isinstance(p, Problem)]


def zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_slip_member_is_refused_and_the_rest_read(tmp_path):
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(zip_bytes({"../../../etc/passwd": b"root:x", "var/log/waagent.log": ERA_D.encode()}))
    found, problems = members(bundle)
    assert [m.path for m in found] == ["var/log/waagent.log"]
    assert [(p.kind, "climbs out" in p.message) for p in problems] == [("unsafe-path", True)]


def test_inner_dotdot_that_stays_inside_is_normalised():
    assert normalise_member_name("a/b/../var/log/waagent.log") == ("a/var/log/waagent.log", None)
    assert normalise_member_name("..\\..\\x")[0] is None
    assert normalise_member_name("C:\\WindowsAzure\\Logs\\WaAppAgent.log")[0] == "WindowsAzure/Logs/WaAppAgent.log"


def test_absolute_member_path_reads_as_bundle_relative(tmp_path):
    bundle = tmp_path / "b.tar"
    with tarfile.open(bundle, "w") as archive:
        info = tarfile.TarInfo("/var/log/waagent.log")
        data = ERA_D.encode()
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    found, problems = members(bundle)
    assert [m.path for m in found] == ["var/log/waagent.log"]
    assert problems[0].kind == "unsafe-path" and "bundle-relative" in problems[0].message


def test_link_out_of_a_folder_bundle_is_not_followed(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("do not read me")
    root = tmp_path / "bundle"
    (root / "var/log").mkdir(parents=True)
    (root / "var/log/waagent.log").write_text(ERA_D)
    os.symlink(secret, root / "var/log/escape.log")
    os.symlink(tmp_path, root / "var/dir-escape")
    found, problems = members(root)
    assert [m.path for m in found] == ["var/log/waagent.log"]
    assert sorted(p.kind for p in problems) == ["link-outside", "link-outside"]
    assert all(b"do not read me" not in m.data for m in found)


def test_link_inside_a_folder_bundle_is_read(tmp_path):
    root = tmp_path / "bundle"
    (root / "var/log").mkdir(parents=True)
    (root / "var/log/waagent.log").write_text(ERA_D)
    os.symlink("waagent.log", root / "var/log/waagent.log.link")
    found, problems = members(root)
    assert len(found) == 2 and not problems


def test_link_loop_is_a_problem(tmp_path):
    root = tmp_path / "bundle"
    root.mkdir()
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    (root / "waagent.log").write_text(ERA_D)
    found, problems = members(root)
    assert [m.path for m in found] == ["waagent.log"]
    assert {p.kind for p in problems} == {"link-loop"}


def test_tar_symlink_out_of_the_archive_is_not_followed(tmp_path):
    bundle = tmp_path / "b.tar.gz"
    with tarfile.open(bundle, "w:gz") as archive:
        for name, target in (("var/log/evil.log", "/etc/shadow"), ("var/log/up.log", "../../../../etc/shadow")):
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
        info = tarfile.TarInfo("var/log/waagent.log")
        info.size = len(ERA_D)
        archive.addfile(info, io.BytesIO(ERA_D.encode()))
    found, problems = members(bundle)
    assert [m.path for m in found] == ["var/log/waagent.log"]
    assert [p.kind for p in problems] == ["link-outside", "link-outside"]


def test_decompression_bomb_is_refused_and_neighbours_read(tmp_path):
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(zip_bytes({"var/log/huge.log": b"\0" * (40 * 1024 * 1024), "var/log/waagent.log": ERA_D.encode()}))
    found, problems = members(bundle)
    assert [m.path for m in found] == ["var/log/waagent.log"]
    assert [p.kind for p in problems] == ["bomb"]


def test_gzip_bomb_inside_a_folder(tmp_path):
    (tmp_path / "waagent.log.1.gz").write_bytes(gzip.compress(b"\0" * (30 * 1024 * 1024)))
    found, problems = members(tmp_path)
    assert found == [] and [p.kind for p in problems] == ["bomb"]


def test_member_and_total_bounds_are_configurable(tmp_path):
    (tmp_path / "a.log").write_bytes(b"x\n" * 5000)
    (tmp_path / "b.log").write_bytes(b"y\n" * 5000)
    found, problems = members(tmp_path, Limits(max_member_bytes=1000))
    assert [len(m.data) for m in found] == [1000, 1000] and all(m.truncated for m in found)
    assert [p.kind for p in problems] == ["oversized", "oversized"]
    found, problems = members(tmp_path, Limits(max_total_bytes=12000))
    assert sum(len(m.data) for m in found) == 12000
    assert any("total" in p.message for p in problems)


def test_truncated_gzip_keeps_every_line_it_could_decode(tmp_path):
    text = "".join(f"2024-05-30T13:15:{i % 60:02d}.000000Z INFO ExtHandler ExtHandler record {i:06d} {os.urandom(6).hex()}\n" for i in range(4000))
    packed = gzip.compress(text.encode())
    (tmp_path / "waagent.log.1.gz").write_bytes(packed[: len(packed) // 2])
    found, problems = members(tmp_path)
    assert [p.kind for p in problems] == ["truncated"]
    (member,) = found
    assert member.path == "waagent.log.1" and member.truncated
    assert 1000 < member.data.count(b"\n") < 4000
    assert text.encode().startswith(member.data)


def test_concatenated_gzip_members_are_all_read(tmp_path):
    (tmp_path / "x.log.gz").write_bytes(gzip.compress(b"a\n") + gzip.compress(b"b\n"))
    found, problems = members(tmp_path)
    assert found[0].data == b"a\nb\n" and not problems


def test_nested_collector_zip_with_history_zip_and_truncated_files(tmp_path):
    history = zip_bytes({"GoalState.xml": b"<GoalState/>", "waagent_status.json": b"{}"})
    logs = zip_bytes(
        {
            "var/log/waagent.log": ERA_D.encode(),
            "var/log/waagent.log.1.gz": gzip.compress(ERA_D.encode()),
            "var/lib/waagent/history/2024-05-30T13-15-40__2.zip": history,
            "truncated_var_log_azure_Microsoft.Azure.RecoveryServices.VMSnapshotLinux_extension.log": b"2024-05-30 13:15:40 [x-1.0]cut",
            "truncated_var_lib_waagent_Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0_status_0.status": b"[]",
        }
    )
    outer = tmp_path / "case-123"
    outer.mkdir()
    (outer / "logs.zip").write_bytes(logs)
    found, problems = members(outer)
    paths = {m.path: m for m in found}
    assert set(paths) == {
        "var/log/waagent.log",
        "var/log/waagent.log.1",
        "var/lib/waagent/history/2024-05-30T13-15-40__2/GoalState.xml",
        "var/lib/waagent/history/2024-05-30T13-15-40__2/waagent_status.json",
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0/status/0.status",
    }
    assert paths["var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log"].truncated
    assert paths["var/lib/waagent/history/2024-05-30T13-15-40__2/GoalState.xml"].file == (
        "logs.zip/var/lib/waagent/history/2024-05-30T13-15-40__2.zip/GoalState.xml"
    )
    assert not problems


def test_nesting_depth_is_bounded(tmp_path):
    data = ERA_D.encode()
    for level in range(8):
        data = zip_bytes({f"level{level}.zip" if level else "waagent.log": data})
    (tmp_path / "deep.zip").write_bytes(data)
    found, problems = members(tmp_path / "deep.zip", Limits(max_depth=3))
    assert found == [] and problems[0].kind == "oversized"


@pytest.mark.parametrize(
    "member, expected",
    [
        ("var/log/waagent.log", "var/log/waagent.log"),
        ("myvm/var/log/waagent.log", "var/log/waagent.log"),
        ("cases/123/myvm/rootfs/var/lib/waagent/GoalState.1.xml", "var/lib/waagent/GoalState.1.xml"),
        ("vm/etc/waagent.conf", "etc/waagent.conf"),
        ("C/WindowsAzure/Logs/WaAppAgent.log", "WindowsAzure/Logs/WaAppAgent.log"),
        ("exports/Application.evtx", "exports/Application.evtx"),
    ],
)
def test_vm_root_is_found_at_any_depth(member, expected):
    assert vm_path(member) == (expected, False)


def test_single_files_and_single_gz(tmp_path):
    log = tmp_path / "my-renamed-agent-log.txt"
    log.write_text(ERA_D)
    assert [m.path for m in members(log)[0]] == ["my-renamed-agent-log.txt"]
    packed = tmp_path / "waagent.log-2024-05-30-1717070400.gz"
    packed.write_bytes(gzip.compress(ERA_D.encode()))
    assert [m.path for m in members(packed)[0]] == ["waagent.log-2024-05-30-1717070400"]


def test_missing_path_raises_for_the_caller_to_report(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(iter_members(tmp_path / "nope.zip"))


def test_corrupt_archive_is_a_problem_not_an_exception(tmp_path):
    bundle = tmp_path / "broken.zip"
    bundle.write_bytes(zip_bytes({"var/log/waagent.log": ERA_D.encode()})[:40])
    contents = read_bundle(bundle)
    assert contents.events.empty
    assert list(contents.problems["kind"]) in (["unreadable"], ["truncated"])


@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_a_bundle_never_raise(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    for name in ("bundle.zip", "bundle.tar.gz", "waagent.log"):
        path = folder / name
        path.write_bytes(data)
        contents = read_bundle(path)
        assert set(contents.problems.columns) == {"file", "kind", "message"}


@given(st.binary(min_size=30, max_size=3000), st.integers(min_value=10, max_value=200))
def test_truncated_archives_never_raise(tmp_path_factory, payload, cut):
    folder = tmp_path_factory.mktemp("cut")
    whole = zip_bytes({"var/log/waagent.log": ERA_D.encode() + payload, "etc/waagent.conf": b"Extensions.Enabled=y\n"})
    (folder / "b.zip").write_bytes(whole[:cut])
    read_bundle(folder / "b.zip")
    tarred = io.BytesIO()
    with tarfile.open(fileobj=tarred, mode="w:gz") as archive:
        info = tarfile.TarInfo("var/log/waagent.log")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    (folder / "b.tgz").write_bytes(tarred.getvalue()[:cut])
    read_bundle(folder / "b.tgz")


def test_read_bundle_tables_have_the_documented_columns(tmp_path):
    (tmp_path / "var/log").mkdir(parents=True)
    (tmp_path / "var/log/unknown.bin").write_bytes(b"\x00\x01\x02" * 100)
    contents = read_bundle(tmp_path)
    assert list(contents.events.columns) == ["file", "line", "time", "source", "level", "component", "message", "fields"]
    assert list(contents.problems.columns) == ["file", "kind", "message"]
    assert list(contents.coverage.columns) == ["file", "source", "lines", "events", "unparsed"]
    assert all(str(dtype).endswith("[pyarrow]") for dtype in contents.coverage.dtypes)
    assert list(contents.coverage["source"]) == ["unrecognised"]


def test_member_count_is_bounded(tmp_path):
    bundle = tmp_path / "many.zip"
    bundle.write_bytes(zip_bytes({f"var/log/{i}.log": b"x\n" for i in range(5)}))
    found, problems = members(bundle, Limits(max_members=2))
    assert len(found) == 2
    assert [p.kind for p in problems] == ["oversized"] and "more than 2 members" in problems[0].message
