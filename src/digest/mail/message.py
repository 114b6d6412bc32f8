"""Building the digest's RFC 5322 messages.

A message is multipart/alternative: the plain-text part first, then the HTML
part, both UTF-8. Non-ASCII headers (the Subject, display names) are RFC
2047-encoded by the SMTP policy; a header of URLs is folded between them, never
inside one, so a mail client still reads a long signed link.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from digest.errors import ConfigError
from digest.models import RenderedDigest


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
        if value.startswith("<") and value.isascii():
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
    message.set_raw(name, value.replace(", <", ",\n <"))


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
    return make_msgid(domain=_domain(sender))


def recipient_address(address: str, name: str = "") -> Address:
    """A To: header value from a validated address and an optional display name."""
    username, domain = address.rsplit("@", 1)
    return Address(display_name=name, username=username, domain=domain)
