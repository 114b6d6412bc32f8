"""Undo the joins the reflow could not rule out: the logical lines the segmenter reads.

A line that fills its column is joined to the next, and sometimes the next only
happened to follow it (a headline exactly as wide as the column). A repair
splits such a logical line again where its physical pieces show it:

- a byline or a pull-quote label joined at the end of a line, or a byline (names or an institution)
  joined to the prose under it;
- a byline joined between a headline and prose, a run of names joined to a
  headline that filled its column, a slogan banner joined to the headline above
  it;
- a headline joined to the prose above it when a byline follows it, and a
  headline (with the byline under it) joined to the text under it when a
  section label stands over it after an end note or at the top of the page;
- in a second pass, which sees the bylines the first one freed, a section
  label after cut-off prose and before a headline with its byline;
- a passage printed elsewhere on the page (a pull quote) that was joined to the
  text after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digest import zh
from digest.models import Line
from digest.parse import bylines, kinds
from digest.parse.reflow import Pieces, clean_line, join_pieces, reflow_pieces

# Brackets and title marks: a run of heading pieces holding one is no bare headline over a banner.
_BRACKETS = re.compile(r"[（）()《》【】]")
# Bounds that keep the repairs linear on a page of thousands of pieces. A heading (with its kicker)
# is at most 2 × HEADING_MAX characters, letter-spaced at most twice that on the page; a pull quote is
# a sentence or two. Pieces past these lengths are never part of what the repairs look for.
_HEAD_PIECES_MAX = 4 * kinds.HEADING_MAX
_PULL_QUOTE_MAX = 300


@dataclass(frozen=True)
class LogicalLine:
    """A logical line of the page as the segmenter reads it."""

    text: str
    after_blank: bool  # a meaningful blank line stands before it
    source: Line = Line("")  # its first physical line, with that line's layout hints


def page_lines(text: str) -> list[str]:
    """The logical lines the segmenter reads: reflowed, with glued bylines and labels split off."""
    return [line.text for line in repaired_lines([Line(text)])]


def repaired_lines(lines: Sequence[Line]) -> list[LogicalLine]:
    """A page's physical lines as the segmenter reads them: reflowed, then repaired."""
    paragraphs = _split_repeated_openings(_unglue(reflow_pieces(lines)))
    logical = [LogicalLine(join_pieces(p.pieces), p.after_blank, p.sources[0]) for p in paragraphs]
    return [line for line in logical if line.text]


@dataclass(frozen=True)
class _Around:
    """The logical lines around line `index` of the page, as text."""

    joined: list[str]
    index: int

    def at(self, offset: int) -> str:
        """The line `offset` lines from this one ("" past either end of the page)."""
        k = self.index + offset
        return self.joined[k] if 0 <= k < len(self.joined) else ""


_Repair = Callable[[Pieces, _Around], list[Pieces]]


def _unglue(paragraphs: list[Pieces]) -> list[Pieces]:
    """Logical lines with the repairs of the module's docstring done, in two passes."""
    return _repair_pass(_repair_pass(paragraphs, _repair_joins), _repair_section_labels)


def _repair_pass(paragraphs: list[Pieces], repair: _Repair) -> list[Pieces]:
    """Every logical line through `repair`, each seeing the page as it was before the pass."""
    joined = [join_pieces(p.pieces) for p in paragraphs]
    return [part for i, p in enumerate(paragraphs) for part in repair(p, _Around(joined, i))]


def _repair_joins(paragraph: Pieces, around: _Around) -> list[Pieces]:
    """The first pass: bylines, labels, headlines and banners split off."""
    pieces = paragraph.pieces
    tail = _short_tail(pieces)
    if tail and _glued_byline_or_label(tail, join_pieces(pieces[:-1]), around):
        return _cut(paragraph, len(pieces) - 1)
    if _headline_after_prose(pieces, around.at(1)):
        return _cut(paragraph, len(pieces) - 1)
    if _byline_before_prose(pieces, around.at(-1)):
        return _cut(paragraph, 1)
    if _headline_before_prose(pieces, around):
        return _cut_headline(paragraph)
    if k := _byline_inside(pieces):
        head, rest = paragraph.split(k)
        return [head, *_cut(rest, 1)]
    if k := _banner_start(pieces):
        return _cut(paragraph, k)
    return [paragraph]


