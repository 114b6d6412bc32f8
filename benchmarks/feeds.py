"""Benchmark the feed source: what a feed with nothing new costs next to one read whole.

Usage:
    python benchmarks/feeds.py [--entries 20] [--repeat 5]

A threaded http.server on 127.0.0.1 (tests/feedserver.py) serves an RSS feed of
N generated entries with their article pages. Timed side by side, in one run:
the first fetch (the whole feed, every page fetched and read by the HTML
extractor), and a fetch once that issue is done (a conditional GET answered
304). Both are `FeedSource.fetch` end to end against a throwaway state
database, the per-host delay set to 0. Prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from digest.source_settings import FeedSettings  # noqa: E402
from digest.sources.feed import FeedSource  # noqa: E402
from digest.store import Store  # noqa: E402
from feedserver import FeedServer, FeedSite  # noqa: E402
from newsletters import make_story  # noqa: E402


def timed_pair(server: FeedServer, folder: Path) -> tuple[float, float]:
    """Seconds for a whole fetch, then for the fetch after its issue is marked done."""
    database = folder / "state.sqlite3"
    with Store.open(database) as store:
        source = FeedSource(FeedSettings("bench", f"{server.base}/rss.xml", True, 10.0, 0.0, 10_000_000, 3),
                            database)
        start = time.perf_counter()
        issues = list(source.fetch())
        whole = time.perf_counter() - start
        store.record_digest(key="bench", issues=[(i.id, i.name) for i in issues],  # type: ignore[union-attr]
                            articles=[], paths={}, article_count=0)
        start = time.perf_counter()
        again = list(source.fetch())
        unchanged = time.perf_counter() - start
    assert len(issues) == 1 and not again, (issues, again)
    return whole, unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    site = FeedSite(rss=[make_story(n) for n in range(args.entries)])
    wholes, unchanged = [], []
    with FeedServer(site) as server:
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                whole, same = timed_pair(server, Path(folder))
            wholes.append(whole)
            unchanged.append(same)
    whole_median, same_median = statistics.median(wholes), statistics.median(unchanged)
    print(f"feed of {args.entries} entries with pages, {args.repeat} rounds (median)")
    print(f"  whole feed, pages read : {whole_median * 1000:8.1f} ms")
    print(f"  not modified (304)     : {same_median * 1000:8.1f} ms")
    print(f"  ratio whole / 304      : {whole_median / same_median:8.1f}x")


if __name__ == "__main__":
    main()
