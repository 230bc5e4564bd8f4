"""What must never leave: applied by every parser before an event exists, and once more over
the finished event table (:func:`redact_table`, the backstop of ``read_bundle``).

The agent, the extensions and ``az`` keep secrets on disk and, in older versions, in logs::

    https://md-xyz.blob.core.windows.net/abc?sv=2018-03-28&sr=b&sig=AbC%2Bde%3D&se=...
    "protectedSettings": "MIIB8AYJKoZIhvcNAQcDoIIB4TCCAd0CAQAx..."
    snapshotTaskToken : 0f1e2d3c-...
    <UserPassword>hunter2</UserPassword>
    DefaultEndpointsProtocol=https;AccountName=x;AccountKey=q1w2e3==
    Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi...
    grant_type=client_credentials&client_id=...&client_secret=...
    HttpProxy=http://user:pa55@proxy:3128   AZURE_CLIENT_SECRET=...   ARM_ACCESS_KEY=...
    [{"keyName": "key1", "permissions": "FULL", "value": "q1w2e3..=="}]      (az storage account keys list)

:func:`redact` masks such values in free text (also when JSON- or URL-escaped); :func:`redact_json`
walks parsed JSON and masks values under secret keys (:func:`is_secret_key`). Both keep the key
so that a reader still sees that a secret was there.
"""

from __future__ import annotations

import re

import regex

__all__ = [
    "MASK",
    "SECRET_KEYS",
    "TRIGGER_WORDS",
    "is_secret_key",
    "may_hold_secret",
    "redact",
    "redact_json",
    "redact_path",
    "redact_problems",
    "redact_table",
]

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
        "clientSecret",
        "accessToken",
        "refreshToken",
        "idToken",
        "apiKey",
        "api_key",
        "sharedKey",
        "workspaceKey",
        "primaryKey",
        "secondaryKey",
        "primaryConnectionString",
        "secondaryConnectionString",
        "connectionString",
        "authorization",
        "client_assertion",
    )
)

#: a key that ends with one of these (lower case) is secret too: ``storageAccountSasToken``,
#: ``AZURE_CLIENT_SECRET``, ``proxyPassword``, ``eventHubSharedKey``
_SECRET_SUFFIXES = (
    "password",
    "passwd",
    "secret",
    "token",
    "accountkey",
    "accesskey",
    "access_key",
    "account_key",
    "sharedkey",
    "shared_key",
    "primarykey",
    "secondarykey",
    "apikey",
    "api_key",
    "workspacekey",
    "privatekey",
    "private_key",
    "storagekey",
    "storage_key",
    "masterkey",
    "connectionstring",
    "connection_string",
    "sasuri",
    "sasurl",
)
#: keys that are secret only when their value is a string (``credentials.pass``)
_SECRET_IF_TEXT = frozenset({"pass", "pwd", "passwd"})


#: values that say whether a secret is set, never the secret itself (``has_user_password: 1``)
_FLAG_VALUES = ("0", "1", "true", "false", "yes", "no", "none", "null", MASK)


def is_secret_key(key: object) -> bool:
    """Whether values under this JSON / XML / config key are secret (any case)."""
    name = str(key).lower()
    return name in SECRET_KEYS or name.endswith(_SECRET_SUFFIXES)


def _blob(match: regex.Match[str]) -> str:
    """A long base64 run is masked when it mixes upper case, lower case and digits (checked
    here, in one pass, rather than by look-aheads that would rescan a long run per position)."""
    run = match.group(0)
    mixed = not run.isdigit() and not run.isupper() and not run.islower() and any(c.isdigit() for c in run)
    return MASK if mixed else run


def _xml_value(match: regex.Match[str]) -> str:
    tag = match.group(2).lower()
    inner = match.group(3)
    if tag == "data" and len(inner.strip()) < 64:
        # <Data> is also an ordinary element name; only long blobs (PKCS#7 in Certificates.xml)
        # are key material.
        return match.group(0)
    return match.group(1) + (MASK if inner.strip() else inner) + match.group(4)


