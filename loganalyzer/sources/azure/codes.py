"""Error codes in Azure exports, decided from what the export says: a code as written (any
case, an alias), or an error text naming a code or reading as a code's documented portal message.

The tables live only in ``signatures/knowledge.toml``: the ``[[code]]`` ids with their
``aliases`` and the ``[[portal_message]]`` patterns (a code's message in each portal language).
They are read once per process; no module holds a code name of its own. The decision is made
while parsing, because an event's message names its code; this module imports nothing of the
rules, so parsers may use it.

    >>> canonical_code("usererrorkeyvaultpermissionsnotconfigured")
    'UserErrorKeyvaultPermissionsNotConfigured'
    >>> code_from_text("Unable to initiate backup as another backup operation is currently in progress.")
    ('UserErrorBackupOperationInProgress', 'message', 'en')

What stays beside them is the shape of the compute / ARM codes that show inside compute-provider
and activity-log messages (``OperationNotAllowed``, ``ScopeLocked``), which no documented table
holds.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "INNER_CODE",
    "CodeTables",
    "canonical_code",
    "code_from_text",
    "code_in",
    "code_tables",
    "documented",
    "inner_code",
    "named_codes",
    "tables_from",
]

#: any service code that looks like a backup user error, documented or not
_USER_ERROR_TOKEN = re.compile(r"\b(UserError[A-Za-z0-9]{3,})\b")


@dataclass(frozen=True)
class CodeTables:
    """The code tables of the knowledge file, compiled."""

    #: every documented code and alias, lower-case, to the code's id
    canonical: dict[str, str]
    #: a documented code or alias as a whole word, any case
    token: re.Pattern[str]
    #: ``(code, lang, pattern)`` in the file's order; the first match decides
    messages: tuple[tuple[str, str, re.Pattern[str]], ...]


def _knowledge_text() -> str:
    try:
        folder = importlib.resources.files("loganalyzer.signature_packs")
    except ModuleNotFoundError:  # an editable checkout: the repo's signatures/
        folder = Path(__file__).resolve().parents[3] / "signatures"
    return (folder / "knowledge.toml").read_text(encoding="utf-8")


def tables_from(document: dict) -> CodeTables:
    """Compile the code tables of a parsed knowledge document."""
    canonical: dict[str, str] = {}
    for code in document.get("code", []):
        for label in (code["id"], *code.get("aliases", ())):
            canonical[label.lower()] = code["id"]
    spellings = {label for code in document.get("code", []) for label in (code["id"], *code.get("aliases", ()))}
    token = re.compile(r"\b(" + "|".join(sorted(spellings, key=len, reverse=True)) + r")\b", re.IGNORECASE)
    messages = tuple(
        (entry["code"], entry["lang"], re.compile(entry["pattern"], re.IGNORECASE | re.DOTALL))
        for entry in document.get("portal_message", [])
    )
    return CodeTables(canonical, token, messages)


@functools.lru_cache(maxsize=1)
def code_tables() -> CodeTables:
    """The shipped knowledge file's code tables (read once)."""
    return tables_from(tomllib.loads(_knowledge_text()))


def canonical_code(token: str) -> str:
    """A documented code (or alias) as the knowledge file's id; anything else as written."""
    return code_tables().canonical.get(token.strip().lower(), token.strip())


def named_codes(text: str) -> list[str]:
    """Every documented code or alias named in ``text``, as written there."""
    return code_tables().token.findall(text)


def code_in(text: str | None) -> str | None:
    """The first documented code named in ``text`` (as its id), else a ``UserError...`` code."""
    if not text:
        return None
    found = code_tables().token.search(text)
    if found:
        return canonical_code(found.group(1))
    found = _USER_ERROR_TOKEN.search(text)
    return found.group(1) if found else None


def code_from_text(*texts: str | None) -> tuple[str, str, str] | None:
    """``(code, basis, lang)`` decided from error texts: a code named in any of them first
    (basis ``name``, no language), else a documented portal message (basis ``message``)."""
    present = [t for t in texts if t]
    for text in present:
        code = code_in(text)
        if code:
            return code, "name", ""
    joined = "\n".join(present)
    for code, lang, pattern in code_tables().messages:
        if pattern.search(joined):
            return code, "message", lang
    return None


def documented(code: str) -> bool:
    """Whether ``code`` is the id of a documented code (not an alias, not an unknown one)."""
    return code in code_tables().canonical.values()


#: compute / ARM error codes that show inside CRP and activity-log messages
INNER_CODE = re.compile(
    r"\b(OperationNotAllowed|ScopeLocked|VMExtensionProvisioning(?:Error|Timeout)|VMAgentStatusCommunicationError"
    r"|AllocationFailed|ResourceNotFound|Conflict|DiskEncryption[A-Za-z]*|KeyVault[A-Za-z]*Error|"
    r"OSProvisioning(?:TimedOut|ClientError)|InternalOperationError|BadRequest|AuthorizationFailed"
    r"|RestorePointCollection[A-Za-z]*|TooManyRestorePoints|QuotaExceeded)\b"
)


def inner_code(text: str) -> str | None:
    """The first compute / ARM code inside ``text``."""
    found = INNER_CODE.search(text)
    return found.group(1) if found else None
