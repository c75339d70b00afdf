"""Eligibility checks under load: naive one-by-one OpenFisca against our batched worker.

- naive: one simulation per household, one after the other in one process, as one OpenFisca
  web API worker serves its requests (``engine.evaluate(p)`` in a loop). N checks arriving
  together: the i-th waits for the i-1 before it.
- batched: ``EligibilityService`` (micro-batching, worker process), called from N threads at
  once like N concurrent web requests.
- ordinary conversation turns through a real server (``python -m bot serve``, real HTTP):
  their p95 latency alone, then while 100 conversations reach their result at the same time.
- start-up: from the server process's start to /healthz "rules": "ready".

Run: ``python -m bench eligibility`` (or ``make bench`` for every benchmark).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = [1, 10, 100, 1000]
NAIVE_SAMPLE = 10  # households computed one by one; larger N are extrapolated from them
SUSTAINED_RATE, SUSTAINED_SECONDS = 150, 10
TARGETS = {"throughput": 100, "p95_100": 3.0, "speedup_100": 50, "turn_p95": 0.100,
           "ready": 45}


def household(i: int) -> dict:
    """Varied households: moments of life, ages, incomes, housing, couples, children."""
    moment = i % 4
    housing = ["tenant", "social_tenant", "owner", "hosted", "homeless"][(i // 4) % 5]
    applicant = {"age": [19 + i % 6, 22 + i % 15, 25 + i % 20, 62 + i % 25][moment],
                 "pregnant": moment == 1 and i % 2 == 0,
                 "income": {"salary": (i * 137) % 1900 if moment != 3 else 0,
                            "unemployment": 500 if i % 9 == 0 else 0,
                            "pension": 450 + (i * 53) % 900 if moment == 3 else 0}}
    children = [{"age": (i + 5 * k) % 18} for k in range(i % 3)] if moment in (1, 2) else []
    profile = {"commune": ["67482", "67100", "67000", "67200"][i % 4], "applicant": applicant,
               "children": children,
               "housing": {"status": housing,
                           "rent": 350 + (i * 31) % 500 if "tenant" in housing else 0}}
    if moment == 1 and i % 3 == 0:
        profile["partner"] = {"age": 30, "income": {"salary": 1200}}
    return profile


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def row(label: str, n: int, throughput: float, p50: float, p95: float, note: str = "") -> None:
    print(f"  {label:<8} {n:>5}   {throughput:>9.1f}   {p50:>7.2f}   {p95:>7.2f}  {note}",
          flush=True)


# -- batched, in this process ----------------------------------------------------------------
def batched(service, n: int, offset: int) -> tuple[float, float, float, int]:
    profiles = [household(offset + i) for i in range(n)]
    barrier = threading.Barrier(n + 1)
    latencies = [0.0] * n

    def check(i: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        service.evaluate(profiles[i])
        latencies[i] = time.perf_counter() - started

    before = service.stats["batches"]
    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(check, i) for i in range(n)]
        barrier.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - started
    return (n / elapsed, statistics.median(latencies), percentile(latencies, 0.95),
            service.stats["batches"] - before)


def sustained(service) -> tuple[float, float, float]:
    """Open loop: SUSTAINED_RATE new checks a second for SUSTAINED_SECONDS."""
    total = SUSTAINED_RATE * SUSTAINED_SECONDS
    latencies: list[float] = []
    lock = threading.Lock()

    def check(i: int, due: float) -> None:
        service.evaluate(household(5000 + i))
        with lock:
            latencies.append(time.perf_counter() - due)

    started = time.perf_counter()
    with ThreadPoolExecutor(1200) as pool:
        for i in range(total):
            due = started + i / SUSTAINED_RATE
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(check, i, due)
    elapsed = time.perf_counter() - started
    return total / elapsed, statistics.median(latencies), percentile(latencies, 0.95)


# -- the real server ---------------------------------------------------------------------------
CHECK_SCRIPTS = [
    # (moment choice, answers; the last one triggers the check), as in test_scenarios.py
    ("5", ["{age}", "67100", "1", "1", "{rent}", "2", "{salary}", "0"]),
    ("1", ["{young}", "67100", "1", "4", "2", "0", "0"]),
    ("3", ["{age}", "67100", "4 et 9", "1", "{rent}", "2", "{salary}", "0"]),
    ("4", ["{senior}", "67100", "1", "1", "{rent}", "{pension}", "0"]),
]
ORDINARY = ["30", "67100", "1", "1", "500", "2", "800"]  # answers that ask the next question


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python -m bot serve`` on a free port with a fresh SQLite database, NLU down."""

    def __init__(self, workdir: Path, worker: str = "process"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"server-{worker}.log"
        env = dict(os.environ, PORT=str(self.port), HOST="127.0.0.1",
                   DATABASE_URL=f"sqlite:///{workdir / f'bench-{worker}.sqlite3'}",
                   NLU_URL=f"http://127.0.0.1:{free_port()}", NLU_TIMEOUT="0.3",
                   WARM_UP_RULES="1", RULES_WORKER=worker, TELEGRAM_BOT_TOKEN="",
                   TWILIO_ACCOUNT_SID="", PYTHONWARNINGS="ignore",
                   # 220 conversations from one address, on keys of their own in Redis.
                   WEB_NEW_CONVERSATIONS_PER_10_MIN="1000000",
                   RATE_LIMIT_PREFIX=f"bench-{time.time_ns()}")
        self.started = time.perf_counter()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT,
                                            env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, client, timeout: float = 180) -> tuple[float, float]:
        """Seconds from start to the first /healthz answer, and to rules "ready"."""
        up = None
        while time.perf_counter() - self.started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log}:\n{self.log.read_text()[-2000:]}")
            try:
                health = client.get(f"{self.base}/healthz", timeout=2).json()
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.1)
                continue
            up = up or time.perf_counter() - self.started
            if health.get("rules") == "ready":
                return up, time.perf_counter() - self.started
            time.sleep(0.1)
        raise RuntimeError(f"rules not ready after {timeout} s; see {self.log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def say(client, base: str, user: str, text: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.post(f"{base}/api/chat", json={"user_id": user, "text": text}, timeout=60)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


def prepare(client, base: str, users: list[tuple[str, list[str]]]) -> None:
    """Walk each user through its answers (8 at a time, not measured)."""
    def walk(user: str, answers: list[str]) -> None:
        for text in answers:
            say(client, base, user, text)

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(walk, u, a) for u, a in users]:
            future.result()


