"""SMTP delivery against servers that misbehave, through `digest run` and a real SMTP server on
127.0.0.1: a login that would go out in clear, a server that trickles its replies, content
refusals after DATA, and runs that reach nobody."""

from __future__ import annotations

import re
import sqlite3
import ssl
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import Installation
from mailserver import MailServer
from test_smtp import SECRET, import_subscribers, make_loopback_certificate, readers, smtp_config

PASSWORD = {**SECRET, "TEST_SMTP_PASSWORD": "s3cret"}
LOGIN = 'user = "digest"\npassword_env = "TEST_SMTP_PASSWORD"\n'


def test_a_login_over_plaintext_is_refused_unless_the_config_allows_it(installation: Installation) -> None:
    mechanisms: list[str] = []

    def authenticate(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
        mechanisms.append(mechanism)
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"digest", b"s3cret")
        return AuthResult(success=ok, handled=False)

    with pytest.warns(UserWarning, match="AUTH while not requiring TLS"), \
            MailServer(authenticator=authenticate, auth_required=True, auth_require_tls=False) as mail:
        smtp_config(installation, mail.port)
        import_subscribers(installation, ["reader1@example.org,,"])
        smtp_config(installation, mail.port, LOGIN)  # security is "none", the default
        refused = installation.digest("run", env=PASSWORD)
        assert refused.returncode == 2
        assert "[smtp] security: 'none' would send the password of digest in clear" in refused.stderr
        assert refused.stderr.count("\n") == 1
        assert mechanisms == [] and mail.handler.received == []  # nothing reached the server

        smtp_config(installation, mail.port, LOGIN + "allow_plaintext_login = true\n")
        allowed = installation.digest("run", env=PASSWORD)
        assert allowed.returncode == 0, allowed.stderr
        assert "messages: 1 sent" in allowed.stdout
    assert len(mechanisms) == 1 and mail.handler.recipients() == readers(1)


PATIENCE = 120  # seconds before a run that should have ended is called hung


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


def statuses(installation: Installation) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(installation.database) as db:
        rows = db.execute("SELECT recipient, status, attempts FROM deliveries ORDER BY id").fetchall()
    db.close()
    return {recipient: (status, attempts) for recipient, status, attempts in rows}


def run(installation: Installation) -> subprocess.CompletedProcess[str]:
    return installation.digest("run", env=SECRET, timeout=PATIENCE)


def test_a_server_trickling_its_reply_after_the_data_is_cut_off_at_message_timeout(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port, "message_timeout = 3\n")  # the per-read timeout (5 s) never trips
    import_subscribers(installation, [f"{a},," for a in readers(3)])
    mail.handler.data_faults = {1: "trickle"}  # a line every 0.5 s, for as long as the client listens

    first = run(installation)
    assert first.returncode == 1
    assert "did not finish the message for reader1@example.org: it took more than [smtp] message_timeout = 3 s" \
        in first.stderr
    assert "messages: 0 sent, 1 deferred, 2 waiting" in first.stdout
    assert mail.handler.received == []
    assert statuses(installation) == {"reader1@example.org": ("pending", 1), "reader2@example.org": ("pending", 0),
                                      "reader3@example.org": ("pending", 0)}

    mail.handler.data_faults = {}
    second = run(installation)  # the lock was let go with the first run
    assert second.returncode == 0, second.stderr
    assert "messages: 3 sent" in second.stdout
    assert sorted(mail.handler.recipients()) == readers(3)


def test_a_server_trickling_its_greeting_reply_leaves_everything_for_the_next_run(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port, "message_timeout = 3\n")
    import_subscribers(installation, [f"{a},," for a in readers(2)])
    mail.handler.ehlo_fault = "trickle"

    first = run(installation)
    assert first.returncode == 1
    assert "cannot connect to the mail server" in first.stderr and "[smtp] message_timeout = 3 s" in first.stderr
    assert "messages: 0 sent, 2 waiting" in first.stdout
    assert {status for status, _ in statuses(installation).values()} == {"pending"}

    mail.handler.ehlo_fault = None
    assert "messages: 2 sent" in run(installation).stdout
    assert sorted(mail.handler.recipients()) == readers(2)


def test_a_slow_server_is_left_at_batch_timeout_and_the_rest_go_next_run_once(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port, "message_timeout = 10\nbatch_timeout = 5\n")
    import_subscribers(installation, [f"{a},," for a in readers(4)])
    mail.handler.slow_seconds = 2
    mail.handler.data_faults = {a: "slow" for a in readers(4)}  # 8 s in all: more than the batch may take

    first = run(installation)
    assert first.returncode == 1
    assert "[smtp] batch_timeout" in first.stderr
    assert len(mail.handler.received) < 4

    mail.handler.data_faults = {}
    second = run(installation)
    assert second.returncode == 0, second.stderr
    assert Counter(mail.handler.recipients()) == Counter(readers(4))  # everyone once


