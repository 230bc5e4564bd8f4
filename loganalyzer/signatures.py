"""Signatures and the knowledge base as data: load them, check them, tune them.

A signature pack is a TOML file of ``[[signature]]`` tables (the format is documented in
``signatures/README.md``)::

    [[signature]]
    id = "linux.log.extensions-disabled"
    title = "The agent does not process extensions"
    status = "stable"
    level = "high"
    source = ["waagent.log", "waagent.syslog"]
    cause = "agent-config-linux"
    weight = 0.9
    message = '''extension processing is disabled|Extension handling is disabled'''
    details = "{message}"
    examples.match = ["Extension 'X' will not be processed since extension processing is disabled. ..."]
    examples.no_match = ["Extension processing is enabled"]

``knowledge.toml`` beside the packs holds the documented error codes, the causes (what to fix,
in English and Swedish), the numeric result codes and the health checklist.

Everything is checked when it is loaded: a wrong file is refused with its file, line and reason
(:class:`ValidationError`), never half-used. Regexes must lie in the subset that both RE2 (what
the matcher runs, through ``pyarrow.compute``) and the ``regex`` package accept, so the loader
refuses lookaround, backreferences, atomic groups, possessive quantifiers and escapes RE2 lacks.

Public API: :func:`load_knowledge`, :func:`load_signatures`, :func:`validate`,
:func:`run_examples`, and the value types below.
"""

from __future__ import annotations

import importlib.resources
import math
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc
import regex

__all__ = [
    "OPERATORS",
    "KINDS",
    "Condition",
    "Matcher",
    "Example",
    "CountSpec",
    "AbsenceSpec",
    "StateSpec",
    "Signature",
    "SignatureSet",
    "ErrorCode",
    "Cause",
    "ResultCode",
    "CheckStep",
    "Knowledge",
    "ValidationError",
    "ExampleFailure",
    "SignatureError",
    "shipped_dir",
    "load_knowledge",
    "load_signatures",
    "load_pack",
    "validate",
    "run_examples",
    "check_regex",
    "derive_literals",
    "parse_duration",
    "version_key",
]

PACKAGE = "loganalyzer.signature_packs"
KNOWLEDGE_FILE = "knowledge.toml"
TUNING_FILE = "tuning.toml"

STATUSES = ("stable", "test", "experimental")
RULE_LEVELS = ("critical", "high", "medium", "low", "informational")
KINDS = ("event", "count", "absence", "state")
EVENT_LEVELS = ("error", "warning", "info", "verbose")
OPERATORS = (
    "eq",
    "ne",
    "in",
    "regex",
    "version_lt",
    "version_ge",
    "num_gt",
    "num_lt",
    "num_in_range",
    "exists",
    "absent",
)
GUEST_VISIBLE = ("yes", "partly", "no")
DECIDED_ON = ("guest", "azure", "both")
OPERATING_SYSTEMS = ("linux", "windows", "any")
OUTCOMES = ("success", "failure", "degraded", "transient")

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

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


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationError:
    """Why a signature, knowledge or tuning file was refused, and where."""

    file: str
    line: int
    reason: str
    signature: str | None = None

    def __str__(self) -> str:
        where = f" [{self.signature}]" if self.signature else ""
        return f"{self.file}:{self.line}:{where} {self.reason}"


@dataclass(frozen=True)
class ExampleFailure:
    """An example that did not behave as its signature says it should."""

    signature: str
    file: str
    line: int
    message: str
    expected_match: bool
    reason: str

    def as_error(self) -> ValidationError:
        return ValidationError(self.file, self.line, f"failing example: {self.reason}", self.signature)


