"""The digest job, stage by stage: inbox → parse (with lists) → drop repeats →
summaries → themes → render → deliver → state. No printing here; the CLI reports
what comes back. A backlog's parsing and summaries run in worker processes
(`digest.workers`).

Guarantees the operator relies on:
- only one run at a time (an exclusive lock beside the database);
- an issue is marked done only after its digest is safely written, in one
  transaction with the digest row and the articles it sent;
- a digest is named by what it contains, so a run that dies after writing it
  and is started again rewrites the same files instead of adding a second copy;
- one bad issue is reported and retried next run, the others still go out;
- in SMTP mode the digest's snapshot is kept, and every run (also one with
  nothing new) sends what the delivery ledger still holds (see `sending`);
  with the state on a PostgreSQL server the run only plans the deliveries,
  and `digest send --worker` processes on any machines send them
  (`send_as_worker`).

The heavy stages (extractors with pdfminer and lxml, jieba, numpy, jinja2, premailer) are
imported only once there is work.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import itertools
import logging
import os
import signal
import socket
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from digest.config import Settings
from digest.errors import IssueError, UnsupportedIssueError
from digest.extract import extract_page, unpack_issues
from digest.lock import run_lock
from digest.models import Article, Digest, IssueFailure, Page, ParsedIssue, RawIssue, RenderedDigest
from digest.sources import Source, make_sources
from digest.sources.folder import read_file
from digest.store import Store
from digest.workers import HANDFUL

if TYPE_CHECKING:
    from digest.mail.sending import DeliveryReport
    from digest.summarize import Summarizer
    from digest.themes import ArticleTerms
    from digest.workers import Mapper

LOGGER = logging.getLogger(__name__)

UPDATED_MARK = "（更新）"  # after the title of an article sent again because it came back longer
CRASH_ENV = "DIGEST_TEST_CRASH_AT"  # test-only: kill the run at a named point, as a power cut would
# What the email calls an issue that names itself nowhere, when the config gives no [inbox] name.
UNNAMED_ISSUE = "来稿"

Progress = Callable[[int, int, str], None]  # (issues done, issues in all, current issue)


@dataclass(frozen=True)
class RunReport:
    """What one run did."""

    issues: list[str] = field(default_factory=list)
    failures: list[IssueFailure] = field(default_factory=list)
    articles: int = 0
    repeated_articles: int = 0  # articles skipped because an earlier digest sent them
    paths: dict[str, Path] = field(default_factory=dict)
    dry_run: bool = False
    locked_out: bool = False  # another run held the lock; nothing was done
    delivery: DeliveryReport | None = None  # SMTP mode: what was sent to subscribers this run
    digests: int = 0  # digests written: more than one when the new issues were more than one may hold

    @property
    def nothing_new(self) -> bool:
        return not self.issues and not self.failures and not self.locked_out


def run(settings: Settings, *, dry_run: bool = False, progress: Progress | None = None,
        sources: Sequence[Source] | None = None) -> RunReport:
    """One scheduled run: every new issue of the sources into one digest, delivered and remembered.

    `sources` defaults to those the settings configure (`make_sources`).
    """
    sources = make_sources(settings, record=not dry_run) if sources is None else sources
    check_ready(settings)
    with run_lock(settings.lock_path) as acquired:
        if not acquired:
            return RunReport(locked_out=True)
        with Store.for_settings(settings, existing=dry_run) as store:
            report = _run_locked(settings, sources, store, dry_run, progress)
            if not dry_run and settings.delivery_mode == "smtp":
                report = replace(report, delivery=send_to_subscribers(settings, store))
            return report


def send_as_worker(settings: Settings) -> DeliveryReport | None:
    """`digest send --worker`: send the ledger's due deliveries, sharing them with any other workers.

    On a PostgreSQL server any number of workers on any machines claim batches of rows.
    With the SQLite file the worker takes the run lock, so it is the only sender (None
    when a run or another worker holds it).
    """
    from digest.mail.ledger import open_ledger
    from digest.mail.sending import check_ready as check_sending
    from digest.mail.sending import send_claimed

    check_sending(settings)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    with run_lock(settings.lock_path) if not settings.state_url else nullcontext(True) as acquired:
        if not acquired:
            return None
        with Store.for_settings(settings) as store, open_ledger(store) as ledger:
            return send_claimed(settings, ledger, worker, on_accepted=lambda sent: _crash_point(f"mid-send:{sent}"))


def check_ready(settings: Settings) -> None:
    """A `ConfigError` now, before any work (also of a dry run), for what delivery would lack later."""
    if settings.delivery_mode == "smtp":
        from digest.mail.sending import check_ready as check_sending

        check_sending(settings)


def _run_locked(settings: Settings, sources: Sequence[Source], store: Store, dry_run: bool,
                progress: Progress | None) -> RunReport:
    """The new issues, `max_issues_per_digest` at a time, each batch its own digest.

    Issues are read as the batches need them, so a backlog of thousands is held in memory
    two batches at a time, and one digest too large for an email never holds back the others.
    A backlog's worker processes serve the whole run: while a batch is grouped, rendered and
    recorded here, they parse the next one.
    """
    read_failures: list[IssueFailure] = []
    pages = iter_new_issues(sources, store.taken_hashes(), read_failures)
    report = RunReport(dry_run=dry_run)
    size = settings.max_issues_per_digest
    # Enough of the backlog to tell a handful from more (workers or not), and how many it keeps busy.
    head = list(itertools.islice(pages, size + HANDFUL + 1))
    if head:
        with _run_workers(settings, len(head)) as mapper:
            batches = _Batches(itertools.chain(head, pages), size, mapper)
            while batch := batches.next():
                report = _merged(report, _run_batch(settings, batch, store, dry_run, progress, mapper,
                                                    then=batches.start_next))
    if not dry_run:
        record_failures(store, read_failures)
    return replace(report, failures=read_failures + report.failures)


def _run_workers(settings: Settings, issues: int) -> AbstractContextManager[Mapper]:
    """The run's `map` for the per-issue stages (a process pool's for a backlog); see `worker_map`.

    Workers parse (jieba's dictionary) and work out theme terms (its tags and IDF): those load
    before they fork, once. What this process needs next, the rest of the theme tables and
    the renderer (jinja2, premailer), loads here while the workers parse.
    """
    from digest.themes import load_term_tables
    from digest.workers import worker_map

    return worker_map(settings.processes, issues, preload=load_term_tables, meanwhile=_load_for_digest)


def _load_for_digest() -> None:
    """Load the theme tables and the renderer's libraries now rather than when the first digest needs them."""
    from digest.themes import load_tables

    load_tables()
    importlib.import_module("digest.render")


@dataclass
class _Parsing:
    """A batch of issues handed to the parsers; their results are read when the batch's turn comes."""

    issues: list[Page]
    results: Iterator[ParsedIssue | IssueFailure]

    def collect(self, progress: Progress | None) -> tuple[list[ParsedIssue], list[IssueFailure]]:
        """The batch's parsed issues and failures. The pages keep their identities and let go of their
        lines, which nothing reads after the parser: a backlog's next batch is read meanwhile."""
        parsed, failures = parsed_results(self.issues, self.results, progress)
        self.issues = [replace(issue, lines=()) for issue in self.issues]
        self.results = iter(())
        return parsed, failures


class _Batches:
    """The run's batches of issues, each handed to the parsers before the previous one is finished.

    `start_next` reads the next batch's issues and hands them out; the pipeline calls
    it once the current batch's summaries are handed out, so that the workers parse it
    while this process groups, renders and records the current one. A pool's `map` hands
    out every item at once, the built-in one works when read: one process does the same
    work in the same order.
    """

    def __init__(self, pages: Iterator[Page], size: int, mapper: Mapper) -> None:
        self.pages, self.size, self.mapper = pages, size, mapper
        self.upcoming: _Parsing | None = None

    def start_next(self) -> None:
        if self.upcoming is None:
            issues = list(itertools.islice(self.pages, self.size))
            self.upcoming = _Parsing(issues, self.mapper(_parse_or_fail, issues))

    def next(self) -> _Parsing | None:
        """The batch to finish now (handed out already, or now); None when the backlog is done."""
        self.start_next()
        batch, self.upcoming = self.upcoming, None
        return batch if batch is not None and batch.issues else None


def _merged(before: RunReport, batch: RunReport) -> RunReport:
    return replace(batch, issues=before.issues + batch.issues, failures=before.failures + batch.failures,
                   articles=before.articles + batch.articles, paths=batch.paths or before.paths,
                   repeated_articles=before.repeated_articles + batch.repeated_articles,
                   digests=before.digests + batch.digests)


def _run_batch(settings: Settings, batch: _Parsing, store: Store, dry_run: bool, progress: Progress | None,
               mapper: Mapper = map, then: Callable[[], object] | None = None) -> RunReport:
    """One batch into its digest. `then` is called once its summaries are handed out (see `_Batches`)."""
    parsed, parse_failures = batch.collect(progress)
    issues = batch.issues
    fresh, repeated = drop_sent_articles(parsed, store)
    fresh = summarise_articles(fresh, settings, mapper, then=then)
    failures = parse_failures
    if not dry_run:
        record_failures(store, failures)
    failed = {f.sha256 for f in parse_failures}
    done = [i for i in issues if i.id not in failed]
    report = RunReport(issues=[i.name for i in done], failures=failures, articles=len(fresh),
                       repeated_articles=repeated, dry_run=dry_run)
    if not done:
        return report
    paths: dict[str, Path] = {}
    key = digest_key(fresh)
    if fresh:
        digest = build_digest(fresh, issue_names(parsed, settings), settings, key)
        rendered = render(digest, settings)
        _crash_point("after-render")
        if dry_run:
            return report
        paths = deliver(rendered, digest, settings, key)
        _crash_point("after-deliver")
        if settings.delivery_mode == "smtp":
            keep_snapshot(store, key, digest)
        report = replace(report, digests=1)
    if not dry_run:
        store.record_digest(
            key=key, issues=[(i.id, i.name) for i in done],
            articles=[(article_fingerprint(a), a.display_title, _sha_of(a, done)) for a in fresh],
            paths={kind: str(p) for kind, p in paths.items()}, article_count=len(fresh),
            lengths={article_fingerprint(a): body_length(a) for a in fresh},
        )
    return replace(report, paths=paths)


def read_new_issues(sources: Sequence[Source], done: set[str]) -> tuple[list[Page], list[IssueFailure]]:
    """Every issue the sources hold whose identity is not done yet, as pages; bad ones become failures."""
    failures: list[IssueFailure] = []
    issues = list(iter_new_issues(sources, done, failures))
    return issues, failures


def iter_new_issues(sources: Sequence[Source], done: set[str], failures: list[IssueFailure]) -> Iterator[Page]:
    """The issues of `read_new_issues` one at a time, as they are read; bad ones are added to `failures`."""
    seen = set(done)
    for source in sources:
        for raw in source.fetch():
            if isinstance(raw, IssueFailure):
                if raw.once_key not in seen:  # an entry refused once is not reported again
                    failures.append(raw)
                continue
            for issue in _unpack(raw, failures):
                if issue.id not in seen:
                    seen.add(issue.id)
                    yield from _take(issue, failures)


def _unpack(raw: RawIssue, failures: list[IssueFailure]) -> list[RawIssue]:
    """The issues a file holds (each mail of an mbox); a container that cannot be read is a failure."""
    try:
        return unpack_issues(raw)
    except IssueError as e:
        failures.append(IssueFailure(raw.name, str(e), raw.id))
        return []


def _take(raw: RawIssue, failures: list[IssueFailure]) -> list[Page]:
    """The issue's page, or none and a failure saying why."""
    try:
        return [extract_page(raw)]
    except UnsupportedIssueError as e:  # an image or archive stays one until its bytes change: say so once
        failures.append(IssueFailure(raw.name, str(e), once_key=raw.id))
    except IssueError as e:
        failures.append(IssueFailure(raw.name, str(e), raw.id))
    return []


def read_fresh_articles(issues: list[Page], settings: Settings, store: Store | None,
                        progress: Progress | None = None
                        ) -> tuple[list[ParsedIssue], list[Article], int, list[IssueFailure]]:
    """The issues parsed, and the articles no earlier digest sent, summarised (repeats are never summarised).

    Returns the parsed issues (without summaries), the fresh articles, how many
    repeats were dropped, and the issues that failed. A backlog of more than a
    handful of issues is parsed and summarised in worker processes.
    """
    with _run_workers(settings, len(issues)) as mapper:
        parsed, failures = parse_pages(issues, progress, mapper)
        fresh, repeated = drop_sent_articles(parsed, store)
        return parsed, summarise_articles(fresh, settings, mapper), repeated, failures


def parse_issues(issues: list[Page], settings: Settings,
                 progress: Progress | None = None) -> tuple[list[ParsedIssue], list[IssueFailure]]:
    """Parse and enrich each issue; an issue that fails is reported and the others go on."""
    with _run_workers(settings, len(issues)) as mapper:
        parsed, failures = parse_pages(issues, progress, mapper)
        articles = iter(summarise_articles([a for p in parsed for a in p.articles], settings, mapper))
        return [replace(p, articles=[next(articles) for _ in p.articles]) for p in parsed], failures


def parse_pages(issues: list[Page], progress: Progress | None = None,
                mapper: Mapper = map) -> tuple[list[ParsedIssue], list[IssueFailure]]:
    """Each issue into articles with their lists and their issue's name, no summaries yet; an issue that
    fails is reported and the others go on."""
    return parsed_results(issues, mapper(_parse_or_fail, issues), progress)


def parsed_results(issues: list[Page], results: Iterable[ParsedIssue | IssueFailure],
                   progress: Progress | None = None) -> tuple[list[ParsedIssue], list[IssueFailure]]:
    """The parsed issues and the failures, from each issue's result in order (see `_parse_or_fail`)."""
    parsed, failures = [], []
    for done, (issue, result) in enumerate(zip(issues, results, strict=True)):
        if progress:
            progress(done, len(issues), issue.name)
        if isinstance(result, IssueFailure):
            failures.append(result)
        else:
            parsed.append(result)
            LOGGER.info("%s: %d articles", issue.name, len(result.articles))
    return parsed, failures


def _parse_or_fail(issue: Page) -> ParsedIssue | IssueFailure:
    """One issue's articles, or why it could not be read (what a worker process sends back)."""
    from digest.parse import parse_page

    try:
        parsed = parse_page(issue)
    except IssueError as e:
        return IssueFailure(issue.name, str(e), issue.id)
    return replace(parsed, articles=[replace(a, source=issue.name) for a in parsed.articles])


def summarise_articles(articles: list[Article], settings: Settings, mapper: Mapper = map,
                       then: Callable[[], object] | None = None) -> list[Article]:
    """The articles, in order, each with its summary; an issue's articles go to one worker together.

    Each article's theme terms are worked out with its summary and remembered for its grouping.
    `then` is called once the work is handed out, before its results are waited for.
    """
    from digest.themes import grouped_text, remember_terms

    by_issue: dict[str | None, list[int]] = {}
    for position, article in enumerate(articles):
        by_issue.setdefault(article.source, []).append(position)
    work = partial(_summarised, settings.summary_sentences, settings.summary_max_chars)
    batches = [[articles[i] for i in positions] for positions in by_issue.values()]
    summarised = list(articles)
    results = mapper(work, batches)
    if then is not None:
        then()
    for positions, summaries in zip(by_issue.values(), results, strict=True):
        for position, (summary, terms) in zip(positions, summaries, strict=True):
            article = summarised[position] = replace(articles[position], summary=summary)
            remember_terms(*grouped_text(article), terms)
    return summarised


def _summarised(sentences: int, max_chars: int, articles: list[Article]) -> list[tuple[list[str], ArticleTerms]]:
    """The articles' summaries and theme terms (what a worker process sends back: the articles stay here).

    The terms are worked out here so that a backlog's tokenizing for themes is spread
    over the workers too, instead of done in the run's own process after them.
    """
    from digest.summarize import Summarizer
    from digest.themes import article_terms, grouped_text

    summarizer = Summarizer(sentences=sentences, max_chars=max_chars)
    return [(summarizer.summarize(a), article_terms(*grouped_text(a))) for a in articles]


def make_summarizer(settings: Settings) -> Summarizer:
    """The summariser the settings describe."""
    from digest.summarize import Summarizer

    return Summarizer(sentences=settings.summary_sentences, max_chars=settings.summary_max_chars)


def parse_issue(issue: Page, summarizer: Summarizer) -> ParsedIssue:
    """One issue into articles, each with its numbered lists and its summary."""
    from digest.parse import parse_page

    parsed = parse_page(issue)
    articles = [enrich_article(a, summarizer, issue.name) for a in parsed.articles]
    return replace(parsed, articles=articles)


def read_page(path: str | Path) -> Page:
    """One issue file as a page, whatever kind of document it is; `IssueError` when it cannot be read."""
    pages = read_file_pages(path)
    if len(pages) != 1:
        raise IssueError(f"{path}: holds {len(pages)} issues, not one")
    return pages[0]


def read_file_pages(path: str | Path) -> list[Page]:
    """The issues one file holds as pages: the file's own, or one for each mail of an mbox file."""
    raw = read_file(Path(path))
    if isinstance(raw, IssueFailure):
        raise IssueError(raw.error)
    return [extract_page(issue) for issue in unpack_issues(raw)]


def read_pages(paths: list[Path]) -> tuple[list[Page], list[IssueFailure]]:
    """The given issue files as pages; those that cannot be read become failures."""
    pages, failures = [], []
    for path in paths:
        try:
            pages += read_file_pages(path)
        except IssueError as e:
            failures.append(IssueFailure(path.name, str(e)))
    return pages, failures


def parse_file(path: str | Path, settings: Settings) -> ParsedIssue:
    """One issue file, parsed and enriched, each article with its theme and keywords (`digest parse`).

    An mbox file's mails are parsed one by one and their articles listed together.
    """
    from digest.themes import theme_articles

    summarizer = make_summarizer(settings)
    issues = [parse_issue(page, summarizer) for page in read_file_pages(path)]
    parsed = issues[0] if len(issues) == 1 else ParsedIssue(
        source=Path(path).name, articles=[a for i in issues for a in i.articles],
        dropped=[d for i in issues for d in i.dropped])
    return replace(parsed, articles=theme_articles(parsed.articles, settings.themes))


def enrich_article(article: Article, summarizer: Summarizer, source: str) -> Article:
    """The article with its summary and the issue it came from."""
    return replace(article, summary=summarizer.summarize(article), source=source)


def drop_sent_articles(parsed: list[ParsedIssue], store: Store | None = None) -> tuple[list[Article], int]:
    """The articles not sent by an earlier digest (nor repeated within this run), and how many were dropped.

    An article sent before that comes back markedly longer (its first copy was cut short) is
    kept, its title marked as updated: dropping it would lose the rest of it for good.
    """
    articles = [a for issue in parsed for a in issue.articles]
    prints = [article_fingerprint(a) for a in articles]
    sent = store.sent_lengths(prints) if store else {}
    fresh, seen = [], set()
    for article, fp in zip(articles, prints, strict=True):
        if fp in seen:
            continue
        if fp not in sent:
            fresh.append(article)
        elif is_extended(body_length(article), sent[fp]):
            fresh.append(replace(article, display_title=f"{article.display_title}{UPDATED_MARK}"))
        seen.add(fp)
    return fresh, len(articles) - len(fresh)


def body_length(article: Article) -> int:
    """How long the article's text is, in normalised characters (what `is_extended` compares)."""
    return _normalised_length(tuple(article.paragraphs))


# A run asks for each article's fingerprint and length three times (repeats, digest key, the store's
# record): normalising the whole text once is remembered for a batch's worth of articles.
_MEASURED_ARTICLES = 4096


@functools.lru_cache(maxsize=_MEASURED_ARTICLES)
def _normalised_length(paragraphs: tuple[str, ...]) -> int:
    return sum(len(_normalise(p)) for p in paragraphs)


def is_extended(length: int, sent_length: int) -> bool:
    """Whether an article sent at `sent_length` characters is now markedly longer, not merely re-edited.

    A fifth more and at least 100 characters: a re-export that mends a few words stays a repeat;
    an article the first copy cut short (a third of it, say) goes out again. Articles sent before
    lengths were kept (`sent_length` 0) are never resent.
    """
    return sent_length > 0 and length >= max(sent_length * 1.2, sent_length + 100)


def article_fingerprint(article: Article) -> str:
    """A hash of the normalised title and opening text: stable across re-wrapping and re-punctuation."""
    return _fingerprint(article.title or "", tuple(article.paragraphs))


@functools.lru_cache(maxsize=_MEASURED_ARTICLES)
def _fingerprint(title: str, paragraphs: tuple[str, ...]) -> str:
    opening = _normalise("".join(paragraphs))[:80]
    return hashlib.sha256(f"{_normalise(title)}|{opening}".encode()).hexdigest()


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if c.isalnum())


