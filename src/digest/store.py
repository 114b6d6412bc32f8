"""The run's memory in SQLite: issues seen, digests made, articles sent.

An issue is identified by the sha256 of its bytes, so renaming or touching a
file does not make it new. An article is identified by a fingerprint of its
normalised title and opening text, so an issue re-exported with small changes
does not send its articles twice.

The state database also holds the delivery ledger's tables (subscribers,
digest snapshots, deliveries; `digest.mail.ledger`). This module owns the
database for both: `open_database` connects to the SQLite file, sets WAL and
migrates it, `MIGRATIONS` is the one schema of every table, and `transaction`
is the one way to write. A `Store` and the ledger are two views on the same
connection: the store opens and closes it, the ledger borrows it. The schema
version lives in `PRAGMA user_version`; `MIGRATIONS[n]` takes a database from
version n to n+1.

With `[state] url = "postgresql://…"` the same tables, made by the same
migrations, live on a PostgreSQL server (`digest.postgres` connects and
translates the few spellings that differ; the version is then kept in the
one-row table `schema_version`). So every statement here and in the ledger is
SQL both databases speak: `INSERT … ON CONFLICT`, `RETURNING`, `?` placeholders.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from digest.errors import StateError

if TYPE_CHECKING:
    from digest.config import Settings

LOGGER = logging.getLogger(__name__)

Row = Any  # a result row, read by column name: sqlite3.Row, or digest.postgres.Row
PRIVATE_MODE = 0o600  # the state database and its lock: subscribers' addresses are in it

MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema (digests before the issues that name them: PostgreSQL needs it so).
    """
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
    # 2 -> 3: each subscriber's token id, which unsubscribe links name instead of the address.
    # Random (128 bits) and never reused, so a link of a removed subscriber names nobody, even
    # when the same address is added again.
    """
    ALTER TABLE subscribers ADD COLUMN token_id TEXT;
    UPDATE subscribers SET token_id = lower(hex(randomblob(16)));
    CREATE UNIQUE INDEX subscribers_by_token ON subscribers (token_id)
    """,
    # 3 -> 4: what feed and mailbox sources remember (`digest.sources.state`). A fetch leaves a
    # `source_pending` row naming the issue it handed over; only once that issue is done (its digest
    # written) do its feed entries count as taken, its validators get sent back, and a mailbox's
    # last UID move on. Self-contained: it only adds tables.
    """
    CREATE TABLE source_pending (
        source TEXT NOT NULL,
        issue_sha256 TEXT NOT NULL,
        content TEXT NOT NULL,
        fetched TEXT NOT NULL,
        PRIMARY KEY (source, issue_sha256)
    );
    CREATE TABLE feed_state (
        source TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        updated TEXT NOT NULL
    );
    CREATE TABLE feed_entries (
        source TEXT NOT NULL,
        entry_key TEXT NOT NULL,
        taken TEXT NOT NULL,
        PRIMARY KEY (source, entry_key)
    );
    CREATE TABLE mailbox_state (
        source TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (source, folder)
    )
    """,
    # 4 -> 5: review drafts (`digest.drafts`): a digest built but not delivered, holding its issues
    # (JSON [[sha256, source]]) while 'open', its articles' fingerprints (JSON [[fingerprint,
    # title, issue sha256]]), the digest as built (snapshot JSON) and, in draft_edits, every edit
    # an editor made, in order. Self-contained: it only adds tables.
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        created TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'sent', 'discarded')),
        issues TEXT NOT NULL,
        articles TEXT NOT NULL,
        content TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE draft_edits (
        id INTEGER PRIMARY KEY,
        draft_id INTEGER NOT NULL REFERENCES drafts(id),
        edit TEXT NOT NULL,
        made TEXT NOT NULL
    );
    CREATE INDEX draft_edits_by_draft ON draft_edits (draft_id, id)
    """,
    # 5 -> 6: inbox entries reported once and then passed over until they change: a file of a type
    # no extractor reads (keyed by its sha256), a symlink or pattern leading out of the inbox (keyed
    # by its path and target).
    """
    CREATE TABLE refused_files (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        reason TEXT NOT NULL,
        first_seen TEXT NOT NULL
    )
    """,
    # 6 -> 7: how long each sent article was (normalised characters), so one that comes back
    # longer (the first copy was cut short) is sent again as updated instead of dropped as a repeat.
    """
    ALTER TABLE articles ADD COLUMN body_chars INTEGER
    """,
    # 7 -> 8: leases, so that several senders (`digest send --worker`) share one digest's deliveries.
    # A sender claims a pending row by writing who it is and until when (ISO 8601 UTC); a row whose
    # lease ran out (its sender died) is pending for anyone again.
    """
    ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
    ALTER TABLE deliveries ADD COLUMN lease_until TEXT
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


