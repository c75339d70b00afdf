"""What erasing a person needs beyond the cascading DELETE (bot/dialogue, handoff/retention).

- `forget_outbox`: the outbox has no link to `Person` (the erasure confirmation must still
  go out), so the messages still waiting for the person's addresses are deleted by key:
  otherwise a reminder queued before « SUPPRIMER » would still be sent, number and all.
- `forget_inbound`: received messages stored before their turn (`InboundMessage`, also keyed
  by address) hold the person's words and number until answered, or an address key once
  given up: the person's rows go with them, those still waiting included.
- `checkpoint`: SQLite in WAL mode keeps the old pages (numbers, texts) in the -wal file
  until a checkpoint; with `secure_delete` on (storage/db.py) the deleted content is then
  overwritten in the database file and the log is truncated to nothing. Run it after the
  erasure's transaction is committed. PostgreSQL: nothing to do here (see docs/security.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import InboundMessage, OutboxMessage

log = logging.getLogger(__name__)
WAITING = ("pending", "sending")
# The address keys an erasing turn erased, in its session's `info`: the outbox marks what it
# queues for them in that turn (the confirmation), to drop its row once sent (bot/outbox.py).
ERASED_KEYS = "erased_address_keys"


def forget_outbox(session: Session, address_keys: Iterable[str]) -> int:
    """Deletes the messages still waiting for these addresses; returns how many.

    Sent messages are already blanked (no body, no number). The opt-out confirmation
    (`always_send`) stays: it is the one message owed to someone who sent STOP.
    """
    keys = list(address_keys)
    if not keys:
        return 0
    result = session.execute(
        delete(OutboxMessage)
        # « held »: a referent's reply waiting for the person to write (bot/delivery.py).
        .where(OutboxMessage.address_key.in_(keys),
               OutboxMessage.status.in_((*WAITING, "held")),
               OutboxMessage.always_send.is_(False))
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def forget_inbound(session: Session, address_keys: Iterable[str]) -> int:
    """Deletes every stored received message of these addresses; returns how many.

    Pending ones included: a message the person sent before the erasure ran (« SUPPRIMER »
    retried after a fault, a later message waiting behind it) is erased with the rest rather
    than answered after. The one whose turn is erasing is deleted here too, in its own
    transaction, which also records it as processed.
    """
    keys = list(address_keys)
    if not keys:
        return 0
    result = session.execute(
        delete(InboundMessage).where(InboundMessage.address_key.in_(keys))
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def checkpoint(db: Database, *, attempts: int = 5) -> bool:
    """Copies the SQLite write-ahead log into the database and truncates it to zero bytes.

    True when done (always on PostgreSQL). A reader in the middle of a transaction makes
    SQLite answer busy: it is retried a few times, then left to the next checkpoint.
    """
    if db.engine.dialect.name != "sqlite":
        return True
    for attempt in range(attempts):
        with db.engine.connect() as connection:
            busy, _log_pages, _done = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(TRUNCATE)").one()
            connection.commit()
        if not busy:
            return True
        time.sleep(0.05 * (attempt + 1))
    log.warning("erasure: the SQLite checkpoint stayed busy; the next one will finish it")
    return False
