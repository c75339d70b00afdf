"""The calendar file (RFC 5545), map links, and the short French display of a slot."""

from datetime import timedelta

from handoff.booking import book, cancel
from handoff.display import describe_slot
from handoff.ics import appointment_ics, escape, fold, map_link, osm_short_code, short_map_link
from handoff.slots import Slot
from handoff.territory import load_territory
from tests.helpers.handoff import new_handoff, paris

NOW = paris(2026, 11, 30, 8, 0)
START = paris(2026, 12, 1, 9, 30)


def unfold(text: str) -> dict[str, str]:
    """A minimal reader: unfold continuation lines, split NAME:VALUE."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    raw = text.split("\r\n")[:-1]
    for line in raw:
        assert len(line.encode("utf-8")) <= 75, line
    lines = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return dict(line.split(":", 1) for line in lines if not line.startswith(("BEGIN", "END")))


def test_appointment_calendar_file(any_db):
    territory = load_territory()
    slot = Slot(START, START + timedelta(minutes=60), "amina", "france-services-neudorf", "rsa")
    with any_db.session() as s:
        appointment = book(s, handoff_id=new_handoff(s), slot=slot, now=NOW)
        text = appointment_ics(appointment, territory, now=NOW)
        fields = unfold(text)
        assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
        assert fields["DTSTART"] == "20261201T083000Z"  # 9:30 in Strasbourg, in UTC
        assert fields["DTEND"] == "20261201T093000Z"
        assert fields["DTSTAMP"] == "20261130T070000Z"
        assert fields["SUMMARY"] == "Demande de RSA – Amina"
        assert fields["LOCATION"] == (
            "France Services Neudorf\\, 18 rue du Neudorf\\, 67100 Strasbourg")
        assert fields["UID"] == f"appointment-{appointment.id}@passerelle.invalid"
        assert fields["STATUS"] == "CONFIRMED"
        assert fields["GEO"] == "48.569400;7.763800"
        assert "Tram C ou E" in fields["DESCRIPTION"] and "\\n" in fields["DESCRIPTION"]
        assert fields["URL"].startswith("https://www.openstreetmap.org/?mlat=48.56940&mlon=7.76380")
        cancel(s, appointment_id=appointment.id)
        cancelled = unfold(appointment_ics(appointment, territory, now=NOW))
        assert cancelled["STATUS"] == "CANCELLED" and cancelled["SEQUENCE"] == "1"


def test_escaping_and_folding():
    assert escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0]] + [p[1:] for p in parts[1:]]) == line


def _decode_short_code(code: str) -> tuple[float, float]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~"
    x = y = z = 0
    for c in code.rstrip("-"):
        t = alphabet.index(c)
        for _ in range(3):
            x = (x << 1) | (1 if t & 32 else 0)
            t <<= 1
            y = (y << 1) | (1 if t & 32 else 0)
            t <<= 1
        z += 3
    x <<= 32 - z
    y <<= 32 - z
    return y * 180.0 / 2**32 - 90.0, x * 360.0 / 2**32 - 180.0


def test_map_links():
    place = load_territory().places["ccas-neudorf"]
    assert map_link(place) == ("https://www.openstreetmap.org/?mlat=48.57120&mlon=7.76670"
                               "#map=18/48.57120/7.76670")
    short = short_map_link(place)
    assert short.startswith("https://osm.org/go/") and len(short) <= 35
    lat, lon = _decode_short_code(osm_short_code(48.5712, 7.7667, 17))
    assert abs(lat - 48.5712) < 0.001 and abs(lon - 7.7667) < 0.001
    assert osm_short_code(51.5, -0.1, 16).startswith("euu")  # London's links start so


def test_describe_slot_gives_short_french_parts():
    territory = load_territory()
    slot = Slot(START, START + timedelta(minutes=30), "amina", "france-services-neudorf",
                "acces_droits")
    parts = describe_slot(slot, territory)
    assert parts["day"] == "mardi 1er décembre"
    assert parts["time"] == "9h30" and parts["end"] == "10h"
    assert parts["place"] == "France Services Neudorf"
    assert parts["address"] == "18 rue du Neudorf, 67100 Strasbourg"
    assert parts["referent"] == "Amina"
    afternoon = Slot(paris(2026, 12, 17, 14, 0), paris(2026, 12, 17, 15, 0), "julien",
                     "ccas-neudorf", "rsa")
    parts = describe_slot(afternoon, territory)
    assert (parts["day"], parts["time"]) == ("jeudi 17 décembre", "14h")
    # Day, time, place, address and map fit in one SMS with room for the sentence around.
    sms = f"{parts['day']} {parts['time']}, {parts['place']}, {parts['address']} {parts['map']}"
    assert len(sms) <= 120, len(sms)
