"""Invitation campaigns: importing a partner's households, drawing the control group,
when invitations may leave, and what the evaluation measures (invited against control).

Sending itself is the application's (bot/campaigns.py, through the outbox); this module
decides who, when and what counts. Figures leave only through `evaluation`, masked like
the take-up indicators (a count of 1 to 4 is « < 5 », and what would give it away too).
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.territory import Territory
from storage.campaigns import Campaign, CampaignHousehold, CampaignMessage
from storage.handoff import Appointment, Handoff
from storage.models import ChannelAddress, Conversation, EligibilityResult, OutboxMessage
from storage.records import Outcome

KeyOf = Callable[[str, str], str]  # (channel, number) -> ChannelAddress.key
MOMENTS = ("adult", "child", "single_parent", "senior", "other")
MOMENT_WORDS = {"adulte": "adult", "enfant": "child", "parent isole": "single_parent",
                "parent seul": "single_parent", "senior": "senior", "autre": "other"}
PHONE_COLUMNS = ("telephone", "téléphone", "tel", "tél", "phone", "mobile", "numero", "numéro")
MOMENT_COLUMNS = ("moment", "moment de vie", "moment_de_vie")
SOURCE_COLUMNS = ("source", "origine", "partenaire")
# What the import form and its refusals tell the officer the file may hold.
ACCEPTED_COLUMNS = ("« telephone » (obligatoire ; ou « téléphone », « tel », « mobile », "
                    "« numero », « phone »), « moment » et « source » (facultatives ; « source » "
                    "reste dans la console, jamais dans le SMS)")
ACCEPTED_MOMENTS = "adulte, enfant, parent isolé, senior, autre (ou vide)"
MAX_ROWS = 20000
SEND_FROM, SEND_UNTIL = time(9, 0), time(19, 0)
REMINDER_AFTER = timedelta(days=3)
URL = re.compile(r"https?://|www\.|\b[\w-]+\.(?:fr|com|org|net|gouv|info|eu|ly|io)\b", re.I)
THRESHOLD = 5
SMALL, SECRET = "< 5", "secret"
Z95 = 1.959964  # the 97.5 % quantile of the normal distribution


# ---------------------------------------------------------------------- numbers
def normalise_mobile(raw: str) -> str | None:
    """A French mobile number as E.164 (+336…, +337…), or None if it is not one.

    Landlines, overseas numbers and anything else are refused: the invitation is an SMS.
    """
    digits = re.sub(r"[\s.\-()/]", "", raw or "")
    if digits.startswith("0033"):
        digits = "+33" + digits[4:]
    if re.fullmatch(r"0[67]\d{8}", digits):
        return "+33" + digits[1:]
    if re.fullmatch(r"\+33[67]\d{8}", digits):
        return digits
    return None


# ---------------------------------------------------------------------- import
@dataclass(frozen=True)
class Rejected:
    line: int
    value: str  # the number as written, masked but for its last two digits
    reason: str


@dataclass
class Parsed:
    rows: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    error: str | None = None  # the whole file is refused


def _masked(raw: str) -> str:
    raw = (raw or "").strip()
    return ("•" * max(len(raw) - 2, 0) + raw[-2:]) if raw else "(vide)"


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    return next((i for i, h in enumerate(lowered) if h in names), None)


def _moment(raw: str) -> str | None | bool:
    """The moment key, None when empty, False when unknown."""
    value = (raw or "").strip().lower()
    if not value:
        return None
    if value in MOMENTS:
        return value
    return next((key for word, key in MOMENT_WORDS.items() if word in value), False)


def parse_csv(data: bytes) -> Parsed:
    """Reads a partner's file: a header line with a phone column, then one household a line.

    Every line is checked; rejected lines are reported by their line number, with the
    number shown masked (the report is a console page).
    """
    parsed = Parsed()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        parsed.error = "Le fichier est vide."
        return parsed
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader)
    phone_at = _column(header, PHONE_COLUMNS)
    if phone_at is None:
        parsed.error = ("Pas de colonne « telephone » sur la première ligne : rien n'a été "
                        f"importé. Colonnes acceptées : {ACCEPTED_COLUMNS}. Valeurs de "
                        f"« moment » : {ACCEPTED_MOMENTS}.")
        return parsed
    moment_at, source_at = _column(header, MOMENT_COLUMNS), _column(header, SOURCE_COLUMNS)
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(parsed.rows) + len(parsed.rejected) >= MAX_ROWS:
            parsed.error = f"Plus de {MAX_ROWS} lignes : découpez le fichier."
            return parsed
        raw = row[phone_at] if phone_at < len(row) else ""
        phone = normalise_mobile(raw)
        if phone is None:
            parsed.rejected.append(Rejected(line, _masked(raw),
                                            "pas un numéro de mobile français (06 ou 07)"))
            continue
        moment = _moment(row[moment_at]) if moment_at is not None and moment_at < len(row) else None
        if moment is False:
            parsed.rejected.append(Rejected(line, _masked(raw), "moment de vie inconnu (valeurs "
                                            f"acceptées : {ACCEPTED_MOMENTS})"))
            continue
        source = (row[source_at].strip()[:80] or None) if (
            source_at is not None and source_at < len(row)) else None
        parsed.rows.append((line, phone, moment, source))
    return parsed


@dataclass
class Imported:
    campaign: Campaign | None
    rejected: list[Rejected]
    invited: int = 0
    control: int = 0
    error: str | None = None


def import_households(session: Session, *, name: str, data: bytes, key_of: KeyOf,
                      control_percent: int, created_by: str, now: datetime,
                      evaluation_days: int = 183, seed: int | None = None) -> Imported:
    """Creates a campaign and its households in the caller's transaction, or nothing.

    Removed with a reason: lines that are not French mobiles, numbers seen earlier in the
    file, numbers that opted out (STOP) and numbers already in another campaign still
    being evaluated (they would be in two groups at once). The control group is drawn with
    a recorded seed among the households kept, `control_percent` of them rounded.
    """
    parsed = parse_csv(data)
    if parsed.error:
        return Imported(None, parsed.rejected, error=parsed.error)
    if not 0 <= control_percent <= 90:
        return Imported(None, parsed.rejected, error="Part du groupe témoin incorrecte.")
    rejected = list(parsed.rejected)
    keys = {phone: key_of("sms", phone) for _, phone, _, _ in parsed.rows}
    opted_out = set(session.scalars(select(ChannelAddress.key).where(
        ChannelAddress.key.in_(list(keys.values())), ChannelAddress.opted_out.is_(True))))
    # A draft never scheduled has contacted nobody: its numbers stay free for another one.
    elsewhere = set(session.scalars(
        select(CampaignHousehold.address_key).join(Campaign).where(
            CampaignHousehold.address_key.in_(list(keys.values())),
            Campaign.send_after.is_not(None),
            Campaign.evaluation_until >= now.date())))
    kept, seen = [], set()
    for line, phone, moment, source in parsed.rows:
        key = keys[phone]
        reason = ("en double dans le fichier" if phone in seen else
                  "a demandé à ne plus recevoir de messages (STOP)" if key in opted_out else
                  "déjà dans une autre campagne en cours" if key in elsewhere else None)
        seen.add(phone)
        if reason:
            rejected.append(Rejected(line, _masked(phone), reason))
        else:
            kept.append((phone, key, moment, source))
    rejected.sort(key=lambda r: r.line)
    if not kept:
        return Imported(None, rejected, error="Aucun numéro utilisable : rien n'a été importé.")
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31 - 1)
    campaign = Campaign(name=name.strip()[:120] or "Campagne", status="draft",
                        control_percent=control_percent, seed=seed, created_by=created_by,
                        created_at=now, evaluation_until=now.date() + timedelta(
                            days=evaluation_days))
    session.add(campaign)
    session.flush()
    control = control_indices(len(kept), control_percent, seed)
    for index, (phone, key, moment, source) in enumerate(kept):
        session.add(CampaignHousehold(campaign_id=campaign.id, phone=phone, address_key=key,
                                      moment=moment, source=source,
                                      grp="control" if index in control else "invited"))
    session.flush()
    return Imported(campaign, rejected, invited=len(kept) - len(control), control=len(control))


def deletable(campaign: Campaign) -> bool:
    """A campaign that never left its draft (never scheduled, nothing queued) can go."""
    return (campaign.status == "draft" and campaign.send_after is None
            and not any(h.invited_at for h in campaign.households))


def control_indices(count: int, percent: int, seed: int) -> set[int]:
    """Which of `count` households (in file order) form the control group: the same seed
    always draws the same ones, so the draw can be checked afterwards."""
    size = round(count * percent / 100)
    return set(random.Random(seed).sample(range(count), size))


# ---------------------------------------------------------------------- the invitation
def invitation_problems(text: str) -> list[str]:
    """What is missing from an invitation, in French; empty when it may be sent."""
    problems = []
    if not text.strip():
        return ["Le message est vide."]
    if URL.search(text):
        problems.append("Pas de lien dans ce message : les opérateurs bloquent les SMS avec "
                        "un lien envoyés à beaucoup de numéros, et les gens s'en méfient.")
    if "STOP" not in text:
        problems.append("Le message doit dire comment ne plus rien recevoir (« STOP »).")
    if "Passerelle" not in text and "passerelle" not in text.lower():
        problems.append("Le message doit nommer l'expéditeur (Passerelle).")
    if "répond" not in text.lower() and "repond" not in text.lower():
        problems.append("Le message doit dire comment répondre (« Répondez … »).")
    return problems


# ---------------------------------------------------------------------- when
def allowed_at(moment: datetime, territory: Territory) -> bool:
    """Weekdays 9:00 to 19:00, territory time, never on a public holiday."""
    local = moment.astimezone(territory.timezone)
    return (local.weekday() < 5 and SEND_FROM <= local.time() < SEND_UNTIL
            and not territory.is_holiday(local.date()))


def next_allowed(moment: datetime, territory: Territory) -> datetime:
    """The first moment from `moment` on when sending is allowed (shown in the console)."""
    local = moment.astimezone(territory.timezone)
    for _ in range(60):
        if allowed_at(local, territory):
            return local
        if local.weekday() < 5 and local.time() < SEND_FROM and not territory.is_holiday(
                local.date()):
            return local.replace(hour=9, minute=0, second=0, microsecond=0)
        local = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return local


# ---------------------------------------------------------------------- where it stands
@dataclass(frozen=True)
class State:
    key: str  # draft, suspended, scheduled, sending, sent, reminder, closed
    words: str
    editable: bool  # the message may still change: nobody received it yet


def _waiting_reminder(h: CampaignHousehold) -> bool:
    return (h.grp == "invited" and h.invited_at is not None and h.reminded_at is None
            and h.replied_at is None and h.failed_at is None and h.opted_out_at is None)


def state(campaign: Campaign, territory: Territory, now: datetime) -> State:
    """What the campaign is doing, in the officer's words, from its households."""
    local = territory.timezone
    invited = [h for h in campaign.households if h.grp == "invited"]
    sent = sum(1 for h in invited if h.invited_at is not None)
    editable = sent == 0 and not campaign.identities_erased
    if campaign.status == "finished" or campaign.identities_erased or (
            campaign.evaluation_until < now.astimezone(local).date()):
        return State("closed", "close : l'évaluation est terminée", False)
    if campaign.status == "draft":
        if campaign.send_after is None:
            return State("draft", "brouillon : rien n'est programmé", editable)
        return State("suspended", f"suspendue ({sent} invitations déjà envoyées)", editable)
    reachable = [h for h in invited if h.phone and h.failed_at is None
                 and h.opted_out_at is None]
    if sent == 0:
        start = next_allowed(max(campaign.send_after, now), territory)
        return State("scheduled", "programmée : premières invitations le "
                     f"{start.astimezone(local):%d/%m/%Y à %H:%M}", editable)
    if any(h.invited_at is None for h in reachable):
        return State("sending", f"envoi en cours : {sent} invitations envoyées sur "
                     f"{len(invited)}", False)
    waiting = [h.invited_at for h in invited if _waiting_reminder(h)]
    if campaign.reminder and waiting:
        due = next_allowed(max(min(waiting) + REMINDER_AFTER, now), territory)
        return State("reminder", f"envoyée ; relance le {due.astimezone(local):%d/%m/%Y}",
                     False)
    return State("sent", f"envoyée : {sent} invitations", False)


