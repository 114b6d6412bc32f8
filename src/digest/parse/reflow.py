"""Physical lines → logical lines: one paragraph, heading or label a line.

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
  (date and "第N版"), a headline closed by its column kicker "标题（栏目）", a
  subtitle closed on its title ("——学习《…》", which does not join the heading
  above it either, even when it fills the column), or a signed attribution
  "——单位 姓名". A news dateline ("某某某地某月某日电",
  a reporter's note in brackets after it) never ends a paragraph: the story's
  first words follow it.
- A short line without sentence punctuation (a title, label, byline, credit
  "策划：某某") or a short unfinished heading-like line stands on its own (a
  headline may ask before its kicker, and a short one may ask or exclaim
  midway: "某某！某某某某"), and
  with one paragraph a line an unfinished line only goes on when it is long
  prose cut mid-sentence and the next line is not a heading or a numbered item.

The kinds of line these rules name are read by `digest.parse.kinds`. Each
logical line has its letter-spacing undone and its punctuation shown full-width
in CJK context (`zh.normalize_spacing`); a short bare line keeps one space
between its parts (names on a byline, the halves of a headline), but never the
space extraction puts between a number and Han text.

Each logical line keeps the physical `Line`s it was joined from, with whatever
layout hints the extractor gave them; the rules here read only the text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest import zh
from digest.models import Line
from digest.parse import kinds

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
# With one paragraph a line, an unfinished line shorter than this without a
# sentence end inside is a heading (some run past kinds.HEADING_MAX), not a cut line.
_CUT_LINE_MIN = 80
# An unclosed quote or bracket this close to the end of a paragraph holds it open;
# one further back was left open by the source and proves nothing.
_QUOTE_REACH = 80
_VIEW_HEAD = 2 * kinds.HEADING_MAX + 1  # longer than any heading with its kicker (`kinds.is_heading_like`)
# When most lines are indented, indentation carries nothing.
_INDENTED_MAX_SHARE = 0.5

# Punctuation no line begins with: a line opening on one continues the line above
# (dashes are not among them, unlike in zh.NO_LINE_START: an attribution "——…" opens a line).
_NO_LINE_START = "，。、；：！？）》」』】〕”’,.;:!?)"
# A line break of any convention: CRLF, CR or LF.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A Latin letter: two Latin words joined across a wrap get their space back.
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# An ASCII character: it takes half a cell of a page column.
_ASCII = re.compile(r"[\x00-\x7f]")
# An indent: a full-width space, a tab or two spaces. One space is what extraction
# leaves before a number or before a name cut off the line above, not an indent.
_INDENT = re.compile(r"^(?:[\t\u3000\u00a0]|  )\s*\S")
# A gap between two Han characters, with the spaces in it.
_HAN_GAP = re.compile(f"[{zh.CJK}]\\s*(?=[{zh.CJK}])")


@dataclass(frozen=True)
class _Line:
    """One physical line, cleaned, with the evidence the join rules read."""

    text: str
    indented: bool
    after_blank: bool
    source: Line  # the line as the extractor gave it, with its layout hints
    widths: tuple[float, ...] = ()  # widths of the page columns it may sit in; none: a paragraph a line
    cells: float = 0.0  # its own width in column cells


@dataclass(frozen=True)
class Pieces:
    """One logical line as the physical lines it was joined from."""

    pieces: list[str]  # the physical lines' texts, cleaned
    after_blank: bool  # a meaningful blank line stands before it (a web export's block break)
    sources: list[Line] = field(default_factory=list)  # the physical lines, with their layout hints

    def split(self, k: int) -> tuple[Pieces, Pieces]:
        """The logical line split in two after its first `k` pieces."""
        return (Pieces(self.pieces[:k], self.after_blank, self.sources[:k]),
                Pieces(self.pieces[k:], False, self.sources[k:]))


def reflow_lines(text: str) -> list[str]:
    """Raw issue text → logical lines (paragraphs, headings, labels), cleaned."""
    return [line for line in (join_pieces(p.pieces) for p in reflow_pieces([Line(text)])) if line]


def reflow_pieces(lines: Sequence[Line]) -> list[Pieces]:
    """A page's physical lines → logical lines, each as the physical lines it was joined from.

    A `Line` whose text holds line breaks is taken as that many physical lines.
    The segmenter reads the pieces to undo a join the evidence could not rule out
    (a byline or a label that happened to follow a line filling its column).
    """
    physical = _physical_lines(lines)
    if not physical:
        return []
    paragraphs = [Pieces([physical[0].text], physical[0].after_blank, [physical[0].source])]
    seen = physical[0].text  # what `_continues` needs of the paragraph so far (`_paragraph_view`)
    for previous, line in zip(physical, physical[1:], strict=False):
        if _continues(previous, line, seen):
            paragraphs[-1].pieces.append(line.text)
            paragraphs[-1].sources.append(line.source)
            seen = _paragraph_view(seen + line.text)
        else:
            paragraphs.append(Pieces([line.text], line.after_blank, [line.source]))
            seen = _paragraph_view(line.text)
    return paragraphs


def _paragraph_view(text: str) -> str:
    """The paragraph as `_continues` reads it, bounded: its start and its last `_QUOTE_REACH` characters.

    Every rule there reads only the start, the end, or the length of a paragraph short enough to be
    a heading; a longer one keeps a start longer than any heading, so each rule answers as it would
    on the whole text, and joining thousands of lines stays linear.
    """
    if len(text) <= _VIEW_HEAD + _QUOTE_REACH:
        return text
    return text[:_VIEW_HEAD] + text[-_QUOTE_REACH:]


def join_pieces(pieces: list[str]) -> str:
    """One logical line from its physical pieces, cleaned (in time linear in their length)."""
    parts: list[str] = []
    last = ""  # the last character joined so far
    for piece in pieces:
        if _LATIN_LETTER.match(last) and _LATIN_LETTER.match(piece[:1]):
            parts.append(" ")
        parts.append(piece)
        last = piece[-1:] or last
    return clean_line("".join(parts))  # spacing undone once more across the joins


def _physical_lines(lines: Sequence[Line]) -> list[_Line]:
    """Non-blank lines with spacing undone, each knowing its column width."""
    raw = [(part.replace("\ufeff", ""), line) for line in lines for part in _LINE_BREAK.split(line.text)]
    blanks_mean_nothing = _blank_after_every_line([text for text, _ in raw])
    cleaned: list[_Line] = []
    after_blank = False
    for text, source in raw:
        if not text.strip():
            after_blank = not blanks_mean_nothing
            continue
        cleaned.append(_Line(clean_line(text), bool(_INDENT.match(text)), after_blank, source))
        after_blank = False
    lengths = [_cells(line.text) for line in cleaned]
    indents_mean_something = sum(line.indented for line in cleaned) <= _INDENTED_MAX_SHARE * len(cleaned)
    return [
        _Line(line.text, line.indented and indents_mean_something, line.after_blank, line.source,
              _column_widths(lengths, i), lengths[i])
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
    if line.after_blank or kinds.opens_author_note(line.text) or kinds.is_decorated_line(line.text):
        return False
    if kinds.has_open_pair(paragraph[-_QUOTE_REACH:]) or line.text[:1] in _NO_LINE_START:
        return True  # an open quote goes on; no line begins with closing punctuation
    if paragraph.endswith("·"):
        return True  # a middle dot joins two names: the name after it follows
    if kinds.is_column_series(paragraph) or kinds.is_column_series(line.text):
        return False  # a column's name that ends on a book title ("…·《…》通读") stands alone
    if paragraph[:1] in "（(" and paragraph[-1:] in "）)":
        return False  # a bracketed note closed on itself: an author's or editor's note
    if kinds.holds_page_date(paragraph):
        return False  # a masthead line: paper, date, page
    if kinds.opens_on_dateline(paragraph) and len(paragraph) <= kinds.HEADING_MAX:
        return True  # a dateline never stands alone: the story follows it
    if _closed_by_kicker(paragraph):
        return False  # a headline closed by its column kicker "标题（栏目）"
    if kinds.is_closed_subtitle(paragraph):
        return False  # a subtitle "——学习《…》": the byline or the text follows it
    if _in_columns(previous):
        return _continues_in_column(previous, line)
    return _continues_paragraph_line(previous, line)


def _closed_by_kicker(paragraph: str) -> bool:
    """A headline closed by its column kicker "标题（栏目）" (not a "——" attribution)."""
    return paragraph[-1:] in "）)" and not paragraph.startswith("——") and kinds.is_heading_like(paragraph) \
        and zh.COLUMN_KICKER.search(paragraph) is not None


def _continues_in_column(previous: _Line, line: _Line) -> bool:
    """In a page column a line that fills the column was wrapped by the layout.

    An indented line opens a paragraph whatever comes before it; after a sentence
    end the paragraph also ends where the next line opens a numbered item or an
    attribution, or is a bare heading.
    """
    if not _fills_column(previous) or kinds.split_signature(previous.text):
        return False  # a short line ends its paragraph, heading or not; so does a signed attribution
    if line.indented:
        return False  # an indented line opens a paragraph, even under a headline that filled the column
    if _wider_than_column(line, previous):
        return False  # a wrapped line never runs past its column: a byline or headline set wider
    if kinds.is_bare_heading(previous.text) and _runs_past(previous, line.widths):
        return False  # a bare line wider than the column under it: a headline or byline set wider
    if _subtitle_under_heading(previous, line):
        return False  # "——学习《…》" under a headline that filled the column: its subtitle
    if not kinds.ends_sentence(previous.text):
        return True
    if zh.starts_with_list_marker(line.text) or line.text.startswith("——"):
        return False
    return not (kinds.is_bare_heading(line.text) or kinds.looks_like_credit(line.text) or _short_heading(line))


def _subtitle_under_heading(previous: _Line, line: _Line) -> bool:
    """A "——…" line under a heading: a headline's subtitle, not a dash that a wrapped
    sentence carried over, when it is heading-like and short of the column under a bare
    heading, or a closed phrase ("——学习《…》") under any unfinished heading-like line."""
    if kinds.is_closed_subtitle(line.text):
        return kinds.is_heading_like(previous.text) and not kinds.ends_sentence(previous.text)
    return line.text.startswith("——") and kinds.is_bare_heading(previous.text) \
        and kinds.is_heading_like(line.text) and not _fills_column(line)


def _continues_paragraph_line(previous: _Line, line: _Line) -> bool:
    """With one paragraph a line, only a long line cut mid-sentence goes on, and
    not into a heading or a numbered item (the page cut the article off)."""
    if kinds.ends_sentence(previous.text):
        return False
    if len(previous.text) <= _CUT_LINE_MIN and not zh.SENTENCE_STOP.search(previous.text):
        return False  # one unfinished clause: a heading, however long
    return not (zh.starts_with_list_marker(line.text) or kinds.is_heading_like(line.text))


def _short_heading(line: _Line) -> bool:
    """Heading-like, unfinished and short of its column: a subheading, since a line
    that goes on fills the column and a paragraph's last line ends a sentence."""
    text = line.text
    short = not line.widths or line.cells < _FULL_SHARE * min(line.widths)
    return short and kinds.is_heading_like(text) and not kinds.ends_sentence(text)


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


