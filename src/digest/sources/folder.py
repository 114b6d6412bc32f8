"""The inbox folder: every file matching the configured patterns is an issue.

An issue's identity is the sha256 of its bytes, so renaming or touching a file
does not make it new, and a file rewritten with new content is a new issue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from digest.errors import ConfigError
from digest.models import IssueFailure, RawIssue


class FolderSource:
    """Issue files in one folder, matched by glob patterns."""

    def __init__(self, folder: Path, patterns: list[str], config_path: Path | None = None) -> None:
        self.folder = folder
        self.patterns = patterns
        self.config_path = config_path
        self.name = str(folder)

    def paths(self) -> list[Path]:
        """Files in the folder matching the patterns, oldest name first."""
        if not self.folder.is_dir():
            where = self.config_path or "embedded defaults"
            raise ConfigError(f"{self.folder}: inbox folder not found", hint=f"set [inbox] folder in {where}")
        found = {p for pattern in self.patterns for p in self.folder.glob(pattern) if p.is_file()}
        return sorted(found)

    def fetch(self) -> Iterator[RawIssue | IssueFailure]:
        for path in self.paths():
            yield read_file(path)


def read_file(path: Path) -> RawIssue | IssueFailure:
    """One file as a `RawIssue`, or a failure naming the file when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return IssueFailure(path.name, f"{path}: cannot read ({e.strerror or e})")
    return RawIssue(id=hashlib.sha256(data).hexdigest(), origin=str(path), name=path.name, data=data)
