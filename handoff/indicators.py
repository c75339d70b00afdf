"""The take-up figures of the territory (3DS law, article 133): the funnel from first message
to right opened, by week, moment of life, channel and benefit, and how long it took.

Everything is computed from `FunnelEvent` rows, which name no person: the dialogue writes
them as the person goes (first contact, consent, check completed, rights found, hand-off,
appointment booked or excused), the console when a referent records what happened
(appointment seen or missed, claim filed, right opened). Erasing a person, on request or at
the end of the retention period, leaves them, so the figures do not move.

Durations. A duration needs two dates, and the first one (the person's first message) is
erased with the person. So it is counted when the second step happens, in whole days, and
kept on that step's event (`FunnelEvent.days`): an appointment marked seen keeps the days
from the first message to the appointment's day, an outcome the days to the date the
referent gave. A correction (seen turned into no-show, an outcome's date moved) writes the
same event again with `delta = -1` and then the new one, so counts and durations follow.

Small counts. Every figure that leaves (console, CSV, terminal) goes through `build`:
a count of 1 to 4 becomes « < 5 »; an amount or a median over fewer than 5 becomes
« secret »; in a breakdown whose total is shown, when the hidden cells could be worked out
from the total and the others (a single hidden cell, or hidden cells whose sum allows only
one split), more cells are hidden, smallest first, and shown « secret ». Zero is shown: it
tells nothing about anyone. A masked cell keeps no value, so no page can leak it.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import FunnelEvent

THRESHOLD = 5
SMALL = "< 5"
SECRET = "secret"
PARIS = ZoneInfo("Europe/Paris")

# The funnel, in order: event kind -> label.
FUNNEL = [
    ("first_contact", "Premiers contacts"),
    ("consent", "Consentements"),
    ("check_completed", "Vérifications terminées"),
    ("rights_found", "Vérifications avec au moins un droit trouvé"),
    ("handoff", "Mises en relation avec un·e référent·e"),
    ("handoff_urgent", "dont urgentes"),
    ("appointment_booked", "Rendez-vous pris"),
    ("appointment_moved", "Rendez-vous déplacés"),
    ("appointment_seen", "Rendez-vous honorés"),
    ("appointment_noshow", "Rendez-vous manqués"),
    ("appointment_excused", "Rendez-vous excusés"),
    ("outcome_claim_filed", "Demandes déposées"),
    ("outcome_opened", "Droits ouverts"),
]
AMOUNT = ("amount_year", "Montant estimé des droits trouvés (€ par an)")
BENEFIT_COLUMNS = [
    ("right_found", "Droits trouvés"),
    ("amount_year", "Montant estimé (€ par an)"),
    ("outcome_claim_filed", "Demandes déposées"),
    ("outcome_opened", "Droits ouverts"),
    ("outcome_refused", "Refusés"),
    ("outcome_not_pursued", "Abandonnés"),
]
DURATIONS = [
    ("appointment_seen", "Du premier message au rendez-vous honoré"),
    ("outcome_claim_filed", "Du premier message à la demande déposée"),
    ("outcome_opened", "Du premier message au droit ouvert"),
]
BUCKETS = [(0, 7, "0 à 7 jours"), (8, 30, "8 à 30 jours"), (31, 90, "31 à 90 jours"),
           (91, None, "plus de 90 jours")]
MOMENTS = {"adult": "Je deviens adulte", "child": "J'attends un enfant",
           "single_parent": "J'élève seul·e mes enfants", "senior": "Je deviens senior",
           "other": "Autre situation", "": "Pas encore choisi"}
CHANNELS = {"web": "Chat web", "sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram"}
# The residents' languages (locales/ of the application); another one shows as its code.
LANGUAGES = {"fr": "Français", "ar": "Arabe", "en": "Anglais", "tr": "Turc"}
APPOINTMENT_EVENTS = ("seen", "noshow", "excused")
# The optional question on sex after the result (bot/dialogue/survey.py): the answers, and
# the steps of the funnel a person had reached when answering (later steps are not split:
# the answer is not kept to tag them).
SEXES = {"femme": "Femme", "homme": "Homme", "autre": "Autre",
         "non_dit": "Préfère ne pas dire"}
SEX_STEPS = ["first_contact", "consent", "check_completed", "rights_found", "handoff",
             "appointment_booked"]
SEX_TOTAL = "total"


# ---------------------------------------------------------------------- writing events
def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _local_day(moment: datetime, tz: tzinfo) -> date:
    if moment.tzinfo is None:  # SQLite gives naive UTC back for plain DateTime columns
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def days_since_first_message(conversation, day: date, tz: tzinfo = PARIS) -> int:
    """Whole days from the person's first message to `day` (never negative)."""
    return max(0, (day - _local_day(conversation.person.created_at, tz)).days)


