"""Turn a rendered digest into RFC 5322 messages and put them where they go.

Outbox mode writes `NAME.eml` (multipart/alternative, text then HTML, UTF-8),
`NAME.html` and `NAME.txt`. Every file is written to a temporary name in the
same folder, flushed to disk and renamed, so a reader never sees half a file
and a crash leaves either the old state or the new one.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from digest.errors import DeliveryError
from digest.models import RenderedDigest

LOGGER = logging.getLogger(__name__)


def build_message(rendered: RenderedDigest, *, sender: str, to: str, date: datetime,
                  extra_headers: Mapping[str, str] | None = None) -> EmailMessage:
    """A multipart/alternative message: the plain-text part first, then the HTML part."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(sender)
    message["To"] = _address(to)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    for name, value in (extra_headers or {}).items():
        message[name] = value
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message


def _address(value: str) -> Address:
    name, addr = parseaddr(value)
    if "@" not in addr:
        raise DeliveryError(f"{value!r} is not an email address", hint="set [digest] sender and to")
    username, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=username, domain=domain)


def _domain(value: str) -> str:
    return parseaddr(value)[1].rsplit("@", 1)[-1] or "localhost"


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