def check_script(i: int) -> tuple[list[str], str]:
    moment, answers = CHECK_SCRIPTS[i % len(CHECK_SCRIPTS)]
    values = {"age": 25 + i % 30, "young": 18 + i % 7, "senior": 65 + i % 20,
              "rent": 300 + (i * 37) % 500, "salary": (i * 113) % 1600,
              "pension": 400 + (i * 71) % 900}
    filled = [a.format(**values) for a in answers]
    return ["bonjour", "oui", moment] + filled[:-1], filled[-1]


def turns(client, base: str, users: list[str], stop: threading.Event,
          pause: float = 0.02) -> list[float]:
    """Ordinary turns (answers to questions), one user after the other, until ``stop``."""
    latencies = []
    for user in users:
        for text in ORDINARY:
            if stop.is_set():
                return latencies
            elapsed, _ = say(client, base, user, text)
            latencies.append(elapsed)
            time.sleep(pause)
    return latencies


def server_bench(workdir: Path, worker: str, checks: int = 100) -> dict:
    import httpx

    result: dict = {}
    server = Server(workdir, worker)
    try:
        with httpx.Client(limits=httpx.Limits(max_connections=checks + 20)) as client:
            result["up"], result["ready"] = server.wait_ready(client)
            prefix = f"{worker}-{time.time_ns()}"
            checkers = [(f"{prefix}-check-{i}", check_script(i)) for i in range(checks)]
            talkers = [f"{prefix}-talk-{i}" for i in range(120)]
            prepare(client, server.base, [(u, s[0]) for u, s in checkers]
                    + [(u, ["bonjour", "oui", "5"]) for u in talkers])
            # Ordinary turns with nothing else going on.
            never = threading.Event()
            quiet = turns(client, server.base, talkers[:10], never)
            result["quiet_p50"] = statistics.median(quiet)
            result["quiet_p95"] = percentile(quiet, 0.95)
            # The same while `checks` conversations ask for their result at once.
            done = threading.Event()
            barrier = threading.Barrier(checks + 1)
            check_latencies: list[float] = []
            results_seen = [0]

            def finish(user: str, last: str) -> None:
                barrier.wait()
                elapsed, body = say(client, server.base, user, last)
                check_latencies.append(elapsed)
                if any("droit" in r["text"] or "estimation" in r["text"]
                       for r in body["replies"]):
                    results_seen[0] += 1

            with ThreadPoolExecutor(checks + 2) as pool:
                finishing = [pool.submit(finish, u, s[1]) for u, s in checkers]
                barrier.wait()
                loaded = [pool.submit(turns, client, server.base, talkers[10 + k::2], done)
                          for k in range(2)]
                for future in finishing:
                    future.result()
                done.set()
                busy = [t for future in loaded for t in future.result()]
            result["busy_p50"] = statistics.median(busy)
            result["busy_p95"] = percentile(busy, 0.95)
            result["busy_n"] = len(busy)
            result["check_p50"] = statistics.median(check_latencies)
            result["check_p95"] = percentile(check_latencies, 0.95)
            result["results"] = results_seen[0]
    finally:
        server.stop()
    return result


