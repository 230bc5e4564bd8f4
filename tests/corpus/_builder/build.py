"""Write the corpus bundles and ``labels.toml`` from the case definitions beside this file.

Run ``python tests/corpus/_builder/build.py`` after changing a case; the bundles are committed, so
the tests never run this. Each case keeps the lines its public report pasted (messages, codes,
versions, times) and surrounds them with routine content of the same program, era and format.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
sys.path.insert(0, str(HERE))

import cases_linux
import cases_windows

LABEL_KEYS = ("source", "platform", "cause", "code", "acceptable_causes", "acceptable_codes", "verdict", "kind", "certainty",
              "key_evidence", "note")

HEADER = """\
# Labels of the corpus bundles beside this file: one table per bundle folder.
#
# Every bundle was rebuilt from one public report (``source``): the lines the reporter pasted are
# kept (messages, codes, versions, times) and surrounded with routine content of the same program,
# era and format. The labels were written from the reports, without reading the signature packs or
# the ranking code. Do not edit a bundle to make the tool pass: the bundles and this file are written
# by _builder/build.py from the case files beside it (change a case, rebuild, re-measure).
#
#   source            link to the public report the bundle is rebuilt from
#   platform          linux | windows
#   cause             cause id (signatures/knowledge.toml) an engineer would fix; "" when healthy/inconclusive
#   code              documented error code the portal showed or would show; "" when healthy/inconclusive
#   acceptable_causes other cause ids an engineer would also accept as the top cause
#   acceptable_codes  other codes an engineer would also accept
#   verdict           failure | healthy | inconclusive
#   kind              failure | healthy | recovered | inconclusive
#   certainty         high | medium | low: how sure the label is, from the report
#   key_evidence      log line | command output | state | absence
#   note              the story in one line
"""


def _toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def main() -> int:
    cases = [*cases_linux.CASES, *cases_windows.CASES]
    names = set()
    tables = []
    for fn in cases:
        name = fn.__name__.replace("_", "-")
        assert name not in names, name
        names.add(name)
        files, label = fn()
        root = CORPUS / name
        if root.exists():
            shutil.rmtree(root)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            path.write_bytes(data)
        label.setdefault("acceptable_causes", [])
        label.setdefault("acceptable_codes", [])
        lines = [f"[{name}]"] + [f"{k} = {_toml_value(label[k])}" for k in LABEL_KEYS]
        tables.append("\n".join(lines))
    for stale in CORPUS.iterdir():
        if stale.is_dir() and stale.name not in names and not stale.name.startswith(("_", ".")):
            shutil.rmtree(stale)
    (CORPUS / "labels.toml").write_text(HEADER + "\n" + "\n\n".join(tables) + "\n", encoding="utf-8")
    print(f"{len(names)} bundles written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
