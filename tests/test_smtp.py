"""SMTP delivery against a real SMTP server on the loopback interface (aiosmtpd in a thread):
what each subscriber receives, and that nobody receives a digest twice whatever goes wrong."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import THEMES, Installation
from digest.config import Settings, build_settings
from digest.errors import ConfigError, DeliveryError
from digest.mail.ledger import open_ledger
from digest.mail.sending import retry_time, send_pending
from digest.models import Article, Digest, ThemeGroup
from digest.store import Store
from mailserver import LOOPBACK, MailServer

SECRET = {"DIGEST_SECRET": "a test secret that is long enough"}
INDUSTRY = "产业工人与技能人才"
UNIONS = "思想引领与工会建设"
SPACE = "航天"  # a configured theme no sample article is about
SPACE_THEME = f'\n[[themes]]\nname = "{SPACE}"\nkeywords = ["运载火箭", "空间站"]\n'


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


def smtp_config(inst: Installation, port: int, extra: str = "") -> None:
    inst.write_config(
        f'[archive]\nbase_url = "http://{LOOPBACK}:8025"\n[delivery]\nmode = "smtp"\n'
        f'[smtp]\nhost = "{LOOPBACK}"\nport = {port}\ntimeout = 5\n' + extra,
        themes=THEMES + SPACE_THEME,
    )


def import_subscribers(inst: Installation, rows: list[str]) -> None:
    (inst.root / "subscribers.csv").write_text("address,name,themes\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = inst.digest("subscribers", "import", "subscribers.csv")
    assert result.returncode == 0, result.stderr


def readers(count: int) -> list[str]:
    return [f"reader{n}@example.org" for n in range(1, count + 1)]


def token_id_of(database: Path, address: str) -> str:
    """The token id the subscriber's unsubscribe links name."""
    with Store.open(database) as store, open_ledger(store) as subscribers:
        subscriber = subscribers.subscriber(address)
    assert subscriber is not None
    return subscriber.token_id


def ledger(inst: Installation) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(inst.database) as db:
        return {r: (s, e) for r, s, e in db.execute("SELECT recipient, status, error FROM deliveries")}


def test_every_subscriber_gets_one_message_with_list_headers_and_only_their_themes(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port)
    import_subscribers(installation, [
        "reader1@example.org,读者一,",
        f"Reader2@Example.org,读者二,{INDUSTRY}",
        f"reader3@example.org,,{UNIONS};{INDUSTRY}",
        f"reader4@example.org,读者四,{SPACE}",
    ])
    result = installation.digest("run", env=SECRET)
    assert result.returncode == 0, result.stderr
    assert "messages: 3 sent" in result.stdout

    by_recipient = {item.recipients[0]: item for item in mail.handler.received}
    assert sorted(mail.handler.recipients()) == ["Reader2@example.org", "reader1@example.org", "reader3@example.org"]
    assert all(len(item.recipients) == 1 for item in mail.handler.received)  # one envelope each, no Bcc
    assert len({item.peer for item in mail.handler.received}) == 1  # one connection for the batch
    message_ids, tokens = set(), set()
    for address, item in by_recipient.items():
        message, raw = item.message, item.raw.decode("ascii")
        assert message["To"].addresses[0].addr_spec == address
        assert message["From"].addresses[0].display_name == "测试周报"
        assert re.search(r"^Subject: =\?utf-8\?", raw, re.M), "the Subject must be RFC 2047 encoded"
        assert "测试周报" in message["Subject"] and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", message["Subject"])
        assert message["Date"] and message["List-Id"].endswith("<digest.example.org>")
        message_ids.add(message["Message-ID"])
        mailto, web = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert mailto.startswith("mailto:digest@example.org?subject=unsubscribe")
        assert web.startswith(f"http://{LOOPBACK}:8025/unsubscribe?token=")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        assert web.replace("&", "&amp;") in html and web in text  # the reader's own link in the body
        tokens.add(web)
    assert len(message_ids) == 3 and len(tokens) == 3

    def shown(address: str) -> str:
        return by_recipient[address].message.get_body(("plain",)).get_content()

    assert UNIONS in shown("reader1@example.org") and INDUSTRY in shown("reader1@example.org")
    assert INDUSTRY in shown("Reader2@example.org") and UNIONS not in shown("Reader2@example.org")
    assert UNIONS in shown("reader3@example.org") and INDUSTRY in shown("reader3@example.org")
    assert len(shown("reader3@example.org")) < len(shown("reader1@example.org"))

    again = installation.digest("run", env=SECRET)
    assert again.returncode == 0, again.stderr
    assert "messages:" not in again.stdout
    assert len(mail.handler.received) == 3


