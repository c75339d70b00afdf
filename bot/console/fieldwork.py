"""The ambassadors' field page (« aller vers »): a check started with a resident met in the
street, on a phone-sized page.

    GET  /console/terrain                    start a check; the checks started today
    POST /console/terrain                    the resident's mobile number and the place
    GET  /console/terrain/{id}               the check: consent, then each question
    POST /console/terrain/{id}/accord        the notice was read aloud (instead of the SMS)
    POST /console/terrain/{id}/reponse       the resident's answer, typed by the ambassador
    POST /console/terrain/{id}/fin           the ambassador leaves; the resident goes on by SMS

Each check is a conversation of its own, never one that existed (bot/fieldwork.py): each
answer is a turn of the real dialogue (bot/dialogue); once the resident's consent shows they
are there, it is their SMS conversation and what follows on their phone goes on in it. The
questions stay on this page; the result and a booked slot go to the resident by SMS through
the outbox. Consent: the resident answers OUI to a
one-time SMS, or the ambassador ticks that the notice was read aloud (handoff/fieldwork.py
records which, when and by whom). The number is never kept before consent: the SMS path
keeps only the address key; the read-aloud path runs in the request that has the number.

« ambassadeur » (or admin) role only; every POST carries the session's CSRF token.
Nothing here reads the request's DbSession: the dialogue's turns commit in their own
transactions, and a request transaction held open meanwhile would block them on SQLite.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from bot import fieldwork as field
from bot import messages, outbox
from bot.console import field_view
from bot.console.deps import (
    COOKIE,
    AllTerritories,
    EarlyAnswer,
    Referent,
    audit,
    login_redirect,
    referent_of,
)
from bot.console.pages import back, refused, render, role_refusal
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import Reply
from common.security import same_secret
from handoff import fieldwork
from handoff.accounts import find_session
from handoff.booking import TooManyBookings
from handoff.campaigns import normalise_mobile
from handoff.contacts import contact_key
from storage.ambassadors import FieldCheck
from storage.models import ChannelAddress, Conversation, Message
from storage.types import utcnow

router = APIRouter(prefix="/console")
ERRORS = {
    "number": "Ce n'est pas un numéro de mobile français (06 ou 07).",
    "place": "Indiquez le lieu (par exemple : marché du Neudorf).",
    "stop": ("Ce numéro a demandé à ne plus recevoir de SMS (STOP). La personne peut écrire "
             "START au numéro de Passerelle pour reprendre."),
    "not_read": "Cochez la case si vous avez lu la notice et que la personne est d'accord.",
    "other_number": "Ce n'est pas le numéro de cette vérification.",
    "empty": "Écrivez la réponse de la personne, ou touchez un choix.",
    "bookings": "Cette personne a déjà trop de rendez-vous : appelez le service.",
    "sms_limit": ("Trop de SMS d'accord envoyés à ce numéro, ou depuis votre compte : lisez "
                  "la notice à voix haute, ou réessayez plus tard."),
    "closed": "Cette vérification est terminée : la personne continue par SMS si elle le souhaite.",
}
NOTICES = {"sms": "SMS envoyé : la personne répond OUI pour accepter.",
           "consent": "Accord enregistré.", "finished": "Vérification terminée. La personne "
           "continue par SMS si elle le souhaite."}
MAX_ANSWER = 300
CHOICE = re.compile(r"^(\d{1,2})\. (.+)$")


def field_account(request: Request, territories: AllTerritories) -> Referent:
    """The logged-in ambassador (or admin), read and committed before the handler runs."""
    with request.app.state.db.session() as session:
        row = find_session(session, request.cookies.get(COOKIE))
        who = referent_of(row, territories) if row is not None else None
    if who is None:
        raise EarlyAnswer(login_redirect(request))
    if not who.works_in_the_field:
        raise EarlyAnswer(role_refusal(request, who, "field"))
    return who


Ambassador = Annotated[Referent, Depends(field_account)]


def checked_ambassador(request: Request, who: Ambassador, csrf: str = Form("")) -> Referent:
    if not same_secret(csrf, who.csrf):
        raise EarlyAnswer(refused(request, who))
    return who


CheckedAmbassador = Annotated[Referent, Depends(checked_ambassador)]


def _timezone(request: Request, who: Referent):
    """The ambassador's territory's clock (the first territory's for an account without)."""
    return (who.territory or request.app.state.territory).timezone


def _core(request: Request) -> DialogueCore:
    return request.app.state.core


def _own(request: Request, who: Referent, check_id: int) -> FieldCheck:
    """The check, detached, if it is this ambassador's (an admin sees every one)."""
    with request.app.state.db.session() as session:
        check = session.get(FieldCheck, check_id)
        if check is None or (check.ambassador != who.login and not who.has_role("admin")):
            raise EarlyAnswer(render(request, "not_found.html", status=404, me=who))
        fieldwork.evaluate(session, [check])
        session.flush()
        session.expunge(check)
    return check


# ---------------------------------------------------------------------- turns
def _consent_read_aloud(core: DialogueCore, check_id: int, phone: str, who: Referent) -> None:
    """The ambassador read the notice and the resident said yes: the dialogue's own consent
    step records it, as if the resident had answered OUI (the check was adopted first,
    bot/fieldwork.py)."""
    field.on_behalf(core, check_id, "oui", phone=phone)
    with core.db.session() as session:
        check = session.get(FieldCheck, check_id)
        if check.consent_method is None:
            check.consent_method = "read_aloud"
            check.consent_at = core.clock()
            check.consent_by = who.login
            audit(session, who, "field_read_aloud", handoff_id=None,
                  conversation_id=check.conversation_id)


# ---------------------------------------------------------------------- pages
@router.get("/terrain", response_class=HTMLResponse)
def field_page(request: Request, who: Ambassador, ok: str = "", error: str = ""):
    core = _core(request)
    today = core.clock().astimezone(_timezone(request, who)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    with core.db.session() as session:
        checks = session.scalars(select(FieldCheck).where(
            FieldCheck.ambassador == who.login, FieldCheck.started_at >= today)
            .order_by(FieldCheck.id.desc())).all()
        fieldwork.evaluate(session, list(checks))
        rows = [{"id": c.id, "place": c.place, "at": c.started_at, "completed": c.completed,
                 "appointment": c.appointment, "consent": c.consent_method} for c in checks]
        places = sorted(set(session.scalars(select(FieldCheck.place).where(
            FieldCheck.ambassador == who.login).order_by(FieldCheck.id.desc()).limit(50))))
    return render(request, "field.html", me=who, active="field", checks=rows, places=places,
                  notice_text=_notice(core), notice=NOTICES.get(ok), error=ERRORS.get(error),
                  tz=_timezone(request, who))


def _notice(core: DialogueCore) -> str:
    """The consent notice every resident gets, read aloud by the ambassador."""
    return " ".join([messages.text("greeting"), messages.text(
        "privacy", months=core.services.retention_months)])


@router.post("/terrain")
def start(request: Request, who: CheckedAmbassador, numero: str = Form(""),
          lieu: str = Form(""), lu: str = Form("")):
    core = _core(request)
    phone = normalise_mobile(numero)
    place = fieldwork.normalise_place(lieu)
    if phone is None:
        return back("/console/terrain", error="number")
    if not place:
        return back("/console/terrain", error="place")
    with core.db.session() as session:
        address = session.scalars(select(ChannelAddress).where(
            ChannelAddress.key == core.address_key("sms", phone))).first()
        if address is not None and address.opted_out:
            return back("/console/terrain", error="stop")
    # Each Start sends an SMS unless the notice is read aloud for a number that never
    # wrote: limited per number and per account before anything is created.
    hashed = contact_key(core.services.secret_key, "sms", phone)
    sends_sms = not (lu and address is None)
    if sends_sms and not request.app.state.limits.field_consent_sms(hashed, who.login):
        return back("/console/terrain", error="sms_limit")
    with core.db.session() as session:
        check = FieldCheck(ambassador=who.login, place=place, started_at=core.clock())
        session.add(check)
        session.flush()
        check_id = check.id
    # Always a conversation of its own, consent asked afresh (bot/fieldwork.py): a number
    # typed here proves nobody's presence, so no earlier conversation is ever reused.
    conversation_id = field.begin(core, check_id, phone)
    adopted = bool(lu) and field.adopt_read_aloud(core, check_id, phone)
    with core.db.session() as session:
        audit(session, who, "field_start", handoff_id=None, conversation_id=conversation_id)
        if not adopted:
            audit(session, who, "field_consent_sms", handoff_id=None,
                  conversation_id=conversation_id)
            outbox.enqueue(session, channel="sms", recipient=phone,
                           address_key=core.address_key("sms", phone),
                           replies=[Reply(messages.text(
                               "field_consent_sms", months=core.services.retention_months))])
    if adopted:
        _consent_read_aloud(core, check_id, phone, who)
        return back(f"/console/terrain/{check_id}", ok="consent")
    request.app.state.channels.wake()
    return back(f"/console/terrain/{check_id}", ok="sms")


@router.get("/terrain/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, who: Ambassador, check_id: int, ok: str = "",
               error: str = ""):
    core = _core(request)
    check = _own(request, who, check_id)
    turn: list[dict] = []
    rights: list[dict] = []
    answers: dict = {}
    consented = False
    with core.db.session() as session:
        conversation = (session.get(Conversation, check.conversation_id)
                        if check.conversation_id else None)
        if conversation is not None:
            consented = conversation.consented
            if field.is_open(check, core.clock()):
                turn, rights, answers = field_view.page_turn(
                    session, conversation.id, check.started_at,
                    _last_turn(session, conversation.id, check.started_at))
            audit(session, who, "field_view", handoff_id=None, conversation_id=conversation.id)
    return render(request, "field_check.html", me=who, active="field", check=check,
                  consented=consented, erased=conversation is None, turn=turn, rights=rights,
                  answers=answers,
                  notice_text=_notice(core), notice=NOTICES.get(ok), error=ERRORS.get(error))


def _last_turn(session, conversation_id: int, since) -> list[dict]:
    """What the bot said since the last message in (typed here or sent by SMS), never
    before the check started."""
    rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                 Message.created_at >= since)
                           .order_by(Message.id.desc()).limit(20)).all()
    said = []
    for row in rows:
        if row.direction == "in":
            break
        said.append(row.text)
    turn = []
    for text in reversed(said):
        lines = text.split("\n")
        choices = [CHOICE.match(line) for line in lines]
        body = [line for line, c in zip(lines, choices) if c is None]
        turn.append({"text": "\n".join(body),
                     "choices": [(c.group(1), c.group(2)) for c in choices if c]})
    return turn


