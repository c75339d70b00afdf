"""Command line: ``python -m rules evaluate PROFILE.json`` (contracts.md).

Prints the result as JSON on stdout. A malformed profile (or unreadable file) exits 2 with one
line on stderr naming the field: ``error: applicant.age: must be an integer between 0 and 120``.
"""
from __future__ import annotations

import argparse
import json
import sys

USAGE_EXIT = 2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rules")
    sub = parser.add_subparsers(dest="command", required=True)
    evaluate = sub.add_parser("evaluate", help="evaluate a profile (JSON file, or - for stdin)")
    evaluate.add_argument("profile")
    args = parser.parse_args(argv)

    from .profile import ProfileError, validate_profile

    try:
        if args.profile == "-":
            data = json.load(sys.stdin)
        else:
            with open(args.profile, encoding="utf-8") as handle:
                data = json.load(handle)
    except OSError as exc:
        print(f"error: {args.profile}: {exc.strerror}", file=sys.stderr)
        return USAGE_EXIT
    except json.JSONDecodeError as exc:
        print(f"error: profile: not valid JSON ({exc.msg}, line {exc.lineno})", file=sys.stderr)
        return USAGE_EXIT
    try:
        profile = validate_profile(data)
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_EXIT

    from .engine import RulesEngine

    result = RulesEngine().evaluate(profile)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
