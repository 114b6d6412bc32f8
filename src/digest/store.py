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
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
        except (OSError, sqlite3.Error) as e:
            raise StateError(f"{path}: cannot open the state database ({e})") from e
        store = cls(connection, path)
        store.migrate()
        return store

    @classmethod
    def open_existing(cls, path: Path) -> Store | None:
        """Open the database only if it exists; never creates a file (for previews)."""
        return cls.open(path) if path.exists() else None

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

    def issue(self, sha256: str) -> IssueRecord | None:
        row = self.db.execute("SELECT * FROM issues WHERE sha256 = ?", (sha256,)).fetchone()
        return _issue_record(row) if row else None

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

    def digest(self, digest_id: int) -> DigestRecord | None:
        row = self.db.execute("SELECT * FROM digests WHERE id = ?", (digest_id,)).fetchone()
        return _digest_record(row) if row else None

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


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _issue_record(row: sqlite3.Row) -> IssueRecord:
    return IssueRecord(id=row["id"], sha256=row["sha256"], source=row["source"], status=row["status"],
                       error=row["error"], attempts=row["attempts"])


def _digest_record(row: sqlite3.Row) -> DigestRecord:
    return DigestRecord(id=row["id"], key=row["key"], created=row["created"],
                        issue_ids=json.loads(row["issue_ids"]), article_count=row["article_count"],
                        html_path=row["html_path"], text_path=row["text_path"], eml_path=row["eml_path"])
