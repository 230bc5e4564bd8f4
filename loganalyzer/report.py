"""Renderers: a Diagnosis as the JSON document of ``docs/diagnosis.schema.json``, and a *view*
of it (that document plus what a reader needs around it: the verdict sentence, hidden causes,
times with their zone, the checklist in few words) as terminal text, Markdown or HTML.

Every renderer reads the same view, so the formats never disagree; every word comes from the
locale tables (:mod:`loganalyzer.locales`); every piece of log text goes through
:mod:`loganalyzer.escaping` for its output.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .escaping import markdown_code, markdown_text, safe_url, terminal
from .locales import Locale, locale
from .ranking import CONFIDENCE_WORDS, at_least
from .report_common import EVIDENCE_SHOWN, score_text
from .verdict import judge

if TYPE_CHECKING:
    from .diagnosis import Diagnosis

__all__ = ["diagnosis_to_dict", "build_view", "render", "render_text", "render_markdown", "verdict_sentence", "score_text"]

SCHEMA = "loganalyzer.diagnosis/2"
_ORDER = CONFIDENCE_WORDS


def _clean(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _evidence_rows(frame: pd.DataFrame | None) -> list[dict]:
    """Evidence rows in a stable order: time (untimed last), then file, then line."""
    if frame is None or frame.empty:
        return []
    rows = []
    for row in frame.to_dict("records"):
        time = row.get("time")
        rows.append(
            {
                "file": str(row.get("file", "")),
                "line": int(row.get("line") or 0),
                "time": None if time is None or pd.isna(time) else pd.Timestamp(time).isoformat(),
                "source": str(row.get("source", "")),
                "signature": str(row.get("signature", "")),
                "excerpt": _clean(row.get("excerpt")),
                "details": _clean(row.get("details")),
                "weight": float(row.get("weight") or 0.0),
            }
        )
    rows.sort(key=lambda r: (r["time"] is None, pd.Timestamp(r["time"]) if r["time"] else 0, r["file"], r["line"], r["signature"]))
    return rows


def diagnosis_to_dict(diagnosis: "Diagnosis", minimum: str = "possible") -> dict:
    """The JSON document (schema ``loganalyzer.diagnosis/2``)."""
    words = locale(diagnosis.lang)
    findings = diagnosis.listed(minimum)
    reported = diagnosis.reported
    verdict = judge(diagnosis)

    def cause_text(cause: str, key: str, default):
        found = words.override("cause", cause, key)
        return list(found) if key == "steps" and found else (found or default)

    return {
        "schema": SCHEMA,
        "bundle": diagnosis.bundle,
        "verdict": verdict.word,
        "verdict_reason": _verdict_reason(verdict, words),
        "reported_code": reported.code if reported else None,
        "reported": None
        if reported is None
        else {
            "code": reported.code,
            "known": reported.known,
            "decided_on": reported.decided_on,
            "note": reported.note,
            "causes": [
                {**c, "title": cause_text(c["cause"], "title", c["title"]), "remediation": cause_text(c["cause"], "steps", c.get("remediation", []))}
                if "remediation" in c
                else {**c, "title": cause_text(c["cause"], "title", c["title"])}
                for c in reported.causes
            ],
        },
        "findings": [
            {
                "rank": number,
                "cause": f.cause,
                "title": cause_text(f.cause, "title", f.title),
                "score": round(float(f.score), 4),
                "confidence": f.confidence,
                "codes": list(f.codes),
                "evidence": _evidence_rows(f.evidence),
                "counter_evidence": _evidence_rows(f.counter_evidence),
                "explanation": f.explanation,
                "explains": list(getattr(f, "explains", [])),
                "explained_by": getattr(f, "explained_by", None),
                "remediation": cause_text(f.cause, "steps", list(f.remediation)),
                "docs": list(f.docs),
            }
            for number, f in enumerate(findings, 1)
        ],
        "codes": [
            {
                "code": c.code,
                "score": round(float(c.score), 4),
                "causes": list(c.causes),
                "message": words.override("code", c.code, "message") or c.message,
            }
            for c in diagnosis.codes
        ],
        "unexplained": unexplained_rows(diagnosis),
        "checklist": [
            {
                "step": s.step,
                "title": words.override("check", str(s.step), "title") or s.title,
                "status": s.status,
                "summary": s.summary,
                "evidence": _evidence_rows(s.evidence),
            }
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
            for c in sorted(diagnosis.coverage.itertuples(), key=lambda c: str(c.file))
        ],
    }


#: unexplained templates shown (when no finding reaches ``likely``)
UNEXPLAINED_SHOWN = 8


def unexplained_rows(diagnosis: "Diagnosis") -> list[dict]:
    """The error and warning templates no evidence explains, shown only when no finding
    reaches ``likely`` (see :mod:`loganalyzer.unexplained`)."""
    frame = getattr(diagnosis, "unexplained", None)
    if frame is None or len(frame) == 0 or any(at_least(f.confidence, "likely") for f in diagnosis.findings):
        return []
    rows = []
    for row in frame.head(UNEXPLAINED_SHOWN).to_dict("records"):
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


def _verdict_reason(verdict, words: Locale) -> str:
    values = dict(verdict.values)
    if "confidence" in values:
        values["confidence"] = words.word("confidence", values["confidence"])
    if "count" in values:
        values["count"] = words.plural("causes", values["count"])
    if "files" in values:
        values["files"] = words.plural("files", values["files"])
    if "days" in values:
        values["days"] = words.plural("days", values["days"])
    if "problems" in values:
        values["problems"] = words.plural("problems", values["problems"])
    return words(f"verdict_reason.{verdict.reason}", **values)


def verdict_sentence(diagnosis: "Diagnosis") -> str:
    return _verdict_reason(judge(diagnosis), locale(diagnosis.lang))


# -- the view ---------------------------------------------------------------------------------


def _unknown_offsets(diagnosis: "Diagnosis") -> set[tuple[str, int]]:
    """(file, line) of events whose local time has no known UTC offset."""
    events = diagnosis.events
    if events.empty or "fields" not in events:
        return set()
    table = pa.Table.from_pandas(events[["file", "line", "fields"]], preserve_index=False)
    offsets = pc.map_lookup(table["fields"], "utc_offset", "first")
    unknown = table.filter(pc.fill_null(pc.equal(offsets, "unknown"), False))
    return set(zip(pc.cast(unknown["file"], pa.string()).to_pylist(), unknown["line"].to_pylist()))


def _when(row: dict, unknown: set, words: Locale) -> str:
    if not row.get("time"):
        return words("labels.no_time")
    stamp = pd.Timestamp(row["time"])
    text = stamp.strftime("%Y-%m-%d %H:%M:%S")
    if (row["file"], row["line"]) in unknown:
        return f"{text} ({words('labels.offset_unknown')})"
    if stamp.tzinfo is None or stamp.utcoffset().total_seconds() == 0:
        return f"{text} UTC"
    return stamp.strftime("%Y-%m-%d %H:%M:%S %z")


_PROPER = {"vm": "VM", "vms": "VMs", "vss": "VSS", "linux": "Linux", "windows": "Windows", "azure": "Azure", "dhcp": "DHCP", "msdtc": "MSDTC"}


def link_label(url: str) -> str:
    """A link labelled by its target: the page section (or page) and the site."""
    parts = urlsplit(url)
    place = parts.fragment or parts.path.rstrip("/").rsplit("/", 1)[-1]
    place = place.split("---", 1)[-1]  # "code---what-it-means" anchors: the meaning
    words = [_PROPER.get(w, w) for w in re.split(r"[-_]+", place) if w]
    place = " ".join(words)
    place = place[:1].upper() + place[1:] if place else parts.netloc
    if len(place) > 60:
        place = place[:60].rsplit(" ", 1)[0] + "…"
    return f"{place} ({parts.netloc})"


def _os_of_code(code: str, knowledge) -> str | None:
    entry = knowledge.code(code) if knowledge else None
    if entry is None:
        return None
    families = {knowledge.causes[c].os for c in entry.causes if c in knowledge.causes}
    families.discard("any")
    return families.pop() if len(families) == 1 else None


def _short_score(finding: dict, words: Locale) -> str:
    signatures = len({r["signature"] for r in finding["evidence"]})
    sources = len({r["source"] for r in finding["evidence"]})
    text = words("score.short", score=score_text(finding["score"]), signatures=words.plural("signatures", signatures))
    if sources > 1:
        text += words("score.corroborated", sources=words.plural("sources", sources))
    if finding.get("counter_evidence"):
        text += words("score.weakened")
    return text


def _explained(explanation: str, words: Locale) -> str:
    """The ranking's explanation with its fixed phrases in this language."""
    text = explanation.replace("noisy-OR of", words("score.noisy_or"))
    text = re.sub(r"corroborated by (\d+) sources", lambda m: words("score.corroborated_by", sources=words.plural("sources", int(m.group(1)))), text)
    return text.replace("later counter-evidence", words("score.later_counter"))