class SignatureError(ValueError):
    """Raised by the loaders when files are wrong; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[ValidationError]):
        self.errors = list(errors)
        shown = "\n".join(f"  {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"{len(self.errors)} problem(s) in signature data:\n{shown}{more}")


@dataclass(frozen=True)
class Condition:
    """One named comparison applied to a string value (a field, the component, the file)."""

    op: str
    value: Any = None


@dataclass(frozen=True)
class Matcher:
    """The per-event predicate of a rule: which rows of the event table it selects."""

    sources: tuple[str, ...]
    event_levels: tuple[str, ...] = ()
    message: str | None = None
    message_not: str | None = None
    #: the message contains at least one of these (the prefilter); empty = no prefilter
    literals: tuple[str, ...] = ()
    literals_ignore_case: bool = False
    fields: tuple[tuple[str, tuple[Condition, ...]], ...] = ()
    component: tuple[Condition, ...] = ()
    file: tuple[Condition, ...] = ()

    @property
    def group_names(self) -> tuple[str, ...]:
        if not self.message:
            return ()
        return tuple(regex.compile(self.message).groupindex)


@dataclass(frozen=True)
class Example:
    """An event a signature part must (``expect_match``) or must not select."""

    expect_match: bool
    message: str
    source: str
    level: str | None = None
    component: str | None = None
    file: str = "example"
    fields: tuple[tuple[str, str], ...] = ()
    details: str | None = None
    #: which part of the rule it exercises: "" (the rule), "absence.after", "absence.expect"
    part: str = ""
    line: int = 0


@dataclass(frozen=True)
class CountSpec:
    """``kind = "count"``: at least ``min`` matches within ``window`` seconds, per ``by`` value."""

    min: int
    window: float | None = None
    window_text: str = ""
    by: tuple[str, ...] = ()


@dataclass(frozen=True)
class AbsenceSpec:
    """``kind = "absence"``: an expected event is missing.

    With ``after``: an ``after`` event is not followed by an ``expect`` event within ``within``
    seconds (same ``by`` values). Without ``after``: no ``expect`` event in the last ``within``
    seconds before the last event of the rule's sources.
    """

    expect: Matcher
    within: float
    within_text: str
    after: Matcher | None = None
    by: tuple[str, ...] = ()


@dataclass(frozen=True)
class StateSpec:
    """``kind = "state"``: the rule's conditions apply to the latest event per ``key``.

    ``where`` selects which events count as states (before taking the latest).
    """

    key: tuple[str, ...] = ()
    where: Matcher | None = None


@dataclass(frozen=True)
class Signature:
    id: str
    title: str
    kind: str
    status: str
    level: str
    causes: tuple[tuple[str, float], ...]
    sources: tuple[str, ...]
    matcher: Matcher | None
    counter: bool = False
    details: str | None = None
    description: str = ""
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    #: the documented error codes this evidence shows, best first (when it is more specific
    #: than the cause's list in knowledge.toml)
    codes: tuple[str, ...] = ()
    count: CountSpec | None = None
    absence: AbsenceSpec | None = None
    state: StateSpec | None = None
    examples: tuple[Example, ...] = ()
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class ErrorCode:
    id: str
    article: str
    message: str
    message_sv: str
    causes: tuple[str, ...]
    guest_visible: str
    decided_on: str
    aliases: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cause:
    id: str
    article: str
    title: str
    title_sv: str
    os: str
    guest_visible: str
    codes: tuple[str, ...]
    steps: tuple[str, ...]
    steps_sv: tuple[str, ...]
    docs: tuple[str, ...]


@dataclass(frozen=True)
class ResultCode:
    family: str
    code: int
    name: str
    outcome: str
    causes: tuple[tuple[str, float], ...] = ()
    error_codes: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class CheckStep:
    step: int
    title: str
    title_sv: str
    checks: tuple[str, ...]
    checks_sv: tuple[str, ...]
    fails_on: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    """The documented error codes, causes, result codes, checklist and known sources."""

    codes: Mapping[str, ErrorCode]
    causes: Mapping[str, Cause]
    result_codes: Mapping[tuple[str, int], ResultCode]
    checklist: tuple[CheckStep, ...]
    sources: Mapping[str, str]
    file: str = ""

    def code(self, name: str) -> ErrorCode | None:
        """The error code named ``name`` or one of its aliases (case-insensitive)."""
        wanted = name.strip().lower()
        for code in self.codes.values():
            if code.id.lower() == wanted or wanted in (a.lower() for a in code.aliases):
                return code
        return None

    def result_code(self, family: str, code: int | str) -> ResultCode | None:
        try:
            return self.result_codes.get((family, int(str(code).strip())))
        except ValueError:
            return None

    def codes_for_cause(self, cause_id: str) -> tuple[str, ...]:
        cause = self.causes.get(cause_id)
        return cause.codes if cause else ()


@dataclass(frozen=True)
class SignatureSet:
    """Loaded, validated and tuned signatures with the knowledge they refer to."""

    signatures: tuple[Signature, ...]
    knowledge: Knowledge
    disabled: tuple[str, ...] = ()
    dirs: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Signature]:
        return iter(self.signatures)

    def __len__(self) -> int:
        return len(self.signatures)

    def __getitem__(self, signature_id: str) -> Signature:
        for signature in self.signatures:
            if signature.id == signature_id:
                return signature
        raise KeyError(signature_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.signatures)


# --------------------------------------------------------------------------------------------
# Small helpers: durations, versions, where a key sits in the TOML text
# --------------------------------------------------------------------------------------------


def parse_duration(text: str) -> float:
    """``"90s"``, ``"10m"``, ``"1h30m"``, ``"2d"`` -> seconds; ValueError otherwise."""
    compact = str(text).strip()
    parts = _DURATION.findall(compact)
    if not parts or _DURATION.sub("", compact).strip():
        raise ValueError(f"bad duration {text!r} (use e.g. '90s', '10m', '1h30m', '2d')")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"duration {text!r} must be positive")
    return seconds


_VERSION = re.compile(r"\d+(?:\.\d+)*")


def version_key(text: str | None) -> tuple[int, ...] | None:
    """The first dotted number in ``text`` as a tuple (``"WALinuxAgent-2.2.45"`` -> (2, 2, 45))."""
    if text is None:
        return None
    found = _VERSION.search(str(text))
    if not found:
        return None
    parts = [int(p) for p in found.group(0).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


class _TomlText:
    """Finds the line of a table or key in TOML text (tomllib keeps no positions)."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str, bool]] = []  # (line, name, is_array)
        for number, line in enumerate(self.lines, 1):
            found = self._HEADER.match(line)
            if found:
                self.headers.append((number, found.group(1).replace(" ", ""), line.lstrip().startswith("[[")))

    def array_block(self, name: str, index: int) -> tuple[int, int]:
        """First and one-past-last line of the ``index``-th ``[[name]]`` table."""
        starts = [n for n, header, is_array in self.headers if is_array and header == name]
        if index >= len(starts):
            return 1, len(self.lines) + 1
        start = starts[index]
        end = len(self.lines) + 1
        for number, header, _ in self.headers:
            if number > start and not header.startswith(name + "."):
                end = number
                break
        return start, end

    def key_line(self, start: int, end: int, key: str) -> int:
        """Line of ``key`` (dotted, e.g. ``fields.code``) within a block; the block's line if absent."""
        parts = key.split(".")
        candidates = [".".join(parts[i:]) for i in range(len(parts))]
        for candidate in candidates:
            pattern = re.compile(
                r"^\s*(?:[\"']?" + re.escape(candidate) + r"[\"']?\s*(?:=|\.)|\[\[?[^\]]*\b" + re.escape(candidate) + r"\]\]?)"
            )
            for number in range(start, min(end, len(self.lines) + 1)):
                if pattern.match(self.lines[number - 1]):
                    return number
        return start

    def text_line(self, start: int, end: int, snippet: str) -> int | None:
        probe = snippet.splitlines()[0][:40] if snippet else ""
        if not probe:
            return None
        for number in range(start, min(end, len(self.lines) + 1)):
            if probe in self.lines[number - 1]:
                return number
        return None


