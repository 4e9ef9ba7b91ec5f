"""read_ahead: the same items in order, the producer's error at its place, the source closed on an early stop."""

from __future__ import annotations

import threading

import pytest

from campaigns.services.read_ahead import read_ahead


def test_items_come_in_order_from_another_thread():
    producers: set[str] = set()

    def items():
        for n in range(5):
            producers.add(threading.current_thread().name)
            yield n

    assert list(read_ahead(items())) == [0, 1, 2, 3, 4]
    assert producers == {"read-ahead"}


def test_an_error_while_producing_is_raised_where_its_item_would_come():
    def items():
        yield 1
        yield 2
        raise ValueError("line 7 is bad")

    got = []
    with pytest.raises(ValueError, match="line 7 is bad"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [1, 2]


def test_stopping_early_closes_the_source_and_ends_the_thread():
    closed = threading.Event()

    def items():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for item in read_ahead(items(), depth=1):
            if item == 3:
                raise RuntimeError("the database refused the chunk")
    assert closed.is_set()
    assert not any(thread.name == "read-ahead" for thread in threading.enumerate())
