"""The review workflow through the real command: a run makes a draft, the editor edits, tests and sends it."""

from __future__ import annotations

import shutil
import sqlite3
from email import policy
from email.parser import BytesParser
from pathlib import Path

from conftest import SAMPLES, Installation
from mailserver import MailServer
from test_smtp import SECRET, import_subscribers, ledger, smtp_config

REVIEW = "[delivery]\nreview = true\n"


def draft_rows(inst: Installation) -> list[list[str]]:
    """`digest drafts` without its header line, split into cells."""
    result = inst.digest("drafts")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "DRAFT\tCREATED\tISSUES\tARTICLES\tSTATUS"
    return [line.split("\t") for line in lines[1:]]


def shown(inst: Installation, draft: str) -> list[str]:
    """`digest drafts show DRAFT`: theme lines (`# NAME`) and article lines (`[N] TITLE`)."""
    result = inst.digest("drafts", "show", draft)
    assert result.returncode == 0, result.stderr
    return [line.strip() for line in result.stdout.splitlines()[1:]]


def lf(text: str) -> str:
    """A mail part's text with the line ends a file has."""
    return text.replace("\r\n", "\n")


def numbers(lines: list[str]) -> list[str]:
    return [line.split("]")[0].lstrip("[") for line in lines if line.startswith("[")]


def test_a_review_run_makes_a_draft_and_delivers_nothing(installation: Installation) -> None:
    first, second = sorted(installation.inbox.glob("*.txt"))
    second.unlink()
    installation.write_config(REVIEW)
    result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("draft 1: 1 issue(s)") and "nothing sent" in result.stdout
    preview = Path(result.stdout.split("Look: ")[1].split(" ")[0])
    assert preview.exists() and "<html" in preview.read_text(encoding="utf-8")
    assert installation.emls() == []
    ((number, _created, issues, articles, status),) = draft_rows(installation)
    assert (number, issues, status) == ("1", "1", "open") and int(articles) > 0

    again = installation.digest("run")  # the draft holds its issue: nothing is new
    assert again.stdout.startswith("nothing new"), again.stdout
    shutil.copy(SAMPLES / second.name, second)
    later = installation.digest("run")
    assert later.stdout.startswith("draft 2: 1 issue(s)"), later.stdout
    rows = draft_rows(installation)
    assert [(r[0], r[2], r[4]) for r in rows] == [("1", "1", "open"), ("2", "1", "open")]
    quiet = installation.digest("run", "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_edits_are_kept_across_commands_and_the_sent_digest_is_the_preview_byte_for_byte(
        installation: Installation) -> None:
    installation.write_config(REVIEW)
    assert installation.digest("run").returncode == 0
    before = shown(installation, "1")
    themes = [line[2:] for line in before if line.startswith("# ")]
    assert len(themes) >= 2 and len(numbers(before)) >= 4
    first_theme_articles = numbers(before[:before.index(f"# {themes[1]}")])
    dropped, renamed, moved = first_theme_articles[0], first_theme_articles[1], numbers(before)[-1]
    for edit in (["drop", dropped], ["title", renamed, "编辑改过的标题"], ["move", moved, "编辑新设的主题"],
                 ["theme-order", "编辑新设的主题", "1"], ["rename", themes[1], "改名的主题"],
                 ["summary", renamed, "编辑写的摘要。第二句。"]):
        result = installation.digest("edit", "1", *edit)
        assert result.returncode == 0, (edit, result.stderr)
    refused = installation.digest("edit", "1", "drop", "999")
    assert refused.returncode == 2 and "no article 999" in refused.stderr

    after = shown(installation, "1")  # each command a new process: the edits came from the state
    moved_line = next(line for line in before if line.startswith(f"[{moved}] "))
    assert after[:2] == ["# 编辑新设的主题", moved_line]
    assert f"[{renamed}] 编辑改过的标题" in after
    assert dropped not in numbers(after)
    assert "# 改名的主题" in after and f"# {themes[1]}" not in after
    with sqlite3.connect(installation.database) as db:
        assert db.execute("SELECT COUNT(*) FROM draft_edits WHERE draft_id = 1").fetchone()[0] == 6

    preview = installation.digest("preview", "1", "--out", "look.html")
    assert preview.returncode == 0, preview.stderr
    look = installation.root / "look.html"
    html = look.read_text(encoding="utf-8")
    assert "编辑改过的标题" in html and "编辑写的摘要" in html and "改名的主题" in html
    sent = installation.digest("send", "1")
    assert sent.returncode == 0, sent.stderr
    (eml,) = installation.emls()
    assert eml.with_suffix(".html").read_bytes() == look.read_bytes()
    assert eml.with_suffix(".txt").read_bytes() == look.with_suffix(".txt").read_bytes()
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert lf(message.get_body(("html",)).get_content()) == html  # the mail's lines end in CRLF

    twice = installation.digest("send", "1")
    assert twice.returncode == 2 and "sent already" in twice.stderr
    assert len(installation.emls()) == 1
    assert draft_rows(installation)[0][4] == "sent"
    assert installation.digest("run").stdout.startswith("nothing new")  # its issues are done now


def test_a_discarded_draft_gives_its_issues_back(installation: Installation) -> None:
    installation.write_config(REVIEW)
    assert installation.digest("run").returncode == 0
    discarded = installation.digest("drafts", "discard", "1")
    assert discarded.returncode == 0, discarded.stderr
    assert installation.digest("send", "1").returncode == 2
    again = installation.digest("run")
    assert again.stdout.startswith("draft 2: 2 issue(s)"), again.stdout
    assert [(r[0], r[4]) for r in draft_rows(installation)] == [("1", "discarded"), ("2", "open")]


def test_smtp_review_preview_as_a_subscriber_test_send_and_send(installation: Installation) -> None:
    with MailServer() as mail:
        smtp_config(installation, mail.port, extra="")
        installation.config.write_text(installation.config.read_text(encoding="utf-8").replace(
            'mode = "smtp"\n', 'mode = "smtp"\nreview = true\n'), encoding="utf-8")
        import_subscribers(installation, ["one@example.org,甲,产业工人与技能人才", "all@example.org,,"])
        made = installation.digest("run", env=SECRET)
        assert made.returncode == 0, made.stderr
        assert mail.handler.received == []

        as_one = installation.digest("preview", "1", "--as", "one@example.org", "--out", "one.html", env=SECRET)
        assert as_one.returncode == 0, as_one.stderr
        preview_one = (installation.root / "one.html").read_text(encoding="utf-8")

        tested = installation.digest("test-send", "1", "editor@example.org", env=SECRET)
        assert tested.returncode == 0, tested.stderr
        (test_copy,) = mail.handler.received
        assert test_copy.recipients == ["editor@example.org"]
        assert test_copy.message["Subject"].startswith("[测试] ")
        assert ledger(installation) == {}  # no subscriber's ledger row

        sent = installation.digest("send", "1", env=SECRET)
        assert sent.returncode == 0, sent.stderr
        assert "messages: 2 sent" in sent.stdout
        by_recipient = {item.recipients[0]: item.message for item in mail.handler.received[1:]}
        assert sorted(by_recipient) == ["all@example.org", "one@example.org"]
        assert lf(by_recipient["one@example.org"].get_body(("html",)).get_content()) == preview_one
        assert not by_recipient["one@example.org"]["Subject"].startswith("[测试]")

        again = installation.digest("run", env=SECRET)
        assert again.returncode == 0 and len(mail.handler.received) == 3
        assert installation.digest("send", "1", env=SECRET).returncode == 2
        assert len(mail.handler.received) == 3
