"""Extractive summaries: a few verbatim sentences of each article, in article order.

Sentences come from `digest.zh.split_sentences`; they make a sumy document
(`ObjectDocumentModel` of `Paragraph`s of `Sentence`s) whose words come from
jieba with the Chinese stop words of `digest.zh.stop_words`, so any sumy
summarizer can rate the same sentences. This is the only module that imports
sumy; jieba and sumy's summarizers are loaded on first use only.

The default rating ("textrank-bigrams") is sumy's TextRank, the best sumy
summarizer on `benchmarks/summarize.py`, run on character bigrams so that only
the sentences that come up for the summary are segmented by jieba, plus clues
that rely only on how Chinese commentary, news and reports are written, never
on a particular publication:
- a piece's thesis usually echoes its title;
- a text with no title leans on its opening instead, as far as the text is
  loose: a feature or news story that moves from item to item (recipes,
  products, cases) shares little wording between its sentences, and only its
  opening speaks for the whole, while a cohesive text (a judgment, a report
  that keeps returning to the same parties and terms) is summed up by the
  sentences central to it, wherever they sit, and the more cohesive a text,
  the more its centre counts;
- the sentence that states a point closes its paragraph and is a run of
  parallel clauses; conclusions come late in the text;
- the sentence an editor lifts is of moderate length for its text; a heading,
  byline, affiliation or bare list marker is never one, and a sentence dense
  in figures (dates, amounts) reports details rather than the point;
- a summary that repeats itself wastes the reader's time, so sentences that
  share most of their words with one already chosen are passed over;
- headings and recommendation items are shown in the email already.
"""

from __future__ import annotations

import functools
import importlib
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from digest.models import Article, ListItem
from digest.zh import CJK, COLUMN_KICKER, LIST_MARKER, PAIRS, SENTENCE_END, load_jieba, split_sentences, stop_words

if TYPE_CHECKING:
    from sumy.models.dom import ObjectDocumentModel

LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 260
DEFAULT_ALGORITHM = "textrank-bigrams"

# sumy summarizers by the name `Summarizer(algorithm=...)` accepts.
SUMY_ALGORITHMS = {
    "luhn": "sumy.summarizers.luhn:LuhnSummarizer",
    "edmundson": "sumy.summarizers.edmundson:EdmundsonSummarizer",
    "lsa": "sumy.summarizers.lsa:LsaSummarizer",
    "lexrank": "sumy.summarizers.lex_rank:LexRankSummarizer",
    "textrank": "sumy.summarizers.text_rank:TextRankSummarizer",
    "sumbasic": "sumy.summarizers.sum_basic:SumBasicSummarizer",
    "kl": "sumy.summarizers.kl:KLSummarizer",
    "reduction": "sumy.summarizers.reduction:ReductionSummarizer",
    "random": "sumy.summarizers.random:RandomSummarizer",
}
ALGORITHMS = (DEFAULT_ALGORITHM, *SUMY_ALGORITHMS)

# A word worth counting holds a Han character, a Latin letter or a digit.
_ALNUM = "A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # ASCII and full-width
_WORD = re.compile(f"[{CJK}{_ALNUM}]")
_NON_WORD = re.compile(f"[^{CJK}{_ALNUM}]+")
_DIGITS = re.compile("[0-9\uff10-\uff19]")
# A column tag in brackets closing a title: 标题（专栏名）.
_TITLE_TAG = COLUMN_KICKER
_END_MARKS = SENTENCE_END + "…"
_OPENERS = "".join(PAIRS)
_CLOSERS = "".join(PAIRS.values())


@functools.cache
def _jieba() -> Any:
    """jieba's default tokenizer, its dictionary loaded once per process."""
    return load_jieba().dt


class ChineseTokenizer:
    """The tokenizer sumy's document model asks for: our sentences, jieba's words."""

    language = "chinese"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        words = _jieba().lcut(sentence)
        return tuple(w.lower() for w in words if _WORD.search(w))


