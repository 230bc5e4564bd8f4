"""Error codes in Azure exports: the documented codes come from the knowledge file through
:mod:`loganalyzer.enrich`; what stays here is the shape of the compute / ARM codes that show
inside compute-provider and activity-log messages (``OperationNotAllowed``, ``ScopeLocked``),
which no documented code table holds.
"""

from __future__ import annotations

import re

from ...enrich import canonical_code, code_from_text, code_in, documented, named_codes

__all__ = ["INNER_CODE", "canonical_code", "code_from_text", "code_in", "documented", "inner_code", "named_codes"]

#: compute / ARM error codes that show inside CRP and activity-log messages
INNER_CODE = re.compile(
    r"\b(OperationNotAllowed|ScopeLocked|VMExtensionProvisioning(?:Error|Timeout)|VMAgentStatusCommunicationError"
    r"|AllocationFailed|ResourceNotFound|Conflict|DiskEncryption[A-Za-z]*|KeyVault[A-Za-z]*Error|"
    r"OSProvisioning(?:TimedOut|ClientError)|InternalOperationError|BadRequest|AuthorizationFailed"
    r"|RestorePointCollection[A-Za-z]*|TooManyRestorePoints|QuotaExceeded)\b"
)


def inner_code(text: str) -> str | None:
    """The first compute / ARM code inside ``text``."""
    found = INNER_CODE.search(text)
    return found.group(1) if found else None
