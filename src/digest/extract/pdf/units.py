"""Printed lines in reading order into units: paragraphs of body text and runs set apart.

Body text (the file's body size and face) is rejoined into paragraphs: a line
continues the paragraph above it (in its column, the column before it, or across
a box the columns run around) unless it is indented or the line above stopped
short of the column's edge. Lines set otherwise (larger, smaller, bold, another
face) are joined with their neighbours of the same setting into one run: a
headline over three lines is one headline. A drawn box's lines make their own
runs, flagged as boxed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest import zh
from digest.extract.pdf.lines import TextLine
from digest.extract.pdf.order import Block, Measure

_SIZE_TOLERANCE = 0.06  # sizes within this share of each other are one size
_INDENT = 0.9  # a first line set in by at least this much (in its size) opens a paragraph
_SHORT = 1.5  # a line stopping this much (in its size) before its column's edge closes a paragraph
_RUN_GAP = 1.0  # lines of one setting this close (in their size) read as one run
_COLUMN_REACH = 3.0  # a column's left edge lies at most this far (in body sizes) left of a line in it
_OWN_LINES = 3  # a block with this many body lines shows its column's edges itself
_SAME_COLUMN = 0.5  # lines overlapping across more than this share of the narrower one stand in one column
_DASH = "——"  # opens a subtitle ("——学习……") or an attribution ("——某某大学教授 某某")
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")  # "AAAAAB+" names a subset of the font after it
_FACE_SUFFIX = re.compile(r"[-,]\d+$")  # "-0", ",1": a font program's index, not another face
_LATIN_END = re.compile(r"[0-9A-Za-z]$")  # a line ending in a Latin letter or digit
_LATIN_START = re.compile(r"^[0-9A-Za-z]")  # a line starting with one


def family(font: str) -> str:
    """A font's face without its subset prefix: AAAAAB+UMingCN-0 and AAAAAA+UMingCN-0 are one face."""
    return _FACE_SUFFIX.sub("", _SUBSET_PREFIX.sub("", font))


@dataclass(frozen=True)
class Body:
    """What body text looks like in this file."""

    measure: Measure
    family: str
    bold: bool

    def is_body(self, line: TextLine) -> bool:
        """Whether a line is set as body text."""
        same_size = abs(line.size - self.measure.size) <= _SIZE_TOLERANCE * self.measure.size
        return same_size and family(line.font) == self.family and line.bold == self.bold


def body_setting(pages: Sequence[Sequence[TextLine]], measure: Measure) -> Body:
    """The face body text is set in: the one most body-size characters use."""
    counts: dict[tuple[str, bool], int] = {}
    for lines in pages:
        for line in lines:
            if abs(line.size - measure.size) <= _SIZE_TOLERANCE * measure.size:
                key = (family(line.font), line.bold)
                counts[key] = counts.get(key, 0) + len(line.text)
    face, bold = max(counts, key=lambda k: counts[k]) if counts else ("", False)
    return Body(measure, face, bold)


