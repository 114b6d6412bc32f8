"""The delivery ledger: subscribers, the digests kept for them, and one row per digest × subscriber.

`Ledger` is what the sending logic, the subscriber commands and `digest serve`
see; `SqliteLedger` keeps it in the state database, and `open_ledger` is the
one place that picks the implementation. Rules every implementation keeps:
- A subscriber is found by `subscriber_key(address)`: one subscriber however
  the address is typed.
- A digest's snapshot is saved before the run records the digest (so a run that
  dies in between leaves one that the next run, making the same digest under
  the same key, overwrites); a digest is planned once it is recorded.
- A delivery row is planned 'pending' in one transaction per digest, then turns
  'sent' the moment the server accepted the message, 'bounced' on a permanent
  refusal of the address, 'refused' on a permanent refusal of the message (not
  counted against the address), 'failed' after the last temporary one, 'skipped'
  when there was nothing to send. Each of these is its own transaction.
- Several senders share a digest's rows by claiming them (`claim_deliveries`):
  a claim is a lease, the sender's name and a time, on pending rows nobody
  else holds; every record_* ends it. A sender that dies leaves its lease to run
  out, and the rows it had not sent are anyone's again. A lease only keeps the
  others off while it lasts: a sender stops sending a claim when it runs out.
- Times are ISO 8601 strings in UTC, to the second.
- Nothing that grows with the list is read whole for sending: planning reads the
  subscribers, and sending the due rows, a bounded page at a time, each page the
  rows after the last id of the one before (keyset), so a row recorded while a
  page is out shifts nothing and none is skipped or read twice.

`PostgresLedger` keeps the same tables on a PostgreSQL server, for senders on
several machines: its claims skip the rows another sender is claiming at that
moment (`FOR UPDATE SKIP LOCKED`), and each of its transactions is tried again
after a lost connection, a failover or a serialization failure (`retried`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from digest.errors import StateError
from digest.mail.addresses import subscriber_key
from digest.models import Digest
from digest.postgres import retried
from digest.snapshot import digest_from_json, digest_to_json
from digest.store import Connection, Row, Store, now_iso, transaction


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
    token_id: str  # what the subscriber's unsubscribe links name: random, unrelated to the address


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


@dataclass(frozen=True)
class DueSpan:
    """The deliveries due at one moment, to be read in pages by id: how many, the first and last id, and when."""

    count: int
    first_id: int
    last_id: int
    as_of: str


class Ledger(Protocol):
    """Who receives the digest, what each digest says, and what went to whom."""

    # subscribers

    def subscribers(self, status: str | None = None) -> list[SubscriberRecord]:
        """Every subscriber (or those with `status`), in the order they were added."""
        ...

    def subscriber_counts(self) -> dict[str, int]:
        """How many subscribers have each status (statuses nobody has are left out)."""
        ...

    def subscriber(self, address: str) -> SubscriberRecord | None:
        """The subscriber with this address in any case, if there is one."""
        ...

    def subscribers_by_key(self, keys: Collection[str]) -> dict[str, SubscriberRecord]:
        """The subscribers with these keys (`subscriber_key`), by key, in one read; keys nobody has are left out."""
        ...

    def subscriber_by_token(self, token_id: str) -> SubscriberRecord | None:
        """The subscriber whose unsubscribe links name `token_id`, if there is one."""
        ...

    def save_subscriber(self, address: str, name: str, themes: list[str], *, reactivate: bool) -> str:
        """Add a subscriber or update one; returns 'added', 'updated' or 'unchanged'.

        `reactivate` makes an unsubscribed or bouncing subscriber active again (an operator's
        explicit `add`); an import never does, so a bulk load cannot undo an unsubscribe.
        """
        ...

    def delete_subscriber(self, address: str) -> bool:
        """Forget a subscriber; False when there was none."""
        ...

    def set_subscriber_status(self, address: str, status: str) -> bool:
        """Mark a subscriber 'active', 'unsubscribed' or 'bouncing'; False when there is none."""
        ...

    # snapshots

    def save_snapshot(self, key: str, digest: Digest) -> None:
        """Keep the digest named `key`, so later runs can render it for each subscriber."""
        ...

    def snapshot(self, digest_id: int) -> Digest:
        """The kept digest of a recorded one; `StateError` naming it when it is missing or damaged."""
        ...

    # deliveries

    def unplanned_digests(self) -> list[int]:
        """Recorded digests with a snapshot whose deliveries are not planned yet, oldest first."""
        ...

    def plan_deliveries(self, digest_id: int, message_id_for: Callable[[SubscriberRecord], str | None],
                        page_size: int) -> int:
        """In one transaction: a 'pending' row for each active subscriber `message_id_for` gives a
        Message-ID (None: the digest is not for them), and the digest marked planned.

        Returns how many subscribers it is planned for. The subscribers are read
        `page_size` at a time, so planning holds one page however long the list is.
        """
        ...

    def due_span(self) -> DueSpan:
        """The pending deliveries whose retry time has come now: how many, and where they lie."""
        ...

    def due_deliveries(self, span: DueSpan, after_id: int, limit: int) -> list[DeliveryRecord]:
        """Up to `limit` rows of `span` still pending with an id above `after_id`, in the order they were planned."""
        ...

    def deliveries(self, digest_id: int | None = None) -> list[DeliveryRecord]:
        """Every delivery row (of one digest), in the order they were planned."""
        ...

    def claim_deliveries(self, owner: str, limit: int, lease_seconds: float) -> list[DeliveryRecord]:
        """Up to `limit` due rows that no live lease holds, leased to `owner` for `lease_seconds`."""
        ...

    def leased_elsewhere(self, owner: str) -> int:
        """Pending rows another sender holds under a lease that has not run out."""
        ...

    def release_claims(self, owner: str) -> None:
        """End `owner`'s leases on rows it did not get to, so other senders can have them at once."""
        ...

    def record_sent(self, delivery: DeliveryRecord) -> None:
        """The server accepted the message: never send it again; the subscriber's bounces start over."""
        ...

    def record_deferred(self, delivery: DeliveryRecord, error: str, next_attempt: str | None) -> None:
        """A temporary failure: try again at `next_attempt`, or give up ('failed') when it is None."""
        ...

    def record_bounce(self, delivery: DeliveryRecord, error: str, bounce_after: int) -> bool:
        """A permanent refusal; the subscriber turns 'bouncing' at `bounce_after` of them. True if it did."""
        ...

    def record_refused(self, delivery: DeliveryRecord, error: str) -> None:
        """The server refused this message for good, not the address: the subscriber's bounces stay as they were."""
        ...

    def record_skipped(self, delivery: DeliveryRecord, reason: str) -> None:
        """Nothing was sent for this row, for good (`reason` says why)."""
        ...

    def digest_name(self, digest_id: int) -> str:
        """How the operator knows a recorded digest: its outbox name (`digest-DATE-KEY`)."""
        ...


