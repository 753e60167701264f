"""Parsing ahead in a thread: the same items in the same order, errors after the items before them."""

import threading

import pytest

from catalog.importers.base import FeedRejected
from catalog.importers.prefetch import parsed_ahead


def numbers_then(error=None, count=5000):
    for number in range(count):
        yield number, threading.current_thread().name
    if error is not None:
        raise error


def test_every_item_arrives_in_order_parsed_in_another_thread():
    items = list(parsed_ahead(numbers_then()))
    assert [number for number, _ in items] == list(range(5000))
    assert {thread for _, thread in items} == {"feed-parser"}


def test_a_parser_error_arrives_after_the_items_before_it():
    received = []
    with pytest.raises(FeedRejected, match="line 9 is broken"):
        for item in parsed_ahead(numbers_then(FeedRejected("line 9 is broken"), count=700)):
            received.append(item)
    assert len(received) == 700


def test_stopping_early_ends_the_parser_thread():
    items = parsed_ahead(numbers_then(count=10**9))
    assert next(items)[0] == 0
    items.close()  # the caller hit an error while writing
    assert not any(thread.name == "feed-parser" for thread in threading.enumerate())