def digest_key(articles: Iterable[Article]) -> str:
    """The digest's identity: a hash of its articles' fingerprints and lengths, in any order.

    The length tells a digest that sends an article again as updated from the one that sent it first.
    """
    entries = sorted(f"{article_fingerprint(a)}:{body_length(a)}" for a in articles)
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def issue_names(parsed: list[ParsedIssue], settings: Settings) -> list[str]:
    """What the email calls each issue: its own title or masthead, else the name the
    config gives the inbox's issues, else a plain word — never its file name."""
    return [p.title or settings.issue_name or UNNAMED_ISSUE for p in parsed]


def build_digest(articles: list[Article], issue_names: list[str], settings: Settings, key: str) -> Digest:
    """Group the articles by theme into the digest the email shows."""
    from digest.themes import group_articles

    created = datetime.now(ZoneInfo(settings.timezone))
    base = settings.archive_base_url
    archive_url = f"{base}/{outbox_name(settings.outbox, created, key, settings.archive)}.html" if base else None
    return Digest(title=settings.title, created=created, issues=issue_names,
                  groups=group_articles(articles, settings.themes), archive_url=archive_url)


def render(digest: Digest, settings: Settings) -> RenderedDigest:
    """The digest as an email, for the outbox copy."""
    from digest.render import render_digest

    return render_digest(digest, settings.templates, max_html_bytes=settings.max_html_bytes,
                         unsubscribe_url=outbox_unsubscribe_url(settings),
                         archive_url=digest.archive_url, subject=settings.subject)