def _toml_error_line(error: tomllib.TOMLDecodeError) -> int:
    found = re.search(r"line (\d+)", str(error))
    return int(found.group(1)) if found else 1


# --------------------------------------------------------------------------------------------
# Regexes: the RE2 / regex common subset, and literals for the prefilter
# --------------------------------------------------------------------------------------------

_ALLOWED_ESCAPES = set("dDsSwWbBAntrfv") | {"x", "p", "P"}
_CLASS_ESCAPES = set("dDsSwWntrfv") | {"x", "p", "P"}


def _scan_constructs(pattern: str) -> str | None:
    """Refuse constructs outside the RE2/regex common subset; None when the text is fine."""
    i, n = 0, len(pattern)
    in_class = False
    after_quantifier = False
    while i < n:
        char = pattern[i]
        if char == "\\":
            if i + 1 >= n:
                return "pattern ends with a lone backslash"
            nxt = pattern[i + 1]
            allowed = _CLASS_ESCAPES if in_class else _ALLOWED_ESCAPES
            if nxt.isdigit():
                return f"backreference or octal escape \\{nxt} is not supported (RE2 has no backreferences)"
            if nxt.isalpha() and nxt not in allowed:
                if nxt in "Zz":
                    return f"\\{nxt} is not supported by both engines; use $ (without (?m)) for the end of the text"
                if nxt in "gk":
                    return f"backreference \\{nxt} is not supported (RE2 has no backreferences)"
                return f"escape \\{nxt} is not supported by both RE2 and regex"
            i += 2
            after_quantifier = False
            continue
        if in_class:
            if char == "[" and pattern.startswith("[:", i):
                return "POSIX classes like [[:alpha:]] differ between engines; write the class out"
            if char == "]":
                in_class = False
            i += 1
            continue
        if char == "[":
            in_class = True
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            after_quantifier = False
            continue
        if char == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2 : i + 5]
            if rest.startswith(("=", "!", "<=", "<!")):
                return "lookaround (?=, (?!, (?<=, (?<! is not supported by RE2"
            if rest.startswith(">"):
                return "atomic groups (?>...) are not supported by RE2"
            if rest.startswith("P="):
                return "named backreference (?P=name) is not supported (RE2 has no backreferences)"
            if rest.startswith(("P>", "R", "&")) or (rest[:1].isdigit()):
                return "recursion is not supported by RE2"
            if rest.startswith("("):
                return "conditional groups (?(...) are not supported by RE2"
            if rest.startswith("#"):
                return "inline comments (?#...) are not supported by RE2"
            if rest.startswith("|"):
                return "branch reset groups (?|...) are not supported by RE2"
            if rest.startswith("<"):
                return "use (?P<name>...) for named groups"
            if rest.startswith("P<") or rest.startswith(":"):
                i += 2
                after_quantifier = False
                continue
            flags = re.match(r"[a-zA-Z-]*", pattern[i + 2 :]).group(0)
            bad = set(flags) - set("ims")
            if bad:
                return f"inline flag(s) {''.join(sorted(bad))} not supported by both engines (use only i, m, s)"
            i += 2 + len(flags)
            after_quantifier = False
            continue
        if char in "*+?":
            if after_quantifier and char == "+":
                return "possessive quantifiers (*+, ++, ?+, {n}+) are not supported by RE2"
            if after_quantifier and char == "?":
                after_quantifier = False  # lazy marker
                i += 1
                continue
            after_quantifier = True
            i += 1
            continue
        if char == "{":
            found = re.match(r"\{(\d*)(,?)(\d*)\}", pattern[i:])
            if found:
                low, comma, high = found.groups()
                if not low and comma:
                    return "{,n} means different things in RE2 and regex; write {0,n}"
                i += len(found.group(0))
                after_quantifier = True
                continue
        after_quantifier = False
        i += 1
    return None


