"""Benchmark SMTP delivery: messages per second to a local SMTP server in its own process, and peak memory.

Usage:
    python benchmarks/smtp.py [--subscribers 2000] [--themes-mixed] [--rate 0]
    python benchmarks/smtp.py --memory 10000 100000 [--batch-seconds 30]

The digest is the real one of the sample issues in `examples/inbox/` (parsed,
summarised and grouped once, not timed). N subscribers are put in a throwaway
state database (in one transaction: loading them is not what is measured), and
`digest.mail.sending.send_pending` is timed end to end, side by side in one run:
- "one message at a time": each message built with `build_message` and
  flattened by the email package, one connection (what sending did before
  message templates and the connection pool);
- "template, N connection(s)": today's path, with `[smtp] connections` = N.
Each variant plans the ledger afresh, renders (once per set of themes), builds
each subscriber's message, hands it to the server and commits its ledger row.
`--themes-mixed` gives subscribers one of several theme choices (more renders);
`--rate` sets `[smtp] rate_per_second`. Every accepted message is committed
to the ledger in its own transaction, so on a disk where fsync is slow that
commit bounds the rate; `--state-dir /dev/shm` shows digest's cost without it.

`--memory` runs today's path for each subscriber count in a fresh process
(started clean, so the parsing and summarising done here do not count) and
reports its peak resident memory; `--batch-seconds` cuts each of those sends off
with `[smtp] batch_timeout`. Planning and sending read the ledger a page at a
time and hold one message per connection, so the peak should not grow with the
count.

The server accepts and discards, so the figure is digest's own cost plus
loopback SMTP, an upper bound for a real relay. `--server sink` (the default)
is a minimal sink that reads each message in one search; `--server aiosmtpd`
is the server the tests use, which parses every line in Python and is then
the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import multiprocessing
import os
import resource
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
SECRET_ENV = {"DIGEST_SECRET": "benchmark secret, not for production"}


class CountingHandler:
    """aiosmtpd handler: accepts every message and counts them."""

    def __init__(self, accepted: Any) -> None:
        self.accepted = accepted

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.accepted.get_lock():
            self.accepted.value += 1
        await asyncio.sleep(0)
        return "250 OK"


def serve_aiosmtpd(port: int, accepted: Any, stop: Any) -> None:
    """The SMTP server's process (aiosmtpd): accept on `port` until `stop` is set."""
    from aiosmtpd.controller import Controller

    controller = Controller(CountingHandler(accepted), hostname=LOOPBACK, port=port)
    controller.start()
    stop.wait()
    controller.stop()


