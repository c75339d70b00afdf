"""Storage keeps personal data out of error messages and out of freed database pages."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from storage.models import ChannelAddress, OutboxMessage, Person

NUMBER = "+33698765432"
BODY = "Votre revenu de 1234 euros, Mme Lefèvre"


def test_a_database_error_does_not_carry_the_bound_values(any_db):
    with any_db.session() as session:
        person = Person()
        session.add(person)
        session.flush()
        session.add(ChannelAddress(person_id=person.id, channel="sms", key="k" * 64,
                                   address="+33600000000"))
    with pytest.raises(IntegrityError) as caught:
        with any_db.session() as session:
            person = Person()
            session.add(person)
            session.flush()
            session.add(OutboxMessage(channel="sms", address_key="k" * 64, recipient=NUMBER,
                                      body=BODY, status="pending"))
            session.add(ChannelAddress(person_id=person.id, channel="sms", key="k" * 64,
                                       address=NUMBER))
    text = str(caught.value) + repr(caught.value)
    assert NUMBER not in text and "98765432" not in text and "Lefèvre" not in text
    assert "hidden" in text  # SQLAlchemy says it left them out
