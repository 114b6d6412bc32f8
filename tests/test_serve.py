"""`digest serve`: the web archive and the unsubscribe endpoint, over real HTTP on the loopback."""

from __future__ import annotations

import re
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLES, Installation
from digest.config import Settings, build_settings
from digest.mail.ledger import open_ledger
from digest.mail.tokens import make_token
from digest.serve import DigestServer, make_server
from digest.store import Store
from mailserver import LOOPBACK, MailServer, free_port
from test_smtp import SECRET, import_subscribers, smtp_config, token_id_of


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    """(status, body) of a GET, or of a POST when `data` is given."""
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def status_of(database: Path, address: str) -> str:
    with Store.open(database) as store, open_ledger(store) as ledger:
        subscriber = ledger.subscriber(address)
    assert subscriber is not None
    return subscriber.status


def forge(token: str, other: str) -> str:
    """Another subscriber's token id under this token's signature."""
    return other.split(".")[0] + "." + token.split(".")[1]


def test_an_unsubscribe_through_digest_serve_stops_the_next_delivery(
        installation: Installation, tmp_path: Path) -> None:
    first, second = sorted(SAMPLES.glob("*.txt"))
    (installation.inbox / second.name).unlink()
    with MailServer() as mail:
        smtp_config(installation, mail.port)
        port = free_port()
        config = installation.config.read_text(encoding="utf-8")
        installation.config.write_text(config.replace(f"http://{LOOPBACK}:8025", f"http://{LOOPBACK}:{port}"),
                                       encoding="utf-8")
        import_subscribers(installation, ["leaving@example.org,,", "staying@example.org,,"])
        assert installation.digest("run", env=SECRET).returncode == 0
        links = {item.recipients[0]: re.findall(r"<(http[^>]+)>", item.message["List-Unsubscribe"])[0]
                 for item in mail.handler.received}
        assert sorted(links) == ["leaving@example.org", "staying@example.org"]

        server = installation.start("serve", "--port", str(port), env=SECRET)
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == f"serving the archive and unsubscribe page on http://{LOOPBACK}:{port}/"
            status, page = fetch(links["leaving@example.org"])
            assert status == 200 and '<form method="post"' in page
            assert status_of(installation.database, "leaving@example.org") == "active"  # a GET changes nothing

            token = links["leaving@example.org"].split("token=")[1]
            other = links["staying@example.org"].split("token=")[1]
            forged = f"http://{LOOPBACK}:{port}/unsubscribe?token={forge(token, other)}"
            assert fetch(forged, b"List-Unsubscribe=One-Click")[0] == 403
            assert status_of(installation.database, "staying@example.org") == "active"
            assert fetch(links["leaving@example.org"], b"List-Unsubscribe=One-Click")[0] == 200
        finally:
            server.terminate()
            server.wait(timeout=10)
        assert status_of(installation.database, "leaving@example.org") == "unsubscribed"
        assert status_of(installation.database, "staying@example.org") == "active"

        shutil.copy(second, installation.inbox / second.name)
        result = installation.digest("run", env=SECRET)
        assert result.returncode == 0, result.stderr
        assert mail.handler.recipients().count("staying@example.org") == 2
        assert mail.handler.recipients().count("leaving@example.org") == 1


def test_serve_refuses_to_start_without_the_secret(installation: Installation) -> None:
    result = installation.digest("serve", "--port", str(free_port()), env={"DIGEST_SECRET": ""})
    assert result.returncode == 2  # a configuration problem
    assert "DIGEST_SECRET" in result.stderr and "Traceback" not in result.stderr


# In-process: one server in a thread over a small state.


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Settings]]:
    monkeypatch.setenv("DIGEST_SECRET", SECRET["DIGEST_SECRET"])
    settings = build_settings({"state": {"database": "digest.sqlite3"}, "output": {"archive": "archive"}},
                              tmp_path / "config.toml")
    (tmp_path / "outbox").mkdir()
    (tmp_path / "archive").mkdir()
    (tmp_path / "outbox" / "digest-20261123-0700-aaaa.html").write_text("<p>第一期</p>", encoding="utf-8")
    (tmp_path / "outbox" / "digest-20261130-0700-bbbb.html").write_text("<p>第二期 邮件版</p>", encoding="utf-8")
    (tmp_path / "archive" / "digest-20261130-0700-bbbb.html").write_text("<p>第二期 全文</p>", encoding="utf-8")
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    with Store.open(settings.database) as store:
        for n, name in enumerate(("digest-20261123-0700-aaaa", "digest-20261130-0700-bbbb")):
            store.record_digest(key=name, issues=[(name, f"{n}.txt")], articles=[], article_count=1,
                                paths={"html": str(tmp_path / "outbox" / f"{name}.html")})
        with open_ledger(store) as ledger:
            ledger.save_subscriber("reader@example.org", "", [], reactivate=True)
    server: DigestServer = make_server(settings, LOOPBACK, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}", settings
    finally:
        server.shutdown()
        server.server_close()


