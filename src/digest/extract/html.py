"""Saved web pages and HTML newsletters: their articles as lines, head and body, with the markup's roles.

- Decoding: a byte-order mark, then the charset the transport declared (a mail
  part's Content-Type), then the page's own `<meta charset>` or XML
  declaration, then strict UTF-8, GB18030 and Big5; GB2312 and GBK are read as
  GB18030, their superset. Entities are the HTML parser's business.
- Blocks: the markup read as a browser shows it (`markup.page_blocks`).
- Main content: trafilatura decides which prose is the page's text and which is
  site furniture (sidebars, related links, comments); its metadata gives the
  title, canonical URL and date. It is not asked for structure: it drops
  kickers and bylines and may reorder a newsletter, so the head of each article
  is read from the blocks around its headline.
- Headlines: heading-shaped blocks (a heading element, bold or larger type,
  short and not prose) followed by prose. Those with evidence of an article
  head (a byline under them, a column label over them, a table of contents
  pointing at them, the page's own title) set the level: every headline at
  least as prominent is an article's, less prominent ones are subheadings of
  the article they sit in. A prominent line before the first article with no
  evidence is the masthead of a newsletter.
- A head: up to two lines above the headline within its element (a column
  label, an over-title), the subtitle ("——…") and the byline under it; date,
  source and share lines there are dropped, labelled fields ("作者：", "栏目：")
  read.
- A body: the blocks after the head up to the next article; it ends at an
  author's note "（作者为…）" or a "阅读原文" link (whose target is the
  article's URL), and stays inside the element that holds its headline and no
  other. Furniture lines (`furniture`) are dropped.

The lines come out in the shape the text rules read in web exports: over-title,
"标题（栏目）", "——副题", byline, a blank line, one paragraph a line, the author's
note, a blank line between articles. Each line carries its role, the article's
number as its block and its typography; the headline carries the article's URL.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from lxml.etree import _Element

from digest import zh
from digest.errors import IssueError
from digest.extract import furniture, sniff
from digest.extract.markup import BODY_SIZE, Block, page_blocks, parse_markup
from digest.models import Line, Page, RawIssue
from digest.parse import bylines

LOGGER = logging.getLogger(__name__)

# Legacy Chinese charsets read as the superset that decodes every page written in them.
_CHARSET_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                      "gb_2312-80": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "hz", "big5": "big5hkscs",
                      "x-big5": "big5hkscs", "cp950": "big5hkscs", "iso-8859-1": "cp1252", "latin1": "cp1252",
                      "us-ascii": "cp1252", "ascii": "cp1252", "utf8": "utf-8"}
# `<meta charset="…">` or `<meta http-equiv="Content-Type" content="text/html; charset=…">`.
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
# `<?xml version="1.0" encoding="…"?>`.
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]+encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.I)
# The charset parameter of a media type ("text/html; charset=gbk").
_CHARSET_PARAMETER = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", re.I)
_FALLBACK_ENCODINGS = ("utf-8", "gb18030", "big5hkscs")

TITLE_MAX = 60  # a headline or a head line is a line: longer text without a full stop is prose
_PROSE_MIN = 40  # an unfinished line this long, with a clause break, reads as prose rather than a heading
_HEAD_ABOVE = 2  # column label and over-title: at most this many head lines above a headline
_HEAD_BELOW = 6  # subtitle, byline, date, source and share lines under a headline before its text
_TEXT_WITHIN = 3  # a headline's text starts within this many lines after its head (a lead line, a subheading)
_LARGER = 1.15  # type this much larger than the body's is display type
_SENTENCE_END = re.compile(r"[。！？!?]")  # a sentence ends in the line
_FULL_STOP = re.compile(r"[。；]")  # a statement ends in the line: headlines never hold one
# "【某某论坛】", "[视点]", "〔专题〕": a label in brackets, the way pages set a column's name.
_BRACKETED = re.compile(r"^[【\[〔［「]\s*(.+?)\s*[】\]〕］」]$")
# "栏目：某某论坛", "专栏｜某某观察": a labelled column name.
_COLUMN_FIELD = re.compile(r"^(?:栏目|专栏|栏目名称|频道|专题)\s*[：:｜|]\s*(.+)$")
# The words that label a byline: 作者, 文, 撰文, 撰稿, 作者署名.
_BYLINE_LABELS = "作者|文|撰文|撰稿|作者署名"
# "作者：某某", "文/某某", "撰文｜某某": a labelled byline (staff titles such as 本报记者 stay with the names).
_BYLINE_FIELD = re.compile(f"^(?:{_BYLINE_LABELS}|author|by)\\s*[：:/／｜|]\\s*(.*)$", re.I)
# "作者", "作者：", "（作者：）": a byline's label whose value the page left empty.
_BARE_LABEL = re.compile(f"^[（(]?\\s*(?:{_BYLINE_LABELS})\\s*[：:/／｜|]?\\s*[)）]?$")
# A byline or column label set off from its value by a bar or a slash, or by a space ("文 | 某某", "作者 某某").
_LABEL_BAR = re.compile(r"(?:^|(?<=\s))(作者|文|撰文|撰稿|栏目|专栏)\s*(?:[|｜/／]|\s)\s*(?=[^\s：:|｜])")
# Separators between the fields of a publication line ("作者：某 | 来源：某报 | 2026-05-06").
_FIELD_SEPARATOR = re.compile(r"\s*[|｜•]\s*|\s+·\s+|\s{2,}(?=\S+[：:])|\u3000+")
# Where the next labelled field of a publication line starts: after a space (" 来源：…"), or glued to the
# field before it when the page sets its fields apart by style alone ("…某某论坛来源：…").
_NEXT_LABEL = re.compile(r"\s+(?=[^\s：:]{1,6}[：:])|(?<=\S)(?=(?:来源|作者|责任编辑|编辑|发布时间|发布日期|时间|日期|"
                         r"浏览|阅读|点击|栏目|专栏|出处|字号)[：:])")
# "（作者：某某）": a byline in brackets, set under a headline (an author's note names a post, not a person).
_BRACKET_BYLINE = re.compile(r"^[（(]\s*(?:作者|文|撰文)\s*[：:]\s*([^（）()：:]{1,24})[)）]$")
# Where a date or time follows the names on a publication line (names hold no digits).
_DATE_AFTER = re.compile(r"\s*(?=\d)")
# Separators between names on a byline.
_NAME_SEPARATOR = re.compile(r"\s*[、，,;；/／]\s*")
# "（作者为…）", "（作者系…）", "（作者单位：…）": the author's note that closes an article.
_AUTHOR_NOTE = re.compile(r"^[（(]作者(?:单位)?(?:分别)?(?:为|是|系|[：:]).+[)）]$")
# A note in brackets after the author's: "（本文系…成果）", "（本报记者某某参与采写）".
_BRACKET_NOTE = re.compile(r"^[（(][^（）()]{2,120}[)）]$")
# Words in class and id attributes that say what an element is, the way page authors name them: a column label…
_KICKER_CLASS = re.compile(r"kicker|column|lanmu|channel|category|eyebrow|label|\btag\b|section-name|lm\b", re.I)
# … an over-title (引题) above a headline:
_OVER_TITLE_CLASS = re.compile(r"\bpre|over|yinti|intro[-_]?title|supertitle|shoulder", re.I)
# … a headline (a whole word, so "subtitle" and "title-box" do not count):
_TITLE_CLASS = re.compile(r"(?<![a-z])(?:title|headline|heading|tit|biaoti)(?![a-z])", re.I)
# … a byline:
_BYLINE_CLASS = re.compile(r"author|byline|writer|zuozhe", re.I)
# A page title's site suffix: "标题--观点--某某网", "标题_网站", "标题 | 网站".
_SITE_SUFFIX = re.compile(r"\s*(?:--|_|\s[|｜–—-]\s).*$")


class HtmlExtractor:
    """Saved article pages and HTML newsletters, in any charset."""

    name = "HTML"

    def accepts(self, raw: RawIssue) -> bool:
        return sniff.is_html(raw.data)

    def extract(self, raw: RawIssue) -> Page:
        if not raw.data.strip():
            raise IssueError(f"{raw.origin}: the file is empty")
        text, encoding = decode_html(raw.data, declared_charset(raw.media_type))
        lines, title, url = read_html(text)
        if not any(line.text for line in lines):
            raise IssueError(f"{raw.origin}: no text in the HTML page")
        return Page(id=raw.id, name=raw.name, origin=raw.origin, lines=tuple(lines), media_type="text/html",
                    encoding=encoding, title=raw.metadata.get("title") or title,
                    url=raw.metadata.get("url") or url)


def declared_charset(media_type: str) -> str | None:
    """The charset a media type names ("text/html; charset=gbk" → "gbk"), or None."""
    match = _CHARSET_PARAMETER.search(media_type or "")
    return match.group(1) if match else None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The text of an HTML file and the encoding it was read in."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, "replace"), encoding.removesuffix("-sig")
    utf16 = sniff.utf16_text(data)
    if utf16 is not None:
        return utf16, "utf-16"
    head = data[:4096]
    named = [declared] + [m.group(1).decode("ascii") for m in (_XML_ENCODING.match(head), _META_CHARSET.search(head))
                          if m]
    candidates = [_known_encoding(n) for n in named if n] + list(_FALLBACK_ENCODINGS)
    for encoding in [c for c in candidates if c]:
        if encoding == "cp1252" and _is_utf8(data):
            continue  # a page labelled Latin-1 that is valid UTF-8 was saved as UTF-8
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace"), "utf-8"


def _known_encoding(label: str) -> str | None:
    name = label.strip().lower()
    try:
        return codecs.lookup(_CHARSET_SUPERSETS.get(name, name)).name
    except LookupError:
        return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- reading a page ----------------------------------------------------------


@dataclass
class _Article:
    """One article found on the page: its headline block and what was read around it."""

    title: Block
    start: int  # the first block of its head (a label above the headline, or the headline)
    body_start: int  # the first block after its head
    column: str | None = None
    over_title: str | None = None
    subtitle: str | None = None
    byline: str | None = None  # "" when the page's byline label stands empty
    evidence: bool = False  # a labelled byline, a column label or a table of contents says it opens an article
    plain_byline: bool = False  # only an unlabelled short line under it, which may be a byline (weaker evidence)
    plain_column: bool = False  # its column is such a line too, one that names nobody (weaker evidence)
    named: bool = False  # it is the page's own title (evidence on a page of one article, not in a newsletter)
    url: str | None = None
    body: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class _Reading:
    """The page's blocks and what is known about them as a whole."""

    blocks: list[Block]
    main: str  # the main text trafilatura found, without spacing (empty when it found none)
    title: str | None  # the page's own title, without a site suffix
    body_size: float  # the body text's font size (px)
    toc_targets: frozenset[str]  # anchors that links on the page point to


