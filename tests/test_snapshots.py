"""Behaviour guard: every sample and accuracy bundle reads and diagnoses as its snapshot says.

A failure names the file whose events changed or the part of the diagnosis that moved. When the
change is deliberate, rewrite the snapshot with ``python tests/snapshot.py NAME`` and say why in
the commit.
"""

from __future__ import annotations

import json

import pytest

from snapshot import SNAPSHOTS, bundles, snapshot

BUNDLES = bundles()


def test_every_bundle_has_a_snapshot():
    missing = sorted(name for name in BUNDLES if not (SNAPSHOTS / f"{name}.json").exists())
    stale = sorted(p.stem for p in SNAPSHOTS.glob("*.json") if p.stem not in BUNDLES)
    assert not missing and not stale, f"missing {missing}, stale {stale}: run python tests/snapshot.py"


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_bundle_matches_its_snapshot(name):
    path = SNAPSHOTS / f"{name}.json"
    if not path.exists():
        pytest.fail(f"no snapshot for {name}: run python tests/snapshot.py {name}")
    expected = json.loads(path.read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(snapshot(BUNDLES[name]), ensure_ascii=False, sort_keys=True))
    changed_files = {
        file: (expected["files"].get(file), actual["files"].get(file))
        for file in set(expected["files"]) | set(actual["files"])
        if expected["files"].get(file) != actual["files"].get(file)
    }
    assert not changed_files, f"{name}: files read differently: {changed_files}"
    for key in sorted(set(expected["diagnosis"]) | set(actual["diagnosis"])):
        assert actual["diagnosis"].get(key) == expected["diagnosis"].get(key), f"{name}: diagnosis[{key!r}] changed"
