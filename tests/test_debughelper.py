"""The backup extension's diagnostics helper output (``loganalyzer.sources.linux.debughelper``).

Formats from Azure/azure-linux-extensions VMBackup/debughelper (run.go, main.go): Go's UTC logger
in run.log, one JSON object a second in cpu/mem/disk.log, ``strace -t -f`` lines, and
diagnosis.log's headed findings (with the helper's own spelling).
"""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, all_parsers
from loganalyzer.sources.linux import debughelper
from loganalyzer.testing import assert_matches, assert_no_match

PARSER = debughelper.PARSERS[0]
RUN = "01J9N3M7Q8R2ZK5XW4T6Y1B0CD"
FOLDER = f"var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/debughelper/{RUN}"
DIAGNOSIS = """========== ANTIVIRUS ============

Anitivirus detected: "ClamAV". Make sure no files, directories, or mountpoints are being scanned during a snapshot operation



========== DATABSES ============

Unsupported database detected: "PostgreSQL". Please make sure the database is not in use during a snapshot operation. The heavy disk IO behavior of databases can conflict with disk freezing
"""


def parse(name: str, text: str):
    path = f"{FOLDER}/{name}"
    return PARSER.parse(text.encode(), ParseContext(file=f"bundle/{path}", path=path))


def fields(result) -> list[dict]:
    return [dict(f) for f in result.events.fields]


def accounted(result) -> bool:
    return result.lines == result.events.spans + result.unparsed


def test_diagnosis_findings_name_the_product_and_section():
    result = parse("diagnosis.log", DIAGNOSIS)
    found = [f for f in fields(result) if f.get("finding")]
    assert [(f["finding"], f["product"], f["section"]) for f in found] == [
        ("antivirus", "ClamAV", "ANTIVIRUS"),
        ("database", "PostgreSQL", "DATABSES"),
    ]
    assert all(f["run_id"] == RUN for f in fields(result))
    assert accounted(result)


def test_run_log_times_are_utc():
    result = parse("run.log", "2024/10/07 02:31:07 main.Run.startStrace -> CombinedOutput failed -> exit status 1\n")
    assert result.events.time[0] == datetime(2024, 10, 7, 2, 31, 7, tzinfo=timezone.utc)
    assert result.events.level[0] == "error" and accounted(result)


def test_metrics_carry_their_sample_time_and_values():
    cpu = parse("cpu.log", '{"timestamp_millis":1728268267000,"one":"7.91","five":"3.02","fifteen":"1.20","scheduled_ratio":"9/412","last_pid":"48121"}\n')
    assert cpu.events.time[0] == datetime(2024, 10, 7, 2, 31, 7, tzinfo=timezone.utc)
    assert fields(cpu)[0]["load_1m"] == "7.91" and fields(cpu)[0]["runnable"] == "9/412"
    mem = parse("mem.log", '{"timestamp_millis":1728268267000,"total_kb":16000000,"avail_kb":400000,"free_kb":1,"cached_kb":1,"swap_cached_kb":0,"swap_total_kb":0,"swap_free_kb":0}\n')
    assert fields(mem)[0]["avail_pct"] == "2"
    disk = parse("disk.log", '{"timestamp_millis":1728268267000,"device_name":"sda","ios_currently_in_progress":"31"}\n')
    assert fields(disk)[0]["device"] == "sda" and fields(disk)[0]["ios_in_progress"] == "31"


def test_strace_lines_name_the_syscall_and_failures():
    result = parse("strace.log", "48121 02:31:09 ioctl(5, FIFREEZE, 0) = 0\n48121 02:31:10 ioctl(6, FIFREEZE, 0) = -1 EBUSY (Device or resource busy)\n")
    assert [f["syscall_result"] for f in fields(result)] == ["0", "-1 EBUSY"]
    assert list(result.events.level) == ["verbose", "warning"]


def test_broken_lines_are_unparsed_and_accounted():
    result = parse("cpu.log", '{"timestamp_millis":1728268267000,"one":"1"}\n{"timestamp_mil\nnot json\n')
    assert len(result.events) == 1 and result.unparsed == 2 and accounted(result)


def test_binary_data_is_a_named_problem():
    result = parse("mem.log", "\x00\x01\x02binary\x00\n")
    assert [p.kind for p in result.problems] == ["binary"] and accounted(result)


def test_claims_only_the_helper_folder_and_wins_it():
    assert PARSER.claim(f"{FOLDER}/diagnosis.log", DIAGNOSIS.encode()) == BY_NAME_AND_CONTENT
    assert PARSER.claim(f"{FOLDER}/run.log", b"hello") == BY_NAME
    assert PARSER.claim("var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log", b"2024/10/07 02:31:07 x") == 0
    assert PARSER.claim("debughelper/not-a-ulid/run.log", b"2024/10/07 02:31:07 x") == 0
    for name, text in (("run.log", "2024/10/07 02:31:07 x\n"), ("diagnosis.log", DIAGNOSIS), ("strace.log", "1 02:31:09 ioctl(5, FIFREEZE, 0) = 0\n")):
        path = f"{FOLDER}/{name}"
        assert max(all_parsers(), key=lambda p: p.claim(path, text.encode())) is PARSER


@given(st.lists(st.text(max_size=60), max_size=8), st.sampled_from(["run.log", "cpu.log", "mem.log", "disk.log", "strace.log", "diagnosis.log"]))
def test_any_text_is_accounted(lines, name):
    result = parse(name, "\n".join(lines))
    assert accounted(result)


def test_av_or_database_rule_reads_the_diagnosis():
    evidence = assert_matches("linux.debughelper.av-or-database-during-freeze", DIAGNOSIS, source="extension.debughelper", path=f"{FOLDER}/diagnosis.log")
    assert evidence["line"].tolist() == [3, 9]
    assert_no_match("linux.debughelper.av-or-database-during-freeze", "========== ANTIVIRUS ============\n", source="extension.debughelper", path=f"{FOLDER}/diagnosis.log")
