"""Reading order from the geometry: a recursive XY-cut of the page's lines into blocks.

The drawing order of a PDF says nothing (typesetting systems draw blocks in any
order), so the page is cut along the white space and the rules that part its
blocks. A horizontal cut that a rule marks, or that a headline sits under, parts
stories and is made first; then the page's columns (white or ruled gutters from
top to bottom of the region); then the remaining wide horizontal gaps. A cut
across columns without such evidence would read the top of every column before
the bottom of the first, so it comes last. Passages inside a drawn box are taken
out of the flow first (the columns run on around them) and put back where they
stand: before the first line below their top in the first column they cover.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from digest.extract.pdf.glyphs import Shape
from digest.extract.pdf.lines import TextLine

_HEAD_RATIO = 1.25  # a line this much larger than body text opens a story or a section
_MIN_GUTTER = 0.5  # a vertical gap at least this wide (in body sizes) may be a column gutter
_GAP_EXCESS = 0.3  # a horizontal gap this much wider (in body sizes) than the line spacing parts blocks
_BODY_TOLERANCE = 0.06  # sizes this close to the body size are body text
_RULE_SPAN = 0.5  # a horizontal rule across at least this share of a region parts it
_INSIDE_SHARE = 0.9  # a line this much inside a box (across) is held by it: glyphs may overhang a frame
_BOX_REACH = 2.0  # a box this close (in body sizes) above a line is read just before it (a label over a headline)
_RULE_COVER = 0.8  # a vertical rule along this share of a region's height parts its columns
_OVERHANG = 1.0  # a line reaching this far (in body sizes) past a rule on both sides crosses it
_MAX_DEPTH = 40  # the XY-cut's depth bound (real pages need under ten)


@dataclass(frozen=True)
class Measure:
    """The file's body text: its size and the white space between its lines (points)."""

    size: float
    line_gap: float


@dataclass(frozen=True)
class Block:
    """Lines read together, top to bottom; `boxed` when a drawn box holds them."""

    lines: tuple[TextLine, ...]
    boxed: bool = False

    @property
    def x0(self) -> float:
        return min(line.x0 for line in self.lines)

    @property
    def x1(self) -> float:
        return max(line.x1 for line in self.lines)

    @property
    def top(self) -> float:
        return min(line.top for line in self.lines)


def measure_body(pages: Sequence[Sequence[TextLine]]) -> Measure:
    """Body size (the size most text is set in) and body line spacing of a file."""
    weights: dict[float, int] = {}
    for lines in pages:
        for line in lines:
            weights[round(line.size * 2) / 2] = weights.get(round(line.size * 2) / 2, 0) + len(line.text)
    size = max(weights, key=lambda s: weights[s]) if weights else 10.0
    gaps = [gap for lines in pages for gap in _body_gaps(lines, size)]
    return Measure(size, statistics.median(gaps) if gaps else 0.3 * size)


def _body_gaps(lines: Sequence[TextLine], size: float) -> list[float]:
    body = sorted((line for line in lines if abs(line.size - size) < 0.1 * size), key=lambda ln: (ln.x0, ln.top))
    gaps = []
    for above, below in zip(body, body[1:], strict=False):
        if abs(above.x0 - below.x0) < size and 0 <= below.top - above.bottom <= 2 * size:
            gaps.append(below.top - above.bottom)
    return gaps


def read_blocks(lines: Sequence[TextLine], shapes: Sequence[Shape], measure: Measure,
                under_head: bool = False) -> list[Block]:
    """The page's blocks in reading order; `under_head` when the page before ended with a headline."""
    boxes = [s for s in shapes if not s.is_rule]
    boxed: dict[int, list[TextLine]] = {}
    flow = []
    for line in lines:
        box = _holding_box(line, boxes)
        if box is None:
            flow.append(line)
        else:
            boxed.setdefault(box, []).append(line)
    rules = [s for s in shapes if s.is_rule]
    head = _carried_head(flow, measure) if under_head else []
    blocks = [Block(tuple(head))] if head else []
    blocks += _cut([line for line in flow if line not in head], rules, measure, 0)
    for held in sorted(boxed.values(), key=lambda ls: min(ln.top for ln in ls)):
        _put_back(Block(tuple(sorted(held, key=lambda ln: (ln.top, ln.x0))), boxed=True), blocks, rules, measure)
    return blocks


