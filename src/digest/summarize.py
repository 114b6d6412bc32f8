"""Extractive summaries: a few passages of each article, in article order.

A passage is one sentence, or two adjacent sentences of one paragraph that are
bound to each other: an editor who lifts a line out of a commentary sometimes
takes a short, aphoristic sentence together with the one that carries it on,
or a sentence with the one that leans on it, and such a pair is offered and
rated as one piece (one item of `Article.summary`). Passages are verbatim, save
a connective or an item's ordinal that stands as a clause of its own at their
start ("因此，", "第四，"), dropped as an editor drops it.

Passages are rated by a linear ranker over a few clues, each with a reason
behind it and none tied to a particular publication:

- centrality, with direction (PacSum, Zheng & Lapata 2019, on an idf-weighted
  cosine of character bigrams, so no model weights and no word segmentation):
  how much a passage shares with what follows it (a thesis announces what the
  text goes on to develop) and with what precedes it (a conclusion gathers it);
- where it sits: opening or closing its paragraph (the sentence that states a
  paragraph's point opens or closes it), a paragraph of its own (emphasis), how
  far into the text (conclusions come late), in the opening paragraph (the
  hook) or the closing one;
- its shape: moderately long for its text (a log-length and its square: the
  ranker learns a bell), a run of parallel clauses rather than one fact, dense
  in figures (dates, amounts report details), a line without an end mark
  (deck, caption), one sentence or two;
- how it states a point: commentary gives its point as a condition and what
  follows from it (只有…才能…, …就会…) or as two correlated clauses (既…也…,
  不是…而是…), shapes a sentence that reports a fact or an instance seldom
  takes (`digest.zh.states_consequence`, `digest.zh.pairs_clauses`), and in
  the voice it shares with its readers, "we" outside any quotation (我们要…;
  `digest.zh.speaks_for_readers`);
- the title's wording, as a tie-breaker only: its weight is not learned but
  set to a fifth of the spread of the ratings, because how often editors'
  lines echo the headline varies from one set of pieces to the next far more
  than the other clues do.

The weights of the other clues are learned (`fit_weights`: a listwise logistic
ranker with an L2 penalty) on pieces whose editor lifted a line out, and are
judged only by cross-validation (`benchmarks/summarize.py --cv`).

A news report is written as an inverted pyramid: its summary is its lead, the first
passages that fit, and the commentary clues are not asked. A report opens with a
dateline or a reporter's credit (本报北京8月3日电, （记者 王某）, 某某网讯), or, as wire
and web reports that lost both do, on a source's words (某某表示，…) or on the day of
the event with a source quoted later (`digest.zh.reads_as_report`).

A summary reads on its own in an email: no passage opens with a connective or
pointer whose antecedent is left out (因此…, 这也…, 基于这些…), or with a later
item of a list the email does not show (二是…), unless the sentence before it is
in the summary too, none starts or ends inside a quotation, none
mostly repeats one already chosen, and they keep the article's order. Headings
and recommendation items are shown in the email already and are never
candidates.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from digest.models import Article, ListItem
from digest.zh import (
    COLUMN_KICKER,
    LIST_MARKER,
    PAIRS,
    SENTENCE_END,
    char_bigrams,
    drop_leading_connective,
    leans_on_previous,
    pairs_clauses,
    quotes_balanced,
    reads_as_report,
    speaks_for_readers,
    split_sentences,
    squeeze,
    states_consequence,
)

if TYPE_CHECKING:
    import numpy as np

LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 260
DEFAULT_SENTENCES = 3

# One digit, ASCII or full-width.
_DIGITS = re.compile("[0-9\uff10-\uff19]")
# A column tag in brackets closing a title: 标题（专栏名）.
_TITLE_TAG = COLUMN_KICKER
_END_MARKS = SENTENCE_END + "…"
_OPENERS = "".join(PAIRS)
_CLOSERS = "".join(PAIRS.values())
FIGURES_SHARE = 0.1  # share of digits at which a passage counts as wholly figures
CLAUSE_RUN = 4  # commas at which a passage counts as a full run of parallel clauses
REPEAT_SHARE = 0.5  # share of the smaller passage's bigrams found in another that makes it a repeat
ECHO_SHARE = 0.2  # a full title echo is worth this share of the spread of ratings within a piece
# Sentences of an article a summary is chosen from: its first ones. Centrality compares every two
# (memory and time grow with the square); a newspaper article has tens to a couple of hundred, and
# a file of thousands of lines must not hold the run for minutes.
MAX_CANDIDATES = 400


@dataclass(frozen=True)
class Candidate:
    """A sentence that may go into a summary, and where it sits in the article."""

    text: str
    paragraph: int  # index among the article's paragraphs
    position: int  # index among its paragraph's sentences
    last: bool  # closes its paragraph
    prose: bool  # ends with a sentence mark (headings and decks do not)


@dataclass(frozen=True)
class Passage:
    """One candidate sentence, or two adjacent ones of one paragraph, offered as one piece."""

    start: int  # index of its first candidate
    stop: int  # index of its last candidate (the same for one sentence)
    text: str

    @property
    def sentences(self) -> int:
        return self.stop - self.start + 1


def plain_title(title: str | None) -> str:
    """The title without the column tag in brackets that some pages append."""
    return _TITLE_TAG.sub("", title or "").strip()


def is_candidate(sentence: str) -> bool:
    """False for what is not prose a reader would take as a statement: a short
    line without an end mark (heading, byline, affiliation, kicker), a line
    wholly in brackets ("（作者单位：某大学）"), a bare list marker."""
    text = sentence.strip()
    if len(squeeze(text)) < 6:
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
            candidates.append(Candidate(sentence, index, position, position == len(sentences) - 1, prose))
    return candidates


def build_passages(candidates: Sequence[Candidate], max_chars: int) -> list[Passage]:
    """Every candidate alone, and the two-sentence passages of `bound_pairs`; none
    that starts or ends inside a quotation. A sentence longer than the budget is
    still a passage: it is the summary when nothing else fits."""
    singles = [Passage(i, i, drop_leading_connective(c.text)) for i, c in enumerate(candidates)]
    passages = [p for p in singles if quotes_balanced(p.text)]
    passages += bound_pairs(candidates, max_chars)
    return sorted(passages, key=lambda p: (p.start, p.stop))


def bound_pairs(candidates: Sequence[Candidate], max_chars: int) -> list[Passage]:
    """Two sentences side by side in one paragraph that fit in `max_chars` together
    and are bound to each other: the second leans on the first (它…, 这种…), the
    first is a short maxim the second carries on (shorter than the text's median
    sentence), or only together do they hold a whole quotation. Any two neighbours
    would crowd out the single sentences an editor lifts far more often."""
    sizes = [len(squeeze(c.text)) for c in candidates]
    median = sorted(sizes)[len(sizes) // 2] if sizes else 0
    pairs = []
    for start in range(len(candidates) - 1):
        first, second = candidates[start], candidates[start + 1]
        if second.paragraph != first.paragraph or second.position != first.position + 1:
            continue
        text = drop_leading_connective(first.text + second.text)
        if len(text) > max_chars or not quotes_balanced(text):
            continue
        quotation = not quotes_balanced(first.text) or not quotes_balanced(second.text)
        if leans_on_previous(second.text) or sizes[start] < median or quotation:
            pairs.append(Passage(start, start + 1, text))
    return pairs


def _core(text: str) -> str:
    """The text without a leading list marker, punctuation and spaces."""
    text = text.strip()
    marker = LIST_MARKER.match(text)
    return squeeze(text[marker.end() :] if marker else text)


def item_headlines(items: Sequence[ListItem]) -> list[str]:
    """The headlines of numbered items and of their nested items."""
    headlines: list[str] = []
    for item in items:
        headlines.extend([item.headline] if item.headline else [])
        headlines.extend(item_headlines(item.children))
    return headlines


def listed_text(items: Sequence[ListItem]) -> str:
    """The squeezed texts of numbered items and their nested items, apart: a sentence found in it is in an item."""
    return "\x00".join(part for item in items for part in (squeeze(item.text), listed_text(item.children)) if part)


def bigram_similarity(texts: Sequence[str]) -> np.ndarray:
    """The cosine between every two texts' bigram counts weighted by idf among the
    texts (log of texts over texts holding the bigram); 0 on the diagonal.

    Bigrams are coded as integers (two code points) so that numpy does the
    counting, and only the bigrams that two texts share enter the product."""
    import numpy as np

    codes = [np.frombuffer(squeeze(t).lower().encode("utf-32-le"), dtype=np.uint32).astype(np.int64) for t in texts]
    pairs = [c[:-1] << 21 | c[1:] for c in codes]  # a code point takes 21 bits
    count = len(texts)
    owners = np.repeat(np.arange(count), [len(p) for p in pairs])
    if not owners.size:
        return np.zeros((count, count))
    _, terms = np.unique(np.concatenate(pairs), return_inverse=True)
    width = int(terms.max()) + 1
    cells, frequency = np.unique(owners * width + terms, return_counts=True)
    rows, columns = np.divmod(cells, width)
    holders = np.bincount(columns, minlength=width)
    weights = frequency * np.log(count / holders[columns])
    norms = np.sqrt(np.bincount(rows, weights**2, minlength=count))
    shared = holders[columns] > 1
    kept, kept_columns = np.unique(columns[shared], return_inverse=True)
    matrix = np.zeros((count, len(kept)))
    matrix[rows[shared], kept_columns] = weights[shared]
    similarity = matrix @ matrix.T / np.outer(np.where(norms > 0, norms, 1.0), np.where(norms > 0, norms, 1.0))
    np.fill_diagonal(similarity, 0.0)
    return similarity


def directed_centrality(candidates: Sequence[Candidate], passages: Sequence[Passage]) -> np.ndarray:
    """Per passage, how alike it is to the sentences after it and to those before it
    (PacSum's forward and backward edges: sums of idf-weighted cosines; a pair's
    cosine with a sentence is its two sentences' mean), each column scaled so that
    the text's most central passage has 1: how alike a text's sentences are varies
    between genres far more than it says about any one passage."""
    import numpy as np

    similarity = bigram_similarity([c.text for c in candidates])
    starts = np.array([p.start for p in passages])
    stops = np.array([p.stop for p in passages])
    closeness = (similarity[starts] + similarity[stops]) / 2
    column = np.arange(len(candidates))
    ahead = (closeness * (column > stops[:, None])).sum(axis=1)
    behind = (closeness * (column < starts[:, None])).sum(axis=1)
    centrality = np.column_stack([ahead, behind])
    top = centrality.max(axis=0)
    return centrality / np.where(top > 0, top, 1.0)


# The learned clues, in the order of `Weights`' fields and of the feature columns.
CLUES = (
    "ahead",  # shares wording with the sentences after it (PacSum's forward edges)
    "behind",  # shares wording with the sentences before it
    "opens",  # starts its paragraph
    "closes",  # ends its paragraph
    "whole",  # is its whole paragraph
    "paragraph_depth",  # how far into the text its paragraph sits, 0 to 1
    "sentence_depth",  # how far into the text its first sentence sits, 0 to 1
    "opening",  # in the first paragraph
    "ending",  # in the last paragraph
    "length",  # log of its length over the text's median sentence length
    "length_squared",  # that log squared: with a negative weight, a bell around the typical length
    "clauses",  # commas, up to a full run of parallel clauses
    "figures",  # share of digits, up to a passage of figures
    "deck",  # does not end with a sentence mark
    "pair",  # two sentences rather than one
    "consequence",  # states a condition and what follows from it (只有…才能…, …就会…)
    "correlative",  # pairs correlated clauses (既…也…, 不是…而是…)
    "voice",  # the writer says "we" outside a quotation (我们要…)
)


def passage_clues(candidates: Sequence[Candidate], passages: Sequence[Passage]) -> np.ndarray:
    """One row per passage, one column per clue of `CLUES`."""
    import numpy as np

    paragraphs = sorted({c.paragraph for c in candidates})
    rank = {p: i for i, p in enumerate(paragraphs)}
    sizes = [len(squeeze(c.text)) for c in candidates]
    digits = [len(_DIGITS.findall(c.text)) for c in candidates]
    median = max(sorted(sizes)[len(sizes) // 2], 1)
    spread = max(len(candidates) - 1, 1)
    rows = []
    for passage in passages:
        first, last = candidates[passage.start], candidates[passage.stop]
        inside = slice(passage.start, passage.stop + 1)
        size = max(len(squeeze(passage.text)), 1)
        paragraph = rank[first.paragraph]
        log_length = math.log(size / median)
        rows.append(
            (
                float(first.position == 0),
                float(last.last),
                float(last.last and first.position == 0),
                paragraph / max(len(paragraphs) - 1, 1),
                passage.start / spread,
                float(paragraph == 0),
                float(paragraph == len(paragraphs) - 1),
                log_length,
                log_length**2,
                min(passage.text.count("，"), CLAUSE_RUN) / CLAUSE_RUN,
                min(1.0, sum(digits[inside]) / size / FIGURES_SHARE),
                float(not last.prose),
                float(passage.sentences > 1),
                float(states_consequence(passage.text)),
                float(pairs_clauses(passage.text)),
                float(speaks_for_readers(passage.text)),
            )
        )
    shape = np.array(rows, dtype=float).reshape(len(passages), len(CLUES) - 2)
    return np.hstack([directed_centrality(candidates, passages), shape])


def title_echo(title: str | None, candidates: Sequence[Candidate], passages: Sequence[Passage]) -> list[float]:
    """Per passage, the share of the title's bigrams its sentences hold (0 without a title)."""
    wanted = set(char_bigrams(plain_title(title)))
    if not wanted:
        return [0.0] * len(passages)
    held = [wanted.intersection(char_bigrams(c.text)) for c in candidates]
    return [len(set().union(*held[p.start : p.stop + 1])) / len(wanted) for p in passages]


@dataclass(frozen=True)
class Weights:
    """How much each clue of `CLUES` counts in a passage's rating, per unit of the clue.

    The defaults are `fit_weights` on the 40 dev pieces whose editor lifted a line
    out (`benchmarks/summarize.py --fit`); `echo` is not learned (see the module
    docstring)."""

    ahead: float = 0.296
    behind: float = 0.271
    opens: float = 0.124
    closes: float = 0.511
    whole: float = 0.345
    paragraph_depth: float = 0.473
    sentence_depth: float = 0.569
    opening: float = -0.364
    ending: float = 0.099
    length: float = 0.202
    length_squared: float = -0.363
    clauses: float = 0.765
    figures: float = -0.288
    deck: float = -0.574
    pair: float = -0.238
    consequence: float = 1.024
    correlative: float = 0.309
    voice: float = 1.726
    echo: float = 0.172  # tie-breaker: a passage holding every bigram of the title gains this much

    def learned(self) -> np.ndarray:
        """The learned weights as a vector, in the order of `CLUES`."""
        import numpy as np

        return np.array([getattr(self, name) for name in CLUES])


assert tuple(f.name for f in fields(Weights))[: len(CLUES)] == CLUES  # the columns and the fields agree


@dataclass(frozen=True)
class Reading:
    """An article as the summarizer sees it: its candidates, its passages and their clues."""

    candidates: list[Candidate]
    passages: list[Passage]
    clues: np.ndarray  # one row per passage, one column per clue
    echo: list[float]  # per passage, its share of the title's bigrams
    news: bool = False  # a news report (`digest.zh.reads_as_report`): its lead is its summary


def fit_weights(
    examples: Sequence[tuple[np.ndarray, np.ndarray]], penalty: float = 1.0, echo_share: float = ECHO_SHARE
) -> Weights:
    """The weights under which the passages an editor lifted out rate highest.

    Each example is a piece's clue matrix and a boolean mask of the passages that
    stand for the editor's line. The model is a softmax over each piece's passages
    (a listwise logistic ranker), fitted by Newton's method on clues scaled to unit
    variance, with an L2 penalty of `penalty` per piece on the scaled weights: the
    mean loss of a piece plus `penalty` / 2 times the squared weights, so that the
    prior keeps its strength whatever the number of pieces. The default is judged
    by how well weights fitted on a random half of the dev pieces predict the
    other half, over ten halvings (`benchmarks/summarize.py --penalties`): pieces
    the judge has not seen differ from the dev pieces as much as one half
    differs from the other. By log-likelihood 1 is within 0.05 nats a piece of
    the best strength (0.3), and by hits no worse than it: the optimum is flat.

    The title echo is not learned: its weight is `echo_share` times the typical
    spread of the learned ratings within a piece, enough to break a near tie and
    never to overturn a clear preference."""
    import numpy as np

    examples = [(x, y) for x, y in examples if y.any()]
    stacked = np.vstack([x for x, _ in examples])
    scale = stacked.std(axis=0)
    scale[scale == 0] = 1.0
    scaled = [(x / scale, y.astype(float)) for x, y in examples]
    w = np.zeros(len(CLUES))
    strength = penalty * len(scaled)
    for _ in range(50):
        gradient, hessian = strength * w, strength * np.eye(len(CLUES))
        for x, y in scaled:
            p = _softmax(x @ w)
            q = p * y / (p * y).sum()
            gradient += x.T @ (p - q)
            mean = x.T @ p
            hessian += x.T @ (x * p[:, None]) - np.outer(mean, mean)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    learned = w / scale
    spread = float(np.mean([np.std(x @ learned) for x, _ in examples]))
    return Weights(**{name: float(v) for name, v in zip(CLUES, learned, strict=True)}, echo=echo_share * spread)


def _softmax(scores: np.ndarray) -> np.ndarray:
    import numpy as np

    exp = np.exp(scores - scores.max())
    return exp / exp.sum()


class Summarizer:
    """Picks a few passages of an article; built once, used for every article.

    `sentences` caps the passages of a summary (the `[summary] sentences`
    setting: a passage is one sentence or a bound pair), `max_chars` its
    characters."""

    def __init__(
        self, sentences: int = DEFAULT_SENTENCES, max_chars: int = DEFAULT_MAX_CHARS, weights: Weights | None = None
    ) -> None:
        if sentences < 1 or max_chars < 1:
            raise ValueError("a summary needs at least one sentence and one character")
        self.sentences = sentences
        self.max_chars = max_chars
        self.weights = weights or Weights()

    def summarize(self, article: Article) -> list[str]:
        """The article's summary. Its title, subheadings and recommendation headlines
        are never candidates, nor are sentences inside recommendation items unless
        the items are all there is: the email lists the items already."""
        skip = [*article.subheadings, *item_headlines(article.recommendations)]
        if article.title:
            skip.append(article.title)
        candidates = article_candidates(article.paragraphs, skip)[:MAX_CANDIDATES]
        listed = listed_text(article.recommendations)
        outside = [c for c in candidates if not (core := _core(c.text)) or core not in listed]
        chosen = outside or candidates or article_candidates(article.paragraphs, strict=False)[:MAX_CANDIDATES]
        return self.choose(self.read(chosen, article.title))

    def summarize_text(self, text: str, title: str | None = None) -> list[str]:
        """The summary of plain text, one paragraph a line (the benchmark's input)."""
        return self.choose(self.read_text(text, title))

    def read_text(self, text: str, title: str | None = None) -> Reading:
        """Plain text, one paragraph a line, read into passages and their clues."""
        paragraphs = text.splitlines()
        candidates = article_candidates(paragraphs) or article_candidates(paragraphs, strict=False)
        return self.read(candidates[:MAX_CANDIDATES], title)

    def read(self, candidates: list[Candidate], title: str | None) -> Reading:
        """The candidates' passages within the budget, and their clues."""
        import numpy as np

        passages = build_passages(candidates, self.max_chars) if candidates else []
        clues = passage_clues(candidates, passages) if passages else np.zeros((0, len(CLUES)))
        news = reads_as_report([c.text for c in candidates])
        return Reading(candidates, passages, clues, title_echo(title, candidates, passages), news)

    def rate(self, reading: Reading) -> list[float]:
        """One rating per passage of the reading, higher is better: for a news report,
        its lead (the earlier the better, a sentence before the pair it opens)."""
        if reading.news:
            return [-(p.start + (p.stop - p.start) / 2) for p in reading.passages]
        learned = reading.clues @ self.weights.learned()
        return [float(r) + self.weights.echo * e for r, e in zip(learned, reading.echo, strict=True)]

    def choose(self, reading: Reading) -> list[str]:
        """The best-rated passages that fit together, in article order; the best
        sentence alone when no passage fits the budget. After each pick the search
        starts again from the top: a passage that leans on the sentence before it
        may fit once that sentence is in."""
        if not reading.passages:
            return [reading.candidates[0].text] if reading.candidates else []
        ratings = self.rate(reading)
        order = sorted(range(len(ratings)), key=lambda i: (-ratings[i], i))
        chosen: list[Passage] = []
        while len(chosen) < self.sentences:
            fitting = (reading.passages[i] for i in order if self._fits(reading.passages[i], chosen))
            passage = next(fitting, None)
            if passage is None:
                break
            chosen.append(passage)
        chosen = chosen or [reading.passages[order[0]]]
        return [p.text for p in sorted(chosen, key=lambda p: p.start)]

    def _fits(self, passage: Passage, chosen: Sequence[Passage]) -> bool:
        """Whether the passage can join the chosen ones: within the budget, not
        overlapping or repeating them, and not leaning on a sentence left out."""
        if sum(len(p.text) for p in chosen) + len(passage.text) > self.max_chars:
            return False
        taken = {i for p in chosen for i in range(p.start, p.stop + 1)}
        if taken & set(range(passage.start, passage.stop + 1)):
            return False

        if leans_on_previous(passage.text) and passage.start - 1 not in taken:
            return False
        return not any(repeats(passage.text, p.text) for p in chosen)


def repeats(text: str, other: str) -> bool:
    """True when most of the shorter text's bigrams are in the other: a summary
    that says the same thing twice wastes the reader's time."""
    mine, theirs = set(char_bigrams(text)), set(char_bigrams(other))
    smaller = min(len(mine), len(theirs))
    return smaller > 0 and len(mine & theirs) >= REPEAT_SHARE * smaller