# ---------------------------------------------------------------------- replies
def note_inbound(session: Session, address_key: str, *, now: datetime) -> None:
    """A message came from this address: every household with this key, invited or control,
    still being evaluated, counts a reply (the first one), and an opt-out when it said STOP.

    Called by the channels inside the turn's transaction, after the dialogue ran.
    """
    households = session.scalars(select(CampaignHousehold).join(Campaign).where(
        CampaignHousehold.address_key == address_key,
        Campaign.evaluation_until >= now.date())).all()
    if not households:
        return
    opted_out = bool(session.scalars(select(ChannelAddress.opted_out).where(
        ChannelAddress.key == address_key)).first())
    for household in households:
        if household.replied_at is None:
            household.replied_at = now
        if opted_out and household.opted_out_at is None:
            household.opted_out_at = now
    # An invitation or reminder still waiting (held to the allowed hours after an outage)
    # is pointless once the person wrote: it would arrive after their own conversation.
    waiting = session.scalars(select(OutboxMessage).join(
        CampaignMessage, CampaignMessage.outbox_id == OutboxMessage.id).where(
        CampaignMessage.household_id.in_([h.id for h in households]),
        OutboxMessage.status == "pending")).all()
    for row in waiting:
        # Kept as a delivery record, without the words nor the number (as bot/outbox does).
        row.status, row.body, row.recipient = "cancelled", "", None
        row.last_error = "the person wrote before it left"


