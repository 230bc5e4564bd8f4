"""Tuning without forking: ``tuning.toml`` disables rule ids and changes weights.

    disable = ["linux.conf.provisioning-agent-not-auto"]
    [weights]
    "linux.log.wireserver-failures" = 0.5                                  # every cause of the rule
    "linux.state.vmsnapshot-no-network" = { storage-unreachable = 0.4 }    # one cause
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from .files import TomlText, read_toml, strings
from .model import Signature, ValidationError

__all__ = ["apply_weights", "read_tuning"]


def read_tuning(tuning, signatures: list[Signature], errors: list[ValidationError]) -> tuple[set[str], dict[str, Any]]:
    """``tuning.toml``: ``disable = [ids]`` and ``[weights] id = 0.3`` (or ``id = {cause = 0.3}``)."""
    if tuning is None:
        return set(), {}
    if isinstance(tuning, Mapping):
        name, text, doc = "<tuning>", "", dict(tuning)
    else:
        name = str(tuning)
        read = read_toml(Path(tuning), errors)
        if read is None:
            return set(), {}
        text, doc = read
    where = TomlText(text)
    end = len(where.lines) + 1

    def err(reason: str, probe: str) -> None:
        errors.append(ValidationError(name, where.text_line(1, end, probe) or 1 if text else 0, reason))

    by_id = {s.id: s for s in signatures}
    for key in sorted(set(doc) - {"disable", "weights"}):
        err(f"unknown key {key!r} (tuning takes 'disable' and [weights])", key)
    disable = doc.get("disable", [])
    if strings(disable) is None:
        err("disable must be a list of signature ids", "disable")
        disable = []
    for ident in disable:
        if ident not in by_id:
            err(f"disable: unknown signature id {ident!r}", ident)
    weights = doc.get("weights", {})
    if not isinstance(weights, dict):
        err("[weights] must be a table", "weights")
        weights = {}
    for ident, value in weights.items():
        signature = by_id.get(ident)
        if signature is None:
            err(f"weights: unknown signature id {ident!r}", ident)
            continue
        values = value if isinstance(value, dict) else {None: value}
        for cause_id, weight in values.items():
            if cause_id is not None and cause_id not in dict(signature.causes):
                err(f"weights: {ident} has no cause {cause_id!r}", ident)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
                err(f"weights: {ident} weight must be within 0..1", ident)
    return set(disable), weights


def apply_weights(signature: Signature, value: Any) -> Signature:
    if isinstance(value, dict):
        causes = tuple((c, float(value.get(c, w))) for c, w in signature.causes)
    else:
        causes = tuple((c, float(value)) for c, _ in signature.causes)
    return replace(signature, causes=causes)


