"""Extractors: a `RawIssue`'s bytes into a `Page` of lines in reading order.

An extractor is chosen by what the bytes are, not by the file's name or what
the source claims, so a PDF or an HTML page saved as `.txt` is still read as
what it is. Each extractor is one module implementing `Extractor`; `extractors()`
is the one place that lists them, tried in order, the first that accepts the
bytes wins (plain text comes last: it takes whatever no other one claims and
that is not a known binary format). Bytes no extractor takes raise
`UnsupportedIssueError` naming what they are ("a PNG image").

Some files hold several issues: an mbox file holds one newsletter mail after
another. A `Container` splits such a file into its issues before extraction
(`unpack_issues`), so each mail keeps an identity of its own: a mail appended
to the file later is new, the ones already taken are not.

Every run unpacks every file to learn what is new, but extracts only the new
issues: the containers are imported with this package, the extractors (which
load pdfminer, lxml and trafilatura) only when a first issue is read.
"""

from __future__ import annotations

import functools
from typing import Protocol

from digest.errors import UnsupportedIssueError
from digest.extract.mbox import MboxContainer
from digest.extract.sniff import describe_binary
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


class Container(Protocol):
    """A file holding several issues, each to be taken on its own (an mbox of newsletter mails)."""

    name: str  # what the file is, for messages ("mbox")

    def accepts(self, raw: RawIssue) -> bool:
        """Whether the bytes are this kind of container (by their content)."""
        ...

    def unpack(self, raw: RawIssue) -> list[RawIssue]:
        """The issues it holds, each with its own identity; `IssueError` when it cannot be read."""
        ...


CONTAINERS: tuple[Container, ...] = (MboxContainer(),)


@functools.cache
def extractors() -> tuple[Extractor, ...]:
    """Every extractor, in the order they are tried; an attachment of a mail is read by the first that accepts it."""
    # Imported on first use: pdfminer, lxml and the email package take longer to load than a run
    # that finds nothing new takes in all, and such a run extracts nothing.
    from digest.extract.html import HtmlExtractor
    from digest.extract.mail import MailExtractor
    from digest.extract.pdf import PdfExtractor
    from digest.extract.text import TextExtractor

    return (PdfExtractor(), MailExtractor(extract_page), HtmlExtractor(), TextExtractor())


def find_extractor(raw: RawIssue) -> Extractor:
    """The first extractor that accepts the bytes; `UnsupportedIssueError` saying what they are when none does."""
    for extractor in extractors():
        if extractor.accepts(raw):
            return extractor
    raise UnsupportedIssueError(f"{raw.origin}: {describe_binary(raw.data) or 'an unknown format'}, not an issue")


def extract_page(raw: RawIssue) -> Page:
    """The page of an issue, read by the first extractor that accepts its bytes."""
    return find_extractor(raw).extract(raw)


def unpack_issues(raw: RawIssue) -> list[RawIssue]:
    """The issues a file holds: each mail of an mbox, else the file itself."""
    for container in CONTAINERS:
        if container.accepts(raw):
            return container.unpack(raw)
    return [raw]
