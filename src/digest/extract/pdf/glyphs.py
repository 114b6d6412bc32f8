"""A PDF's pages as positioned glyphs, rules and boxes (pdfminer.six), nothing read into them yet.

Coordinates are turned top-down (`top` grows down the page) so that later
stages read like the page. Work is bounded: a file with more pages or a page
with more glyphs than the caps is refused with one line rather than read for
minutes. An encrypted, damaged or text-less (scanned) file gets one line too.
"""

from __future__ import annotations

import functools
import io
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTComponent, LTCurve, LTFigure, LTImage, LTLine, LTPage, LTRect
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdffont import PDFFont
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage, PDFTextExtractionNotAllowed
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFException
from pdfminer.psexceptions import PSException

from digest.errors import IssueError
from digest.extract.ideographs import unify_ideographs

LOGGER = logging.getLogger(__name__)

MAX_PAGES = 64  # a whole newspaper issue; more is a book or a report, not an issue
MAX_GLYPHS_PER_PAGE = 40_000  # a dense broadsheet page holds about 10,000 characters
_RULE_THICKNESS = 2.5  # a drawn line or rectangle at most this thick (points) is a rule
_BACKGROUND_SHARE = 0.5  # a rectangle covering more of the page is its background, not a box
_BOLD_NAMES = ("bold", "heavy", "black", "semibold", "demibold", "extrabold", "ultrabold")
_FORCE_BOLD = 1 << 18  # PDF font descriptor flag ForceBold
_BOLD_WEIGHT = 600
_EM_BOX_DESCENT = 0.12  # the em box's bottom under the baseline, in ems: the ideographic baseline of CJK fonts


@dataclass(frozen=True)
class Glyph:
    """One character as printed: its text, box (top-down), font size and face."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    font: str
    bold: bool


@dataclass(frozen=True)
class Shape:
    """A drawn rectangle or line: a rule when thin, a box (frame or shading) otherwise."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def is_rule(self) -> bool:
        return min(self.x1 - self.x0, self.bottom - self.top) <= _RULE_THICKNESS

    @property
    def horizontal(self) -> bool:
        return self.x1 - self.x0 > self.bottom - self.top


@dataclass(frozen=True)
class SheetPage:
    """One page of the file: its size and what is printed on it."""

    number: int  # 1-based, in file order
    width: float
    height: float
    glyphs: tuple[Glyph, ...]
    shapes: tuple[Shape, ...]
    images: int


class _CappedAggregator(PDFPageAggregator):
    """pdfminer's page collector, stopping a page that holds more glyphs than the cap."""

    def __init__(self, rsrcmgr: PDFResourceManager, origin: str) -> None:
        super().__init__(rsrcmgr, laparams=None)
        self.origin = origin
        self.glyphs = 0

    def render_char(self, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
        self.glyphs += 1
        if self.glyphs > MAX_GLYPHS_PER_PAGE:
            raise IssueError(f"{self.origin}: a page holds more than {MAX_GLYPHS_PER_PAGE} characters",
                             hint="not a newspaper or newsletter page")
        advance = float(super().render_char(*args, **kwargs))
        font = kwargs.get("font", args[1] if len(args) > 1 else None)
        setattr(self.cur_item._objs[-1], "bold", bool(font) and _bold(font))  # noqa: B010 (the face is known only here)
        return advance

    def paint_path(self, gstate, stroke, fill, evenodd, path):  # type: ignore[no-untyped-def]
        """A rectangle filled inside another paints only the ring between them: the ring's sides, as rules.

        Some engines (WeasyPrint) draw a border this way, and pdfminer gives each
        rectangle of the path on its own: a story's top rule became a box round the
        whole story. A ring with all four sides is a frame and stays one box."""
        strips = _ring_strips(path, evenodd) if fill and not stroke else None
        for part in strips if strips is not None else [path]:
            super().paint_path(gstate, stroke, fill, evenodd, part)


Segment = tuple[object, ...]  # one path operator and its operands, as pdfminer gives it: ("m", x, y)
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the path's own coordinates


def _ring_strips(path: list[Segment], evenodd: bool) -> list[list[Segment]] | None:
    """The sides of the ring a path of two nested rectangles fills, each as a rectangle path; None for any
    other path, and for two rectangles wound alike under the nonzero rule (which fills the outer whole).

    A subpath that only moves the pen paints nothing: Cairo ends such a path with one."""
    starts = [k for k, segment in enumerate(path) if segment[0] == "m"]
    subpaths = [path[a:b] for a, b in zip(starts, [*starts[1:], len(path)], strict=True)]
    subpaths = [subpath for subpath in subpaths if len(subpath) > 1]
    if len(subpaths) != 2:
        return None
    first, second = (_rectangle(subpath) for subpath in subpaths)
    if first is None or second is None:
        return None
    (outer, outer_turn), (inner, inner_turn) = sorted((first, second), key=lambda r: -_area(r[0]))
    inside = outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]
    if not inside or (not evenodd and outer_turn == inner_turn):
        return None
    sides = [(outer[0], outer[1], inner[0], outer[3]), (inner[2], outer[1], outer[2], outer[3]),
             (inner[0], outer[1], inner[2], inner[1]), (inner[0], inner[3], inner[2], outer[3])]
    drawn = [side for side in sides if side[2] > side[0] and side[3] > side[1]]
    return [_rectangle_path(outer)] if len(drawn) == len(sides) else [_rectangle_path(side) for side in drawn]


