"""Small security helpers every layer may use: constant-time comparison of secrets, the
chat API's credential."""

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


def chat_api_refusal(expected: str, environment: str,
                     authorization: str) -> tuple[int, str] | None:
    """None when a caller may name the person with its own `user_id` (POST /api/chat and
    the /api/chat/messages polls); else the HTTP status and error to answer.

    A `user_id` is the caller's word: whoever guessed one would read the referents' replies
    or erase the conversation. So these endpoints answer an integration holding
    CHAT_API_TOKEN (`Authorization: Bearer …`) and, with no token set, only in development
    (`make run`, scripts). The chat page has a server-issued identity (bot/web/page.py).
    """
    if not expected:
        if environment == "development":
            return None
        return 403, ("the chat API is off: set CHAT_API_TOKEN for an integration "
                     "(the chat page uses /api/chat/page)")
    scheme, _sep, given = authorization.partition(" ")
    if scheme.lower() == "bearer" and same_secret(given.strip(), expected):
        return None
    return 401, "an integration credential is required"
