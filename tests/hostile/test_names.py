"""File names are data, not trust: any byte sequence as a member or file name (not UTF-8,
control characters, a newline, an ANSI escape, a bidirectional override, a very long name, a
SAS in the name) is carried as an escaped display name. One bad name never fails the bundle,
and every output (text, Markdown, JSON, HTML, CSV, JSONL, Parquet) stays valid.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile

import pyarrow.parquet as pq
import pytest
from hostile_kit import (
    REAL_FAILURE,
    REAL_LOG,
    assert_clean_run,
    real_failure_found,
    run_cli,
    tar_entry,
)

from loganalyzer import diagnose, read_bundle
from loganalyzer.bundle import display_name

LINE = "2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler a line in a badly named file\n"
#: names as raw bytes, as a file system or a tar may hold them
BAD_NAMES = {
    "not-utf8": b"var/log/waagent\xff\xfe.log",
    "newline": b"var/log/wa\nagent.log",
    "ansi": b"var/log/\x1b]52;c;ZWNobyBoaQ==\x07\x1b[31mred.log",
    "bidi": "var/log/gol.\u202etxt.log".encode(),
    "long": b"var/log/" + b"w" * 250 + b".log",
    "sas": b"var/log/blob?sv=2020&sig=PLANTEDsigNAME.log",
}


def clean(text: str) -> bool:
    """No raw control character, unpaired surrogate or planted secret in an output."""
    return not any(ord(c) < 32 and c not in "\t\n\r" for c in text) and "PLANTED" not in text and all(
        not 0xD800 <= ord(c) <= 0xDFFF for c in text
    )


def folder_with_bad_names(root) -> None:
    log_dir = os.path.join(os.fsencode(root), b"var", b"log")
    os.makedirs(log_dir)
    for raw in BAD_NAMES.values():
        with open(os.path.join(os.fsencode(root), raw), "wb") as handle:
            handle.write(LINE.encode())
    with open(os.path.join(os.fsencode(root), REAL_LOG.encode()), "wb") as handle:
        handle.write(REAL_FAILURE.encode())


def tar_with_bad_names(path) -> None:
    with tarfile.open(path, "w", encoding="utf-8", errors="surrogateescape") as archive:
        for raw in BAD_NAMES.values():
            tar_entry(archive, raw.decode("utf-8", "surrogateescape"), LINE.encode())
        tar_entry(archive, REAL_LOG, REAL_FAILURE.encode())


@pytest.mark.parametrize("shape", ["folder", "tar"])
def test_bad_names_are_escaped_and_every_output_stays_valid(tmp_path, shape):
    if shape == "folder":
        bundle = tmp_path / "bundle"
        folder_with_bad_names(bundle)
    else:
        bundle = tmp_path / "names.tar"
        tar_with_bad_names(bundle)
    contents = read_bundle(bundle)
    files = list(contents.coverage.file)
    assert len(files) == len(BAD_NAMES) + 1  # every badly named file was read
    assert all(clean(name) for name in files), files
    assert any("\\xff" in name for name in files) and any("\\x0a" in name for name in files)
    assert any("\\x1b" in name for name in files) and any("\\u202e" in name for name in files)
    assert max(map(len, files)) < 300
    diagnosis = diagnose(bundle)
    assert real_failure_found(diagnosis)
    for text in (diagnosis.to_text(), diagnosis.to_markdown(), diagnosis.to_html(), diagnosis.to_json()):
        assert clean(text)
    json.loads(diagnosis.to_json())
    for fmt in ("text", "html", "json"):  # markdown: through the API above
        run = run_cli("diagnose", str(bundle), "--format", fmt)
        assert_clean_run(run)
        assert clean(run.stdout)
    for fmt in ("csv", "jsonl"):
        run = run_cli("events", str(bundle), "--format", fmt)
        assert_clean_run(run)
        assert clean(run.stdout)
    parquet = tmp_path / "events.parquet"
    assert_clean_run(run_cli("events", str(bundle), "--format", "parquet", "-o", str(parquet)))
    stored = set(pq.read_table(parquet).column("file").to_pylist())
    assert stored and stored <= set(files) and all(clean(name) for name in stored)


def test_display_name_escapes_only_what_must_be():
    assert display_name("var/log/waagent.log") == "var/log/waagent.log"
    assert display_name("var/log/journal/é.log") == "var/log/journal/é.log"
    assert display_name("a\udcffb") == "a\\xffb"
    assert display_name("a\nb\x1b[0m") == "a\\x0ab\\x1b[0m"
    assert display_name("x\u2028y") == "x\\u2028y"
    long = display_name("d/" + "y" * 1000)
    assert long.startswith("d/yyy") and len(long) < 220
    assert display_name("d/" + "y" * 1000) == long and display_name("d/" + "y" * 999 + "z") != long
    assert "SECRET" not in display_name("c?sv=1&sig=SECRET")


def zip_with_bad_names(path) -> None:
    """A zip whose names are flagged UTF-8 but hold any bytes (placeholders swapped for them)."""
    placeholders = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, raw in enumerate(BAD_NAMES.values()):
            placeholder = (f"{n}".encode() * len(raw))[: len(raw)]
            placeholders[placeholder] = raw
            archive.writestr(placeholder.decode(), LINE)
        archive.writestr(REAL_LOG, REAL_FAILURE)
    data = buffer.getvalue()
    for placeholder, raw in placeholders.items():
        data = data.replace(placeholder, raw)
    data = bytearray(data)
    entry = data.find(b"PK\x01\x02")
    while entry >= 0:
        data[entry + 9] |= 0x08  # bit 11: names are UTF-8
        entry = data.find(b"PK\x01\x02", entry + 4)
    path.write_bytes(bytes(data))


def test_a_zip_with_a_name_that_is_not_utf8_loses_only_that_name(tmp_path):
    bundle = tmp_path / "names.zip"
    zip_with_bad_names(bundle)
    contents = read_bundle(bundle)
    files = list(contents.coverage.file)
    assert len(files) == len(BAD_NAMES) + 1 and all(clean(name) for name in files), files
    assert any("\\xff" in name for name in files)
    run = run_cli("diagnose", str(bundle), "--format", "json")
    assert_clean_run(run)
    assert clean(run.stdout) and real_failure_found(diagnose(bundle))
