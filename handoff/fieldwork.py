"""The ambassadors' field mode: who started which check where, how the resident consented,
and the figures by ambassador and by place.

The check itself is the resident's own SMS conversation, driven from the console by the
ambassador (bot/console/fieldwork.py) through the real dialogue. This module keeps the
record beside it (storage.ambassadors.FieldCheck) and reads what happened in the
conversation into flags set once and never unset, so erasing the resident does not move
the figures. Figures leave only masked, as the take-up indicators (handoff/indicators.py):
1 to 4 is « < 5 », and what would give a hidden cell away is hidden too; a period of
several months hides whatever one of its months hides.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.indicators import Cell, Row, Table, count_cell, months_in, protect
from storage.accounts import ReferentAccount
from storage.ambassadors import FieldCheck
from storage.handoff import Appointment, Handoff
from storage.models import Consent, Conversation, EligibilityResult

PARIS = ZoneInfo("Europe/Paris")
RESIDENT_BY_SMS = "la personne, par SMS"
COLUMNS = [("started", "Vérifications commencées"), ("completed", "Vérifications terminées"),
           ("rights_found", "Avec au moins un droit trouvé"), ("appointment", "Rendez-vous pris")]
MAX_PLACE = 80


def normalise_place(text: str) -> str:
    """« marché  du Neudorf » and « Marché du Neudorf » are one place in the figures."""
    place = re.sub(r"\s+", " ", text or "").strip()[:MAX_PLACE]
    return place[:1].upper() + place[1:]


def note_consent(session: Session, check: FieldCheck) -> None:
    """Records a consent the resident gave by SMS (answering OUI to the one-time message)."""
    if check.consent_method or check.conversation_id is None:
        return
    conversation = session.get(Conversation, check.conversation_id)
    if conversation is None or not conversation.consented:
        return
    given = session.scalars(select(Consent.given_at).where(
        Consent.person_id == conversation.person_id).order_by(Consent.id.desc())).first()
    if given is not None and given.tzinfo is None:  # SQLite gives back naive UTC
        given = given.replace(tzinfo=UTC)
    check.consent_method = "sms"
    check.consent_at = given
    check.consent_by = RESIDENT_BY_SMS


def evaluate(session: Session, checks: list[FieldCheck] | None = None) -> int:
    """Sets the flags from the conversation since the check started: a result, a right
    found, an appointment (booked then, or later by SMS). Returns the flags set."""
    if checks is None:
        checks = list(session.scalars(select(FieldCheck).where(
            FieldCheck.conversation_id.is_not(None))))
    changed = 0
    for check in checks:
        if check.conversation_id is None:
            continue
        note_consent(session, check)
        results = session.scalars(select(EligibilityResult).where(
            EligibilityResult.conversation_id == check.conversation_id,
            EligibilityResult.computed_at >= check.started_at)).all()
        booked = session.scalars(select(Appointment.id).join(Handoff).where(
            Handoff.conversation_id == check.conversation_id,
            Appointment.created_at >= check.started_at)).first()
        found = {"completed": bool(results),
                 "rights_found": any(b.get("eligible") for r in results for b in r.benefits or []),
                 "appointment": booked is not None}
        for flag, value in found.items():
            if value and not getattr(check, flag):
                setattr(check, flag, True)
                changed += 1
    return changed


# ---------------------------------------------------------------------- figures
def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    first = datetime.combine(start, time(0), PARIS).astimezone(UTC)
    last = datetime.combine(end + timedelta(days=1), time(0), PARIS).astimezone(UTC)
    return first, last


def _counts(session: Session, start: date, end: date, only: Any = None) -> dict[str, Counter]:
    """Per dimension (ambassador, place), (column, key) -> count, plus the totals."""
    first, last = _bounds(start, end)
    query = select(FieldCheck).where(FieldCheck.started_at >= first, FieldCheck.started_at < last)
    checks = session.scalars(query if only is None else query.where(only)).all()
    counts = {"ambassador": Counter(), "place": Counter(), "all": Counter()}
    for check in checks:
        keys = {"ambassador": check.ambassador, "place": check.place.casefold(), "all": ""}
        for column, _label in COLUMNS:
            if column == "started" or getattr(check, column):
                for dimension, key in keys.items():
                    counts[dimension][(column, key)] += 1
    return counts


def _labels(session: Session, start: date, end: date, only: Any = None) -> dict[str, str]:
    """A place's label as first written (places are grouped without regard to case)."""
    first, last = _bounds(start, end)
    labels: dict[str, str] = {}
    query = select(FieldCheck.place).where(FieldCheck.started_at >= first,
                                           FieldCheck.started_at < last)
    if only is not None:
        query = query.where(only)
    for place in session.scalars(query.order_by(FieldCheck.id)):
        labels.setdefault(place.casefold(), place)
    return labels


def _tables(counts: dict[str, Counter], labels: dict[str, str],
            hidden: set[tuple[str, str, str]]) -> list[Table]:
    tables = []
    for dimension, title in (("ambassador", "Vérifications sur le terrain, par ambassadeur"),
                             ("place", "Vérifications sur le terrain, par lieu")):
        keys = sorted({key for _column, key in counts[dimension]})
        columns = []
        totals = []
        for column, _label in COLUMNS:
            values = [counts[dimension][(column, key)] for key in keys]
            masks = protect(values, [(column, dimension, k) in hidden for k in keys])
            columns.append([Cell(None, m) if m else Cell(v) for v, m in zip(values, masks)])
            totals.append(count_cell(counts["all"][(column, "")], (column, "all", "") in hidden))
        rows = [Row(key, labels.get(key, key) if dimension == "place" else key,
                    [cells[i] for cells in columns]) for i, key in enumerate(keys)]
        tables.append(Table(f"field_{dimension}", title, list(COLUMNS), rows,
                            Row("total", "Total", totals),
                            note="Vérifications commencées avec un·e ambassadeur·rice des "
                                 "droits ; la suite par SMS compte aussi."))
    return tables


def _hidden(tables: list[Table]) -> set[tuple[str, str, str]]:
    hidden = set()
    for table in tables:
        dimension = table.key.removeprefix("field_")
        for row in table.rows + [table.total]:
            for (column, _label), cell in zip(table.columns, row.cells):
                if cell.mask:
                    hidden.add((column, "all", "") if row.key == "total"
                               else (column, dimension, row.key))
    return hidden


def tables(session: Session, *, start: date, end: date, only: Any = None) -> list[Table]:
    """The field figures of [start, end] (whole months), masked; `only`: a condition on the
    field checks (e.g. `of_territory`)."""
    evaluate(session)
    hidden: set[tuple[str, str, str]] = set()
    months = months_in(start, end)
    if len(months) > 1:
        for first, last in months:
            hidden |= _hidden(_tables(_counts(session, first, last, only), {}, set()))
    return _tables(_counts(session, start, end, only), _labels(session, start, end, only),
                   hidden)


def of_territory(condition: Any) -> Any:
    """The field checks of the ambassadors whose accounts meet `condition` (a condition on
    the account's territory, `Territories.where(ReferentAccount.territory_id, id)`)."""
    return FieldCheck.ambassador.in_(select(ReferentAccount.login).where(condition))
