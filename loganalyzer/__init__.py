"""loganalyzer: why did this Azure VM backup fail? Read the bundle, match, rank, explain.

    >>> import loganalyzer
    >>> diagnosis = loganalyzer.diagnose("samples/linux-collector-logs.zip")
    >>> diagnosis.findings[0].cause, diagnosis.codes[0].code
    >>> diagnosis.events[["time", "source", "level", "message"]].head()
"""

from .batch import run_batch
from .bundle import Limits
from .diagnosis import Diagnosis, diagnose
from .events import EVENT_SCHEMA
from .reader import BundleContents, read_bundle
from .rules import load_knowledge, load_signatures

__all__ = [
    "diagnose",
    "Diagnosis",
    "run_batch",
    "read_bundle",
    "BundleContents",
    "load_signatures",
    "load_knowledge",
    "Limits",
    "EVENT_SCHEMA",
]
__version__ = "0.1.0"
