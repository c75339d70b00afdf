"""A campaign as its officer runs it: the partner's name written by the officer (never the
file's internal label), drafts that can go and block nobody, the preview as the SMS leave,
states that follow the sending, STOP apart from replies, exact counts for the officer only,
and an audit export read from the outbox that shows the control group got nothing."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import campaigns as sending
from bot.worker import dispatch_once
from handoff import campaigns
from handoff.accounts import add_account
from storage.campaigns import Campaign, CampaignHousehold
from storage.models import OutboxMessage
from tests.helpers.channels import PUBLIC, Phone
from tests.helpers.console import PASSWORD, csrf_of, log_in

NUMBERS = [f"06 20 30 40 {i:02d}" for i in range(12)]
LABEL = "impayés de loyer CUS Habitat"
INVITATION = (
    "Bonjour, ici Passerelle. Le CCAS nous a donné votre numéro : vous avez "
    "peut-être droit à des aides. Répondez BONJOUR pour le vérifier, c'est gratuit "
    "et cela prend cinq minutes. STOP pour ne plus recevoir de SMS."
)


def partner_file(numbers=NUMBERS) -> bytes:
    return "\n".join(["telephone;source"] + [f"{n};{LABEL}" for n in numbers]).encode()


def import_file(team, name: str, partner: str = "", numbers=NUMBERS):
    page = team.get("/console/campagnes")
    return team.post(
        "/console/campagnes",
        data={"csrf": csrf_of(page.text), "name": name, "control": "25", "partner": partner},
        files={"file": ("foyers.csv", partner_file(numbers), "text/csv")},
    )


def campaign_ids(db) -> list[int]:
    with db.session() as session:
        return list(session.scalars(select(Campaign.id).order_by(Campaign.id)))


def state_of(html: str) -> str:
    return re.search(r'data-state="([a-z]+)"', html).group(1)


def run(team, clock, **moved):
    clock.advance(**moved)
    app = team.app
    sending.run_once(app.state.db, app.state.territory, now=clock())
    dispatch_once(app.state.db, app.state.channels.transports, now=clock())


def test_the_partner_is_the_officers_words_and_drafts_block_nobody(team, sqlite_db):
    named = import_file(team, "Loyers", partner="Ophéa")
    text = unescape(named.text)
    assert "Notre partenaire Ophéa nous a donné votre numéro" in text
    assert LABEL not in text  # the file's label stays out of the message
    first = campaign_ids(sqlite_db)[0]

    # A draft holds its numbers for nobody: the same file again is imported whole.
    again = import_file(team, "Loyers bis")
    assert "12 lignes refusées" not in again.text and "0 lignes refusées" in again.text
    assert "Un partenaire du quartier nous a donné votre numéro" in unescape(again.text)
    assert LABEL not in unescape(again.text)
    second = campaign_ids(sqlite_db)[1]

    csrf = csrf_of(team.get(f"/console/campagnes/{first}").text)
    deleted = team.post(f"/console/campagnes/{first}/supprimer", data={"csrf": csrf}, follow_redirects=False)
    assert deleted.status_code == 303
    assert campaign_ids(sqlite_db) == [second]
    with sqlite_db.session() as session:
        assert len(session.scalars(select(CampaignHousehold)).all()) == 12

    # Once scheduled, it holds its numbers and cannot be deleted any more.
    url = f"/console/campagnes/{second}"
    team.post(
        f"{url}/message", data={"csrf": csrf, "invitation": INVITATION, "reminder": "", "action": "save"}
    )
    team.post(f"{url}/programmer", data={"csrf": csrf, "start": "2026-11-12T09:00", "per_hour": "100"})
    assert "Supprimer ce brouillon" not in team.get(url).text
    assert team.post(f"{url}/supprimer", data={"csrf": csrf}).status_code == 409
    third = import_file(team, "Loyers ter")
    assert third.status_code == 422 and "déjà dans une autre campagne" in third.text


def test_a_campaign_from_preview_to_the_audit_export(team, fake_twilio, campaign_clock, sqlite_db):
    import_file(team, "Pilote")
    campaign_id = campaign_ids(sqlite_db)[0]
    url = f"/console/campagnes/{campaign_id}"
    page = team.get(url)
    assert state_of(page.text) == "draft" and "brouillon" in page.text
    csrf = csrf_of(page.text)

    # The preview is the SMS as they leave: folded to the SMS alphabet and cut in parts.
    preview = team.post(
        f"{url}/message", data={"csrf": csrf, "invitation": INVITATION, "reminder": "", "action": "preview"}
    )
    shown = unescape(
        re.search(r'<pre class="said" data-preview="invitation">(.*?)</pre>', preview.text, re.S).group(1)
    )
    assert "peut-etre" in shown and "peut-être" not in shown
    assert 'data-parts="2"' in preview.text and "2 SMS facturés" in preview.text
    team.post(
        f"{url}/message",
        data={
            "csrf": csrf,
            "invitation": INVITATION,
            "reminder": "Passerelle : répondez BONJOUR. STOP pour ne plus recevoir de SMS.",
            "action": "save",
        },
    )
    team.post(f"{url}/programmer", data={"csrf": csrf, "start": "2026-11-12T09:00", "per_hour": "5"})
    assert state_of(team.get(url).text) == "scheduled"

    run(team, campaign_clock, hours=38, minutes=31)  # Thursday 9:01: five of nine leave
    page = team.get(url).text
    assert state_of(page) == "sending" and "5 invitations envoyées sur 9" in page
    first = fake_twilio.messages[0]["To"]
    assert fake_twilio.bodies(to=first) == [shown]  # the preview was the very SMS
    run(team, campaign_clock, hours=1)
    page = team.get(url).text
    # Sent: the reminder's day is said, the message is frozen, nothing left to schedule.
    assert state_of(page) == "reminder" and "relance le 16/11/2026" in page
    assert "<fieldset disabled>" in page and 'value="schedule"' not in page
    # Invitations are counted as messages, the SMS parts apart.
    assert '<span data-count="sent">9</span>' in page and "soit 18 et 0 parties" in page

    # A STOP is a STOP, not a reply; the officer sees the exact count.
    stopper = Phone(team, fake_twilio, first)
    stopper.say("STOP")
    run(team, campaign_clock)
    page = team.get(url).text
    assert '<span data-count="replied">0</span>' in page
    assert '<span data-count="stopped">1</span>' in page
    figures = page.split('data-row="stopped"')[1].split("</tr>")[0]
    assert "<td>1 (11,1 %)</td>" in figures

    # Another member of the project team sees the same campaign masked, and no export.
    with sqlite_db.session() as session:
        add_account(
            session, login="autre@ems.example", password=PASSWORD, referent_id="amina", roles=["projet"]
        )
    colleague = TestClient(team.app, base_url=PUBLIC)  # the app is already started by `team`
    assert log_in(colleague, "autre@ems.example").status_code == 303
    masked = colleague.get(url).text
    assert '<span data-count="stopped">&lt; 5</span>' in masked
    assert "SMS aux témoins" not in masked
    assert colleague.get(f"{url}/audit.csv").status_code == 403

    # The control group, from the outbox itself: not one message to its numbers.
    with sqlite_db.session() as session:
        control = {
            h.address_key: h.phone for h in session.scalars(select(CampaignHousehold)) if h.grp == "control"
        }
        assert len(control) == 3
        assert (
            session.scalars(select(OutboxMessage).where(OutboxMessage.address_key.in_(list(control)))).all()
            == []
        )
    assert not {m["To"] for m in fake_twilio.messages} & set(control.values())
    assert "<strong>SMS aux témoins : 0</strong>" in team.get(url).text
    export = team.get(f"{url}/audit.csv")
    assert export.status_code == 200 and export.headers["cache-control"] == "no-store"
    lines = export.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(lines), delimiter=";"))
    assert rows[0] == campaigns.AUDIT_HEADER
    households = [r for r in rows[1:13]]
    assert {r[1] for r in households} == {"invité", "témoin"}
    assert all(r[2].startswith("'+336") for r in households)  # numbers as text
    for row in households:
        if row[1] == "témoin":
            assert row[4] == "non envoyée" and row[6] == "0"
        else:
            assert row[4].startswith("envoyée (2 SMS")
    assert ["SMS aux témoins : 0"] in rows

    # The count is the outbox's: a message that reached a control number by any path shows.
    with sqlite_db.session() as session:
        key = next(iter(control))
        session.add(
            OutboxMessage(
                channel="sms",
                address_key=key,
                recipient=None,
                body="",
                status="sent",
                created_at=campaign_clock(),
            )
        )
    assert "<strong>SMS aux témoins : 1</strong>" in team.get(url).text
