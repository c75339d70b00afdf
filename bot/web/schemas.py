"""What the chat endpoints accept: one message of text, and for integrations its user id."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 1000


class ChatText(BaseModel):
    """A message typed on the chat page (its identity is the page's cookie)."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(max_length=MAX_TEXT)

    @field_validator("text")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("le message est vide")
        return value


class ChatRequest(ChatText):
    """A message through POST /api/chat: integrations name the person with `user_id`."""

    user_id: str = Field(min_length=1, max_length=200)
