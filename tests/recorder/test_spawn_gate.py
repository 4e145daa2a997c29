"""Process starts take turns, with a turn of the loop between them."""

from __future__ import annotations

import asyncio

from custom_components.heldar.recorder.spawn_gate import spawn_turn


async def test_starts_take_turns_and_let_the_loop_run() -> None:
    """Thirty-two starts in one tick never overlap, and a timer runs between two of them."""
    inside = 0
    most = 0
    order: list[str] = []

    async def start(index: int) -> None:
        nonlocal inside, most
        async with spawn_turn():
            inside += 1
            most = max(most, inside)
            order.append(f"start {index}")
            inside -= 1

    asyncio.get_running_loop().call_soon(order.append, "loop")
    await asyncio.gather(*(start(i) for i in range(32)))
    assert most == 1
    assert len(order) == 33
    assert order.index("loop") < order.index("start 1")  # the loop ran before the second start
