"""Examples: run a rule's examples, check a folder of packs, load one pack for testing.

Two kinds of example live in a rule:

- ``examples.match`` / ``examples.no_match``: events as the parser would emit them (message,
  fields, level, ...), run straight through the matcher;
- ``examples.raw``: real input text with the path it would have in a bundle, read by the real
  parser (the one the bundle reader would choose for that path) and then matched, so a rule and
  the parser it relies on are tested together.

They run in :func:`validate`, :func:`load_pack` (``loganalyzer signatures validate|test``) and the
test suite; :func:`~loganalyzer.rules.loader.load_signatures` does not run them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

import numpy as np
import pyarrow as pa

from ..events import EVENT_SCHEMA, LEVELS
from ..matching import PreparedEvents, details_for, excerpt, literal_plan, match_table
from ..reader import read_bundle
from .fields import FieldContract
from .files import shipped_dir
from .knowledge import load_knowledge, read_knowledge
from .loader import read_dirs, shipped_ids
from .model import (
    KNOWLEDGE_FILE,
    Example,
    ExampleFailure,
    Knowledge,
    Matcher,
    Signature,
    SignatureError,
    SignatureSet,
    ValidationError,
)
from .packs import cross_checks, read_pack

__all__ = ["check_examples", "check_raw_examples", "load_pack", "read_raw", "run_examples", "validate"]


def validate(directory=None, *, contract: FieldContract | None = None) -> list[ValidationError]:
    """Every problem in a folder of packs (the shipped folder when None), examples run; never raises.

    A ``knowledge.toml`` in the folder is checked and used; otherwise the shipped knowledge is.
    Ids of the shipped packs count as known for ``related`` but not as duplicates.
    """
    shipped = shipped_dir()
    folder = shipped if directory is None else Path(directory)
    errors: list[ValidationError] = []
    own_knowledge = folder / KNOWLEDGE_FILE
    knowledge = read_knowledge(own_knowledge if own_knowledge.is_file() else shipped / KNOWLEDGE_FILE, errors)
    if knowledge is None:
        return errors
    known_ids = shipped_ids(knowledge, contract) if directory is not None else []
    signatures = read_dirs([folder], knowledge, errors, known_ids, contract)
    errors.extend(failure.as_error() for failure in run_examples(signatures))
    return errors


def load_pack(path, *, knowledge: Knowledge | None = None, contract: FieldContract | None = None) -> list[Signature]:
    """The signatures of one pack file, checked and with examples run; SignatureError if wrong."""
    errors: list[ValidationError] = []
    if knowledge is None:
        knowledge = load_knowledge()
    signatures = read_pack(Path(path), knowledge, errors, contract)
    cross_checks(signatures, knowledge, errors, shipped_ids(knowledge, contract))
    errors.extend(failure.as_error() for failure in run_examples(signatures))
    if errors:
        raise SignatureError(errors)
    return signatures


def run_examples(signatures: Iterable[Signature] | SignatureSet) -> list[ExampleFailure]:
    """Run every signature's examples, event and raw; the failures (empty when all pass)."""
    signatures = list(signatures)
    return check_examples(signatures) + check_raw_examples(signatures)


