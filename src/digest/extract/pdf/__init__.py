"""PDF issues: the text of newspaper and newsletter pages, read in order from the page geometry.

The stages, one module each: `glyphs` (pdfminer.six: positioned characters,
rules and boxes) → `lines` (rows of glyphs cut at gutters) → `furniture`
(running headers and footers, and the issue's name) → `order` (XY-cut reading
order) → `units` (paragraphs and runs set apart) → `stories` (roles, pull
quotes, jumps joined). The page handed to the parser has one line a paragraph,
headline, kicker, byline or label, articles parted by a blank line, and the
typography on each `Line`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from digest.errors import IssueError
from digest.extract.pdf.furniture import find_furniture, issue_title
from digest.extract.pdf.glyphs import SheetPage, read_sheets
from digest.extract.pdf.lines import TextLine, find_lines
from digest.extract.pdf.order import Block, ends_with_head, measure_body, read_blocks
from digest.extract.pdf.stories import Story, drop_pull_quotes, gather_stories, mark_roles
from digest.extract.pdf.units import Body, Unit, body_setting, build_units
from digest.models import Line, Page, RawIssue

LOGGER = logging.getLogger(__name__)

MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024  # PDF readers accept the header anywhere in the first kilobyte
_CID = "(cid:"  # pdfminer's stand-in for a glyph its font maps to no character
_HEAD_ROLES = ("kicker", "title", "subtitle", "byline")


class PdfExtractor:
    """PDF files with a text layer: pages of columns, headlines and boxes, in reading order."""

    name = "PDF"

    def accepts(self, raw: RawIssue) -> bool:
        return MAGIC in raw.data[:_MAGIC_WINDOW]

    def extract(self, raw: RawIssue) -> Page:
        sheets = read_sheets(raw.data, raw.origin)
        pages = [find_lines(sheet.glyphs, sheet.shapes) for sheet in sheets]
        _check_text_layer(sheets, pages, raw.origin)
        furniture = find_furniture(sheets, pages)
        header = [line for k, line in enumerate(pages[0]) if k in furniture[0] and line.top < sheets[0].height / 2]
        text = [[line for k, line in enumerate(lines) if k not in furniture[n]] for n, lines in enumerate(pages)]
        measure = measure_body(text)
        body = body_setting(text, measure)
        blocks: list[list[Block]] = []
        for sheet, lines in zip(sheets, text, strict=True):
            under_head = bool(blocks) and ends_with_head(blocks[-1], measure)
            blocks.append(read_blocks(lines, sheet.shapes, measure, under_head))
        units = build_units(blocks, body)
        mark_roles(units, body)
        drop_pull_quotes(units)
        stories = gather_stories(units)
        LOGGER.info("%s: %d pages, %d stories", raw.name, len(sheets), len(stories))
        return Page(id=raw.id, name=raw.name, origin=raw.origin, lines=tuple(page_lines(stories, body)),
                    media_type="application/pdf", title=issue_title(header))


def _check_text_layer(sheets: list[SheetPage], pages: list[list[TextLine]], origin: str) -> None:
    chars = sum(len(line.text) for lines in pages for line in lines)
    if not chars:
        scanned = any(sheet.images for sheet in sheets)
        what = "its pages are images (a scan?)" if scanned else "no text on its pages"
        raise IssueError(f"{origin}: the PDF has no text layer: {what}", hint="OCR is not supported")
    unmapped = sum(line.text.count(_CID) for lines in pages for line in lines) * len(_CID + "0)")
    if unmapped > chars / 2:
        raise IssueError(f"{origin}: the PDF's fonts map their glyphs to no characters; its text cannot be read",
                         hint="export the PDF again with embedded Unicode fonts")


def page_lines(stories: list[Story], body: Body) -> list[Line]:
    """The stories as the parser reads them: a blank line before each story's head.

    A kicker (the column's name) is put after the headline in brackets, the way
    web editions print it ("标题（栏目）"): the text rules read a label there as
    the article's section, where a label line above would read as an over-title.
    """
    lines: list[Line] = []
    for story in stories:
        kicker = next((u for u in story.units if u.role == "kicker"), None)
        for k, unit in enumerate(story.units):
            if unit is kicker:
                continue
            before = story.units[k - 1].role if k else None
            opens_head = unit.role in _HEAD_ROLES and before not in _HEAD_ROLES
            if lines and lines[-1].text and (opens_head or before in ("byline", "note") or _head_ends(story, k)):
                lines.append(Line(""))
            line = _line(unit, body)
            if kicker is not None and unit.role == "title":
                line = replace(line, text=f"{line.text}（{kicker.text}）")
            lines.append(line)
    return lines


def _head_ends(story: Story, k: int) -> bool:
    """Whether the unit is the first of the running text after a headline stack with no byline."""
    return k > 0 and story.units[k].role not in _HEAD_ROLES and story.units[k - 1].role in ("title", "subtitle")


def _line(unit: Unit, body: Body) -> Line:
    return Line(unit.text, size=round(unit.size / body.measure.size, 2), bold=unit.bold, boxed=unit.boxed,
                column=unit.column, block=unit.block, role=unit.role if unit.role != "head" else None)
