"""Newsletter mails: RFC 5322 messages (.eml), on their own or split out of an mbox file (`mbox`).

A mail's HTML part goes through the HTML extractor, else its text part is read
as text. When the HTML body holds headlines it is the issue (an attached PDF
of the same newsletter would repeat its articles); otherwise attached
documents (a PDF of the issue, an HTML page) go through whichever extractor of
the registry accepts them, and the body is their cover note. Transfer
encodings (base64, quoted-printable, 8bit) and charsets are the email
package's and the part's business; RFC 2047 headers are decoded. The sender
and subject name the issue.
"""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses

from digest.errors import IssueError
from digest.extract import sniff
from digest.extract.html import HtmlExtractor
from digest.extract.text import decode_bytes, page_from_text
from digest.models import Line, Page, RawIssue

LOGGER = logging.getLogger(__name__)


class MailExtractor:
    """One RFC 5322 message: its HTML or text body, or the documents it carries.

    `read_attachment` reads an attached document with whichever extractor accepts it
    (the registry's own lookup, handed in so that this module does not import it).
    """

    name = "mail"

    def __init__(self, read_attachment: Callable[[RawIssue], Page]) -> None:
        self.read_attachment = read_attachment

    def accepts(self, raw: RawIssue) -> bool:
        return sniff.is_mail(raw.data)

    def extract(self, raw: RawIssue) -> Page:
        message = email.message_from_bytes(raw.data, policy=policy.default)
        assert isinstance(message, EmailMessage)  # what policy.default builds
        title = mail_title(message)
        page = _issue_page(message, raw, self.read_attachment)
        return replace(page, id=raw.id, name=raw.name, origin=raw.origin, media_type="message/rfc822",
                       title=title or page.title)


def mail_title(message: EmailMessage) -> str | None:
    """The issue's name from the mail: its subject, with the sender's name when the subject does not say it."""
    subject = " ".join(_header(message, "subject").split())
    sender = _sender_name(message)
    if sender and subject and _squeeze(sender) not in _squeeze(subject):
        return f"{sender}：{subject}"
    return subject or sender or None


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, TypeError, IndexError):  # a malformed header the email package cannot decode
        return ""


def _sender_name(message: Message) -> str:
    addresses = getaddresses([_header(message, "from")])
    if not addresses:
        return ""
    name, address = addresses[0]
    return name.strip().strip('"') or address


def _squeeze(text: str) -> str:
    return re.sub(r"[\s《》「」“”\"']+", "", text)


def _issue_page(message: EmailMessage, raw: RawIssue, read_attachment: Callable[[RawIssue], Page]) -> Page:
    """The mail's issue: an HTML body with headlines, else the documents attached, else the body as it is."""
    body = message.get_body(preferencelist=("html", "plain"))
    page = _body_page(body, raw) if body is not None else None
    if page is not None and any(line.role == "title" for line in page.lines):
        return page  # a newsletter in the mail itself; an attached copy of it would repeat its articles
    attached = _attached_issues(message, raw, read_attachment)
    if attached is not None:
        return attached  # the body only covers the documents attached
    if page is None:
        raise IssueError(f"{raw.origin}: the mail has no text or HTML part and no document attached")
    return page


def _body_page(body: Message, raw: RawIssue) -> Page:
    """The mail's own text: the HTML part through the HTML extractor, else the text part."""
    data = _payload(body)
    charset = body.get_content_charset()
    if body.get_content_type() == "text/html":
        part = RawIssue(id=raw.id, origin=raw.origin, name=raw.name, data=data,
                        media_type=f"text/html; charset={charset}" if charset else "text/html")
        return HtmlExtractor().extract(part)
    return _text_page(data, charset, raw)


def _text_page(data: bytes, charset: str | None, raw: RawIssue) -> Page:
    text, encoding = _decode_text(data, charset, raw.origin)
    if not text.strip():
        raise IssueError(f"{raw.origin}: the mail's text is empty")
    return page_from_text(text, name=raw.name, origin=raw.origin, id=raw.id, encoding=encoding)


def _decode_text(data: bytes, charset: str | None, origin: str) -> tuple[str, str]:
    """A text part in the charset it declares, else as a text file is read."""
    from digest.extract.html import decode_html

    if charset:
        text, encoding = decode_html(data, charset)  # the declared charset first, then the usual fallbacks
        return text, encoding
    return decode_bytes(data, origin)


def _payload(part: Message) -> bytes:
    """A part's bytes with its transfer encoding (base64, quoted-printable, 8bit) undone."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _attached_issues(message: EmailMessage, raw: RawIssue,
                     read_attachment: Callable[[RawIssue], Page]) -> Page | None:
    """The documents attached to the mail that an extractor reads, as one page; None when there are none."""
    pages = []
    for part in message.iter_attachments():
        name = part.get_filename() or part.get_content_type()
        data = part.as_bytes() if part.get_content_type() == "message/rfc822" else _payload(part)
        attached = RawIssue(id=raw.id, origin=f"{raw.origin}: {name}", name=name, data=data,
                            media_type=part.get_content_type())
        if not data.strip() or not _is_document(attached):
            continue
        try:
            pages.append(read_attachment(attached))
        except IssueError as e:
            LOGGER.info("%s: attachment skipped: %s", raw.origin, e)
    if not pages:
        return None
    lines: list[Line] = []
    for page in pages:
        lines += ([Line("")] if lines else []) + list(page.lines)
    return replace(pages[0], lines=tuple(lines))


def _is_document(attached: RawIssue) -> bool:
    """An attachment that can be an issue: a PDF, an HTML page, a mail, or text with a file name (not an image)."""
    data = attached.data
    if sniff.is_pdf(data) or sniff.is_html(data) or sniff.is_mail(data):
        return True
    return attached.media_type == "text/plain" and sniff.describe_binary(data) is None