def check_regex(pattern: str) -> str | None:
    """Why ``pattern`` is not usable in a signature, or None when both RE2 and regex take it."""
    if not isinstance(pattern, str) or not pattern:
        return "regex must be a non-empty string"
    reason = _scan_constructs(pattern)
    if reason:
        return reason
    try:
        regex.compile(pattern, regex.V0)
    except regex.error as error:
        return f"bad regex: {error}"
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return f"RE2 refuses the regex: {error}"
    return None


def _sre_parse(pattern: str):
    try:
        from re import _parser as parser  # Python 3.11+
    except ImportError:  # pragma: no cover - older Pythons
        import sre_parse as parser  # type: ignore[no-redef]
    return parser.parse(pattern)


def derive_literals(pattern: str, min_length: int = 3) -> tuple[tuple[str, ...], bool]:
    """Literal substrings one of which every match of ``pattern`` contains, and ignore-case.

    Returns ``((), False)`` when no literal of at least ``min_length`` characters is required
    (then the matcher runs the regex on every row of the rule's sources).
    """
    try:
        parsed = _sre_parse(pattern)
    except Exception:  # noqa: BLE001 - patterns re cannot parse (\p{..}) simply get no prefilter
        return (), False
    from re import _constants as c

    ignore_case = bool(parsed.state.flags & re.IGNORECASE) or "(?i" in pattern

    def best(options: list[frozenset[str]]) -> frozenset[str] | None:
        good = [o for o in options if o and min(len(s) for s in o) >= min_length]
        if not good:
            return None
        return max(good, key=lambda o: (min(len(s) for s in o), -len(o)))

    def required(sequence) -> list[frozenset[str]]:
        options: list[frozenset[str]] = []
        run: list[str] = []

        def flush() -> None:
            if run:
                options.append(frozenset(["".join(run)]))
                run.clear()

        for op, argument in sequence:
            if op is c.LITERAL:
                run.append(chr(argument))
                continue
            flush()
            if op is c.SUBPATTERN:
                options.extend(required(argument[-1]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and argument[0] >= 1:
                options.extend(required(argument[2]))
            elif op is c.BRANCH:
                alternatives = [best(required(alternative)) for alternative in argument[1]]
                if all(alternatives):
                    options.append(frozenset().union(*alternatives))
        flush()
        return options

    chosen = best(required(parsed.data if hasattr(parsed, "data") else list(parsed)))
    if not chosen:
        return (), False
    return tuple(sorted(chosen)), ignore_case


# --------------------------------------------------------------------------------------------
# Knowledge
# --------------------------------------------------------------------------------------------


def shipped_dir():
    """The folder of shipped packs (``loganalyzer.signature_packs``; the repo's ``signatures/``)."""
    try:
        return importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "signatures"


def _read_text(path) -> str:
    return path.read_text(encoding="utf-8")


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load_knowledge(path=None) -> Knowledge:
    """Read and check ``knowledge.toml`` (the shipped one unless ``path`` is given)."""
    errors: list[ValidationError] = []
    knowledge = _read_knowledge(path if path is not None else shipped_dir() / KNOWLEDGE_FILE, errors)
    if errors or knowledge is None:
        raise SignatureError(errors)
    return knowledge


def _read_knowledge(path, errors: list[ValidationError]) -> Knowledge | None:
    name = str(path)
    try:
        text = _read_text(path)
        doc = tomllib.loads(text)
    except OSError as error:
        errors.append(ValidationError(name, 0, f"cannot read: {error}"))
        return None
    except tomllib.TOMLDecodeError as error:
        errors.append(ValidationError(name, _toml_error_line(error), f"not valid TOML: {error}"))
        return None
    where = _TomlText(text)

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
        causes = _strings(raw.get("causes", []))
        if causes is None:
            err("code", index, "'causes' must be a list of cause ids", "causes", ident)
            causes = ()
        if raw.get("guest_visible") not in GUEST_VISIBLE:
            err("code", index, f"guest_visible must be one of {GUEST_VISIBLE}", "guest_visible", ident)
        if raw.get("decided_on") not in DECIDED_ON:
            err("code", index, f"decided_on must be one of {DECIDED_ON}", "decided_on", ident)
        aliases = _strings(raw.get("aliases", [])) or ()
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
            docs=_strings(raw.get("docs", [])) or (),
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
        steps, steps_sv = _strings(raw.get("steps")), _strings(raw.get("steps_sv"))
        if not steps or not steps_sv or len(steps) != len(steps_sv):
            err("cause", index, "'steps' and 'steps_sv' must be non-empty lists of the same length", "steps", ident)
        docs = _strings(raw.get("docs")) or ()
        if not docs or not all(d.startswith("https://learn.microsoft.com/") for d in docs):
            err("cause", index, "'docs' must list learn.microsoft.com links", "docs", ident)
        produced = _strings(raw.get("codes", []))
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
        )

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
            error_codes = _strings(raw.get("error_codes", [])) or ()
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
        checks, checks_sv = _strings(raw.get("checks")), _strings(raw.get("checks_sv"))
        if not checks or not checks_sv or len(checks) != len(checks_sv):
            err("check", index, "'checks' and 'checks_sv' must be non-empty lists of the same length", "checks")
        fails_on = _strings(raw.get("fails_on", [])) or ()
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
            )
        )
    if [c.step for c in checklist] != [1, 2, 3, 4]:
        errors.append(ValidationError(name, 1, "the checklist must have steps 1, 2, 3 and 4 in order"))

    return Knowledge(
        codes=codes,
        causes=causes_by_id,
        result_codes=result_codes,
        checklist=tuple(checklist),
        sources={str(k): str(v) for k, v in sources.items()},
        file=name,
    )


