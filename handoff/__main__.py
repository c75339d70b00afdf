"""Command line of the hand-off side.

    python -m handoff add-referent --login amina@ccas.fr --referent-id amina [--password-stdin]
        creates a console account (or resets its password); without --password-stdin the
        password is asked twice on the terminal. --role (repeatable: referent, projet,
        admin, national, ambassadeur) sets exactly the roles given, `--role projet` alone an
        account that sees the figures only; without it, referent.
    python -m handoff add-referent --login karim --role ambassadeur [--password-stdin]
        an ambassador's account: the field page only (no referent id needed: the login
        stands for it).
    python -m handoff remove-referent --login amina@ccas.fr
        deletes a console account and its sessions (e.g. `demo` before going to production).
    python -m handoff report --month 2026-03 [--csv]
    python -m handoff report --from 2026-01-01 --to 2026-03-31 [--csv]
        prints the take-up figures of the period (whole calendar months only), masked as in
        the console (handoff/indicators.py), then the invited/control figures of the
        campaigns still being evaluated (handoff/campaigns.py; not with --csv).
    python -m handoff purge [--months 12]
        erases the people silent for RETENTION_MONTHS months, and the console audit older
        than AUDIT_RETENTION_MONTHS (handoff/retention.py); the app also does it once a day.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, date, datetime

from sqlalchemy import select

from common.settings import Settings
from handoff.accounts import DEFAULT_ROLES, ROLES, add_account, remove_account
from handoff.territory import Territories, TerritoryError
from storage.db import Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-referent", help="create a referent account for the console")
    add.add_argument("--login", required=True, help="login or e-mail address")
    add.add_argument("--referent-id", help="referent id in the territory file "
                     "(not for an ambassador alone)")
    add.add_argument("--territory", help="territory id (required when the deployment serves "
                                         "several, the demo too): the account sees only its "
                                         "hand-offs and figures")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    add.add_argument("--role", action="append", choices=ROLES, dest="roles",
                     help="role to grant (repeatable; default: referent)")
    remove = sub.add_parser("remove-referent", help="delete a console account")
    remove.add_argument("--login", required=True, help="login of the account")
    report = sub.add_parser("report", help="print the take-up figures of a period")
    report.add_argument("--month", help="one calendar month, YYYY-MM")
    report.add_argument("--from", dest="start", type=date.fromisoformat,
                        help="first day of a month, YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=date.fromisoformat,
                        help="last day of a month, YYYY-MM-DD")
    report.add_argument("--csv", action="store_true", help="the CSV of the console instead")
    report.add_argument("--territory", help="one territory's figures (default: every event)")
    purge = sub.add_parser("purge", help="erase the people past the retention period")
    purge.add_argument("--months", type=int, default=None,
                       help="retention in months (default: RETENTION_MONTHS, 12)")
    args = parser.parse_args(argv)
    if args.command == "report":
        return _report(args)
    if args.command == "purge":
        return _purge(args)
    if args.command == "remove-referent":
        return _remove(args)

    settings = Settings.from_env()
    ambassador = set(args.roles or ()) == {"ambassadeur"}
    if ambassador:
        args.referent_id = args.referent_id or args.login
    elif not args.referent_id:
        print("--referent-id is required (except with --role ambassadeur alone)",
              file=sys.stderr)
        return 2
    try:
        territories = Territories.from_settings(settings.territory_dir, settings.territory_file)
    except TerritoryError as error:
        print(error, file=sys.stderr)
        return 2
    # Exactly the roles asked for: « projet » alone must stay out of the conversations.
    roles = sorted(set(args.roles or DEFAULT_ROLES))
    national_only = roles == ["national"]  # every territory's figures, none's hand-offs
    if args.territory is None and territories.several and not national_only:
        known = ", ".join(t.id for t in territories)
        print(f"--territory is required: this deployment serves several (known: {known})",
              file=sys.stderr)
        return 2
    territory = territories.first if args.territory is None else territories.get(args.territory)
    if territory is None:
        known = ", ".join(t.id for t in territories)
        print(f"unknown territory {args.territory!r} (known: {known})", file=sys.stderr)
        return 2
    if not ambassador and args.referent_id not in territory.referents:
        known = ", ".join(territory.referents)
        print(f"unknown referent id {args.referent_id!r} in {territory.source} (known: {known})",
              file=sys.stderr)
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Encore une fois : ") != password:
            print("the two passwords differ", file=sys.stderr)
            return 2
    db = Database(Settings.from_env().database_url)
    db.migrate()
    try:
        with db.session() as session:
            account = add_account(session, login=args.login, password=password,
                                  referent_id=args.referent_id, roles=roles,
                                  territory_id=args.territory and territory.id)
            login = account.login
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"account {login!r} ready for referent {args.referent_id!r} of {territory.id} "
          f"(roles: {', '.join(roles)})")
    return 0


def _remove(args) -> int:
    db = Database(Settings.from_env().database_url)
    db.migrate()
    with db.session() as session:
        removed = remove_account(session, args.login)
    if not removed:
        print(f"no account {args.login!r}", file=sys.stderr)
        return 2
    print(f"account {args.login!r} removed")
    return 0


def _report(args) -> int:
    from handoff import campaigns, fieldwork, indicators
    from rules.catalogue import benefit_labels
    from storage.campaigns import Campaign

    if args.month:
        try:
            args.start, args.end = indicators.parse_month(args.month)
        except ValueError:
            print("--month must be YYYY-MM", file=sys.stderr)
            return 2
    if args.start is None or args.end is None:
        print("give --month, or --from and --to", file=sys.stderr)
        return 2
    if args.end < args.start:
        print("--to is before --from", file=sys.stderr)
        return 2
    if not indicators.whole_months(args.start, args.end):
        print("only whole calendar months are published (--from the 1st, --to the last day): "
              "two overlapping periods would give small counts away by subtraction",
              file=sys.stderr)
        return 2
    db = Database(Settings.from_env().database_url)
    db.migrate()
    now = datetime.now(UTC)
    only = None
    if args.territory:
        from storage.models import FunnelEvent

        only = FunnelEvent.territory_id == args.territory
    with db.session() as session:
        report = indicators.build(session, start=args.start, end=args.end,
                                  labels=benefit_labels(), only=only)
        field_only = None
        if args.territory:
            from storage.accounts import ReferentAccount

            field_only = fieldwork.of_territory(ReferentAccount.territory_id == args.territory)
        report.tables += fieldwork.tables(session, start=args.start, end=args.end,
                                          only=field_only)
        campaigns.evaluate(session, now=now)
        running = session.scalars(select(Campaign).order_by(Campaign.id)).all()
        evaluations = [campaigns.evaluation(c) for c in running]
    if args.csv:
        print(indicators.to_csv(report), end="")
        return 0
    print(indicators.to_text(report), end="")
    for evaluation in evaluations:
        print()
        print(campaigns.evaluation_text(evaluation))
    return 0


def _purge(args) -> int:
    from handoff.retention import purge

    settings = Settings.from_env()
    months = settings.retention_months if args.months is None else args.months
    db = Database(settings.database_url)
    db.migrate()
    erased = purge(db, now=datetime.now(UTC), months=months,
                   audit_months=settings.audit_retention_months)
    print(f"{erased} person(s) erased (no message for {months} months)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
