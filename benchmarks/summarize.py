"""Benchmark `digest`'s extractive summaries against peers on an evaluation file.

Usage:
    python benchmarks/summarize.py --eval ../shared/eval/summarization.jsonl --out /tmp/bench \
        [--peers] [--algorithms] [--max-chars N] [--rounds N]

Rows of the evaluation file are `{id, set, text, reference, title?}`. Our
summarizer's output goes to `OUT/digest.jsonl` (`{id, summary}` rows). With
`--peers` the same is done for Lead-3, every sumy summarizer (fed the same
sentences, jieba tokenizer and stop words as ours), TextRank4ZH and SnowNLP
(those two come with the `bench` extra: `pip install -e '.[bench]'`). Each
system's output is scored by `../shared/tools/score_summaries.py` and its time
per document is measured in the same run, so the speed ratios are comparable.
`--algorithms` also runs our summarizer with each sumy summarizer as its
centrality clue (how the default was chosen). The start-up cost of
`digest.summarize` (import, then first summary) is printed last.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest.summarize import (
    DEFAULT_MAX_CHARS,
    SUMY_ALGORITHMS,
    ChineseTokenizer,
    Summarizer,
    content_words,
    plain_title,
    sumy_summarizer,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SENTENCES = 3
WARM_UP = 3
Row = dict[str, Any]
System = Callable[[Row], list[str]]


def ours(summarizer: Summarizer) -> System:
    return lambda row: summarizer.summarize_text(row["text"], row.get("title"))


def lead3(tokenizer: ChineseTokenizer) -> System:
    def run(row: Row) -> list[str]:
        sentences = [s for line in row["text"].splitlines() for s in tokenizer.to_sentences(line)]
        return sentences[:SENTENCES]

    return run


def sumy_peer(name: str, tokenizer: ChineseTokenizer) -> System:
    """A sumy summarizer over a document of our sentences and words."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    sumy_summarizer(name)  # import the module before the clock starts

    def run(row: Row) -> list[str]:
        paragraphs = [
            Paragraph([Sentence(s, tokenizer) for s in tokenizer.to_sentences(line)])
            for line in row["text"].splitlines()
            if line.strip()
        ]
        document = ObjectDocumentModel(paragraphs)
        title = plain_title(row.get("title")) or str(document.sentences[0]) if document.sentences else ""
        summarizer = sumy_summarizer(name, content_words(tokenizer.to_words(title)))
        return [str(s) for s in summarizer(document, SENTENCES)]

    return run


def textrank4zh() -> System:
    import networkx
    from textrank4zh import TextRank4Sentence

    # textrank4zh 0.3 was written for networkx 2: from_numpy_matrix is gone in 3, and
    # networkx 3's pagerank wants scipy, which the bench extra does not pull in.
    if not hasattr(networkx, "from_numpy_matrix"):
        networkx.from_numpy_matrix = networkx.from_numpy_array
    if importlib.util.find_spec("scipy") is None:
        from networkx.algorithms.link_analysis import pagerank_alg

        networkx.pagerank = pagerank_alg._pagerank_python

    def run(row: Row) -> list[str]:
        ranker = TextRank4Sentence()
        ranker.analyze(text=row["text"], lower=True, source="all_filters")
        picked = sorted(ranker.get_key_sentences(num=SENTENCES), key=lambda item: item.index)
        return [item.sentence for item in picked]

    return run


def snownlp() -> System:
    from snownlp import SnowNLP

    def run(row: Row) -> list[str]:
        picked = SnowNLP(row["text"]).summary(SENTENCES)
        return sorted(picked, key=lambda s: (row["text"].find(s), s))

    return run


def systems(peers: bool, algorithms: bool, max_chars: int) -> dict[str, System]:
    tokenizer = ChineseTokenizer()
    table: dict[str, System] = {"digest": ours(Summarizer(sentences=SENTENCES, max_chars=max_chars))}
    if algorithms:  # our clues on top of each sumy summarizer's ratings instead of the default's
        for name in SUMY_ALGORITHMS:
            table[f"digest+{name}"] = ours(Summarizer(sentences=SENTENCES, max_chars=max_chars, algorithm=name))
    if peers:
        table["lead3"] = lead3(tokenizer)
        table.update({f"sumy-{name}": sumy_peer(name, tokenizer) for name in SUMY_ALGORITHMS})
        table["textrank4zh"] = textrank4zh()
        table["snownlp"] = snownlp()
    return table


