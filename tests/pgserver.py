"""A real PostgreSQL server for the tests: Debian's binaries, a cluster made by initdb in a temporary
folder, listening on 127.0.0.1 on a free port, stopped and removed at the end.

PostgreSQL refuses to run as root; when the tests run as root (as CI does) the cluster belongs to
`nobody` and its commands run through `runuser`. Trust authentication on the loopback only, for a
throwaway cluster. Anything that goes wrong raises `PostgresUnavailable` with the server's log."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from mailserver import LOOPBACK, free_port

BINARIES = "/usr/lib/postgresql/*/bin"
UNPRIVILEGED = "nobody"
USER = "digest"


class PostgresUnavailable(RuntimeError):
    """The test server could not be made or started; the message says why."""


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    found = sorted(glob.glob(BINARIES), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    if not found:
        raise PostgresUnavailable(f"no PostgreSQL under {BINARIES}: apt-get install postgresql (as .ci/run does)")
    return Path(found[-1])


class PostgresServer:
    """A running throwaway cluster; `url(db)` names one of its databases, `new_database()` makes one."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="digest-pg-"))  # not under pytest's 0700 folder: nobody must enter
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.root, UNPRIVILEGED)
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-h {LOOPBACK} -p {self.port} -k {self.root} -F -c max_connections=50"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "30", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@{LOOPBACK}:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", UNPRIVILEGED, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=self.root)
        if check and result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{log}")
