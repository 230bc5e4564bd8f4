"""The verdict of a diagnosis: ``failure``, ``healthy`` or ``inconclusive``, and why.

* ``failure``: a finding at ``possible`` or above whose cause is not marked ``degraded`` in the
  knowledge base (a degraded cause, such as a fallback to file-system consistency, is shown but
  is no failure).
* ``healthy``: no such finding, and positive evidence near the end of the logs: a
  counter-evidence signature (a snapshot that succeeded, a clean heartbeat, the wireserver
  found) matched within :data:`RECENT` of the newest timed event (or with no time at all).
* ``inconclusive``: neither. Nothing could be read (an empty folder, a corrupt archive), nothing
  was recognised, or the logs read show neither a failure nor a sign of success near their end;
  or the portal reported a code that nothing here explains.

The reason is data, not prose: a key of the locale tables (``verdict_reason.<key>``) and the
values its sentence needs, so every language words it its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

__all__ = ["Verdict", "judge", "RECENT", "VERDICTS"]

VERDICTS = ("failure", "healthy", "inconclusive")
#: how close to the newest event the positive evidence must be for a ``healthy`` verdict
RECENT = timedelta(days=3)


@dataclass(frozen=True)
class Verdict:
    word: str  # failure | healthy | inconclusive
    reason: str  # a key of the locale's ``verdict_reason`` table
    values: dict = field(default_factory=dict)


def _newest(times: pd.Series):
    known = pd.to_datetime(times.astype(object), utc=True).dropna() if len(times) else times
    return known.max() if len(known) else None


def judge(diagnosis) -> Verdict:
    """The verdict of ``diagnosis`` (a :class:`loganalyzer.Diagnosis`)."""
    causes = diagnosis.knowledge.causes if diagnosis.knowledge is not None else {}
    # a degraded cause (the backup went on with weaker consistency) is shown, but is no failure
    listed = [f for f in diagnosis.listed("possible") if not getattr(causes.get(f.cause), "degraded", False)]
    if listed:
        top = listed[0]
        return Verdict("failure", "found", {"cause": top.cause, "confidence": top.confidence, "count": len(listed)})
    coverage = diagnosis.coverage
    read = coverage[(coverage["source"].astype(str) != "unrecognised") & (coverage["events"] > 0)] if len(coverage) else coverage
    if len(coverage) == 0:
        reason = "unreadable" if len(diagnosis.problems) else "empty"
        return Verdict("inconclusive", reason, {"problems": len(diagnosis.problems)})
    if len(read) == 0:
        return Verdict("inconclusive", "unrecognised", {"files": len(coverage), "problems": len(diagnosis.problems)})
    evidence = diagnosis.evidence
    positive = evidence[evidence["counter"].astype(bool)] if len(evidence) else evidence
    if diagnosis.reported is not None and diagnosis.reported.known:
        return Verdict("inconclusive", "reported-unexplained", {"code": diagnosis.reported.code})
    if len(positive) == 0:
        return Verdict("inconclusive", "no-sign", {"files": len(read)})
    newest_event = _newest(diagnosis.events["time"]) if len(diagnosis.events) else None
    newest_positive = _newest(positive["time"])
    untimed = positive["time"].isna().any()
    if newest_event is not None and newest_positive is not None and newest_event - newest_positive > RECENT and not untimed:
        days = (newest_event - newest_positive) / timedelta(days=1)
        return Verdict("inconclusive", "stale-sign", {"days": int(days), "signature": _latest_signature(positive)})
    return Verdict(
        "healthy",
        "sign",
        {"signature": _latest_signature(positive), "time": newest_positive.isoformat() if newest_positive is not None else None},
    )


def _latest_signature(positive: pd.DataFrame) -> str:
    ordered = positive.assign(_t=pd.to_datetime(positive["time"].astype(object), utc=True)).sort_values(
        ["_t", "signature"], na_position="first"
    )
    return str(ordered["signature"].iloc[-1])
