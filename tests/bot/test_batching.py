"""Concurrent eligibility checks are merged into few OpenFisca simulations, in a worker process.

Real OpenFisca everywhere: the service's worker process computes, and an engine in this
process computes the same households one by one for comparison.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.eligibility import EligibilityService
from rules.engine import RulesEngine
from rules.profile import ProfileError
from tests.helpers.eligibility import EXPLODING, EXPLODING_SALARY


def household(i: int) -> dict:
    """Varied households: ages, incomes, housing, partners, children, pregnancy."""
    housing = ["tenant", "social_tenant", "owner", "hosted", "homeless"][i % 5]
    profile = {
        "period": "2026-03",
        "commune": ["67482", "67100", "67000"][i % 3],
        "applicant": {"age": 18 + (i * 7) % 60, "pregnant": i % 11 == 3,
                      "income": {"salary": (i * 137) % 1900, "pension": 0 if i % 4 else 300}},
        "children": [{"age": (i + k * 5) % 18} for k in range(i % 3)],
        "housing": {"status": housing, "rent": 450 + i % 300 if "tenant" in housing else 0},
    }
    if i % 6 == 1:
        profile["partner"] = {"age": 25 + i % 40, "income": {"unemployment": 600}}
    return profile


def amounts(result: dict) -> dict[str, tuple[bool, float | None]]:
    return {b["id"]: (b["eligible"], b["amount"]) for b in result["benefits"]}


def assert_same(batched: dict, alone: dict) -> None:
    assert batched["period"] == alone["period"]
    got, expected = amounts(batched), amounts(alone)
    assert got.keys() == expected.keys()
    for benefit, (eligible, amount) in expected.items():
        assert got[benefit][0] == eligible, benefit
        if amount is None:
            assert got[benefit][1] is None
        else:
            assert got[benefit][1] == pytest.approx(amount, abs=0.01), benefit


def concurrently(service: EligibilityService, profiles: list) -> list:
    """Call evaluate from one thread per profile, all released at once; results or errors."""
    barrier = threading.Barrier(len(profiles))

    def check(profile):
        barrier.wait()
        try:
            return service.evaluate(profile)
        except Exception as error:  # noqa: BLE001 - returned to the test
            return error

    with ThreadPoolExecutor(len(profiles)) as pool:
        return list(pool.map(check, profiles))


@pytest.fixture(scope="module")
def engine():
    engine = RulesEngine()
    engine.warm_up()
    return engine


@pytest.fixture(scope="module")
def exploding():
    service = EligibilityService(engine_factory=EXPLODING)
    service.start_warm_up()
    assert service._ready.wait(120) and service.status == "ready"
    yield service
    service.close()


def test_concurrent_checks_match_one_by_one_and_share_simulations(eligibility, engine):
    profiles = [household(i) for i in range(30)]
    before = eligibility.stats
    results = concurrently(eligibility, profiles)
    after = eligibility.stats
    together = engine.evaluate_many(profiles)
    for i, (profile, result) in enumerate(zip(profiles, results)):
        assert not isinstance(result, Exception), result
        # Each household on its own (a third of them: ~2 s each) and all in one simulation.
        assert_same(result, engine.evaluate(profile) if i % 3 == 0 else together[i])
    assert after["checks"] - before["checks"] == 30
    assert after["batches"] - before["batches"] < 30


def test_an_invalid_profile_fails_its_caller_only(eligibility, engine):
    profiles = [household(i) for i in range(12)]
    profiles[5] = {**profiles[5], "applicant": {"age": "trente"}}
    results = concurrently(eligibility, profiles)
    assert isinstance(results[5], ProfileError) and results[5].field == "applicant.age"
    expected = engine.evaluate_many(profiles)
    for i, result in enumerate(results):
        if i != 5:
            assert not isinstance(result, Exception), result
            assert_same(result, expected[i])


def test_a_household_that_breaks_the_simulation_does_not_fail_the_others(exploding, engine):
    profiles = [household(i) for i in range(10)]
    profiles[3]["applicant"]["income"]["salary"] = EXPLODING_SALARY
    before = exploding.stats
    results = concurrently(exploding, profiles)
    assert exploding.stats["batches"] - before["batches"] < 10  # they were batched together
    assert isinstance(results[3], RuntimeError)
    assert "computation failed" in str(results[3])
    expected = engine.evaluate_many(profiles[:3] + profiles[4:])
    for i, result in enumerate(results):
        if i != 3:
            assert not isinstance(result, Exception), result
            assert_same(result, expected[i if i < 3 else i - 1])


def test_status_is_warming_until_the_worker_is_ready_and_close_stops_it(engine):
    service = EligibilityService()
    try:
        assert service.status == "warming"
        started = threading.Event()
        outcome = {}

        def check():
            started.set()
            outcome["result"] = service.evaluate(household(2))  # starts the warm-up itself

        thread = threading.Thread(target=check)
        thread.start()
        started.wait()
        time.sleep(0.5)
        assert service.status == "warming"  # and the check waits for the worker
        thread.join(120)
        assert service.status == "ready"
        assert_same(outcome["result"], engine.evaluate(household(2)))
        processes = worker_processes(service)
        assert processes and all(p is not None and p.is_alive() for p in processes)
    finally:
        service.close()
    assert all(not p.is_alive() and p.exitcode == 0 for p in processes)
    with pytest.raises(RuntimeError):
        service.evaluate(household(0))


def test_close_during_warm_up_does_not_leave_a_process():
    service = EligibilityService()
    service.start_warm_up()
    deadline = time.monotonic() + 10
    while None in worker_processes(service) and time.monotonic() < deadline:
        time.sleep(0.01)
    processes = worker_processes(service)
    assert None not in processes and service.status == "warming"
    started = time.monotonic()
    service.close()
    assert time.monotonic() - started < 10
    assert not any(p.is_alive() for p in processes)


def worker_processes(service: EligibilityService) -> list:
    """The service's worker processes: one per part of the catalogue."""
    workers = getattr(service._worker, "workers", [service._worker])
    return [w.process for w in workers]