#: a quoted JSON key, possibly JSON-escaped inside another JSON string (\"key\")
_KEY_NAMES = "|".join(
    sorted(
        {regex.escape(k) for k in SECRET_KEYS}
        | {r"\w*?" + regex.escape(s) for s in _SECRET_SUFFIXES}
        | {"objectstr", "pass", "pwd"},
        key=len,
        reverse=True,
    )
)
_QUOTED_KEY = r"(?:\\*\"(?:" + _KEY_NAMES + r")\\*\"\s*:\s*)"
#: a JSON object or array, balanced (strings may hold brackets)
_BALANCED = r"(?P<nest>\{(?:[^{}\"]++|\"(?:[^\"\\]|\\.)*+\"|(?&nest))*+\}|\[(?:[^\[\]\"]++|\"(?:[^\"\\]|\\.)*+\"|(?&nest))*+\])"
#: what ends a parameter value in a query or form body (raw, XML-, JSON- or URL-escaped)
_PARAM_START = r"(?:^|[?&;\s\"'(,]|&amp;|\\u0026|%26|%3[Ff])"
_PARAM_VALUE = r"(?:(?!%26|\\u0026|&amp;)[^&\s\"'<>;)\\,])+"
_FORM_KEYS = (
    r"sig|client_secret|client_assertion|access_token|refresh_token|id_token|password|passwd|pwd"
    r"|api[_-]?key|sas_?token|secret|token|code_verifier"
)
_ENV_NAME = (
    r"(?:[A-Z][A-Z0-9]*_)*(?:CLIENT_SECRET|SECRET|PASSWORD|PASSWD|TOKEN|ACCESS_KEY|ACCOUNT_KEY|STORAGE_KEY"
    r"|API_KEY|SHARED_KEY|PRIVATE_KEY|MASTER_KEY|CONNECTION_STRING)"
)

