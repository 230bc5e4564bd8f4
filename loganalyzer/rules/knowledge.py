"""``knowledge.toml``: the documented error codes, causes, result codes, checklist and the facts
the pipeline needs about inputs, read and checked into a :class:`~.model.Knowledge`.

Besides codes and causes it holds what ``diagnose()`` used to keep in code: which files feed which
checklist step (``[[check]] inputs``), the backup extension's names (``[backup_extension]``) and
which sources tell the OS family (``[os_family]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .files import TomlText, read_toml, shipped_dir, strings
from .model import (
    DECIDED_ON,
    GUEST_VISIBLE,
    KNOWLEDGE_FILE,
    OPERATING_SYSTEMS,
    OUTCOMES,
    Cause,
    CheckStep,
    ErrorCode,
    InputRule,
    KnownDefect,
    Knowledge,
    ResultCode,
    SignatureError,
    ValidationError,
)

__all__ = ["load_knowledge", "read_knowledge"]


def load_knowledge(path=None) -> Knowledge:
    """Read and check ``knowledge.toml`` (the shipped one unless ``path`` is given)."""
    errors: list[ValidationError] = []
    knowledge = read_knowledge(path if path is not None else shipped_dir() / KNOWLEDGE_FILE, errors)
    if errors or knowledge is None:
        raise SignatureError(errors)
    return knowledge


def read_knowledge(path, errors: list[ValidationError]) -> Knowledge | None:
    name = str(path)
    read = read_toml(path, errors)
    if read is None:
        return None
    text, doc = read
    where = TomlText(text)

    def err(table: str, index: int, reason: str, key: str | None = None, ident: str | None = None) -> None:
        start, end = where.array_block(table, index)
        line = where.key_line(start, end, key) if key else start
        errors.append(ValidationError(name, line, reason, ident))

    sources = doc.get("sources", {})
    if not isinstance(sources, dict) or not sources:
        errors.append(ValidationError(name, 1, "[sources] must list the known input families"))
        sources = {}

    codes: dict[str, ErrorCode] = {}
    code_names: set[str] = set()
    for index, raw in enumerate(doc.get("code", [])):
        ident = raw.get("id", "")
        for key in ("id", "article", "message", "message_sv", "guest_visible", "decided_on"):
            if not isinstance(raw.get(key), str) or not raw.get(key):
                err("code", index, f"code needs a text '{key}'", key, ident)
        causes = strings(raw.get("causes", []))
        if causes is None:
            err("code", index, "'causes' must be a list of cause ids", "causes", ident)
            causes = ()
        if raw.get("guest_visible") not in GUEST_VISIBLE:
            err("code", index, f"guest_visible must be one of {GUEST_VISIBLE}", "guest_visible", ident)
        if raw.get("decided_on") not in DECIDED_ON:
            err("code", index, f"decided_on must be one of {DECIDED_ON}", "decided_on", ident)
        aliases = strings(raw.get("aliases", [])) or ()
        for label in (ident, *aliases):
            if label.lower() in code_names:
                err("code", index, f"duplicate error code {label!r}", "id", ident)
            code_names.add(label.lower())
        codes[ident] = ErrorCode(
            id=ident,
            article=str(raw.get("article", "")),
            message=str(raw.get("message", "")),
            message_sv=str(raw.get("message_sv", "")),
            causes=causes,
            guest_visible=str(raw.get("guest_visible", "")),
            decided_on=str(raw.get("decided_on", "")),
            aliases=aliases,
            docs=strings(raw.get("docs", [])) or (),
        )

    causes_by_id: dict[str, Cause] = {}
    for index, raw in enumerate(doc.get("cause", [])):
        ident = raw.get("id", "")
        for key in ("id", "article", "title", "title_sv", "os", "guest_visible"):
            if not isinstance(raw.get(key), str) or not raw.get(key):
                err("cause", index, f"cause needs a text '{key}'", key, ident)
        if ident in causes_by_id:
            err("cause", index, f"duplicate cause id {ident!r}", "id", ident)
        if raw.get("os") not in OPERATING_SYSTEMS:
            err("cause", index, f"os must be one of {OPERATING_SYSTEMS}", "os", ident)
        if raw.get("guest_visible") not in GUEST_VISIBLE:
            err("cause", index, f"guest_visible must be one of {GUEST_VISIBLE}", "guest_visible", ident)
        steps, steps_sv = strings(raw.get("steps")), strings(raw.get("steps_sv"))
        if not steps or not steps_sv or len(steps) != len(steps_sv):
            err("cause", index, "'steps' and 'steps_sv' must be non-empty lists of the same length", "steps", ident)
        docs = strings(raw.get("docs")) or ()
        if not docs or not all(d.startswith("https://learn.microsoft.com/") for d in docs):
            err("cause", index, "'docs' must list learn.microsoft.com links", "docs", ident)
        produced = strings(raw.get("codes", []))
        if produced is None:
            err("cause", index, "'codes' must be a list of error codes", "codes", ident)
            produced = ()
        for code in produced:
            if code not in codes:
                err("cause", index, f"unknown error code {code!r}", "codes", ident)
        causes_by_id[ident] = Cause(
            id=ident,
            article=str(raw.get("article", "")),
            title=str(raw.get("title", "")),
            title_sv=str(raw.get("title_sv", "")),
            os=str(raw.get("os", "")),
            guest_visible=str(raw.get("guest_visible", "")),
            codes=produced,
            steps=steps or (),
            steps_sv=steps_sv or (),
            docs=docs,
            degraded=raw.get("degraded", False) is True,
            explains=strings(raw.get("explains", [])) or (),
        )

    for index, raw in enumerate(doc.get("cause", [])):
        for explained in strings(raw.get("explains", [])) or ():
            if explained not in causes_by_id or explained == raw.get("id"):
                err("cause", index, f"explains: unknown cause {explained!r}", "explains", raw.get("id", ""))

    for index, code in enumerate(codes.values()):
        for cause_id in code.causes:
            if cause_id not in causes_by_id:
                err("code", index, f"unknown cause {cause_id!r}", "causes", code.id)
            elif code.id not in causes_by_id[cause_id].codes:
                err("code", index, f"cause {cause_id!r} does not list code {code.id!r} in its 'codes'", "causes", code.id)

    result_codes: dict[tuple[str, int], ResultCode] = {}
    families = doc.get("result_codes", {})
    for family, table in families.items() if isinstance(families, dict) else ():
        line = where.key_line(1, len(where.lines) + 1, f"result_codes.{family}")
        for raw in table.get("codes", []) if isinstance(table, dict) else ():
            code = raw.get("code")
            label = f"{family} code {code}"
            raw_line = where.text_line(line, len(where.lines) + 1, f"code = {code},") or line
            if not isinstance(code, int) or not isinstance(raw.get("name"), str):
                errors.append(ValidationError(name, raw_line, f"{label}: needs an integer 'code' and a 'name'"))
                continue
            if raw.get("outcome") not in OUTCOMES:
                errors.append(ValidationError(name, raw_line, f"{label}: outcome must be one of {OUTCOMES}"))
            mapped = raw.get("causes", {})
            pairs: list[tuple[str, float]] = []
            for cause_id, confidence in mapped.items() if isinstance(mapped, dict) else ():
                if cause_id not in causes_by_id:
                    errors.append(ValidationError(name, raw_line, f"{label}: unknown cause {cause_id!r}"))
                if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
                    errors.append(ValidationError(name, raw_line, f"{label}: confidence must be within 0..1"))
                    confidence = 0.0
                pairs.append((cause_id, float(confidence)))
            error_codes = strings(raw.get("error_codes", [])) or ()
            for error_code in error_codes:
                if error_code not in codes:
                    errors.append(ValidationError(name, raw_line, f"{label}: unknown error code {error_code!r}"))
            if (family, code) in result_codes:
                errors.append(ValidationError(name, raw_line, f"{label}: listed twice"))
            result_codes[(family, code)] = ResultCode(
                family=family,
                code=code,
                name=raw["name"],
                outcome=str(raw.get("outcome", "")),
                causes=tuple(pairs),
                error_codes=error_codes,
                note=str(raw.get("note", "")),
            )

    checklist: list[CheckStep] = []
    for index, raw in enumerate(doc.get("check", [])):
        checks, checks_sv = strings(raw.get("checks")), strings(raw.get("checks_sv"))
        if not checks or not checks_sv or len(checks) != len(checks_sv):
            err("check", index, "'checks' and 'checks_sv' must be non-empty lists of the same length", "checks")
        fails_on = strings(raw.get("fails_on", [])) or ()
        for cause_id in fails_on:
            if cause_id not in causes_by_id:
                err("check", index, f"unknown cause {cause_id!r}", "fails_on")
        checklist.append(
            CheckStep(
                step=int(raw.get("step", index + 1)),
                title=str(raw.get("title", "")),
                title_sv=str(raw.get("title_sv", "")),
                checks=checks or (),
                checks_sv=checks_sv or (),
                fails_on=fails_on,
                inputs=_read_inputs(raw.get("inputs", []), lambda reason: err("check", index, reason, "inputs"), sources),
            )
        )
    if [c.step for c in checklist] != [1, 2, 3, 4]:
        errors.append(ValidationError(name, 1, "the checklist must have steps 1, 2, 3 and 4 in order"))

    backup_extension = strings(doc.get("backup_extension", {}).get("names")) if isinstance(doc.get("backup_extension"), dict) else None
    if not backup_extension:
        errors.append(ValidationError(name, where.key_line(1, len(where.lines) + 1, "backup_extension"), "[backup_extension] needs names = [...]"))
    os_families: dict[str, tuple[str, ...]] = {}
    raw_families = doc.get("os_family", {})
    for family, prefixes in raw_families.items() if isinstance(raw_families, dict) else ():
        line = where.key_line(1, len(where.lines) + 1, f"os_family.{family}")
        if family not in OPERATING_SYSTEMS or family == "any" or strings(prefixes) is None:
            errors.append(ValidationError(name, line, f"os_family.{family}: a family is linux or windows, with a list of source-name prefixes"))
            continue
        os_families[family] = strings(prefixes) or ()
    if set(os_families) != {"linux", "windows"}:
        errors.append(ValidationError(name, 1, "[os_family] must give the source-name prefixes of linux and windows"))

    versions = doc.get("agent_versions", {}) if isinstance(doc.get("agent_versions"), dict) else {}
    known_defects = []
    for index, raw in enumerate(doc.get("known_defect", [])):
        for key in ("program", "summary", "reference"):
            if not isinstance(raw.get(key), str) or not raw.get(key):
                err("known_defect", index, f"known_defect needs a text '{key}'", key)
        if raw.get("program") not in ("agent", "backup-extension"):
            err("known_defect", index, "program must be 'agent' or 'backup-extension'", "program")
        if not raw.get("version_ge") and not raw.get("version_lt"):
            err("known_defect", index, "known_defect needs version_ge and/or version_lt", "version_ge")
        known_defects.append(
            KnownDefect(
                program=str(raw.get("program", "")),
                version_ge=str(raw.get("version_ge", "")),
                version_lt=str(raw.get("version_lt", "")),
                summary=str(raw.get("summary", "")),
                reference=str(raw.get("reference", "")),
            )
        )

    return Knowledge(
        codes=codes,
        causes=causes_by_id,
        result_codes=result_codes,
        checklist=tuple(checklist),
        sources={str(k): str(v) for k, v in sources.items()},
        backup_extension=backup_extension or (),
        os_families=os_families,
        file=name,
        agent_floor_version=str(versions.get("floor", "")),
        known_defects=tuple(known_defects),
        reachability=_read_reachability(doc.get("reachability", {}), causes_by_id, codes, err),
    )


def _read_reachability(raw: Any, causes: Mapping[str, Any], codes: Mapping[str, Any], err) -> dict[str, Any]:
    """``[reachability]``: which causes mean the agent could not reach Azure, and which that it
    ran and reported, and the code the service reports for each."""
    if not isinstance(raw, dict):
        return {}
    found: dict[str, Any] = {}
    for state in ("unreachable", "ready"):
        listed = tuple(strings(raw.get(f"{state}_causes", [])) or ())
        code = str(raw.get(f"{state}_code", ""))
        for cause in listed:
            if cause not in causes:
                err("reachability", 0, f"unknown cause {cause!r}", f"{state}_causes", state)
        if code and code not in codes:
            err("reachability", 0, f"unknown error code {code!r}", f"{state}_code", state)
        found[f"{state}_causes"], found[f"{state}_code"] = listed, code
    return found



_INPUT_KEYS = {"source", "file_contains", "backup_extension_file"}


def _read_inputs(raw: Any, err, sources: Mapping[str, str]) -> tuple[InputRule, ...]:
    """A check step's ``inputs``: which read files let the step be evaluated."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) and item and not set(item) - _INPUT_KEYS for item in raw):
        err(f"'inputs' must be a list of tables of {sorted(_INPUT_KEYS)}")
        return ()
    rules = []
    for item in raw:
        chosen = strings(item.get("source", [])) or ()
        for source in chosen:
            if source not in sources:
                err(f"inputs: unknown source {source!r}")
        contains = item.get("file_contains")
        if contains is not None and not isinstance(contains, str):
            err("inputs: file_contains must be a string")
            contains = None
        rules.append(InputRule(sources=chosen, file_contains=contains, backup_extension_file=item.get("backup_extension_file") is True))
    return tuple(rules)
