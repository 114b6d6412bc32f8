"""RSS and Atom feeds: the entries a feed has that no digest took yet, as one issue named after the feed.

- Fetching (`web.http_get`): a conditional GET with the ETag and Last-Modified
  the server gave last time, so a feed with nothing new costs a 304; bounded
  in time, size and redirects; a delay between requests to one host.
- Parsing: feedparser (BSD) reads the bytes fetched, RSS 0.9x–2.0 and Atom
  alike; bytes it finds no feed in are a failure, not an empty feed.
- The issue: the new entries as one HTML newsletter, an entry an article (its
  headline linking to the entry's page, its author as byline, its content as
  paragraphs), read by the HTML extractor like any saved page. With
  `fetch_pages` the entry's page is fetched and its article text (through the
  HTML extractor) replaces the feed's summary; a page that cannot be read
  leaves the feed's own content, when it has some.
- Identity: an entry is known by its link (its GUID when it has none), only to
  avoid fetching its page again; what is sent once is decided, as for every
  source, by the article fingerprint (`pipeline.drop_sent_articles`), so a feed
  that re-publishes or changes its GUIDs sends nothing twice.
- Memory (`state`): entries count as taken, and the validators are sent back,
  only once the digest holding them is written. A feed that cannot be fetched
  or read is one failure naming the source; it is tried again next run.
"""

from __future__ import annotations

import hashlib
import html
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.errors import IssueError, SourceError
from digest.extract.html import HtmlExtractor
from digest.models import IssueFailure, Line, RawIssue
from digest.source_settings import FeedSettings
from digest.sources import state
from digest.sources.web import HostPacer, Limits, Response, http_get

LOGGER = logging.getLogger(__name__)

FEED_TYPES = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
PAGE_TYPES = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
_TEXT_ROLES = {"paragraph": "p", "heading": "h3", "list-item": "p", "note": "p"}  # page lines kept, as what


@dataclass(frozen=True)
class Entry:
    """One feed entry as the issue shows it."""

    key: str  # the entry's link, else its GUID: what `state` remembers it by
    title: str
    url: str
    author: str
    content: str  # HTML: the feed's content or summary, or the paragraphs of the entry's page


class FeedSource:
    """One RSS or Atom feed."""

    def __init__(self, settings: FeedSettings, database: Path, pacer: HostPacer | None = None, *,
                 record: bool = True) -> None:
        self.settings = settings
        self.database = database
        self.record = record  # False for previews and dry runs: remember nothing
        self.pacer = pacer or HostPacer()
        self.name = settings.name
        self.limits = Limits(settings.timeout, settings.max_bytes, settings.max_redirects)

    def fetch(self) -> Iterator[RawIssue | IssueFailure]:
        with state.source_state(self.database, record=self.record) as db:
            try:
                raw = self._fetch_new(db)
            except SourceError as e:
                yield IssueFailure(self.name, f"{self.name}: {e}")
                return
            if raw is not None:
                yield raw

    def _fetch_new(self, db: sqlite3.Connection) -> RawIssue | None:
        """The new entries as an issue, noted as pending; None when the feed has nothing new."""
        validators = self._settle(db)
        reply = self._get(self.settings.url, FEED_TYPES, validators)
        if reply.not_modified:
            LOGGER.info("%s: not modified", self.name)
            return None
        taken = state.taken_entries(db, self.name)
        fresh = [e for e in read_entries(reply, self.name) if e.key not in taken]
        new_validators = state.Validators(reply.etag, reply.last_modified)
        if not fresh:
            state.drop_pending(db, self.name)  # whatever open notes named is taken or gone from the feed
            state.save_feed_validators(db, self.name, self.settings.url, new_validators)
            return None
        entries, complete = self._with_pages(fresh)
        raw = feed_issue(self.name, self.settings.url, entries)
        state.drop_pending(db, self.name)
        state.add_pending(db, self.name, raw.id, {
            "entries": [e.key for e in entries],
            # an entry left out this run comes back only if the next GET is not answered 304
            "etag": new_validators.etag if complete else None,
            "last_modified": new_validators.last_modified if complete else None})
        return raw

    def _settle(self, db: sqlite3.Connection) -> state.Validators:
        """Take the entries of issues now done; the validators to send, none while an issue is still open."""
        notes, still_open = state.settle(db, self.name)
        for note in notes:
            state.take_entries(db, self.name, note["entries"])
            state.save_feed_validators(db, self.name, self.settings.url,
                                       state.Validators(note.get("etag"), note.get("last_modified")))
        if still_open:
            return state.Validators()  # that issue's entries must come back: ask for the whole feed
        return state.feed_validators(db, self.name, self.settings.url)

    def _get(self, url: str, accept: str, validators: state.Validators | None = None) -> Response:
        self.pacer.wait(url, self.settings.delay)
        validators = validators or state.Validators()
        return http_get(url, self.limits, etag=validators.etag, last_modified=validators.last_modified,
                        accept=accept)

    def _with_pages(self, entries: list[Entry]) -> tuple[list[Entry], bool]:
        """The entries with their pages' text when `fetch_pages` is on; and whether none had to be left out."""
        if not self.settings.fetch_pages:
            return entries, True
        kept = []
        for entry in entries:
            page_text = self._page_text(entry)
            if page_text:
                kept.append(Entry(entry.key, entry.title, entry.url, entry.author, page_text))
            elif _has_text(entry.content):
                kept.append(entry)
            else:
                LOGGER.warning("%s: %s: left for the next run (no page text, no content in the feed)",
                               self.name, entry.url)
        return kept, len(kept) == len(entries)

    def _page_text(self, entry: Entry) -> str:
        """The article text of the entry's page as HTML paragraphs; "" when it cannot be fetched or read."""
        if not entry.url:
            return ""
        try:
            reply = self._get(entry.url, PAGE_TYPES)
            page = HtmlExtractor().extract(RawIssue(id="", origin=reply.url, name=entry.url, data=reply.body,
                                                    media_type=reply.content_type))
        except (SourceError, IssueError) as e:
            LOGGER.warning("%s: the feed's own content stands in: %s", self.name, e)
            return ""
        return article_html(page.lines)


