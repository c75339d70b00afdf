"""A calendar file (RFC 5545) for an appointment, and map links to its place.

Written by hand: one event, times in UTC, text escaped (RFC 5545 §3.3.11), lines folded at
75 octets without cutting a UTF-8 character (§3.1), CRLF line ends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from handoff.territory import Place, Territory
from storage.handoff import Appointment
from storage.models import utcnow

PRODID = "-//Passerelle//Rendez-vous//FR"
UID_DOMAIN = "passerelle.invalid"

_SHORT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~"


def appointment_ics(appointment: Appointment, territory: Territory, *,
                    now: datetime | None = None) -> str:
    """The appointment as a one-event calendar; a cancelled one as a CANCELLED event."""
    place = territory.places.get(appointment.place_id)
    reason = territory.reasons.get(appointment.reason_id)
    referent = territory.referents.get(appointment.referent_id)
    cancelled = appointment.status in ("excused", "cancelled")
    summary = reason.label if reason else appointment.reason_id
    if referent:
        summary = f"{summary} – {referent.first_name}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        # PUBLISH, not iTIP's CANCEL (which needs an organizer): STATUS says it is cancelled.
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.id}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc(now or utcnow())}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(appointment.ends_at)}",
        f"SUMMARY:{escape(summary)}",
        # A calendar shows a cancelled event only if its sequence is higher than the booking's.
        f"SEQUENCE:{1 if cancelled else 0}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if place is not None:
        lines.append(f"LOCATION:{escape(f'{place.name}, {place.address}')}")
        notes = [n for n in (place.access, place.accessibility, place.phone) if n]
        link = map_link(place)
        if link:
            notes.append(link)
            lines.append(f"URL:{link}")
        if notes:
            lines.append(f"DESCRIPTION:{escape(chr(10).join(notes))}")
        if place.lat is not None and place.lon is not None:
            lines.append(f"GEO:{place.lat:.6f};{place.lon:.6f}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line into chunks of at most `limit` octets (continuations start with
    a space, which counts)."""
    chunks, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        room = limit if not chunks else limit - 1
        if size + width > room:
            chunks.append(current)
            current, size = "", 0
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def map_link(place: Place) -> str | None:
    """The place on OpenStreetMap with a marker (or the territory's own map link)."""
    if place.lat is not None and place.lon is not None:
        lat, lon = f"{place.lat:.5f}", f"{place.lon:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
    return place.map_url


def short_map_link(place: Place, zoom: int = 17) -> str | None:
    """A short OpenStreetMap link with a marker (about 30 characters: fits in an SMS)."""
    if place.lat is None or place.lon is None:
        return place.map_url
    return f"https://osm.org/go/{osm_short_code(place.lat, place.lon, zoom)}?m="


def osm_short_code(lat: float, lon: float, zoom: int) -> str:
    """OpenStreetMap's short link code: the Morton code of the position, 6 bits a character
    (the same encoding as openstreetmap-website's ShortLink.encode)."""
    x = int((lon + 180.0) * 2**32 / 360.0)
    y = int((lat + 90.0) * 2**32 / 180.0)
    code = 0
    for i in range(31, -1, -1):
        code = (code << 1) | ((x >> i) & 1)
        code = (code << 1) | ((y >> i) & 1)
    chars = [_SHORT_ALPHABET[(code >> (58 - 6 * i)) & 0x3F] for i in range(-(-(zoom + 8) // 3))]
    return "".join(chars) + "-" * ((zoom + 8) % 3)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