@contextmanager
def open_ledger(store: Store) -> Iterator[Ledger]:
    """The delivery ledger, for the length of the block, on the store's database.

    The one place a ledger is chosen: `PostgresLedger` when the store is on a
    PostgreSQL server, else `SqliteLedger`. Both borrow the store's connection,
    so they have nothing to open or close of their own.
    """
    if getattr(store.db, "dialect", "sqlite") == "postgresql":
        yield PostgresLedger(store.db)
    else:
        yield SqliteLedger(store.db)


class SqlLedger:
    """The ledger in the state database's `subscribers`, `digest_snapshots` and `deliveries` tables.

    In SQL that SQLite and PostgreSQL both speak. It borrows an open, migrated connection
    (`digest.store.Store`) and never closes it.
    """

    def __init__(self, db: Connection) -> None:
        self.db = db

    # subscribers

    def subscribers(self, status: str | None = None) -> list[SubscriberRecord]:
        """Every subscriber (or those with `status`), in the order they were added."""
        query = "SELECT * FROM subscribers" + (" WHERE status = ?" if status else "") + " ORDER BY id"
        return [_subscriber_record(r) for r in self.db.execute(query, (status,) if status else ())]

    def subscriber_counts(self) -> dict[str, int]:
        """How many subscribers have each status (statuses nobody has are left out)."""
        rows = self.db.execute("SELECT status, count(*) AS n FROM subscribers GROUP BY status")
        return {row["status"]: int(row["n"]) for row in rows}

    def subscriber(self, address: str) -> SubscriberRecord | None:
        """The subscriber with this address in any case, if there is one."""
        row = self.db.execute("SELECT * FROM subscribers WHERE key = ?", (subscriber_key(address),)).fetchone()
        return _subscriber_record(row) if row else None

    def subscribers_by_key(self, keys: Collection[str]) -> dict[str, SubscriberRecord]:
        """The subscribers with these keys (`subscriber_key`), by key, in one read; keys nobody has are left out.

        Sending asks for a page of due rows' recipients at a time (`PAGE_SIZE`, 500),
        well under either server's limit on a statement's parameters.
        """
        if not keys:
            return {}
        rows = self.db.execute(f"SELECT * FROM subscribers WHERE key IN ({', '.join('?' * len(keys))})", tuple(keys))
        return {row["key"]: _subscriber_record(row) for row in rows}

    def subscriber_by_token(self, token_id: str) -> SubscriberRecord | None:
        """The subscriber whose unsubscribe links name `token_id`, if there is one."""
        row = self.db.execute("SELECT * FROM subscribers WHERE token_id = ?", (token_id,)).fetchone()
        return _subscriber_record(row) if row else None

    def save_subscriber(self, address: str, name: str, themes: list[str], *, reactivate: bool) -> str:
        """Add a subscriber or update one; returns 'added', 'updated' or 'unchanged'."""
        stamp, key = now_iso(), subscriber_key(address)
        with transaction(self.db):
            row = self.db.execute("SELECT * FROM subscribers WHERE key = ?", (key,)).fetchone()
            if row is None:
                self.db.execute(
                    """INSERT INTO subscribers (key, address, name, themes, status, created, updated, token_id)
                       VALUES (?, ?, ?, ?, 'active', ?, ?, ?)""",
                    (key, address, name, json.dumps(themes, ensure_ascii=False), stamp, stamp, new_token_id()))
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
        """Forget a subscriber; False when there was none."""
        with transaction(self.db):
            cursor = self.db.execute("DELETE FROM subscribers WHERE key = ?", (subscriber_key(address),))
        return cursor.rowcount > 0

    def set_subscriber_status(self, address: str, status: str) -> bool:
        """Mark a subscriber 'active', 'unsubscribed' or 'bouncing'; False when there is none."""
        with transaction(self.db):
            cursor = self.db.execute("UPDATE subscribers SET status = ?, updated = ? WHERE key = ?",
                                     (status, now_iso(), subscriber_key(address)))
        return cursor.rowcount > 0

    # snapshots

    def save_snapshot(self, key: str, digest: Digest) -> None:
        """Keep the digest named `key` as JSON, so later runs can render it for each subscriber."""
        with transaction(self.db):
            self.db.execute("INSERT INTO digest_snapshots (key, content) VALUES (?, ?) "
                            "ON CONFLICT (key) DO UPDATE SET content = excluded.content",
                            (key, digest_to_json(digest)))

    def snapshot(self, digest_id: int) -> Digest:
        """The kept digest of a recorded one; `StateError` naming it when it is missing or damaged."""
        row = self.db.execute("SELECT d.key, d.eml_path, s.content FROM digests d "
                              "LEFT JOIN digest_snapshots s ON s.key = d.key WHERE d.id = ?", (digest_id,)).fetchone()
        if row is None or row["content"] is None:
            raise _snapshot_error(digest_id, row, "is missing from the state database")
        try:
            return digest_from_json(row["content"])
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise _snapshot_error(digest_id, row, f"in the state database is damaged ({_one_line(e)})") from e

    # deliveries

    def unplanned_digests(self) -> list[int]:
        """Recorded digests with a snapshot whose deliveries are not planned yet, oldest first."""
        rows = self.db.execute("SELECT d.id FROM digests d JOIN digest_snapshots s ON s.key = d.key "
                               "WHERE s.planned = 0 ORDER BY d.id")
        return [row["id"] for row in rows]

    def plan_deliveries(self, digest_id: int, message_id_for: Callable[[SubscriberRecord], str | None],
                        page_size: int) -> int:
        """In one transaction: a 'pending' row for each active subscriber `message_id_for` gives a
        Message-ID (None: the digest is not for them), and the digest marked planned.

        Returns how many subscribers it is planned for. The subscribers are read a page at
        a time inside the one transaction, so a crash plans nobody rather than some; a row
        planned already (another sender planned the digest first) is left as it is.
        """
        stamp, planned, after = now_iso(), 0, 0
        with transaction(self.db):
            while page := self.db.execute("SELECT * FROM subscribers WHERE status = 'active' AND id > ? "
                                          "ORDER BY id LIMIT ?", (after, page_size)).fetchall():
                rows = [(digest_id, row["key"], message_id, stamp) for row in page
                        if (message_id := message_id_for(_subscriber_record(row))) is not None]
                if rows:
                    self.db.executemany("""INSERT INTO deliveries (digest_id, recipient, status, message_id, updated)
                                           VALUES (?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING""", rows)
                planned, after = planned + len(rows), page[-1]["id"]
            self.db.execute("UPDATE digest_snapshots SET planned = 1 "
                            "WHERE key = (SELECT key FROM digests WHERE id = ?)", (digest_id,))
        return planned

    def due_span(self) -> DueSpan:
        """The pending deliveries whose retry time has come now: how many, and where they lie."""
        stamp = now_iso()
        row = self.db.execute(f"SELECT count(*) AS n, min(id) AS first, max(id) AS last FROM deliveries "
                              f"WHERE {_DUE}", (stamp,)).fetchone()
        return DueSpan(count=int(row["n"]), first_id=int(row["first"] or 0), last_id=int(row["last"] or 0),
                       as_of=stamp)

    def due_deliveries(self, span: DueSpan, after_id: int, limit: int) -> list[DeliveryRecord]:
        """Up to `limit` rows of `span` still pending with an id above `after_id`, in the order they were planned.

        Bounded by the span's ids and time, a pass never meets a row planned after it
        began; reading on from the last id it had, never one it read before (such as a
        row it deferred, whose first retry is due at once).
        """
        rows = self.db.execute(f"SELECT * FROM deliveries WHERE {_DUE} AND id > ? AND id <= ? ORDER BY id LIMIT ?",
                               (span.as_of, max(after_id, span.first_id - 1), span.last_id, limit))
        return [_delivery_record(r) for r in rows]

    def deliveries(self, digest_id: int | None = None) -> list[DeliveryRecord]:
        """Every delivery row (of one digest), in the order they were planned."""
        query = "SELECT * FROM deliveries" + (" WHERE digest_id = ?" if digest_id else "") + " ORDER BY id"
        return [_delivery_record(r) for r in self.db.execute(query, (digest_id,) if digest_id else ())]

    def claim_deliveries(self, owner: str, limit: int, lease_seconds: float) -> list[DeliveryRecord]:
        """Up to `limit` due rows that no live lease holds, leased to `owner` for `lease_seconds`.

        BEGIN IMMEDIATE holds SQLite's write lock from the choice to the lease, so two
        senders on one machine never claim the same row.
        """
        now = self._clock()
        until = _whole_second_after(now + timedelta(seconds=lease_seconds)).isoformat(timespec="seconds")
        stamp = now.isoformat(timespec="seconds")
        with transaction(self.db):
            rows = self.db.execute(
                f"UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id IN ({self.claimable}) RETURNING *",
                (owner, until, stamp, stamp, limit)).fetchall()
        return sorted((_delivery_record(r) for r in rows), key=lambda d: d.id)

    # The rows a claim may take: due, in planning order, under no lease or one that ran out.
    claimable = ("SELECT id FROM deliveries WHERE status = 'pending' AND (next_attempt IS NULL OR next_attempt <= ?) "
                 "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?")

    def _clock(self) -> datetime:
        """The time leases are measured by: this machine's, as every sender is on it."""
        return datetime.now(UTC)

    def leased_elsewhere(self, owner: str) -> int:
        """Pending rows another sender holds under a lease that has not run out."""
        row = self.db.execute("SELECT count(*) FROM deliveries WHERE status = 'pending' AND lease_until > ? "
                              "AND lease_owner <> ?", (self._clock().isoformat(timespec="seconds"), owner)).fetchone()
        return int(row[0])

    def release_claims(self, owner: str) -> None:
        """End `owner`'s leases on rows it did not get to, so other senders can have them at once."""
        with transaction(self.db):
            self.db.execute("UPDATE deliveries SET lease_owner = NULL, lease_until = NULL "
                            "WHERE lease_owner = ? AND status = 'pending'", (owner,))

    def record_sent(self, delivery: DeliveryRecord) -> None:
        """The server accepted the message: never send it again; the subscriber's bounces start over."""
        stamp = now_iso()
        with transaction(self.db):
            self.db.execute("UPDATE deliveries SET status = 'sent', attempts = attempts + 1, error = NULL, "
                            "next_attempt = NULL, updated = ?, " + _NO_LEASE + " WHERE id = ?", (stamp, delivery.id))
            self.db.execute("UPDATE subscribers SET bounces = 0 WHERE key = ?", (delivery.recipient,))

    def record_deferred(self, delivery: DeliveryRecord, error: str, next_attempt: str | None) -> None:
        """A temporary failure: try again at `next_attempt`, or give up ('failed') when it is None."""
        with transaction(self.db):
            self.db.execute(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, error = ?, next_attempt = ?, "
                "updated = ?, " + _NO_LEASE + " WHERE id = ?",
                ("pending" if next_attempt else "failed", error, next_attempt, now_iso(), delivery.id))

    def record_bounce(self, delivery: DeliveryRecord, error: str, bounce_after: int) -> bool:
        """A permanent refusal; the subscriber turns 'bouncing' at `bounce_after` of them. True if it did."""
        stamp = now_iso()
        with transaction(self.db):
            self.db.execute("UPDATE deliveries SET status = 'bounced', attempts = attempts + 1, error = ?, "
                            "next_attempt = NULL, updated = ?, " + _NO_LEASE + " WHERE id = ?",
                            (error, stamp, delivery.id))
            self.db.execute("UPDATE subscribers SET bounces = bounces + 1, updated = ? WHERE key = ?",
                            (stamp, delivery.recipient))
            cursor = self.db.execute("UPDATE subscribers SET status = 'bouncing' "
                                     "WHERE key = ? AND status = 'active' AND bounces >= ?",
                                     (delivery.recipient, bounce_after))
        return cursor.rowcount > 0

    def record_refused(self, delivery: DeliveryRecord, error: str) -> None:
        """The server refused this message for good, not the address: the subscriber's bounces stay as they were."""
        with transaction(self.db):
            self.db.execute("UPDATE deliveries SET status = 'refused', attempts = attempts + 1, error = ?, "
                            "next_attempt = NULL, updated = ?, " + _NO_LEASE + " WHERE id = ?",
                            (error, now_iso(), delivery.id))

    def record_skipped(self, delivery: DeliveryRecord, reason: str) -> None:
        """Nothing was sent for this row, for good (`reason` says why)."""
        with transaction(self.db):
            self.db.execute("UPDATE deliveries SET status = 'skipped', error = ?, next_attempt = NULL, "
                            "updated = ?, " + _NO_LEASE + " WHERE id = ?", (reason, now_iso(), delivery.id))


    def digest_name(self, digest_id: int) -> str:
        """How the operator knows a recorded digest: its outbox name (`digest-DATE-KEY`)."""
        row = self.db.execute("SELECT eml_path FROM digests WHERE id = ?", (digest_id,)).fetchone()
        return _digest_name(digest_id, row)


