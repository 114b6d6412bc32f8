"""The inbox folder: every complete regular file inside it matching the configured patterns is an issue.

An issue's identity is the sha256 of its bytes, so renaming or touching a file
does not make it new, and a file rewritten with new content is a new issue.

What is taken, and why:
- only once it is complete: a name that marks a partial download or copy
  (`.part`, `.tmp`, `.crdownload`, `~`, a dot-file) is passed over, and so is a
  file modified less than `settle_seconds` ago (still being written, most likely:
  every write moves its mtime); the next run takes it;
- only regular files whose real path lies inside the folder: a symlink leading
  out of it, or a pattern such as `../*.toml`, would mail other files' lines to
  every subscriber. Those (and directories, pipes, devices) are refused once by
  name: the failure carries a `once_key`, and the state remembers it;
- only up to `max_bytes`: a larger file is one failure line, never read whole.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from digest.errors import ConfigError
from digest.models import IssueFailure, RawIssue

LOGGER = logging.getLogger(__name__)

# Name endings that browsers, download managers, rsync, editors and copy tools give a file until it is whole.
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~")


class FolderSource:
    """Issue files in one folder, matched by glob patterns."""

    def __init__(self, folder: Path, patterns: list[str], config_path: Path | None = None, *,
                 settle_seconds: float = 0, max_bytes: int | None = None) -> None:
        self.folder = folder
        self.patterns = patterns
        self.config_path = config_path
        self.settle_seconds = settle_seconds
        self.max_bytes = max_bytes
        self.name = str(folder)

    def paths(self) -> list[Path]:
        """Paths in the folder matching the patterns and not named as partial files, oldest name first."""
        if not self.folder.is_dir():
            where = self.config_path or "embedded defaults"
            raise ConfigError(f"{self.folder}: inbox folder not found", hint=f"set [inbox] folder in {where}")
        found = {p for pattern in self.patterns for p in self.folder.glob(pattern) if not is_partial_name(p)}
        return sorted(found)

    def fetch(self) -> Iterator[RawIssue | IssueFailure]:
        """Every complete issue file of the folder; what is not an issue file, as a failure."""
        root = self.folder.resolve()
        for path in self.paths():
            refusal = outside_or_special(path, root)
            if refusal:
                yield IssueFailure(path.name, f"{path}: {refusal}, not an issue", once_key=_refusal_key(path))
            elif self._settled(path):
                yield read_file(path.resolve(), self.max_bytes, shown=path)

    def _settled(self, path: Path) -> bool:
        try:
            age = abs(time.time() - path.stat().st_mtime)  # a clock running behind must not hold a file forever
        except OSError:
            return True  # read_file names the problem
        if age >= self.settle_seconds:
            return True
        LOGGER.info("%s: changed %.0f s ago, left for the next run ([inbox] settle_seconds = %g)",
                    path, age, self.settle_seconds)
        return False


def is_partial_name(path: Path) -> bool:
    """Whether the name marks a file still being downloaded, copied or edited (or hidden)."""
    return path.name.startswith(".") or path.name.lower().endswith(PARTIAL_SUFFIXES)


def outside_or_special(path: Path, root: Path) -> str | None:
    """Why `path` is not a regular file inside the folder `root` (what it is), or None when it is one."""
    try:
        real = path.resolve(strict=True)
        mode = real.stat().st_mode
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return "a broken or looping symbolic link" if path.is_symlink() else None
    if not real.is_relative_to(root):
        via = "a symbolic link" if path.is_symlink() else "a path"
        return f"{via} to {real}, outside the inbox folder"
    if stat.S_ISDIR(mode):
        return "a folder"
    if not stat.S_ISREG(mode):
        return "a pipe, socket or device"
    return None


def _refusal_key(path: Path) -> str:
    """What a refused path is remembered by: the path and where it leads, so a changed link is reported again."""
    try:
        target = os.readlink(path) if path.is_symlink() else ""
    except OSError:
        target = ""
    return "path:" + hashlib.sha256(f"{path}\0{target}".encode()).hexdigest()


def read_file(path: Path, max_bytes: int | None = None, shown: Path | None = None) -> RawIssue | IssueFailure:
    """One file as a `RawIssue`, or a failure naming the file when it cannot be read or is too large.

    `shown` is the path messages name (the inbox entry, when `path` is where it resolved to).
    """
    shown = shown or path
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                return _too_large(shown, size, max_bytes)
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as e:
        return IssueFailure(shown.name, f"{shown}: cannot read ({e.strerror or e})")
    if max_bytes is not None and len(data) > max_bytes:  # it grew while being read
        return _too_large(shown, len(data), max_bytes)
    return RawIssue(id=hashlib.sha256(data).hexdigest(), origin=str(shown), name=shown.name, data=data)


def _too_large(path: Path, size: int, max_bytes: int) -> IssueFailure:
    # Recorded as failed under its path and size (its bytes are never read), so the state shows it.
    key = "size:" + hashlib.sha256(f"{path}\0{size}".encode()).hexdigest()
    return IssueFailure(path.name, f"{path}: {size / 1e6:.1f} MB, more than [inbox] max_issue_mb "
                        f"({max_bytes / 1e6:g} MB); split it or raise the limit", key)