def _rectangle(subpath: list[Segment]) -> tuple[Box, bool] | None:
    """An axis-aligned rectangle subpath (m l l l h, as pdfminer writes `re`) as its box and whether it turns
    anticlockwise; None for any other shape."""
    ops = "".join(str(segment[0]) for segment in subpath)
    if ops not in ("mlllh", "mllllh", "mllll"):
        return None
    points = [(float(s[1]), float(s[2])) for s in subpath if len(s) == 3]  # type: ignore[arg-type]
    corners = points[:4]
    xs, ys = {x for x, _ in corners}, {y for _, y in corners}
    edges = zip(corners, corners[1:] + corners[:1], strict=True)
    if len(xs) > 2 or len(ys) > 2 or not all(a[0] == b[0] or a[1] == b[1] for a, b in edges):
        return None
    turn = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(corners, corners[1:] + corners[:1], strict=True))
    return (min(xs), min(ys), max(xs), max(ys)), turn > 0


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _rectangle_path(box: Box) -> list[Segment]:
    x0, y0, x1, y1 = box
    return [("m", x0, y0), ("l", x1, y0), ("l", x1, y1), ("l", x0, y1), ("h",)]


def read_sheets(data: bytes, origin: str) -> list[SheetPage]:
    """Every page of the PDF as glyphs and shapes; `IssueError` when the file cannot be read."""
    try:
        return list(_sheets(data, origin))
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise IssueError(f"{origin}: the PDF is encrypted and cannot be read", hint="save an unprotected copy") from e
    except PDFTextExtractionNotAllowed as e:
        raise IssueError(f"{origin}: the PDF forbids text extraction", hint="save an unprotected copy") from e
    except (PDFException, PSException, ValueError, KeyError, TypeError, zlib.error) as e:
        # pdfminer reports damage through whatever its parser trips on; all mean the same to the user
        raise IssueError(f"{origin}: damaged PDF, cannot be read ({type(e).__name__})") from e


def _sheets(data: bytes, origin: str) -> Iterator[SheetPage]:
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    resources = PDFResourceManager(caching=True)
    for number, page in enumerate(PDFPage.create_pages(document), start=1):
        if number > MAX_PAGES:
            raise IssueError(f"{origin}: more than {MAX_PAGES} pages", hint="not a newspaper or newsletter issue")
        device = _CappedAggregator(resources, origin)
        PDFPageInterpreter(resources, device).process_page(page)
        yield _sheet(device.get_result(), number)


def _sheet(layout: LTPage, number: int) -> SheetPage:
    height = layout.y1
    glyphs: list[Glyph] = []
    shapes: list[Shape] = []
    images = 0
    for item in _flatten(layout):
        if isinstance(item, LTChar):
            glyph = _glyph(item, height)
            if glyph:
                glyphs.append(glyph)
        elif isinstance(item, LTRect | LTLine | LTCurve) and not _paints_nothing(item):
            shapes.append(Shape(item.x0, height - item.y1, item.x1, height - item.y0))
        elif isinstance(item, LTImage):
            images += 1
    area = layout.width * layout.height
    shapes = [s for s in shapes if (s.x1 - s.x0) * (s.bottom - s.top) < _BACKGROUND_SHARE * area]
    return SheetPage(number, layout.width, height, tuple(glyphs), tuple(_frames(shapes)), images)