def build_view(diagnosis: "Diagnosis", minimum: str = "possible", *, explain: bool = False, baseline=None) -> dict:
    """The document and everything a renderer shows around it."""
    from .reader import files_read
    from .rules import load_knowledge

    words = locale(diagnosis.lang)
    document = diagnosis_to_dict(diagnosis, minimum)
    knowledge = diagnosis.knowledge or load_knowledge()
    unknown = _unknown_offsets(diagnosis)
    shown = len(document["findings"])
    hidden = len(diagnosis.listed("unlikely")) - shown
    for finding in document["findings"]:
        finding["score_line"] = _short_score(finding, words)
        finding["explained"] = _explained(finding["explanation"], words)
        for row in finding["evidence"] + finding["counter_evidence"]:
            row["when"] = _when(row, unknown, words)
        finding["links"] = [(link_label(u), u) for u in finding["docs"] if safe_url(u)]

    inputs = knowledge.inputs_per_step(files_read(diagnosis.coverage))
    steps = {c.step: c for c in knowledge.checklist}
    by_cause = {f["cause"]: f for f in document["findings"]}
    for step in document["checklist"]:
        causes = [by_cause[c] for c in steps[step["step"]].fails_on if c in by_cause] if step["step"] in steps else []
        if step["status"] in ("fail", "warn") and causes:
            step["short"] = "; ".join(f"{c['title']} ({words.word('confidence', c['confidence'])})" for c in causes)
        elif step["status"] in ("fail", "warn"):
            step["short"] = words("check.weak")
        elif step["status"] == "pass":
            step["short"] = words("check.pass", files=words.plural("files", len(inputs.get(step["step"], []))))
        else:
            step["short"] = words("check.unknown")

    reported = document.get("reported")
    reported_view = None
    if reported:
        code_os = _os_of_code(reported["code"], knowledge) if reported["known"] else None
        mismatch = bool(code_os and diagnosis.os_family and code_os != diagnosis.os_family)
        family = diagnosis.os_family
        causes = [
            c
            for c in reported["causes"]
            if not family or c["cause"] not in knowledge.causes or knowledge.causes[c["cause"]].os in ("any", family)
        ]
        reported_view = {
            "code": reported["code"],
            "note": words(f"reported.{reported['decided_on']}", code=reported["code"]),
            "mismatch": words("reported.other_os", code=reported["code"], code_os=words.word("os", code_os), bundle_os=words.word("os", family))
            if mismatch
            else "",
            "causes": [
                {
                    **c,
                    "supported_text": words.word("supported", c["supported"]),
                    "shown_as": by_cause[c["cause"]]["rank"] if c["cause"] in by_cause else None,
                    "links": [(link_label(u), u) for u in c.get("docs", []) if safe_url(u)],
                }
                for c in causes
            ],
        }

    read = [c for c in document["coverage"] if c["source"] != "unrecognised"]
    coverage = words(
        "coverage.line",
        files=words.plural("files_read", len(read)),
        lines=words.plural("lines", sum(c["lines"] for c in read)),
        unparsed=sum(c["unparsed"] for c in read),
        skipped=words.plural("unrecognised", len(document["coverage"]) - len(read)),
    )
    verdict = judge(diagnosis)
    top = document["findings"][0] if document["findings"] else None
    collect = words(f"collect.{diagnosis.os_family or 'any'}") if verdict.word == "inconclusive" else ""
    view = {
        "document": document,
        "words": words,
        "verdict": verdict.word,
        "verdict_word": words.word("verdict", verdict.word),
        "reason": document["verdict_reason"],
        "collect": collect,
        "top": top,
        "hidden": hidden,
        "explain": explain,
        "reported": reported_view,
        "coverage": coverage,
        "unknown_offsets": bool(unknown),
        "problems": [
            {**p, "kind_text": words(f"problem.{p['kind']}") if words.get(f"problem.{p['kind']}") else p["kind"]}
            for p in document["problems"]
        ],
        "diagnosis": diagnosis,
        "baseline": None,
    }
    if baseline is not None:
        from .compare import compare

        view["baseline"] = compare(baseline, diagnosis)
        document["baseline"] = view["baseline"]
    return view


