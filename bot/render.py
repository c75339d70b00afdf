"""How the core's neutral replies look on each channel, before they enter the outbox.

SMS: choices as numbered lines, the turn's replies joined then cut at sentence boundaries into
parts of at most 160 GSM-7 characters (one SMS each), with characters outside GSM-7 replaced so
that no part switches to UCS-2 (70 characters a part). Turkish goes the same way (ş -> s,
ğ -> g, ı -> i: read without trouble, as Twilio's own « smart encoding » does; the Turkish
national shift tables would keep the letters but carriers' support for them cannot be
relied on). A text whose letters have no GSM-7 spelling (Arabic) is sent in UCS-2, cut
into parts of at most 70 UTF-16 units. WhatsApp: numbered lines too, full
Unicode, one message per turn. Telegram and web: one message per reply, choices kept apart
(a reply keyboard, buttons).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot import messages
from bot.dialogue.types import Reply

SMS_LIMIT = 160
UCS2_LIMIT = 70  # characters (UTF-16 units) in one SMS part sent in UCS-2
WHATSAPP_LIMIT = 1600  # Twilio's limit for one WhatsApp message body

# GSM 03.38 default alphabet (one septet each) and its extension table (escape + one: two).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")

# What French texts hold that GSM-7 lacks, and the nearest GSM-7 spelling.
_REPLACEMENTS = {
    "’": "'", "‘": "'", "‚": "'", "`": "'", "´": "'",
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"',
    "–": "-", "—": "-", "‑": "-", "−": "-",
    "…": "...", "•": "-", "·": ".",
    "œ": "oe", "Œ": "OE", "æ": "æ",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " ",
    "ç": "c",  # GSM-7 has the capital Ç only
    "ı": "i", "İ": "I",  # Turkish dotless and dotted i, which have no decomposition
    "°": "o",
}


# Replacements that are only typography (quotes, dashes, spaces): made in UCS-2 too.
_TYPOGRAPHY = set("’‘‚`´«»“”„–—‑−…\u00a0\u202f\u2009\u2007\t")


@dataclass(frozen=True)
class Outbound:
    """One message as it will be sent: what the outbox stores."""

    body: str
    choices: list[str] = field(default_factory=list)


def numbered(reply: Reply) -> str:
    """The reply's text with its choices as numbered lines (« 1. Oui »)."""
    if not reply.choices:
        return reply.text
    lines = "\n".join(f"{i}. {choice}" for i, choice in enumerate(reply.choices, 1))
    return f"{reply.text}\n{lines}"


# ---------------------------------------------------------------------------- GSM-7

def to_gsm7(text: str) -> str:
    """The text with every character outside GSM-7 replaced by its nearest GSM-7 spelling."""
    out = []
    for char in text:
        if char in GSM_BASIC or char in GSM_EXTENDED:
            out.append(char)
        elif char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char)
                           if not unicodedata.combining(c))
            if base and all(c in GSM_BASIC for c in base):
                out.append(base)  # â -> a, Ê -> E, ï -> i
            elif unicodedata.category(char) in ("So", "Sk", "Cf", "Mn", "Cs", "Co"):
                continue  # emoji and invisible marks: dropped
            else:
                out.append("?")
    return "".join(out)


def gsm7_length(text: str) -> int:
    """Septets the text takes in one SMS: extension characters (€ [ ] …) count twice."""
    return sum(2 if char in GSM_EXTENDED else 1 for char in text)


def is_gsm7(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENDED for char in text)


def needs_ucs2(text: str) -> bool:
    """Whether letters of the text have no GSM-7 spelling at all (Arabic script)."""
    return to_gsm7(text).count("?") > text.count("?")


def to_ucs2(text: str) -> str:
    """The text for a UCS-2 SMS: every letter kept, typographic quotes and spaces simplified."""
    return "".join(_REPLACEMENTS.get(c, c) if c in _TYPOGRAPHY else c for c in text)


def ucs2_length(text: str) -> int:
    """UTF-16 units the text takes in one UCS-2 part (an emoji takes two)."""
    return len(text.encode("utf-16-le")) // 2


def sms_encoding(text: str) -> str:
    return "ucs2" if needs_ucs2(text) else "gsm7"


# ---------------------------------------------------------------------------- splitting

# A sentence ends with . ! ? : ; and a space, but not « 3. » (a numbered choice) nor an
# abbreviation (« lun. 30 nov. »): those would cut a line in the middle.
_SENTENCE_END = re.compile(r"(?<=[.!?:;])(?<!\b\d\.)(?<!\b\d\d\.)(?<!\b[a-zé]{3}\.)\s+")


