"""Benchmark `digest`'s extractive summaries against peers and baselines, at one budget.

Usage:
    python benchmarks/summarize.py --eval ../shared/eval/summarization.jsonl --out /tmp/bench \
        [--peers] [--equal-length] [--cv] [--kfold K [--repeats R]] [--halves] [--ablations] [--penalties P,P,...] \
        [--fit] [--max-chars N] [--sentences N] [--rounds N]

Rows of the evaluation file are `{id, set, text, reference, title?}`. Every
other system gives its sentences in its own order of preference and one filler
takes them while they fit our budget (`--max-chars` characters, `--sentences`
pieces: a sentence for them, a passage of one or two sentences for ours) and
puts them back in text order, so every figure is at the budget of ours; with
`--equal-length`, each takes its sentences until it holds as many characters
as our summary of the piece, the last cut there, so every figure is at the
length of ours, piece by piece (the budget lets a ranker that prefers short
sentences stop far under it, and ROUGE-L F1 favours short output). The
baselines are the first sentences, the last sentences and a seeded random
draw; with `--peers`, every sumy summarizer (fed our sentences, jieba words
and stop words), TextRank4ZH and SnowNLP (the `bench` extra:
`pip install -e '.[bench]'`) run too. Each system's time per document is
measured in the same run, so the speed ratios are comparable. The hit is shown
for every set whose reference is a line lifted out of the text: `editor_pick`,
`pull_quote` (the pull quotes of laid-out pages, built by
`benchmarks/pull_quotes.py`: lines other editors lifted out of other kinds of
pieces, which no weight was fitted on) and `deck_line` (the opening lines that
other desks lifted out of their articles' bodies, built by the same script with
`--decks`). Each set's
figures are means over its pieces with their standard errors. With `--peers`,
a last table gives per set ours less the peer with the best ROUGE-L there,
paired piece by piece, with its standard error: whether ours is at least the
best peer, or the two cannot be told apart on that many pieces.

`--cv` scores our summarizer by leave-one-out on the `editor_pick` set: each
piece is summarized with weights fitted on the other pieces (the shipped
weights were fitted on all of them, so their own figure there is in-sample).
`--kfold K` does the same with K folds, over `--repeats` random partitions,
and prints the mean with its standard error over pieces and the range over
partitions: fitted on fewer pieces, it says what a smaller training set
costs. `--halves` splits `editor_pick` into two fixed halves (by a hash of
the ids) and fits on each half to score the other: one split, so mostly
luck. `--ablations` repeats the leave-one-out with one design choice undone
at a time (and scores the other sets with weights fitted that way);
`--penalties` compares L2 strengths by how well weights fitted on one random
half predict the other, over `--repeats` halvings (how the default was
chosen). `--fit` prints the weights fitted on all of `editor_pick`, as shipped
in `digest.summarize.Weights`. Outputs go to
`OUT/NAME.jsonl` (`{id, summary}` rows); the start-up cost of
`digest.summarize` is printed last.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from digest.summarize import (
    CLUES,
    DEFAULT_MAX_CHARS,
    DEFAULT_SENTENCES,
    ECHO_SHARE,
    Reading,
    Summarizer,
    Weights,
    fit_weights,
    plain_title,
)
from digest.zh import load_jieba, split_sentences, stop_words

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
WARM_UP = 3
PICKS = "editor_pick"  # the set whose reference is a line the editor lifted out, and the weights are fitted on
LIFTED = (PICKS, "pull_quote", "deck_line")  # references lifted out of the text: their hit is the headline figure
SEED = 16
Row = dict[str, Any]
System = Callable[[Row], list[str]]  # a row in, its summary out
Ranker = Callable[[Row], list[str]]  # a row in, its sentences in order of preference out
SUMY = {
    "luhn": "sumy.summarizers.luhn:LuhnSummarizer",
    "edmundson": "sumy.summarizers.edmundson:EdmundsonSummarizer",
    "lsa": "sumy.summarizers.lsa:LsaSummarizer",
    "lexrank": "sumy.summarizers.lex_rank:LexRankSummarizer",
    "textrank": "sumy.summarizers.text_rank:TextRankSummarizer",
    "sumbasic": "sumy.summarizers.sum_basic:SumBasicSummarizer",
    "kl": "sumy.summarizers.kl:KLSummarizer",
    "reduction": "sumy.summarizers.reduction:ReductionSummarizer",
}


# --- systems ----------------------------------------------------------------------


def sentences_of(row: Row) -> list[str]:
    """The row's sentences as our splitter cuts them, one paragraph a line."""
    return [s for line in row["text"].splitlines() for s in split_sentences(line)]


