"""Make PDF issues from the dev text pages by typesetting routes other than the shared set's.

Usage:
  python benchmarks/make_pdfs.py OUT_DIR [--route ROUTE|all] [--seed N] [--pages DIR]
      ROUTE: chromium, weasyprint, typst, reportlab, wkhtmltopdf, writer, xelatex, lualatex or cairo
  python benchmarks/make_pdfs.py --fixtures tests/data/pdf     the small PDFs the tests read

Each dev page (DIR/NAME.txt, one paragraph a line, with its reference DIR/NAME.json)
is cut into articles with the reference's first/last sentences, then typeset as a
newspaper page and written as OUT_DIR/ROUTE-sSEED/NAME.pdf with NAME.json (the
reference, unchanged: the scored fields do not depend on the layout).

Routes:
- chromium: an HTML/CSS page (CSS multi-column text, column rules, a boxed label,
  a boxed pull quote, a running header repeated on every printed page) printed by
  headless Chromium; some characters written as Kangxi radicals and CJK radical
  forms, so the PDF's ToUnicode maps carry them; long issues flow onto a second page.
- weasyprint: the chromium route's page, laid out and printed by WeasyPrint (the
  `bench` extra), an engine of its own: its own line breaking and column
  balancing, fonts subset by fontTools with ToUnicode maps of their own, the
  running header repeated as a fixed element on every page.
- typst: the page written as Typst markup and typeset by the Typst compiler (the
  `bench` extra's `typst` package): a typesetting system, not a browser; its own
  CJK line breaking and spacing between Han and Latin text, white gutters with no
  rule, the running header and the credits in the page's header and footer, a
  rule over each story, a framed pull quote set inside the columns.
- reportlab: placed by hand on a canvas with the non-embedded Adobe CID font
  STSong-Light (text reaches the PDF through a predefined CMap, not a ToUnicode
  map); blocks drawn in shuffled order; headlines wrapped over two lines; the
  story that does not fit cut with a jump note (下转/上接) and continued on the next page.
- wkhtmltopdf: Qt WebKit, which has no CSS columns in print: each story's text is
  dealt into explicit column boxes (a table row, one per printed page, each box
  filled to the height left on the page and the last row balanced; a paragraph
  cut at a line's end goes on unindented in the next box, where a probe print of
  the page says Qt broke that line); Qt's own PDF writer, which paints each side
  of a border on its own and the body's white under the text, and whose ToUnicode
  maps name common ideographs by their Kangxi radicals (人 as ⼈) with no help from
  the generator; lines left ragged (Qt does not justify Chinese text); the
  masthead over the first page's stories and the credits under the last page's
  (Debian's wkhtmltopdf, on plain Qt, prints no running header or footer).
- writer: a flat OpenDocument text converted by LibreOffice Writer, headless: a
  word processor's page, each story's text in a section of two to four columns
  that Writer fills and balances (a story's tail may be a line or two per
  column, an author's note split over two), the running header and the credits
  in the page style's header and footer, labels and pull quotes in paragraph
  borders; no hanging punctuation (Writer loses a stop hung past the margin).
- xelatex: LaTeX typeset by XeLaTeX with ctex and xeCJK (Debian's texlive-xetex,
  texlive-lang-chinese and texlive-latex-extra), xdvipdfmx writing the PDF: each
  story's text in a multicols environment, which TeX fills and balances across
  pages; the column label in an \fbox, the pull quote in an \fcolorbox; fancyhdr's
  running header and credits; xeCJK's punctuation style picked by the seed
  (full-width marks, or marks squeezed to half width, two in a row laid over each
  other, with the justification's stretch mostly in the glue after them); a 间隔号
  that Noto Sans CJK SC draws with the katakana middle dot's glyph, which
  xdvipdfmx names U+30FB.
- lualatex: the same LaTeX typeset by LuaLaTeX (ctex on LuaTeX-ja; Debian's
  texlive-luatex and texlive-lang-japanese), whose own PDF writer and line
  breaker set the page (xeCJK's punctuation styles do not apply).
- cairo: the chromium route's page printed by Chromium or WeasyPrint (the seed
  picks), then written again by Cairo (poppler's pdftocairo -pdf, Debian's
  poppler-utils), as printing a PDF to PDF from a Linux viewer does: fonts
  subset anew (Chromium's as Type 3 fonts, whose descent is their glyphs' ink
  bounds; others declaring a descent of their own), each border drawn as a
  clip and a fill of two rectangles with a stray move of the pen.
The seed picks column counts, sizes and which article gets the pull quote.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "pages"
CHROMIUM = "/usr/bin/chromium"
WKHTMLTOPDF = "/usr/bin/wkhtmltopdf"
# Ideographs printed as Kangxi radicals or CJK radical forms in the chromium route (the PDF carries the radical).
RADICALS = {"月": "\u2f49", "人": "\u2f08", "日": "\u2f47", "大": "\u2f24", "民": "\u2ea0", "长": "\u2ed3",
            "见": "\u2ec5", "门": "\u2ed4"}
MASTHEAD = re.compile(r"^(\S+)\s+(\d{4})-(\d{2})-(\d{2})\s+第(\d+)版[：:](\S+)")  # 人民日报 2026-05-06 第09版：理论
SUFFIX = re.compile(r"[（(][^（）()]+[)）]$")  # a column's name after a web headline: "……（人民要论）"
SENTENCE = re.compile(r"[^。！？]{18,70}[。！？]")  # a sentence fit for a pull quote


@dataclass
class Story:
    """One article as the generator sets it."""

    title: str
    section: str | None
    authors: list[str]
    overtitle: str | None
    paragraphs: list[tuple[str, str]]  # ("p" | "h" | "note", text)
    deck: str | None = None  # a line under the headline ("——学习……")


@dataclass
class Issue:
    """One page's masthead and articles."""

    name: str
    paper: str
    date: tuple[int, int, int]
    page: int
    section: str
    stories: list[Story] = field(default_factory=list)


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def read_issue(txt: Path) -> Issue:
    """A dev page cut into stories with its reference."""
    lines = txt.read_text(encoding="utf-8").split("\n")
    gold = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    found = MASTHEAD.match(lines[0])
    if not found:
        raise SystemExit(f"{txt}: no masthead line")
    paper, year, month, day, page, section = found.groups()
    issue = Issue(txt.stem, paper, (int(year), int(month), int(day)), int(page), section)
    keys = [norm(line) for line in lines]
    previous_end = 1
    for article in gold["articles"]:
        firsts = article["first"] if isinstance(article["first"], list) else [article["first"]]
        # the latest line an alternative names: some references also accept the over-title as the start
        start = max(min(k for k in range(previous_end, len(lines)) if norm(f) in keys[k]) for f in firsts
                    if any(norm(f) in keys[k] for k in range(previous_end, len(lines))))
        last = norm(article["last"])
        end = next(k for k in range(start, len(lines)) if last in keys[k])
        while end + 1 < len(lines) and lines[end + 1].strip():
            end += 1  # the author's note and credits after the last sentence
        head = [ln.strip() for ln in lines[previous_end:start] if ln.strip()]
        issue.stories.append(_story(article, head, lines[start:end + 1]))
        previous_end = end + 1
    return issue