def test_a_refused_recipient_and_a_dropped_connection_then_the_next_run_sends_the_rest_once(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port)
    import_subscribers(installation, [f"{a},," for a in readers(7)])
    mail.handler.faults = {3: "550 5.1.1 mailbox unavailable", 5: "drop"}

    first = installation.digest("run", env=SECRET)
    assert first.returncode == 1
    assert "550 5.1.1 mailbox unavailable" in first.stderr and "connection" in first.stderr
    assert mail.handler.recipients() == ["reader1@example.org", "reader2@example.org", "reader4@example.org"]

    mail.handler.faults = {}
    second = installation.digest("run", env=SECRET)
    assert second.returncode == 0, second.stderr
    assert "messages: 3 sent" in second.stdout
    third = installation.digest("run", env=SECRET)
    assert "messages:" not in third.stdout

    received = Counter(mail.handler.recipients())
    assert set(received) == set(readers(7)) - {"reader3@example.org"}
    assert set(received.values()) == {1}
    status, error = ledger(installation)["reader3@example.org"]
    assert status == "bounced" and "550" in (error or "")
    listing = installation.digest("subscribers", "list").stdout
    assert re.search(r"reader3@example.org.*active \(1 bounces\)", listing)


def test_a_run_killed_in_the_middle_of_sending_is_completed_without_duplicates(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port)
    import_subscribers(installation, [f"{a},," for a in readers(5)])

    killed = installation.digest("run", env={**SECRET, "DIGEST_TEST_CRASH_AT": "mid-send:2"})
    assert killed.returncode == -9
    assert mail.handler.recipients() == readers(2)

    resumed = installation.digest("run", env=SECRET)
    assert resumed.returncode == 0, resumed.stderr
    assert "messages: 3 sent" in resumed.stdout
    assert sorted(mail.handler.recipients()) == readers(5)
    assert {status for status, _ in ledger(installation).values()} == {"sent"}


def test_without_the_secret_nothing_is_sent_and_the_next_run_sends_everything(
        installation: Installation, mail: MailServer) -> None:
    smtp_config(installation, mail.port)
    import_subscribers(installation, [f"{a},," for a in readers(2)])
    failed = installation.digest("run", env={"DIGEST_SECRET": ""})
    assert failed.returncode == 2  # a configuration problem
    assert "DIGEST_SECRET" in failed.stderr and "Traceback" not in failed.stderr
    assert mail.handler.received == []
    assert installation.digest("run", env=SECRET).returncode == 0
    assert sorted(mail.handler.recipients()) == readers(2)


@pytest.mark.parametrize(("config", "env", "named"), [
    ("", {"DIGEST_SECRET": ""}, "DIGEST_SECRET"),
    ('security = "starttls"\nuser = "digest"\npassword_env = "TEST_SMTP_PASSWORD"\n',
     {**SECRET, "TEST_SMTP_PASSWORD": ""},
     "TEST_SMTP_PASSWORD"),
    ("", SECRET, "[digest] sender"),  # the config's sender made a bare name below
], ids=["no-secret", "no-password", "bad-sender"])
def test_a_configuration_problem_of_smtp_mode_is_one_line_and_exit_code_2(
        installation: Installation, mail: MailServer, config: str, env: dict[str, str], named: str) -> None:
    smtp_config(installation, mail.port, config)
    import_subscribers(installation, [f"{a},," for a in readers(2)])
    if named == "[digest] sender":
        text = installation.config.read_text(encoding="utf-8")
        installation.config.write_text(text.replace("测试周报 <digest@example.org>", "测试周报"), encoding="utf-8")
    result = installation.digest("run", env=env)
    assert result.returncode == 2, result.stderr
    assert named in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert mail.handler.received == []


@pytest.mark.parametrize("damage", ["DELETE FROM digest_snapshots",
                                    """UPDATE digest_snapshots SET content = '{"title": "测试'"""],
                         ids=["missing", "damaged"])
def test_a_missing_or_damaged_snapshot_is_a_one_line_state_error_naming_the_digest(
        installation: Installation, mail: MailServer, damage: str) -> None:
    smtp_config(installation, mail.port)
    import_subscribers(installation, ["reader1@example.org,,"])
    mail.handler.faults = {"reader1@example.org": "451 4.3.0 try later"}
    assert installation.digest("run", env=SECRET).returncode == 1  # deferred: due again at the next run
    (eml,) = installation.emls()
    with sqlite3.connect(installation.database) as db:
        db.execute(damage)
    db.close()
    mail.handler.faults = {}
    result = installation.digest("run", env=SECRET)
    assert result.returncode == 1
    assert result.stderr.startswith(f"digest: {eml.stem}: its snapshot ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert mail.handler.received == []
    assert ledger(installation)["reader1@example.org"][0] == "pending"  # kept for when the state is restored


# In-process: the retry and bounce rules over several passes, on a small literal digest.


def small_settings(tmp_path: Path, port: int, **smtp: object) -> Settings:
    raw = {
        "digest": {"title": "周报", "sender": "周报 <digest@example.org>"},
        "state": {"database": "digest.sqlite3"},
        "delivery": {"mode": "smtp"},
        "smtp": {"host": LOOPBACK, "port": port, "timeout": 5, **smtp},
        "themes": [{"name": "甲", "keywords": ["甲"]}, {"name": "乙", "keywords": ["乙"]}],
    }
    return build_settings(raw, tmp_path / "config.toml")


def record_small_digest(store: Store, key: str) -> None:
    article = Article(title="标题", display_title="标题", paragraphs=["第一段。", "第二段。"], summary=["第一段。"])
    digest = Digest(title="周报", created=datetime(2026, 11, 23, 7, tzinfo=UTC), issues=["a.txt"],
                    groups=[ThemeGroup(name="甲", articles=[article])])
    with open_ledger(store) as ledger:
        ledger.save_snapshot(key, digest)
    store.record_digest(key=key, issues=[(key, "a.txt")], articles=[(key, "标题", key)], paths={}, article_count=1)


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SECRET", SECRET["DIGEST_SECRET"])


def test_temporary_refusals_are_retried_until_max_attempts_then_given_up(
        tmp_path: Path, mail: MailServer, secret: None) -> None:
    settings = small_settings(tmp_path, mail.port, max_attempts=2)
    mail.handler.faults = {"busy@example.org": "451 4.3.0 try later"}
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        for address in ("busy@example.org", "fine@example.org"):
            ledger.save_subscriber(address, "", [], reactivate=True)
        record_small_digest(store, "d1")
        first = send_pending(settings, ledger)
        assert (first.sent, first.deferred) == (1, 1)
        second = send_pending(settings, ledger)  # the first retry is due at once
        assert (second.sent, second.failed) == (0, 1)
        assert send_pending(settings, ledger).attempted is False
        statuses = {d.recipient: (d.status, d.attempts) for d in ledger.deliveries()}
    assert statuses == {"busy@example.org": ("failed", 2), "fine@example.org": ("sent", 1)}
    assert mail.handler.recipients() == ["fine@example.org"]


def test_later_retries_wait_longer_and_longer() -> None:
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    waits = [retry_time(n, 6, now) for n in range(1, 7)]
    assert waits[0] == now.isoformat(timespec="seconds")
    assert waits[1] is not None and waits[2] is not None and waits[0] < waits[1] < waits[2]
    assert waits[-1] is None


def test_a_subscriber_is_marked_bouncing_after_bounce_after_refusals_and_gets_no_more(
        tmp_path: Path, mail: MailServer, secret: None) -> None:
    settings = small_settings(tmp_path, mail.port, bounce_after=2)
    mail.handler.faults = {"gone@example.org": "550 5.1.1 no such user"}
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        ledger.save_subscriber("gone@example.org", "", [], reactivate=True)
        for key in ("d1", "d2", "d3"):
            record_small_digest(store, key)
            send_pending(settings, ledger)
        subscriber = ledger.subscriber("GONE@example.org")
        assert subscriber is not None and subscriber.status == "bouncing"
        assert [d.status for d in ledger.deliveries()] == ["bounced", "bounced"]  # none planned for d3
    assert mail.handler.rcpt_seen == 2


def test_an_unreachable_server_leaves_every_message_pending(tmp_path: Path, secret: None) -> None:
    from mailserver import free_port

    settings = small_settings(tmp_path, free_port())  # nobody listens there
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        ledger.save_subscriber("reader@example.org", "", ["乙"], reactivate=True)
        ledger.save_subscriber("other@example.org", "", [], reactivate=True)
        record_small_digest(store, "d1")
        report = send_pending(settings, ledger)
        assert (report.sent, report.waiting) == (0, 1)
        assert "cannot connect" in report.problems[0]
        assert [(d.recipient, d.status, d.attempts) for d in ledger.deliveries()] == [
            ("other@example.org", "pending", 0)]  # the 乙-only reader had nothing to receive


def test_login_uses_the_password_from_the_environment_variable_the_config_names(
        tmp_path: Path, secret: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"digest", b"s3cret")
        return AuthResult(success=ok, handled=False)

    with pytest.warns(UserWarning, match="AUTH while not requiring TLS"), \
            MailServer(authenticator=authenticate, auth_required=True, auth_require_tls=False) as mail:
        settings = small_settings(tmp_path, mail.port, user="digest", password_env="TEST_SMTP_PASSWORD",
                                  allow_plaintext_login=True)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            ledger.save_subscriber("reader@example.org", "", [], reactivate=True)
            record_small_digest(store, "d1")
            monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
            with pytest.raises(ConfigError, match="TEST_SMTP_PASSWORD"):
                send_pending(settings, ledger)
            monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
            with pytest.raises(DeliveryError, match="login refused"):
                send_pending(settings, ledger)
            monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
            assert send_pending(settings, ledger).sent == 1
        assert mail.handler.recipients() == ["reader@example.org"]


def test_the_rate_limit_spaces_the_messages(tmp_path: Path, mail: MailServer, secret: None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("digest.mail.transport.time.sleep", waits.append)  # record the pauses instead of taking them
    settings = small_settings(tmp_path, mail.port, rate_per_second=4)
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        for address in readers(3):
            ledger.save_subscriber(address, "", [], reactivate=True)
        record_small_digest(store, "d1")
        assert send_pending(settings, ledger).sent == 3
    assert len(waits) == 2 and all(0 < wait <= 0.25 for wait in waits)


@pytest.fixture(scope="module")
def loopback_certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate for 127.0.0.1 (key beside it), made with the openssl command."""
    return make_loopback_certificate(tmp_path_factory.mktemp("tls"))


def make_loopback_certificate(folder: Path) -> Path:
    """`folder/cert.pem` for 127.0.0.1 and its `key.pem`; skips the test without the openssl command."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    return folder / "cert.pem"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_starttls_and_implicit_tls_verify_the_server_certificate(
        tmp_path: Path, secret: None, monkeypatch: pytest.MonkeyPatch, loopback_certificate: Path,
        security: str) -> None:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(loopback_certificate, loopback_certificate.with_name("key.pem"))
    options = {"tls_context": context, "require_starttls": True} if security == "starttls" else {"ssl_context": context}
    with MailServer(**options) as mail:
        settings = small_settings(tmp_path, mail.port, security=security)
        with Store.open(settings.database) as store, open_ledger(store) as ledger:
            ledger.save_subscriber("reader@example.org", "", [], reactivate=True)
            record_small_digest(store, "d1")
            refused = send_pending(settings, ledger)  # the certificate is not trusted yet
            assert refused.sent == 0 and "CERTIFICATE_VERIFY_FAILED" in refused.problems[0]
            monkeypatch.setenv("SSL_CERT_FILE", str(loopback_certificate))
            assert send_pending(settings, ledger).sent == 1
        assert mail.handler.recipients() == ["reader@example.org"]
