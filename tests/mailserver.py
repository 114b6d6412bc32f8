"""A real SMTP server on the loopback interface (aiosmtpd in a thread) that records what it
accepts and can be told to refuse a recipient or drop the connection, for the delivery tests
and the SMTP benchmark."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One accepted message: its envelope recipients and the parsed message."""

    recipients: list[str]
    message: EmailMessage
    raw: bytes
    peer: tuple[str, int]  # the client's address and port: one per connection


@dataclass
class MailHandler:
    """aiosmtpd handler: accepts everything except what `faults` names.

    `faults` maps the n-th RCPT command the server sees (counting from 1, across connections),
    or a recipient address, to a reply such as "550 5.1.1 no such mailbox" or "451 4.3.0 busy",
    or to "drop" (close the connection without a reply).
    """

    faults: dict[int | str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    rcpt_seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        with self.lock:
            self.rcpt_seen += 1
            fault = self.faults.get(self.rcpt_seen) or self.faults.get(address)
        if fault == "drop":
            server.transport.abort()
            return "421 4.3.0 going away"
        if fault:
            return fault
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), message, envelope.original_content,
                                          tuple(session.peer)))  # type: ignore[arg-type]
        return "250 OK queued"

    def recipients(self) -> list[str]:
        return [r for item in self.received for r in item.recipients]


class MailServer:
    """The handler behind a running aiosmtpd controller; use as a context manager."""

    def __init__(self, handler: MailHandler | None = None, **controller: Any) -> None:
        self.handler = handler or MailHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=LOOPBACK, port=self.port, **controller)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
