"""The run's memory in SQLite: issues seen, digests made, articles sent, deliveries.

An issue is identified by the sha256 of its bytes, so renaming or touching a
file does not make it new. An article is identified by a fingerprint of its
normalised title and opening text, so an issue re-exported with small changes
does not send its articles twice. The schema version lives in
`PRAGMA user_version`; `MIGRATIONS[n]` takes a database from version n to n+1.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.errors import StateError

LOGGER = logging.getLogger(__name__)

MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE issues (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        digest_id INTEGER REFERENCES digests(id),
        first_seen TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL,
        issue_ids TEXT NOT NULL,
        article_count INTEGER NOT NULL,
        html_path TEXT,
        text_path TEXT,
        eml_path TEXT
    );
    CREATE TABLE articles (
        fingerprint TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        issue_id INTEGER NOT NULL REFERENCES issues(id),
        digest_id INTEGER REFERENCES digests(id),
        first_sent TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        digest_id INTEGER NOT NULL REFERENCES digests(id),
        recipient TEXT NOT NULL,
        status TEXT NOT NULL,
        message_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        updated TEXT NOT NULL,
        UNIQUE (digest_id, recipient)
    );
    """,
    # 1 -> 2: subscribers, the digest snapshots a later run renders again, and retry times.
    # A subscriber's `key` is the case-folded address: one subscriber however it is typed.
    # `deliveries.recipient` holds that key; `next_attempt` is when a deferred message may go again.
    """
    CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        address TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        themes TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed', 'bouncing')),
        bounces INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE digest_snapshots (
        key TEXT PRIMARY KEY,
        content TEXT NOT NULL,
        planned INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE deliveries ADD COLUMN next_attempt TEXT;
    CREATE INDEX deliveries_by_status ON deliveries (status, next_attempt)
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class IssueRecord:
    """What the state remembers of one issue file."""

    id: int
    sha256: str
    source: str
    status: str
    error: str | None
    attempts: int


@dataclass(frozen=True)
class DigestRecord:
    """One digest that was written (and delivered, in outbox mode)."""

    id: int
    key: str
    created: str
    issue_ids: list[int]
    article_count: int
    html_path: str | None
    text_path: str | None
    eml_path: str | None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """The state database. Open with `Store.open(path)`; use as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating if needed) and migrate the database at `path`."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StateError(f"{path}: cannot open the state database ({e})") from e
        return cls._connect(path, str(path))

    @classmethod
    def open_existing(cls, path: Path) -> Store:
        """The database at `path` if it exists, else an empty one in memory: never creates a file (previews)."""
        return cls._connect(path, str(path) if path.exists() else ":memory:")

    @classmethod
    def _connect(cls, path: Path, target: str) -> Store:
        try:
            connection = sqlite3.connect(target, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
        except sqlite3.Error as e:
            raise StateError(f"{path}: cannot open the state database ({e})") from e
        store = cls(connection, path)
        store.migrate()
        return store

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def migrate(self) -> None:
        """Bring the schema to `SCHEMA_VERSION`, one migration per transaction."""
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StateError(f"{self.path}: made by a newer digest (schema {version} > {SCHEMA_VERSION})")
            for number in range(version, SCHEMA_VERSION):
                with self.transaction():
                    for statement in _statements(MIGRATIONS[number]):
                        self.db.execute(statement)
                    self.db.execute(f"PRAGMA user_version = {number + 1}")
                LOGGER.info("state database migrated to schema %d", number + 1)
        except sqlite3.Error as e:
            raise StateError(f"{self.path}: cannot migrate the state database ({e})") from e

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # issues

    def done_hashes(self) -> set[str]:
        rows = self.db.execute("SELECT sha256 FROM issues WHERE status = 'done'")
        return {row["sha256"] for row in rows}

    def issues(self) -> list[IssueRecord]:
        return [_issue_record(r) for r in self.db.execute("SELECT * FROM issues ORDER BY id")]

    def record_failure(self, sha256: str, source: str, error: str) -> None:
        """Remember that an issue failed, so it is reported and tried again next run."""
        with self.transaction():
            self.db.execute(
                """INSERT INTO issues (sha256, source, status, error, first_seen, updated)
                   VALUES (?, ?, 'failed', ?, ?, ?)
                   ON CONFLICT (sha256) DO UPDATE SET status = 'failed', error = excluded.error,
                   source = excluded.source, attempts = attempts + 1, updated = excluded.updated""",
                (sha256, source, error, now_iso(), now_iso()),
            )

    # articles

    def sent_fingerprints(self, fingerprints: Iterable[str]) -> set[str]:
        wanted = list(fingerprints)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT fingerprint FROM articles WHERE fingerprint IN ({marks})", chunk)
            found |= {row["fingerprint"] for row in rows}
        return found

    # digests

    def digests(self) -> list[DigestRecord]:
        return [_digest_record(r) for r in self.db.execute("SELECT * FROM digests ORDER BY id")]

    def record_digest(self, *, key: str, issues: list[tuple[str, str]], articles: list[tuple[str, str, str]],
                      paths: dict[str, str | None], article_count: int) -> int | None:
        """In one transaction: the digest row, its issues marked done, its articles remembered.

        `issues` are (sha256, source) pairs; `articles` are (fingerprint, title, issue sha256).
        With no article (everything was sent before) the issues are marked done without a digest.
        Returns the digest id, or None when no digest was recorded.
        """
        stamp = now_iso()
        with self.transaction():
            ids = {sha: self._mark_done(sha, source, stamp) for sha, source in issues}
            digest_id = None
            if article_count:
                cursor = self.db.execute(
                    """INSERT INTO digests (key, created, issue_ids, article_count, html_path, text_path, eml_path)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (key, stamp, json.dumps(sorted(ids.values())), article_count,
                     paths.get("html"), paths.get("text"), paths.get("eml")),
                )
                digest_id = cursor.lastrowid
                self.db.execute(f"UPDATE issues SET digest_id = ? WHERE id IN ({','.join('?' * len(ids))})",
                                (digest_id, *ids.values()))
            self.db.executemany(
                """INSERT OR IGNORE INTO articles (fingerprint, title, issue_id, digest_id, first_sent)
                   VALUES (?, ?, ?, ?, ?)""",
                [(fp, title, ids[sha], digest_id, stamp) for fp, title, sha in articles],
            )
        return digest_id

    def _mark_done(self, sha256: str, source: str, stamp: str) -> int:
        self.db.execute(
            """INSERT INTO issues (sha256, source, status, first_seen, updated) VALUES (?, ?, 'done', ?, ?)
               ON CONFLICT (sha256) DO UPDATE SET status = 'done', error = NULL, source = excluded.source,
               updated = excluded.updated""",
            (sha256, source, stamp, stamp),
        )
        return int(self.db.execute("SELECT id FROM issues WHERE sha256 = ?", (sha256,)).fetchone()[0])

    # ---- subscribers and deliveries (SMTP mode) ------------------------------------------
    # Subscribers are found by `subscriber_key(address)`. A delivery row is one digest × one
    # subscriber: planned 'pending' in one transaction per digest, then 'sent' the moment the
    # server accepts the message, 'bounced' on a permanent refusal, 'failed' after the last
    # temporary one, 'skipped' when the subscriber left before it went out.

    def subscribers(self, status: str | None = None) -> list[SubscriberRecord]:
        query = "SELECT * FROM subscribers" + (" WHERE status = ?" if status else "") + " ORDER BY id"
        return [_subscriber_record(r) for r in self.db.execute(query, (status,) if status else ())]

    def subscriber(self, address: str) -> SubscriberRecord | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE key = ?", (subscriber_key(address),)).fetchone()
        return _subscriber_record(row) if row else None

    def save_subscriber(self, address: str, name: str, themes: list[str], *, reactivate: bool) -> str:
        """Add a subscriber or update one; returns 'added', 'updated' or 'unchanged'.

        `reactivate` makes an unsubscribed or bouncing subscriber active again (an operator's
        explicit `add`); an import never does, so a bulk load cannot undo an unsubscribe.
        """
        stamp, key = now_iso(), subscriber_key(address)
        with self.transaction():
            row = self.db.execute("SELECT * FROM subscribers WHERE key = ?", (key,)).fetchone()
            if row is None:
                self.db.execute(
                    """INSERT INTO subscribers (key, address, name, themes, status, created, updated)
                       VALUES (?, ?, ?, ?, 'active', ?, ?)""",
                    (key, address, name, json.dumps(themes, ensure_ascii=False), stamp, stamp))
                return "added"
            status = "active" if reactivate else row["status"]
            bounces = 0 if reactivate else row["bounces"]
            if (row["name"], json.loads(row["themes"]), row["status"]) == (name, themes, status):
                return "unchanged"
            self.db.execute(
                "UPDATE subscribers SET name = ?, themes = ?, status = ?, bounces = ?, updated = ? WHERE key = ?",
                (name, json.dumps(themes, ensure_ascii=False), status, bounces, stamp, key))
            return "updated"

    def delete_subscriber(self, address: str) -> bool:
        with self.transaction():
            cursor = self.db.execute("DELETE FROM subscribers WHERE key = ?", (subscriber_key(address),))
        return cursor.rowcount > 0

    def set_subscriber_status(self, address: str, status: str) -> bool:
        with self.transaction():
            cursor = self.db.execute("UPDATE subscribers SET status = ?, updated = ? WHERE key = ?",
                                     (status, now_iso(), subscriber_key(address)))
        return cursor.rowcount > 0

    def save_snapshot(self, key: str, content: str) -> None:
        """Keep the digest named `key` as JSON, so later runs can render it for each subscriber.

        Saved before the digest row: a run that dies in between leaves a snapshot that the
        next run (making the same digest, with the same key) overwrites.
        """
        with self.transaction():
            self.db.execute("INSERT INTO digest_snapshots (key, content) VALUES (?, ?) "
                            "ON CONFLICT (key) DO UPDATE SET content = excluded.content", (key, content))

    def snapshot(self, digest_id: int) -> str | None:
        row = self.db.execute("SELECT s.content FROM digests d JOIN digest_snapshots s ON s.key = d.key "
                              "WHERE d.id = ?", (digest_id,)).fetchone()
        return row["content"] if row else None

    def unplanned_digests(self) -> list[int]:
        """Recorded digests with a snapshot whose deliveries are not planned yet, oldest first."""
        rows = self.db.execute("SELECT d.id FROM digests d JOIN digest_snapshots s ON s.key = d.key "
                               "WHERE s.planned = 0 ORDER BY d.id")
        return [row["id"] for row in rows]

    def plan_deliveries(self, digest_id: int, recipients: list[tuple[str, str]]) -> None:
        """One 'pending' row per (subscriber key, Message-ID), and the digest marked planned, at once."""
        stamp = now_iso()
        with self.transaction():
            self.db.executemany(
                """INSERT OR IGNORE INTO deliveries (digest_id, recipient, status, message_id, updated)
                   VALUES (?, ?, 'pending', ?, ?)""",
                [(digest_id, key, message_id, stamp) for key, message_id in recipients])
            self.db.execute("UPDATE digest_snapshots SET planned = 1 "
                            "WHERE key = (SELECT key FROM digests WHERE id = ?)", (digest_id,))

    def due_deliveries(self, now: str) -> list[DeliveryRecord]:
        """Pending deliveries whose retry time has come, in the order they were planned."""
        rows = self.db.execute("SELECT * FROM deliveries WHERE status = 'pending' "
                               "AND (next_attempt IS NULL OR next_attempt <= ?) ORDER BY id", (now,))
        return [_delivery_record(r) for r in rows]

    def deliveries(self, digest_id: int | None = None) -> list[DeliveryRecord]:
        query = "SELECT * FROM deliveries" + (" WHERE digest_id = ?" if digest_id else "") + " ORDER BY id"
        return [_delivery_record(r) for r in self.db.execute(query, (digest_id,) if digest_id else ())]

    def record_sent(self, delivery: DeliveryRecord) -> None:
        """The server accepted the message: never send it again; the subscriber's bounces start over."""
        stamp = now_iso()
        with self.transaction():
            self.db.execute("UPDATE deliveries SET status = 'sent', attempts = attempts + 1, error = NULL, "
                            "next_attempt = NULL, updated = ? WHERE id = ?", (stamp, delivery.id))
            self.db.execute("UPDATE subscribers SET bounces = 0 WHERE key = ?", (delivery.recipient,))

    def record_deferred(self, delivery: DeliveryRecord, error: str, next_attempt: str | None) -> None:
        """A temporary failure: try again at `next_attempt`, or give up ('failed') when it is None."""
        with self.transaction():
            self.db.execute(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, error = ?, next_attempt = ?, "
                "updated = ? WHERE id = ?",
                ("pending" if next_attempt else "failed", error, next_attempt, now_iso(), delivery.id))

    def record_bounce(self, delivery: DeliveryRecord, error: str, bounce_after: int) -> bool:
        """A permanent refusal; the subscriber turns 'bouncing' at `bounce_after` of them. True if it did."""
        stamp = now_iso()
        with self.transaction():
            self.db.execute("UPDATE deliveries SET status = 'bounced', attempts = attempts + 1, error = ?, "
                            "next_attempt = NULL, updated = ? WHERE id = ?", (error, stamp, delivery.id))
            self.db.execute("UPDATE subscribers SET bounces = bounces + 1, updated = ? WHERE key = ?",
                            (stamp, delivery.recipient))
            cursor = self.db.execute("UPDATE subscribers SET status = 'bouncing' "
                                     "WHERE key = ? AND status = 'active' AND bounces >= ?",
                                     (delivery.recipient, bounce_after))
        return cursor.rowcount > 0

    def record_skipped(self, delivery: DeliveryRecord, reason: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE deliveries SET status = 'skipped', error = ?, next_attempt = NULL, "
                            "updated = ? WHERE id = ?", (reason, now_iso(), delivery.id))


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _issue_record(row: sqlite3.Row) -> IssueRecord:
    return IssueRecord(id=row["id"], sha256=row["sha256"], source=row["source"], status=row["status"],
                       error=row["error"], attempts=row["attempts"])


def _digest_record(row: sqlite3.Row) -> DigestRecord:
    return DigestRecord(id=row["id"], key=row["key"], created=row["created"],
                        issue_ids=json.loads(row["issue_ids"]), article_count=row["article_count"],
                        html_path=row["html_path"], text_path=row["text_path"], eml_path=row["eml_path"])


# ---- subscribers and deliveries: records ------------------------------------------------


@dataclass(frozen=True)
class SubscriberRecord:
    """One subscriber: `themes` empty means every theme."""

    key: str
    address: str
    name: str
    themes: list[str]
    status: str
    bounces: int
    created: str


@dataclass(frozen=True)
class DeliveryRecord:
    """One digest for one subscriber, and how its sending went."""

    id: int
    digest_id: int
    recipient: str  # the subscriber's key
    status: str
    message_id: str | None
    attempts: int
    error: str | None
    next_attempt: str | None


def subscriber_key(address: str) -> str:
    """The same address typed in another case is the same subscriber."""
    return address.strip().casefold()


def _subscriber_record(row: sqlite3.Row) -> SubscriberRecord:
    return SubscriberRecord(key=row["key"], address=row["address"], name=row["name"],
                            themes=json.loads(row["themes"]), status=row["status"], bounces=row["bounces"],
                            created=row["created"])


def _delivery_record(row: sqlite3.Row) -> DeliveryRecord:
    return DeliveryRecord(id=row["id"], digest_id=row["digest_id"], recipient=row["recipient"],
                          status=row["status"], message_id=row["message_id"], attempts=row["attempts"],
                          error=row["error"], next_attempt=row["next_attempt"])
