"""Disks and mounts: ``df``, ``mount``, ``findmnt``, ``lsblk`` and ``/etc/fstab``: source
``linux.command``.

Samples::

    $ df -kP
    Filesystem     1024-blocks     Used Available Capacity Mounted on
    /dev/sda1         30298176 30298176         0     100% /

    $ mount
    /dev/sdc1 on /datadrive type xfs (rw,relatime,attr2,inode64,noquota)
    //stor.file.core.windows.net/share on /mnt/share type cifs (rw,relatime,vers=3.1.1)

    $ findmnt -l
    TARGET     SOURCE    FSTYPE OPTIONS
    /datadrive /dev/sdc1 xfs    rw,relatime

Events (every event has ``command``; ``component`` is the command):

* ``kind=mount`` (mount, findmnt, fstab): ``mount_point``, ``device``, ``fs_type``, ``options``,
  ``read_only`` (``true``/``false``), ``network_fs`` (``true`` for nfs, cifs, smb, fuse
  blobfuse), ``bind`` (``true`` for a bind mount); fstab adds ``nofail``.
* ``kind=filesystem`` (df): ``device``, ``mount_point``, ``use_percent``, ``available_kb``,
  ``full`` (``true`` at 100% or no space left); level warning when full.
* ``kind=block_device`` (lsblk): ``name``, ``device_type`` (disk/part/lvm/crypt/rom),
  ``size``, ``fs_type``, ``mount_point``.
* summary: ``mounts`` / ``filesystems`` / ``devices``, and ``full_filesystems``,
  ``network_mounts``.
"""

from __future__ import annotations

import re

from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .commands_output import CommandOutput, claim_command, command_name, command_reader

__all__ = ["PARSERS"]

SOURCE = "linux.command"

_NAMES = re.compile(r"^(df|mount|findmnt|lsblk|proc mounts)\b")
_NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.blobfuse", "fuse.blobfuse2", "fuse.sshfs", "glusterfs", "ceph")

_MOUNT = re.compile(r"^(?P<device>\S+) on (?P<mount_point>.+?) type (?P<fs_type>\S+) \((?P<options>[^)]*)\)")
_MOUNT_BSD = re.compile(r"^(?P<device>\S+) on (?P<mount_point>.+?) \((?P<fs_type>[\w.-]+)(?:, (?P<options>[^)]*))?\)$")
_DF_HEADER = re.compile(r"^Filesystem\s+(?:Type\s+)?(?:1K-blocks|1024-blocks|Size|512-blocks|1M-blocks|Inodes)", re.IGNORECASE)
_DF_ROW = re.compile(r"^(?P<device>\S+)\s+(?:(?P<type>[a-z][\w.]*)\s+)?(?P<size>[\d.]+[KMGTPE]?)\s+(?P<used>[\d.]+[KMGTPE]?)\s+(?P<avail>[\d.]+[KMGTPE]?)\s+(?P<percent>\d+|-)%?\s+(?P<mount_point>/.*)$")
_FINDMNT_HEADER = re.compile(r"^TARGET\s+SOURCE\s+FSTYPE\s+OPTIONS")
_FINDMNT_ROW = re.compile(r"^(?P<tree>[\s│├└─`|-]*)(?P<mount_point>/\S*)\s+(?P<device>\S+)\s+(?P<fs_type>\S+)\s+(?P<options>\S+)$")
_LSBLK_HEADER = re.compile(r"^NAME\s+")
_FSTAB = re.compile(r"^(?P<device>\S+)\s+(?P<mount_point>\S+)\s+(?P<fs_type>\S+)\s+(?P<options>\S+)(?:\s+\d+(?:\s+\d+)?)?$")


def _content(text: str) -> bool:
    head = text.lstrip()
    return bool(_DF_HEADER.match(head) or _FINDMNT_HEADER.match(head) or re.match(r"NAME\s+MAJ:MIN\s+RM\s+SIZE", head)
                or re.match(r"\S+ on / type \S+ \(", head))


def claim(path: str, head: bytes) -> int:
    lowered = path.lower()
    if lowered.endswith("etc/fstab"):
        return BY_NAME
    if lowered.endswith("proc/mounts"):
        return BY_NAME_AND_CONTENT
    return claim_command(path, head, _NAMES, _content)


def _mount_fields(device: str, mount_point: str, fs_type: str, options: str) -> dict[str, str]:
    option_list = options.split(",")
    return {
        "mount_point": mount_point,
        "device": device,
        "fs_type": fs_type,
        "options": options,
        "read_only": "true" if "ro" in option_list or "read-only" in option_list else "false",
        "network_fs": "true" if fs_type.lower() in _NETWORK_FS or device.startswith("//") else "false",
        "bind": "true" if "bind" in option_list else None,
    }