# --------------------------------------------------------------------------------------------
# Signatures
# --------------------------------------------------------------------------------------------


class _Block:
    """Error reporting for one ``[[signature]]`` table."""

    def __init__(self, file: str, where: _TomlText, index: int, errors: list[ValidationError]):
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
        sources = _strings(raw["source"]) or ()
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
        levels = _strings(raw["event_level"]) or ()
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
        declared = _strings(raw["literals"])
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
    if not isinstance(raw, dict) or set(raw) - {"match", "no_match"}:
        block.err(f"{label} must be a table with 'match' and/or 'no_match' lists", label)
        return []
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


def _parse_signature(raw: Mapping[str, Any], block: _Block, knowledge: Knowledge) -> Signature | None:
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
    status = raw.get("status", "experimental")
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
    lists = {}
    for key in ("references", "falsepositives", "related"):
        value = _strings(raw.get(key, []))
        if value is None:
            block.err(f"{key} must be a list of strings", key)
        lists[key] = value or ()
    codes = _strings(raw.get("codes", []))
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

    sources = _strings(raw.get("source")) or ()
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
            by = _strings(spec.get("by", [])) or ()
            if expect is not None:
                absence = AbsenceSpec(expect=expect, within=within, within_text=str(spec.get("within", "")), after=after, by=by)
        if "examples" in raw:
            block.err("an absence rule keeps its examples under absence.after / absence.expect", "examples")
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
                count = CountSpec(min=spec["min"], window=window, window_text=str(spec.get("window", "")), by=_strings(spec.get("by", [])) or ())
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
            state = StateSpec(key=_strings(spec.get("key", [])) or (), where=where)
        for key in ("count", "absence", "state"):
            if key in raw and key != kind:
                block.err(f"'{key}' table given but kind is {kind!r}", key)
    if kind == "event" and not examples:
        block.err("an event rule needs at least one example in examples.match", "examples")
    elif kind == "event" and not any(e.expect_match for e in examples):
        block.err("an event rule needs at least one example in examples.match", "examples")

    if block.failed:
        return None
    all_sources = list(sources)
    if absence:
        for part in (absence.expect, absence.after):
            for source in part.sources if part else ():
                if source not in all_sources:
                    all_sources.append(source)
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
        file=block.file,
        line=block.start,
    )


