"""PDF extraction speed (pages per second) and peak memory, file by file.

Usage:
  python benchmarks/pdf.py [DIR_OR_FILE ...] [--repeat N]

Defaults to the shared PDF set (../shared/eval/pdf). Each file is read by the
PDF extractor alone (no parsing), N times; the report gives pages, seconds per
file (best of N), pages per second over all files, and the peak Python heap of
one extraction (tracemalloc) as well as the process's peak resident size.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from digest.extract.pdf import PdfExtractor
from digest.extract.pdf.glyphs import read_sheets
from digest.models import RawIssue

SHARED_PDFS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "pdf"


def files(targets: list[Path]) -> list[Path]:
    found: list[Path] = []
    for target in targets:
        found += sorted(target.glob("*.pdf")) if target.is_dir() else [target]
    return found


def measure(path: Path, repeat: int) -> tuple[int, float, int]:
    """Pages, best seconds of `repeat` extractions, peak traced bytes of one."""
    raw = RawIssue(id="bench", origin=str(path), name=path.name, data=path.read_bytes())
    pages = len(read_sheets(raw.data, raw.origin))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        PdfExtractor().extract(raw)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    PdfExtractor().extract(raw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return pages, best, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", type=Path, default=[SHARED_PDFS])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its font warnings are not the figures asked for
    total_pages = 0
    total_seconds = 0.0
    peaks = []
    for path in files(args.targets):
        pages, seconds, peak = measure(path, args.repeat)
        total_pages += pages
        total_seconds += seconds
        peaks.append(peak)
        print(f"{path.name:40} {pages:3d} pages {seconds:6.2f} s {pages / seconds:6.2f} pages/s "
              f"heap peak {peak / 2**20:6.1f} MiB")
    if not peaks:
        print("no PDF files", file=sys.stderr)
        return 1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all: {total_pages} pages in {total_seconds:.2f} s = {total_pages / total_seconds:.2f} pages/s; "
          f"heap peak max {max(peaks) / 2**20:.1f} MiB; process peak RSS {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
