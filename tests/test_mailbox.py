"""IMAP mailboxes as sources, against a real Dovecot on 127.0.0.1, through the real `digest` command."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from conftest import REPO, Installation
from imapserver import LOOPBACK, PASSWORD, USER, CuttingProxy, Dovecot, free_port
from newsletters import Story, make_story

PDF = REPO / "tests" / "data" / "pdf"
PASSWORD_ENV = {"DIGEST_TEST_IMAP_PASSWORD": PASSWORD}


def html_mail(subject: str, stories: list[Story]) -> bytes:
    body = "".join(f"<h2>{s.title}</h2><p>作者：{s.author}</p>{s.html_body()}" for s in stories)
    message = EmailMessage()
    message["From"], message["Subject"] = "基层通讯编辑部 <letters@example.cn>", subject
    message.set_content("见网页版。")
    message.add_alternative(f"<html><body><h1>基层通讯</h1>{body}</body></html>", subtype="html")
    return message.as_bytes(policy=policy.SMTP)


def text_mail(subject: str, story: Story) -> bytes:
    message = EmailMessage()
    message["From"], message["Subject"] = "观察周刊 <weekly@example.cn>", subject
    message.set_content(f"{story.title}\n\n作者：{story.author}\n\n" + "\n\n".join(story.paragraphs) + "\n")
    return message.as_bytes(policy=policy.SMTP)


def pdf_mail(subject: str) -> bytes:
    message = EmailMessage()
    message["From"], message["Subject"] = "理论版 <paper@example.cn>", subject
    message.set_content("本期版面见附件。")
    message.add_attachment(PDF.joinpath("reportlab.pdf").read_bytes(), maintype="application", subtype="pdf",
                           filename="page.pdf")
    return message.as_bytes(policy=policy.SMTP)


def pdf_titles() -> list[str]:
    return [a["title"] for a in json.loads(PDF.joinpath("reference.json").read_text(encoding="utf-8"))["articles"]]


def digest_texts(inst: Installation) -> list[str]:
    texts = []
    for eml in sorted(inst.emls(), key=lambda p: p.stat().st_mtime):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        texts.append(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    return texts


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    server.deliver(html_mail("第12期", [make_story(20), make_story(21)]), "1.mail")
    server.deliver(text_mail("本周观察", make_story(22)), "2.mail")
    server.deliver(pdf_mail("理论版"), "3.mail")
    server.start()
    yield server
    server.remove()


def install(tmp_path: Path, port: int, extra: str = "") -> Installation:
    inst = Installation(tmp_path)
    inst.inbox.mkdir(parents=True)
    inst.write_config(f'[[sources]]\nname = "通讯信箱"\nkind = "imap"\nhost = "{LOOPBACK}"\nport = {port}\n'
                      f'security = "none"\nallow_plaintext_login = true\nuser = "{USER}"\n'
                      f'password_env = "DIGEST_TEST_IMAP_PASSWORD"\ntimeout = 10\n{extra}', themes="")
    return inst


def run(inst: Installation) -> tuple[int, str, str]:
    result = inst.digest("run", env=PASSWORD_ENV)
    return result.returncode, result.stdout, result.stderr


def flags(server: Dovecot) -> dict[int, tuple[bytes, ...]]:
    with IMAPClient(LOOPBACK, port=server.port, ssl=False, timeout=10) as client:
        client.login(USER, PASSWORD)
        client.select_folder("INBOX", readonly=True)
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(client.search(["ALL"]), ["FLAGS"]).items()}


def test_three_mails_make_one_digest_then_nothing_then_only_the_new_one(tmp_path: Path, dovecot: Dovecot) -> None:
    inst = install(tmp_path, dovecot.port)
    code, _, stderr = run(inst)
    assert code == 0, stderr
    [text] = digest_texts(inst)
    for story in (make_story(20), make_story(21), make_story(22)):
        assert story.title in text
    assert pdf_titles()[0] in text  # the PDF attachment, through the PDF extractor
    assert "基层通讯编辑部：第12期" in text and "观察周刊：本周观察" in text  # sender and subject name each issue
    assert all(b"\\Seen" not in f for f in flags(dovecot).values()) and len(flags(dovecot)) == 3  # untouched

    code, stdout, stderr = run(inst)
    assert code == 0 and stdout.startswith("nothing new"), stderr
    assert len(inst.emls()) == 1

    added = make_story(23)
    dovecot.deliver(text_mail("本周观察", added), "4.mail")
    code, _, stderr = run(inst)
    assert code == 0, stderr
    _, text = digest_texts(inst)
    assert added.title in text
    assert not any(s.title in text for s in (make_story(20), make_story(21), make_story(22)))
    assert pdf_titles()[0] not in text


def test_a_connection_cut_mid_fetch_loses_and_repeats_nothing(tmp_path: Path, dovecot: Dovecot) -> None:
    proxy = CuttingProxy(dovecot.port)
    proxy.cut_at = 2  # the first mail arrives whole, the connection dies as the second comes
    inst = install(tmp_path, proxy.port)
    code, _, stderr = run(inst)
    assert proxy.cuts == 1
    assert code == 1
    [line] = stderr.strip().splitlines()
    assert line.startswith("digest: 通讯信箱: imap://")
    [first] = digest_texts(inst)
    assert make_story(20).title in first and make_story(22).title not in first

    proxy.cut_at = None
    code, _, stderr = run(inst)
    assert code == 0, stderr
    _, second = digest_texts(inst)
    assert make_story(22).title in second and pdf_titles()[0] in second
    assert make_story(20).title not in second and make_story(21).title not in second
    code, stdout, _ = run(inst)
    assert code == 0 and stdout.startswith("nothing new")
    proxy.close()


def test_a_new_uidvalidity_rereads_the_folder_and_sends_nothing_twice(tmp_path: Path, dovecot: Dovecot) -> None:
    inst = install(tmp_path, dovecot.port)
    assert run(inst)[0] == 0
    dovecot.stop()
    dovecot.renumber()
    dovecot.start()
    code, stdout, stderr = run(inst)
    assert code == 0, stderr
    assert len(inst.emls()) == 1, "mails taken before were sent again"
    added = make_story(24)
    dovecot.deliver(text_mail("本周观察", added), "5.mail")
    code, _, stderr = run(inst)
    assert code == 0, stderr
    _, text = digest_texts(inst)
    assert added.title in text and make_story(22).title not in text


def test_mark_read_flags_mails_once_their_digest_is_written(tmp_path: Path, dovecot: Dovecot) -> None:
    inst = install(tmp_path, dovecot.port, "mark_read = true\n")
    assert run(inst)[0] == 0
    assert run(inst)[1].startswith("nothing new")
    assert all(b"\\Seen" in f for f in flags(dovecot).values()) and len(flags(dovecot)) == 3  # read, kept


def test_a_mailbox_that_is_down_or_refuses_the_login_costs_one_line(tmp_path: Path, dovecot: Dovecot) -> None:
    inst = install(tmp_path, free_port())
    code, _, stderr = run(inst)
    assert code == 1
    [line] = stderr.strip().splitlines()
    assert line.startswith("digest: 通讯信箱: ") and "connection refused" in line

    inst = install(tmp_path / "wrong", dovecot.port)
    result = inst.digest("run", env={"DIGEST_TEST_IMAP_PASSWORD": "not-the-password"})
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("digest: 通讯信箱: ") and "AUTHENTICATIONFAILED" in line

    inst = install(tmp_path / "unset", dovecot.port)
    result = inst.digest("run", env={"DIGEST_TEST_IMAP_PASSWORD": ""})
    [line] = result.stderr.strip().splitlines()
    assert "DIGEST_TEST_IMAP_PASSWORD is empty" in line and result.returncode == 1


def test_tls_is_the_default_and_an_unverified_certificate_is_refused(tmp_path: Path) -> None:
    server = Dovecot(tls=True).start()
    try:
        inst = Installation(tmp_path)
        inst.inbox.mkdir()
        inst.write_config(f'[[sources]]\nname = "通讯信箱"\nkind = "imap"\nhost = "{LOOPBACK}"\nport = {server.port}\n'
                          f'user = "{USER}"\npassword_env = "DIGEST_TEST_IMAP_PASSWORD"\n', themes="")
        code, _, stderr = run(inst)
        log = (server.root / "dovecot.log").read_text(errors="replace")
    finally:
        server.remove()
    assert code == 1
    [line] = stderr.strip().splitlines()
    assert line.startswith("digest: 通讯信箱: ") and "CERTIFICATE_VERIFY_FAILED" in line
    assert "Login: user=<" not in log  # the password never went out
