"""Transports: what carries a message to one recipient. SMTP today.

A transport is one class implementing `Transport`; `TRANSPORTS` is the one
place that names them, keyed by `[delivery] mode`, and `make_transport` the one
place that builds the configured one. The sending logic only sees the protocol.

`SmtpTransport` keeps one connection to the mail server for a batch, hands over
one message (one envelope recipient) at a time, paced to `[smtp]
rate_per_second` by a `Pacer` that all of a batch's connections share (so
several connections together keep the rate), each within `[smtp]
message_timeout`, and sorts every refusal
into temporary (4xx, refused, dropped, timed-out or cut-off connections: try again
later) and permanent (5xx: record it, do not retry); a permanent one is the
recipient's (to RCPT) or the message's (after DATA), because only the ledger's
caller knows what to do with each.
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import parseaddr
from typing import Protocol

from digest.config import Settings, SmtpSettings, password_problem, plaintext_login_problem
from digest.errors import (
    ConfigError,
    ConnectionLost,
    DeliveryError,
    MessageRefused,
    OutOfTime,
    RecipientRefused,
    TemporaryDeliveryError,
)
from digest.mail.message import OutgoingMessage

# An RFC 3463 enhanced status code at the start of a reply text: class.subject.detail, e.g. 5.1.1.
_ENHANCED_CODE = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
ADDRESSING_SUBJECT = "1"  # RFC 3463 X.1.X: the destination address is the problem
SMTPUTF8_OPTIONS = ("SMTPUTF8", "BODY=8BITMIME")  # what smtplib's send_message asks for a non-ASCII address


class Transport(Protocol):
    """Carries messages, one recipient at a time, over one connection opened for a batch.

    Every call gets the batch's `deadline` (a `time.monotonic()` value) and returns or
    raises by then, however slowly the carrier answers; each message also has its
    own, shorter limit where the carrier's settings give one.

    Error contract:
    - `open` raises `ConnectionLost` when the carrier cannot be reached now, or not
      in time (the batch waits for a later run), `ConfigError` for what the
      configuration or environment lacks (checked before any connection), and
      `DeliveryError` when the carrier refuses the connection for a reason a retry
      will not fix (a login refused, a missing extension).
    - `send` returns once the carrier accepted the message; otherwise it raises
      `RecipientRefused` (the address refused for good), `MessageRefused` (this
      message refused for good, the address not to blame), `OutOfTime` (the batch's
      time ran out before the message was tried), `ConnectionLost` (temporary, and
      the connection is gone: stop the batch) or another `TemporaryDeliveryError`
      (retry this message later, go on with the next).
    - `close` ends the connection; it is safe after a failed `open`, or none.
    """

    def open(self, deadline: float) -> None:
        """Connect (and log in); the first `send` may follow."""
        ...

    def send(self, message: OutgoingMessage, recipient: str, deadline: float) -> None:
        """Hand `message` over for `recipient` alone (no Bcc: one envelope per reader)."""
        ...

    def close(self) -> None:
        """End the connection, if there is one."""
        ...

    def problems(self) -> list[str]:
        """What the configuration or environment lacks for this carrier, checked before a run does any work."""
        ...


class Pacer:
    """Spaces the start of each message `1 / rate` seconds after the last one, over every connection
    that shares it; refuses (`OutOfTime`) a wait that would end past the batch's deadline.

    The wait is taken holding the lock, so connections waiting their turn queue
    behind it (bounded by the deadline) and no two starts are closer than the interval.
    """

    def __init__(self, rate_per_second: float) -> None:
        self.interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._last = float("-inf")
        self._lock = threading.Lock()

    def wait_turn(self, deadline: float) -> None:
        """Return when the next message may start."""
        if not self._lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise OutOfTime("the batch's time ([smtp] batch_timeout) ran out before this message")
        try:
            wait = self._last + self.interval - time.monotonic()
            if time.monotonic() + max(wait, 0.0) >= deadline:
                raise OutOfTime("the batch's time ([smtp] batch_timeout) ran out before this message")
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()
        finally:
            self._lock.release()


class Watchdog:
    """Shuts a connection down when time is up, which ends whatever waits on it.

    smtplib's timeout bounds each read, so a server that sends one line of a reply
    every second never trips it; this bounds a whole exchange. It holds the socket's
    descriptor, which stays the same through a TLS handshake (implicit or STARTTLS),
    and shuts it down (not closes it) from the timer's thread: the blocked read
    returns at once and smtplib reports a lost connection.
    """

    def __init__(self) -> None:
        self.expired = False
        self._watching = False
        self._descriptor: int | None = None
        self._lock = threading.Lock()

    @contextmanager
    def watch(self, seconds: float) -> Iterator[None]:
        """Let the block run for `seconds` at most; `expired` says whether it was cut off."""
        with self._lock:
            self.expired, self._watching = False, True
        timer = threading.Timer(max(seconds, 0.0), self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            with self._lock:
                self._watching = False  # a timer firing from now on finds nothing to stop
            timer.cancel()

    def attach(self, sock: socket.socket) -> None:
        """Watch this new connection; shut it down at once when time already ran out (while connecting)."""
        with self._lock:
            self._descriptor = sock.fileno()
            if self.expired:
                _shut_down(self._descriptor)

    def detach(self) -> None:
        """The connection is being closed: its descriptor number may soon name another file."""
        with self._lock:
            self._descriptor = None

    def _expire(self) -> None:
        with self._lock:
            if not self._watching:
                return
            self.expired = True
            if self._descriptor is not None:
                _shut_down(self._descriptor)


def _shut_down(descriptor: int) -> None:
    borrowed = socket.socket(fileno=descriptor)
    try:
        borrowed.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already shut down or reset: nothing left to stop
    finally:
        borrowed.detach()  # the descriptor stays smtplib's to close


class _WatchedSMTP(smtplib.SMTP):
    """smtplib.SMTP under a `Watchdog`, speaking TLS from the start when given a context (as SMTP_SSL does)."""

    def __init__(self, watchdog: Watchdog, host: str, timeout: float, tls: ssl.SSLContext | None = None) -> None:
        self.watchdog = watchdog
        self.tls = tls
        super().__init__(timeout=timeout)  # not connecting yet: the watchdog must see the greeting
        self._host = host  # what STARTTLS checks the certificate against; smtplib sets it only when connecting here

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]  # private, not in typeshed
        # smtplib writes each command and the whole message in one call; without this, the
        # message's last short segment waits for the server's delayed ACK (40 ms a message).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.watchdog.attach(sock)  # before TLS: the handshake is watched too
        return self.tls.wrap_socket(sock, server_hostname=host) if self.tls else sock

    def close(self) -> None:
        """Close the connection (the watchdog first lets go of it)."""
        self.watchdog.detach()
        super().close()


class SmtpTransport:
    """One connection to the mail server for a batch of messages (`Transport` over SMTP).

    Connecting, and each message, may take `[smtp] message_timeout` at most, and
    never past the batch's deadline: a server that trickles its replies is cut off
    (`ConnectionLost`) instead of holding the run, and with it the run lock.
    """

    def __init__(self, settings: SmtpSettings, envelope_from: str, pacer: Pacer | None = None) -> None:
        self.settings = settings
        self.envelope_from = envelope_from
        self.client: smtplib.SMTP | None = None
        self.watchdog = Watchdog()
        self.pacer = pacer or Pacer(settings.rate_per_second)

    @classmethod
    def from_settings(cls, settings: Settings, pacer: Pacer | None = None) -> SmtpTransport:
        """The transport `[smtp]` describes, sending as `[digest] sender`, paced by `pacer` when shared."""
        return cls(settings.smtp, parseaddr(settings.sender)[1], pacer)

    def open(self, deadline: float) -> None:
        """Connect, secure the connection and (when a user is set) log in, in time."""
        self.client = self._new_client()
        with self._watch(deadline) as limit:
            try:
                connect(self.client, self.settings)
            except ConnectionLost as e:
                self.client = None
                raise ConnectionLost(f"{e}; {limit()}" if self.watchdog.expired else str(e)) from e
            except DeliveryError:
                self.client = None
                raise

    def problems(self) -> list[str]:
        """The login password missing from the environment, when `[smtp] user` is set."""
        problem = password_problem(self.settings)
        return [problem] if problem else []

    def close(self) -> None:
        """Say QUIT (waiting one reply at most), or just close when the server went away first."""
        if self.client is None:
            return
        try:
            with self.watchdog.watch(self.settings.timeout):
                self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()  # the server went away first; nothing left to say to it
        self.client = None

    def send(self, message: OutgoingMessage, recipient: str, deadline: float) -> None:
        """Hand `message` to the server for `recipient` alone (no Bcc: one envelope per reader)."""
        if self.client is None:
            raise TemporaryDeliveryError("the connection to the mail server is closed")
        self.pacer.wait_turn(deadline)
        with self._watch(deadline) as limit:
            try:
                self._hand_over(self.client, message, recipient)
            except (smtplib.SMTPException, OSError) as e:
                raise self._failure(e, recipient, limit) from e

    def _hand_over(self, client: smtplib.SMTP, message: OutgoingMessage, recipient: str) -> None:
        """What smtplib's `send_message` does with a flattened message: SMTPUTF8 when an address needs it."""
        if message.smtputf8 and not client.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError(
                "One or more source or delivery addresses require internationalized email support, "
                "but the server does not advertise the required SMTPUTF8 capability")
        client.sendmail(self.envelope_from, [recipient], message.data,
                        mail_options=SMTPUTF8_OPTIONS if message.smtputf8 else ())

    def _failure(self, error: Exception, recipient: str, limit: Callable[[], str]) -> DeliveryError:
        """What a failed hand-over means for the ledger: whose refusal, for good or for now."""
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code, reply = error.recipients.get(recipient, next(iter(error.recipients.values()), (0, b"")))
            return _recipient_refusal(code, reply, recipient)
        if isinstance(error, smtplib.SMTPSenderRefused):
            # Not this reader's fault: defer it and stop the batch, the next one will fail alike.
            refusal = f"{error.smtp_code} {_text(error.smtp_error)}"
            return ConnectionLost(f"the server refused the sender {self.envelope_from}: {refusal}")
        if isinstance(error, smtplib.SMTPDataError):
            return _message_refusal(error.smtp_code, error.smtp_error, recipient)
        if isinstance(error, smtplib.SMTPResponseException):
            return _refusal(error.smtp_code, error.smtp_error, f"refused the message for {recipient}")
        if self.watchdog.expired:
            return ConnectionLost(f"the mail server did not finish the message for {recipient}: {limit()}")
        return ConnectionLost(f"lost the connection to the mail server ({error or type(error).__name__})")

    def _new_client(self) -> smtplib.SMTP:
        tls = ssl.create_default_context() if self.settings.security == "ssl" else None
        return _WatchedSMTP(self.watchdog, self.settings.host, self.settings.timeout, tls)

    @contextmanager
    def _watch(self, deadline: float) -> Iterator[Callable[[], str]]:
        """Watch one exchange until `message_timeout` or the batch's deadline, whichever comes first.

        Yields a function that says which limit it was, for the error message.
        """
        own = self.settings.message_timeout
        seconds = min(own, deadline - time.monotonic())

        def limit() -> str:
            if seconds < own:
                return "the batch's time ([smtp] batch_timeout) ran out"
            return f"it took more than [smtp] message_timeout = {own:g} s"

        with self.watchdog.watch(seconds):
            yield limit



