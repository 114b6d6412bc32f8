"""Transports: what carries a message to one recipient. SMTP today.

A transport is one class implementing `Transport`; `TRANSPORTS` is the one
place that names them, keyed by `[delivery] mode`, and `make_transport` the one
place that builds the configured one. The sending logic only sees the protocol.

`SmtpTransport` keeps one connection to the mail server for a batch, hands over
one message (one envelope recipient) at a time, paced to `[smtp]
rate_per_second`, and sorts every refusal into temporary (4xx, refused, dropped
or timed-out connections: try again later) and permanent (5xx: record it, do not
retry), because only the ledger's caller knows what to do with each.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

from digest.config import Settings, SmtpSettings, password_problem, plaintext_login_problem
from digest.errors import (
    ConfigError,
    ConnectionLost,
    DeliveryError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)


class Transport(Protocol):
    """Carries messages, one recipient at a time, over one connection opened for a batch.

    Error contract:
    - `open` raises `ConnectionLost` when the carrier cannot be reached now (the
      batch waits for a later run), `ConfigError` for what the configuration or
      environment lacks (checked before any connection), and `DeliveryError` when
      the carrier refuses the connection for a reason a retry will not fix (a login
      refused, a missing extension).
    - `send` returns once the carrier accepted the message; otherwise it raises
      `PermanentDeliveryError` (refused for good: do not retry),
      `ConnectionLost` (temporary, and the connection is gone: stop the batch) or
      another `TemporaryDeliveryError` (retry this message later, go on with the next).
    - `close` ends the connection; it is safe after a failed `open`, or none.
    """

    def open(self) -> None:
        """Connect (and log in); the first `send` may follow."""
        ...

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Hand `message` over for `recipient` alone (no Bcc: one envelope per reader)."""
        ...

    def close(self) -> None:
        """End the connection, if there is one."""
        ...

    def problems(self) -> list[str]:
        """What the configuration or environment lacks for this carrier, checked before a run does any work."""
        ...


class SmtpTransport:
    """One connection to the mail server for a batch of messages (`Transport` over SMTP)."""

    def __init__(self, settings: SmtpSettings, envelope_from: str) -> None:
        self.settings = settings
        self.envelope_from = envelope_from
        self.client: smtplib.SMTP | None = None
        self._interval = 1.0 / settings.rate_per_second if settings.rate_per_second > 0 else 0.0
        self._last_send = float("-inf")

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTransport:
        """The transport `[smtp]` describes, sending as `[digest] sender`."""
        return cls(settings.smtp, parseaddr(settings.sender)[1])

    def open(self) -> None:
        """Connect, secure the connection and (when a user is set) log in."""
        self.client = connect(self.settings)

    def problems(self) -> list[str]:
        """The login password missing from the environment, when `[smtp] user` is set."""
        problem = password_problem(self.settings)
        return [problem] if problem else []

    def close(self) -> None:
        """Say QUIT, or just close when the server went away first."""
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


TRANSPORTS: dict[str, Callable[[Settings], Transport]] = {
    "smtp": SmtpTransport.from_settings,
}


def make_transport(settings: Settings) -> Transport:
    """The transport `[delivery] mode` names, not connected yet."""
    factory = TRANSPORTS.get(settings.delivery_mode)
    if factory is None:
        raise ConfigError(f"[delivery] mode: {settings.delivery_mode!r} does not send to subscribers",
                          hint=f"one of: {', '.join(TRANSPORTS)}")
    return factory(settings)


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, secured and (when a user is set) logged-in connection to the mail server."""
    problem = password_problem(settings) or plaintext_login_problem(settings.user, settings.security,
                                                                    settings.allow_plaintext_login)
    if problem:
        raise ConfigError(problem)
    password = os.environ.get(settings.password_env, "")
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
