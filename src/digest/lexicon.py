"""What jieba knows of each word, for the theme stage: its dictionary part of speech and its IDF.

Both tables are jieba's own (`jieba.posseg`'s dictionary tags, `jieba.analyse`'s
IDF file), read without loading the tagger or the extractor. Reading them takes
a second and a half of text parsing, before a backlog's workers can start, so
the result is kept in a cache file beside jieba's own dictionary cache and read
back in a fraction of that. The cache holds no words: it lists the entries in
the order of jieba's loaded dictionary, and the map is rebuilt on that
dictionary's own strings, so each word is still stored once for both tables. It
is named by a digest of the two files it was read from and jieba's table size;
a damaged, foreign or stale cache is ignored and written again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import os
import tempfile
from array import array
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

from digest import zh

LOGGER = logging.getLogger(__name__)

UNKNOWN_POS = "x"  # the tag given to a word jieba's dictionary lacks
CACHE_FORMAT = b"digest-lexicon 1"  # changes whenever what the cache holds changes
Entry = tuple[str | None, float | None]  # (dictionary tag, IDF), either may be missing
NOT_KNOWN: Entry = (None, None)


@dataclass(frozen=True)
class Lexicon:
    """What jieba knows of each word: the part of speech its dictionary gives it and its IDF."""

    entries: dict[str, Entry]  # dictionary word → (tag, IDF), the IDF may be missing
    median_idf: float  # the IDF jieba.analyse gives a word its table lacks
    other_idf: dict[str, float] = field(default_factory=dict)  # IDF of the words the dictionary lacks

    def tag(self, word: str) -> str:
        """The word's dictionary part of speech, UNKNOWN_POS for a word the dictionary lacks."""
        return self.entries.get(word, NOT_KNOWN)[0] or UNKNOWN_POS

    def in_dictionary(self, word: str) -> bool:
        """Whether jieba's dictionary holds the word."""
        return self.entries.get(word, NOT_KNOWN)[0] is not None

    def idf(self, word: str) -> float:
        """The word's IDF, the median for a word the table lacks (as jieba.analyse does)."""
        entry = self.entries.get(word)
        value = entry[1] if entry is not None else self.other_idf.get(word)
        return self.median_idf if value is None else value


@functools.cache
def load_lexicon() -> Lexicon:
    """jieba's dictionary tags and IDF table, once per process, from the cache when it holds them."""
    return read_lexicon(cache_folder())


def cache_folder() -> Path:
    """Where the cache is kept: the user's cache folder (an absolute XDG_CACHE_HOME, else ~/.cache), else a
    folder of the user's own in the temp folder (a cron job may run without a home)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative path is ignored
        home = os.path.expanduser("~")
        base = os.path.join(home, ".cache") if home != "~" and os.path.isdir(home) else ""
    if base:
        return Path(base) / "digest"
    return Path(tempfile.gettempdir()) / f"digest-cache-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


def read_lexicon(folder: Path) -> Lexicon:
    """The lexicon from the cache in `folder`, or read from jieba's files and cached there."""
    jieba = zh.load_jieba()
    words = [word for word, frequency in jieba.dt.FREQ.items() if frequency]
    key = _tables_key(jieba, len(words))
    path = folder / f"digest-lexicon.{key[:16]}.cache"
    cached = _read_cache(path, key, len(words))
    if cached is not None:
        pairs, indices, others, median = cached
        return Lexicon(dict(zip(words, map(pairs.__getitem__, indices), strict=True)), median, others)
    lexicon = _parse_tables(jieba, words)
    _write_cache(path, key, words, lexicon)
    return lexicon


def _tables_key(jieba: Any, words: int) -> str:
    """A digest of the two tables' files and the size of jieba's loaded dictionary: what the cache is for."""
    key = hashlib.sha256(CACHE_FORMAT + b" %d\n" % words)
    with jieba.get_dict_file() as dictionary, _idf_file() as idf:
        for file in (dictionary, idf):
            while chunk := file.read(1 << 20):
                key.update(chunk)
    return key.hexdigest()


def _idf_file() -> IO[bytes]:
    return resources.files("jieba").joinpath("analyse/idf.txt").open("rb")


def _parse_tables(jieba: Any, words: list[str]) -> Lexicon:
    """The lexicon read from the two tables, keyed by `words` (the segmenter's own strings).

    Updating a key keeps the string it holds, and each distinct (tag, IDF) pair is
    stored once: the map takes about 25 MB, where the two tables as jieba keeps them
    take 130 MB with the tagger's model.
    """
    entries = dict.fromkeys(words, NOT_KNOWN)
    shared: dict[Entry, Entry] = {}
    with jieba.get_dict_file() as dictionary:
        for line in dictionary:
            word, _, tag = line.decode("utf-8").strip().split(" ")
            entries[word] = shared.setdefault((tag, None), (tag, None))
    # The IDF table's words the dictionary lacks (a twentieth of it) go to a map of their own: they have
    # no tag, and left out the dictionary's map stays in the hash table its own words fill (8 MB, not 15).
    others: dict[str, float] = {}
    values = array("d")
    with _idf_file() as idf:
        for line in idf:
            word, number = line.decode("utf-8").strip().split(" ")
            value = float(number)
            if word in entries:
                pair = (entries[word][0], value)
                entries[word] = shared.setdefault(pair, pair)
            else:
                others[word] = value
            values.append(value)
    median = sorted(values)[len(values) // 2]
    return Lexicon(entries, median, others)


def _read_cache(path: Path, key: str, count: int) -> tuple[list[Entry], array[int], dict[str, float], float] | None:
    """The cache's distinct entries, each word's index among them, the other IDFs and the median; None when
    the file is missing, damaged or made for other tables."""
    try:
        # marshal data is only as safe as its writer: a file someone else wrote is not read.
        if hasattr(os, "getuid") and path.stat().st_uid != os.getuid():
            return None
        data = marshal.loads(path.read_bytes())
        stored_key, pairs, packed, others, median = data
        indices = array("I")
        indices.frombytes(packed)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if stored_key != key or len(indices) != count or not isinstance(others, dict) or not isinstance(median, float):
        return None
    if not isinstance(pairs, list) or (indices and max(indices) >= len(pairs)):
        return None
    return pairs, indices, others, median


def _write_cache(path: Path, key: str, words: list[str], lexicon: Lexicon) -> None:
    """Write the cache beside a temporary name and rename it into place, so no reader sees half a file."""
    pairs: dict[Entry, int] = {}
    indices = array("I", (pairs.setdefault(lexicon.entries[w], len(pairs)) for w in words))
    data = marshal.dumps((key, list(pairs), indices.tobytes(), lexicon.other_idf, lexicon.median_idf))
    written: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: see _read_cache
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, delete=False) as file:
            written = file.name
            file.write(data)
        os.replace(written, path)
    except OSError as e:
        LOGGER.info("jieba's word tables are not cached (%s): they will be read again next run", e)
        if written is not None:
            Path(written).unlink(missing_ok=True)
