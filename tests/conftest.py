"""Shared fixtures: a throwaway installation (inbox, config, state, outbox) under tmp_path,
and a runner for the real `digest` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pgserver import PostgresServer, PostgresUnavailable

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "examples" / "inbox"
SHARED = REPO.parent / "shared"

THEMES = """
[[themes]]
name = "思想引领与工会建设"
keywords = ["工会", "思想政治", "职工群众", "工会干部"]

[[themes]]
name = "产业工人与技能人才"
keywords = ["产业工人", "技能人才", "工匠精神", "技能"]
"""


@dataclass
class Installation:
    """A digest installation in a temporary folder, driven through the real CLI."""

    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def database(self) -> Path:
        return self.root / "var" / "digest.sqlite3"

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    def write_config(self, extra: str = "", themes: str = THEMES) -> None:
        self.config.write_text(
            '[digest]\ntitle = "测试周报"\nsender = "测试周报 <digest@example.org>"\n'
            'to = "readers@example.org"\n'
            '[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n[state]\ndatabase = "var/digest.sqlite3"\n'
            '[output]\noutbox = "outbox"\npreview = "var/preview"\n' + extra + themes,
            encoding="utf-8",
        )

    def digest(self, *args: str, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run `python -m digest ARGS` in the installation's folder."""
        return subprocess.run([sys.executable, "-m", "digest", *args], cwd=self.root, capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, **(env or {})})

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "digest", *args], cwd=self.root, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})

    def emls(self) -> list[Path]:
        return sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []


@pytest.fixture
def installation(tmp_path: Path) -> Installation:
    """The two sample issues in a fresh inbox, with a config and no state yet."""
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    for sample in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(sample, inst.inbox / sample.name)
    inst.write_config()
    return inst


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared reference folder next to the repository (skips when it is absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the reference sets live there")
    return SHARED


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole session; fails (never skips) when it cannot start."""
    server = PostgresServer()
    try:
        server.start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as e:
        server.stop()
        pytest.fail(f"the PostgreSQL test server did not start: {e}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL server."""
    return postgres.new_database()
