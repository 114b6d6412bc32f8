"""Chinese text rules shared by every stage: character classes, spacing,
punctuation width, sentence and clause marks, sentence splitting, numbered-list
markers and the page conventions of Chinese newspapers (column kickers, running
headers).

Rules here rely only on Unicode properties, on the punctuation conventions of
modern written Chinese (GB/T 15834) and on how Chinese newspapers set a page,
never on any particular publication. Each convention is written here once.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import unicodedata
import warnings
from collections.abc import Sequence
from importlib import resources
from types import ModuleType

# Han ideographs plus the CJK punctuation and full-width forms that sit between them.
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = (r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
             r"\u2014\u2026\u2018\u2019\u201c\u201d\u00b7")

# A space between two CJK characters (or CJK punctuation) never carries meaning.
_SPACE_IN_CJK = re.compile(f"(?<=[{CJK}{CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[{CJK}{CJK_PUNCT}])")
# Letter-spaced numbers ("4 月 28 日", "100 周年") lose the space next to a CJK character.
_SPACE_DIGIT_CJK = re.compile(f"(?<=[0-9])[ \t\u3000\u00a0]+(?=[{CJK}{CJK_PUNCT}])")
# The same space on the other side: between CJK and a digit ("第 5 版").
_SPACE_CJK_DIGIT = re.compile(f"(?<=[{CJK}{CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[0-9])")
_SPACES = " \t\u3000\u00a0"  # the spaces the three patterns above drop

# Half-width punctuation shown full-width when a CJK character touches it.
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_MARKS = "".join(_HALF_TO_FULL)  # what the pattern below can match
# A half-width mark with a CJK neighbour, or a half-width opening bracket right after a Han character.
_HALF_PUNCT_IN_CJK = re.compile(
    f"(?<=[{CJK}{CJK_PUNCT}])([,:;?!)])|([,:;?!(])(?=[{CJK}{CJK_PUNCT}])|(?<=[{CJK}])(\\()"
)

# --- Sentence and clause marks ----------------------------------------------
# The marks of GB/T 15834, full- and half-width. Every stage builds its sentence
# rules from these few definitions.

SENTENCE_END = "。！？!?"  # marks that end a sentence
QUESTION_MARKS = "？?"
EXCLAMATION_MARKS = "！!"
SEMICOLONS = "；;"
COLONS = "：:"
ELLIPSIS = "…"
# Paired marks: an end mark inside a pair does not end the sentence around it.
PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』", "（": "）", "(": ")", "《": "》", "【": "】", "〔": "〕"}
CLOSERS = "".join(PAIRS.values())
# After an ellipsis one of these means the sentence goes on ("……，" lists continue).
_CLAUSE_MARKS = "，、；：,;:"
# Any mark that ends a sentence or a clause: a line holding one reads as prose, not a heading.
PROSE_MARK = re.compile(f"[{re.escape(SENTENCE_END + _CLAUSE_MARKS)}]")
# A sentence end or a semicolon anywhere in the text: a line holding one has
# finished a statement (a heading holds none, however long).
SENTENCE_STOP = re.compile(f"[{re.escape(SENTENCE_END + SEMICOLONS)}]")
# A full stop or a semicolon anywhere in the text: a headline may ask or exclaim
# midway ("某某！某某某某"), but never states something and goes on.
STATEMENT_STOP = re.compile(f"[。{SEMICOLONS}]")
# Text ending on a mark that can close a paragraph, closing quotes and brackets
# perhaps after it: a sentence end or an ellipsis, or a semicolon or colon (the
# items of a list and the line that introduces them end so).
PARAGRAPH_END = re.compile(f"[{re.escape(SENTENCE_END + ELLIPSIS + SEMICOLONS + COLONS)}][{re.escape(CLOSERS)}]*$")
# Text ending a sentence, closing quotes and brackets perhaps after it ("。", "？”", "……"): a colon or
# semicolon ends a clause, which a paragraph may go on after.
SENTENCE_CLOSE = re.compile(f"(?:[{re.escape(SENTENCE_END)}]|{ELLIPSIS})[{re.escape(CLOSERS)}]*$")
# A sentence end in running text as the list reader counts them: a run of end
# marks with the closing marks after it, or a double ellipsis. Quotes are not
# tracked (see split_sentences for that): it measures items, it does not cut them.
SENTENCE_END_RUN = re.compile(f"[{re.escape(SENTENCE_END)}]+[{re.escape(CLOSERS)}]*|{ELLIPSIS}{{2}}")
# What the splitter looks at: an opening or closing mark, or a run of end marks
# with the closing marks after it.
_MARKS = re.compile(
    f"[{re.escape(''.join(PAIRS))}]|[{SENTENCE_END}{ELLIPSIS}]+[{re.escape(CLOSERS)}]*|[{re.escape(CLOSERS)}]"
)


def collapse_cjk_spaces(text: str) -> str:
    """Undo letter-spacing: drop spaces that touch CJK on both sides, or a digit and CJK."""
    if not _holds_any(text, _SPACES):
        return text
    return collapse_number_spaces(_SPACE_IN_CJK.sub("", text))


def _holds_any(text: str, chars: str) -> bool:
    """Whether any of `chars` occurs in `text`: a scan far cheaper than a pattern with a look-behind, which
    these text rules run on every line of every page."""
    for char in chars:  # noqa: SIM110  (a loop: a generator costs more than the scans on a short line)
        if char in text:
            return True
    return False


def collapse_number_spaces(text: str) -> str:
    """Drop only the spaces between a number and CJK text ("4 月 28 日"): they never
    carry meaning, unlike a space between two names."""
    if not _holds_any(text, _SPACES):
        return text
    return _SPACE_CJK_DIGIT.sub("", _SPACE_DIGIT_CJK.sub("", text))


def fullwidth_punctuation(text: str) -> str:
    """Show ASCII punctuation that touches Han characters in its full-width form.

    URLs and numbers are left alone: a colon or comma between digits or Latin
    letters has no CJK neighbour and is not matched.
    """

    def swap(match: re.Match[str]) -> str:
        return _HALF_TO_FULL[match.group(0)]

    if not _holds_any(text, _HALF_MARKS):
        return text
    return _HALF_PUNCT_IN_CJK.sub(swap, text)


def normalize_spacing(text: str) -> str:
    """Letter-spacing undone and punctuation shown in its Chinese width."""
    return fullwidth_punctuation(collapse_cjk_spaces(text)).strip()


def _open_pairs(line: str) -> dict[str, str]:
    """The pairs a line opens and closes equally often; an unbalanced pair (a quote
    cut by a line break, an apostrophe) is not trusted to hide end marks."""
    return {o: c for o, c in PAIRS.items() if line.count(o) and line.count(o) == line.count(c)}


def _sentence_ends(line: str) -> list[int]:
    """Offsets just after each sentence end of one line.

    An end is a run of 。！？ or of ellipsis marks outside any balanced pair, with
    the closing marks that follow it; an ellipsis followed by a comma-like mark
    sits inside its sentence.
    """
    pairs = _open_pairs(line)
    openers = {c: o for o, c in pairs.items()}
    stack: list[str] = []
    ends: list[int] = []
    for match in _MARKS.finditer(line):
        marks = match.group(0)
        if marks[0] in PAIRS:
            if marks[0] in pairs:
                stack.append(marks[0])
            continue
        for char in marks:  # a lone closer, or the closers after an end run
            if stack and openers.get(char) == stack[-1]:
                stack.pop()
        if marks[0] in CLOSERS:
            continue
        only_ellipsis = marks.rstrip(CLOSERS).strip(ELLIPSIS) == ""
        if not stack and not (only_ellipsis and line[match.end() : match.end() + 1] in set(_CLAUSE_MARKS)):
            ends.append(match.end())
    return ends


# A word worth counting holds a Han character, a Latin letter or a digit.
_ALNUM = "A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"  # ASCII and full-width
# A run of characters that are neither Han nor letters nor digits (punctuation, spaces).
_NON_WORD = re.compile(f"[^{CJK}{_ALNUM}]+")


def squeeze(text: str) -> str:
    """The text without punctuation and spaces."""
    return _NON_WORD.sub("", text)


def char_bigrams(text: str) -> list[str]:
    """Pairs of neighbouring characters, punctuation left out: the terms of Chinese
    text without a dictionary, enough to compare texts cheaply."""
    chars = squeeze(text).lower()
    return [chars[i : i + 2] for i in range(len(chars) - 1)]


def split_sentences(text: str) -> list[str]:
    """Split Chinese text into sentences, each line on its own.

    A sentence ends at a run of 。！？ or an ellipsis and keeps the closing quotes
    and brackets that follow ("……。”" stays whole). End marks inside a balanced
    quotation or bracket do not split it: the quotation ends with its closing
    mark. A full stop between digits (3.5, 2024.5.1) is ASCII and never a
    boundary. Text after the last end mark is a sentence of its own, so nothing
    is lost.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        start = 0
        for end in [*_sentence_ends(line), len(line)]:
            sentence = line[start:end].strip()
            if sentence:
                sentences.append(sentence)
            start = end
    return sentences


