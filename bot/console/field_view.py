"""What the ambassador's page shows of the bot's turn: the questions without what only makes
sense on an SMS (« écrivez CONSEILLER à tout moment », « écrivez DETAILS »: the page has its
own buttons and shows every right), and the result as a short list with working links,
read from the stored result rather than from the long SMS text."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import messages
from bot.console.summary import euros, summarize
from bot.console.views import PER, _catalogue, aware
from storage.models import Answer, Conversation, EligibilityResult

# « (Écrivez CONSEILLER à tout moment pour parler à une personne.) » and its shorter form.
_ANYTIME = re.compile(r"\s*\((?:[ÉéEe]crivez )?CONSEILLER à tout moment[^)]*\)\.?")
_MORE = re.compile(r"^Et \d+ autre\(s\) : écrivez DETAILS\.$")


def for_the_page(text: str) -> str:
    """The bot's text without the instructions only an SMS needs."""
    hint = messages.text("details_hint")
    lines = [_ANYTIME.sub("", line).rstrip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line.strip() != hint and not _MORE.match(line))


def is_result(text: str) -> bool:
    """The SMS result (its list) or a right's card: the page shows the list instead."""
    return text.startswith(messages.text("result_intro")) or "\nOù : " in text


def result_of(session: Session, conversation_id: int, since) -> list[dict]:
    """The rights of the latest result computed during the check, largest first, each with
    where to apply and its link."""
    result = session.scalars(select(EligibilityResult).where(
        EligibilityResult.conversation_id == conversation_id)
        .order_by(EligibilityResult.id.desc())).first()
    if result is None or aware(result.computed_at) < aware(since):
        return []
    catalogue = _catalogue()
    found = [b for b in result.benefits or [] if b.get("eligible")]
    found.sort(key=lambda b: -(b.get("amount") or 0) * (12 if b.get("per") == "month" else 1))
    rights = []
    for benefit in found:
        info = catalogue.get(benefit["id"])
        amount = benefit.get("amount")
        link = info.apply.get("link", "") if info else ""
        rights.append({
            "label": benefit.get("label") or (info.label if info else benefit["id"]),
            "amount": f"{euros(amount)}{PER.get(benefit.get('per'), '')}" if amount else "",
            "where": info.apply.get("where", "") if info else "",
            "link": link if link.startswith("https://") else "",
        })
    return rights


def answers_of(session: Session, conversation_id: int) -> dict:
    """The resident's answers in one line, and whether a question is being asked (then the
    page offers to go back and correct the previous answer, the dialogue's own « retour »)."""
    answers = {a.key: a.value for a in session.scalars(
        select(Answer).where(Answer.conversation_id == conversation_id))}
    conversation = session.get(Conversation, conversation_id)
    asking = conversation is not None and (conversation.state or "").startswith("ask:")
    return {"line": summarize(answers) if answers else "", "can_go_back": asking}


def page_turn(session: Session, conversation_id: int, since, turn: list[dict]
              ) -> tuple[list[dict], list[dict], dict]:
    """The turn as the page shows it, the result's list when the turn holds one, and the
    answers so far."""
    rights = result_of(session, conversation_id, since)
    shown = []
    for said in turn:
        if rights and is_result(said["text"]):
            if said["choices"]:
                shown.append({"text": "", "choices": said["choices"]})
            continue
        shown.append({**said, "text": for_the_page(said["text"])})
    return (shown, rights if any(is_result(s["text"]) for s in turn) else [],
            answers_of(session, conversation_id))