def _story(article: dict, head: list[str], body: list[str]) -> Story:
    title = article["title"] or ""
    authors = article.get("authors") or []
    over = [h for h in head if norm(SUFFIX.sub("", h)) != norm(title) and norm(h) != norm(" ".join(authors))
            and norm(h).replace("", "") != "".join(norm(a) for a in authors)]
    paragraphs = []
    for line in (ln.strip() for ln in body):
        if not line:
            continue
        if line.startswith(("（作者", "(作者")):
            paragraphs.append(("note", line))
        elif len(line) <= 30 and not re.search(r"[。，；：！？]", line):
            paragraphs.append(("h", line))
        else:
            paragraphs.append(("p", line))
    decks = [h for h in over if h.startswith("——")]
    over = [h for h in over if not h.startswith("——")]
    return Story(title, article.get("section"), authors, over[-1] if over else None, paragraphs,
                 decks[0] if decks else None)


def pull_quote(story: Story) -> str | None:
    """A sentence of the story to print again in a box."""
    for kind, text in story.paragraphs[1:]:
        if kind == "p":
            found = SENTENCE.search(text)
            if found:
                return found.group().lstrip("，、")
    return None


# ---------------------------------------------------------------- chromium route

CSS = """
@page { size: %(w)smm %(h)smm; margin: 14mm 12mm 14mm 12mm; }
body { font-family: '%(body_font)s'; font-size: %(body)spt; line-height: 1.55; margin: 0; color: #111; }
.header { position: fixed; top: -10mm; left: 0; right: 0; display: flex; justify-content: space-between;
          align-items: baseline; border-bottom: 3px double #333; padding-bottom: 2pt; font-family: 'Noto Sans CJK SC'; }
.header .no { font-size: 26pt; font-weight: bold; } .header .date { font-size: 9pt; color: #555; }
.header .paper { font-size: 15pt; font-weight: bold; }
.footer { position: fixed; bottom: -9mm; right: 0; font-size: 8.5pt; color: #444; }
article { margin: 0 0 10pt 0; padding-top: 6pt; border-top: 1px solid #555; }
.kicker { display: inline-block; font-family: 'Noto Sans CJK SC'; font-size: 11pt; border: 1px solid #333;
          padding: 1pt 5pt; margin-bottom: 4pt; }
h2.over { font-family: 'Noto Sans CJK SC'; font-size: %(over)spt; font-weight: normal; margin: 0 0 2pt 0; }
h1 { font-family: 'Noto Sans CJK SC'; font-size: %(head)spt; margin: 0 0 4pt 0; line-height: 1.25;
     text-align: %(align)s; }
.byline { font-size: 11pt; margin-bottom: 6pt; text-align: %(align)s; }
.cols { column-count: %(cols)s; column-gap: 1.4em; column-rule: 0.6pt solid #999; text-align: justify; }
.cols p { margin: 0; text-indent: 2em; }
.cols h3 { font-family: 'Noto Sans CJK SC'; font-size: %(sub)spt; margin: 4pt 0; break-after: avoid; }
.cols .note { font-size: %(note)spt; text-indent: 0; }
.quote { border: 1pt solid #333; background: #eee; padding: 5pt; margin: 6pt 0; font-family: 'Noto Sans CJK SC';
         font-size: %(quote)spt; break-inside: avoid; }
"""


# Each kind of a story's text block as HTML: paragraph, one carried on from the box before, subheading,
# note, pull quote.
HTML_TAGS = {"p": "<p>{}</p>", "on": "<p class='on'>{}</p>", "h": "<h3>{}</h3>", "note": "<p class='note'>{}</p>",
           "quote": "<div class='quote'>{}</div>"}


def chromium_html(issue: Issue, rng: random.Random) -> str:
    """The page as HTML and CSS."""
    year, month, day = issue.date
    cols = rng.choice([2, 3, 3, 5])
    body_font = rng.choice(["Noto Serif CJK SC", "Noto Sans CJK SC"])
    style = CSS % {"w": 297, "h": 420, "body_font": body_font, "body": rng.choice([9.5, 10, 10.5]), "cols": cols,
                   "head": rng.choice([22, 26, 30]), "over": 14, "sub": 11, "note": 8.5, "quote": 12,
                   "align": rng.choice(["left", "center"])}
    quoted = rng.randrange(len(issue.stories))
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><style>{style}</style></head><body>",
             f"<div class='header'><span class='no'>{issue.page:02d} {issue.section}</span>"
             f"<span class='date'>{year}年{month}月{day}日</span><span class='paper'>{issue.paper}</span></div>",
             "<div class='footer'>本版责编：林 木　　版式设计：石 川</div>"]
    for k, story in enumerate(issue.stories):
        parts.append(_chromium_story(story, pull_quote(story) if k == quoted else None, rng))
    parts.append("</body></html>")
    return "".join(parts)


def _chromium_story(story: Story, quote: str | None, rng: random.Random) -> str:
    out = ["<article>", *_html_head(story), "<div class='cols'>"]
    for k, (kind, text) in enumerate(story.paragraphs):
        text = html.escape(_radicals(text, rng))
        out.append(HTML_TAGS[kind].format(text))
        if quote and k == 2:
            out.append(HTML_TAGS["quote"].format(html.escape(quote)))
    out.append("</div></article>")
    return "".join(out)


def _html_head(story: Story) -> list[str]:
    """A story's head as HTML: its column label, over-title, headline, deck and byline."""
    head = [f"<div class='kicker'>{html.escape(story.section)}</div>"] if story.section else []
    if story.overtitle:
        head.append(f"<h2 class='over'>{html.escape(story.overtitle)}</h2>")
    head.append(f"<h1>{html.escape(story.title)}</h1>")
    head += [f"<div class='byline'>{html.escape(line)}</div>" for line in (story.deck, "　".join(story.authors))
             if line]
    return head


def _radicals(text: str, rng: random.Random) -> str:
    return "".join(RADICALS[c] if c in RADICALS and rng.random() < 0.5 else c for c in text)


