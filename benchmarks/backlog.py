"""Cost of `digest run` on a backlog against the jieba floor, side by side in one run.

Usage: python benchmarks/backlog.py [--pages N] [--articles A,B] [--seed S] [--runs R] [--processes 1,2]
                                   [--against OTHER_PYTHON]

Builds a backlog in a throwaway folder: the People's Daily dev pages of
../shared/eval/pages and N text pages of each `parse_stress.py` layout (web
export, PDF columns, one paragraph a line), each holding A to B real articles
drawn with the seed (so some articles come back in later issues, as in a real
backlog). Then, alternating R times, it measures in fresh processes

- the floor: jieba loaded and `jieba.lcut` run once over every issue's text,
  the cost of any pipeline that tokenizes Chinese with jieba;
- `digest run` on a fresh installation holding the backlog, once with each
  `[digest] processes` value given (`default` leaves the key out),

and prints each one's best wall time and CPU time (all its processes), their
ratios to the floor's, and the peak resident memory of its largest process
(wait4's ru_maxrss). On a shared machine the CPU ratio is the one-core figure
to trust; the wall ratio is what a second core buys.

`--against` names another interpreter with another digest installed (an
earlier commit's virtualenv, say): its `digest run` is measured in the same
rounds, interleaved, so a before/after pair sees the same machine. Each line
also gives the median over rounds of the ratio to that round's floor: the
machine's speed drifts between rounds, and a ratio within one round is steadier
than the best of each taken from different rounds.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO.parent / "shared" / "eval" / "pages"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import parse_stress  # noqa: E402  (a sibling script: the page builders)

FLOOR = """
import sys
from pathlib import Path
import jieba
jieba.setLogLevel(60)
for path in sorted(Path(sys.argv[1]).glob("*.txt")):
    jieba.lcut(path.read_text(encoding="utf-8"))
"""


def build_backlog(inbox: Path, pages: int, articles: tuple[int, int], seed: int) -> tuple[int, int]:
    """Write the backlog's issues into `inbox`; their number and characters."""
    inbox.mkdir(parents=True)
    for page in sorted(PAGES.glob("*.txt")):
        shutil.copy(page, inbox / page.name)
    rng = random.Random(seed)
    sources = parse_stress.load_sources()
    builders = {"web": parse_stress.web_page, "columns": parse_stress.columns_page,
                "lines": parse_stress.lines_page}
    for n in range(pages):
        for layout, build in builders.items():
            text, _ = build(rng.sample(sources, rng.randint(*articles)), rng)
            (inbox / f"{layout}_{n:03d}.txt").write_text(text, encoding="utf-8")
    texts = [p.read_text(encoding="utf-8") for p in inbox.glob("*.txt")]
    return len(texts), sum(len(t) for t in texts)


def measure(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the whole tree) and peak resident MB (its largest process) of one command."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def fresh_installation(root: Path, inbox: Path, processes: str) -> Path:
    """A new installation folder whose inbox holds the backlog and whose state is empty."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    shutil.copytree(inbox, root / "inbox")
    setting = "" if processes == "default" else f"[digest]\nprocesses = {processes}\n"
    (root / "config.toml").write_text(f'{setting}[inbox]\nfolder = "inbox"\nsettle_seconds = 0\n', encoding="utf-8")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30, help="stress pages of each layout (default 30)")
    parser.add_argument("--articles", default="7,11", help="articles per stress page, fewest and most")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--runs", type=int, default=2, help="measurements of each, the best kept")
    parser.add_argument("--processes", default="1,2", help="[digest] processes values to run with")
    parser.add_argument("--against", help="another Python whose digest is measured in the same rounds")
    args = parser.parse_args()
    pythons = {"": sys.executable} | ({"other ": args.against} if args.against else {})
    low, high = (int(n) for n in args.articles.split(","))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        issues, chars = build_backlog(work / "backlog", args.pages, (low, high), args.seed)
        print(f"backlog: {issues} issues, {chars / 1e6:.2f} M characters")
        floor_command = [sys.executable, "-c", FLOOR, str(work / "backlog")]
        results: dict[str, list[tuple[float, float, float]]] = {"floor": []}
        for _ in range(args.runs):
            results["floor"].append(measure(floor_command, work))
            for processes in args.processes.split(","):
                for which, python in pythons.items():
                    root = fresh_installation(work / "install", work / "backlog", processes)
                    runs = results.setdefault(f"{which}processes={processes}", [])
                    runs.append(measure([python, "-m", "digest", "run"], root))
    print_results(results)
    return 0


def print_results(results: dict[str, list[tuple[float, float, float]]]) -> None:
    """Best wall and CPU of each command and its ratio to the best floor, then the median per-round ratio."""
    floor = results["floor"]
    wall_floor, cpu_floor = (min(run[k] for run in floor) for k in (0, 1))
    for name, runs in results.items():
        wall, cpu = (min(run[k] for run in runs) for k in (0, 1))
        wall_median, cpu_median = (statistics.median(run[k] / base[k] for run, base in zip(runs, floor, strict=True))
                                   for k in (0, 1))
        label = "jieba.lcut floor" if name == "floor" else f"digest run, {name}"
        print(f"{label:36} wall {wall:6.2f} s ×{wall / wall_floor:4.2f} (rounds ×{wall_median:4.2f})"
              f" | cpu {cpu:6.2f} s ×{cpu / cpu_floor:4.2f} (rounds ×{cpu_median:4.2f})"
              f" | peak {max(run[2] for run in runs):4.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
