"""Azure-side exports a support engineer adds to a bundle: what the portal, ``az`` and PowerShell
show about the backup jobs, the protected item, the VM, locks, restore points, the key vault and
the activity log. They decide the codes guest logs cannot (restore-point limit, key vault, disk
size, overlapping jobs, compute-provider errors, stopped protection) and give the portal's view
of the agent and the extensions.

Every kind is found by content, whatever the file is called; each module reads one shape:

=====================  =====================================================================
:mod:`.portal`         the job error pane text a person copied; operation results with a code
:mod:`.json_exports`   every JSON export, records given to :mod:`.jobs`, :mod:`.items`,
                       :mod:`.vm`, :mod:`.locks`, :mod:`.restore_points`, :mod:`.keyvault`,
                       :mod:`.activity` by their kind (:mod:`.kinds`, :mod:`.documents`)
:mod:`.tables`         ``az ... -o table`` and PowerShell ``Format-Table`` listings
:mod:`.csv_exports`    the portal's jobs grid, Log Analytics job records, the activity CSV
:mod:`.fields`         the ``fields`` every Azure event may carry, with their meaning
=====================  =====================================================================

Codes are decided by :mod:`.codes` (its tables live in ``knowledge.toml``); a
code the portal showed becomes a :class:`~loganalyzer.sources.ReportedInBundle` of the result.
"""

from __future__ import annotations

from .. import Parser
from .csv_exports import (
    activity_csv_header,
    csv_claim,
    jobs_csv_header,
    read_activity_csv,
    read_jobs_csv,
)
from .fields import EXPORT, FIELDS_OF_SOURCE, PORTAL
from .json_exports import json_export_reader
from .kinds import SOURCE_OF_KIND, json_claim
from .portal import claim_portal_text, read_portal_text
from .tables import table_claim, table_reader

__all__ = ["PARSERS"]


def _parser(name: str, kind: str, claim, read, fields=None) -> Parser:
    source = SOURCE_OF_KIND[kind]
    return Parser(name, source, claim, read=read, fields=fields or FIELDS_OF_SOURCE[source])


def _json_parser(name: str, kind: str) -> Parser:
    return _parser(name, kind, json_claim(kind), json_export_reader(kind))


PARSERS: tuple[Parser, ...] = (
    _parser("portal job error text", "portal", claim_portal_text, read_portal_text, {"kind": EXPORT["kind"], "format": EXPORT["format"], **PORTAL}),
    _json_parser("Azure operation result (JSON)", "portal"),
    _json_parser("backup jobs (JSON)", "job"),
    _parser("backup jobs (table)", "job", table_claim("job"), table_reader("job")),
    _parser("backup jobs (CSV)", "job", csv_claim(jobs_csv_header), read_jobs_csv),
    _json_parser("protected items (JSON)", "item"),
    _parser("protected items (table)", "item", table_claim("item"), table_reader("item")),
    _json_parser("VM view (JSON)", "vm"),
    _json_parser("management locks (JSON)", "lock"),
    _json_parser("restore-point collections (JSON)", "restorepoint"),
    _json_parser("key vault access (JSON)", "keyvault"),
    _json_parser("activity log (JSON)", "activity"),
    _parser("activity log (CSV)", "activity", csv_claim(activity_csv_header), read_activity_csv),
)
