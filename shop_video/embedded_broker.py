"""The embedded broker: kombu's filesystem transport, made safe for several processes and for bad files.

kombu's own transport writes a message file in place under an advisory lock the reader never takes, so a worker
can read a half-written file (`JSONDecodeError: Expecting value`, kombu issue #1551) and the error escapes the
consume loop: the worker exits. The same race exists for the exchange table in the control folder, which is
truncated before it is locked. Here:

- a message is written under a name no consumer looks at, then renamed into the queue folder (atomic on one
  filesystem): a reader sees the whole message or none of it;
- a consumer claims a file by renaming it (exactly one consumer wins), reads it, and a file it cannot read or
  decode as a kombu message is moved to the quarantine folder with an ERROR log naming it; the worker goes on;
- the exchange table is created complete (written aside, then linked into place) and rewritten under its lock.

`register()` points kombu's `filesystem://` scheme at this transport; shop_video.celery calls it on import, so
every process that loads the Celery app (web, worker, management commands, tests) uses it. See
docs/architecture.md for why this rather than the SQLAlchemy transport.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from pathlib import Path
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

_PARTIAL_SUFFIX = ".partial"  # a message still being written: `<name>.msg.partial`
_CLAIMED_SUFFIX = ".claimed"  # a message a consumer has taken: `<name>.msg.claimed`


class Channel(filesystem.Channel):
    """Atomic writes, atomic claims, and a quarantine for files that are not messages."""

    def _put(self, queue, payload, **kwargs):
        # time_ns zero-padded: file names sort in send order across processes (kombu uses per-process monotonic).
        name = f"{time.time_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + _PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to the queue folder: {exc}") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue  # another queue's message, or one still being written (.partial) or taken (.claimed)
            claimed = os.path.join(self.data_folder_in, name + _CLAIMED_SUFFIX)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            try:
                with open(claimed, "rb") as file:
                    raw = file.read()
                payload = loads(bytes_to_str(raw))
                self.Message(payload, channel=self)  # the consumer builds one from it; prove it can
            except Exception as exc:  # whatever is wrong with one file, the worker goes on
                self._quarantine(claimed, name, exc)
                continue
            self._processed(claimed, name)
            return payload
        raise Empty()

    def _quarantine(self, claimed: str, name: str, exc: Exception) -> None:
        folder = Path(self.quarantine_folder)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(claimed, folder / name)
        except OSError:
            logger.exception("Could not move the unreadable message %s aside; deleting it", claimed)
            with contextlib.suppress(OSError):
                os.remove(claimed)
            return
        logger.error(
            "Skipped an unreadable broker message (%s: %s); moved it to %s",
            type(exc).__name__,
            exc,
            folder / name,
        )

    def _processed(self, claimed: str, name: str) -> None:
        if self.store_processed:
            Path(self.processed_folder).mkdir(parents=True, exist_ok=True)
            os.replace(claimed, os.path.join(self.processed_folder, name))
        else:
            os.remove(claimed)

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._exchange_file_create(file)
        try:
            with file.open("rb+", buffering=0) as table:
                filesystem.lock(table, filesystem.LOCK_EX)
                try:
                    queues = [filesystem.exchange_queue_t(*q) for q in loads(bytes_to_str(table.read()))]
                    if binding not in queues:
                        queues.insert(0, binding)
                        table.seek(0)
                        table.write(str_to_bytes(dumps(queues)))
                        table.truncate()
                finally:
                    filesystem.unlock(table)
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc

    @staticmethod
    def _exchange_file_create(file: Path) -> None:
        """Create the exchange table holding `[]`, never visible empty: write it aside, then link it into place."""
        if file.exists():
            return
        aside = file.with_name(f".{file.name}.{uuid.uuid4().hex}")
        aside.write_bytes(b"[]")
        try:
            os.link(aside, file)  # fails if another process created it first: theirs stays
        except FileExistsError:
            pass
        finally:
            aside.unlink(missing_ok=True)

    @property
    def quarantine_folder(self) -> str:
        default = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_in)), "quarantine")
        return self.transport_options.get("quarantine_folder", default)


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    """Make `filesystem://` broker URLs use this transport (in this process)."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
