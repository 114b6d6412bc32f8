"""What feed and mailbox sources remember between runs, in the state database.

The rule is the inbox folder's: nothing counts as taken until its digest is
written. A source cannot see that moment (the pipeline writes the digest and
marks its issues done in one transaction), so it leaves a pending note with
each issue it hands over (`add_pending`: which feed entries, which validators,
which mail UID) and, at its next fetch, settles the notes whose issue is now
done (`settle`): those entries are taken, those validators sent back, that
UID passed. A note whose issue is not done (the run failed or died) is
dropped when a later fetch hands the same things over again, so nothing is
lost and nothing is taken twice.

A dry run or preview (`record=False`) writes nowhere: the source reads a copy of
the database in memory, so it sees what a run would take and leaves no note.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.store import now_iso, open_database, transaction


@dataclass(frozen=True)
class Validators:
    """A feed's ETag and Last-Modified, as its server last gave them."""

    etag: str | None = None
    last_modified: str | None = None


@contextmanager
def source_state(database: Path, *, record: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection to the state database for one fetch, closed after it; to a copy in memory unless `record`."""
    db = open_database(database, create=False)
    if not record:
        db = _copy_in_memory(db)
    try:
        yield db
    finally:
        db.close()


def _copy_in_memory(db: sqlite3.Connection) -> sqlite3.Connection:
    copy = sqlite3.connect(":memory:", isolation_level=None)
    copy.row_factory = sqlite3.Row
    db.backup(copy)
    db.close()
    return copy


def add_pending(db: sqlite3.Connection, source: str, issue_sha256: str, content: dict[str, Any]) -> None:
    """Note what the issue handed over now takes once it is done."""
    with transaction(db):
        db.execute("""INSERT INTO source_pending (source, issue_sha256, content, fetched) VALUES (?, ?, ?, ?)
                      ON CONFLICT (source, issue_sha256) DO UPDATE SET content = excluded.content,
                      fetched = excluded.fetched""",
                   (source, issue_sha256, json.dumps(content, ensure_ascii=False), now_iso()))


def settle(db: sqlite3.Connection, source: str) -> tuple[list[dict[str, Any]], int]:
    """The notes of the source whose issue is now done (oldest first), removed; and how many are still open."""
    with transaction(db):
        rows = db.execute("""SELECT p.issue_sha256, p.content FROM source_pending p
                             JOIN issues i ON i.sha256 = p.issue_sha256 AND i.status = 'done'
                             WHERE p.source = ? ORDER BY p.fetched, p.rowid""", (source,)).fetchall()
        db.executemany("DELETE FROM source_pending WHERE source = ? AND issue_sha256 = ?",
                       [(source, row["issue_sha256"]) for row in rows])
        still_open = db.execute("SELECT count(*) FROM source_pending WHERE source = ?", (source,)).fetchone()[0]
    return [json.loads(row["content"]) for row in rows], int(still_open)


def drop_pending(db: sqlite3.Connection, source: str) -> None:
    """Forget the source's open notes: a fetch is handing over again everything they named."""
    with transaction(db):
        db.execute("DELETE FROM source_pending WHERE source = ?", (source,))


# feeds


def feed_validators(db: sqlite3.Connection, source: str, url: str) -> Validators:
    """The validators to send with the next GET of the feed; none if the feed's URL has changed since."""
    row = db.execute("SELECT url, etag, last_modified FROM feed_state WHERE source = ?", (source,)).fetchone()
    if row is None or row["url"] != url:
        return Validators()
    return Validators(row["etag"], row["last_modified"])


def save_feed_validators(db: sqlite3.Connection, source: str, url: str, validators: Validators) -> None:
    """Remember what to send back with the next GET of the feed."""
    with transaction(db):
        db.execute("""INSERT INTO feed_state (source, url, etag, last_modified, updated) VALUES (?, ?, ?, ?, ?)
                      ON CONFLICT (source) DO UPDATE SET url = excluded.url, etag = excluded.etag,
                      last_modified = excluded.last_modified, updated = excluded.updated""",
                   (source, url, validators.etag, validators.last_modified, now_iso()))


def taken_entries(db: sqlite3.Connection, source: str) -> set[str]:
    """The keys of the feed's entries taken by a digest already."""
    rows = db.execute("SELECT entry_key FROM feed_entries WHERE source = ?", (source,))
    return {row["entry_key"] for row in rows}


def take_entries(db: sqlite3.Connection, source: str, keys: list[str]) -> None:
    """Mark the feed's entries as taken."""
    stamp = now_iso()
    with transaction(db):
        db.executemany("INSERT OR IGNORE INTO feed_entries (source, entry_key, taken) VALUES (?, ?, ?)",
                       [(source, key, stamp) for key in keys])


# mailboxes


def mailbox_position(db: sqlite3.Connection, source: str, folder: str) -> tuple[int, int] | None:
    """The folder's UIDVALIDITY and the last UID taken below which every mail is taken, or None at first."""
    row = db.execute("SELECT uidvalidity, last_uid FROM mailbox_state WHERE source = ? AND folder = ?",
                     (source, folder)).fetchone()
    return None if row is None else (int(row["uidvalidity"]), int(row["last_uid"]))


def save_mailbox_position(db: sqlite3.Connection, source: str, folder: str, uidvalidity: int, last_uid: int) -> None:
    """Remember the folder's UIDVALIDITY and the last UID taken."""
    with transaction(db):
        db.execute("""INSERT INTO mailbox_state (source, folder, uidvalidity, last_uid, updated) VALUES (?, ?, ?, ?, ?)
                      ON CONFLICT (source, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,
                      last_uid = excluded.last_uid, updated = excluded.updated""",
                   (source, folder, uidvalidity, last_uid, now_iso()))


def open_uids(db: sqlite3.Connection, source: str, folder: str, uidvalidity: int) -> set[int]:
    """UIDs of mails handed over whose issue is not done yet (failed, or the run died): fetched again."""
    rows = db.execute("SELECT content FROM source_pending WHERE source = ?", (source,))
    notes = [json.loads(row["content"]) for row in rows]
    return {int(n["uid"]) for n in notes if n.get("folder") == folder and n.get("uidvalidity") == uidvalidity}
