"""Signature packs: one TOML file of ``[[signature]]`` tables, parsed and checked.

Every table becomes a :class:`~.model.Signature` or a list of ``file:line: reason`` problems
(:class:`~.model.ValidationError`): unknown keys, causes, sources, operators, regexes outside the
RE2 subset (:mod:`.regexes`), field names that no parser of the rule's sources declares
(:mod:`.fields`). Examples are parsed here but run elsewhere (:mod:`.examples`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .fields import FieldContract, parser_contract
from .files import TomlText, read_toml, strings
from .model import (
    EVENT_LEVELS,
    KINDS,
    KNOWLEDGE_FILE,
    OPERATORS,
    RULE_LEVELS,
    STATUSES,
    TUNING_FILE,
    AbsenceSpec,
    Condition,
    CountSpec,
    Example,
    Knowledge,
    Matcher,
    RawExample,
    Signature,
    StateSpec,
    ValidationError,
    parse_duration,
    version_key,
)
from .regexes import check_regex, derive_literals

__all__ = ["cross_checks", "pack_files", "read_pack"]

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
# Keys a matcher (the per-event part of a rule) may carry.
_MATCHER_KEYS = {"source", "event_level", "message", "message_not", "literals", "fields", "component", "file"}
_SIGNATURE_KEYS = _MATCHER_KEYS | {
    "id",
    "title",
    "description",
    "author",
    "date",
    "modified",
    "tags",
    "status",
    "level",
    "kind",
    "cause",
    "weight",
    "causes",
    "counter",
    "references",
    "falsepositives",
    "related",
    "codes",
    "details",
    "examples",
    "count",
    "absence",
    "state",
}


class _Block:
    """Error reporting for one ``[[signature]]`` table."""

    def __init__(self, file: str, where: TomlText, index: int, errors: list[ValidationError]):
        self.file = file
        self.where = where
        self.start, self.end = where.array_block("signature", index)
        self.errors = errors
        self.ident: str | None = None
        self.failed = False

    def err(self, reason: str, key: str | None = None) -> None:
        line = self.where.key_line(self.start, self.end, key) if key else self.start
        self.errors.append(ValidationError(self.file, line, reason, self.ident))
        self.failed = True

    def line_of(self, key: str | None = None, text: str | None = None) -> int:
        """Line of ``text`` at or after ``key`` (e.g. an example in its list), else of ``key``."""
        key_line = self.where.key_line(self.start, self.end, key) if key else self.start
        if text:
            found = self.where.text_line(key_line, self.end, text)
            if found:
                return found
        return key_line


def _parse_conditions(raw: Any, key: str, block: _Block) -> tuple[Condition, ...]:
    """A field's conditions: a scalar (eq), a list (in) or a table of named operators."""
    if isinstance(raw, bool):
        block.err(f"{key}: write booleans as strings, or use exists/absent", key)
        return ()
    if isinstance(raw, (str, int, float)):
        return (Condition("eq", str(raw)),)
    if isinstance(raw, list):
        if not raw or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in raw):
            block.err(f"{key}: a list means 'in' and needs strings or numbers", key)
            return ()
        return (Condition("in", tuple(str(v) for v in raw)),)
    if not isinstance(raw, dict) or not raw:
        block.err(f"{key}: expected a value, a list or a table of operators", key)
        return ()
    conditions: list[Condition] = []
    for op, value in raw.items():
        if op not in OPERATORS:
            block.err(f"{key}: unknown operator {op!r} (known: {', '.join(OPERATORS)})", key)
            continue
        if op in ("eq", "ne"):
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                block.err(f"{key}: {op} needs a string or number", key)
                continue
            conditions.append(Condition(op, str(value)))
        elif op == "in":
            if not isinstance(value, list) or not value or not all(isinstance(v, (str, int, float)) for v in value):
                block.err(f"{key}: in needs a non-empty list", key)
                continue
            conditions.append(Condition(op, tuple(str(v) for v in value)))
        elif op == "regex":
            reason = check_regex(value) if isinstance(value, str) else "regex must be a string"
            if reason:
                block.err(f"{key}: {reason}", key)
                continue
            conditions.append(Condition(op, value))
        elif op in ("version_lt", "version_ge"):
            parsed = version_key(value) if isinstance(value, str) else None
            if parsed is None:
                block.err(f"{key}: {op} needs a version string such as '2.2.10'", key)
                continue
            conditions.append(Condition(op, parsed))
        elif op in ("num_gt", "num_lt"):
            try:
                number = float(value)
                if isinstance(value, bool) or math.isnan(number):
                    raise ValueError
            except (TypeError, ValueError):
                block.err(f"{key}: {op} needs a number", key)
                continue
            conditions.append(Condition(op, number))
        elif op == "num_in_range":
            try:
                low, high = (float(v) for v in value)
                if low > high:
                    raise ValueError
            except (TypeError, ValueError):
                block.err(f"{key}: num_in_range needs [low, high] with low <= high", key)
                continue
            conditions.append(Condition(op, (low, high)))
        elif op in ("exists", "absent"):
            if value is not True:
                block.err(f"{key}: {op} takes the value true", key)
                continue
            conditions.append(Condition(op, True))
    if any(c.op == "absent" for c in conditions) and len(conditions) > 1:
        block.err(f"{key}: absent cannot be combined with other operators", key)
    return tuple(conditions)


