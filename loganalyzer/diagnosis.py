"""``diagnose()``: the whole pipeline in one function, and the ``Diagnosis`` it returns.

    bundle -> events (reader) -> evidence (matching) -> findings, codes, checklist (ranking)
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .bundle import Limits
from .matching import match
from .ranking import (
    CheckResult,
    CodeScore,
    Finding,
    ReportedCode,
    assess_reported_code,
    rank_codes,
    rank_findings,
    walk_checklist,
)
from .reader import read_bundle
from .signatures import Knowledge, SignatureSet, load_knowledge, load_signatures

__all__ = ["Diagnosis", "diagnose", "SCHEMA"]

SCHEMA = "loganalyzer.diagnosis/1"
_BACKUP_EXTENSION = r"(?i)VMSnapshot|IaaSBcdr|RecoveryServices"


@dataclass
class Diagnosis:
    """Why the backup failed: ranked findings with evidence, codes, checklist, and what was read.

    ``findings`` and ``codes`` are lists of small objects; ``events``, ``evidence``,
    ``problems`` and ``coverage`` are pandas DataFrames (Arrow-backed). Render with
    :meth:`to_text`, :meth:`to_markdown`, :meth:`to_json`, :meth:`to_html` (also what Jupyter
    shows).
    """

    bundle: str
    findings: list[Finding]
    codes: list[CodeScore]
    checklist: list[CheckResult]
    events: pd.DataFrame
    evidence: pd.DataFrame
    problems: pd.DataFrame
    coverage: pd.DataFrame
    reported: ReportedCode | None = None
    lang: str = "en"
    attempt: datetime | None = None
    os_family: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def reported_code(self) -> str | None:
        return self.reported.code if self.reported else None

    def listed(self, minimum: str = "possible") -> list[Finding]:
        """Findings at or above a confidence word (``possible`` by default)."""
        order = ["certain", "likely", "possible", "unlikely"]
        return [f for f in self.findings if order.index(f.confidence) <= order.index(minimum)]

    def to_dict(self, minimum: str = "possible") -> dict:
        from .report import diagnosis_to_dict

        return diagnosis_to_dict(self, minimum)

    def to_json(self, indent: int | None = 2, minimum: str = "possible") -> str:
        return json.dumps(self.to_dict(minimum), indent=indent, ensure_ascii=False)

    def to_text(self, minimum: str = "possible") -> str:
        from .report import render_text

        return render_text(self.to_dict(minimum), self.lang)

    def to_markdown(self, minimum: str = "possible") -> str:
        from .report import render_markdown

        return render_markdown(self.to_dict(minimum), self.lang)

    def to_html(self, minimum: str = "possible") -> str:
        from .report import render_html

        return render_html(self.to_dict(minimum), self.lang)

    def _repr_html_(self) -> str:
        return self.to_html()

    def timeline(self, **options):
        """A figure of the merged timeline: errors and warnings per source over time, the
        backup attempts and the findings marked (needs the ``[notebook]`` extra)."""
        from .timeline import plot_timeline

        return plot_timeline(self, **options)

    def __repr__(self) -> str:
        top = self.findings[0] if self.findings else None
        head = f"{top.cause} ({top.confidence}, {top.score:.2f})" if top else "no finding"
        return f"<Diagnosis of {self.bundle}: {head}; {len(self.events)} events, {len(self.problems)} problems>"


def _os_family(sources: Iterable[str]) -> str | None:
    sources = set(sources)
    linux = any(s.startswith(("waagent", "extension")) for s in sources)
    windows = any(s.startswith("windows") for s in sources)
    if linux and not windows:
        return "linux"
    if windows and not linux:
        return "windows"
    return None


def _latest_backup_attempt(events: pa.Table) -> datetime | None:
    """When the backup extension last ran: the latest time of its events, else of any event."""
    if events.num_rows == 0:
        return None
    component = pc.fill_null(pc.cast(events["component"], pa.string()), "")
    file = pc.cast(events["file"], pa.string())
    mask = pc.or_(
        pc.match_substring_regex(component, _BACKUP_EXTENSION),
        pc.match_substring_regex(file, _BACKUP_EXTENSION),
    )
    times = events.filter(mask)["time"]
    latest = pc.max(times).as_py() if len(times) else None
    return latest or pc.max(events["time"]).as_py()


def _inputs_per_step(coverage: pd.DataFrame, events: pa.Table) -> dict[int, list[str]]:
    """Which files let each checklist step be evaluated (see ``walk_checklist``)."""
    read = coverage[coverage["events"] > 0]
    files = read["file"].astype(str).tolist()
    sources = dict(zip(files, read["source"].astype(str)))
    agent = [f for f in files if sources[f] in ("waagent.log", "waagent.syslog", "waagent.conf") or "WaAppAgent" in f]
    extensions = [f for f in files if sources[f] in ("waagent.state",) or (sources[f] == "windows.agent" and "Status" in f)]
    backup = [f for f in files if re.search(_BACKUP_EXTENSION, f)]
    vm = [f for f in files if sources[f] == "azure.vm"]
    return {1: vm, 2: agent, 3: extensions, 4: backup}


def diagnose(
    path: str | os.PathLike[str],
    *,
    reported_code: str | None = None,
    lang: str = "en",
    signatures: SignatureSet | Iterable[str | os.PathLike[str]] | None = None,
    tuning: str | os.PathLike[str] | None = None,
    tz: tzinfo | str | None = None,
    limits: Limits | None = None,
    knowledge: Knowledge | None = None,
) -> Diagnosis:
    """Diagnose the bundle at ``path``.

    ``reported_code`` is the error code the portal showed, if known. ``signatures`` is a loaded
    :class:`SignatureSet` or folders of extra signature files added to the shipped ones;
    ``tuning`` a tuning file (disable ids, change weights). ``tz`` the VM's time zone for
    local-time logs.
    """
    contents = read_bundle(path, tz=tz, limits=limits)
    if isinstance(signatures, SignatureSet):
        knowledge = knowledge or signatures.knowledge
    else:
        knowledge = knowledge or load_knowledge()
        signatures = load_signatures(extra_dirs=tuple(signatures or ()), tuning=tuning, knowledge=knowledge)
    reported_code = reported_code or contents.reported_code

    evidence = match(contents.event_table, signatures)

    os_family = _os_family(contents.coverage["source"].astype(str))
    attempt = _latest_backup_attempt(contents.event_table)
    reported_entry = knowledge.code(reported_code) if reported_code else None
    findings = rank_findings(
        evidence,
        knowledge.causes,
        attempt=attempt,
        os_family=os_family,
        lang=lang,
        reported_causes=reported_entry.causes if reported_entry else (),
    )
    codes = rank_codes(findings, knowledge, lang)
    reported = (
        assess_reported_code(reported_code, findings, knowledge, os_family=os_family, lang=lang)
        if reported_code
        else None
    )
    checklist = walk_checklist(knowledge.checklist, findings, _inputs_per_step(contents.coverage, contents.event_table), lang)
    return Diagnosis(
        bundle=os.fspath(path),
        findings=findings,
        codes=codes,
        checklist=checklist,
        events=contents.events,
        evidence=evidence,
        problems=contents.problems,
        coverage=contents.coverage,
        reported=reported,
        lang=lang,
        attempt=attempt,
        os_family=os_family,
    )
