"""Renderers: a Diagnosis as the JSON document of ``docs/diagnosis.schema.json``, and that
document as terminal text, Markdown or HTML. Every renderer reads the same dictionary, so the
formats never disagree.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import pandas as pd

from .ranking import CONFIDENCE_LABELS, at_least

if TYPE_CHECKING:
    from .diagnosis import Diagnosis

__all__ = ["diagnosis_to_dict", "render_text", "render_markdown", "render_html"]

_EVIDENCE_SHOWN = 5

_LABELS = {
    "en": {
        "title": "Diagnosis",
        "reported": "Reported code",
        "findings": "Findings",
        "none": "No cause found at 'possible' or above: nothing in these logs explains a backup failure.",
        "evidence": "Evidence",
        "counter": "Counter-evidence",
        "fix": "What to do",
        "docs": "Documentation",
        "codes": "Error codes these findings explain",
        "checklist": "Health checklist",
        "problems": "Problems reading the bundle",
        "coverage": "Coverage",
        "why": "Score",
        "files": "files read",
        "lines": "lines",
        "unparsed": "unparsed",
        "unrecognised": "files not recognised",
        "supported": {"yes": "supported by the logs", "no": "not seen in the logs", "cannot-tell": "guest logs cannot tell"},
    },
    "sv": {
        "title": "Diagnos",
        "reported": "Rapporterad felkod",
        "findings": "Fynd",
        "none": "Ingen orsak hittades på nivån 'möjlig' eller högre: inget i loggarna förklarar ett misslyckat säkerhetskopieringsjobb.",
        "evidence": "Belägg",
        "counter": "Motbelägg",
        "fix": "Åtgärd",
        "docs": "Dokumentation",
        "codes": "Felkoder som fynden förklarar",
        "checklist": "Hälsokontroll",
        "problems": "Problem vid läsning av paketet",
        "coverage": "Täckning",
        "why": "Poäng",
        "files": "filer lästa",
        "lines": "rader",
        "unparsed": "otolkade",
        "unrecognised": "filer som inte kändes igen",
        "supported": {"yes": "stöds av loggarna", "no": "syns inte i loggarna", "cannot-tell": "gästloggarna kan inte avgöra"},
    },
}

_CONFIDENCE_SV = CONFIDENCE_LABELS["sv"]
_STATUS_SV = {"pass": "ok", "warn": "varning", "fail": "fel", "unknown": "okänt"}


def _labels(lang: str) -> dict:
    return _LABELS.get(lang, _LABELS["en"])


def _word(word: str, lang: str, table: dict[str, str]) -> str:
    return table.get(word, word) if lang == "sv" else word


def _evidence_rows(frame: pd.DataFrame, limit: int | None = None) -> list[dict]:
    if frame is None or frame.empty:
        return []
    rows = []
    for row in frame.head(limit).to_dict("records") if limit else frame.to_dict("records"):
        time = row.get("time")
        rows.append(
            {
                "file": str(row.get("file", "")),
                "line": int(row.get("line") or 0),
                "time": None if time is None or pd.isna(time) else pd.Timestamp(time).isoformat(),
                "source": str(row.get("source", "")),
                "signature": str(row.get("signature", "")),
                "excerpt": str(row.get("excerpt", "")),
                "details": "" if row.get("details") is None or (isinstance(row.get("details"), float) and math.isnan(row["details"])) else str(row.get("details")),
                "weight": float(row.get("weight") or 0.0),
            }
        )
    return rows


def diagnosis_to_dict(diagnosis: "Diagnosis", minimum: str = "possible") -> dict:
    findings = diagnosis.listed(minimum)
    reported = diagnosis.reported
    return {
        "schema": "loganalyzer.diagnosis/1",
        "bundle": diagnosis.bundle,
        "reported_code": reported.code if reported else None,
        "reported": None
        if reported is None
        else {
            "code": reported.code,
            "known": reported.known,
            "decided_on": reported.decided_on,
            "note": reported.note,
            "causes": [dict(c) for c in reported.causes],
        },
        "findings": [
            {
                "rank": number,
                "cause": f.cause,
                "title": f.title,
                "score": round(float(f.score), 4),
                "confidence": f.confidence,
                "codes": list(f.codes),
                "evidence": _evidence_rows(f.evidence),
                "counter_evidence": _evidence_rows(f.counter_evidence),
                "explanation": f.explanation,
                "explains": list(getattr(f, "explains", [])),
                "explained_by": getattr(f, "explained_by", None),
                "remediation": list(f.remediation),
                "docs": list(f.docs),
            }
            for number, f in enumerate(findings, 1)
        ],
        "codes": [
            {"code": c.code, "score": round(float(c.score), 4), "causes": list(c.causes), "message": c.message}
            for c in diagnosis.codes
        ],
        "unexplained": unexplained_rows(diagnosis),
        "checklist": [
            {"step": s.step, "title": s.title, "status": s.status, "summary": s.summary, "evidence": _evidence_rows(s.evidence)}
            for s in diagnosis.checklist
        ],
        "problems": [
            {"file": str(p.file), "kind": str(p.kind), "message": str(p.message)} for p in diagnosis.problems.itertuples()
        ],
        "coverage": [
            {
                "file": str(c.file),
                "source": str(c.source),
                "lines": int(c.lines),
                "events": int(c.events),
                "unparsed": int(c.unparsed),
            }
            for c in diagnosis.coverage.itertuples()
        ],
    }


# --- unexplained errors: a self-contained section every renderer appends -------------------------

_UNEXPLAINED_TITLE = {
    "en": "Errors and warnings no finding explains",
    "sv": "Fel och varningar som inget fynd förklarar",
}
_UNEXPLAINED_SHOWN = 8


def unexplained_rows(diagnosis: "Diagnosis") -> list[dict]:
    """The unexplained templates, shown only when no finding reaches ``likely``."""
    frame = getattr(diagnosis, "unexplained", None)
    if frame is None or len(frame) == 0 or any(at_least(f.confidence, "likely") for f in diagnosis.findings):
        return []
    rows = []
    for row in frame.head(_UNEXPLAINED_SHOWN).to_dict("records"):
        rows.append(
            {
                "template": str(row["template"]),
                "level": str(row["level"]),
                "count": int(row["count"]),
                "first": None if pd.isna(row["first"]) else str(row["first"]),
                "last": None if pd.isna(row["last"]) else str(row["last"]),
                "file": str(row["file"]),
                "line": int(row["line"]),
                "example": str(row["example"]),
            }
        )
    return rows


def _unexplained_text(document: dict, lang: str) -> list[str]:
    rows = document.get("unexplained") or []
    if not rows:
        return []
    out = [f"{_UNEXPLAINED_TITLE.get(lang, _UNEXPLAINED_TITLE['en'])}:"]
    for row in rows:
        out.append(f"  {row['level']:<7} x{row['count']:<4} {row['template']}")
        out.append(f"          {row['file']}:{row['line']}  {row['first'] or ''} .. {row['last'] or ''}")
    return out + [""]


def _unexplained_markdown(document: dict, lang: str) -> list[str]:
    rows = document.get("unexplained") or []
    if not rows:
        return []
    out = [f"## {_UNEXPLAINED_TITLE.get(lang, _UNEXPLAINED_TITLE['en'])}", "", "| level | count | template | example at | first | last |", "|---|---|---|---|---|---|"]
    out += [f"| {r['level']} | {r['count']} | {_md(r['template'])} | `{_md(r['file'])}:{r['line']}` | {r['first'] or ''} | {r['last'] or ''} |" for r in rows]
    return out + [""]


def _unexplained_html(document: dict, lang: str) -> list[str]:
    rows = document.get("unexplained") or []
    if not rows:
        return []
    e = html.escape
    out = [f"<h3>{e(_UNEXPLAINED_TITLE.get(lang, _UNEXPLAINED_TITLE['en']))}</h3><table><tr><th>level</th><th>count</th><th>template</th><th>example at</th><th>first</th><th>last</th></tr>"]
    out += [
        f"<tr><td>{e(r['level'])}</td><td>{r['count']}</td><td>{e(r['template'])}</td><td><code>{e(r['file'])}:{r['line']}</code></td><td>{e(r['first'] or '')}</td><td>{e(r['last'] or '')}</td></tr>"
        for r in rows
    ]
    return out + ["</table>"]


def _where(row: dict) -> str:
    time = (row["time"] or "")[:19].replace("T", " ")
    return f"{row['file']}:{row['line']}" + (f"  {time}" if time else "")


def _coverage_line(document: dict, labels: dict) -> str:
    read = [c for c in document["coverage"] if c["source"] != "unrecognised"]
    lines = sum(c["lines"] for c in read)
    unparsed = sum(c["unparsed"] for c in read)
    skipped = len(document["coverage"]) - len(read)
    return f"{len(read)} {labels['files']}, {lines} {labels['lines']}, {unparsed} {labels['unparsed']}; {skipped} {labels['unrecognised']}"


def render_text(document: dict, lang: str = "en") -> str:
    labels = _labels(lang)
    out = [f"{labels['title']}: {document['bundle']}", ""]
    reported = document.get("reported")
    if reported:
        out += [f"{labels['reported']}: {reported['code']}", f"  {reported['note']}"]
        for cause in reported["causes"]:
            out.append(f"  - {cause['title']} [{cause['cause']}]: {labels['supported'][cause['supported']]}")
        out.append("")
    if not document["findings"]:
        out += [labels["none"], ""]
    for finding in document["findings"]:
        word = _word(finding["confidence"], lang, _CONFIDENCE_SV)
        out.append(f"{finding['rank']}. {finding['title']}  [{finding['cause']}]  {word} ({finding['score']:.2f})")
        if finding["codes"]:
            out.append(f"   codes: {', '.join(finding['codes'][:3])}")
        out.append(f"   {labels['evidence']}:")
        for row in finding["evidence"][:_EVIDENCE_SHOWN]:
            out.append(f"     {_where(row)}")
            out.append(f"       {row['details'] or row['excerpt']}")
        if len(finding["evidence"]) > _EVIDENCE_SHOWN:
            out.append(f"     ... {len(finding['evidence']) - _EVIDENCE_SHOWN} more")
        for row in finding.get("counter_evidence", [])[:2]:
            out.append(f"   {labels['counter']}: {_where(row)}  {row['details'] or row['excerpt']}")
        out.append(f"   {labels['why']}: {finding['explanation']}")
        out.append(f"   {labels['fix']}:")
        out += [f"     - {step}" for step in finding["remediation"]]
        if finding["docs"]:
            out.append(f"   {labels['docs']}: {finding['docs'][0]}")
        out.append("")
    out += _unexplained_text(document, lang)
    if document["codes"]:
        out.append(f"{labels['codes']}:")
        out += [f"  {c['code']}  {c['score']:.2f}  ({', '.join(c['causes'])})" for c in document["codes"][:5]]
        out.append("")
    out.append(f"{labels['checklist']}:")
    for step in document["checklist"]:
        status = _word(step["status"], lang, _STATUS_SV)
        out.append(f"  {step['step']}. {step['title']:<28} {status.upper():<8} {step['summary']}")
    out.append("")
    if document["problems"]:
        out.append(f"{labels['problems']}:")
        out += [f"  {p['kind']}: {p['file']}: {p['message']}" for p in document["problems"][:20]]
        if len(document["problems"]) > 20:
            out.append(f"  ... {len(document['problems']) - 20} more")
        out.append("")
    out.append(f"{labels['coverage']}: {_coverage_line(document, labels)}")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(document: dict, lang: str = "en") -> str:
    labels = _labels(lang)
    out = [f"# {labels['title']}: `{document['bundle']}`", ""]
    reported = document.get("reported")
    if reported:
        out += [f"**{labels['reported']}:** `{reported['code']}` — {reported['note']}", ""]
        out += [f"- {c['title']} (`{c['cause']}`): {labels['supported'][c['supported']]}" for c in reported["causes"]]
        out.append("")
    out += [f"## {labels['findings']}", ""]
    if not document["findings"]:
        out += [labels["none"], ""]
    for finding in document["findings"]:
        word = _word(finding["confidence"], lang, _CONFIDENCE_SV)
        out += [f"### {finding['rank']}. {finding['title']} — {word} ({finding['score']:.2f})", ""]
        out.append(f"Cause `{finding['cause']}`; codes: {', '.join(f'`{c}`' for c in finding['codes'][:3]) or '-'}")
        out += ["", f"| {labels['evidence']} | time | signature | excerpt |", "|---|---|---|---|"]
        for row in finding["evidence"][:_EVIDENCE_SHOWN]:
            out.append(f"| `{row['file']}:{row['line']}` | {row['time'] or ''} | `{row['signature']}` | {_md(row['details'] or row['excerpt'])} |")
        out += ["", f"*{labels['why']}:* {finding['explanation']}", "", f"**{labels['fix']}:**", ""]
        out += [f"1. {step}" for step in finding["remediation"]]
        out += ["", " ".join(f"[{labels['docs']}]({url})" for url in finding["docs"][:2]), ""]
    out += _unexplained_markdown(document, lang)
    if document["codes"]:
        out += [f"## {labels['codes']}", "", "| code | score | causes |", "|---|---|---|"]
        out += [f"| `{c['code']}` | {c['score']:.2f} | {', '.join(c['causes'])} |" for c in document["codes"]]
        out.append("")
    out += [f"## {labels['checklist']}", "", "| step | | status | |", "|---|---|---|---|"]
    out += [f"| {s['step']} | {s['title']} | **{_word(s['status'], lang, _STATUS_SV)}** | {_md(s['summary'])} |" for s in document["checklist"]]
    out.append("")
    if document["problems"]:
        out += [f"## {labels['problems']}", "", "| file | kind | message |", "|---|---|---|"]
        out += [f"| `{_md(p['file'])}` | {p['kind']} | {_md(p['message'])} |" for p in document["problems"]]
        out.append("")
    out += [f"## {labels['coverage']}", "", _coverage_line(document, labels), ""]
    return "\n".join(out)


_STYLE = """
<style>
.la-diag{font-family:system-ui,sans-serif;font-size:13px;max-width:1100px}
.la-diag h3{margin:.8em 0 .2em}.la-diag table{border-collapse:collapse;margin:.3em 0}
.la-diag td,.la-diag th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
.la-diag code{font-size:12px}.la-certain{color:#b00020}.la-likely{color:#d35400}.la-possible{color:#7f8c8d}
.la-fail{background:#fdecea}.la-warn{background:#fff4e5}.la-pass{background:#edf7ed}.la-unknown{background:#f4f4f4}
</style>
"""


def render_html(document: dict, lang: str = "en") -> str:
    labels = _labels(lang)
    e = html.escape
    out = [_STYLE, '<div class="la-diag">', f"<h2>{e(labels['title'])}: <code>{e(document['bundle'])}</code></h2>"]
    reported = document.get("reported")
    if reported:
        out.append(f"<p><b>{e(labels['reported'])}:</b> <code>{e(reported['code'])}</code> — {e(reported['note'])}</p><ul>")
        out += [f"<li>{e(c['title'])} (<code>{e(c['cause'])}</code>): {e(labels['supported'][c['supported']])}</li>" for c in reported["causes"]]
        out.append("</ul>")
    if not document["findings"]:
        out.append(f"<p>{e(labels['none'])}</p>")
    for finding in document["findings"]:
        word = _word(finding["confidence"], lang, _CONFIDENCE_SV)
        out.append(
            f"<h3>{finding['rank']}. {e(finding['title'])} <span class=\"la-{finding['confidence']}\">{e(word)} ({finding['score']:.2f})</span></h3>"
            f"<div>cause <code>{e(finding['cause'])}</code>; codes: {', '.join(f'<code>{e(c)}</code>' for c in finding['codes'][:3])}</div>"
        )
        out.append(f"<table><tr><th>{e(labels['evidence'])}</th><th>time</th><th>signature</th><th>excerpt</th></tr>")
        for row in finding["evidence"][:_EVIDENCE_SHOWN]:
            out.append(
                f"<tr><td><code>{e(row['file'])}:{row['line']}</code></td><td>{e(row['time'] or '')}</td>"
                f"<td><code>{e(row['signature'])}</code></td><td>{e(row['details'] or row['excerpt'])}</td></tr>"
            )
        out.append("</table>")
        out.append(f"<p><i>{e(labels['why'])}:</i> {e(finding['explanation'])}</p>")
        out.append(f"<b>{e(labels['fix'])}:</b><ol>" + "".join(f"<li>{e(s)}</li>" for s in finding["remediation"]) + "</ol>")
        out.append(" ".join(f'<a href="{e(u)}">{e(labels["docs"])}</a>' for u in finding["docs"][:2]))
    out += _unexplained_html(document, lang)
    if document["codes"]:
        out.append(f"<h3>{e(labels['codes'])}</h3><table><tr><th>code</th><th>score</th><th>causes</th></tr>")
        out += [f"<tr><td><code>{e(c['code'])}</code></td><td>{c['score']:.2f}</td><td>{e(', '.join(c['causes']))}</td></tr>" for c in document["codes"]]
        out.append("</table>")
    out.append(f"<h3>{e(labels['checklist'])}</h3><table>")
    out += [
        f"<tr class=\"la-{s['status']}\"><td>{s['step']}</td><td>{e(s['title'])}</td><td><b>{e(_word(s['status'], lang, _STATUS_SV))}</b></td><td>{e(s['summary'])}</td></tr>"
        for s in document["checklist"]
    ]
    out.append("</table>")
    if document["problems"]:
        out.append(f"<h3>{e(labels['problems'])}</h3><table>")
        out += [f"<tr><td><code>{e(p['file'])}</code></td><td>{e(p['kind'])}</td><td>{e(p['message'])}</td></tr>" for p in document["problems"]]
        out.append("</table>")
    out.append(f"<p><i>{e(labels['coverage'])}:</i> {e(_coverage_line(document, labels))}</p></div>")
    return "\n".join(out)
