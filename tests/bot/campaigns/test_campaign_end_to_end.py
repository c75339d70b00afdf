"""A campaign from the partner's file to the invited/control figures, through the console,
the outbox and the local Twilio stand-in, with the clock moved across allowed hours."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot import campaigns as sending
from bot.worker import dispatch_once
from handoff import campaigns
from handoff.__main__ import main
from storage.campaigns import Campaign, CampaignHousehold
from storage.handoff import Handoff
from storage.models import ChannelAddress, Person
from storage.records import Outcome
from tests.helpers.channels import Phone, sign
from tests.helpers.console import csrf_of

VALID = [f"06 12 34 56 {i:02d}" if i % 3 else f"+33 7 12 34 56 {i:02d}" for i in range(30)]
OPTED_OUT = "0698765432"


def partner_file() -> bytes:
    lines = ["telephone;moment;source"]
    lines += [f"{number};{'senior' if i % 2 else ''};CCAS" for i, number in enumerate(VALID)]
    lines += [
        "03 88 00 00 00;;CCAS",  # a landline
        "pas un numéro;;CCAS",
        f"{VALID[4]};;CCAS",  # the same household twice
        f"{OPTED_OUT};;CCAS",  # said STOP to Passerelle before
        "0611111111;astronaute;CCAS",  # unknown moment of life
    ]
    return "\n".join(lines).encode()


def e164(number: str) -> str:
    return campaigns.normalise_mobile(number)


def households(db) -> dict[str, CampaignHousehold]:
    with db.session() as session:
        rows = session.scalars(select(CampaignHousehold)).all()
        session.expunge_all()
        return {h.phone: h for h in rows}


def run(client, clock, **moved):
    clock.advance(**moved)
    app = client.app
    report = sending.run_once(app.state.db, app.state.territory, now=clock())
    dispatch_once(app.state.db, app.state.channels.transports, now=clock())
    return report


def test_a_campaign_from_the_file_to_the_figures(team, fake_twilio, campaign_clock, sqlite_db):
    core = team.app.state.core
    with sqlite_db.session() as session:  # someone who said STOP to Passerelle long ago
        person = Person()
        session.add(person)
        session.flush()
        session.add(ChannelAddress(person_id=person.id, channel="sms", opted_out=True,
                                   key=core.address_key("sms", e164(OPTED_OUT))))

    # 1. Import: bad lines reported by line number, numbers masked, the rest in one go.
    page = team.get("/console/campagnes")
    imported = team.post("/console/campagnes", data={
        "csrf": csrf_of(page.text), "name": "CCAS novembre", "control": "20"},
        files={"file": ("foyers.csv", partner_file(), "text/csv")})
    assert imported.status_code == 200, imported.text
    assert "24 foyers à inviter, 6 dans le groupe témoin, 5 lignes refusées" in imported.text
    for line, reason in [(32, "pas un numéro de mobile"), (33, "pas un numéro de mobile"),
                         (34, "en double"), (35, "STOP"), (36, "moment de vie inconnu")]:
        assert f"<td>{line}</td>" in imported.text and reason in imported.text
    assert "03 88 00 00 00" not in imported.text and "0698765432" not in imported.text
    people = households(sqlite_db)
    assert len(people) == 30 and all(p.startswith(("+336", "+337")) for p in people)
    control = sorted(p for p, h in people.items() if h.grp == "control")
    with sqlite_db.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        seed, campaign_id = campaign.seed, campaign.id
    # The draw is the recorded seed's: anyone can redo it.
    drawn = campaigns.control_indices(30, 20, seed)
    assert control == sorted(e164(VALID[i]) for i in drawn)

    # 2. The invitation: a link is refused, the preview counts the SMS parts.
    url = f"/console/campagnes/{campaign_id}"
    csrf = csrf_of(team.get(url).text)
    with_link = ("Bonjour, ici Passerelle. Vos droits sur https://example.org. Répondez "
                 "BONJOUR. STOP pour ne plus recevoir de SMS.")
    refused = team.post(f"{url}/message", data={"csrf": csrf, "invitation": with_link,
                                                "reminder": "", "action": "save"})
    assert refused.status_code == 422 and "Pas de lien" in refused.text
    invitation = ("Bonjour, ici Passerelle, l'aide aux droits du quartier. Le CCAS nous a "
                  "donné votre numéro : vous avez peut-être droit à des aides. Répondez "
                  "BONJOUR pour le vérifier. STOP pour ne plus recevoir de SMS.")
    preview = team.post(f"{url}/message", data={"csrf": csrf, "invitation": invitation,
                                                "reminder": "", "action": "preview"})
    assert preview.status_code == 200 and 'data-parts="2"' in preview.text
    reminder = "Passerelle : il est encore temps de vérifier vos droits. Répondez BONJOUR. STOP pour arrêter."
    saved = team.post(f"{url}/message", data={"csrf": csrf, "invitation": invitation,
                                              "reminder": reminder, "action": "save"},
                      follow_redirects=False)
    assert saved.status_code == 303
    scheduled = team.post(f"{url}/programmer", data={
        "csrf": csrf, "start": "2026-11-10T08:00", "per_hour": "10"}, follow_redirects=False)
    assert scheduled.status_code == 303

    # 3. Allowed hours only: not on Tuesday evening, not on 11 November (a holiday), not
    # before 9:00 on Thursday; then 10 an hour.
    assert run(team, campaign_clock).outside_hours  # Tue 19:30
    assert run(team, campaign_clock, hours=15).outside_hours  # Wed 10:30, Armistice
    assert run(team, campaign_clock, hours=21, minutes=59).outside_hours  # Thu 8:29
    assert fake_twilio.messages == []
    fake_twilio.fail_next(1, status=400)  # the first number is refused for good by Twilio
    first = run(team, campaign_clock, minutes=31)  # Thu 9:00
    assert first.invitations == 10
    assert run(team, campaign_clock, minutes=30).invitations == 0  # throttled
    assert run(team, campaign_clock, minutes=31).invitations == 10  # Thu 10:01
    assert run(team, campaign_clock, hours=1).invitations == 4
    sent_to = {m["To"] for m in fake_twilio.messages}
    assert len(sent_to) == 23  # 24 invited, one refused by Twilio
    assert not sent_to & set(control)  # the control group hears nothing
    assert all("http" not in m["Body"] for m in fake_twilio.messages)

    # Delivery reports: one number the carrier could not reach.
    unreachable = fake_twilio.messages[3]
    params = {"MessageSid": unreachable["sid"], "MessageStatus": "undelivered"}
    status = team.post("/webhooks/twilio/status", data=params,
                       headers={"X-Twilio-Signature": sign("/webhooks/twilio/status", params)})
    assert status.status_code == 204
    for message in fake_twilio.messages[4:8]:
        params = {"MessageSid": message["sid"], "MessageStatus": "delivered"}
        team.post("/webhooks/twilio/status", data=params,
                  headers={"X-Twilio-Signature": sign("/webhooks/twilio/status", params)})
    assert run(team, campaign_clock).failed == 1  # Twilio's refusal was read back already
    failed = {p for p, h in households(sqlite_db).items() if h.failed_at}
    assert unreachable["To"] in failed and len(failed) == 2

    # 4. Replies: a STOP, and a « bonjour » that becomes a whole check.
    invited = [m["To"] for m in fake_twilio.messages if m["To"] not in failed]
    stopper = Phone(team, fake_twilio, invited[0])
    stopper.received = fake_twilio.bodies(to=stopper.number)
    assert "STOP" in stopper.say("STOP")[-1] or stopper.received
    resident = Phone(team, fake_twilio, invited[1])
    resident.received = fake_twilio.bodies(to=resident.number)
    assert "1. Oui" in resident.say("bonjour")[-1]
    resident.say("oui")
    resident.say("5")
    for answer in ["30", "67100", "1", "1", "500", "2", "800", "0"]:
        resident.say(answer)
    assert "Vous avez probablement droit" in "\n".join(resident.say("oui"))  # the read-back
    assert "rendez-vous" in resident.say("1")[0]  # talk to a person
    assert resident.say("1")[0].startswith("C'est noté")  # the first slot
    with sqlite_db.session() as session:  # what the referent records later
        handoff = session.scalars(select(Handoff)).one()
        for status, day in (("claim_filed", date(2026, 11, 20)), ("opened", date(2026, 12, 1))):
            session.add(Outcome(handoff_id=handoff.id, benefit_id="prime_activite",
                                status=status, happened_on=day, referent_id="amina",
                                recorded_at=campaign_clock()))
    neighbour = Phone(team, fake_twilio, control[0])  # in the control group, writes anyway
    neighbour.say("bonjour")
    with sqlite_db.session() as session:
        tagged = campaigns.campaign_of(session, core.address_key("sms", resident.number),
                                       now=campaign_clock())
        assert tagged is not None and tagged.id == campaign_id

    # 5. One reminder, three days later, to those who did not answer and can be reached.
    before = len(fake_twilio.messages)
    assert run(team, campaign_clock, days=1).reminders == 0  # Friday: too early
    reminded = run(team, campaign_clock, days=3, hours=-1)  # Monday 10:00
    later = run(team, campaign_clock, hours=1)
    assert reminded.reminders + later.reminders == 23 - 1 - 2  # minus STOP, reply, failed
    bodies_after = fake_twilio.messages[before:]
    reminded_to = {m["To"] for m in bodies_after if "encore temps" in m["Body"]}
    assert stopper.number not in reminded_to and resident.number not in reminded_to
    assert not reminded_to & failed and not reminded_to & set(control)
    assert run(team, campaign_clock, days=7).reminders == 0  # one reminder at most

    # 6. The campaign page: deliveries per campaign, and the figures.
    page = team.get(url).text
    invitations = page.split('data-row="invitation"')[1].split("</tr>")[0]
    assert '<td data-status="failed">2</td>' in invitations  # both parts, refused by Twilio
    assert '<td data-status="undelivered">1</td>' in invitations
    assert '<td data-status="delivered">4</td>' in invitations
    assert '<td data-status="sent">41</td>' in invitations  # 23 households, 2 parts each

    # 7. The figures, one by one, from the households' flags.
    state = households(sqlite_db)
    assert state[stopper.number].opted_out_at is not None
    assert state[stopper.number].replied_at is not None
    assert state[resident.number].replied_at and state[resident.number].check_completed
    assert state[resident.number].rights_found and state[resident.number].appointment
    assert state[resident.number].claim_filed and state[resident.number].right_opened
    assert state[neighbour.number].replied_at and not state[neighbour.number].check_completed
    invited_rows = [h for h in state.values() if h.grp == "invited"]
    control_rows = [h for h in state.values() if h.grp == "control"]
    assert sum(h.replied_at is not None for h in invited_rows) == 2
    assert sum(h.check_completed for h in invited_rows) == 1
    assert sum(h.replied_at is not None for h in control_rows) == 1
    assert sum(h.check_completed for h in control_rows) == 0
    with sqlite_db.session() as session:
        report = campaigns.evaluation(session.get(Campaign, campaign_id))
    assert (report.invited, report.control) == ("24", "6")
    replied = next(f for f in report.figures if f.key == "replied")
    assert (replied.invited, replied.control, replied.difference) == ("< 5", "< 5", "secret")
    for key in ("check_completed", "rights_found", "appointment", "claim_filed",
                "right_opened"):
        figure = next(f for f in report.figures if f.key == key)
        assert (figure.invited, figure.control, figure.difference) == (
            "< 5", "0 (0,0 %)", "secret"), key


def test_the_report_command_prints_the_campaign_and_control_figures(team, sqlite_db, capsys,
                                                                    monkeypatch,
                                                                    campaign_clock):
    core = team.app.state.core
    with sqlite_db.session() as session:  # 31 numbers kept (no STOP on record here)
        campaigns.import_households(session, name="Test", data=partner_file(),
                                    key_of=core.address_key, control_percent=20,
                                    created_by="t", now=campaign_clock() - timedelta(days=1),
                                    seed=7)
    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string(
        hide_password=False))
    assert main(["report", "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "Campagne 1 « Test » : 25 foyers invités, 6 foyers témoins (20 %, tirage n° 7)" in out
    assert "Vérifications terminées" in out and "IC 95 %" in out
