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

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "choices": list(self.choices)}
