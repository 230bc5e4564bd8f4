"""Each fact in one place: the documented error codes and the portal messages that name them live
only in ``signatures/knowledge.toml``; :mod:`loganalyzer.sources.azure.codes` reads them, no module repeats them."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources.azure.codes import (
    canonical_code,
    code_from_text,
    code_tables,
    documented,
    tables_from,
)

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = tomllib.loads((REPO / "signatures" / "knowledge.toml").read_text(encoding="utf-8"))
SPELLINGS = sorted({label for code in KNOWLEDGE["code"] for label in (code["id"], *code.get("aliases", ()))})


def _python_files():
    return sorted((REPO / "loganalyzer").rglob("*.py"))


def _string_literals(path: Path) -> list[str]:
    """The string constants of a module's code (docstrings, which show samples, left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_module_holds_a_table_of_documented_codes():
    """A module whose code names two or more documented codes holds a code table: it belongs in
    knowledge.toml (a docstring's sample may name them)."""
    word = re.compile(r"\b(" + "|".join(map(re.escape, sorted(SPELLINGS, key=len, reverse=True))) + r")\b")
    tables = {}
    for path in _python_files():
        named = {found for text in _string_literals(path) for found in word.findall(text)}
        if len(named) >= 2:
            tables[str(path.relative_to(REPO))] = sorted(named)
    assert not tables, f"code tables outside knowledge.toml: {tables}"


def test_no_module_repeats_a_portal_message_pattern():
    patterns = [entry["pattern"] for entry in KNOWLEDGE["portal_message"]]
    found = {
        str(path.relative_to(REPO)): [p for p in patterns if p in text]
        for path in _python_files()
        for text in [path.read_text(encoding="utf-8")]
        if any(p in text for p in patterns)
    }
    assert not found, found


def test_every_portal_message_names_a_documented_code_and_a_language():
    ids = {code["id"] for code in KNOWLEDGE["code"]}
    for entry in KNOWLEDGE["portal_message"]:
        assert entry["code"] in ids, entry
        assert re.fullmatch(r"[a-z]{2}", entry["lang"]), entry


def test_the_enrichment_tables_are_the_knowledge_files():
    tables = code_tables()
    assert set(tables.canonical) == {label.lower() for label in SPELLINGS}
    assert [(code, lang) for code, lang, _ in tables.messages] == [(e["code"], e["lang"]) for e in KNOWLEDGE["portal_message"]]


def test_an_alias_is_read_as_its_code():
    """Drift fixed: BackUpOperationFailedV2 was a code of its own in the Azure parser and an alias
    in the knowledge base; it is the alias now everywhere."""
    assert canonical_code("BackUpOperationFailedV2") == "BackUpOperationFailed"
    assert code_from_text("Backup failed: BackUpOperationFailedV2") == ("BackUpOperationFailed", "name", "")
    assert documented("BackUpOperationFailed") and not documented("BackUpOperationFailedV2")


def test_a_new_language_is_a_table_row():
    document = {**KNOWLEDGE, "portal_message": [*KNOWLEDGE["portal_message"],
                                                {"code": "UserErrorFsFreezeFailed", "lang": "nl", "pattern": "bevriezen mislukt"}]}
    tables = tables_from(document)
    matched = next(code for code, lang, pattern in tables.messages if pattern.search("het bevriezen mislukt"))
    assert matched == "UserErrorFsFreezeFailed"


@given(st.text(max_size=300))
def test_any_text_decides_a_documented_code_a_user_error_or_nothing(text):
    decided = code_from_text(text)
    if decided is not None:
        code, basis, lang = decided
        assert documented(code) or code.startswith("UserError")
        assert basis in ("name", "message") and (lang == "") == (basis == "name")
