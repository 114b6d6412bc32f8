"""A bounded random-SIGKILL run: `digest run` killed at random moments while sending to a real SMTP
server on 127.0.0.1, then one clean run (benchmarks/kill_runs.py). Nothing may be lost, and nothing
sent twice beyond the one message per kill that was accepted but not yet committed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_kill_runs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kill_runs", ROOT / "benchmarks" / "kill_runs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_random_kills_while_sending_lose_nothing_and_duplicate_at_most_one_message_each() -> None:
    report = load_kill_runs().kill_runs(kills=3, subscribers=20, seed=14)
    assert report.digests >= 1
    assert report.lost == 0, report.received
    assert report.duplicates <= report.kills, report.received
    assert {recipient for _, recipient in report.received} == {f"reader{n}@example.org" for n in range(20)}
