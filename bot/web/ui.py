"""The chat page around the conversation in a language: its texts, its `lang` and its `dir`.

The page speaks the conversation's language: its first render (bot/web/page.py) and every
chat answer (`language`, `dir`, `ui`) carry what this module gives, so the page's script never
guesses a language nor holds a text of its own. The texts are catalogue entries (`page_*` in
bot/messages.py), translated in locales/<code>/LC_MESSAGES/messages.po like every other text.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale

from bot import language, messages

# What the page shows (the script's names); each is the catalogue key `page_<name>`.
NAMES = ("title", "heading", "conversation", "label", "placeholder", "send", "hint", "end",
         "end_hint", "choices", "you", "bot", "sending", "received", "error", "offline",
         "calendar", "map", "erasing", "erased", "ended", "end_failed")


@functools.cache
def direction(code: str) -> str:
    """« rtl » for a language written right to left (Arabic), else « ltr »: CLDR's own
    answer (Babel), so a language added as a folder of locales/ needs no code here."""
    try:
        order = Locale.parse(code).character_order
    except (ValueError, LookupError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def page(code: str | None) -> dict[str, Any]:
    """The page in language CODE (French when unknown): `language`, `dir` and `ui` texts."""
    with language.use(code) as chosen:
        texts = {name: messages.text(f"page_{name}") for name in NAMES}
    return {"language": chosen, "dir": direction(chosen), "ui": texts}