def _repair_section_labels(paragraph: Pieces, around: _Around) -> list[Pieces]:
    """The second pass: section labels split off, and headlines the first pass freed a byline under."""
    pieces = paragraph.pieces
    tail = _short_tail(pieces)
    if tail and _glued_section_label(tail, join_pieces(pieces[:-1]), around):
        return _cut(paragraph, len(pieces) - 1)
    if _headline_after_prose(pieces, around.at(1)):
        return _cut(paragraph, len(pieces) - 1)
    return [paragraph]


def _cut(paragraph: Pieces, k: int) -> list[Pieces]:
    return list(paragraph.split(k))


def _short_tail(pieces: list[str]) -> str:
    """The last piece, cleaned, when it is short enough to be a byline or label joined by mistake, else ""."""
    return clean_line(pieces[-1]) if len(pieces) > 1 and bylines.could_be_byline(pieces[-1]) else ""


def _glued_byline_or_label(tail: str, rest: str, around: _Around) -> bool:
    """`tail` is a byline or pull-quote label that was joined to `rest` by mistake."""
    before, following = around.at(-1), around.at(1)
    if kinds.is_pull_quote_label(tail):
        return True
    # the name closing a "——单位 姓名" attribution under a quoted expert's text stays
    attribution = rest.startswith("——") and not kinds.is_heading_like(before)
    if attribution or not following:
        return False
    # names under a headline that filled its column are a byline whatever the surname,
    # and whatever follows (a deck is heading-like too)
    if kinds.is_heading_like(rest) and not kinds.is_label(rest) and bylines.names_under_headline(tail):
        return True
    text_follows = not kinds.is_heading_like(following) or kinds.reads_as_text(following)
    # the article's text right under them: names with a rare surname too, if not a word
    if kinds.is_heading_like(rest) and text_follows and bylines.rare_names_under(rest, tail):
        return True
    return bool(bylines.byline(tail)) and text_follows


def _glued_section_label(tail: str, rest: str, around: _Around) -> bool:
    """`tail` is a section label joined to prose the page cut off, over the next headline and its byline."""
    following, after = around.at(1), around.at(2)
    cut_prose = not kinds.ends_sentence(rest) and not kinds.is_heading_like(rest) and len(rest) > kinds.HEADING_MAX
    next_head = kinds.is_heading_like(following) and bool(bylines.byline(after) or kinds.split_kicker(following)[1])
    return cut_prose and kinds.is_label(kinds.strip_decoration(tail)) and next_head


def _headline_after_prose(pieces: list[str], following: str) -> bool:
    """The last piece is the next article's headline, joined to the prose above it
    (which ended a sentence on a full line): a byline stands under it."""
    if len(pieces) < 2 or not kinds.ends_sentence(pieces[-2]):
        return False
    headline = clean_line(pieces[-1])
    if not kinds.is_heading_like(headline) or kinds.ends_sentence(headline) \
            or kinds.is_heading_like(join_pieces(pieces[:-1])):
        return False
    return bylines.signs_headline(following)


def _byline_before_prose(pieces: list[str], before: str) -> bool:
    """The first piece is a byline (names, or an institution) under a headline, and
    prose (or a sentence) follows it."""
    if len(pieces) < 2 or not before or not kinds.is_heading_like(before):
        return False
    first = clean_line(pieces[0])
    signs = (bylines.could_be_byline(pieces[0]) and bylines.byline(first)) or bylines.institution(first)
    rest = join_pieces(pieces[1:])
    prose_follows = not kinds.is_heading_like(rest) or kinds.reads_as_text(rest)  # prose, a sentence or a deck
    return bool(signs) and prose_follows


