"""Member names: cleaned (no escape from the bundle), shown (escaped, secrets masked) and
mapped to the path they had on the VM.

    normalise_member_name("logs\\..\\var/./log/waagent.log")  -> ("var/log/waagent.log", None)
    display_name("var/log/wa\nagent\udcff.log")              -> "var/log/wa\\x0aagent\\xff.log"
    vm_path("logs.zip/var/log/waagent.log")                 -> ("var/log/waagent.log", False)

The collector stores files it cut short at the archive root as
``truncated_var_log_azure_<Handler>_extension.log``; :func:`vm_path` maps such names back to
``var/log/azure/<Handler>/extension.log`` and says the member is truncated.
"""

from __future__ import annotations

import hashlib
import unicodedata

from .redaction import redact, redact_path

__all__ = ["MAX_NAME_PART", "display_name", "normalise_member_name", "vm_path"]


def normalise_member_name(name: str) -> tuple[str | None, str | None]:
    """A member name as a clean relative POSIX path, or ``(None, reason)`` when it escapes.

    Backslashes are separators (archives made on Windows), a drive letter or leading slash is
    dropped (the path is read as bundle-relative), ``.`` parts vanish, and ``..`` may not climb
    above the root.
    """
    name = name.replace("\\", "/")
    note = None
    if len(name) >= 2 and name[1] == ":" and name[0].isalpha():
        name, note = name[2:], "drive letter dropped"
    if name.startswith("/"):
        note = "absolute member path read as bundle-relative"
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None, f"member path climbs out of the bundle: {name!r}"
            parts.pop()
            continue
        if "\x00" in part:
            return None, f"member path holds a NUL byte: {name!r}"
        parts.append(part)
    if not parts:
        return None, f"empty member path: {name!r}"
    return "/".join(parts), note


#: longest part of a member path that is shown whole; longer parts keep their start and a hash
MAX_NAME_PART = 200


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _shorten(part: str) -> str:
    if len(part) <= MAX_NAME_PART:
        return part
    digest = hashlib.sha1(part.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{part[:MAX_NAME_PART - 20]}...{digest}"


def display_name(name: str) -> str:
    """A member or file name as it may be shown and stored anywhere: bytes that were not
    UTF-8, control characters, line and paragraph separators and bidirectional overrides
    escaped (``\\x0a``, ``\\xff``, ``\\u202e``), parts longer than :data:`MAX_NAME_PART`
    shortened with a hash, and secrets (a SAS in the name) masked. Clean names are unchanged."""
    # each part on its own: a secret never spans a "/", and a run of path words such as
    # ".../VMSnapshotLinux/debughelper/<id>/strace" must not read as one base64 blob
    if name.isascii() and name.isprintable() and len(name) <= MAX_NAME_PART:
        return redact_path(name)
    escaped = "".join(
        _escape_char(c) if (0xDC80 <= ord(c) <= 0xDCFF or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")) else c
        for c in name
    )
    return "/".join(_shorten(redact(part)) for part in escaped.split("/"))


# Where a VM's file system starts inside a member path; the first anchor found wins.
_ANCHORS: tuple[tuple[str, ...], ...] = (
    ("var", "log"),
    ("var", "lib"),
    ("etc",),
    ("run", "systemd"),
    ("windowsazure",),
    ("packages", "plugins"),
    ("windows", "system32"),
)

_TRUNCATED_ROOTS = (
    ("var_log_azure_", "var/log/azure/"),
    ("var_lib_waagent_", "var/lib/waagent/"),
    ("var_lib_dhcp_", "var/lib/dhcp/"),
    ("var_log_", "var/log/"),
    ("etc_", "etc/"),
)
_SUBDIRS = {"config", "status", "events", "history"}


def _untruncate(name: str) -> str | None:
    """``truncated_var_log_azure_<Handler>_extension.log`` -> ``var/log/azure/<Handler>/extension.log``."""
    if not name.startswith("truncated_"):
        return None
    rest = name[len("truncated_") :]
    for flat, real in _TRUNCATED_ROOTS:
        if rest.startswith(flat):
            tail = rest[len(flat) :]
            if real in ("var/log/azure/", "var/lib/waagent/") and "_" in tail:
                head, tail = tail.split("_", 1)
                real += head + "/"
                if "_" in tail and tail.split("_", 1)[0] in _SUBDIRS:
                    sub, tail = tail.split("_", 1)
                    real += sub + "/"
            return real + tail
    return rest.replace("_", "/", 2) if rest.count("_") else rest


def vm_path(member_path: str, base: str = "") -> tuple[str, bool]:
    """The path from the VM root for a member path, and whether the collector truncated it.

    ``base`` is the VM folder of the archive the member came from, used when the member's own
    path has no VM root in it."""
    parts = member_path.split("/")
    truncated = False
    real = _untruncate(parts[-1])
    if real is not None:
        parts = parts[:-1] + real.split("/")
        truncated = True
    lowered = [p.lower() for p in parts]
    for anchor in _ANCHORS:
        for i in range(len(lowered) - len(anchor) + 1):
            if tuple(lowered[i : i + len(anchor)]) == anchor:
                return "/".join(parts[i:]), truncated
    joined = "/".join(parts)
    return (f"{base}/{joined}" if base else joined), truncated
