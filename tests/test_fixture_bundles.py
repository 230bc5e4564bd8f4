"""The real fixtures of ../shared as whole bundles through read_bundle: Linux files laid out at
their VM paths (several bundles, since some fixtures share a path), the Windows event logs as a
folder of exports. No crash, no parser error, no unparsed line in a well-formed file, and the
malformed ones named as problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import loganalyzer

from test_linux_fixtures import MALFORMED, PLACEMENT


def _linux_bundles(fixtures: Path, into: Path) -> list[tuple[Path, dict[str, str]]]:
    """Spread the fixtures over as few bundles as their VM paths allow."""
    bundles: list[dict[str, str]] = []
    for fixture, (vm_path, _) in PLACEMENT.items():
        home = next((b for b in bundles if vm_path not in b), None)
        if home is None:
            home = {}
            bundles.append(home)
        home[vm_path] = fixture
    made = []
    for number, layout in enumerate(bundles):
        root = into / f"vm{number}"
        for vm_path, fixture in layout.items():
            target = root / vm_path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fixtures / fixture, target)
        made.append((root, {v: f for v, f in layout.items()}))
    return made


def test_linux_fixtures_as_bundles(shared, tmp_path):
    fixtures = shared / "fixtures" / "linux"
    for root, layout in _linux_bundles(fixtures, tmp_path):
        contents = loganalyzer.read_bundle(root)
        assert not (contents.problems["kind"] == "parser-error").any(), contents.problems.to_string()
        coverage = contents.coverage.set_index(contents.coverage["file"].astype(str))
        assert (coverage["source"] != "unrecognised").all(), coverage.to_string()
        for vm_path, fixture in layout.items():
            row = coverage.loc[vm_path]
            if fixture in MALFORMED:
                assert vm_path in set(contents.problems["file"].astype(str))
            else:
                assert row["unparsed"] == 0, (fixture, row.to_dict())
                assert row["events"] > 0


def test_windows_fixtures_as_a_folder_of_exports(shared):
    contents = loganalyzer.read_bundle(shared / "fixtures" / "windows")
    evtx = contents.coverage[contents.coverage["file"].astype(str).str.endswith(".evtx")]
    assert len(evtx) == 16 and (evtx["source"] == "windows.event").all()
    assert int(evtx["events"].sum()) == 2216 + 1881 + 1160 + 335 + 1601 + 3 + 733 + 6 + 4 + 17 + 270 + 358 + 1774 + 1 + 7 + 5
    damaged = contents.problems[contents.problems["kind"] == "damaged"]
    assert set(damaged["file"].astype(str).str.rsplit("/", n=1).str[-1]) == {
        "sample-with-zero-data-size-event.evtx",
        "sample_with_a_bad_chunk_magic.evtx",
        "sysmon.evtx",
        "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
    }
    assert not (contents.problems["kind"] == "parser-error").any()
