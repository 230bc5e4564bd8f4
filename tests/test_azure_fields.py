"""The field contract for the Azure parsers: each declares the ``fields`` its events carry, and
every field emitted on the Azure test data and samples is declared."""

from __future__ import annotations

from pathlib import Path

from loganalyzer.reader import read_bundle
from loganalyzer.sources import EVERY_EVENT_FIELDS, ParseContext, all_parsers, azure

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "azure"
AZURE_NAMES = {parser.name for parser in azure.PARSERS}


def _best(path: str, data: bytes):
    claims = [(parser.claim(path, data[:8192]), -index, parser) for index, parser in enumerate(all_parsers())]
    level, _, parser = max(claims, key=lambda c: (c[0], c[1]))
    return parser if level > 0 else None


def test_every_azure_parser_declares_fields_with_meanings():
    for parser in azure.PARSERS:
        assert parser.fields, parser.name
        assert all(isinstance(meaning, str) and meaning.strip() for meaning in parser.fields.values()), parser.name


def test_every_field_emitted_on_the_azure_test_data_is_declared():
    missing: dict[str, set[str]] = {}
    for file in sorted(DATA.iterdir()):
        data = file.read_bytes()
        parser = _best(f"azure/{file.name}", data)
        if parser is None or parser.name not in AZURE_NAMES:
            continue
        result = parser.parse(data, ParseContext(file=file.name, path=f"azure/{file.name}"))
        declared = set(parser.fields) | set(EVERY_EVENT_FIELDS)
        for fields in result.events.fields:
            missing.setdefault(parser.name, set()).update(set(fields) - declared)
    assert not {name: keys for name, keys in missing.items() if keys}


def test_every_field_emitted_on_the_azure_samples_is_declared():
    by_name = {parser.name: parser for parser in azure.PARSERS}
    missing: dict[str, set[str]] = {}
    for bundle in sorted((REPO / "samples").glob("azure-*")):
        contents = read_bundle(bundle)
        for row in contents.event_table.select(["file", "fields"]).to_pylist():
            parser = by_name.get(contents.parsers[row["file"]])
            if parser is None:
                continue
            undeclared = {key for key, _ in row["fields"]} - set(parser.fields) - set(EVERY_EVENT_FIELDS)
            if undeclared:
                missing.setdefault(parser.name, set()).update(undeclared)
    assert not missing, missing
