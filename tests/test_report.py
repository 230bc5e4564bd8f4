"""Reports: verdicts, score line, hidden causes, times with zone, --code remediation, stable
order (folder and zip give the same report), locales, and the comparison with a good bundle."""

from __future__ import annotations

import re
import shutil
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

from loganalyzer import diagnose
from loganalyzer.locales import UnknownLanguage, _table, available_languages, flat_keys, locale
from loganalyzer.report import build_view, link_label, score_text

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@lru_cache(maxsize=None)
def _diagnosis(name: str, lang: str = "en", code: str | None = None):
    return diagnose(SAMPLES / name, lang=lang, reported_code=code)


# -- verdicts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["linux-two-causes", "windows-vss-writer", "linux-agent-disabled"])
def test_failing_samples_are_failures(name):
    result = _diagnosis(name)
    assert result.verdict == "failure"
    assert result.findings[0].cause in result.verdict_reason


@pytest.mark.parametrize("name", ["linux-healthy", "windows-healthy", "linux-recovered", "windows-recovered"])
def test_healthy_samples_are_healthy_on_positive_evidence(name):
    result = _diagnosis(name)
    assert result.verdict == "healthy"
    assert "-succeeded" in result.verdict_reason or "heartbeat" in result.verdict_reason or "fabric" in result.verdict_reason