def run_systems(
    table: dict[str, System], rows: list[Row], rounds: int
) -> tuple[dict[str, list[list[str]]], dict[str, float]]:
    """Every system's summaries and its milliseconds per document.

    Each system first summarizes a few rows off the clock (lazy imports, first-call
    set-up). Then, in each round, every system in turn summarizes all the rows; a
    system's time is its fastest round (as `timeit` does), so that a burst of load
    from other processes on a shared machine is not charged to whoever ran then."""
    for system in table.values():
        for row in rows[:WARM_UP]:
            system(row)
    summaries: dict[str, list[list[str]]] = {}
    best = dict.fromkeys(table, float("inf"))
    for _ in range(rounds):
        for name, system in table.items():
            started = time.perf_counter()
            summaries[name] = [system(row) for row in rows]
            best[name] = min(best[name], time.perf_counter() - started)
    return summaries, {name: 1000 * seconds / max(len(rows), 1) for name, seconds in best.items()}


def write_summaries(path: Path, rows: list[Row], summaries: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row, summary in zip(rows, summaries, strict=True):
            handle.write(json.dumps({"id": row["id"], "summary": summary}, ensure_ascii=False) + "\n")


def score(scorer: Path, eval_file: Path, pred: Path, as_json: bool) -> str:
    command = [sys.executable, str(scorer), str(eval_file), str(pred), *(["--json"] if as_json else [])]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def startup_seconds(code: str, runs: int = 3) -> float:
    """Fastest wall time of a fresh interpreter running `code`."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def print_startup() -> None:
    """What `digest.summarize` costs a process: importing it, and the first summary
    (which loads jieba's dictionary and numpy)."""
    bare = startup_seconds("pass")
    imported = startup_seconds("import digest.summarize")
    text = "城市更新要以人民为中心。老街区要留住烟火气。"
    first = startup_seconds(f"from digest.summarize import Summarizer; Summarizer().summarize_text({text!r})")
    print(
        f"\nstart-up: bare interpreter {bare * 1000:.0f} ms, + import digest.summarize "
        f"{(imported - bare) * 1000:.0f} ms, + first summary {(first - imported) * 1000:.0f} ms"
    )


def print_overview(results: dict[str, tuple[dict[str, Any], float]]) -> None:
    """One line per system: ROUGE-L per set, editor_pick hit, ms per document."""
    sets = sorted({name for scores, _ in results.values() for name in scores})
    print("\nsystem          " + "".join(f"RL {s:<12s}" for s in sets) + "hit editor_pick   ms/doc")
    for name, (scores, ms) in results.items():
        cells = "".join(f"{scores.get(s, {}).get('rougeL', 0):<15.4f}" for s in sets)
        hit = scores.get("editor_pick", {}).get("hit", 0.0)
        print(f"{name:<16s}{cells}{hit:<18.3f}{ms:8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, required=True, help="rows {id, set, text, reference, title?}")
    parser.add_argument("--out", type=Path, required=True, help="directory for NAME.jsonl outputs")
    parser.add_argument("--peers", action="store_true", help="also run Lead-3, sumy, TextRank4ZH, SnowNLP")
    parser.add_argument("--algorithms", action="store_true", help="also run ours on each sumy summarizer's ratings")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="our character budget")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes; each system's fastest counts")
    parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "score_summaries.py")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.eval.open(encoding="utf-8") if line.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    ChineseTokenizer().to_words("预热")  # load jieba before the clocks start
    summaries, timings = run_systems(systems(args.peers, args.algorithms, args.max_chars), rows, args.rounds)
    results = {}
    for name, system_summaries in summaries.items():
        pred = args.out / f"{name}.jsonl"
        write_summaries(pred, rows, system_summaries)
        print(f"== {name}: {timings[name]:.1f} ms/doc")
        print(score(args.scorer, args.eval, pred, as_json=False), end="")
        results[name] = (json.loads(score(args.scorer, args.eval, pred, as_json=True)), timings[name])
    print_overview(results)
    print_startup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