def _paints_nothing(shape: LTCurve) -> bool:
    """A white fill with no outline: the page's own colour, as an engine paints a background behind text
    (Qt paints the body's white under a last page's few stories, which read as one box round them all)."""
    if shape.stroke or not shape.fill:
        return False
    colour = shape.non_stroking_color
    values = colour if isinstance(colour, tuple) else (colour,)
    if not values or not all(isinstance(v, int | float) for v in values):
        return False  # a pattern or a named colour: it may show
    return all(v == 0 for v in values) if len(values) == 4 else all(v == 1 for v in values)


def _frames(shapes: list[Shape]) -> list[Shape]:
    """Four rules whose ends meet, two across and two down, as the one frame they draw.

    Some engines (Qt, in wkhtmltopdf) paint each side of a bordered box as a
    rectangle of its own; read as four rules, a boxed label became a story's top
    rule and a line of running text."""
    rules = [s for s in shapes if s.is_rule]
    across = [s for s in rules if s.horizontal]
    down = [s for s in rules if not s.horizontal]
    used: set[Shape] = set()
    frames = []
    for top in across:
        for bottom in across:
            if top in used or bottom in used or bottom.top <= top.bottom:
                continue
            if not (_meet(top.x0, bottom.x0) and _meet(top.x1, bottom.x1)):
                continue
            left, right = (_side_at(down, edge, top, bottom, used) for edge in (top.x0, top.x1))
            if left is not None and right is not None:
                used.update((top, bottom, left, right))
                frames.append(Shape(top.x0, top.top, top.x1, bottom.bottom))
    return [s for s in shapes if s not in used] + frames


def _meet(a: float, b: float) -> bool:
    """Two rules' ends at one point, within a rule's thickness."""
    return abs(a - b) <= _RULE_THICKNESS


def _side_at(down: list[Shape], x: float, top: Shape, bottom: Shape, used: set[Shape]) -> Shape | None:
    """The unused upright rule at `x` that runs from `top` to `bottom`."""
    return next((s for s in down if s not in used and (_meet(s.x0, x) or _meet(s.x1, x))
                 and _meet(s.top, top.top) and _meet(s.bottom, bottom.bottom)), None)


def _flatten(container: LTComponent) -> Iterator[LTComponent]:
    for item in container:  # type: ignore[attr-defined]
        if isinstance(item, LTFigure):
            yield from _flatten(item)
        else:
            yield item


def _glyph(char: LTChar, height: float) -> Glyph | None:
    """The character as a glyph, its box one em tall on its baseline, whatever its font says.

    pdfminer sets a box on the baseline by the font's declared descent, and
    producers declare what they like: a Type 3 font has its glyphs' ink bounds
    (each subset its own), and a font Cairo writes again may declare a descent
    of nearly an em. Marks and ideographs, or digits and ideographs, of one
    line got boxes half an em apart and were read as two rows. A line's glyphs
    share a baseline, so every box is the em box set on it as CJK fonts set
    it (the ideographic em box's bottom 0.12 em under the baseline)."""
    _, b, c, _, _, baseline = char.matrix  # the matrix moves the glyph's origin to its baseline
    if not char.upright or abs(b) > 1e-3 or abs(c) > 1e-3:
        return None  # rotated or vertical text: not read (yet)
    text = unify_ideographs(char.get_text())
    if not text.strip() and char.width <= 0:
        return None
    bottom = baseline - _EM_BOX_DESCENT * char.size
    top = bottom + char.size
    return Glyph(text, char.x0, height - top, char.x1, height - bottom, round(char.size, 2),
                 char.fontname, getattr(char, "bold", False))


@functools.lru_cache(maxsize=256)
def _bold(font: PDFFont) -> bool:
    """Whether a font is a bold face, from its name or its descriptor's weight and flags."""
    name = (font.fontname or "").lower().replace("-", "").replace(" ", "")
    if any(word in name for word in _BOLD_NAMES):
        return True
    descriptor = font.descriptor or {}
    weight = descriptor.get("FontWeight")
    flags = descriptor.get("Flags")
    return (isinstance(weight, int | float) and weight >= _BOLD_WEIGHT) or (
        isinstance(flags, int) and bool(flags & _FORCE_BOLD))