def _add(session: Session, kind: str, conversation, day: date, *, benefit: str | None = None,
         days: int | None = None, delta: int | None = None,
         territory_id: str | None = None) -> None:
    session.add(FunnelEvent(kind=kind, week=week_of(day), channel=conversation.channel,
                            moment=conversation.moment, benefit=benefit, days=days,
                            delta=delta, territory_id=territory_id,
                            language=conversation.language or "fr"))


def record_delivery_failure(session: Session, conversation, *, channel: str, day: date) -> None:
    """A message to a resident that did not arrive (refused, undelivered, no template):
    counted by the channel it was sent on, anonymously like the funnel."""
    session.add(FunnelEvent(kind="delivery_failed", week=week_of(day), channel=channel,
                            moment=conversation.moment, territory_id=conversation.territory_id,
                            language=conversation.language or "fr"))


def _territory_of(handoff) -> str | None:
    """The hand-off's territory counts its appointments and outcomes (a person who moved
    keeps a booked appointment in the first); a row from before, the conversation's."""
    return handoff.territory_id or handoff.conversation.territory_id


def record_move(session: Session, appointment, now: datetime) -> None:
    """A booked appointment moved to another slot (handoff/booking.py reschedule).

    The dialogue writes « appointment_booked » for the new slot as for any booking; this
    event, in the same week, takes it back out of « Rendez-vous pris » (see `_raw`) and
    counts the move on its own line."""
    conversation = appointment.handoff.conversation
    # The week of the dialogue's own event: the ISO week of the UTC clock (bot/dialogue).
    session.add(FunnelEvent(kind="appointment_moved", week=week_of(now.astimezone(UTC).date()),
                            channel=conversation.channel, moment=conversation.moment,
                            territory_id=_territory_of(appointment.handoff),
                            language=conversation.language or "fr"))


def record_appointment_status(session: Session, appointment, *, before: str,
                              tz: tzinfo = PARIS) -> None:
    """The anonymous trace of a referent marking an appointment seen, missed or excused.

    Counted in the week of the appointment, with the days from the first message to it;
    a status the referent replaces is withdrawn first. An appointment the person excused
    in the conversation already has its event (the dialogue wrote it).
    """
    after = appointment.status
    if after == before:
        return
    conversation = appointment.handoff.conversation
    day = _local_day(appointment.starts_at, tz)
    days = days_since_first_message(conversation, day, tz)
    where = _territory_of(appointment.handoff)
    if before in APPOINTMENT_EVENTS:
        _add(session, f"appointment_{before}", conversation, day, days=days, delta=-1,
             territory_id=where)
    if after in APPOINTMENT_EVENTS:
        _add(session, f"appointment_{after}", conversation, day, days=days, territory_id=where)


def record_outcome(session: Session, handoff, *, benefit_id: str, status: str, day: date,
                   previous: date | None = None, tz: tzinfo = PARIS) -> None:
    """The anonymous trace of an outcome (claim filed, right opened…) on `day`.

    `previous` is the date recorded before for the same outcome: its event is withdrawn,
    so the week and the duration follow the corrected date.
    """
    if previous == day:
        return
    conversation = handoff.conversation
    kind = f"outcome_{status}"
    where = _territory_of(handoff)
    if previous is not None:
        _add(session, kind, conversation, previous, benefit=benefit_id, delta=-1,
             days=days_since_first_message(conversation, previous, tz), territory_id=where)
    _add(session, kind, conversation, day, benefit=benefit_id,
         days=days_since_first_message(conversation, day, tz), territory_id=where)