def _mounts(lines: list[str], out: CommandOutput, fstab: bool, findmnt: bool, proc: bool) -> dict[str, str]:
    count = network = 0
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#") or (findmnt and _FINDMNT_HEADER.match(stripped)):
            continue
        if fstab or proc:
            found = _FSTAB.match(stripped)
        elif findmnt:
            found = _FINDMNT_ROW.match(text.rstrip())
        else:
            found = _MOUNT.match(stripped) or _MOUNT_BSD.match(stripped)
        if not found:
            out.skip(number)
            continue
        fields = _mount_fields(found.group("device"), found.group("mount_point"), found.group("fs_type"), found.group("options") or "")
        if fstab:
            fields["nofail"] = "true" if "nofail" in fields["options"].split(",") else "false"
        count += 1
        network += fields["network_fs"] == "true"
        out.event(number, f"{fields['device']} on {fields['mount_point']} type {fields['fs_type']} ({fields['options']})", kind="mount", **fields)
    return {"mounts": str(count), "network_mounts": str(network)}


def _df(lines: list[str], out: CommandOutput) -> dict[str, str]:
    count = full = 0
    pending = ""
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or _DF_HEADER.match(stripped):
            continue
        found = _DF_ROW.match(f"{pending} {stripped}".strip() if pending else stripped)
        if not found:
            if len(stripped.split()) == 1 and not pending:
                pending = stripped  # a long device name wraps to the next line
                continue
            pending = ""
            out.skip(number)
            continue
        span = 2 if pending else 1
        pending = ""
        percent = found.group("percent")
        is_full = percent == "100" or found.group("avail") in ("0", "0K", "0M")
        count += 1
        full += is_full
        out.event(
            number - span + 1,
            stripped,
            span=span,
            level="warning" if is_full else None,
            kind="filesystem",
            device=found.group("device"),
            fs_type=found.group("type"),
            mount_point=found.group("mount_point"),
            use_percent=percent if percent != "-" else None,
            available=found.group("avail"),
            full="true" if is_full else "false",
        )
    if pending:
        out.skip(len(lines))
    return {"filesystems": str(count), "full_filesystems": str(full)}


def _lsblk(lines: list[str], out: CommandOutput) -> dict[str, str]:
    header = next((line for line in lines if line.strip()), "")
    columns = header.split()
    count = 0
    for number, text in enumerate(lines, 1):
        if not text.strip() or text == header:
            continue
        words = text.split()
        name = re.sub(r"^[│├└─`|\s-]+", "", words[0]) if words else ""
        if not name:
            out.skip(number)
            continue
        values = dict(zip(columns[1:], words[1:]))
        count += 1
        out.event(
            number,
            text.strip(),
            kind="block_device",
            name=name,
            device_type=values.get("TYPE"),
            size=values.get("SIZE"),
            fs_type=values.get("FSTYPE"),
            mount_point=values.get("MOUNTPOINT") or values.get("MOUNTPOINTS"),
        )
    return {"devices": str(count)}


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    name = command_name(context.path)
    lowered = context.path.lower()
    head = next((line.strip() for line in lines if line.strip()), "")
    if lowered.endswith("etc/fstab"):
        out = CommandOutput(result, "fstab", "fstab")
        facts = _mounts(lines, out, fstab=True, findmnt=False, proc=False)
    elif name.startswith("df") or _DF_HEADER.match(head):
        out = CommandOutput(result, "df", "df")
        facts = _df(lines, out)
    elif name.startswith("lsblk") or re.match(r"NAME\s+", head):
        out = CommandOutput(result, "lsblk", "lsblk")
        facts = _lsblk(lines, out)
    elif name.startswith("findmnt") or _FINDMNT_HEADER.match(head):
        out = CommandOutput(result, "findmnt", "findmnt")
        facts = _mounts(lines, out, fstab=False, findmnt=True, proc=False)
    else:
        proc = lowered.endswith("proc/mounts") or bool(_FSTAB.match(head) and " on " not in head)
        out = CommandOutput(result, "mount", "mount")
        facts = _mounts(lines, out, fstab=False, findmnt=False, proc=proc)
    full = facts.get("full_filesystems", "0") != "0"
    summary = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in facts.items())
    return out.finish(f"{out.command}: {summary}", level="warning" if full else None, **facts)


PARSERS = (
    Parser(
        name="df/mount/findmnt/lsblk/fstab",
        source=SOURCE,
        claim=claim,
        read=command_reader(_read),
        fields={
            "command": "df | mount | findmnt | lsblk | fstab",
            "kind": "mount | filesystem | block_device | summary",
            "mount_point": "where the file system is mounted",
            "device": "the device or remote share",
            "fs_type": "file system type (xfs, ext4, nfs, cifs, ...)",
            "options": "mount options as written",
            "read_only": "true for a read-only mount",
            "network_fs": "true for nfs, cifs/smb, blobfuse and other network file systems",
            "bind": "true for a bind mount",
            "nofail": "fstab: true when the entry has nofail",
            "use_percent": "df: percent used",
            "available": "df: space left, as shown",
            "full": "df: true at 100% or nothing left",
            "name": "lsblk: device name",
            "device_type": "lsblk: disk | part | lvm | crypt | rom | ...",
            "size": "lsblk: size as shown",
            "mounts": "summary: mounts listed",
            "network_mounts": "summary: network file systems mounted",
            "filesystems": "summary: file systems df lists",
            "full_filesystems": "summary: file systems that are full",
            "devices": "summary: block devices listed",
        },
    ),
)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