TRANSPORTS: dict[str, Callable[[Settings, Pacer | None], Transport]] = {
    "smtp": SmtpTransport.from_settings,
}


def make_transport(settings: Settings, pacer: Pacer | None = None) -> Transport:
    """The transport `[delivery] mode` names, not connected yet; `pacer` shares one rate limit between several."""
    factory = TRANSPORTS.get(settings.delivery_mode)
    if factory is None:
        raise ConfigError(f"[delivery] mode: {settings.delivery_mode!r} does not send to subscribers",
                          hint=f"one of: {', '.join(TRANSPORTS)}")
    return factory(settings, pacer)


def connect(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    """Open `client`'s connection, secure it and (when a user is set) log in."""
    problem = password_problem(settings) or plaintext_login_problem(settings.user, settings.security,
                                                                    settings.allow_plaintext_login)
    if problem:
        raise ConfigError(problem)
    password = os.environ.get(settings.password_env, "")
    where = f"{settings.host}:{settings.port}"
    try:
        client.connect(settings.host, settings.port)
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


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        client.close()


def _recipient_refusal(code: int, reply: bytes | str, recipient: str) -> DeliveryError:
    """A refusal of RCPT: a 5xx is the address's (a bounce)."""
    message = f"refused {recipient}: {code} {_text(reply)}"
    if 500 <= code < 600:
        return RecipientRefused(message)
    return _refusal(code, reply, f"refused {recipient}")


def _message_refusal(code: int, reply: bytes | str, recipient: str) -> DeliveryError:
    """A refusal after DATA: a 5xx is the message's (content, size, policy), unless its
    enhanced status code says the address is the problem (X.1.X), as servers that check
    recipients only after the data do."""
    text = _text(reply)
    if not 500 <= code < 600:
        return _refusal(code, reply, f"refused the message for {recipient}")
    enhanced = _ENHANCED_CODE.match(text)
    if enhanced and enhanced[2] == ADDRESSING_SUBJECT:
        return RecipientRefused(f"refused {recipient} after the message: {code} {text}")
    return MessageRefused(f"refused the message for {recipient}: {code} {text}")


def _refusal(code: int, reply: bytes | str, what: str) -> DeliveryError:
    message = f"{what}: {code} {_text(reply)}"
    if 500 <= code < 600:
        return MessageRefused(message)
    if code == 421:  # "service not available, closing channel": the connection is gone
        return ConnectionLost(message)
    return TemporaryDeliveryError(message)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