def _without(table: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k != key}


def _read_pack(path, knowledge: Knowledge, errors: list[ValidationError]) -> list[Signature]:
    name = str(path)
    try:
        text = _read_text(path)
        doc = tomllib.loads(text)
    except OSError as error:
        errors.append(ValidationError(name, 0, f"cannot read: {error}"))
        return []
    except tomllib.TOMLDecodeError as error:
        errors.append(ValidationError(name, _toml_error_line(error), f"not valid TOML: {error}"))
        return []
    where = _TomlText(text)
    for key in sorted(set(doc) - {"signature", "pack"}):
        errors.append(ValidationError(name, where.key_line(1, len(where.lines) + 1, key), f"unknown top-level key {key!r}"))
    raws = doc.get("signature", [])
    if not isinstance(raws, list):
        errors.append(ValidationError(name, 1, "signatures are [[signature]] tables"))
        return []
    signatures = []
    for index, raw in enumerate(raws):
        signature = _parse_signature(raw, _Block(name, where, index, errors), knowledge)
        if signature is not None:
            signatures.append(signature)
    return signatures


def _pack_files(directory) -> list:
    entries = [p for p in directory.iterdir() if p.name.endswith(".toml") and p.name not in (KNOWLEDGE_FILE, TUNING_FILE)]
    return sorted(entries, key=lambda p: p.name)