class SqliteLedger(SqlLedger):
    """The ledger in the SQLite state file: senders on one machine, the write lock serialising their claims."""


class PostgresLedger(SqlLedger):
    """The ledger on a PostgreSQL server, shared by senders on any number of machines."""

    # Rows another sender's claim has locked this instant are skipped, not waited for: every
    # sender gets a different batch at once. The status is checked again under the lock.
    claimable = SqlLedger.claimable + " FOR UPDATE SKIP LOCKED"

    def _clock(self) -> datetime:
        """The server's time: senders on several machines measure leases by the one clock."""
        moment: datetime = self.db.execute("SELECT now() AS now").fetchone()["now"]
        return moment.astimezone(UTC)


# Every transaction of the PostgreSQL ledger is tried again after a transient error (`retried`):
# each is one method, so the whole of it runs again on the new connection.
for _name in [n for n in vars(SqlLedger) if not n.startswith("_") and callable(getattr(SqlLedger, n))]:
    setattr(PostgresLedger, _name, retried(getattr(PostgresLedger, _name)))


def _whole_second_after(moment: datetime) -> datetime:
    """Round up: times are stored to the second, and a lease must not end before its sender thinks."""
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=1) if moment.microsecond else whole


_DUE = "status = 'pending' AND (next_attempt IS NULL OR next_attempt <= ?)"  # a row whose time has come
_NO_LEASE = "lease_owner = NULL, lease_until = NULL"  # every outcome ends the row's lease