_PATTERNS: list[tuple[regex.Pattern[str], object]] = [
    # PEM / key material blocks (an unterminated one is masked to the end)
    (
        regex.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", regex.S),
        "-----" + MASK + "-----",
    ),
    # key and certificate blobs, also a PEM body logged line by line: a long base64 run that
    # mixes upper case, lower case and digits (hex digests and GUIDs never do)
    (regex.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{60,}+={0,2}(?![A-Za-z0-9+/=])"), _blob),
    # a URL's query that carries a SAS signature: keep scheme, host and path, drop the query
    (
        regex.compile(r"(?i)(https?://[^\s\"'<>?]*)\?(?=[^\s\"'<>]*?(?:^|[?&]|&amp;)sig=)[^\s\"'<>]*"),
        r"\1?" + MASK,
    ),
    # a secret query or form parameter anywhere: sig=, client_secret=, access_token=, also
    # escaped as \u0026sig= (JSON, Go) or %26sig%3D (a URL inside a URL)
    (
        regex.compile(r"(?i)(?<=" + _PARAM_START + r")((?:" + _FORM_KEYS + r")(?:=|%3[Dd]))" + _PARAM_VALUE),
        r"\1" + MASK,
    ),
    # proxy and URL credentials: scheme://user:SECRET@host
    (
        regex.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@\"'<>]+):(?!<redacted>@)[^\s@/\"'<>]+@"),
        r"\1:" + MASK + "@",
    ),
    # connection-string keys and similar key=value secrets, also with spaces around "="
    (
        regex.compile(
            r"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)(\s*=\s*)(?!<redacted>)([^;\s\"'<>]+)"
        ),
        r"\1\2" + MASK,
    ),
    # environment variables: AZURE_CLIENT_SECRET=..., ARM_ACCESS_KEY="..."
    (
        regex.compile(r"\b(" + _ENV_NAME + r")(\s*[=:]\s*)(?!<redacted>)(\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)"),
        r"\1\2" + MASK,
    ),
    # bearer tokens, other Authorization headers, bare JWTs
    (regex.compile(r"(?i)\b(Bearer\s+)(?!<redacted>)[A-Za-z0-9._~+/=-]{8,}"), r"\1" + MASK),
    (
        regex.compile(
            r"(?i)\b(Authorization\\*\"?\s*[:=]\s*\\*\"?(?:(?:Basic|SharedKey|SharedKeyLite|Negotiate|NTLM|Digest|Token|SharedAccessSignature)\s+)?)"
            r"(?!Bearer\b)(?!<redacted>)[^\s\"',;\\]+"
        ),
        r"\1" + MASK,
    ),
    (regex.compile(r"\beyJ[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]*+"), MASK),
    # a secret key whose value is a JSON object or array (masked whole), then one cut short
    (regex.compile(r"(?i)(" + _QUOTED_KEY + r")" + _BALANCED), r'\1"' + MASK + '"'),
    (regex.compile(r"(?i)(" + _QUOTED_KEY + r")[{\[][^\n]*"), r'\1"' + MASK + '"'),
    # logged tokens: "snapshotTaskToken : <token>", "protectedSettings": "...", <UserPassword>...</UserPassword>
    (
        regex.compile(r"(?i)\b(snapshotTaskToken|protectedSettings|blobSASUri|sasUri)(\"?\s*[:=]\s*\"?)([^\s\",}]+|\[[^\]]*\])"),
        r"\1\2" + MASK,
    ),
    # a quoted secret key in JSON text, also JSON escaped inside a JSON string:
    # "password": "x", \"protectedSettings\":\"MIIB\/x\"
    (
        regex.compile(r"(?i)(" + _QUOTED_KEY + r"\\*\")(?!(?:0|1|true|false|yes|no|none|null)\\*\")(?:[^\"\\]|\\[^\"])+"),
        r"\1" + MASK,
    ),
    # the key values of a key listing: {"keyName": "key1", "permissions": "FULL", "value": "..."}
    (
        regex.compile(
            r"(?i)(\\*\"keyName\\*\"\s*:\s*\\*\"[^\"\\]*\\*\"[^{}]*?\\*\"value\\*\"\s*:\s*\\*\")(?:[^\"\\]|\\[^\"])+"
        ),
        r"\1" + MASK,
    ),
    # ... and the same listing as a table (az -o table / tsv): key1  FULL  q1w2e3...
    (regex.compile(r"(?i)\b(key[12]|kerb[12])([ \t]+(?:FULL|READ)[ \t]+)(?!<redacted>)\S+"), r"\1\2" + MASK),
    (
        regex.compile(
            r"(?is)(<(?:\w+:)?(UserPassword|AdminPassword|CustomData|Password|ProtectedSettings|Data|PrivateKey|ClientSecret)\b[^>]*>)(.*?)(</(?:\w+:)?\2>)"
        ),
        _xml_value,
    ),
]


#: every pattern above needs one of these (lower-case) words in the text, or a run of base64
#: (:data:`_BLOB_LINE`); most log lines have none, so they skip the patterns altogether (parsers
#: that scan whole files for them use this too)
TRIGGER_WORDS = tuple(
    dict.fromkeys(
        (
            "sig=",
            "sig%3d",
            "-----begin",
            "sharedaccess",
            "pwd",
            "snapshottasktoken",
            "protectedsettings",
            "sasuri",
            "<data",
            "<privatekey",
            ":data",
            ":privatekey",
            "customdata",
            "objectstr",
            "protected_settings",
            "diskencryptionsettings",
            "client_assertion",
            "code_verifier",
            "api-key",
            # a quoted secret key in JSON text, a form body or an environment variable
            *_SECRET_SUFFIXES,
            "\"pass",
            "pass\\\"",
            # key listings (JSON and table)
            "keyname",
            "key1",
            "key2",
            "kerb1",
            "kerb2",
            # authorization headers and bare JWTs
            "bearer",
            "authorization",
            "eyj",
            # proxy credentials (scheme://user:secret@host)
            "@",
            # JSON / Go escapes that may hide a key or a separator (protected\u0053ettings, \u0026sig=)
            "\\u00",
        )
    )
)

#: a long base64 run (key material, a PEM body logged line by line)
_BLOB_LINE = r"[A-Za-z0-9+/]{60,}"

