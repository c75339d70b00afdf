"""« SUPPRIMER » leaves the number nowhere (issue 27, item 6): not in a campaign's household
rows (only the anonymous flags stay), no invitation not yet queued goes out to the person
after, and the erasure's own confirmation leaves no outbox row once sent, nor the number in
the SQLite file or its log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.campaigns import send_pass
from handoff.campaigns import import_households
from storage.campaigns import Campaign, CampaignHousehold
from storage.models import OutboxMessage
from tests.bot.channels.test_security_erasure import database_bytes


def test_erasure_blanks_the_households_skips_their_invitations_and_drops_its_confirmation(
        phone, sms_app):
    app = sms_app.app
    db, core = app.state.db, app.state.core
    local = phone.number.removeprefix("+33")
    data = f"telephone\n0{local}\n0612999001\n".encode()
    with db.session() as session:
        made = import_households(session, name="Quartier", data=data, key_of=core.address_key,
                                 control_percent=0, created_by="agent", now=datetime.now(UTC))
        campaign_id = made.campaign.id
    phone.say("bonjour")
    phone.say("oui")
    phone.say("5")
    key = core.address_key("sms", phone.number)
    with db.session() as session:
        before = len(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.address_key == key)).all())  # earlier replies' delivery records
    assert "effacées" in "\n".join(phone.say("SUPPRIMER"))
    with db.session() as session:
        households = session.scalars(select(CampaignHousehold).where(
            CampaignHousehold.campaign_id == campaign_id).order_by(CampaignHousehold.id)).all()
        assert (households[0].phone, households[0].address_key) == (None, None)
        assert households[0].replied_at is not None  # the anonymous flag stays
        assert households[1].phone == "+33612999001"  # the other household is untouched
        # The campaign is scheduled now: its invitations go to whoever is still there.
        campaign = session.get(Campaign, campaign_id)
        campaign.status, campaign.invitation = "scheduled", "Passerelle vous invite."
        campaign.send_after = datetime.now(UTC) - timedelta(minutes=1)
        now = datetime.now(UTC).replace(hour=10)
        send_pass(session, campaign, app.state.territory, now=now)
        # Queued for the other household only (sent in the allowed hours).
        assert households[0].invited_at is None and households[1].invited_at is not None
    with db.session() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.address_key == key)).all()
        assert len(rows) == before  # the confirmation's row went once sent
        assert all(row.recipient is None and row.body == "" for row in rows)
        assert [row.recipient for row in session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "pending"))] == ["+33612999001"]
    # No checkpoint asked by the test: the send of the confirmation did it.
    data = database_bytes(db)
    assert phone.number.encode() not in data and local.encode() not in data
