"""Line numbers found in linear time (issue 12, item 4): large Linux documents, broken or whole.

Each input is about 2 MB with tens of thousands of records; counting newlines from the start of
the file for every record (what the salvage paths did), or scanning the lines from the top for
every plugin or handler, takes a minute or more on such input. The bound (10 s) is generous for
a shared, busy 2-core machine; the linear code takes one to three seconds there.
"""

from __future__ import annotations

import json
import time

from loganalyzer.sources import ParseContext
from loganalyzer.sources.linux import extension_events, goal_state, status

BOUND_SECONDS = 10.0
VMS_DIR = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0"


def _timed(parser, data: bytes, path: str):
    started = time.monotonic()
    result = parser.parse(data, ParseContext(file=path, path=path))
    elapsed = time.monotonic() - started
    assert result.lines == result.events.spans + result.unparsed
    return result, elapsed


def _parser(module, name: str):
    return next(parser for parser in module.PARSERS if parser.name == name)


def test_broken_events_json_salvage_is_linear():
    count = 40_000
    data = ("[\n" + "".join(f'{{"Message": "entry {n:06d} of the extension telemetry"}},\n' for n in range(count))).encode()  # no ]
    assert len(data) > 2_000_000
    result, elapsed = _timed(extension_events.EVENTS_JSON, data, "var/log/azure/VMSnapshotLinux/events/1.json")
    assert elapsed < BOUND_SECONDS, elapsed
    assert [p.kind for p in result.problems] == ["malformed"]
    assert len(result.events) == count
    assert result.events.line[:3] == [2, 3, 4] and result.events.line[-1] == count + 1


def test_broken_extensions_config_salvage_is_linear():
    count = 30_000
    plugins = "".join(f'<Plugin name="Vendor.Ext{n}" version="1.0.{n}" state="enabled" />\n' for n in range(count))
    data = f"<Extensions>\n<Plugins>\n{plugins}".encode()  # never closed
    assert len(data) > 2_000_000
    result, elapsed = _timed(_parser(goal_state, "ExtensionsConfig"), data, "var/lib/waagent/ExtensionsConfig.3.xml")
    assert elapsed < BOUND_SECONDS, elapsed
    assert len(result.events) == count
    assert result.events.line[0] == 3 and result.events.line[-1] == count + 2
    assert all(fields["salvaged"] == "1" for fields in result.events.fields[:10])


def test_many_plugins_in_a_whole_extensions_config_are_placed_in_linear_time():
    count = 20_000
    plugins = "".join(f'<Plugin name="Vendor.Ext{n}" version="1.0" state="enabled" />\n' for n in range(count))
    data = f"<Extensions>\n<Plugins>\n{plugins}</Plugins>\n</Extensions>\n".encode()
    result, elapsed = _timed(_parser(goal_state, "ExtensionsConfig"), data, "var/lib/waagent/ExtensionsConfig.3.xml")
    assert elapsed < BOUND_SECONDS, elapsed
    plugin_lines = [line for line, fields in zip(result.events.line, result.events.fields) if fields["kind"] == "ext_config_plugin"]
    assert plugin_lines[:2] == [3, 4] and plugin_lines[-1] == count + 2


def test_many_handlers_in_waagent_status_are_placed_in_linear_time():
    count = 20_000
    handlers = [{"handlerName": f"Vendor.Ext{n}", "handlerVersion": "1.0", "status": "Ready", "code": 0} for n in range(count)]
    document = {"version": "1.1", "timestampUTC": "2024-05-30T13:16:02Z",
                "aggregateStatus": {"guestAgentStatus": {"version": "2.10.0.8", "status": "Ready"},
                                    "handlerAggregateStatus": handlers}}
    data = json.dumps(document, indent=1).encode()
    assert len(data) > 2_000_000
    result, elapsed = _timed(_parser(status, "waagent_status.json"), data, "var/lib/waagent/waagent_status.json")
    assert elapsed < BOUND_SECONDS, elapsed
    handler_lines = [line for line, fields in zip(result.events.line, result.events.fields) if fields["kind"] == "agent_status_handler"]
    assert len(handler_lines) == count and handler_lines == sorted(handler_lines) and handler_lines[0] > 1


def test_a_vmsnapshot_status_with_many_substatus_entries_is_read_in_linear_time():
    substatus = [{"name": f"s{n}", "status": "success", "code": "0", "formattedMessage": {"message": "x" * 40}} for n in range(20_000)]
    data = json.dumps([{"version": 1.0, "timestampUTC": "2024-05-30T13:16:02Z",
                        "status": {"operation": "Enable", "status": "success", "code": 1, "substatus": substatus}}]).encode()
    result, elapsed = _timed(_parser(status, "extension status file"), data, VMS_DIR + "/status/3.status")
    assert elapsed < BOUND_SECONDS, elapsed
    assert len(result.events) >= 1