def read_html(text: str) -> tuple[list[Line], str | None, str | None]:
    """An HTML text's articles as lines, the page's title and its canonical URL."""
    root = parse_markup(text)
    blocks = page_blocks(root)
    metadata = _metadata(text)
    reading = _Reading(
        blocks=blocks, main=_squeeze(metadata.get("text") or ""), title=_clean_title(metadata.get("title")),
        body_size=_body_size(blocks), toc_targets=frozenset(
            href[1:] for b in blocks for _, href in b.links if href.startswith("#") and len(href) > 1),
    )
    articles = _find_articles(reading)
    if len(articles) == 1 and articles[0].byline is None and metadata.get("author"):
        articles[0].byline = _byline_text(metadata["author"])  # the page's author metadata names the one writer
    lines = _emit(articles, reading)
    page_url = metadata.get("url") or _view_online_link(blocks)
    if len(articles) == 1 and articles[0].url is None:
        lines = [line if line.role not in ("title", "page-title") else _with_url(line, page_url) for line in lines]
    return lines, _page_title(root) or reading.title, page_url


def _metadata(text: str) -> dict[str, Any]:
    """trafilatura's reading of the page: main text and metadata ({} when it finds nothing)."""
    import trafilatura  # imported on first use: it takes a while to load, and text issues never need it

    try:
        document = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False,
                                               include_tables=True, favor_recall=True, deduplicate=False)
    except Exception as e:  # noqa: BLE001 - a library failing on odd markup must not lose the issue
        LOGGER.debug("trafilatura failed: %s", e)
        return {}
    if document is None:
        return {}
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    return {key: value for key, value in data.items() if isinstance(value, str) and value}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _clean_title(title: str | None) -> str | None:
    return _SITE_SUFFIX.sub("", title).strip() or None if title else None