def campaign_of(session: Session, address_key: str, *, now: datetime) -> Campaign | None:
    """The campaign a conversation on this address came from (the tag), if any."""
    return session.scalars(select(Campaign).join(CampaignHousehold).where(
        CampaignHousehold.address_key == address_key, Campaign.evaluation_until >= now.date())
        .order_by(Campaign.id.desc())).first()


# ---------------------------------------------------------------------- evaluation
def evaluate(session: Session, *, now: datetime, keys: list[str] | None = None) -> int:
    """Sets the flags of the households still being evaluated from what their address did
    since the campaign started (a check, a right found, an appointment, an outcome).

    Flags are never unset: a person who erases their data keeps having checked. Run before
    each report, at each sending pass and before the retention purge; returns the flags set.
    """
    changed = 0
    query = select(CampaignHousehold).join(Campaign).where(
        CampaignHousehold.address_key.is_not(None), Campaign.evaluation_until >= now.date())
    if keys is not None:  # only these addresses' households (`forget_person`)
        query = query.where(CampaignHousehold.address_key.in_(keys))
    households = session.scalars(query).all()
    for household in households:
        since = household.campaign.created_at
        conversations = session.scalars(select(Conversation.id).join(
            ChannelAddress, ChannelAddress.person_id == Conversation.person_id).where(
            ChannelAddress.key == household.address_key,
            Conversation.updated_at >= since)).all()
        if not conversations:
            continue
        results = session.scalars(select(EligibilityResult).where(
            EligibilityResult.conversation_id.in_(conversations),
            EligibilityResult.computed_at >= since)).all()
        handoffs = select(Handoff.id).where(Handoff.conversation_id.in_(conversations))
        booked = session.scalars(select(Appointment.id).where(
            Appointment.handoff_id.in_(handoffs), Appointment.created_at >= since)).first()
        outcomes = set(session.scalars(select(Outcome.status).where(
            Outcome.handoff_id.in_(handoffs), Outcome.recorded_at >= since)))
        found = {
            "check_completed": bool(results),
            "rights_found": any(b.get("eligible") for r in results for b in r.benefits or []),
            "appointment": booked is not None,
            "claim_filed": "claim_filed" in outcomes or "opened" in outcomes,
            "right_opened": "opened" in outcomes,
        }
        for flag, value in found.items():
            if value and not getattr(household, flag):
                setattr(household, flag, True)
                changed += 1
    return changed


