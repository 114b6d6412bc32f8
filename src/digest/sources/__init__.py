"""Sources: where issues come from, each handing over `RawIssue`s.

A source is one module implementing `Source`; `make_sources` is the one place
that builds them from the settings. The pipeline only sees the protocol: it
asks every source for what it holds, skips what the state already took, and
hands the rest to the extractors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from digest.config import Settings
from digest.models import IssueFailure, RawIssue
from digest.sources.folder import FolderSource


class Source(Protocol):
    """Somewhere new issues arrive: a folder today."""

    name: str  # how messages name the source

    def fetch(self) -> Iterator[RawIssue | IssueFailure]:
        """Every issue the source holds now, oldest name first; what cannot be read, as a failure."""
        ...


def make_sources(settings: Settings) -> list[Source]:
    """The sources the settings configure: the inbox folder."""
    return [FolderSource(settings.inbox, settings.patterns, settings.config_path,
                         settle_seconds=settings.settle_seconds, max_bytes=settings.max_issue_bytes)]
