"""The value types of signatures and knowledge, the vocabularies they use, and two small parsers.

Nothing here reads a file: the loaders (:mod:`.knowledge`, :mod:`.packs`, :mod:`.loader`) build
these frozen values, the matcher (:mod:`loganalyzer.matching`) and the ranking read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

__all__ = [
    "EVENT_LEVELS",
    "KINDS",
    "OPERATORS",
    "RULE_LEVELS",
    "STATUSES",
    "AbsenceSpec",
    "Cause",
    "CheckStep",
    "Condition",
    "CountSpec",
    "ErrorCode",
    "Example",
    "ExampleFailure",
    "InputRule",
    "Knowledge",
    "Matcher",
    "RawExample",
    "ResultCode",
    "Signature",
    "SignatureError",
    "SignatureSet",
    "StateSpec",
    "ValidationError",
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

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}



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
class RawExample:
    """Real input text (a log line, a file) that, read by the real parser, the rule must select.

    ``path`` is where the file would sit in a bundle (``var/log/waagent.log``); the parser is the
    one the reader would choose for that path and text.
    """

    path: str
    text: str
    expect_match: bool = True
    line: int = 0
    #: other files of the same bundle, ``(path, text)``: facts inferred across files need them
    others: tuple[tuple[str, str], ...] = ()


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
    raw_examples: tuple[RawExample, ...] = ()
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
    #: not a failure: the backup goes on with weaker consistency (``degraded = true``)
    degraded: bool = False
    #: causes whose symptoms this one produces (a stopped agent silences every extension):
    #: when both are found, this one ranks first and says it explains them
    explains: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownDefect:
    """A released version of the agent or the backup extension with a defect that breaks backups."""

    program: str  # agent | backup-extension
    version_ge: str
    version_lt: str
    summary: str
    reference: str


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
class InputRule:
    """Which read files let a checklist step be evaluated: every given part must hold."""

    #: the file was read by a parser of one of these sources (any source when empty)
    sources: tuple[str, ...] = ()
    #: the file's path contains this text (case-sensitive)
    file_contains: str | None = None
    #: the file's path names the backup extension (see ``Knowledge.backup_extension``)
    backup_extension_file: bool = False


@dataclass(frozen=True)
class CheckStep:
    step: int
    title: str
    title_sv: str
    checks: tuple[str, ...]
    checks_sv: tuple[str, ...]
    fails_on: tuple[str, ...]
    inputs: tuple[InputRule, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    """The documented error codes, causes, result codes, checklist and known sources."""

    codes: Mapping[str, ErrorCode]
    causes: Mapping[str, Cause]
    result_codes: Mapping[tuple[str, int], ResultCode]
    checklist: tuple[CheckStep, ...]
    sources: Mapping[str, str]
    #: names of the backup extension (VMSnapshot, IaaSBcdr, ...), matched case-insensitively
    #: in an event's component or a file's path
    backup_extension: tuple[str, ...] = ()
    #: OS family -> prefixes of the source names that only that family produces
    os_families: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    file: str = ""
    #: the oldest Linux agent version the troubleshooting article accepts
    agent_floor_version: str = ""
    #: agent and backup-extension versions with known defects that break backups
    known_defects: tuple[KnownDefect, ...] = ()
    #: the code the service reports follows the agent's state at the failure time:
    #: ``unreachable_causes`` -> ``unreachable_code``, ``ready_causes`` -> ``ready_code``
    reachability: Mapping[str, Any] = field(default_factory=dict)

    @property
    def backup_extension_pattern(self) -> str:
        """A case-insensitive regex (RE2 and ``re``) for any of the backup extension's names."""
        return "(?i)" + "|".join(re.escape(name) for name in self.backup_extension)

    def os_family(self, sources: Iterable[str]) -> str | None:
        """The one OS family whose sources were read, or None (none or both)."""
        seen = set(sources)
        found = [family for family, prefixes in self.os_families.items() if any(s.startswith(tuple(prefixes)) for s in seen)]
        return found[0] if len(found) == 1 else None

    def inputs_per_step(self, files: Mapping[str, str]) -> dict[int, list[str]]:
        """For each checklist step, the read files (path -> source) that let it be evaluated."""
        backup = re.compile(self.backup_extension_pattern) if self.backup_extension else None
        out: dict[int, list[str]] = {}
        for check in self.checklist:
            out[check.step] = [
                path
                for path, source in files.items()
                if any(
                    (not rule.sources or source in rule.sources)
                    and (rule.file_contains is None or rule.file_contains in path)
                    and (not rule.backup_extension_file or (backup is not None and backup.search(path)))
                    for rule in check.inputs
                )
            ]
        return out

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
    #: ids of ``status = "experimental"`` rules left out (load with include_experimental=True)
    experimental: tuple[str, ...] = ()

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
# Small parsers: durations, versions
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