def forget_person(session: Session, address_keys: list[str], *, now: datetime) -> int:
    """« SUPPRIMER »: what the person's households did is read first (the flags stay,
    naming nobody), then their numbers and keys are blanked, so that no invitation or
    reminder not yet queued reaches them. Returns the households blanked."""
    keys = [key for key in address_keys if key]
    if not keys:
        return 0
    evaluate(session, now=now, keys=keys)
    households = session.scalars(select(CampaignHousehold).where(
        CampaignHousehold.address_key.in_(keys))).all()
    for household in households:
        household.phone = None
        household.address_key = None
    return len(households)


def erase_expired(session: Session, *, today: date) -> int:
    """Blanks the numbers and keys of the households of campaigns whose evaluation is over
    (both groups); the flags stay, naming nobody. Returns how many campaigns were erased."""
    campaigns = session.scalars(select(Campaign).where(
        Campaign.evaluation_until < today, Campaign.identities_erased.is_(False))).all()
    for campaign in campaigns:
        for household in campaign.households:
            household.phone = None
            household.address_key = None
        campaign.identities_erased = True
        campaign.status = "finished"
    return len(campaigns)


# ---------------------------------------------------------------------- figures
MEASURES = [
    ("replied", "Ont répondu ou écrit (hors STOP)"),
    ("stopped", "Ont répondu STOP"),
    ("check_completed", "Vérifications terminées"),
    ("rights_found", "Au moins un droit trouvé"),
    ("appointment", "Rendez-vous pris"),
    ("claim_filed", "Demandes déposées"),
    ("right_opened", "Droits ouverts"),
]


