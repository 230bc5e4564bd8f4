"""Accuracy of ``diagnose`` on the two labelled sets, per set and per platform.

    python benchmarks/accuracy.py [--json] [--set bundles|corpus] [--verbose]

Sets: ``tests/bundles`` (written by the team from the documented formats, labels in
``expected.toml``) and ``tests/corpus`` (rebuilt from public reports, labels in ``labels.toml``).

What is measured, for every (set, platform) and over both sets:

- cause top-1 / top-3: on failing bundles, the expected cause (or an accepted alternative) is the
  first / among the first three findings rated at least ``possible``;
- code top-1 / top-3: on failing bundles with a labelled code, the expected code (or an accepted
  alternative) is the first / among the first three codes the diagnosis names
  (``BackUpOperationFailedV2`` counts as ``BackUpOperationFailed``);
- healthy false alarms: healthy or recovered bundles with a finding rated ``likely`` or higher
  (count, and share of the healthy bundles);
- empty diagnoses: failing bundles without any finding rated at least ``possible``;
- the confusion of causes: expected cause against the top-1 finding (``-`` when none).

Bundles labelled ``inconclusive`` are listed but count in no ratio. A bundle whose diagnosis
raises is a miss everywhere and is reported with its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loganalyzer.diagnosis import diagnose
from loganalyzer.signatures import load_knowledge, load_signatures

SETS = {"bundles": REPO / "tests" / "bundles", "corpus": REPO / "tests" / "corpus"}
CODE_ALIASES = {"BackUpOperationFailedV2": "BackUpOperationFailed"}
PROPOSED = ("certain", "likely", "possible")
ALARM = ("certain", "likely")
METRICS = ("cause_top1", "cause_top3", "code_top1", "code_top3", "healthy_false_alarms")


def canonical(code: str) -> str:
    return CODE_ALIASES.get(code, code)


@dataclass(frozen=True)
class Label:
    """One bundle's expected outcome, the same shape for both sets."""

    set: str
    name: str
    path: Path
    platform: str
    cause: str
    code: str
    acceptable_causes: tuple[str, ...] = ()
    acceptable_codes: tuple[str, ...] = ()
    verdict: str = "failure"
    kind: str = "failure"
    certainty: str = ""
    key_evidence: str = ""

    @property
    def causes(self) -> set[str]:
        return {c for c in (self.cause, *self.acceptable_causes) if c}

    @property
    def codes(self) -> set[str]:
        return {canonical(c) for c in (self.code, *self.acceptable_codes) if c}


def _bundle_path(root: Path, name: str) -> Path:
    folder = root / name
    return folder if folder.exists() else root / f"{name}.zip"


def load_labels(which: tuple[str, ...] = ("bundles", "corpus")) -> list[Label]:
    """Labels of the chosen sets, in file order."""
    out: list[Label] = []
    if "bundles" in which:
        root = SETS["bundles"]
        with (root / "expected.toml").open("rb") as fh:
            raw = tomllib.load(fh)
        for name, e in raw.items():
            healthy = e["code"] == "" and e["cause"] == ""
            out.append(
                Label(
                    set="bundles",
                    name=name,
                    path=_bundle_path(root, name),
                    platform="windows"
                    if "win" in name.split("-")[:2] or name.startswith("win")
                    else "linux",
                    cause=e["cause"],
                    code=e["code"],
                    acceptable_causes=tuple(e.get("acceptable_causes", ())),
                    acceptable_codes=tuple(e.get("acceptable_codes", ())),
                    verdict="healthy" if healthy else "failure",
                    kind=e.get("kind", "failure"),
                )
            )
    if "corpus" in which:
        root = SETS["corpus"]
        with (root / "labels.toml").open("rb") as fh:
            raw = tomllib.load(fh)
        for name, e in raw.items():
            out.append(
                Label(
                    set="corpus",
                    name=name,
                    path=_bundle_path(root, name),
                    platform=e["platform"],
                    cause=e["cause"],
                    code=e["code"],
                    acceptable_causes=tuple(e.get("acceptable_causes", ())),
                    acceptable_codes=tuple(e.get("acceptable_codes", ())),
                    verdict=e["verdict"],
                    kind=e.get("kind", e["verdict"]),
                    certainty=e.get("certainty", ""),
                    key_evidence=e.get("key_evidence", ""),
                )
            )
    return out


