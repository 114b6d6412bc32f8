"""Turn raw issue text into logical lines: one paragraph, heading or label a line.

Text extracted from a PDF keeps the page's column lines; a web export keeps one
paragraph a line but may break some mid-sentence. Whether two physical lines
belong to one paragraph is decided from evidence on the lines themselves, never
from the words they hold:

- Blank lines: when most lines are followed by a blank one, blank lines are an
  artefact of extraction and carry nothing; otherwise a blank line ends a
  paragraph (and is remembered: a web export sets articles apart with it).
- Column width: the upper-quartile width of the lines just before or just
  after a line, in cells (a Han character or full-width mark fills one, a digit,
  Latin letter or space half of one). A window is a page column when several
  of its lines share that width and hardly any runs past it; lines of very
  different widths are one paragraph a line. A line that fills its column was
  wrapped by the layout; a clearly shorter one ended there; one much wider (a
  headline across columns) stands alone, and a line wider than the column
  never continues a paragraph of it, nor does the column continue a bare line
  wider than it (a wrapped line never runs past its column: it is a headline
  or byline set wider; punctuation hung past the end and letter-spacing do not
  count).
- Sentence-final punctuation (。！？…；：) at the end of a line may end a
  paragraph; in a column it does unless the line fills the column and the next
  line reads on. An opening quote or bracket left unclosed means the text goes
  on, and so does a line that begins with closing punctuation (no line does).
- A paragraph starts at an indented line (a full-width space, a tab or two
  spaces; one space is what extraction leaves before a number; when most lines
  are indented, indentation says nothing), even under a line that filled its
  column without ending a sentence; at a numbered-list marker
  (`zh.LIST_MARKER`: 第一，/一是/（一）…) after a sentence end, at a "——"
  attribution after a sentence end, at an author's note "（作者…）", at a
  decorated label ("G 某某某某") and after a bracketed note, a masthead line
  (date and "第N版"), a headline closed by its column kicker "标题（栏目）", or
  a signed attribution "——单位 姓名". A news dateline ("某某某地某月某日电",
  a reporter's note in brackets after it) never ends a paragraph: the story's
  first words follow it.
- A short line without sentence punctuation (a title, label, byline, credit
  "策划：某某") or a short unfinished heading-like line stands on its own (a
  headline may ask before its kicker, and a short one may ask or exclaim
  midway: "某某！某某某某"), and
  with one paragraph a line an unfinished line only goes on when it is long
  prose cut mid-sentence and the next line is not a heading or a numbered item.

Each logical line has its letter-spacing undone and its punctuation shown
full-width in CJK context (`zh.normalize_spacing`); a short bare line keeps one
space between its parts (names on a byline, the halves of a headline), but
never the space extraction puts between a number and Han text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from digest import zh

LOGGER = logging.getLogger(__name__)

# Share of lines followed by a blank line above which blank lines mean nothing.
_BLANK_AFTER_EVERY_LINE = 0.6
# Lines within this distance decide a line's column width.
_WIDTH_WINDOW = 6
# A column narrower than this is a page column; wider "columns" are paragraphs a line.
_MAX_COLUMN_WIDTH = 50
# A column shows at least this many lines within _NEAR_SHARE of its width.
_MIN_FULL_LINES = 3
_NEAR_SHARE = 0.9
# A window needs this many lines to tell a column's width.
_MIN_WINDOW = 4
# A line at least this share of its column width fills the column.
_FULL_SHARE = 0.8
# A heading-like line is at most this long (headlines and bylines are short).
_HEADING_MAX = 40
# With one paragraph a line, an unfinished line shorter than this without a
# sentence end inside is a heading (some run past _HEADING_MAX), not a cut line.
_CUT_LINE_MIN = 80
# An unclosed quote or bracket this close to the end of a paragraph holds it open;
# one further back was left open by the source and proves nothing.
_QUOTE_REACH = 80

# A masthead line: a date, then the page number ("…2024年5月6日 星期一 第5版").
_PAGE_HEADER = re.compile(f"{zh.PAGE_DATE}.*{zh.PAGE_NUMBER}")
_NO_LINE_START = "，。、；：！？）》」』】〕”’,.;:!?)"
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_ASCII = re.compile(r"[\x00-\x7f]")
# "策划/制图：某某": a short label, a colon and a name, with no other punctuation.
_CREDIT_LIKE = re.compile(f"^[{zh.CJK}/／、·]{{2,10}}[：:]\\s*[{zh.CJK}·、 ]{{2,16}}$")
# An indent: a full-width space, a tab or two spaces. One space is what extraction
# leaves before a number or before a name cut off the line above, not an indent.
_INDENT = re.compile(r"^(?:[\t\u3000\u00a0]|  )\s*\S")
# When most lines are indented, indentation carries nothing.
_INDENTED_MAX_SHARE = 0.5
# A question or exclamation mark before the end of the text.
_INNER_QUESTION = re.compile(f"[{re.escape(zh.QUESTION_MARKS + zh.EXCLAMATION_MARKS)}](?!$)")
_EXCLAIMING_HEADLINE_MAX = 16
# A label behind a decorative initial ("G 某某某某") always starts a line of its own.
_DECORATED_LABEL = re.compile(f"^[A-Z] ?[{zh.CJK}]{{2,10}}$")
_ATTRIBUTION_NAME = re.compile(f"^(——.+?)\\s+([{zh.CJK}](?:\\s?[{zh.CJK}]){{1,3}})$")
# The start of a bracketed note about the author ("（作者为…", "（作者单位：…"): it opens a line.
_AUTHOR_NOTE_START = re.compile(r"^[（(]作者")
# A news story's dateline ("本报某地某月某日电", "某某社某地某月某日电"), a reporter's
# note in brackets perhaps after it: the first words of the story's first paragraph.
_DATELINE = re.compile(  # "…日电" but not "…日电影", "…日电视"
    f"^[{zh.CJK}]{{1,12}}?\\s*\\d{{1,2}}\\s*月\\s*\\d{{1,2}}\\s*日\\s*电(?![影视脑力网器话商子梯池站])"
)
_OPEN_CLOSE = (("“", "”"), ("（(", "）)"), ("《", "》"), ("‘", "’"), ("【", "】"))


@dataclass(frozen=True)
class _Line:
    """One physical line, cleaned, with the evidence the join rules read."""

    text: str
    indented: bool
    after_blank: bool
    widths: tuple[float, ...] = ()  # widths of the page columns it may sit in; none: a paragraph a line
    cells: float = 0.0  # its own width in column cells


def reflow_lines(text: str) -> list[str]:
    """Raw issue text → logical lines (paragraphs, headings, labels), cleaned."""
    return [line for line in (join_pieces(p.pieces) for p in reflow_pieces(text)) if line]


@dataclass(frozen=True)
class Pieces:
    """One logical line as the physical lines it was joined from."""

    pieces: list[str]
    after_blank: bool  # a meaningful blank line stands before it (a web export's block break)


def reflow_pieces(text: str) -> list[Pieces]:
    """Raw issue text → logical lines, each as the physical lines it was joined from.

    The segmenter reads the pieces to undo a join the evidence could not rule out
    (a byline or a label that happened to follow a line filling its column).
    """
    lines = _physical_lines(text)
    if not lines:
        return []
    paragraphs = [Pieces([lines[0].text], lines[0].after_blank)]
    for previous, line in zip(lines, lines[1:], strict=False):
        if _continues(previous, line, "".join(paragraphs[-1].pieces)):
            paragraphs[-1].pieces.append(line.text)
        else:
            paragraphs.append(Pieces([line.text], line.after_blank))
    return paragraphs


def join_pieces(pieces: list[str]) -> str:
    """One logical line from its physical pieces, cleaned."""
    paragraph = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        paragraph = _join(paragraph, piece)
    return _tidy(paragraph)


def _physical_lines(text: str) -> list[_Line]:
    """Non-blank lines with spacing undone, each knowing its column width."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").split("\n")
    blanks_mean_nothing = _blank_after_every_line(raw)
    cleaned: list[_Line] = []
    after_blank = False
    for line in raw:
        if not line.strip():
            after_blank = not blanks_mean_nothing
            continue
        cleaned.append(_Line(clean_line(line), bool(_INDENT.match(line)), after_blank))
        after_blank = False
    lengths = [_cells(line.text) for line in cleaned]
    indents_mean_something = sum(line.indented for line in cleaned) <= _INDENTED_MAX_SHARE * len(cleaned)
    return [
        _Line(line.text, line.indented and indents_mean_something, line.after_blank, _column_widths(lengths, i),
              lengths[i])
        for i, line in enumerate(cleaned)
    ]


