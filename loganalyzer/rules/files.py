"""Reading rule files: where the shipped ones are, and the line of a key in TOML text."""

from __future__ import annotations

import importlib.resources
import re
import tomllib
from pathlib import Path
from typing import Any

from .model import PACKAGE, ValidationError


class TomlText:
    """Finds the line of a table or key in TOML text (tomllib keeps no positions)."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str, bool]] = []  # (line, name, is_array)
        for number, line in enumerate(self.lines, 1):
            found = self._HEADER.match(line)
            if found:
                self.headers.append((number, found.group(1).replace(" ", ""), line.lstrip().startswith("[[")))

    def array_block(self, name: str, index: int) -> tuple[int, int]:
        """First and one-past-last line of the ``index``-th ``[[name]]`` table."""
        starts = [n for n, header, is_array in self.headers if is_array and header == name]
        if index >= len(starts):
            return 1, len(self.lines) + 1
        start = starts[index]
        end = len(self.lines) + 1
        for number, header, _ in self.headers:
            if number > start and not header.startswith(name + "."):
                end = number
                break
        return start, end

    def key_line(self, start: int, end: int, key: str) -> int:
        """Line of ``key`` (dotted, e.g. ``fields.code``) within a block; the block's line if absent."""
        parts = key.split(".")
        candidates = [".".join(parts[i:]) for i in range(len(parts))]
        for candidate in candidates:
            pattern = re.compile(
                r"^\s*(?:[\"']?" + re.escape(candidate) + r"[\"']?\s*(?:=|\.)|\[\[?[^\]]*\b" + re.escape(candidate) + r"\]\]?)"
            )
            for number in range(start, min(end, len(self.lines) + 1)):
                if pattern.match(self.lines[number - 1].replace("\"", "").replace("'", "")):
                    return number
        return start

    def text_line(self, start: int, end: int, snippet: str) -> int | None:
        probe = snippet.splitlines()[0][:40] if snippet else ""
        if not probe:
            return None
        for number in range(start, min(end, len(self.lines) + 1)):
            if probe in self.lines[number - 1]:
                return number
        return None


def toml_error_line(error: tomllib.TOMLDecodeError) -> int:
    found = re.search(r"line (\d+)", str(error))
    return int(found.group(1)) if found else 1

def shipped_dir():
    """The folder of shipped packs (``loganalyzer.signature_packs``; the repo's ``signatures/``)."""
    try:
        return importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "signatures"


def read_text(path) -> str:
    return path.read_text(encoding="utf-8")


def read_toml(path, errors: list) -> tuple[str, dict] | None:
    """The text and parsed document of a TOML file; None (and a problem in ``errors``) when it
    cannot be read or is not TOML."""
    name = str(path)
    try:
        text = read_text(path)
        return text, tomllib.loads(text)
    except OSError as error:
        errors.append(ValidationError(name, 0, f"cannot read: {error}"))
    except tomllib.TOMLDecodeError as error:
        errors.append(ValidationError(name, toml_error_line(error), f"not valid TOML: {error}"))
    return None


def strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None