def print_chromium(page_html: str, target: Path) -> None:
    """Print an HTML page to PDF with headless Chromium."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(page_html, encoding="utf-8")
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", f"--user-data-dir={tmp}/profile",
                        "--no-pdf-header-footer", f"--print-to-pdf={target}", source.as_uri()],
                       check=True, capture_output=True, timeout=120)


# WeasyPrint draws a fixed element where its box falls, so the running header gets a top margin
# deep enough for its 26-point page number: in the shared margin it would print over the text the
# columns carry onto a later page.
WEASYPRINT_CSS = "@page { margin-top: 22mm; } .header { top: -18mm; }"


def print_weasyprint(page_html: str, target: Path) -> None:
    """Lay out and print an HTML page to PDF with WeasyPrint."""
    from weasyprint import HTML

    HTML(string=page_html.replace("</style>", WEASYPRINT_CSS + "</style>", 1)).write_pdf(target)


# ---------------------------------------------------------------- wkhtmltopdf route

WK_CSS = """
body { font-family: '%(body_font)s'; font-size: %(body)spt; line-height: 1.6; margin: 0; color: #111; }
.story { margin: 0 0 10pt 0; padding-top: 5pt; border-top: 1.5px solid #444; }
.kicker { display: inline-block; font-family: 'Noto Sans CJK SC'; font-size: 11pt;
          border: 1px solid #333; padding: 1pt 5pt; margin-bottom: 4pt; }
h2.over { font-family: 'Noto Sans CJK SC'; font-size: 14pt; font-weight: normal; margin: 0 0 2pt 0; }
h1 { font-family: 'Noto Sans CJK SC'; font-size: %(head)spt; margin: 0 0 4pt 0; line-height: 1.25;
     text-align: %(align)s; }
.byline { font-size: 11pt; margin-bottom: 6pt; text-align: %(align)s; }
table.band { width: 100%%; border-collapse: collapse; table-layout: fixed; page-break-inside: avoid;
             margin-bottom: 4pt; }
table.band td { vertical-align: top; text-align: justify; padding: 0 %(gap)spt; }
table.band td + td { border-left: %(rule)s; }
p { margin: 0; text-indent: 2em; } p.on { text-indent: 0; }
h3 { font-family: 'Noto Sans CJK SC'; font-size: 11pt; margin: 4pt 0; }
.note { font-size: 8.5pt; text-indent: 0; }
.quote { border: 1pt solid #333; background: #eee; padding: 5pt; margin: 6pt 0; font-family: 'Noto Sans CJK SC';
         font-size: 12pt; }
table.header { width: 100%%; border-bottom: 3px double #333; margin-bottom: 8pt; font-family: 'Noto Sans CJK SC'; }
.header .no { font-size: 26pt; font-weight: bold; } .header .date { font-size: 9pt; color: #555; text-align: center; }
.header .paper { font-size: 15pt; font-weight: bold; text-align: right; }
.footer { font-size: 8.5pt; color: #444; text-align: right; margin-top: 8pt; }
"""
WK_HEADER = ("<table class='header'><tr><td class='no'>%(no)02d %(section)s</td><td class='date'>%(date)s</td>"
             "<td class='paper'>%(paper)s</td></tr></table>")
WK_FOOTER = "<div class='footer'>本版责编：林 木　　版式设计：石 川</div>"
# Qt WebKit prints a CSS point as 0.749 PDF point (measured: 10pt text comes out 7.49pt high), so the
# page holds more CSS points than its size says; the layout below counts in CSS points.
WK_SCALE = 0.749
WK_PAGE = (297, 420)  # mm
WK_MARGINS = (14, 12)  # mm, top and bottom / left and right
MM = 72 / 25.4
WK_SLACK = 2  # lines a row of boxes keeps free at a page's foot, for its rule and bottom margin
WK_GAP = 6  # points of padding each side of a column rule


@dataclass
class WkFlow:
    """Where the wkhtmltopdf page stands, in CSS points: the height left on the current page."""

    body: float  # body text size
    width: float = (WK_PAGE[0] - 2 * WK_MARGINS[1]) * MM / WK_SCALE
    height: float = (WK_PAGE[1] - 2 * WK_MARGINS[0]) * MM / WK_SCALE
    room: float = 0.0

    def __post_init__(self) -> None:
        self.room = self.height

    @property
    def line(self) -> float:
        return self.body * 1.6

    def new_page(self) -> str:
        self.room = self.height
        return "<div style='page-break-before: always'></div>"


@dataclass
class WkBlock:
    """A paragraph, heading, note or pull quote of a story, with the characters on each of its lines
    (whitespace not counted) as Qt breaks them in the story's column box."""

    kind: str  # "p", "on" (a paragraph carried on from the box before), "h", "note", "quote"
    text: str
    rows: list[int] = field(default_factory=list)


def wkhtmltopdf_html(issue: Issue, rng: random.Random) -> str:
    """The page as HTML for wkhtmltopdf: Debian's build (plain Qt) prints no running header or footer,
    so the masthead heads the first page and the credits end the last."""
    year, month, day = issue.date
    flow = WkFlow(body=rng.choice([9.5, 10, 10.5]))
    head = rng.choice([22, 26, 30])
    style = WK_CSS % {"body_font": rng.choice(["Noto Serif CJK SC", "Noto Sans CJK SC"]), "body": flow.body,
                      "head": head, "align": rng.choice(["left", "center"]), "gap": WK_GAP,
                      "rule": rng.choice(["0.6pt solid #999", "0 none"])}
    quoted = rng.randrange(len(issue.stories))
    stories = [(story, _wk_blocks(story, pull_quote(story) if k == quoted else None), rng.choice([2, 3, 3, 4]))
               for k, story in enumerate(issue.stories)]
    _wk_measure(style, [(blocks, _wk_box_width(cols, flow)) for _, blocks, cols in stories])
    header = WK_HEADER % {"no": issue.page, "section": issue.section, "date": f"{year}年{month}月{day}日",
                          "paper": issue.paper}
    flow.room -= 60  # the masthead
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><style>{style}</style></head><body>",
             header]
    for story, blocks, cols in stories:
        parts.append(_wk_story(story, blocks, cols, head, flow))
    parts.append(WK_FOOTER + "</body></html>")
    return "".join(parts)


def _wk_blocks(story: Story, quote: str | None) -> list[WkBlock]:
    blocks = [WkBlock(kind, text) for kind, text in story.paragraphs]
    if quote:
        blocks.insert(min(3, len(blocks)), WkBlock("quote", quote))
    return blocks


def _wk_box_width(cols: int, flow: WkFlow) -> float:
    return flow.width / cols - 2 * WK_GAP


def _wk_measure(style: str, stories: list[tuple[list[WkBlock], float]]) -> None:
    """Each block's line breaks, read back from a probe page that sets every block in its box's width:
    only Qt knows where it breaks a line (its rules keep a mark off a line's start), and a box cut
    anywhere but at a line's end would end on a short line, like a paragraph."""
    probe = "".join(f"<div style='width: {width:.2f}pt'>{''.join(_wk_tag(b.kind, b.text) for b in blocks)}</div>"
                    for blocks, width in stories)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "probe.pdf"
        print_wkhtmltopdf(f"<!doctype html><html><head><meta charset='utf-8'><style>{style}</style></head>"
                          f"<body>{probe}</body></html>", target)
        rows = _glyph_rows(target)
    blocks = [b for story, _ in stories for b in story]
    for block in blocks:
        left = sum(1 for c in block.text if not c.isspace())
        while left > 0:
            if not rows or rows[0] > left:
                raise SystemExit("wkhtmltopdf probe: the printed lines do not match the text")
            block.rows.append(rows[0])
            left -= rows.pop(0)


def _glyph_rows(pdf: Path) -> list[int]:
    """The number of glyphs on each printed line of a PDF, in reading order (whitespace not counted)."""
    from digest.extract.pdf.glyphs import read_sheets

    rows: list[int] = []
    for sheet in read_sheets(pdf.read_bytes(), str(pdf)):
        tops = sorted(g.top for g in sheet.glyphs if not g.text.isspace())
        for k, top in enumerate(tops):
            if k and top - tops[k - 1] <= 2:  # one printed line: its glyphs' tops differ by less than 2pt
                rows[-1] += 1
            else:
                rows.append(1)
    return rows


def _wk_story(story: Story, blocks: list[WkBlock], cols: int, head: float, flow: WkFlow) -> str:
    out = []
    height = _wk_head_height(story, head, flow)
    if flow.room < height + 8 * flow.line:
        out.append(flow.new_page())  # a headline never stands at a page's foot
    flow.room -= height
    out += ["<div class='story'>", *_html_head(story), *_wk_bands(blocks, cols, flow)]
    out.append("</div>")
    flow.room -= 14  # the story's bottom margin
    return "".join(out)


def _wk_head_height(story: Story, head: float, flow: WkFlow) -> float:
    rows = math.ceil(len(story.title) * head / flow.width)
    return (8 + 26 * bool(story.section) + 25 * bool(story.overtitle) + rows * head * 1.25 + 4
            + 24 * (bool(story.deck) + bool(story.authors)))


def _wk_bands(blocks: list[WkBlock], cols: int, flow: WkFlow) -> list[str]:
    """The story's text dealt into one row of `cols` boxes per printed page: each box filled to the
    height left on the page, so the text reads down each box and on at the top of the next; the last
    row balanced."""
    bands = []
    while blocks:
        capacity = flow.room - WK_SLACK * flow.line
        if capacity < 6 * flow.line:
            bands.append(flow.new_page())
            continue
        target = min(capacity, sum(_wk_height(b, flow) for b in blocks) / cols + flow.line)
        boxes, left = _wk_deal(blocks, cols, target, flow)
        while left and target < capacity:  # the last row: a line deeper until it holds all that is left
            target = min(capacity, target + flow.line)
            boxes, left = _wk_deal(blocks, cols, target, flow)
        blocks = left
        bands.append("<table class='band'><tr>" + "".join(f"<td>{''.join(b)}</td>" for b in boxes) + "</tr></table>")
        flow.room -= target + WK_SLACK * flow.line
    return bands


def _wk_deal(blocks: list[WkBlock], cols: int, target: float, flow: WkFlow) -> tuple[list[list[str]], list[WkBlock]]:
    """The blocks dealt into `cols` boxes up to `target` high, and those left over."""
    boxes = []
    for _ in range(cols):
        box, blocks = _wk_fill(blocks, target, flow)
        boxes.append(box)
    return boxes, blocks


def _wk_fill(blocks: list[WkBlock], target: float, flow: WkFlow) -> tuple[list[str], list[WkBlock]]:
    """One box's blocks up to `target` high, and the blocks left; a paragraph is cut at a line's end."""
    box, used = [], 0.0
    while blocks:
        block = blocks[0]
        height = _wk_height(block, flow)
        if used + height <= target:
            box.append(_wk_tag(block.kind, block.text))
            used += height
            blocks = blocks[1:]
            continue
        rows = int((target - used) // flow.line)
        if block.kind in ("p", "on") and 0 < rows < len(block.rows):
            cut = _wk_cut(block.text, sum(block.rows[:rows]))
            box.append(_wk_tag(block.kind, block.text[:cut]))
            blocks = [WkBlock("on", block.text[cut:], block.rows[rows:]), *blocks[1:]]
        elif not box:  # a heading or box taller than the room goes in whole rather than nowhere
            box.append(_wk_tag(block.kind, block.text))
            blocks = blocks[1:]
        break
    return box, blocks


def _wk_cut(text: str, glyphs: int) -> int:
    """The index in `text` just after its first `glyphs` characters that are not whitespace."""
    seen = 0
    for k, c in enumerate(text):
        if not c.isspace():
            seen += 1
            if seen == glyphs:
                return k + 1
    return len(text)


def _wk_tag(kind: str, text: str) -> str:
    return HTML_TAGS[kind].format(html.escape(text))


def _wk_height(block: WkBlock, flow: WkFlow) -> float:
    """A block's height in its box, CSS points (line heights and margins from WK_CSS)."""
    size, extra = {"h": (11, 8), "note": (8.5, 0), "quote": (12, 24)}.get(block.kind, (flow.body, 0))
    return len(block.rows) * size * 1.6 + extra


def print_wkhtmltopdf(page_html: str, target: Path) -> None:
    """Print an HTML page to PDF with wkhtmltopdf."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(page_html, encoding="utf-8")
        subprocess.run([WKHTMLTOPDF, "--quiet", "--page-width", "297mm", "--page-height", "420mm",
                        "--margin-top", "14mm", "--margin-bottom", "14mm", "--margin-left", "12mm",
                        "--margin-right", "12mm", str(source), str(target)],
                       check=True, capture_output=True, timeout=120, env={**os.environ, "XDG_RUNTIME_DIR": tmp})


# ---------------------------------------------------------------- writer route

SOFFICE = "/usr/bin/soffice"
WRITER_WIDTH = (297 - 24) * 72 / 25.4  # the text area's width in points: the A3 page less its margins
ODF_NS = " ".join(f'xmlns:{k}="urn:oasis:names:tc:opendocument:xmlns:{v}"' for k, v in (
    ("office", "office:1.0"), ("style", "style:1.0"), ("text", "text:1.0"), ("fo", "xsl-fo-compatible:1.0"),
    ("svg", "svg-compatible:1.0")))


def _odf_text(size: float, font: str, bold: bool = False) -> str:
    """Text properties for Latin and Chinese alike: Writer sets each script in its own font and size."""
    weight = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
    return (f'<style:text-properties style:font-name="{font}" style:font-name-asian="{font}" '
            f'fo:font-size="{size}pt" style:font-size-asian="{size}pt"{weight} '
            'style:language-asian="zh" style:country-asian="CN"/>')


def _odf_paragraph_style(name: str, size: float, font: str, bold: bool = False, extra: str = "") -> str:
    # no hanging punctuation: Writer hangs a stop at a line's end out of the text area, and at the
    # page's right margin it is lost from the print and the text alike
    return (f'<style:style style:name="{name}" style:family="paragraph"><style:paragraph-properties {extra} '
            f'style:punctuation-wrap="simple"/>{_odf_text(size, font, bold)}</style:style>')


def writer_fodt(issue: Issue, rng: random.Random) -> str:
    """The page as a flat OpenDocument text for LibreOffice Writer: each story's text in a section of
    its own with two to four columns, which Writer fills and balances; the running header and the
    credits in the page style's header and footer."""
    year, month, day = issue.date
    body, serif, sans = rng.choice([9.5, 10, 10.5]), "Noto Serif CJK SC", "Noto Sans CJK SC"
    head, align = rng.choice([22, 26, 30]), rng.choice(["start", "center"])
    styles = [
        _odf_paragraph_style("Body", body, rng.choice([serif, sans]), extra=f'fo:text-align="justify" '
                             f'fo:text-indent="{2 * body}pt" fo:line-height="155%"'),
        _odf_paragraph_style("Kicker", 11, sans, extra='fo:border="0.6pt solid #333333" fo:padding="1.5pt" '
                             'fo:margin-top="8pt" fo:margin-bottom="3pt"'),
        _odf_paragraph_style("Over", 14, sans, extra="fo:margin-bottom=\"2pt\""),
        _odf_paragraph_style("Title", head, sans, True, f'fo:text-align="{align}" fo:margin-bottom="4pt"'),
        _odf_paragraph_style("Byline", 11, serif, extra=f'fo:text-align="{align}" fo:margin-bottom="6pt"'),
        _odf_paragraph_style("Sub", 11, sans, True, 'fo:margin-top="4pt" fo:margin-bottom="4pt"'),
        _odf_paragraph_style("Note", 8.5, serif),
        _odf_paragraph_style("Quote", 12, sans, extra='fo:border="1pt solid #333333" fo:padding="5pt" '
                             'fo:background-color="#eeeeee" fo:margin-top="6pt" fo:margin-bottom="6pt"'),
        _odf_paragraph_style("Rule", 4, serif, extra='fo:border-top="1pt solid #555555" fo:margin-top="10pt"'),
        _odf_paragraph_style("Header", 15, sans, True, 'fo:border-bottom="2pt double #333333"'),
        _odf_paragraph_style("Footer", 8.5, serif, extra='fo:text-align="end"')]
    sections = []
    for k, story in enumerate(issue.stories):
        cols = rng.choice([2, 3, 3, 4])
        rule = "" if rng.random() < 0.5 else '<style:column-sep style:width="0.6pt" style:color="#999999"/>'
        sections.append(f'<style:style style:name="Cols{k}" style:family="section"><style:section-properties>'
                        f'<style:columns fo:column-count="{cols}" fo:column-gap="0.45cm">{rule}</style:columns>'
                        "</style:section-properties></style:style>")
        # a paragraph's border runs the width of its text area: the label's box is kept to its words
        label = 11 * len(story.section or "") + 8
        sections.append(f'<style:style style:name="Kicker{k}" style:family="paragraph" style:parent-style-name='
                        f'"Kicker"><style:paragraph-properties fo:margin-right="{max(0, WRITER_WIDTH - label)}pt"/>'
                        "</style:style>")
    quoted = rng.randrange(len(issue.stories))
    stories = [_writer_story(k, story, pull_quote(story) if k == quoted else None)
               for k, story in enumerate(issue.stories)]
    header = f"{issue.page:02d} {issue.section}　　　　{year}年{month}月{day}日　　　　{issue.paper}"
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document {ODF_NS} office:version="1.3" '
            'office:mimetype="application/vnd.oasis.opendocument.text"><office:font-face-decls>'
            + "".join(f'<style:font-face style:name="{f}" svg:font-family="\'{f}\'"/>' for f in (serif, sans))
            + f"</office:font-face-decls><office:styles>{''.join(styles)}</office:styles>"
            '<office:automatic-styles><style:page-layout style:name="Page"><style:page-layout-properties '
            'fo:page-width="29.7cm" fo:page-height="42cm" fo:margin-top="1.2cm" fo:margin-bottom="1.2cm" '
            'fo:margin-left="1.2cm" fo:margin-right="1.2cm"/><style:header-style/><style:footer-style/>'
            f"</style:page-layout>{''.join(sections)}</office:automatic-styles><office:master-styles>"
            '<style:master-page style:name="Standard" style:page-layout-name="Page"><style:header>'
            f'<text:p text:style-name="Header">{html.escape(header)}</text:p></style:header><style:footer>'
            '<text:p text:style-name="Footer">本版责编：林 木　　版式设计：石 川</text:p></style:footer>'
            f"</style:master-page></office:master-styles><office:body><office:text>{''.join(stories)}"
            "</office:text></office:body></office:document>")


def _writer_story(k: int, story: Story, quote: str | None) -> str:
    def para(style: str, text: str) -> str:
        return f'<text:p text:style-name="{style}">{html.escape(text)}</text:p>'

    out = [para("Rule", "")] if k else []
    if story.section:
        out.append(para(f"Kicker{k}", story.section))
    if story.overtitle:
        out.append(para("Over", story.overtitle))
    out.append(para("Title", story.title))
    if story.deck:
        out.append(para("Byline", story.deck))
    if story.authors:
        out.append(para("Byline", "　".join(story.authors)))
    out.append(f'<text:section text:style-name="Cols{k}" text:name="Story{k}">')
    for n, (kind, text) in enumerate(story.paragraphs):
        out.append(para({"p": "Body", "h": "Sub", "note": "Note"}[kind], text))
        if quote and n == 2:
            out.append(para("Quote", quote))
    out.append("</text:section>")
    return "".join(out)


def print_writer(source: str, target: Path) -> None:
    """Convert a flat OpenDocument text to PDF with LibreOffice, headless, in a profile of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / f"{target.stem}.fodt"
        document.write_text(source, encoding="utf-8")
        subprocess.run([SOFFICE, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", tmp, str(document)],
                       check=True, capture_output=True, timeout=180)
        shutil.move(Path(tmp) / f"{target.stem}.pdf", target)


# ---------------------------------------------------------------- typst route


def typst_source(issue: Issue, rng: random.Random) -> str:
    """The page as Typst markup; every text goes in as a string, so nothing in it is read as markup."""
    year, month, day = issue.date
    cols = rng.choice([2, 3, 4, 5])
    head, body = rng.choice([20, 24, 28]), rng.choice([9.5, 10, 10.5])
    align = rng.choice(["left", "center"])
    quoted = rng.randrange(len(issue.stories))
    header = (f'#text(size: 26pt, weight: "bold", {_typst(f"{issue.page:02d} {issue.section}")}) #h(1fr) '
              f'#text(size: 9pt, {_typst(f"{year}年{month}月{day}日")}) #h(1fr) '
              f'#text(size: 15pt, weight: "bold", {_typst(issue.paper)}) #v(-4pt) #line(length: 100%, stroke: 1.5pt)')
    out = ["#set page(width: 297mm, height: 420mm, margin: (x: 12mm, top: 24mm, bottom: 16mm),",
           f"  header: [{header}],",
           f'  footer: [#h(1fr) #text(size: 8.5pt, {_typst("本版责编：林 木　　版式设计：石 川")})])',
           f'#set text(font: "{rng.choice(["Noto Serif CJK SC", "Noto Sans CJK SC"])}", size: {body}pt, lang: "zh")',
           "#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 0.75em, spacing: 0.75em)"]
    for k, story in enumerate(issue.stories):
        out.append(_typst_story(story, pull_quote(story) if k == quoted else None, cols, head, align))
    return "\n".join(out)


def _typst_story(story: Story, quote: str | None, cols: int, head: int, align: str) -> str:
    sans = '"Noto Sans CJK SC"'
    out = ["#v(6pt) #line(length: 100%, stroke: 0.6pt) #v(2pt)"]
    if story.section:
        out.append(f"#box(stroke: 0.8pt, inset: 3pt, text(font: {sans}, size: 11pt, {_typst(story.section)}))")
    if story.overtitle:
        out.append(f"#block(text(font: {sans}, size: 14pt, {_typst(story.overtitle)}))")
    out.append(f'#align({align}, text(font: {sans}, size: {head}pt, weight: "bold", {_typst(story.title)}))')
    for line in filter(None, [story.deck, "　".join(story.authors)]):
        out.append(f"#align({align}, text(size: 11pt, {_typst(line)}))")
    column = []
    for k, (kind, text) in enumerate(story.paragraphs):
        if kind == "h":
            column.append(f'#block(sticky: true, text(font: {sans}, size: 11pt, weight: "bold", {_typst(text)}))')
        elif kind == "note":
            column.append(f"#par(first-line-indent: 0pt, text(size: 8.5pt, {_typst(text)}))")
        else:
            column.append(f"#par({_typst(text)})")
        if quote and k == 2:
            column.append(f"#block(stroke: 1pt, fill: luma(235), inset: 5pt, width: 100%, breakable: false, "
                          f"text(font: {sans}, size: 12pt, {_typst(quote)}))")
    out.append(f"#columns({cols}, gutter: 1.4em)[\n" + "\n".join(column) + "\n]")
    return "\n".join(out)


def _typst(text: str) -> str:
    """A Typst string literal: printed as it is, never read as markup."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def print_typst(source: str, target: Path) -> None:
    """Typeset Typst markup to PDF."""
    import typst

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.typ"
        page.write_text(source, encoding="utf-8")
        typst.compile(str(page), output=str(target))


# ---------------------------------------------------------------- xelatex route

XELATEX = "/usr/bin/xelatex"
LUALATEX = "/usr/bin/lualatex"
# LaTeX's special characters, each written so that it prints as itself.
TEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
                "&": r"\&", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
TEX_PREAMBLE = r"""\documentclass[fontset=none,punct=%(punct)s,zihao=false]{ctexart}
\usepackage[paperwidth=297mm,paperheight=420mm,top=14mm,bottom=18mm,hmargin=12mm,headheight=32pt,headsep=6mm,includehead]{geometry}
\usepackage{multicol,fancyhdr,xcolor}
\setCJKmainfont{%(body_font)s}\setCJKsansfont{Noto Sans CJK SC}
\setmainfont{%(latin)s}\setsansfont{Noto Sans CJK SC}
\fontsize{%(body)spt}{%(leading)spt}\selectfont
\setlength{\columnsep}{1.4em}\setlength{\columnseprule}{%(rule)spt}\setlength{\parindent}{2em}
\setlength{\parskip}{0pt}\setlength{\multicolsep}{4pt}
\pagestyle{fancy}\fancyhf{}\renewcommand{\headrulewidth}{1.2pt}
\fancyhead[L]{\sffamily\bfseries\fontsize{26pt}{28pt}\selectfont %(no)s}
\fancyhead[C]{\fontsize{9pt}{10pt}\selectfont %(date)s}
\fancyhead[R]{\sffamily\bfseries\fontsize{15pt}{17pt}\selectfont %(paper)s}
\fancyfoot[R]{\fontsize{8.5pt}{10pt}\selectfont 本版责编：林 木　　版式设计：石 川}
\begin{document}\fontsize{%(body)spt}{%(leading)spt}\selectfont
"""


def latex_source(issue: Issue, rng: random.Random, style: tuple[str, str] | None = None) -> str:
    """The page as LaTeX for XeLaTeX or LuaLaTeX with ctex: each story's text in a multicols
    environment, which TeX fills and balances; xeCJK's punctuation style (full-width marks, or
    marks squeezed to half their width, their boxes laid over each other) and the body font picked
    by the seed, or given as `style`."""
    year, month, day = issue.date
    body = rng.choice([9.5, 10, 10.5])
    cols, head, align = rng.choice([2, 3, 3, 4, 5]), rng.choice([22, 26, 30]), rng.choice(["left", "center"])
    quoted = rng.randrange(len(issue.stories))
    punct = rng.choice(["quanjiao", "kaiming", "banjiao"])
    body_font = rng.choice(["Noto Serif CJK SC", "Noto Sans CJK SC"])
    punct, body_font = style or (punct, body_font)
    preamble = TEX_PREAMBLE % {
        "punct": punct, "body_font": body_font, "latin": "DejaVu Serif",
        "body": body, "leading": round(body * 1.55, 1), "rule": rng.choice([0, 0.4]),
        "no": _tex(f"{issue.page:02d} {issue.section}"), "date": _tex(f"{year}年{month}月{day}日"),
        "paper": _tex(issue.paper)}
    stories = [_tex_story(k, story, pull_quote(story) if k == quoted else None, cols, head, align)
               for k, story in enumerate(issue.stories)]
    return preamble + "\n".join(stories) + "\n\\end{document}\n"


def _tex_story(k: int, story: Story, quote: str | None, cols: int, head: int, align: str) -> str:
    centred = "\\centering" if align == "center" else "\\raggedright"
    out = ["\\par\\vspace{6pt}\\noindent\\rule{\\linewidth}{0.6pt}\\par\\vspace{2pt}" if k else ""]
    out.append("{\\setlength{\\parindent}{0pt}")
    if story.section:
        out.append(f"\\fbox{{\\sffamily\\fontsize{{11pt}}{{13pt}}\\selectfont {_tex(story.section)}}}"
                   "\\par\\vspace{3pt}")
    if story.overtitle:
        out.append(f"{{\\sffamily\\fontsize{{14pt}}{{17pt}}\\selectfont {_tex(story.overtitle)}\\par}}")
    out.append(f"{{{centred}\\sffamily\\bfseries\\fontsize{{{head}pt}}{{{round(head * 1.25)}pt}}\\selectfont "
               f"{_tex(story.title)}\\par}}\\vspace{{4pt}}")
    for line in filter(None, [story.deck, "　".join(story.authors)]):
        out.append(f"{{{centred}\\fontsize{{11pt}}{{14pt}}\\selectfont {_tex(line)}\\par}}")
    out.append("}")
    out.append(f"\\begin{{multicols}}{{{cols}}}")
    for n, (kind, text) in enumerate(story.paragraphs):
        if kind == "h":
            out.append(f"\\par\\noindent{{\\sffamily\\bfseries\\fontsize{{11pt}}{{14pt}}\\selectfont "
                       f"{_tex(text)}}}\\par\\nopagebreak")
        elif kind == "note":
            out.append(f"\\par\\noindent{{\\fontsize{{8.5pt}}{{11pt}}\\selectfont {_tex(text)}\\par}}")
        else:
            out.append(f"\\par {_tex(text)}")
        if quote and n == 2:
            out.append("\\par\\vspace{6pt}\\noindent\\fcolorbox{black}{black!8}{\\parbox{\\dimexpr\\linewidth-"
                       f"2\\fboxsep-2\\fboxrule}}{{\\sffamily\\fontsize{{12pt}}{{16pt}}\\selectfont {_tex(quote)}}}}}"
                       "\\par\\vspace{6pt}")
    out.append("\\end{multicols}")
    return "\n".join(out)


def _tex(text: str) -> str:
    """Text as LaTeX that prints it as it is."""
    return "".join(TEX_SPECIALS.get(c, c) for c in text)


def print_latex(source: str, target: Path, engine: str = XELATEX) -> None:
    """Typeset LaTeX to PDF with XeLaTeX (xdvipdfmx writes the PDF) or LuaLaTeX (LuaTeX writes it
    itself), twice: multicol and fancyhdr settle on the second run."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "page.tex").write_text(source, encoding="utf-8")
        for _ in range(2):
            subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "page.tex"], cwd=tmp,
                           check=True, capture_output=True, timeout=300)
        shutil.move(Path(tmp) / "page.pdf", target)


# ---------------------------------------------------------------- cairo route

PDFTOCAIRO = "/usr/bin/pdftocairo"


def print_cairo(page_html: str, engine: str, target: Path) -> None:
    """Print the page by Chromium or WeasyPrint, then have Cairo write that PDF again (poppler's
    pdftocairo): how a PDF looks once printed to PDF from a viewer on Linux."""
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "first.pdf"
        (print_chromium if engine == "chromium" else print_weasyprint)(page_html, first)
        subprocess.run([PDFTOCAIRO, "-pdf", str(first), str(target)], check=True, capture_output=True, timeout=120)


# ---------------------------------------------------------------- reportlab route

@dataclass
class Draw:
    """One thing to draw on a page: text lines at positions, or a rule or a box."""

    page: int
    kind: str  # "text", "rule", "box"
    items: list = field(default_factory=list)


class Sheet:
    """A hand-set broadsheet page grid for the reportlab route (points, y up)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.width, self.height = 842.0, 1191.0
        self.margin = 36.0
        self.cols = rng.choice([3, 4, 4, 5])
        self.gutter = 14.0
        self.body = rng.choice([9.0, 9.5, 10.0])
        self.lead = self.body * 1.5
        self.col_width = (self.width - 2 * self.margin - (self.cols - 1) * self.gutter) / self.cols
        self.chars = int(self.col_width // self.body)
        self.col_width = self.chars * self.body


def _wrap(text: str, chars: int, indent: int = 0) -> list[str]:
    lines, line = [], "　" * indent
    for char in text:
        if len(line) >= chars:
            lines.append(line)
            line = ""
        line += char
    if line:
        lines.append(line)
    return lines


def reportlab_issue(issue: Issue, rng: random.Random, target: Path) -> None:
    """Typeset and draw the issue with ReportLab; a story that does not fit jumps to the next page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = Sheet(rng)
    draws = _layout(issue, sheet)
    pdf = canvas.Canvas(str(target), pagesize=(sheet.width, sheet.height))
    for page in range(1, max(d.page for d in draws) + 1):
        _furniture(pdf, issue, sheet, page)
        todo = [d for d in draws if d.page == page]
        rng.shuffle(todo)  # typesetting systems draw blocks in any order
        for draw in todo:
            _draw(pdf, draw)
        pdf.showPage()
    pdf.save()


def _furniture(pdf, issue: Issue, sheet: Sheet, page: int) -> None:
    year, month, day = issue.date
    top = sheet.height - sheet.margin
    pdf.setFont("STSong-Light", 24)
    pdf.drawString(sheet.margin, top - 20, f"第{issue.page + page - 1}版")
    pdf.setFont("STSong-Light", 10)
    pdf.drawCentredString(sheet.width / 2, top - 16, f"{year}年{month}月{day}日  {issue.section}")
    pdf.setFont("STSong-Light", 16)
    pdf.drawRightString(sheet.width - sheet.margin, top - 18, issue.paper)
    pdf.setLineWidth(1.2)
    pdf.line(sheet.margin, top - 28, sheet.width - sheet.margin, top - 28)
    pdf.setFont("STSong-Light", 8)
    pdf.drawRightString(sheet.width - sheet.margin, sheet.margin - 14, "责任编辑：周 南")


def _draw(pdf, draw: Draw) -> None:
    if draw.kind == "rule":
        x0, y0, x1, y1 = draw.items
        pdf.setLineWidth(0.6)
        pdf.line(x0, y0, x1, y1)
    elif draw.kind == "box":
        x0, y0, x1, y1 = draw.items
        pdf.setFillGray(0.9)
        pdf.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=1)
        pdf.setFillGray(0)
    else:
        for x, y, size, text in draw.items:
            pdf.setFont("STSong-Light", size)
            pdf.drawString(x, y, text)


@dataclass
class Cursor:
    """Where the next band starts: a page and a height."""

    page: int
    y: float


def _layout(issue: Issue, sheet: Sheet) -> list[Draw]:
    """Every story in a full-width band, page after page; one that does not fit is cut with a jump note."""
    draws: list[Draw] = []
    cursor = Cursor(1, _page_top(sheet))
    quoted = sheet.rng.randrange(len(issue.stories))
    for k, story in enumerate(issue.stories):
        _set_story(story, issue, sheet, draws, cursor, pull_quote(story) if k == quoted else None)
    return draws


def _page_top(sheet: Sheet) -> float:
    return sheet.height - sheet.margin - 44


def _body_lines(story: Story, sheet: Sheet) -> list[tuple[float, str]]:
    body: list[tuple[float, str]] = []  # (size, text) lines in reading order, each one lead high
    for kind, text in story.paragraphs:
        if kind == "h":
            body += [(sheet.body * 1.1, ln) for ln in _wrap(text, int(sheet.chars / 1.1))]
        elif kind == "note":
            body += [(sheet.body * 0.9, ln) for ln in _wrap(text, int(sheet.chars / 0.9))]
        else:
            body += [(sheet.body, ln) for ln in _wrap(text, sheet.chars, indent=2)]
    return body


def _set_story(story: Story, issue: Issue, sheet: Sheet, draws: list[Draw], cursor: Cursor,
               quote: str | None) -> None:
    floor = sheet.margin + 10
    if cursor.y - floor < 12 * sheet.lead:
        cursor.page, cursor.y = cursor.page + 1, _page_top(sheet)
    cursor.y = _set_head(story, sheet, draws, cursor)
    body = _body_lines(story, sheet)
    quote_lines = _wrap(quote, int(sheet.chars * 0.85 / 1.15)) if quote else []
    room = int((cursor.y - floor) // sheet.lead)
    needed = -(-(len(body) + len(quote_lines) + 2) // sheet.cols) + 1
    fits = room * sheet.cols - (len(quote_lines) + 2 if quote_lines else 0) - 1
    if needed <= room or fits >= len(body):
        cursor.y = _columns(body, sheet, draws, cursor, min(needed, room), quote_lines, None) - 18
        return
    page = issue.page + cursor.page - 1
    _columns(body[:fits], sheet, draws, cursor, room, quote_lines, f"（下转第{page + 1}版）")
    rest = body[fits:]
    while rest:
        cursor.page, cursor.y = cursor.page + 1, _page_top(sheet)
        draws.append(Draw(cursor.page, "text", [(sheet.margin, cursor.y - 14, 13.0,
                                                 f"{story.title}（上接第{page}版）")]))
        cursor.y -= 24
        room = int((cursor.y - floor) // sheet.lead)
        rows = min(room, -(-len(rest) // sheet.cols) + 1)
        part, rest = rest[: rows * sheet.cols - (1 if len(rest) > rows * sheet.cols else 0)], rest[rows * sheet.cols:]
        cursor.y = _columns(part, sheet, draws, cursor, rows, [], None) - 18
        page += 1


def _set_head(story: Story, sheet: Sheet, draws: list[Draw], cursor: Cursor) -> float:
    x0, x1 = sheet.margin, sheet.width - sheet.margin
    y = cursor.y
    draws.append(Draw(cursor.page, "rule", [x0, y + 6, x1, y + 6]))
    head: list = []
    if story.section:
        draws.append(Draw(cursor.page, "box", [x0, y - 16, x0 + 11 * len(story.section) + 8, y]))
        head.append((x0 + 4, y - 12, 11.0, story.section))
        y -= 24
    if story.overtitle:
        head.append((x0, y - 14, 14.0, story.overtitle))
        y -= 22
    size = 24.0
    per_line = int((x1 - x0) * 0.55 // size)  # headlines set narrow, so long ones wrap
    for line in _wrap(story.title, per_line):
        head.append((x0, y - size, size, line))
        y -= size * 1.3
    if story.deck:
        head.append((x0, y - 12, 12.0, story.deck))
        y -= 20
    if story.authors:
        head.append((x0, y - 14, 11.0, "　".join(story.authors)))
        y -= 22
    draws.append(Draw(cursor.page, "text", head))
    return y - 4


def _columns(lines: list[tuple[float, str]], sheet: Sheet, draws: list[Draw], cursor: Cursor, rows: int,
             quote: list[str], jump: str | None) -> float:
    """Set lines down the columns, a pull-quote box at the head of the second column, a jump note at the end."""
    top = cursor.y
    lowest = top
    k = 0
    for col in range(sheet.cols):
        x = sheet.margin + col * (sheet.col_width + sheet.gutter)
        y = top
        room = rows
        if col == 1 and quote:
            placed = []
            qy = y - 4
            for q in quote:
                placed.append((x + 6, qy - 12, 11.5, q))
                qy -= 16
            draws.append(Draw(cursor.page, "box", [x + 2, qy - 2, x + sheet.col_width - 2, y]))
            draws.append(Draw(cursor.page, "text", placed))
            y = qy - 10
            room -= len(quote) + 2
        placed = []
        while room > 0 and k < len(lines):
            size, text = lines[k]
            placed.append((x, y - size, size, text))
            y -= sheet.lead
            k += 1
            room -= 1
        if col == sheet.cols - 1 and jump:
            placed.append((x + sheet.col_width - 7 * sheet.body * 0.9, y - sheet.body, sheet.body * 0.9, jump))
            y -= sheet.lead
        if placed:
            draws.append(Draw(cursor.page, "text", placed))
        if col < sheet.cols - 1:
            middle = x + sheet.col_width + sheet.gutter / 2
            draws.append(Draw(cursor.page, "rule", [middle, top, middle, top - rows * sheet.lead]))
        lowest = min(lowest, y)
    return lowest


# ---------------------------------------------------------------- test fixtures

FIXTURE_PAGE = "rmrb_2026-05-06_p09"
XELATEX_FIXTURE_PAGE = "rmrb_2026-06-09_p09"
TYPST_FIXTURE_PAGE = "rmrb_2026-05-13_p09"


def scanned_pdf() -> bytes:
    """A one-page PDF holding only an image, as a scanner makes: no text layer."""
    pixels = bytes((x * y) % 256 for y in range(16) for x in range(16))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >>"
               b" /Contents 5 0 R >>",
               b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray"
               b" /BitsPerComponent 8 /Length 256 >>\nstream\n" + pixels + b"\nendstream",
               b"<< /Length 33 >>\nstream\nq 500 0 0 700 40 70 cm /Im1 Do Q\nendstream"]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def encrypted_pdf(target: Path) -> None:
    """A short PDF that opens only with a password."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(target), encrypt=StandardEncryption("secret", canPrint=0))
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 720, "加密的文件")
    pdf.save()


def make_fixtures(folder: Path, pages: Path) -> None:
    """The tests' PDFs: one dev page by each route (Cairo writing the WeasyPrint page again: written
    from Chromium's it takes 3 MB), a scan, an encrypted file."""
    folder.mkdir(parents=True, exist_ok=True)
    txt = pages / f"{FIXTURE_PAGE}.txt"
    issue = read_issue(txt)
    print_chromium(chromium_html(issue, random.Random(f"chromium/fixture/{txt.stem}")), folder / "chromium.pdf")
    print_weasyprint(chromium_html(issue, random.Random(f"weasyprint/fixture/{txt.stem}")), folder / "weasyprint.pdf")
    reportlab_issue(issue, random.Random(f"reportlab/fixture/{txt.stem}"), folder / "reportlab.pdf")
    print_wkhtmltopdf(wkhtmltopdf_html(issue, random.Random(f"wkhtmltopdf/fixture/{txt.stem}")),
                      folder / "wkhtmltopdf.pdf")
    print_cairo(chromium_html(issue, random.Random(f"cairo/fixture/{txt.stem}")), "weasyprint", folder / "cairo.pdf")
    shutil.copy(txt.with_suffix(".json"), folder / "reference.json")
    # a Typst page whose headline ends a page and whose byline, in nearly the body's size, opens the next
    typeset = pages / f"{TYPST_FIXTURE_PAGE}.txt"
    print_typst(typst_source(read_issue(typeset), random.Random(f"typst/223/{typeset.stem}")), folder / "typst.pdf")
    shutil.copy(typeset.with_suffix(".json"), folder / "typst.json")
    # a page whose column labels hold a 间隔号, with its own reference; marks squeezed to half width
    tex = pages / f"{XELATEX_FIXTURE_PAGE}.txt"
    print_latex(latex_source(read_issue(tex), random.Random(f"xelatex/fixture/{tex.stem}"),
                                 ("banjiao", "Noto Sans CJK SC")), folder / "xelatex.pdf")
    shutil.copy(tex.with_suffix(".json"), folder / "xelatex.json")
    (folder / "scan.pdf").write_bytes(scanned_pdf())
    encrypted_pdf(folder / "encrypted.pdf")


# ---------------------------------------------------------------- main

# Each route: how it typesets one issue (the seed's random source picks its settings) into one PDF.
PRINTERS: dict[str, Callable[[Issue, random.Random, Path], None]] = {
    "chromium": lambda issue, rng, target: print_chromium(chromium_html(issue, rng), target),
    "weasyprint": lambda issue, rng, target: print_weasyprint(chromium_html(issue, rng), target),
    "typst": lambda issue, rng, target: print_typst(typst_source(issue, rng), target),
    "reportlab": reportlab_issue,
    "wkhtmltopdf": lambda issue, rng, target: print_wkhtmltopdf(wkhtmltopdf_html(issue, rng), target),
    "writer": lambda issue, rng, target: print_writer(writer_fodt(issue, rng), target),
    "xelatex": lambda issue, rng, target: print_latex(latex_source(issue, rng), target),
    "lualatex": lambda issue, rng, target: print_latex(latex_source(issue, rng), target, LUALATEX),
    "cairo": lambda issue, rng, target: print_cairo(chromium_html(issue, rng), rng.choice(["chromium", "weasyprint"]),
                                                    target),
}
ROUTES = tuple(PRINTERS)

def make(route: str, seed: int, pages: Path, out: Path) -> Path:
    """Write every dev page by one route with one seed; returns the folder."""
    folder = out / f"{route}-s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    for txt in sorted(pages.glob("*.txt")):
        rng = random.Random(f"{route}/{seed}/{txt.stem}")
        issue = read_issue(txt)
        PRINTERS[route](issue, rng, folder / f"{txt.stem}.pdf")
        shutil.copy(txt.with_suffix(".json"), folder / f"{txt.stem}.json")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--fixtures", type=Path, help="write the tests' PDFs into this folder instead")
    parser.add_argument("--route", choices=[*ROUTES, "all"], default="all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", type=Path, default=PAGES)
    args = parser.parse_args(argv)
    if args.fixtures:
        make_fixtures(args.fixtures, args.pages)
        return 0
    if args.out is None:
        parser.error("give OUT_DIR or --fixtures DIR")
    for route in ROUTES if args.route == "all" else [args.route]:
        print(make(route, args.seed, args.pages, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
