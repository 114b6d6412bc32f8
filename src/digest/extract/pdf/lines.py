"""Glyphs into printed lines: rows of glyphs on one baseline, cut where a gap or a rule parts them.

A row across two columns becomes two lines: the gutter between them is wider
than any gap inside a line of text (CJK text sets its characters edge to edge;
Latin words are a space apart), and a vertical rule drawn between the glyphs
parts them whatever the gap.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest import zh
from digest.extract.pdf.glyphs import Glyph, Shape

_LINE_GAP = 0.9  # a gap wider than this (in the glyphs' size) ends a line: a gutter, not a space
_CJK_LINE_GAP = 0.6  # CJK text sets its characters edge to edge: a smaller gap between two of them ends a line
# Full-width marks drawn in the left half of their box: one may hang past the column's edge.
_LEFT_SET_MARKS = frozenset("。，、；：！？")
# Full-width opening marks drawn in the right half of their box: one may hang before the column's edge.
_RIGHT_SET_MARKS = frozenset("“‘（《〈「『【〔［")
# Full-width closing marks, drawn in the left half of their box like the stops above.
_CLOSING_MARKS = frozenset("”’）》〉」』】〕］")
# Lines that end (or start) at one point to make it a column's edge: a column holds tens of lines,
# and a few lines of running text seldom end at the same point by chance.
_EDGE_LINES = 5
_FULL_WIDTH = 0.8  # a glyph box at least this wide (in its size) is a full-width one, not a Latin font's quote
_SPACE_GAP = 0.25  # a gap at least this wide (in the glyphs' size) is a space between words
_WIDE_SPACE = 0.4  # between two CJK characters only a gap this wide is a space (between two names, say)
_RHYTHM = 0.1  # two gaps within this much (in the glyphs' size) are one line's spacing, rounding apart
_ROW_TOLERANCE = 0.5  # glyphs whose centres are this close (in their size) share a row
_ROW_REACH = 2.5  # a row this close (in its size, top to top) is the next one: body text is set at 1.2-2 em
_SAME_SIZE = 0.05  # sizes this close (a share of the size) are one type
# A character set edge to edge in CJK text: a justified line may spread these apart without meaning a space.
_CJK_CHAR = re.compile(f"[{zh.CJK}{zh.CJK_PUNCT}]")


@dataclass(frozen=True)
class TextLine:
    """One printed line: its glyphs left to right, its box, and its type."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # the median glyph size (points)
    font: str  # the font most of its glyphs are set in
    bold: bool  # most of its glyphs are bold

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def make_line(glyphs: Sequence[Glyph], seams: set[Glyph] | None = None) -> TextLine:
    """The line the glyphs (left to right) make, spaces put where the gaps are, save before the
    glyphs of `seams` (white a justified line opened)."""
    text = ""
    before: Glyph | None = None
    for glyph in glyphs:
        if glyph.text.isspace():
            text += " "  # a space the file sets as a glyph
            continue
        if before is not None and _spaced(before, glyph) and glyph not in (seams or ()):
            text += " "
        text += glyph.text
        before = glyph
    text = " ".join(text.split())
    glyphs = [g for g in glyphs if not g.text.isspace()] or list(glyphs)
    # a line of Chinese is set in the face of its Han characters: digits and Latin words in it come
    # from a companion Latin face (xeCJK, LuaTeX-ja and browsers pair the two), and may be most of it
    fonts = Counter(g.font for g in [g for g in glyphs if _CJK_CHAR.match(g.text[:1])] or glyphs)
    return TextLine(text=text, x0=min(_ink_left(g) for g in glyphs), top=min(g.top for g in glyphs),
                    x1=max(_ink_right(g) for g in glyphs), bottom=max(g.bottom for g in glyphs),
                    size=statistics.median(g.size for g in glyphs), font=fonts.most_common(1)[0][0],
                    bold=2 * sum(g.bold for g in glyphs) > len(glyphs))


def _spaced(left: Glyph, right: Glyph) -> bool:
    gap = (right.x0 - left.x1) / max(left.size, right.size)
    cjk = bool(_CJK_CHAR.match(left.text[-1:])) and bool(_CJK_CHAR.match(right.text[:1]))
    return gap >= (_WIDE_SPACE if cjk else _SPACE_GAP)


def join_lines(lines: Sequence[TextLine]) -> TextLine:
    """Pieces of one row (left to right) as one line."""
    return make_line([_stand_in(line) for line in lines]) if len(lines) > 1 else lines[0]


def _stand_in(line: TextLine) -> Glyph:
    return Glyph(line.text, line.x0, line.top, line.x1, line.bottom, line.size, line.font, line.bold)


