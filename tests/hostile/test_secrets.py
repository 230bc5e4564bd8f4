"""No secret leaves by any door: every secret kind, planted into the inputs of every parser
family, is checked through every output (``diagnose`` in text, Markdown, JSON and HTML;
``events`` as table, CSV, JSONL and Parquet; the batch datasets, markers and summary; the
Python tables). A property test plants random kinds in random families with random text around
them; the full cross product runs once, through the CLI and a batch too.
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hostile_kit import (
    CARRIERS,
    SECRET_KINDS,
    leaks,
    planted_bundle,
    real_failure_found,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loganalyzer import diagnose, read_bundle, run_batch
from loganalyzer.cli import main as cli_main
from loganalyzer.redaction import MASK, redact, redact_json, redact_table
from loganalyzer.signatures import load_knowledge, load_signatures


@functools.lru_cache(maxsize=1)
def _rules():
    knowledge = load_knowledge()
    return load_signatures(knowledge=knowledge), knowledge


def api_outputs(bundle: Path) -> dict[str, str]:
    """Every output of the Python API: the tables, every diagnosis format, events as Parquet."""
    signatures, knowledge = _rules()
    diagnosis = diagnose(bundle, signatures=signatures, knowledge=knowledge)
    events = pa.Table.from_pandas(diagnosis.events, preserve_index=False)
    parquet = io.BytesIO()
    pq.write_table(events, parquet)
    return {
        "events": diagnosis.events.astype(str).to_csv(),
        "events jsonl": "\n".join(json.dumps(row, default=str) for row in events.to_pylist()),
        "events parquet": str(pq.read_table(io.BytesIO(parquet.getvalue())).to_pylist()),
        "problems": diagnosis.problems.to_csv(),
        "coverage": diagnosis.coverage.to_csv(),
        "evidence": diagnosis.evidence.astype(str).to_csv(),
        "text": diagnosis.to_text(minimum="unlikely"),
        "markdown": diagnosis.to_markdown(minimum="unlikely"),
        "json": diagnosis.to_json(minimum="unlikely"),
        "html": diagnosis.to_html(),
        "repr html": diagnosis._repr_html_(),
    }


@pytest.mark.parametrize("kind", sorted(SECRET_KINDS))
def test_every_secret_kind_is_masked_in_text(kind):
    masked = redact(SECRET_KINDS[kind])
    assert not leaks(masked) and MASK in masked
    assert redact(masked) == masked


@pytest.mark.parametrize("kind", ["protected-object", "json-keys", "key-listing", "primary-keys"])
def test_every_json_secret_kind_is_masked_when_parsed(kind):
    document = json.loads(SECRET_KINDS[kind])
    assert not leaks(json.dumps(redact_json(document)))


def test_ordinary_text_near_secret_words_is_kept():
    for text in (
        "2024-05-30T13:15:45.331589Z INFO ExtHandler Daemon Downloaded certificate {'thumbprint': 'D6E7D889614B2E0FD33B189D96E05228D383D475', 'hasPrivateKey': True}",
        "Token refresh succeeded in 3 ms; tokens: 4",
        "mail root@localhost about key1 rotation",
        "DisableSshPasswordAuthentication=true",
        '{"tokens": 1, "keyVaultKeyId": "kid", "has_user_password": "1"}',
    ):
        assert redact(text) == text


def test_the_backstop_masks_what_a_parser_forgot():
    from loganalyzer.events import EVENT_SCHEMA

    rows = [{"file": "a?sv=1&sig=PLANTEDfileSIG", "line": 1, "time": None, "source": "x", "level": None, "component": None,
             "message": SECRET_KINDS[kind], "fields": [("apiKey", "PLANTEDfield"), ("note", SECRET_KINDS[kind]), ("has_password", "1")]}
            for kind in SECRET_KINDS]
    rows.append({"file": "b", "line": 2, "time": None, "source": "x", "level": None, "component": None, "message": "clean", "fields": []})
    table = pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)
    masked = redact_table(table)
    assert masked.schema == table.schema and masked.num_rows == table.num_rows
    assert not leaks(str(masked.to_pylist()))
    assert masked.to_pylist()[0]["fields"][2] == ("has_password", "1")
    clean = pa.Table.from_pylist(rows[-1:], schema=EVENT_SCHEMA)
    assert redact_table(clean) is clean  # a clean table comes back untouched


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    plants=st.lists(
        st.tuples(
            st.sampled_from(sorted(SECRET_KINDS)),
            st.sampled_from(sorted(CARRIERS)),
            st.sampled_from(["", " ", "x ", "\t", "=", "\"", "'", "(", ",", ";", "&", "?"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_planted_secret_never_reaches_any_api_output(tmp_path_factory, plants):
    bundle = planted_bundle(tmp_path_factory.mktemp("planted"), plants)
    found = {name: leaks(text) for name, text in api_outputs(bundle).items()}
    assert not {name: hits for name, hits in found.items() if hits}, plants


def test_every_kind_in_every_family_through_every_output(tmp_path, capsys):
    """The full cross product once: every kind in every family, through the API, the CLI in
    every format, and a batch (its datasets, markers and summary)."""
    plants = [(kind, family, "") for family in sorted(CARRIERS) for kind in sorted(SECRET_KINDS)]
    bundle = planted_bundle(tmp_path / "bundle", plants)
    contents = read_bundle(bundle)
    claimed = contents.coverage[contents.coverage.source != "unrecognised"]
    assert len(claimed) >= len(plants) * 3 // 4, "the secrets were really read, not skipped"
    outputs = api_outputs(bundle)
    assert MASK in outputs["events"]
    assert real_failure_found(diagnose(bundle))
    for fmt in ("text", "markdown", "json", "html"):
        target = tmp_path / f"diagnosis.{fmt}"
        assert cli_main(["diagnose", str(bundle), "--format", fmt, "--all", "-o", str(target)]) == 0
        outputs[f"cli diagnose {fmt}"] = target.read_text(encoding="utf-8")
    for fmt in ("table", "csv", "jsonl", "parquet"):
        target = tmp_path / f"events.{fmt}"
        assert cli_main(["events", str(bundle), "--format", fmt, "-o", str(target)]) == 0
        outputs[f"cli events {fmt}"] = str(pq.read_table(target).to_pylist()) if fmt == "parquet" else target.read_text(encoding="utf-8")
    out = tmp_path / "batch"
    result = run_batch({"bundle?sig=PLANTEDbundleID": bundle}, out, workers=1, progress=False)
    assert result.failed == 0
    for name in ("events", "evidence", "findings", "problems", "coverage", "bundles"):
        outputs[f"batch {name}"] = result.dataset(name).astype(str).to_csv()
    for path in out.rglob("*.json"):
        outputs[f"batch {path.relative_to(out)}"] = path.read_text(encoding="utf-8")
    outputs["batch summary text"] = result.to_text()
    outputs["stdout"] = "".join(capsys.readouterr())
    found = {name: leaks(text) for name, text in outputs.items()}
    assert not {name: hits for name, hits in found.items() if hits}


def test_redaction_of_a_huge_line_is_linear():
    """A line of megabytes (one long base64-like run, or words with a secret at the end) is
    masked in seconds, not minutes: no pattern rescans a long run from every position."""
    import time

    for text in ("2024 INFO ExtHandler " + "A" * (8 * 1024 * 1024), "Ab1" * (2 * 1024 * 1024), "x " * (1024 * 1024) + " sig=PLANTEDlate"):
        started = time.perf_counter()
        masked = redact(text)
        assert time.perf_counter() - started < 20
        assert not leaks(masked)
