"""The field contract: parsers declare the ``fields`` they emit; ``docs/fields.md`` is generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from loganalyzer.reader import read_bundle
from loganalyzer.sources import EVERY_EVENT_FIELDS, all_parsers, fields_markdown, linux

REPO = Path(__file__).resolve().parent.parent
LINUX_NAMES = {parser.name for parser in linux.PARSERS}


def _declared(parser) -> tuple[set[str], tuple[str, ...]]:
    names = set(parser.fields) | set(EVERY_EVENT_FIELDS)
    families = tuple(name[:-1] for name in parser.fields if name.endswith("*"))
    return names, families


def _undeclared(contents) -> dict[str, set[str]]:
    by_name = {parser.name: parser for parser in all_parsers()}
    missing: dict[str, set[str]] = {}
    for row in contents.event_table.select(["file", "fields"]).to_pylist():
        name = contents.parsers[row["file"]]
        if name not in LINUX_NAMES:
            continue
        names, families = _declared(by_name[name])
        for key, _ in row["fields"]:
            if key not in names and not key.startswith(families or ("\0",)):
                missing.setdefault(name, set()).add(key)
    return missing


def test_the_checked_in_field_document_is_the_generated_one():
    assert (REPO / "docs" / "fields.md").read_text(encoding="utf-8") == fields_markdown(), (
        "docs/fields.md is out of date: regenerate it with loganalyzer.sources.fields_markdown()"
    )


def test_every_linux_parser_declares_fields_with_meanings():
    for parser in linux.PARSERS:
        assert parser.fields, parser.name
        assert all(isinstance(meaning, str) and meaning.strip() for meaning in parser.fields.values()), parser.name


def _bundles(shared_root: Path | None) -> list[Path]:
    found = [path for root in (REPO / "samples", REPO / "tests" / "bundles") for path in sorted(root.iterdir())]
    if shared_root is not None:
        found += sorted((shared_root / "fixtures").iterdir())
    return [path for path in found if path.is_dir() or path.suffix in (".zip", ".gz", ".tgz", ".tar")]


def test_every_field_a_linux_parser_emits_on_the_samples_is_declared():
    missing: dict[str, set[str]] = {}
    for bundle in _bundles(None):
        for name, keys in _undeclared(read_bundle(bundle)).items():
            missing.setdefault(name, set()).update(keys)
    assert not missing, missing


def test_every_field_a_linux_parser_emits_on_the_shared_fixtures_is_declared(shared):
    missing: dict[str, set[str]] = {}
    for bundle in sorted((shared / "fixtures").iterdir()):
        for name, keys in _undeclared(read_bundle(bundle)).items():
            missing.setdefault(name, set()).update(keys)
    assert not missing, missing


@pytest.mark.parametrize("data_dir", ["waagent_log"])
def test_every_field_emitted_on_the_parser_test_data_is_declared(data_dir, tmp_path):
    source = REPO / "tests" / "data" / data_dir
    bundle = tmp_path / "bundle" / "var" / "log"
    bundle.mkdir(parents=True)
    for number, file in enumerate(sorted(source.iterdir())):
        (bundle / f"waagent.log.{number}").write_bytes(file.read_bytes())
    assert not _undeclared(read_bundle(tmp_path / "bundle"))