def ends_with_head(blocks: Sequence[Block], measure: Measure) -> bool:
    """Whether a page's last line read is a headline: its story's byline opens the next page."""
    last = next((block.lines[-1] for block in reversed(blocks) if block.lines and not block.boxed), None)
    return last is not None and _is_head(last, measure)


def _carried_head(flow: Sequence[TextLine], measure: Measure) -> list[TextLine]:
    """The byline or deck at the top of a page whose headline ended the page before: the page's first
    line, alone in its row and starting where no line of the row under it starts, else nothing.

    Set in the body's own size, it has no headline over it to mark it as head
    matter, and read as a column's first line it ran into that column's text."""
    ordered = sorted(flow, key=lambda ln: ln.top)
    if len(ordered) < 2 or ordered[1].top < ordered[0].bottom:
        return []
    first, rest = ordered[0], ordered[1:]
    row = [ln for ln in rest if ln.top < rest[0].bottom]
    return [first] if _off_the_columns([first], row, measure) else []


def _holding_box(line: TextLine, boxes: Sequence[Shape]) -> int | None:
    """The smallest box around the line, by index, if any."""
    holding = [(b.x1 - b.x0) * (b.bottom - b.top) for b in boxes]
    inside = [k for k, b in enumerate(boxes) if b.top <= line.middle <= b.bottom
              and min(b.x1, line.x1) - max(b.x0, line.x0) >= _INSIDE_SHARE * (line.x1 - line.x0)]
    return min(inside, key=lambda k: holding[k]) if inside else None


def _put_back(block: Block, blocks: list[Block], rules: Sequence[Shape], measure: Measure) -> None:
    """Put a box before the block it sits just over (one under it first), else before the first line below it
    in its column (or a head between the two); but after the last line above it when a rule parts it from
    that line below.

    A rule across the box's column between the two is the top of the next story:
    a pull quote set at the foot of a column belongs to the story above it, and
    read before the next story's headline it would cut that story's head apart."""
    bottom = max(line.bottom for line in block.lines)
    near = [k for k, other in enumerate(blocks)
            if not other.boxed and other.top >= block.top - 1 and other.top - bottom <= _BOX_REACH * measure.size]
    under = [k for k in near if blocks[k].x0 < block.x1 and block.x0 < blocks[k].x1]
    if near:
        blocks.insert((under or near)[0], block)
        return
    placed = [(k, line) for k, line in _flow_lines(blocks) if line.x0 < block.x1 and block.x0 < line.x1]
    below = next(((k, line) for k, line in placed if line.top >= block.top), None)
    above = [(k, line) for k, line in placed if line.bottom <= block.top]
    if below is not None and above and _ruled_between(block, bottom, below[1].top, rules):
        k, line = above[-1]
        _insert(block, blocks, k, line, after=True)
    elif below is not None:
        _insert(block, blocks, *_head_between(blocks, bottom, below, measure))
    elif (head := _next_head(blocks, bottom, measure)) is not None:
        _insert(block, blocks, *head)
    else:
        blocks.append(block)


def _head_between(blocks: list[Block], top: float, below: tuple[int, TextLine],
                  measure: Measure) -> tuple[int, TextLine]:
    """The highest head line between a box and the first line under it in its column, else that line.

    A story's head is read before its columns. A label boxed over a short,
    centred headline stands clear of it across, so the first line under it in
    its column is the story's first column line; read there, it would fall
    between the byline and the text."""
    heads = [(k, line) for k, line in _flow_lines(blocks) if top <= line.top < below[1].top and _is_head(line, measure)]
    return min(heads, key=lambda found: found[1].top, default=below)


def _next_head(blocks: list[Block], top: float, measure: Measure) -> tuple[int, TextLine] | None:
    """The line right under a box that has no line under it in its column, if that line is a head.

    A label over a headline set at a page's foot, with the story's columns on
    the next page, is read before that headline, not after the page's last line."""
    found = min(((k, line) for k, line in _flow_lines(blocks) if line.top >= top), key=lambda pair: pair[1].top,
                default=None)
    return found if found is not None and _is_head(found[1], measure) else None


def _flow_lines(blocks: Sequence[Block]) -> list[tuple[int, TextLine]]:
    """The lines of the blocks that are not boxes, in reading order, each with its block's index."""
    return [(k, line) for k, block in enumerate(blocks) if not block.boxed for line in block.lines]


