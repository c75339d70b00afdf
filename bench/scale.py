"""Simulated residents over SMS (signed Twilio webhooks) and Telegram (webhook mode) against
1, 2 and 4 application processes on PostgreSQL, with a job worker sending the replies.

For each process count: a fresh database on 127.0.0.1:5432, `python -m bot serve --workers N`
and `python -m bot worker`, the local stand-ins for Twilio's REST API and Telegram's Bot API
(tests/bot/channels/fakes.py) receiving every reply. The server serves the two demo
territories (TERRITORY_DIR=handoff/territories: Strasbourg Neudorf, 67100, on the shared
number; Mulhouse Bourtzwiller, 68200, with its own number +33639980001). Residents (two in
three by SMS, one in three on Telegram; half of the SMS ones texting Mulhouse's own number,
the others the shared number or the shared bot with a postcode of either territory) walk a
whole check with think times between messages; one in five instead asks for a person on
Mulhouse's number and books the first slot offered, all at the same moment. One SMS webhook
in seven is delivered twice, as Twilio does on a timeout. A turn's latency is from the webhook
to the first reply at the fake API. Everything stays on loopback.

Printed per process count: completed checks per second, turn p50/p95, check p95, lost
messages (a turn without reply within 60 s, or an outbox row never sent), duplicate replies
(deliveries beyond the outbox rows sent), double bookings (two active appointments of one
referent overlapping), the CPU the server processes used and what other work on the machine
used meanwhile, checks per OpenFisca simulation, the scaling factor and the checks by
territory; then why the rate is bounded (CPU).

Run: ``python -m bench scale`` or ``make bench-scale``. BENCH_RESIDENTS (default 90) and
BENCH_PROCESSES (default "1 2 4") change the load.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SID, TOKEN, BOT = "AC" + "0" * 32, "bench-auth-token", "123456:bench-token"
SHARED_NUMBER, MULHOUSE_NUMBER = "+33700000000", "+33639980001"
SECRET = "bench-telegram-secret"
THINK = (0.2, 0.8)  # seconds a resident takes to read and answer
TURN_TIMEOUT = 60.0


def _fakes():
    sys.path.insert(0, str(ROOT))
    from tests.bot.channels.fakes import FakeTelegram, FakeTwilio

    class Inbox:
        """Counts deliveries per recipient, and wakes whoever waits for one."""

        def __init__(self):
            self.counts: dict[str, int] = {}
            self.texts: dict[str, list[str]] = {}
            self.total = 0
            self.cond = threading.Condition()

        def add(self, recipient: str, text: str) -> None:
            with self.cond:
                self.counts[recipient] = self.counts.get(recipient, 0) + 1
                self.texts.setdefault(recipient, []).append(text)
                self.total += 1
                self.cond.notify_all()

        def wait_beyond(self, recipient: str, count: int, timeout: float) -> bool:
            with self.cond:
                return self.cond.wait_for(lambda: self.counts.get(recipient, 0) > count,
                                          timeout)

    inbox = Inbox()

    class Twilio(FakeTwilio):
        def _handle(self, handler):
            before = len(self.messages)
            super()._handle(handler)
            for record in self.messages[before:]:
                inbox.add(record["To"], record.get("Body", ""))

    class Telegram(FakeTelegram):
        def _handle(self, handler):
            before = len(self.sent)
            super()._handle(handler)
            for record in self.sent[before:]:
                inbox.add(f"tg:{record['chat_id']}", record["text"])

    return Twilio(), Telegram(), inbox


def run(processes: int, residents: int, workdir: Path) -> dict:
    import httpx
    import psutil
    from sqlalchemy import text
    from twilio.request_validator import RequestValidator

    from bench.burst import Server, free_port
    from bench.eligibility import check_script, percentile
    from handoff.territory import load_territories, route
    from storage.db import Database

    territories = load_territories(ROOT / "handoff" / "territories")
    twilio, telegram, inbox = _fakes()
    with twilio, telegram:
        env = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
               "TWILIO_SMS_FROM": SHARED_NUMBER, "TWILIO_API_BASE": twilio.base,
               "TELEGRAM_BOT_TOKEN": BOT, "TELEGRAM_MODE": "webhook",
               "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_BASE": telegram.base,
               "OUTBOX_INTERVAL": "0.1",
               "TERRITORY_DIR": str(ROOT / "handoff" / "territories")}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["PUBLIC_BASE_URL"] = base  # what Twilio signs and Telegram is told to call
        restarted = Server(workdir, workers=processes, env=env, job_worker=True,
                           label=f"scale-{processes}", port=port)
        validator = RequestValidator(TOKEN)
        client = httpx.Client(limits=httpx.Limits(max_connections=residents + 20), timeout=90)
        try:
            restarted.wait_ready(client)
            tree = [psutil.Process(p.pid) for p in restarted.processes]

            def cpu() -> float:
                total = 0.0
                for proc in tree:
                    for p in [proc, *proc.children(recursive=True)]:
                        try:
                            times = p.cpu_times()
                            total += times.user + times.system
                        except psutil.Error:
                            pass
                return total

            figures = simulate(client, base, residents, validator, inbox, territories, route,
                               check_script, cpu)
            db = Database(restarted.env["DATABASE_URL"])
            unsent_sql = text("SELECT count(*) FROM outbox_message WHERE status <> 'sent' "
                              "AND channel IN ('sms', 'telegram')")
            # The last replies leave the outbox (seconds on a loaded machine); one still
            # there after 30 s is counted lost.
            deadline = time.monotonic() + 30
            while True:
                with db.engine.connect() as connection:
                    unsent = connection.execute(unsent_sql).scalar()
                if not unsent or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            with db.engine.connect() as connection:
                sent = connection.execute(text(
                    "SELECT count(*) FROM outbox_message WHERE status = 'sent'")).scalar()
                double = connection.execute(text(
                    "SELECT count(*) FROM appointment a JOIN appointment b ON a.id < b.id "
                    "AND a.referent_id = b.referent_id AND a.status = 'booked' "
                    "AND b.status = 'booked' AND a.starts_at < b.ends_at "
                    "AND b.starts_at < a.ends_at")).scalar()
                booked = connection.execute(text(
                    "SELECT count(*) FROM appointment WHERE status = 'booked'")).scalar()
            db.engine.dispose()
        finally:
            client.close()
            restarted.stop()
    # Every app process's rules worker logs its simulations (bot/batching.py).
    batches = [int(n) for n in re.findall(r"batch of (\d+) computed", restarted.log.read_text())]
    percentile_ = percentile
    turns, checks = figures.pop("turns"), figures.pop("check_latencies")
    figures.update({
        "processes": processes, "turn_p50": statistics.median(turns) if turns else 0,
        "turn_p95": percentile_(turns, 0.95) if turns else 0,
        "check_p95": percentile_(checks, 0.95) if checks else 0,
        "lost": figures["lost_turns"] + unsent, "duplicates": max(0, inbox.total - sent),
        "double_bookings": double, "booked": booked,
        "per_batch": statistics.mean(batches) if batches else 0.0})
    return figures


def machine_busy() -> float:
    """CPU seconds every core of the machine spent busy since boot (all processes)."""
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def simulate(client, base, residents, validator, inbox, territories, route, check_script,
             cpu) -> dict:
    rng = random.Random(15)
    lock = threading.Lock()
    state = {"turns": [], "check_latencies": [], "lost_turns": 0, "checks": 0,
             "by_territory": {}}
    update_ids = iter(range(10_000, 10_000_000))
    sids = iter(range(1, 10_000_000))
    start_line = threading.Barrier(residents + 1)

    def send_sms(sender: str, to: str, body: str, duplicate: bool) -> None:
        url = f"{base}/webhooks/twilio"
        with lock:
            sid = f"SM{next(sids):032d}"
        form = {"MessageSid": sid, "From": sender, "To": to, "Body": body, "NumMedia": "0"}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        for _ in range(2 if duplicate else 1):
            client.post(url, data=form, headers=headers).raise_for_status()

    def send_telegram(chat_id: int, body: str) -> None:
        from tests.bot.channels.fakes import FakeTelegram

        with lock:
            update_id = next(update_ids)
        client.post(f"{base}/webhooks/telegram",
                    json=FakeTelegram.update(update_id, chat_id, body),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).raise_for_status()

    def resident(i: int) -> None:
        telegram = i % 3 == 2
        booking = i % 5 == 4
        # A booking needs a territory before any postcode is asked: its own number.
        to = MULHOUSE_NUMBER if booking or i % 2 else SHARED_NUMBER
        # Mulhouse's residents on its number; on the shared number (and bot), either's.
        postcode = "68200" if to == MULHOUSE_NUMBER or i % 4 == 2 else "67100"
        answers, last = check_script(i)
        answers = [postcode if said == "67100" else said for said in answers]
        texts = ["bonjour", "oui", "conseiller", "1"] if booking else [*answers, last]
        territory = route(territories, number=None if telegram else to,
                          postcode=None if booking else postcode)
        key = territory.id if territory else "national"
        think = [rng.uniform(*THINK) for _ in texts]
        recipient = f"tg:{900_000 + i}" if telegram else f"+3361{i:07d}"
        start_line.wait()
        time.sleep(rng.uniform(0, 2.0) if not booking else 0)
        for k, said in enumerate(texts):
            time.sleep(think[k])
            seen = inbox.counts.get(recipient, 0)
            started = time.perf_counter()
            if telegram:
                send_telegram(900_000 + i, said)
            else:
                send_sms(recipient, to, said, duplicate=(i + k) % 7 == 3)
            if not inbox.wait_beyond(recipient, seen, TURN_TIMEOUT):
                with lock:
                    state["lost_turns"] += 1
                return
            elapsed = time.perf_counter() - started
            with lock:
                state["turns"].append(elapsed)
            if not booking and k == len(texts) - 1:
                # The result may come in several SMS parts: wait for the first one.
                with lock:
                    state["check_latencies"].append(elapsed)
                    state["checks"] += 1
                    state["by_territory"][key] = state["by_territory"].get(key, 0) + 1

    with ThreadPoolExecutor(residents) as pool:
        futures = [pool.submit(resident, i) for i in range(residents)]
        start_line.wait()
        cpu_before, machine_before, started = cpu(), machine_busy(), time.perf_counter()
        for future in futures:
            future.result()
        wall = time.perf_counter() - started
        used = cpu() - cpu_before
        machine = machine_busy() - machine_before
    state["wall"] = wall
    # The machine's busy CPU beyond our server processes (this bench's own client, other
    # work): what the cores left to the server is what bounds its rate.
    state["other_cores"] = max(machine - used, 0.0) / wall
    state["rate"] = state["checks"] / wall
    state["cpu_cores"] = used / wall
    state["cpu_per_check"] = used / max(state["checks"], 1)
    return state


def main() -> int:
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    residents = int(os.environ.get("BENCH_RESIDENTS", "90"))
    counts = [int(n) for n in os.environ.get("BENCH_PROCESSES", "1 2 4").split()]
    one, five, _ = os.getloadavg()
    print(f"{residents} residents per run (SMS 2/3, Telegram 1/3; 1/5 booking at once; think "
          f"{THINK[0]}-{THINK[1]} s), PostgreSQL, load {one:.2f}/{five:.2f} on "
          f"{os.cpu_count()} cores", flush=True)
    print("  proc  checks/s  turn p50  turn p95  check p95  lost  dup  double  booked  "
          "server CPU (cores)  other (cores)  CPU s/check  checks/simulation  scaling  "
          "checks by territory", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            r = run(n, residents, Path(tmp))
            results.append(r)
            factor = r["rate"] / results[0]["rate"] if results[0]["rate"] else 0
            r["factor"] = factor
            print(f"  {n:>4}  {r['rate']:>8.2f}  {r['turn_p50']:>7.2f}s  {r['turn_p95']:>7.2f}s"
                  f"  {r['check_p95']:>8.2f}s  {r['lost']:>4}  {r['duplicates']:>3}  "
                  f"{r['double_bookings']:>6}  {r['booked']:>6}  {r['cpu_cores']:>18.2f}  "
                  f"{r['other_cores']:>13.2f}  {r['cpu_per_check']:>11.2f}  "
                  f"{r['per_batch']:>17.1f}  {factor:>6.2f}x  {r['by_territory']}", flush=True)
    first, last = results[0], results[-1]
    lost = sum(r["lost"] for r in results)
    duplicates = sum(r["duplicates"] for r in results)
    cores = os.cpu_count() or 1

    def bound(r: dict) -> float:
        """Checks per second the cores left by other work allow at this run's cost."""
        left = max(cores - r["other_cores"], 0.0)
        return left / r["cpu_per_check"] if r["cpu_per_check"] else 0.0

    for r in results:
        print(f"  why, {r['processes']} process(es): a completed check (its whole conversation, "
              f"the replies, the jobs) cost {r['cpu_per_check']:.2f} CPU s; the server used "
              f"{r['cpu_cores']:.2f} cores and other work {r['other_cores']:.2f} of the "
              f"{cores}: at most {bound(r):.2f} checks/s (measured {r['rate']:.2f}, "
              f"{r['per_batch']:.1f} checks per simulation)", flush=True)
    target = 1.6 * first["rate"]
    if bound(last) < target:
        print(f"  so 1.6x of 1 process ({target:.2f} checks/s) is more than the {cores} cores "
              f"allow at {last['processes']} processes' cost ({bound(last):.2f} checks/s): "
              f"CPU-bound", flush=True)
    if last["cpu_per_check"] > first["cpu_per_check"]:
        print(f"  with {last['processes']} processes a check cost more: each process's rules "
              f"worker computes its own simulations ({last['per_batch']:.1f} checks each "
              f"against {first['per_batch']:.1f}), and a simulation costs about the same "
              f"whatever its size", flush=True)
    print(f"scale: {last['rate']:.2f} checks/s with {last['processes']} processes, "
          f"{last['factor']:.2f}x of 1 process, lost {lost}, duplicates {duplicates}",
          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
