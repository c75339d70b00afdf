"""The project team's campaigns (« aller vers »): import a partner's households, write and
preview the invitation, schedule it, follow deliveries and the invited/control figures.

    GET  /console/campagnes                     the campaigns, and the import form
    POST /console/campagnes                     import a CSV (one transaction, or nothing)
    GET  /console/campagnes/{id}                one campaign: message, schedule, deliveries,
                                                figures
    POST /console/campagnes/{id}/message        save the invitation and the reminder
    POST /console/campagnes/{id}/programmer     schedule the sending
    POST /console/campagnes/{id}/supprimer      delete a draft never scheduled
    GET  /console/campagnes/{id}/audit.csv      the officer's audit: every household, its
                                                group, what the outbox sent it

« projet » or « admin » role only; every POST carries the session's CSRF token. Numbers are
never shown in clear on a page: the rejected lines show their last two digits. Only the
audit export, for the officer who imported the list (or an admin), has them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bot import campaigns as sending
from bot import messages
from bot.console.deps import (
    DbSession,
    EarlyAnswer,
    Referent,
    Territory,
    in_territory,
    same_secret,
)
from bot.console.deps import audit as write_audit
from bot.console.indicators import ProjectMember
from bot.console.pages import back, harden, refused, render
from bot.dialogue.types import Reply
from bot.render import gsm7_length, needs_ucs2, ucs2_length
from bot.render import render as render_replies
from handoff import campaigns
from storage.campaigns import Campaign

MAX_FILE = 2 * 1024 * 1024
MAX_TEXT = 640  # four SMS parts at most
NOTICES = {"message": "Message enregistré.", "scheduled": "Envoi programmé.",
           "unscheduled": "Envoi suspendu.", "deleted": "Brouillon supprimé."}
NOT_EDITABLE = ("Le message ne peut plus changer : des invitations sont parties, et tous les "
                "foyers invités doivent recevoir le même.")
router = APIRouter(prefix="/console")


def checked_member(request: Request, who: ProjectMember, csrf: str = Form("")) -> Referent:
    if not same_secret(csrf, who.csrf):
        raise EarlyAnswer(refused(request, who))
    return who


CheckedMember = Annotated[Referent, Depends(checked_member)]


def campaign_or_404(request: Request, campaign_id: int, session: DbSession,
                    who: ProjectMember, territory: Territory) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not in_territory(request, campaign.territory_id, territory):
        raise EarlyAnswer(render(request, "not_found.html", status=404, me=who))
    return campaign


CampaignOr404 = Annotated[Campaign, Depends(campaign_or_404)]


def default_invitation(territory, partner: str | None) -> str:
    """The first draft of the invitation, naming the partner as the officer wrote it; the
    file's `source` column is an internal label (« impayés de loyer … ») and never goes
    into a message."""
    why = (messages.text("campaign_why", source=partner) if partner
           else messages.text("campaign_why_default"))
    return messages.text("campaign_invitation", territory=territory.name, why=why)


def _list(request: Request, who: Referent, session, status: int = 200, **context):
    territories = request.app.state.territories
    rows = session.scalars(select(Campaign).where(
        territories.where(Campaign.territory_id, who.territory.id))
        .order_by(Campaign.id.desc())).all()
    now = request.app.state.core.clock()
    states = {c.id: campaigns.state(c, who.territory, now) for c in rows}
    return render(request, "campaigns.html", status=status, me=who, active="campaigns",
                  campaigns=rows, states=states, columns=campaigns.ACCEPTED_COLUMNS,
                  moments=campaigns.ACCEPTED_MOMENTS, **context)


@router.get("/campagnes", response_class=HTMLResponse)
def campaigns_page(request: Request, who: ProjectMember, session: DbSession,
                   _territory: Territory, ok: str = ""):
    return _list(request, who, session, notice=NOTICES.get(ok))


@router.post("/campagnes", response_class=HTMLResponse)
def import_campaign(request: Request, who: CheckedMember, session: DbSession,
                    territory: Territory, name: str = Form(""), control: int = Form(20),
                    partner: str = Form(""), file: UploadFile = File(...)):
    data = file.file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        return _list(request, who, session, error="Fichier trop gros (2 Mo au plus).",
                     status=422)
    core = request.app.state.core
    now = core.clock()
    result = campaigns.import_households(session, name=name, data=data,
                                         key_of=core.address_key, control_percent=control,
                                         created_by=who.login, now=now)
    if result.campaign is None:
        session.rollback()  # nothing half-imported
        return _list(request, who, session, error=result.error, rejected=result.rejected,
                     status=422)
    campaign = result.campaign
    campaign.territory_id = territory.id  # its hours, its name in the message, its team
    campaign.invitation = default_invitation(territory, " ".join(partner.split())[:80] or None)
    campaign.reminder = messages.text("campaign_reminder")
    write_audit(session, who, "campaign_import", handoff_id=None, conversation_id=None)
    return _campaign(request, who, session, campaign, territory, imported=result)


def _campaign(request: Request, who: Referent, session, campaign: Campaign, territory,
              status: int = 200, **context):
    officer = owns(who, campaign)
    counts = {"invited": 0, "control": 0, "sent": 0, "reminded": 0, "failed": 0,
              "stopped": 0, "replied": 0}
    for h in campaign.households:
        counts[h.grp] += 1
        counts["sent"] += h.invited_at is not None
        counts["reminded"] += h.reminded_at is not None
        counts["failed"] += h.failed_at is not None
        counts["stopped"] += h.opted_out_at is not None
        counts["replied"] += campaigns.has_replied(h) and h.grp == "invited"
    # The officer who imported the list holds every number anyway: on the campaign's own
    # page they see exact counts; masking stays for everyone else and on every export.
    masked = counts if officer else {k: (campaigns.SMALL if 0 < v < campaigns.THRESHOLD and k not in (
        "invited", "control", "sent", "reminded", "failed") else v) for k, v in counts.items()}
    invitation = context.pop("invitation", campaign.invitation)
    reminder = context.pop("reminder", campaign.reminder)
    local_after = (campaign.send_after.astimezone(territory.timezone)
                   if campaign.send_after else None)
    delivery = sending.delivery(session, campaign.id)
    now = request.app.state.core.clock()
    audit = campaigns.audit(session, campaign) if officer else None
    return render(request, "campaign.html", status=status, me=who, active="campaigns",
                  campaign=campaign, counts=masked, invitation=invitation, reminder=reminder,
                  preview=sms_preview(invitation), reminder_preview=sms_preview(reminder),
                  problems=campaigns.invitation_problems(invitation),
                  delivery=delivery, parts={k: sum(v.values()) for k, v in delivery.items()},
                  statuses=sending.DELIVERY_STATUSES, local_after=local_after,
                  state=campaigns.state(campaign, territory, now), officer=officer,
                  audit=audit, deletable=campaigns.deletable(campaign),
                  not_editable=NOT_EDITABLE,
                  report=campaigns.evaluation(campaign, masked=not officer), **context)


def owns(who: Referent, campaign: Campaign) -> bool:
    """The officer who imported the campaign's list (or an admin of its territory)."""
    return campaign.created_by == who.login or who.has_role("admin")


