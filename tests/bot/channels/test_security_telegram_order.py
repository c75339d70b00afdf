"""One Telegram chat's updates never run side by side (issue 27, item 8): the per-chat lock
is kept while a woken waiter has not run yet, so a third update arriving right then waits
for the second instead of taking a fresh lock beside it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bot.channels.telegram_bot import _processor_class


def test_a_third_update_arriving_as_the_first_ends_waits_for_the_second():
    processor = _processor_class()(16)
    update = SimpleNamespace(effective_chat=SimpleNamespace(id=7))
    running: set[int] = set()
    overlaps: list[set[int]] = []
    tasks: list[asyncio.Task] = []

    async def turn(number: int) -> None:
        running.add(number)
        if len(running) > 1:
            overlaps.append(set(running))
        await asyncio.sleep(0.01)
        running.discard(number)
        if number == 1:
            # Lands between the first update's release and the second's wake-up.
            loop = asyncio.get_running_loop()
            loop.call_soon(lambda: tasks.append(
                asyncio.ensure_future(processor.process_update(update, turn(3)))))

    async def main() -> None:
        tasks.append(asyncio.ensure_future(processor.process_update(update, turn(1))))
        tasks.append(asyncio.ensure_future(processor.process_update(update, turn(2))))
        while len(tasks) < 3 or not all(task.done() for task in tasks):
            await asyncio.sleep(0.005)

    asyncio.run(main())
    assert overlaps == []
    assert processor._chats == {}  # forgotten once no one holds or waits
