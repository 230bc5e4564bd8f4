"""Shared test set-up: the hypothesis profiles and the path to ``../shared`` beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the repo root; tests that need it skip, visibly, in a lone clone."""
    if not (SHARED / "fixtures").is_dir():
        pytest.skip(f"../shared/fixtures not found beside the repo ({SHARED}); a lone clone has no shared data")
    return SHARED


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES
