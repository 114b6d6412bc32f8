"""Parse throughput: characters of issue text per second, one process and all cores.

Usage: python benchmarks/parse.py [--repeat N] [--processes P] [FILES...]

Without FILES it reads the sample inbox (examples/inbox) and, when present, the
eval pages next to the repository (../shared/eval/pages). Each file is decoded
once; the timing covers `parse_issue` (reflow + segmentation) only, after the
worker processes have started.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

from digest.models import Page
from digest.parse.segment import segment_page as parse_issue
from digest.pipeline import read_page

ROOT = Path(__file__).resolve().parents[1]


def default_files() -> list[Path]:
    files = sorted((ROOT / "examples" / "inbox").glob("*.txt"))
    return files + sorted((ROOT.parent / "shared" / "eval" / "pages").glob("*.txt"))


def parse_all(issues: list[Page]) -> int:
    """Parse every issue; return the characters read."""
    for issue in issues:
        parse_issue(issue)
    return sum(len(issue.text) for issue in issues)


def throughput(issues: list[Page], repeat: int, processes: int) -> float:
    """Characters per second over `repeat` passes, spread over `processes` workers."""
    batches = [[issue] for issue in issues] * repeat
    if processes == 1:
        start = time.perf_counter()
        chars = sum(parse_all(batch) for batch in batches)
        return chars / (time.perf_counter() - start)
    with Pool(processes) as pool:
        pool.map(parse_all, [issues] * processes)  # warm-up: workers started and imports done
        start = time.perf_counter()
        chars = sum(pool.map(parse_all, batches, chunksize=len(issues)))
        return chars / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the files (default 20)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="workers for the parallel run")
    args = parser.parse_args(argv)
    issues = [read_page(path) for path in (args.files or default_files())]
    chars = sum(len(issue.text) for issue in issues)
    parse_all(issues)  # warm-up: compiled patterns, imports
    single = throughput(issues, args.repeat, 1)
    parallel = throughput(issues, args.repeat, args.processes)
    print(f"{len(issues)} files, {chars} characters, {args.repeat} passes")
    print(f"1 process:    {single:12,.0f} chars/s")
    print(f"{args.processes} processes: {parallel:12,.0f} chars/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