def render(diagnosis: "Diagnosis", fmt: str, minimum: str = "possible", *, color: bool = False, explain: bool = False, baseline=None, fragment: bool = False) -> str:
    """The diagnosis as ``text``, ``markdown``, ``html`` or ``json``."""
    view = build_view(diagnosis, minimum, explain=explain, baseline=baseline)
    if fmt == "json":
        import json

        return json.dumps(view["document"], indent=2, ensure_ascii=False)
    if fmt == "text":
        return render_text(view, color=color)
    if fmt == "markdown":
        return render_markdown(view)
    if fmt == "html":
        from .report_html import render_html

        return render_html(view, fragment=fragment)
    raise ValueError(f"unknown format {fmt!r}")


def _headline(view: dict) -> str:
    """The verdict's line: the top cause for a failure, the reason otherwise."""
    top, words = view["top"], view["words"]
    if view["verdict"] != "failure" or top is None:
        return view["reason"]
    codes = f"; {', '.join(top['codes'][:2])}" if top["codes"] else ""
    return f"{top['title']} ({words.word('confidence', top['confidence'])} {score_text(top['score'])}{codes})"


def _follow_up(cause: dict, words: Locale) -> list[str]:
    """Below a reported code's cause: a pointer to its finding, or its numbered fix."""
    if cause["shown_as"]:
        return [words("labels.see_finding", rank=cause["shown_as"])]
    return [f"{number}. {step}" for number, step in enumerate(cause.get("remediation", []), 1)]