# ---------------------------------------------------------------------- the period
def weeks_in(start: date, end: date) -> list[str]:
    """ISO weeks whose Thursday falls in [start, end]: consecutive periods share no week
    (a week belongs to the month, quarter or year of its Thursday, as ISO years do)."""
    thursday = start + timedelta(days=(3 - start.weekday()) % 7)
    weeks = []
    while thursday <= end:
        weeks.append(week_of(thursday))
        thursday += timedelta(days=7)
    return weeks


# ---------------------------------------------------------------------- reading events
@dataclass
class Raw:
    """Unmasked sums, inside this module only: nothing outside sees them."""

    count: Counter = field(default_factory=Counter)  # (kind, dimension, key) -> n
    amount: Counter = field(default_factory=Counter)  # same keys, € per year
    days: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    benefits: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    # Cells hidden in the report of some month of the period (see `build`): hidden here too.
    hidden: set[tuple[str, str, str]] = field(default_factory=set)


def _raw(session: Session, weeks: list[str], only: Any = None) -> Raw:
    raw = Raw()
    if not weeks:
        return raw
    sign = func.coalesce(FunnelEvent.delta, 1)
    rows = session.execute(
        select(FunnelEvent.kind, FunnelEvent.week, FunnelEvent.channel, FunnelEvent.moment,
               FunnelEvent.benefit, FunnelEvent.days, FunnelEvent.language, FunnelEvent.sex,
               func.sum(sign),
               func.sum(func.coalesce(FunnelEvent.amount_year, 0) * sign))
        .where(FunnelEvent.week >= weeks[0], FunnelEvent.week <= weeks[-1],
               *([only] if only is not None else []))
        .group_by(FunnelEvent.kind, FunnelEvent.week, FunnelEvent.channel,
                  FunnelEvent.moment, FunnelEvent.benefit, FunnelEvent.days,
                  FunnelEvent.language, FunnelEvent.sex))
    benefits, channels, languages = set(), set(), set()
    for kind, week, channel, moment, benefit, days, language, sex, n, amount in rows:
        n, amount = int(n or 0), int(amount or 0)
        language = language or "fr"
        if sex:
            # Copies written when a person answered the question on sex: counted in the
            # split by sex only, the other tables already count the steps themselves.
            raw.count[(kind, "sex", sex)] += n
            raw.count[(kind, "sex", SEX_TOTAL)] += n
            continue
        for key in (("all", ""), ("week", week), ("moment", moment or ""),
                    ("channel", channel), ("benefit", benefit or ""), ("language", language)):
            raw.count[(kind,) + key] += n
            raw.amount[(kind,) + key] += amount
            if kind == "appointment_moved":
                # A move is not a second appointment: the dialogue counted its new slot.
                raw.count[("appointment_booked",) + key] -= n
        if days is not None:
            raw.days[kind][days] += n
        if benefit:
            benefits.add(benefit)
        channels.add(channel)
        languages.add(language)
    raw.benefits = sorted(benefits)
    raw.languages = [c for c in LANGUAGES if c in languages] + sorted(languages - set(LANGUAGES))
    raw.channels = [c for c in CHANNELS if c in channels] + sorted(channels - set(CHANNELS))
    return raw


# ---------------------------------------------------------------------- masking
@dataclass(frozen=True)
class Cell:
    """One figure as it may be shown: a masked cell has no value at all."""

    value: int | None
    mask: str | None = None  # SMALL or SECRET
    unit: str = ""  # "", "€" or "j"

    @property
    def text(self) -> str:
        """For people: « 12 345 € », « < 5 », « secret »."""
        if self.mask:
            return self.mask
        number = f"{self.value:,}".replace(",", "\u202f")
        return f"{number}\u00a0{self.unit}" if self.unit else number

    @property
    def csv(self) -> str:
        return self.mask or str(self.value)


def count_cell(value: int, forced: bool = False) -> Cell:
    if 0 < value < THRESHOLD:
        return Cell(None, SMALL)
    return Cell(None, SECRET) if forced and value else Cell(value)


