"""Building the digest's RFC 5322 messages.

A message is multipart/alternative: the plain-text part first, then the HTML
part, both UTF-8. Non-ASCII headers (the Subject, display names) are RFC
2047-encoded by the SMTP policy; a header of URLs is folded between them, never
inside one, so a mail client still reads a long signed link.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import quoprimime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy, Policy
from email.utils import format_datetime, make_msgid, parseaddr

from digest.errors import ConfigError
from digest.models import RenderedDigest

MAX_LINE_LENGTH = 78  # the SMTP policy's line length, which set_content's choice of encoding is measured by
# A Message-ID as make_msgid writes it: dot-atom text on both sides of the @, in angle brackets.
_PLAIN_MESSAGE_ID = re.compile(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+>\Z")
BASE64_GROUP = MAX_LINE_LENGTH // 4 * 3  # bytes per base64 line, as set_content cuts them
# A mailbox whose To line can be written without the header parser: a dot-atom local part, an @, and a
# domain of dot-separated labels of anything but spaces, controls and RFC 5322 specials.
_PLAIN_ADDR_SPEC = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                              r"@[^\x00-\x20\x7f()<>@,:;.\\\"\[\]]+(?:\.[^\x00-\x20\x7f()<>@,:;.\\\"\[\]]+)*\Z")
_SPECIALS = frozenset('()<>@,:;.\\"[]')  # RFC 5322 specials: a display name with one is quoted
# The bytes RFC 2047's Q encoding writes as themselves (space as "_"), as the email package counts them.
_Q_LITERAL = frozenset(b"-!*+/ abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def build_message(rendered: RenderedDigest, *, sender: str, to: str | Address, date: datetime,
                  extra_headers: Mapping[str, str] | None = None, message_id: str | None = None) -> EmailMessage:
    """A multipart/alternative message: the plain-text part first, then the HTML part.

    `sender`, and `to` when it is a string, come from the configuration (`[digest] sender`, `to`).
    """
    message = EmailMessage(policy=SMTP.clone(refold_source="none"))  # keep `_set_url_list` folding
    message["From"] = _address(sender, "sender")
    message["To"] = to if isinstance(to, Address) else _address(to, "to")
    message["Subject"] = header_text(rendered.subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id or new_message_id(sender)
    for name, value in (extra_headers or {}).items():
        if _is_url_list(value):
            _set_url_list(message, name, value)
        else:
            message[name] = value
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message


def header_text(text: str) -> str:
    """The text on one header line: line breaks and other control characters become single spaces.

    A title may carry them (a TOML "\\n", a page title split over lines); the email package
    refuses a header value with CR or LF, which would stop the run after the whole parse.
    """
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _set_url_list(message: EmailMessage, name: str, value: str) -> None:
    """A header of `<url>, <url>` folded between the URLs, never inside one.

    A URL with a signed token is longer than a 78-column line; the email package
    would then turn the whole header into RFC 2047 encoded words, which no mail
    client reads as a List-Unsubscribe URL. RFC 5322 allows lines up to 998.
    """
    message.set_raw(name, _url_list(value))


def _is_url_list(value: str) -> bool:
    return value.startswith("<") and value.isascii()


def _url_list(value: str) -> str:
    return value.replace(", <", ",\n <")


def _address(value: str, key: str) -> Address:
    """The configured address `[digest] KEY` as a header value; a `ConfigError` when it is none."""
    name, addr = parseaddr(value)
    if "@" not in addr:
        raise ConfigError(f"[digest] {key}: {value!r} is not an email address",
                          hint="e.g. 'Weekly digest <digest@example.org>'")
    username, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=username, domain=domain)


def _domain(value: str) -> str:
    return parseaddr(value)[1].rsplit("@", 1)[-1] or "localhost"


def new_message_id(sender: str) -> str:
    """A fresh Message-ID in the sender's domain."""
    return message_ids(sender)()


def message_ids(sender: str) -> Callable[[], str]:
    """A maker of fresh Message-IDs in the sender's domain, the sender parsed once for them all."""
    domain = _domain(sender)
    return lambda: make_msgid(domain=domain)


