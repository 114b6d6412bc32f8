"""Damaged state, awkward titles and paths, and crashes between files, through the real `digest run`:
one line naming the file and what to do, never a traceback, never a second copy of a digest."""

from __future__ import annotations

import email
import os
import random
import sqlite3
from email import policy

from conftest import Installation


def scramble(path: os.PathLike[str], start: int, end: int | None = None, seed: int = 7) -> None:
    """Overwrite bytes start..end of the file with random ones, as a failing disk would."""
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    end = len(data) if end is None else end
    data[start:end] = random.Random(seed).randbytes(end - start)
    with open(path, "wb") as handle:
        handle.write(data)


def page_size(inst: Installation) -> int:
    with sqlite3.connect(inst.database) as db:
        return int(db.execute("PRAGMA page_size").fetchone()[0])


def test_a_state_database_with_scrambled_pages_stops_the_run_in_one_line(installation: Installation) -> None:
    assert installation.digest("run").returncode == 0
    size = page_size(installation)
    scramble(installation.database, 2 * size, 3 * size)
    result = installation.digest("run")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert str(installation.database) in line and "damaged" in line and "restore it from a backup" in line


def test_damage_to_the_last_page_only_is_found_too(installation: Installation) -> None:
    assert installation.digest("run").returncode == 0
    size = page_size(installation)
    length = installation.database.stat().st_size
    scramble(installation.database, length - size, length)
    result = installation.digest("run")
    assert result.returncode == 1, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "damaged" in line and "Traceback" not in result.stderr


def test_a_title_with_line_breaks_is_one_subject_line(installation: Installation) -> None:
    text = installation.config.read_text(encoding="utf-8")
    installation.config.write_text(text.replace('title = "测试周报"', 'title = "测试\\r\\n周报\\n"'), encoding="utf-8")
    result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    message = email.message_from_bytes(installation.emls()[0].read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("测试 周报 ")
    assert "\r" not in message["Subject"] and "\n" not in message["Subject"]


def test_an_outbox_path_under_a_regular_file_is_one_line_and_nothing_is_marked_done(
        installation: Installation) -> None:
    (installation.root / "blocker").write_text("a file, not a folder\n", encoding="utf-8")
    text = installation.config.read_text(encoding="utf-8")
    installation.config.write_text(text.replace('outbox = "outbox"', 'outbox = "blocker/outbox"'), encoding="utf-8")
    result = installation.digest("run")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "blocker/outbox" in line and "cannot write the digest" in line and "[output] outbox" in line
    with sqlite3.connect(installation.database) as db:
        assert db.execute("SELECT COUNT(*) FROM issues WHERE status = 'done'").fetchone()[0] == 0


def test_a_rerun_after_a_crash_between_the_html_and_the_eml_completes_the_same_set(
        installation: Installation) -> None:
    killed = installation.digest("run", env={"DIGEST_TEST_CRASH_AT": "after-deliver"})
    assert killed.returncode == -9
    (eml,) = installation.emls()
    eml.unlink()  # as if the kill came after the .html and .txt were written, before the .eml
    stem = eml.stem
    earlier = "digest-20200101-0000-" + stem.rsplit("-", 1)[1]  # written long ago: a rerun is in another minute
    for suffix in (".html", ".txt"):
        (installation.outbox / f"{stem}{suffix}").rename(installation.outbox / f"{earlier}{suffix}")

    result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in installation.outbox.iterdir()) == [f"{earlier}.eml", f"{earlier}.html",
                                                                     f"{earlier}.txt"]


def test_an_archive_path_under_a_regular_file_is_one_line(installation: Installation) -> None:
    (installation.root / "blocker").write_text("a file, not a folder\n", encoding="utf-8")
    # An email over 20 KB is shortened, and its full copy goes to the archive.
    installation.write_config('archive = "blocker/archive"\nmax_html_kb = 20\n'
                              '[archive]\nbase_url = "https://example.org/digest"\n')
    result = installation.digest("run")
    assert result.returncode == 1, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "blocker/archive" in line and "[output] archive" in line and "Traceback" not in result.stderr
    assert installation.emls() == []