def find_lines(glyphs: Iterable[Glyph], shapes: Sequence[Shape]) -> list[TextLine]:
    """The printed lines of a page, in no particular order."""
    dividers = [s for s in shapes if s.is_rule and not s.horizontal]
    rows = [[piece for piece in _pieces(sorted(row, key=_ink_middle), dividers)
             if any(not g.text.isspace() for g in piece)] for row in _rows(glyphs)]
    rows = sorted((row for row in rows if row), key=lambda row: row[0][0].top)
    edges = _column_edges([piece for row in rows for piece in row])
    lines = []
    tops = [row[0][0].top for row in rows]
    for row, top in zip(rows, tops, strict=True):
        # the rows within reach above and below, whichever they are: columns may set lines on baselines of their own
        reach = _ROW_REACH * row[0][0].size
        near = rows[bisect.bisect_left(tops, top - reach):bisect.bisect_right(tops, top + reach)]
        neighbours = [piece for other in near if other is not row for piece in other]
        for piece, seams in _rejoin(row, neighbours, edges):
            lines += [make_line(part, seams) for part in _split_at_gutters(piece, edges)]
    return lines


def _rejoin(row: list[list[Glyph]], neighbours: list[list[Glyph]],
            edges: tuple[set[int], set[int]]) -> list[tuple[list[Glyph], set[Glyph]]]:
    """The row's pieces, those parted by white inside a column put back together, each with the
    glyphs that open such a seam (where no space goes).

    A justified narrow column with few places to stretch (xeCJK squeezes marks
    to half their width and stretches the glue after them) opens white wider
    than a gap that ends a line. A gutter is white down the rows; this white is
    not: a line of the same type just above or below has ink across it, and the
    ink on either side of it stands at no column's edge."""
    pieces: list[tuple[list[Glyph], set[Glyph]]] = []
    for piece in row:
        if pieces and _inside_a_column(pieces[-1][0][-1], piece[0], neighbours, edges):
            pieces[-1][0].extend(piece)
            pieces[-1][1].add(piece[0])
        else:
            pieces.append((list(piece), set()))
    return pieces


def _inside_a_column(before: Glyph, glyph: Glyph, neighbours: list[list[Glyph]],
                     edges: tuple[set[int], set[int]]) -> bool:
    left, right = _ink_end(before), _ink_left(glyph)
    cjk = bool(_CJK_CHAR.match(before.text[-1:])) and bool(_CJK_CHAR.match(glyph.text[:1]))
    if not cjk or _ends_at(before, edges[0]) or _starts_at(glyph, edges[1]):
        return False
    return any(abs(other[0].size - glyph.size) <= _SAME_SIZE * glyph.size
               and _ink_left(other[0]) < left and _ink_end(other[-1]) > right for other in neighbours)


def _column_edges(pieces: Sequence[Sequence[Glyph]]) -> tuple[set[int], set[int]]:
    """Where the page's columns end and start: points (rounded) at which _EDGE_LINES lines or more end, or start."""
    ends = Counter(round(_ink_end(piece[-1])) for piece in pieces)
    starts = Counter(round(_ink_left(piece[0])) for piece in pieces)
    return {x for x, n in ends.items() if n >= _EDGE_LINES}, {x for x, n in starts.items() if n >= _EDGE_LINES}


def _split_at_gutters(piece: list[Glyph], edges: tuple[set[int], set[int]]) -> list[list[Glyph]]:
    """The piece cut where one column's line ends and the next column's begins, ink to ink across a gutter.

    A typesetter hanging punctuation sets a closing mark out past a column's
    edge and an opening bracket in before the next one's, so the two lines'
    boxes may come closer than any gap the row is cut at. Where the ink on
    both sides stands at a column's edge (one that many lines share) with a
    gutter's width between, the two are lines of two columns. A quote's own
    white inside a line never stands at a column's edge on both sides."""
    ends, starts = edges
    parts = [[piece[0]]]
    for before, glyph in zip(piece, piece[1:], strict=False):
        left, right = _ink_end(before), _ink_left(glyph)
        at_edges = _ends_at(before, ends) and _starts_at(glyph, starts)
        if at_edges and right - left > _LINE_GAP * max(glyph.size, before.size):
            parts.append([glyph])
        else:
            parts[-1].append(glyph)
    return parts


def _ends_at(glyph: Glyph, edges: set[int]) -> bool:
    """Whether the glyph's ink may end at one of the edges: a mark drawn in the left half of its
    box ends somewhere in that half (a comma's ink is narrower than half its box), any other glyph
    at its box's end."""
    end = _ink_end(glyph)
    left_set = end < glyph.x1  # a mark inked in the left half of its box
    return _near_span(glyph.x0 if left_set else end, end, edges)