@dataclass(frozen=True)
class Figure:
    """One measure, invited against control, as it may be shown."""

    key: str
    label: str
    invited: str  # « 12 (8,0 %) », « < 5 »
    control: str
    difference: str  # « +5,1 points [1,2 ; 9,0] », or « secret »


@dataclass(frozen=True)
class Evaluation:
    campaign_id: int
    name: str
    invited: str
    control: str
    seed: int
    control_percent: int
    figures: list[Figure]
    masked: bool = True
    note: str = ("Intention de traiter : tout le groupe invité compte, même les numéros dont "
                 "le SMS n'est pas arrivé. Un STOP n'est pas compté comme une réponse. "
                 "Différence des proportions (invités moins témoins) et intervalle de "
                 "confiance à 95 % de Newcombe (intervalles de Wilson)")


def _count(n: int) -> str:
    return SMALL if 0 < n < THRESHOLD else str(n)


def _percent(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",")


def wilson(x: int, n: int) -> tuple[float, float]:
    """The Wilson score interval of x/n at 95 % (Newcombe 1998, method 3)."""
    p, z2 = x / n, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def difference(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float] | None:
    """p1 - p2 and its 95 % confidence interval by Newcombe's hybrid score method (Newcombe,
    Statistics in Medicine 1998, method 10: from each group's Wilson interval). Unlike the
    normal approximation it stays honest with small counts and at 0 % or 100 %: 0/100
    against 0/100 gives about [−3.7 ; +3.7] points, never a zero-width interval."""
    if n1 == 0 or n2 == 0:
        return None
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1), wilson(x2, n2)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "−") + _percent(abs(value))


