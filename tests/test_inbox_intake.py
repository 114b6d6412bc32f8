"""What the inbox takes, and when, through the real `digest run`: half-written files, files that
come back longer, symlinks and patterns leading out of the folder, unsupported types, the size cap."""

from __future__ import annotations

import email
import io
import json
import os
import sqlite3
import time
import zipfile
from email import policy
from pathlib import Path

from conftest import SAMPLES, Installation

HOUR_AGO = time.time() - 3600


def set_inbox(inst: Installation, lines: str) -> None:
    """Replace the [inbox] keys of the installation's config with `lines`."""
    text = inst.config.read_text(encoding="utf-8")
    inst.config.write_text(text.replace('[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n',
                                        f'[inbox]\nfolder = "inbox"\n{lines}'), encoding="utf-8")


def digest_texts(inst: Installation) -> list[str]:
    """The plain-text part of each digest in the outbox, oldest first."""
    texts = []
    for eml in sorted(inst.emls(), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        texts.append(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    return texts


def issue_rows(inst: Installation) -> dict[str, str]:
    with sqlite3.connect(inst.database) as db:
        return dict(db.execute("SELECT source, status FROM issues").fetchall())


def test_partial_names_and_files_still_changing_wait_for_a_later_run(installation: Installation) -> None:
    set_inbox(installation, 'patterns = ["*"]\nsettle_seconds = 600\n')
    samples = sorted(installation.inbox.iterdir())
    for sample in samples:
        os.utime(sample, (HOUR_AGO, HOUR_AGO))
    text = samples[0].read_bytes()
    partials = ["copy.txt.part", "page.pdf.crdownload", "draft.txt~", ".hidden.txt", "upload.tmp"]
    for name in partials:
        (installation.inbox / name).write_bytes(text[: len(text) // 2])
        os.utime(installation.inbox / name, (HOUR_AGO, HOUR_AGO))
    copying = installation.inbox / "copying.txt"
    copying.write_bytes(samples[1].read_bytes()[:700])  # half copied, written a moment ago

    first = installation.digest("run")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert first.stdout.startswith("2 issues,"), first.stdout
    assert set(issue_rows(installation)) == {s.name for s in samples}

    copying.write_bytes(samples[1].read_bytes() + "\n补记：本文另有一段。\n".encode())  # the copy finished
    second = installation.digest("run")
    assert second.returncode == 0 and second.stdout.startswith("nothing new"), second.stdout  # not settled yet
    os.utime(copying, (HOUR_AGO, HOUR_AGO))
    third = installation.digest("run")
    assert third.returncode == 0, third.stderr
    assert third.stdout.startswith("1 issue,"), third.stdout
    assert set(issue_rows(installation)) == {s.name for s in samples} | {"copying.txt"}


def cut_inside_last_article(sample: Path) -> bytes:
    """The sample's text cut inside its last article, keeping its head and opening (a copy cut short)."""
    from digest.extract.text import page_from_text
    from digest.parse import parse_page

    text = sample.read_text(encoding="utf-8")
    whole = parse_page(page_from_text(text)).articles[-1]
    lines = text.splitlines()
    for end in range(len(lines) - 1, 0, -1):
        last = parse_page(page_from_text("\n".join(lines[:end]))).articles[-1]
        if last.title == whole.title and len(last.body) < len(whole.body) / 2:
            assert last.paragraphs[0][:40] == whole.paragraphs[0][:40]
            return "\n".join(lines[:end]).encode("utf-8")
    raise AssertionError(f"{sample}: no cut keeps the last article's head")


def test_an_article_that_comes_back_longer_is_sent_again_marked_updated(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    sample = sorted(SAMPLES.glob("*.txt"))[0]
    issue = inst.inbox / "issue.txt"
    issue.write_bytes(cut_inside_last_article(sample))
    assert inst.digest("run").returncode == 0
    issue.write_bytes(sample.read_bytes())  # the whole issue, the last article complete

    again = inst.digest("run")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("1 issue, 1 article ("), again.stdout  # the others were sent before
    first, second = digest_texts(inst)
    last = json.loads(inst.digest("parse", str(issue), "--json").stdout)["articles"][-1]
    assert last["display_title"] in first
    assert f"{last['display_title']}（更新）" in second

    # A third copy, no longer, is a repeat like any other.
    issue.write_bytes(sample.read_bytes() + b"\n")
    assert inst.digest("run").stdout.startswith("1 issue, no new articles")
    assert len(inst.emls()) == 2


def test_symlinks_and_patterns_out_of_the_inbox_are_refused_once_by_name(installation: Installation) -> None:
    secret = installation.root / "private.txt"
    secret.write_bytes(next(SAMPLES.glob("*.txt")).read_bytes())
    (installation.inbox / "link.txt").symlink_to(secret)
    (installation.inbox / "loop.txt").symlink_to(installation.inbox / "loop.txt")
    os.mkfifo(installation.inbox / "pipe.txt")
    set_inbox(installation, 'patterns = ["*.txt", "../*.toml"]\nsettle_seconds = 0\n')

    first = installation.digest("run", timeout=120)
    assert first.returncode == 1
    errors = sorted(first.stderr.strip().splitlines())
    assert len(errors) == 4, first.stderr
    config, link, loop, pipe = errors
    assert "config.toml: a path to" in config and "outside the inbox folder" in config
    assert "link.txt: a symbolic link to" in link and str(secret) in link
    assert "loop.txt: a broken or looping symbolic link" in loop
    assert "pipe.txt: a pipe, socket or device" in pipe
    assert first.stdout.startswith("2 issues,")  # the samples still go out
    assert set(issue_rows(installation)) == {p.name for p in SAMPLES.glob("*.txt")}

    again = installation.digest("run", timeout=120)
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.startswith("nothing new")

    other = installation.root / "other.txt"
    other.write_text("另一个文件\n", encoding="utf-8")
    (installation.inbox / "link.txt").unlink()
    (installation.inbox / "link.txt").symlink_to(other)  # a changed link is a new refusal
    third = installation.digest("run", timeout=120)
    assert third.returncode == 1
    assert third.stderr.strip().splitlines() == [f"digest: {installation.inbox / 'link.txt'}: a symbolic link to "
                                                 f"{other}, outside the inbox folder, not an issue"]


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_unsupported_files_get_one_line_once_and_again_only_when_they_change(installation: Installation) -> None:
    png = installation.inbox / "scan.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (installation.inbox / "report.txt").write_bytes(docx())
    (installation.inbox / "pages.html").write_bytes(b"\x1f\x8b\x08\x00" + bytes(40))

    first = installation.digest("run")
    assert first.returncode == 1
    assert sorted(first.stderr.strip().splitlines()) == [
        f"digest: {installation.inbox / 'pages.html'}: a gzip archive, not an issue",
        f"digest: {installation.inbox / 'report.txt'}: a Word document (DOCX), not an issue",
        f"digest: {installation.inbox / 'scan.pdf'}: a PNG image, not an issue",
    ]
    assert first.stdout.startswith("2 issues,")

    again = installation.digest("run")
    assert (again.returncode, again.stderr) == (0, "")

    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(99))  # another image under the same name
    third = installation.digest("run")
    assert third.returncode == 1
    assert third.stderr.strip().splitlines() == [f"digest: {png}: a PNG image, not an issue"]


def test_the_default_patterns_take_every_supported_kind(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    html = Path(__file__).parent / "data" / "html" / "article.html"
    (inst.inbox / "page.htm").write_bytes(html.read_bytes())
    (inst.inbox / "notes.md").write_text("不是期刊\n", encoding="utf-8")  # no pattern takes it
    result = inst.digest("run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 issue, 1 article"), result.stdout
    assert "让社区食堂办得更红火" in digest_texts(inst)[0]


def test_an_issue_over_the_size_cap_fails_in_one_line_and_the_others_go_on(installation: Installation) -> None:
    set_inbox(installation, "max_issue_mb = 0.5\nsettle_seconds = 0\n")
    big = installation.inbox / "huge.txt"
    big.write_bytes(("第一段。" * 50_000 + "\n").encode())  # 600 KB
    result = installation.digest("run")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"digest: {big}: 0.6 MB, more than [inbox] max_issue_mb (0.5 MB); split it or raise the limit"]
    assert result.stdout.startswith("2 issues,")
    assert issue_rows(installation)["huge.txt"] == "failed"


def test_hostile_text_shapes_finish_and_the_other_issues_still_go_out(installation: Installation) -> None:
    # 8,000 one-character lines (the reflow joined them in quadratic time: 41 s) and a line of
    # 108,000 characters (the summariser compared every two of its 6,000 sentences: 300 MB of matrix).
    (installation.inbox / "chars.txt").write_text("\n".join("字" for _ in range(8000)) + "\n", encoding="utf-8")
    (installation.inbox / "line.txt").write_text("这是一个很长的句子，其中有一些内容。" * 6_000 + "\n",
                                                 encoding="utf-8")
    result = installation.digest("run", timeout=400)  # a bound on a hang, not a measurement
    assert "Traceback" not in result.stderr
    rows = issue_rows(installation)
    assert all(rows[sample.name] == "done" for sample in SAMPLES.glob("*.txt"))
    assert {"chars.txt", "line.txt"} <= set(rows)


def test_an_issue_that_fails_is_not_marked_done_under_the_name_of_one_that_went_out(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    for folder in ("a", "b"):
        (inst.inbox / folder).mkdir(parents=True)
    (inst.inbox / "a" / "page.txt").write_bytes(next(SAMPLES.glob("*.txt")).read_bytes())
    (inst.inbox / "b" / "page.txt").write_text("一\n", encoding="utf-8")  # holds no article: fails when parsed
    inst.write_config()
    set_inbox(inst, 'patterns = ["*/*.txt"]\nsettle_seconds = 0\n')
    result = inst.digest("run")
    assert result.returncode == 1
    assert "b/page.txt: no article found" in result.stderr
    with sqlite3.connect(inst.database) as db:
        assert sorted(db.execute("SELECT status FROM issues").fetchall()) == [("done",), ("failed",)]
    again = inst.digest("run")
    assert again.returncode == 1 and "b/page.txt" in again.stderr  # tried (and reported) again
