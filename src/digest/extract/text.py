"""Plain-text issues: decoding, and the physical lines the parser reflows.

Decoding relies on byte-order marks first (UTF-8, UTF-16), then on the zero
bytes of UTF-16 without a mark, then on strict UTF-8, then on GB18030 (a
superset of GBK and GB2312, the usual legacy encodings of Chinese text). A file
with NUL bytes that is not UTF-16, or one that decodes to text without Chinese
or Latin letters, is reported as not a text issue.
Text carries no layout hints: every `Line` keeps its defaults.
"""

from __future__ import annotations

import codecs

from digest.errors import IssueError
from digest.extract.sniff import describe_binary, utf16_text
from digest.models import Line, Page, RawIssue

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class TextExtractor:
    """Plain text in UTF-8, UTF-16 or GB18030: the extractor of last resort, for bytes of no binary format."""

    name = "text"

    def accepts(self, raw: RawIssue) -> bool:
        return describe_binary(raw.data) is None

    def extract(self, raw: RawIssue) -> Page:
        if not raw.data.strip():
            raise IssueError(f"{raw.origin}: the file is empty")
        text, encoding = decode_bytes(raw.data, raw.origin)
        if not any(c.isalpha() for c in text):
            raise IssueError(f"{raw.origin}: no text in the file")
        return page_from_text(text, name=raw.name, origin=raw.origin, id=raw.id, encoding=encoding)


def page_from_text(text: str, name: str = "page.txt", origin: str | None = None, id: str = "",
                   encoding: str = "utf-8") -> Page:
    """A page of plain text: one `Line` per physical line, line ends of any convention."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Page(id=id, name=name, origin=origin or name, lines=tuple(Line(t) for t in text.split("\n")),
                encoding=encoding)


def decode_bytes(raw: bytes, origin: str) -> tuple[str, str]:
    """Decode an issue's bytes, returning the text and the encoding used."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as e:
                raise IssueError(f"{origin}: broken {encoding} text at byte {e.start}") from e
    if b"\x00" in raw:
        text = utf16_text(raw)
        if text is None:
            raise IssueError(f"{origin}: binary file, not text")
        return text, "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise IssueError(f"{origin}: not UTF-8, UTF-16 or GB18030 text")