@dataclass
class Outcome:
    """What ``diagnose`` said about one bundle, reduced to what the accuracy needs."""

    label: Label
    findings: list[tuple[str, float, str]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def proposed(self) -> list[str]:
        return [cause for cause, _, word in self.findings if word in PROPOSED]

    @property
    def top_cause(self) -> str:
        return self.proposed[0] if self.proposed else ""

    @property
    def alarm(self) -> bool:
        return any(word in ALARM for _, _, word in self.findings)

    @property
    def failing(self) -> bool:
        return self.label.verdict == "failure"

    @property
    def healthy(self) -> bool:
        return self.label.verdict == "healthy"

    def cause_hit(self, k: int) -> bool:
        return not self.error and any(c in self.label.causes for c in self.proposed[:k])

    def code_hit(self, k: int) -> bool:
        return not self.error and any(
            canonical(c) in self.label.codes for c in self.codes[:k]
        )

    @property
    def empty(self) -> bool:
        return bool(self.error) or not self.proposed


def run_one(label: Label, signatures=None, knowledge=None) -> Outcome:
    """Diagnose one bundle with the shipped signatures; an exception is recorded, never raised."""
    outcome = Outcome(label)
    try:
        diagnosis = diagnose(label.path, signatures=signatures, knowledge=knowledge)
    except Exception:  # noqa: BLE001 - one broken bundle must not hide the others
        outcome.error = traceback.format_exc(limit=6)
        return outcome
    outcome.findings = [
        (f.cause, float(f.score), f.confidence) for f in diagnosis.findings
    ]
    outcome.codes = [c.code for c in diagnosis.codes]
    return outcome


def run(which: tuple[str, ...] = ("bundles", "corpus")) -> list[Outcome]:
    """Every labelled bundle of the chosen sets, knowledge and signatures loaded once."""
    knowledge = load_knowledge()
    signatures = load_signatures(knowledge=knowledge)
    return [run_one(label, signatures, knowledge) for label in load_labels(which)]


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def measure(outcomes: list[Outcome]) -> dict:
    """The figures of one group of bundles."""
    failing = [o for o in outcomes if o.failing]
    coded = [o for o in failing if o.label.codes]
    healthy = [o for o in outcomes if o.healthy]
    alarms = [o.label.name for o in healthy if o.alarm or o.error]
    return {
        "bundles": len(outcomes),
        "failing": len(failing),
        "healthy": len(healthy),
        "inconclusive": sum(o.label.verdict == "inconclusive" for o in outcomes),
        "cause_top1": _ratio(sum(o.cause_hit(1) for o in failing), len(failing)),
        "cause_top3": _ratio(sum(o.cause_hit(3) for o in failing), len(failing)),
        "code_top1": _ratio(sum(o.code_hit(1) for o in coded), len(coded)),
        "code_top3": _ratio(sum(o.code_hit(3) for o in coded), len(coded)),
        "healthy_false_alarms": _ratio(len(alarms), len(healthy)),
        "healthy_false_alarm_bundles": alarms,
        "empty_diagnoses": [o.label.name for o in failing if o.empty],
        "errors": [o.label.name for o in outcomes if o.error],
    }


def confusion(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """Expected cause -> top-1 finding -> count, over failing bundles."""
    table: dict[str, Counter] = {}
    for o in outcomes:
        if o.failing:
            table.setdefault(o.label.cause, Counter())[o.top_cause or "-"] += 1
    return {
        expected: dict(sorted(row.items())) for expected, row in sorted(table.items())
    }


def report(outcomes: list[Outcome]) -> dict:
    """Figures per set, per platform within each set, per platform over both sets, and overall."""
    groups: dict[str, list[Outcome]] = {"all": outcomes}
    for o in outcomes:
        groups.setdefault(o.label.set, []).append(o)
        groups.setdefault(f"{o.label.set}/{o.label.platform}", []).append(o)
        groups.setdefault(f"all/{o.label.platform}", []).append(o)
    return {
        "groups": {name: measure(group) for name, group in sorted(groups.items())},
        "confusion": confusion(outcomes),
        "bundles": [
            {
                "set": o.label.set,
                "name": o.label.name,
                "platform": o.label.platform,
                "verdict": o.label.verdict,
                "expected_cause": o.label.cause,
                "expected_code": o.label.code,
                "top_causes": o.proposed[:3],
                "top_codes": o.codes[:3],
                "cause_top1": o.cause_hit(1),
                "code_top1": o.code_hit(1),
                "alarm": o.alarm,
                "error": o.error,
            }
            for o in outcomes
        ],
    }


def _fmt(value) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def render(rep: dict, verbose: bool = False) -> str:
    lines = [
        "group               n  fail  ok   cause@1 cause@3 code@1  code@3  alarms  empty"
    ]
    for name, g in rep["groups"].items():
        lines.append(
            f"{name:<18} {g['bundles']:>3} {g['failing']:>5} {g['healthy']:>3}   {_fmt(g['cause_top1'])}   {_fmt(g['cause_top3'])}   "
            f"{_fmt(g['code_top1'])}   {_fmt(g['code_top3'])}   {_fmt(g['healthy_false_alarms'])}   {len(g['empty_diagnoses']):>3}"
        )
    lines += [
        "",
        "healthy false alarms at 'likely': "
        + (", ".join(rep["groups"]["all"]["healthy_false_alarm_bundles"]) or "none"),
        "failing bundles with an empty diagnosis: "
        + (", ".join(rep["groups"]["all"]["empty_diagnoses"]) or "none"),
        "",
        "confusion of causes (expected -> top-1 finding: count)",
    ]
    for expected, row in rep["confusion"].items():
        lines.append(
            f"  {expected:<28} " + ", ".join(f"{got} {n}" for got, n in row.items())
        )
    if verbose:
        lines += ["", "per bundle (c1 = cause top-1, k1 = code top-1)"]
        for b in rep["bundles"]:
            lines.append(
                f"  {b['set']:<7} {b['name']:<48} {b['verdict']:<12} c1={'ok' if b['cause_top1'] else '--'} k1={'ok' if b['code_top1'] else '--'} "
                f"want {b['expected_cause'] or '-'} / {b['expected_code'] or '-'}; got {', '.join(b['top_causes']) or '-'} / {', '.join(b['top_codes']) or '-'}"
                + ("  ALARM" if b["alarm"] and b["verdict"] == "healthy" else "")
            )
    for b in rep["bundles"]:
        if b["error"]:
            lines += ["", f"{b['set']}/{b['name']} raised:", b["error"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        action="append",
        help="only this set (repeatable)",
    )
    parser.add_argument("--verbose", action="store_true", help="also list every bundle")
    args = parser.parse_args(argv)
    rep = report(run(tuple(args.set or SETS)))
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print(render(rep, args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "METRICS",
    "Label",
    "Outcome",
    "asdict",
    "confusion",
    "load_labels",
    "measure",
    "report",
    "run",
    "run_one",
]
