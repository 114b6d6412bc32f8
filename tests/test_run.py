"""`digest run` and `digest preview` through the real command: what operators and editors see."""

from __future__ import annotations

import email
import hashlib
import re
import sqlite3
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from html import escape
from pathlib import Path

from conftest import Installation


def issue_rows(inst: Installation) -> list[tuple[str, str]]:
    with sqlite3.connect(inst.database) as db:
        return db.execute("SELECT source, status FROM issues ORDER BY source").fetchall()


def digest_rows(inst: Installation) -> int:
    with sqlite3.connect(inst.database) as db:
        return db.execute("SELECT COUNT(*) FROM digests").fetchone()[0]


def parsed_titles(inst: Installation) -> list[str]:
    """The display titles `digest parse` finds in the inbox (what the digest must hold)."""
    import json

    titles = []
    for path in sorted(inst.inbox.glob("*.txt")):
        result = inst.digest("parse", str(path), "--json")
        assert result.returncode == 0, result.stderr
        titles += [a["display_title"] for a in json.loads(result.stdout)["articles"]]
    return titles


def test_first_run_writes_one_digest_with_every_article_then_nothing_is_new(installation: Installation) -> None:
    first = installation.digest("run")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 1
    emls = installation.emls()
    assert len(emls) == 1
    assert str(emls[0].name) in lines[0]
    titles = parsed_titles(installation)
    assert re.match(rf"2 issues, {len(titles)} articles -> ", lines[0])

    message = email.message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    for path in installation.inbox.glob("*.txt"):
        assert path.name not in html  # the samples print no masthead: the email names them, not their files
    assert "收录 2 期：来稿 ×2" in html  # one name said once, with its count
    text = message.get_body(("plain",)).get_content()
    for title in titles:
        assert html.count(escape(title)) >= 1, title
        assert title in text, title
    assert [row[1] for row in issue_rows(installation)] == ["done", "done"]

    outbox_before = sorted(p.name for p in installation.outbox.iterdir())
    again = installation.digest("run")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"nothing new in {installation.inbox.resolve()}"
    assert sorted(p.name for p in installation.outbox.iterdir()) == outbox_before
    assert digest_rows(installation) == 1


def test_the_eml_is_a_complete_multipart_message_with_inlined_css(installation: Installation) -> None:
    assert installation.digest("run").returncode == 0
    message = email.message_from_bytes(installation.emls()[0].read_bytes(), policy=policy.default)
    for header in ("Subject", "Date", "From", "To", "Message-ID"):
        assert message[header], header
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    for part in message.iter_parts():
        assert part.get_content_charset() == "utf-8"
    html = message.get_body(("html",)).get_content()
    assert "测试周报" in message["Subject"]
    assert not re.search(r"<style\b(?![^>]*media)[^>]*>(?![\s]*@media)", html), "a <style> block is relied on"
    for tag in re.finditer(r"<[a-z][^>]*\bclass=\"[^\"]*\"[^>]*>", html):
        assert "style=" in tag.group(0), f"class-only styling: {tag.group(0)[:80]}"
    text = message.get_body(("plain",)).get_content()
    assert len(text) > 500


def test_renamed_or_touched_issue_is_not_new(installation: Installation) -> None:
    assert installation.digest("run").returncode == 0
    sample = sorted(installation.inbox.glob("*.txt"))[0]
    sample.rename(installation.inbox / "renamed.txt")
    (installation.inbox / "renamed.txt").touch()
    again = installation.digest("run")
    assert again.returncode == 0
    assert again.stdout.startswith("nothing new")
    assert len(installation.emls()) == 1


def test_a_re_exported_issue_does_not_send_its_articles_again(installation: Installation) -> None:
    assert installation.digest("run").returncode == 0
    sample = sorted(installation.inbox.glob("*.txt"))[1]
    text = sample.read_text(encoding="utf-8")
    # A re-export: other line ends, half-width punctuation, a trailing blank line.
    changed = text.replace("，", ",").replace("：", ":").replace("\n", "\r\n") + "\r\n"
    (installation.inbox / "re-export.txt").write_bytes(changed.encode("utf-8"))
    again = installation.digest("run")
    assert again.returncode == 0, again.stderr
    assert "no new articles" in again.stdout
    assert len(installation.emls()) == 1
    assert ("re-export.txt", "done") in issue_rows(installation)