def recipient_address(address: str, name: str = "") -> Address:
    """A To: header value from a validated address and an optional display name."""
    username, domain = address.rsplit("@", 1)
    return Address(display_name=name, username=username, domain=domain)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message as it goes after SMTP DATA (CRLF line ends), and whether its envelope needs SMTPUTF8."""

    data: bytes
    smtputf8: bool = False  # an address is not ASCII (an internationalised domain)


def flatten(message: EmailMessage, *, smtputf8: bool = False) -> OutgoingMessage:
    """The bytes smtplib's `send_message` would send for `message` (UTF-8 headers when `smtputf8`)."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=_wire_policy(message.policy, smtputf8)).flatten(message, linesep="\r\n")
    return OutgoingMessage(buffer.getvalue(), smtputf8)


def _wire_policy(policy: Policy, smtputf8: bool) -> EmailPolicy:
    """The policy smtplib flattens with: the message's, with UTF-8 headers for an SMTPUTF8 envelope."""
    assert isinstance(policy, EmailPolicy)
    return policy.clone(linesep="\r\n", utf8=smtputf8)


@dataclass(frozen=True)
class PersonalFields:
    """What differs in each subscriber's copy of one theme selection's message."""

    to: Address
    date: datetime
    message_id: str
    link: str  # replaces the placeholder in both parts (HTML-escaped in the HTML one)
    headers: Mapping[str, str] = field(default_factory=dict)  # the extra headers that differ, e.g. List-Unsubscribe


class MessageTemplate:
    """One theme selection's message, flattened once; each copy then differs only in its `PersonalFields`.

    `build_message` costs milliseconds a message, nearly all of it the email
    package parsing and folding headers and choosing each part's encoding. Here
    the message is flattened once with stand-ins for the personal headers, and a
    subscriber's copy swaps in their own header lines (folded by the same policy
    calls the generator makes) and re-encodes the two parts with their link (by
    the rules `set_content` follows, so the transfer encoding, quoted-printable
    and base64 line lengths come out as they would). The bytes equal
    `flatten(build_message(...))` given the same MIME boundary (tests/test_message.py).
    """

    def __init__(self, rendered: RenderedDigest, *, sender: str, placeholder: str,
                 extra_headers: Mapping[str, str], personal_headers: tuple[str, ...], smtputf8: bool) -> None:
        self.rendered = rendered
        self.placeholder = placeholder
        self.smtputf8 = smtputf8
        self.text, self.html = _PartTemplate(rendered.text, placeholder), _PartTemplate(rendered.html, placeholder)
        stand_in = build_message(rendered, sender=sender, to=_STAND_IN_TO, date=_STAND_IN_DATE,
                                 message_id=_STAND_IN_ID, extra_headers=extra_headers)
        self.policy = _wire_policy(stand_in.policy, smtputf8)
        data = flatten(stand_in, smtputf8=smtputf8).data
        self.boundary = stand_in.get_boundary()
        self._last_date = ("", b"")
        self._segments = self._cut(data, stand_in, ("To", "Date", "Message-ID", *personal_headers))

    def fill(self, fields: PersonalFields) -> OutgoingMessage:
        """The subscriber's copy: the stand-ins replaced by their own header lines and parts."""
        lines = {"To": self._to_line(fields.to), "Date": self._date_line(fields.date),
                 "Message-ID": self._message_id_line(fields.message_id)}
        lines.update((name, self._extra_line(name, value)) for name, value in fields.headers.items())
        lines["text/plain encoding"], lines["text/plain"] = self.text.encode(fields.link)
        lines["text/html encoding"], lines["text/html"] = self.html.encode(html.escape(fields.link))
        return OutgoingMessage(b"".join(lines[s] if isinstance(s, str) else s for s in self._segments),
                               self.smtputf8)

    def _header_line(self, name: str, value: object) -> bytes:
        return self.policy.fold_binary(name, self.policy.header_store_parse(name, value)[1])

    def _to_line(self, to: Address) -> bytes:
        """The To line: a mailbox that fits on one line is written directly, else parsed and folded.

        Parsing and refolding the address was most of a copy's own cost; for the
        shapes `_one_line_to` knows, it writes the bytes the policy would.
        """
        return _one_line_to(to, utf8=self.policy.utf8) or self._header_line("To", to)

    def _date_line(self, date: datetime) -> bytes:
        """The Date line; copies sent within the same second share it, so the last one is kept."""
        value = format_datetime(date)
        if value != self._last_date[0]:
            self._last_date = (value, self._header_line("Date", value))
        return self._last_date[1]

    def _message_id_line(self, message_id: str) -> bytes:
        """The Message-ID line: a plain `<left@right>` that fits on a line folds to itself."""
        line = f"Message-ID: {message_id}\r\n"
        if len(line) <= MAX_LINE_LENGTH + 2 and _PLAIN_MESSAGE_ID.match(message_id):
            return line.encode("ascii")
        return self._header_line("Message-ID", message_id)

    def _extra_line(self, name: str, value: str) -> bytes:
        """As `build_message` stores an extra header: a URL list raw (folded between URLs), others parsed."""
        if _is_url_list(value):
            return self.policy.fold_binary(name, _url_list(value))
        return self._header_line(name, value)

    def _cut(self, data: bytes, stand_in: EmailMessage, personal: tuple[str, ...]) -> list[bytes | str]:
        """The flattened stand-in as fixed bytes between named slots: personal header lines, then the two parts."""
        wanted = {name.lower() for name in personal}
        slots: list[tuple[bytes, str]] = [(self.policy.fold_binary(name, value), name)
                                          for name, value in stand_in.raw_items() if name.lower() in wanted]
        for part, text in (("text/plain", self.rendered.text), ("text/html", self.rendered.html)):
            encoding, body = _encoded_part(text.encode("utf-8").splitlines())
            slots += [(encoding, part + " encoding"), (body, part)]
        segments: list[bytes | str] = []
        position = 0
        for piece, slot in slots:
            found = data.find(piece, position)
            if found < 0:
                raise ValueError(f"the flattened message has no {slot} where the template expects it")
            segments += [data[position:found], slot]
            position = found + len(piece)
        segments.append(data[position:])
        return segments