def _page_title(root: _Element) -> str | None:
    """The document's own title element, spacing normalised."""
    element = root.find(".//title")
    text = " ".join((element.text_content() if element is not None else "").split())
    return text or None


def _body_size(blocks: list[Block]) -> float:
    """The font size most of the prose is set in (px)."""
    sizes: dict[float, int] = {}
    for block in blocks:
        if block.size and is_prose(block.text):
            sizes[block.size] = sizes.get(block.size, 0) + len(block.text)
    return max(sizes, key=lambda s: sizes[s]) if sizes else BODY_SIZE


def _view_online_link(blocks: list[Block]) -> str | None:
    """A newsletter's web copy: the link of its "view in browser" line."""
    for block in blocks[:12]:
        for text, href in block.links:
            if href.startswith(("http://", "https://")) and furniture.is_trailer(block.text) and text:
                return href
    return None


def is_prose(text: str) -> bool:
    """Running text: a full stop in it, a question or exclamation longer than a headline, long clauses."""
    if _AUTHOR_NOTE.match(text) and len(text) <= TITLE_MAX * 2:
        return False
    if _FULL_STOP.search(text):
        return True
    if _SENTENCE_END.search(text):
        return len(text) > _PROSE_MIN  # headlines ask and exclaim too ("上链接！重卡开进直播间")
    return len(text) > _PROSE_MIN and bool(zh.PROSE_MARK.search(text))


# --- finding the articles ----------------------------------------------------


