"""A real SMTP server on the loopback interface (aiosmtpd in a thread) that records what it
accepts and can be told to misbehave: refuse a recipient or a message, drop the connection,
trickle a reply, answer slowly. For the delivery tests and the SMTP benchmark."""

from __future__ import annotations

import asyncio
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
    """aiosmtpd handler: accepts everything except what its faults name.

    `faults` maps the n-th RCPT command the server sees (counting from 1, across connections),
    or a recipient address, to a reply such as "550 5.1.1 no such mailbox" or "451 4.3.0 busy",
    or to "drop" (close the connection without a reply).

    `data_faults` maps the n-th message (counting from 1, across connections), or a recipient
    address, to the reply after its data: a refusal such as "554 5.7.1 content rejected", or
    "trickle" (a continuation line every `trickle_every` seconds until the client gives up,
    the way a server that never finishes its reply looks), or "slow" (accept after `slow_seconds`).

    `ehlo_fault = "trickle"` trickles the reply to EHLO the same way, on every connection.
    """

    faults: dict[int | str, str] = field(default_factory=dict)
    data_faults: dict[int | str, str] = field(default_factory=dict)
    ehlo_fault: str | None = None
    trickle_every: float = 0.5
    slow_seconds: float = 1.0
    received: list[Received] = field(default_factory=list)
    rcpt_seen: int = 0
    data_seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,  # noqa: N802
                          responses: list[str]) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to a handler that implements the hook
        if self.ehlo_fault == "trickle":
            await self._trickle(server)
        return responses

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
        with self.lock:
            self.data_seen += 1
            fault = self.data_faults.get(self.data_seen) or next(
                (self.data_faults[r] for r in envelope.rcpt_tos if r in self.data_faults), None)
        if fault == "trickle" and not await self._trickle(server):
            return "250 OK queued"  # the client is gone: nothing was accepted
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
            if server.transport is None or server.transport.is_closing():
                return "250 OK queued"  # the client gave up waiting: it never heard the message was taken
        elif fault and fault != "trickle":
            return fault
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), message, envelope.original_content,
                                          tuple(session.peer)))  # type: ignore[arg-type]
        return "250 OK queued"

    async def _trickle(self, server: Any, lines: int = 1000) -> bool:
        """Send continuation lines until the client hangs up (False) or `lines` went out (True)."""
        for _ in range(lines):
            if server.transport is None or server.transport.is_closing():
                return False
            await server.push("250-still working on it")
            await asyncio.sleep(self.trickle_every)
        return True

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