def over(people: int, value: int, unit: str) -> Cell:
    """An amount or a median: shown only when it is computed over 5 people or more."""
    return Cell(value, unit=unit) if people >= THRESHOLD or people == 0 else Cell(None, SECRET)


def protect(values: list[int], forced: list[bool] | None = None) -> list[str | None]:
    """Masks for the parts of a breakdown whose total is shown (see the module docstring).

    `forced` cells are hidden whatever their value: a cell some month of the period hides
    (see `build`)."""
    forced = forced or [False] * len(values)
    masks: list[str | None] = [SMALL if 0 < v < THRESHOLD else SECRET if f and v else None
                               for v, f in zip(values, forced)]
    if sum(values) < THRESHOLD:
        return masks  # the total is hidden too: nothing to subtract from
    while _disclosed(values, masks):
        shown = [i for i, m in enumerate(masks) if m is None and values[i] > 0]
        if not shown:
            break
        masks[min(shown, key=lambda i: values[i])] = SECRET
    return masks


def _disclosed(values: list[int], masks: list[str | None]) -> bool:
    """Whether some hidden cell has only one possible value, knowing the total and the
    shown cells, that « < 5 » means 1 to 4 and « secret » 5 or more."""
    hidden = [i for i, m in enumerate(masks) if m]
    if not hidden:
        return False
    total = sum(values[i] for i in hidden)
    low = {i: 1 if masks[i] == SMALL else THRESHOLD for i in hidden}
    high = {i: THRESHOLD - 1 if masks[i] == SMALL else total for i in hidden}
    for i in hidden:
        least = max(low[i], total - sum(high[j] for j in hidden if j != i))
        most = min(high[i], total - sum(low[j] for j in hidden if j != i))
        if least >= most:
            return True
    return False


# ---------------------------------------------------------------------- the report
@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]


@dataclass
class Table:
    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[Row]
    total: Row | None = None
    note: str = ""

    def cell(self, row: str, column: str | None = None) -> Cell:
        """The cell of `row` (``"total"`` for the total) in `column` (default the first)."""
        found = self.total if row == "total" else next(r for r in self.rows if r.key == row)
        index = 0 if column is None else [c for c, _ in self.columns].index(column)
        return found.cells[index]

    def bars(self, column: str) -> list[dict]:
        """A bar chart of one column: masked cells get no bar, so no length gives them away."""
        index = [c for c, _ in self.columns].index(column)
        rows = [r for r in self.rows if r.cells[index].unit != "€"]  # counts only
        shown = [r.cells[index].value or 0 for r in rows if not r.cells[index].mask]
        top = max(shown, default=0) or 1
        return [{"label": r.label, "text": r.cells[index].text,
                 "width": 0 if r.cells[index].mask else round(100 * (r.cells[index].value or 0)
                                                               / top, 1)}
                for r in rows]


@dataclass
class Report:
    start: date
    end: date
    weeks: list[str]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def build(session: Session, *, start: date, end: date, labels: dict[str, str] | None = None,
          only: Any = None) -> Report:
    """Every figure of the period [start, end], masked. `labels` names the benefits; `only`
    keeps the events of one territory (a condition on FunnelEvent.territory_id).

    Overlapping periods: the report of October-November minus the report of October is
    November; if November's report hides a count (1 to 4, or a cell hidden so it cannot be
    worked out), that subtraction must not give it back. So a period of several months
    hides every cell that the report of one of its months hides (and then more, as any
    breakdown does, so the period's own totals do not give them away): whatever is shown
    for a long period is a sum of figures its months show. The console and the command
    line publish whole calendar months only (`whole_months`): an arbitrary period would
    overlap a month without containing it, and the same subtraction would work on days.
    """
    weeks = weeks_in(start, end)
    raw = _raw(session, weeks, only)
    months = months_in(start, end)
    if len(months) > 1:
        for first, last in months:
            raw.hidden |= _hidden_cells(_build(_raw(session, weeks_in(first, last), only),
                                               start=first,
                                               end=last, weeks=weeks_in(first, last),
                                               labels=labels or {}))
    return _build(raw, start=start, end=end, weeks=weeks, labels=labels or {})