def _parse_matcher(
    raw: Mapping[str, Any],
    block: _Block,
    knowledge: Knowledge,
    prefix: str = "",
    default_sources: tuple[str, ...] = (),
) -> Matcher | None:
    """The per-event part of a rule (top level, or a sub-table such as ``absence.after``)."""
    label = f"{prefix}." if prefix else ""
    sources = default_sources
    if "source" in raw:
        sources = strings(raw["source"]) or ()
        if not sources:
            block.err(f"{label}source must be a source name or a list of them", f"{label}source")
    if not sources:
        block.err(f"{label}source is required", f"{label}source" if prefix else "id")
        return None
    for source in sources:
        if source not in knowledge.sources:
            block.err(f"unknown source {source!r} (known: {', '.join(knowledge.sources)})", f"{label}source")
    levels: tuple[str, ...] = ()
    if "event_level" in raw:
        levels = strings(raw["event_level"]) or ()
        if not levels or any(level not in EVENT_LEVELS for level in levels):
            block.err(f"{label}event_level must be among {EVENT_LEVELS}", f"{label}event_level")
    patterns: dict[str, str | None] = {"message": None, "message_not": None}
    for key in patterns:
        if key in raw:
            reason = check_regex(raw[key]) if isinstance(raw[key], str) else "regex must be a string"
            if reason:
                block.err(f"{label}{key}: {reason}", f"{label}{key}")
            else:
                patterns[key] = raw[key]
    literals: tuple[str, ...] = ()
    ignore_case = False
    if "literals" in raw:
        declared = strings(raw["literals"])
        if not declared or not all(declared):
            block.err(f"{label}literals must be a list of non-empty strings", f"{label}literals")
        else:
            literals = declared
            ignore_case = bool(patterns["message"] and "(?i" in patterns["message"])
    elif patterns["message"]:
        literals, ignore_case = derive_literals(patterns["message"])
    field_conditions: list[tuple[str, tuple[Condition, ...]]] = []
    raw_fields = raw.get("fields", {})
    if not isinstance(raw_fields, dict):
        block.err(f"{label}fields must be a table", f"{label}fields")
        raw_fields = {}
    for key, value in raw_fields.items():
        conditions = _parse_conditions(value, f"{label}fields.{key}", block)
        if conditions:
            field_conditions.append((key, conditions))
    component = _parse_conditions(raw["component"], f"{label}component", block) if "component" in raw else ()
    file = _parse_conditions(raw["file"], f"{label}file", block) if "file" in raw else ()
    return Matcher(
        sources=sources,
        event_levels=levels,
        message=patterns["message"],
        message_not=patterns["message_not"],
        literals=literals,
        literals_ignore_case=ignore_case,
        fields=tuple(field_conditions),
        component=component,
        file=file,
    )


