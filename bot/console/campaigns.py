"""The project team's campaigns (« aller vers »): import a partner's households, write and
preview the invitation, schedule it, follow deliveries and the invited/control figures.

    GET  /console/campagnes                     the campaigns, and the import form
    POST /console/campagnes                     import a CSV (one transaction, or nothing)
    GET  /console/campagnes/{id}                one campaign: message, schedule, deliveries,
                                                figures
    POST /console/campagnes/{id}/message        save the invitation and the reminder
    POST /console/campagnes/{id}/programmer     schedule the sending

« projet » or « admin » role only; every POST carries the session's CSRF token. Numbers are
never shown in clear: the rejected lines show their last two digits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
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
from bot.console.indicators import ProjectMember
from bot.console.pages import back, refused, render
from handoff import campaigns
from storage.campaigns import Campaign

MAX_FILE = 2 * 1024 * 1024
MAX_TEXT = 640  # four SMS parts at most
NOTICES = {"message": "Message enregistré.", "scheduled": "Envoi programmé.",
           "unscheduled": "Envoi suspendu."}
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


def default_invitation(territory, source: str | None) -> str:
    why = (messages.text("campaign_why", source=source) if source
           else messages.text("campaign_why_default"))
    return messages.text("campaign_invitation", territory=territory.name, why=why)


def _list(request: Request, who: Referent, session, **context):
    territories = request.app.state.territories
    rows = session.scalars(select(Campaign).where(
        territories.where(Campaign.territory_id, who.territory.id))
        .order_by(Campaign.id.desc())).all()
    return render(request, "campaigns.html", me=who, active="campaigns", campaigns=rows,
                  **context)


@router.get("/campagnes", response_class=HTMLResponse)
def campaigns_page(request: Request, who: ProjectMember, session: DbSession,
                   _territory: Territory):
    return _list(request, who, session)


@router.post("/campagnes", response_class=HTMLResponse)
def import_campaign(request: Request, who: CheckedMember, session: DbSession,
                    territory: Territory, name: str = Form(""), control: int = Form(20),
                    file: UploadFile = File(...)):
    data = file.file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        return _list(request, who, session, error="Fichier trop gros (2 Mo au plus).")
    core = request.app.state.core
    now = core.clock()
    result = campaigns.import_households(session, name=name, data=data,
                                         key_of=core.address_key, control_percent=control,
                                         created_by=who.login, now=now)
    if result.campaign is None:
        session.rollback()  # nothing half-imported
        return _list(request, who, session, error=result.error, rejected=result.rejected)
    campaign = result.campaign
    campaign.territory_id = territory.id  # its hours, its name in the message, its team
    sources = {h.source for h in campaign.households if h.source}
    campaign.invitation = default_invitation(
        territory, next(iter(sources)) if len(sources) == 1 else None)
    campaign.reminder = messages.text("campaign_reminder")
    return _campaign(request, who, session, campaign, territory, imported=result)


def _campaign(request: Request, who: Referent, session, campaign: Campaign, territory,
              status: int = 200, **context):
    counts = {"invited": 0, "control": 0, "sent": 0, "reminded": 0, "failed": 0,
              "stopped": 0, "replied": 0}
    for h in campaign.households:
        counts[h.grp] += 1
        counts["sent"] += h.invited_at is not None
        counts["reminded"] += h.reminded_at is not None
        counts["failed"] += h.failed_at is not None
        counts["stopped"] += h.opted_out_at is not None
        counts["replied"] += h.replied_at is not None and h.grp == "invited"
    masked = {k: (campaigns.SMALL if 0 < v < campaigns.THRESHOLD and k not in (
        "invited", "control", "sent", "reminded", "failed") else v) for k, v in counts.items()}
    invitation = context.pop("invitation", campaign.invitation)
    reminder = context.pop("reminder", campaign.reminder)
    local_after = (campaign.send_after.astimezone(territory.timezone)
                   if campaign.send_after else None)
    return render(request, "campaign.html", status=status, me=who, active="campaigns",
                  campaign=campaign, counts=masked, invitation=invitation, reminder=reminder,
                  parts=sending.sms_parts(invitation), reminder_parts=sending.sms_parts(reminder),
                  problems=campaigns.invitation_problems(invitation),
                  delivery=sending.delivery(session, campaign.id),
                  statuses=sending.DELIVERY_STATUSES, local_after=local_after,
                  report=campaigns.evaluation(campaign), **context)


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
    if campaign.status != "draft":
        return _campaign(request, who, session, campaign, territory, status=409,
                         error="Suspendez l'envoi avant de changer le message.")
    campaign.invitation, campaign.reminder = invitation, reminder
    return back(f"/console/campagnes/{campaign.id}", ok="message")


@router.post("/campagnes/{campaign_id}/programmer", response_class=HTMLResponse)
def schedule(request: Request, who: CheckedMember, campaign: CampaignOr404,
             session: DbSession, territory: Territory, start: str = Form(""),
             per_hour: int = Form(200), action: str = Form("schedule")):
    if action == "suspend":
        if campaign.status == "scheduled":
            campaign.status = "draft"
        return back(f"/console/campagnes/{campaign.id}", ok="unscheduled")
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
    return back(f"/console/campagnes/{campaign.id}", ok="scheduled")