def _join(paragraph: str, line: str) -> str:
    """Join a wrapped line; a space goes back only between two Latin words (digits of a
    number split by the wrap join up again)."""
    if _LATIN_LETTER.match(paragraph[-1:]) and _LATIN_LETTER.match(line[:1]):
        return f"{paragraph} {line}"
    return paragraph + line


def clean_line(text: str) -> str:
    """Letter-spacing undone and punctuation shown full-width in CJK context.

    A short bare line that is not letter-spaced throughout keeps one space where
    it had spaces: there the space separates names in a byline ("王某某 李某某")
    or the two halves of a headline, and says something.
    """
    text = zh.collapse_number_spaces(text.strip())
    signature = kinds.split_signature(text)
    if signature:  # "——单位 职务 姓名": the space before the name marks where it starts
        return f"{zh.normalize_spacing(signature[0])} {signature[1]}"
    if kinds.is_bare_heading(text) and " " in text.replace("\u3000", " ") and not _letter_spaced(text):
        return zh.fullwidth_punctuation(" ".join(text.split()))
    return zh.normalize_spacing(text)


def _letter_spaced(text: str) -> bool:
    """Every gap between two Han characters holds a space ("热 点 思 考")."""
    gaps = _HAN_GAP.findall(text)
    return len(gaps) >= 2 and all(gap[1:].strip() == "" and len(gap) > 1 for gap in gaps)
