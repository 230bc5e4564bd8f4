"""The corpus of bundles rebuilt from public reports: its labels, its files, and the accuracy floors.

``tests/corpus/labels.toml`` labels every bundle folder beside it (see its header for the keys).
These tests check that the labels are well formed and use ids of ``signatures/knowledge.toml``,
that the set keeps its promised mix (at least 40 bundles, a third Windows, 8 healthy or recovered,
10 whose key evidence is a command output, a state or an absence), that every bundle is exactly
what ``tests/corpus/_builder/build.py`` writes (so nobody edits a bundle to make the tool pass), and
that ``diagnose`` keeps the accuracy measured when the corpus was added.

The floors are the measured values rounded down to 0.01, per platform, on the corpus and on both
labelled sets together (``benchmarks/accuracy.py`` prints the same figures and the confusion of
causes). When the engine improves, raise the floors to the new measurement.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"
BUILD = CORPUS / "_builder"
LABELS = CORPUS / "labels.toml"

REQUIRED = (
    "source",
    "platform",
    "cause",
    "code",
    "verdict",
    "kind",
    "certainty",
    "key_evidence",
    "note",
)
VERDICTS = {"failure", "healthy", "inconclusive"}
KINDS = {
    "failure": {"failure"},
    "healthy": {"healthy", "recovered"},
    "inconclusive": {"inconclusive"},
}
CERTAINTY = {"high", "medium", "low"}
EVIDENCE = {"log line", "command output", "state", "absence"}
MAX_FILE_BYTES = 128 * 1024

#: measured with the engine of lane engine (inferred facts, roots first, codes by reachability),
#: rounded down to 0.01; "healthy_false_alarms" is a ceiling (share of healthy bundles with a
#: finding at 'likely')
FLOORS = {
    "corpus/linux": {"cause_top1": 0.91, "cause_top3": 0.91, "code_top1": 1.0, "code_top3": 1.0, "healthy_false_alarms": 0.0},
    "corpus/windows": {"cause_top1": 0.91, "cause_top3": 0.91, "code_top1": 1.0, "code_top3": 1.0, "healthy_false_alarms": 0.0},
    "all/linux": {"cause_top1": 0.94, "cause_top3": 0.94, "code_top1": 1.0, "code_top3": 1.0, "healthy_false_alarms": 0.0},
    "all/windows": {"cause_top1": 0.94, "cause_top3": 0.94, "code_top1": 1.0, "code_top3": 1.0, "healthy_false_alarms": 0.0},
}


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = (
        module  # dataclasses look their module up while the class is built
    )
    spec.loader.exec_module(module)
    return module


accuracy = _load("corpus_accuracy_benchmark", REPO / "benchmarks" / "accuracy.py")


def _labels() -> dict[str, dict]:
    with LABELS.open("rb") as fh:
        return tomllib.load(fh)


def _bundle_dirs() -> set[str]:
    return {
        p.name
        for p in CORPUS.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_"))
    }


def _knowledge_ids() -> tuple[set[str], set[str]]:
    with (REPO / "signatures" / "knowledge.toml").open("rb") as fh:
        knowledge = tomllib.load(fh)
    codes = {c["id"] for c in knowledge["code"]} | {
        a for c in knowledge["code"] for a in c.get("aliases", ())
    }
    causes = {c["id"] for c in knowledge["cause"]}
    return codes, causes


# ----------------------------------------------------------------------------------------- labels


def test_every_bundle_is_labelled_and_every_label_has_a_bundle():
    labels, dirs = set(_labels()), _bundle_dirs()
    assert not dirs - labels, f"bundles without a label: {sorted(dirs - labels)}"
    assert not labels - dirs, f"labels without a bundle: {sorted(labels - dirs)}"


@pytest.mark.parametrize("name", sorted(_labels()))
def test_label_is_well_formed(name):
    label = _labels()[name]
    codes, causes = _knowledge_ids()
    missing = [k for k in REQUIRED if k not in label]
    assert not missing, f"{name}: missing {missing}"
    assert label["source"].startswith("https://"), name
    assert label["platform"] in {"linux", "windows"}, name
    assert label["verdict"] in VERDICTS, name
    assert label["kind"] in KINDS[label["verdict"]], (
        f"{name}: kind {label['kind']} with verdict {label['verdict']}"
    )
    assert label["certainty"] in CERTAINTY, name
    assert label["key_evidence"] in EVIDENCE, name
    assert label["note"].strip(), name
    if label["verdict"] == "failure":
        assert label["cause"] and label["code"], (
            f"{name}: a failure names a cause and a code"
        )
    else:
        assert label["cause"] == "" and label["code"] == "", (
            f"{name}: {label['verdict']} bundles name no cause or code"
        )
        assert not label.get("acceptable_causes") and not label.get(
            "acceptable_codes"
        ), name
    for cause in (label["cause"], *label.get("acceptable_causes", ())):
        assert cause == "" or cause in causes, f"{name}: unknown cause {cause!r}"
    for code in (label["code"], *label.get("acceptable_codes", ())):
        assert code == "" or code in codes, f"{name}: unknown code {code!r}"


def test_the_corpus_keeps_its_promised_mix():
    labels = list(_labels().values())
    windows = [lb for lb in labels if lb["platform"] == "windows"]
    healthy = [lb for lb in labels if lb["kind"] in {"healthy", "recovered"}]
    indirect = [
        lb
        for lb in labels
        if lb["key_evidence"] in {"command output", "state", "absence"}
    ]
    assert len(labels) >= 40
    assert 3 * len(windows) >= len(labels), (
        f"{len(windows)} Windows bundles of {len(labels)}"
    )
    assert len(healthy) >= 8
    assert len(indirect) >= 10
    assert {lb["kind"] for lb in labels} >= {"failure", "healthy", "recovered"}


# ------------------------------------------------------------------------------------------ files


def test_bundle_files_are_small():
    big = [
        (str(p.relative_to(CORPUS)), p.stat().st_size)
        for p in CORPUS.rglob("*")
        if p.is_file() and BUILD not in p.parents and p.stat().st_size > MAX_FILE_BYTES
    ]
    assert not big, big


def test_bundles_are_exactly_what_the_build_script_writes():
    sys.path.insert(0, str(BUILD))
    try:
        cases_linux = _load("corpus_cases_linux", BUILD / "cases_linux.py")
        cases_windows = _load("corpus_cases_windows", BUILD / "cases_windows.py")
    finally:
        sys.path.remove(str(BUILD))
    labels = _labels()
    for fn in [*cases_linux.CASES, *cases_windows.CASES]:
        name = fn.__name__.replace("_", "-")
        files, label = fn()
        root = CORPUS / name
        on_disk = {
            str(p.relative_to(root)).replace("\\", "/")
            for p in root.rglob("*")
            if p.is_file()
        }
        assert on_disk == set(files), (
            f"{name}: files differ from the build script: {sorted(on_disk ^ set(files))}"
        )
        for rel, text in files.items():
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            assert (root / rel).read_bytes() == data, (
                f"{name}/{rel} was edited by hand; change the case and rebuild"
            )
        for key in ("source", "platform", "cause", "code", "verdict"):
            assert labels[name][key] == label[key], (
                f"{name}: labels.toml {key} differs from the build script"
            )


# --------------------------------------------------------------------------------------- accuracy


@pytest.fixture(scope="module")
def measured() -> dict:
    """One diagnosis per bundle of both labelled sets, shared by the floor tests."""
    return accuracy.report(accuracy.run())


def test_no_bundle_makes_diagnose_raise(measured):
    errors = {b["name"]: b["error"] for b in measured["bundles"] if b["error"]}
    assert not errors, "\n\n".join(f"{name}:\n{err}" for name, err in errors.items())


@pytest.mark.parametrize("group", sorted(FLOORS))
def test_accuracy_floors(measured, group):
    got = measured["groups"][group]
    for metric, floor in FLOORS[group].items():
        if metric == "healthy_false_alarms":
            assert got[metric] <= floor, (
                f"{group}: healthy bundles alarmed at 'likely': {got['healthy_false_alarm_bundles']}"
            )
        else:
            assert got[metric] >= floor, (
                f"{group}: {metric} {got[metric]} below the floor {floor}"
            )
