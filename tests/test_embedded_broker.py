"""The embedded broker's transport (shop_video/embedded_broker.py) on its own, in this process and in several.

The whole `make run` stack under a burst is tests/faults/test_embedded_broker_burst.py."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.transport import virtual

from shop_video import embedded_broker

QUEUE = "jobs"


def _options(folder: Path) -> dict:
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "quarantine_folder": str(folder / "quarantine"),
        "polling_interval": 0.01,
    }


@pytest.fixture
def broker_dir(tmp_path, monkeypatch):
    (tmp_path / "queue").mkdir()
    # kombu remembers declared bindings per process (BrokerState), not per folder: start each test afresh.
    monkeypatch.setattr(embedded_broker.Transport, "global_state", virtual.BrokerState())
    return tmp_path


def _connection(folder: Path) -> Connection:
    return Connection(transport=embedded_broker.Transport, transport_options=_options(folder))


def _publish(folder: Path, bodies) -> None:
    queue = Queue(QUEUE, Exchange(QUEUE), routing_key=QUEUE)
    with _connection(folder) as conn:
        producer = Producer(conn.default_channel)
        for body in bodies:
            producer.publish(body, exchange=queue.exchange, routing_key=QUEUE, declare=[queue])


def _consume_all(folder: Path) -> list:
    received = []
    queue = Queue(QUEUE, Exchange(QUEUE), routing_key=QUEUE)
    with _connection(folder) as conn, Consumer(conn, [queue], callbacks=[lambda b, m: (received.append(b), m.ack())]):
        while True:
            try:
                conn.drain_events(timeout=0.3)
            except TimeoutError:
                return received


def test_filesystem_urls_use_the_embedded_transport():
    with Connection("filesystem://localhost/") as conn:
        assert conn.transport_cls is embedded_broker.Transport or isinstance(conn.transport, embedded_broker.Transport)


def test_a_message_is_invisible_to_consumers_until_it_is_whole(broker_dir, monkeypatch):
    seen_while_writing = []
    real_replace = os.replace

    def replace_after_a_look(source, destination):
        # The file is written in full; a consumer scanning now must still find nothing.
        with _connection(broker_dir) as conn:
            try:
                seen_while_writing.append(conn.default_channel._get(QUEUE))
            except Empty:
                seen_while_writing.append(None)
        real_replace(source, destination)

    monkeypatch.setattr(embedded_broker.os, "replace", replace_after_a_look)
    _publish(broker_dir, [{"n": 1}])
    monkeypatch.undo()
    assert seen_while_writing == [None]
    assert _consume_all(broker_dir) == [{"n": 1}]


@pytest.mark.parametrize(
    "content",
    [
        b"",  # created, not yet written (kombu's own writer opens the file before it writes)
        b'{"body": "eyJ',  # half written
        b"[1, 2]",  # JSON, not a message
        b'{"body": "x"}',  # a message without its properties
        b'{"body": "not base64!", "properties": {"delivery_tag": "t", "body_encoding": "base64"}}',
        b"\xff\xfe\x00",  # not text
    ],
)
def test_a_file_that_is_not_a_message_is_moved_aside_and_the_next_one_delivered(broker_dir, content, caplog):
    bad = broker_dir / "queue" / f"{0:020d}_bad.{QUEUE}.msg"  # sorts first
    bad.write_bytes(content)
    _publish(broker_dir, [{"n": 2}])
    with caplog.at_level(logging.ERROR, logger="shop_video.embedded_broker"):
        assert _consume_all(broker_dir) == [{"n": 2}]
    assert [p.name for p in (broker_dir / "quarantine").iterdir()] == [bad.name]
    assert (broker_dir / "quarantine" / bad.name).read_bytes() == content
    assert f"moved it to {broker_dir / 'quarantine' / bad.name}" in caplog.text


def _produce(folder: Path, start: int, count: int) -> None:
    _publish(folder, [{"n": n} for n in range(start, start + count)])


def _drain(folder: Path, out: Path, stop) -> None:
    got = []
    with _connection(folder) as conn:
        channel = conn.default_channel
        while True:
            try:
                got.append(channel._get(QUEUE)["body"])
            except Empty:
                if stop.is_set():
                    break
                time.sleep(0.005)
    out.write_text(json.dumps(got))


def test_many_producers_and_consumers_in_processes_deliver_each_message_exactly_once(broker_dir):
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    outs = [broker_dir / f"consumer-{n}.json" for n in range(3)]
    consumers = [context.Process(target=_drain, args=(broker_dir, out, stop)) for out in outs]
    producers = [context.Process(target=_produce, args=(broker_dir, n * 200, 200)) for n in range(4)]
    for process in consumers + producers:
        process.start()
    for process in producers:
        process.join(60)
    stop.set()
    for process in consumers:
        process.join(60)
    assert [p.exitcode for p in producers + consumers] == [0] * 7
    bodies = [body for out in outs for body in json.loads(out.read_text())]
    assert len(bodies) == 800 and len(set(bodies)) == 800  # every message once, none twice
    assert not list((broker_dir / "queue").iterdir()) and not (broker_dir / "quarantine").exists()


def _bind(folder: Path, start: int) -> None:
    with _connection(folder) as conn:
        for n in range(start, start + 40):
            conn.default_channel._queue_bind("shared", f"key-{n}", "", f"queue-{n}")


def test_bindings_made_at_once_by_several_processes_are_all_kept(broker_dir):
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_bind, args=(broker_dir, n * 40)) for n in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    with _connection(broker_dir) as conn:
        table = conn.default_channel.get_table("shared")
    assert sorted(binding.queue for binding in table) == sorted(f"queue-{n}" for n in range(160))
