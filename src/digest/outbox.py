"""Outbox mode: the digest as files, written so that no reader ever sees half of one.

Each digest is `NAME.eml` (the whole message), `NAME.html` and `NAME.txt` in the
outbox folder, and `NAME.html` in the archive folder when the email had to be
shortened (the full copy its "read the full digest" link points at). Every file
is written to a temporary name in the same folder, flushed to disk and renamed,
so a crash leaves either the old state or the new one.
"""

from __future__ import annotations

import logging
import os
import secrets
from email.message import EmailMessage
from pathlib import Path

from digest.errors import DeliveryError
from digest.models import RenderedDigest

LOGGER = logging.getLogger(__name__)


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
        raise DeliveryError(f"{outbox}: cannot write the digest ({e.strerror or e}); "
                            "set [output] outbox to a folder this user can write") from e
    LOGGER.info("wrote %s", paths["eml"])
    return paths


def write_archive_copy(rendered: RenderedDigest, archive: Path, name: str) -> None:
    """The full HTML of a digest whose email was shortened, as `NAME.html` in the archive; nothing otherwise."""
    if not rendered.archive_html:
        return
    try:
        archive.mkdir(parents=True, exist_ok=True)
        atomic_write(archive / f"{name}.html", rendered.archive_html.encode("utf-8"))
    except OSError as e:  # e.g. a regular file where a folder of the path should be
        raise DeliveryError(f"{archive}: cannot write the digest's full copy ({e.strerror or e}); "
                            "set [output] archive to a folder this user can write") from e


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename; the file's mode follows the umask.

    `tempfile.mkstemp` would make every file 0600, so a web server running as
    another user could not serve the archive. Digest files hold nothing personal
    (the SMTP copies with each reader's link are never written), so they get the
    mode any new file gets, 0666 less the umask; a stricter umask keeps them private.
    """
    temp, fd = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _create_temporary(path: Path) -> tuple[Path, int]:
    """A new hidden file beside `path`, opened for writing, that nobody else has created."""
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
