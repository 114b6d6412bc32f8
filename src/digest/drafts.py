"""Review before sending: a run builds a draft, an editor looks, edits, test-sends, then sends it.

With `[delivery] review = true` a run turns the new issues into a draft instead of
delivering them. Rules this module keeps:
- An open draft holds its issues: no later run takes them again, and a later run
  makes a new draft of the issues that arrived since. Discarding a draft gives
  its issues back (the next run reads them again); sending it marks them done.
- The draft keeps the digest as it was built and every edit as its own row, in
  order (`draft_edits`); what the draft shows now is the built digest with the
  edits applied. Articles keep the number they had when the draft was built
  (`digest drafts show`), so an edit names the same article whatever came before.
- Preview, test send and send render the same `Digest` through the same code as
  the delivery ledger (`digest.mail.sending`), so a reader receives exactly what
  the preview showed, apart from their own headers and links.
- Sending goes through the ordinary path: the outbox copy, the snapshot, the
  digest recorded with its issues and articles in one transaction, then the
  exactly-once ledger. A send killed half-way is completed by sending again; a
  draft that was sent cannot be sent again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from digest import zh
from digest.config import Settings
from digest.errors import StateError, UsageError
from digest.lock import run_lock
from digest.models import Article, Digest, IssueFailure, RenderedDigest, ThemeGroup
from digest.snapshot import digest_from_json, digest_to_json
from digest.sources import Source, make_sources
from digest.store import Store, now_iso, transaction

if TYPE_CHECKING:
    from digest.mail.sending import DeliveryReport

LOGGER = logging.getLogger(__name__)

EDITS = ("drop", "move", "order", "theme-order", "rename", "title", "summary")
TEST_MARK = "[测试] "  # before the subject of a test copy: the editor's own inbox tells it from the real one


@dataclass(frozen=True)
class Draft:
    """A digest built by a run and waiting for an editor."""

    id: int
    key: str  # the digest's identity, fixed when built: the outbox name and archive link use it
    created: str
    status: str  # open, sent or discarded
    issues: list[tuple[str, str]]  # (sha256, source) of the issues it holds
    articles: list[tuple[str, str, str]]  # (fingerprint, title, issue sha256) by article number - 1
    built: Digest  # as the run built it
    edits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def digest(self) -> Digest:
        """The digest as it stands: the built one with every edit applied."""
        return _edited(self).digest(self.built)


@dataclass(frozen=True)
class DraftRunReport:
    """What a run in review mode did."""

    draft: Draft | None = None
    issues: list[str] = field(default_factory=list)
    failures: list[IssueFailure] = field(default_factory=list)
    articles: int = 0
    repeated_articles: int = 0
    locked_out: bool = False
    delivery: DeliveryReport | None = None  # earlier digests' messages left pending, sent this run

    @property
    def nothing_new(self) -> bool:
        return not self.issues and not self.failures and not self.locked_out


@dataclass(frozen=True)
class SendReport:
    """What `digest send` did: the outbox copy and, in SMTP mode, the ledger's sending pass."""

    draft: Draft
    paths: dict[str, Path]
    delivery: DeliveryReport | None = None


# building


def run_review(settings: Settings, *, progress: Any = None, sources: Sequence[Source] | None = None) -> DraftRunReport:
    """A run in review mode: the new issues (not those an open draft holds) into a new draft."""
    from digest.pipeline import check_ready, send_to_subscribers

    sources = make_sources(settings) if sources is None else sources
    check_ready(settings)
    with run_lock(settings.lock_path) as acquired:
        if not acquired:
            return DraftRunReport(locked_out=True)
        with Store.for_settings(settings) as store:
            report = _build_draft(settings, sources, store, progress)
            if settings.delivery_mode == "smtp":
                report = replace(report, delivery=send_to_subscribers(settings, store))
            return report