# -- terminal text ----------------------------------------------------------------------------

_COLOURS = {
    "failure": "1;31", "healthy": "1;32", "inconclusive": "1;33",
    "certain": "1;31", "likely": "31", "possible": "33", "unlikely": "2",
    "fail": "1;31", "warn": "33", "pass": "32", "unknown": "2",
    "bold": "1", "dim": "2",
}


def render_text(view: dict, *, color: bool = False) -> str:
    words: Locale = view["words"]
    document = view["document"]

    def paint(text: str, style: str) -> str:
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if color and style in _COLOURS else text

    out = [f"{words('labels.title')}: {terminal(document['bundle'])}"]
    out.append(paint(f"{view['verdict_word'].upper()}: {_headline(view)}", view["verdict"]))
    if view["collect"]:
        out.append(f"  {words('labels.collect')}: {view['collect']}")
    out.append("")
    reported = view["reported"]
    if reported:
        out += [f"{words('labels.reported')}: {terminal(reported['code'])}", f"  {reported['note']}"]
        if reported["mismatch"]:
            out.append(f"  {paint(reported['mismatch'], 'warn')}")
        for cause in reported["causes"]:
            out.append(f"  - {cause['title']} [{cause['cause']}]: {cause['supported_text']}")
            out += [f"      {line}" for line in _follow_up(cause, words)]
        out.append("")
    for finding in document["findings"]:
        word = words.word("confidence", finding["confidence"])
        out.append(
            f"{paint(str(finding['rank']) + '. ' + finding['title'], 'bold')}  [{finding['cause']}]  "
            f"{paint(word, finding['confidence'])}, {finding['score_line']}"
        )
        if finding["codes"]:
            out.append(f"   {words('labels.codes_short')}: {', '.join(finding['codes'][:3])}")
        out.append(f"   {words('labels.evidence')}:")
        for row in finding["evidence"][:EVIDENCE_SHOWN]:
            out.append(f"     {paint(row['when'], 'dim')}  {terminal(row['file'])}:{row['line']}")
            out.append(f"       {terminal(row['details'] or row['excerpt'])}")
        if len(finding["evidence"]) > EVIDENCE_SHOWN:
            out.append(f"     {words.plural('more_rows', len(finding['evidence']) - EVIDENCE_SHOWN)}")
        for row in finding["counter_evidence"][:2]:
            out.append(f"   {words('labels.counter')}: {row['when']}  {terminal(row['file'])}:{row['line']}  {terminal(row['details'] or row['excerpt'])}")
        if view["explain"]:
            out.append(f"   {words('labels.why')}: {finding['explained']}")
        out.append(f"   {words('labels.fix')}:")
        out += [f"     {number}. {step}" for number, step in enumerate(finding["remediation"], 1)]
        for label, url in finding["links"][:2]:
            out.append(f"   {label}: {url}")
        out.append("")
    if view["hidden"]:
        out += [words.plural("hidden", view["hidden"]), ""]
    if document["unexplained"]:
        out.append(f"{words('labels.unexplained')}:")
        for row in document["unexplained"]:
            level = words.word("level", row["level"])
            out.append(f"  {paint(f'{level:<8}', 'warn' if row['level'] == 'warning' else 'likely')} x{row['count']:<4} {terminal(row['template'])}")
            out.append(f"           {terminal(row['file'])}:{row['line']}  {row['first'] or ''} .. {row['last'] or ''}")
        out.append("")
    if document["codes"] and document["findings"]:
        out.append(f"{words('labels.codes')}:")
        out += [f"  {c['code']}  {score_text(c['score'])}  ({', '.join(c['causes'])})" for c in document["codes"][:5]]
        out.append("")
    out.append(f"{words('labels.checklist')}:")
    width = max((len(s["title"]) for s in document["checklist"]), default=0)
    for step in document["checklist"]:
        status = words.word("status", step["status"]).upper()
        out.append(f"  {step['step']}. {step['title']:<{width}}  {paint(f'{status:<8}', step['status'])} {step['short']}")
    out.append("")
    if view["baseline"]:
        from .compare import render_changes_text

        out += render_changes_text(view["baseline"], words)
    if view["problems"]:
        out.append(f"{words('labels.problems')}:")
        for p in view["problems"][:20]:
            detail = f": {terminal(p['message'])}" if words.lang == "en" else ""
            out.append(f"  {p['kind_text']}: {terminal(p['file'])}{detail}")
        if len(view["problems"]) > 20:
            out.append(f"  {words.plural('more_rows', len(view['problems']) - 20)}")
        out.append("")
    if view["unknown_offsets"]:
        out += [words("labels.tz_hint"), ""]
    out.append(f"{words('labels.coverage')}: {view['coverage']}")
    return "\n".join(out) + "\n"


