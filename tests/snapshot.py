"""Snapshots that guard behaviour while the code is restructured.

For every sample and accuracy bundle, ``tests/snapshots/<name>.json`` holds what ``read_bundle``
read (per file: source, line accounting and a digest of its events) and what ``diagnose`` said
(findings, scores, codes, checklist). ``tests/test_snapshots.py`` compares against them.

A deliberate change of behaviour rewrites them on purpose, and its commit says why::

    python tests/snapshot.py            # rewrite every snapshot
    python tests/snapshot.py NAME ...   # rewrite some
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = REPO / "tests" / "snapshots"
ROOTS = (REPO / "samples", REPO / "tests" / "bundles")


def bundles() -> dict[str, Path]:
    """Every sample and accuracy bundle by snapshot name."""
    found = {}
    for root in ROOTS:
        prefix = "" if root.name == "samples" else "accuracy-"
        for path in sorted(root.iterdir()):
            if path.is_dir() or path.suffix in (".zip", ".gz", ".tgz", ".tar"):
                found[prefix + path.name] = path
    return found


def _event_digests(table: pa.Table) -> dict[str, tuple[int, str]]:
    """Per file: how many events, and a digest of them in table order."""
    digests: dict[str, hashlib._Hash] = {}
    counts: dict[str, int] = {}
    for row in table.to_pylist():
        if row["source"] == "inferred":
            continue  # facts the engine inferred are not what was read; findings show them
        fields = sorted((k, v) for k, v in (row["fields"] or []))
        time = row["time"].isoformat() if row["time"] else None
        line = json.dumps(
            [row["line"], time, row["source"], row["level"], row["component"], row["message"], fields],
            ensure_ascii=False,
        )
        digests.setdefault(row["file"], hashlib.sha256()).update(line.encode("utf-8") + b"\n")
        counts[row["file"]] = counts.get(row["file"], 0) + 1
    return {file: (counts[file], digest.hexdigest()[:16]) for file, digest in digests.items()}


def snapshot(path: Path) -> dict:
    """What the product reads and says about one bundle, in a stable, comparable form."""
    from loganalyzer.diagnosis import diagnose

    result = diagnose(path)
    contents_events = pa.Table.from_pandas(result.events, preserve_index=False) if len(result.events) else None
    digests = _event_digests(contents_events) if contents_events is not None else {}
    files = {}
    for row in result.coverage.itertuples():
        count, digest = digests.get(str(row.file), (0, ""))
        files[str(row.file)] = {
            "source": str(row.source),
            "lines": int(row.lines),
            "events": int(row.events),
            "unparsed": int(row.unparsed),
            "digest": digest,
        }
    report = result.to_dict()
    report.pop("bundle", None)
    report.pop("coverage", None)
    return {"files": files, "diagnosis": report}


def write(names: list[str]) -> None:
    SNAPSHOTS.mkdir(exist_ok=True)
    known = bundles()
    for name in names or sorted(known):
        data = snapshot(known[name])
        (SNAPSHOTS / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(sys.argv[1:])
