"""What must never leave: applied by every parser before an event exists.

The agent keeps secrets on disk and, in older versions, in its log::

    https://md-xyz.blob.core.windows.net/abc?sv=2018-03-28&sr=b&sig=AbC%2Bde%3D&se=...
    "protectedSettings": "MIIB8AYJKoZIhvcNAQcDoIIB4TCCAd0CAQAx..."
    snapshotTaskToken : 0f1e2d3c-...
    <UserPassword>hunter2</UserPassword>
    DefaultEndpointsProtocol=https;AccountName=x;AccountKey=q1w2e3==

:func:`redact` masks such values in free text; :func:`redact_json` walks parsed JSON and masks
values under secret keys. Both keep the key so that a reader still sees that a secret was there.
"""

from __future__ import annotations

import re

import regex

__all__ = ["MASK", "redact", "redact_json", "may_hold_secret", "SECRET_KEYS", "TRIGGER_WORDS"]

MASK = "<redacted>"

#: JSON / XML keys whose values are secret wherever they appear (compared case-insensitively)
SECRET_KEYS = frozenset(
    k.lower()
    for k in (
        "protectedSettings",
        "protected_settings",
        "snapshotTaskToken",
        "UserPassword",
        "CustomData",
        "password",
        "adminPassword",
        "AccountKey",
        "blobSASUri",
        "sasUri",
        "sasToken",
        "DiskEncryptionSettings",
        "privateKey",
        "storageAccountKey",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "client_secret",
        "encryptedPassword",
    )
)

#: keys masked when they appear quoted in JSON text that was not parsed (a settings document
#: logged by an extension): the secret keys plus the VMSnapshot ``objectStr`` (base64 JSON that
#: carries the snapshot task token)
_QUOTED_SECRET_KEYS = tuple(regex.escape(key) for key in (*SECRET_KEYS, "objectstr"))


def _xml_value(match: regex.Match[str]) -> str:
    tag = match.group(2).lower()
    inner = match.group(3)
    if tag == "data" and len(inner.strip()) < 64:
        # <Data> is also an ordinary element name; only long blobs (PKCS#7 in Certificates.xml)
        # are key material.
        return match.group(0)
    return match.group(1) + (MASK if inner.strip() else inner) + match.group(4)


_PATTERNS: list[tuple[regex.Pattern[str], object]] = [
    # PEM / key material blocks
    (
        regex.compile(
            r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", regex.S
        ),
        "-----" + MASK + "-----",
    ),
    # a URL's query that carries a SAS signature: keep scheme, host and path, drop the query
    (
        regex.compile(
            r"(?i)(https?://[^\s\"'<>?]*)\?(?=[^\s\"'<>]*?(?:^|[?&]|&amp;)sig=)[^\s\"'<>]*"
        ),
        r"\1?" + MASK,
    ),
    # a lone signature parameter anywhere (XML-escaped ampersands included)
    (regex.compile(r"(?i)((?:^|[?&;\s\"'(]|&amp;)sig=)[^&\s\"'<>;)]+"), r"\1" + MASK),
    # connection-string keys and similar key=value secrets
    (
        regex.compile(r"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=([^;\s\"'<>]+)"),
        r"\1=" + MASK,
    ),
    # logged tokens: "snapshotTaskToken : <token>", "protectedSettings": "...", <UserPassword>...</UserPassword>
    (
        regex.compile(r"(?i)\b(snapshotTaskToken|protectedSettings|blobSASUri|sasUri)(\"?\s*[:=]\s*\"?)([^\s\",}]+|\[[^\]]*\])"),
        r"\1\2" + MASK,
    ),
    # a quoted secret key in JSON text, also JSON escaped inside a JSON string:
    # "password": "x", \"protectedSettings\":\"MIIB\/x\"
    (
        regex.compile(
            r"(?i)(\\*\"(?:" + "|".join(sorted(_QUOTED_SECRET_KEYS, key=len, reverse=True)) + r")\\*\"\s*:\s*\\*\")"
            r"(?:[^\"\\]|\\[^\"])+"
        ),
        r"\1" + MASK,
    ),
    (
        regex.compile(
            r"(?is)(<(?:\w+:)?(UserPassword|CustomData|Password|ProtectedSettings|Data|PrivateKey)\b[^>]*>)(.*?)(</(?:\w+:)?\2>)"
        ),
        _xml_value,
    ),
]


#: every pattern above needs one of these (lower-case) words in the text; most log lines have
#: none, so they skip the patterns altogether (parsers that scan whole files for them use this too)
TRIGGER_WORDS = (
    "sig=",
    "-----begin",
    "accountkey",
    "sharedaccess",
    "password",
    "pwd=",
    "snapshottasktoken",
    "protectedsettings",
    "sasuri",
    "<data",
    "<privatekey",
    ":data",
    ":privatekey",
    "customdata",
    # quoted secret keys in JSON text (the pattern above them)
    "token",
    "secret",
    "privatekey",
    "objectstr",
    "protected_settings",
    "diskencryptionsettings",
)


_TRIGGER_SCAN = re.compile("|".join(re.escape(word) for word in TRIGGER_WORDS))


def may_hold_secret(text: str) -> bool:
    """False when ``text`` cannot match any redaction pattern (one literal scan of the
    lower-cased text; the standard library's engine is the fastest at this)."""
    return _TRIGGER_SCAN.search(text.lower()) is not None


def redact(text: str) -> str:
    """Mask every secret shape in ``text``. Idempotent; never raises."""
    if not text or not may_hold_secret(text):
        return text
    return _apply_patterns(text)


def _apply_patterns(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_json(value: object) -> object:
    """A copy of parsed JSON with secret keys masked and every string passed through :func:`redact`.

    Never raises: a document nested deeper than Python can walk is masked whole."""
    try:
        return _redact_json(value)
    except RecursionError:
        return MASK


def _redact_json(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: (MASK if str(k).lower() in SECRET_KEYS and v not in (None, "", [], {}) else _redact_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value