@dataclass(frozen=True)
class Candidate:
    """A sentence that may go into a summary, and where it sits in the article."""

    text: str
    paragraph: int  # index among the article's paragraphs
    last: bool  # closes its paragraph
    prose: bool  # ends with a sentence mark (headings and decks do not)


def plain_title(title: str | None) -> str:
    """The title without the column tag in brackets that some pages append."""
    return _TITLE_TAG.sub("", title or "").strip()


def is_candidate(sentence: str) -> bool:
    """False for what is not prose a reader would take as a statement: a short
    line without an end mark (heading, byline, affiliation, kicker), a line
    wholly in brackets ("（作者单位：某大学）"), a bare list marker."""
    text = sentence.strip()
    if len(_squeeze(text)) < 6:
        return False
    if text[0] in _OPENERS and text[-1] in _CLOSERS and text[0] not in "“‘「『":
        return False
    if LIST_MARKER.fullmatch(text.rstrip("：:，,。")):
        return False
    return text[-1] in _END_MARKS + _CLOSERS or len(text) >= 24


def article_candidates(paragraphs: Sequence[str], skip: Sequence[str] = (), strict: bool = True) -> list[Candidate]:
    """The candidate sentences of the paragraphs, minus the skipped texts (title,
    headings, item headlines), with or without their list marker; with `strict`
    off, every sentence (for a text too short to hold anything else)."""
    skipped = {_core(s) for s in skip if s.strip()}
    candidates = []
    for index, paragraph in enumerate(paragraphs):
        if skipped and _core(paragraph) in skipped:
            continue
        sentences = split_sentences(paragraph)
        for position, sentence in enumerate(sentences):
            if strict and not is_candidate(sentence) or (skipped and _core(sentence) in skipped):
                continue
            prose = sentence.rstrip(_CLOSERS)[-1:] in _END_MARKS
            candidates.append(Candidate(sentence, index, position == len(sentences) - 1, prose))
    return candidates


def _core(text: str) -> str:
    """The text without a leading list marker, punctuation and spaces."""
    text = text.strip()
    marker = LIST_MARKER.match(text)
    return _squeeze(text[marker.end() :] if marker else text)


def _digit_share(text: str) -> float:
    """Share of the text's characters (punctuation aside) that are digits."""
    chars = _squeeze(text)
    return len(_DIGITS.findall(chars)) / len(chars) if chars else 0.0


def _squeeze(text: str) -> str:
    """The text without punctuation and spaces."""
    return _NON_WORD.sub("", text)


def item_headlines(items: Sequence[ListItem]) -> list[str]:
    """The headlines of numbered items and of their nested items."""
    headlines: list[str] = []
    for item in items:
        headlines.extend([item.headline] if item.headline else [])
        headlines.extend(item_headlines(item.children))
    return headlines


def is_listed(sentence: str, items: Sequence[ListItem]) -> bool:
    """True when the sentence is part of a numbered item (its headline or its text)."""
    core = _core(sentence)
    return bool(core) and any(core in _squeeze(item.text) or is_listed(sentence, item.children) for item in items)


