"""Messages and posts of the LINK module, in their own SQLite file beside the platform's."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS link_messages (
    id TEXT PRIMARY KEY, sender TEXT NOT NULL, recipient TEXT NOT NULL,
    text TEXT NOT NULL, sent_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS link_posts (
    id TEXT PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class StoredMessage:
    """One message as stored."""

    id: str
    sender: str
    recipient: str
    text: str
    sent_at: str


class LinkStore:
    """A small store: one connection, one lock, every statement in it."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.executescript(_SCHEMA)

    def add_message(self, message: StoredMessage) -> None:
        """Store a message."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO link_messages VALUES (?, ?, ?, ?, ?)",
                (message.id, message.sender, message.recipient, message.text, message.sent_at),
            )

    def message(self, message_id: str) -> StoredMessage | None:
        """A message by id."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, sender, recipient, text, sent_at FROM link_messages WHERE id = ?",
                (message_id,),
            ).fetchone()
        return StoredMessage(*row) if row else None

    def add_post(self, post_id: str, author: str, text: str, created_at: str) -> None:
        """Store a post."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO link_posts VALUES (?, ?, ?, ?)", (post_id, author, text, created_at)
            )

    def post_text(self, post_id: str) -> str | None:
        """A post's text by id."""
        with self._lock:
            row = self._conn.execute(
                "SELECT text FROM link_posts WHERE id = ?", (post_id,)
            ).fetchone()
        return str(row[0]) if row else None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