@router.post("/terrain/{check_id}/accord")
def read_aloud(request: Request, who: CheckedAmbassador, check_id: int,
               numero: str = Form(""), lu: str = Form("")):
    core = _core(request)
    check = _own(request, who, check_id)
    path = f"/console/terrain/{check_id}"
    if not lu:
        return back(path, error="not_read")
    phone = normalise_mobile(numero)
    hashed = contact_key(core.services.secret_key, "sms", phone) if phone else None
    with core.db.session() as session:
        conversation = session.get(Conversation, check.conversation_id or 0)
        if hashed is None or conversation is None or not field.is_open(check, core.clock()) or (
                hashed not in {a.contact_key for a in conversation.person.addresses}):
            return back(path, error="other_number")
        if conversation.consented:  # the OUI by SMS came first: it stays the consent
            fieldwork.note_consent(session, session.get(FieldCheck, check_id))
            return back(path, ok="consent")
    if not field.adopt_read_aloud(core, check_id, phone):
        return back(path, ok="sms")  # a number that wrote before: only its own OUI
    _consent_read_aloud(core, check_id, phone, who)
    return back(path, ok="consent")


@router.post("/terrain/{check_id}/reponse")
def answer(request: Request, who: CheckedAmbassador, check_id: int, texte: str = Form("")):
    core = _core(request)
    check = _own(request, who, check_id)
    path = f"/console/terrain/{check_id}#question"
    texte = texte.strip()[:MAX_ANSWER]
    if not texte:
        return back(path, error="empty")
    if not field.is_open(check, core.clock()):
        return back(path, error="closed")
    with core.db.session() as session:
        if check.conversation_id is not None:
            audit(session, who, "field_answer", handoff_id=None,
                  conversation_id=check.conversation_id)
    try:
        # None: no consent yet, or erased: nothing to answer for.
        field.on_behalf(core, check_id, texte)
    except TooManyBookings:
        return back(path, error="bookings")
    request.app.state.channels.wake()
    return back(path)


@router.post("/terrain/{check_id}/fin")
def finish(request: Request, who: CheckedAmbassador, check_id: int):
    core = _core(request)
    _own(request, who, check_id)
    with core.db.session() as session:
        check = session.get(FieldCheck, check_id)
        check.finished_at = check.finished_at or utcnow()
    return back("/console/terrain", ok="finished")