def test_nothing_readable_is_inconclusive_never_healthy(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    unrelated = tmp_path / "unrelated"
    unrelated.mkdir()
    (unrelated / "notes.txt").write_text("shopping list: milk, eggs\n")
    (unrelated / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    for path in (empty, corrupt, unrelated):
        result = diagnose(path)
        assert result.verdict == "inconclusive", path
        document = result.to_dict()
        assert document["verdict"] == "inconclusive"
        text = result.to_text()
        assert "INCONCLUSIVE" in text and "Collect:" in text and "waagent.log" in text


def test_logs_without_any_sign_of_success_are_inconclusive(tmp_path):
    """Agent lines that neither fail nor show a heartbeat or a snapshot: not called healthy."""
    log = tmp_path / "var" / "log"
    log.mkdir(parents=True)
    (log / "waagent.log").write_text(
        "2024-05-01T10:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.11.1.4\n"
        "2024-05-01T10:00:01.000000Z INFO Daemon Daemon OS: ubuntu 22.04\n"
    )
    result = diagnose(tmp_path)
    assert not result.listed()
    assert result.verdict == "inconclusive"


def test_verdict_in_every_format():
    for name, verdict in (("linux-two-causes", "FAILURE"), ("linux-healthy", "HEALTHY")):
        result = _diagnosis(name)
        assert verdict in result.to_text()
        assert f"**{verdict}:**" in result.to_markdown()
        assert f'class="la-card la-{verdict.lower()}"' in result.to_html()


# -- the score line, hidden causes, times ------------------------------------------------------


def test_score_never_rounds_into_the_next_confidence_word():
    assert score_text(0.8996) == "0.89" and score_text(0.9) == "0.90" and score_text(0.29) == "0.29"
    assert score_text(0.5999) == "0.59" and score_text(1.0) == "1.00"


def test_short_score_line_by_default_full_explanation_with_explain():
    result = _diagnosis("linux-two-causes")
    text = result.to_text()
    assert re.search(r"certain, score 0\.99: 3 signatures, corroborated by 2 sources", text)
    assert "noisy-OR" not in text
    assert "noisy-OR of linux." in result.to_text(explain=True)


def test_weaker_causes_are_counted_and_all_shows_them():
    result = _diagnosis("linux-two-causes")
    hidden = len(result.listed("unlikely")) - len(result.listed("possible"))
    assert hidden == 1
    assert "1 weaker cause hidden; --all shows it." in result.to_text()
    everything = result.to_text(minimum="unlikely")
    assert "hidden" not in everything and "agent-not-running" in everything


def test_times_carry_their_zone_and_unknown_offsets_suggest_tz():
    text = _diagnosis("windows-vss-writer").to_text()
    assert re.search(r"\d\d:\d\d:\d\d UTC", text)
    assert "(local time, offset unknown)" in text and "--tz" in text
    zoned = diagnose(SAMPLES / "windows-vss-writer", tz="Europe/Stockholm").to_text()
    assert "offset unknown" not in zoned


def test_checklist_in_few_words():
    text = _diagnosis("linux-healthy").to_text()
    checklist = text.split("Health checklist:")[1].split("\n\n")[0]
    assert "nothing wrong in" in checklist and ".xml" not in checklist and "/" not in checklist


def test_links_are_labelled_by_their_target():
    assert link_label("https://learn.microsoft.com/azure/virtual-machines/extensions/update-linux-agent") == "Update Linux agent (learn.microsoft.com)"
    label = link_label("https://learn.microsoft.com/a/b#usererrorfoo---the-vm-agent-is-out-of-date")
    assert label == "The VM agent is out of date (learn.microsoft.com)"
    html = _diagnosis("linux-two-causes").to_html()
    assert ">Documentation<" not in html and "(learn.microsoft.com)</a>" in html


# -- --code ------------------------------------------------------------------------------------


def test_reported_code_remediation_in_every_format():
    result = _diagnosis("linux-healthy", code="UserErrorGuestAgentStatusUnavailable")
    view = build_view(result)
    causes = view["reported"]["causes"]
    assert causes and all(c["cause"] != "agent-unresponsive-windows" for c in causes)  # a Linux bundle
    step = next(c["remediation"][0] for c in causes if c["remediation"])
    for rendered in (result.to_text(), result.to_markdown(), result.to_html()):
        assert "UserErrorGuestAgentStatusUnavailable" in rendered
        assert step[:40] in rendered.replace("&#x27;", "'").replace("\\", "")


def test_code_of_the_other_os_family_says_so():
    result = _diagnosis("windows-healthy", code="UserErrorFsFreezeFailed")
    text = result.to_text()
    assert "UserErrorFsFreezeFailed is reported for Linux VMs; this bundle is Windows." in text
    assert "fs-freeze-failed" not in text.split("Reported code")[1].split("\n\n")[0].split("\n", 3)[-1]
    assert "reported for Linux VMs" in result.to_markdown() and "reported for Linux VMs" in result.to_html()


# -- stable order: a folder and its zip ----------------------------------------------------------


def test_folder_and_its_zip_give_the_same_report(tmp_path):
    folder = tmp_path / "bundle"
    shutil.copytree(SAMPLES / "linux-two-causes", folder)
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        # members in sorted order: among rows of one signature with equal weight, ranking keeps
        # the first it meets, so an archive in another member order may show another such row
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(folder).as_posix())
    from_folder, from_zip = diagnose(folder), diagnose(archive)
    for fmt in ("to_text", "to_markdown", "to_json"):
        a = getattr(from_folder, fmt)().replace(str(folder), "B")
        # the reader names a top-level archive's members "<archive name>/<member>"
        b = getattr(from_zip, fmt)().replace(str(archive), "B").replace("bundle.zip/", "")
        assert a == b, fmt


# -- locales -----------------------------------------------------------------------------------


def test_languages_come_from_the_locale_files():
    assert {"en", "sv", "de"} <= set(available_languages())
    with pytest.raises(UnknownLanguage):
        diagnose(SAMPLES / "linux-healthy", lang="xx")


@pytest.mark.parametrize("lang", [lang for lang in available_languages() if lang != "en"])
def test_every_english_key_exists_in_each_locale(lang):
    english = {k for k in flat_keys(_table("en")) if not k.startswith(("cause.", "code.", "check."))}
    other = set(flat_keys(_table(lang)))
    assert english - other == set()


def _english_label_words(lang: str) -> set[str]:
    """Words of the English locale's own strings that the other locale never uses itself."""
    english, other = flat_keys(_table("en")), flat_keys(_table(lang))
    words_of = lambda values: {w for v in values for w in re.findall(r"[A-Za-z]{4,}", re.sub(r"\{[a-z_]+\}", " ", str(v)))}  # noqa: E731
    own = words_of(other.values())
    keys = [k for k in english if k.split(".")[0] not in ("collect", "cli", "meta", "os") and k != "score.noisy_or"]
    return {w for w in words_of(english[k] for k in keys) if w not in own}


def _strip_data(text: str, document: dict) -> str:
    """The report without what comes from the bundle or the knowledge base's English text."""
    import html as html_module

    data = [document["bundle"]]
    for finding in document["findings"]:
        data += [finding["cause"], finding["explanation"], *finding["docs"], *finding["codes"], *finding["remediation"], finding["title"]]
        data += [link_label(url).rsplit(" (", 1)[0] for url in finding["docs"]]  # a page's own title
        for row in finding["evidence"] + finding["counter_evidence"]:
            data += [row["file"], row["signature"], row["excerpt"], row["details"], row["source"]]
    for code in document["codes"]:
        data += [code["code"], *code["causes"]]
    data += [c["source"] for c in document["coverage"]]  # the timeline's lanes
    for problem in document["problems"]:
        data += [problem["file"], problem["message"]]
    for step in document["checklist"]:
        data.append(step["title"])
    for row in document.get("unexplained", []):  # log text, as the bundle wrote it
        shown = re.sub(r"<[^>]+>", " ", row["template"].replace("\\", ""))  # as the page's text reads
        data += [row["template"], row["example"], row["file"], shown]
    for cause in (document.get("reported") or {}).get("causes", []):
        data += [cause["cause"], cause["title"], *cause.get("remediation", [])]
        data += [link_label(url).rsplit(" (", 1)[0] for url in cause.get("docs", [])]
    text = html_module.unescape(text).replace("\\", "")
    text = re.sub(r"<[^>]+>", " ", text)  # markup of the HTML page (tags, CSS)
    text = re.sub(r"\.la-[^{]*\{[^}]*\}", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\([a-z.]+\.com\)", " ", text)
    text = re.sub(r"\b(?:linux|win|azure)\.[a-z]+\.[a-z0-9-]+", " ", text)  # signature ids
    for value in sorted({str(v) for v in data if v}, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


_LANG_SAMPLES = ["linux-two-causes", "linux-healthy", "windows-vss-writer", "azure-keyvault", "windows-healthy"]


@pytest.mark.parametrize("lang", [lang for lang in available_languages() if lang != "en"])
def test_no_english_label_word_in_other_languages(lang, tmp_path):
    forbidden = _english_label_words(lang)
    assert {"Evidence", "checklist", "Coverage", "hidden", "signatures"} <= forbidden
    empty = tmp_path / "empty"
    empty.mkdir()
    bundles = [SAMPLES / name for name in _LANG_SAMPLES] + [empty]
    for bundle in bundles:
        result = diagnose(bundle, lang=lang)
        document = result.to_dict()
        for rendered in (result.to_text(explain=True), result.to_markdown(explain=True), result.to_html()):
            left = _strip_data(rendered, document)
            found = sorted(w for w in forbidden if re.search(rf"\b{w}\b", left))
            assert not found, (bundle.name, found)


def test_plurals():
    assert locale("sv").plural("files", 1) == "1 fil" and locale("sv").plural("files", 3) == "3 filer"
    assert locale("de").plural("files", 1) == "1 Datei" and locale("en").plural("files", 2) == "2 files"


# -- compare -----------------------------------------------------------------------------------


def test_compare_a_good_and_a_failed_bundle():
    from loganalyzer.compare import compare, message_template

    good, bad = _diagnosis("linux-healthy"), _diagnosis("linux-fsfreeze-failed")
    changes = compare(good, bad)
    assert [f["cause"] for f in changes["appeared"]] == ["fs-freeze-failed"]
    assert any(v["name"] == "agent_version" and v["good"] != v["bad"] for v in changes["versions"])
    assert changes["templates"] and all(t["template"] not in {x["template"] for x in compare(good, good)["templates"]} for t in changes["templates"])
    assert compare(good, good)["appeared"] == [] and compare(good, good)["versions"] == []
    assert message_template("took 12 ms on /var/lib/x/y at 2.11.1.4") == "took <n> ms on <path> at <version>"
    text = bad.to_text(baseline=good)
    assert "Changes since the good bundle" in text and "Findings that appeared" in text
    document = __import__("json").loads(__import__("loganalyzer.report", fromlist=["render"]).render(bad, "json", baseline=good))
    assert document["baseline"]["appeared"][0]["cause"] == "fs-freeze-failed"


def test_batch_bundles_dataset_has_the_verdict():
    from loganalyzer.batch import DATASET_SCHEMAS, diagnosis_tables

    assert "verdict" in DATASET_SCHEMAS["bundles"].names
    for name in ("linux-two-causes", "linux-healthy"):
        result = _diagnosis(name)
        row = diagnosis_tables(result, name, str(SAMPLES / name))["bundles"].to_pylist()[0]
        assert row["verdict"] == result.verdict


def test_german_covers_every_cause_and_code_of_the_knowledge_base():
    from loganalyzer.signatures import load_knowledge

    knowledge, german = load_knowledge(), _table("de")
    for cause in knowledge.causes:
        assert german["cause"][cause]["title"] and german["cause"][cause]["steps"], cause
    assert set(knowledge.codes) <= set(german["code"])
    assert {str(c.step) for c in knowledge.checklist} <= set(german["check"])
    document = _diagnosis("linux-two-causes", lang="de").to_dict()
    assert document["findings"][0]["remediation"][0].startswith("Nach doppelten")
