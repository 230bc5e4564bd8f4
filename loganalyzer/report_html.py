"""The HTML report: one self-contained page (no script, no network: a Content-Security-Policy
that allows inline styles and nothing else), or a ``<div>`` fragment for a notebook.

Order: the summary card (verdict, top cause with confidence and codes, the first step of its fix,
the reported code), the merged timeline as inline SVG, then one collapsible section per finding
(evidence table, fix, links labelled by their target, the score explained under a "why"
toggle), the reported code's causes, error codes, checklist, changes since a baseline, problems
and coverage. Every value from a log or a path is escaped; tables wrap instead of overflowing.
"""

from __future__ import annotations

from .escaping import html_text as e
from .locales import Locale
from .report_common import EVIDENCE_SHOWN, score_text

__all__ = ["render_html"]

_STYLE = """
.la-diag{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:14px;line-height:1.45;color:#1d1d1f;max-width:1180px;margin:0 auto;padding:12px 16px;box-sizing:border-box}
.la-diag *{box-sizing:border-box}
.la-diag h1{font-size:20px;margin:0 0 10px;overflow-wrap:anywhere}
.la-diag h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #e3e3e3;padding-bottom:3px}
.la-diag code{font-family:ui-monospace,Consolas,monospace;font-size:12.5px;white-space:pre-wrap;overflow-wrap:anywhere}
.la-diag table{border-collapse:collapse;width:100%;table-layout:fixed;margin:6px 0}
.la-diag td,.la-diag th{border:1px solid #ddd;padding:4px 7px;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
.la-diag th{background:#f6f6f6;font-weight:600}
.la-card{border-radius:10px;padding:14px 18px;margin:0 0 14px;border:2px solid}
.la-card .la-badge{display:inline-block;font-weight:700;font-size:15px;letter-spacing:.06em;text-transform:uppercase;padding:3px 10px;border-radius:6px;color:#fff;margin-right:10px}
.la-card .la-head{font-size:19px;font-weight:600;overflow-wrap:anywhere}
.la-card dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:10px 0 0}
.la-card dt{font-weight:600;color:#444}.la-card dd{margin:0;overflow-wrap:anywhere}
.la-failure{border-color:#c62828;background:#fdecea}.la-failure .la-badge{background:#c62828}
.la-healthy{border-color:#2e7d32;background:#edf7ed}.la-healthy .la-badge{background:#2e7d32}
.la-inconclusive{border-color:#b26a00;background:#fff4e5}.la-inconclusive .la-badge{background:#b26a00}
.la-conf-certain{color:#b00020;font-weight:600}.la-conf-likely{color:#c43e00;font-weight:600}.la-conf-possible{color:#6d6d6d}.la-conf-unlikely{color:#999}
.la-finding{border:1px solid #ddd;border-radius:8px;margin:8px 0;padding:6px 12px}
.la-finding>summary{cursor:pointer;font-weight:600;font-size:15px;overflow-wrap:anywhere}
.la-finding .la-meta{color:#555;margin:4px 0;overflow-wrap:anywhere}
.la-why{margin:6px 0}.la-why>summary{cursor:pointer;color:#1f5fa8}
.la-st-fail{background:#fdecea}.la-st-warn{background:#fff4e5}.la-st-pass{background:#edf7ed}.la-st-unknown{background:#f4f4f4}
.la-note{color:#555;font-style:italic}
.la-timeline{border:1px solid #eee;border-radius:8px;padding:6px}
.la-diag a{color:#1f5fa8}
.la-ev col.la-c-place{width:32%}.la-ev col.la-c-time{width:17%}.la-ev col.la-c-text{width:51%}
"""


def _links(links: list[tuple[str, str]]) -> str:
    return " · ".join(f'<a href="{e(url)}" rel="noopener noreferrer">{e(label)}</a>' for label, url in links)