def _parse_examples(raw: Any, block: _Block, matcher: Matcher | None, part: str, prefix: str) -> list[Example]:
    if raw is None:
        return []
    label = f"{prefix}examples" if prefix else "examples"
    if not isinstance(raw, dict) or set(raw) - {"match", "no_match", "raw"}:
        block.err(f"{label} must be a table with 'match', 'no_match' and/or 'raw' lists", label)
        return []
    if "raw" in raw and prefix:
        block.err(f"{label}.raw: raw examples belong to the whole rule (examples.raw)", f"{label}.raw")
    if matcher is None:
        return []
    examples: list[Example] = []
    for key, expect in (("match", True), ("no_match", False)):
        items = raw.get(key, [])
        if not isinstance(items, list):
            block.err(f"{label}.{key} must be a list", f"{label}.{key}")
            continue
        for item in items:
            default_level = matcher.event_levels[0] if matcher.event_levels else None
            if isinstance(item, str):
                examples.append(
                    Example(expect, item, matcher.sources[0], default_level, part=part, line=block.line_of(f"{label}.{key}", item))
                )
                continue
            unknown = set(item) - {"message", "fields", "source", "level", "component", "file", "details"} if isinstance(item, dict) else {"?"}
            if unknown:
                block.err(f"{label}.{key}: an example is a string or a table of message/fields/source/level/component/file/details", f"{label}.{key}")
                continue
            fields = item.get("fields", {})
            if not isinstance(fields, dict):
                block.err(f"{label}.{key}: example fields must be a table", f"{label}.{key}")
                continue
            message = str(item.get("message", ""))
            examples.append(
                Example(
                    expect_match=expect,
                    message=message,
                    source=str(item.get("source", matcher.sources[0])),
                    level=item.get("level", default_level),
                    component=item.get("component"),
                    file=str(item.get("file", "example")),
                    fields=tuple((str(k), str(v)) for k, v in fields.items()),
                    details=item.get("details"),
                    part=part,
                    line=block.line_of(f"{label}.{key}", message or next(iter(map(str, fields.values())), "")),
                )
            )
    return examples


def _check_template(template: Any, block: _Block) -> str | None:
    if not isinstance(template, str):
        block.err("details must be a string template", "details")
        return None
    stripped = template.replace("{{", "").replace("}}", "")
    for name in _PLACEHOLDER.findall(stripped):
        if not _PLACEHOLDER_NAME.match(name):
            block.err(f"details: bad placeholder {{{name}}}", "details")
    if "{" in _PLACEHOLDER.sub("", stripped) or "}" in _PLACEHOLDER.sub("", stripped):
        block.err("details: unbalanced braces (write {{ or }} for a literal brace)", "details")
    return template