def _build_draft(settings: Settings, sources: Sequence[Source], store: Store, progress: Any) -> DraftRunReport:
    from digest.pipeline import (
        article_fingerprint,
        build_digest,
        digest_key,
        issue_names,
        read_fresh_articles,
        read_new_issues,
        record_failures,
    )

    issues, failures = read_new_issues(sources, store.taken_hashes())
    # as a run does: repeats dropped before they are summarised, a backlog over the worker processes
    parsed, fresh, repeated, parse_failures = read_fresh_articles(issues, settings, store, progress)
    failures += parse_failures
    record_failures(store, failures)
    failed = {f.sha256 for f in parse_failures}
    done = [i for i in issues if i.id not in failed]
    report = DraftRunReport(issues=[i.name for i in done], failures=failures, articles=len(fresh),
                            repeated_articles=repeated)
    if not fresh:
        if done:  # every article went out before: the issues are done, there is nothing to review
            store.record_digest(key="", issues=[(i.id, i.name) for i in done], articles=[], paths={},
                                article_count=0)
        return report
    key = digest_key(fresh)
    digest = build_digest(fresh, issue_names(parsed, settings), settings, key)
    sha_of = {i.name: i.id for i in done}
    draft = save_draft(store, key, digest, [(i.id, i.name) for i in done],
                       [(article_fingerprint(a), a.display_title, sha_of[a.source]) for a in digest.articles])
    return replace(report, draft=draft)


def save_draft(store: Store, key: str, digest: Digest, issues: list[tuple[str, str]],
               articles: list[tuple[str, str, str]]) -> Draft:
    """Keep a new open draft; `articles` in the digest's reading order."""
    stamp = now_iso()
    with transaction(store.db):
        cursor = store.db.execute(
            "INSERT INTO drafts (key, created, status, issues, articles, content, updated) "
            "VALUES (?, ?, 'open', ?, ?, ?, ?) RETURNING id",
            (key, stamp, json.dumps(issues), json.dumps(articles, ensure_ascii=False), digest_to_json(digest), stamp))
        draft_id = int(cursor.fetchone()[0])
    return load_draft(store, draft_id)


# reading


def drafts(store: Store) -> list[Draft]:
    """Every draft, oldest first."""
    return [_draft(store, row) for row in store.db.execute("SELECT * FROM drafts ORDER BY id")]


def load_draft(store: Store, draft_id: int) -> Draft:
    """One draft; a `UsageError` when there is none with that number."""
    row = store.db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
    if row is None:
        raise UsageError(f"no draft {draft_id}", hint="`digest drafts` lists them")
    return _draft(store, row)


def _draft(store: Store, row: Any) -> Draft:
    edits = [json.loads(r["edit"]) for r in
             store.db.execute("SELECT edit FROM draft_edits WHERE draft_id = ? ORDER BY id", (row["id"],))]
    try:
        built = digest_from_json(row["content"])
    except (ValueError, KeyError, TypeError) as e:
        raise StateError(f"draft {row['id']}: its saved digest is damaged ({e})") from e
    return Draft(id=row["id"], key=row["key"], created=row["created"], status=row["status"],
                 issues=[tuple(i) for i in json.loads(row["issues"])],  # type: ignore[misc]
                 articles=[tuple(a) for a in json.loads(row["articles"])],  # type: ignore[misc]
                 built=built, edits=edits)


def numbered_groups(draft: Draft) -> list[tuple[str, list[tuple[int, Article]]]]:
    """The draft's themes as they stand, each with its articles and their numbers (`digest drafts show`)."""
    state = _edited(draft)
    return [(group.name, [(n, state.articles[n]) for n in numbers]) for group, numbers in state.groups if numbers]


def _edited(draft: Draft) -> _State:
    state = _State.of(draft.built)
    for edit in draft.edits:
        state.apply(edit)
    return state


# editing


