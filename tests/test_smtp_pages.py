"""Planning and sending read the ledger a page at a time (keyset on id), against a real SMTP server on
127.0.0.1: with pages of one or two rows, whatever happens to the rows around a page boundary (a refusal,
a deferral, an unsubscribe, a subscriber with no themes in the digest), every planned subscriber gets
exactly one message, and a run keeps only a bounded number of problem lines."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import pytest

from digest.mail import sending
from digest.mail.ledger import DeliveryRecord, DueSpan, SqliteLedger, SubscriberRecord, open_ledger
from digest.mail.sending import plan_deliveries, send_pending
from digest.store import Connection, Store
from mailserver import MailServer
from test_smtp import readers, record_small_digest, secret, small_settings

__all__ = ["secret"]  # the fixture, used by name

# (address, themes, status) in the order they were added. The digest has articles in 甲 only.
SUBSCRIBERS = [
    ("reader1@example.org", [], "active"),
    ("other-theme@example.org", ["乙"], "active"),  # nothing of the digest is for them: not planned
    ("reader2@example.org", ["甲"], "active"),
    ("left@example.org", [], "unsubscribed"),
    ("busy@example.org", [], "active"),  # refused for now (4xx): deferred, first retry due at once
    ("reader3@example.org", ["甲", "乙"], "active"),
    ("gone@example.org", [], "active"),  # refused for good (5xx)
    ("reader4@example.org", [], "active"),
    ("reader5@example.org", [], "active"),
]
PLANNED = [a for a, themes, status in SUBSCRIBERS if status == "active" and (not themes or "甲" in themes)]


def add_subscribers(ledger: SqliteLedger) -> None:
    for address, themes, status in SUBSCRIBERS:
        ledger.save_subscriber(address, "", themes, reactivate=True)
        if status != "active":
            ledger.set_subscriber_status(address, status)


def statuses(ledger: SqliteLedger) -> dict[str, str]:
    return {d.recipient: d.status for d in ledger.deliveries()}


@pytest.mark.parametrize("page_size", [1, 2])
def test_small_pages_plan_every_chosen_subscriber_once_in_the_order_they_were_added(
        tmp_path: Path, page_size: int) -> None:
    settings = small_settings(tmp_path, 25)
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        add_subscribers(ledger)
        record_small_digest(store, "d1")
        assert plan_deliveries(settings, ledger, page_size=page_size) == []
        rows = ledger.deliveries()
        assert [d.recipient for d in rows] == PLANNED
        assert len({d.message_id for d in rows}) == len(PLANNED)  # each its own Message-ID
        assert plan_deliveries(settings, ledger, page_size=page_size) == []  # planned once
        assert len(ledger.deliveries()) == len(PLANNED)


@pytest.mark.parametrize(("page_size", "connections"), [(1, 1), (1, 2), (2, 2)])
def test_small_pages_send_each_planned_subscriber_exactly_once_around_refusals(
        tmp_path: Path, secret: None, page_size: int, connections: int) -> None:
    with MailServer() as mail:
        mail.handler.faults = {"busy@example.org": "451 4.3.0 try later", "gone@example.org": "550 5.1.1 no such user"}
        settings = small_settings(tmp_path, mail.port, connections=connections)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            add_subscribers(ledger)
            record_small_digest(store, "d1")
            first = send_pending(settings, ledger, page_size=page_size)
            delivered = [a for a in PLANNED if a not in ("busy@example.org", "gone@example.org")]
            assert (first.sent, first.deferred, first.bounced, first.waiting) == (len(delivered), 1, 1, 0)
            # The deferred row's first retry is due at once, yet this pass, reading on past it, never met it again.
            assert mail.handler.rcpt_seen == len(PLANNED)
            assert Counter(mail.handler.recipients()) == Counter(delivered)
            mail.handler.faults = {}
            second = send_pending(settings, ledger, page_size=page_size)
            assert (second.sent, second.deferred, second.bounced) == (1, 0, 0)
            assert statuses(ledger) == {a: "sent" for a in PLANNED} | {"gone@example.org": "bounced"}
    assert Counter(mail.handler.recipients()) == Counter([*delivered, "busy@example.org"])


def test_an_unsubscribe_between_planning_and_sending_skips_that_row_and_no_other(
        tmp_path: Path, secret: None) -> None:
    with MailServer() as mail:
        settings = small_settings(tmp_path, mail.port)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            add_subscribers(ledger)
            record_small_digest(store, "d1")
            plan_deliveries(settings, ledger, page_size=2)
            ledger.set_subscriber_status("reader2@example.org", "unsubscribed")  # the last row of the first page
            mail.handler.faults = {}
            report = send_pending(settings, ledger, page_size=2)
            assert (report.sent, report.skipped) == (len(PLANNED) - 1, 1)
    assert Counter(mail.handler.recipients()) == Counter(a for a in PLANNED if a != "reader2@example.org")


class PageWatch(SqliteLedger):
    """The SQLite ledger, noting the longest list of rows any read returned and any read of a whole table."""

    def __init__(self, db: Connection) -> None:
        super().__init__(db)
        self.longest = 0
        self.whole_reads: list[str] = []

    def due_deliveries(self, span: DueSpan, after_id: int, limit: int) -> list[DeliveryRecord]:
        page = super().due_deliveries(span, after_id, limit)
        self.longest = max(self.longest, len(page))
        return page

    def subscribers(self, status: str | None = None) -> list[SubscriberRecord]:
        self.whole_reads.append("subscribers")
        return super().subscribers(status)

    def deliveries(self, digest_id: int | None = None) -> list[DeliveryRecord]:
        self.whole_reads.append("deliveries")
        return super().deliveries(digest_id)


def test_sending_never_reads_more_than_a_page_of_rows(tmp_path: Path, secret: None) -> None:
    count = 2 * sending.MESSAGES_PER_CONNECTION + 3  # two connections
    with MailServer() as mail:
        settings = small_settings(tmp_path, mail.port, connections=2)
        with Store.open(settings.database) as store:
            ledger = PageWatch(store.db)
            for address in readers(count):
                ledger.save_subscriber(address, "", [], reactivate=True)
            record_small_digest(store, "d1")
            report = send_pending(settings, ledger, page_size=3)
            assert report.sent == count
            assert ledger.longest == 3 and ledger.whole_reads == []
    assert Counter(mail.handler.recipients()) == Counter(readers(count))


def test_past_the_problems_kept_the_rest_are_logged_and_counted(
        tmp_path: Path, secret: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(sending, "PROBLEMS_KEPT", 2)
    with MailServer() as mail:
        mail.handler.faults = {address: "550 5.1.1 no such user" for address in readers(5)}
        settings = small_settings(tmp_path, mail.port)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            for address in readers(5):
                ledger.save_subscriber(address, "", [], reactivate=True)
            record_small_digest(store, "d1")
            with caplog.at_level(logging.WARNING, logger="digest.mail.sending"):
                report = send_pending(settings, ledger, page_size=2)
    assert report.bounced == 5
    assert len(report.problems) == 3 and report.problems[-1] == "3 more problems like these, logged as they happened"
    assert all("reader" in p and "550" in p for p in report.problems[:2])
    assert sum("550" in r.getMessage() for r in caplog.records) == 3


def test_a_pages_subscribers_are_read_in_one_query_by_key_and_no_row_reads_its_own(
        tmp_path: Path, secret: None) -> None:
    count = 7
    with MailServer() as mail:
        settings = small_settings(tmp_path, mail.port, connections=2)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            for address in readers(count):
                ledger.save_subscriber(address, "", [], reactivate=True)
            record_small_digest(store, "d1")
            plan_deliveries(settings, ledger, page_size=3)
            reads: list[str] = []
            store.db.set_trace_callback(  # type: ignore[attr-defined]
                lambda sql: reads.append(sql) if sql.startswith("SELECT * FROM subscribers") else None)
            report = send_pending(settings, ledger, page_size=3)
            store.db.set_trace_callback(None)  # type: ignore[attr-defined]
    assert report.sent == count
    assert len(reads) == 3  # pages of 3, 3 and 1 rows
    assert all("WHERE key IN (" in sql for sql in reads), reads
    assert Counter(mail.handler.recipients()) == Counter(readers(count))


def test_subscribers_by_key_gives_the_records_of_the_keys_there_are(tmp_path: Path) -> None:
    with Store.open(tmp_path / "state.sqlite3") as store, open_ledger(store) as ledger:
        ledger.save_subscriber("Reader1@example.org", "读者", ["甲"], reactivate=True)
        ledger.save_subscriber("reader2@example.org", "", [], reactivate=True)
        found = ledger.subscribers_by_key(["reader1@example.org", "nobody@example.org"])
        assert ledger.subscribers_by_key([]) == {}
    assert list(found) == ["reader1@example.org"]
    reader = found["reader1@example.org"]
    assert (reader.address, reader.themes) == ("Reader1@example.org", ["甲"])


def test_an_unsubscribe_while_a_page_is_out_skips_the_subscriber_in_a_later_page(
        tmp_path: Path, secret: None) -> None:
    with MailServer() as mail:
        settings = small_settings(tmp_path, mail.port, connections=1)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            for address in readers(4):
                ledger.save_subscriber(address, "", [], reactivate=True)
            record_small_digest(store, "d1")
            leaving = readers(4)[2]  # the first row of the second page

            def unsubscribe_after_the_first(sent: int) -> None:
                if sent == 1:
                    ledger.set_subscriber_status(leaving, "unsubscribed")

            report = send_pending(settings, ledger, unsubscribe_after_the_first, page_size=2)
            assert (report.sent, report.skipped) == (3, 1)
            assert statuses(ledger)[leaving] == "skipped"
    assert Counter(mail.handler.recipients()) == Counter(a for a in readers(4) if a != leaving)


def test_a_bounce_this_run_records_skips_that_subscribers_later_row_in_the_same_page(
        tmp_path: Path, secret: None) -> None:
    with MailServer() as mail:
        mail.handler.faults = {"gone@example.org": "550 5.1.1 no such user"}
        settings = small_settings(tmp_path, mail.port, connections=1, bounce_after=1)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            for address in ("gone@example.org", "reader1@example.org"):
                ledger.save_subscriber(address, "", [], reactivate=True)
            record_small_digest(store, "d1")
            record_small_digest(store, "d2")
            report = send_pending(settings, ledger, page_size=10)  # all four rows in one page
            assert (report.sent, report.bounced, report.skipped) == (2, 1, 1)
            rows = [(d.recipient, d.status, d.error) for d in ledger.deliveries()]
            assert ledger.subscriber("gone@example.org").status == "bouncing"  # type: ignore[union-attr]
    assert rows[2] == ("gone@example.org", "skipped", "bouncing before it went out")
    assert mail.handler.rcpt_seen == 3  # the bounced address was not tried a second time
