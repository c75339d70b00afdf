"""The agenda of a colleague and of a whole place, besides one's own: who covers whom."""

from __future__ import annotations

from datetime import UTC, datetime

from handoff.booking import book
from handoff.slots import free_slots
from tests.helpers.handoff import new_handoff


def test_a_referent_sees_a_colleagues_and_a_places_agenda(referent, sqlite_db, console_app):
    territory = console_app.state.territory
    now = datetime.now(UTC)
    booked = {}
    with sqlite_db.session() as session:
        for who in ("amina", "julien"):
            slot = next(
                s
                for s in free_slots(session, territory, "acces_droits", now)
                if s.referent_id == who and s.place_id == "france-services-neudorf"
            )
            booked[who] = (
                book(
                    session, handoff_id=new_handoff(session, reason_id="acces_droits"), slot=slot
                ).handoff_id,
                slot.start.astimezone(territory.timezone).date().isoformat(),
            )

    def shown(query: str) -> set[str]:
        days = {day for _, day in booked.values()}
        text = "".join(referent.get(f"/console/agenda?view=week&day={day}{query}").text for day in days)
        return {who for who, (handoff_id, _) in booked.items() if f'/console/handoffs/{handoff_id}"' in text}

    assert shown("") == {"amina"}
    assert shown("&voir=referent:julien") == {"julien"}
    assert shown("&voir=lieu:france-services-neudorf") == {"amina", "julien"}
    page = referent.get("/console/agenda?voir=lieu:france-services-neudorf").text
    assert "<h1>Agenda : France Services Neudorf</h1>" in page
    assert 'value="lieu:france-services-neudorf" selected' in page
    assert "<h1>Agenda de Julien</h1>" in referent.get("/console/agenda?voir=referent:julien").text
    assert "<h1>Mon agenda</h1>" in referent.get("/console/agenda?voir=referent:inconnu").text