def _one_line_to(to: Address, *, utf8: bool) -> bytes | None:
    """The To line as the policy folds `to`, when it fits on one line in a shape known without parsing; else None.

    The shapes: the mailbox as `str(Address)` writes it (bare, or a display name
    plain or quoted), when that is ASCII or the policy writes UTF-8 headers, as
    the folder then keeps it whole; or a name of words that each have a
    non-ASCII character, which the folder writes as one encoded word. An "=?"
    anywhere would be read back as an encoded word, so it is left to the policy.
    """
    name = to.display_name
    if not _PLAIN_ADDR_SPEC.match(to.addr_spec) or " ".join(name.split()) != name or not name.isprintable():
        return None
    text = str(to)
    if "=?" in text:
        return None
    if utf8 or text.isascii():
        line = f"To: {text}"
    elif to.addr_spec.isascii() and _words_all_non_ascii(name) and (word := _base64_word(name)):
        line = f"To: {word} <{to.addr_spec}>"
    else:
        return None
    return f"{line}\r\n".encode() if len(line) <= MAX_LINE_LENGTH else None


def _words_all_non_ascii(name: str) -> bool:
    """Each space-separated word has a non-ASCII character and no special: the folder joins them in one encoded word."""
    return all(not word.isascii() and _SPECIALS.isdisjoint(word) for word in name.split(" "))


def _base64_word(text: str) -> str | None:
    """`text` as the email package's one UTF-8 "b" encoded word; None when it would choose "q" instead."""
    data = text.encode("utf-8")
    encoded = base64.b64encode(data).decode("ascii")
    q_length = sum(1 if byte in _Q_LITERAL else 3 for byte in data)
    return f"=?utf-8?b?{encoded}?=" if q_length - len(encoded) >= 5 else None


_STAND_IN_TO = Address(username="digest-stand-in", domain="invalid")
_STAND_IN_DATE = datetime(2000, 1, 1, tzinfo=UTC)
_STAND_IN_ID = "<digest-stand-in@invalid>"


