"""A whole check in English and in Arabic through the chat API, on real rules and a real
database: the rights found, how to claim them and the appointment days read in the person's
language (drafts from the .po files); the same check in French reads as before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import language, messages, rights
from tests.helpers.app import Chat

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 9:00 in Strasbourg
# Expecting a child, alone, 23, in 67100, no income: RSA (claimed with someone) and others.
EXPECTING_ALONE = ["2", "23", "67100", "1", "4", "2", "0", "0"]


@pytest.fixture
def client(app_factory):
    with TestClient(app_factory(clock=lambda: NOW)) as client:
        yield client


def _walk(chat: Chat, first: str, yes: str) -> None:
    chat.say(first)
    chat.say(yes)
    for answer in EXPECTING_ALONE:
        chat.say(answer)
    with language.use(_language_of(chat)):  # the facts, read back in the person's language
        assert chat.last.startswith(messages.text("recap", facts="").split(":")[0])
    chat.say(yes)


def _language_of(chat: Chat) -> str:
    from storage.models import Conversation

    with chat.client.app.state.db.session() as s:
        return s.scalars(select(Conversation.language).order_by(Conversation.id.desc())).first()


def _names(code: str, *ids: str) -> list[str]:
    with language.use(code):
        return [rights.name(rights_catalogue()[i]) for i in ids]


def rights_catalogue():
    from rules.catalogue import load_catalogue

    return {b.id: b for b in load_catalogue()}


def test_a_whole_check_in_english_gives_rights_documents_and_days_in_english(client):
    chat = Chat(client, "en-rights")
    _walk(chat, "Hello, I would like to know which benefits I can get please", "yes")
    result = chat.replies[0]["text"]
    assert result.splitlines()[1:] == [
        "- RSA: 759 €/month", "- PAJE (birth): 1 099 € (once)", "- Health cover (CSS)"]
    everything = chat.text
    assert "Birth grant (PAJE): A grant paid once, in the 7th month of pregnancy" in everything
    assert "Pregnancy declaration (from the doctor or midwife)" in everything
    assert "Prime à la naissance" not in everything and "Pièce d'identité" not in everything
    chat.say("1")  # a person: the slots offered
    with language.use("en"):
        assert chat.replies[-1]["text"] == messages.text("slot_offer")
    assert chat.replies[-1]["choices"][:2] == [
        "Wed 2 Dec 9:00, France Services Neudorf", "Wed 2 Dec 13:30, France Services Neudorf"]
    chat.say("1")
    confirmation = chat.text  # the confirmation, with the optional question on sex
    assert "Wednesday 2 December" in confirmation and "9:00" in confirmation
    assert "ID document (or residence permit)" in confirmation  # the documents to bring
    assert "mercredi" not in confirmation


def test_a_whole_check_in_arabic_gives_rights_and_days_in_arabic(client):
    chat = Chat(client, "ar-rights")
    _walk(chat, "السلام عليكم، أريد أن أعرف حقوقي", "نعم")
    result = chat.replies[0]["text"]
    assert result.splitlines()[1:] == [
        "- RSA: 759 €/شهر", "- PAJE (ولادة): 1 099 € (مرة واحدة)", "- تغطية صحية (CSS)"]
    assert _names("ar", "paje", "css") == ["PAJE (ولادة)", "تغطية صحية (CSS)"]
    chat.say("DETAILS")  # which right? (one line each), then the RSA's and the PAJE's cards
    chat.say("1")
    details = chat.text
    chat.say("DETAILS 2")
    details += chat.text
    assert "منحة الولادة (PAJE): منحة تُدفع مرة واحدة" in details
    assert "بطاقة الهوية (أو بطاقة الإقامة)" in details
    assert "Complémentaire santé" not in details and "Pièce d'identité" not in details
    chat.say("1")
    with language.use("ar"):
        assert chat.replies[-1]["text"] == messages.text("slot_offer")
    # CLDR's Arabic day and month names; Latin digits, as residents type slot numbers.
    assert chat.replies[-1]["choices"][0] == "الأربعاء 2 ديسمبر 9:00، France Services Neudorf"


def test_the_same_check_in_french_reads_as_before(client):
    chat = Chat(client, "fr-rights")
    _walk(chat, "bonjour", "oui")
    assert chat.replies[0]["text"].splitlines()[1:] == [
        "- RSA : 759 €/mois", "- PAJE (naissance) : 1 099 € (une fois)",
        "- Complémentaire santé solidaire"]
    assert "Prime à la naissance (PAJE) : Une prime versée une seule fois" in chat.text
    chat.say("1")
    assert chat.replies[-1]["choices"][0] == "mer. 2 déc. 9h, France Services Neudorf"
    chat.say("1")
    assert "mercredi 2 décembre" in chat.text


def test_a_person_asked_for_before_any_result_gets_the_usual_documents_in_english(client):
    chat = Chat(client, "en-advisor")
    chat.say("Hello, I would like to know which benefits I can get please")
    chat.say("yes")
    chat.say("ADVISOR")
    assert chat.replies[-1]["choices"][0] == "Wed 2 Dec 9:00, France Services Neudorf"
    chat.say("1")
    assert "Wednesday 2 December" in chat.text
    assert "an ID document, a proof of address" in chat.text