@dataclass
class Unit:
    """A paragraph of body text or a run of lines set apart, with where it was printed."""

    lines: list[TextLine]
    body: bool
    boxed: bool
    page: int
    block: int
    column: int
    role: str | None = None
    dropped: str | None = None  # why it is left out ("pull quote", "jump"), None when kept
    edges: list[float] = field(default_factory=list)  # the right edge of each line's column
    indented: bool = False  # its first line opens a paragraph: set in by an indent

    @property
    def text(self) -> str:
        text = self.lines[0].text
        for before, line in zip(self.lines, self.lines[1:], strict=False):
            latin = _LATIN_END.search(before.text) and _LATIN_START.match(line.text)
            text += (" " if latin else "") + line.text
        return text

    @property
    def size(self) -> float:
        return sorted(line.size for line in self.lines)[len(self.lines) // 2]

    @property
    def bold(self) -> bool:
        return 2 * sum(line.bold for line in self.lines) > len(self.lines)


def _same_column(one: TextLine, other: TextLine) -> bool:
    """Whether two lines stand in one column: they overlap across most of the narrower one. A byline
    centred over a column's start, in nearly the body's size, only touches the column's lines: taken
    for one of them, it had set the column's edge 18 points left, and each line of a paragraph's
    tail there read as indented (LuaLaTeX)."""
    overlap = min(one.x1, other.x1) - max(one.x0, other.x0)
    return overlap > _SAME_COLUMN * min(one.x1 - one.x0, other.x1 - other.x0)


class _Columns:
    """Where the columns of one page begin and end, from its body lines."""

    def __init__(self, blocks: Sequence[Block], body: Body) -> None:
        self.size = body.measure.size
        self.by_block = [[ln for ln in block.lines if body.is_body(ln)] for block in blocks]
        self.page = [ln for lines in self.by_block for ln in lines]
        lefts = sorted({round(self.left(ln, k)) for k, lines in enumerate(self.by_block) for ln in lines})
        self.lefts = [x for k, x in enumerate(lefts) if k == 0 or x - lefts[k - 1] > self.size]
        self.indents = self._indents()

    def _mates(self, line: TextLine, block: int) -> list[TextLine]:
        own = self.by_block[block] if block < len(self.by_block) else []
        pool = own if len(own) >= _OWN_LINES else self.page
        return [m for m in pool if m.x0 < line.x1 and line.x0 < m.x1] or [line]

    def left(self, line: TextLine, block: int) -> float:
        """The left edge of the line's column."""
        reach = _COLUMN_REACH * self.size
        edges = [m.x0 for m in self._mates(line, block) if line.x0 - reach <= m.x0 <= line.x0 + 0.5
                 and _same_column(m, line)]
        return min(edges, default=line.x0)

    def right(self, line: TextLine, block: int) -> float:
        """The right edge of the line's column."""
        return max(m.x1 for m in self._mates(line, block))

    def short(self, line: TextLine, block: int) -> bool:
        """The line stops short of its column's edge."""
        return line.x1 < self.right(line, block) - _SHORT * line.size

    def indented(self, line: TextLine, block: int) -> bool:
        return line.x0 - self.left(line, block) >= _INDENT * line.size

    def _indents(self) -> bool:
        """Whether the page opens its paragraphs with an indent: most lines after a short line that ends a
        sentence (a paragraph's last line) are set in."""
        ends = opened = 0
        for k, lines in enumerate(self.by_block):
            for above, below in zip(lines, lines[1:], strict=False):
                if zh.SENTENCE_CLOSE.search(above.text) and self.short(above, k):
                    ends += 1
                    opened += self.indented(below, k)
        return opened * 2 > ends

    def index(self, line: TextLine, block: int) -> int:
        """The line's column, counted from the left of the page."""
        left = self.left(line, block)
        return max((k for k, x in enumerate(self.lefts) if x <= left + self.size), default=0)


def build_units(pages: Sequence[Sequence[Block]], body: Body) -> list[Unit]:
    """Every page's blocks, in reading order, as units."""
    units: list[Unit] = []
    block_number = 0
    for page, blocks in enumerate(pages, start=1):
        columns = _Columns(blocks, body)
        flow = [(k, block, line) for k, block in enumerate(blocks) for line in block.lines]
        for at, (k, block, line) in enumerate(flow):
            # the next line read, in any block, and its block
            following = (flow[at + 1][2], flow[at + 1][0]) if at + 1 < len(flow) else None
            _add_line(units, line, following, block, k, page, block_number + k + 1, columns, body)
        block_number += len(blocks)
    return units


def _add_line(units: list[Unit], line: TextLine, following: tuple[TextLine, int] | None, block: Block, k: int,
              page: int, number: int, columns: _Columns, body: Body) -> None:
    is_body = body.is_body(line) and not block.boxed
    last = _open_unit(units, is_body, block.boxed, number)
    if last is not None and _continues(last, line, following, is_body, k, columns):
        last.lines.append(line)
        last.edges.append(columns.right(line, k))
        return
    units.append(Unit([line], is_body, block.boxed, page, number, columns.index(line, k),
                      edges=[columns.right(line, k)], indented=is_body and _opens_paragraph(line, k, columns)))


def _brackets_open(text: str) -> int:
    """How many more round brackets the text opens than it closes (below zero: it closes earlier ones)."""
    return text.count("（") + text.count("(") - text.count("）") - text.count(")")


def _opens_paragraph(line: TextLine, block: int, columns: _Columns) -> bool:
    """Set in, as a paragraph's first line is; a "——…" line in body type is a subtitle or an
    attribution, set in by being centred or set right, and opens none."""
    return columns.indented(line, block) and not line.text.startswith(_DASH)


def _open_unit(units: list[Unit], is_body: bool, boxed: bool, number: int) -> Unit | None:
    """The unit a line may continue: the last one, or for body text the last body paragraph past a box."""
    for unit in reversed(units):
        if boxed:
            return unit if unit.boxed and unit.block == number else None
        if unit.boxed and is_body:
            continue  # the columns run on around a box
        return unit
    return None


def _heading_between(before: TextLine, line: TextLine, following: tuple[TextLine, int] | None,
                     columns: _Columns, block: int) -> bool:
    """Whether the line is a heading in body type between two paragraphs: the line before it ends a
    sentence, it stops short with no sentence mark, and the line after it opens a paragraph. A
    subheading set flush, its face's weight lost (Cairo writes every font of a Chromium page as
    Type 3, with no name), had run into the paragraph above."""
    return (following is not None and _opens_paragraph(*following, columns)
            and bool(zh.SENTENCE_CLOSE.search(before.text)) and columns.short(line, block)
            and not zh.SENTENCE_CLOSE.search(line.text))


def _continues(unit: Unit, line: TextLine, following: tuple[TextLine, int] | None, is_body: bool, block: int,
               columns: _Columns) -> bool:
    before = unit.lines[-1]
    if unit.body != is_body:
        return False
    if is_body:
        indented = columns.indented(line, block)
        short = before.x1 < unit.edges[-1] - _SHORT * before.size
        # where an indent opens each paragraph, a line stopping short ends none that opened so: an engine
        # that does not justify Chinese text leaves its lines ragged, and one that keeps a mark off a
        # line's start breaks the line before it a character early, after a full stop too ("。" / "“…");
        # a line in body type that opened without one (a deck, a byline) is no such paragraph
        return not indented and (not short or columns.indents and unit.indented
                                 and not _heading_between(before, line, following, columns, block))
    if line.text.startswith(_DASH) or before.text.startswith(_DASH):
        return False  # "——……" is a line of its own (a subtitle, an attribution), whatever its setting
    same = abs(line.size - before.size) <= _SIZE_TOLERANCE * before.size and family(line.font) == family(before.font)
    same_row = abs(line.top - before.top) < 0.3 * line.size and line.x0 >= before.x1
    next_row = (0 <= line.top - before.bottom <= _RUN_GAP * line.size
                and line.x0 < before.x1 and before.x0 < line.x1)
    # a note in small type that a column break cuts ("（作者为……" / "……研究员）") goes on where its
    # bracket closes: balancing columns, Writer sets the note's second line at the next column's top
    carried = _brackets_open(unit.text) > 0 > _brackets_open(line.text)
    return same and line.bold == before.bold and (same_row or next_row or carried)
