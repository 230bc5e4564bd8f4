"""The triage notebook runs from top to bottom in a fresh kernel, as CI runs it.

It is executed with nbclient in a ``python3`` kernel (ipykernel of this same environment), from
the notebook's own folder; any cell error fails the test.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "triage.ipynb"


def test_triage_notebook_runs_without_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGANALYZER_TRIAGE_DIR", str(tmp_path / "triage"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError at the first failing cell

    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    pictures = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) >= 4  # two timelines of the sample, the fleet chart, the drilled-into bundle
    assert all(base64.b64decode(picture).startswith(b"\x89PNG") for picture in pictures)
    html = "".join(o["data"].get("text/html", "") for o in outputs if "data" in o)
    assert "storage-unreachable" in html or "Azure Storage" in html  # the sample's diagnosis, rendered
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "bundles/s" in printed  # the fleet summary of the batch
    assert (tmp_path / "triage" / "out" / "findings").is_dir()


def test_timeline_has_a_lane_per_source_the_attempts_and_the_findings(samples):
    from datetime import timedelta

    from loganalyzer import diagnose
    from loganalyzer.timeline import backup_attempts

    diagnosis = diagnose(samples / "linux-collector-logs.zip")
    figure = diagnosis.timeline()
    axes = figure.axes[0]
    lanes = [label.get_text() for label in axes.get_yticklabels()]
    assert "waagent.log" in lanes and "extension.log" in lanes
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    top = diagnosis.listed()[0]
    assert f"{top.cause} ({top.confidence})" in legend
    assert any(entry.startswith("errors (") for entry in legend)
    assert "latest backup attempt" in legend
    attempts = backup_attempts(diagnosis.events)
    assert attempts and attempts[-1][1] >= attempts[-1][0]

    zoomed = diagnosis.timeline(around=timedelta(hours=1)).axes[0]
    low, high = zoomed.get_xlim()
    assert high - low < 0.2  # days: about two hours shown, not the whole bundle


def test_timeline_of_a_bundle_without_times(tmp_path):
    from loganalyzer import diagnose

    (tmp_path / "notes.txt").write_text("nothing with a time in it\n")
    figure = diagnose(tmp_path).timeline()
    assert "no timed events" in " ".join(text.get_text() for text in figure.axes[0].texts)
