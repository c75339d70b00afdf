"""A campaign message retried after a Twilio outage waits for the next allowed window (never
after 19:00 nor on a public holiday), while the reply to a resident who just wrote leaves at
once, even to an invited number whose invitation is waiting."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot import campaigns as sending
from bot import outbox
from bot.dialogue.types import Reply
from bot.worker import dispatch_once
from handoff import campaigns
from storage.campaigns import Campaign
from storage.models import OutboxMessage

NUMBERS = [f"+3361234{i:04d}" for i in range(6)]
INVITATION = ("Passerelle (Ville de Strasbourg) : vous avez peut-être droit à une aide. "
              "Répondez OUI pour vérifier vos droits. STOP pour ne plus rien recevoir.")


def schedule(db, core, now):
    data = ("telephone\n" + "\n".join(NUMBERS)).encode()
    with db.session() as session:
        imported = campaigns.import_households(
            session, name="Outage", data=data, key_of=core.address_key, control_percent=0,
            created_by="projet", now=now, seed=1)
        campaign = imported.campaign
        campaign.invitation = INVITATION
        campaign.status = "scheduled"
        campaign.send_after = now


ANSWER = "Bonjour, je suis Passerelle."


def reply(db, core, number, now):
    with db.session() as session:
        outbox.enqueue(session, channel="sms", recipient=number,
                       address_key=core.address_key("sms", number), replies=[Reply(ANSWER)],
                       now=now)


def dispatch(app, clock):
    return dispatch_once(app.state.db, app.state.channels.transports, now=clock(),
                         territory=app.state.territory)


def test_retried_invitations_wait_for_the_next_allowed_window(team, fake_twilio,
                                                              campaign_clock, sqlite_db):
    app = team.app
    # Tuesday 10 November 2026, 18:50 in Strasbourg: still allowed.
    campaign_clock.now = datetime(2026, 11, 10, 17, 50, tzinfo=UTC)
    schedule(sqlite_db, app.state.core, campaign_clock())
    assert sending.run_once(sqlite_db, app.state.territory, now=campaign_clock()).invitations == 6

    fake_twilio.fail_next(100, status=503)  # Twilio is down
    report = dispatch(app, campaign_clock)
    assert report.retried == 6 and report.sent == 0
    fake_twilio.fail_next(0)  # back up at 19:05, after the allowed hours
    campaign_clock.advance(minutes=15)
    report = dispatch(app, campaign_clock)
    assert report.sent == 0 and report.deferred == 6
    assert fake_twilio.messages == []
    with sqlite_db.session() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.in_hours)).all()
        # Wednesday 11 November is a public holiday: Thursday 9:00 in Strasbourg.
        assert {row.next_attempt_at.astimezone(UTC) for row in waiting} == {
            datetime(2026, 11, 12, 8, 0, tzinfo=UTC)}
        assert {row.status for row in waiting} == {"pending"}

    # An invited resident writes at 19:10: the answer (queued as a turn queues it) does not
    # wait behind the invitation held to Thursday.
    campaign_clock.advance(minutes=5)
    reply(sqlite_db, app.state.core, NUMBERS[0], campaign_clock())
    assert dispatch(app, campaign_clock).sent == 1
    assert fake_twilio.bodies(to=NUMBERS[0]) == [ANSWER]

    # The holiday, at 10:00: still nothing from the campaign.
    campaign_clock.now = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    assert dispatch(app, campaign_clock).sent == 0
    assert fake_twilio.bodies(to=NUMBERS[1]) == []

    # Thursday 9:00: the six invitations leave.
    campaign_clock.now = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    report = dispatch(app, campaign_clock)
    assert report.sent >= 6
    for number in NUMBERS:
        assert any("OUI pour vérifier" in body for body in fake_twilio.bodies(to=number))
    with sqlite_db.session() as session:
        assert session.scalars(select(Campaign.status)).one() == "scheduled"


def test_a_reply_after_hours_is_not_held(team, fake_twilio, campaign_clock, sqlite_db):
    """Ordinary replies are not campaign messages: at 19:30, or retried after an outage at
    23:00, they leave as soon as Twilio takes them."""
    app = team.app
    campaign_clock.now = datetime(2026, 11, 10, 22, 0, tzinfo=UTC)  # 23:00 in Strasbourg
    reply(sqlite_db, app.state.core, "+33698000001", campaign_clock())
    fake_twilio.fail_next(1, status=503)
    assert dispatch(app, campaign_clock).retried == 1
    campaign_clock.advance(minutes=1)
    assert dispatch(app, campaign_clock).sent == 1
    assert fake_twilio.bodies(to="+33698000001") == [ANSWER]


def test_an_invitation_held_overnight_is_cancelled_when_the_person_writes_first(
        team, fake_twilio, campaign_clock, sqlite_db):
    from tests.helpers.channels import Phone

    app = team.app
    campaign_clock.now = datetime(2026, 11, 10, 17, 50, tzinfo=UTC)  # Tuesday 18:50
    schedule(sqlite_db, app.state.core, campaign_clock())
    sending.run_once(sqlite_db, app.state.territory, now=campaign_clock())
    fake_twilio.fail_next(100, status=503)
    dispatch(app, campaign_clock)  # Twilio down: all retried, then held until Thursday 9:00
    fake_twilio.fail_next(0)
    campaign_clock.advance(minutes=15)
    assert dispatch(app, campaign_clock).deferred == 6

    # The first number writes on Wednesday (a friend told them): the conversation starts,
    # and their invitation waiting for Thursday will not arrive after it.
    campaign_clock.advance(hours=14)
    resident = Phone(team, fake_twilio, NUMBERS[0])
    assert resident.send("bonjour").status_code == 200  # (its answer: the test above)
    campaign_clock.now = datetime(2026, 11, 12, 8, 5, tzinfo=UTC)  # Thursday 9:05
    assert dispatch(app, campaign_clock).sent == 5
    invited = "vous avez peut"  # (the SMS goes in GSM-7: « peut-être » as « peut-etre »)
    assert not any(invited in body for body in fake_twilio.bodies(to=NUMBERS[0]))
    assert [invited in body for body in fake_twilio.bodies(to=NUMBERS[1])] == [True]
    with sqlite_db.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        delivery = sending.delivery(session, campaign.id)
    assert delivery["invitation"]["cancelled"] == 1 and delivery["invitation"]["sent"] == 5