class _PartTemplate:
    """One text part with a placeholder, encoded for each replacement as `set_content` would encode the result.

    The link sits in the footer, so the lines before its first line stay the
    same: their base64 (up to the last whole 57-byte group) or quoted-printable
    (line by line) is kept, and only the rest is encoded for each copy.
    """

    def __init__(self, text: str, placeholder: str) -> None:
        self.lines = text.encode("utf-8").splitlines()
        self.placeholder = placeholder.encode("ascii")
        self.first = next((i for i, line in enumerate(self.lines) if self.placeholder in line), len(self.lines))
        self.longest = max((len(line) for line in self.lines if self.placeholder not in line), default=0)
        head = b"".join(line + b"\r\n" for line in self.lines[:self.first])
        self.head = head
        cut = len(head) // BASE64_GROUP * BASE64_GROUP
        self.base64_head, self.base64_rest = _base64_body(head[:cut]), head[cut:]
        self.qp_head = _qp_body(self.lines[:self.first]) if self.first else b""
        # The choice between base64 and quoted-printable looks at the first ten lines only.
        self.sniffed = _sniff(self.lines) if self.first >= 10 and len(self.lines) > 10 else None

    def encode(self, replacement: str) -> tuple[bytes, bytes]:
        """(Content-Transfer-Encoding line, blank line and body) with `replacement` for the placeholder."""
        tail = [line.replace(self.placeholder, replacement.encode("utf-8")) for line in self.lines[self.first:]]
        if self.sniffed is None:
            return _encoded_part(self.lines[:self.first] + tail)
        tail_crlf = b"".join(line + b"\r\n" for line in tail)
        if max([self.longest, *map(len, tail)]) <= MAX_LINE_LENGTH:
            cte, body = _unencoded(self.head + tail_crlf)
        elif self.sniffed == "base64":
            cte, body = "base64", self.base64_head + _base64_body(self.base64_rest + tail_crlf)
        else:
            cte, body = "quoted-printable", self.qp_head + _qp_body(tail)
        return _cte_line(cte), b"\r\n" + body


def _encoded_part(lines: list[bytes]) -> tuple[bytes, bytes]:
    """A UTF-8 text part's Content-Transfer-Encoding line and its blank line and body as flattened.

    The rules of `email.contentmanager` (set_text_content with charset utf-8 and
    no cte) under the SMTP policy: 7bit or 8bit when every line fits in 78
    bytes, else base64 or quoted-printable, whichever is shorter over the first
    ten lines.
    """
    if max((len(line) for line in lines), default=0) <= MAX_LINE_LENGTH:
        cte, body = _unencoded(b"".join(line + b"\r\n" for line in lines) or b"\r\n")
    elif _sniff(lines) == "base64":
        cte, body = "base64", _base64_body(b"".join(line + b"\r\n" for line in lines))
    else:
        cte, body = "quoted-printable", _qp_body(lines)
    return _cte_line(cte), b"\r\n" + body


def _cte_line(cte: str) -> bytes:
    return b"Content-Transfer-Encoding: " + cte.encode("ascii") + b"\r\n"


def _unencoded(body: bytes) -> tuple[str, bytes]:
    return ("7bit" if body.isascii() else "8bit"), body


def _sniff(lines: list[bytes]) -> str:
    """base64 or quoted-printable: the shorter over the first ten lines (as set_content decides)."""
    sniff = b"".join(line + b"\r\n" for line in lines[:10])
    qp = quoprimime.body_encode(sniff.decode("latin-1"), MAX_LINE_LENGTH)
    return "base64" if len(qp) > len(binascii.b2a_base64(sniff)) else "quoted-printable"


def _qp_body(lines: list[bytes]) -> bytes:
    """Quoted-printable lines, CRLF-terminated; each line is encoded on its own, so parts can be joined."""
    normal = (b"\n".join(lines) + b"\n").decode("latin-1")
    return quoprimime.body_encode(normal, MAX_LINE_LENGTH).replace("\n", "\r\n").encode("ascii")


def _base64_body(data: bytes) -> bytes:
    """Base64 in lines of 76 characters (57 bytes each), CRLF-terminated."""
    return b"".join(binascii.b2a_base64(data[i:i + BASE64_GROUP])[:-1] + b"\r\n"
                    for i in range(0, len(data), BASE64_GROUP))