def _build(raw: Raw, *, start: date, end: date, weeks: list[str], labels: dict[str, str]
           ) -> Report:
    tables = [
        _funnel(raw),
        _breakdown(raw, "week", "Par semaine", [(w, _week_label(w)) for w in weeks]),
        _breakdown(raw, "moment", "Par moment de vie", list(MOMENTS.items())),
        _breakdown(raw, "channel", "Par canal",
                   [(c, CHANNELS.get(c, c)) for c in raw.channels]),
        _breakdown(raw, "language", "Par langue",
                   [(c, LANGUAGES.get(c, c)) for c in raw.languages]),
        _benefits(raw, labels),
        _by_sex(raw),
        _durations(raw),
        _delivery_failures(raw),
    ]
    return Report(start, end, weeks, tables)


def side_by_side(reports: list[tuple[str, str, Report]]) -> Table:
    """The funnel of several territories, one column each ((key, name, report) each built
    with its own `only`): every cell is the one its territory's own report shows, masked
    there, and no total is added, so the page tells nothing a territory's page does not."""
    funnels = [(key, name, report.table("funnel")) for key, name, report in reports]
    first = funnels[0][2] if funnels else _funnel(Raw())
    rows = [Row(row.key, row.label, [funnel.cell(row.key) for _key, _name, funnel in funnels])
            for row in first.rows]
    return Table("territories", "Du premier message au droit ouvert, par territoire",
                 [(key, name) for key, name, _funnel_table in funnels], rows, note=first.note)


def _hidden_cells(report: Report) -> set[tuple[str, str, str]]:
    """The cells a report masks, as (kind, dimension, key) like `Raw.count`'s keys."""
    hidden = set()
    for table in report.tables:
        for row in table.rows + ([table.total] if table.total else []):
            for (column, _label), cell in zip(table.columns, row.cells):
                if not cell.mask or cell.unit == "€":
                    continue  # amounts follow the people they are summed over
                if table.key == "funnel":
                    hidden.add((row.key, "all", ""))
                elif table.key == "durations":
                    hidden.add(("durations", row.key, column))
                elif table.key == "by_sex":
                    hidden.add((column, "sex", row.key if row.key != "total" else SEX_TOTAL))
                elif row.key == "total":
                    hidden.add((column, "all", ""))
                else:
                    dimension = "benefit" if table.key == "by_benefit" else table.key[3:]
                    hidden.add((column, dimension, row.key))
    return hidden


