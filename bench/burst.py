"""100 residents finishing their check at the same moment, through HTTP, on PostgreSQL.

A real server (`python -m bot serve`, one process, its rules worker warmed) on a fresh
PostgreSQL database on 127.0.0.1:5432; 100 web chat residents are walked to their last
answer (not measured), then all send it at once from 100 concurrent HTTP clients. Prints
the check turn's p50/p95 and how many showed a result. `BURST_ENV="A=1 B=2"` adds variables
to the server's environment (to compare settings in one run: see main()).

Run: ``python -m bench burst``.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from bench.eligibility import check_script, percentile, prepare, say

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
CHECKS = 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> str:
    import psycopg

    name = f"passerelle_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """`python -m bot serve --workers N` (and optionally `python -m bot worker`) on a fresh
    PostgreSQL database, NLU down (the keyword fallback, as when Rasa is away)."""

    def __init__(self, workdir: Path, *, workers: int = 1, env: dict | None = None,
                 job_worker: bool = False, label: str = "server", port: int | None = None):
        self.database = create_database()
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{label}.log"
        self.env = dict(os.environ, PORT=str(self.port), HOST="127.0.0.1",
                        DATABASE_URL=f"{PG}/{self.database}",
                        NLU_URL=f"http://127.0.0.1:{free_port()}", NLU_TIMEOUT="0.3",
                        WARM_UP_RULES="1", RULES_WORKER="process", TELEGRAM_BOT_TOKEN="",
                        TWILIO_ACCOUNT_SID="", PYTHONWARNINGS="ignore",
                        # Its own rate-limit counters in Redis, as a deployment of its own:
                        # the previous run's 100 web residents from 127.0.0.1 would otherwise
                        # count against this one's (120 new conversations per 10 minutes).
                        RATE_LIMIT_PREFIX=f"bench-{self.database}")
        self.env.update(env or {})
        self.processes = []
        with open(self.log, "wb") as log:
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--workers", str(workers)], cwd=ROOT,
                env=self.env, stdout=log, stderr=subprocess.STDOUT))
        if job_worker:
            with open(workdir / f"{label}-worker.log", "wb") as log:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=self.env,
                    stdout=log, stderr=subprocess.STDOUT))
        self.workers = workers

    def wait_ready(self, client, timeout: float = 240) -> None:
        """Until every process answers with its rules worker warm (each /healthz lands on
        one process: ask until `workers` answers in a row said ready)."""
        started = time.perf_counter()
        ready_in_a_row = 0
        while time.perf_counter() - started < timeout:
            if self.processes[0].poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            try:
                health = client.get(f"{self.base}/healthz", timeout=2).json()
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
                continue
            ready_in_a_row = ready_in_a_row + 1 if health.get("rules") == "ready" else 0
            if ready_in_a_row >= 4 * self.workers:
                return
            time.sleep(0.05)
        raise RuntimeError(f"rules not ready after {timeout} s; see {self.log}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        drop_database(self.database)


def burst(workdir: Path, *, env: dict | None = None, label: str = "burst",
          checks: int = CHECKS) -> dict:
    import httpx

    server = Server(workdir, env=env, label=label)
    try:
        with httpx.Client(limits=httpx.Limits(max_connections=checks + 20)) as client:
            server.wait_ready(client)
            prefix = f"{label}-{time.time_ns()}"
            users = [(f"{prefix}-{i}", check_script(i)) for i in range(checks)]
            prepare(client, server.base, [(u, s[0]) for u, s in users])
            released: list[float] = []
            barrier = threading.Barrier(checks, action=lambda: released.append(time.time()))
            latencies: list[float] = []
            shown = [0]

            def finish(user: str, last: str) -> None:
                barrier.wait()
                elapsed, body = say(client, server.base, user, last)
                latencies.append(elapsed)
                if any("€" in r["text"] or "droit" in r["text"] for r in body["replies"]):
                    shown[0] += 1

            cpu_before = cpu_by_part(server)
            started = time.perf_counter()
            with ThreadPoolExecutor(checks) as pool:
                for future in [pool.submit(finish, u, s[1]) for u, s in users]:
                    future.result()
            wall = time.perf_counter() - started
            cpu = {part: seconds - cpu_before[part]
                   for part, seconds in cpu_by_part(server).items()}
    finally:
        server.stop()
    log = server.log.read_text()
    batches = re.findall(r"batch of (\d+) computed in ([\d.]+) s", log)
    # Where the seconds went: from the sending to the last batch's start (the turns' first
    # transactions and the batching window), its computation, then to the p95 answer (the
    # second transactions, rendering, HTTP). From the log's time of the last batch's end.
    ended = re.findall(r"^(\S+ \S+) \S+ bot\.batching: .*batch of \d+ computed in ([\d.]+) s",
                       log, re.MULTILINE)
    phases = None
    if ended:
        stamp, took = ended[-1]
        end = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp() - released[0]
        p95 = percentile(latencies, 0.95)
        phases = (end - float(took), float(took), p95 - end)
    return {"batches": [(int(n), float(t)) for n, t in batches[-3:]], "phases": phases,
            "cpu": cpu,
            "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "max": max(latencies), "wall": wall, "shown": shown[0], "n": len(latencies)}


def cpu_by_part(server: Server) -> dict[str, float]:
    """CPU seconds used so far by the app process, its rules worker, this benchmark (the 100
    clients) and the whole machine: on 2 cores, what the burst costs in all bounds how soon it
    can end, and the app's part (one GIL) how soon its turns can."""
    import psutil

    def seconds(process) -> float:
        try:
            times = process.cpu_times()
            return times.user + times.system
        except psutil.Error:
            return 0.0

    app = psutil.Process(server.processes[0].pid)
    tree = [app, *app.children(recursive=True)]
    workers = [p for p in tree if "spawn_main" in " ".join(_cmdline(p))]
    machine = psutil.cpu_times()
    # PostgreSQL's backends come and go with connections: counted with the rest, as the
    # machine's busy time minus the three parts measured by process.
    return {"app": sum(seconds(p) for p in tree if p not in workers),
            "rules": sum(seconds(p) for p in workers),
            "client": seconds(psutil.Process()),
            "machine": sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)}


