"""Evidence to ranked findings, error codes and the health checklist; every score explainable.

A finding is a cause. Its score follows from its evidence rows alone:

1. each row's weight is scaled by how near it is to the latest backup attempt
   (:func:`recency`): full weight within a day before it (or after it), fading to a floor of
   0.4 for evidence days older;
2. each signature counts once, with its strongest row; signatures combine by noisy-OR,
   ``1 - prod(1 - w)``: independent reasons to believe the same cause;
3. evidence from two or more input families (a log line and a state file, an event and an agent
   log) corroborates: the remaining doubt shrinks by up to a quarter, in proportion to the
   strength of the second family's best evidence (full from weight 0.5 up);
4. counter-evidence (a signature marked ``counter``, such as a successful snapshot) that comes
   after the latest positive evidence scales the score by ``1 - w`` for each such signature.

Confidence words: ``certain`` >= 0.9, ``likely`` >= 0.6, ``possible`` >= 0.3, else ``unlikely``
(not listed by default). They are defined here once (:data:`CONFIDENCE_FLOORS`,
:data:`CONFIDENCE_WORDS`, :data:`LISTED_WORDS`); every other module imports them. Their labels
in each language are locale data (``signatures/locales/<lang>.toml``, table ``[confidence]``).

Error codes: a signature may name the codes its evidence shows (``codes``); such a code scores
as high as the strongest evidence naming it (never above the finding). The cause's documented
codes follow, best first, each a little weaker than the one before, and at half strength when
the evidence named codes of its own. With a reported code (what the portal showed), that code's documented causes rank
first, in documented order of support, and each says whether the logs support it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping

import pandas as pd

from .rules.model import Cause, CheckStep, Knowledge

__all__ = [
    "CONFIDENCE_FLOORS",
    "CONFIDENCE_WORDS",
    "LISTED_WORDS",
    "confidence_floor",
    "at_least",
    "Finding",
    "CodeScore",
    "CheckResult",
    "ReportedCode",
    "confidence",
    "recency",
    "rank_findings",
    "rank_codes",
    "walk_checklist",
    "assess_reported_code",
]

#: each confidence word with the lowest score it starts at, strongest first
CONFIDENCE_FLOORS = (("certain", 0.9), ("likely", 0.6), ("possible", 0.3))
#: the words listed by default (a finding below the last floor is ``unlikely``)
LISTED_WORDS = tuple(word for word, _ in CONFIDENCE_FLOORS)
#: every confidence word, strongest first
CONFIDENCE_WORDS = (*LISTED_WORDS, "unlikely")
#: how each word is shown, per language (English is the word itself)
_CORROBORATION = 0.75
#: evidence this strong from a second input family gives the full corroboration step
_CORROBORATING_WEIGHT = 0.5
_UNTIMED = 0.85
_RECENCY_FLOOR = 0.4
_CODE_STEP = 0.08
#: how much a cause's generic codes count when its evidence named specific ones
_UNNAMED_CODE = 0.5


def confidence(score: float) -> str:
    for word, floor in CONFIDENCE_FLOORS:
        if score >= floor:
            return word
    return CONFIDENCE_WORDS[-1]


def confidence_floor(word: str) -> float:
    """The lowest score that earns ``word`` (0 for ``unlikely``); KeyError for other words."""
    if word == CONFIDENCE_WORDS[-1]:
        return 0.0
    return dict(CONFIDENCE_FLOORS)[word]


def at_least(word: str, minimum: str) -> bool:
    """Whether confidence ``word`` is ``minimum`` or stronger."""
    return CONFIDENCE_WORDS.index(word) <= CONFIDENCE_WORDS.index(minimum)


def recency(time: datetime | None, attempt: datetime | None) -> float:
    """How much evidence at ``time`` counts for the backup attempt at ``attempt``."""
    if time is None or attempt is None or pd.isna(time) or pd.isna(attempt):
        return _UNTIMED
    age = attempt - time
    if age <= timedelta(days=1):
        return 1.0
    days = age / timedelta(days=1) - 1
    return max(_RECENCY_FLOOR, 0.5 ** (days / 3))


@dataclass
class Finding:
    cause: str
    title: str
    score: float
    evidence: pd.DataFrame
    counter_evidence: pd.DataFrame
    explanation: str
    codes: list[str] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    rank: int = 0
    #: causes found in the same bundle whose symptoms this one produces (``explains`` in knowledge.toml)
    explains: list[str] = field(default_factory=list)
    #: the found root cause that produces this finding's symptoms, if any
    explained_by: str | None = None

    @property
    def confidence(self) -> str:
        return confidence(self.score)


@dataclass(frozen=True)
class CodeScore:
    code: str
    score: float
    causes: tuple[str, ...]
    message: str = ""


@dataclass(frozen=True)
class CheckResult:
    step: int
    title: str
    status: str  # pass | warn | fail | unknown
    summary: str
    evidence: pd.DataFrame


@dataclass(frozen=True)
class ReportedCode:
    code: str
    known: bool
    decided_on: str
    note: str
    causes: tuple[dict, ...]


def _noisy_or(weights) -> float:
    return 1.0 - math.prod(1.0 - min(1.0, max(0.0, w)) for w in weights)


def _stable_first(rows: pd.DataFrame, strength: str) -> pd.DataFrame:
    """``rows`` strongest first; ties by time (newest first, untimed last), file, line."""
    return rows.sort_values(
        [strength, "time", "file", "line"], ascending=[False, False, True, True], na_position="last", kind="mergesort"
    )


def _score_cause(rows: pd.DataFrame, attempt: datetime | None) -> tuple[float, pd.DataFrame, pd.DataFrame, str]:
    positive = rows[~rows["counter"]].copy()
    counter = rows[rows["counter"]].copy()
    if positive.empty:
        return 0.0, positive, counter, ""
    positive["effective"] = [w * recency(t, attempt) for w, t in zip(positive["weight"], positive["time"])]
    # among equally strong rows of a signature the newest wins, then file and line, so the choice
    # does not depend on the order files were read (a folder and its zip give the same report)
    strongest = _stable_first(positive, "effective").drop_duplicates("signature")
    score = _noisy_or(strongest["effective"])
    parts = [f"{sig} {w:.2f}" for sig, w in zip(strongest["signature"], strongest["effective"])]
    explanation = f"noisy-OR of {', '.join(parts)} = {score:.2f}"
    sources = sorted(set(strongest["source"]))
    if len(sources) > 1:
        # the doubt shrinks by up to a quarter, in proportion to the strength of the best
        # evidence from a second input family: weak hints from two places stay weak
        best_by_source = strongest.groupby("source", observed=True)["effective"].max().sort_values(ascending=False)
        second = float(best_by_source.iloc[1])
        shrink = (1 - _CORROBORATION) * min(1.0, second / _CORROBORATING_WEIGHT)
        score = 1 - (1 - score) * (1 - shrink)
        explanation += f"; corroborated by {len(sources)} sources ({', '.join(sources)}) -> {score:.2f}"
    if not counter.empty:
        latest = positive["time"].max()
        later = counter if pd.isna(latest) else counter[counter["time"].isna() | (counter["time"] > latest)]
        if not later.empty:
            strongest_counter = _stable_first(later, "weight").drop_duplicates("signature")
            for sig, w in zip(strongest_counter["signature"], strongest_counter["weight"]):
                score *= 1 - min(1.0, w)
                explanation += f"; later counter-evidence {sig} x{1 - w:.2f} -> {score:.2f}"
            counter = later
        else:
            counter = counter.iloc[0:0]
    return score, strongest.sort_values("time", na_position="last"), counter, explanation


def rank_findings(
    evidence: pd.DataFrame,
    causes: Mapping[str, Cause],
    *,
    attempt: datetime | None,
    os_family: str | None,
    lang: str = "en",
    reported_causes: tuple[str, ...] = (),
    minimum: float = 0.0,
) -> list[Finding]:
    """Findings for every cause with evidence, best first (reported code's causes first)."""
    findings: list[Finding] = []
    if evidence.empty:
        return findings
    for cause_id, rows in evidence.groupby("cause", sort=False, observed=True):
        cause = causes.get(cause_id)
        cause_os = cause.os if cause else "any"
        if os_family and cause_os not in ("any", os_family):
            continue
        score, positive, counter, explanation = _score_cause(rows, attempt)
        if score <= minimum or positive.empty:
            continue
        findings.append(
            Finding(
                cause=cause_id,
                title=_localised(cause, "title", lang) or cause_id,
                score=round(score, 4),
                evidence=positive,
                counter_evidence=counter,
                explanation=explanation,
                remediation=list(_localised(cause, "steps", lang) or []),
                docs=list(cause.docs if cause else ()),
            )
        )
    order = {cause: i for i, cause in enumerate(reported_causes)}
    findings.sort(
        key=lambda f: (
            0 if f.cause in order and f.score >= confidence_floor("possible") else 1,
            -f.score,
            order.get(f.cause, len(order)),
        )
    )
    findings = _roots_first(findings, causes)
    for number, finding in enumerate(findings, 1):
        finding.rank = number
    return findings


def _roots_first(findings: list[Finding], causes: Mapping[str, Cause]) -> list[Finding]:
    """Competing explanations: a root cause that reaches ``likely`` and explains another found
    cause (``explains`` in knowledge.toml: no DHCP makes the wire server unreachable, a stopped
    agent silences every extension) moves ahead of it, and both say so."""
    by_cause = {f.cause: f for f in findings}
    likely = confidence_floor("likely")
    for root in list(findings):
        cause = causes.get(root.cause)
        if cause is None or root.score < likely:
            continue
        for explained_id in getattr(cause, "explains", ()):
            explained = by_cause.get(explained_id)
            if explained is None or explained.explained_by is not None or explained.score < confidence_floor("possible"):
                continue
            # a root much weaker than its symptom is not shown to be the root
            if root.score < explained.score - 0.25:
                continue
            explained.explained_by = root.cause
            root.explains.append(explained.cause)
            explained.explanation += f"; explained by {root.cause} (found, and it produces these symptoms)"
            position, target = findings.index(root), findings.index(explained)
            if position > target:
                findings.insert(target, findings.pop(position))
    for root in findings:
        if root.explains:
            root.explanation += f"; explains {', '.join(root.explains)}"
    return findings


def _localised(entry, key: str, lang: str):
    """``entry.<key>_<lang>`` when it exists and is not empty, else ``entry.<key>``."""
    if entry is None:
        return None
    return (getattr(entry, f"{key}_{lang}", None) if lang != "en" else None) or getattr(entry, key, None)


def _hinted_codes(evidence: pd.DataFrame) -> dict[str, float]:
    """Codes the evidence rows name, each with the strongest effective weight naming it."""
    hinted: dict[str, float] = {}
    if evidence.empty or "codes" not in evidence:
        return hinted
    weights = evidence["effective"] if "effective" in evidence else evidence["weight"]
    for codes, weight in zip(evidence["codes"], weights):
        for code in codes if codes is not None else ():
            hinted[code] = max(hinted.get(code, 0.0), float(weight))
    return hinted


def _agent_reachability(findings: list[Finding], knowledge: Knowledge) -> str | None:
    """``unreachable`` when the top finding says the agent could not talk to the wire server at
    all; ``ready`` when it says the agent ran and reported but the backup task failed; else None
    (which causes say which: ``[reachability]`` in knowledge.toml)."""
    listed = [f for f in findings if f.score >= confidence_floor("possible")]
    if not listed:
        return None
    top = listed[0]
    for state in ("unreachable", "ready"):
        if top.cause in knowledge.reachability.get(f"{state}_causes", ()):
            return state
    return None


def rank_codes(
    findings: list[Finding], knowledge: Knowledge, lang: str = "en", reported: str | None = None
) -> list[CodeScore]:
    """The error codes the findings explain, best first; each finding's ``codes`` filled in.

    The two agent-status codes follow reachability (:func:`_agent_reachability`); a code the
    portal showed (``reported``) that a finding explains ranks first."""
    scores: dict[str, float] = {}
    explained: dict[str, list[str]] = {}
    for finding in findings:
        if finding.score < confidence_floor("possible"):
            continue
        hinted = _hinted_codes(finding.evidence)
        ordered = sorted(hinted, key=lambda code: -hinted[code])
        ordered += [c for c in knowledge.codes_for_cause(finding.cause) if c not in hinted]
        finding.codes = ordered
        for position, code in enumerate(ordered):
            if code in hinted:
                # a code named by the evidence is as strong as the evidence that names it
                value = min(finding.score, hinted[code])
            else:
                # the cause's documented codes, best first; less sure when the evidence named others
                value = finding.score * max(0.2, 0.95 - _CODE_STEP * position) * (_UNNAMED_CODE if hinted else 1.0)
            documented = knowledge.codes[code].causes if code in knowledge.codes else ()
            if finding.cause in documented:
                value *= 1 - 0.02 * documented.index(finding.cause)
            scores[code] = _noisy_or([scores[code], value]) if code in scores else value
            explained.setdefault(code, []).append(finding.cause)
    reach = _agent_reachability(findings, knowledge)
    unavailable = knowledge.reachability.get("unreachable_code", "")
    task_error = knowledge.reachability.get("ready_code", "")
    if reach == "unreachable" and unavailable in scores:
        scores[unavailable] = max(scores.values()) + 0.001 if scores[unavailable] < max(scores.values()) else scores[unavailable]
    elif reach == "ready" and task_error in scores and unavailable in scores:
        if scores[unavailable] > scores[task_error]:
            scores[unavailable], scores[task_error] = scores[task_error], scores[unavailable]
    entry = knowledge.code(reported) if reported else None
    if entry is not None:
        # the portal showed it: it is the code, whatever the findings would have guessed
        scores[entry.id] = max(scores.values(), default=0.0) + 0.001
        explained.setdefault(entry.id, [])
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return [
        CodeScore(code, round(score, 4), tuple(explained[code]), _localised(knowledge.codes.get(code), "message", lang) or "")
        for code, score in ranked
    ]


def assess_reported_code(
    code: str,
    findings: list[Finding],
    knowledge: Knowledge,
    *,
    os_family: str | None,
    lang: str = "en",
) -> ReportedCode:
    """For the code the portal showed: its documented causes, and whether the logs support each."""
    entry = knowledge.code(code)
    if entry is None:
        return ReportedCode(code, False, "unknown", f"{code} is not a documented code this tool knows; the findings below are ranked on the evidence alone.", ())
    scored = {f.cause: f for f in findings}
    rows = []
    for cause_id in entry.causes:
        cause = knowledge.causes.get(cause_id)
        finding = scored.get(cause_id)
        wrong_os = bool(os_family and cause and cause.os not in ("any", os_family))
        if finding is not None and finding.score >= confidence_floor("possible"):
            supported = "yes"
        elif (cause and cause.guest_visible == "no") or wrong_os:
            supported = "cannot-tell"
        else:
            supported = "no"
        rows.append(
            {
                "cause": cause_id,
                "title": _localised(cause, "title", lang) or cause_id,
                "supported": supported,
                "score": round(finding.score, 4) if finding else 0.0,
                "remediation": list(_localised(cause, "steps", lang) or []),
                "docs": list(cause.docs if cause else ()),
            }
        )
    decided_on = entry.decided_on
    if decided_on == "azure":
        note = f"{entry.id} is decided on the Azure side; guest logs cannot confirm or rule it out. Check it in the Azure portal or with az CLI output; the documented remediation is listed."
    elif decided_on == "both":
        note = f"{entry.id} is decided partly on the Azure side; guest logs can support some of its causes but not all."
    else:
        note = f"{entry.id} shows in guest logs; each documented cause below says whether this bundle supports it."
    return ReportedCode(entry.id, True, decided_on, note, tuple(rows))


_CHECK_PHRASES = {
    "en": {
        "pass": "nothing wrong found in {}",
        "more": " and {} more files",
        "unknown": "no input in the bundle lets this step be checked",
        "not_alive": "the agent is not shown to be alive near the end of the logs (no recent agent record)",
    },
    "sv": {
        "pass": "inget fel hittades i {}",
        "more": " och {} filer till",
        "unknown": "inget i paketet gör att steget kan kontrolleras",
        "not_alive": "agenten visas inte vara vid liv mot slutet av loggarna (ingen färsk agentpost)",
    },
}
#: causes whose absence a checklist step may only call a pass when the agent is shown alive
_LIVENESS_CAUSES = frozenset({"agent-not-running", "agent-unresponsive-windows"})


def walk_checklist(
    checks: Iterable[CheckStep],
    findings: list[Finding],
    inputs_seen: dict[int, list[str]],
    lang: str = "en",
    agent_alive: bool | None = True,
) -> list[CheckResult]:
    """The four documented steps, each pass / warn / fail / unknown with its evidence.

    ``inputs_seen`` maps a step to the files that let us evaluate it; a step with no such file
    and no finding is ``unknown``: not looked at, and said so. A step about the agent's health
    is a pass only when ``agent_alive`` is True (an agent record near the end of the logs);
    otherwise it is ``unknown`` and says so.
    """
    steps = []
    for check in sorted(checks, key=lambda c: c.step):
        relevant = [f for f in findings if f.cause in check.fails_on]
        failing = [f for f in relevant if f.score >= confidence_floor("likely")]
        warning = [f for f in relevant if confidence_floor("possible") <= f.score < confidence_floor("likely")]
        seen = inputs_seen.get(check.step, [])
        if failing:
            status, worst = "fail", failing
        elif warning:
            status, worst = "warn", warning
        elif seen:
            status, worst = "pass", []
        else:
            status, worst = "unknown", []
        phrases = _CHECK_PHRASES.get(lang, _CHECK_PHRASES["en"])
        if status == "pass" and agent_alive is not True and _LIVENESS_CAUSES & set(check.fails_on):
            steps.append(CheckResult(check.step, _localised(check, "title", lang), "unknown", phrases["not_alive"], pd.DataFrame()))
            continue
        if worst:
            summary = "; ".join(f"{f.title} ({f.confidence})" for f in worst)
            evidence = pd.concat([f.evidence.head(3) for f in worst], ignore_index=True)
        elif seen:
            shown = ", ".join(seen[:2]) + (phrases["more"].format(len(seen) - 2) if len(seen) > 2 else "")
            summary = phrases["pass"].format(shown)
            evidence = pd.DataFrame()
        else:
            summary = phrases["unknown"]
            evidence = pd.DataFrame()
        steps.append(CheckResult(check.step, _localised(check, "title", lang), status, summary, evidence))
    return steps