@functools.cache
def load_jieba() -> ModuleType:
    """jieba with its dictionary loaded, once per process.

    Every stage that needs words calls this, and only when it has work, so a run
    with nothing new never pays for the dictionary. jieba's tagger and keyword
    extractor are left out: importing them loads HMM tables and a second copy of
    the dictionary (130 MB together) that no stage uses.
    """
    # jieba imports the deprecated pkg_resources (0.6 s and 15 MB) only to open its own data files, and
    # opens them by path when that import fails: it is kept from jieba, and only from jieba.
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # should pkg_resources be loaded already, its deprecation warning
            import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def word_runs_across(left: str, right: str) -> bool:
    """A word of jieba's dictionary runs across the join of `left` and `right`: segmented
    together (by the dictionary alone, so the answer never varies), no word ends where
    `left` does ("农机驶" + "向海外" → 驶向)."""
    if not left or not right:
        return False
    ends = 0
    for word in load_jieba().lcut(left + right, HMM=False):
        ends += len(word)
        if ends >= len(left):
            return ends > len(left)
    return False


@functools.cache
def stop_words() -> frozenset[str]:
    """The Chinese stop words of `data/stopwords_zh.txt` (function words that say
    nothing about a text's topic), read once per process."""
    return _word_list("data/stopwords_zh.txt")


