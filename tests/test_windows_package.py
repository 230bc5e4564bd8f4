"""The shape of ``loganalyzer.sources.windows``: one job per module, the registry's guard policy,
shared code in non-parser modules only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from loganalyzer.events import EventRows
from loganalyzer.sources import ParseContext
from loganalyzer.sources.windows import PARSERS

PACKAGE = Path(__file__).resolve().parent.parent / "loganalyzer" / "sources" / "windows"
DATA = Path(__file__).parent / "data" / "windows"
MODULES = {path.stem: path for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
#: modules that define a parser (``PARSER = Parser(...)``): what no other module may import
PARSER_MODULES = {name for name, path in MODULES.items() if "Parser(" in path.read_text(encoding="utf-8")}

#: (parser, path in the bundle, data with at least two events)
TWO_EVENTS = [
    ("event-xml", "System.xml", (DATA / "system-wevtutil.xml").read_bytes()),
    ("eventviewer-csv", "Application.csv", (DATA / "application-en.csv").read_bytes()),
    ("eventviewer-txt", "System.txt", (DATA / "system-eventviewer.txt").read_bytes()),
    ("powershell-csv", "System.csv", (DATA / "system-ps51.csv").read_bytes()),
    ("powershell-json", "Application.json", (DATA / "application-ps51.json").read_bytes()),
    ("WaAppAgent.log", "WindowsAzure/Logs/WaAppAgent.log", (DATA / "WaAppAgent.log").read_bytes()),
    ("windows-extension-log", "WindowsAzure/Logs/Plugins/X/1.0/CommandExecution.log", (DATA / "WaAppAgent.log").read_bytes()),
    ("windows-extension-status", "Packages/Plugins/X/1.0/Status/1.status",
     b'[{"status": {"status": "error", "code": 1, "substatus": [{"status": "error"}, {"status": "success"}]}}]'),
]


def test_every_windows_parser_leaves_the_guard_to_the_registry():
    assert all(parser.read is not None for parser in PARSERS)


@pytest.mark.parametrize("name,path,data", TWO_EVENTS, ids=[case[0] for case in TWO_EVENTS])
def test_a_bug_keeps_the_events_before_it(monkeypatch, name, path, data):
    parser = next(p for p in PARSERS if p.name == name)
    original = EventRows.add
    calls = {"n": 0}

    def add_then_fail(self, **row):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("planted bug")
        original(self, **row)

    monkeypatch.setattr(EventRows, "add", add_then_fail)
    result = parser.parse(data, ParseContext(file=path, path=path))
    assert calls["n"] > 1
    assert len(result.events) == 1
    assert [p.kind for p in result.problems].count("parser-error") == 1
    assert result.lines == result.events.spans + result.unparsed


def test_no_module_imports_a_parser_module():
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module.rsplit(".", 1)[-1] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module and node.level == 1}
        assert not imported & PARSER_MODULES, f"{name} imports parser module(s) {imported & PARSER_MODULES}"


def test_modules_are_small_and_parser_modules_open_with_a_sample():
    assert len(PARSER_MODULES) >= 12
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 400, f"{name} has grown past 400 lines"
        docstring = ast.get_docstring(ast.parse(text)) or ""
        assert docstring, name
        if name in PARSER_MODULES:
            assert "::" in docstring and "fields" in docstring, f"{name}: docstring needs a sample and its fields"
