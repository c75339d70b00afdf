"""Small security helpers every layer may use: constant-time comparison of secrets."""

from __future__ import annotations

import hmac


def same_secret(given: str | bytes | None, expected: str | bytes | None) -> bool:
    """True when both are non-empty and equal, compared in constant time.

    hmac.compare_digest raises TypeError on a str holding non-ASCII characters, which an
    attacker controls (a header, a query parameter): compare UTF-8 bytes instead, so such a
    value is simply wrong (403/404), never a 500.
    """
    if not given or not expected:
        return False
    if isinstance(given, str):
        given = given.encode("utf-8", "surrogatepass")
    if isinstance(expected, str):
        expected = expected.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(given, expected)