# ---------------------------------------------------------------------- publishable periods
def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def months_in(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months [start, end] covers, whole or not."""
    months, year, month = [], start.year, start.month
    while date(year, month, 1) <= end:
        months.append(month_bounds(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def whole_months(start: date, end: date) -> bool:
    """Whether [start, end] is one or more whole calendar months: the only periods shown."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1 and start <= end


def parse_month(text: str) -> tuple[date, date]:
    """« 2026-03 » -> (1 March, 31 March); ValueError otherwise."""
    year, month = (int(part) for part in text.split("-"))
    return month_bounds(year, month)


def _week_label(week: str) -> str:
    monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    return f"{week} (lundi {monday:%d/%m})"


def _funnel(raw: Raw) -> Table:
    rows = [Row(kind, label, [count_cell(raw.count[(kind, "all", "")],
                                         (kind, "all", "") in raw.hidden)])
            for kind, label in FUNNEL]
    people = raw.count[("rights_found", "all", "")]
    rows.insert(4, Row(AMOUNT[0], AMOUNT[1],
                       [over(people, raw.amount[("right_found", "all", "")], "€")]))
    return Table("funnel", "Du premier message au droit ouvert", [("value", "Nombre")], rows,
                 note="Montants : estimations de la vérification, pas des versements.")


def _column(raw: Raw, kind: str, dimension: str, keys: list[str]) -> tuple[list[Cell], Cell]:
    values = [raw.count[(kind, dimension, k)] for k in keys]
    masks = protect(values, [(kind, dimension, k) in raw.hidden for k in keys])
    cells = [Cell(None, m) if m else Cell(v) for v, m in zip(values, masks)]
    return cells, count_cell(raw.count[(kind, "all", "")], (kind, "all", "") in raw.hidden)


def _amounts(raw: Raw, kind: str, dimension: str, keys: list[str], people: list[Cell],
             people_total: Cell) -> tuple[list[Cell], Cell]:
    """Amounts follow the masks of the people they are summed over."""
    cells = [Cell(None, SECRET) if p.mask else Cell(raw.amount[(kind, dimension, k)], unit="€")
             for k, p in zip(keys, people)]
    total = (Cell(None, SECRET) if people_total.mask
             else Cell(raw.amount[(kind, "all", "")], unit="€"))
    return cells, total


def _assemble(key: str, title: str, rows: list[tuple[str, str]],
              columns: list[tuple[str, str]], built: list[tuple[list[Cell], Cell]],
              note: str = "") -> Table:
    body = [Row(k, label, [cells[i] for cells, _ in built]) for i, (k, label) in enumerate(rows)]
    total = Row("total", "Total", [t for _, t in built])
    return Table(key, title, columns, body, total, note)


def _breakdown(raw: Raw, dimension: str, title: str, rows: list[tuple[str, str]]) -> Table:
    keys = [k for k, _ in rows]
    built = {kind: _column(raw, kind, dimension, keys) for kind, _ in FUNNEL}
    people, people_total = built["rights_found"]
    amount = _amounts(raw, "right_found", dimension, keys, people, people_total)
    columns = list(FUNNEL) + [(AMOUNT[0], "Montant estimé (€/an)")]
    note = ("Premiers contacts et consentements : le moment de vie n'est souvent pas encore "
            "choisi." if dimension == "moment" else "")
    return _assemble(f"by_{dimension}", title, rows, columns,
                     [built[k] for k, _ in FUNNEL] + [amount], note)


def _benefits(raw: Raw, labels: dict[str, str]) -> Table:
    rows = [(b, labels.get(b, b)) for b in raw.benefits]
    keys = [k for k, _ in rows]
    found = _column(raw, "right_found", "benefit", keys)
    built = [found, _amounts(raw, "right_found", "benefit", keys, *found)]
    built += [_column(raw, kind, "benefit", keys) for kind, _ in BENEFIT_COLUMNS[2:]]
    return _assemble("by_benefit", "Par aide", rows, BENEFIT_COLUMNS, built,
                     note="Un droit trouvé par aide et par vérification.")


def _by_sex(raw: Raw) -> Table:
    """The funnel of those who answered the optional question on sex, split by the answer.

    Its total is theirs (not everyone's), masked like any other breakdown."""
    keys = list(SEXES)
    built = []
    for kind in SEX_STEPS:
        values = [raw.count[(kind, "sex", k)] for k in keys]
        masks = protect(values, [(kind, "sex", k) in raw.hidden for k in keys])
        cells = [Cell(None, m) if m else Cell(v) for v, m in zip(values, masks)]
        built.append((cells, count_cell(raw.count[(kind, "sex", SEX_TOTAL)],
                                        (kind, "sex", SEX_TOTAL) in raw.hidden)))
    labels = dict(FUNNEL)
    return _assemble("by_sex", "Par sexe (réponse facultative)", list(SEXES.items()),
                     [(k, labels[k]) for k in SEX_STEPS], built,
                     note="Personnes ayant répondu à la question facultative posée après le "
                          "résultat, et les étapes atteintes à ce moment-là ; la réponse "
                          "n'est gardée que dans ces comptes.")


def _delivery_failures(raw: Raw) -> Table:
    """Messages to residents that did not arrive, by the channel they were sent on."""
    rows = [(c, CHANNELS.get(c, c)) for c in raw.channels]
    built = [_column(raw, "delivery_failed", "channel", [k for k, _ in rows])]
    return _assemble("delivery_failures", "Messages non distribués, par canal", rows,
                     [("delivery_failed", "Messages non distribués")], built,
                     note="Rappels, réponses et réponses du bot refusés par l'opérateur, non "
                          "distribués, ou hors de la fenêtre WhatsApp sans modèle.")


def _durations(raw: Raw) -> Table:
    columns = [("n", "Personnes"), ("median", "Médiane (jours)")] + [
        (f"d{low}", label) for low, _high, label in BUCKETS]
    rows = []
    for kind, label in DURATIONS:
        days = sorted(d for d, n in raw.days[kind].items() for _ in range(max(n, 0)))
        n = len(days)
        median = round(statistics.median(days)) if days else 0
        buckets = [sum(1 for d in days if d >= low and (high is None or d <= high))
                   for low, high, _ in BUCKETS]
        masks = protect(buckets, [("durations", kind, f"d{low}") in raw.hidden
                                  for low, _high, _label in BUCKETS])
        n_cell = count_cell(n, ("durations", kind, "n") in raw.hidden)
        median_cell = Cell(None, SECRET) if n_cell.mask else over(n, median, "j")
        rows.append(Row(kind, label, [n_cell, median_cell] + [
            Cell(None, m) if m else Cell(v) for v, m in zip(buckets, masks)]))
    return Table("durations", "Délais", columns, rows,
                 note="Jours comptés au moment où l'étape est enregistrée, ce qui survit à "
                      "l'effacement des personnes.")


# ---------------------------------------------------------------------- output
CSV_HEADER = ["du", "au", "tableau", "ligne", "ligne_libelle", "colonne", "colonne_libelle",
              "valeur"]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one starting a formula gets a leading quote.

    Benefit ids in outcomes are free text, and a spreadsheet runs « =HYPERLINK(...) » or
    « @SUM(...) » on opening (OWASP CSV injection). Plain numbers are left as numbers.
    """
    if cell.startswith(FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def to_csv(report: Report) -> str:
    """One figure per line (semicolons, UTF-8): no name, number, text or age, only counts."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_safe(value) for value in CSV_HEADER])
    for table in report.tables:
        for row in table.rows + ([table.total] if table.total else []):
            for (column, column_label), cell in zip(table.columns, row.cells):
                writer.writerow([_safe(value) for value in (
                    report.start.isoformat(), report.end.isoformat(), table.key, row.key,
                    row.label, column, column_label, cell.csv)])
    return out.getvalue()


def _short(table: str, row: Row) -> str:
    if row.key == "total":
        return "Total"
    if table == "by_week":
        return row.key[5:]  # « W07 »: the year is in the period line
    return row.key or "non choisi"


def to_text(report: Report) -> str:
    """The same figures for a terminal, table by table."""
    lines = [f"Indicateurs du {report.start:%d/%m/%Y} au {report.end:%d/%m/%Y} "
             f"({len(report.weeks)} semaines). « {SMALL} » : moins de 5 ; « {SECRET} » : "
             "masqué pour ne pas permettre de retrouver une petite valeur.", ""]
    for table in report.tables:
        lines.append(table.title)
        lines.append("=" * len(table.title))
        body = table.rows + ([table.total] if table.total else [])
        if table.key == "funnel":
            width = max(len(r.label) for r in body)
            lines += [f"{r.label:<{width}}  {r.cells[0].text:>14}" for r in body]
        elif table.key in ("by_week", "by_moment", "by_channel", "by_language", "by_sex"):
            # Turned on its side for a terminal: one line per figure, one column per week.
            header = ["", *[_short(table.key, r) for r in body]]
            grid = [header] + [[label, *[r.cells[i].text for r in body]]
                               for i, (_, label) in enumerate(table.columns)]
        else:
            header = ["", *[label for _, label in table.columns]]
            grid = [header] + [[r.label, *[c.text for c in r.cells]] for r in body]
        if table.key != "funnel":
            widths = [max(len(line[i]) for line in grid) for i in range(len(header))]
            for line in grid:
                lines.append("  ".join([line[0].ljust(widths[0])] + [
                    cell.rjust(widths[i]) for i, cell in enumerate(line) if i]).rstrip())
        if table.note:
            lines.append(table.note)
        lines.append("")
    return "\n".join(lines)