def _blank_after_every_line(raw: list[str]) -> bool:
    """True when blank lines merely alternate with text lines (an extraction artefact)."""
    text_lines = [i for i, line in enumerate(raw[:-1]) if line.strip()]
    if len(text_lines) < 4:
        return False
    followed = sum(1 for i in text_lines if not raw[i + 1].strip())
    return followed / len(text_lines) >= _BLANK_AFTER_EVERY_LINE


def _column_widths(lengths: list[float], index: int) -> tuple[float, ...]:
    """The widths of the page columns line `index` may sit in (none: one paragraph a line).

    A column's width is the upper-quartile length of the lines before the line or
    of the lines after it: at a change of column the line may belong to either.
    Most lines of a page column fill it, so the quartile is robust to short lines
    (paragraph ends, headings); lines of very different lengths are paragraphs a
    line, not a column.
    """
    windows = [
        lengths[max(0, index - _WIDTH_WINDOW) : index + 1],
        lengths[index : index + _WIDTH_WINDOW + 1],
    ]
    usable = [w for w in windows if len(w) >= _MIN_WINDOW]
    if not usable:
        usable = [lengths[max(0, index - _WIDTH_WINDOW) : index + _WIDTH_WINDOW + 1]]
    return tuple(_upper_quartile(w) for w in usable if _is_column(w))


