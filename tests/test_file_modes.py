"""Who may read what a run leaves on disk: the state database (subscribers' addresses) is the
owner's alone, the digest files follow the umask so a web server can serve the archive."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import Installation


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """The umask the `digest` processes started in the block inherit."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def state_files(installation: Installation) -> list[Path]:
    database = installation.database
    return [database, database.with_name(database.name + ".lock"),
            database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def test_the_state_database_its_wal_shm_and_lock_are_owner_only_whatever_the_umask(
        installation: Installation) -> None:
    with umask(0o000):
        # Killed after writing the digest: SQLite leaves its -wal and -shm files behind.
        killed = installation.digest("run", env={"DIGEST_TEST_CRASH_AT": "after-deliver"})
    assert killed.returncode == -9
    files = state_files(installation)
    assert all(path.exists() for path in files), [p.name for p in files if not p.exists()]
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_a_state_database_an_older_version_left_readable_is_made_owner_only(installation: Installation) -> None:
    assert installation.digest("run", env={"DIGEST_TEST_CRASH_AT": "after-deliver"}).returncode == -9
    files = state_files(installation)
    for path in files:
        path.chmod(0o644)
    result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    assert {path.name: mode(path) for path in files if path.exists()} == {
        path.name: 0o600 for path in files if path.exists()} != {}
    assert mode(installation.database) == 0o600


def test_outbox_and_archive_files_follow_the_umask(installation: Installation) -> None:
    installation.write_config("max_html_kb = 20\n")  # short enough that the full copy goes to the archive
    with umask(0o022):
        result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    written = sorted(installation.outbox.iterdir()) + sorted((installation.root / "var" / "archive").iterdir())
    assert {p.suffix for p in written} == {".eml", ".html", ".txt"}
    assert any("archive" in p.parts for p in written)
    assert {p.name: mode(p) for p in written} == {p.name: 0o644 for p in written}
    assert not [p for p in installation.outbox.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_strict_umask_keeps_the_digest_files_private(installation: Installation) -> None:
    with umask(0o077):
        result = installation.digest("run")
    assert result.returncode == 0, result.stderr
    assert {mode(p) for p in installation.outbox.iterdir()} == {0o600}


def test_a_preview_file_follows_the_umask_too(installation: Installation) -> None:
    with umask(0o027):
        result = installation.digest("preview", "--out", "preview.html")
    assert result.returncode == 0, result.stderr
    assert mode(installation.root / "preview.html") == 0o640
