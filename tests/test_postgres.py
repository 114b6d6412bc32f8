"""The state on a real PostgreSQL server (started by the `postgres` fixture on 127.0.0.1): the same
migrations, the CLI over it, claims that never overlap, leases that run out, errors in one line, and
`digest send --worker` processes sharing one digest's deliveries over real SMTP."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from conftest import THEMES, Installation
from digest.config import build_settings
from digest.lock import run_lock
from digest.mail.ledger import DeliveryRecord, Ledger, open_ledger
from digest.models import Article, Digest, ThemeGroup
from digest.postgres import PostgresConnection, TransientStateError
from digest.store import SCHEMA_VERSION, Store
from mailserver import LOOPBACK, MailServer, free_port

SECRET = {"DIGEST_SECRET": "a test secret that is long enough"}
# The opening of a sample issue: a short digest, so thousands of messages are quick to build.
SHORT_ISSUE_CHARS = 1500


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


class RecipientsOnly:
    """An SMTP handler that accepts everything and keeps only the envelope recipients (thousands of messages)."""

    def __init__(self) -> None:
        self.accepted: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.accepted.extend(envelope.rcpt_tos)
        return "250 OK queued"


def write_config(inst: Installation, url: str, smtp_port: int, worker: str = "", smtp: str = "") -> None:
    """An SMTP installation whose state is at `url`."""
    inst.config.write_text(
        '[digest]\ntitle = "测试周报"\nsender = "测试周报 <digest@example.org>"\nto = "readers@example.org"\n'
        '[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n'  # the tests' issues are written just before the run
        f'[state]\ndatabase = "var/digest.sqlite3"\nurl = "{url}"\n'
        '[output]\noutbox = "outbox"\n[archive]\nbase_url = "http://127.0.0.1:8025"\n'
        f'[delivery]\nmode = "smtp"\n[smtp]\nhost = "{LOOPBACK}"\nport = {smtp_port}\ntimeout = 5\n{smtp}'
        f"[worker]\n{worker}\n" + THEMES, encoding="utf-8")


def shorten_inbox(inst: Installation) -> None:
    """One short issue in the inbox instead of the two samples."""
    samples = sorted(inst.inbox.glob("*.txt"))
    samples[0].write_text(samples[0].read_text(encoding="utf-8")[:SHORT_ISSUE_CHARS], encoding="utf-8")
    for extra in samples[1:]:
        extra.unlink()


def import_subscribers(inst: Installation, count: int) -> None:
    rows = "".join(f"reader{n}@example.org,读者{n},\n" for n in range(count))
    (inst.root / "subscribers.csv").write_text("address,name,themes\n" + rows, encoding="utf-8")
    result = inst.digest("subscribers", "import", "subscribers.csv", timeout=300)
    assert result.returncode == 0, result.stderr


def statuses(url: str) -> Counter[str]:
    with psycopg.connect(url) as db:
        return Counter(status for (status,) in db.execute("SELECT status FROM deliveries"))


def small_digest() -> Digest:
    article = Article(title="标题", display_title="标题", paragraphs=["第一段。", "第二段。"], summary=["第一段。"])
    return Digest(title="周报", created=datetime(2026, 11, 23, 7, tzinfo=UTC), issues=["a.txt"],
                  groups=[ThemeGroup(name="甲", articles=[article])])


def planned_ledger(url: str, subscribers: int) -> None:
    """A recorded digest with one pending delivery per subscriber, through the library."""
    settings = build_settings({"state": {"url": url}}, None)
    with Store.for_settings(settings) as store, open_ledger(store) as ledger:
        ledger.save_snapshot("k", small_digest())
        store.record_digest(key="k", issues=[("k", "a.txt")], articles=[("k", "标题", "k")], paths={},
                            article_count=1)
        for n in range(subscribers):
            ledger.save_subscriber(f"r{n}@example.org", "", [], reactivate=True)
        ledger.plan_deliveries(1, lambda s: f"<{s.key}>", page_size=7)


def open_pg(url: str) -> tuple[Store, Ledger]:
    store = Store.for_settings(build_settings({"state": {"url": url}}, None))
    return store, open_ledger(store).__enter__()


def test_the_same_migrations_make_the_same_tables_on_postgresql(pg_url: str, tmp_path) -> None:
    with psycopg.connect(pg_url) as db:
        before = db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert before == (0,)
    Store.for_settings(build_settings({"state": {"url": pg_url}}, None)).close()
    Store.for_settings(build_settings({"state": {"url": pg_url}}, None)).close()  # a second open migrates nothing
    with psycopg.connect(pg_url) as db:
        version = db.execute("SELECT version FROM schema_version").fetchall()
        columns = {(t, c) for t, c in db.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")}
    with Store.open(tmp_path / "s.sqlite3") as store:
        tables = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        sqlite_columns = {(t, r[1]) for t in tables for r in store.db.execute(f"PRAGMA table_info({t})")}
    assert version == [(SCHEMA_VERSION,)]
    assert columns - {("schema_version", "version")} == sqlite_columns


def test_subscribers_and_a_run_live_on_the_server_and_a_worker_sends(installation: Installation, pg_url: str,
                                                                     mail: MailServer) -> None:
    write_config(installation, pg_url, mail.port)
    import_subscribers(installation, 3)
    listed = installation.digest("subscribers", "list")
    assert listed.returncode == 0 and listed.stdout.count("@example.org") == 3
    run = installation.digest("run", env=SECRET)
    assert run.returncode == 0, run.stderr
    assert mail.handler.received == []  # the run plans; the workers send
    assert statuses(pg_url) == {"pending": 3}
    sent = installation.digest("send", "--worker", env=SECRET)
    assert sent.returncode == 0, sent.stderr
    assert "messages: 3 sent" in sent.stdout
    assert sorted(mail.handler.recipients()) == [f"reader{n}@example.org" for n in range(3)]
    assert statuses(pg_url) == {"sent": 3}
    assert not installation.database.exists()  # nothing of the state went to the SQLite file


def test_claims_of_two_workers_never_overlap_and_a_dead_workers_lease_runs_out(pg_url: str) -> None:
    planned_ledger(pg_url, 30)
    (store_a, a), (store_b, b) = open_pg(pg_url), open_pg(pg_url)
    try:
        first, second = a.claim_deliveries("a", 20, 60), b.claim_deliveries("b", 20, 60)
        assert len(first) == 20 and len(second) == 10
        assert not {d.id for d in first} & {d.id for d in second}
        assert b.claim_deliveries("b", 20, 60) == []
        assert b.leased_elsewhere("b") == 20
        a.release_claims("a")  # a worker that stops early gives back what it did not send
        short = b.claim_deliveries("b", 100, 1)
        assert {d.id for d in short} == {d.id for d in first}
        time.sleep(2.1)  # b "dies": its one-second lease runs out; its first ten are still under a minute's
        assert [d.id for d in a.claim_deliveries("a", 100, 60)] == [d.id for d in short]
    finally:
        store_a.close()
        store_b.close()


def test_a_lost_connection_is_tried_again_on_a_new_one(pg_url: str) -> None:
    planned_ledger(pg_url, 2)
    store, ledger = open_pg(pg_url)
    try:
        with psycopg.connect(pg_url, autocommit=True) as admin:  # as a failover or a restarted server would
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        delivery = ledger.claim_deliveries("w", 1, 60)[0]
        ledger.record_sent(delivery)
        assert [d.status for d in ledger.deliveries()] == ["sent", "pending"]
    finally:
        store.close()


def test_nothing_is_marked_sent_when_the_server_stays_away(pg_url: str, monkeypatch) -> None:
    planned_ledger(pg_url, 1)
    monkeypatch.setattr("digest.postgres.RETRY_WAITS", (0.1, 0.1))
    store, ledger = open_pg(pg_url)
    delivery: DeliveryRecord = ledger.claim_deliveries("w", 1, 60)[0]
    assert isinstance(store.db, PostgresConnection)
    store.db.url = store.db.url.replace(f":{store.db.url.split(':')[-1].split('/')[0]}/", f":{free_port()}/")
    store.db.close()  # the server is gone, and reconnecting finds nothing at its address
    with pytest.raises(TransientStateError, match="cannot connect|failed"):
        ledger.record_sent(delivery)
    store.close()
    assert statuses(pg_url) == {"pending": 1}


def test_an_unreachable_server_is_one_line_without_the_password(installation: Installation) -> None:
    url = f"postgresql://digest:hunter2-secret@{LOOPBACK}:{free_port()}/digest"
    write_config(installation, url, free_port())
    result = installation.digest("subscribers", "list")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("digest: state database postgresql://")
    assert "cannot connect" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_a_state_url_that_is_not_postgresql_is_a_config_error(installation: Installation) -> None:
    write_config(installation, "mysql://db.example.org/digest", 25)
    result = installation.digest("subscribers", "list")
    assert result.returncode == 2
    assert "[state] url: expected a postgresql:// URL" in result.stderr


def test_with_sqlite_one_worker_sends_what_a_run_left_and_a_second_one_waits(installation: Installation,
                                                                            mail: MailServer) -> None:
    installation.write_config(f'[delivery]\nmode = "smtp"\n[smtp]\nhost = "{LOOPBACK}"\nport = {free_port()}\n'
                              'timeout = 5\n[archive]\nbase_url = "http://127.0.0.1:8025"\n')
    import_subscribers(installation, 2)
    assert installation.digest("run", env=SECRET).returncode == 1  # no SMTP server there: all wait
    installation.write_config(f'[delivery]\nmode = "smtp"\n[smtp]\nhost = "{LOOPBACK}"\nport = {mail.port}\n'
                              'timeout = 5\n[archive]\nbase_url = "http://127.0.0.1:8025"\n')
    settings = build_settings({"state": {"database": str(installation.database)}}, None)
    with run_lock(settings.lock_path) as acquired:
        assert acquired
        locked_out = installation.digest("send", "--worker", env=SECRET)
    assert locked_out.returncode == 0 and "another run is in progress" in locked_out.stdout
    sent = installation.digest("send", "--worker", env=SECRET)
    assert sent.returncode == 0, sent.stderr
    assert "messages: 2 sent" in sent.stdout
    with sqlite3.connect(installation.database) as db:
        assert db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall() == [("sent", 2)]


def leased_to(url: str, worker: str) -> int:
    with psycopg.connect(url) as db:
        row = db.execute("SELECT count(*) FROM deliveries WHERE status = 'pending' AND lease_owner = %s",
                         (worker,)).fetchone()
    return int(row[0]) if row else 0


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def kill_while_leasing(worker: subprocess.Popen[str], pg_url: str, name: str, timeout: float) -> int:
    """Kill the worker at a moment it holds leased rows, and say how many. It is frozen
    before its lease is read: read first and killed after, it could finish its batch
    in between and leave no row behind."""
    def frozen_holding_a_lease() -> bool:
        os.kill(worker.pid, signal.SIGSTOP)
        if leased_to(pg_url, name):
            return True
        os.kill(worker.pid, signal.SIGCONT)
        return False

    wait_for(frozen_holding_a_lease, timeout, "the worker to hold a lease")
    leased = leased_to(pg_url, name)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    return leased


def test_three_workers_share_5000_subscribers_and_one_killed_mid_batch_costs_a_duplicate_per_connection_at_most(
        installation: Installation, pg_url: str) -> None:
    subscribers, handler = 5000, RecipientsOnly()
    with MailServer(handler) as mail:  # type: ignore[arg-type]
        share_among_three_workers(installation, pg_url, mail.port, subscribers, handler)


CONNECTIONS = 2  # each worker's SMTP connections


def share_among_three_workers(installation: Installation, pg_url: str, port: int, subscribers: int,
                              handler: RecipientsOnly) -> None:
    shorten_inbox(installation)
    # A short lease: the killed worker's rows wait 10 s; a message may take 5 s, so each claim has 5 s to start them.
    write_config(installation, pg_url, port, worker="batch = 50\nlease_seconds = 10\n",
                 smtp=f"message_timeout = 5\nconnections = {CONNECTIONS}\n")
    import_subscribers(installation, subscribers)
    run = installation.digest("run", env=SECRET)
    assert run.returncode == 0, run.stderr
    assert statuses(pg_url) == {"pending": subscribers}

    workers = [installation.start("send", "--worker", env=SECRET) for _ in range(3)]
    try:
        victim = workers[0]
        victim_name = f"{socket.gethostname()}:{victim.pid}"
        wait_for(lambda: len(handler.accepted) >= subscribers // 5, 300, "the workers to be well under way")
        orphaned = kill_while_leasing(victim, pg_url, victim_name, 60)
        survivors = [w.communicate(timeout=600) for w in workers[1:]]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)

    assert orphaned > 0  # killed mid-batch: rows under its lease, which the others sent after it ran out
    for worker, (out, err) in zip(workers[1:], survivors, strict=True):
        assert worker.returncode == 0, err
        assert "messages:" in out and "sent" in out
    assert statuses(pg_url) == {"sent": subscribers}
    received = Counter(handler.accepted)
    assert set(received) == {f"reader{n}@example.org" for n in range(subscribers)}
    duplicates = sum(received.values()) - subscribers
    print(f"\n{subscribers} subscribers, 3 workers, 1 killed with {orphaned} rows leased: {duplicates} duplicate(s)")
    # At most the message each of the killed worker's connections had accepted and not yet recorded.
    assert duplicates <= CONNECTIONS


def test_a_lease_no_message_fits_in_is_a_config_error(installation: Installation) -> None:
    write_config(installation, "postgresql://digest@127.0.0.1/digest", 25, worker="lease_seconds = 60\n",
                 smtp="message_timeout = 60\n")
    result = installation.digest("send", "--worker", env=SECRET)
    assert result.returncode == 2
    assert "[worker] lease_seconds: must be longer than [smtp] message_timeout (60 s)" in result.stderr


def test_planning_and_sending_in_pages_of_two_on_postgresql_send_everyone_once(
        pg_url: str, mail: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from digest.mail.sending import send_pending

    monkeypatch.setenv("DIGEST_SECRET", SECRET["DIGEST_SECRET"])
    settings = build_settings({"digest": {"title": "周报", "sender": "周报 <digest@example.org>"},
                               "state": {"url": pg_url}, "delivery": {"mode": "smtp"},
                               "smtp": {"host": LOOPBACK, "port": mail.port, "timeout": 5, "connections": 2}}, None)
    mail.handler.faults = {"r4@example.org": "451 4.3.0 try later"}  # deferred; its first retry is due at once
    with Store.for_settings(settings) as store, open_ledger(store) as ledger:
        ledger.save_snapshot("k", small_digest())
        store.record_digest(key="k", issues=[("k", "a.txt")], articles=[("k", "标题", "k")], paths={},
                            article_count=1)
        for n in range(7):  # r3 reads only a theme the digest has no articles in: not planned
            ledger.save_subscriber(f"r{n}@example.org", "", ["乙"] if n == 3 else [], reactivate=True)
        first = send_pending(settings, ledger, page_size=2)
        assert (first.sent, first.deferred, first.waiting) == (5, 1, 0)
        mail.handler.faults = {}
        assert send_pending(settings, ledger, page_size=2).sent == 1
    assert Counter(mail.handler.recipients()) == Counter(f"r{n}@example.org" for n in range(7) if n != 3)
    assert statuses(pg_url) == {"sent": 6}


def test_subscribers_are_read_by_key_on_postgresql(pg_url: str) -> None:
    store, ledger = open_pg(pg_url)
    with store:
        ledger.save_subscriber("Reader1@example.org", "读者", ["甲"], reactivate=True)
        ledger.save_subscriber("reader2@example.org", "", [], reactivate=True)
        found = ledger.subscribers_by_key(["reader1@example.org", "reader2@example.org", "nobody@example.org"])
        assert ledger.subscribers_by_key([]) == {}
    assert sorted(found) == ["reader1@example.org", "reader2@example.org"]
    assert (found["reader1@example.org"].address, found["reader1@example.org"].name) == ("Reader1@example.org", "读者")


def test_an_unsubscribe_while_a_page_is_out_counts_from_the_next_page_on_postgresql(
        pg_url: str, mail: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from digest.mail.sending import send_pending

    monkeypatch.setenv("DIGEST_SECRET", SECRET["DIGEST_SECRET"])
    settings = build_settings({"digest": {"title": "周报", "sender": "周报 <digest@example.org>"},
                               "state": {"url": pg_url}, "delivery": {"mode": "smtp"},
                               "smtp": {"host": LOOPBACK, "port": mail.port, "timeout": 5}}, None)
    with Store.for_settings(settings) as store, open_ledger(store) as ledger:
        ledger.save_snapshot("k", small_digest())
        store.record_digest(key="k", issues=[("k", "a.txt")], articles=[("k", "标题", "k")], paths={},
                            article_count=1)
        for n in range(4):
            ledger.save_subscriber(f"r{n}@example.org", "", [], reactivate=True)

        def unsubscribe_r2(sent: int) -> None:  # r2 opens the second page
            if sent == 1:
                ledger.set_subscriber_status("r2@example.org", "unsubscribed")

        report = send_pending(settings, ledger, unsubscribe_r2, page_size=2)
    assert (report.sent, report.skipped) == (3, 1)
    assert Counter(mail.handler.recipients()) == Counter(["r0@example.org", "r1@example.org", "r3@example.org"])