def in_text_order(row: Row, sentences: list[str]) -> list[str]:
    """The sentences in the order the row's text holds them."""
    return sorted(sentences, key=lambda s: (row["text"].find(s), s))


def budgeted(ranker: Ranker, max_chars: int, sentences: int) -> System:
    """A ranker's sentences taken in its order while they fit the budget, shown in
    text order; its best sentence alone when none fits (as ours does)."""

    def run(row: Row) -> list[str]:
        ranked = ranker(row)
        taken: list[str] = []
        for sentence in ranked:
            if sum(map(len, taken)) + len(sentence) <= max_chars and sentence not in taken:
                taken.append(sentence)
                if len(taken) == sentences:
                    break
        return in_text_order(row, taken or ranked[:1])

    return run


def matched(ranker: Ranker, lengths: dict[str, int]) -> System:
    """A ranker's sentences taken in its order until they hold as many characters as
    our summary of the row (`lengths`, by row id), the last one cut there, shown in
    text order: every system scored at one length, piece by piece, as DUC cut every
    summary at one size. The budget's cap on pieces would let a ranker that prefers
    short sentences stop at a third of our length, and ROUGE-L F1 against a short
    reference favours short output whatever its sentences."""

    def run(row: Row) -> list[str]:
        taken: list[str] = []
        room = lengths[row["id"]]
        for sentence in dict.fromkeys(ranker(row)):
            if room <= 0:
                break
            taken.append(sentence)
            room -= len(sentence)
        ordered = in_text_order(row, taken)
        if room < 0:  # the last one taken is cut, wherever it stands in text order
            last = ordered.index(taken[-1])
            ordered[last] = taken[-1][: len(taken[-1]) + room]
        return ordered

    return run


def ours(summarizer: Summarizer) -> System:
    return lambda row: summarizer.summarize_text(row["text"], row.get("title"))


def leading(row: Row) -> list[str]:
    return sentences_of(row)


def trailing(row: Row) -> list[str]:
    return sentences_of(row)[::-1]


def drawn(row: Row) -> list[str]:
    sentences = sentences_of(row)
    random.Random(f"{SEED}:{row['id']}").shuffle(sentences)
    return sentences


class ChineseTokenizer:
    """The tokenizer sumy's document model asks for: our sentences, jieba's words."""

    language = "chinese"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        words = load_jieba().lcut(sentence)
        return tuple(w.lower() for w in words if any(c.isalnum() for c in w))


def sumy_ranker(name: str, tokenizer: ChineseTokenizer) -> Ranker:
    """A sumy summarizer's ranking of a document of our sentences and words."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    module_name, _, class_name = SUMY[name].partition(":")
    summarizer_class = getattr(importlib.import_module(module_name), class_name)

    def run(row: Row) -> list[str]:
        paragraphs = [
            Paragraph([Sentence(s, tokenizer) for s in tokenizer.to_sentences(line)])
            for line in row["text"].splitlines()
            if line.strip()
        ]
        document = ObjectDocumentModel(paragraphs)
        summarizer = summarizer_class()
        stops = stop_words()
        if name == "edmundson":  # it wants bonus words: the title's, else the opening sentence's
            title = plain_title(row.get("title")) or (str(document.sentences[0]) if document.sentences else "")
            summarizer.bonus_words = [w for w in tokenizer.to_words(title) if w not in stops] or stops
            summarizer.stigma_words = summarizer.null_words = stops
        else:
            summarizer.stop_words = stops
        summarizer._get_best_sentences = _ranked  # every sentence, best first, rather than the top few
        return [str(s) for s in summarizer(document, len(document.sentences))]

    return run


def _ranked(sentences: Sequence[Any], count: Any, rating: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """Stands in for sumy's `_get_best_sentences`: every sentence, best rated first."""
    rate = rating.__getitem__ if isinstance(rating, dict) else rating
    rated = [(s, rate(s, *args, **kwargs)) for s in sentences]
    return tuple(s for s, _ in sorted(rated, key=lambda pair: -pair[1]))


