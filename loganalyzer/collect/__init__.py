"""The collection scripts a customer runs on the VM, shipped as package data.

``linux.sh`` (bash, POSIX tools) and ``windows.ps1`` (PowerShell 5.1+) gather exactly what the
parsers read into one archive named after the host and the time; ``docs/collect.md`` says what
each gathers and why. ``loganalyzer collect-script linux|windows`` prints one of them.
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["SCRIPTS", "script_text"]

#: the target system -> the script's file name inside this package
SCRIPTS = {"linux": "linux.sh", "windows": "windows.ps1"}


def script_text(system: str) -> str:
    """The collection script for ``system`` (``linux`` or ``windows``), as text."""
    try:
        name = SCRIPTS[system]
    except KeyError:
        raise ValueError(f"no collection script for {system!r}; choose one of {', '.join(SCRIPTS)}") from None
    return files(__package__).joinpath(name).read_text(encoding="utf-8")