@dataclass(frozen=True)
class Preview:
    text: str  # what the phone shows
    segments: int  # the SMS the carrier bills (and the phone counts)


def sms_preview(text: str) -> Preview:
    """The invitation exactly as it arrives: folded to the SMS alphabet and cut by the
    outbox's own renderer, then joined into one concatenated message by the worker
    (bot/worker.py `_joined`, a line break between parts); billed per segment of 153 GSM-7
    septets (67 UCS-2 units) once longer than one SMS."""
    if not text.strip():
        return Preview("", 0)
    joined = "\n".join(part.body for part in render_replies("sms", [Reply(text)]))
    if needs_ucs2(joined):
        size, single, each = ucs2_length(joined), 70, 67
    else:
        size, single, each = gsm7_length(joined), 160, 153
    return Preview(joined, 1 if size <= single else math.ceil(size / each))


@router.get("/campagnes/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, who: ProjectMember, campaign: CampaignOr404,
                  session: DbSession, territory: Territory, ok: str = ""):
    campaigns.evaluate(session, now=request.app.state.core.clock())
    return _campaign(request, who, session, campaign, territory, notice=NOTICES.get(ok))


@router.post("/campagnes/{campaign_id}/message", response_class=HTMLResponse)
def save_message(request: Request, who: CheckedMember, campaign: CampaignOr404,
                 session: DbSession, territory: Territory, invitation: str = Form(""),
                 reminder: str = Form(""), action: str = Form("save")):
    invitation = invitation.replace("\r\n", "\n").strip()[:MAX_TEXT]
    reminder = reminder.replace("\r\n", "\n").strip()[:MAX_TEXT]
    problems = campaigns.invitation_problems(invitation)
    reminder_problems = campaigns.invitation_problems(reminder) if reminder else []
    if action == "preview" or problems or reminder_problems:
        error = ("Le message n'est pas enregistré : " + " ".join(problems + reminder_problems)
                 if problems or reminder_problems else None)
        return _campaign(request, who, session, campaign, territory,
                         status=422 if error else 200, error=error,
                         invitation=invitation, reminder=reminder)
    if not campaigns.state(campaign, territory, request.app.state.core.clock()).editable:
        return _campaign(request, who, session, campaign, territory, status=409,
                         error=NOT_EDITABLE)
    if campaign.status != "draft":
        return _campaign(request, who, session, campaign, territory, status=409,
                         error="Suspendez l'envoi avant de changer le message.")
    campaign.invitation, campaign.reminder = invitation, reminder
    write_audit(session, who, "campaign_message", handoff_id=None, conversation_id=None)
    return back(f"/console/campagnes/{campaign.id}", ok="message")