def _upper_quartile(values: list[float]) -> float:
    ordered = sorted(values)
    return float(ordered[(3 * (len(ordered) - 1)) // 4])


def _is_column(window: list[float]) -> bool:
    """Several lines of the window share one width a page column can have, and
    hardly any runs past it (lines of one paragraph each vary far more)."""
    width = _upper_quartile(window)
    near = sum(1 for length in window if _NEAR_SHARE * width <= length <= width + 2)
    longer = sum(1 for length in window if length > width + 2)
    return width <= _MAX_COLUMN_WIDTH and near >= _MIN_FULL_LINES and longer <= 1


def _continues(previous: _Line, line: _Line, paragraph: str) -> bool:
    """Whether `line` continues the paragraph that `previous` (its last line) is in."""
    if line.after_blank or _AUTHOR_NOTE_START.match(line.text) or _DECORATED_LABEL.match(line.text):
        return False
    if _unbalanced(paragraph[-_QUOTE_REACH:]) or line.text[:1] in _NO_LINE_START:
        return True  # an open quote goes on; no line begins with closing punctuation
    if paragraph[:1] in "（(" and paragraph[-1:] in "）)":
        return False  # a bracketed note closed on itself: an author's or editor's note
    if _PAGE_HEADER.search(paragraph) and len(paragraph) <= _HEADING_MAX:
        return False  # a masthead line: paper, date, page
    if _DATELINE.match(paragraph) and len(paragraph) <= _HEADING_MAX:
        return True  # a dateline never stands alone: the story follows it
    if paragraph[-1:] in "）)" and not paragraph.startswith("——") and is_heading_like(paragraph) \
            and zh.COLUMN_KICKER.search(paragraph):
        return False  # a headline closed by its column kicker "标题（栏目）"
    if _in_columns(previous):
        return _continues_in_column(previous, line)
    return _continues_paragraph_line(previous, line)


def _continues_in_column(previous: _Line, line: _Line) -> bool:
    """In a page column a line that fills the column was wrapped by the layout.

    An indented line opens a paragraph whatever comes before it; after a sentence
    end the paragraph also ends where the next line opens a numbered item or an
    attribution, or is a bare heading.
    """
    if not _fills_column(previous) or _ATTRIBUTION_NAME.match(previous.text):
        return False  # a short line ends its paragraph, heading or not; so does a signed attribution
    if line.indented:
        return False  # an indented line opens a paragraph, even under a headline that filled the column
    if _wider_than_column(line, previous):
        return False  # a wrapped line never runs past its column: a byline or headline set wider
    if _bare_heading(previous.text) and _runs_past(previous, line.widths):
        return False  # a bare line wider than the column under it: a headline or byline set wider
    if not ends_sentence(previous.text):
        return True
    if zh.starts_with_list_marker(line.text) or line.text.startswith("——"):
        return False
    return not (_bare_heading(line.text) or _CREDIT_LIKE.match(line.text) or _short_heading(line))


def _continues_paragraph_line(previous: _Line, line: _Line) -> bool:
    """With one paragraph a line, only a long line cut mid-sentence goes on, and
    not into a heading or a numbered item (the page cut the article off)."""
    if ends_sentence(previous.text):
        return False
    if len(previous.text) <= _CUT_LINE_MIN and not zh.SENTENCE_STOP.search(previous.text):
        return False  # one unfinished clause: a heading, however long
    return not (zh.starts_with_list_marker(line.text) or is_heading_like(line.text))


def _short_heading(line: _Line) -> bool:
    """Heading-like, unfinished and short of its column: a subheading, since a line
    that goes on fills the column and a paragraph's last line ends a sentence."""
    text = line.text
    short = not line.widths or line.cells < _FULL_SHARE * min(line.widths)
    return short and is_heading_like(text) and not ends_sentence(text)


def _wider_than_column(line: _Line, previous: _Line) -> bool:
    """The line runs past the column the previous line fills (a wrapped line never does)."""
    return all(line.cells > width + 2 for width in previous.widths)


def _runs_past(line: _Line, widths: tuple[float, ...]) -> bool:
    """The line is wider than one of these columns, not counting punctuation hung past
    its end or spaces (letter-spacing stretches a column line, it does not widen it)."""
    text = line.text.replace(" ", "")
    cells = _cells(text.rstrip(_NO_LINE_START + "…—"))
    return any(cells > width + 2 for width in widths)


def _cells(text: str) -> float:
    """The width a line takes in a page column: a Han character or full-width mark
    fills a cell, a digit, Latin letter or space half of one (a line holding a
    number has more characters than its neighbours yet is no wider)."""
    return len(text) - 0.5 * len(_ASCII.findall(text))


def _in_columns(line: _Line) -> bool:
    return bool(line.widths)


def _fills_column(line: _Line) -> bool:
    """The line reaches its column's width (and is not a headline wider than it)."""
    return any(_FULL_SHARE * width <= line.cells <= width + 2 for width in line.widths)


def ends_sentence(text: str) -> bool:
    """True when the text ends with sentence-final punctuation (closing marks may follow),
    or is a bracketed remark closed on itself."""
    text = text.rstrip()
    if zh.PARAGRAPH_END.search(text):
        return True
    return text[:1] in "（(" and text[-1:] in "）)" and not _unbalanced(text)


def is_heading_like(text: str) -> bool:
    """Short, without a full stop inside and not ending on a clause mark: a title,
    subheading, question, label or byline rather than prose (a line opening on a
    news dateline is the story's text)."""
    text = text.strip()
    if _DATELINE.match(text):
        return False
    core = zh.COLUMN_KICKER.sub("", text) if len(text) > _HEADING_MAX else text
    if not core or len(core) > _HEADING_MAX or len(text) > 2 * _HEADING_MAX or zh.STATEMENT_STOP.search(text):
        return False
    if text[-1] in "，、：,:":
        return False
    # a headline may ask before its kicker ("标题？（栏目）"), and a short one may exclaim
    # or ask midway ("某某！某某某某"); a longer line with a question inside is
    # prose that asks and answers
    headline = zh.COLUMN_KICKER.sub("", text) if text[:1] not in "（(" else text
    return not _INNER_QUESTION.search(headline) or len(headline) <= _EXCLAIMING_HEADLINE_MAX


def _bare_heading(text: str) -> bool:
    """Short and without any sentence punctuation (a label, byline or headline)."""
    return len(text) <= _HEADING_MAX and not zh.PROSE_MARK.search(text)


def _unbalanced(text: str) -> bool:
    """An opening quote or bracket is still open at the end of the text."""
    def count(marks: str) -> int:
        return sum(text.count(mark) for mark in marks)

    return any(count(openers) > count(closers) for openers, closers in _OPEN_CLOSE)


def _join(paragraph: str, line: str) -> str:
    """Join a wrapped line; a space goes back only between two Latin words (digits of a
    number split by the wrap join up again)."""
    if _LATIN_LETTER.match(paragraph[-1:]) and _LATIN_LETTER.match(line[:1]):
        return f"{paragraph} {line}"
    return paragraph + line


def _tidy(paragraph: str) -> str:
    """Spacing undone once more across the joins, and punctuation shown in its Chinese width."""
    return clean_line(paragraph)


def clean_line(text: str) -> str:
    """Letter-spacing undone and punctuation shown full-width in CJK context.

    A short bare line that is not letter-spaced throughout keeps one space where
    it had spaces: there the space separates names in a byline ("王某某 李某某")
    or the two halves of a headline, and says something.
    """
    text = zh.collapse_number_spaces(text.strip())
    attribution = _ATTRIBUTION_NAME.match(text)
    if attribution:  # "——单位 职务 姓名": the space before the name marks where it starts
        return f"{zh.normalize_spacing(attribution.group(1))} {attribution.group(2)}"
    if _bare_heading(text) and " " in text.replace("\u3000", " ") and not _letter_spaced(text):
        return zh.fullwidth_punctuation(" ".join(text.split()))
    return zh.normalize_spacing(text)


def _letter_spaced(text: str) -> bool:
    """Every gap between two Han characters holds a space ("热 点 思 考")."""
    han = re.findall(f"[{zh.CJK}]\\s*(?=[{zh.CJK}])", text)
    return len(han) >= 2 and all(gap[1:].strip() == "" and len(gap) > 1 for gap in han)