def textrank4zh() -> Ranker:
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
        return [item.sentence for item in ranker.get_key_sentences(num=len(row["text"]))]

    return run


def snownlp() -> Ranker:
    from snownlp import SnowNLP

    def run(row: Row) -> list[str]:
        document = SnowNLP(row["text"])
        return list(document.summary(len(document.sentences)))

    return run


BASELINES = ("first", "last", "random")  # rules, not summarizers: the peers are the rest


def systems(peers: bool, max_chars: int, sentences: int, lengths: dict[str, int] | None = None
            ) -> dict[str, System]:
    """Ours, the baselines and (with `peers`) the peers, all at the same budget, or with `lengths`
    (our summary's characters by row id) each at the length of ours (`matched`)."""
    table: dict[str, System] = {"digest": ours(Summarizer(sentences=sentences, max_chars=max_chars))}
    rankers: dict[str, Ranker] = dict(zip(BASELINES, (leading, trailing, drawn), strict=True))
    if peers:
        tokenizer = ChineseTokenizer()
        rankers.update({f"sumy-{name}": sumy_ranker(name, tokenizer) for name in SUMY})
        rankers["textrank4zh"] = textrank4zh()
        rankers["snownlp"] = snownlp()
    if lengths is None:
        table.update({name: budgeted(ranker, max_chars, sentences) for name, ranker in rankers.items()})
    else:
        table.update({name: matched(ranker, lengths) for name, ranker in rankers.items()})
    return table


def run_systems(
    table: dict[str, System], rows: list[Row], rounds: int
) -> tuple[dict[str, dict[str, list[str]]], dict[str, float]]:
    """Every system's summaries by row id, and its milliseconds per document.

    Each system first summarizes a few rows off the clock (lazy imports, first-call
    set-up). Then, in each round, every system in turn summarizes all the rows; a
    system's time is its fastest round (as `timeit` does), so that a burst of load
    from other processes on a shared machine is not charged to whoever ran then."""
    for system in table.values():
        for row in rows[:WARM_UP]:
            system(row)
    summaries: dict[str, dict[str, list[str]]] = {}
    best = dict.fromkeys(table, float("inf"))
    for _ in range(rounds):
        for name, system in table.items():
            started = time.perf_counter()
            summaries[name] = {row["id"]: system(row) for row in rows}
            best[name] = min(best[name], time.perf_counter() - started)
    return summaries, {name: 1000 * seconds / max(len(rows), 1) for name, seconds in best.items()}


# --- cross-validation ---------------------------------------------------------------


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_summaries", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lifted(reading: Reading, reference: str, scorer: ModuleType) -> np.ndarray:
    """Which passages stand for the editor's line, by the scorer's own test."""
    return np.array([_covers(scorer, p.text, reference) for p in reading.passages], dtype=bool)


_COVERS: dict[tuple[str, str], bool] = {}


def _covers(scorer: ModuleType, text: str, reference: str) -> bool:
    """The scorer's test, once per passage and reference: the folds of a leave-one-out
    ask it of the same passages again and again, and its LCS is pure Python."""
    key = (text, reference)
    if key not in _COVERS:
        _COVERS[key] = bool(scorer.covers(scorer.chars(text), scorer.chars(reference)))
    return _COVERS[key]


@dataclass(frozen=True)
class Variant:
    """Our summarizer with one design choice undone, to see what the choice is worth."""

    reshape: Callable[[Reading], Reading]  # what the ranker is shown of a piece
    echo_share: float = ECHO_SHARE


def as_shipped(reading: Reading) -> Reading:
    return reading


