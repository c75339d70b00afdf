"""First contacts are counted per person: one phone number writing by SMS and on WhatsApp
is one first contact, found through a keyed hash of the number (never the number)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from handoff import indicators
from handoff.contacts import normalised_number
from storage.models import ChannelAddress, FunnelEvent
from tests.helpers.channels import Phone

NUMBERS = [f"+3361555{i:04d}" for i in range(5)]


def first_contacts(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.sum(func.coalesce(FunnelEvent.delta, 1))).where(
            FunnelEvent.kind == "first_contact")) or 0


def test_the_same_number_on_sms_and_whatsapp_is_one_first_contact(sms_app, fake_twilio,
                                                                   sqlite_db):
    for number in NUMBERS:
        assert Phone(sms_app, fake_twilio, number).send("bonjour").status_code == 200
        whatsapp = Phone(sms_app, fake_twilio, f"whatsapp:{number}")
        assert whatsapp.send("bonjour").status_code == 200
    Phone(sms_app, fake_twilio, "+33699999999").send("bonjour")  # someone else
    assert first_contacts(sqlite_db) == 6

    with sqlite_db.session() as session:
        addresses = session.scalars(select(ChannelAddress)).all()
        assert len(addresses) == 11  # still one address (and person) per channel
        by_number = {}
        for address in addresses:
            assert address.contact_key and len(address.contact_key) == 64
            assert not any(n[1:] in address.contact_key for n in NUMBERS)
            by_number.setdefault(address.contact_key, set()).add(address.channel)
        assert sorted(len(channels) for channels in by_number.values()) == [1, 2, 2, 2, 2, 2]
        # The funnel counts per person, in the channel of the first message.
        report = indicators.build(session, start=date(2020, 1, 1), end=date(2030, 12, 31))
    funnel = report.table("funnel")
    assert funnel.cell("first_contact").text == "6"
    assert report.table("by_channel").cell("sms", "first_contact").text == "6"
    assert [r.key for r in report.table("by_channel").rows] == ["sms"]


def test_numbers_are_normalised_before_hashing():
    assert normalised_number("sms", "+33 6 12 34 56 78") == "+33612345678"
    assert normalised_number("whatsapp", "whatsapp:+33612345678") == "+33612345678"
    assert normalised_number("sms", "06.12.34.56.78") == "+33612345678"
    assert normalised_number("sms", "0033612345678") == "+33612345678"
    assert normalised_number("telegram", "123456") is None
    assert normalised_number("web", "+33612345678") is None
