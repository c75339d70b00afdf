"""The take-up funnel split by language: counts written by the real dialogue in the
conversation's language, and the « by language » table masked below 5 like the others."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from handoff import indicators
from handoff.indicators import SECRET, SMALL
from storage.models import FunnelEvent
from tests.helpers.app import Chat, new_user_id


def test_first_contacts_and_consents_are_counted_per_language(app_factory, sqlite_db):
    client = TestClient(app_factory())
    for first in ["bonjour"] * 6 + ["Hello, I would like to know my rights please"] * 5 \
            + ["مرحبا، أريد أن أعرف حقوقي"] * 2:
        chat = Chat(client, new_user_id())
        chat.say(first)
        chat.say("1")  # consent, in every language
    # A week belongs to the month of its Thursday (indicators.weeks_in): on 30 November, a
    # Monday, this week's counts are December's. The month of this week's Thursday holds them.
    today = date.today()
    thursday = today + timedelta(days=3 - today.weekday())
    with sqlite_db.session() as session:
        report = indicators.build(session, start=thursday.replace(day=1), end=thursday)
    table = next(t for t in report.tables if t.key == "by_language")
    rows = {row.key: row for row in table.rows}
    assert list(rows) == ["fr", "ar", "en"]
    assert rows["fr"].label == "Français" and rows["ar"].label == "Arabe"
    column = [key for key, _ in table.columns].index("first_contact")
    cells = {key: row.cells[column] for key, row in rows.items()}
    assert cells["fr"].value == 6 and cells["en"].value is None
    assert cells["ar"].mask == SMALL  # 2 residents: masked
    # 6 + 5 + 2 = 13 is shown: the second-smallest is hidden too, or 13 - 6 - 5 gives 2.
    assert cells["en"].mask == SECRET
    assert "Par langue" in indicators.to_text(report)


def test_an_outcome_a_referent_records_keeps_the_conversations_language(sqlite_db):
    from storage.models import Conversation, Person

    with sqlite_db.session() as session:
        person = Person()
        session.add(person)
        session.flush()
        conversation = Conversation(person_id=person.id, channel="sms", state="result",
                                    language="tr")
        session.add(conversation)
        session.flush()
        indicators._add(session, "outcome_opened", conversation, date(2026, 11, 2))
        session.flush()
        event = session.query(FunnelEvent).filter_by(kind="outcome_opened").one()
        assert event.language == "tr"