def singles_only(reading: Reading) -> Reading:
    """The reading without its two-sentence passages."""
    keep = [i for i, p in enumerate(reading.passages) if p.sentences == 1]
    return replace(
        reading,
        passages=[reading.passages[i] for i in keep],
        clues=reading.clues[keep],
        echo=[reading.echo[i] for i in keep],
    )


def without(*names: str) -> Callable[[Reading], Reading]:
    """The reading with the named clues flat (the same for every passage: no say)."""
    columns = [CLUES.index(name) for name in names]

    def reshape(reading: Reading) -> Reading:
        clues = reading.clues.copy()
        clues[:, columns] = 0.0
        return replace(reading, clues=clues)

    return reshape


VARIANTS = {
    "as shipped": Variant(as_shipped),
    "no pairs": Variant(singles_only),
    "no centrality": Variant(without("ahead", "behind")),
    "no position": Variant(without("closes", "whole", "paragraph_depth", "sentence_depth", "opening", "ending")),
    "no shape": Variant(without("length", "length_squared", "clauses", "figures", "deck")),
    "no stated point": Variant(without("consequence", "correlative", "voice")),
    "no voice": Variant(without("voice")),
    "no title echo": Variant(as_shipped, echo_share=0.0),
    "echo x4": Variant(as_shipped, echo_share=4 * ECHO_SHARE),
}


def fold_summaries(
    train: Sequence[Row], test: Sequence[Row], summarizer: Summarizer, scorer: ModuleType, penalty: float,
    variant: Variant = VARIANTS["as shipped"],
) -> dict[str, list[str]]:
    """The test rows summarized with weights fitted on the train rows only."""
    readings = [variant.reshape(_reading(summarizer, row)) for row in train]
    examples = [(r.clues, lifted(r, row["reference"], scorer)) for r, row in zip(readings, train, strict=True)]
    fitted = Summarizer(summarizer.sentences, summarizer.max_chars, fit_weights(examples, penalty, variant.echo_share))
    return {row["id"]: fitted.choose(variant.reshape(_reading(summarizer, row))) for row in test}


_READINGS: dict[tuple[str, int], Reading] = {}


def _reading(summarizer: Summarizer, row: Row) -> Reading:
    """A row read once per budget: the folds share the readings."""
    key = (row["id"], summarizer.max_chars)
    if key not in _READINGS:
        _READINGS[key] = summarizer.read_text(row["text"], row.get("title"))
    return _READINGS[key]


def leave_one_out(
    picks: Sequence[Row], summarizer: Summarizer, scorer: ModuleType, penalty: float,
    variant: Variant = VARIANTS["as shipped"],
) -> dict[str, list[str]]:
    """Each piece summarized with weights fitted on all the others."""
    return cross_validated(picks, [[row] for row in picks], summarizer, scorer, penalty, variant)


def cross_validated(
    picks: Sequence[Row], partition: Sequence[Sequence[Row]], summarizer: Summarizer, scorer: ModuleType,
    penalty: float, variant: Variant = VARIANTS["as shipped"],
) -> dict[str, list[str]]:
    """Each fold of the partition summarized with weights fitted on the pieces outside it."""
    summaries: dict[str, list[str]] = {}
    for fold in partition:
        held = {r["id"] for r in fold}
        train = [r for r in picks if r["id"] not in held]
        summaries.update(fold_summaries(train, fold, summarizer, scorer, penalty, variant))
    return summaries


def repeated_folds(picks: Sequence[Row], folds: int, repeats: int) -> list[list[list[Row]]]:
    """`repeats` random partitions of the pieces into `folds` folds, each drawn with its own seed:
    one fixed split is as much luck as data (two fixed halves scored 0.20 and 0.30 where random
    halves average about 0.40)."""
    partitions = []
    for repeat in range(repeats):
        order = list(picks)
        random.Random(f"{SEED}:{folds}:{repeat}").shuffle(order)
        partitions.append([order[k::folds] for k in range(folds)])
    return partitions