def _find_articles(reading: _Reading) -> list[_Article]:
    """Every article on the page, in order, each with its head read and its body gathered."""
    heads = [a for b in reading.blocks if _heading_shaped(b, reading) for a in [_read_head(b, reading)] if a]
    titles = _article_heads(heads, reading)
    for k, article in enumerate(titles):
        end = titles[k + 1].start if k + 1 < len(titles) else len(reading.blocks)
        _gather_body(article, reading, end, titles)
    titles = [a for a in titles if a.body]
    if titles:
        return titles
    return _headless(reading)


def _heading_shaped(block: Block, reading: _Reading) -> bool:
    """A block that could be a headline: short, not prose, set apart by its element or its type."""
    text = block.text
    if not 2 <= len(text) <= TITLE_MAX or is_prose(text) or furniture.is_furniture(text):
        return False
    if furniture.is_date_line(text) or _AUTHOR_NOTE.match(text) or _BRACKETED.match(text) or _is_subtitle(text):
        return False
    if _display_type(block, reading):
        return True
    return _marked(block, _TITLE_CLASS) or (reading.title is not None and _squeeze(text) == _squeeze(
        reading.title))


def _display_type(block: Block, reading: _Reading) -> bool:
    """Set apart from the running text: a heading element, bold, or type larger than the body's."""
    return bool(block.level or block.bold or (block.size or 0) >= reading.body_size * _LARGER)


def _runs_on(block: Block, reading: _Reading) -> bool:
    """A short sentence in body type right after running text: that text goes on, the line heads nothing.

    Pieces end on a question ("……该如何走好这一步？"), and a newsletter's excerpt stops at one;
    too short for prose, such a line read as a heading the article closed on, or as a label
    over the next article's headline."""
    before = reading.blocks[block.index - 1] if block.index else None
    return (before is not None and is_prose(before.text) and not _display_type(block, reading)
            and zh.SENTENCE_CLOSE.search(block.text) is not None)


def _is_subtitle(text: str) -> bool:
    """A "——…" line: the subtitle under a headline."""
    return text.startswith(("—", "--", "－－"))


def _prominence(block: Block) -> tuple[float, bool, int]:
    """How strongly a headline is set: its size, then its weight, then its heading level."""
    return (round(block.size or BODY_SIZE, 1), block.bold, -(block.level or 7))


def _styled(block: Block) -> bool:
    """Whether the markup says how the block is set: a heading element, an inline size, bold type."""
    return bool(block.level or block.size or block.bold)


def _article_heads(heads: list[_Article], reading: _Reading) -> list[_Article]:
    """The heads that open articles: at least as prominent as the least prominent head with evidence.

    A newsletter's own name is its page title too, so the page title counts as evidence only where no
    head shows a byline, a column label or a table of contents pointing at it. A headline whose type only
    a style sheet sets (a classed div) gives no yardstick: then only the heads with evidence open articles.
    """
    if not heads:
        return []
    evidenced = [h for h in heads if h.evidence] or [h for h in heads if h.plain_byline or h.plain_column] or \
        [h for h in heads if h.named]
    if evidenced:
        weakest = min(evidenced, key=lambda h: _prominence(h.title))
        if not _styled(weakest.title):
            return _without_overlaps(evidenced)  # its type is set by a style sheet we do not read: no yardstick
        level, first = _prominence(weakest.title), evidenced[0].title.index
        chosen = [h for h in heads if _prominence(h.title) >= level
                  and (h in evidenced or h.title.index > first or _prominence(h.title) == level)]
    else:
        level = max(_prominence(h.title) for h in heads)
        chosen = [h for h in heads if _prominence(h.title) == level]
    return _without_overlaps(chosen)


def _without_overlaps(heads: list[_Article]) -> list[_Article]:
    """Heads in page order, a later head never starting inside an earlier one's head."""
    kept: list[_Article] = []
    for head in heads:
        if kept and head.start < kept[-1].body_start:
            continue
        kept.append(head)
    return kept


def _read_head(title: Block, reading: _Reading) -> _Article | None:
    """The head around a headline, or None when no text follows it (a list of links, a menu, a footer)."""
    blocks = reading.blocks
    below: list[Block] = []
    for block in blocks[title.index + 1:title.index + 1 + _HEAD_BELOW + 1]:
        if _heading_shaped(block, reading) and _prominence(block) >= _prominence(title) and _styled(title):
            return None  # the line is a label over a headline, not a headline
        if not _head_material(block, below) or _opens_other_head(block, title, reading):
            break
        below.append(block)
    else:
        return None
    body_start = title.index + 1 + len(below)
    text = blocks[body_start:body_start + _TEXT_WITHIN]
    if not any(is_prose(b.text) for b in text) or furniture.is_trailer(text[0].text):
        return None
    if sum(1 for b in below if b.link and not furniture.is_furniture(b.text)) >= 2:
        return None  # a heading over a list of links: related articles, a menu
    article = _Article(title=title, start=title.index, body_start=body_start)
    _read_below(article, below, reading)
    _read_above(article, _lines_above(title, reading))
    labelled_byline = article.byline is not None and not article.plain_byline
    labelled_column = bool(article.column) and not article.plain_column
    article.evidence = labelled_column or labelled_byline or _pointed_at(article, reading)
    article.named = reading.title is not None and _squeeze(title.text) == _squeeze(reading.title)
    return article


