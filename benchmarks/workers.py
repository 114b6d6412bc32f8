"""Benchmark shared sending: N subscribers through `digest send --worker` processes on a PostgreSQL ledger.

Usage:
    python benchmarks/workers.py [--subscribers 100000] [--workers 3] [--batch 100]

A throwaway PostgreSQL cluster (as the tests start it: tests/pgserver.py) holds the
state; the digest of the sample issues is built once by `digest run`, and the
subscribers are loaded with COPY (not timed). The SMTP server (aiosmtpd, accepting
and counting) runs in its own process, so it does not share the workers' interpreter.
The same deliveries are then sent twice, side by side: by one worker, and by
`--workers` workers at once; each prints messages per second and every worker's
peak memory (its maximum resident set, from wait4), then the ratio of the two rates.
The figure is digest's own cost plus loopback SMTP and a local server: an upper
bound for a real relay.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from mailserver import LOOPBACK, free_port  # noqa: E402
from pgserver import PostgresServer  # noqa: E402

SECRET = "benchmark secret, not for production"


class Counting:
    """Accepts every message and counts them in a shared counter."""

    def __init__(self, counter: Any) -> None:
        self.counter = counter

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.counter.get_lock():
            self.counter.value += 1
        await asyncio.sleep(0)
        return "250 OK"


def smtp_server(port: int, counter: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(Counting(counter), hostname=LOOPBACK, port=port)
    controller.start()
    while True:
        time.sleep(3600)


def write_installation(root: Path, url: str, smtp_port: int, batch: int) -> None:
    (root / "inbox").mkdir()
    for sample in sorted((REPO / "examples" / "inbox").glob("*.txt")):
        shutil.copy(sample, root / "inbox" / sample.name)
    themes = (REPO / "config.toml").read_text(encoding="utf-8").split("[[themes]]", 1)
    (root / "config.toml").write_text(
        '[digest]\ntitle = "工运理论周报"\nsender = "工运理论周报 <digest@example.org>"\n'
        '[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n'  # the issues were copied just now
        f'[state]\nurl = "{url}"\n[archive]\nbase_url = "https://digest.example.org"\n'
        f'[delivery]\nmode = "smtp"\n[smtp]\nhost = "{LOOPBACK}"\nport = {smtp_port}\n'
        f"[worker]\nbatch = {batch}\nlease_seconds = 300\n"
        + ("[[themes]]" + themes[1] if len(themes) > 1 else ""), encoding="utf-8")


def load_subscribers(url: str, count: int) -> None:
    import psycopg

    stamp = "2026-01-01T00:00:00+00:00"
    with psycopg.connect(url) as db, db.cursor() as cursor, cursor.copy(
            "COPY subscribers (key, address, name, themes, status, created, updated, token_id) FROM STDIN") as copy:
        for n in range(count):
            address = f"reader{n}@example.org"
            copy.write_row((address, address, f"读者{n}", "[]", "active", stamp, stamp, secrets.token_hex(16)))


def digest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIGEST_SECRET": SECRET}
    result = subprocess.run([sys.executable, "-m", "digest", *args], cwd=root, env=env, capture_output=True,
                            text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"digest {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def reset_deliveries(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as db:
        db.execute("UPDATE deliveries SET status = 'pending', attempts = 0, lease_owner = NULL, lease_until = NULL")


def timed_workers(root: Path, workers: int, expected: int, counter: Any) -> tuple[float, list[int]]:
    """Seconds from the first start to the last exit, and each worker's peak memory in KiB."""
    env = {**os.environ, "DIGEST_SECRET": SECRET}
    before = counter.value
    start = time.perf_counter()
    pids = [subprocess.Popen([sys.executable, "-m", "digest", "send", "--worker"], cwd=root, env=env,
                             stdout=subprocess.DEVNULL).pid for _ in range(workers)]
    peaks = []
    for pid in pids:
        _, status, usage = os.wait4(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"a worker exited with {os.waitstatus_to_exitcode(status)}")
        peaks.append(usage.ru_maxrss)
    elapsed = time.perf_counter() - start
    if counter.value - before != expected:
        raise SystemExit(f"the server accepted {counter.value - before} messages, expected {expected}")
    return elapsed, peaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    counter = multiprocessing.Value("q", 0)
    port = free_port()
    server = multiprocessing.Process(target=smtp_server, args=(port, counter), daemon=True)
    server.start()
    postgres = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as temp:
            root = Path(temp)
            url = postgres.new_database()
            write_installation(root, url, port, args.batch)
            digest(root, "subscribers", "list")  # migrates the new database
            load_subscribers(url, args.subscribers)
            digest(root, "run")  # builds the digest once and plans a delivery per subscriber
            rates = []
            for workers in (1, args.workers):
                elapsed, peaks = timed_workers(root, workers, args.subscribers, counter)
                rates.append(args.subscribers / elapsed)
                memory = ", ".join(f"{peak / 1024:.0f}" for peak in peaks)
                print(f"{workers} worker(s): {args.subscribers} messages in {elapsed:.1f} s, "
                      f"{rates[-1]:.1f} messages/s; peak memory per worker (MiB): {memory}", flush=True)
                reset_deliveries(url)
            print(f"{args.workers} workers / 1 worker: {rates[1] / rates[0]:.2f}x messages per second "
                  f"on {os.cpu_count()} CPUs")
    finally:
        postgres.stop()
        server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
