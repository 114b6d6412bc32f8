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
_RULE_SPAN = 0.5  # a horizontal rule across at least this share of a region parts it
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


def read_blocks(lines: Sequence[TextLine], shapes: Sequence[Shape], measure: Measure) -> list[Block]:
    """The page's blocks in reading order."""
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
    blocks = _cut(flow, rules, measure, 0)
    for held in sorted(boxed.values(), key=lambda ls: min(ln.top for ln in ls)):
        _put_back(Block(tuple(sorted(held, key=lambda ln: (ln.top, ln.x0))), boxed=True), blocks)
    return blocks


def _holding_box(line: TextLine, boxes: Sequence[Shape]) -> int | None:
    """The smallest box around the line, by index, if any."""
    holding = [(b.x1 - b.x0) * (b.bottom - b.top) for b in boxes]
    inside = [k for k, b in enumerate(boxes)
              if b.x0 - 1 <= line.x0 and line.x1 <= b.x1 + 1 and b.top - 1 <= line.top and line.bottom <= b.bottom + 1]
    return min(inside, key=lambda k: holding[k]) if inside else None


def _put_back(block: Block, blocks: list[Block]) -> None:
    for k, other in enumerate(blocks):
        if other.boxed:
            continue
        for line in other.lines:
            if line.top >= block.top and line.x0 < block.x1 and block.x0 < line.x1:
                split = other.lines.index(line)
                head, tail = other.lines[:split], other.lines[split:]
                blocks[k:k + 1] = [b for b in (Block(head), block, Block(tail)) if b.lines]
                return
    blocks.append(block)


def _cut(lines: list[TextLine], rules: Sequence[Shape], measure: Measure, depth: int) -> list[Block]:
    if len(lines) < 2 or depth > _MAX_DEPTH:
        return [_leaf(lines)] if lines else []
    for parts in (_strong_rows(lines, rules, measure), _columns(lines, rules, measure), _rows(lines, measure)):
        if len(parts) > 1:
            return [block for part in parts for block in _cut(part, rules, measure, depth + 1)]
    return [_leaf(lines)]


def _leaf(lines: list[TextLine]) -> Block:
    return Block(tuple(sorted(lines, key=lambda ln: (ln.top, ln.x0))))


def _row_gaps(lines: list[TextLine], measure: Measure) -> list[tuple[float, float, int]]:
    """Horizontal white bands wider than the line spacing: (top, bottom, lines above)."""
    ordered = sorted(lines, key=lambda ln: ln.top)
    gaps = []
    reach = ordered[0].bottom
    for k, line in enumerate(ordered[1:], start=1):
        if line.top - reach > measure.line_gap + _GAP_EXCESS * measure.size:
            gaps.append((reach, line.top, k))
        reach = max(reach, line.bottom)
    return gaps


def _split_rows(lines: list[TextLine], cuts: list[int]) -> list[list[TextLine]]:
    ordered = sorted(lines, key=lambda ln: ln.top)
    bounds = [0, *cuts, len(ordered)]
    return [ordered[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _strong_rows(lines: list[TextLine], rules: Sequence[Shape], measure: Measure) -> list[list[TextLine]]:
    """Cuts a rule marks or a headline sits under: where stories part."""
    x0, x1 = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    ordered = sorted(lines, key=lambda ln: ln.top)
    cuts = []
    for top, bottom, k in _row_gaps(lines, measure):
        ruled = any(r.horizontal and top - 1 <= r.top and r.bottom <= bottom + 1
                    and min(r.x1, x1) - max(r.x0, x0) >= _RULE_SPAN * (x1 - x0) for r in rules)
        below = [ln for ln in ordered[k:] if ln.top < bottom + measure.size]
        headed = any(ln.size >= _HEAD_RATIO * measure.size for ln in below)
        if ruled or headed:
            cuts.append(k)
    return _split_rows(lines, cuts)


def _rows(lines: list[TextLine], measure: Measure) -> list[list[TextLine]]:
    return _split_rows(lines, [k for _, _, k in _row_gaps(lines, measure)])


def _columns(lines: list[TextLine], rules: Sequence[Shape], measure: Measure) -> list[list[TextLine]]:
    """Cuts along gutters: white (or ruled) from the top of the region to its bottom."""
    top, bottom = min(ln.top for ln in lines), max(ln.bottom for ln in lines)
    if bottom - top < 2.5 * max(ln.height for ln in lines):
        return [lines]  # one row (a headline with a wide space): not columns
    ordered = sorted(lines, key=lambda ln: ln.x0)
    parts: list[list[TextLine]] = [[ordered[0]]]
    reach = ordered[0].x1
    for line in ordered[1:]:
        gap = line.x0 - reach
        ruled = any(not r.horizontal and reach - 1 <= r.x0 <= line.x0 + 1 and r.top <= top + measure.size
                    and r.bottom >= bottom - measure.size for r in rules)
        if gap >= _MIN_GUTTER * measure.size or (gap > 0 and ruled):
            parts.append([line])
        else:
            parts[-1].append(line)
        reach = max(reach, line.x1)
    return parts
