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
