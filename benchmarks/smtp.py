"""Benchmark SMTP delivery: messages per second to a local SMTP server (aiosmtpd on 127.0.0.1).

Usage:
    python benchmarks/smtp.py [--subscribers 500] [--themes-mixed] [--rate 0]

The digest is the real one of the sample issues in `examples/inbox/` (parsed,
summarised and grouped once, not timed). N subscribers are put in a throwaway
state database and `digest.mail.sending.send_pending` is timed end to end: planning
the ledger, rendering (once per set of themes), building each message with its
own unsubscribe link, handing it to the server over one connection and
committing its ledger row. `--themes-mixed` gives subscribers one of several
theme choices (more renders); `--rate` sets `[smtp] rate_per_second`.
The server accepts and discards, so the figure is digest's own cost plus
loopback SMTP, an upper bound for a real relay.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from digest.config import Settings, build_settings
from digest.mail.ledger import Ledger, open_ledger
from digest.mail.sending import send_pending
from digest.pipeline import build_digest, parse_issues, read_new_issues
from digest.sources import make_sources
from digest.store import Store

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


class CountingHandler:
    """Accepts every message and counts them."""

    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.accepted += 1
        await asyncio.sleep(0)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def settings_for(folder: Path, port: int, rate: float) -> Settings:
    raw = {
        "digest": {"title": "工运理论周报", "sender": "工运理论周报 <digest@example.org>"},
        "inbox": {"folder": str(REPO / "examples" / "inbox")},
        "state": {"database": str(folder / "bench.sqlite3")},
        "archive": {"base_url": "https://digest.example.org"},
        "delivery": {"mode": "smtp"},
        "smtp": {"host": LOOPBACK, "port": port, "rate_per_second": rate},
    }
    return build_settings({**raw, "themes": shipped_themes()}, folder / "config.toml")


def shipped_themes() -> list[dict[str, Any]]:
    """The themes of the shipped config.toml, so subscribers can choose real ones."""
    import tomllib

    return list(tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8")).get("themes", []))


def prepare(settings: Settings, store: Store, ledger: Ledger, subscribers: int, mixed: bool) -> int:
    """Record the samples' digest and N subscribers; returns the number of articles."""
    issues, _ = read_new_issues(make_sources(settings), set())
    parsed, _ = parse_issues(issues, settings)
    articles = [a for p in parsed for a in p.articles]
    digest = build_digest(articles, [i.name for i in issues], settings, "bench")
    ledger.save_snapshot("bench", digest)
    store.record_digest(key="bench", issues=[("bench", "bench.txt")], articles=[], paths={},
                        article_count=len(articles))
    names = [g.name for g in digest.groups if not g.automatic]
    choices = [[]] + [[n] for n in names] if mixed else [[]]
    for n in range(subscribers):
        ledger.save_subscriber(f"reader{n}@example.org", f"读者{n}", choices[n % len(choices)], reactivate=True)
    return len(articles)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--themes-mixed", action="store_true")
    parser.add_argument("--rate", type=float, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("DIGEST_SECRET", "benchmark secret, not for production")
    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname=LOOPBACK, port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            (folder / "config.toml").write_text("", encoding="utf-8")
            settings = settings_for(folder, port, args.rate)
            with Store.open(settings.database) as store, open_ledger(store) as ledger:
                articles = prepare(settings, store, ledger, args.subscribers, args.themes_mixed)
                start = time.perf_counter()
                report = send_pending(settings, ledger)
                elapsed = time.perf_counter() - start
    finally:
        controller.stop()
    print(f"{report.sent} messages ({articles} articles, {report.skipped} skipped) in {elapsed:.2f} s: "
          f"{report.sent / elapsed:.1f} messages/s; server accepted {handler.accepted}", file=sys.stdout)
    return 0 if report.sent == handler.accepted else 1


if __name__ == "__main__":
    sys.exit(main())
