"""Extractors: a `RawIssue`'s bytes into a `Page` of lines in reading order.

An extractor is chosen by what the bytes are, not by the file's name or what
the source claims, so a PDF or an HTML page saved as `.txt` is still read as
what it is. Each extractor is one module implementing `Extractor`; `EXTRACTORS`
is the one place that lists them, tried in order, the first that accepts the
bytes wins (plain text comes last: it takes whatever no other one claims).
"""

from __future__ import annotations

from typing import Protocol

from digest.extract.pdf import PdfExtractor
from digest.extract.text import TextExtractor
from digest.models import Page, RawIssue


class Extractor(Protocol):
    """Turns one kind of document into a `Page`."""

    name: str  # what the document is, for messages ("text", "PDF", "HTML")

    def accepts(self, raw: RawIssue) -> bool:
        """Whether the bytes are this kind of document (by their content)."""
        ...

    def extract(self, raw: RawIssue) -> Page:
        """The document's lines in reading order; `IssueError` naming the origin when it cannot be read."""
        ...


EXTRACTORS: tuple[Extractor, ...] = (PdfExtractor(), TextExtractor())


def extract_page(raw: RawIssue) -> Page:
    """The page of an issue, read by the first extractor that accepts its bytes."""
    extractor = next(e for e in EXTRACTORS if e.accepts(raw))
    return extractor.extract(raw)