def _cmdline(process) -> list[str]:
    import psutil

    try:
        return process.cmdline()
    except psutil.Error:
        return []


def parse_env(text: str) -> dict:
    return dict(pair.split("=", 1) for pair in text.split() if "=" in pair)


def report(label: str, figures: dict) -> None:
    print(f"  {label:<34} p50 {figures['p50']:.2f} s   p95 {figures['p95']:.2f} s   "
          f"max {figures['max']:.2f} s   all {figures['n']} answered in "
          f"{figures['wall']:.2f} s, {figures['shown']} showed a result", flush=True)
    batches = ", ".join(f"{n} in {t:.2f} s" for n, t in figures["batches"])
    print(f"  {'':<34} rules worker batches: {batches}", flush=True)
    cpu = figures["cpu"]
    rest = cpu["machine"] - cpu["app"] - cpu["rules"] - cpu["client"]
    print(f"  {'':<34} CPU during the burst: app {cpu['app']:.2f} s, rules worker "
          f"{cpu['rules']:.2f} s, clients {cpu['client']:.2f} s, PostgreSQL and the rest "
          f"{rest:.2f} s; machine {cpu['machine']:.2f} s of "
          f"{(os.cpu_count() or 1) * figures['wall']:.2f} s on {os.cpu_count()} cores", flush=True)
    if figures["phases"]:
        before, batch, after = figures["phases"]
        print(f"  {'':<34} where the p95 went: {before:.2f} s to the batch's start (first "
              f"transactions, window), {batch:.2f} s computing, {after:.2f} s after it (second "
              f"transactions, replies)", flush=True)


# Settings that reproduce the code before the last fix (one rules worker computing the whole
# catalogue, instead of two computing a part each: rules.engine.split_catalogue): compared
# with today's defaults in one run. RULES_BATCH_EARLY=0 reproduced the fix before it.
BEFORE = {"RULES_WORKERS": "1"}


def main() -> int:
    import logging
    import tempfile

    logging.disable(logging.WARNING)
    one, five, _ = os.getloadavg()
    print(f"{CHECKS} residents finishing their check at once, HTTP, PostgreSQL, 1 process "
          f"(load {one:.2f}, {five:.2f} on {os.cpu_count()} cores)", flush=True)
    rounds = int(os.environ.get("BURST_ROUNDS", "1"))
    runs = [("before (1 rules worker)", BEFORE),
            ("after (defaults)", parse_env(os.environ.get("BURST_ENV", "")))]
    if os.environ.get("BURST_ONLY_AFTER"):
        runs = runs[1:]
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        # BURST_ROUNDS=2 alternates before/after twice: on a machine shared with other work,
        # the load changes from one run to the next.
        for round_ in range(rounds):
            for label, env in runs:
                key = label if round_ == 0 else f"{label} #{round_ + 1}"
                results[key] = burst(Path(tmp), env=env, label=key.split()[0] + str(round_))
                one, five, _ = os.getloadavg()
                report(f"{key} [load {one:.1f}]", results[key])
    p95 = results[list(results)[-1]]["p95"]
    print(f"burst: check turn p95 {p95:.2f} s at {CHECKS} simultaneous checks "
          f"({'ok' if p95 <= 3.0 else 'MISS'}: target <= 3 s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