def outbox_unsubscribe_url(settings: Settings) -> str:
    """The unsubscribe link of the outbox copy: a mail to the sender."""
    from email.utils import parseaddr

    return f"mailto:{parseaddr(settings.sender)[1]}?subject=unsubscribe"


def deliver(rendered: RenderedDigest, digest: Digest, settings: Settings, key: str) -> dict[str, Path]:
    """Write the digest to the outbox (and its full copy to the archive when the email was shortened)."""
    from digest.mail.message import build_message
    from digest.outbox import write_archive_copy, write_outbox

    name = outbox_name(settings.outbox, digest.created, key, settings.archive)
    write_archive_copy(rendered, settings.archive, name)
    message = build_message(rendered, sender=settings.sender, to=settings.to, date=digest.created)
    return write_outbox(rendered, message, settings.outbox, name)


def keep_snapshot(store: Store, key: str, digest: Digest) -> None:
    """SMTP mode: keep the digest in the delivery ledger, so this run and later ones render it per subscriber."""
    from digest.mail.ledger import open_ledger

    with open_ledger(store) as ledger:
        ledger.save_snapshot(key, digest)


def send_to_subscribers(settings: Settings, store: Store) -> DeliveryReport:
    """SMTP mode: send what the delivery ledger holds (this digest's messages and earlier ones left over).

    With the state on a PostgreSQL server the workers send; the run plans the deliveries for them.
    """
    from digest.mail.ledger import open_ledger
    from digest.mail.sending import DeliveryReport, plan_deliveries, send_pending

    if settings.state_url:
        with open_ledger(store) as ledger:
            unreached = plan_deliveries(settings, ledger)
        return DeliveryReport(unreached=len(unreached), problems=unreached)
    # The test-only crash point "mid-send:N" kills the run right after the N-th accepted message is recorded.
    with open_ledger(store) as ledger:
        return send_pending(settings, ledger, on_accepted=lambda sent: _crash_point(f"mid-send:{sent}"))


