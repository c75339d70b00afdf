"""Referent accounts of the console: passwords, sessions and the limit on failed logins.

Everything lives in the database, not in process memory, so it holds across workers: a
session is a random token whose SHA-256 is stored (logout deletes the row, so a copied
cookie dies with it), and failed logins are rows counted over a sliding window.

Failed logins slow the next tries down, never lock an account: a hard lock after five
failures let anyone keep a team out of the console by typing its logins. Each scope has a
few free failures, then each further try waits for a delay doubling from DELAY_BASE after
the scope's latest failure: the same login from the same address (up to 15 minutes), one
address on any login (up to 15 minutes, several agents of one office share an address), and
one login from any address (up to ACCOUNT_DELAY_CAP, so that attackers spread over many
addresses cannot hold the account; an address the account logged in from within
TRUSTED_FOR does not wait for that one, only for its own failures).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from storage.accounts import (
    DEFAULT_ROLES,
    ROLES,
    ConsoleSession,
    LoginAttempt,
    ReferentAccount,
)
from storage.types import utcnow

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-passerelle"
# One development account per role, so that a newcomer can try every page (`make run`
# prints them). `demo` stays the referent's, as the README has always said.
DEMO_ACCOUNTS = {
    DEMO_LOGIN: "referent",
    "demo-projet": "projet",
    "demo-ambassadeur": "ambassadeur",
    "demo-national": "national",
    "demo-admin": "admin",
}

# Failures older than this are forgotten (the delays start again from nothing).
FAILED_LOGIN_WINDOW = timedelta(hours=24)
MAX_FAILED_PER_LOGIN = 5  # free failures of one login (per address, and from all)
# Higher per address: several agents of one France Services office share one public IP.
MAX_FAILED_PER_IP = 20
DELAY_BASE = timedelta(seconds=30)
DELAY_CAP = timedelta(minutes=15)
ACCOUNT_DELAY_CAP = timedelta(minutes=2)
TRUSTED_FOR = timedelta(days=30)
# argon2 takes 64 MiB per check: 4 at once per process, each waiting at most CHECK_WAIT.
MAX_CONCURRENT_CHECKS = 4
CHECK_WAIT = 1.0
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)

_hasher = PasswordHasher()
_checks = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalize_login(login: str) -> str:
    return login.strip().lower()


def add_account(session: Session, *, login: str, password: str, referent_id: str,
                roles: list[str] | None = None, territory_id: str | None = None
                ) -> ReferentAccount:
    """Create an account (or reset the password, referent and territory of an existing one).

    A reset closes the account's open sessions: a password changed because it leaked must
    not leave a session opened with it valid for its remaining 12 hours.
    `territory_id` None: the first territory configured (a one-territory deployment)."""
    login = normalize_login(login)
    if not login:
        raise ValueError("login is empty")
    if len(password) < 10:
        raise ValueError("password must have at least 10 characters")
    roles = list(roles or DEFAULT_ROLES)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; known: {list(ROLES)}")
    account = session.scalars(select(ReferentAccount).where(ReferentAccount.login == login)).first()
    if account is None:
        account = ReferentAccount(login=login, referent_id=referent_id, roles=roles)
        session.add(account)
    else:
        session.execute(delete(ConsoleSession).where(ConsoleSession.account_id == account.id))
    account.password_hash = hash_password(password)
    account.referent_id = referent_id
    account.roles = roles
    account.territory_id = territory_id
    account.active = True
    session.flush()
    return account


def remove_account(session: Session, login: str) -> bool:
    """Delete an account and, by cascade, its sessions; False if there was none."""
    account = session.scalars(
        select(ReferentAccount).where(ReferentAccount.login == normalize_login(login))).first()
    if account is None:
        return False
    session.delete(account)
    return True


class DemoAccountInProduction(RuntimeError):
    """The demo account, whose password is in the README, exists in a production database."""


def refuse_demo_account(session: Session) -> None:
    """Production start-up check: anyone could log in as a demo account with the public
    password."""
    exists = session.scalars(select(ReferentAccount.login).where(
        ReferentAccount.login.in_(list(DEMO_ACCOUNTS))).order_by(ReferentAccount.login)).first()
    if exists is not None:
        raise DemoAccountInProduction(
            f"the demo console account {exists!r} exists in this database and its "
            f"password is public: remove it before starting with PASSERELLE_ENV=production "
            f"(python -m handoff remove-referent --login {exists})")


def ensure_demo_account(db, referent_id: str | None = None, *,
                        territory_id: str | None = None) -> tuple[str, str]:
    """The development demo account (created once): its login and password, to print.

    Only for databases where `Settings.wants_demo_account` (bot/__main__.py checks it)."""
    if referent_id is None:
        from handoff.territory import load_territory

        referent_id = next(iter(load_territory().referents))
    with db.session() as session:
        account = session.scalars(
            select(ReferentAccount).where(ReferentAccount.login == DEMO_LOGIN)).first()
        if account is None or not _verify(account.password_hash, DEMO_PASSWORD) \
                or account.territory_id != territory_id:
            add_account(session, login=DEMO_LOGIN, password=DEMO_PASSWORD,
                        referent_id=referent_id, territory_id=territory_id)
    return DEMO_LOGIN, DEMO_PASSWORD


def ensure_demo_accounts(db, referent_ids: list[str], *, territory_id: str | None = None
                         ) -> list[tuple[str, str, str]]:
    """Every development demo account, one per role (created once): (login, password,
    role) to print. The referent and the admin act as the territory's first referent, the
    others as the second when there is one, so the agenda shows two people's days.

    Only for databases where `Settings.wants_demo_account` (bot/__main__.py checks it)."""
    made = []
    with db.session() as session:
        for login, role in DEMO_ACCOUNTS.items():
            referent_id = referent_ids[0 if role in ("referent", "admin") else
                                       min(1, len(referent_ids) - 1)]
            account = session.scalars(
                select(ReferentAccount).where(ReferentAccount.login == login)).first()
            if (account is None or not _verify(account.password_hash, DEMO_PASSWORD)
                    or account.territory_id != territory_id or account.roles != [role]):
                add_account(session, login=login, password=DEMO_PASSWORD,
                            referent_id=referent_id, roles=[role], territory_id=territory_id)
            made.append((login, DEMO_PASSWORD, role))
    return made


@dataclass
class LoginResult:
    account: ReferentAccount | None
    blocked: bool = False  # too many failures lately: `retry_after` seconds to wait
    busy: bool = False  # too many passwords being checked at once: try again in a moment
    retry_after: int = 0


def failures(session: Session, *, login: str, ip: str, now: datetime) -> tuple[int, int]:
    since = now - FAILED_LOGIN_WINDOW

    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > since, *where)) or 0

    return count(LoginAttempt.login == login), count(LoginAttempt.ip == ip)


def _delay(session: Session, now: datetime, free: int, cap: timedelta, *where) -> float:
    """Seconds still to wait in one scope: none for its first `free` failures, then a delay
    doubling from DELAY_BASE after its latest failure, up to `cap`."""
    recent = (LoginAttempt.succeeded.is_(False),
              LoginAttempt.attempted_at > now - FAILED_LOGIN_WINDOW, *where)
    count = session.scalar(select(func.count()).select_from(LoginAttempt).where(*recent)) or 0
    if count < free:
        return 0.0
    latest = session.scalars(select(LoginAttempt.attempted_at).where(*recent)
                             .order_by(LoginAttempt.attempted_at.desc()).limit(1)).first()
    if latest.tzinfo is None and now.tzinfo is not None:
        latest = latest.replace(tzinfo=now.tzinfo)
    delay = min(DELAY_BASE * 2 ** min(count - free, 20), cap)
    return max((latest + delay - now).total_seconds(), 0.0)


def wait_before_check(session: Session, *, login: str, ip: str, now: datetime,
                      own_id: int | None = None) -> float:
    """Seconds this try must still wait (0: check the password now)."""
    others = (LoginAttempt.id != own_id,) if own_id is not None else ()
    waits = [_delay(session, now, MAX_FAILED_PER_LOGIN, DELAY_CAP,
                    LoginAttempt.login == login, LoginAttempt.ip == ip, *others),
             _delay(session, now, MAX_FAILED_PER_IP, DELAY_CAP, LoginAttempt.ip == ip, *others)]
    trusted = session.scalars(select(LoginAttempt.id).where(
        LoginAttempt.login == login, LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(True),
        LoginAttempt.attempted_at > now - TRUSTED_FOR).limit(1)).first()
    if trusted is None:
        waits.append(_delay(session, now, MAX_FAILED_PER_LOGIN, ACCOUNT_DELAY_CAP,
                            LoginAttempt.login == login, *others))
    return max(waits)


def authenticate(session: Session, *, login: str, password: str, ip: str,
                 now: datetime | None = None) -> LoginResult:
    """Check a login; a try that comes before its delay (module docstring) is refused
    unchecked, even with the right password, and says how long to wait.

    The attempt is written, as a failure, and committed before the password is checked, so
    that parallel tries see each other: a burst checks at most MAX_FAILED_PER_LOGIN
    passwords per login. A refused try is not recorded, so it never lengthens the delay:
    someone who keeps trying does not keep the referent out.
    At most MAX_CONCURRENT_CHECKS checks run at once in a process (64 MiB each); beyond,
    the answer is « busy » at once, nothing counted. Commits `session`.
    """
    now = now or utcnow()
    login = normalize_login(login)[:120]
    _serialize_per_login(session, login)
    attempt = LoginAttempt(login=login, ip=ip[:64], succeeded=False, attempted_at=now)
    session.add(attempt)
    session.flush()  # SQLite: takes the write lock, so the count below is everyone's
    wait = wait_before_check(session, login=login, ip=ip[:64], now=now, own_id=attempt.id)
    blocked = wait > 0
    if blocked:
        session.delete(attempt)
    # Old rows are of no use past their use: keep the table small (a success marks its
    # address trusted for TRUSTED_FOR).
    session.execute(delete(LoginAttempt).where(
        LoginAttempt.attempted_at < now - FAILED_LOGIN_WINDOW, LoginAttempt.succeeded.is_(False)))
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - TRUSTED_FOR))
    session.commit()  # visible to the other tries before the slow check; no lock held during it
    if blocked:
        return LoginResult(None, blocked=True, retry_after=max(1, math.ceil(wait)))
    if not _checks.acquire(timeout=CHECK_WAIT):
        session.delete(attempt)  # never checked: not a failure
        session.commit()
        return LoginResult(None, busy=True)
    try:
        candidate = session.scalars(
            select(ReferentAccount).where(ReferentAccount.login == login,
                                          ReferentAccount.active.is_(True))).first()
        account = None
        if candidate is not None and _verify(candidate.password_hash, password):
            account = candidate
            if _hasher.check_needs_rehash(candidate.password_hash):
                candidate.password_hash = hash_password(password)
        elif candidate is None:
            _verify(_DUMMY_HASH, password)  # same time whether the login exists or not
    finally:
        _checks.release()
    attempt.succeeded = account is not None
    return LoginResult(account)


def _serialize_per_login(session: Session, login: str) -> None:
    """PostgreSQL: tries on one login take turns until they commit (SQLite has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                        {"key": "login:" + login})


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not-a-real-password")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account: ReferentAccount) -> tuple[str, ConsoleSession]:
    """A new session for the account: the token to put in the cookie, and the row."""
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(token_hash=token_hash(token), account_id=account.id,
                         csrf_token=secrets.token_urlsafe(32))
    session.add(row)
    session.flush()
    return token, row


def find_session(session: Session, token: str | None, now: datetime | None = None
                 ) -> ConsoleSession | None:
    """The live session for a cookie token, touched; None if unknown, expired or idle."""
    if not token:
        return None
    now = now or utcnow()
    row = session.scalars(
        select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    if (now - row.created_at > SESSION_LIFETIME or now - row.last_seen_at > SESSION_IDLE
            or not row.account.active):
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now  # not on every poll: fewer writes
    return row


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))