def _ruled_between(block: Block, top: float, bottom: float, rules: Sequence[Shape]) -> bool:
    """Whether a horizontal rule across the block's width lies between the two heights."""
    return any(r.horizontal and top - 1 <= r.top and r.bottom <= bottom + 1
               and min(r.x1, block.x1) - max(r.x0, block.x0) >= _RULE_SPAN * (block.x1 - block.x0) for r in rules)


def _insert(block: Block, blocks: list[Block], k: int, line: TextLine, after: bool = False) -> None:
    other = blocks[k]
    split = other.lines.index(line) + (1 if after else 0)
    blocks[k:k + 1] = [b for b in (Block(other.lines[:split]), block, Block(other.lines[split:])) if b.lines]


def _cut(lines: list[TextLine], rules: Sequence[Shape], measure: Measure, depth: int) -> list[Block]:
    if len(lines) < 2 or depth > _MAX_DEPTH:
        return [_leaf(lines)] if lines else []
    attempts = (
        lambda: _rows(lines, rules, measure, ruled_only=True),
        lambda: _ruled_columns(lines, rules, measure),
        lambda: _columns(lines, rules, measure, headed_only=True),
        lambda: _rows(lines, rules, measure, ruled_only=False, headed=True),
        lambda: _columns(lines, rules, measure, headed_only=False),
        lambda: _rows(lines, rules, measure, ruled_only=False, headed=False),
    )
    for attempt in attempts:
        parts = attempt()
        if len(parts) > 1:
            return [block for part in parts for block in _cut(part, rules, measure, depth + 1)]
    return [_leaf(lines)]