def _parse_signature(raw: Mapping[str, Any], block: _Block, knowledge: Knowledge, contract: FieldContract) -> Signature | None:
    ident = raw.get("id")
    block.ident = ident if isinstance(ident, str) else None
    if not isinstance(ident, str) or not _ID.match(ident):
        block.err("id must be dotted lowercase words, e.g. 'linux.log.wireserver-timeout'", "id")
    unknown = set(raw) - _SIGNATURE_KEYS
    for key in sorted(unknown):
        block.err(f"unknown key {key!r}", key)
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        block.err("title is required", "title")
    status = raw.get("status", "test")
    if status not in STATUSES:
        block.err(f"status must be one of {STATUSES}", "status")
    level = raw.get("level", "medium")
    if level not in RULE_LEVELS:
        block.err(f"level must be one of {RULE_LEVELS}", "level")
    kind = raw.get("kind", "event")
    if kind not in KINDS:
        block.err(f"kind must be one of {KINDS}", "kind")
        return None

    causes: list[tuple[str, float]] = []
    if "causes" in raw and "cause" in raw:
        block.err("give either cause + weight or causes = [{id, weight}], not both", "causes")
    if "causes" in raw:
        entries = raw["causes"]
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            block.err("causes must be a list of {id = ..., weight = ...}", "causes")
            entries = []
        causes = [(e.get("id"), e.get("weight")) for e in entries]
    elif "cause" in raw:
        causes = [(raw.get("cause"), raw.get("weight"))]
    else:
        block.err("a signature needs a cause (cause + weight, or causes)", "cause")
    checked: list[tuple[str, float]] = []
    for cause_id, weight in causes:
        if cause_id not in knowledge.causes:
            block.err(f"unknown cause {cause_id!r}", "causes" if "causes" in raw else "cause")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 1:
            block.err("weight must be a number in (0, 1]", "causes" if "causes" in raw else "weight")
            weight = 0.0
        checked.append((str(cause_id), float(weight)))

    counter = raw.get("counter", False)
    if not isinstance(counter, bool):
        block.err("counter must be true or false", "counter")
    _check_level(block, level, counter, [w for _, w in checked])
    lists = {}
    for key in ("references", "falsepositives", "related"):
        value = strings(raw.get(key, []))
        if value is None:
            block.err(f"{key} must be a list of strings", key)
        lists[key] = value or ()
    codes = strings(raw.get("codes", []))
    if codes is None:
        block.err("codes must be a list of error code names", "codes")
    resolved_codes = []
    for name in codes or ():
        code = knowledge.code(name)
        if code is None:
            block.err(f"unknown error code {name!r} (not in knowledge.toml)", "codes")
        else:
            resolved_codes.append(code.id)
    details = _check_template(raw["details"], block) if "details" in raw else None

    sources = strings(raw.get("source")) or ()
    matcher: Matcher | None = None
    count = absence = state = None
    examples: list[Example] = []
    if kind == "absence":
        for key in _MATCHER_KEYS - {"source"}:
            if key in raw:
                block.err(f"{key}: an absence rule puts its conditions under absence.after / absence.expect", key)
        spec = raw.get("absence")
        if not isinstance(spec, dict) or not isinstance(spec.get("expect"), dict):
            block.err("kind = 'absence' needs an absence.expect table", "absence")
        else:
            unknown_keys = set(spec) - {"after", "expect", "within", "by"}
            if unknown_keys:
                block.err(f"absence: unknown key(s) {sorted(unknown_keys)}", "absence")
            expect_raw, after_raw = spec["expect"], spec.get("after")
            expect = _parse_matcher(_without(expect_raw, "examples"), block, knowledge, "absence.expect", sources)
            after = None
            if after_raw is not None:
                if not isinstance(after_raw, dict):
                    block.err("absence.after must be a table", "absence.after")
                else:
                    after = _parse_matcher(_without(after_raw, "examples"), block, knowledge, "absence.after", sources)
                    examples += _parse_examples(after_raw.get("examples"), block, after, "absence.after", "absence.after.")
            examples += _parse_examples(expect_raw.get("examples"), block, expect, "absence.expect", "absence.expect.")
            try:
                within = parse_duration(spec.get("within", ""))
            except ValueError as error:
                block.err(f"absence.within: {error}", "absence.within")
                within = 0.0
            by = strings(spec.get("by", [])) or ()
            if expect is not None:
                absence = AbsenceSpec(expect=expect, within=within, within_text=str(spec.get("within", "")), after=after, by=by)
        if set(raw.get("examples", {})) - {"raw"}:
            block.err("an absence rule keeps its examples under absence.after / absence.expect (only examples.raw is its own)", "examples")
    else:
        matcher = _parse_matcher(raw, block, knowledge)
        if matcher and not any(key in raw for key in ("message", "fields", "component", "file")):
            block.err("a rule needs a message regex or fields/component/file conditions", "message")
        examples += _parse_examples(raw.get("examples"), block, matcher, "", "")
        if kind == "count":
            spec = raw.get("count")
            if not isinstance(spec, dict) or not isinstance(spec.get("min"), int) or spec["min"] < 1:
                block.err("kind = 'count' needs count.min (an integer >= 1)", "count")
            else:
                unknown_keys = set(spec) - {"min", "window", "by"}
                if unknown_keys:
                    block.err(f"count: unknown key(s) {sorted(unknown_keys)}", "count")
                window = None
                if "window" in spec:
                    try:
                        window = parse_duration(spec["window"])
                    except ValueError as error:
                        block.err(f"count.window: {error}", "count.window")
                count = CountSpec(min=spec["min"], window=window, window_text=str(spec.get("window", "")), by=strings(spec.get("by", [])) or ())
        elif kind == "state":
            spec = raw.get("state", {})
            if not isinstance(spec, dict) or set(spec) - {"key", "where"}:
                block.err("state takes 'key' (field name or list) and 'where' (a sub-match)", "state")
                spec = {}
            where = None
            if "where" in spec:
                if not isinstance(spec["where"], dict) or "source" in spec["where"]:
                    block.err("state.where is a table of conditions (the rule's source applies)", "state.where")
                else:
                    where = _parse_matcher(spec["where"], block, knowledge, "state.where", sources)
            state = StateSpec(key=strings(spec.get("key", [])) or (), where=where)
        for key in ("count", "absence", "state"):
            if key in raw and key != kind:
                block.err(f"'{key}' table given but kind is {kind!r}", key)
    if kind == "event" and not examples or kind == "event" and not any(e.expect_match for e in examples):
        block.err("an event rule needs at least one example in examples.match", "examples")

    raw_examples = _parse_raw_examples(raw.get("examples", {}), block)
    all_sources = list(sources)
    if absence:
        for part in (absence.expect, absence.after):
            for source in part.sources if part else ():
                if source not in all_sources:
                    all_sources.append(source)
    _check_field_names(block, contract, all_sources, details, matcher, count, absence, state)
    if block.failed:
        return None
    return Signature(
        id=ident,
        title=title.strip(),
        kind=kind,
        status=status,
        level=level,
        causes=tuple(checked),
        sources=tuple(all_sources),
        matcher=matcher,
        counter=counter,
        details=details,
        description=str(raw.get("description", "")),
        references=lists["references"],
        falsepositives=lists["falsepositives"],
        related=lists["related"],
        codes=tuple(resolved_codes),
        count=count,
        absence=absence,
        state=state,
        examples=tuple(examples),
        raw_examples=raw_examples,
        file=block.file,
        line=block.start,
    )


