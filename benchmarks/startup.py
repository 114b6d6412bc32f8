"""Start-up cost of `digest run` when nothing is new (what cron pays every time).

Usage: python benchmarks/startup.py [--runs N]

Makes a throwaway installation with the sample inbox, runs it once so that
nothing is new, then times N further runs and prints the median and the
slowest, together with the modules a run imports (jieba and sumy must not be
among them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


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
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(command, cwd=root, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        trace = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], cwd=root,
                               capture_output=True, text=True, check=True)
    heavy = sorted({line.rsplit("|", 1)[-1].strip().split(".")[0] for line in trace.stderr.splitlines()
                    if "|" in line} & {"jieba", "sumy", "numpy", "premailer", "jinja2", "apscheduler"})
    print(f"digest run, nothing new: median {statistics.median(times) * 1000:.0f} ms, "
          f"slowest {max(times) * 1000:.0f} ms over {args.runs} runs; heavy imports: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
