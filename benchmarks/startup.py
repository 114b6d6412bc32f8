"""Start-up cost of `digest run` when nothing is new (what cron pays every time).

Usage: python benchmarks/startup.py [--runs N]

Makes a throwaway installation with the sample inbox, runs it once so that
nothing is new, then times N further runs and prints the median and the
slowest (and the median CPU time, which other work on a shared machine moves
less than the wall time), together with the heavy modules a run imports (none
should be among them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What only reading, summarising, grouping, rendering or scheduling needs: a run with nothing new loads none.
HEAVY = {"jieba", "sumy", "numpy", "jinja2", "premailer", "apscheduler", "trafilatura", "lxml", "pdfminer"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "examples" / "inbox", root / "inbox")
        (root / "config.toml").write_text('[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n', encoding="utf-8")
        command = [sys.executable, "-m", "digest", "run"]
        subprocess.run(command, cwd=root, check=True, capture_output=True)
        times, cpu = [], []
        for _ in range(args.runs):
            start, before = time.perf_counter(), os.times()
            subprocess.run(command, cwd=root, check=True, capture_output=True)
            after = os.times()
            times.append(time.perf_counter() - start)
            cpu.append(after.children_user - before.children_user + after.children_system - before.children_system)
        trace = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], cwd=root,
                               capture_output=True, text=True, check=True)
    heavy = sorted({line.rsplit("|", 1)[-1].strip().split(".")[0] for line in trace.stderr.splitlines()
                    if "|" in line} & HEAVY)
    print(f"digest run, nothing new: median {statistics.median(times) * 1000:.0f} ms, "
          f"slowest {max(times) * 1000:.0f} ms, CPU median {statistics.median(cpu) * 1000:.0f} ms over "
          f"{args.runs} runs; heavy imports: {', '.join(heavy) or 'none'}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):  # an installed digest has its bytecode; these runs compile it
        print("note: PYTHONDONTWRITEBYTECODE is set, so every run above compiled digest's modules from source")


if __name__ == "__main__":
    main()
