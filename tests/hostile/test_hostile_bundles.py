"""Whole hostile bundles from a grammar: a tar (or tar.gz) whose members are drawn from every
hostile kind at once (bombs, links in and out and in loops, devices and FIFOs, names that are
not UTF-8 or hold control characters, binary under known names, truncated gzip, deep JSON,
huge lines, nested archives, planted secrets) beside a real agent failure.

For every bundle: ``diagnose`` raises nothing, every member is accounted for (read, or named
in ``problems``), the real failure is still found, and no planted secret is in ``to_json()``.
The example count is the profile's (``ci``: 60); bounds are kept small with :class:`Limits`.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import tarfile
import zipfile

from hostile_kit import (
    CARRIERS,
    REAL_CAUSE,
    REAL_FAILURE,
    REAL_LOG,
    SECRET_KINDS,
    leaks,
    tar_entry,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loganalyzer import Limits, diagnose
from loganalyzer.bundle import display_name, normalise_member_name
from loganalyzer.signatures import load_knowledge, load_signatures

KiB, MiB = 1024, 1024 * 1024
LIMITS = Limits(max_member_bytes=2 * MiB, max_text_bytes=8 * MiB)
LOG_LINE = b"2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler a healthy line\n"

#: one tar entry: (name, type, data or None, link target)
Entry = tuple[str, bytes, bytes | None, str]


def _gz_bomb(n: int) -> list[Entry]:
    return [(f"var/log/waagent.log.{n}.gz", tarfile.REGTYPE, gzip.compress(b"\0" * (4 * MiB)), "")]


def _truncated_gz(n: int) -> list[Entry]:
    return [(f"var/log/waagent.log.{n}.gz", tarfile.REGTYPE, gzip.compress(LOG_LINE * 2000)[:500], "")]


def _huge_line(n: int) -> list[Entry]:
    return [(f"var/log/waagent.log.{n}", tarfile.REGTYPE, LOG_LINE[:-1] + b"A" * (3 * MiB) + b"\n" + LOG_LINE, "")]


def _deep_json(n: int) -> list[Entry]:
    return [(f"var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0/status/{n}.status", tarfile.REGTYPE, b"[" * 20_000, "")]


def _binary(n: int) -> list[Entry]:
    return [(f"var/log/messages.{n}" if n else "var/log/messages", tarfile.REGTYPE, bytes(range(256)) * 64, "")]


def _link_inside(n: int) -> list[Entry]:
    return [(f"var/log/current{n}.log", tarfile.SYMTYPE, None, "waagent.log")]


def _link_outside(n: int) -> list[Entry]:
    return [(f"var/log/passwd{n}", tarfile.SYMTYPE, None, "../../../etc/passwd"), (f"var/log/hard{n}", tarfile.LNKTYPE, None, "/etc/shadow")]


def _link_loop(n: int) -> list[Entry]:
    return [(f"var/log/loop{n}a", tarfile.SYMTYPE, None, f"loop{n}b"), (f"var/log/loop{n}b", tarfile.SYMTYPE, None, f"loop{n}a")]


def _special(n: int) -> list[Entry]:
    return [(f"dev/null{n}", tarfile.CHRTYPE, None, ""), (f"run/fifo{n}", tarfile.FIFOTYPE, None, "")]


def _nested_zip(n: int) -> list[Entry]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("var/log/waagent.log", LOG_LINE * 10)
        archive.writestr("var/log/zeros.log", b"\0" * (4 * MiB))
    return [(f"history/{n}.zip", tarfile.REGTYPE, buffer.getvalue(), "")]


KINDS = {
    "gz-bomb": _gz_bomb,
    "truncated-gz": _truncated_gz,
    "huge-line": _huge_line,
    "deep-json": _deep_json,
    "binary": _binary,
    "link-inside": _link_inside,
    "link-outside": _link_outside,
    "link-loop": _link_loop,
    "device-and-fifo": _special,
    "nested-zip": _nested_zip,
}

bad_names = st.binary(min_size=1, max_size=300).map(
    lambda raw: "var/log/" + raw.replace(b"/", b"_").replace(b"\0", b"_").decode("utf-8", "surrogateescape") + ".log"
)
secrets = st.tuples(st.sampled_from(sorted(SECRET_KINDS)), st.sampled_from(sorted(CARRIERS)))


@st.composite
def hostile_entries(draw) -> list[Entry]:
    entries: list[Entry] = [(REAL_LOG, tarfile.REGTYPE, REAL_FAILURE.encode(), "")]
    for n, kind in enumerate(draw(st.lists(st.sampled_from(sorted(KINDS)), max_size=6))):
        entries += KINDS[kind](n + 1)
    for name in draw(st.lists(bad_names, max_size=2)):
        entries.append((name, tarfile.REGTYPE, LOG_LINE, ""))
    for n, (kind, family) in enumerate(draw(st.lists(secrets, max_size=3))):
        path, content = CARRIERS[family](SECRET_KINDS[kind], 100 + n)
        entries.append((path, tarfile.REGTYPE, content.encode(), ""))
    return entries


def write_tar(path, entries: list[Entry], compressed: bool) -> None:
    with tarfile.open(path, "w:gz" if compressed else "w", encoding="utf-8", errors="surrogateescape") as archive:
        for name, kind, data, link in entries:
            tar_entry(archive, name, data, kind, link)


def accounted(shown: str, files: set[str]) -> bool:
    """Read (in the coverage, also once decompressed or opened as an archive) or named in a problem."""
    stripped = shown.removesuffix(".gz")
    return shown in files or stripped in files or any(f.startswith(shown + "/") for f in files)


@functools.lru_cache(maxsize=1)
def _rules():
    knowledge = load_knowledge()
    return load_signatures(knowledge=knowledge), knowledge


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(entries=hostile_entries(), compressed=st.booleans())
def test_a_whole_hostile_bundle_costs_only_its_bad_members(tmp_path_factory, entries, compressed):
    bundle = tmp_path_factory.mktemp("hostile") / ("bundle.tar.gz" if compressed else "bundle.tar")
    write_tar(bundle, entries, compressed)
    signatures, knowledge = _rules()
    diagnosis = diagnose(bundle, signatures=signatures, knowledge=knowledge, limits=LIMITS)
    files = set(diagnosis.coverage.file) | set(diagnosis.problems.file)
    for name, *_ in entries:
        clean, _ = normalise_member_name(name)
        shown = f"{bundle.name}/{display_name(clean) if clean else display_name(name)}"
        assert accounted(shown, files), (shown, sorted(files))
    assert REAL_CAUSE in [f.cause for f in diagnosis.findings]
    document = diagnosis.to_json(minimum="unlikely")
    assert not leaks(document)
    json.loads(document)