def _head_material(block: Block, below: list[Block]) -> bool:
    """A line that belongs under a headline: subtitle, byline, publication line, share or author links."""
    text = block.text
    if _is_subtitle(text) or _labelled(text) or _BARE_LABEL.match(text) or furniture.is_date_line(text) or \
            block.link is not None:
        return True
    if furniture.holds_date(text) and len(text) <= TITLE_MAX and not is_prose(text):
        return True  # a publication line that puts the date last ("原创 某某 某号 2026-05-06")
    if _BRACKETED.match(text) and len(text) <= TITLE_MAX or _BRACKET_BYLINE.match(text):
        return True  # a column label or a bracketed byline printed under the headline
    if furniture.is_furniture(text):
        return True
    fields = _fields(text)
    if len(fields) >= 2 and not is_prose(text) and _names_someone(fields[-1]):
        return True  # "栏目 · 作者": a row naming the column, however long its name, then the writers
    # one unlabelled byline under a headline; its subtitle ("——…") is none
    bylines_above = any(_plain_byline(b, b.text) and not _is_subtitle(b.text) for b in below)
    return not bylines_above and _plain_byline(block, text)


def _opens_other_head(block: Block, title: Block, reading: _Reading) -> bool:
    """Whether the line opens an element, apart from the headline's, that holds a headline of its own.

    A column label set over the next article's headline is not a byline of the masthead above it. A
    headline further down, after text of the line's own, is a subheading of that text: the line
    heads the text (a post's column set as the first line of its body).
    """
    box = None
    for element in [block.element, *block.element.iterancestors()]:
        if _contains(element, title.element):
            break
        box = element
    if box is None:
        return False
    for later in reading.blocks[block.index + 1:]:
        if not _contains(box, later.element):
            return False
        if _heading_shaped(later, reading):
            return True
        if is_prose(later.text):
            return False
    return False


def _labelled(text: str) -> bool:
    """A publication line: short labelled fields ("作者：某 | 来源：某报 | 浏览：100"), no sentence."""
    fields = _fields(text)
    if "。" in text or any(len(f) > TITLE_MAX for f in fields):
        return False
    return any(_BYLINE_FIELD.match(f) or _COLUMN_FIELD.match(f) or furniture.is_furniture(f) for f in fields)


def _lines_above(title: Block, reading: _Reading) -> list[Block]:
    """The head lines above a headline, nearest last: short lines that open the element it sits in.

    An <article> holds a whole piece, its head too: nothing outside the one around the headline (the
    site's masthead, its menu) belongs to that head.
    """
    above: list[Block] = []
    piece = next(title.element.iterancestors("article"), None)
    for block in reversed(reading.blocks[max(0, title.index - _HEAD_ABOVE):title.index]):
        text = block.text
        if piece is not None and not _contains(piece, block.element):
            break
        if is_prose(text) or furniture.is_furniture(text) or furniture.is_date_line(text) or len(text) > TITLE_MAX:
            break
        if _runs_on(block, reading):
            break  # the end of the article before
        if _AUTHOR_NOTE.match(text) or _BRACKET_NOTE.match(text) or furniture.reads_original(text):
            break  # the end of the article before
        if block.link is not None and block.link.startswith("#"):
            break  # an entry of a table of contents
        if _heading_shaped(block, reading) and _prominence(block) >= _prominence(title):
            break
        above.insert(0, block)
    while above and not _opens_element(above[0], title, reading):
        above.pop(0)
    return above


def _opens_element(first: Block, title: Block, reading: _Reading) -> bool:
    """Whether a line and the headline share an element that starts with that line, or text ends before it."""
    if first.index == 0 or _ends_text(reading.blocks[first.index - 1], reading):
        return True
    shared = _common_ancestor(first.element, title.element)
    if shared is None:
        return False
    before = reading.blocks[first.index - 1].element
    return not _contains(shared, before)


def _ends_text(block: Block, reading: _Reading) -> bool:
    """A line that ends what came before: prose and the sentence it runs on to, an end note, a "阅读原文" link."""
    text = block.text
    return is_prose(text) or _runs_on(block, reading) or bool(_AUTHOR_NOTE.match(text) or _BRACKET_NOTE.match(text)) \
        or furniture.reads_original(text)


