"""HTML markup into blocks: the text of each block element, in document order, with its typography.

A browser shows a page as a column of blocks (paragraphs, headings, list items,
table cells, lines broken by `<br>`); this module reads the markup the same way
and keeps, for each block, what the markup says about it: the element and its
heading level, the font size and weight set by inline styles (newsletters style
every element inline), whether its text is one link and where to, and whether
it sits in a list or a quotation. What a reader never sees is skipped: scripts,
styles, forms, navigation, hidden elements (a mail's preheader).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html
from lxml.etree import ParserError, _Comment, _Element, _ProcessingInstruction

from digest import zh

# Elements whose content a reader never sees as text of the page.
_SKIPPED = frozenset({
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object", "embed",
    "svg", "canvas", "form", "button", "select", "input", "textarea", "option", "nav", "aside", "footer",
    "menu", "dialog", "audio", "video", "map",
    "figcaption",  # a picture's caption: the digest carries no pictures, and it is no part of the text
})
# Elements that start and end a block of text; everything else flows inside one.
_BLOCKS = frozenset({
    "html", "body", "main", "article", "section", "header", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "blockquote", "pre", "figure", "figcaption", "address", "center", "hr", "details", "summary", "fieldset",
    "legend", "hgroup",
})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BOLD_TAGS = frozenset({"b", "strong", "th", *_HEADINGS})
# Browsers' default font sizes (px) of the elements that have their own.
_DEFAULT_SIZES = {"h1": 32.0, "h2": 24.0, "h3": 18.72, "h4": 16.0, "h5": 13.28, "h6": 10.72}
BODY_SIZE = 16.0  # a browser's default font size, the base of em and rem

# One declaration of an inline style: "name: value".
_DECLARATION = re.compile(r"([\w-]+)\s*:\s*([^;]+)")
# A CSS length: a number and its unit.
_LENGTH = re.compile(r"^([0-9.]+)\s*(px|pt|em|rem|%)?$")
_KEYWORD_SIZES = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
                  "x-large": 24.0, "xx-large": 32.0, "smaller": 13.0, "larger": 19.0}
# Whitespace that holds a line break between two CJK characters: source wrapping, which shows as nothing.
_CJK_WRAP = re.compile(f"(?<=[{zh.CJK}{zh.CJK_PUNCT}])[ \t\u00a0]*[\r\n][\\s\u00a0]*(?=[{zh.CJK}{zh.CJK_PUNCT}])")
# A run of spacing that sets things apart (an ideographic space, two spaces or more): kept as two spaces.
_WIDE_SPACE = re.compile(r"[\s\u00a0\u3000]*(?:\u3000|[ \t\u00a0]{2})[\s\u00a0\u3000]*")
# Any other run of spacing.
_SPACES = re.compile(r"[\s\u00a0]+")
# Characters that take no room: zero-width spaces and joiners, a stray byte-order mark.
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
# An XML declaration, which lxml refuses in a string it is to parse.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass(frozen=True)
class Block:
    """One block of the page as a browser would show it, with what its markup says."""

    text: str
    element: _Element  # the block element the text belongs to
    tag: str
    level: int | None  # 1-6 for h1-h6
    size: float | None  # font size in px, when inline styles or the element set one
    bold: bool  # every character bold (b/strong, headings, font-weight)
    links: tuple[tuple[str, str], ...]  # (text, href) of each link in the block
    linked: float  # share of the characters inside links
    list_kind: str | None = None  # "ul" or "ol" for a list item
    ordinal: int | None = None  # a list item's number in its ordered list
    quote: bool = False  # inside a blockquote
    anchors: tuple[str, ...] = ()  # ids and names at or inside the block: where a table of contents points
    index: int = 0  # position in the page's blocks

    @property
    def link(self) -> str | None:
        """The href when all of the block's text is one link's."""
        hrefs = {href for _, href in self.links}
        return hrefs.pop() if len(hrefs) == 1 and self.linked > 0.999 else None


@dataclass
class _Style:
    size: float | None = None
    bold: bool = False
    href: str | None = None


@dataclass
class _Piece:
    text: str
    style: _Style


@dataclass
class _Walker:
    blocks: list[Block] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    open_blocks: list[_Element] = field(default_factory=list)

    def flush(self) -> None:
        if not self.pieces:
            self.anchors.clear()
            return
        # source line breaks inside one text node are wrapping; between two elements they keep a space
        text = _clean_text("".join(_CJK_WRAP.sub("", p.text) for p in self.pieces))
        if text and self.open_blocks:
            self.blocks.append(_block(text, self.pieces, self.open_blocks[-1], tuple(self.anchors), len(self.blocks)))
        self.pieces = []
        self.anchors.clear()

    def walk(self, element: _Element, style: _Style) -> None:
        tag = _tag(element)
        if tag == "br":
            if self.open_blocks and _tag(self.open_blocks[-1]) in _HEADINGS:
                self.pieces.append(_Piece(" ", style))  # a headline set over two lines is one headline
            else:
                self.flush()
            return
        if tag in _SKIPPED or _hidden(element):
            return
        block = tag in _BLOCKS
        if block:
            self.flush()
            self.open_blocks.append(element)
        for name in (element.get("id"), element.get("name")):
            if name and name not in self.anchors:
                self.anchors.append(name)
        inner = _inner_style(element, tag, style)
        if element.text:
            self.pieces.append(_Piece(element.text, inner))
        for child in element:
            if not isinstance(child, (_Comment, _ProcessingInstruction)):
                self.walk(child, inner)
            if child.tail:
                self.pieces.append(_Piece(child.tail, inner))
        if block:
            self.flush()
            self.open_blocks.pop()


def parse_markup(text: str) -> _Element:
    """The document tree of an HTML text (a fragment gets the html and body it lacks)."""
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        return lxml_html.document_fromstring(text)
    except (ParserError, ValueError):
        return lxml_html.document_fromstring(f"<html><body>{text or ' '}</body></html>")


def page_blocks(root: _Element) -> list[Block]:
    """The blocks of a document in reading order."""
    walker = _Walker()
    body = root.find("body")
    walker.open_blocks.append(root)
    walker.walk(body if body is not None else root, _Style())
    walker.flush()
    return walker.blocks


def _tag(element: _Element) -> str:
    tag = element.tag
    return tag.lower().rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _styles(element: _Element) -> dict[str, str]:
    return {name.lower(): value.strip().lower() for name, value in _DECLARATION.findall(element.get("style") or "")}


def _hidden(element: _Element) -> bool:
    """Hidden from the reader: the hidden attribute, display:none, visibility:hidden, a collapsed box."""
    if element.get("hidden") is not None:
        return True
    styles = _styles(element)
    if styles.get("display") == "none" or styles.get("visibility") == "hidden" or styles.get("mso-hide") == "all":
        return True
    return styles.get("max-height", "").startswith("0") and styles.get("overflow") == "hidden"


def _inner_style(element: _Element, tag: str, outer: _Style) -> _Style:
    styles = _styles(element)
    size = _font_size(styles.get("font-size"), outer.size) or _DEFAULT_SIZES.get(tag) or outer.size
    weight = styles.get("font-weight", "")
    bold = outer.bold or tag in _BOLD_TAGS
    if weight:
        bold = weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600)
    href = element.get("href") if tag == "a" and element.get("href") else outer.href
    return _Style(size, bold, href)


def _font_size(value: str | None, outer: float | None) -> float | None:
    if not value:
        return None
    if value in _KEYWORD_SIZES:
        return _KEYWORD_SIZES[value]
    match = _LENGTH.match(value.replace("!important", "").strip())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "px"
    base = outer or BODY_SIZE
    return {"px": number, "pt": number * 4 / 3, "em": number * base, "rem": number * BODY_SIZE,
            "%": number * base / 100}[unit]


def _clean_text(text: str) -> str:
    parts = _WIDE_SPACE.split(_ZERO_WIDTH.sub("", text))
    return "  ".join(_SPACES.sub(" ", part) for part in parts).strip()


def _block(text: str, pieces: list[_Piece], element: _Element, anchors: tuple[str, ...], index: int) -> Block:
    weights = [(len(p.text.strip()), p.style) for p in pieces if p.text.strip()]
    total = sum(n for n, _ in weights) or 1
    bold = all(style.bold for _, style in weights)
    linked = sum(n for n, style in weights if style.href) / total
    links: dict[str, str] = {}
    for piece in pieces:
        if piece.style.href and piece.text.strip():
            links[piece.style.href] = links.get(piece.style.href, "") + piece.text
    sizes: dict[float, int] = {}
    for n, style in weights:
        if style.size:
            sizes[style.size] = sizes.get(style.size, 0) + n
    size = max(sizes, key=lambda s: sizes[s]) if sizes else None
    tag = _tag(element)
    parent_list = element.getparent() if tag == "li" else None
    list_kind = _tag(parent_list) if parent_list is not None and _tag(parent_list) in ("ul", "ol") else None
    ordinal = None
    if list_kind == "ol" and parent_list is not None:
        ordinal = 1 + sum(1 for sibling in element.itersiblings(preceding=True) if _tag(sibling) == "li")
    quote = any(_tag(a) == "blockquote" for a in element.iterancestors()) or tag == "blockquote"
    return Block(text=text, element=element, tag=tag, level=_HEADINGS.get(tag), size=size, bold=bold,
                 links=tuple((_clean_text(text), href) for href, text in links.items()), linked=linked,
                 list_kind=list_kind, ordinal=ordinal, quote=quote, anchors=anchors, index=index)
