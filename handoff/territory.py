"""The territory as data: places, referents, appointment reasons and booking settings.

A territory is one YAML file, checked against a JSON schema and then for consistency (ids
that refer to each other, time ranges that end after they start) when it is loaded, so a
mistake in the file stops the start with a message naming the file and the field.
`TERRITORY_FILE` selects one file; `TERRITORY_DIR` a directory of them (`load_territories`);
with neither, the deployment serves the demo ones (`DEMO_DIR`: Strasbourg Neudorf and
Mulhouse Bourtzwiller). Each file declares what it serves (postcodes, communes), its own
Twilio number or Telegram bot when it has one, and its contact; `route` picks a resident's
territory by the number they texted, else by their postcode, else none (the national
fallback: national rights and contacts, no appointment). A deployment serves only the
postcodes its files name: a file that names none serves everyone, and only when it is the
deployment's only one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import jsonschema
import yaml

DEMO_DIR = Path(__file__).resolve().parent / "territories"
# The demo served first: what `load_territory()` gives, and the first territory of a deployment
# configured with neither setting (the demo login, rows stored before territories).
DEFAULT_FILE = DEMO_DIR / "strasbourg-neudorf.yaml"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Every slot starts on this grid and every duration is a multiple of it: that is what lets
# the database refuse overlapping bookings (see storage/handoff.py, AppointmentUnit). It is
# code, not territory data, because changing it would misalign the rows already stored.
GRID_MINUTES = 15

_RANGE = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"
_ID = r"^[a-z0-9][a-z0-9_-]*$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

_RANGES = {"type": "array", "items": {"type": "string", "pattern": _RANGE}}
_WEEK = {
    "type": "object",
    "propertyNames": {"enum": list(WEEKDAYS)},
    "additionalProperties": _RANGES,
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "settings", "places", "referents", "reasons"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": _ID},
        "name": {"type": "string", "minLength": 1},
        "demo": {"type": "boolean"},
        # Who the territory serves, and how it is reached when it has its own channels.
        "serves": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "postcodes": {"type": "array",
                              "items": {"type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"}},
                "communes": {"type": "array",
                             "items": {"type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"}},
            },
        },
        "channels": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "twilio_numbers": {"type": "array",
                                   "items": {"type": "string", "pattern": r"^\+[0-9]{6,15}$"}},
                "telegram_bot": {"type": "string", "pattern": "^[A-Za-z0-9_]{5,32}$"},
            },
        },
        "contact": {"type": "string", "minLength": 1},
        # Referents alerted of new hand-offs: the on-call number outside working hours, and
        # whether every new hand-off is announced (urgent ones always are).
        "alerts": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "on_call_phone": {"type": "string", "pattern": r"^\+[0-9]{6,15}$"},
                "every_handoff": {"type": "boolean"},
            },
        },
        "settings": {
            "type": "object",
            "required": ["timezone", "min_notice_hours", "horizon_days"],
            "additionalProperties": False,
            "properties": {
                "timezone": {"type": "string"},
                "min_notice_hours": {"type": "number", "minimum": 0},
                "horizon_days": {"type": "integer", "minimum": 1, "maximum": 366},
                # Hand-offs per hour from web identities with no confirmed phone; past it
                # they wait for a referent's look (issue 27 item 2). Default 20.
                "unverified_handoffs_per_hour": {"type": "integer", "minimum": 0},
                "holidays": {
                    "type": "object",
                    "required": ["country"],
                    "additionalProperties": False,
                    "properties": {
                        "country": {"type": "string"},
                        "subdivision": {"type": "string"},
                    },
                },
            },
        },
        "places": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "name", "address", "opening_hours"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": _ID},
                    "name": {"type": "string", "minLength": 1},
                    "address": {"type": "string", "minLength": 1},
                    "phone": {"type": "string"},
                    "access": {"type": "string"},
                    "accessibility": {"type": "string"},
                    "opening_hours": _WEEK,
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    "map_url": {"type": "string", "pattern": "^https?://"},
                },
                "dependentRequired": {"lat": ["lon"], "lon": ["lat"]},
                "anyOf": [{"required": ["lat"]}, {"required": ["map_url"]}],
            },
        },
        "referents": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "first_name", "availability"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": _ID},
                    "first_name": {"type": "string", "minLength": 1},
                    # Where an urgent hand-off is announced while they are on duty (a link,
                    # never the resident's words or number).
                    "alert_phone": {"type": "string", "pattern": r"^\+[0-9]{6,15}$"},
                    # place id -> weekday -> time ranges
                    "availability": {"type": "object", "additionalProperties": _WEEK},
                    "absences": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["from", "to"],
                            "additionalProperties": False,
                            "properties": {
                                "from": {"type": "string", "pattern": _DATE},
                                "to": {"type": "string", "pattern": _DATE},
                                "note": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
        "reasons": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "label", "duration_minutes"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": _ID},
                    "label": {"type": "string", "minLength": 1},
                    "duration_minutes": {"type": "integer", "minimum": GRID_MINUTES},
                    "min_notice_hours": {"type": "number", "minimum": 0},
                    "referents": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


class TerritoryError(ValueError):
    """The territory file is wrong; the message names the file and the field."""


@dataclass(frozen=True)
class TimeRange:
    start: time
    end: time  # time(0) stands for 24:00

    @property
    def start_minutes(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minutes(self) -> int:
        return 24 * 60 if self.end == time(0) else self.end.hour * 60 + self.end.minute


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    address: str
    opening_hours: dict[int, tuple[TimeRange, ...]]  # weekday (0 = Monday) -> ranges
    access: str = ""
    accessibility: str = ""
    phone: str = ""
    lat: float | None = None
    lon: float | None = None
    map_url: str | None = None


@dataclass(frozen=True)
class Absence:
    start: date
    end: date  # inclusive
    note: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Referent:
    id: str
    first_name: str
    availability: dict[str, dict[int, tuple[TimeRange, ...]]]  # place -> weekday -> ranges
    absences: tuple[Absence, ...] = ()
    alert_phone: str | None = None

    @property
    def places(self) -> tuple[str, ...]:
        return tuple(self.availability)

    def on_duty(self, moment: datetime) -> bool:
        """Working at this local moment: inside their availability somewhere, not absent."""
        if self.absent_on(moment.date()):
            return False
        minutes = moment.hour * 60 + moment.minute
        return any(r.start_minutes <= minutes < r.end_minutes
                   for week in self.availability.values()
                   for r in week.get(moment.weekday(), ()))

    def absent_on(self, day: date) -> bool:
        return any(a.covers(day) for a in self.absences)


@dataclass(frozen=True)
class Reason:
    id: str
    label: str
    duration: timedelta
    min_notice: timedelta | None = None  # None: the territory's
    referents: tuple[str, ...] | None = None  # None: every referent


@dataclass(frozen=True)
class Territory:
    id: str
    name: str
    demo: bool
    timezone: ZoneInfo
    min_notice: timedelta
    horizon_days: int
    places: dict[str, Place]
    referents: dict[str, Referent]
    reasons: dict[str, Reason]
    holiday_country: str = "FR"
    holiday_subdivision: str | None = None
    source: str = "<memory>"
    postcodes: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()  # INSEE codes
    twilio_numbers: frozenset[str] = frozenset()  # E.164, e.g. +33757000001
    telegram_bot: str | None = None  # the bot's username, when the territory has its own
    contact: str | None = None  # None: REFERENT_CONTACT
    # Hand-offs per hour from web identities with no confirmed phone before the next ones
    # wait for a referent's look: one address cannot fill the urgent queue.
    unverified_handoffs_per_hour: int = 20
    on_call_phone: str | None = None  # alerted outside working hours
    alert_every_handoff: bool = False  # urgent hand-offs are always alerted

    @property
    def own_number(self) -> str | None:
        """The SMS number messages the person did not just ask for (a referent's reply, a
        reminder) go out from, so that answers come back here; None: the shared one."""
        return min(self.twilio_numbers) if self.twilio_numbers else None

    @property
    def names_whom_it_serves(self) -> bool:
        """Whether the file says whom it serves; a file that does not serves everyone when it
        is a deployment's only one (tests and small deployments rely on it)."""
        return bool(self.postcodes or self.communes)

    def serves(self, *, postcode: str | None = None, commune: str | None = None) -> bool:
        return (postcode is not None and postcode in self.postcodes) or (
            commune is not None and commune in self.communes)

    def is_holiday(self, day: date) -> bool:
        return day in self._holidays(day.year)

    def holiday_name(self, day: date) -> str | None:
        return self._holidays(day.year).get(day)

    def _holidays(self, year: int) -> holidays.HolidayBase:
        return _holiday_calendar(self.holiday_country, self.holiday_subdivision, year)

    def reason(self, reason_id: str) -> Reason:
        try:
            return self.reasons[reason_id]
        except KeyError:
            raise KeyError(f"unknown appointment reason {reason_id!r}") from None


