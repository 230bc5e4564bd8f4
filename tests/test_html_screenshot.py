"""The HTML report in a real browser: headless Chromium renders three samples' pages at 1280 px;
none overflows horizontally, and each shows its verdict and top cause; one screenshot is taken.

Chromium comes from the distribution's packages (``.ci/run`` installs it when missing); where it
cannot be had, the test skips and says why.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from loganalyzer import diagnose

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
WIDTH = 1280
_BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(_BROWSER is None, reason="headless Chromium is not installed (apt-get install chromium; .ci/run does it)")

_MEASURE = """<script>
window.addEventListener('load', function () {
  var out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = 'scrollWidth=' + document.documentElement.scrollWidth + ' innerWidth=' + window.innerWidth;
  document.body.appendChild(out);
});
</script>"""


def _chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            _BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WIDTH},1000", *arguments,
        ],
        capture_output=True, text=True, timeout=120,
    )


def _measured_page(page: str) -> str:
    """The page with a script that writes its width into the DOM (the report itself has no
    script, and its Content-Security-Policy forbids one: the measuring copy drops that meta)."""
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    return page.replace("</body>", _MEASURE + "</body>")


@pytest.mark.parametrize(
    "sample, shown",
    [("linux-two-causes", "top"), ("windows-vss-writer", "top"), ("linux-healthy", "verdict")],
)
def test_report_fits_1280_px_and_shows_the_top_cause(sample, shown, tmp_path):
    result = diagnose(SAMPLES / sample)
    page = tmp_path / f"{sample}.html"
    page.write_text(_measured_page(result.to_html()), encoding="utf-8")
    run = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r"scrollWidth=(\d+) innerWidth=(\d+)", run.stdout)
    assert found, run.stdout[-2000:]
    scroll, inner = int(found.group(1)), int(found.group(2))
    assert inner == WIDTH and scroll <= inner, f"{sample}: page is {scroll} px wide in a {inner} px window"
    dom = html.unescape(run.stdout)
    card = dom.split('id="summary"', 1)[1].split("</section>", 1)[0]
    if shown == "top":
        top = result.listed()[0]
        assert top.title in card and top.codes[0] in card
    else:
        assert result.verdict == "healthy" and "healthy" in card


def test_screenshot_of_a_report(tmp_path):
    result = diagnose(SAMPLES / "linux-two-causes")
    page = tmp_path / "report.html"
    page.write_text(result.to_html(), encoding="utf-8")
    shot = tmp_path / "report.png"
    run = _chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == WIDTH
