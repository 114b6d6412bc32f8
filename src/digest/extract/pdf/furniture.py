"""Page furniture: the running header and footer every page repeats at its edges.

A line near the top or bottom edge of a page is furniture when another page
prints it too at an edge (page numbers and dates aside), or when it reads like
furniture: a date or a page number standing as a label, an editor's credit. The
rest of a header's row goes with it (the header is one row: number, section,
date, paper; its pieces are labels that share a baseline or a middle, so a
column line holding a clause mark is text, even where it runs level with the
row); a credit is a line of its own and takes nothing with it. The first
page's header names the issue: "人民日报 2026年5月6日 第9版 理论".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.extract.pdf.glyphs import SheetPage
from digest.extract.pdf.lines import TextLine

_EDGE = 0.08  # the share of the page height at the top and the bottom where furniture sits
_ROW_GROWTH = 1.5  # a piece of the header row is at most this much taller than another: larger is a headline
_ALIGNED = 0.3  # pieces of one row share a baseline or a middle to within this share of the smaller's height
_PIECE_MAX = 30  # a header or footer piece is short; a longer line at the edge is text that starts there
# A printed date: 2026年5月6日, 2026-05-06, 2026.5.6 or 2026/5/6.
_DATE = re.compile(r"(\d{4})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-./](\d{1,2})[-./](\d{1,2}))")
# A page number as a header prints it: "第9版", "09", "A3" (alone or before the section's name: "09 理论", "09理论").
_PAGE_NUMBER = re.compile(
    r"^(?:第\s*([0-9A-Z]{1,4}|[一二三四五六七八九十]{1,3})\s*版|([A-Z]?\d{1,3}))(?=\s|$|[^\x00-\x7f])")
# An editor's or designer's credit: 本版责编：…, 责任编辑：…, 版式设计：…, 美编：…
_CREDIT = re.compile(r"(?:责任编辑|责编|编辑|版式设计|美编|校对|制图|排版|版面设计)\s*[：:]")
# A weekday as a dateline prints it: 星期三, 周三.
_WEEKDAY = re.compile(r"(?:星期|周)[一二三四五六日天]")
# A periodical's name, as mastheads print it: ends in 报 or 刊 (日报, 晚报, 周刊…).
_PERIODICAL = re.compile(r"[报刊]$")
_DIGITS = re.compile(r"\d+|[一二三四五六七八九十]+")  # numbers, masked when lines are compared across pages
# A mark that ends a clause of running text: header and footer pieces are labels and hold none.
_CLAUSE_MARK = re.compile("[，。；！？、]")


def find_furniture(sheets: Sequence[SheetPage], pages: Sequence[Sequence[TextLine]]) -> list[set[int]]:
    """For each page, the indexes of its lines that are running header or footer."""
    edges = [[k for k, line in enumerate(lines) if _at_edge(line, sheet)] for sheet, lines in zip(sheets, pages,
                                                                                                  strict=True)]
    seen: dict[str, set[int]] = {}
    for number, (lines, found) in enumerate(zip(pages, edges, strict=True)):
        for k in found:
            seen.setdefault(_key(lines[k]), set()).add(number)
    furniture = []
    for lines, found in zip(pages, edges, strict=True):
        marked = {k for k in found if (len(seen[_key(lines[k])]) > 1 and not _heads_a_story(lines[k], lines))
                  or _reads_as_furniture(lines[k])}
        # An editor's credit is a line of its own, often level with a story's first line: it takes no row with it.
        anchors = [m for m in marked if not _CREDIT.search(lines[m].text)]
        furniture.append(marked | {k for k in found for m in anchors if _same_row(lines[k], lines[m])})
    return furniture


def _heads_a_story(line: TextLine, lines: Sequence[TextLine]) -> bool:
    """Whether a headline stands right under the line, closer than its own height: a column's label
    set with its headline, which two stories of one column opening two pages repeat at the same
    place. A running header is set apart from the stories under it."""
    return any(0 <= other.top - line.bottom < other.height and other.size >= _ROW_GROWTH * line.size
               for other in lines)


def _key(line: TextLine) -> str:
    """A line's text as compared across pages: numbers masked, spaces dropped."""
    return _DIGITS.sub("#", "".join(line.text.split()))


def _at_edge(line: TextLine, sheet: SheetPage) -> bool:
    return line.bottom <= _EDGE * sheet.height or line.top >= (1 - _EDGE) * sheet.height


def _reads_as_furniture(line: TextLine) -> bool:
    text = line.text.strip()
    if text.startswith(("（", "(")) or len(text) > _PIECE_MAX:
        return False  # a jump note ("（下转第十版）") names a page too, but belongs to its story
    if _CREDIT.search(text):
        return True
    # A header's date or page number is a label; a column line that holds one inside a clause
    # ("2024年3月1日，新规正式…") is running text that reached the page's edge.
    return not _CLAUSE_MARK.search(text) and bool(_DATE.search(text) or _PAGE_NUMBER.match(text))


def _same_row(line: TextLine, marked: TextLine) -> bool:
    """Whether a line is a piece of a furniture line's row: a label (no clause mark), set on its
    baseline or centred on its middle, as the pieces of a header are, and no larger than furniture
    pieces are. A column line that merely overlaps a tall piece (the page number in 26 pt), or runs
    level with it, is text, not a piece of the row."""
    if _CLAUSE_MARK.search(line.text):
        return False
    near = _ALIGNED * min(line.height, marked.height)
    aligned = abs(line.bottom - marked.bottom) <= near or abs(line.middle - marked.middle) <= near
    return aligned and line.height <= _ROW_GROWTH * marked.height


def issue_title(header: Sequence[TextLine]) -> str | None:
    """What the running header calls the issue: paper, date, page and section, in that order."""
    pieces = [piece for line in sorted(header, key=lambda ln: ln.x0) for piece in _WEEKDAY.sub(" ", line.text).split()]
    if not pieces:
        return None
    date = number = paper = None
    sections = []
    for piece in pieces:
        found = _DATE.search(piece)
        page = _PAGE_NUMBER.match(piece)
        if found and date is None:
            year, month, day = found.group(1), found.group(2) or found.group(4), found.group(3) or found.group(5)
            date = f"{int(year)}年{int(month)}月{int(day)}日"
        elif page and number is None:
            number = page.group(1) or page.group(2).lstrip("0") or "0"
        elif _PERIODICAL.search(piece) and paper is None:
            paper = piece
        elif not found and not page:
            sections.append(piece)
    parts = [paper, date, f"第{number}版" if number else None, *sections]
    return " ".join(p for p in parts if p) or None