def serve_sink(port: int, accepted: Any, stop: Any) -> None:
    """The SMTP server's process: a sink that answers every command with 2xx/3xx and reads
    DATA up to the final dot in one search (as Postfix's smtp-sink does), so that the
    server's own parsing is not what is measured. aiosmtpd reads the data line by line
    in Python, which on 100 kB messages costs it more than digest spends on them."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await reader.readuntil(b"\r\n.\r\n")
                with accepted.get_lock():
                    accepted.value += 1
                writer.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()

    async def run() -> None:
        server = await asyncio.start_server(session, LOOPBACK, port, limit=2**24)
        async with server:
            while not stop.is_set():
                await asyncio.sleep(0.2)

    asyncio.run(run())


SERVERS = {"sink": serve_sink, "aiosmtpd": serve_aiosmtpd}


@contextmanager
def server_process(kind: str) -> Any:
    """A counting SMTP server in its own process; yields (port, accepted counter)."""
    context = multiprocessing.get_context("spawn")
    accepted, stop = context.Value("i", 0), context.Event()
    port = free_port()
    process = context.Process(target=SERVERS[kind], args=(port, accepted, stop), daemon=True)
    process.start()
    wait_for_port(port)
    try:
        yield port, accepted
    finally:
        stop.set()
        process.join(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((LOOPBACK, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the SMTP server did not start on port {port}")


def raw_settings(folder: Path, port: int, rate: float, connections: int, batch_seconds: float) -> dict[str, Any]:
    import tomllib

    themes = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8")).get("themes", [])
    return {
        "digest": {"title": "工运理论周报", "sender": "工运理论周报 <digest@example.org>"},
        "inbox": {"folder": str(REPO / "examples" / "inbox"), "settle_seconds": 0},  # a fresh checkout's files are new
        "state": {"database": str(folder / "bench.sqlite3")},
        "archive": {"base_url": "https://digest.example.org"},
        "delivery": {"mode": "smtp"},
        "smtp": {"host": LOOPBACK, "port": port, "rate_per_second": rate, "connections": connections,
                 "batch_timeout": batch_seconds},
        "themes": themes,
    }


def prepare(raw: dict[str, Any], folder: Path, subscribers: int, mixed: bool) -> int:
    """Record the samples' digest and N subscribers; returns the number of articles."""
    from digest.config import build_settings
    from digest.mail.addresses import subscriber_key
    from digest.mail.ledger import new_token_id, open_ledger
    from digest.pipeline import build_digest, parse_issues, read_new_issues
    from digest.sources import make_sources
    from digest.store import Store, now_iso, transaction

    settings = build_settings(raw, folder / "config.toml")
    issues, _ = read_new_issues(make_sources(settings), set())
    parsed, _ = parse_issues(issues, settings)
    articles = [a for p in parsed for a in p.articles]
    digest = build_digest(articles, [i.name for i in issues], settings, "bench")
    names = [g.name for g in digest.groups if not g.automatic]
    choices = [[]] + [[n] for n in names] if mixed else [[]]
    stamp = now_iso()
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        ledger.save_snapshot("bench", digest)
        store.record_digest(key="bench", issues=[("bench", "bench.txt")], articles=[], paths={},
                            article_count=len(articles))
        rows = ((subscriber_key(a), a, f"读者{n}", json.dumps(choices[n % len(choices)], ensure_ascii=False),
                 stamp, stamp, new_token_id())
                for n, a in ((n, f"reader{n}@example.org") for n in range(subscribers)))
        with transaction(store.db):
            store.db.executemany("INSERT INTO subscribers (key, address, name, themes, status, created, updated, "
                                 "token_id) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)", rows)
    return len(articles)


def one_message_at_a_time() -> type:
    """A composer that builds every message with `build_message` and flattens it, as sending did before templates."""
    from digest.mail import sending
    from digest.mail.message import build_message, flatten, recipient_address
    from digest.mail.tokens import unsubscribe_links
    from digest.models import RenderedDigest

    class OneAtATime(sending.Composer):
        def message(self, delivery: Any, subscriber: Any, ledger: Any) -> Any:
            rendered = self._render((delivery.digest_id, tuple(sorted(subscriber.themes))), ledger)
            if rendered is None:
                return None
            mailto, web = unsubscribe_links(self.settings, self.secret, subscriber.token_id)
            link = web or mailto
            placeholder = sending.LINK_PLACEHOLDER
            personal = RenderedDigest(subject=rendered.subject, text=rendered.text.replace(placeholder, link),
                                      html=rendered.html.replace(placeholder, html.escape(link)))
            message = build_message(personal, sender=self.settings.sender,
                                    to=recipient_address(subscriber.address, subscriber.name),
                                    date=datetime.now(ZoneInfo(self.settings.timezone)),
                                    message_id=delivery.message_id, extra_headers=self._list_headers(mailto, web))
            return flatten(message, smtputf8=not (self.envelope_from + subscriber.address).isascii())

    return OneAtATime