def _common_ancestor(a: _Element, b: _Element) -> _Element | None:
    ancestors = {id(e): e for e in [a, *a.iterancestors()]}
    for element in [b, *b.iterancestors()]:
        if id(element) in ancestors:
            return element
    return None


def _contains(outer: _Element, inner: _Element) -> bool:
    return any(e is outer for e in [inner, *inner.iterancestors()])


def _read_above(article: _Article, above: list[Block]) -> None:
    """Column label and over-title from the lines above a headline.

    A bracketed, labelled ("栏目：") or column-classed line is the column; a heading element or an
    over-title-classed line is the over-title; a plain line is the column unless one was found. A head
    has one column: when the lines under the headline named it, a column-classed line ("kicker", a word
    pages use for either) is the over-title.
    """
    unmarked: list[str] = []
    named_below = article.column is not None
    for block in above:
        text = block.text
        bracketed, field_ = _BRACKETED.match(text), _COLUMN_FIELD.match(text)
        if _marked(block, _KICKER_CLASS) and named_below and not (bracketed or field_):
            article.over_title = article.over_title or text
        elif bracketed or field_ or _marked(block, _KICKER_CLASS):
            article.column = (bracketed or field_).group(1) if (bracketed or field_) else text  # type: ignore[union-attr]
        elif block.level or _marked(block, _OVER_TITLE_CLASS):
            article.over_title = text
        else:
            unmarked.append(text)
    if unmarked and article.column is None:
        article.column = unmarked.pop(0)  # a plain label over a headline is most often its column; of two, the first
    if unmarked and article.over_title is None:
        article.over_title = unmarked[0]
    if above:
        article.start = above[0].index


def _read_below(article: _Article, below: list[Block], reading: _Reading) -> None:
    """Subtitle, byline, column and labelled fields from the lines under a headline; a short
    unlabelled line is the byline when it names someone, else the column."""
    for block in below:
        text = block.text
        if _is_subtitle(text) and article.subtitle is None:
            article.subtitle = "——" + text.lstrip("—-－ ")
            continue
        bracketed, bracket_byline = _BRACKETED.match(text), _BRACKET_BYLINE.match(text)
        if bracket_byline and article.byline is None:
            article.byline = _byline_text(bracket_byline.group(1))
            continue
        if bracketed and article.column is None:
            article.column = bracketed.group(1)
            continue
        if _BARE_LABEL.match(text):
            if article.byline is None:
                article.byline = ""  # the page says it names no writer
            continue
        if block.link is not None or furniture.is_furniture(text) and not _fields_with_names(text):
            continue
        if article.column is None:
            article.column = _marked_part(block, _KICKER_CLASS)
        fields = _fields(text)
        if len(fields) >= 2 and not any(_labelled(f) or furniture.holds_date(f) for f in fields) and \
                article.byline is None and _plain_byline(block, fields[-1]):
            article.column = article.column or fields[0]  # "栏目 · 作者": a row names the column first, the writer last
            article.byline = _byline_text(fields[-1])
            continue
        for field_ in fields:
            byline, column = _BYLINE_FIELD.match(field_), _COLUMN_FIELD.match(field_)
            if column and article.column is None:
                article.column = column.group(1)
            elif byline and article.byline is None:
                article.byline = _byline_text(byline.group(1))
        if article.byline is None and _plain_byline(block, text):
            if _names_someone(text) or _marked(block, _BYLINE_CLASS) or article.column is not None or \
                    _heading_shaped(block, reading):
                article.byline, article.plain_byline = _byline_text(text), True
            else:  # a short label in body type or smaller under the headline, naming nobody: the column
                article.column, article.plain_column = text, True
        elif article.byline is None and furniture.holds_date(text) and \
                (writer := _writer_of_dated_line(block, article.title.text)):
            article.byline, article.plain_byline = writer, True


def _names_someone(text: str) -> bool:
    """The line, standing where a byline stands, reads as people's names, a staff title or an institution."""
    return bool(bylines.byline(text) or _names_where_byline_stands(text) or bylines.institution(text))


def _names_where_byline_stands(text: str) -> list[str]:
    """`bylines.names_under_headline`, less its reading of a gapless run as letter-spaced names
    ("江畔随笔" as 江畔 随笔): a PDF's text loses the spacing between names, a page's markup keeps it."""
    names = bylines.names_under_headline(text)
    return names if len(names) < 2 or any(c.isspace() or c in "、，," for c in text) else []