@functools.cache
def corpus_verbs() -> frozenset[str]:
    """Words jieba's dictionary tags as nouns that a hand-tagged newspaper corpus
    uses as verbs (牢记, 铸就, 挂帅): what a piece does, never what it is about.
    `data/zh_corpus_verbs.txt`, built by `benchmarks/themes.py --verbs`."""
    return _word_list("data/zh_corpus_verbs.txt")


def _word_list(name: str) -> frozenset[str]:
    """The words of a packaged list, one a line, lines starting with # left out."""
    text = resources.files("digest").joinpath(name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


# --- Numbered markers ------------------------------------------------------
# The markers that open the items of a numbered list in Chinese prose, shared by
# the parser (a marker at a line start is a paragraph-start cue) and by
# `digest.parse.lists` (which reads the lists). They rely only on the enumeration
# conventions of written Chinese: 第一，/一是/一要/其一，/首先，/（一）/1./①.
# A marker only counts where a new item can begin: see marker_boundary().

CN_NUMERALS = "一二三四五六七八九十"
_CN_NUM = f"[{CN_NUMERALS}]{{1,3}}"
CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
SEQUENCE_WORDS = ("首先", "其次", "再次", "最后")

# What may follow "一、" when the numeral after it starts an enumeration of its own
# (一、二线城市, 一、二产业, 一、二等奖) rather than the heading's text (三、一以贯之…).
_ENUMERATED_NUMERAL = rf"[{CN_NUMERALS}](?:[{CN_NUMERALS}、，,和与及或至到]|线|产|类|级|等|期|批|档|季|次|号|代|年|月)"

# Each family is a named alternative; the number is in the group named after it.
# The lookaheads keep out words built on numerals: 第一次/第一线 (no punctuation
# after 第一), 第一、二产业 (a numeral follows 、), "一是一、二是二" and 一是否.
# 第一是/第二是 (the spoken style of interviews) is a family of its own, read
# inside sentences like 一是.
LIST_MARKER = re.compile(
    "|".join(
        (
            rf"(?P<ordinal>第(?P<ordinal_n>{_CN_NUM})(?:[，：:,]|、(?![{CN_NUMERALS}第])))",
            rf"(?P<dishi>第(?P<dishi_n>{_CN_NUM})是(?![{CN_NUMERALS}否]))",
            rf"(?P<shi>(?P<shi_n>{_CN_NUM})是(?![{CN_NUMERALS}否]))",
            rf"(?P<yao>(?P<yao_n>{_CN_NUM})要(?![素求点件害]))",
            rf"(?P<qi>其(?P<qi_n>[{CN_NUMERALS}])[，、：:,是])",
            rf"(?P<sequence>(?P<sequence_w>{'|'.join(SEQUENCE_WORDS)})(?:[，、：:,]|(?=[要是])))",
            rf"(?P<paren>[（(](?P<paren_n>{_CN_NUM}|\d{{1,2}})[）)])",
            r"(?P<arabic>(?P<arabic_n>\d{1,2})(?:[.．、](?!\d)))",
            rf"(?P<circled>(?P<circled_n>[{CIRCLED_DIGITS}]))",
            rf"(?P<dun>(?P<dun_n>{_CN_NUM})、(?!{_ENUMERATED_NUMERAL}))",
        )
    )
)
# 一、二、… heads sections; inside a sentence it is a plain enumeration (一、二线城市),
# so it counts only at a paragraph start.
PARAGRAPH_FAMILIES = frozenset({"dun"})

# A new item begins at a paragraph start or right after a sentence end, a
# semicolon or a colon (closing quotes/brackets and spaces may sit between);
# the families that are read inside sentences ("……，一是……，二是……") may also
# follow a comma. Anything else before a marker makes it part of a word
# (统一是, 唯一是, 之一是, 极其一, 进一步).
ITEM_BREAKS = "。！？!?；;：:"
# 首先/其次 often follow a comma after a speaker ("某某分析，首先，……").
COMMA_FAMILIES = frozenset({"shi", "dishi", "yao", "qi", "circled", "sequence"})
_QUOTE_OPENERS = "“‘「『"


def marker_boundary(text: str, pos: int) -> str:
    """What precedes a marker found at `pos`: "paragraph", "sentence", "comma" or "" (inside a word).

    "sentence" covers 。！？；： with closing quotes/brackets in between (……。”一是);
    an opening quote may stand right before the marker (认为：“一是……).
    """
    i = pos
    while i > 0 and text[i - 1] in " \t\u3000" + _QUOTE_OPENERS:
        i -= 1
    if i == 0 or text[i - 1] == "\n":
        return "paragraph"
    j = i
    while j > 0 and text[j - 1] in CLOSERS:
        j -= 1
    if j > 0 and text[j - 1] in ITEM_BREAKS:
        return "sentence"
    return "comma" if j == i and text[i - 1] in "，," else ""


def cn_number(numeral: str) -> int:
    """Value of a Chinese numeral up to 九十九 (一 → 1, 十二 → 12, 二十 → 20), or of digits."""
    if numeral in CIRCLED_DIGITS:  # checked first: str.isdigit() is true for ① too
        return CIRCLED_DIGITS.index(numeral) + 1
    if numeral.isdigit():
        return int(numeral)
    if "十" not in numeral:
        return CN_NUMERALS.index(numeral) + 1 if len(numeral) == 1 else -1
    tens, _, units = numeral.partition("十")
    value = (CN_NUMERALS.index(tens) + 1 if tens else 1) * 10
    return value + (CN_NUMERALS.index(units) + 1 if units else 0)


# 首先, 其次, 再次 number their items; 最后 closes a run of however many.
_SEQUENCE_NUMBERS = {word: n for n, word in enumerate(SEQUENCE_WORDS[:-1], 1)}


def marker_number(marker: re.Match[str]) -> int:
    """The item number a LIST_MARKER match stands for: its numeral's value (第三 → 3, ② → 2),
    1 to 3 for 首先, 其次, 再次, and 0 for 最后, the last of however many."""
    family = marker.lastgroup or ""
    if family == "sequence":
        return _SEQUENCE_NUMBERS.get(marker.group("sequence_w"), 0)
    return cn_number(marker.group(f"{family}_n"))


def starts_with_list_marker(text: str) -> bool:
    """True when the text opens with a numbered-list marker (a paragraph-start cue)."""
    return LIST_MARKER.match(text.lstrip()) is not None


# --- Page conventions ------------------------------------------------------
# How Chinese newspaper pages set their furniture, shared by the parser and by the
# stages that read titles.

# A column's name in brackets closing a headline, "标题（栏目）" or
# "标题（国际视点·专题）", group 1 the name: two to sixty characters, perhaps
# with a pair of its own after them ("（某某论坛（第二期））"). A one-character
# note is a part number or a picture note ("（上）", "（图）"), not a column.
COLUMN_KICKER = re.compile(r"[（(]([^（）()]{2,60}(?:[（(][^（）()]*[)）][^（）()]*)*)[)）]\s*$")
# The date printed in a page's running header: "2024年5月6日", "2024-05-06", "2024.5.6".
PAGE_DATE = r"\d{4}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}"
# A page's number in its running header: "第5版".
PAGE_NUMBER = r"第\s*\d+\s*版"
# A masthead line "某报 2024-05-06 第05版：理论": the paper, the date's parts, the page and its section.
_MASTHEAD_PARTS = re.compile(
    r"^(?P<paper>\S{2,12}?)\s*(?P<y>\d{4})\s*[-年./]\s*(?P<m>\d{1,2})\s*[-月./]\s*(?P<d>\d{1,2})\s*日?"
    r"\s*(?:星期.)?\s*第\s*0*(?P<page>\d+)\s*版\s*[：:]?\s*(?P<section>\S{0,12})"
)


def masthead_name(line: str) -> str | None:
    """A masthead line as the issue's name, the way a paper prints it ("某报 2024年5月6日 第5版 理论"), or None."""
    found = _MASTHEAD_PARTS.match(line.strip())
    if not found:
        return None
    parts = [found["paper"], f"{found['y']}年{int(found['m'])}月{int(found['d'])}日", f"第{found['page']}版",
             found["section"]]
    return " ".join(part for part in parts if part)


# --- Display width and line breaking ---------------------------------------
# For text shown in a terminal (the email's plain-text part): Han characters and
# full-width forms take two columns (Unicode East Asian Width W/F), and lines
# follow the usual Chinese line-breaking rules — closing punctuation never begins
# a line, opening punctuation never ends one — while Latin words, numbers and
# URLs are never split.

NO_LINE_START = "，。、；：！？）》」』】〕〉”’…—·%,.;:!?)]}"
NO_LINE_END = "（《「『【〔〈“‘([{"
# What line breaking never splits: a run of printable ASCII holding a letter or digit
# (a Latin word, a number, a URL), a run of spaces, or else one character.
_BREAK_UNIT = re.compile(r"[!-~]*[0-9A-Za-z][!-~]*|\s+|.", re.DOTALL)


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: two for wide characters, none for combining marks."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _break_atoms(text: str) -> list[str]:
    """Pieces a line may break between: a Latin word, a space run or one character,
    with closing punctuation glued to what precedes it and opening punctuation to
    what follows."""
    atoms: list[str] = []
    glue_next = False
    for unit in _BREAK_UNIT.findall(text):
        if len(atoms) > 1 and unit[0] in NO_LINE_START and atoms[-1].isspace():
            space = atoms.pop()
            atoms[-1] += space  # "word 。": the mark stays with the word across the space
        if atoms and (glue_next or unit[0] in NO_LINE_START) and not unit.isspace():
            atoms[-1] += unit
        else:
            atoms.append(unit)
        glue_next = unit[-1] in NO_LINE_END
    return atoms


def wrap_columns(text: str, width: int) -> list[str]:
    """Wrap one paragraph into lines of at most `width` columns.

    A piece that cannot be broken and is wider than a line (a long URL) gets a
    line of its own rather than being cut.
    """
    lines: list[str] = []
    line, used = "", 0
    for atom in _break_atoms(" ".join(text.split())):
        atom_width = display_width(atom)
        if line and used + atom_width > width:
            lines.append(line.rstrip())
            line, used = "", 0
        if not line and atom.isspace():
            continue
        line, used = line + atom, used + atom_width
    if line.strip():
        lines.append(line.rstrip())
    return lines


# --- Sentences that lean on the one before ---------------------------------
# A sentence that opens with a connective (因此, 同时, 此外, 但…) or a pointer
# (这, 此举, 上述, 他们…) takes its meaning from what precedes it: lifted out alone
# it reads as an answer to a question nobody asked. An editor who lifts such a
# sentence drops a connective that stands as a clause of its own ("由此而言，…");
# a pointer woven into the sentence cannot be dropped. The lists are of the
# conjunctions, demonstratives and pronouns of written Chinese, not of any one
# publication.

# A discourse connective that ties a sentence to the one before it.
_CONNECTIVES = (
    "因此|因而|所以|于是|故而|可见|由此|为此|对此|就此|据此|从而|进而|继而|然后|接着|随后|"
    "综上所述|综上|总之|总而言之|总的来看|总的来说|"
    "此外|另外|另一方面|与此同时|同时|同样|而且|并且|况且|何况|甚至|更重要的是|不仅如此|除此之外|"
    "但是|但|然而|不过|可是|只是|否则|反之|相反|尽管如此|即便如此|换言之|换句话说|也就是说|而(?!今)|"
    "比如|例如|譬如|比方说"  # an instance of what the sentence before said
)
# A word whose antecedent is in an earlier sentence: a demonstrative, a third-person pronoun.
_POINTERS = (
    "这|那么(?=[，,])|那(?=[些种个])|此(?=[举时次前后类种])|上述|以上|前者|后者|该(?=[项类])|"
    "其(?![实他它])|他们|她们|它们|他(?![人乡])|她"
)
# A connective or pointer at the very start of a sentence, after any opening quote or bracket.
DANGLING_OPENER = re.compile(f"[“‘「『（(]*(?:{_CONNECTIVES}|{_POINTERS})")
# A demonstrative inside the opening clause (基于这些成果，/在此基础上，/正因如此，): the
# clause says where the sentence stands relative to what was said before.
_POINTER_IN_OPENING_CLAUSE = re.compile(r"[^，,：:；;。！？]*?(?:这|(?<!彼)此|上述)")
# A connective standing as a clause of its own at the start (因此，/由此而言，/所以说，).
_CONNECTIVE_CLAUSE = re.compile(f"(?:{_CONNECTIVES})(?:而言|可见|看来|来看|说)?[，,]\\s*")
# What ends a list marker that stands as a clause of its own (第四，/其三，/其次，/最后：): such an
# ordinal places the sentence in a list the summary does not show, and says nothing of its own.
_CLAUSE_ENDS = "，,：:"


def leans_on_previous(sentence: str) -> bool:
    """True when the sentence opens with a connective or pointer whose antecedent is
    the sentence before it (因此…, 这也…, 此外…), its opening clause points back
    (基于这些成果，…), or it opens a later item of a list (二是…, 其次…, 第三，…):
    lifted out alone, "the second" asks for the first."""
    text = sentence.strip()
    return (
        DANGLING_OPENER.match(text) is not None
        or _POINTER_IN_OPENING_CLAUSE.match(text) is not None
        or _opens_later_item(text)
    )


def _opens_later_item(text: str) -> bool:
    """True when the text opens with the marker of a list item after the first (二是, 第三，, 其次，, ②)."""
    marker = LIST_MARKER.match(text)
    return marker is not None and marker_number(marker) != 1


def drop_leading_connective(sentence: str) -> str:
    """The sentence without a connective or an item's ordinal that stands as a clause
    of its own at its start ("由此而言，当下…" → "当下…", "第四，追求卓越…" →
    "追求卓越…"), as an editor lifts it; else unchanged."""
    text = sentence.strip()
    clause = _CONNECTIVE_CLAUSE.match(text)
    if clause:
        return text[clause.end() :]
    marker = LIST_MARKER.match(text)
    return text[marker.end() :].lstrip() if marker and marker.group(0)[-1] in _CLAUSE_ENDS else text


# Quotations whose balance `quotes_balanced` checks, opener to closer.
_QUOTATIONS = {"“": "”", "「": "」", "『": "』"}
_QUOTATION_OF = {closer: opener for opener, closer in _QUOTATIONS.items()}
# An opening or closing double quotation mark or corner bracket.
_QUOTATION_MARK = re.compile(f"[{''.join(_QUOTATIONS)}{''.join(_QUOTATIONS.values())}]")


def quotes_balanced(text: str) -> bool:
    """True when every quotation the text opens (“…”, 「…」, 『…』) it also closes, in
    order: a piece that starts or ends inside a quotation is not a whole sentence.
    Single quotes are left out: they nest inside double ones, and ’ is also an apostrophe."""
    depth = dict.fromkeys(_QUOTATIONS, 0)
    for mark in _QUOTATION_MARK.findall(text):
        opener = _QUOTATION_OF.get(mark, mark)
        depth[opener] += 1 if mark == opener else -1
        if depth[opener] < 0:
            return False
    return not any(depth.values())


# --- Sentences that state a point -----------------------------------------------
# Commentary states its point as a condition and what follows from it (只有…才能…,
# 只要…就会…) or as a pair of correlated clauses (既…也…, 不是…而是…); a sentence that
# reports a fact or an instance rarely takes either shape. The words are the
# correlative conjunctions of written Chinese grammar (条件复句, 并列与递进复句), not any
# publication's phrasing.

# The second half of a condition–consequence sentence (…才能…, …就会…, …终将…) or its first (只有…, 只要…).
CONSEQUENCE = re.compile("(?:才|就|方|便|定|必|终)(?:能|会|将|可)|只有|只要|唯有|唯其")
# A pair of correlated clauses: 既…也/又, 不是…而是, 不仅/不但…也/更/还/而且, 一方面…另一方面.
CORRELATIVE = re.compile(
    "既(?!然)[^。；;]{1,40}(?:也|又)|不是[^。；;]{1,40}而是|"
    "不(?:仅|但|只)[^。；;]{1,40}(?:也|更|还|而且)|一方面[^。；;]{1,60}另一方面"
)


def states_consequence(text: str) -> bool:
    """True when the text holds a condition–consequence marker (只有…才能, …就会…)."""
    return CONSEQUENCE.search(text) is not None


def pairs_clauses(text: str) -> bool:
    """True when the text holds a pair of correlated clauses (既…也…, 不是…而是…)."""
    return CORRELATIVE.search(text) is not None


# The inclusive first person plural: the writer speaking for the readers (我们要…, 咱们…).
WE = re.compile("我们|咱们")
# A quotation, from its opening mark to its closing one (“…”, 「…」, 『…』), nesting left out.
QUOTATION = re.compile("|".join(f"{opener}[^{closer}]*{closer}" for opener, closer in _QUOTATIONS.items()))


def speaks_for_readers(text: str) -> bool:
    """True when the writer says "we" (我们, 咱们) outside any quotation: a commentary
    states its point in the voice it shares with its readers, while a report's
    "we" is someone else's, quoted."""
    return WE.search(QUOTATION.sub("", text)) is not None


# --- News reports --------------------------------------------------------------------
# A news report opens with its dateline (本报北京8月3日电, 新华社上海5月6日电, 本报讯, 某某网讯)
# or a reporter's credit in brackets (（记者 王某）); a wire or web report that has lost both
# still opens on its source's words or on the day of the event, and attributes. Written as an
# inverted pyramid, its lead sentences are its summary, whatever a commentary's clues say.

# A dateline or reporter's credit within the first clause or two of a text.
NEWS_DATELINE = re.compile(
    r"^[^。！？]{0,40}?(?:[0-9０-９]{1,2}月[0-9０-９]{1,2}日(?:电|讯)|(?:本报|[^，。！？\s]{1,8}(?:网|报|社|台))讯|"
    r"[（(](?:本报|特派|驻[^）)]{1,8})?记者[^）)]{1,20}[）)])"
)


def opens_with_dateline(text: str) -> bool:
    """True when the text starts as a news report does, with a dateline or a reporter's credit."""
    return NEWS_DATELINE.match(text.strip()) is not None


# A clause that is a day of the calendar and nothing more, opening the sentence or after a comma
# (5月31日，/ 当地时间11月21日，/ 2019年2月17日下午，): the "when" a report's lead opens with.
DATED_CLAUSE = re.compile(
    r"(?:^|[，,])(?:当地时间|北京时间)?(?:[0-9０-９]{2,4}年)?[0-9０-９]{1,2}月[0-9０-９]{1,2}日"
    r"(?:[上中下]午|早上|晚上|晚间|凌晨|清晨|傍晚|晚)?[，,]"
)
# A reporter's attribution, a source's words or the reporter's source: …表示，/ …介绍：/ 介绍说 /
# 据…报道 (消息, 介绍, 了解, 称) / 记者…获悉 / …透露. Theory and commentary cite doctrine instead
# (…指出, …强调); a figure's source (据统计), a court's 诉称 or 简称, a quoted 说：“ (a commentary
# opens on 俗话说 or on what a passer-by said as readily as a report) and an event told (…宣布…,
# as a theory piece opens on a founding day) are no reporter's source.
ATTRIBUTION = re.compile(
    r"(?:表示|介绍)[，,：:]|介绍说|据[^，。！？]{0,15}?(?:报道|消息|介绍|了解|称)|获悉|透露"
)


def reads_as_report(sentences: Sequence[str]) -> bool:
    """True when the sentences read as a news report: the first opens with a dateline
    or a reporter's credit, or attributes what it says to a source (某某表示，…), or
    gives the day of the event while a later sentence attributes. A dated opening
    alone is no report: commentary and theory pieces open on the day of a speech or a
    law (4月28日，…在大会上…) and go on to argue, citing no source."""
    if not sentences:
        return False
    lead = sentences[0]
    attributed = ATTRIBUTION.search(lead) is not None
    dated = DATED_CLAUSE.search(lead) is not None and any(ATTRIBUTION.search(s) for s in sentences[1:])
    return opens_with_dateline(lead) or attributed or dated


# --- Offices ------------------------------------------------------------------------
# An office or title (总书记, 村支书, 部长, 董事长) says who speaks or acts in a piece, as a
# person's name does, not what the piece is about: it names no theme and is no keyword.

# A word ending in an office: posts of party and state, heads of bodies, firms and schools, envoys.
OFFICE_TITLE = re.compile(
    "(?:书记|支书|主席|总理|部长|局长|厅长|处长|科长|省长|市长|县长|区长|镇长|乡长|村长|主任|院长|校长|"
    "所长|馆长|社长|会长|理事长|行长|董事长|总经理|总裁|总统|首相|大使|秘书长|委员长|司令员|政委)$"
)


def names_an_office(word: str) -> bool:
    """True for a word that names an office or its holder's title (总书记, 党支部书记, 副市长)."""
    return OFFICE_TITLE.search(word) is not None


# A word holding 某 ("a certain") stands for a party a text leaves unnamed: court reports and
# case studies write 葛某, 张某某, 王某成 for people and 某省, 某公司 for places and firms.
UNNAMED = "某"


def names_someone_unnamed(word: str) -> bool:
    """True for a word that stands for an unnamed person or body (葛某, 张某某, 某公司)."""
    return UNNAMED in word