@router.post("/campagnes/{campaign_id}/programmer", response_class=HTMLResponse)
def schedule(request: Request, who: CheckedMember, campaign: CampaignOr404,
             session: DbSession, territory: Territory, start: str = Form(""),
             per_hour: int = Form(200), action: str = Form("schedule")):
    if action == "suspend":
        if campaign.status == "scheduled":
            campaign.status = "draft"
            write_audit(session, who, "campaign_suspend", handoff_id=None, conversation_id=None)
        return back(f"/console/campagnes/{campaign.id}", ok="unscheduled")
    current = campaigns.state(campaign, territory, request.app.state.core.clock())
    if current.key not in ("draft", "suspended", "scheduled"):
        return _campaign(request, who, session, campaign, territory, status=409,
                         error="Les invitations sont déjà parties : rien à programmer.")
    try:
        local = datetime.fromisoformat(start).replace(tzinfo=territory.timezone)
    except ValueError:
        return _campaign(request, who, session, campaign, territory, status=422,
                         error="Date et heure de début incorrectes.")
    if campaigns.invitation_problems(campaign.invitation) or campaign.identities_erased:
        return _campaign(request, who, session, campaign, territory, status=422,
                         error="Enregistrez d'abord un message d'invitation correct.")
    campaign.send_after = local.astimezone(UTC)
    campaign.per_hour = min(max(per_hour, 1), 2000)
    campaign.status = "scheduled"
    write_audit(session, who, "campaign_schedule", handoff_id=None, conversation_id=None)
    return back(f"/console/campagnes/{campaign.id}", ok="scheduled")


@router.post("/campagnes/{campaign_id}/supprimer", response_class=HTMLResponse)
def delete_draft(request: Request, who: CheckedMember, campaign: CampaignOr404,
                 session: DbSession, territory: Territory):
    if not campaigns.deletable(campaign):
        return _campaign(request, who, session, campaign, territory, status=409,
                         error="Seul un brouillon jamais programmé peut être supprimé : "
                         "cette campagne a été programmée, son évaluation continue.")
    session.delete(campaign)
    write_audit(session, who, "campaign_delete", handoff_id=None, conversation_id=None)
    return back("/console/campagnes", ok="deleted")


@router.get("/campagnes/{campaign_id}/audit.csv")
def audit_export(request: Request, who: ProjectMember, campaign: CampaignOr404,
                 session: DbSession):
    """Every household with its number (as text), its group and what the outbox sent it:
    for the officer who imported the list, who checks that no control number was
    contacted. Nobody else gets the numbers."""
    if not owns(who, campaign):
        return render(request, "refused.html", status=403, me=who,
                      heading="Accès réservé : export de contrôle",
                      message=("L'export de contrôle (avec les numéros) est réservé à la "
                               f"personne qui a importé la liste ({campaign.created_by}) "
                               "et aux admins. Demandez-le-lui."))
    body = "\ufeff" + campaigns.audit_csv(campaign, campaigns.audit(session, campaign))
    write_audit(session, who, "campaign_export", handoff_id=None, conversation_id=None)
    name = f"passerelle-campagne-{campaign.id}-controle.csv"
    return harden(Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                           headers={"Content-Disposition": f'attachment; filename="{name}"'}))