# -- the benchmark -----------------------------------------------------------------------------
def main() -> int:
    sys.path.insert(0, str(ROOT))
    import logging

    logging.disable(logging.WARNING)
    import warnings

    warnings.filterwarnings("ignore")
    from bot.eligibility import EligibilityService
    from rules.engine import RulesEngine

    print(f"Eligibility checks under load ({load()} at start)", flush=True)
    print("  checks: varied households (4 moments of life, ages 18-86, incomes, 5 housing "
          "statuses, couples, children, pregnancy)", flush=True)
    print("\n  way      concurrent  checks/s   p50 (s)   p95 (s)", flush=True)

    service = EligibilityService()
    started = time.perf_counter()
    service.start_warm_up()
    service._ready.wait()
    warm = time.perf_counter() - started
    figures: dict = {}
    try:
        for n in CONCURRENCY:
            throughput, p50, p95, batches = batched(service, n, offset=n)
            figures[("batched", n)] = (throughput, p50, p95)
            row("batched", n, throughput, p50, p95, f"({batches} simulation batches)")
        rate, sus_p50, sus_p95 = sustained(service)
    finally:
        service.close()

    engine = RulesEngine()
    engine.warm_up()
    durations = []
    for i in range(NAIVE_SAMPLE):
        started = time.perf_counter()
        engine.evaluate(household(i))
        durations.append(time.perf_counter() - started)
    per_check = statistics.mean(durations)
    for n in CONCURRENCY:
        if n <= NAIVE_SAMPLE:
            waits = [sum(durations[:i + 1]) for i in range(n)]
            note = "(measured)"
        else:
            waits = [per_check * (i + 1) for i in range(n)]
            note = f"(extrapolated from {NAIVE_SAMPLE} households computed one by one)"
        throughput = n / waits[-1]
        figures[("naive", n)] = (throughput, statistics.median(waits), percentile(waits, 0.95))
        row("naive", n, throughput, statistics.median(waits), percentile(waits, 0.95), note)
    del engine

    print(f"\n  sustained: {SUSTAINED_RATE * SUSTAINED_SECONDS} checks arriving at "
          f"{SUSTAINED_RATE}/s for {SUSTAINED_SECONDS} s -> {rate:.1f} checks/s, "
          f"p50 {sus_p50:.2f} s, p95 {sus_p95:.2f} s", flush=True)
    print(f"  rules worker warm-up (in this process's service): {warm:.1f} s", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        print(f"\n  real server (python -m bot serve, NLU down, {load()}):", flush=True)
        workers = ["process"] + (["thread"] if os.environ.get("BENCH_THREAD", "1") != "0"
                                 else [])
        servers = {}
        for worker in workers:
            s = server_bench(Path(tmp), worker)
            servers[worker] = s
            print(f"  [{worker} worker] server answering {s['up']:.1f} s after start, "
                  f"rules ready {s['ready']:.1f} s after start", flush=True)
            print(f"  [{worker} worker] ordinary turns alone: p50 {s['quiet_p50'] * 1000:.0f} ms, "
                  f"p95 {s['quiet_p95'] * 1000:.0f} ms", flush=True)
            print(f"  [{worker} worker] ordinary turns while 100 checks run ({s['busy_n']} "
                  f"turns): p50 {s['busy_p50'] * 1000:.0f} ms, p95 "
                  f"{s['busy_p95'] * 1000:.0f} ms", flush=True)
            print(f"  [{worker} worker] the 100 check turns: p50 {s['check_p50']:.2f} s, "
                  f"p95 {s['check_p95']:.2f} s, {s['results']}/100 showed a result",
                  flush=True)

    b100, n100 = figures[("batched", 100)], figures[("naive", 100)]
    speedup = b100[0] / n100[0]
    best = max(figures[("batched", 1000)][0], rate)
    process = servers["process"]
    verdicts = [
        ("throughput >= 100 checks/s", best >= TARGETS["throughput"], f"{best:.0f}/s"),
        ("p95 <= 3 s at 100 concurrent", b100[2] <= TARGETS["p95_100"], f"{b100[2]:.2f} s"),
        ("ordinary turns p95 <= 100 ms under 100 checks",
         process["busy_p95"] <= TARGETS["turn_p95"], f"{process['busy_p95'] * 1000:.0f} ms"),
        ("ready <= 45 s after start", process["ready"] <= TARGETS["ready"],
         f"{process['ready']:.1f} s"),
        (">= 50x naive at 100 concurrent", speedup >= TARGETS["speedup_100"], f"{speedup:.0f}x"),
    ]
    print(f"\n  targets ({load()} at end):", flush=True)
    for label, ok, value in verdicts:
        print(f"    {'ok  ' if ok else 'MISS'} {label}: {value}", flush=True)
    print(f"batched/naive throughput at 100 concurrent checks: {speedup:.0f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
