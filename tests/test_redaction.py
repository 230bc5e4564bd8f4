"""Redaction: every secret shape the agent leaves on disk is masked, and the cheap prefilter
never lets one through."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.redaction import MASK, _apply_patterns, may_hold_secret, redact, redact_json

CASES = [
    (
        "GET https://md-abc.blob.core.windows.net/vhds/osdisk.vhd?sv=2018-03-28&sr=b&sig=AbC%2Bde%3D&se=2024-05-30 done",
        "AbC%2Bde%3D",
    ),
    ("<StatusUploadBlob>https://x.blob.core.windows.net/v?sv=1&amp;sig=QQQsecret&amp;se=2</StatusUploadBlob>", "QQQsecret"),
    ("snapshotTaskToken : 6a1f7c2e-token-value", "6a1f7c2e-token-value"),
    ('"protectedSettings": "MIIB8AYJKoZIhvcNAQcDoIIB4TCC",', "MIIB8AYJKoZIhvcNAQcDoIIB4TCC"),
    ("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=q1w2e3r4==;", "q1w2e3r4=="),
    ("<UserPassword>hunter2</UserPassword>", "hunter2"),
    ("<ns1:CustomData>I2Nsb3VkLWNvbmZpZw==</ns1:CustomData>", "I2Nsb3VkLWNvbmZpZw=="),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
]


@pytest.mark.parametrize("text, secret", CASES)
def test_secret_is_masked_and_context_kept(text, secret):
    masked = redact(text)
    assert secret not in masked and MASK in masked
    assert redact(masked) == masked


def test_ordinary_lines_are_untouched():
    line = "2024-05-30T13:15:45.331589Z INFO ExtHandler [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out"
    assert redact(line) == line


def test_json_secret_keys_are_masked_at_any_depth():
    value = {"runtimeSettings": [{"handlerSettings": {"protectedSettings": "MIIB", "publicSettings": {"logsBlobUri": "https://a/b?sig=zz"}}}]}
    masked = redact_json(value)
    text = str(masked)
    assert "MIIB" not in text and "sig=zz" not in text
    assert masked["runtimeSettings"][0]["handlerSettings"]["protectedSettings"] == MASK


@given(
    st.lists(
        st.one_of(
            st.text(string.ascii_letters + string.digits + " =:<>/-&?\"'", max_size=30),
            st.sampled_from(
                ["sig=", "SIG=", "-----BEGIN KEY-----", "AccountKey=", "Password=", "pwd=", "snapshotTaskToken:",
                 "protectedSettings", "blobSASUri=", "<Data>", "</Data>", "<CustomData>", "<PrivateKey>",
                 "SharedAccessSignature=", "<ns:UserPassword>", "</ns:UserPassword>", "Bearer ", "eyJhbGciOi.",
                 "client_secret=", "://u:p@", "\\u0026sig=", "%26sig%3D", "AZURE_CLIENT_SECRET=", "ARM_ACCESS_KEY=",
                 '"keyName": "key1", "value": "', "key1  FULL  ", '"protectedSettings": {', "Authorization: ",
                 "\\u0053", '"pass": "', "MIIEowIBAAKCAQEAx7aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghij"]
            ),
        ),
        max_size=8,
    )
)
def test_prefilter_never_skips_a_secret(parts):
    text = "".join(parts)
    if not may_hold_secret(text):
        assert _apply_patterns(text) == text


@given(st.text(max_size=300))
def test_redact_is_idempotent_and_total(text):
    once = redact(text)
    assert redact(once) == once
