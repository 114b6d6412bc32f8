"""mbox files: a container of newsletter mails, one issue per message.

`MboxContainer` splits the file into one `RawIssue` per message, each
identified by the sha256 of its own bytes, so a mail appended to the file
later is new and the ones already taken are not. Splitting needs only the
separator lines, not the email package: every run splits every mbox file of
the inbox to see what is new, also a run that finds nothing.
"""

from __future__ import annotations

import hashlib
import re

from digest.errors import IssueError
from digest.extract import sniff
from digest.models import RawIssue

# The separator line that opens each message of an mbox file ("From sender date").
_MBOX_FROM = re.compile(rb"^From \S", re.M)
# A body line that an mbox writer quoted because it began with "From " (">From ", ">>From "…).
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.M)


class MboxContainer:
    """An mbox file: one issue per mail."""

    name = "mbox"

    def accepts(self, raw: RawIssue) -> bool:
        return sniff.is_mbox(raw.data)

    def unpack(self, raw: RawIssue) -> list[RawIssue]:
        messages = split_mbox(raw.data)
        if not messages:
            raise IssueError(f"{raw.origin}: no mail in the mbox file")
        return [RawIssue(id=hashlib.sha256(data).hexdigest(), origin=f"{raw.origin} (mail {n})",
                         name=f"{raw.name}#{n}", data=data, media_type="message/rfc822", metadata=raw.metadata)
                for n, data in enumerate(messages, 1)]


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox file, each without its "From " line and with quoted "From " lines restored."""
    starts = [m.start() for m in _MBOX_FROM.finditer(data)]
    messages = []
    for k, start in enumerate(starts):
        chunk = data[start:starts[k + 1] if k + 1 < len(starts) else len(data)]
        _, _, message = chunk.partition(b"\n")
        message = _QUOTED_FROM.sub(rb"\1", message)
        if sniff.is_mail(message):
            messages.append(message)
        elif messages:  # a "From " line inside a body that the writer did not quote: it belongs to the mail above
            messages[-1] += chunk
    return messages