def test_two_workers_compute_a_part_of_the_catalogue_each_and_are_replaced_together(engine):
    """The default: the CSS in one worker, the other benefits in another, both given every
    batch; their parts merged are what one engine computes, benefits in catalogue order."""
    service = EligibilityService()
    try:
        service.start_warm_up()
        assert service._ready.wait(180) and service.status == "ready"
        first = worker_processes(service)
        assert len(first) == 2 and len({p.pid for p in first}) == 2
        profiles = [household(i) for i in range(8)]
        results = concurrently(service, profiles)
        expected = engine.evaluate_many(profiles)
        for result, alone in zip(results, expected):
            assert not isinstance(result, Exception), result
            assert [b["id"] for b in result["benefits"]] == [b["id"] for b in alone["benefits"]]
            assert_same(result, alone)
        # One part's process dies: that batch fails, both are replaced, the next one is whole.
        first[1].kill()
        with pytest.raises(RuntimeError):
            service.evaluate(household(4))
        assert_same(service.evaluate(household(4)), engine.evaluate(household(4)))
        again = worker_processes(service)
        assert all(p.is_alive() for p in again) and again[1].pid != first[1].pid
        assert service.restarts == 1
    finally:
        service.close()
    assert not any(p.is_alive() for p in worker_processes(service) + first if p is not None)


def test_a_dead_worker_fails_its_batch_and_is_replaced(exploding, engine):
    exploding._worker.process.kill()
    with pytest.raises(RuntimeError):
        exploding.evaluate(household(4))
    # The replacement warms up in the batcher's thread; the next check waits for it.
    assert_same(exploding.evaluate(household(4)), engine.evaluate(household(4)))
    assert exploding.status == "ready"


def test_the_batcher_merges_a_burst_and_hands_a_batch_error_to_each_caller():
    from bot.batching import BatcherClosed, MicroBatcher

    calls = []

    def run(items):
        calls.append(list(items))
        if "bad" in items:
            raise ValueError("broken batch")
        return [item * 2 for item in items]

    batcher = MicroBatcher(run, window=0.05, max_wait=0.5)
    futures = [batcher.submit(i) for i in range(50)]  # queued before the dispatcher starts
    batcher.start()
    assert [f.result(5) for f in futures] == [i * 2 for i in range(50)]
    assert len(calls) == 1
    failing = [batcher.submit("bad"), batcher.submit("x")]
    for future in failing:
        with pytest.raises(ValueError):
            future.result(5)
    batcher.close()
    with pytest.raises(BatcherClosed):
        batcher.submit(1).result(1)