def _trie_pattern(words: tuple[str, ...]) -> str:
    """One pattern for many literal words, factored by common prefix (``s(?:ig=|ecret)``): the
    standard library's engine tries far fewer branches per position than with a flat list."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        if "" in node:  # a whole word ends here: a longer one would match it anyway
            return ""
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(trie)


_TRIGGER_SCAN = re.compile(_trie_pattern(TRIGGER_WORDS))
_BLOB_SCAN = re.compile(_BLOB_LINE)


def may_hold_secret(text: str) -> bool:
    """False when ``text`` cannot match any redaction pattern (one literal scan of the
    lower-cased text; the standard library's engine is the fastest at this for log lines, RE2
    through ``pyarrow.compute`` for texts of megabytes)."""
    if len(text) > _HUGE_TEXT:
        import pyarrow as pa
        import pyarrow.compute as pc

        return bool(pc.match_substring_regex(pa.array([text], pa.large_string()), _TABLE_PREFILTER, ignore_case=True)[0].as_py())
    return _TRIGGER_SCAN.search(text.lower()) is not None or (len(text) >= 60 and _BLOB_SCAN.search(text) is not None)


_HUGE_TEXT = 1 << 20


def redact(text: str) -> str:
    """Mask every secret shape in ``text``. Idempotent; never raises."""
    if not text or not may_hold_secret(text):
        return text
    masked = _apply_patterns(text)
    if "\\u00" in text or "\\U00" in text:
        # a key or separator written as a JSON / Go escape: read the escapes, and keep that
        # reading when it shows a secret the escaped text hid
        plain = _unescape(text)
        if plain != text:
            plain_masked = _apply_patterns(plain)
            if plain_masked != plain:
                return plain_masked
    return masked


_ESCAPE = re.compile(r"\\+[uU]00([2-7][0-9a-fA-F])")  # also escaped twice (JSON inside JSON)
#: escapes read back: letters, digits and the separators of keys and queries (never a quote or a backslash)
_SAFE_ESCAPED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&=_-.:?%+/")


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _SAFE_ESCAPED else match.group(0)

    return _ESCAPE.sub(one, text)


#: words (lower case) one of which each pattern needs in the text: on a long text (a line of
#: megabytes) the patterns whose words are absent are skipped rather than tried at every position
_NEEDS: tuple[tuple[str, ...] | None, ...] = (
    ("-----begin",),
    None,  # key blobs: any long base64 run
    ("sig=",),
    ("sig=", "sig%3d", "secret", "token", "passw", "pwd", "api_key", "api-key", "apikey", "client_assertion", "code_verifier"),
    ("@",),
    ("accountkey", "sharedaccess", "password", "pwd"),
    ("secret", "passw", "token", "_key", "connection_string"),
    ("bearer",),
    ("authorization",),
    ("eyj",),
    ('"',),
    ('"',),
    ("snapshottasktoken", "protectedsettings", "blobsasuri", "sasuri"),
    ('"',),
    ("keyname",),
    ("key1", "key2", "kerb1", "kerb2"),
    ("<",),
)
_LONG_TEXT = 4096


def _apply_patterns(text: str) -> str:
    lowered = text.lower() if len(text) > _LONG_TEXT else None
    for (pattern, replacement), needs in zip(_PATTERNS, _NEEDS):
        if lowered is not None and needs and not any(word in lowered for word in needs):
            continue
        try:
            text = pattern.sub(replacement, text, timeout=5.0)
        except TimeoutError:  # a pathological text: hide all of it rather than risk a leak
            return MASK
    return text


def redact_json(value: object) -> object:
    """A copy of parsed JSON with secret keys masked and every string passed through :func:`redact`.

    Never raises: a document nested deeper than Python can walk is masked whole."""
    try:
        return _redact_json(value)
    except RecursionError:
        return MASK


def _masked_member(key: object, value: object, listing: bool) -> bool:
    if value in (None, "", [], {}) or isinstance(value, bool) or (isinstance(value, str) and value.lower() in _FLAG_VALUES):
        return False
    name = str(key).lower()
    if is_secret_key(name):
        return True
    if name in _SECRET_IF_TEXT:
        return isinstance(value, str)
    return listing and name == "value"


def _redact_json(value: object) -> object:
    if isinstance(value, dict):
        listing = any(str(k).lower() == "keyname" for k in value)  # az ... keys list
        return {
            (redact(k) if isinstance(k, str) else k): (MASK if _masked_member(k, v, listing) else _redact_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


# -- the backstop over whole tables ------------------------------------------------------------

#: the prefilter of :func:`may_hold_secret` as one RE2 pattern for ``pyarrow.compute``
_TABLE_PREFILTER = "|".join(re.escape(word) for word in TRIGGER_WORDS) + "|" + _BLOB_LINE


def _redact_array(array):
    """A string array with every value that may hold a secret passed through :func:`redact`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(array.type):
        dictionary = array.dictionary
        cleaned = _redact_array(dictionary)
        if cleaned is dictionary:
            return array
        return pa.DictionaryArray.from_arrays(array.indices, cleaned)
    if len(array) == 0 or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array
    try:
        hits = pc.match_substring_regex(array, _TABLE_PREFILTER, ignore_case=True)
    except (pa.ArrowException, ValueError):  # RE2 refused the pattern: check every value
        hits = pa.array([v is not None and may_hold_secret(v) for v in array.to_pylist()])
    hits = pc.fill_null(hits, False)
    if not pc.any(hits).as_py():
        return array
    before = pc.filter(array, hits).to_pylist()
    after = [redact(v) for v in before]
    if after == before:
        return array
    return pc.replace_with_mask(array, hits, pa.array(after, array.type))


