"""SIGKILL `digest run` at random moments while it sends, then run it cleanly: is any message lost or sent twice?

Usage: python benchmarks/kill_runs.py [--kills 50] [--subscribers 60] [--seed 1]

A throwaway installation holds the two sample issues and SUBSCRIBERS subscribers in SMTP mode,
sending to a real SMTP server on 127.0.0.1 (tests/mailserver.py) at 50 messages a second. Each
round adds one new issue (a sample under a numbered headline of its own, so a new digest),
starts `digest run` and kills it (SIGKILL) at a random moment: within its first seconds (before
or while it parses), or right after the server accepted a random one of the messages (up to
50 ms later, inside the window between acceptance and the ledger's commit); after the last
kill one run goes to the end. Printed: digests, kills,
messages expected (digests × subscribers), received, lost (expected and never received) and
duplicates (received more than once). A kill between the server's acceptance and the ledger's
commit cannot be told from one before the acceptance, so up to one duplicate per kill is
unavoidable; a loss never is.

`tests/test_kill_runs.py` runs a few rounds of this in CI.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from mailserver import LOOPBACK, MailServer  # noqa: E402

SECRET = {"DIGEST_SECRET": "a benchmark secret long enough"}
# The headline each round's issue opens with, "第3轮特别报道": it names the round.
ROUND_TITLE = re.compile(r"第(\d+)轮特别报道")


@dataclass(frozen=True)
class KillReport:
    """What the rounds sent: per (digest subject, recipient) how often it arrived."""

    digests: int
    kills: int
    subscribers: int
    received: Counter[tuple[str, str]]

    @property
    def lost(self) -> int:
        return self.digests * self.subscribers - len(self.received)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.received.values())


def digest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m digest ARGS` in the installation, to the end."""
    return subprocess.run([sys.executable, "-m", "digest", *args], cwd=root, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **SECRET})


def install(root: Path, port: int, subscribers: int) -> None:
    """An SMTP-mode installation with the given number of subscribers and an empty inbox."""
    (root / "inbox").mkdir()
    (root / "config.toml").write_text(
        '[digest]\ntitle = "测试周报"\nsender = "测试周报 <digest@example.org>"\n'
        '[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n[state]\ndatabase = "var/digest.sqlite3"\n'
        '[output]\noutbox = "outbox"\n[archive]\nbase_url = "http://127.0.0.1:8025"\n[delivery]\nmode = "smtp"\n'
        f'[smtp]\nhost = "{LOOPBACK}"\nport = {port}\ntimeout = 5\nrate_per_second = 50\n', encoding="utf-8")
    rows = "".join(f"reader{n}@example.org,,\n" for n in range(subscribers))
    (root / "subscribers.csv").write_text("address,name,themes\n" + rows, encoding="utf-8")
    result = digest(root, "subscribers", "import", "subscribers.csv")
    assert result.returncode == 0, result.stderr


def add_issue(root: Path, number: int) -> None:
    """A new issue: a sample with a paragraph of its own, so it makes a digest of its own."""
    sample = sorted((ROOT / "examples" / "inbox").glob("*.txt"))[number % 2]
    text = sample.read_text(encoding="utf-8")
    (root / "inbox" / f"{number:03}.txt").write_text(f"第{number}轮特别报道\n\n本轮编号{number}的内容说明。\n\n{text}",
                                                     encoding="utf-8")


def kill_one_run(root: Path, rng: random.Random, server: MailServer, subscribers: int) -> None:
    """Start `digest run` and SIGKILL it at a random moment: before sending, or just after a random message."""
    process = subprocess.Popen([sys.executable, "-m", "digest", "run"], cwd=root, env={**os.environ, **SECRET},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = len(server.handler.received) + rng.randint(0, subscribers)
    deadline = time.monotonic() + (rng.uniform(0.2, 3.0) if target == len(server.handler.received) else 120)
    while process.poll() is None and time.monotonic() < deadline and len(server.handler.received) < target:
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.05))  # anywhere between the server's acceptance and the ledger's commit
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def kill_runs(kills: int, subscribers: int, seed: int) -> KillReport:
    """`kills` rounds of new issue + killed run, then a clean run; what the server received."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder, MailServer() as server:
        root = Path(folder)
        install(root, server.port, subscribers)
        for number in range(kills):
            add_issue(root, number)
            kill_one_run(root, rng, server, subscribers)
        final = digest(root, "run")
        assert final.returncode == 0, final.stderr
        received = Counter((rounds_in(r.message), rcpt) for r in server.handler.received for rcpt in r.recipients)
        digests = _digests(root / "var" / "digest.sqlite3")
        shutil.rmtree(root / "inbox")
    return KillReport(digests=digests, kills=kills, subscribers=subscribers, received=received)


def rounds_in(message: EmailMessage) -> str:
    """Which rounds' issues a received digest holds (its identity here: the subject is only a date)."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body else ""
    return ",".join(sorted(set(ROUND_TITLE.findall(text))))


def _digests(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM digests").fetchone()[0])


def main() -> None:
    """Print the loss and duplicate counts of a kill run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.monotonic()
    report = kill_runs(args.kills, args.subscribers, args.seed)
    print(f"digests {report.digests}  kills {report.kills}  expected {report.digests * report.subscribers}  "
          f"received {sum(report.received.values())}  lost {report.lost}  duplicates {report.duplicates}  "
          f"({time.monotonic() - start:.0f} s)")


if __name__ == "__main__":
    main()