def _without(table: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k != key}


def read_pack(path, knowledge: Knowledge, errors: list[ValidationError], contract: FieldContract | None = None) -> list[Signature]:
    """The signatures of one pack file; what is wrong goes to ``errors`` (its signatures are left out)."""
    contract = contract if contract is not None else parser_contract()
    name = str(path)
    read = read_toml(path, errors)
    if read is None:
        return []
    text, doc = read
    where = TomlText(text)
    for key in sorted(set(doc) - {"signature", "pack"}):
        errors.append(ValidationError(name, where.key_line(1, len(where.lines) + 1, key), f"unknown top-level key {key!r}"))
    raws = doc.get("signature", [])
    if not isinstance(raws, list):
        errors.append(ValidationError(name, 1, "signatures are [[signature]] tables"))
        return []
    signatures = []
    for index, raw in enumerate(raws):
        signature = _parse_signature(raw, _Block(name, where, index, errors), knowledge, contract)
        if signature is not None:
            signatures.append(signature)
    return signatures


def pack_files(directory) -> list:
    entries = [p for p in directory.iterdir() if p.name.endswith(".toml") and p.name not in (KNOWLEDGE_FILE, TUNING_FILE)]
    return sorted(entries, key=lambda p: p.name)


def cross_checks(signatures: list[Signature], knowledge: Knowledge, errors: list[ValidationError], known_ids: Iterable[str] = ()) -> None:
    """Duplicate ids and unknown ``related`` references across all loaded packs."""
    seen: dict[str, Signature] = {}
    for signature in signatures:
        if signature.id in seen:
            first = seen[signature.id]
            errors.append(
                ValidationError(signature.file, signature.line, f"duplicate id (first defined at {first.file}:{first.line})", signature.id)
            )
        else:
            seen[signature.id] = signature
    ids = set(seen) | set(known_ids)
    for signature in signatures:
        for reference in signature.related:
            if reference not in ids and knowledge.code(reference) is None:
                errors.append(
                    ValidationError(signature.file, signature.line, f"related {reference!r} is neither a signature id nor an error code", signature.id)
                )



