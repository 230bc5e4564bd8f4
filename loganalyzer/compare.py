"""What changed between the bundle of the last good backup and the failed one.

    >>> changes = compare(diagnose("good/"), diagnose("bad/"))
    >>> changes["appeared"]      # findings listed for BAD and not for GOOD
    [{'cause': 'fs-freeze-failed', 'title': '...', 'confidence': 'certain', 'score': 0.99}]

Compared: findings (appeared, gone), versions (every event field named ``*_version``: agent,
handler, extension, kernel; the newest value in each bundle), configuration keys (``key`` /
``value`` events of the configuration readers), service states (``service`` or ``unit`` with a
``state``), and error and warning message templates (numbers, GUIDs, hex, versions, paths and
URLs masked) that the good bundle never logged.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .escaping import html_text, markdown_code, markdown_text, terminal

__all__ = ["compare", "message_template", "render_changes_text", "render_changes_markdown", "render_changes_html"]

_MASKS = (
    (re.compile(r"https?://\S+"), "<url>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<guid>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\-]+){2,}[\\/]?"), "<path>"),
    (re.compile(r"\b\d+(?:\.\d+){1,3}\b"), "<version>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>"),
    (re.compile(r"\b\d+\b"), "<n>"),
)
_TEMPLATES_SHOWN = 15


def message_template(message: str) -> str:
    """``message`` with its variable parts masked, so that two occurrences compare equal."""
    text = str(message).split("\n", 1)[0][:300]
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    return text.strip()


def _rows(diagnosis) -> list[dict]:
    events = diagnosis.events
    if events.empty:
        return []
    table = pa.Table.from_pandas(events[["file", "line", "time", "source", "level", "message", "fields"]], preserve_index=False)
    # only the rows a comparison looks at become Python objects: errors and warnings,
    # configuration lines, and rows with a version or a service state among their fields
    fields = table["fields"].combine_chunks()
    keys = pa.ListArray.from_arrays(fields.offsets, fields.keys)  # the map's keys, row by row
    flat = keys.flatten()
    named = pc.or_(pc.ends_with(flat, "_version"), pc.is_in(flat, pa.array(["service", "unit"])))
    rows = pc.unique(pc.filter(pc.list_parent_indices(keys), named))
    wanted = pc.is_in(pa.array(range(table.num_rows), pa.int64()), pc.cast(rows, pa.int64()))
    level = pc.cast(table["level"], pa.string())
    wanted = pc.or_kleene(wanted, pc.is_in(level, pa.array(["error", "warning"])))
    wanted = pc.or_kleene(wanted, pc.ends_with(pc.cast(table["source"], pa.string()), ".conf"))
    return table.filter(pc.fill_null(wanted, False)).to_pylist()


def _newest(values: dict, key, time, value) -> None:
    known = values.get(key)
    stamp = time.timestamp() if time is not None else float("-inf")
    if known is None or stamp >= known[0]:
        values[key] = (stamp, value)


def _facts(diagnosis) -> dict[str, dict]:
    versions: dict = {}
    config: dict = {}
    services: dict = {}
    templates: dict[str, list] = {}
    for row in _rows(diagnosis):
        fields = dict(row["fields"] or [])
        time = row["time"]
        for name, value in fields.items():
            if name.endswith("_version") and re.search(r"\d+\.\d+", str(value or "")):
                owner = fields.get("handler") if name in ("handler_version", "extension_version") else None
                _newest(versions, f"{owner} {name}" if owner else name, time, value)
        if str(row["source"]).endswith(".conf") and fields.get("key"):
            _newest(config, fields["key"], time, fields.get("value", ""))
        service = fields.get("service") or fields.get("unit")
        state = fields.get("state") or fields.get("active_state") or fields.get("service_state")
        if service and state:
            _newest(services, service, time, state)
        if row["level"] in ("error", "warning") and row["message"]:
            template = message_template(row["message"])
            found = templates.setdefault(template, [0, f"{row['file']}:{row['line']}", row["level"]])
            found[0] += 1
    strip = lambda table: {k: v[1] for k, v in table.items()}  # noqa: E731
    return {"versions": strip(versions), "config": strip(config), "services": strip(services), "templates": templates}


def _changed(good: dict, bad: dict, name: str) -> list[dict]:
    return [
        {name: key, "good": good.get(key), "bad": bad.get(key)}
        for key in sorted(set(good) | set(bad))
        if good.get(key) != bad.get(key)
    ]


def compare(good, bad, minimum: str = "possible") -> dict:
    """The changes from ``good`` to ``bad``, two :class:`~loganalyzer.Diagnosis` (of the bundle
    of the last good backup and of the failed one)."""
    before = {f.cause: f for f in good.listed(minimum)}
    after = {f.cause: f for f in bad.listed(minimum)}
    finding = lambda f: {"cause": f.cause, "title": f.title, "confidence": f.confidence, "score": round(float(f.score), 4)}  # noqa: E731
    old, new = _facts(good), _facts(bad)
    templates = [
        {"template": template, "count": count, "example": example, "level": level}
        for template, (count, example, level) in new["templates"].items()
        if template not in old["templates"]
    ]
    templates.sort(key=lambda t: (t["level"] != "error", -t["count"], t["template"]))
    return {
        "good": good.bundle,
        "bad": bad.bundle,
        "verdicts": {"good": good.verdict, "bad": bad.verdict},
        "appeared": [finding(f) for cause, f in after.items() if cause not in before],
        "gone": [finding(f) for cause, f in before.items() if cause not in after],
        "versions": _changed(old["versions"], new["versions"], "name"),
        "config": _changed(old["config"], new["config"], "key"),
        "services": _changed(old["services"], new["services"], "service"),
        "templates": templates[:_TEMPLATES_SHOWN],
        "templates_total": len(templates),
    }


def _sections(changes: dict, words) -> list[tuple[str, list[str]]]:
    """(heading, plain lines) per non-empty part; renderers escape them for their format."""
    sections = []
    for key in ("appeared", "gone"):
        if changes[key]:
            sections.append((words(f"changes.{key}"), [f"{f['title']} [{f['cause']}] {words.word('confidence', f['confidence'])}" for f in changes[key]]))
    for key, name in (("versions", "name"), ("config", "key"), ("services", "service")):
        if changes[key]:
            sections.append((words(f"changes.{key}"), [f"{c[name]}: {c['good'] or '-'} -> {c['bad'] or '-'}" for c in changes[key]]))
    if changes["templates"]:
        sections.append((words("changes.templates"), [f"{t['count']}x {t['template'][:160]}  ({t['example']})" for t in changes["templates"]]))
    return sections


def _render(changes: dict, words, title: str, none: list[str], section) -> list[str]:
    sections = _sections(changes, words)
    out = [title] + (none if not sections else [])
    for heading, lines in sections:
        out += section(heading, lines)
    return out


def render_changes_text(changes: dict, words) -> list[str]:
    title = f"{words('changes.title')} ({terminal(changes['good'])}):"
    return _render(changes, words, title, [f"  {words('changes.none')}"],
                   lambda heading, lines: [f"  {heading}:"] + [f"    {terminal(line)}" for line in lines]) + [""]


def render_changes_markdown(changes: dict, words) -> list[str]:
    title = f"## {words('changes.title')}: {markdown_code(changes['good'])}\n"
    return _render(changes, words, title, [words("changes.none"), ""],
                   lambda heading, lines: [f"**{heading}:**", ""] + [f"- {markdown_text(line)}" for line in lines] + [""])


def render_changes_html(changes: dict, words) -> list[str]:
    title = f"<h2>{html_text(words('changes.title'))}: <code>{html_text(changes['good'])}</code></h2>"
    return _render(changes, words, title, [f"<p>{html_text(words('changes.none'))}</p>"],
                   lambda heading, lines: [f"<b>{html_text(heading)}</b><ul>" + "".join(f"<li><code>{html_text(line)}</code></li>" for line in lines) + "</ul>"])


def changes_frame(changes: dict) -> pd.DataFrame:
    """The changes as one long table (part, name, good, bad) for notebooks."""
    rows = [{"part": key, "name": c.get("name") or c.get("key") or c.get("service"), "good": c["good"], "bad": c["bad"]}
            for key in ("versions", "config", "services") for c in changes[key]]
    return pd.DataFrame(rows, columns=["part", "name", "good", "bad"])