def _cross_checks(signatures: list[Signature], knowledge: Knowledge, errors: list[ValidationError], known_ids: Iterable[str] = ()) -> None:
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


def _validate_dirs(directories: list, knowledge: Knowledge, errors: list[ValidationError], known_ids=()) -> list[Signature]:
    signatures: list[Signature] = []
    for directory in directories:
        for path in _pack_files(directory):
            signatures.extend(_read_pack(path, knowledge, errors))
    _cross_checks(signatures, knowledge, errors, known_ids)
    failures = run_examples(signatures)
    errors.extend(failure.as_error() for failure in failures)
    return signatures


def validate(directory=None) -> list[ValidationError]:
    """Every problem in a folder of packs (the shipped folder when None); never raises.

    A ``knowledge.toml`` in the folder is checked and used; otherwise the shipped knowledge is.
    Ids of the shipped packs count as known for ``related`` but not as duplicates.
    """
    shipped = shipped_dir()
    folder = shipped if directory is None else Path(directory)
    errors: list[ValidationError] = []
    own_knowledge = folder / KNOWLEDGE_FILE
    if own_knowledge.is_file():
        knowledge = _read_knowledge(own_knowledge, errors)
    else:
        knowledge = _read_knowledge(shipped / KNOWLEDGE_FILE, errors)
    if knowledge is None:
        return errors
    known_ids = _shipped_ids(knowledge) if directory is not None else []
    _validate_dirs([folder], knowledge, errors, known_ids)
    return errors