_CALENDARS: dict[tuple[str, str | None, int], holidays.HolidayBase] = {}


def _holiday_calendar(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    key = (country, subdivision, year)
    if key not in _CALENDARS:
        _CALENDARS[key] = holidays.country_holidays(
            country, subdiv=subdivision, years=year, language="fr"
        )
    return _CALENDARS[key]


class _Loader(yaml.SafeLoader):
    """Keeps dates as the strings written, so the schema checks them like any other field."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_territory(path: str | os.PathLike | None = None) -> Territory:
    """Load and check the territory file: `path` (the TERRITORY_FILE setting), else the demo."""
    path = Path(path or DEFAULT_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TerritoryError(f"{path}: cannot read the territory file ({exc.strerror})") from exc
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise TerritoryError(f"{path}: not valid YAML: {exc}") from exc
    return parse_territory(data, source=str(path))


def parse_territory(data: Any, *, source: str = "<memory>") -> Territory:
    """Check a territory already read into Python data and build it."""
    errors = sorted(
        jsonschema.Draft202012Validator(SCHEMA).iter_errors(data),
        key=lambda e: (list(map(str, e.absolute_path)), e.message),
    )
    if errors:
        error = errors[0]
        field = _field(error.absolute_path)
        if error.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            if missing:
                field = _field([*error.absolute_path, missing[0]])
        raise TerritoryError(f"{source}: {field}: {_explain(error)}")
    return _Builder(data, source).build()


def _field(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _explain(error: jsonschema.ValidationError) -> str:
    if error.validator == "pattern" and error.schema.get("pattern") == _RANGE:
        return f"{error.instance!r} is not a time range like \"09:00-12:00\""
    if error.validator == "pattern" and error.schema.get("pattern") == _DATE:
        return f"{error.instance!r} is not a date like \"2026-12-24\""
    if error.validator == "required":
        return "missing"
    if error.validator == "anyOf" and "map_url" in str(error.schema):
        return "needs lat and lon, or map_url"
    return error.message


class _Builder:
    def __init__(self, data: dict[str, Any], source: str):
        self.data = data
        self.source = source

    def fail(self, field: str, problem: str) -> None:
        raise TerritoryError(f"{self.source}: {field}: {problem}")

    def ranges(self, values: list[str], field: str) -> tuple[TimeRange, ...]:
        out = []
        for i, value in enumerate(values):
            start_text, end_text = value.split("-")
            if end_text.startswith("24") and end_text != "24:00":
                self.fail(f"{field}[{i}]", f"{value!r} is not a time of day")
            start = time.fromisoformat(start_text)
            end = time(0) if end_text == "24:00" else time.fromisoformat(end_text)
            tr = TimeRange(start, end)
            if tr.end_minutes <= tr.start_minutes:
                self.fail(f"{field}[{i}]", f"{value!r} ends before it starts")
            out.append(tr)
        out.sort(key=lambda r: r.start_minutes)
        for a, b in zip(out, out[1:], strict=False):
            if b.start_minutes < a.end_minutes:
                self.fail(field, f"time ranges overlap ({_text(a)} and {_text(b)})")
        return tuple(out)

    def week(self, week: dict[str, list[str]], field: str) -> dict[int, tuple[TimeRange, ...]]:
        return {
            WEEKDAYS.index(day): self.ranges(values, f"{field}.{day}")
            for day, values in week.items()
        }

    def unique(self, items: list[dict], name: str) -> None:
        seen = set()
        for i, item in enumerate(items):
            if item["id"] in seen:
                self.fail(f"{name}[{i}].id", f"duplicate id {item['id']!r}")
            seen.add(item["id"])

    def build(self) -> Territory:
        d = self.data
        settings = d["settings"]
        try:
            tz = ZoneInfo(settings["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("settings.timezone", f"unknown time zone {settings['timezone']!r}")
        cal = settings.get("holidays", {"country": "FR"})
        try:
            _holiday_calendar(cal["country"], cal.get("subdivision"), 2026)
        except NotImplementedError as exc:
            self.fail("settings.holidays", str(exc))

        for name in ("places", "referents", "reasons"):
            self.unique(d[name], name)

        places = {}
        for i, p in enumerate(d["places"]):
            places[p["id"]] = Place(
                id=p["id"], name=p["name"], address=p["address"],
                opening_hours=self.week(p["opening_hours"], f"places[{i}].opening_hours"),
                access=p.get("access", ""), accessibility=p.get("accessibility", ""),
                phone=p.get("phone", ""), lat=p.get("lat"), lon=p.get("lon"),
                map_url=p.get("map_url"),
            )

        referents = {}
        for i, r in enumerate(d["referents"]):
            field = f"referents[{i}]"
            availability = {}
            for place_id, week in r["availability"].items():
                if place_id not in places:
                    self.fail(f"{field}.availability.{place_id}", "unknown place id")
                availability[place_id] = self.week(week, f"{field}.availability.{place_id}")
            absences = []
            for j, a in enumerate(r.get("absences", [])):
                try:
                    start, end = date.fromisoformat(a["from"]), date.fromisoformat(a["to"])
                except ValueError:
                    self.fail(f"{field}.absences[{j}]", "not a real date")
                if end < start:
                    self.fail(f"{field}.absences[{j}]", "ends before it starts")
                absences.append(Absence(start, end, a.get("note", "")))
            referents[r["id"]] = Referent(r["id"], r["first_name"], availability, tuple(absences),
                                          alert_phone=r.get("alert_phone"))

        reasons = {}
        for i, r in enumerate(d["reasons"]):
            field = f"reasons[{i}]"
            if r["duration_minutes"] % GRID_MINUTES:
                self.fail(f"{field}.duration_minutes",
                          f"{r['duration_minutes']} is not a multiple of {GRID_MINUTES} minutes")
            for ref in r.get("referents", []):
                if ref not in referents:
                    self.fail(f"{field}.referents", f"unknown referent id {ref!r}")
            notice = r.get("min_notice_hours")
            reasons[r["id"]] = Reason(
                id=r["id"], label=r["label"], duration=timedelta(minutes=r["duration_minutes"]),
                min_notice=None if notice is None else timedelta(hours=notice),
                referents=tuple(r["referents"]) if "referents" in r else None,
            )

        return Territory(
            id=d["id"], name=d["name"], demo=bool(d.get("demo", False)), timezone=tz,
            min_notice=timedelta(hours=settings["min_notice_hours"]),
            horizon_days=settings["horizon_days"], places=places, referents=referents,
            reasons=reasons, holiday_country=cal["country"],
            holiday_subdivision=cal.get("subdivision"), source=self.source,
            postcodes=frozenset(d.get("serves", {}).get("postcodes", [])),
            communes=frozenset(d.get("serves", {}).get("communes", [])),
            twilio_numbers=frozenset(d.get("channels", {}).get("twilio_numbers", [])),
            telegram_bot=d.get("channels", {}).get("telegram_bot"),
            contact=d.get("contact"),
            unverified_handoffs_per_hour=settings.get("unverified_handoffs_per_hour", 20),
            on_call_phone=d.get("alerts", {}).get("on_call_phone"),
            alert_every_handoff=bool(d.get("alerts", {}).get("every_handoff", False)),
        )


def _text(r: TimeRange) -> str:
    return f"{r.start:%H:%M}-{'24:00' if r.end == time(0) else format(r.end, '%H:%M')}"


# -- many territories in one deployment ------------------------------------------------------
def load_territories(directory: str | os.PathLike) -> list[Territory]:
    """Every territory file (*.yaml, *.yml) of `directory`, in file-name order, checked each
    on its own and then together: ids unique, and no postcode, commune or number claimed by
    two territories (a resident must have one territory, not the first file's)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise TerritoryError(f"{folder}: not a directory of territory files")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise TerritoryError(f"{folder}: no territory file (*.yaml) in it")
    territories = [load_territory(path) for path in files]
    owners: dict[tuple[str, str], Territory] = {}
    for territory in territories:
        claims = [("id", territory.id)]
        claims += [("postcode", code) for code in sorted(territory.postcodes)]
        claims += [("commune", code) for code in sorted(territory.communes)]
        claims += [("number", number) for number in sorted(territory.twilio_numbers)]
        # Bookings are kept apart per referent id (storage/handoff.py, AppointmentUnit): two
        # territories sharing an id would share that referent's time.
        claims += [("referent id", referent) for referent in sorted(territory.referents)]
        if territory.telegram_bot:
            claims.append(("telegram bot", territory.telegram_bot.lower()))
        for kind, value in claims:
            other = owners.setdefault((kind, value), territory)
            if other is not territory:
                raise TerritoryError(f"{territory.source}: {kind} {value!r} is already "
                                     f"{other.id}'s ({other.source})")
    return territories


def territories_from_settings(territory_dir: str = "",
                              territory_file: str = "") -> list[Territory]:
    """TERRITORY_DIR when set, else the one TERRITORY_FILE as a list of one, else the demo
    territories (`DEMO_DIR`), the default file first."""
    if territory_dir:
        return load_territories(territory_dir)
    if territory_file:
        return [load_territory(territory_file)]
    # Strasbourg first, as when it was the only default: the demo login is its referent's and
    # rows stored before territories (NULL) stay its own.
    return sorted(load_territories(DEMO_DIR), key=lambda t: Path(t.source) != DEFAULT_FILE)


def normalise_number(number: str) -> str:
    """+33 7 57 00 00 01, whatsapp:+33757000001, 0033757000001 -> +33757000001."""
    number = number.strip().removeprefix("whatsapp:")
    digits = re.sub(r"[^\d+]", "", number)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def route(territories: list[Territory], *, number: str | None = None,
          postcode: str | None = None, commune: str | None = None) -> Territory | None:
    """The territory of a resident: the one whose own number they texted (`number`: the
    number or Telegram bot they wrote to), else the one serving their postcode (or INSEE
    commune), else None: the national fallback (national rights and contacts, no
    appointment). A shared number routes by postcode; a new postcode routes anew."""
    owner = _owner(territories, number)
    if owner is not None:
        return owner
    code = (postcode or "").strip().replace(" ", "") or None
    for territory in territories:
        if territory.serves(postcode=code, commune=commune):
            return territory
    return None


class Territories:
    """The territories one deployment serves, and which one a conversation belongs to.

    A resident is served by the territory of the number they wrote to, else of their
    postcode; a postcode no territory names gets the national fallback, never a territory
    far away. `catch_all` serves everyone no other territory serves: only the one territory
    of a deployment whose file names no postcode or commune. Before the postcode is known,
    a deployment of one territory takes the resident in (they are asked it in the check and
    routed anew then); a deployment of several cannot guess. Rows stored before territories
    existed (NULL) belong to the first.
    """

    def __init__(self, items: list[Territory], *, catch_all: Territory | None = None):
        if not items:
            raise TerritoryError("no territory configured")
        self.all: tuple[Territory, ...] = tuple(items)
        self.by_id = {t.id: t for t in items}
        self.catch_all = catch_all

    @classmethod
    def from_settings(cls, territory_dir: str = "", territory_file: str = "") -> Territories:
        items = territories_from_settings(territory_dir, territory_file)
        return cls.of(items[0]) if len(items) == 1 else cls(items)

    @classmethod
    def of(cls, territory: Territory) -> Territories:
        """A deployment of this one territory (a TERRITORY_FILE, and most tests): it serves
        the postcodes and communes it names, or everyone when it names none."""
        return cls([territory], catch_all=None if territory.names_whom_it_serves else territory)

    @classmethod
    def coerce(cls, given: Territory | Territories) -> Territories:
        """Callers that still pass one territory mean a deployment of one."""
        return given if isinstance(given, Territories) else cls.of(given)

    @property
    def first(self) -> Territory:
        return self.all[0]

    @property
    def several(self) -> bool:
        return len(self.all) > 1

    def __iter__(self):
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def get(self, territory_id: str | None) -> Territory | None:
        """The territory of this id; None for none (a conversation outside every territory)."""
        return self.by_id.get(territory_id) if territory_id else None

    def of_row(self, territory_id: str | None) -> Territory | None:
        """The territory a hand-off, account or campaign belongs to: NULL (a row stored before
        territories existed) is the first's; an id no longer configured is nobody's."""
        return self.first if territory_id is None else self.by_id.get(territory_id)

    def owner_of(self, number: str | None) -> Territory | None:
        """The territory whose own number (or Telegram bot) this is; None for a shared one."""
        return _owner(self.all, number)

    def route(self, *, number: str | None = None, postcode: str | None = None
              ) -> Territory | None:
        """`route` over these territories, then the catch-all; None: the national fallback
        (or, with several territories, not known before the postcode)."""
        found = route(list(self.all), number=number, postcode=postcode)
        if found is not None or self.catch_all is not None:
            return found or self.catch_all
        if not (postcode or "").strip() and not self.several:
            return self.first
        return None

    def where(self, column: Any, territory_id: str | None) -> Any:
        """The SQL condition « this row belongs to `territory_id` » on a hand-off, account or
        campaign's territory column: NULL (a row from before territories) is the first's."""
        from sqlalchemy import or_

        territory_id = territory_id or self.first.id
        if territory_id == self.first.id:
            return or_(column == territory_id, column.is_(None))
        return column == territory_id


def _owner(territories, number: str | None) -> Territory | None:
    if not number:
        return None
    wanted = normalise_number(number)
    for territory in territories:
        if wanted in territory.twilio_numbers:
            return territory
        if territory.telegram_bot and number.lstrip("@").lower() == territory.telegram_bot.lower():
            return territory
    return None
