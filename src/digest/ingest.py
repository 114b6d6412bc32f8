"""Read one inbox file into an `Issue`: bytes, hash and decoded text.

Decoding relies on byte-order marks first (UTF-8, UTF-16), then on strict
UTF-8, then on GB18030 (a superset of GBK and GB2312, the usual legacy encodings
of Chinese text). A file with NUL bytes and no UTF-16 mark, or one that decodes
to text without Chinese or Latin letters, is reported as not a text issue.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from digest.errors import IssueError
from digest.models import Issue

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_issue(path: Path) -> Issue:
    """Read and decode an issue file; raise `IssueError` naming the file and the problem."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IssueError(f"{path}: cannot read ({e.strerror or e})") from e
    if not raw.strip():
        raise IssueError(f"{path}: the file is empty")
    text, encoding = decode_bytes(raw, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not any(c.isalpha() for c in text):
        raise IssueError(f"{path}: no text in the file")
    return Issue(path=path, text=text, sha256=hashlib.sha256(raw).hexdigest(), encoding=encoding)


def decode_bytes(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode an issue's bytes, returning the text and the encoding used."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as e:
                raise IssueError(f"{path}: broken {encoding} text at byte {e.start}") from e
    if b"\x00" in raw:
        raise IssueError(f"{path}: binary file, not text")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise IssueError(f"{path}: not UTF-8, UTF-16 or GB18030 text")
