"""Languages are data: one table per language in ``signatures/locales/<lang>.toml``.

A locale holds every word a renderer or the CLI prints (labels, confidence and status words,
verdict sentences, problem kinds, plural forms) and, optionally, titles, remediation steps and
messages of causes, codes and checklist steps that override the knowledge base's
(``[cause.<id>]``, ``[code.<id>]``, ``[check.<step>]``). English is complete and the fallback;
adding a language is adding a file::

    [labels]
    evidence = "Belege"
    [plural.files]
    one = "{n} Datei"
    other = "{n} Dateien"
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

__all__ = ["Locale", "available_languages", "check_language", "locale", "UnknownLanguage"]

FALLBACK = "en"
#: sections that override the knowledge base; they are not labels every locale must repeat
OVERRIDES = ("cause", "code", "check")


class UnknownLanguage(ValueError):
    """A language with no locale file."""


def _folder():
    from .rules import shipped_dir

    return shipped_dir() / "locales"


@lru_cache(maxsize=None)
def available_languages() -> tuple[str, ...]:
    """The languages with a locale file, sorted (``en`` always among them)."""
    return tuple(sorted(Path(str(entry.name)).stem for entry in _folder().iterdir() if str(entry.name).endswith(".toml")))


def check_language(lang: str) -> str:
    if lang not in available_languages():
        raise UnknownLanguage(f"unknown language {lang!r} (choose from {', '.join(available_languages())})")
    return lang


@lru_cache(maxsize=None)
def _table(lang: str) -> dict:
    return tomllib.loads((_folder() / f"{lang}.toml").read_text(encoding="utf-8"))


def flat_keys(table: dict, prefix: str = "") -> dict[str, object]:
    """``{"labels.evidence": "Evidence", ...}``: every leaf of a locale table by dotted key."""
    keys: dict[str, object] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            keys.update(flat_keys(value, key + "."))
        else:
            keys[key] = value
    return keys


class Locale:
    """The words of one language, falling back to English key by key."""

    def __init__(self, lang: str = FALLBACK):
        self.lang = check_language(lang)
        self.table = _table(lang)
        self.fallback = _table(FALLBACK)

    def _find(self, key: str, table: dict):
        node = table
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def get(self, key: str, default=None):
        found = self._find(key, self.table)
        if found is None:
            found = self._find(key, self.fallback)
        return default if found is None else found

    def __call__(self, key: str, **values) -> str:
        """The sentence at ``key`` with ``{name}`` placeholders filled."""
        text = self.get(key)
        if text is None:
            return key
        return str(text).format(**values) if values else str(text)

    def plural(self, key: str, n: int, **values) -> str:
        """``plural.<key>``'s ``one`` or ``other`` form for ``n``."""
        forms = self.get(f"plural.{key}") or {}
        form = forms.get("one") if n == 1 and "one" in forms else forms.get("other", "{n}")
        return form.format(n=n, **values)

    def word(self, group: str, word: str) -> str:
        """A word of a closed set (``confidence``, ``status``, ``verdict``) in this language."""
        return str(self.get(f"{group}.{word}", word))

    def override(self, section: str, ident: str, key: str):
        """A cause/code/check text this locale carries, else ``None`` (the knowledge base's)."""
        if self.lang == FALLBACK:
            return None
        return self._find(f"{section}.{ident}.{key}", self.table)


@lru_cache(maxsize=None)
def locale(lang: str = FALLBACK) -> Locale:
    return Locale(lang)
