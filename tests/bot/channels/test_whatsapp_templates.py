"""WhatsApp outside its 24-hour window (issue 28 item 1): the day-before reminder and a
referent's reply go as approved templates through Twilio's Content API, with the real
twilio client against the local stand-in API; without a template they go by SMS to a number
the person gave, or are marked undeliverable and shown to the referent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.channels.twilio_sms import STATUS_PATH
from bot.console.delivery import send_to_person
from bot.reminders import send_due_reminders
from handoff import indicators
from handoff.accounts import add_account
from storage.handoff import Appointment, Handoff
from storage.models import ChannelAddress, OutboxMessage, Person
from tests.helpers.channels import PUBLIC, SID, Phone, sign, twilio_settings
from tests.helpers.console import LOGIN, PASSWORD, log_in

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 9:00 in Strasbourg
TEMPLATES = "reminder.fr=HX" + "1" * 32 + ", referent_reply.fr=HX" + "2" * 32


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def _app(app_factory, fake_twilio, clock, **more):
    return TestClient(app_factory(clock=clock, **twilio_settings(fake_twilio), **more))


def book(phone: Phone) -> Appointment:
    for text in ["bonjour", "oui", "conseiller", "1"]:
        phone.say(text)
    with phone.client.app.state.db.session() as s:
        return s.scalars(select(Appointment).order_by(Appointment.id.desc())).first()


def reminder_time(appointment: Appointment) -> datetime:
    """15:00 the day before, local time: when the reminder loop queues it."""
    local = appointment.starts_at.astimezone(timezone(timedelta(hours=1)))  # CET in December
    day = (local - timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, 15, tzinfo=timezone(timedelta(hours=1)))


def last_message_30_hours_before(app, address: str, moment: datetime) -> None:
    """The person's last message 30 hours before `moment` (they booked, then fell silent)."""
    core = app.app.state.core
    with app.app.state.db.session() as s:
        person = s.scalars(
            select(Person)
            .join(ChannelAddress)
            .where(ChannelAddress.key == core.address_key("whatsapp", address))
        ).one()
        person.last_message_at = moment - timedelta(hours=30)


def remind(app, phone: Phone, appointment: Appointment) -> datetime:
    moment = reminder_time(appointment)
    last_message_30_hours_before(app, phone.number, moment)
    assert send_due_reminders(app.app.state.db, app.app.state.territory, now=moment) == 1
    phone.dispatch(now=moment)
    return moment


def referent(app) -> TestClient:
    """A client of the same app, logged in to the console as a referent of the territory
    (on the public https address: the session cookie is secure there)."""
    with app.app.state.db.session() as s:
        add_account(s, login=LOGIN, password=PASSWORD, referent_id="amina")
    console = TestClient(app.app, base_url=PUBLIC)
    assert log_in(console).status_code == 303
    return console


def outbox_rows(app, kind: str) -> list[OutboxMessage]:
    with app.app.state.db.session() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))
        s.expunge_all()
        return rows


def test_a_reminder_30_hours_after_the_last_message_goes_as_the_template(app_factory, fake_twilio, clock):
    with _app(app_factory, fake_twilio, clock, whatsapp_templates=TEMPLATES) as app:
        phone = Phone(app, fake_twilio, "whatsapp:+33611000001")
        appointment = book(phone)
        before = len(fake_twilio.messages)
        remind(app, phone, appointment)
        (sent,) = fake_twilio.messages[before:]
        assert sent["To"] == "whatsapp:+33611000001"
        assert sent["ContentSid"] == "HX" + "1" * 32 and "Body" not in sent
        variables = json.loads(sent["ContentVariables"])
        place = app.app.state.territory.places[appointment.place_id]
        assert variables["3"] == place.address and variables["1"]
        (row,) = outbox_rows(app, "reminder")
        assert row.status == "sent" and row.variables is None  # nothing kept once sent