def timed_send(raw: dict[str, Any], folder: Path, composer: type | None = None) -> tuple[Any, float]:
    """Plan afresh and send everything; (report, seconds)."""
    from digest.config import build_settings
    from digest.mail import sending
    from digest.mail.ledger import open_ledger
    from digest.store import Store

    settings = build_settings(raw, folder / "config.toml")
    original = sending.Composer
    with Store.open(settings.database) as store, open_ledger(store) as ledger:
        store.db.execute("DELETE FROM deliveries")
        store.db.execute("UPDATE digest_snapshots SET planned = 0")
        store.db.commit()
        sending.Composer = composer or original  # type: ignore[misc]
        try:
            start = time.perf_counter()
            report = sending.send_pending(settings, ledger)
            return report, time.perf_counter() - start
        finally:
            sending.Composer = original  # type: ignore[misc]


def measure_rate(args: argparse.Namespace) -> int:
    with server_process(args.server) as (port, accepted), tempfile.TemporaryDirectory(dir=args.state_dir) as temp:
        folder = Path(temp)
        (folder / "config.toml").write_text("", encoding="utf-8")
        base = raw_settings(folder, port, args.rate, 1, 3600)
        articles = prepare(base, folder, args.subscribers, args.themes_mixed)
        variants: list[tuple[str, int, Callable[[], type | None]]] = [
            ("one message at a time, 1 connection", 1, one_message_at_a_time),
            ("template, 1 connection", 1, lambda: None),
            (f"template, {args.connections} connections", args.connections, lambda: None)]
        results = []
        for label, connections, composer in variants:
            before = accepted.value
            raw = {**base, "smtp": {**base["smtp"], "connections": connections}}
            report, seconds = timed_send(raw, folder, composer())
            results.append((label, report.sent / seconds))
            print(f"{label:40} {report.sent} sent ({report.skipped} skipped, {articles} articles) in {seconds:6.2f} s: "
                  f"{report.sent / seconds:7.1f} messages/s; server accepted {accepted.value - before}")
            if report.sent != accepted.value - before:
                return 1
    for label, rate in results[1:]:
        print(f"{label} / one at a time: {rate / results[0][1]:.2f}x")
    return 0


def measure_memory(args: argparse.Namespace) -> int:
    context = multiprocessing.get_context("spawn")
    with server_process(args.server) as (port, _):
        for subscribers in args.memory:
            with tempfile.TemporaryDirectory(dir=args.state_dir) as temp:
                folder = Path(temp)
                (folder / "config.toml").write_text("", encoding="utf-8")
                raw = raw_settings(folder, port, 0, args.connections, args.batch_seconds)
                prepare(raw, folder, subscribers, args.themes_mixed)
                results = context.Queue()
                child = context.Process(target=send_and_report_memory, args=(raw, folder, results))
                child.start()
                sent, seconds, peak_kb = results.get(timeout=args.batch_seconds + 600)
                child.join(60)
            print(f"{subscribers:>7} subscribers: {sent} sent in {seconds:.1f} s, peak RSS {peak_kb / 1024:.0f} MB")
    return 0


def send_and_report_memory(raw: dict[str, Any], folder: Path, results: Any) -> None:
    """In a fresh process: send, then report (sent, seconds, peak RSS in kB)."""
    logging.basicConfig(level=logging.ERROR)
    report, seconds = timed_send(raw, folder)
    results.put((report.sent, seconds, peak_rss_kb()))


def peak_rss_kb() -> int:
    """This process's peak resident memory. Not getrusage: Linux carries ru_maxrss over exec, so a
    process started from a big parent would report the parent's size; VmHWM starts afresh."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--themes-mixed", action="store_true")
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--memory", type=int, nargs="+", metavar="SUBSCRIBERS")
    parser.add_argument("--batch-seconds", type=float, default=3600)
    parser.add_argument("--server", choices=sorted(SERVERS), default="sink")
    parser.add_argument("--state-dir", help="where the throwaway state database goes (default: the temp folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    os.environ.update(SECRET_ENV)
    return measure_memory(args) if args.memory else measure_rate(args)


if __name__ == "__main__":
    sys.exit(main())