def redact_table(table):
    """The backstop: ``table`` with every string column and every ``fields`` value that may
    hold a secret passed through :func:`redact`, and values under secret ``fields`` keys
    masked. A parser that forgot to redact cannot leak; clean tables come back as they were
    (one vectorised prefilter per column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return table
    for index, column_field in enumerate(table.schema):
        column = table.column(index)
        kind = column_field.type
        if pa.types.is_map(kind):
            merged = column.combine_chunks()
            keys, items = merged.keys, merged.items
            secret_keys = [k for k in pc.unique(keys).to_pylist() if k is not None and is_secret_key(k)]
            cleaned = _redact_array(items)
            if secret_keys:
                flags = pa.array(("",) + _FLAG_VALUES, cleaned.type)
                under_secret = pc.and_(
                    pc.is_in(keys, pa.array(secret_keys, keys.type)),
                    pc.invert(pc.fill_null(pc.is_in(pc.utf8_lower(cleaned), flags), True)),
                )
                cleaned = pc.if_else(under_secret, pa.scalar(MASK, cleaned.type), cleaned)
            if cleaned is items:
                continue
            rebuilt = pa.MapArray.from_arrays(merged.offsets, keys, cleaned, type=kind)
            table = table.set_column(index, column_field, pa.chunked_array([rebuilt], kind))
        elif column_field.name == "file":
            # file names are paths: masked part by part, as the bundle reader shows them
            # (a run of path words is no base64 blob; a secret never spans a "/")
            values = pc.unique(column.cast(pa.string())).to_pylist()
            renamed = {value: redact_path(value) for value in values if value is not None}
            if any(new != old for old, new in renamed.items()):
                cleaned = [renamed.get(value, value) for value in column.cast(pa.string()).to_pylist()]
                table = table.set_column(index, column_field, pa.array(cleaned, pa.string()).cast(kind))
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or (
            pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type)
        ):
            originals = column.chunks
            chunks = [_redact_array(chunk) for chunk in originals]
            if any(new is not old for new, old in zip(chunks, originals)):
                table = table.set_column(index, column_field, pa.chunked_array(chunks, kind))
    return table


def redact_path(path: str) -> str:
    """A file or member path with secrets masked in each of its ``/``-separated parts."""
    return "/".join(redact(part) for part in path.split("/"))


def redact_problems(problems: list) -> list:
    """Problems (``file``, ``kind``, ``message``) with secrets masked in their file and message."""
    from dataclasses import replace

    return [
        replace(p, file=redact_path(p.file), message=redact(p.message)) if may_hold_secret(p.file + "\n" + p.message) else p
        for p in problems
    ]