def build_document(candidates: Sequence[Candidate], tokenizer: ChineseTokenizer) -> ObjectDocumentModel:
    """A sumy document of the candidates, one sumy paragraph per article paragraph."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    paragraphs: dict[int, list[Sentence]] = {}
    for candidate in candidates:
        paragraphs.setdefault(candidate.paragraph, []).append(Sentence(candidate.text, tokenizer))
    return ObjectDocumentModel([Paragraph(sentences) for sentences in paragraphs.values()])


def sumy_summarizer(name: str, bonus_words: Sequence[str] = ()) -> Any:
    """A sumy summarizer by name, with our stop words. Edmundson also wants bonus
    words (give it the title's words) and stigma words (the stop words)."""
    module_name, _, class_name = SUMY_ALGORITHMS[name].partition(":")
    summarizer = getattr(importlib.import_module(module_name), class_name)()
    if name == "edmundson":
        summarizer.bonus_words = bonus_words or stop_words()
        summarizer.stigma_words = stop_words()
        summarizer.null_words = stop_words()
    elif hasattr(summarizer, "stop_words"):
        summarizer.stop_words = stop_words()
    return summarizer


@dataclass(frozen=True)
class Weights:
    """How much each clue counts in the rating; every clue is on a 0–1 scale."""

    centrality: float = 2.0  # shares the words the whole text keeps coming back to
    cohesive_centrality: float = 0.5  # extra share of it in a cohesive text, where the centre means most
    title: float = 1.0  # echoes the title
    closing: float = 1.0  # closes its paragraph
    length: float = 1.0  # moderate length, relative to the text's own sentences
    clauses: float = 0.5  # a run of parallel clauses (commas) rather than one fact
    late_paragraph: float = 1.0  # how far into the text its paragraph sits
    late_sentence: float = 1.0  # how far into the text the sentence sits
    opening: float = 8.0  # an untitled loose text: its first sentences, fading over `opening_span`
    opening_span: float = 2.0  # sentences over which the opening bonus falls to 1/e
    loose: float = 0.04  # cohesion at or below which an untitled text counts as wholly loose
    tight: float = 0.08  # cohesion at or above which it counts as cohesive (no opening bonus)
    deck: float = 0.5  # penalty: a line without an end mark (deck, caption)
    figures: float = 1.0  # penalty: dense in digits (dates, amounts, case numbers) reports details
    figures_share: float = 0.1  # share of digits that earns the whole penalty
    ideal_length: float = 1.3  # times the median sentence length
    length_spread: float = 0.6  # times the median sentence length
    redundancy: float = 0.6  # share of the smaller word set that makes a repeat


def content_words(words: Sequence[str]) -> list[str]:
    """The words that carry meaning: stop words dropped."""
    stops = stop_words()
    return [w for w in words if w not in stops]


def char_bigrams(text: str) -> frozenset[str]:
    """Pairs of neighbouring characters, punctuation left out: words of Chinese
    text without a dictionary, enough to compare sentences cheaply."""
    chars = _squeeze(text).lower()
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def shared_terms(bags: Sequence[frozenset[str]]) -> list[list[int]]:
    """How many terms each pair of term sets shares (a symmetric matrix, 0 on the diagonal)."""
    count = len(bags)
    shared = [[0] * count for _ in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            shared[i][j] = shared[j][i] = len(bags[i] & bags[j])
    return shared


def cohesion(bags: Sequence[frozenset[str]], shared: Sequence[Sequence[int]]) -> float:
    """How much the sentences of a text share their wording: the mean, over pairs of
    sentences, of the share of the smaller one's terms found in the other (1.0 for a
    text of one sentence, which cannot be loose)."""
    count = len(bags)
    pairs = [
        shared[i][j] / min(len(bags[i]), len(bags[j]))
        for i in range(count)
        for j in range(i + 1, count)
        if bags[i] and bags[j]
    ]
    return sum(pairs) / len(pairs) if pairs else 1.0


def textrank_scores(
    bags: Sequence[frozenset[str]], shared: Sequence[Sequence[int]] | None = None, damping: float = 0.85
) -> list[float]:
    """TextRank centrality with sumy's edge weight (shared terms over the sum of the
    log sizes) and damping, on term sets, scaled so that the best sentence has 1."""
    import numpy as np

    count = len(bags)
    shared = shared or shared_terms(bags)
    logs = [math.log(len(bag)) if bag else 0.0 for bag in bags]
    edges = [[0.0] * count for _ in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            if shared[i][j]:
                norm = logs[i] + logs[j]
                edges[i][j] = edges[j][i] = shared[i][j] / norm if norm > 0 else float(shared[i][j])
    weights = np.array(edges)
    weights /= weights.sum(axis=1, keepdims=True) + 1e-7
    # The stationary vector of the damped walk, solved directly rather than by
    # sumy's power iteration: r = (1 - d) / n + d * W^T r.
    system = np.eye(count) - damping * weights.T
    ranks = np.linalg.solve(system, np.full(count, (1.0 - damping) / count))
    top = float(ranks.max())
    return [float(r) / top if top > 0 else 0.0 for r in ranks]


def sumy_scores(document: ObjectDocumentModel, name: str, bonus_words: Sequence[str]) -> list[float]:
    """A sumy summarizer's ratings of the document's sentences, as ranks scaled
    from 1 (best) to 0 (worst), since the algorithms' raw scales differ."""
    summarizer = sumy_summarizer(name, bonus_words)
    summarizer._get_best_sentences = _all_ratings  # every rating, not only the top few
    ratings = [float(rating) for _, rating in summarizer(document, len(document.sentences))]
    order = sorted(range(len(ratings)), key=lambda i: (-ratings[i], i))
    ranks = {index: rank for rank, index in enumerate(order)}
    last = max(len(ratings) - 1, 1)
    return [1.0 - ranks[i] / last for i in range(len(ratings))]


def _all_ratings(sentences: Sequence[Any], count: Any, rating: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """Stands in for sumy's `_get_best_sentences`: each sentence with its rating."""
    rate = rating.__getitem__ if isinstance(rating, dict) else rating
    return tuple((s, rate(s, *args, **kwargs)) for s in sentences)


class Summarizer:
    """Picks a few verbatim sentences of an article; built once, used for every article.

    `algorithm` names where the centrality clue comes from: "textrank-bigrams"
    (the default: TextRank on character bigrams) or a sumy summarizer by name,
    run on the jieba words of every sentence (slower: everything is segmented).
    """

    def __init__(
        self,
        sentences: int = 3,
        max_chars: int = DEFAULT_MAX_CHARS,
        algorithm: str = DEFAULT_ALGORITHM,
        weights: Weights | None = None,
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown summary algorithm {algorithm!r}; one of {', '.join(ALGORITHMS)}")
        if sentences < 1 or max_chars < 1:
            raise ValueError("a summary needs at least one sentence and one character")
        self.sentences = sentences
        self.max_chars = max_chars
        self.algorithm = algorithm
        self.weights = weights or Weights()
        self.tokenizer = ChineseTokenizer()

    def summarize(self, article: Article) -> list[str]:
        """The article's summary. Its title, subheadings and recommendation headlines
        are never candidates, nor are sentences inside recommendation items unless
        the items are all there is: the email lists the items already."""
        skip = [*article.subheadings, *item_headlines(article.recommendations)]
        if article.title:
            skip.append(article.title)
        candidates = article_candidates(article.paragraphs, skip)
        outside = [c for c in candidates if not is_listed(c.text, article.recommendations)]
        return self._summary(
            outside or candidates or article_candidates(article.paragraphs, strict=False), article.title
        )

    def summarize_text(self, text: str, title: str | None = None) -> list[str]:
        """The summary of plain text, one paragraph a line (the benchmark's input)."""
        paragraphs = text.splitlines()
        return self._summary(article_candidates(paragraphs) or article_candidates(paragraphs, strict=False), title)

    def _summary(self, candidates: list[Candidate], title: str | None) -> list[str]:
        if not candidates:
            return []
        document = build_document(candidates, self.tokenizer)
        bigrams = [char_bigrams(c.text) for c in candidates]
        ratings = self._rate(candidates, document, title, bigrams)
        chosen = self._select(candidates, document, ratings, bigrams)
        return [candidates[i].text for i in sorted(chosen)]

    def _rate(
        self,
        candidates: Sequence[Candidate],
        document: ObjectDocumentModel,
        title: str | None,
        bigrams: Sequence[frozenset[str]],
    ) -> list[float]:
        """One rating per candidate, higher is better."""
        w = self.weights
        title_bigrams = char_bigrams(plain_title(title))
        shared = shared_terms(bigrams)
        looseness = self._looseness(bigrams, shared)
        on_opening = 0.0 if title_bigrams else looseness  # a title states the point, not the opening
        central = w.centrality * (1.0 + w.cohesive_centrality * (1.0 - looseness))
        if self.algorithm == DEFAULT_ALGORITHM:
            centrality = textrank_scores(bigrams, shared)
        else:
            title_words = content_words(self.tokenizer.to_words(plain_title(title)))
            bonus_words = title_words or content_words(document.sentences[0].words)
            centrality = sumy_scores(document, self.algorithm, bonus_words)
        sizes = [len(_squeeze(c.text)) for c in candidates]
        median = max(sorted(sizes)[len(sizes) // 2], 1)
        last_paragraph = candidates[-1].paragraph - candidates[0].paragraph
        count = len(candidates)
        ratings = []
        for i, candidate in enumerate(candidates):
            echo = len(title_bigrams & bigrams[i]) / len(title_bigrams) if title_bigrams else 0.0
            offset = (sizes[i] - w.ideal_length * median) / (w.length_spread * median)
            paragraph = candidate.paragraph - candidates[0].paragraph
            ratings.append(
                central * centrality[i]
                + w.title * echo
                + w.closing * candidate.last
                + w.length * math.exp(-(offset**2))
                + w.clauses * min(candidate.text.count("，"), 4) / 4
                + w.late_paragraph * (paragraph / last_paragraph if last_paragraph else 0.0)
                + w.late_sentence * (1.0 - on_opening) * (i / (count - 1) if count > 1 else 0.0)
                + w.opening * on_opening * math.exp(-i / w.opening_span)
                - w.deck * (not candidate.prose)
                - w.figures * min(1.0, _digit_share(candidate.text) / w.figures_share)
            )
        return ratings

    def _looseness(self, bigrams: Sequence[frozenset[str]], shared: Sequence[Sequence[int]]) -> float:
        """From 0 (cohesive) to 1 (loose): how little the sentences share their wording,
        between the weights' `tight` and `loose` cohesion. It decides how much an untitled
        text leans on its opening rather than on its late, central sentences."""
        w = self.weights
        span = w.tight - w.loose
        return min(1.0, max(0.0, (w.tight - cohesion(bigrams, shared)) / span)) if span > 0 else 0.0

    def _select(
        self,
        candidates: Sequence[Candidate],
        document: ObjectDocumentModel,
        ratings: Sequence[float],
        bigrams: Sequence[frozenset[str]],
    ) -> list[int]:
        """The best-rated candidates that fit the budget and do not repeat a chosen one;
        the best one alone when none fits."""
        sentences = {str(s): s for s in document.sentences}
        words = [sentences[c.text] for c in candidates]
        order = sorted(range(len(candidates)), key=lambda i: (-ratings[i], i))
        chosen: list[int] = []
        used = 0
        for i in order:
            size = len(candidates[i].text)
            if used + size > self.max_chars:
                continue
            if any(self._repeats(bigrams[i], bigrams[j], words[i], words[j]) for j in chosen):
                continue
            chosen.append(i)
            used += size
            if len(chosen) == self.sentences:
                break
        return chosen or order[:1]

    def _repeats(self, bigrams: frozenset[str], others: frozenset[str], sentence: Any, other: Any) -> bool:
        """True when two sentences share most of their content words (jieba's, through
        the sumy sentences). Sentences that share few character bigrams cannot, and
        are not segmented at all: jieba runs only where it decides something."""
        if len(bigrams & others) < self.weights.redundancy / 3 * min(len(bigrams), len(others)):
            return False
        mine, theirs = set(content_words(sentence.words)), set(content_words(other.words))
        smaller = min(len(mine), len(theirs))
        return smaller > 0 and len(mine & theirs) >= self.weights.redundancy * smaller
