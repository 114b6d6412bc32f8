"""Send each digest to each subscriber exactly once, through the delivery ledger.

Only the two protocols are seen here: a `Ledger` (one row per digest ×
subscriber) and a `Transport` (what carries the messages). Rules:
- Planning: once a digest is recorded, one 'pending' row (with its Message-ID)
  is written for every active subscriber who has at least one of its themes,
  all in one transaction. A run that dies before planning plans on the next run.
- Memory: the subscribers (planning) and the due rows (sending) are read
  `page_size` at a time by id, and nothing of a message is kept once its
  outcome is recorded but counts (and the first `PROBLEMS_KEPT` problems), so a
  run holds about as much for 100,000 subscribers as for 100. A page's
  subscribers are read in one query when the page is reached, so an unsubscribe
  or bounce recorded meanwhile counts from the next page on (a bounce this run
  records, at once).
- Sending: a row turns 'sent' in its own transaction the moment the server
  accepted that message, so a run killed mid-batch, or cut off by the server,
  leaves exactly the unaccepted rows pending for the next run. The one window
  left is between the server's "250" and that commit; a message caught in it
  goes again with the same Message-ID, which lets mail clients fold the copies.
- Failures: a temporary one (4xx, a refused, dropped or timed-out connection)
  is retried by later runs, the first retry at once and then after doubling
  waits, until `[smtp] max_attempts`; a lost connection ends the batch. A
  permanent one (5xx) is recorded and counts towards `[smtp] bounce_after`,
  after which the subscriber is 'bouncing' and gets nothing more.
- Shared sending (`send_claimed`, `digest send --worker`): each worker claims a
  batch of due rows under a lease (`Ledger.claim_deliveries`), sends them by the
  same rules, and claims again; it starts no message later than
  `[smtp] message_timeout` before the lease runs out (the rows are then
  anyone's), and gives back the ones it did not get to. A worker that dies leaves at most the one message the server had
  accepted and the ledger not yet heard of, as above; the rest go out from the
  other workers once the lease has run out.
- Each message is rendered from the digest's stored snapshot for the
  subscriber's themes only (no message when none of them has articles) and
  carries the subscriber's own signed unsubscribe link (RFC 8058 headers).
  It is rendered and flattened once per digest and set of themes; each copy is
  that `MessageTemplate` filled in, byte for byte the message built on its own.
- Connections: up to `[smtp] connections` carry messages in parallel (a
  `ConnectionPool`); this thread alone composes and records, and a connection
  gets its next message only once its last outcome is recorded.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from digest.config import Settings, secret_problem
from digest.errors import (
    ConfigError,
    ConnectionLost,
    MessageRefused,
    OutOfTime,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from digest.mail.ledger import DeliveryRecord, DueSpan, Ledger, SubscriberRecord
from digest.mail.message import MessageTemplate, OutgoingMessage, PersonalFields, message_ids, recipient_address
from digest.mail.pool import ConnectionPool, Outcome
from digest.mail.tokens import load_secret, unsubscribe_links, unsubscribe_mailbox
from digest.mail.transport import Pacer, make_transport
from digest.models import Digest, RenderedDigest

LOGGER = logging.getLogger(__name__)

FIRST_BACKOFF = timedelta(minutes=15)  # the wait before a second retry; it doubles after each failure
MAX_BACKOFF = timedelta(days=1)
CLAIM_POLL = 1.0  # seconds between looks for rows another worker's lease may give up
# Rendered in place of the unsubscribe link, then replaced per subscriber: letters and dashes
# pass unchanged through HTML escaping and CSS inlining, so one render serves every reader
# of the same themes.
LINK_PLACEHOLDER = "digest-subscriber-unsubscribe-link"
# A further connection opens for every this many due messages (up to `[smtp] connections`): a
# shorter batch does not repay another handshake and login.
MESSAGES_PER_CONNECTION = 20
# Ledger rows read at a time: a page of 500 is a few hundred kilobytes, and one query per
# 500 SMTP exchanges costs nothing next to them.
PAGE_SIZE = 500
# Problems kept for the run's report, which prints each on a line; past a few screenfuls more
# lines say nothing new, so the rest are logged as they happen and counted (each row keeps its error).
PROBLEMS_KEPT = 100


@dataclass(frozen=True)
class DeliveryReport:
    """What one sending pass did."""

    sent: int = 0
    deferred: int = 0  # temporary failure, tried again by a later run
    bounced: int = 0  # refused for good
    failed: int = 0  # gave up after the last temporary failure
    skipped: int = 0  # unsubscribed, bouncing or removed before it went out, or none of their themes left
    waiting: int = 0  # not tried: the server could not be reached, the connection was lost, time ran out
    refused: int = 0  # the message itself refused for good (after DATA); not held against the address
    unreached: int = 0  # digests planned for nobody: no active subscriber with one of their themes
    problems: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> bool:
        return any((self.sent, self.deferred, self.bounced, self.failed, self.skipped, self.waiting,
                    self.refused, self.unreached))

    @property
    def troubled(self) -> bool:
        """Something did not go out this run (the operator should look)."""
        return any((self.deferred, self.bounced, self.failed, self.waiting, self.refused, self.unreached))

    @property
    def reached_nobody(self) -> bool:
        """Something was to go out and not one message did."""
        return self.troubled and not self.sent


def send_pending(settings: Settings, ledger: Ledger, on_accepted: Callable[[int], None] | None = None,
                 *, page_size: int = PAGE_SIZE) -> DeliveryReport:
    """Plan new digests, then send every delivery that is due, over up to `[smtp] connections` connections.

    `on_accepted(n)` is called after the n-th accepted message is recorded (the tests'
    crash hook uses it). The ledger is read `page_size` rows at a time.
    """
    unreached = plan_deliveries(settings, ledger, page_size=page_size)
    span = ledger.due_span()
    if not span.count:
        return DeliveryReport(unreached=len(unreached), problems=unreached)
    composer = Composer(settings, load_secret(settings))
    batch = _Batch(settings, ledger, composer, on_accepted)
    batch.send_all(due_in_pages(ledger, span, page_size), span.count)
    report = batch.report()
    return replace(report, unreached=len(unreached), problems=unreached + report.problems)


def due_in_pages(ledger: Ledger, span: DueSpan, page_size: int) -> Iterator[list[DeliveryRecord]]:
    """The rows of `span` still pending, in planning order, in pages of `page_size`, each read when it is reached.

    Each page starts after the last id of the one before, so the rows recorded while
    a page is out cannot move a later row across a page boundary. Ends at the span's
    last id: the loop is bounded by the rows there were when the pass began.
    """
    after = span.first_id - 1
    while after < span.last_id and (page := ledger.due_deliveries(span, after, page_size)):
        yield page
        after = page[-1].id


def send_claimed(settings: Settings, ledger: Ledger, worker: str,
                 on_accepted: Callable[[int], None] | None = None, *, page_size: int = PAGE_SIZE) -> DeliveryReport:
    """As one of several workers: plan new digests, then claim, send and claim again until nothing is left.

    A worker waits (polling) while other workers hold leases on pending rows, as one of
    them may die and leave its rows to this one; it stops when a batch ends early (the
    server is gone, the time is up) so that a failing server is not hammered by every worker.
    """
    unreached = plan_deliveries(settings, ledger, page_size=page_size)
    composer = Composer(settings, load_secret(settings))
    batch = _Batch(settings, ledger, composer, on_accepted)
    try:
        while True:
            claim, claimed_at = _next_claim(settings, ledger, worker, batch.deadline)
            # The last message may start `message_timeout` before the lease ends: it is over by then.
            last_start = claimed_at + settings.worker.lease_seconds - settings.smtp.message_timeout
            if not claim or not batch.send_all(_pages(claim, page_size), len(claim), last_start):
                break
            ledger.release_claims(worker)  # rows the lease ran too short for: anyone's (also ours) at once
    finally:
        ledger.release_claims(worker)
    report = batch.report()
    return replace(report, unreached=len(unreached), problems=unreached + report.problems)


def _pages(rows: list[DeliveryRecord], page_size: int) -> Iterator[list[DeliveryRecord]]:
    """A claim in pages, so that no read of their subscribers asks for more than `page_size` keys."""
    for start in range(0, len(rows), page_size):
        yield rows[start:start + page_size]


def _next_claim(settings: Settings, ledger: Ledger, worker: str,
                deadline: float) -> tuple[list[DeliveryRecord], float]:
    """The next batch of rows for this worker and when the claim was asked for (its lease counts from then).

    Empty once nothing is pending that another worker may still drop.
    """
    lease = settings.worker.lease_seconds
    while (asked := time.monotonic()) < deadline:
        claim = ledger.claim_deliveries(worker, settings.worker.batch, lease)
        if claim or not ledger.leased_elsewhere(worker):
            return claim, asked
        time.sleep(min(CLAIM_POLL, lease))
    return [], time.monotonic()


def check_ready(settings: Settings) -> None:
    """One `ConfigError` naming all that sending lacks in the environment (the secret, the carrier's needs)."""
    problems = [p for p in (secret_problem(settings.smtp),) if p] + make_transport(settings).problems()
    if problems:
        raise ConfigError("; ".join(problems))


def plan_deliveries(settings: Settings, ledger: Ledger, *, page_size: int = PAGE_SIZE) -> list[str]:
    """Ledger rows for every recorded digest not planned yet, for its active subscribers.

    Returns a line for each digest that nobody is to receive: that is never what the
    operator wants (often the whole list is bouncing), so it is said, not just logged.
    """
    nobody = []
    for digest_id in ledger.unplanned_digests():
        planned = ledger.plan_deliveries(digest_id, _message_ids_for(settings, ledger.snapshot(digest_id)), page_size)
        LOGGER.info("digest %d: %d deliveries planned", digest_id, planned)
        if not planned:
            nobody.append(f"{ledger.digest_name(digest_id)}: sent to nobody: {_why_nobody(ledger.subscriber_counts())}")
    return nobody


def _message_ids_for(settings: Settings, digest: Digest) -> Callable[[SubscriberRecord], str | None]:
    """A new Message-ID for each subscriber who has one of the digest's themes, None for the others."""
    has_articles: dict[tuple[str, ...], bool] = {}  # per set of themes: as many as the themes allow
    new_message_id = message_ids(settings.sender)

    def message_id_for(subscriber: SubscriberRecord) -> str | None:
        themes = tuple(sorted(subscriber.themes))
        if themes not in has_articles:
            has_articles[themes] = subscriber_digest(digest, list(themes)) is not None
        return new_message_id() if has_articles[themes] else None

    return message_id_for


def _why_nobody(counts: Mapping[str, int]) -> str:
    if counts.get("active"):
        return f"none of the {counts['active']} active subscribers' themes has articles in it"
    if not counts:
        return "there are no subscribers (digest subscribers add|import)"
    listed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"no subscriber is active ({listed}; `digest subscribers add ADDRESS` re-activates one)"


def subscriber_digest(digest: Digest, themes: list[str]) -> Digest | None:
    """The digest with only the subscriber's themes; None when none of them has articles."""
    groups = [g for g in digest.groups if g.articles and (not themes or g.name in themes)]
    return replace(digest, groups=groups) if groups else None


def retry_time(attempts: int, max_attempts: int, now: datetime) -> str | None:
    """When a message that failed `attempts` times may go again; None when it is time to give up.

    The first retry is due at once (the next run); later ones wait 15 minutes, then 30, 60…
    up to a day, so a server in trouble is not hammered by every scheduled run.
    """
    if attempts >= max_attempts:
        return None
    wait = timedelta(0) if attempts <= 1 else min(FIRST_BACKOFF * 2 ** (attempts - 2), MAX_BACKOFF)
    return (now + wait).astimezone(UTC).isoformat(timespec="seconds")


class Composer:
    """Builds each subscriber's message: rendered and flattened once per digest and set of themes, then
    filled in with the subscriber's own address, Message-ID and unsubscribe links."""

    def __init__(self, settings: Settings, secret: bytes) -> None:
        self.settings = settings
        self.secret = secret
        # The sender is parsed here, once: per message it cost as much as composing the rest.
        self.envelope_from = parseaddr(settings.sender)[1]
        self.mailbox = unsubscribe_mailbox(settings)
        self.new_message_id = message_ids(settings.sender)
        local, _, domain = self.envelope_from.partition("@")
        self.list_id = f"{settings.title} <{local}.{domain or 'localhost'}>"
        self._digests: dict[int, Digest] = {}
        self._rendered: dict[tuple[int, tuple[str, ...]], RenderedDigest | None] = {}
        self._templates: dict[tuple[int, tuple[str, ...], bool], MessageTemplate] = {}

    def message(self, delivery: DeliveryRecord, subscriber: SubscriberRecord,
                ledger: Ledger) -> OutgoingMessage | None:
        """The message for one ledger row, or None when none of the subscriber's themes has articles."""
        key = (delivery.digest_id, tuple(sorted(subscriber.themes)))
        rendered = self._render(key, ledger)
        if rendered is None:
            return None
        mailto, web = unsubscribe_links(self.settings, self.secret, subscriber.token_id, mailbox=self.mailbox)
        headers = self._list_headers(mailto, web)
        smtputf8 = not (self.envelope_from + subscriber.address).isascii()  # as smtplib decides
        template = self._templates.get((*key, smtputf8))
        if template is None:
            template = self._templates[(*key, smtputf8)] = MessageTemplate(
                rendered, sender=self.settings.sender, placeholder=LINK_PLACEHOLDER, extra_headers=headers,
                personal_headers=("List-Unsubscribe",), smtputf8=smtputf8)
        return template.fill(PersonalFields(
            to=recipient_address(subscriber.address, subscriber.name),
            date=datetime.now(ZoneInfo(self.settings.timezone)),
            message_id=delivery.message_id or self.new_message_id(),
            link=web or mailto, headers={"List-Unsubscribe": headers["List-Unsubscribe"]}))

    def personal_copy(self, digest: Digest, subscriber: SubscriberRecord) -> RenderedDigest:
        """What `message` puts in the subscriber's mail for `digest` (already cut to their themes)."""
        mailto, web = unsubscribe_links(self.settings, self.secret, subscriber.token_id, mailbox=self.mailbox)
        return self._personalise(self._render_digest(digest), mailto, web)

    @staticmethod
    def _personalise(rendered: RenderedDigest, mailto: str, web: str | None) -> RenderedDigest:
        link = web or mailto
        return replace(rendered, html=rendered.html.replace(LINK_PLACEHOLDER, html.escape(link)),
                       text=rendered.text.replace(LINK_PLACEHOLDER, link))

    def _render(self, key: tuple[int, tuple[str, ...]], ledger: Ledger) -> RenderedDigest | None:
        digest_id, themes = key
        if key not in self._rendered:
            if digest_id not in self._digests:
                self._digests[digest_id] = ledger.snapshot(digest_id)
            mine = subscriber_digest(self._digests[digest_id], list(themes))
            self._rendered[key] = self._render_digest(mine) if mine else None
        return self._rendered[key]

    def _render_digest(self, digest: Digest) -> RenderedDigest:
        from digest.render import render_digest

        return render_digest(digest, self.settings.templates, max_html_bytes=self.settings.max_html_bytes,
                             unsubscribe_url=LINK_PLACEHOLDER, archive_url=digest.archive_url,
                             subject=self.settings.subject)

    def _list_headers(self, mailto: str, web: str | None) -> dict[str, str]:
        """List-Id, and List-Unsubscribe with RFC 8058 one-click when there is a web link to POST to."""
        headers = {"List-Id": self.list_id,
                   "List-Unsubscribe": ", ".join(f"<{link}>" for link in (mailto, web) if link)}
        if web:
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers


@dataclass(frozen=True)
class _Ticket:
    """What the sending thread needs back with a message's outcome to record it."""

    delivery: DeliveryRecord
    subscriber: SubscriberRecord


class _Batch:
    """One sending pass: the connections (the first opened when the first message is ready), and the tally."""

    def __init__(self, settings: Settings, ledger: Ledger, composer: Composer,
                 on_accepted: Callable[[int], None] | None) -> None:
        self.settings = settings
        self.ledger = ledger
        self.composer = composer
        self.on_accepted = on_accepted
        self.pacer = Pacer(settings.smtp.rate_per_second)  # one rate limit over every connection
        self.counts = dict.fromkeys(("sent", "deferred", "bounced", "failed", "skipped", "waiting", "refused"), 0)
        self.deadline = time.monotonic() + settings.smtp.batch_timeout
        self.problems: list[str] = []
        self.problems_logged = 0  # past PROBLEMS_KEPT: logged when they happened, counted here
        self.recorded = 0
        self.out_of_time = False
        self.lease_over = False  # a worker's lease ran out before the claimed rows did
        self.page_subscribers: dict[str, SubscriberRecord] = {}  # the recipients of the page being sent, by key

    def send_all(self, pages: Iterable[list[DeliveryRecord]], total: int, last_start: float | None = None) -> bool:
        """Send the `total` due rows in order until they are done (True), a connection is lost or the time is up.

        `pages` may be read lazily (a page when it is reached); one page and the rows in flight are held.
        With `last_start` (a worker's lease: no message may start after it) the rows not begun
        by then are left as they are, for whoever claims them next, and the call counts as done.
        """
        pool: ConnectionPool[_Ticket] = ConnectionPool(
            lambda: make_transport(self.settings, self.pacer), self._connections(total), self.deadline,
            patience=2 * self.settings.smtp.message_timeout + self.settings.smtp.timeout + self.pacer.interval)
        recorded_before, self.lease_over = self.recorded, False
        try:
            for delivery, subscriber in self._with_subscribers(pages):
                if pool.stopping.is_set() or self.lease_over:
                    break
                if time.monotonic() >= self.deadline:
                    self.out_of_time = True
                    break
                self._hand_over(pool, delivery, subscriber, last_start)
        finally:
            for outcome in pool.close():
                self._record(outcome)
        if self.lease_over:
            return True
        untried = max(total - (self.recorded - recorded_before), 0)
        self.counts["waiting"] += untried
        if self.out_of_time and untried:
            self._problem(f"[smtp] batch_timeout = {self.settings.smtp.batch_timeout:g} s: no time left for "
                                 f"{untried} more message{'s' * (untried != 1)}; they wait for the next run")
        return not (pool.stopping.is_set() or self.out_of_time)

    def _with_subscribers(self, pages: Iterable[list[DeliveryRecord]]
                          ) -> Iterator[tuple[DeliveryRecord, SubscriberRecord | None]]:
        """Each row with its subscriber (None: removed), the page's subscribers read in one query as it is reached.

        Read then, not at the start of the pass: an unsubscribe or bounce recorded
        while a page is out counts from the next page on, and a bounce this pass
        records counts at once (`_bounce` updates the page's record).
        """
        for page in pages:
            self.page_subscribers = self.ledger.subscribers_by_key({d.recipient for d in page})
            for delivery in page:
                yield delivery, self.page_subscribers.get(delivery.recipient)

    def _connections(self, due: int) -> int:
        return max(1, min(self.settings.smtp.connections, -(-due // MESSAGES_PER_CONNECTION)))

    def _hand_over(self, pool: ConnectionPool[_Ticket], delivery: DeliveryRecord, subscriber: SubscriberRecord | None,
                   last_start: float | None = None) -> None:
        """Compose one row's message and hand it to a free connection (or record it skipped).

        Each connection holds one message: the next goes only once the last one's
        outcome is recorded, so with one connection a run killed mid-batch has at
        most one accepted message unrecorded, as before.
        """
        message = None
        if subscriber is not None and subscriber.status == "active":
            message = self.composer.message(delivery, subscriber, self.ledger)
        if subscriber is None or message is None:
            self.ledger.record_skipped(delivery, _skip_reason(subscriber))
            self._count("skipped")
            return
        while pool.in_flight >= pool.size and (outcome := pool.next_outcome()) is not None:
            self._record(outcome)
        for outcome in pool.finished():
            self._record(outcome)
        if last_start is not None and time.monotonic() >= last_start:
            self.lease_over = True  # waited for a free connection past the lease: leave the row to the next claim
        elif not pool.stopping.is_set():
            pool.submit(_Ticket(delivery, subscriber), message, subscriber.address)

    def _record(self, outcome: Outcome[_Ticket]) -> None:
        """Put what became of one message in the ledger (one transaction); an untried one stays pending."""
        delivery, subscriber, error = outcome.ticket.delivery, outcome.ticket.subscriber, outcome.error
        if not outcome.tried:
            if isinstance(error, OutOfTime):
                self.out_of_time = True
            elif isinstance(error, ConnectionLost):
                self._problem(str(error))  # the server could not be reached: not this message's fault
            elif error is not None:
                raise error  # the connection was refused for a reason a retry will not fix (a login)
        elif error is None:
            self.ledger.record_sent(delivery)
            self._count("sent")
            if self.on_accepted:
                self.on_accepted(self.counts["sent"])
        elif isinstance(error, MessageRefused):
            self._refuse(delivery, str(error))
        elif isinstance(error, PermanentDeliveryError):
            self._bounce(delivery, subscriber, str(error))
        elif isinstance(error, TemporaryDeliveryError):
            self._defer(delivery, str(error))
        else:
            raise error

    def _problem(self, problem: str) -> None:
        """Keep a problem for the report; past `PROBLEMS_KEPT`, log it now and only count it."""
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(problem)
        else:
            self.problems_logged += 1
            LOGGER.warning("%s", problem)

    def _count(self, kind: str) -> None:
        self.counts[kind] += 1
        self.recorded += 1

    def _refuse(self, delivery: DeliveryRecord, error: str) -> None:
        self._count("refused")
        self._problem(error)
        self.ledger.record_refused(delivery, error)

    def _bounce(self, delivery: DeliveryRecord, subscriber: SubscriberRecord, error: str) -> None:
        self._count("bounced")
        self._problem(error)
        if self.ledger.record_bounce(delivery, error, self.settings.smtp.bounce_after):
            if delivery.recipient in self.page_subscribers:  # a later row of theirs in this page is skipped
                self.page_subscribers[delivery.recipient] = replace(self.page_subscribers[delivery.recipient],
                                                                    status="bouncing")
            LOGGER.warning("%s is now bouncing: %d permanent failures", subscriber.address,
                           self.settings.smtp.bounce_after)

    def _defer(self, delivery: DeliveryRecord, error: str) -> None:
        next_attempt = retry_time(delivery.attempts + 1, self.settings.smtp.max_attempts, datetime.now(UTC))
        self.ledger.record_deferred(delivery, error, next_attempt)
        self._count("deferred" if next_attempt else "failed")
        self._problem(error if next_attempt else f"{error}; giving up after {delivery.attempts + 1} attempts")

    def report(self) -> DeliveryReport:
        more = self.problems_logged
        counted = [f"{more} more problem{'s' * (more != 1)} like these, logged as they happened"] if more else []
        return DeliveryReport(**self.counts, problems=self.problems + counted)


def _skip_reason(subscriber: SubscriberRecord | None) -> str:
    if subscriber is None:
        return "removed before it went out"
    if subscriber.status != "active":
        return f"{subscriber.status} before it went out"
    return "none of the subscriber's themes has articles"
