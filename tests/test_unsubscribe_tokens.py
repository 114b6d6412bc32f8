"""Unsubscribe tokens name an opaque per-subscriber id, never the address; links mailed before
(which carried the address) keep working; no token reaches a log. Through the real CLI, a real
SMTP server and a real `digest serve` process."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, unquote

from conftest import Installation
from digest.mail.tokens import make_token
from digest.store import MIGRATIONS
from mailserver import LOOPBACK, MailServer, free_port
from test_serve import fetch, status_of
from test_smtp import SECRET, import_subscribers, smtp_config, token_id_of

KEY = SECRET["DIGEST_SECRET"]
# A token in a link, a header or a mail subject: up to the next character a token never holds.
_TOKEN = re.compile(r"(?:token=|unsubscribe(?:%20| ))([A-Za-z0-9_.%-]+)")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def legacy_token(address: str, secret: str = KEY) -> str:
    """A token as links mailed before token ids carried it: the address, base64url, and its HMAC."""
    key = address.casefold().encode("utf-8")
    mac = hmac.new(secret.encode(), b"digest-unsubscribe\0" + key, hashlib.sha256).digest()[:16]
    return f"{b64(key)}.{b64(mac)}"


def address_traces(address: str) -> list[str]:
    """The forms in which a token could leak an address: as is, percent-encoded, in base64url."""
    key = address.casefold()
    return [key, quote(key), b64(key.encode()), base64.b64encode(key.encode()).decode().rstrip("=")]


@contextmanager
def serving(installation: Installation) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A real `digest serve` on a free port; its stderr (the log) is readable once the block ends."""
    port = free_port()
    process = installation.start("serve", "--port", str(port), env=SECRET)
    assert process.stdout is not None
    assert process.stdout.readline().startswith("serving")
    try:
        yield f"http://{LOOPBACK}:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_no_link_header_or_subject_in_a_mail_carries_the_address(installation: Installation) -> None:
    addresses = ["Reader.One@Example.org", "reader2@example.org"]
    with MailServer() as mail:
        smtp_config(installation, mail.port)
        import_subscribers(installation, [f"{a},," for a in addresses])
        result = installation.digest("run", env=SECRET)
        assert result.returncode == 0, result.stderr
    assert len(mail.handler.received) == 2
    tokens = {}
    for item in mail.handler.received:
        address = item.recipients[0]
        message = item.message
        places = [message["List-Unsubscribe"], message.get_body(("html",)).get_content(),
                  message.get_body(("plain",)).get_content()]
        found = {unquote(t) for place in places for t in _TOKEN.findall(place)}
        assert len(found) == 1, found  # the same token in the header's links and the body's
        (token,) = found
        assert token.split(".")[0] == token_id_of(installation.database, address)
        for trace in address_traces(address):
            assert trace not in token and trace not in message["List-Unsubscribe"]
        tokens[address] = token
    assert len(set(tokens.values())) == 2


def make_old_state(installation: Installation, addresses: list[str]) -> None:
    """A state database as the version before token ids left it (schema 2), with subscribers."""
    installation.database.parent.mkdir(parents=True)
    db = sqlite3.connect(installation.database, isolation_level=None)
    for script in MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    db.executemany("INSERT INTO subscribers (key, address, status, created, updated) "
                   "VALUES (?, ?, 'active', '2026-01-05T07:00:00+00:00', '2026-01-05T07:00:00+00:00')",
                   [(a.casefold(), a) for a in addresses])
    db.close()


def test_an_upgraded_state_gives_each_subscriber_a_token_id_and_old_links_keep_working(
        installation: Installation) -> None:
    addresses = ["first@example.org", "Second@Example.org", "third@example.org"]
    make_old_state(installation, addresses)
    listed = installation.digest("subscribers", "list")
    assert listed.returncode == 0, listed.stderr
    ids = {token_id_of(installation.database, a) for a in addresses}
    assert len(ids) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)

    with serving(installation) as (base, _):
        assert fetch(f"{base}/unsubscribe?token={legacy_token('first@example.org')}")[0] == 200  # the form
        assert fetch(f"{base}/unsubscribe?token={legacy_token('first@example.org')}",
                     b"List-Unsubscribe=One-Click")[0] == 200
        forged = legacy_token("third@example.org", secret="not the operator's secret, though long")
        assert fetch(f"{base}/unsubscribe?token={forged}", b"List-Unsubscribe=One-Click")[0] == 403
    assert status_of(installation.database, "first@example.org") == "unsubscribed"
    assert status_of(installation.database, "third@example.org") == "active"

    by_mail = installation.digest("subscribers", "unsubscribe", f"Re: unsubscribe {legacy_token('second@example.org')}",
                                  env=SECRET)
    assert by_mail.returncode == 0, by_mail.stderr
    assert by_mail.stdout.strip() == "unsubscribed Second@Example.org"


def test_an_old_link_of_a_removed_subscriber_does_not_unsubscribe_them_once_added_again(
        installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "back@example.org").returncode == 0
    old_id = token_id_of(installation.database, "back@example.org")
    old_token = make_token(KEY.encode(), old_id)
    assert installation.digest("subscribers", "remove", "back@example.org").returncode == 0
    assert installation.digest("subscribers", "add", "back@example.org").returncode == 0
    assert token_id_of(installation.database, "back@example.org") != old_id

    result = installation.digest("subscribers", "unsubscribe", old_token, env=SECRET)
    assert result.returncode == 2
    assert "names no current subscriber" in result.stderr
    with serving(installation) as (base, _):
        assert fetch(f"{base}/unsubscribe?token={old_token}", b"List-Unsubscribe=One-Click")[0] == 200
    assert status_of(installation.database, "back@example.org") == "active"


def test_serve_logs_no_token(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "reader@example.org").returncode == 0
    assert installation.digest("subscribers", "add", "other@example.org").returncode == 0
    token = make_token(KEY.encode(), token_id_of(installation.database, "reader@example.org"))
    old = legacy_token("other@example.org")
    with serving(installation) as (base, process):
        assert fetch(f"{base}/unsubscribe?token={token}")[0] == 200
        assert fetch(f"{base}/unsubscribe?token={token}", b"List-Unsubscribe=One-Click")[0] == 200
        assert fetch(f"{base}/unsubscribe", f"token={old}".encode())[0] == 200  # in the form body
        assert fetch(f"{base}/nothing.html?token={token}")[0] == 404
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection((LOOPBACK, port), timeout=30) as client:  # a request line the stdlib refuses
            client.sendall(f"GET /unsubscribe?token={token} HTTP/1.1 trailing\r\n\r\n".encode())
            assert b"400" in client.recv(4096)
    log = process.stderr.read() if process.stderr else ""
    assert "POST /unsubscribe" in log and "400" in log  # the access log is there, only without tokens
    for secret_part in (token, token.split(".")[1], old, old.split(".")[1]):
        assert secret_part not in log
    assert "unsubscribed reader@example.org" in log and "unsubscribed other@example.org" in log