def _writer_of_dated_line(block: Block, title: str) -> str | None:
    """The names a dated publication line sets in an element of their own ("原创 ‹某某› ‹公众号› 2026-05-06").

    Such a line strings its pieces together without labels, each in its own
    inline element: a mark of the post, the writer, the account (a link), the
    time. A piece read as names where a byline stands (a rare surname's too, when no word
    of the dictionary, nor one run on from the headline `title`), and the only one, is taken;
    failing that, the only piece whose words start with surnames (a writer named 高峰): the
    account is the link and the time the date, so the writer's is the one place left for names.
    """
    pieces = {" ".join(e.text_content().split()) for e in block.element.iterdescendants()
              if e.tag != "a" and next(e.iterancestors("a"), None) is None and not len(e)}
    pieces = {piece for piece in pieces if piece and not furniture.holds_date(piece)}
    writers = [piece for piece in pieces if bylines.byline(piece) or _names_where_byline_stands(piece)
               or bylines.rare_names_under(title, piece)]
    writers = writers or [piece for piece in pieces if bylines.names_in_writers_place(piece)]
    return _byline_text(writers[0]) if len(writers) == 1 else None


def _fields(text: str) -> list[str]:
    """The fields of a publication line, a label set off by a bar ("文 | 某某") kept with its value."""
    parts = _FIELD_SEPARATOR.split(_LABEL_BAR.sub(r"\1：", text))
    return [f for part in parts for f in _NEXT_LABEL.split(part) if f]


def _fields_with_names(text: str) -> bool:
    return any(_BYLINE_FIELD.match(f) for f in _fields(text))


def _plain_byline(block: Block, text: str) -> bool:
    """An unlabelled line under a headline that can be a byline: short, no date, no fields, no punctuation."""
    if furniture.is_date_line(text) or len(text) > 30 or any(c in text for c in "：:|｜。，,？！?!“”《》"):
        return False
    return _marked(block, _BYLINE_CLASS) or not block.level


def _byline_text(text: str) -> str:
    """The names of a byline, separated by spaces as the text pages print them (a date after them dropped)."""
    names = _DATE_AFTER.split(text.strip())[0]
    return " ".join(_NAME_SEPARATOR.split(names))


def _pointed_at(article: _Article, reading: _Reading) -> bool:
    """A table of contents on the page links to this head."""
    return any(name in reading.toc_targets for b in reading.blocks[article.start:article.title.index + 1]
               for name in b.anchors)


def _marked(block: Block, words: re.Pattern[str]) -> bool:
    """An element holding exactly the block's text is named, by class or id, for what the pattern says.

    Page authors name the element that holds a kicker or a byline ("kicker", "author"), whether it is the
    block element, an inline element around all of its text, or a wrapper around the block alone.
    """
    own = _squeeze(block.text)
    for element in block.element.iter():
        if _named(element, words) and _squeeze(element.text_content()) == own:
            return True
    for element in block.element.iterancestors():
        if _named(element, words):  # the first named wrapper decides: those around it hold more still
            return _squeeze(element.text_content()) == own
    return False


def _marked_part(block: Block, words: re.Pattern[str]) -> str | None:
    """The text of an element inside the block named for what the pattern says ("tag", "column"), if any."""
    for element in block.element.iterdescendants():
        if _named(element, words):
            text = " ".join(element.text_content().split())
            if text and text != block.text and len(text) <= TITLE_MAX:
                return text
    return None


def _named(element: _Element, words: re.Pattern[str]) -> bool:
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return isinstance(element.tag, str) and bool(words.search(names))


# --- bodies ------------------------------------------------------------------


def _gather_body(article: _Article, reading: _Reading, end: int, titles: list[_Article]) -> None:
    """The article's text: the blocks after its head that belong to it, up to where it ends."""
    container = _container(article, titles, reading)
    main = _main_kept(article, reading, end)
    if main is None:
        return  # text trafilatura left out, under a head without evidence: a teaser, a sidebar box
    span = _main_span(main)
    ended = False
    for block in reading.blocks[article.body_start:end]:
        text = block.text
        if container is not None and not _contains(container, block.element):
            continue
        if article.url is None and _original_link(block):
            article.url = _original_link(block)
        if ended:
            if _BRACKET_NOTE.match(text) and not furniture.is_furniture(text):
                article.body.append(block)
            continue
        if not _in_main(block, main, span) or _furniture_in_body(block):
            continue
        if _original_link(block):
            ended = True
            continue
        article.body.append(block)
        ended = bool(_AUTHOR_NOTE.match(text))
    while article.body and furniture.is_trailer(article.body[-1].text):
        article.body.pop()
    if article.url is None and article.title.link and article.title.link.startswith(("http://", "https://")):
        article.url = article.title.link


