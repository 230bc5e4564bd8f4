"""The job error pane text a person copied from the portal (source ``azure.portal``), and
operation results that failed with a string code (``az backup protection enable-for-vm``).

Labels in English, Swedish, German, Spanish, French, Portuguese; ``Label: value``,
``Label | value``, ``Label<TAB>value``, markdown table rows, or the label on one line and the
value on the next::

    Error Code: UserErrorRpCollectionLimitReached
    Error Message: The Restore Point collection max limit has reached.
    Recommended Action: Please ensure that there are no resource locks which prevents ...

    Felkod      UserErrorGuestAgentStatusUnavailable
    Felmeddelande   VM-agenten kan inte kommunicera med Azure Backup

    {"error": {"code": "UserErrorKeyVaultPermissionsNotConfigured", "message": "..."}}

One ``portal_error`` event per error block, spanning its lines. The code is the one the pane
names (in the knowledge file's spelling, through :mod:`.codes`), else the one its
documented message decides.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .. import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext, ParseResult
from .._kit import decode, group_records, looks_binary, split_lines
from .codes import (
    canonical_code,
    code_from_text,
    code_in,
    documented,
    inner_code,
    named_codes,
)
from .common import (
    Record,
    add_record,
    as_dict,
    base_name,
    parse_time,
    read_lines,
    scalar,
)

__all__ = ["build_operation_errors", "claim_portal_text", "read_portal_text"]

#: pane labels per meaning and language (lower-case, typographic apostrophes allowed)
_PANE_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "code": {
        "en": ("error code", "errorcode", "failure code", "code"),
        "sv": ("felkod",),
        "de": ("fehlercode",),
        "es": ("código de error", "codigo de error"),
        "fr": ("code d'erreur", "code d’erreur", "code de l'erreur"),
        "pt": ("código de erro", "codigo de erro"),
    },
    "message": {
        "en": ("error message", "message", "error details", "detailednonlocalisedmessage", "detailed non localised message"),
        "sv": ("felmeddelande", "fel meddelande"),
        "de": ("fehlermeldung",),
        "es": ("mensaje de error",),
        "fr": ("message d'erreur", "message d’erreur"),
        "pt": ("mensagem de erro",),
    },
    "recommendation": {
        "en": ("recommended action", "recommended actions", "recommendations", "recommendation"),
        "sv": ("rekommenderad åtgärd", "rekommenderade åtgärder"),
        "de": ("empfohlene aktion", "empfohlene maßnahme", "empfohlene aktionen"),
        "es": ("acción recomendada", "accion recomendada", "acciones recomendadas"),
        "fr": ("action recommandée", "actions recommandées"),
        "pt": ("ação recomendada", "acao recomendada"),
    },
    "start": {
        "en": ("start time", "started"),
        "sv": ("starttid",),
        "de": ("startzeit",),
        "es": ("hora de inicio",),
        "fr": ("heure de début",),
        "pt": ("hora de início",),
    },
    "item": {
        "en": ("backup item", "item name", "vm name", "backup instance", "workload name"),
        "sv": ("säkerhetskopieringsobjekt",),
        "de": ("sicherungselement",),
        "es": ("elemento de copia de seguridad",),
    },
    "job_id": {"en": ("job id", "activity id"), "sv": ("jobb-id",), "de": ("auftrags-id",), "es": ("id. de trabajo", "id de trabajo")},
}
_LABEL_INDEX: dict[str, tuple[str, str]] = {
    label: (meaning, lang) for meaning, per_lang in _PANE_LABELS.items() for lang, labels in per_lang.items() for label in labels
}
_LABEL_ALTERNATIVES = "|".join(re.escape(label) for label in sorted(_LABEL_INDEX, key=len, reverse=True))
#: ``**Label** : value``, ``Label | value``, ``| Label | value |``, ``Label<TAB>value``, or a label alone
_LABEL_LINE = re.compile(
    r"^\s*\|?\s*(?:\*\*|__)?\s*(" + _LABEL_ALTERNATIVES + r")\s*(?:\*\*|__)?\s*(?:(?:[:：|\t=]|\s{2,})\s*(.*?)|)\s*\|?\s*$",
    re.IGNORECASE,
)
_CODE_LABEL_HEAD = re.compile(
    r"(?im)^[^\S\n]*+\|?[^\S\n]*+(?:\*\*)?[^\S\n]*+(error\s?code|felkod|fehlercode|c[oó]digo de (error|erro)|code d['’]erreur|kod błędu|kód chyby|오류 코드)\b"
)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _label_of(line: str) -> tuple[str, str, str | None] | None:
    """``(meaning, lang, value or None)`` when ``line`` starts with a pane label."""
    found = _LABEL_LINE.match(line)
    if not found:
        return None
    label = found.group(1).lower()
    meaning, lang = _LABEL_INDEX.get(label, (None, None))
    if meaning is None:
        return None
    value = found.group(2)
    if value is not None:
        value = value.strip().strip("|").strip().strip("*").strip()
    if meaning == "code" and label == "code" and not value:
        return None
    return meaning, lang, value or None


def claim_portal_text(path: str, head: bytes) -> int:
    """Text with an error-code label (any known UI language), or a documented code near an
    error word; never JSON or CSV exports of other kinds."""
    if looks_binary(head):
        return 0
    text = decode(head).text
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[", "<")):
        return 0
    content = bool(_CODE_LABEL_HEAD.search(text)) and bool(code_in(text) or re.search(r"(?im)(error\s?code|felkod|fehlercode|c[oó]digo)\s*[:|\t]\s*\S", text))
    if not content and len(split_lines(text)) <= 15:
        # a short note naming exactly one documented code next to an error word
        named = {found.lower() for found in named_codes(text)}
        content = len(named) == 1 and bool(re.search(r"(?i)\b(error|fel|fehler|errore|erreur)\b", text))
    if not content:
        return 0
    return BY_NAME_AND_CONTENT if base_name(path).endswith((".txt", ".md", ".log")) else BY_CONTENT


@dataclass
class _Block:
    first: int
    label_line: int
    values: dict[str, list[str]] = field(default_factory=dict)
    langs: Counter = field(default_factory=Counter)
    last_meaning: str | None = None


def _code_label(line: str) -> tuple[str, str, str | None] | None:
    """The label of a line that starts an error block (an error-code label), else None."""
    if _TABLE_RULE.match(line):
        return None
    label = _label_of(line)
    return label if label and label[0] == "code" else None


def _portal_blocks(lines: list[str]) -> list[_Block]:
    """Split the pasted text into error blocks: a block starts at each error-code label (the
    lines before the first one belong to it)."""
    _, records = group_records(lines, _code_label)
    starts = [record.line for record in records] or [1]
    starts[0] = 1
    ends = [*starts[1:], len(lines) + 1]
    return [_read_block(lines, first, end) for first, end in zip(starts, ends)]


def _read_block(lines: list[str], first: int, end: int) -> _Block:
    """The labelled values of lines ``first`` to ``end - 1``: a value on its label's line, on the
    line after a bare label, or wrapped onto the lines after it (a blank line ends it)."""
    block = _Block(first, first)
    pending_label: str | None = None
    for number in range(first, end):
        line = lines[number - 1]
        if _TABLE_RULE.match(line):
            continue
        label = _label_of(line)
        if label:
            meaning, lang, value = label
            if meaning == "code":
                block.label_line = number
            block.langs[lang] += 1
            block.last_meaning = meaning
            block.values.setdefault(meaning, [])
            if value:
                block.values[meaning].append(value)
                pending_label = None
            else:
                pending_label = meaning
            continue
        text = line.strip().strip("|").strip()
        if not text:
            if not pending_label:
                block.last_meaning = None  # a blank line ends a wrapped value
            continue
        if block.last_meaning is None:
            continue
        target = pending_label or block.last_meaning
        block.values.setdefault(target, []).append(text)
        pending_label = None
    return block


def _language(block: _Block) -> str | None:
    votes = Counter({lang: n for lang, n in block.langs.items() if lang != "en"})
    if votes:
        return votes.most_common(1)[0][0]
    return "en" if block.langs else None


def read_portal_text(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Read the job error text pasted from the portal: one ``portal_error`` event per error
    block with ``reported_code``, message, recommended action and the label language."""
    lines = read_lines(data, context, result)
    if lines is None:
        return
    blocks = _portal_blocks(lines)
    bounds = [b.first for b in blocks[1:]] + [len(lines) + 1]
    records = []
    for block, end in zip(blocks, bounds):
        span = end - block.first
        raw_code = " ".join(block.values.get("code", []))
        message = " ".join(block.values.get("message", []))
        recommendation = " ".join(block.values.get("recommendation", []))
        token = re.search(r"[A-Za-z][A-Za-z0-9_]{3,}", raw_code or "")
        code = canonical_code(token.group(0)) if token else None
        body = "\n".join(lines[block.first - 1 : end - 1])
        basis = "name"
        lang = _language(block)
        if not code or (not documented(code) and not code.startswith("UserError")):
            named = code_in(body)
            if named:
                code = named
            elif not code:
                decided = code_from_text(message, recommendation, body)
                if decided:
                    code, basis, lang = decided[0], decided[1], decided[2] or lang
        fields: dict[str, str | None] = {
            "kind": "portal_error",
            "format": "portal-text",
            "reported_code": code,
            "code": code,
            "code_basis": basis if code else None,
            "code_as_written": token.group(0) if token and code and token.group(0) != code else None,
            "lang": lang,
            "error_message": message or None,
            "recommendation": recommendation or None,
            "item": " ".join(block.values.get("item", [])) or None,
            "job_id": " ".join(block.values.get("job_id", [])) or None,
        }
        fields["inner_code"] = inner_code(message + "\n" + recommendation)
        started = parse_time(" ".join(block.values.get("start", [])), assume_utc=False)
        summary = f"portal job error: {code or 'no code'}" + (f": {message}" if message else "")
        records.append(Record(block.label_line, summary, {k: v for k, v in fields.items() if v}, started, "error", "portal", span))
    for record in records:
        add_record(result, record, context)


def build_operation_errors(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    """Operation results that failed with a string code (``{"error": {"code": ...}}``)."""
    out = []
    for line, obj in records:
        error = as_dict(as_dict(obj).get("error"))
        raw = scalar(error.get("code"))
        if not raw:
            continue
        message = scalar(error.get("message")) or ""
        code = code_in(raw) or canonical_code(raw)
        fields = {
            "kind": "portal_error",
            "format": "operation-result",
            "reported_code": code,
            "code": code,
            "code_basis": "name",
            "code_as_written": raw if raw != code else None,
            "error_message": message or None,
            "status": scalar(as_dict(obj).get("status")),
        }
        fields["inner_code"] = inner_code(message)
        moment = parse_time(as_dict(obj).get("endtime")) or parse_time(as_dict(obj).get("starttime"))
        out.append(Record(line, f"operation failed: {code}: {message}", {k: v for k, v in fields.items() if v}, moment, "error", "portal"))
    return out