def _headline_before_prose(pieces: list[str], around: _Around) -> bool:
    """The first piece is a headline that filled its column and was joined to the
    text under it: a section label stands over it, and above the label the page
    starts or the previous article ended on its end note."""
    if len(pieces) < 2 or around.index < 1:
        return False
    first = clean_line(pieces[0])
    if not kinds.is_heading_like(first) or kinds.ends_sentence(first) or kinds.is_heading_like(join_pieces(pieces[1:])):
        return False
    label = around.at(-1)
    if not kinds.is_label(kinds.strip_decoration(label)) or bylines.byline(label):
        return False
    return around.index == 1 or kinds.is_end_note(around.at(-2))


def _cut_headline(paragraph: Pieces) -> list[Pieces]:
    """A headline split off the text it was joined to, and the byline under it if there is one."""
    head, rest = paragraph.split(1)
    byline = clean_line(rest.pieces[0])
    if len(rest.pieces) > 1 and bylines.could_be_byline(byline) and bylines.signs_headline(byline):
        return [head, *_cut(rest, 1)]
    return [head, rest]


def _byline_inside(pieces: list[str]) -> int:
    """Where a byline sits between a headline and prose that were all joined (each
    filled the column), or 0."""
    head = 0
    for k in range(1, len(pieces) - 1):
        head += len(pieces[k - 1])
        if head > _HEAD_PIECES_MAX:  # no heading is that long: what follows cannot be a byline under one
            break
        if len(pieces[k]) > 2 * bylines.BYLINE_MAX or not bylines.byline(clean_line(pieces[k])):
            continue
        rest = join_pieces(pieces[k + 1 :])  # prose, or a deck (long, with a clause break)
        if kinds.is_heading_like(join_pieces(pieces[:k])) and (not kinds.is_heading_like(rest) or kinds.is_deck(rest)):
            return k
    return 0


def _banner_start(pieces: list[str]) -> int:
    """Where a page banner starts inside a run of bare heading pieces (a headline
    that filled its column joined to the slogan under it), or 0."""
    text = "".join(pieces)
    if len(pieces) < 2 or len(text) > 2 * _HEAD_PIECES_MAX or zh.PROSE_MARK.search(text) or _BRACKETS.search(text):
        return 0  # (a run longer than a headline and a banner together is neither)
    for k in range(1, len(pieces)):
        if kinds.opens_banner(join_pieces(pieces[k:])):
            return k
    return 0


def _split_repeated_openings(paragraphs: list[Pieces]) -> list[Pieces]:
    """Split a pull quote off the paragraph it was joined to.

    A pull quote that ends where a column line ends may be joined to the text
    after it; when the first pieces of a line end a sentence and their text is
    printed again elsewhere on the page, they are split off (and later dropped).
    """
    page = "\x00".join(kinds.repeat_key("".join(p.pieces)) for p in paragraphs)
    split: list[Pieces] = []
    for paragraph in paragraphs:
        cut = _repeated_opening(paragraph.pieces, page)
        if cut and not kinds.is_heading_like(join_pieces(paragraph.pieces[:cut])):
            split.extend(paragraph.split(cut))
        else:
            split.append(paragraph)
    return split


def _repeated_opening(pieces: list[str], page: str) -> int:
    """How many first pieces end a sentence and are printed again on the `page` (its repeat keys), or 0."""
    cut, length = 0, 0
    for k in range(1, len(pieces)):
        length += len(pieces[k - 1])
        if length > _PULL_QUOTE_MAX:
            break
        if not kinds.ends_sentence(pieces[k - 1]):
            continue
        key = kinds.repeat_key("".join(pieces[:k]))
        if len(key) >= kinds.PULL_QUOTE_MIN and page.count(key) >= 2:
            cut = k
    return cut