def _read_tuning(tuning, signatures: list[Signature], errors: list[ValidationError]) -> tuple[set[str], dict[str, Any]]:
    """``tuning.toml``: ``disable = [ids]`` and ``[weights] id = 0.3`` (or ``id = {cause = 0.3}``)."""
    if tuning is None:
        return set(), {}
    if isinstance(tuning, Mapping):
        name, text, doc = "<tuning>", "", dict(tuning)
    else:
        name = str(tuning)
        try:
            text = _read_text(Path(tuning))
            doc = tomllib.loads(text)
        except OSError as error:
            errors.append(ValidationError(name, 0, f"cannot read: {error}"))
            return set(), {}
        except tomllib.TOMLDecodeError as error:
            errors.append(ValidationError(name, _toml_error_line(error), f"not valid TOML: {error}"))
            return set(), {}
    where = _TomlText(text)
    end = len(where.lines) + 1

    def err(reason: str, probe: str) -> None:
        errors.append(ValidationError(name, where.text_line(1, end, probe) or 1 if text else 0, reason))

    by_id = {s.id: s for s in signatures}
    for key in sorted(set(doc) - {"disable", "weights"}):
        err(f"unknown key {key!r} (tuning takes 'disable' and [weights])", key)
    disable = doc.get("disable", [])
    if _strings(disable) is None:
        err("disable must be a list of signature ids", "disable")
        disable = []
    for ident in disable:
        if ident not in by_id:
            err(f"disable: unknown signature id {ident!r}", ident)
    weights = doc.get("weights", {})
    if not isinstance(weights, dict):
        err("[weights] must be a table", "weights")
        weights = {}
    for ident, value in weights.items():
        signature = by_id.get(ident)
        if signature is None:
            err(f"weights: unknown signature id {ident!r}", ident)
            continue
        values = value if isinstance(value, dict) else {None: value}
        for cause_id, weight in values.items():
            if cause_id is not None and cause_id not in dict(signature.causes):
                err(f"weights: {ident} has no cause {cause_id!r}", ident)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
                err(f"weights: {ident} weight must be within 0..1", ident)
    return set(disable), weights


def _apply_weights(signature: Signature, value: Any) -> Signature:
    if isinstance(value, dict):
        causes = tuple((c, float(value.get(c, w))) for c, w in signature.causes)
    else:
        causes = tuple((c, float(value)) for c, _ in signature.causes)
    return replace(signature, causes=causes)


def load_signatures(extra_dirs: Iterable = (), tuning=None, *, knowledge: Knowledge | None = None) -> SignatureSet:
    """The shipped packs plus ``extra_dirs``, checked, examples run, then ``tuning`` applied.

    ``tuning`` is a path to a ``tuning.toml`` or an equivalent mapping. Raises
    :class:`SignatureError` listing every problem when anything is wrong.
    """
    errors: list[ValidationError] = []
    shipped = shipped_dir()
    if knowledge is None:
        knowledge = _read_knowledge(shipped / KNOWLEDGE_FILE, errors)
        if knowledge is None:
            raise SignatureError(errors)
    directories = [shipped, *(Path(d) for d in extra_dirs)]
    for directory in directories[1:]:
        if not directory.is_dir():
            errors.append(ValidationError(str(directory), 0, "not a folder"))
    signatures = _validate_dirs([d for d in directories if d.is_dir()], knowledge, errors)
    disabled, weights = _read_tuning(tuning, signatures, errors)
    if errors:
        raise SignatureError(errors)
    tuned = tuple(
        _apply_weights(s, weights[s.id]) if s.id in weights else s for s in signatures if s.id not in disabled
    )
    return SignatureSet(
        signatures=tuned,
        knowledge=knowledge,
        disabled=tuple(sorted(disabled)),
        dirs=tuple(str(d) for d in directories),
    )


def load_pack(path, *, knowledge: Knowledge | None = None) -> list[Signature]:
    """The signatures of one pack file, checked and with examples run; SignatureError if wrong."""
    errors: list[ValidationError] = []
    if knowledge is None:
        knowledge = load_knowledge()
    signatures = _read_pack(Path(path), knowledge, errors)
    _cross_checks(signatures, knowledge, errors, _shipped_ids(knowledge))
    errors.extend(failure.as_error() for failure in run_examples(signatures))
    if errors:
        raise SignatureError(errors)
    return signatures


def _shipped_ids(knowledge: Knowledge) -> list[str]:
    ignored: list[ValidationError] = []
    return [s.id for path in _pack_files(shipped_dir()) for s in _read_pack(path, knowledge, ignored)]


def run_examples(signatures: Iterable[Signature] | SignatureSet) -> list[ExampleFailure]:
    """Run every signature's examples through the matcher; the failures (empty when all pass)."""
    from .matching import check_examples

    return check_examples(list(signatures))
