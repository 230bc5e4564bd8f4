"""``load_signatures()``: the shipped packs plus the caller's folders, checked, filtered and tuned.

Loading checks everything that can be checked without running a rule (keys, causes, sources,
regexes, field names, duplicate ids) and refuses the whole set when anything is wrong. Examples
run in ``loganalyzer signatures validate|test``, :func:`loganalyzer.rules.examples.validate` and
the test suite, not on every load.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .fields import FieldContract, parser_contract
from .files import shipped_dir
from .knowledge import read_knowledge
from .model import (
    KNOWLEDGE_FILE,
    Knowledge,
    Signature,
    SignatureError,
    SignatureSet,
    ValidationError,
)
from .packs import cross_checks, pack_files, read_pack
from .tuning import apply_weights, read_tuning

__all__ = ["load_signatures", "read_dirs", "shipped_ids"]


def read_dirs(
    directories: list,
    knowledge: Knowledge,
    errors: list[ValidationError],
    known_ids: Iterable[str] = (),
    contract: FieldContract | None = None,
) -> list[Signature]:
    """Every pack in ``directories`` (in name order per folder), cross-checked; examples not run."""
    contract = contract if contract is not None else parser_contract()
    signatures: list[Signature] = []
    for directory in directories:
        for path in pack_files(directory):
            signatures.extend(read_pack(path, knowledge, errors, contract))
    cross_checks(signatures, knowledge, errors, known_ids)
    return signatures


def shipped_ids(knowledge: Knowledge, contract: FieldContract | None = None) -> list[str]:
    """Ids of the shipped signatures (known to ``related`` references of other folders)."""
    ignored: list[ValidationError] = []
    return [s.id for path in pack_files(shipped_dir()) for s in read_pack(path, knowledge, ignored, contract)]


def load_signatures(
    extra_dirs: Iterable = (),
    tuning=None,
    *,
    knowledge: Knowledge | None = None,
    include_experimental: bool = False,
    contract: FieldContract | None = None,
) -> SignatureSet:
    """The shipped packs plus ``extra_dirs``, checked, then filtered and ``tuning`` applied.

    Rules with ``status = "experimental"`` are left out unless ``include_experimental``
    (their ids are in ``SignatureSet.experimental``). ``tuning`` is a path to a ``tuning.toml``
    or an equivalent mapping. ``contract`` replaces the parsers' field declarations (tests).
    Raises :class:`SignatureError` listing every problem when anything is wrong.
    """
    errors: list[ValidationError] = []
    shipped = shipped_dir()
    if knowledge is None:
        knowledge = read_knowledge(shipped / KNOWLEDGE_FILE, errors)
        if knowledge is None:
            raise SignatureError(errors)
    directories = [shipped, *(Path(d) for d in extra_dirs)]
    for directory in directories[1:]:
        if not directory.is_dir():
            errors.append(ValidationError(str(directory), 0, "not a folder"))
    signatures = read_dirs([d for d in directories if d.is_dir()], knowledge, errors, contract=contract)
    disabled, weights = read_tuning(tuning, signatures, errors)
    if errors:
        raise SignatureError(errors)
    experimental = () if include_experimental else tuple(s.id for s in signatures if s.status == "experimental")
    tuned = tuple(
        apply_weights(s, weights[s.id]) if s.id in weights else s
        for s in signatures
        if s.id not in disabled and s.id not in experimental
    )
    return SignatureSet(
        signatures=tuned,
        knowledge=knowledge,
        disabled=tuple(sorted(disabled)),
        dirs=tuple(str(d) for d in directories),
        experimental=experimental,
    )
