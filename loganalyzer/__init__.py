"""loganalyzer: why did this Azure VM backup fail? Read the bundle, match, rank, explain.

    >>> import loganalyzer
    >>> contents = loganalyzer.read_bundle("samples/linux-collector-logs.zip")
    >>> contents.events[["time", "source", "level", "message"]].head()
"""

from .bundle import Limits
from .events import EVENT_SCHEMA
from .reader import BundleContents, read_bundle

__all__ = ["read_bundle", "BundleContents", "Limits", "EVENT_SCHEMA"]
__version__ = "0.1.0"