def read_entries(reply: Response, source: str) -> list[Entry]:
    """The feed's entries in the order it lists them; `SourceError` when the bytes hold no RSS or Atom feed."""
    import feedparser

    parsed = feedparser.parse(reply.body, response_headers={"content-location": reply.url,
                                                            "content-type": reply.content_type})
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(f"{reply.url}: not an RSS or Atom feed")
    entries, seen = [], set()
    for item in parsed.entries:
        entry = _entry(item)
        if entry is not None and entry.key not in seen:
            seen.add(entry.key)
            entries.append(entry)
    return entries


def _entry(item: Any) -> Entry | None:
    url = str(item.get("link") or "")
    key = url or str(item.get("id") or "") or str(item.get("title") or "")
    if not key:
        return None
    return Entry(key=key, title=str(item.get("title") or ""), url=url, author=str(item.get("author") or ""),
                 content=_content(item))


def _content(item: Any) -> str:
    """The entry's fullest text as HTML: its content, else its summary; plain text gets paragraphs."""
    details = list(item.get("content") or []) + ([item["summary_detail"]] if item.get("summary_detail") else [])
    for detail in details:
        value = str(detail.get("value") or "")
        if not value.strip():
            continue
        if "html" in str(detail.get("type") or ""):
            return value
        return "".join(f"<p>{html.escape(p.strip())}</p>" for p in value.splitlines() if p.strip())
    return ""


def _has_text(content: str) -> bool:
    import lxml.html

    return bool(content.strip()) and bool(lxml.html.fromstring(f"<div>{content}</div>").text_content().strip())


def article_html(lines: tuple[Line, ...]) -> str:
    """The body of a page's first article (as the HTML extractor read it) as HTML paragraphs and headings."""
    first = next((line.block for line in lines if line.role in _TEXT_ROLES), None)
    return "".join(f"<{_TEXT_ROLES[line.role]}>{html.escape(line.text)}</{_TEXT_ROLES[line.role]}>"
                   for line in lines if line.block == first and line.role in _TEXT_ROLES)


def feed_issue(name: str, url: str, entries: list[Entry]) -> RawIssue:
    """The entries as one HTML newsletter named after the feed, identified by the feed and its entries."""
    identity = hashlib.sha256("\n".join([url, *sorted(e.key for e in entries)]).encode()).hexdigest()
    parts = [f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(name)}</title></head><body>']
    parts += [_entry_html(e) for e in entries]
    parts.append("</body></html>")
    return RawIssue(id=identity, origin=url, name=name, data="".join(parts).encode(),
                    media_type="text/html; charset=utf-8", metadata={"title": name})


def _entry_html(entry: Entry) -> str:
    href = html.escape(entry.url, quote=True)
    title = html.escape(entry.title or entry.url)
    headline = f'<h2><a href="{href}">{title}</a></h2>' if entry.url else f"<h2>{title}</h2>"
    byline = f'<p class="byline">作者：{html.escape(entry.author)}</p>' if entry.author else ""
    original = f'<p><a href="{href}">阅读原文</a></p>' if entry.url else ""
    return f"<article>{headline}{byline}{entry.content}{original}</article>"
