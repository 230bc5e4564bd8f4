"""Golden checks shared by the per-family golden test modules: each module gives its expected
table and how to diagnose a sample, and takes these tests by name."""

from __future__ import annotations

from typing import Callable

import pytest

from loganalyzer.ranking import CONFIDENCE_FLOORS

POSSIBLE = dict(CONFIDENCE_FLOORS)["possible"]
LIKELY = dict(CONFIDENCE_FLOORS)["likely"]


def listing_checks(expected: dict, diagnosis: Callable[[str], object], scores: Callable[[str], dict], story: Callable[[str], str]):
    """The tests on what a diagnosis lists besides its top cause and code."""

    @pytest.mark.parametrize("name", sorted(expected))
    def test_also_listed(name):
        for cause in expected[name]["also"]:
            assert scores(name).get(cause, 0.0) >= POSSIBLE, f"{cause} not listed; {story(name)}"

    @pytest.mark.parametrize("name", sorted(expected))
    def test_possible_at_most_possible(name):
        for cause in expected[name]["possible"]:
            assert scores(name).get(cause, 0.0) < LIKELY, f"{cause} above 'possible'; {story(name)}"

    @pytest.mark.parametrize("name", sorted(expected))
    def test_nothing_unexpected_is_listed(name):
        entry = expected[name]
        allowed = {entry["cause"], *entry["also"], *entry["possible"]} - {""}
        unexpected = {cause: score for cause, score in scores(name).items() if cause not in allowed and score >= POSSIBLE}
        assert not unexpected, f"unexpected causes {unexpected}; {story(name)}"

    @pytest.mark.parametrize("name", sorted(n for n, e in expected.items() if e.get("healthy")))
    def test_healthy_samples_give_nothing_listed(name):
        assert all(f.score < POSSIBLE for f in diagnosis(name).findings), story(name)
        assert not diagnosis(name).codes, story(name)

    return test_also_listed, test_possible_at_most_possible, test_nothing_unexpected_is_listed, test_healthy_samples_give_nothing_listed