def _started_batches(batcher_kwargs: dict):
    """A MicroBatcher whose batches are recorded, with an event set at each batch."""
    from bot.batching import MicroBatcher

    calls: list[list] = []
    ran = threading.Event()

    def run(items):
        calls.append(list(items))
        ran.set()
        return list(items)

    batcher = MicroBatcher(run, **batcher_kwargs)
    batcher.start()
    return batcher, calls, ran


def test_a_lone_turn_s_check_starts_without_waiting_for_the_window():
    from common.inflight import TurnsInFlight

    turns = TurnsInFlight()
    # A 30 s window: only the count of turns in flight can start this batch before it.
    batcher, calls, ran = _started_batches(dict(window=30, max_wait=60, turns=turns,
                                                settle=0.01))
    with turns.turn():
        future = batcher.submit("alone")
        assert ran.wait(10), "the batch waited for its window"
        assert future.result(5) == "alone"
    assert calls == [["alone"]]
    batcher.close()


def test_a_check_waits_for_the_turns_still_running_then_starts_with_theirs():
    from common.inflight import TurnsInFlight

    turns = TurnsInFlight()
    batcher, calls, ran = _started_batches(dict(window=30, max_wait=60, turns=turns,
                                                settle=0.01))
    second_turn_may_submit = threading.Event()
    both_in_flight = threading.Barrier(2)
    results = {}

    def turn(name: str, wait_for: threading.Event | None) -> None:
        with turns.turn():
            both_in_flight.wait(10)  # the second counts before the first submits
            if wait_for is not None:
                wait_for.wait(10)
            results[name] = batcher.submit(name).result(10)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(turn, "first", None)
        second = pool.submit(turn, "second", second_turn_may_submit)
        # The second turn is in flight, not yet waiting: the first's check must wait for it.
        assert not ran.wait(0.5), "the batch started while a turn could still join it"
        second_turn_may_submit.set()
        first.result(10)
        second.result(10)
    assert calls == [["first", "second"]]
    assert results == {"first": "first", "second": "second"}
    batcher.close()


def test_without_the_count_of_turns_a_batch_waits_for_its_window():
    # The same lone check, with no count (RULES_BATCH_EARLY=0): the window decides.
    from common.inflight import TurnsInFlight

    turns = TurnsInFlight()
    batcher, calls, ran = _started_batches(dict(window=1.0, max_wait=60, turns=None))
    with turns.turn():
        started = time.monotonic()
        batcher.submit("alone").result(10)
        assert time.monotonic() - started >= 0.9
    batcher.close()


def test_a_turn_counted_by_its_request_is_not_counted_again_inside():
    import asyncio

    from common.inflight import TurnsInFlight

    turns = TurnsInFlight()

    async def webhook_then_update() -> list[int]:
        seen = []
        with turns.turn():  # the HTTP request (CountTurns)
            seen.append(turns.count)
            with turns.turn():  # the Telegram update it carries (TelegramChannel._turn)
                seen.append(turns.count)
                await asyncio.sleep(0)
            seen.append(turns.count)
        seen.append(turns.count)
        return seen

    # In a thread of its own: a browser test before this one (Playwright's sync API) can leave
    # this thread's loop marked running, and asyncio.run() refuses to start inside one.
    with ThreadPoolExecutor(1) as own_thread:
        seen = own_thread.submit(asyncio.run, webhook_then_update()).result(10)
    assert seen == [1, 1, 1, 0]
    # Two turns in two threads count as two.
    inside = threading.Barrier(3)

    def one_turn():
        with turns.turn():
            inside.wait(5)
            inside.wait(5)

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(one_turn) for _ in range(2)]
        inside.wait(5)
        assert turns.count == 2
        inside.wait(5)
        for future in futures:
            future.result(5)
    assert turns.count == 0
