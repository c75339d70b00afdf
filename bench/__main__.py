"""Runs every benchmark in turn; a benchmark is a module of this package with a main()."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

# Modules run in this order first; any other module with a main() joins after them.
FIRST = ["sms_parts", "sms_budget"]
# Run only when named (`python -m bench conversation_eval`): minutes long, and it has its own
# make target (`make conversation-eval`).
# burst and scale need PostgreSQL on 127.0.0.1:5432 and take minutes.
ON_REQUEST = {"conversation_eval", "scale", "burst"}


def modules() -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if not m.name.startswith("_"))
    return [n for n in FIRST if n in found] + [n for n in found if n not in FIRST]


def main(argv: list[str] | None = None) -> int:
    wanted = set(argv if argv is not None else sys.argv[1:])
    status = 0
    for name in modules():
        if name not in wanted and (wanted or name in ON_REQUEST):
            continue
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"== {name}", flush=True)
        status = max(status, int(module.main() or 0))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