def _starts_at(glyph: Glyph, edges: set[int]) -> bool:
    """Whether the glyph's ink may start at one of the edges: a full-width opening mark's ink
    starts somewhere in the right half of its box, any other glyph's at its box's start."""
    start = _ink_left(glyph)
    opening = start > glyph.x0  # a full-width opening mark, inked in the right half of its box
    return _near_span(start, glyph.x1 if opening else start, edges)


def _near_span(low: float, high: float, edges: set[int]) -> bool:
    """Whether an edge lies between the two points, or within a point of them."""
    return any(low - 1 <= edge <= high + 1 for edge in edges)


def _ink_middle(glyph: Glyph) -> float:
    """The middle of the glyph's ink: where a row's glyphs are read in order.

    A typesetter that squeezes adjacent marks (xeCJK's, say) takes the white
    half out of each and lays their boxes over one another: in 说：“要 the
    quote's box starts before the colon's, but its ink stands after it."""
    return (_ink_left(glyph) + _ink_end(glyph)) / 2


def _ink_end(glyph: Glyph) -> float:
    """Where the glyph's ink ends, a full-width closing mark's too (drawn in the left half of its box)."""
    full_width = glyph.x1 - glyph.x0 >= _FULL_WIDTH * glyph.size
    return (glyph.x0 + glyph.x1) / 2 if glyph.text in _CLOSING_MARKS and full_width else _ink_right(glyph)


def _rows(glyphs: Iterable[Glyph]) -> list[list[Glyph]]:
    rows: list[list[Glyph]] = []
    middles: list[float] = []
    sizes: list[float] = []
    for glyph in sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2):
        middle = (glyph.top + glyph.bottom) / 2
        for k in range(len(rows) - 1, max(-1, len(rows) - 8), -1):  # rows still open are the last few
            near = abs(middle - middles[k]) <= _ROW_TOLERANCE * min(glyph.size, sizes[k])
            if near and 0.6 <= glyph.size / sizes[k] <= 1.7:
                rows[k].append(glyph)
                break
        else:
            rows.append([glyph])
            middles.append(middle)
            sizes.append(glyph.size)
    return rows


def _pieces(row: list[Glyph], dividers: Sequence[Shape]) -> list[list[Glyph]]:
    pieces = [[row[0]]]
    for glyph in row[1:]:
        before = pieces[-1][-1]
        cjk = bool(_CJK_CHAR.match(before.text[-1:])) and bool(_CJK_CHAR.match(glyph.text[:1]))
        size = max(glyph.size, before.size)
        wide = glyph.x0 - _ink_end(before) > (_CJK_LINE_GAP if cjk else _LINE_GAP) * size
        if wide and cjk and _in_rhythm(pieces[-1], glyph):
            wide = False  # a justified line's own spacing, after a stop set in the left half of its box
        if wide or _divided(before, glyph, dividers):
            pieces.append([glyph])
        else:
            pieces[-1].append(glyph)
    return pieces


def _in_rhythm(piece: list[Glyph], glyph: Glyph) -> bool:
    """The glyph's box follows the last one's as the line's characters follow each other (the median
    of their gaps): a justified line spreads every pair alike (a narrow column by a point and a half
    or more), so a gap no wider is inside the line, however much white a full stop's half box adds."""
    spreads = [b.x0 - a.x1 for a, b in zip(piece, piece[1:], strict=False)
               if _CJK_CHAR.match(a.text[-1:]) and _CJK_CHAR.match(b.text[:1])]
    if not spreads:
        return False
    return abs(glyph.x0 - piece[-1].x1 - statistics.median(spreads)) <= _RHYTHM * glyph.size


def _ink_right(glyph: Glyph) -> float:
    """Where the glyph's ink ends: mid-box for a mark set in the left half of its box."""
    return (glyph.x0 + glyph.x1) / 2 if glyph.text in _LEFT_SET_MARKS else glyph.x1


def _ink_left(glyph: Glyph) -> float:
    """Where the glyph's ink starts: mid-box for a full-width opening mark, set in the right half of its box.

    A typesetter that hangs punctuation sets such a mark's box out into the
    gutter before a line, with only its empty half there."""
    full_width = glyph.x1 - glyph.x0 >= _FULL_WIDTH * glyph.size
    return (glyph.x0 + glyph.x1) / 2 if glyph.text in _RIGHT_SET_MARKS and full_width else glyph.x0


def _divided(left: Glyph, right: Glyph, dividers: Sequence[Shape]) -> bool:
    middle = (left.top + left.bottom) / 2
    # the glyph before a rule may overhang it (hanging punctuation, a tight fit): compare where glyphs start
    return any(left.x0 < d.x0 and d.x1 <= right.x0 + 0.5 and d.top <= middle <= d.bottom for d in dividers)
