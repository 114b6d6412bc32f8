"""Sources: where issues come from, each handing over `RawIssue`s.

A source is one module implementing `Source`; `make_sources` is the one place
that builds them from the settings: the inbox folder, then each `[[sources]]`
table in the order the config lists them (`feed`: `feed.FeedSource`, `imap`:
`mailbox.MailboxSource`). The pipeline only sees the protocol: it asks every
source for what it holds, skips what the state already took, and hands the
rest to the extractors. A source that cannot be reached hands over one
failure naming it, and the others still go out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from digest.config import Settings
from digest.models import IssueFailure, RawIssue
from digest.source_settings import FeedSettings, MailboxSettings
from digest.sources.folder import FolderSource


class Source(Protocol):
    """Somewhere new issues arrive: the inbox folder, a feed, a mailbox."""

    name: str  # how messages name the source

    def fetch(self) -> Iterator[RawIssue | IssueFailure]:
        """Every issue the source holds now, oldest name first; what cannot be read, as a failure."""
        ...


def make_sources(settings: Settings, *, record: bool = True) -> list[Source]:
    """The sources the settings configure: the inbox folder, then the feeds and mailboxes.

    With `record=False` (previews, dry runs) feeds and mailboxes remember nothing of what they fetch.
    """
    sources: list[Source] = [FolderSource(settings.inbox, settings.patterns, settings.config_path,
                                                settle_seconds=settings.settle_seconds,
                                                max_bytes=settings.max_issue_bytes)]
    if not settings.sources:
        return sources  # the feed and mailbox modules (lxml, ssl, imaplib) load only for an inbox that has them
    from digest.sources.feed import FeedSource
    from digest.sources.mailbox import MailboxSource
    from digest.sources.web import HostPacer

    pacer = HostPacer()  # one for the run: the delay holds between feeds on one host too
    for configured in settings.sources:
        if isinstance(configured, FeedSettings):
            sources.append(FeedSource(configured, settings.database, pacer, record=record))
        elif isinstance(configured, MailboxSettings):
            sources.append(MailboxSource(configured, settings.database, record=record))
    return sources
