"""What the variables rules/tbs.py neutralises cost: the same households computed by the full
tax-benefit system and by the one Passerelle uses, with their results compared.

Each side runs in a process of its own (two systems in one process slow each other down:
measured 4.8 s for 100 households instead of 1.0 s), twice, alternated, so that both see the
same machine. Prints the best computation of 100 varied households (one simulation) and of
one household, and whether the 300 households' results are identical.

Run: ``python -m bench neutral``.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from bench.households import household

HOUSEHOLDS = 100
COMPARED = 300
RUNS = 4


def measure(neutralise: bool) -> tuple[float, float, list[dict]]:
    """In a fresh process: (best time for 100 households, for 1, results of COMPARED)."""
    from rules.engine import RulesEngine

    engine = RulesEngine(neutralise=neutralise)
    engine.warm_up()
    profiles = [household(i) for i in range(HOUSEHOLDS)]
    times: dict[int, list[float]] = {HOUSEHOLDS: [], 1: []}
    for _ in range(RUNS):
        for batch in (profiles, profiles[:1]):
            started = time.perf_counter()
            engine.evaluate_many(batch)
            times[len(batch)].append(time.perf_counter() - started)
    results = engine.evaluate_many([household(i) for i in range(COMPARED)])
    return (min(times[HOUSEHOLDS]), min(times[1]),
            [{k: v for k, v in result.items() if k != "engine"} for result in results])


def main() -> int:
    from rules.tbs import NEUTRALISED

    context = multiprocessing.get_context("spawn")
    runs: dict[str, list[tuple[float, float, list[dict]]]] = {"full": [], "neutralised": []}
    for _ in range(2):
        for name, neutralise in (("full", False), ("neutralised", True)):
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                runs[name].append(pool.submit(measure, neutralise).result())
    figures = {name: (min(r[0] for r in done), min(r[1] for r in done))
               for name, done in runs.items()}
    same = runs["full"][0][2] == runs["neutralised"][0][2]
    print(f"neutralised: {', '.join(NEUTRALISED)}")
    for name, (many, one) in figures.items():
        print(f"  {name:<12} {HOUSEHOLDS} households {many:.2f} s   1 household {one:.2f} s")
    (full_many, full_one), (ours_many, ours_one) = figures["full"], figures["neutralised"]
    print(f"neutral: {HOUSEHOLDS} households {full_many:.2f} -> {ours_many:.2f} s, one "
          f"{full_one:.2f} -> {ours_one:.2f} s; results of {COMPARED} households "
          f"{'identical' if same else 'DIFFERENT'}", flush=True)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
