"""Web pages, mails and mbox files in the inbox, through the real `digest` command."""

from __future__ import annotations

import email
import json
import sqlite3
from email import policy
from email.message import EmailMessage
from pathlib import Path

from conftest import REPO, Installation

DATA = REPO / "tests" / "data" / "html"
PATTERNS = '[inbox]\nfolder = "inbox"\npatterns = ["*.txt", "*.html", "*.eml", "*.mbox"]\n'


def mail(subject: str, html_part: bytes, cte: str = "quoted-printable") -> bytes:
    message = EmailMessage()
    message["From"] = "基层工作通讯 <letters@example.cn>"
    message["Subject"] = subject
    message.set_content(html_part, maintype="text", subtype="html", cte=cte, params={"charset": "utf-8"})
    return message.as_bytes(policy=policy.SMTP)


def mbox(*mails: bytes) -> bytes:
    return b"".join(b"From letters@example.cn Mon Mar  2 08:00:00 2026\n" + m.replace(b"\r\n", b"\n") + b"\n"
                    for m in mails)


def digest_texts(inst: Installation) -> list[str]:
    """The plain-text part of each digest in the outbox, oldest first."""
    texts = []
    for eml in sorted(inst.emls(), key=lambda p: p.stat().st_mtime):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        texts.append(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    return texts


def test_an_html_page_named_txt_is_parsed_as_html(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    page = inst.inbox / "saved.txt"
    page.write_bytes(DATA.joinpath("article.html").read_bytes())
    result = inst.digest("parse", str(page), "--json")
    assert result.returncode == 0, result.stderr
    articles = json.loads(result.stdout)["articles"]
    heads = [(a["title"], a["section"], a["authors"]) for a in articles]
    assert heads == [("让社区食堂办得更红火", "民生观察", ["郑晓明"])]
    assert not any("<" in a["body"] or "责编" in a["body"] for a in articles)


def test_a_mail_named_txt_is_read_as_a_mail(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    letter = inst.inbox / "letter.txt"
    letter.write_bytes(mail("《基层工作通讯》第8期", DATA.joinpath("newsletter.html").read_bytes(), cte="base64"))
    result = inst.digest("parse", str(letter), "--json")
    assert result.returncode == 0, result.stderr
    titles = [a["title"] for a in json.loads(result.stdout)["articles"]]
    assert titles == ["把服务送到职工身边", "技能培训要对准岗位需要"]


def test_a_file_that_is_no_issue_gets_one_line_naming_it_and_what_it_is(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    image = inst.inbox / "photo.txt"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    result = inst.digest("parse", str(image))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"digest: {image}: a PNG image, not an issue"]


def test_run_takes_web_pages_mails_and_mbox_files_and_each_mail_once(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    inst.config.write_text(inst.config.read_text(encoding="utf-8").replace('[inbox]\nfolder = "inbox"\n', PATTERNS),
                           encoding="utf-8")
    newsletter = DATA.joinpath("newsletter.html").read_bytes()
    (inst.inbox / "article.html").write_bytes(DATA.joinpath("article.html").read_bytes())
    (inst.inbox / "letter.eml").write_bytes(mail("第8期", newsletter))
    second = newsletter.replace("把服务送到职工身边".encode(), "工会驿站里的暖心事".encode())
    (inst.inbox / "letters.mbox").write_bytes(mbox(mail("第9期", second, cte="base64")))

    first = inst.digest("run")
    assert first.returncode == 0, first.stderr
    [text] = digest_texts(inst)
    for title in ("让社区食堂办得更红火", "把服务送到职工身边", "技能培训要对准岗位需要", "工会驿站里的暖心事"):
        assert title in text
    assert "社区养老服务的新探索" not in text and "浏览器中查看" not in text  # related links, mail furniture
    with sqlite3.connect(inst.database) as db:
        done = {row[0] for row in db.execute("SELECT source FROM issues WHERE status = 'done'")}
    assert done == {"article.html", "letter.eml", "letters.mbox#1"}

    assert inst.digest("run").stdout.startswith("nothing new")

    third = second.replace("工会驿站里的暖心事".encode(), "新就业形态劳动者的娘家人".encode())
    third = third.replace("技能培训要对准岗位需要".encode(), "培训课堂开进车间".encode())
    (inst.inbox / "letters.mbox").write_bytes(mbox(mail("第9期", second, cte="base64"), mail("第10期", third)))
    again = inst.digest("run")
    assert again.returncode == 0, again.stderr
    _, text = digest_texts(inst)
    assert "新就业形态劳动者的娘家人" in text and "培训课堂开进车间" in text
    assert "让社区食堂办得更红火" not in text and "工会驿站里的暖心事" not in text
