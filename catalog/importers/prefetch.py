"""Parsing ahead in a thread while the caller writes to the database.

The database server works on the other core while the caller waits on it; a parser thread fills that time.
(A forked parser process was measured too: on two cores it lost to the thread, 7.1-7.6 s against 6.1-6.7 s for
50,000 rows, because the child, the caller and PostgreSQL then fight for the cores and pickling costs extra.)
The thread never touches the database (so transactions and tests are unaffected); its exceptions are raised
in the caller, in order, after the items parsed before them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def parsed_ahead(items: Iterable[T], *, depth: int = 2000) -> Iterator[T]:
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        """Wait for room, unless the consumer has gone away; False then."""
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((_DONE, exc))

    thread = threading.Thread(target=produce, name="feed-parser", daemon=True)
    thread.start()
    try:
        while True:
            item, error = buffer.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()  # the consumer stopped early (an error while writing): let the parser end
        thread.join(timeout=5)
