"""Certificates, keys and the provisioning document under ``/var/lib/waagent`` (source ``waagent.state``).

Claims ``Certificates.xml/.p7m/.pem``, ``<THUMBPRINT>.crt/.prv``, ``TransportPrivate.pem``,
``RemoteAccess.N.xml``, ``ManagedIdentity-*.json`` (their content is never read: one
``certificate_file`` event says the file is there), ``Certificates.json`` (2.8+ history) and
``ovf-env.xml``::

    [{"thumbprint": "8A6E7E1B...", "hasPrivateKey": true}]
    <Environment><wa:ProvisioningSection><LinuxProvisioningConfigurationSet>
      <HostName>vm1</HostName><UserName>azureuser</UserName><UserPassword>...</UserPassword>

Fields: ``file_kind``, ``thumbprint``, ``private_key``, ``bytes`` (certificate_file);
``thumbprint``, ``has_private_key`` (certificate); ``hostname``, ``user_name``,
``provision_guest_agent``, ``has_user_password``, ``has_custom_data``, ... (ovf_env; never the
password or the custom data).
"""

from __future__ import annotations

import re
from typing import Any

from .. import ParseContext, Parser, ParseResult
from .._kit import (
    Element,
    count_lines,
    descendants,
    field_text,
    first_text,
    flag_text,
    local_name,
    lookup,
)
from .state_common import (
    _LIB,
    JSON_STRING,
    LOCATION_FIELDS,
    SOURCE,
    _Broken,
    _claim,
    _has,
    _json,
    _Lines,
    _Location,
    _Out,
    _pem,
    _rx,
    _structured,
    _xml,
    _xml_root_is,
)

# --------------------------------------------------------------------------------------------------
# certificates and other secret files: presence only


_THUMBPRINT = re.compile(r"^([0-9A-Fa-f]{40})\.(crt|prv|pem|pfx|key)$")