def k_fold(
    picks: Sequence[Row], summarizer: Summarizer, scorer: ModuleType, penalty: float, folds: int, repeats: int
) -> list[dict[str, list[str]]]:
    """Per repeat, every piece summarized with weights fitted on the other folds."""
    return [
        cross_validated(picks, partition, summarizer, scorer, penalty)
        for partition in repeated_folds(picks, folds, repeats)
    ]


def print_k_fold(picks: Sequence[Row], runs: Sequence[dict[str, list[str]]], folds: int, scorer: ModuleType) -> None:
    """The k-fold figures: the mean over repeats, the standard error over pieces (what the figure
    would move by on other pieces of the kind) and the range over repeats (what the split moves it by)."""
    print(f"\n{PICKS}, {folds}-fold, {len(runs)} random partitions (mean ± SE over pieces; range over partitions)")
    for metric in ("hit", "rougeL"):
        per_run = [item_scores(picks, run, scorer)[PICKS][metric] for run in runs]
        means = [mean_se(values)[0] for values in per_run]
        error = sum(mean_se(values)[1] for values in per_run) / len(per_run)
        print(f"    {metric:<7s} {sum(means) / len(means):.3f} ± {error:.3f}   ({min(means):.3f}–{max(means):.3f})")


def held_out_likelihood(weights: Weights, readings: Sequence[Reading], targets: Sequence[np.ndarray]) -> float:
    """Mean log-probability the ranker's softmax gives the lifted passages of pieces it was not fitted on."""
    ranker = Summarizer(weights=weights)
    logs = []
    for reading, target in zip(readings, targets, strict=True):
        if target.any():
            ratings = np.array(ranker.rate(reading))
            probabilities = np.exp(ratings - ratings.max())
            logs.append(math.log(probabilities[target].sum() / probabilities.sum()))
    return sum(logs) / len(logs)


def print_penalties(
    rows: list[Row], summarizer: Summarizer, scorer: ModuleType, grid: Sequence[float], repeats: int
) -> None:
    """Per L2 strength: how well weights fitted on one random half of the picks predict the
    other, averaged over `repeats` random halvings."""
    picks = [row for row in rows if row["set"] == PICKS]
    readings = {row["id"]: _reading(summarizer, row) for row in picks}
    targets = {row["id"]: lifted(readings[row["id"]], row["reference"], scorer) for row in picks}
    print(f"\npenalty   held-out log-likelihood   hit   (two folds, {repeats} random halvings)")
    for penalty in grid:
        likelihoods, hits = [], []
        for first, second in repeated_folds(picks, 2, repeats):
            for train, test in ((first, second), (second, first)):
                weights = fit_weights([(readings[r["id"]].clues, targets[r["id"]]) for r in train], penalty)
                tested = [readings[r["id"]] for r in test]
                likelihoods.append(held_out_likelihood(weights, tested, [targets[r["id"]] for r in test]))
                fitted = Summarizer(summarizer.sentences, summarizer.max_chars, weights)
                summaries = {r["id"]: fitted.choose(readings[r["id"]]) for r in test}
                hits.append(mean_se(item_scores(test, summaries, scorer)[PICKS]["hit"])[0])
        print(f"{penalty:<10g}{sum(likelihoods) / len(likelihoods):9.3f}{'':15s}{sum(hits) / len(hits):.3f}")


def print_ablations(rows: list[Row], summarizer: Summarizer, scorer: ModuleType, penalty: float) -> None:
    """Per variant: leave-one-out figures on the picks, and the other sets with weights fitted on all picks."""
    picks = [row for row in rows if row["set"] == PICKS]
    others = [row for row in rows if row["set"] != PICKS]
    sets = sorted({row["set"] for row in others})
    header = "".join(f"{title:<16s}" for title in ("LOO hit", "LOO RL", *(f"RL {s}" for s in sets)))
    print(f"\nvariant ({PICKS} LOO)  {header}")
    for name, variant in VARIANTS.items():
        summaries = leave_one_out(picks, summarizer, scorer, penalty, variant)
        summaries.update(fold_summaries(picks, others, summarizer, scorer, penalty, variant))
        scores = item_scores(rows, summaries, scorer)
        cells = cell(scores[PICKS]["hit"]) + cell(scores[PICKS]["rougeL"])
        print(f"{name:<22s}{cells}" + "".join(cell(scores.get(s, {}).get("rougeL")) for s in sets))


