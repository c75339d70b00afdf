"""What the browser tests share: a person on the chat API of the live server, and where
screenshots go."""

from __future__ import annotations

import os
from pathlib import Path

import httpx


def screenshots_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("CONSOLE_SCREENSHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    return target


def person_says(base: str, user_id: str, *texts: str) -> list[dict]:
    """Messages to the live server's POST /api/chat, as the chat page sends them."""
    replies = []
    with httpx.Client(base_url=base, timeout=60) as http:
        for text in texts:
            response = http.post("/api/chat", json={"user_id": user_id, "text": text})
            assert response.status_code == 200, response.text
            replies = response.json()["replies"]
    return replies
