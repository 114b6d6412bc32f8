"""The errors `digest` raises on purpose, under one root.

The CLI catches `DigestError` once, prints `str(error)` on one line and exits
with `error.exit_code`; anything else is a bug and shows a traceback.
"""

from __future__ import annotations


class DigestError(Exception):
    """Root of every error the user can act on."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} ({self.hint})" if self.hint else message


class ConfigError(DigestError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = 2


class UsageError(DigestError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class IssueError(DigestError):
    """One issue file cannot be read or parsed; the run goes on without it."""


class UnsupportedIssueError(IssueError):
    """The file is no kind of issue we read (an image, an archive, an office file): trying again will not help."""


class StateError(DigestError):
    """The state database cannot be opened, migrated or written, or lacks what it should hold (a snapshot)."""


class RenderError(DigestError):
    """The digest email cannot be rendered (a broken template, most often)."""


class DeliveryError(DigestError):
    """The digest could not be delivered."""


class TemporaryDeliveryError(DeliveryError):
    """Delivery failed in a way that is worth retrying later (4xx, dropped connection)."""


class ConnectionLost(TemporaryDeliveryError):
    """A temporary failure that left no usable connection: the rest of the batch waits for a later run."""


class OutOfTime(TemporaryDeliveryError):
    """The batch's time (`[smtp] batch_timeout`) ran out before this message went: it waits, untried."""


class PermanentDeliveryError(DeliveryError):
    """The server refused the message for good (5xx)."""


class RecipientRefused(PermanentDeliveryError):
    """The server refused the recipient's address for good (5xx to RCPT): it counts towards bouncing."""


class MessageRefused(PermanentDeliveryError):
    """The server refused the message itself for good (5xx after DATA: content, size, policy), not the address."""


class SourceError(DigestError):
    """A feed or mailbox cannot be reached or read this run; it is tried again next run, nothing taken."""
