"""Building PORT export archives in the background, split into part files."""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Final

from .clock import format_timestamp, utc_now
from .port_records import JsonObject
from .port_render import RecordStyle, UrlStyle
from .store import PartRow, Store

logger = logging.getLogger(__name__)

ARCHIVE_FORMAT = "port/1.0"


def archive_lines(
    subject: str,
    records: list[JsonObject],
    generated_at: datetime,
    style: RecordStyle | None = None,
) -> Iterator[bytes]:
    """Yield the archive's lines: the manifest with exact counts, then records.

    Text stays UTF-8 unless the platform's style escapes it; control
    characters (U+0000, CR, LF) are escaped by JSON itself either way, so
    one record is always one line.
    """
    counts = Counter(str(record["type"]) for record in records)
    manifest = {
        "type": "Manifest",
        "format": ARCHIVE_FORMAT,
        "subject": subject,
        "generated_at": format_timestamp(generated_at),
        "counts": dict(counts),
    }
    for line in [manifest, *records]:
        if style is None:
            yield json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n"
        else:
            yield style.line(line) + b"\n"


SMALL_ODD_PART: Final = 1021
"""Bytes per part of the ``small-odd`` split: odd and small, so cuts land inside characters."""


class PartWriter:
    """Cut a byte stream into part files, as the platform's ``port.part_split`` says.

    ``fixed`` cuts every ``part_size`` bytes, inside a line or a UTF-8
    character alike (the draft defines the archive as the parts'
    concatenation, and a reference that cut only at line ends would hide
    clients that don't); ``small-odd`` does the same every 1 021 bytes;
    ``line-ends`` cuts at the first line end past ``part_size``; ``single``
    never cuts. :meth:`write` takes whole lines.
    """

    def __init__(self, store: Store, export_id: str, part_size: int, split: str = "fixed") -> None:
        if part_size < 1:
            raise ValueError(f"part_size must be positive, got {part_size}")
        self._store = store
        self._export_id = export_id
        self._split = split
        self._part_size = SMALL_ODD_PART if split == "small-odd" else part_size
        self._buffer = bytearray()
        self._parts: list[PartRow] = []

    def write(self, data: bytes) -> None:
        """Append whole lines, writing every full part out."""
        self._buffer += data
        if self._split == "single":
            return
        if self._split == "line-ends":
            if len(self._buffer) >= self._part_size:
                self._flush(bytes(self._buffer))
                self._buffer.clear()
            return
        while len(self._buffer) >= self._part_size:
            self._flush(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]

    def close(self) -> list[PartRow]:
        """Write the last, shorter part (if any) and return every part."""
        if self._buffer:
            self._flush(bytes(self._buffer))
            self._buffer.clear()
        return list(self._parts)

    def _flush(self, data: bytes) -> None:
        n = len(self._parts) + 1
        self._store.write_part(self._export_id, n, data)
        self._parts.append(PartRow(n, len(data), hashlib.sha256(data).hexdigest()))


INLINE_RECORDS: Final = 1000
"""Accounts up to this many records are exported at once, in the POST's own thread."""


class ExportWorker:
    """Builds exports: a small account's at once, larger ones in background threads.

    The platform declares ``port.max_export_seconds`` and must keep it on a
    busy machine too. A queued job waits for a thread to be free and then
    for its share of the CPU (and of the interpreter, shared with the
    request threads); on a loaded machine that wait, not the building, is
    what made exports late. A small account's archive takes milliseconds to
    build, so it is built before the POST is answered and is never late;
    only large ones wait, oldest first, on more than one thread, so that one
    large account does not hold up the others.
    """

    def __init__(
        self,
        store: Store,
        part_size: int,
        clock: Callable[[], datetime] = utc_now,
        threads: int = 2,
        *,
        split: str = "fixed",
        style: RecordStyle | None = None,
        urls: UrlStyle | None = None,
    ) -> None:
        self._store = store
        self._part_size = part_size
        self._clock = clock
        self._split = split
        self._style = style
        self._urls = urls or UrlStyle("root-relative")
        # The origin each export was asked through, for absolute Media URLs.
        self._origins: dict[str, str | None] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._run, name=f"port-export-worker-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self, resume: Iterable[str] = ()) -> None:
        """Start the threads; ``resume`` re-queues jobs an earlier run left unbuilt."""
        for export_id in resume:
            self._queue.put(export_id)
        for thread in self._threads:
            thread.start()

    def submit(self, export_id: str, origin: str | None = None) -> None:
        """Build a small account's export now, queue a larger one.

        ``origin`` is where the POST came from (for absolute URLs). Call it
        outside any store transaction: building takes its own.
        """
        self._origins[export_id] = origin
        with self._store.transaction() as tx:
            job = tx.export(export_id)
            small = job is not None and tx.record_count(job.account) <= INLINE_RECORDS
        if small:
            self._build_or_fail(export_id)
        else:
            self._queue.put(export_id)

    def stop(self, timeout: float = 10.0) -> None:
        """Let each thread finish the job in hand, then stop them."""
        running = [thread for thread in self._threads if thread.is_alive()]
        for _ in running:
            self._queue.put(None)
        for thread in running:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            export_id = self._queue.get()
            if export_id is None:
                return
            self._build_or_fail(export_id)

    def _build_or_fail(self, export_id: str) -> None:
        try:
            self.build(export_id)
        except Exception as exc:
            logger.exception("export %s failed", export_id)
            with self._store.transaction() as tx:
                tx.set_export_status(export_id, "failed", f"the archive could not be built: {exc}")

    def build(self, export_id: str) -> None:
        """Build one export: snapshot the records, write parts, mark it ready."""
        with self._store.transaction() as tx:
            job = tx.export(export_id)
            if job is None or not tx.set_export_status(export_id, "running"):
                return
            # Read in the same transaction that marks the job running: the
            # archive is the account as it was at one instant.
            records = tx.records(job.account)
        origin = self._origins.pop(export_id, None)
        for record in records:
            if record["type"] == "Media":
                record["url"] = self._urls.media(origin, str(record["sha256"]))
        writer = PartWriter(self._store, export_id, self._part_size, self._split)
        for line in archive_lines(job.account, records, self._clock(), self._style):
            writer.write(line)
        parts = writer.close()
        with self._store.transaction() as tx:
            if tx.set_export_status(export_id, "ready"):
                tx.add_export_parts(export_id, parts)
                return
        # Deleted while it was being built: nothing may stay on disk.
        self._store.remove_export_files(export_id)
