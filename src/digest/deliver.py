"""Turn a rendered digest into RFC 5322 messages and put them where they go.

Outbox mode writes `NAME.eml` (multipart/alternative, text then HTML, UTF-8),
`NAME.html` and `NAME.txt`. Every file is written to a temporary name in the
same folder, flushed to disk and renamed, so a reader never sees half a file
and a crash leaves either the old state or the new one.

SMTP mode hands each message to a server through `SmtpConnection`: one
connection for a batch, one message (one envelope recipient) at a time, paced
to the configured rate. Every refusal is sorted into temporary (4xx, refused,
dropped or timed-out connections: try again later) and permanent (5xx: record
it, do not retry), because only the caller's ledger knows what to do with each.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from types import TracebackType

from digest.config import SmtpSettings
from digest.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from digest.models import RenderedDigest

LOGGER = logging.getLogger(__name__)


def build_message(rendered: RenderedDigest, *, sender: str, to: str | Address, date: datetime,
                  extra_headers: Mapping[str, str] | None = None, message_id: str | None = None) -> EmailMessage:
    """A multipart/alternative message: the plain-text part first, then the HTML part.

    Non-ASCII headers (the Subject, display names) are RFC 2047-encoded by the SMTP policy.
    """
    message = EmailMessage(policy=SMTP.clone(refold_source="none"))  # keep `_set_url_list` folding
    message["From"] = _address(sender)
    message["To"] = to if isinstance(to, Address) else _address(to)
    message["Subject"] = rendered.subject
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


def _set_url_list(message: EmailMessage, name: str, value: str) -> None:
    """A header of `<url>, <url>` folded between the URLs, never inside one.

    A URL with a signed token is longer than a 78-column line; the email package
    would then turn the whole header into RFC 2047 encoded words, which no mail
    client reads as a List-Unsubscribe URL. RFC 5322 allows lines up to 998.
    """
    message.set_raw(name, value.replace(", <", ",\n <"))


def _address(value: str) -> Address:
    name, addr = parseaddr(value)
    if "@" not in addr:
        raise DeliveryError(f"{value!r} is not an email address", hint="set [digest] sender and to")
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


def write_outbox(rendered: RenderedDigest, message: EmailMessage, outbox: Path, name: str) -> dict[str, Path]:
    """Write the .eml, .html and .txt of one digest atomically; return their paths by kind."""
    paths = {"eml": outbox / f"{name}.eml", "html": outbox / f"{name}.html", "text": outbox / f"{name}.txt"}
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        # The .eml goes last: a tool that watches the outbox for messages sees a complete set.
        atomic_write(paths["html"], rendered.html.encode("utf-8"))
        atomic_write(paths["text"], rendered.text.encode("utf-8"))
        atomic_write(paths["eml"], message.as_bytes())
    except OSError as e:
        raise DeliveryError(f"{outbox}: cannot write the digest ({e.strerror or e})") from e
    LOGGER.info("wrote %s", paths["eml"])
    return paths


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class ConnectionLost(TemporaryDeliveryError):
    """A temporary failure that left no usable connection: the rest of the batch waits for a later run."""


class SmtpConnection:
    """One connection to the mail server for a batch of messages, used as a context manager.

    `send` hands over one message for one recipient and returns once the server
    accepted it; otherwise it raises `TemporaryDeliveryError` (`ConnectionLost` when
    the connection is unusable and the batch must stop) or `PermanentDeliveryError`.
    """

    def __init__(self, settings: SmtpSettings, envelope_from: str) -> None:
        self.settings = settings
        self.envelope_from = envelope_from
        self.client: smtplib.SMTP | None = None
        self._interval = 1.0 / settings.rate_per_second if settings.rate_per_second > 0 else 0.0
        self._last_send = float("-inf")

    def __enter__(self) -> SmtpConnection:
        self.client = connect(self.settings)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.client is None:
            return
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()  # the server went away first; nothing left to say to it
        self.client = None

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Hand `message` to the server for `recipient` alone (no Bcc: one envelope per reader)."""
        if self.client is None:
            raise TemporaryDeliveryError("the connection to the mail server is closed")
        self._pace()
        try:
            self.client.send_message(message, from_addr=self.envelope_from, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as e:
            code, reply = e.recipients.get(recipient, next(iter(e.recipients.values()), (0, b"")))
            raise _refusal(code, reply, f"refused {recipient}") from e
        except smtplib.SMTPSenderRefused as e:
            # Not this reader's fault: defer it and stop the batch, the next one will fail alike.
            refusal = f"{e.smtp_code} {_text(e.smtp_error)}"
            raise ConnectionLost(f"the server refused the sender {self.envelope_from}: {refusal}") from e
        except smtplib.SMTPResponseException as e:
            raise _refusal(e.smtp_code, e.smtp_error, "refused the message") from e
        except (smtplib.SMTPException, OSError) as e:
            raise ConnectionLost(f"lost the connection to the mail server ({e or type(e).__name__})") from e

    def _pace(self) -> None:
        wait = self._last_send + self._interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_send = time.monotonic()


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, secured and (when a user is set) logged-in connection to the mail server."""
    password = os.environ.get(settings.password_env, "") if settings.user else ""
    if settings.user and not password:
        raise DeliveryError(f"[smtp] user is set but environment variable {settings.password_env} is empty",
                            hint="export the password in that variable; it never goes in the config file")
    where = f"{settings.host}:{settings.port}"
    client: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        client.ehlo_or_helo_if_needed()
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.user:
            client.login(settings.user, password)
    except smtplib.SMTPAuthenticationError as e:
        _close(client)
        raise DeliveryError(f"{where}: login refused for {settings.user} ({e.smtp_code})",
                            hint=f"check [smtp] user and ${settings.password_env}") from e
    except smtplib.SMTPNotSupportedError as e:
        _close(client)
        raise DeliveryError(f"{where}: {e}", hint="check [smtp] security") from e
    except (smtplib.SMTPException, OSError) as e:
        _close(client)
        raise ConnectionLost(f"cannot connect to the mail server {where} ({e or type(e).__name__})") from e
    return client


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        client.close()


def _refusal(code: int, reply: bytes | str, what: str) -> DeliveryError:
    message = f"{what}: {code} {_text(reply)}"
    if 500 <= code < 600:
        return PermanentDeliveryError(message)
    if code == 421:  # "service not available, closing channel": the connection is gone
        return ConnectionLost(message)
    return TemporaryDeliveryError(message)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
