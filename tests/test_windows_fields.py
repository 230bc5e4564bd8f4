"""The field contract for the Windows parsers: each declares the ``fields`` its events carry,
and every key they emit on real data (samples, accuracy bundles, test data, shared fixtures)
is declared, directly or through a family (``data.*``, ``param*``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loganalyzer.reader import read_bundle
from loganalyzer.sources import EVERY_EVENT_FIELDS, all_parsers, fields_markdown
from loganalyzer.sources.windows import PARSERS

REPO = Path(__file__).resolve().parent.parent
WINDOWS = {parser.name: parser for parser in PARSERS}


def _undeclared(contents) -> dict[str, set[str]]:
    missing: dict[str, set[str]] = {}
    for row in contents.event_table.select(["file", "fields"]).to_pylist():
        parser = WINDOWS.get(contents.parsers[row["file"]])
        if parser is None:
            continue
        names = set(parser.fields) | set(EVERY_EVENT_FIELDS)
        families = tuple(name[:-1] for name in parser.fields if name.endswith("*")) or ("\0",)
        for key, _ in row["fields"]:
            if key not in names and not key.startswith(families):
                missing.setdefault(parser.name, set()).add(key)
    return missing


def test_every_windows_parser_declares_fields_with_meanings():
    assert {parser.name for parser in PARSERS} <= {parser.name for parser in all_parsers()}
    for parser in PARSERS:
        assert parser.fields, parser.name
        assert all(isinstance(meaning, str) and meaning.strip() for meaning in parser.fields.values()), parser.name


def test_the_field_document_lists_every_windows_parser():
    document = fields_markdown()
    for parser in PARSERS:
        assert f"### {parser.name}\n\n| field | meaning |" in document, parser.name


def test_every_field_emitted_on_the_samples_and_accuracy_bundles_is_declared():
    missing: dict[str, set[str]] = {}
    for root in (REPO / "samples", REPO / "tests" / "bundles"):
        for bundle in sorted(root.iterdir()):
            if bundle.is_dir() or bundle.suffix in (".zip", ".gz", ".tgz", ".tar"):
                for name, keys in _undeclared(read_bundle(bundle)).items():
                    missing.setdefault(name, set()).update(keys)
    assert not missing, missing


def test_every_field_emitted_on_the_windows_test_data_is_declared(tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(REPO / "tests" / "data" / "windows", bundle / "exports")
    contents = read_bundle(bundle)
    assert set(contents.parsers.values()) & set(WINDOWS)
    assert not _undeclared(contents)


@pytest.mark.parametrize("folder", ["windows"])
def test_every_field_emitted_on_the_shared_fixtures_is_declared(shared, folder):
    contents = read_bundle(shared / "fixtures" / folder)
    assert "evtx" in set(contents.parsers.values())
    assert not _undeclared(contents)