#: the weight bands a level allows (see "Weights and levels" in signatures/README.md)
LEVEL_WEIGHTS = {"critical": (0.65, 1.0), "low": (0.0, 0.3)}


def _check_level(block: _Block, level: Any, counter: Any, weights: list[float]) -> None:
    """``level`` and ``weight`` tell the same story: informational is counter-evidence and only
    that; critical rules weigh 0.65 or more; low rules 0.3 or less (the rule's strongest cause)."""
    if (level == "informational") != (counter is True):
        block.err("level 'informational' is for counter-evidence (counter = true), and counter-evidence is informational", "level")
    low, high = LEVEL_WEIGHTS.get(level, (0.0, 1.0))
    if not counter and weights and not low <= max(weights) <= high:
        block.err(f"level {level!r} needs weights within {low}..{high} (see the weight guide)", "level")


def _parse_raw_examples(raw: Any, block: _Block) -> tuple[RawExample, ...]:
    """``examples.raw``: ``[{ path = "var/log/waagent.log", text = '''...''', match = true }]``."""
    items = raw.get("raw", []) if isinstance(raw, dict) else []
    if not isinstance(items, list):
        block.err("examples.raw must be a list of { path, text[, match] } tables", "examples.raw")
        return ()
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) - {"path", "text", "match", "with"} or not isinstance(item.get("text"), str):
            block.err("examples.raw: an entry is { path = ..., text = ..., match = true|false, with = [{ path, text }] }", "examples.raw")
            continue
        others = item.get("with", [])
        if not isinstance(others, list) or not all(
            isinstance(o, dict) and set(o) == {"path", "text"} and all(isinstance(o[k], str) and o[k] for k in ("path",)) and isinstance(o["text"], str)
            and not o["path"].startswith("/") and "\\" not in o["path"]
            for o in others
        ):
            block.err("examples.raw: with = [{ path = ..., text = ... }] lists other files of the same bundle", "examples.raw")
            continue
        path = item.get("path")
        if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path:
            block.err("examples.raw: path is where the file sits in a bundle, '/'-separated, e.g. 'var/log/waagent.log'", "examples.raw")
            continue
        expect = item.get("match", True)
        if not isinstance(expect, bool):
            block.err("examples.raw: match is true or false", "examples.raw")
            continue
        out.append(
            RawExample(
                path=path,
                text=item["text"],
                expect_match=expect,
                line=block.line_of("examples.raw", item["text"]),
                others=tuple((o["path"], o["text"]) for o in others),
            )
        )
    return tuple(out)


#: details placeholders every rule may use besides fields (built-ins and the kinds' values)
_DETAIL_NAMES = {"message", "component", "level", "source", "file", "line", "count", "window", "within", "missed"}


def _check_field_names(block: _Block, contract: FieldContract, sources, details, matcher, count, absence, state) -> None:
    """Refuse field names that no parser of the rule's sources declares (see :mod:`.fields`)."""
    uses: list[tuple[str, tuple[str, ...], str]] = []  # (name, sources, key for the line)
    matchers = [("", matcher)]
    if absence:
        matchers += [("absence.expect.", absence.expect), ("absence.after.", absence.after)]
        uses += [(name, tuple(sources), "absence.by") for name in absence.by]
    if state:
        matchers.append(("state.where.", state.where))
        uses += [(name, tuple(sources), "state.key") for name in state.key]
    if count:
        uses += [(name, tuple(sources), "count.by") for name in count.by]
    groups: set[str] = set()
    for prefix, part in matchers:
        if part is None:
            continue
        groups.update(part.group_names)
        uses += [(name, part.sources, f"{prefix}fields.{name}") for name, _ in part.fields]
    if details:
        stripped = details.replace("{{", "").replace("}}", "")
        uses += [(name, tuple(sources), "details") for name in _PLACEHOLDER.findall(stripped) if name not in _DETAIL_NAMES | groups]
    for name, used_on, key in uses:
        if not contract.allows(used_on, name):
            known = ", ".join(contract.known(used_on)) or "none"
            block.err(f"field {name!r} is not declared by any parser of {', '.join(used_on)} (declared: {known})", key)