class Connection(Protocol):
    """What the store and the ledger use of a database connection: `sqlite3.Connection`, or
    `digest.postgres.PostgresConnection` which speaks the same way to a PostgreSQL server."""

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        """Run one statement; the cursor."""
        ...

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        """Run one statement for each row of parameters."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def now_iso() -> str:
    """The current time as the state stores it: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def open_database(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """A connection to the state database at `path`, in WAL mode and migrated to `SCHEMA_VERSION`.

    With `create=False` a missing file is not created: an empty database in memory
    stands in for it (previews and dry runs must leave no trace).
    """
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            make_private(path)
        except OSError as e:
            raise StateError(f"{path}: cannot open the state database ({e})") from e
    target = str(path) if create or path.exists() else ":memory:"
    try:
        db = sqlite3.connect(target, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
    except sqlite3.DatabaseError as e:
        raise damaged(path, str(e)) from e
    except sqlite3.Error as e:
        raise StateError(f"{path}: cannot open the state database ({e})") from e
    check_integrity(db, path)
    migrate(db, path)
    return db


def check_integrity(db: sqlite3.Connection, path: Path) -> None:
    """`StateError` when the database's pages are damaged (`PRAGMA quick_check`: one pass, no index compare).

    Damage found here, before a run writes anything, costs nothing; found in the middle of
    recording a digest, it would stop the run after the digest was written.
    """
    try:
        problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as e:
        db.close()
        raise damaged(path, str(e)) from e
    if problems != ["ok"]:
        db.close()
        raise damaged(path, "; ".join(problems))


def damaged(path: Path, problem: str) -> StateError:
    """The one-line error for a damaged state database, saying what to do."""
    problem = " ".join(problem.replace("*** in database main ***", "").split())  # SQLite reports over lines
    return StateError(f"{path}: the state database is damaged ({problem}); restore it from a backup, "
                      "or move it away so the next run starts a new one (it then takes every inbox file as new)")


def make_private(path: Path) -> None:
    """Create the database file owner-only (0600) and take group and other access off an older one.

    It holds subscribers' addresses. SQLite gives the -wal and -shm files it creates
    the database file's mode; those an older version left are tightened too.
    """
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE))
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if not companion.exists():
            continue
        mode = companion.stat().st_mode & 0o777
        if mode & ~PRIVATE_MODE:
            try:
                companion.chmod(mode & PRIVATE_MODE)
            except PermissionError:  # another user's file: say so, the run can still go on
                LOGGER.warning("%s: others can read it (mode %o), and only its owner can change that",
                               companion, mode)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to `SCHEMA_VERSION`, one migration per transaction."""
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        _check_version(version, str(path))
        for number in range(version, SCHEMA_VERSION):
            with transaction(db):
                for statement in _statements(MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
            LOGGER.info("state database migrated to schema %d", number + 1)
    except sqlite3.Error as e:
        raise StateError(f"{path}: cannot migrate the state database ({e})") from e


def migrate_postgres(db: Connection, name: str) -> None:
    """The same migrations on a PostgreSQL server, all in one transaction under an advisory lock.

    Several workers may start at once; the lock makes the others wait and then find
    the schema current. PostgreSQL's DDL is transactional, so a failed migration leaves nothing.
    """
    from digest.postgres import SCHEMA_LOCK, postgres_migration

    with transaction(db):
        db.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        version = row[0] if row else 0
        _check_version(version, name)
        for number in range(version, SCHEMA_VERSION):
            for statement in _statements(postgres_migration(MIGRATIONS[number])):
                db.execute(statement)
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (max(version, SCHEMA_VERSION),))
    if version < SCHEMA_VERSION:
        LOGGER.info("state database %s migrated to schema %d", name, SCHEMA_VERSION)


def _check_version(version: int, name: str) -> None:
    if version > SCHEMA_VERSION:
        raise StateError(f"{name}: made by a newer digest (schema {version} > {SCHEMA_VERSION})")


@contextmanager
def transaction(db: Connection) -> Iterator[Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class Store:
    """The run's memory. Open with `Store.open(path)`; use as a context manager, which closes the database."""

    def __init__(self, connection: Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating if needed) and migrate the database at `path`."""
        return cls(open_database(path), path)

    @classmethod
    def for_settings(cls, settings: Settings, *, existing: bool = False) -> Store:
        """The state the settings name: the PostgreSQL server of `[state] url`, else the SQLite file.

        `existing` never creates a SQLite file (previews, dry runs); a server's schema is
        migrated either way, as every reader of it needs the current tables.
        """
        if settings.state_url:
            from digest.postgres import PostgresConnection

            connection = PostgresConnection(settings.state_url)
            try:
                migrate_postgres(connection, connection.name)
            except BaseException:
                connection.close()
                raise
            return cls(connection, settings.database)
        return cls.open_existing(settings.database) if existing else cls.open(settings.database)

    @classmethod
    def open_existing(cls, path: Path) -> Store:
        """The database at `path` if it exists, else an empty one in memory: never creates a file (previews)."""
        return cls(open_database(path, create=False), path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (and with it the ledger that borrowed the connection)."""
        self.db.close()

    def transaction(self) -> AbstractContextManager[Connection]:
        """BEGIN IMMEDIATE … COMMIT on the store's connection."""
        return transaction(self.db)

    # issues

    def done_hashes(self) -> set[str]:
        """The identities of issues taken (done) and of inbox entries refused once: neither is read again."""
        rows = self.db.execute("SELECT sha256 FROM issues WHERE status = 'done' UNION SELECT key FROM refused_files")
        return {row[0] for row in rows}

    def record_refusal(self, key: str, source: str, reason: str) -> None:
        """Remember an inbox entry that is not an issue, so it is reported once, not on every run."""
        with self.transaction():
            self.db.execute("INSERT INTO refused_files (key, source, reason, first_seen) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT DO NOTHING",
                            (key, source, reason, now_iso()))

    def taken_hashes(self) -> set[str]:
        """The issues no run should read again: those done, and those an open review draft holds."""
        rows = self.db.execute("SELECT issues FROM drafts WHERE status = 'open'")
        return self.done_hashes() | {sha for row in rows for sha, _ in json.loads(row["issues"])}

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
        """Those of the fingerprints whose article an earlier digest sent."""
        return set(self.sent_lengths(fingerprints))

    def sent_lengths(self, fingerprints: Iterable[str]) -> dict[str, int]:
        """For each of the fingerprints an earlier digest sent: how long its text was (0 when not known)."""
        wanted = list(fingerprints)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT fingerprint, body_chars FROM articles WHERE fingerprint IN ({marks})",
                                   chunk)
            found |= {row["fingerprint"]: row["body_chars"] or 0 for row in rows}
        return found

    # digests

    def digests(self) -> list[DigestRecord]:
        return [_digest_record(r) for r in self.db.execute("SELECT * FROM digests ORDER BY id")]

    def record_digest(self, *, key: str, issues: list[tuple[str, str]], articles: list[tuple[str, str, str]],
                      paths: dict[str, str | None], article_count: int,
                      lengths: dict[str, int] | None = None) -> int | None:
        """In one transaction: the digest row, its issues marked done, its articles remembered.

        `issues` are (sha256, source) pairs; `articles` are (fingerprint, title, issue sha256);
        `lengths` how long each article's text is, by fingerprint (an article sent again as
        updated keeps its first row, with the longer length).
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
                       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                    (key, stamp, json.dumps(sorted(ids.values())), article_count,
                     paths.get("html"), paths.get("text"), paths.get("eml")),
                )
                digest_id = int(cursor.fetchone()[0])
                self.db.execute(f"UPDATE issues SET digest_id = ? WHERE id IN ({','.join('?' * len(ids))})",
                                (digest_id, *ids.values()))
            lengths = lengths or {}
            self.db.executemany(
                """INSERT INTO articles (fingerprint, title, issue_id, digest_id, first_sent, body_chars)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (fingerprint) DO UPDATE
                   SET body_chars = CASE WHEN coalesce(excluded.body_chars, 0) > coalesce(articles.body_chars, 0)
                                         THEN excluded.body_chars ELSE articles.body_chars END""",
                [(fp, title, ids[sha], digest_id, stamp, lengths.get(fp)) for fp, title, sha in articles],
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


def _issue_record(row: Row) -> IssueRecord:
    return IssueRecord(id=row["id"], sha256=row["sha256"], source=row["source"], status=row["status"],
                       error=row["error"], attempts=row["attempts"])


def _digest_record(row: Row) -> DigestRecord:
    return DigestRecord(id=row["id"], key=row["key"], created=row["created"],
                        issue_ids=json.loads(row["issue_ids"]), article_count=row["article_count"],
                        html_path=row["html_path"], text_path=row["text_path"], eml_path=row["eml_path"])
