"""What a line is, read from its shape and punctuation, never from the words of a page.

- Heading-like: short, without a full stop inside and not ending on a clause
  mark — a title, subheading, question, label or byline rather than prose. A
  column kicker closing a headline ("标题（栏目）", `zh.COLUMN_KICKER`) does not
  count towards its length; a line opening on a news dateline is text.
- End notes close an article: an author's note giving the affiliation
  "（作者为…）/（作者系…）/（作者单位：…）/（作者单位分别为…）", a compiler's
  note "（某某整理）", an editing or source credit ("策划/制图：…", "本版责编：…",
  "数据来源：…"), an editorial note ("（本文系…成果）", "（本文由…编辑）",
  "（下转第二版）") or a reporting note ("（某某参与采写）", "（本报某地某日电）").
- Page furniture: a masthead (a paper's name, a date and "第N版") and an
  editor's note ("编者按") introduce a page, not an article; a slogan
  ("学习贯彻…精神") beside a headline is a page banner.
- Parts of a head: a section label (two to eight characters, perhaps behind a
  decorative capital "G 某某某某"), a headline's kicker, a "——…" subtitle, a
  deck (a long summary line with a clause break).
- Pull quotes: a passage the page prints twice (compared without spaces or
  punctuation), or the text under a label such as "观点".

The reflow reads a few kinds of physical line too (a masthead line, a
dateline, a credit, a decorated label, a signed attribution, an author's note
opening): they decide where a paragraph ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from digest import zh
from digest.parse.bylines import byline, split_names

# A heading-like line is at most this long (headlines, labels and bylines are
# short); longer unfinished text is prose, not a headline or lead-in.
HEADING_MAX = 40
# A headline that asks or exclaims midway ("某某！某某某某") is at most this long.
_EXCLAIMING_HEADLINE_MAX = 16
# A summary line under a headline is at least this long.
_DECK_MIN = 24
# An editorial note is a line, not a paragraph.
_NOTE_MAX = 120
# A pull quote is at least this long; shorter repeats are set phrases.
PULL_QUOTE_MIN = 15
# The broken-off rest of a labelled pull quote is at most this long.
_QUOTE_REMNANT_MAX = 12
# Marks after which no headline ends: it has stated something, or goes on.
_STATEMENT_TAIL = "。；;：:，,、"
# Pairs whose opening mark, left open, holds a paragraph open (full- and half-width brackets count together).
_OPEN_CLOSE = (("“", "”"), ("（(", "）)"), ("《", "》"), ("‘", "’"), ("【", "】"))

# A question or exclamation mark before the end of the text.
_INNER_QUESTION = re.compile(f"[{re.escape(zh.QUESTION_MARKS + zh.EXCLAMATION_MARKS)}](?!$)")
# A question mark closing the text.
_QUESTION_END = re.compile(f"[{re.escape(zh.QUESTION_MARKS)}]$")
# A news story's dateline ("本报某地某月某日电", "某某社某地某月某日电"), a reporter's
# note in brackets perhaps after it: the first words of the story's first paragraph.
_DATELINE = re.compile(  # "…日电" but not "…日电影", "…日电视"
    f"^[{zh.CJK}]{{1,12}}?\\s*\\d{{1,2}}\\s*月\\s*\\d{{1,2}}\\s*日\\s*电(?![影视脑力网器话商子梯池站])"
)

# --- physical lines the reflow reads ----------------------------------------
# A masthead line: a date, then the page number ("…2024年5月6日 星期一 第5版").
_PAGE_HEADER = re.compile(f"{zh.PAGE_DATE}.*{zh.PAGE_NUMBER}")
# "策划/制图：某某": a short label, a colon and a name, with no other punctuation.
_CREDIT_LIKE = re.compile(f"^[{zh.CJK}/／、·]{{2,10}}[：:]\\s*[{zh.CJK}·、 ]{{2,16}}$")
# A label behind a decorative initial ("G 某某某某"), alone on its line: it always starts a line of its own.
_DECORATED_LINE = re.compile(f"^[A-Z] ?[{zh.CJK}]{{2,10}}$")
# A signed attribution "——单位 职务 姓名", group 2 the (perhaps padded) name after the last space.
_SIGNED_ATTRIBUTION = re.compile(f"^(——.+?)\\s+([{zh.CJK}](?:\\s?[{zh.CJK}]){{1,3}})$")
# The start of a bracketed note about the author ("（作者为…", "（作者单位：…"): it opens a line.
_AUTHOR_NOTE_START = re.compile(r"^[（(]作者")

# --- logical lines the segmenter reads --------------------------------------
# A masthead: a paper's name, a date and a page number at the start of a short line.
_MASTHEAD = re.compile(f"^\\S{{2,12}}\\s*{zh.PAGE_DATE}\\s*日?\\s*{zh.PAGE_NUMBER}")
_MASTHEAD_MAX = 60
# An editor's note opening: "编者按：", "【编者按】".
_EDITORS_NOTE = re.compile(r"^[【\[（(]?编者按[】\]）)]?\s*[：:]?")
# "（作者为…）", "（作者单位：…）", "（作者单位分别为…）": the author's affiliation, group 1.
_AFFILIATION_NOTE = re.compile(r"^[（(]作者(?:单位)?(?:分别)?(?:为|是|系|[：:])\s*(.+?)[)）]$")
# "（某某整理）", "（某某 编辑整理）": who compiled the piece, group 1.
_COMPILER_NOTE = re.compile(f"^[（(]([{zh.CJK}·]{{2,12}}?)(?:\\s*[{zh.CJK}]{{0,4}})?整理[)）]$")
# The roles an editing or source credit names.
_CREDIT_ROLES = r"(?:策划|制图|编辑|责编|责任编辑|美编|摄影|图片|设计|版式设计|撰文|文字|数据来源|资料来源)"
# "策划/制图：某某", "本版责编：某某", "数据来源：某某": a credit, group 1 what it credits.
_CREDIT = re.compile(f"^(?:本版|本期)?{_CREDIT_ROLES}(?:[/、·]{_CREDIT_ROLES})*\\s*[：:]\\s*(\\S.*)$")
# The credits that name who put the piece together (its compiler).
_COMPILING_ROLE = re.compile(r"^(?:策划|制图|整理|撰文|文字)")
# "（本文系…项目成果）", "（本文由…编辑）", "（下转第二版）": notes about the text, not the text.
_EDITORIAL_NOTE = re.compile(r"^[（(](?:本(?:文|版|栏|期)|上接|下转|接第|转第)")
# "（某某参与采写）", "（本报某地某日电）": who reported the piece, and from where.
_REPORTING_NOTE = re.compile(r"^[（(][^（）()]{1,40}(?:参与采写|采写|供稿|电)[)）]$")
# A lone Latin capital before a label ("G 某某某某"): ornament.
_DECORATIVE = re.compile(f"^[A-Za-z]\\s*(?=[{zh.CJK}])")
# A section label: two to eight Han characters (a middle dot allowed).
_LABEL = re.compile(f"^[{zh.CJK}·]{{2,8}}$")
# A slogan of study campaigns ("学习贯彻…精神"): a page banner, not a headline.
_BANNER = re.compile(r"(?:认真|深入|全面)?(?:学习|宣传|贯彻|践行|领会).*(?:精神|思想|篇章|新征程|新时代)")
_BANNER_MIN = 10
# A column's name that ends on the book it reads ("某某系列·《某书》通读"): a series
# name, a middle dot, a book title and at most eight characters after it ("第一至五卷通读").
_COLUMN_SERIES = re.compile(f"^[{zh.CJK}·]{{2,40}}·《[^《》\\s]{{1,30}}》[{zh.CJK}]{{0,8}}$")
# "——学习《某某》": a dash, a phrase without clause marks, a closing title or quotation mark (not a
# bracket: "——某某党校（某某学院）" opens an attribution that goes on with the contributor's post).
_CLOSED_SUBTITLE = re.compile(r"——[^，、,；;。：:]+[》”]")
# A column kicker printed on a line of its own, "（栏目）" (one character is a part number: "（上）").
_KICKER_LINE = re.compile(r"^[（(][^（）()]{2,60}[)）]$")
# "——单位 姓名" closing a compilation's item: group 1 the contributor's name.
_ATTRIBUTION = re.compile(f"^——.+\\s([{zh.CJK}]{{2,4}})$")
# Letters and digits: what is left of a passage when its spacing and punctuation go.
_KEEP = re.compile(f"[{zh.CJK}A-Za-z0-9]")
# Labels that set a pull quote apart: the paragraph under one is not text.
_PULL_QUOTE_LABELS = frozenset({"观点", "核心观点", "观点提要", "阅读提示"})


# --- heading or prose --------------------------------------------------------


def ends_sentence(text: str) -> bool:
    """True when the text ends with sentence-final punctuation (closing marks may follow),
    or is a bracketed remark closed on itself."""
    text = text.rstrip()
    if zh.PARAGRAPH_END.search(text):
        return True
    return text[:1] in "（(" and text[-1:] in "）)" and not has_open_pair(text)


def is_heading_like(text: str) -> bool:
    """Short, without a full stop inside and not ending on a clause mark: a title,
    subheading, question, label or byline rather than prose (a line opening on a
    news dateline is the story's text)."""
    text = text.strip()
    if _DATELINE.match(text):
        return False
    core = zh.COLUMN_KICKER.sub("", text) if len(text) > HEADING_MAX else text
    if not core or len(core) > HEADING_MAX or len(text) > 2 * HEADING_MAX or zh.STATEMENT_STOP.search(text):
        return False
    if text[-1] in "，、：,:":
        return False
    # a headline may ask before its kicker ("标题？（栏目）"), and a short one may exclaim
    # or ask midway ("某某！某某某某"); a longer line with a question inside is
    # prose that asks and answers
    headline = zh.COLUMN_KICKER.sub("", text) if text[:1] not in "（(" else text
    return not _INNER_QUESTION.search(headline) or len(headline) <= _EXCLAIMING_HEADLINE_MAX


def is_bare_heading(text: str) -> bool:
    """Short and without any sentence punctuation (a label, byline or headline)."""
    return len(text) <= HEADING_MAX and not zh.PROSE_MARK.search(text)


def has_open_pair(text: str) -> bool:
    """An opening quote or bracket is still open at the end of the text."""
    def count(marks: str) -> int:
        return sum(text.count(mark) for mark in marks)

    return any(count(openers) > count(closers) for openers, closers in _OPEN_CLOSE)


def asks(text: str) -> bool:
    """The text ends with a question mark."""
    return _QUESTION_END.search(text) is not None


# --- physical lines ------------------------------------------------------------


def holds_page_date(text: str) -> bool:
    """A short line holding a page's date and then its number: a masthead line."""
    return len(text) <= HEADING_MAX and _PAGE_HEADER.search(text) is not None


def opens_on_dateline(text: str) -> bool:
    """The text opens on a news story's dateline ("某某社某地某月某日电")."""
    return _DATELINE.match(text) is not None


def looks_like_credit(text: str) -> bool:
    """A short label, a colon and a name ("策划：某某"), with no other punctuation."""
    return _CREDIT_LIKE.match(text) is not None


def is_decorated_line(text: str) -> bool:
    """A physical line holding only a label behind a decorative capital ("G 某某某某")."""
    return _DECORATED_LINE.match(text) is not None


def opens_author_note(text: str) -> bool:
    """The text opens a bracketed note about the author ("（作者…")."""
    return _AUTHOR_NOTE_START.match(text) is not None


def split_signature(text: str) -> tuple[str, str] | None:
    """A signed attribution "——单位 职务 姓名" as (the part before the name, the name), or None."""
    match = _SIGNED_ATTRIBUTION.match(text)
    return (match.group(1), match.group(2)) if match else None


# --- end notes and page furniture ---------------------------------------------


@dataclass(frozen=True)
class EndNote:
    """A line that closes an article, and what it says about the article."""

    kind: Literal["affiliation", "compiler", "credit", "note"]
    value: str | None = None  # the affiliation, the compiler, or the names a compiling credit gives


def end_note(line: str) -> EndNote | None:
    """The end note the line is (see the module's docstring), or None."""
    if match := _AFFILIATION_NOTE.match(line):
        return EndNote("affiliation", match.group(1).strip())
    if match := _COMPILER_NOTE.match(line):
        return EndNote("compiler", match.group(1))
    if match := _CREDIT.match(line):
        names = split_names(match.group(1))
        return EndNote("credit", "、".join(names) if names and _COMPILING_ROLE.match(line) else None)
    if _REPORTING_NOTE.match(line):
        return EndNote("note")
    if _EDITORIAL_NOTE.match(line) and line[-1] in "）)" and len(line) <= _NOTE_MAX:
        return EndNote("note")
    return None


def is_end_note(line: str) -> bool:
    """An author's note, a compiler's note, an editing credit or an editorial note."""
    return end_note(line) is not None


def furniture(line: str) -> str | None:
    """"masthead" or "editor_note" for a line that introduces the page, not an article, else None."""
    if len(line) <= _MASTHEAD_MAX and _MASTHEAD.match(line):
        return "masthead"
    return "editor_note" if _EDITORS_NOTE.match(line) else None


def is_banner(line: str) -> bool:
    """A slogan line (not a headline with its kicker, nor a column that reads a book): beside a headline,
    the page banner."""
    if is_column_series(line) or split_kicker(line)[1]:
        return False
    return len(line) >= _BANNER_MIN and _BANNER.search(line) is not None


def opens_banner(text: str) -> bool:
    """The text starts with a slogan and is long enough to be a page banner."""
    return len(text) >= _BANNER_MIN and _BANNER.match(text) is not None


# --- parts of a head ------------------------------------------------------------


def split_kicker(line: str) -> tuple[str, str | None]:
    """"标题（栏目）" → ("标题", "栏目"); a line without a trailing kicker is all title."""
    match = zh.COLUMN_KICKER.search(line)
    title = line[: match.start()] if match else ""
    # a headline may ask or exclaim before its kicker ("标题？（栏目）"), but not end a statement
    if not match or len(title) < 4 or title.rstrip()[-1] in _STATEMENT_TAIL:
        return line, None
    return title.strip(), match.group(1).strip()


def is_column_series(line: str) -> bool:
    """A column's name that ends on the book it reads ("某某系列·《某书》通读"): a label, however long."""
    return _COLUMN_SERIES.match(line) is not None


def is_kicker_line(line: str) -> bool:
    """A column kicker on a line of its own ("（栏目）"), as a headline wrapped before it leaves it."""
    return _KICKER_LINE.match(line) is not None and not is_end_note(line)


def strip_decoration(line: str) -> str:
    """"G 某某某某" → "某某某某": a lone Latin capital before a label is ornament."""
    return _DECORATIVE.sub("", line).strip()


def is_label(text: str) -> bool:
    """Two to eight Han characters: what a section label is made of."""
    return _LABEL.match(text) is not None


def is_decorated_label(line: str) -> bool:
    """A section label behind a decorative capital ("G 某某某某")."""
    return _DECORATIVE.match(line) is not None and is_label(strip_decoration(line))


def is_subtitle(line: str) -> bool:
    """A "——…" line in a head: the headline's subtitle."""
    return line.startswith("——")


def is_closed_subtitle(text: str) -> bool:
    """A "——…" line that is a whole phrase closed by a title or quotation mark, with no
    clause mark ("——学习《某某文集》"): a subtitle, not a dash a wrapped sentence carried over."""
    return text.startswith("——") and _CLOSED_SUBTITLE.fullmatch(text) is not None and is_heading_like(text)


def attribution_name(paragraph: str) -> str | None:
    """The contributor a "——单位 姓名" attribution names, or None."""
    match = _ATTRIBUTION.match(paragraph)
    return match.group(1) if match else None


def is_head_line(line: str) -> bool:
    """Heading-like (a question included) and not a note that closes an article."""
    return is_heading_like(line) and not is_end_note(line)


def is_deck(line: str) -> bool:
    """A summary line under a headline: long, with a clause break or a trailing dash
    ("……，……" / "……——"); a headline's second line is short and rarely so, and a
    headline closed by its kicker is the headline."""
    if len(line) < _DECK_MIN or split_kicker(line)[1]:
        return False
    return "，" in line or "," in line or line.endswith(("——", "……"))


def reads_as_text(line: str) -> bool:
    """A heading-like line that is the first of the article's text: it ends a
    sentence, or is long with a clause break (a deck, or a paragraph unfinished)."""
    return ends_sentence(line) or is_deck(line)


def fits_set_apart_head(line: str) -> bool:
    """Short enough for a headline (its kicker aside), not prose, not an end note.

    A headline may ask or exclaim ("…？"), so only a full stop, semicolon, colon or
    comma at its end makes it prose.
    """
    title, _ = split_kicker(line)
    if len(title) > HEADING_MAX + HEADING_MAX // 2 or is_end_note(line):
        return False
    return title[-1:] not in _STATEMENT_TAIL and not zh.STATEMENT_STOP.search(title)


# --- pull quotes ---------------------------------------------------------------


def is_pull_quote_label(text: str) -> bool:
    """A label ("观点") that sets the paragraph under it apart as a pull quote."""
    return text in _PULL_QUOTE_LABELS


def repeat_key(text: str) -> str:
    """Text reduced to letters and digits, so that a repeat reads the same whatever its punctuation."""
    return "".join(_KEEP.findall(text))


def quoted_under_label(lines: list[str], index: int) -> bool:
    """The line under a pull-quote label is the quote: prose, or a short line (a
    question, say) that the page prints again elsewhere."""
    if not is_heading_like(lines[index]):
        return True
    key = repeat_key(lines[index])
    return len(key) >= PULL_QUOTE_MIN and any(key in repeat_key(line) for k, line in enumerate(lines) if k != index)


def quote_remnant(lines: list[str], index: int) -> int:
    """1 when the line at `index` is the short rest of a labelled pull quote that
    the column broke off (a fragment before the byline), else 0."""
    if index + 1 >= len(lines):
        return 0
    line = lines[index]
    fragment = is_heading_like(line) and len(line) <= _QUOTE_REMNANT_MAX and not byline(line) \
        and not ends_sentence(line)
    return 1 if fragment and byline(lines[index + 1]) else 0


def printed_elsewhere(key: str, index: int, keys: list[str]) -> bool:
    """The passage (its `repeat_key`) is printed again elsewhere on the page, perhaps
    across a paragraph break (headings are left out of `keys`: a subheading may
    repeat words of the headline)."""
    if len(key) < PULL_QUOTE_MIN:
        return False
    others = "".join(keys[:index]) + "\x00" + "".join(keys[index + 1 :])
    return key in others
