"""Producing the next item in a thread while the caller consumes this one, with at most ``depth`` waiting."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.utils import translation

T = TypeVar("T")
_END = object()


def read_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """``items``, produced by a worker thread one step ahead of the caller.

    Worth it when producing and consuming both release the GIL (polars parsing, a database driver writing): on
    two cores they overlap. At most ``depth`` produced items wait, so memory stays bounded. An exception raised
    while producing is raised here, in the caller's thread, at the point where that item would have come; if the
    caller stops early (an error while consuming), the worker stops too and ``items`` is closed. The worker speaks
    the caller's language (Django's is per thread): an error it words is for the person the caller serves.
    """
    slots: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language()

    def put(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(items)
        try:
            with translation.override(language):
                for item in iterator:
                    if not put((item, None)):
                        return
            put((_END, None))
        except BaseException as exc:  # handed over to the caller, who raises it
            put((_END, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = slots.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
