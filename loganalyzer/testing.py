"""Helpers for people who write signatures: does my rule select this real input?

    from loganalyzer.testing import assert_matches, assert_no_match

    def test_extensions_disabled():
        assert_matches(
            "linux.log.extensions-disabled",
            "2024-05-30T13:15:45.123456Z INFO ExtHandler ExtHandler Extension handling is disabled\\n",
            source="waagent.log",
        )

The raw text is read the way a bundle is read: it is put at ``path`` (by default the usual path
of ``source``), the parser that claims it parses it, local times are resolved, and then only the
named rule is matched. So the test covers the rule and the parser it depends on together.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from .matching import match
from .rules import SignatureSet, load_signatures
from .rules.examples import read_raw

__all__ = ["DEFAULT_PATHS", "assert_matches", "assert_no_match", "evidence_for"]

#: where a file of each source usually sits in a bundle (used when no ``path`` is given)
DEFAULT_PATHS = {
    "waagent.log": "var/log/waagent.log",
    "waagent.syslog": "var/log/syslog",
    "waagent.conf": "etc/waagent.conf",
    "extension.log": "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
    "extension.conf": "etc/azure/vmbackup.conf",
    "windows.agent": "WindowsAzure/Logs/WaAppAgent.log",
    "windows.event": "EventLogs/System.xml",
}


def _signature_set(signatures: SignatureSet | Iterable[str | os.PathLike[str]] | None) -> SignatureSet:
    if isinstance(signatures, SignatureSet):
        return signatures
    return load_signatures(extra_dirs=tuple(signatures or ()), include_experimental=True)


def evidence_for(
    signature_id: str,
    raw: str | bytes,
    *,
    source: str | None = None,
    path: str | None = None,
    signatures: SignatureSet | Iterable[str | os.PathLike[str]] | None = None,
) -> tuple[pd.DataFrame, pa.Table]:
    """The evidence rows ``signature_id`` gives for ``raw`` read at ``path``, and the events read.

    ``signatures`` is a loaded set or folders of extra packs (the shipped packs, experimental rules
    included, are always there). With ``source``, the events read must be of that source.
    """
    if path is None:
        if source not in DEFAULT_PATHS:
            raise ValueError(f"give path= (no usual path known for source {source!r})")
        path = DEFAULT_PATHS[source]
    loaded = _signature_set(signatures)
    signature = loaded[signature_id]
    events = read_raw(path, raw)
    if source is not None:
        read_as = set(events.column("source").to_pylist()) - {"inferred"}
        assert read_as <= {source} and read_as, f"{path}: read as {sorted(read_as) or 'nothing'}, not {source!r}"
    return match(events, [signature]), events


def assert_matches(signature_id: str, raw: str | bytes, *, source: str | None = None, path: str | None = None, signatures=None) -> pd.DataFrame:
    """Fail unless ``signature_id`` selects something in ``raw``; the evidence rows otherwise."""
    evidence, events = evidence_for(signature_id, raw, source=source, path=path, signatures=signatures)
    if evidence.empty:
        read = [e for e in events.to_pylist() if e["source"] != "inferred"]
        shown = [f"{e['source']} {e['level']} {e['message'][:120]!r} {dict(e['fields'] or [])}" for e in read[:5]]
        raise AssertionError(f"{signature_id} selected nothing; the parser read {len(read)} event(s): {shown}")
    return evidence


def assert_no_match(signature_id: str, raw: str | bytes, *, source: str | None = None, path: str | None = None, signatures=None) -> None:
    """Fail when ``signature_id`` selects anything in ``raw``."""
    evidence, _ = evidence_for(signature_id, raw, source=source, path=path, signatures=signatures)
    if not evidence.empty:
        raise AssertionError(f"{signature_id} selected {len(evidence)} row(s): {evidence['excerpt'].tolist()[:3]}")
