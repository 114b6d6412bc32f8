"""Do the text stages grow linearly? Times parse + lists + summary of n and of 2n units, side by side.

Usage: python benchmarks/linear_text.py [--n N] [--shapes one-char,long-line,sentences]

Hostile shapes an inbox may hold: `one-char` is n lines of one character each (the reflow joins
them all into one paragraph), `long-line` one line of n sentences without a line break, and
`sentences` n short numbered lines ending a sentence (list matching and the summariser's
comparisons). For each shape the time of n and of 2n is printed with their ratio: about 2 is
linear, about 4 quadratic. Timings are wall clock in this process, after a warm-up run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from digest.config import load_settings
from digest.extract.text import page_from_text
from digest.pipeline import make_summarizer, parse_issue
from digest.summarize import Summarizer

SHAPES: dict[str, tuple[Callable[[int], str], int]] = {  # shape -> (text of n units, default n)
    "one-char": (lambda n: "\n".join("字" for _ in range(n)), 8000),
    "long-line": (lambda n: "这是一个很长的句子，其中有一些内容。" * n, 100_000),
    "sentences": (lambda n: "\n".join(f"第{i % 10}条内容写在这里。" for i in range(n)), 50_000),
}


def time_parse(text: str, summarizer: Summarizer) -> float:
    """Seconds to parse and summarise one issue of `text`."""
    start = time.perf_counter()
    parse_issue(page_from_text(text), summarizer)
    return time.perf_counter() - start


def main() -> None:
    """Print n, 2n, both times and their ratio for each shape."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help="units of the smaller text (default: per shape)")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    summarizer = make_summarizer(load_settings(None))
    time_parse("热身。\n第二行。", summarizer)
    print(f"{'shape':<10} {'n':>8} {'2n':>8} {'t(n) s':>8} {'t(2n) s':>8} {'ratio':>6}")
    for shape in args.shapes.split(","):
        build, default = SHAPES[shape]
        n = args.n or default
        small, large = time_parse(build(n), summarizer), time_parse(build(2 * n), summarizer)
        print(f"{shape:<10} {n:>8} {2 * n:>8} {small:>8.2f} {large:>8.2f} {large / small:>6.2f}")


if __name__ == "__main__":
    main()