def has_replied(household: CampaignHousehold) -> bool:
    """Wrote back, a STOP apart: note_inbound stamps a first message that is a STOP with
    the same moment for the reply and the opt-out."""
    return household.replied_at is not None and household.replied_at != household.opted_out_at


def _has(household: CampaignHousehold, key: str) -> bool:
    if key == "replied":
        return has_replied(household)
    if key == "stopped":
        return household.opted_out_at is not None
    return bool(getattr(household, key))


def evaluation(campaign: Campaign, *, masked: bool = True) -> Evaluation:
    """The invited/control figures of one campaign, masked (unless `masked` is False: the
    campaign's own officer, on its own page, who holds the list anyway)."""
    groups = {"invited": [], "control": []}
    for household in campaign.households:
        groups[household.grp].append(household)
    n1, n2 = len(groups["invited"]), len(groups["control"])
    figures = []
    for key, label in MEASURES:
        x1 = sum(1 for h in groups["invited"] if _has(h, key))
        x2 = sum(1 for h in groups["control"] if _has(h, key))
        cells = []
        for x, n in ((x1, n1), (x2, n2)):
            small = masked and (0 < x < THRESHOLD or 0 < n - x < THRESHOLD and x > 0)
            cells.append(SMALL if masked and 0 < x < THRESHOLD else
                         SECRET if small else
                         f"{x} ({_percent(x / n)} %)" if n else "0")
        hidden = masked and (any(c in (SMALL, SECRET) for c in cells) or 0 < n1 < THRESHOLD
                             or 0 < n2 < THRESHOLD)
        computed = difference(x1, n1, x2, n2)
        if computed is None:
            text = "sans groupe témoin"
        elif hidden:
            text = SECRET
        else:
            d, low, high = computed
            text = f"{_signed(d)} points [{_signed(low)} ; {_signed(high)}]"
        figures.append(Figure(key, label, cells[0], cells[1], text))
    count = _count if masked else str
    note = Evaluation.note + (" ; chiffres de 1 à 4 masqués, ainsi que ce qui permettrait "
                              "de les retrouver." if masked else
                              " ; chiffres exacts, montrés à vous seul·e qui avez importé "
                              "la liste : ils restent masqués partout ailleurs.")
    return Evaluation(campaign.id, campaign.name, count(n1), count(n2), campaign.seed,
                      campaign.control_percent, figures, masked=masked, note=note)


def evaluation_text(report: Evaluation) -> str:
    lines = [f"Campagne {report.campaign_id} « {report.name} » : {report.invited} foyers "
             f"invités, {report.control} foyers témoins ({report.control_percent} %, tirage "
             f"n° {report.seed})."]
    width = max(len(f.label) for f in report.figures)
    lines.append(f"{'':<{width}}  {'Invités':>16}  {'Témoins':>16}  Différence [IC 95 %]")
    for f in report.figures:
        lines.append(f"{f.label:<{width}}  {f.invited:>16}  {f.control:>16}  {f.difference}")
    lines.append(report.note)
    return "\n".join(lines)


# ---------------------------------------------------------------------- the audit export
@dataclass(frozen=True)
class AuditRow:
    """One household as the campaign's officer checks it: its group, what Passerelle sent it
    and what it did."""

    household_id: int
    group: str
    phone: str | None
    moment: str | None
    invitation: str  # « envoyée (2 SMS : reçu, reçu) », « non envoyée »
    reminder: str
    unsolicited: int  # messages Passerelle sent before the household wrote, from the outbox
    replied: bool
    stopped: bool


