"""A big backlog: `digest run` on n and on 2n tiny issues, time and peak memory side by side.

Usage: python benchmarks/many_issues.py [--n 1000] [--per-digest 50]

Each issue is one short invented article (a headline and three sentences of random Han
characters, fixed seed). The run goes through the real command in a throwaway installation; peak
memory is the child process's maximum resident set size. With issues read a batch at a time
(`[digest] max_issues_per_digest`), memory should stay about the same from n to 2n while time
doubles.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HAN = "基层工会服务职工群众技能培训岗位建设发展创新社区食堂劳动模范工匠精神安全生产"


def write_backlog(inbox: Path, count: int, seed: int) -> None:
    """`count` one-article issue files in `inbox`."""
    rng = random.Random(seed)
    inbox.mkdir()
    for number in range(count):
        body = "。".join("".join(rng.choice(HAN) for _ in range(30)) for _ in range(3)) + "。"
        title = "".join(rng.choice(HAN) for _ in range(8))
        (inbox / f"{number:05}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def run_backlog(count: int, per_digest: int) -> tuple[float, float, str]:
    """Seconds, peak MB and the output line of one `digest run` on `count` new issues."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_backlog(root / "inbox", count, seed=count)
        (root / "config.toml").write_text(
            f'[digest]\nmax_issues_per_digest = {per_digest}\n[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n'
            '[state]\ndatabase = "var/digest.sqlite3"\n[output]\noutbox = "outbox"\n', encoding="utf-8")
        start = time.perf_counter()
        # RUSAGE_CHILDREN's peak is over all children so far, so each size runs in a process of its own.
        probe = ("import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'digest', 'run'], "
                 "check=True, capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
        outbox = sorted((root / "outbox").glob("*.eml"))
        return seconds, int(result.stdout.strip()) / 1024, f"{len(outbox)} digests"


def main() -> None:
    """Print time and peak memory of n and 2n issues and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--per-digest", type=int, default=50)
    args = parser.parse_args()
    small = run_backlog(args.n, args.per_digest)
    large = run_backlog(2 * args.n, args.per_digest)
    print(f"{'issues':>7} {'seconds':>8} {'peak MB':>8}  digests")
    for count, (seconds, peak, digests) in ((args.n, small), (2 * args.n, large)):
        print(f"{count:>7} {seconds:>8.1f} {peak:>8.0f}  {digests}")
    print(f"  ratio {large[0] / small[0]:>8.2f} {large[1] / small[1]:>8.2f}")


if __name__ == "__main__":
    main()
