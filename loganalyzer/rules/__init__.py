"""Signatures and the knowledge base as data: load them, check them, tune them.

    model.py       the frozen value types (Signature, Matcher, Knowledge, ...) and vocabularies
    files.py       where the shipped files are; the line of a key in TOML text
    regexes.py     the RE2 / ``regex`` common subset, literals for the prefilter
    knowledge.py   knowledge.toml: codes, causes, result codes, checklist, input facts
    fields.py      the contract: a rule names only fields its sources' parsers declare
    packs.py       one pack file of [[signature]] tables -> Signatures or file:line problems
    tuning.py      tuning.toml: disable ids, change weights
    loader.py      load_signatures(): shipped + extra folders, experimental filter, tuning
    examples.py    run examples (event and raw), validate(), load_pack() (imports the matcher)

A pack is a TOML file of ``[[signature]]`` tables; the format is documented in
``signatures/README.md``. Everything is checked when loaded: a wrong file is refused with its
file, line and reason (:class:`ValidationError`), never half-used.

``examples`` is not imported here: it needs the matcher, which needs :mod:`.model`, and importing
it from this package would make ``rules -> examples -> matching -> rules`` a cycle.
"""

from .fields import READER_FIELDS, FieldContract, parser_contract
from .files import shipped_dir
from .knowledge import load_knowledge
from .loader import load_signatures
from .model import (
    KINDS,
    OPERATORS,
    AbsenceSpec,
    Cause,
    CheckStep,
    Condition,
    CountSpec,
    ErrorCode,
    Example,
    ExampleFailure,
    InputRule,
    Knowledge,
    Matcher,
    RawExample,
    ResultCode,
    Signature,
    SignatureError,
    SignatureSet,
    StateSpec,
    ValidationError,
    parse_duration,
    version_key,
)
from .regexes import check_regex, derive_literals

__all__ = [
    "KINDS",
    "OPERATORS",
    "READER_FIELDS",
    "AbsenceSpec",
    "Cause",
    "CheckStep",
    "Condition",
    "CountSpec",
    "ErrorCode",
    "Example",
    "ExampleFailure",
    "FieldContract",
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
    "check_regex",
    "derive_literals",
    "load_knowledge",
    "load_signatures",
    "parse_duration",
    "parser_contract",
    "shipped_dir",
    "version_key",
]