class _State:
    """A draft being edited: groups as lists of article numbers, the articles by number."""

    def __init__(self, groups: list[tuple[ThemeGroup, list[int]]], articles: dict[int, Article]) -> None:
        self.groups = groups
        self.articles = articles

    @classmethod
    def of(cls, digest: Digest) -> _State:
        groups, articles, number = [], {}, 0
        for group in digest.groups:
            numbers = []
            for article in group.articles:
                number += 1
                articles[number] = article
                numbers.append(number)
            groups.append((group, numbers))
        return cls(groups, articles)

    def theme_of(self, number: int) -> str | None:
        return next((g.name for g, numbers in self.groups if number in numbers), None)

    def digest(self, built: Digest) -> Digest:
        groups = [replace(g, articles=[self.articles[n] for n in numbers]) for g, numbers in self.groups if numbers]
        return replace(built, groups=groups)

    def apply(self, edit: dict[str, Any]) -> None:
        """One edit; a `UsageError` saying why it cannot be made."""
        op = edit.get("op")
        if op not in EDITS:
            raise UsageError(f"unknown edit {op!r}", hint=f"edits: {', '.join(EDITS)}")
        getattr(self, "_" + str(op).replace("-", "_"))(edit)

    def _group_with(self, number: int) -> list[int]:
        for _, numbers in self.groups:
            if number in numbers:
                return numbers
        raise UsageError(f"no article {number} in this draft", hint="`digest drafts show DRAFT` numbers them")

    def _group_named(self, name: str) -> int:
        for index, (group, _) in enumerate(self.groups):
            if group.name == name:
                return index
        raise UsageError(f"no theme {name!r} in this draft", hint="`digest drafts show DRAFT` lists them")

    def _drop(self, edit: dict[str, Any]) -> None:
        self._group_with(edit["article"]).remove(edit["article"])

    def _move(self, edit: dict[str, Any]) -> None:
        self._group_with(edit["article"]).remove(edit["article"])
        names = [g.name for g, _ in self.groups]
        if edit["theme"] not in names:
            self.groups.append((ThemeGroup(name=edit["theme"], articles=[]), []))
        self.groups[self._group_named(edit["theme"])][1].append(edit["article"])

    def _order(self, edit: dict[str, Any]) -> None:
        numbers = self._group_with(edit["article"])
        numbers.remove(edit["article"])
        numbers.insert(_index(edit["position"], len(numbers)), edit["article"])

    def _theme_order(self, edit: dict[str, Any]) -> None:
        group = self.groups.pop(self._group_named(edit["theme"]))
        self.groups.insert(_index(edit["position"], len(self.groups)), group)

    def _rename(self, edit: dict[str, Any]) -> None:
        index = self._group_named(edit["theme"])
        if not edit["name"].strip():
            raise UsageError("a theme needs a name")
        if edit["name"] in [g.name for g, _ in self.groups] and edit["name"] != edit["theme"]:
            raise UsageError(f"the draft has a theme {edit['name']!r} already", hint="move the articles there instead")
        group, numbers = self.groups[index]
        self.groups[index] = (replace(group, name=edit["name"].strip(), automatic=False), numbers)

    def _title(self, edit: dict[str, Any]) -> None:
        self._group_with(edit["article"])
        text = " ".join(edit["text"].split())
        if not text:
            raise UsageError("a title cannot be empty")
        self.articles[edit["article"]] = replace(self.articles[edit["article"]], title=text, display_title=text)

    def _summary(self, edit: dict[str, Any]) -> None:
        self._group_with(edit["article"])
        text = edit["text"].strip()  # empty: no summary, only the title and the link
        summary = (zh.split_sentences(text) or [text]) if text else []
        self.articles[edit["article"]] = replace(self.articles[edit["article"]], summary=summary)


def _index(position: int, length: int) -> int:
    """A 1-based position as a list index, within the list (past the end means last)."""
    if position < 1:
        raise UsageError(f"position {position}: positions count from 1")
    return min(position - 1, length)


def apply_edits(built: Digest, edits: list[dict[str, Any]]) -> Digest:
    """The digest with the edits made in order."""
    state = _State.of(built)
    for edit in edits:
        state.apply(edit)
    return state.digest(built)


def edit_draft(store: Store, draft_id: int, edit: dict[str, Any]) -> Draft:
    """Check an edit against the draft as it stands, then keep it; the draft after it."""
    draft = _open_draft(store, draft_id)
    apply_edits(draft.built, [*draft.edits, edit])  # raises, saving nothing, when it cannot be made
    with transaction(store.db):
        store.db.execute("INSERT INTO draft_edits (draft_id, edit, made) VALUES (?, ?, ?)",
                         (draft_id, json.dumps(edit, ensure_ascii=False), now_iso()))
        store.db.execute("UPDATE drafts SET updated = ? WHERE id = ?", (now_iso(), draft_id))
    return load_draft(store, draft_id)


def discard_draft(store: Store, draft_id: int) -> Draft:
    """Give up a draft: its issues are new again for the next run."""
    _open_draft(store, draft_id)
    with transaction(store.db):
        store.db.execute("UPDATE drafts SET status = 'discarded', updated = ? WHERE id = ?", (now_iso(), draft_id))
    return load_draft(store, draft_id)


def _open_draft(store: Store, draft_id: int) -> Draft:
    draft = load_draft(store, draft_id)
    if draft.status != "open":
        raise UsageError(f"draft {draft_id} was {draft.status} already")
    return draft


# rendering


def render_draft(settings: Settings, draft: Draft, address: str | None = None) -> RenderedDigest:
    """The draft as it will go out: the outbox copy, or (`address`) that subscriber's own message body."""
    from digest.pipeline import render

    if address is None:
        return render(draft.digest, settings)
    return subscriber_copy(settings, draft.digest, address)


