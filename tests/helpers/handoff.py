"""Test helpers: a small test territory, and people with conversations to hand off."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

from handoff.booking import open_handoff
from handoff.territory import parse_territory
from storage.models import ChannelAddress, Conversation, Person

PARIS = ZoneInfo("Europe/Paris")

BASE = {
    "id": "test",
    "name": "Territoire de test",
    "settings": {
        "timezone": "Europe/Paris",
        "min_notice_hours": 24,
        "horizon_days": 14,
        "holidays": {"country": "FR", "subdivision": "6AE"},
    },
    "places": [
        {
            "id": "fs",
            "name": "France Services Neudorf",
            "address": "18 rue du Neudorf, 67100 Strasbourg",
            "lat": 48.5694,
            "lon": 7.7638,
            "opening_hours": {day: ["09:00-12:00", "13:30-17:00"]
                              for day in ("monday", "tuesday", "wednesday", "thursday",
                                          "friday", "saturday")},
        },
        {
            "id": "ccas",
            "name": "CCAS",
            "address": "7 place du Marché, 67100 Strasbourg",
            "map_url": "https://example.org/ccas",
            "opening_hours": {"tuesday": ["09:00-12:00"]},
        },
    ],
    "referents": [
        {
            "id": "amina",
            "first_name": "Amina",
            # Wider than the opening hours on purpose: only the intersection is bookable.
            "availability": {"fs": {day: ["08:00-12:30"]
                                    for day in ("monday", "tuesday", "wednesday", "thursday",
                                                "friday", "saturday")}},
        },
    ],
    "reasons": [
        {"id": "general", "label": "Accès aux droits", "duration_minutes": 30},
        {"id": "rsa", "label": "Demande de RSA", "duration_minutes": 60},
        {"id": "long", "label": "Dossier complet", "duration_minutes": 90},
        {"id": "birth", "label": "Naissance", "duration_minutes": 45},
        {"id": "urgent", "label": "Situation urgente", "duration_minutes": 30,
         "min_notice_hours": 2},
    ],
}


def territory_data(**settings) -> dict:
    data = copy.deepcopy(BASE)
    data["settings"].update(settings)
    return data


def make_territory(data: dict | None = None, **settings):
    return parse_territory(data or territory_data(**settings), source="test.yaml")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def new_conversation(session, *, channel: str = "sms", opted_out: bool = False,
                     key: str | None = None) -> int:
    person = Person()
    session.add(person)
    session.flush()
    session.add(ChannelAddress(person_id=person.id, channel=channel,
                               key=key or f"key-{person.id}", address="+33600000000",
                               opted_out=opted_out))
    conversation = Conversation(person_id=person.id, channel=channel, state="handoff")
    session.add(conversation)
    session.flush()
    return conversation.id


def new_handoff(session, *, reason_id: str = "general", **kwargs) -> int:
    conversation_id = new_conversation(session, **kwargs)
    return open_handoff(session, conversation_id=conversation_id, trigger="asked",
                        reason_id=reason_id).id