def read_secret_file(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Key material and encrypted settings: one event saying the file is there; the content is never read."""
    result.lines = count_lines(data)
    base = context.path.rsplit("/", 1)[-1]
    lowered = base.lower()
    thumb = _THUMBPRINT.match(base)
    if thumb:
        file_kind = thumb.group(2).lower()
    elif lowered.startswith("certificates."):
        file_kind = "certificates_" + lowered.rsplit(".", 1)[-1]
    elif lowered.startswith("transportprivate") or lowered.startswith("v2transportprivate"):
        file_kind = "transport_private"
    elif lowered.startswith("transportcert") or lowered.startswith("v2transportcert"):
        file_kind = "transport_cert"
    elif lowered.startswith("remoteaccess"):
        file_kind = "remote_access"
    elif lowered.startswith("managedidentity"):
        file_kind = "managed_identity"
    else:
        file_kind = lowered.rsplit(".", 1)[-1] if "." in lowered else "secret"
    private = file_kind in ("prv", "key", "transport_private", "certificates_pem", "certificates_p7m", "pfx")
    out = _Out(result, _Location(context.path))
    out.add(
        f"{base} present ({len(data)} bytes; content not read: key material or secrets)",
        {
            "kind": "certificate_file",
            "file_kind": file_kind,
            "thumbprint": thumb.group(1).upper() if thumb else None,
            "private_key": "1" if private else "0",
            "bytes": str(len(data)),
        },
        component="WALinuxAgent",
    )


def build_certificates_json(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``Certificates.json`` (2.8+ history): thumbprint and whether the private key is present."""
    if not isinstance(document, list):
        raise _Broken("expected a JSON list of certificates")
    if not document:
        out.add("No certificates in the goal state", {"kind": "certificate", "count": "0"})
    for item in document:
        thumbprint = field_text(lookup(item, "thumbprint"))
        private = flag_text(lookup(item, "hasPrivateKey"))
        out.add(f"Certificate {thumbprint} (private key {'present' if private == '1' else 'absent'})",
                {"kind": "certificate", "thumbprint": thumbprint, "has_private_key": private},
                line=lines.first_match(JSON_STRING, thumbprint))


# --------------------------------------------------------------------------------------------------
# ovf-env.xml


def build_ovf_env(root: Element, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``ovf-env.xml``: ProvisionGuestAgent, host and user name; never the password or custom data."""
    if local_name(root.tag) != "Environment":
        raise _Broken(f"root element is <{local_name(root.tag)}>, not <Environment>")
    password = first_text(root, "UserPassword")
    provision = first_text(root, "ProvisionGuestAgent")
    fields = {
        "kind": "ovf_env",
        "hostname": first_text(root, "HostName"),
        "user_name": first_text(root, "UserName"),
        "provision_guest_agent": provision,
        "disable_ssh_password_auth": first_text(root, "DisableSshPasswordAuthentication"),
        "has_user_password": "1" if password and password != "*" else "0",
        "has_custom_data": "1" if first_text(root, "CustomData") else "0",
        "ssh_key_count": str(len(descendants(root, "PublicKey"))),
        "preprovisioned_vm": first_text(root, "PreprovisionedVm"),
    }
    disabled = (provision or "").strip().lower() == "false"
    message = f"ovf-env: host {fields['hostname']}, ProvisionGuestAgent {provision or '(not set)'}"
    if disabled:
        message += " (the agent disables itself: no extensions will run)"
    out.add(message, fields, level="warning" if disabled else "info", component="WALinuxAgent")


def _salvage_ovf_env(text: str, out: _Out, context: ParseContext) -> None:
    match = re.search(r"<(?:\w+:)?ProvisionGuestAgent>\s*(\w+)\s*<", text)
    if match:
        out.add(f"ovf-env: ProvisionGuestAgent {match.group(1)} (from a damaged file)",
                {"kind": "ovf_env", "provision_guest_agent": match.group(1), "salvaged": "1"}, span=0)


build_ovf_env.salvage = _salvage_ovf_env  # type: ignore[attr-defined]




SECRET_FILE_FIELDS = {
    **LOCATION_FIELDS,
    "file_kind": "crt, prv, pem, certificates_xml, transport_private, remote_access, managed_identity, ...",
    "thumbprint": "certificate thumbprint from the file name",
    "private_key": "1: the file holds a private key (never read)",
    "bytes": "file size",
}
CERTIFICATES_JSON_FIELDS = {
    **LOCATION_FIELDS,
    "thumbprint": "certificate thumbprint",
    "has_private_key": "1 when the private key is present",
    "count": "0 on the one event of an empty list",
}
OVF_ENV_FIELDS = {
    **LOCATION_FIELDS,
    "hostname": "host name to provision",
    "user_name": "admin user name",
    "provision_guest_agent": "ProvisionGuestAgent as written (false: no agent)",
    "disable_ssh_password_auth": "DisableSshPasswordAuthentication",
    "has_user_password": "1 when a password is set (never the password)",
    "has_custom_data": "1 when custom data is set (never the data)",
    "ssh_key_count": "number of SSH public keys",
    "preprovisioned_vm": "PreprovisionedVm",
}

PARSERS: tuple[Parser, ...] = (
    Parser("certificate or secret file", SOURCE,
           _claim(_rx(_LIB + r"(?:.*/)?(?:Certificates(?:\.\d+)?\.(?:xml|p7m|pem|prv|crt)|[^/]+\.(?:crt|prv|pem|p7m|pfx|key)"
                      r"|(?:V2)?Transport(?:Cert|Private)[^/]*|RemoteAccess(?:\.\d+)?\.xml|ManagedIdentity-[^/]*\.json)$"),
                  lambda head: _pem(head) or _xml_root_is("CertificateFile")(head)),
           read=read_secret_file, fields=SECRET_FILE_FIELDS),
    Parser("Certificates.json", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?Certificates\.json$"), _has(b'"thumbprint"', b'"hasPrivateKey"', start=b"[")),
           read=_structured(build_certificates_json, _json), fields=CERTIFICATES_JSON_FIELDS),
    Parser("ovf-env.xml", SOURCE,
           _claim(_rx(r"(?:^|/)ovf-env\.xml$"), _xml_root_is("Environment")),
           read=_structured(build_ovf_env, _xml), fields=OVF_ENV_FIELDS),
)
