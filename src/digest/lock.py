"""An exclusive, non-blocking lock so that two overlapping runs cannot collide.

The lock is an `flock` on a file beside the state database: the kernel
releases it when the process ends, however it ends, so a run killed with
SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from digest.errors import StateError
from digest.store import PRIVATE_MODE


@contextmanager
def run_lock(path: Path) -> Iterator[bool]:
    """Hold the lock for the block; yields False (holding nothing) when another process has it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    except OSError as e:
        raise StateError(f"{path}: cannot create the lock file ({e.strerror or e})") from e
    with suppress(PermissionError):  # another user's lock file; it holds only a process id
        os.fchmod(fd, PRIVATE_MODE)  # one an older version made readable to all, like the database
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield True
    finally:
        os.close(fd)