def test_within_the_window_the_reminder_goes_as_free_text(app_factory, fake_twilio, clock):
    with _app(app_factory, fake_twilio, clock, whatsapp_templates=TEMPLATES) as app:
        phone = Phone(app, fake_twilio, "whatsapp:+33611000002")
        appointment = book(phone)
        moment = reminder_time(appointment)
        with app.app.state.db.session() as s:
            for person in s.scalars(select(Person)):
                person.last_message_at = moment - timedelta(hours=2)
        before = len(fake_twilio.messages)
        assert send_due_reminders(app.app.state.db, app.app.state.territory, now=moment) == 1
        phone.dispatch(now=moment)
        (sent,) = fake_twilio.messages[before:]
        assert "ContentSid" not in sent and sent["Body"].startswith("Rappel")


def test_without_a_template_the_reminder_goes_by_sms_to_the_persons_number(app_factory, fake_twilio, clock):
    with _app(app_factory, fake_twilio, clock) as app:
        phone = Phone(app, fake_twilio, "whatsapp:+33611000003")
        appointment = book(phone)
        core = app.app.state.core
        with app.app.state.db.session() as s:
            # The same person also texts the service by SMS, with consent given there.
            person = s.scalars(
                select(Person)
                .join(ChannelAddress)
                .where(ChannelAddress.key == core.address_key("whatsapp", phone.number))
            ).one()
            s.add(
                ChannelAddress(
                    person_id=person.id,
                    channel="sms",
                    address="+33611000003",
                    key=core.address_key("sms", "+33611000003"),
                )
            )
        before = len(fake_twilio.messages)
        moment = remind(app, phone, appointment)
        phone.dispatch(now=moment)  # the SMS queued in place of the WhatsApp message
        (sent,) = fake_twilio.messages[before:]
        assert sent["To"] == "+33611000003" and sent["Body"].startswith("Rappel")
        statuses = sorted(row.status for row in outbox_rows(app, "reminder"))
        assert statuses == ["rerouted", "sent"]


def test_without_a_template_nor_a_number_it_is_shown_undeliverable(app_factory, fake_twilio, clock):
    with _app(app_factory, fake_twilio, clock) as app:
        phone = Phone(app, fake_twilio, "whatsapp:+33611000004")
        appointment = book(phone)
        before = len(fake_twilio.messages)
        remind(app, phone, appointment)
        assert fake_twilio.messages[before:] == []  # Twilio would refuse it (63016)
        (row,) = outbox_rows(app, "reminder")
        assert row.status == "undeliverable" and row.recipient is None and row.body == ""
        with app.app.state.db.session() as s:
            handoff = s.get(Handoff, appointment.handoff_id)
            assert handoff.delivery_failed_at is not None


def test_a_referents_reply_waits_behind_its_template_until_the_person_writes(app_factory, fake_twilio, clock):
    with _app(app_factory, fake_twilio, clock, whatsapp_templates=TEMPLATES) as app:
        phone = Phone(app, fake_twilio, "whatsapp:+33611000005")
        appointment = book(phone)
        later = datetime.now(UTC)  # send_to_person queues on the real clock
        last_message_30_hours_before(app, phone.number, later)
        with app.app.state.db.session() as s:
            handoff = s.get(Handoff, appointment.handoff_id)
            send_to_person(
                s, handoff.conversation, "Bonjour, apportez votre avis d'impôt.", referent_id="ref-1"
            )
        before = len(fake_twilio.messages)
        phone.dispatch(now=later + timedelta(minutes=1))
        (template,) = fake_twilio.messages[before:]
        assert template["ContentSid"] == "HX" + "2" * 32
        assert "avis d'impôt" not in json.dumps(template)
        assert phone.new()[-1] == "<template HX" + "2" * 32 + ">"
        (row,) = outbox_rows(app, "referent_reply")
        assert row.status == "held"
        clock.now = later + timedelta(minutes=5)
        assert phone.send("oui").status_code == 200
        phone.dispatch(now=clock.now)
        replies = phone.new()
        assert replies[0] == "Bonjour, apportez votre avis d'impôt." and len(replies) >= 2
        (row,) = outbox_rows(app, "referent_reply")
        assert row.status == "sent" and row.body == ""


