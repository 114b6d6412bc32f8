"""A few connections to the carrier at once, each in its own thread, fed from one queue.

The thread that owns the ledger composes the messages, hands them over with
`submit` and records each `Outcome` as it comes back: the connections only
carry, so the ledger (and its database connection) never leaves that thread,
and a row still turns 'sent' only once the server accepted its message.

Rules:
- The first connection opens with the first message; the others open only once
  it is up, so a server that cannot be reached fails the batch exactly as one
  connection would. An extra connection that cannot open (a server limiting
  connections per client) leaves its message to the others and retires.
- A lost connection stops the whole batch, as with one connection: messages not
  yet started come back untried and wait for the next run.
- At most `window` messages are out at a time (one in hand and one waiting per
  connection), so a run killed mid-batch leaves at most that many accepted but
  not yet recorded (sent again with the same Message-ID), and memory stays flat.
- Every wait is bounded: a send by the transport's own limits, the caller's wait
  for an outcome by `patience`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from digest.errors import ConnectionLost, DeliveryError, OutOfTime
from digest.mail.message import OutgoingMessage
from digest.mail.transport import Transport

LOGGER = logging.getLogger(__name__)

Ticket = TypeVar("Ticket")


@dataclass(frozen=True)
class Outcome(Generic[Ticket]):
    """What became of one handed-over message.

    `error` is None when the server accepted it. `tried` is False when it never
    reached the server: the connection could not be opened (`error` says why),
    time ran out (`OutOfTime`), or the batch was stopping (`error` None).
    """

    ticket: Ticket
    error: Exception | None = None
    tried: bool = True


@dataclass(frozen=True)
class _Job(Generic[Ticket]):
    ticket: Ticket
    message: OutgoingMessage
    recipient: str


class ConnectionPool(Generic[Ticket]):
    """Up to `size` transports from `open_transport`, sending in parallel until `deadline`."""

    def __init__(self, open_transport: Callable[[], Transport], size: int, deadline: float,
                 patience: float) -> None:
        self.open_transport = open_transport
        self.size = max(size, 1)
        self.deadline = deadline
        self.patience = patience
        self.window = 2 * self.size
        self.in_flight = 0
        self.stopping = threading.Event()
        self._jobs: queue.Queue[_Job[Ticket] | None] = queue.Queue()
        self._outcomes: queue.Queue[Outcome[Ticket]] = queue.Queue()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, ticket: Ticket, message: OutgoingMessage, recipient: str) -> None:
        """Hand a message to the next free connection (the caller keeps `in_flight` under `window`)."""
        if not self._workers:
            self._start_worker(first=True)
        self.in_flight += 1
        self._jobs.put(_Job(ticket, message, recipient))

    def next_outcome(self) -> Outcome[Ticket] | None:
        """The next finished message, waiting `patience` seconds at most; None when nothing is out or came back."""
        if not self.in_flight:
            return None
        try:
            outcome = self._outcomes.get(timeout=self.patience)
        except queue.Empty:
            LOGGER.warning("no connection reported back within %g s; stopping the batch", self.patience)
            self.stopping.set()
            return None
        self.in_flight -= 1
        return outcome

    def finished(self) -> list[Outcome[Ticket]]:
        """The outcomes that are in already, without waiting."""
        done = []
        while True:
            try:
                done.append(self._outcomes.get_nowait())
            except queue.Empty:
                self.in_flight -= len(done)
                return done

    def close(self) -> list[Outcome[Ticket]]:
        """Let every connection finish the messages handed over and say QUIT; returns the outcomes still to record."""
        done = []
        while self.in_flight:
            outcome = self.next_outcome()
            if outcome is None:
                break
            done.append(outcome)
        for _ in self._workers:
            self._jobs.put(None)
        for worker in self._workers:
            worker.join(self.patience)
        return done

    def _start_worker(self, first: bool) -> None:
        worker = threading.Thread(target=self._work, args=(first,), daemon=True,
                                  name=f"smtp-connection-{len(self._workers) + 1}")
        self._workers.append(worker)
        worker.start()

    def _connected(self) -> None:
        """The first connection is up: open the others."""
        with self._lock:
            for _ in range(self.size - 1):
                self._start_worker(first=False)

    def _work(self, first: bool) -> None:
        """One connection's loop: take a message, send it, report; QUIT at the end."""
        transport: Transport | None = None
        try:
            while (job := self._jobs.get()) is not None:
                if self.stopping.is_set():
                    self._outcomes.put(Outcome(job.ticket, tried=False))
                    continue
                if transport is None:
                    transport = self._open(job, first)
                    if transport is None and first:
                        continue  # reported, and the batch is stopping: what is queued comes back untried
                    if transport is None:
                        return  # the job went back to the queue for the other connections
                    if first:
                        self._connected()
                self._outcomes.put(self._send(transport, job))
        finally:
            if transport is not None:
                transport.close()

    def _open(self, job: _Job[Ticket], first: bool) -> Transport | None:
        """A connected transport, or None after reporting (first) or passing on (extra) the job."""
        transport = self.open_transport()
        try:
            transport.open(self.deadline)
        except Exception as e:  # reported to the thread that owns the ledger, and raised there
            transport.close()
            if first:
                self.stopping.set()
                self._outcomes.put(Outcome(job.ticket, error=e, tried=False))
            else:
                LOGGER.warning("an extra connection to the mail server could not open (%s); going on with fewer", e)
                self._jobs.put(job)
            return None
        return transport

    def _send(self, transport: Transport, job: _Job[Ticket]) -> Outcome[Ticket]:
        try:
            transport.send(job.message, job.recipient, self.deadline)
        except OutOfTime as e:
            self.stopping.set()
            return Outcome(job.ticket, error=e, tried=False)
        except ConnectionLost as e:
            self.stopping.set()  # before reporting: no connection starts another message after this
            return Outcome(job.ticket, error=e)
        except DeliveryError as e:
            return Outcome(job.ticket, error=e)
        return Outcome(job.ticket)
