"""``diagnose()``: the whole pipeline in one function, and the ``Diagnosis`` it returns.

    bundle -> events (reader) -> evidence (matching) -> findings, codes, checklist (ranking)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .bundle import Limits
from .locales import check_language
from .events import to_frame
from .inference import infer_facts
from .unexplained import unexplained_templates
from .matching import match
from .ranking import (
    CheckResult,
    CodeScore,
    Finding,
    ReportedCode,
    assess_reported_code,
    at_least,
    rank_codes,
    rank_findings,
    walk_checklist,
)
from .reader import files_read, read_bundle
from .report import SCHEMA
from .rules import Knowledge, SignatureSet, load_knowledge, load_signatures

__all__ = ["Diagnosis", "diagnose", "SCHEMA"]



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
    knowledge: Knowledge | None = field(default=None, repr=False, compare=False)
    #: error/warning templates no evidence explains (``unexplained.UNEXPLAINED_SCHEMA``), best
    #: first; shown in reports when no finding reaches ``likely``
    unexplained: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def reported_code(self) -> str | None:
        return self.reported.code if self.reported else None

    @property
    def verdict(self) -> str:
        """``failure`` (a finding at ``possible`` or above), ``healthy`` (signs of success near
        the end of the logs) or ``inconclusive`` (nothing relevant could be read or decided)."""
        from .verdict import judge

        return judge(self).word

    @property
    def verdict_reason(self) -> str:
        """One sentence on why the verdict is what it is (in the diagnosis' language)."""
        from .report import verdict_sentence

        return verdict_sentence(self)

    def listed(self, minimum: str = "possible") -> list[Finding]:
        """Findings at or above a confidence word (``possible`` by default)."""
        return [f for f in self.findings if at_least(f.confidence, minimum)]

    def to_dict(self, minimum: str = "possible") -> dict:
        from .report import diagnosis_to_dict

        return diagnosis_to_dict(self, minimum)

    def to_json(self, indent: int | None = 2, minimum: str = "possible") -> str:
        return json.dumps(self.to_dict(minimum), indent=indent, ensure_ascii=False)

    def to_text(self, minimum: str = "possible", **options) -> str:
        """Terminal text; ``color=True`` for ANSI colour, ``explain=True`` for the full score."""
        from .report import render

        return render(self, "text", minimum, **options)

    def to_markdown(self, minimum: str = "possible", **options) -> str:
        from .report import render

        return render(self, "markdown", minimum, **options)

    def to_html(self, minimum: str = "possible", **options) -> str:
        """One self-contained HTML page (``fragment=True``: a ``<div>`` for a notebook)."""
        from .report import render

        return render(self, "html", minimum, **options)

    def _repr_html_(self) -> str:
        return self.to_html(fragment=True)

    def timeline(self, **options):
        """A figure of the merged timeline: errors and warnings per source over time, the
        backup attempts and the findings marked (needs the ``[notebook]`` extra)."""
        from .timeline import plot_timeline

        return plot_timeline(self, **options)

    def __repr__(self) -> str:
        top = self.findings[0] if self.findings else None
        head = f"{top.cause} ({top.confidence}, {top.score:.2f})" if top else "no finding"
        return f"<Diagnosis of {self.bundle}: {head}; {len(self.events)} events, {len(self.problems)} problems>"


def _latest_backup_attempt(events: pa.Table, backup_extension: str) -> datetime | None:
    """When the backup extension last ran: the latest time of its events, else of any event.

    ``backup_extension`` is the regex of its names (``Knowledge.backup_extension_pattern``).
    """
    if events.num_rows == 0:
        return None
    component = pc.fill_null(pc.cast(events["component"], pa.string()), "")
    file = pc.cast(events["file"], pa.string())
    mask = pc.or_(
        pc.match_substring_regex(component, backup_extension),
        pc.match_substring_regex(file, backup_extension),
    )
    times = events.filter(mask)["time"]
    latest = pc.max(times).as_py() if len(times) else None
    return latest or pc.max(events["time"]).as_py()


#: silence longer than two of the Linux agent's 30-minute heartbeat periods is not "alive"
_ALIVE_SILENT_HOURS = 1.0


def _agent_alive(facts: pa.Table) -> bool | None:
    """Whether the inferred facts show the agent alive near the end of the logs: True when its
    last record is within two heartbeat periods of the bundle's end and nothing says it stalled,
    crash-loops or was stopped; False when they say otherwise; None when no agent record was read."""
    if facts.num_rows == 0:
        return None
    rows = [dict(r) for r in facts["fields"].to_pylist()]
    kinds = {r.get("fact") for r in rows}
    if kinds & {"agent-stalled", "exthandler-relaunch-loop", "agent-disabled-marker"}:
        return False
    if any(r.get("fact") == "agent-service" and r.get("service_state") in ("stopped", "missing") for r in rows):
        return False
    silences = [float(r["silent_hours"]) for r in rows if r.get("fact") == "agent-liveness"]
    if not silences:
        return None
    return max(silences) <= _ALIVE_SILENT_HOURS


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
    include_experimental: bool = False,
) -> Diagnosis:
    """Diagnose the bundle at ``path``.

    ``reported_code`` is the error code the portal showed, if known. ``signatures`` is a loaded
    :class:`SignatureSet` or folders of extra signature files added to the shipped ones;
    ``tuning`` a tuning file (disable ids, change weights). ``tz`` the VM's time zone for
    local-time logs. ``include_experimental`` adds the rules marked ``status = "experimental"``
    (when ``signatures`` is not already a loaded set).
    """
    check_language(lang)  # an unknown language is the caller's mistake, never a silent fallback
    contents = read_bundle(path, tz=tz, limits=limits)
    if isinstance(signatures, SignatureSet):
        knowledge = knowledge or signatures.knowledge
    else:
        knowledge = knowledge or load_knowledge()
        signatures = load_signatures(
            extra_dirs=tuple(signatures or ()), tuning=tuning, knowledge=knowledge, include_experimental=include_experimental
        )
    reported_code = reported_code or contents.reported_code

    attempt = _latest_backup_attempt(contents.event_table, knowledge.backup_extension_pattern)
    facts = infer_facts(
        contents.event_table, attempt, files=contents.coverage["file"].astype(str).tolist(), knowledge=knowledge
    )
    events = pa.concat_tables([contents.event_table, facts]) if facts.num_rows else contents.event_table
    evidence = match(events, signatures)

    os_family = knowledge.os_family(contents.coverage["source"].astype(str))
    reported_entry = knowledge.code(reported_code) if reported_code else None
    findings = rank_findings(
        evidence,
        knowledge.causes,
        attempt=attempt,
        os_family=os_family,
        lang=lang,
        reported_causes=reported_entry.causes if reported_entry else (),
    )
    codes = rank_codes(findings, knowledge, lang, reported=reported_code)
    reported = (
        assess_reported_code(reported_code, findings, knowledge, os_family=os_family, lang=lang)
        if reported_code
        else None
    )
    checklist = walk_checklist(
        knowledge.checklist,
        findings,
        knowledge.inputs_per_step(files_read(contents.coverage)),
        lang,
        agent_alive=_agent_alive(facts),
    )
    unexplained = unexplained_templates(
        contents.event_table, pa.Table.from_pandas(evidence[["file", "line"]].astype(str).assign(line=lambda f: f["line"]), preserve_index=False) if not evidence.empty else None, attempt
    )
    return Diagnosis(
        unexplained=unexplained.to_pandas(types_mapper=pd.ArrowDtype),
        bundle=os.fspath(path),
        findings=findings,
        codes=codes,
        checklist=checklist,
        events=to_frame(events) if facts.num_rows else contents.events,
        evidence=evidence,
        problems=contents.problems,
        coverage=contents.coverage,
        reported=reported,
        lang=lang,
        attempt=attempt,
        os_family=os_family,
        knowledge=knowledge,
    )