# -- Markdown ---------------------------------------------------------------------------------


def render_markdown(view: dict) -> str:
    words: Locale = view["words"]
    document = view["document"]
    out = [f"# {words('labels.title')}: {markdown_code(document['bundle'])}", ""]
    out += [f"**{view['verdict_word'].upper()}:** {markdown_text(_headline(view))}", ""]
    if view["collect"]:
        out += [f"*{words('labels.collect')}:* {markdown_text(view['collect'])}", ""]
    reported = view["reported"]
    if reported:
        out += [f"## {words('labels.reported')}: {markdown_code(reported['code'])}", "", markdown_text(reported["note"]), ""]
        if reported["mismatch"]:
            out += [f"> {markdown_text(reported['mismatch'])}", ""]
        for cause in reported["causes"]:
            out.append(f"- {markdown_text(cause['title'])} ({markdown_code(cause['cause'])}): {cause['supported_text']}")
            out += [f"  {markdown_text(line)}" for line in _follow_up(cause, words)]
        out.append("")
    out += [f"## {words('labels.findings')}", ""]
    if not document["findings"]:
        out += [words(f"labels.none_{view['verdict']}"), ""]
    for finding in document["findings"]:
        word = words.word("confidence", finding["confidence"])
        out += [f"### {finding['rank']}. {markdown_text(finding['title'])} — {word}", ""]
        codes = ", ".join(markdown_code(c) for c in finding["codes"][:3]) or "-"
        out += [f"{markdown_code(finding['cause'])}; {words('labels.codes_short')}: {codes}; {markdown_text(finding['score_line'])}", ""]
        out += [
            f"| {words('labels.place')} | {words('labels.time')} | {words('labels.signature')} | {words('labels.excerpt')} |",
            "|---|---|---|---|",
        ]
        for row in finding["evidence"][:EVIDENCE_SHOWN]:
            out.append(
                f"| {markdown_code(row['file'] + ':' + str(row['line']))} | {markdown_text(row['when'])} "
                f"| {markdown_code(row['signature'])} | {markdown_text(row['details'] or row['excerpt'])} |"
            )
        out.append("")
        if view["explain"]:
            out += [f"*{words('labels.why')}:* {markdown_text(finding['explained'])}", ""]
        out += [f"**{words('labels.fix')}:**", ""]
        out += [f"{n}. {markdown_text(step)}" for n, step in enumerate(finding["remediation"], 1)]
        if finding["links"]:
            out += ["", " · ".join(f"[{markdown_text(label)}](<{url}>)" for label, url in finding["links"][:2])]
        out.append("")
    if view["hidden"]:
        out += [f"*{words.plural('hidden', view['hidden'])}*", ""]
    if document["unexplained"]:
        out += [f"## {words('labels.unexplained')}", "", f"| {words('labels.level')} | {words('labels.count')} | {words('labels.template')} | {words('labels.place')} | {words('labels.first')} | {words('labels.last')} |", "|---|---|---|---|---|---|"]
        out += [
            f"| {words.word('level', r['level'])} | {r['count']} | {markdown_text(r['template'])} | {markdown_code(r['file'] + ':' + str(r['line']))} | {r['first'] or ''} | {r['last'] or ''} |"
            for r in document["unexplained"]
        ]
        out.append("")
    if document["codes"] and document["findings"]:
        out += [f"## {words('labels.codes')}", "", f"| {words('labels.code')} | {words('labels.score')} | {words('labels.causes')} |", "|---|---|---|"]
        out += [f"| {markdown_code(c['code'])} | {score_text(c['score'])} | {markdown_text(', '.join(c['causes']))} |" for c in document["codes"]]
        out.append("")
    out += [f"## {words('labels.checklist')}", "", f"| # | {words('labels.step')} | {words('labels.status')} | |", "|---|---|---|---|"]
    out += [
        f"| {s['step']} | {markdown_text(s['title'])} | **{words.word('status', s['status'])}** | {markdown_text(s['short'])} |"
        for s in document["checklist"]
    ]
    out.append("")
    if view["baseline"]:
        from .compare import render_changes_markdown

        out += render_changes_markdown(view["baseline"], words)
    if view["problems"]:
        out += [f"## {words('labels.problems')}", "", f"| {words('labels.file')} | {words('labels.kind')} | {words('labels.message')} |", "|---|---|---|"]
        for p in view["problems"]:
            message = markdown_text(p["message"]) if words.lang == "en" else ""
            out.append(f"| {markdown_code(p['file'])} | {markdown_text(p['kind_text'])} | {message} |")
        out.append("")
    if view["unknown_offsets"]:
        out += [f"*{markdown_text(words('labels.tz_hint'))}*", ""]
    out += [f"## {words('labels.coverage')}", "", markdown_text(view["coverage"]), ""]
    return "\n".join(out)