def _container(article: _Article, titles: list[_Article], reading: _Reading) -> _Element | None:
    """The largest element holding the headline and no other article's: the article's own box, if it has one."""
    others = [t.title.element for t in titles if t is not article]
    box = None
    for element in [article.title.element, *article.title.element.iterancestors()]:
        if any(_contains(element, other) for other in others):
            break
        box = element
    if box is None or not titles[1:] or article.body_start >= len(reading.blocks):
        return None
    if not _contains(box, reading.blocks[article.body_start].element):
        return None  # the page is flat: the box holds the head only, the text follows outside it
    return box


def _main_kept(article: _Article, reading: _Reading, end: int) -> _Reading | None:
    """What bounds the article's text: trafilatura's main text when it holds the article's first prose.

    trafilatura picks one main block; in a newsletter it may pick one story of several. An article
    head with evidence whose text it left out is read on the head's evidence alone (no main text); one
    without evidence is dropped (None).
    """
    prose = next((b for b in reading.blocks[article.body_start:end] if is_prose(b.text)), None)
    if prose is None or _in_main_text(prose, reading):
        return reading
    return replace(reading, main="") if article.evidence or article.plain_byline or article.plain_column else None


def _main_span(reading: _Reading) -> tuple[int, int]:
    """The first and last block of the page's main text, as trafilatura found it (all blocks when it found none)."""
    kept = [b.index for b in reading.blocks if (is_prose(b.text) or _runs_on(b, reading)) and _in_main_text(b, reading)]
    return (kept[0], kept[-1]) if kept else (0, len(reading.blocks))


def _in_main_text(block: Block, reading: _Reading) -> bool:
    return not reading.main or _squeeze(block.text) in reading.main


def _in_main(block: Block, reading: _Reading, span: tuple[int, int]) -> bool:
    """Whether a block is part of the main text: prose trafilatura kept, or a short line inside its span."""
    if not span[0] <= block.index <= span[1] and not _AUTHOR_NOTE.match(block.text):
        return False
    return not is_prose(block.text) or _in_main_text(block, reading)


def _furniture_in_body(block: Block) -> bool:
    text = block.text
    if furniture.is_furniture(text) or furniture.is_date_line(text) and len(text) <= TITLE_MAX:
        return True
    return block.linked > 0.5 and not is_prose(text)  # a link list (related articles, tags) inside the text


def _original_link(block: Block) -> str | None:
    """The target of a "阅读原文" link in the block."""
    for text, href in block.links:
        if furniture.reads_original(text) and href.startswith(("http://", "https://")):
            return href
    return None


def _headless(reading: _Reading) -> list[_Article]:
    """A page with no headline over its text: its main text as one article, under the page's title if known."""
    span = _main_span(reading)
    body = [b for b in reading.blocks if _in_main(b, reading, span) and is_prose(b.text)
            and not _furniture_in_body(b)]
    if not body:
        return []
    title = Block(text=reading.title or "", element=body[0].element, tag="title", level=None, size=None,
                  bold=False, links=(), linked=0.0, index=body[0].index)
    return [_Article(title=title, start=body[0].index, body_start=body[0].index, body=body)]


# --- lines -------------------------------------------------------------------


def _emit(articles: list[_Article], reading: _Reading) -> list[Line]:
    """The articles as the lines the parser reads, a blank line between articles."""
    lines: list[Line] = []
    for number, article in enumerate(articles):
        if lines:
            lines.append(Line(""))
        lines += _head_lines(article, number, reading)
        lines.append(Line("", block=number))
        lines += [_body_line(b, number, reading) for b in article.body]
    return lines


def _head_lines(article: _Article, number: int, reading: _Reading) -> list[Line]:
    lines = []
    if article.over_title:
        lines.append(Line(article.over_title, role="over-title", block=number))
    title = article.title
    if title.text:
        text = title.text if not article.column or title.text.endswith(("）", ")")) else \
            f"{title.text}（{article.column}）"
        role = "page-title" if title.tag == "title" else "title"  # a headless page's own title stands in
        lines.append(Line(text, size=_relative(title, reading), bold=title.bold, role=role, block=number,
                          url=article.url))
    if article.subtitle:
        lines.append(Line(article.subtitle, role="subtitle", block=number))
    if article.byline:
        lines.append(Line(article.byline, role="byline", block=number))
    return lines


def _body_line(block: Block, number: int, reading: _Reading) -> Line:
    text = block.text
    if _AUTHOR_NOTE.match(text) or _BRACKET_NOTE.match(text) and not is_prose(text):
        role = "note"
    elif block.list_kind:
        role = "list-item"
    elif not is_prose(text) and not _runs_on(block, reading):
        role = "heading"
    else:
        role = "paragraph"
    return Line(text, size=_relative(block, reading), bold=block.bold, boxed=block.quote, role=role, block=number)


def _relative(block: Block, reading: _Reading) -> float | None:
    return round(block.size / reading.body_size, 2) if block.size else None


def _with_url(line: Line, url: str | None) -> Line:
    return replace(line, url=url) if url else line
