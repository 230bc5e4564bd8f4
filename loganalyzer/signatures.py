"""Deprecated home of the signature loader: use :mod:`loganalyzer.rules` (kept for one release).

Everything that was importable from here still is.
"""

from .rules import *  # noqa: F401,F403
from .rules import __all__ as _rules_all
from .rules.examples import load_pack, run_examples, validate  # noqa: F401

__all__ = [*_rules_all, "load_pack", "run_examples", "validate"]