def _card(view: dict, words: Locale) -> list[str]:
    verdict = view["verdict"]
    top = view["top"]
    out = [f'<section class="la-card la-{verdict}" id="summary">']
    if verdict == "failure" and top:
        out.append(f'<div><span class="la-badge">{e(view["verdict_word"])}</span><span class="la-head">{e(top["title"])}</span></div><dl>')
        out.append(
            f'<dt>{e(words("labels.confidence"))}</dt><dd><span class="la-conf-{e(top["confidence"])}">'
            f'{e(words.word("confidence", top["confidence"]))}</span>, {e(top["score_line"])}</dd>'
        )
        if top["codes"]:
            out.append(f'<dt>{e(words("labels.codes_short"))}</dt><dd>{", ".join(f"<code>{e(c)}</code>" for c in top["codes"][:3])}</dd>')
        if top["remediation"]:
            out.append(f'<dt>{e(words("labels.first_fix"))}</dt><dd>{e(top["remediation"][0])}</dd>')
    else:
        out.append(f'<div><span class="la-badge">{e(view["verdict_word"])}</span><span class="la-head">{e(view["reason"])}</span></div><dl>')
        if view["collect"]:
            out.append(f'<dt>{e(words("labels.collect"))}</dt><dd>{e(view["collect"])}</dd>')
    reported = view["reported"]
    if reported:
        out.append(f'<dt>{e(words("labels.reported"))}</dt><dd><code>{e(reported["code"])}</code> {e(reported["mismatch"])}</dd>')
    out.append("</dl></section>")
    return out


def _evidence_table(rows: list[dict], words: Locale) -> str:
    body = "".join(
        f'<tr><td><code>{e(row["file"])}:{row["line"]}</code></td><td>{e(row["when"])}</td>'
        f'<td>{e(row["details"] or row["excerpt"])}<br><small><code>{e(row["signature"])}</code></small></td></tr>'
        for row in rows
    )
    return (
        '<table class="la-ev"><colgroup><col class="la-c-place"><col class="la-c-time"><col class="la-c-text"></colgroup>'
        f'<tr><th>{e(words("labels.place"))}</th><th>{e(words("labels.time"))}</th><th>{e(words("labels.excerpt"))}</th></tr>{body}</table>'
    )


def _finding(finding: dict, view: dict, words: Locale) -> list[str]:
    opened = " open" if finding["rank"] == 1 else ""
    word = words.word("confidence", finding["confidence"])
    out = [
        f'<details class="la-finding" id="finding-{finding["rank"]}"{opened}><summary>{finding["rank"]}. {e(finding["title"])} — '
        f'<span class="la-conf-{e(finding["confidence"])}">{e(word)}</span></summary>',
        f'<div class="la-meta"><code>{e(finding["cause"])}</code> · {e(words("labels.codes_short"))}: '
        f'{", ".join(f"<code>{e(c)}</code>" for c in finding["codes"][:3]) or "-"} · {e(finding["score_line"])}</div>',
        f'<b>{e(words("labels.evidence"))}</b>',
        _evidence_table(finding["evidence"][:EVIDENCE_SHOWN], words),
    ]
    if len(finding["evidence"]) > EVIDENCE_SHOWN:
        out.append(f'<div class="la-note">{e(words.plural("more_rows", len(finding["evidence"]) - EVIDENCE_SHOWN))}</div>')
    if finding["counter_evidence"]:
        out += [f'<b>{e(words("labels.counter"))}</b>', _evidence_table(finding["counter_evidence"][:2], words)]
    out.append(f'<details class="la-why"{" open" if view["explain"] else ""}><summary>{e(words("labels.why"))}</summary><p>{e(finding["explained"])}</p></details>')
    out.append(f'<b>{e(words("labels.fix"))}</b><ol>' + "".join(f"<li>{e(step)}</li>" for step in finding["remediation"]) + "</ol>")
    if finding["links"]:
        out.append(f"<p>{_links(finding['links'][:2])}</p>")
    out.append("</details>")
    return out


def render_html(view: dict, *, fragment: bool = False) -> str:
    words: Locale = view["words"]
    document = view["document"]
    diagnosis = view["diagnosis"]
    out = [f"<style>{_STYLE}</style>", '<div class="la-diag">', f'<h1>{e(words("labels.title"))}: <code>{e(document["bundle"])}</code></h1>']
    out += _card(view, words)

    from .timeline import timeline_svg

    legend = {
        "title": words("labels.timeline_title", bundle=document["bundle"]),
        "errors": words("labels.errors"), "warnings": words("labels.warnings"), "runs": words("labels.backup_runs"),
        "latest": words("labels.latest_attempt"), "counter": words("labels.counter"), "empty": words("labels.timeline_empty"),
        **{word: words.word("confidence", word) for word in ("certain", "likely", "possible", "unlikely")},
    }
    out += [
        f'<h2>{e(words("labels.timeline"))}</h2><div class="la-timeline">',
        timeline_svg(diagnosis, labels=legend),
        f'<div class="la-note">{e(words("labels.timeline_caption"))}</div></div>',
    ]
    out.append(f'<h2>{e(words("labels.findings"))}</h2>')
    if not document["findings"]:
        out.append(f"<p>{e(words('labels.none_' + view['verdict']))}</p>")
    for finding in document["findings"]:
        out += _finding(finding, view, words)
    if view["hidden"]:
        out.append(f'<p class="la-note">{e(words.plural("hidden", view["hidden"]))}</p>')
    reported = view["reported"]
    if reported:
        out.append(f'<h2>{e(words("labels.reported"))}: <code>{e(reported["code"])}</code></h2><p>{e(reported["note"])}</p>')
        if reported["mismatch"]:
            out.append(f"<p><b>{e(reported['mismatch'])}</b></p>")
        out.append("<ul>")
        for cause in reported["causes"]:
            out.append(f"<li>{e(cause['title'])} (<code>{e(cause['cause'])}</code>): {e(cause['supported_text'])}")
            if cause["shown_as"]:
                out.append(f' — <a href="#finding-{cause["shown_as"]}">{e(words("labels.see_finding", rank=cause["shown_as"]))}</a>')
            else:
                out.append("<ol>" + "".join(f"<li>{e(step)}</li>" for step in cause.get("remediation", [])) + "</ol>")
                if cause["links"]:
                    out.append(_links(cause["links"][:2]))
            out.append("</li>")
        out.append("</ul>")
    if document["unexplained"]:
        heads = "".join(f"<th>{e(words(f'labels.{key}'))}</th>" for key in ("level", "count", "template", "place", "first", "last"))
        out.append(f'<h2>{e(words("labels.unexplained"))}</h2><table><tr>{heads}</tr>')
        out += [
            f"<tr><td>{e(words.word('level', r['level']))}</td><td>{r['count']}</td><td>{e(r['template'])}</td>"
            f"<td><code>{e(r['file'])}:{r['line']}</code></td><td>{e(r['first'] or '')}</td><td>{e(r['last'] or '')}</td></tr>"
            for r in document["unexplained"]
        ]
        out.append("</table>")
    if document["codes"] and document["findings"]:
        out.append(f'<h2>{e(words("labels.codes"))}</h2><table><tr><th>{e(words("labels.code"))}</th><th style="width:12%">{e(words("labels.score"))}</th><th>{e(words("labels.causes"))}</th></tr>')
        out += [f"<tr><td><code>{e(c['code'])}</code></td><td>{score_text(c['score'])}</td><td>{e(', '.join(c['causes']))}</td></tr>" for c in document["codes"]]
        out.append("</table>")
    out.append(f'<h2>{e(words("labels.checklist"))}</h2><table><colgroup><col style="width:5%"><col style="width:28%"><col style="width:12%"><col></colgroup>')
    out += [
        f'<tr class="la-st-{e(s["status"])}"><td>{s["step"]}</td><td>{e(s["title"])}</td><td><b>{e(words.word("status", s["status"]))}</b></td><td>{e(s["short"])}</td></tr>'
        for s in document["checklist"]
    ]
    out.append("</table>")
    if view["baseline"]:
        from .compare import render_changes_html

        out += render_changes_html(view["baseline"], words)
    if view["problems"]:
        out.append(f'<h2>{e(words("labels.problems"))}</h2><table><colgroup><col style="width:40%"><col style="width:20%"><col></colgroup>')
        for p in view["problems"]:
            message = e(p["message"]) if words.lang == "en" else ""
            out.append(f"<tr><td><code>{e(p['file'])}</code></td><td>{e(p['kind_text'])}</td><td>{message}</td></tr>")
        out.append("</table>")
    if view["unknown_offsets"]:
        out.append(f'<p class="la-note">{e(words("labels.tz_hint"))}</p>')
    out.append(f'<p class="la-note">{e(words("labels.coverage"))}: {e(view["coverage"])}</p></div>')
    body = "\n".join(out)
    if fragment:
        return body
    return (
        f'<!DOCTYPE html>\n<html lang="{e(words.lang)}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{e(words("labels.report_title"))}: {e(document["bundle"])}</title></head>\n<body style="margin:0">\n{body}\n</body></html>\n'
    )