def test_a_rate_limit_slower_than_the_batch_stops_the_batch_instead_of_sleeping(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port, "rate_per_second = 0.001\nbatch_timeout = 30\n")  # 1000 s apart
    import_subscribers(installation, [f"{a},," for a in readers(3)])
    first = run(installation)
    assert first.returncode == 1
    assert "messages: 1 sent, 2 waiting" in first.stdout
    assert "[smtp] batch_timeout = 30 s: no time left for 2 more messages" in first.stderr
    assert mail.handler.recipients() == readers(1)


def test_a_content_refusal_after_data_is_the_messages_not_a_bounce_of_every_reader(
        installation: Installation, mail: MailServer) -> None:
    first_issue, second_issue = sorted(installation.inbox.glob("*.txt"))
    held_back = second_issue.read_bytes()
    second_issue.unlink()
    smtp_config(installation, mail.port, "bounce_after = 1\n")  # a single bounce would end a subscription
    import_subscribers(installation, [f"{a},," for a in readers(3)])
    mail.handler.data_faults = {"reader1@example.org": "554 5.7.1 message content rejected",
                                "reader2@example.org": "554 5.7.1 message content rejected",
                                "reader3@example.org": "550 5.1.1 no such user here"}  # the address, after DATA

    refused = run(installation)
    assert refused.returncode == 1
    assert "messages: 0 sent, 1 bounced, 2 refused" in refused.stdout
    assert "refused the message for reader1@example.org: 554 5.7.1 message content rejected" in refused.stderr
    assert "no subscriber received a message this run" in refused.stderr
    listing = installation.digest("subscribers", "list").stdout
    assert "reader1@example.org\t\t(all themes)\tactive\n" in listing
    assert "reader2@example.org\t\t(all themes)\tactive\n" in listing
    assert "reader3@example.org\t\t(all themes)\tbouncing (1 bounces)" in listing
    assert [s for s, _ in statuses(installation).values()] == ["refused", "refused", "bounced"]

    mail.handler.data_faults = {}
    second_issue.write_bytes(held_back)
    after = run(installation)
    assert after.returncode == 0, after.stderr
    assert "messages: 2 sent" in after.stdout  # the refused digest is not sent again; the next one is
    assert sorted(mail.handler.recipients()) == readers(2)


def test_a_digest_that_reaches_nobody_says_so_and_exits_1(installation: Installation, mail: MailServer) -> None:
    first_issue, second_issue = sorted(installation.inbox.glob("*.txt"))
    held_back = second_issue.read_bytes()
    second_issue.unlink()
    smtp_config(installation, mail.port, "bounce_after = 1\n")
    import_subscribers(installation, [f"{a},," for a in readers(2)])
    mail.handler.faults = {a: "550 5.1.1 mailbox unavailable" for a in readers(2)}
    assert "messages: 0 sent, 2 bounced" in run(installation).stdout  # now the whole list is bouncing

    second_issue.write_bytes(held_back)
    nobody = run(installation)
    assert nobody.returncode == 1
    assert re.search(r"digest: digest-\d{8}-\d{4}-\w{12}: sent to nobody: no subscriber is active "
                     r"\(2 bouncing; ", nobody.stderr)
    assert "no subscriber received a message this run" in nobody.stderr
    assert "messages: 0 sent" in nobody.stdout


def test_smtp_mode_without_subscribers_says_nobody_got_the_digest(installation: Installation,
                                                                  mail: MailServer) -> None:
    smtp_config(installation, mail.port)
    result = run(installation)
    assert result.returncode == 1
    assert "sent to nobody: there are no subscribers" in result.stderr
    assert installation.emls()  # the digest itself was written and recorded


def test_a_trickle_after_starttls_is_cut_off_too(installation: Installation, tmp_path: Path) -> None:
    loopback_certificate = make_loopback_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(loopback_certificate, loopback_certificate.with_name("key.pem"))
    trusted = {**SECRET, "SSL_CERT_FILE": str(loopback_certificate)}
    with MailServer(tls_context=context, require_starttls=True) as mail:
        smtp_config(installation, mail.port, 'security = "starttls"\nmessage_timeout = 3\n')
        import_subscribers(installation, [f"{a},," for a in readers(2)])
        mail.handler.data_faults = {1: "trickle"}
        first = installation.digest("run", env=trusted, timeout=PATIENCE)
        assert first.returncode == 1
        assert "[smtp] message_timeout = 3 s" in first.stderr
        mail.handler.data_faults = {}
        second = installation.digest("run", env=trusted, timeout=PATIENCE)
        assert "messages: 2 sent" in second.stdout, second.stderr
    assert sorted(mail.handler.recipients()) == readers(2)