def test_dry_run_writes_nothing(installation: Installation) -> None:
    result = installation.digest("run", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("dry run: 2 issues")
    assert not installation.database.exists()
    assert installation.emls() == []


def test_preview_leaves_the_state_unchanged(installation: Installation) -> None:
    assert installation.digest("run").returncode == 0
    before = hashlib.sha256(installation.database.read_bytes()).hexdigest()
    out = installation.root / "preview" / "p.html"
    result = installation.digest("preview", *map(str, sorted(installation.inbox.glob("*.txt"))), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert out.exists() and out.with_suffix(".txt").exists()
    assert "<html" in out.read_text(encoding="utf-8")
    assert hashlib.sha256(installation.database.read_bytes()).hexdigest() == before
    assert len(installation.emls()) == 1


def test_preview_of_new_issues_on_fresh_state_creates_no_database(installation: Installation) -> None:
    result = installation.digest("preview")
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).exists()
    assert not installation.database.exists()


def test_two_runs_started_together_make_exactly_one_digest(installation: Installation) -> None:
    runs = [installation.start("run") for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    said = sorted(out for out, _ in outputs)
    assert any(o.strip() == "another run is in progress" or o.startswith("nothing new") for o in said), said
    assert len(installation.emls()) == 1
    assert digest_rows(installation) == 1


def test_a_second_run_while_one_holds_the_lock_touches_nothing(installation: Installation) -> None:
    from digest.lock import run_lock

    lock = installation.database.with_name("digest.sqlite3.lock")
    with run_lock(lock) as acquired:
        assert acquired
        result = installation.digest("run")
    assert result.returncode == 0
    assert result.stdout.strip() == "another run is in progress"
    assert not installation.database.exists()
    assert installation.emls() == []


def test_a_run_killed_after_rendering_marks_nothing_and_the_next_run_sends_once(installation: Installation) -> None:
    killed = installation.digest("run", env={"DIGEST_TEST_CRASH_AT": "after-render"})
    assert killed.returncode == -9
    assert [status for _, status in issue_rows(installation)] == []
    assert installation.emls() == []
    result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    assert len(installation.emls()) == 1
    assert digest_rows(installation) == 1


def test_a_run_killed_after_delivering_is_completed_without_a_second_copy(installation: Installation) -> None:
    killed = installation.digest("run", env={"DIGEST_TEST_CRASH_AT": "after-deliver"})
    assert killed.returncode == -9
    assert [status for _, status in issue_rows(installation)] == []
    assert len(installation.emls()) == 1
    result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    assert len(installation.emls()) == 1
    assert digest_rows(installation) == 1
    assert [status for _, status in issue_rows(installation)] == ["done", "done"]


def test_bad_files_are_reported_by_name_and_the_others_still_go_out(installation: Installation) -> None:
    (installation.inbox / "empty.txt").write_bytes(b"")
    (installation.inbox / "binary.txt").write_bytes(bytes(range(256)) * 8)
    result = installation.digest("run")
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2, result.stderr
    assert any("empty.txt" in line and "empty" in line.split("empty.txt", 1)[1] for line in errors)
    assert any("binary.txt" in line and ("binary" in line.split("binary.txt", 1)[1]) for line in errors)
    assert "Traceback" not in result.stderr
    assert len(installation.emls()) == 1
    statuses = dict(issue_rows(installation))
    assert statuses["empty.txt"] == "failed" and "binary.txt" not in statuses

    # The failed one is tried again (and reported again) next run; the good ones are not resent, and
    # the binary file, which stays what it is until it changes, is not reported again.
    again = installation.digest("run")
    assert again.returncode == 1
    assert "empty.txt" in again.stderr and "binary.txt" not in again.stderr
    assert len(installation.emls()) == 1


def test_a_fixed_file_is_picked_up_by_the_next_run(installation: Installation) -> None:
    for sample in installation.inbox.glob("*.txt"):
        sample.unlink()
    bad = installation.inbox / "late.txt"
    bad.write_bytes(b"")
    assert installation.digest("run").returncode == 1
    time.sleep(0.01)
    bad.write_bytes((Path(__file__).parents[1] / "examples" / "inbox").glob("*.txt").__next__().read_bytes())
    result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    assert len(installation.emls()) == 1
    assert ("late.txt", "done") in issue_rows(installation)


# What a run needs only when it reads, summarises, groups, renders or schedules something.
HEAVY_MODULES = {"jieba", "sumy", "numpy", "jinja2", "premailer", "apscheduler", "trafilatura", "lxml", "pdfminer"}


def test_a_run_with_nothing_new_imports_none_of_the_heavy_modules(installation: Installation) -> None:
    # Cron pays this run's start-up every time: an inbox of every kind of issue, all taken already, and a
    # schedule of the operator's own, must not load the extractors, the summariser, the renderer or APScheduler.
    data = Path(__file__).parent / "data"
    (installation.inbox / "page.html").write_bytes((data / "html" / "article.html").read_bytes())
    (installation.inbox / "paper.pdf").write_bytes((data / "pdf" / "reportlab.pdf").read_bytes())
    letter = EmailMessage()
    letter["From"], letter["Subject"] = "通讯 <letters@example.cn>", "第9期"
    letter.set_content((data / "html" / "newsletter.html").read_bytes(), maintype="text", subtype="html")
    (installation.inbox / "letters.mbox").write_bytes(
        b"From letters@example.cn Mon Mar  2 08:00:00 2026\n" + letter.as_bytes(policy=policy.SMTP))
    installation.write_config(extra='[schedule]\ncron = "*/30 6-22 * * 1-5"\n')
    config = installation.config.read_text(encoding="utf-8")
    installation.config.write_text(config.replace('folder = "inbox"', 'folder = "inbox"\npatterns = ["*"]'),
                                   encoding="utf-8")
    first = installation.digest("run")
    assert first.returncode == 0, first.stderr
    assert {"page.html", "paper.pdf", "letters.mbox#1"} <= {source for source, status in issue_rows(installation)
                                                             if status == "done"}

    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "digest", "run"], cwd=installation.root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("nothing new")
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "digest" in imported
    assert imported & HEAVY_MODULES == set()
