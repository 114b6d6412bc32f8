"""IMAP mailboxes: each newsletter mail of one folder not taken yet is an issue.

- Connection: IMAPClient (BSD), over TLS by default (`security = "ssl"`, or
  STARTTLS), with certificates checked; a login in clear only when the config
  allows it. The password comes from the environment variable the config
  names, never from the file. Every wait is bounded by `timeout`.
- What is new: the folder's UIDVALIDITY and the last UID taken are remembered
  (`state`); a run fetches the mails above that UID, and again those handed
  over before whose issue is not done yet (a failed one, a run that died). A
  changed UIDVALIDITY means the UIDs mean nothing any more: the folder is read
  again from the start, and mails already taken are known by the sha256 of
  their bytes and their articles by the fingerprint, so nothing is sent twice.
- Mail is never deleted or moved, and read only with BODY.PEEK, so it stays
  unread; with `mark_read` a mail is flagged as read once its digest is
  written (at the next fetch, which is when the source learns it).
- Each mail is read by the mail extractor (HTML part, else the text part, PDF
  attachments through the PDF extractor); its sender and subject name it.
- A mailbox that cannot be reached, refuses the login or drops the connection
  is one failure naming the source; what it handed over before the drop goes
  on, the rest comes next run.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import os
import sqlite3
import ssl
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from digest.errors import SourceError
from digest.extract.mail import mail_title
from digest.models import IssueFailure, RawIssue
from digest.source_settings import MailboxSettings
from digest.sources import state

LOGGER = logging.getLogger(__name__)

SEEN = b"\\Seen"


class MailboxSource:
    """One folder of an IMAP mailbox."""

    def __init__(self, settings: MailboxSettings, database: Path, *, record: bool = True) -> None:
        self.settings = settings
        self.database = database
        self.record = record  # False for previews and dry runs: remember nothing, flag nothing
        self.name = settings.name

    def fetch(self) -> Iterator[RawIssue | IssueFailure]:
        from imapclient.exceptions import IMAPClientError

        try:
            with state.source_state(self.database, record=self.record) as db, self._connect() as client:
                yield from self._new_mails(db, client)
        except SourceError as e:
            yield IssueFailure(self.name, f"{self.name}: {e}")
        except (IMAPClientError, imaplib.IMAP4.error, OSError) as e:  # refused, TLS, login, dropped mid-fetch
            yield IssueFailure(self.name, f"{self.name}: {self._where()}: {_problem(e)}")

    @property
    def _marks_read(self) -> bool:
        return self.settings.mark_read and self.record

    def _where(self) -> str:
        s = self.settings
        return f"imap://{s.user}@{s.host}:{s.port}/{s.folder}"

    def _connect(self) -> Any:
        """A logged-in client with the folder selected (read-only unless mails are to be marked as read)."""
        from imapclient import IMAPClient

        s = self.settings
        password = os.environ.get(s.password_env, "")
        if not password:
            raise SourceError(f"environment variable {s.password_env} is empty (export the mailbox password "
                              "in it; it never goes in the config file)")
        context = ssl.create_default_context()
        client = IMAPClient(s.host, port=s.port, ssl=s.security == "ssl", ssl_context=context, timeout=s.timeout)
        if s.security == "starttls":
            client.starttls(context)
        client.login(s.user, password)
        return client

    def _new_mails(self, db: sqlite3.Connection, client: Any) -> Iterator[RawIssue]:
        folder = self.settings.folder
        selected = client.select_folder(folder, readonly=not self._marks_read)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        last_uid = self._settle(db, client, uidvalidity)
        wanted = sorted({uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid}
                        | state.open_uids(db, self.name, folder, uidvalidity))
        names: set[str] = set()
        for uid in wanted:
            raw = self._read_mail(client, uid, uidvalidity, names)
            if raw is not None:
                state.add_pending(db, self.name, raw.id, {"folder": folder, "uidvalidity": uidvalidity, "uid": uid})
                yield raw

    def _settle(self, db: sqlite3.Connection, client: Any, uidvalidity: int) -> int:
        """Pass the UIDs whose digest is written (flagging them read if asked); the last UID taken."""
        folder = self.settings.folder
        position = state.mailbox_position(db, self.name, folder)
        last_uid = position[1] if position and position[0] == uidvalidity else 0
        if position and position[0] != uidvalidity:
            LOGGER.warning("%s: UIDVALIDITY of %s changed (%d → %d): reading the folder again, mails taken "
                           "before are skipped by their content", self.name, folder, position[0], uidvalidity)
            state.drop_pending(db, self.name)
        notes, _ = state.settle(db, self.name)
        done = [int(n["uid"]) for n in notes if n.get("folder") == folder and n.get("uidvalidity") == uidvalidity]
        if done and self._marks_read:
            client.add_flags(done, [SEEN])
        last_uid = max([last_uid, *done])
        state.save_mailbox_position(db, self.name, folder, uidvalidity, last_uid)
        return last_uid

    def _read_mail(self, client: Any, uid: int, uidvalidity: int, names: set[str]) -> RawIssue | None:
        """One mail's bytes, unread flag untouched, named by sender and subject; None when it is gone."""
        reply = client.fetch([uid], ["BODY.PEEK[]"])
        data = reply.get(uid, {}).get(b"BODY[]")
        if not data:
            LOGGER.info("%s: UID %d is gone from %s", self.name, uid, self.settings.folder)
            return None
        name = issue_name(data, f"{self.name}#{uid}", names)
        return RawIssue(id=hashlib.sha256(data).hexdigest(), origin=f"{self._where()};UIDVALIDITY={uidvalidity};"
                        f"UID={uid}", name=name, data=data, media_type="message/rfc822")


def issue_name(data: bytes, fallback: str, taken: set[str]) -> str:
    """The mail's sender and subject, made unique within the run (issues are told apart by name)."""
    headers = BytesHeaderParser(policy=policy.default).parsebytes(data)
    title = mail_title(headers) if isinstance(headers, EmailMessage) else None
    name = title or fallback
    if name in taken:
        name = f"{name} ({fallback})"
    taken.add(name)
    return name


def _problem(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    text = str(error) or type(error).__name__
    if isinstance(error, imaplib.IMAP4.abort):
        return f"the connection was lost ({text})"
    return text