def halves(picks: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """Two fixed halves of the pieces: ordered by a hash of their ids, then cut."""
    ordered = sorted(picks, key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest())
    return ordered[: len(ordered) // 2], ordered[len(ordered) // 2 :]


# --- scores -------------------------------------------------------------------------


def item_scores(
    rows: Sequence[Row], summaries: dict[str, list[str]], scorer: ModuleType
) -> dict[str, dict[str, list[float]]]:
    """Per set, per metric, the score of each of its rows that was summarized."""
    table: dict[str, dict[str, list[float]]] = {}
    for row in rows:
        if row["id"] not in summaries:
            continue
        metrics = scorer.score([row], {row["id"]: summaries[row["id"]]})[row["set"]]
        for metric in ("rougeL", "hit", "chars"):
            table.setdefault(row["set"], {}).setdefault(metric, []).append(metrics[metric])
    return table


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """The mean and its standard error."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(variance / len(values))


def cell(values: Sequence[float] | None) -> str:
    if not values:
        return f"{'—':<16s}"
    mean, se = mean_se(values)
    return f"{mean:.3f} ± {se:.3f}".ljust(16)


def print_table(
    rows: list[Row], results: dict[str, dict[str, list[str]]], timings: dict[str, float], scorer: ModuleType
) -> None:
    """One line per system: ROUGE-L per set, the hit of each set of lifted lines, mean characters, ms per document."""
    sets = sorted({row["set"] for row in rows})
    lifted_sets = [s for s in LIFTED if s in sets]
    print(
        "\nsystem            " + "".join(f"RL {s:<13s}" for s in sets)
        + "".join(f"hit {s:<12s}" for s in lifted_sets) + "chars/set        ms/doc"
    )
    for name, summaries in results.items():
        scores = item_scores(rows, summaries, scorer)
        columns = [("rougeL", s) for s in sets] + [("hit", s) for s in lifted_sets]
        cells = "".join(cell(scores.get(s, {}).get(metric)) for metric, s in columns)
        chars = "/".join(f"{mean_se(scores[s]['chars'])[0]:.0f}" if s in scores else "—" for s in sets)
        ms = f"{timings[name]:8.1f}" if name in timings else "       —"
        print(f"{name:<18s}{cells}{chars:<15s}{ms}")
    if "digest" in timings and "sumy-lexrank" in timings:
        print(f"\ndigest is {timings['sumy-lexrank'] / timings['digest']:.1f}x as fast as sumy-lexrank in this run")


def print_against_best_peer(rows: list[Row], results: dict[str, dict[str, list[str]]], scorer: ModuleType) -> None:
    """Per set, ours less the peer with the best mean ROUGE-L there, piece by piece: the mean difference
    and its standard error, which says whether the two can be told apart on this many pieces."""
    peers = [name for name in results if name not in BASELINES and not name.startswith("digest")]
    if not peers or "digest" not in results:
        return
    ours_scores = item_scores(rows, results["digest"], scorer)
    peer_scores = {peer: item_scores(rows, results[peer], scorer) for peer in peers}
    print("\nROUGE-L, ours less the best peer of each set (paired over pieces):")
    for name in sorted(ours_scores):
        by_peer = {peer: scores[name]["rougeL"] for peer, scores in peer_scores.items()}
        best = max(by_peer, key=lambda peer: mean_se(by_peer[peer])[0])
        mean, se = mean_se([a - b for a, b in zip(ours_scores[name]["rougeL"], by_peer[best], strict=True)])
        print(f"    {name:<14s}{best:<16s}{mean:+.3f} ± {se:.3f}")


def write_summaries(path: Path, rows: list[Row], summaries: dict[str, list[str]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            if row["id"] in summaries:
                handle.write(json.dumps({"id": row["id"], "summary": summaries[row["id"]]}, ensure_ascii=False) + "\n")


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
    (which loads numpy)."""
    bare = startup_seconds("pass")
    imported = startup_seconds("import digest.summarize")
    text = "城市更新要以人民为中心。老街区要留住烟火气。"
    first = startup_seconds(f"from digest.summarize import Summarizer; Summarizer().summarize_text({text!r})")
    print(
        f"\nstart-up: bare interpreter {bare * 1000:.0f} ms, + import digest.summarize "
        f"{(imported - bare) * 1000:.0f} ms, + first summary {(first - imported) * 1000:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, required=True, help="rows {id, set, text, reference, title?}")
    parser.add_argument("--out", type=Path, required=True, help="directory for NAME.jsonl outputs")
    parser.add_argument("--peers", action="store_true", help="also run sumy, TextRank4ZH, SnowNLP")
    parser.add_argument("--cv", action="store_true", help=f"leave-one-out figures for ours on {PICKS}")
    parser.add_argument("--halves", action="store_true", help=f"fit on each fixed half of {PICKS}, score the other")
    parser.add_argument("--kfold", type=int, metavar="K", help=f"K-fold figures for ours on {PICKS}")
    parser.add_argument("--repeats", type=int, default=10, help="random partitions for --kfold and --penalties")
    parser.add_argument("--fit", action="store_true", help=f"print the weights fitted on all of {PICKS}")
    parser.add_argument("--ablations", action="store_true", help="CV figures with each design choice undone")
    parser.add_argument("--penalties", type=lambda text: [float(v) for v in text.split(",")], default=[],
                        help="comma-separated L2 strengths to compare by fitting on one half and scoring the other")
    parser.add_argument("--penalty", type=float, default=1.0, help="L2 penalty of the fits (scaled weights)")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="the budget in characters")
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES, help="the budget in sentences")
    parser.add_argument("--equal-length", action="store_true",
                        help="every other system at the length of our summary, piece by piece")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes; each system's fastest counts")
    parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "score_summaries.py")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.eval.open(encoding="utf-8") if line.strip()]
    scorer = load_scorer(args.scorer)
    args.out.mkdir(parents=True, exist_ok=True)
    ChineseTokenizer().to_words("预热")  # load jieba before the clocks start
    summarizer = Summarizer(args.sentences, args.max_chars)
    lengths = None
    if args.equal_length:
        lengths = {row["id"]: sum(map(len, ours(summarizer)(row))) for row in rows}
    results, timings = run_systems(systems(args.peers, args.max_chars, args.sentences, lengths), rows, args.rounds)
    picks = [row for row in rows if row["set"] == PICKS]
    if args.cv and picks:
        results["digest LOO"] = leave_one_out(picks, summarizer, scorer, args.penalty)
    if args.halves and picks:
        first, second = halves(picks)
        results["digest A→B"] = fold_summaries(first, second, summarizer, scorer, args.penalty)
        results["digest B→A"] = fold_summaries(second, first, summarizer, scorer, args.penalty)
    runs = k_fold(picks, summarizer, scorer, args.penalty, args.kfold, args.repeats) if args.kfold and picks else []
    for name, summaries in results.items():
        write_summaries(args.out / f"{name.replace(' ', '_').replace('→', '-')}.jsonl", rows, summaries)
    print_table(rows, results, timings, scorer)
    print_against_best_peer(rows, results, scorer)
    if runs:
        print_k_fold(picks, runs, args.kfold, scorer)
    if args.penalties and picks:
        print_penalties(rows, summarizer, scorer, args.penalties, args.repeats)
    if args.ablations and picks:
        print_ablations(rows, summarizer, scorer, args.penalty)
    if args.fit and picks:
        readings = [_reading(summarizer, row) for row in picks]
        examples = [(r.clues, lifted(r, row["reference"], scorer)) for r, row in zip(readings, picks, strict=True)]
        weights = asdict(fit_weights(examples, args.penalty))
        print(f"\nweights fitted on all of {PICKS}:")
        print("\n".join(f"    {name}: float = {value:.3f}" for name, value in weights.items()))
    print_startup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