def test_the_archive_lists_past_digests_newest_first_and_serves_the_full_copy(site: tuple[str, Settings]) -> None:
    base, _ = site
    status, index = fetch(base + "/")
    assert status == 200
    assert index.index("digest-20261130-0700-bbbb") < index.index("digest-20261123-0700-aaaa")
    assert fetch(base + "/digest-20261123-0700-aaaa.html") == (200, "<p>第一期</p>")
    assert fetch(base + "/digest-20261130-0700-bbbb.html") == (200, "<p>第二期 全文</p>")
    for missing in ("/digest-20990101-0000-cccc.html", "/../config.toml", "/%2e%2e/config.toml", "/config.toml"):
        assert fetch(base + missing)[0] == 404, missing


def test_one_click_post_unsubscribes_and_is_idempotent(site: tuple[str, Settings]) -> None:
    base, settings = site
    token = make_token(SECRET["DIGEST_SECRET"].encode(), token_id_of(settings.database, "Reader@Example.org"))
    for _ in range(2):
        assert fetch(f"{base}/unsubscribe?token={token}", b"List-Unsubscribe=One-Click")[0] == 200
    assert status_of(settings.database, "reader@example.org") == "unsubscribed"


def test_the_confirmation_form_posts_the_token(site: tuple[str, Settings]) -> None:
    base, settings = site
    token = make_token(SECRET["DIGEST_SECRET"].encode(), token_id_of(settings.database, "reader@example.org"))
    status, page = fetch(f"{base}/unsubscribe?token={token}")
    assert status == 200
    posted = re.search(r'name="token" value="([^"]+)"', page)
    assert posted is not None
    assert fetch(base + "/unsubscribe", f"token={posted[1]}".encode())[0] == 200
    assert status_of(settings.database, "reader@example.org") == "unsubscribed"


@pytest.mark.parametrize("token", ["", "garbage", "cmVhZGVyQGV4YW1wbGUub3Jn", "cmVhZGVyQGV4YW1wbGUub3Jn.AAAA",
                                   "cmVhZGVyQGV4YW1wbGUub3Jn.!!!!"])
def test_a_forged_or_damaged_token_is_refused(site: tuple[str, Settings], token: str) -> None:
    base, settings = site
    assert fetch(f"{base}/unsubscribe?token={token}")[0] == 403
    assert fetch(f"{base}/unsubscribe?token={token}", b"List-Unsubscribe=One-Click")[0] == 403
    assert status_of(settings.database, "reader@example.org") == "active"


def test_a_token_signed_with_another_secret_is_refused(site: tuple[str, Settings]) -> None:
    base, settings = site
    token = make_token(b"someone else's secret of some length", token_id_of(settings.database, "reader@example.org"))
    assert fetch(f"{base}/unsubscribe?token={token}", b"List-Unsubscribe=One-Click")[0] == 403
    assert status_of(settings.database, "reader@example.org") == "active"


def test_serve_listens_on_the_loopback_by_default(installation: Installation) -> None:
    port = free_port()
    server = installation.start("serve", "--port", str(port), env=SECRET)
    try:
        assert server.stdout is not None
        assert f"http://127.0.0.1:{port}/" in server.stdout.readline()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_archive_index_names_each_digest_by_date_and_subject(installation: Installation,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import email
    from email import policy

    from digest.config import load_settings

    assert installation.digest("run").returncode == 0
    (eml,) = installation.emls()
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    monkeypatch.setenv("DIGEST_SECRET", SECRET["DIGEST_SECRET"])
    server = make_server(load_settings(installation.config), LOOPBACK, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, index = fetch(f"http://{LOOPBACK}:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200
    link = re.search(r'<a href="/([^"]+)">([^<]+)</a>', index)
    assert link is not None
    assert link[1] == eml.with_suffix(".html").name
    assert link[2] == message["Subject"]  # the subject, not the file's hash name
    assert message["Date"] and re.search(r"<time[^>]*>\d{4}-\d\d-\d\d</time>", index)
    assert "<style>" in index and eml.stem not in re.sub(r'href="[^"]*"', "", index)
