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

from .clock import format_timestamp, utc_now
from .port_records import JsonObject
from .store import PartRow, Store

logger = logging.getLogger(__name__)

ARCHIVE_FORMAT = "port/1.0"


def archive_lines(
    subject: str, records: list[JsonObject], generated_at: datetime
) -> Iterator[bytes]:
    """Yield the archive's lines: the manifest with exact counts, then records.

    ``ensure_ascii=False`` keeps text as UTF-8 rather than escapes; control
    characters (U+0000, CR, LF) are still escaped by JSON itself, so one
    record is always one line.
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
        yield json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n"


class PartWriter:
    """Cut a byte stream into part files of exactly ``part_size`` bytes.

    Cuts fall wherever the size says, inside a line or a UTF-8 character
    alike: the draft defines the archive as the parts' concatenation, and a
    reference that cut only at line ends would hide clients that don't.
    """

    def __init__(self, store: Store, export_id: str, part_size: int) -> None:
        if part_size < 1:
            raise ValueError(f"part_size must be positive, got {part_size}")
        self._store = store
        self._export_id = export_id
        self._part_size = part_size
        self._buffer = bytearray()
        self._parts: list[PartRow] = []

    def write(self, data: bytes) -> None:
        """Append bytes, writing every full part out."""
        self._buffer += data
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


class ExportWorker:
    """Background threads that build queued exports, oldest first.

    More than one thread, so that one large account's export does not hold
    up everyone else's beyond ``port.max_export_seconds``.
    """

    def __init__(
        self,
        store: Store,
        part_size: int,
        clock: Callable[[], datetime] = utc_now,
        threads: int = 2,
    ) -> None:
        self._store = store
        self._part_size = part_size
        self._clock = clock
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

    def submit(self, export_id: str) -> None:
        """Queue an export for building."""
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
            try:
                self.build(export_id)
            except Exception as exc:
                logger.exception("export %s failed", export_id)
                with self._store.transaction() as tx:
                    tx.set_export_status(
                        export_id, "failed", f"the archive could not be built: {exc}"
                    )

    def build(self, export_id: str) -> None:
        """Build one export: snapshot the records, write parts, mark it ready."""
        with self._store.transaction() as tx:
            job = tx.export(export_id)
            if job is None or not tx.set_export_status(export_id, "running"):
                return
            # Read in the same transaction that marks the job running: the
            # archive is the account as it was at one instant.
            records = tx.records(job.account)
        writer = PartWriter(self._store, export_id, self._part_size)
        for line in archive_lines(job.account, records, self._clock()):
            writer.write(line)
        parts = writer.close()
        with self._store.transaction() as tx:
            if tx.set_export_status(export_id, "ready"):
                tx.add_export_parts(export_id, parts)
                return
        # Deleted while it was being built: nothing may stay on disk.
        self._store.remove_export_files(export_id)