def read_raw(path: str, text: str | bytes, others: Sequence[tuple[str, str | bytes]] = ()) -> pa.Table:
    """The event table the bundle reader makes of ``text`` found at ``path`` in a bundle (with
    ``others``, more ``(path, text)`` files of the same bundle), with the facts inferred across them."""
    files = [(path, text), *others]
    with tempfile.TemporaryDirectory(prefix="loganalyzer-example-") as folder:
        for name, content in files:
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise ValueError(f"{name!r} is not a path inside a bundle")
            target = Path(folder, *relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        events = read_bundle(folder).event_table
    from ..inference import infer_facts
    from .knowledge import load_knowledge

    facts = infer_facts(events, None, files=[PurePosixPath(n).as_posix() for n, _ in files], knowledge=load_knowledge())
    return pa.concat_tables([events, facts]) if facts.num_rows else events


def check_raw_examples(signatures: Sequence[Signature]) -> list[ExampleFailure]:
    """Read each raw example with the real parser, match its rule; the ones that misbehave."""
    failures: list[ExampleFailure] = []
    for signature in signatures:
        for example in signature.raw_examples:
            events = read_raw(example.path, example.text, example.others)
            matched = match_table(events, [signature]).num_rows > 0
            if matched == example.expect_match:
                continue
            if not events.num_rows:
                reason = f"the parser for {example.path} made no event of the text"
            else:
                made = sorted(set(events.column("source").to_pylist()))
                want = "should match but did not" if example.expect_match else "matched but should not"
                reason = f"raw example {want} (read as {', '.join(made)}): {excerpt(example.text)!r}"
            failures.append(
                ExampleFailure(signature.id, signature.file, example.line or signature.line, example.text, example.expect_match, reason)
            )
    return failures


def _example_table(examples: Sequence[Example]) -> pa.Table:
    def encoded(values: list[str | None]) -> pa.Array:
        return pa.array(values, pa.string()).dictionary_encode()

    return pa.table(
        {
            "file": encoded([e.file for e in examples]),
            "line": pa.array([e.line for e in examples], pa.int32()),
            "time": pa.array([None] * len(examples), pa.timestamp("us", tz="UTC")),
            "source": encoded([e.source for e in examples]),
            "level": encoded([e.level for e in examples]),
            "component": encoded([e.component for e in examples]),
            "message": pa.array([e.message for e in examples], pa.string()),
            "fields": pa.array([list(e.fields) for e in examples], pa.map_(pa.string(), pa.string())),
        },
        schema=EVENT_SCHEMA,
    )


def _matchers_for(signature: Signature, part: str) -> list[Matcher]:
    if part == "absence.after":
        return [signature.absence.after]
    if part == "absence.expect":
        return [signature.absence.expect]
    matchers = [signature.matcher]
    if signature.state and signature.state.where:
        matchers.insert(0, signature.state.where)
    return matchers


def check_examples(signatures: Sequence[Signature]) -> list[ExampleFailure]:
    """Run all examples of ``signatures`` in one table; the ones that misbehave."""
    owners: list[tuple[Signature, Example]] = [(s, e) for s in signatures for e in s.examples]
    failures: list[ExampleFailure] = []
    usable = []
    for signature, example in owners:
        if example.level is not None and example.level not in LEVELS:
            failures.append(_failure(signature, example, f"example level {example.level!r} is not one of {LEVELS}"))
        else:
            usable.append((signature, example))
    if not usable:
        return failures
    events = PreparedEvents(_example_table([e for _, e in usable]))
    events.prefilter(literal_plan(s for s, _ in usable))
    by_part: dict[tuple[int, str], list[int]] = {}
    for row, (signature, example) in enumerate(usable):
        by_part.setdefault((id(signature), example.part), []).append(row)
    selected: dict[tuple[int, str], set[int]] = {}
    for row, (signature, example) in enumerate(usable):
        key = (id(signature), example.part)
        if key not in selected:
            rows = np.array(by_part[key], dtype=np.int64)
            for matcher in _matchers_for(signature, example.part):
                rows = events.select(matcher, start=rows)
            selected[key] = set(int(r) for r in rows)
        matched = row in selected[key]
        matcher = _matchers_for(signature, example.part)[-1]
        if example.source not in matcher.sources:
            failures.append(_failure(signature, example, f"example source {example.source!r} is not one of the rule's sources"))
        elif matched != example.expect_match:
            want = "should match but did not" if example.expect_match else "matched but should not"
            hint = ""
            if example.expect_match and matcher.literals and not any(
                (l.lower() in example.message.lower()) if matcher.literals_ignore_case else (l in example.message)
                for l in matcher.literals
            ):
                hint = f" (it contains none of the literals {list(matcher.literals)})"
            failures.append(_failure(signature, example, f"{want}{hint}: {excerpt(example.message)!r}"))
        elif matched and example.details is not None:
            got = details_for(events, signature, matcher, np.array([row]), None)[0]
            if got != example.details:
                failures.append(_failure(signature, example, f"details {got!r}, expected {example.details!r}"))
    return failures


def _failure(signature: Signature, example: Example, reason: str) -> ExampleFailure:
    where = f"{example.part}: " if example.part else ""
    return ExampleFailure(
        signature=signature.id,
        file=signature.file,
        line=example.line or signature.line,
        message=example.message,
        expected_match=example.expect_match,
        reason=where + reason,
    )