def subscriber_copy(settings: Settings, digest: Digest, address: str) -> RenderedDigest:
    """What the delivery ledger renders for this subscriber: only their themes, their own links."""
    from digest.mail.ledger import open_ledger
    from digest.mail.sending import Composer, subscriber_digest
    from digest.mail.tokens import load_secret

    with Store.for_settings(settings, existing=True) as store, open_ledger(store) as ledger:
        subscriber = ledger.subscriber(address)
    if subscriber is None:
        raise UsageError(f"no subscriber {address}", hint="`digest subscribers list` shows them")
    mine = subscriber_digest(digest, subscriber.themes)
    if mine is None:
        raise UsageError(f"{address} would get nothing: none of their themes ({'、'.join(subscriber.themes)}) "
                         "has articles in this draft")
    return Composer(settings, load_secret(settings)).personal_copy(mine, subscriber)


def send_test_copy(settings: Settings, draft: Draft, address: str) -> None:
    """One copy to `address`, its subject marked as a test; no ledger row, no subscriber touched.

    A subscriber's address gets their own copy (their themes and links); any other
    address the whole digest with the outbox copy's mailto unsubscribe link.
    """
    import time
    from email.utils import parseaddr

    from digest.mail.addresses import validate_address
    from digest.mail.message import build_message, flatten, recipient_address
    from digest.mail.transport import make_transport

    address = validate_address(address)
    try:
        rendered = subscriber_copy(settings, draft.digest, address)
    except UsageError:
        rendered = render_draft(settings, draft)
    rendered = replace(rendered, subject=TEST_MARK + rendered.subject)
    message = build_message(rendered, sender=settings.sender, to=recipient_address(address),
                            date=datetime.now(ZoneInfo(settings.timezone)),
                            extra_headers={"X-Digest-Test": f"draft {draft.id}"})
    transport = make_transport(settings)
    deadline = time.monotonic() + settings.smtp.message_timeout
    transport.open(deadline)
    try:
        smtputf8 = not (parseaddr(settings.sender)[1] + address).isascii()  # as smtplib decides
        transport.send(flatten(message, smtputf8=smtputf8), address, deadline)
    finally:
        transport.close()
    LOGGER.info("test copy of draft %d sent to %s", draft.id, address)


# sending


def send_draft(settings: Settings, draft_id: int) -> SendReport:
    """Deliver the draft as it stands, through the outbox and (SMTP mode) the exactly-once ledger."""
    from digest.pipeline import check_ready, send_to_subscribers

    check_ready(settings)
    with run_lock(settings.lock_path) as acquired:
        if not acquired:
            raise StateError("another run is in progress; send again when it has finished")
        with Store.for_settings(settings) as store:
            draft = _open_draft(store, draft_id)
            if not draft.digest.articles:
                raise UsageError(f"draft {draft_id} has no articles left", hint=f"digest drafts discard {draft_id}")
            paths = _record_sent(settings, store, draft)
            delivery = send_to_subscribers(settings, store) if settings.delivery_mode == "smtp" else None
            return SendReport(draft=load_draft(store, draft_id), paths=paths, delivery=delivery)


def _record_sent(settings: Settings, store: Store, draft: Draft) -> dict[str, Path]:
    """Outbox copy, snapshot, digest row (issues done, articles remembered), draft marked sent.

    A send that died after the digest row was written finds it and only marks the draft.
    """
    from digest.pipeline import deliver, keep_snapshot, render

    digest = draft.digest
    recorded = store.db.execute("SELECT * FROM digests WHERE key = ?", (draft.key,)).fetchone()
    if recorded is None:
        paths = deliver(render(digest, settings), digest, settings, draft.key)
        if settings.delivery_mode == "smtp":
            keep_snapshot(store, draft.key, digest)
        kept = sorted(n for _, numbers in _edited(draft).groups for n in numbers)
        store.record_digest(key=draft.key, issues=draft.issues,
                            articles=[draft.articles[n - 1] for n in kept],
                            paths={kind: str(p) for kind, p in paths.items()}, article_count=len(kept))
    else:
        paths = {kind: Path(recorded[f"{kind}_path"]) for kind in ("html", "text", "eml") if recorded[f"{kind}_path"]}
    with transaction(store.db):
        store.db.execute("UPDATE drafts SET status = 'sent', updated = ? WHERE id = ?", (now_iso(), draft.id))
    return paths