@dataclass
class Audit:
    rows: list[AuditRow]
    control_messages: int  # SMS to the control group that nobody asked for: must be 0
    control_answers: int  # replies to control households that wrote on their own


def _sent(parts: list[str]) -> str:
    if not parts:
        return "non envoyée"
    return f"envoyée ({len(parts)} SMS : {', '.join(parts)})"


def audit(session: Session, campaign: Campaign) -> Audit:
    """Every household with its group and what reached it, read from the outbox itself (not
    from the campaign's own records): a message to a control number would show here even
    if the campaign's code never recorded it. A message counts as unsolicited when it was
    queued since the campaign began and before the household's first message (or at any
    time when it never wrote), or when it was queued for the allowed hours (an invitation)."""
    households = campaign.households
    keys = {h.address_key: h for h in households if h.address_key}
    outbox = session.scalars(select(OutboxMessage).where(
        OutboxMessage.address_key.in_(list(keys)), OutboxMessage.channel == "sms")
        .order_by(OutboxMessage.id)).all() if keys else []
    status_of = {row.id: row.status for row in outbox}
    by_kind: dict[tuple[int, str], list[str]] = {}
    for message in session.scalars(select(CampaignMessage).where(
            CampaignMessage.household_id.in_([h.id for h in households])).order_by(
            CampaignMessage.id)) if households else []:
        by_kind.setdefault((message.household_id, message.kind), []).append(
            STATUS_WORDS.get(status_of.get(message.outbox_id, ""), "effacé"))
    unsolicited: dict[int, int] = {}
    answered: dict[int, int] = {}
    start = _utc(campaign.created_at)
    for row in outbox:
        household = keys[row.address_key]
        created = _utc(row.created_at)
        if created < start and not row.in_hours:
            continue  # before the campaign: nothing to do with it
        wrote = household.replied_at
        if row.in_hours or wrote is None or created < _utc(wrote):
            unsolicited[household.id] = unsolicited.get(household.id, 0) + 1
        else:
            answered[household.id] = answered.get(household.id, 0) + 1
    rows = [AuditRow(h.id, "témoin" if h.grp == "control" else "invité", h.phone, h.moment,
                     _sent(by_kind.get((h.id, "invitation"), [])),
                     _sent(by_kind.get((h.id, "reminder"), [])),
                     unsolicited.get(h.id, 0), has_replied(h), h.opted_out_at is not None)
            for h in households]
    control = [h.id for h in households if h.grp == "control"]
    return Audit(rows, sum(unsolicited.get(i, 0) for i in control),
                 sum(answered.get(i, 0) for i in control))


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


STATUS_WORDS = {"pending": "en attente", "sending": "en cours", "sent": "envoyé",
                "delivered": "reçu", "undelivered": "non distribué", "failed": "échec",
                "refused": "refusé (STOP)", "cancelled": "annulé (a écrit avant)"}
AUDIT_HEADER = ["foyer", "groupe", "telephone", "moment", "invitation", "relance",
                "sms_sans_avoir_ecrit", "a_repondu", "stop"]


def audit_csv(campaign: Campaign, report: Audit) -> str:
    """The audit as CSV (semicolons): the numbers as text (a leading quote, so that a
    spreadsheet neither drops the « + » nor reads a formula), then the control line."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(AUDIT_HEADER)
    for row in report.rows:
        writer.writerow([row.household_id, row.group, "'" + row.phone if row.phone else
                         "(effacé)", row.moment or "", row.invitation, row.reminder,
                         row.unsolicited, "oui" if row.replied else "non",
                         "oui" if row.stopped else "non"])
    writer.writerow([])
    writer.writerow([f"SMS aux témoins : {report.control_messages}"])
    writer.writerow([f"Réponses à des témoins qui ont écrit d'eux-mêmes : "
                     f"{report.control_answers}"])
    writer.writerow([f"Campagne {campaign.id} « {campaign.name} », tirage n° {campaign.seed}"])
    return out.getvalue()