def _leaf(lines: list[TextLine]) -> Block:
    """Lines no cut parts, row by row, each row left to right.

    A row is lines whose middles fall within its first line's height: lines of
    two sizes side by side (a story's last line beside its note in small type,
    where balanced columns hold a line each) have tops apart but share a row."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda ln: ln.top):
        first = rows[-1][0] if rows else None
        if first is not None and first.top <= (line.top + line.bottom) / 2 <= first.bottom:
            rows[-1].append(line)
        else:
            rows.append([line])
    return Block(tuple(line for row in rows for line in sorted(row, key=lambda ln: ln.x0)))


def _is_head(line: TextLine, measure: Measure) -> bool:
    return line.size >= _HEAD_RATIO * measure.size


def _rows(lines: list[TextLine], rules: Sequence[Shape], measure: Measure, *, ruled_only: bool,
          headed: bool = False) -> list[list[TextLine]]:
    """Cuts along horizontal white bands: those a rule marks; or those a headline sits under or over; or all."""
    x0, x1 = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    ordered = sorted(lines, key=lambda ln: ln.top)
    cuts = []
    strip_start = 0
    head_matter = False  # the band above is a headline's (a byline or deck under it stays head matter)
    for top, bottom, k, wide in _row_gaps(ordered, measure, close=headed):
        ruled = any(r.horizontal and top - 1 <= r.top and r.bottom <= bottom + 1
                    and min(r.x1, x1) - max(r.x0, x0) >= _RULE_SPAN * (x1 - x0) for r in rules)
        below = [ln for ln in ordered[k:] if ln.top < bottom + measure.size]
        strip = ordered[strip_start:k]
        after_head = _head_strip(strip, measure, head_matter)
        over, off = _over_body(strip, below, measure), _off_the_columns(strip, below, measure)
        # A line in a size of its own that starts off the columns under it is a byline or deck, also where
        # its headline ended the page before.
        set_apart = over and off
        parted = wide or (after_head and (over or off)) or set_apart
        if not parted and head_matter:
            parted = _across_gutters(strip, ordered[k:], measure)
        if not parted:
            continue  # a close band parts only head matter set apart from the text under it
        head_matter = after_head
        heads = any(_is_head(ln, measure) for ln in below) or head_matter
        if ruled or (not ruled_only and (heads or not headed or set_apart)):
            cuts.append(k)
        strip_start = k
    bounds = [0, *cuts, len(ordered)]
    return [ordered[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _row_gaps(ordered: list[TextLine], measure: Measure, close: bool = False) -> list[tuple[float, float, int, bool]]:
    """Horizontal white bands wider than the line spacing, and with `close` any white band at all:
    (top, bottom, lines above, wide), lines sorted by top."""
    gaps = []
    reach = ordered[0].bottom
    for k, line in enumerate(ordered[1:], start=1):
        wide = line.top - reach > measure.line_gap + _GAP_EXCESS * measure.size
        if wide or (close and line.top > reach):
            gaps.append((reach, line.top, k, wide))
        reach = max(reach, line.bottom)
    return gaps


def _over_body(strip: Sequence[TextLine], below: Sequence[TextLine], measure: Measure) -> bool:
    """Whether a strip set wholly in other sizes than body text stands right over body text.

    The lines of a paragraph share one size, so a byline or deck in a size of
    its own set close over the columns (tighter than the page's line spacing)
    is still parted from them. A byline in the body's size is not told apart
    this way: the columns' first row is a single row too."""
    def body(line: TextLine) -> bool:
        return abs(line.size - measure.size) <= _BODY_TOLERANCE * measure.size

    return bool(strip) and not any(body(ln) for ln in strip) and any(body(ln) for ln in below)


def _off_the_columns(strip: Sequence[TextLine], below: Sequence[TextLine], measure: Measure) -> bool:
    """Whether a strip of one line starts where no line of the row right under it starts.

    Column text starts at its column's edge or at a paragraph's indent; a byline
    or deck centred under the headline, in the body's own size, starts anywhere
    else, and is parted from the columns however close it is set over them."""
    starts = [ln.x0 for ln in below]
    return len(strip) == 1 and bool(starts) and min(abs(strip[0].x0 - x) for x in starts) > measure.size


def _across_gutters(strip: Sequence[TextLine], rest: Sequence[TextLine], measure: Measure) -> bool:
    """Whether a line of the strip crosses a gutter that everything under the strip leaves white.

    A deck or byline under a headline may run across the columns it heads;
    column text never crosses its own gutters. Only a strip of lines one under
    another counts: lines side by side are columns themselves."""
    stacked = sorted(strip, key=lambda ln: ln.top)
    if any(lower.top < upper.bottom for upper, lower in zip(stacked, stacked[1:], strict=False)):
        return False
    gutters, reach = [], None
    for line in sorted(rest, key=lambda ln: ln.x0):
        if reach is not None and line.x0 - reach >= _MIN_GUTTER * measure.size:
            gutters.append((reach, line.x0))
        reach = line.x1 if reach is None else max(reach, line.x1)
    return any(ln.x0 < right and ln.x1 > left for ln in strip for left, right in gutters)


def _head_strip(strip: list[TextLine], measure: Measure, after_head: bool) -> bool:
    """A band of headline matter: a headline, or a deck or byline under one (a byline may be set as body text).

    Body text under a headline is never a single row: its columns run down the
    page without a gap, so a lone row under head matter is a byline or a deck.
    """
    body = any(abs(ln.size - measure.size) <= _BODY_TOLERANCE * measure.size for ln in strip)
    lone_row = max(ln.bottom for ln in strip) - min(ln.top for ln in strip) <= 1.5 * max(ln.height for ln in strip)
    return (not body and (after_head or any(_is_head(ln, measure) for ln in strip))) or (after_head and lone_row)


def _ruled_columns(lines: list[TextLine], rules: Sequence[Shape], measure: Measure) -> list[list[TextLine]]:
    """Cuts along the vertical rules drawn from the top of the region to its bottom that no line crosses.

    A line may overhang a rule a little (hanging punctuation, a tight fit), so
    only a line reaching a body size past it on both sides crosses it.
    """
    top, bottom = min(ln.top for ln in lines), max(ln.bottom for ln in lines)
    overhang = _OVERHANG * measure.size
    ruling = [r for r in rules if not r.horizontal
              and min(r.bottom, bottom) - max(r.top, top) >= _RULE_COVER * (bottom - top)]
    xs = sorted({round(r.x0, 1) for r in ruling})
    cuts = [x for x in xs if not any(ln.x0 < x - overhang and ln.x1 > x + overhang for ln in lines)]
    head = _above_rules([r for r in ruling if round(r.x0, 1) in cuts], lines, measure)
    if head:
        held = {id(ln) for ln in head}
        return [head, [ln for ln in lines if id(ln) not in held]]
    parts: list[list[TextLine]] = [[] for _ in range(len(cuts) + 1)]
    for line in lines:
        parts[sum(1 for x in cuts if (line.x0 + line.x1) / 2 > x)].append(line)
    return _under_headlines([p for p in parts if p], measure)


def _above_rules(rules: Sequence[Shape], lines: Sequence[TextLine], measure: Measure) -> list[TextLine]:
    """The lines standing wholly above the rules between a set of columns, when those rules start together.

    Column rules are drawn from the top of the columns down: what stands above
    them (a story's over-title, headline and byline) is read before the columns,
    even where a line of it ends just past a rule's line (a left-set over-title)."""
    if not rules or max(r.top for r in rules) - min(r.top for r in rules) > measure.size:
        return []
    start = min(r.top for r in rules)
    above = [ln for ln in lines if ln.bottom <= start + 1]
    straddling = any(ln.top < start < ln.bottom - 1 for ln in lines)
    return above if above and len(above) < len(lines) and not straddling else []


def _under_headlines(parts: list[list[TextLine]], measure: Measure) -> list[list[TextLine]]:
    """The parts rejoined where one, headless, lies under a headline printed beside it in its neighbour.

    A headline centred over several columns may leave the gutter beside it white
    (or ruled from the headline down): the columns under it are its story's and
    are read after it, not cut off before it.
    """
    merged = [parts[0]]
    for part in parts[1:]:
        if _covers(merged[-1], part, measure) or _covers(part, merged[-1], measure):
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    return merged


def _covers(headed: list[TextLine], other: list[TextLine], measure: Measure) -> bool:
    """Whether `headed` has a headline above the top of `other`, which has none of its own."""
    if _headed(other, measure):
        return False
    top = min(ln.top for ln in other)
    return any(_is_head(ln, measure) and ln.bottom <= top for ln in headed)


def _columns(lines: list[TextLine], rules: Sequence[Shape], measure: Measure, *,
             headed_only: bool) -> list[list[TextLine]]:
    """Cuts along gutters, white or ruled from the top of the region to its bottom.

    With `headed_only`, only ruled gutters, or gutters between parts that each
    have their own headline (stories side by side): a headline over several
    columns must be read before them, which a white gutter beside it would not do.
    """
    top, bottom = min(ln.top for ln in lines), max(ln.bottom for ln in lines)
    if bottom - top < 1.5 * max(ln.height for ln in lines):
        return [lines]  # one row (a headline with a wide space): not columns; two rows may be (a story at a foot)
    ordered = sorted(lines, key=lambda ln: ln.x0)
    parts: list[list[TextLine]] = [[ordered[0]]]
    ruled_cuts: list[bool] = []
    reach = ordered[0].x1
    for line in ordered[1:]:
        gap = line.x0 - reach
        ruled = gap > 0 and any(not r.horizontal and reach - 1 <= r.x0 <= line.x0 + 1 and r.top <= top + measure.size
                                and r.bottom >= bottom - measure.size for r in rules)
        if gap >= _MIN_GUTTER * measure.size or ruled:
            parts.append([line])
            ruled_cuts.append(ruled)
        else:
            parts[-1].append(line)
        reach = max(reach, line.x1)
    if headed_only:
        return _stories_side_by_side(parts, ruled_cuts, measure)
    return _under_headlines(parts, measure)


def _stories_side_by_side(parts: list[list[TextLine]], ruled_cuts: list[bool],
                          measure: Measure) -> list[list[TextLine]]:
    """The parts rejoined across each white gutter that does not part two headed stories."""
    merged = [parts[0]]
    for part, ruled in zip(parts[1:], ruled_cuts, strict=True):
        beside = _headed(part, measure) and _headed(merged[-1], measure)
        stacked = _over_title_of(merged[-1], part, measure) or _over_title_of(part, merged[-1], measure)
        if ruled or (beside and not stacked):
            merged.append(part)
        else:
            merged[-1] = merged[-1] + part
    return merged


def _over_title_of(part: list[TextLine], other: list[TextLine], measure: Measure) -> bool:
    """Whether the part's head is an over-title of the headline beside it: every head line of the part
    smaller than the other's headline and above it, and the part's text only under that headline.

    An over-title set flush left over a headline centred across the columns
    leaves the gutter beside the headline white, as two stories side by side
    would; but side by side, each story's text starts under its own headline."""
    heads = [ln for ln in part if _is_head(ln, measure)]
    headline = max((ln for ln in other if _is_head(ln, measure)), key=lambda ln: ln.size, default=None)
    if not heads or headline is None:
        return False
    head_bottom = max(h.bottom for h in heads)
    text = [ln for ln in part if not _is_head(ln, measure) and ln.top > head_bottom]
    return (all(h.size < headline.size and h.bottom <= headline.top for h in heads)
            and all(ln.top >= headline.bottom for ln in text))


def _headed(part: list[TextLine], measure: Measure) -> bool:
    return any(_is_head(ln, measure) for ln in part)
