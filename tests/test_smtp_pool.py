"""Sending over several connections at once (`[smtp] connections`) to a real SMTP server on 127.0.0.1:
everyone once, the rate limit kept over all connections, a lost connection ending the batch
without losing or repeating a message, and the setting checked at config load."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from digest.config import build_settings
from digest.errors import ConfigError
from digest.mail.ledger import open_ledger
from digest.mail.sending import MESSAGES_PER_CONNECTION, send_pending
from digest.store import Store
from mailserver import MailHandler, MailServer
from test_smtp import readers, record_small_digest, secret, small_settings

__all__ = ["secret"]  # the fixture, used by name

MANY = 2 * MESSAGES_PER_CONNECTION + 5  # enough due messages for a second connection


class TimedHandler(MailHandler):
    """Also notes when each message arrived (time.monotonic)."""

    arrivals: list[float]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            self.arrivals.append(time.monotonic())
        return reply


def subscribe_and_record(store: Store, count: int) -> None:
    with open_ledger(store) as ledger:
        for address in readers(count):
            ledger.save_subscriber(address, "", [], reactivate=True)
    record_small_digest(store, "d1")


def statuses(store: Store) -> Counter[str]:
    with open_ledger(store) as ledger:
        return Counter(d.status for d in ledger.deliveries())


def test_two_connections_send_everyone_exactly_once(tmp_path: Path, secret: None) -> None:
    with MailServer() as mail:
        settings = small_settings(tmp_path, mail.port, connections=2)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            subscribe_and_record(store, MANY)
            report = send_pending(settings, ledger)
            assert (report.sent, report.waiting, report.troubled) == (MANY, 0, False)
            assert statuses(store) == Counter({"sent": MANY})
        assert Counter(mail.handler.recipients()) == Counter(readers(MANY))
        assert len({item.peer for item in mail.handler.received}) == 2  # two connections carried them


def test_a_short_batch_uses_one_connection(tmp_path: Path, secret: None) -> None:
    with MailServer() as mail:
        settings = small_settings(tmp_path, mail.port, connections=4)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            subscribe_and_record(store, MESSAGES_PER_CONNECTION)
            assert send_pending(settings, ledger).sent == MESSAGES_PER_CONNECTION
        assert len({item.peer for item in mail.handler.received}) == 1


def test_the_rate_limit_holds_over_all_connections(tmp_path: Path, secret: None) -> None:
    rate = 25.0
    handler = TimedHandler()
    with MailServer(handler) as mail:
        settings = small_settings(tmp_path, mail.port, connections=2, rate_per_second=rate)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            subscribe_and_record(store, MANY)
            start = time.monotonic()
            assert send_pending(settings, ledger).sent == MANY
    assert len({item.peer for item in mail.handler.received}) == 2
    # The n-th message cannot start before (n - 1) intervals have passed, whichever connection carries it.
    assert len(handler.arrivals) == MANY
    assert max(handler.arrivals) - start >= (MANY - 1) / rate


def test_a_connection_lost_mid_batch_ends_it_and_the_next_run_sends_the_rest_once(
        tmp_path: Path, secret: None) -> None:
    with MailServer() as mail:
        mail.handler.faults = {MESSAGES_PER_CONNECTION + 3: "drop"}  # one connection closes without a reply
        settings = small_settings(tmp_path, mail.port, connections=2)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            subscribe_and_record(store, MANY)
            first = send_pending(settings, ledger)
            assert first.deferred == 1 and first.waiting > 0 and first.sent + 1 + first.waiting == MANY
            assert "connection" in " ".join(first.problems)
            assert statuses(store) == Counter({"sent": first.sent, "pending": MANY - first.sent})
            mail.handler.faults = {}
            second = send_pending(settings, ledger)
            assert second.sent == MANY - first.sent
            assert statuses(store) == Counter({"sent": MANY})
        assert Counter(mail.handler.recipients()) == Counter(readers(MANY))  # nobody twice, nobody left out


def test_an_unreachable_server_leaves_a_long_batch_pending(tmp_path: Path, secret: None,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    from mailserver import free_port

    settings = small_settings(tmp_path, free_port(), connections=2, message_timeout=2)  # nobody listens there
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        subscribe_and_record(store, MANY)
        report = send_pending(settings, ledger)
        assert (report.sent, report.waiting) == (0, MANY)
        assert "cannot connect" in report.problems[0]
        assert statuses(store) == Counter({"pending": MANY})
    assert "no connection reported back" not in caplog.text  # every message handed over came back


def test_an_internationalised_address_goes_with_smtputf8(tmp_path: Path, secret: None) -> None:
    with MailServer(enable_SMTPUTF8=True) as mail:
        settings = small_settings(tmp_path, mail.port)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            ledger.save_subscriber("reader@例子.中国", "读者", [], reactivate=True)
            record_small_digest(store, "d1")
            assert send_pending(settings, ledger).sent == 1
    (item,) = mail.handler.received
    assert item.recipients == ["reader@例子.中国"]
    headers = item.raw.split(b"\r\n\r\n")[0].decode("utf-8")  # UTF-8 headers, as SMTPUTF8 allows
    assert "\r\nTo: 读者 <reader@例子.中国>\r\n" in headers


@pytest.mark.parametrize("connections", [0, 17, 2.5])
def test_connections_out_of_range_is_a_config_error_naming_the_key(tmp_path: Path, connections: object) -> None:
    raw = {"smtp": {"connections": connections}}
    with pytest.raises(ConfigError, match=r"\[smtp\] connections"):
        build_settings(raw, tmp_path / "config.toml")