def new_token_id() -> str:
    """A fresh subscriber token id: 128 random bits in hex."""
    return secrets.token_hex(16)


def _snapshot_error(digest_id: int, row: Row | None, problem: str) -> StateError:
    """One line naming the digest as the outbox does (`digest-DATE-KEY`), and what to do."""
    return StateError(f"{_digest_name(digest_id, row)}: its snapshot {problem}, "
                      "so its messages to subscribers cannot be rendered",
                      hint="restore the state database from a backup; sending stops here until then")


def _digest_name(digest_id: int, row: Row | None) -> str:
    return Path(row["eml_path"]).stem if row is not None and row["eml_path"] else f"digest #{digest_id}"


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _subscriber_record(row: Row) -> SubscriberRecord:
    return SubscriberRecord(key=row["key"], address=row["address"], name=row["name"],
                            themes=json.loads(row["themes"]), status=row["status"], bounces=row["bounces"],
                            created=row["created"], token_id=row["token_id"])


def _delivery_record(row: Row) -> DeliveryRecord:
    return DeliveryRecord(id=row["id"], digest_id=row["digest_id"], recipient=row["recipient"],
                          status=row["status"], message_id=row["message_id"], attempts=row["attempts"],
                          error=row["error"], next_attempt=row["next_attempt"])
