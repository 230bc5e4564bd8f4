"""Every Azure JSON export: read the document, mask its secrets, fold its keys, give each record
to the builder of its kind, and add one ``export`` event for the file.

    [{"id": "/subscriptions/.../backupJobs/0b8f2c6e-...", "properties": {"jobType": "AzureIaaSVMJob",
      "operation": "Backup", "status": "Failed", "errorDetails": [{"errorCode": 400089, ...}]}}]

Line accounting: a document that parses is one ``export`` event spanning every line (records
point at their first line, span 0); a broken one is a ``malformed`` problem with every line
unparsed (records before the break are still emitted, span 0).
"""

from __future__ import annotations

import re
from collections import Counter

from ...events import Problem
from .. import ParseContext, ParseResult
from .._kit import mark_unparsed
from .activity import build_activity
from .common import Record, add_record, fold, mask_json, read_lines
from .documents import Document, read_json
from .items import build_items
from .jobs import build_jobs
from .keyvault import build_keyvault
from .kinds import EXPORT_TITLES, SOURCE_OF_KIND, record_kind, summary_suffix
from .locks import build_locks
from .portal import build_operation_errors
from .restore_points import build_restorepoints
from .vm import build_vm

__all__ = ["json_export_reader"]


def json_export_reader(kind_hint: str):
    """The ``read`` of a JSON export parser expecting ``kind_hint`` (the records decide)."""

    def read(data: bytes, context: ParseContext, result: ParseResult) -> None:
        lines = read_lines(data, context, result, whole=True)
        if lines is None:
            return
        text = "\n".join(lines)
        document = read_json(text)
        masked = [(line, fold(mask_json(value)) if value else value) for line, value in document.records]
        kind_of = [record_kind(obj) for _, obj in masked]
        kinds = Counter(k for k in kind_of if k)
        kind = kinds.most_common(1)[0][0] if kinds else kind_hint
        result.source = SOURCE_OF_KIND[kind]
        fmt = _json_format(text, document)
        records = build_records(masked, kind, fmt, kind_of)
        summary = Record(
            line=1,
            message=f"{EXPORT_TITLES[kind]} ({fmt}): {len(masked)} record(s)" + summary_suffix(kind, records),
            fields={"kind": "export", "export": kind, "format": fmt, "count": str(len(masked))},
            component=EXPORT_TITLES[kind],
        )
        if document.broken:
            result.problems.append(
                Problem(
                    context.file,
                    "malformed",
                    f"{EXPORT_TITLES[kind]}: {document.broken}; {len(masked)} record(s) read before the break",
                )
            )
            mark_unparsed(result)
            summary.fields["broken"] = "true"
            for record in [summary, *records]:
                record.span = 0
                add_record(result, record, context)
            return
        summary.span = result.lines
        for record in [summary, *records]:
            add_record(result, record, context)

    read.__name__ = f"read_{kind_hint}_json"
    read.__doc__ = f"Read a JSON export (the {kind_hint} kind expected; the records decide)."
    return read


def _json_format(text: str, document: Document) -> str:
    """az-cli, rest, powershell, jsonl or records, from the document's look."""
    if document.wrapper == "jsonl":
        return "jsonl"
    if document.wrapper == "records":
        return "records"
    raw_keys = re.findall(r'"([A-Za-z][A-Za-z0-9]*)"\s*:', text[:4096])
    if raw_keys and sum(1 for k in raw_keys if k[0].isupper()) > len(raw_keys) * 0.6:
        return "powershell"
    if document.wrapper == "value" or re.search(r'"properties"\s*:\s*\{', text[:20000]) and '"resourceGroup"' not in text[:20000]:
        return "rest"
    return "az-cli"


def build_records(
    records: list[tuple[int, object]], main_kind: str, fmt: str, kind_of: list[str | None] | None = None
) -> list[Record]:
    """Each record to the builder of its own kind (``kind_of``, when known, gives each record's);
    records of no known kind go to the export's main kind (whose builder decides what, if
    anything, they are)."""
    if kind_of is None:
        kind_of = [record_kind(obj) for _, obj in records]
    groups: dict[str, list[tuple[int, object]]] = {}
    for record, kind in zip(records, kind_of):
        groups.setdefault(kind or main_kind, []).append(record)
    built = [record for kind, group in groups.items() for record in _RECORD_BUILDERS[kind](group, fmt)]
    return sorted(built, key=lambda record: record.line)


_RECORD_BUILDERS = {
    "job": build_jobs,
    "portal": build_operation_errors,
    "item": build_items,
    "vm": build_vm,
    "lock": build_locks,
    "restorepoint": build_restorepoints,
    "keyvault": build_keyvault,
    "activity": build_activity,
}

