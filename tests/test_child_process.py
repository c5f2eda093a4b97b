"""The pipes to the collector's child processes: the event loop never waits on a full pipe,
every item arrives whole and in order, and the reading side knows when the sender is gone."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import queue
import threading

import pytest

from monitor.child_process import Inbox, Outbox

ITEM = "x" * 10_000  # 200 of them: thirty times what a pipe holds


def finishes(run, within_s: float = 120) -> bool:
    """Whether `run()` returns in time (a pipe that blocks would hang the test, not fail it)."""
    done = threading.Event()
    threading.Thread(target=lambda: (run(), done.set()), daemon=True).start()
    return done.wait(within_s)


def read_all(inbox: Inbox, into: list) -> None:
    while (item := inbox.get()) is not None:
        into.append(item)


def test_items_past_what_the_pipe_holds_go_out_without_blocking_and_arrive_in_order() -> None:
    reading, writing = multiprocessing.Pipe(duplex=False)
    received: list = []

    async def send_then_let_it_drain() -> None:
        outbox = Outbox(writing)
        for n in range(200):  # nobody reads yet: a blocking write would hang here
            outbox.send((n, ITEM))
        reader = threading.Thread(target=read_all, args=(Inbox(reading), received))
        reader.start()
        while len(received) < 100:  # the loop writes the rest as the pipe drains
            await asyncio.sleep(0.01)
        outbox.close()
        await asyncio.to_thread(reader.join)

    assert finishes(lambda: asyncio.run(send_then_let_it_drain()))
    assert [n for n, _ in received] == list(range(200))
    assert all(text == ITEM for _, text in received)


def test_a_half_sent_item_is_not_taken_for_one() -> None:
    reading, writing = multiprocessing.Pipe(duplex=False)
    data = pickle.dumps({"harvest": 1})
    framed = len(data).to_bytes(8, "big") + data
    inbox = Inbox(reading)
    os.write(writing.fileno(), framed[:5])
    with pytest.raises(queue.Empty):
        inbox.get(timeout=0.05)
    os.write(writing.fileno(), framed[5:12])
    with pytest.raises(queue.Empty):
        inbox.get(timeout=0.05)
    os.write(writing.fileno(), framed[12:])
    assert inbox.get(timeout=5) == {"harvest": 1}
    os.write(writing.fileno(), framed[:9])  # cut off: the sender died in the middle
    writing.close()
    assert inbox.get() is None


def test_the_reader_learns_the_sender_is_gone() -> None:
    reading, writing = multiprocessing.Pipe(duplex=False)
    inbox = Inbox(reading)
    writing.close()
    assert inbox.get() is None
    assert inbox.get(timeout=1) is None


def test_closing_writes_the_rest_while_reading_the_answers() -> None:
    """A child that answers each item at length fills its answers' pipe; close() reads them
    while it writes what waits, so neither side waits for the other for ever."""
    work_in, work_out = multiprocessing.Pipe(duplex=False)
    answers_in, answers_out = multiprocessing.Pipe(duplex=False)

    def child() -> None:
        inbox = Inbox(work_in)
        while (item := inbox.get()) is not None:
            answers_out.send(("done", item[0], "y" * 50_000))
        answers_out.close()

    worker = threading.Thread(target=child, daemon=True)
    worker.start()
    answered: list = []

    def read() -> bool:
        try:
            answered.append(answers_in.recv()[1])
        except EOFError:
            return False
        return True

    async def send_and_close() -> None:
        outbox = Outbox(work_out)
        for n in range(50):
            outbox.send((n, ITEM))
        outbox.close(answers_in, read)

    assert finishes(lambda: asyncio.run(send_and_close())), "close() waited for ever"
    while read():  # the answers written after the last item went out
        pass
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert answered == list(range(50))
