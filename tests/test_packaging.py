"""The wheel ships every package and data file: a non-editable ``pip install .`` (the README's
first command) must find the parsers, the signature packs, the locales and the collect scripts."""

from __future__ import annotations

import tomllib

from conftest import REPO


def _setuptools() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed():
    listed = set(_setuptools()["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "loganalyzer").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), f"packages missing from pyproject.toml: {sorted(found - listed)}"
    assert "loganalyzer.signature_packs" in listed


def test_data_files_are_shipped():
    data = _setuptools()["package-data"]
    assert {"*.toml", "locales/*.toml"} <= set(data["loganalyzer.signature_packs"])
    shipped = {path.suffix for path in (REPO / "loganalyzer" / "collect").iterdir()}
    assert {f"*{suffix}" for suffix in shipped if suffix in (".sh", ".ps1")} <= set(data["loganalyzer.collect"])