def outbox_name(outbox: Path, created: datetime, key: str, *also: Path) -> str:
    """`digest-DATE-KEY`, reusing the name of an earlier copy of the same digest if one exists.

    Any of its files counts, in the outbox or the `also` folders (the archive): a run killed
    between the .html and the .eml left no .eml, and a rerun completes that set instead of
    writing a second one under a new date.
    """
    earlier = sorted(p for folder in (outbox, *also) if folder.is_dir()
                     for p in folder.glob(f"digest-*-{key[:12]}.*"))
    if earlier:
        return earlier[0].stem
    return f"digest-{created:%Y%m%d-%H%M}-{key[:12]}"


def preview(settings: Settings, paths: list[Path] | None = None, progress: Progress | None = None,
            sources: Sequence[Source] | None = None) -> tuple[RenderedDigest | None, RunReport]:
    """Render what the next run would send (or the digest of the given files); touch no state.

    `sources` defaults to those the settings configure (`make_sources`).
    """
    if paths:
        issues, failures = read_pages(paths)
        parsed, fresh, repeated, parse_failures = read_fresh_articles(issues, settings, None, progress)
    else:
        with Store.for_settings(settings, existing=True) as store:
            issues, failures = read_new_issues(make_sources(settings, record=False) if sources is None else sources,
                                               store.taken_hashes())
            parsed, fresh, repeated, parse_failures = read_fresh_articles(issues, settings, store, progress)
    report = RunReport(issues=[p.source for p in parsed], failures=failures + parse_failures,
                       articles=len(fresh), repeated_articles=repeated, dry_run=True)
    if not fresh:
        return None, report
    digest = build_digest(fresh, issue_names(parsed, settings), settings, digest_key(fresh))
    return render(digest, settings), report


def record_failures(store: Store, failures: list[IssueFailure]) -> None:
    """Remember failed issues (retried when they change) and refused entries (reported once)."""
    for failure in failures:
        if failure.once_key:
            store.record_refusal(failure.once_key, failure.source, failure.error)
        elif failure.sha256:
            store.record_failure(failure.sha256, failure.source, failure.error)


def _sha_of(article: Article, issues: list[Page]) -> str:
    return next(i.id for i in issues if i.name == article.source)


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