def _units(text: str, limit: int, length=None) -> list[tuple[str, str]]:
    """(separator before it, piece): whole lines, the only places a part may end; a line
    longer than a part is cut between its sentences (« Allocations familiales : » and its
    amount never land in two SMS)."""
    length = length or gsm7_length
    units: list[tuple[str, str]] = []
    for line_number, line in enumerate(text.split("\n")):
        line = line.strip()
        pieces = [line] if length(line) <= limit else \
            [s for s in _SENTENCE_END.split(line) if s]
        for index, piece in enumerate(pieces):
            separator = ("\n" if line_number and index == 0 else " ") if units else ""
            units.append((separator, piece))
    return units


def _cut_long(piece: str, limit: int, length=None) -> list[str]:
    """A sentence longer than one part: cut between words, or inside a word if it must."""
    length = length or gsm7_length
    parts, current = [], ""
    for word in piece.split(" "):
        while length(word) > limit:
            room = limit - length(current) - (1 if current else 0)
            if room <= 0:
                parts.append(current)
                current = ""
                continue
            head, word = _take(word, room, length)
            current = f"{current} {head}" if current else head
            parts.append(current)
            current = ""
        candidate = f"{current} {word}" if current else word
        if length(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = word
    if current:
        parts.append(current)
    return parts


def _take(word: str, room: int, length=None) -> tuple[str, str]:
    length = length or gsm7_length
    taken, size = "", 0
    for char in word:
        width = length(char)
        if size + width > room:
            break
        taken += char
        size += width
    return taken, word[len(taken):]


def split_parts(text: str, limit: int = SMS_LIMIT, length=None) -> list[str]:
    """Cut the text into as few parts of at most `limit` septets (or `length` units) as
    whole sentences allow.

    Greedy filling in order is optimal for the number of parts, and a part ends at a line
    or sentence end whenever the next sentence would not fit.
    """
    length = length or gsm7_length

    def pieces():
        for separator, piece in _units(text, limit, length):
            subs = _cut_long(piece, limit, length) if length(piece) > limit else [piece]
            for index, sub in enumerate(subs):
                yield (separator if index == 0 else " "), sub

    parts = _pack(pieces(), lambda candidate: length(candidate) <= limit)
    return [p for p in parts if p.strip()]


def _pack(pieces, fits) -> list[str]:
    """Joins (separator, piece) pairs in order into as few texts as `fits` accepts."""
    parts: list[str] = []
    current = ""
    for separator, piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if fits(candidate):
            current = candidate
        else:
            if current:
                parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


# ---------------------------------------------------------------------------- per channel

def render_sms(replies: list[Reply]) -> list[Outbound]:
    """The turn's replies as SMS parts of at most 160 GSM-7 characters.

    Every part is paid for: details (how to claim each right) are left out and the person
    is told how to ask for them, which the dialogue core answers in full.
    """
    kept = [reply for reply in replies if not reply.detail]
    if len(kept) < len(replies) and not any(reply.brief for reply in kept):
        kept.insert(len(kept) - 1 if len(kept) > 1 else len(kept),
                    Reply(messages.text("details_hint")))
    text = "\n".join(numbered(reply) for reply in kept)
    if needs_ucs2(text):
        # Arabic: only the typography is simplified; each part holds 70 characters.
        return [Outbound(part) for part in split_parts(to_ucs2(text), UCS2_LIMIT, ucs2_length)]
    return [Outbound(part) for part in split_parts(to_gsm7(text), SMS_LIMIT)]


def render_whatsapp(replies: list[Reply]) -> list[Outbound]:
    """The turn's replies as one WhatsApp message (more only past Twilio's 1600 characters)."""
    text = "\n\n".join(numbered(reply) for reply in replies if not reply.brief)
    if len(text) <= WHATSAPP_LIMIT:
        return [Outbound(text)]
    return [Outbound(part) for part in _split_by_len(text, WHATSAPP_LIMIT)]


def _split_by_len(text: str, limit: int) -> list[str]:
    def pieces():
        for paragraph in text.split("\n\n"):
            while len(paragraph) > limit:  # a paragraph longer than a message: hard cuts
                yield "\n\n", paragraph[:limit]
                paragraph = paragraph[limit:]
            yield "\n\n", paragraph

    return _pack(pieces(), lambda candidate: len(candidate) <= limit)


def render_separate(replies: list[Reply]) -> list[Outbound]:
    """Telegram and web: one message per reply, its choices kept for buttons, its links
    (the calendar file, the map) as lines under the text."""
    return [Outbound(_with_links(reply), list(reply.choices))
            for reply in replies if not reply.brief]


def _with_links(reply: Reply) -> str:
    lines = [reply.text]
    for attachment in reply.attachments:
        if attachment["url"].startswith("http"):
            lines.append(messages.text(f"link_{attachment['kind']}", url=attachment["url"]))
    return "\n".join(lines)


RENDERERS = {
    "sms": render_sms,
    "whatsapp": render_whatsapp,
    "telegram": render_separate,
    "web": render_separate,
}


def render(channel: str, replies: list[Reply]) -> list[Outbound]:
    return RENDERERS.get(channel, render_separate)(replies)