def status_callback(app, sid: str, status: str, error_code: str | None = None):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": SID}
    if error_code:
        params["ErrorCode"] = error_code
    return app.post(STATUS_PATH, data=params, headers={"X-Twilio-Signature": sign(STATUS_PATH, params)})


def test_a_status_callback_with_error_30003_shows_on_the_handoff_page(app_factory, fake_twilio, clock):
    """Issue 28 item 3: the reminder was sent, then Twilio reports it undelivered."""
    with _app(app_factory, fake_twilio, clock) as app:
        other = Phone(app, fake_twilio, "+33611000007")
        book(other)  # an older hand-off, ahead in the queue until the failure
        sms = Phone(app, fake_twilio, "+33611000006")
        appointment = book(sms)
        moment = reminder_time(appointment)
        assert send_due_reminders(app.app.state.db, app.app.state.territory, now=moment) >= 1
        before = len(fake_twilio.messages)
        sms.dispatch(now=moment)
        sent = [m for m in fake_twilio.messages[before:] if m["To"] == sms.number]
        assert sent and sent[0]["StatusCallback"] == PUBLIC + STATUS_PATH
        forged = app.post(
            STATUS_PATH,
            data={"MessageSid": sent[0]["sid"], "MessageStatus": "undelivered"},
            headers={"X-Twilio-Signature": "forged"},
        )
        assert forged.status_code == 403
        assert status_callback(app, sent[0]["sid"], "undelivered", "30003").status_code == 204
        assert status_callback(app, sent[0]["sid"], "sent").status_code == 204  # late, ignored
        (row,) = [r for r in outbox_rows(app, "reminder") if r.provider_id == sent[0]["sid"]]
        assert (row.status, row.error_code) == ("undelivered", "30003")
        console = referent(app)
        queue = console.get("/console/queue.json").json()
        assert queue["ids"][0] == appointment.handoff_id
        assert "Message non distribué" in queue["html"]
        page = console.get(f"/console/handoffs/{appointment.handoff_id}").text
        assert "Rappel de rendez-vous" in page and "non distribué" in page
        assert "téléphone injoignable" in page
        # Seen by a referent: the hand-off goes back to its place, the failure stays listed.
        assert console.get("/console/queue.json").json()["ids"][0] != appointment.handoff_id
        page = console.get(f"/console/handoffs/{appointment.handoff_id}").text
        assert "téléphone injoignable" in page


def test_a_message_shown_undeliverable_without_template_nor_number(app_factory, fake_twilio, clock):
    with _app(app_factory, fake_twilio, clock) as app:
        phone = Phone(app, fake_twilio, "whatsapp:+33611000008")
        appointment = book(phone)
        remind(app, phone, appointment)
        page = referent(app).get(f"/console/handoffs/{appointment.handoff_id}").text
        assert "Message non distribué" in page
        assert "pas de modèle « reminder »" in page


def test_indicators_count_delivery_failures_by_channel(app_factory, fake_twilio, clock):
    with _app(app_factory, fake_twilio, clock) as app:
        for number in ("+33611000009", "+33611000010"):
            book(Phone(app, fake_twilio, number))
        sids = [m["sid"] for m in fake_twilio.messages]
        assert len(sids) >= 5
        for sid in sids[:5]:
            assert status_callback(app, sid, "failed", "30005").status_code == 204
        assert status_callback(app, sids[0], "failed", "30005").status_code == 204  # repeated
        with app.app.state.db.session() as s:
            day = datetime.now(UTC).date()
            report = indicators.build(s, start=day - timedelta(days=7), end=day + timedelta(days=7))
            table = report.table("delivery_failures")
            assert table.cell("sms").value == 5 and table.cell("total").value == 5
