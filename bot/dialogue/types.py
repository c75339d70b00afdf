"""The neutral messages channels exchange with the dialogue core."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IncomingMessage:
    channel: str  # "web", "sms", "whatsapp", "telegram", "terminal"
    sender: str  # the channel's own id for the person (phone number, chat id, web id)
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    text: str
    choices: list[str] = field(default_factory=list)
    # Links shown beside the text where the channel can (web, Telegram): a calendar file,
    # a map. Each: {"kind": "calendar"|"map", "name": ..., "url": ...}. SMS ignores them.
    attachments: list[dict[str, str]] = field(default_factory=list)
    # Details a channel that pays per message part (SMS) may leave out; the person gets
    # them by asking (DETAILS). Web, Telegram and WhatsApp show them.
    detail: bool = False
    # The opposite: a short stand-in shown only where details are left out (SMS), such as
    # « et 3 autres aides : écrivez DETAILS ». Other channels drop it.
    brief: bool = False
    # The opt-out confirmation: the one message that still goes to an address that opted out.
    always_send: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "choices": list(self.choices)}
        if self.attachments:
            data["attachments"] = [dict(a) for a in self.attachments]
        if self.detail:
            data["detail"] = True  # left out of SMS (DETAILS gives it): lets scripts count parts
        return data
