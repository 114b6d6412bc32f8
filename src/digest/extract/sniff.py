"""What a file's bytes are, told from their content, never from the file's name.

Each extractor asks here whether the bytes are its kind of document; what no
extractor takes is described by `describe_binary` ("a PNG image", "a Word
document") for the one-line message that refuses it. Signatures are the
formats' own magic numbers; markup and mail are recognised by how they begin.
"""

from __future__ import annotations

import codecs
import io
import re

_HEAD = 4096  # every signature and the start of any markup or header block sits in this many bytes

# (magic bytes, offset, what the file is): formats that are never an issue we read.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
    (b"\x00\x00\x01\x00", 0, "an icon image"),
    (b"8BPS", 0, "a Photoshop image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "an old Microsoft Office document (DOC/XLS/PPT)"),
    (b"{\\rtf", 0, "an RTF document"),
    (b"\x1f\x8b", 0, "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7z archive"),
    (b"Rar!\x1a\x07", 0, "a RAR archive"),
    (b"BZh", 0, "a bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "an xz archive"),
    (b"\x28\xb5\x2f\xfd", 0, "a zstd archive"),
    (b"ustar", 257, "a tar archive"),
    (b"MSCF", 0, "a cabinet archive"),
    (b"\x7fELF", 0, "a program (ELF executable)"),
    (b"MZ", 0, "a Windows program"),
    (b"\xcf\xfa\xed\xfe", 0, "a program (Mach-O executable)"),
    (b"\xca\xfe\xba\xbe", 0, "a Java class or Mach-O program"),
    (b"SQLite format 3\x00", 0, "an SQLite database"),
    (b"ftyp", 4, "a video or image (ISO media: MP4, MOV, HEIC)"),
    (b"OggS", 0, "an Ogg audio or video file"),
    (b"fLaC", 0, "a FLAC audio file"),
    (b"ID3", 0, "an MP3 audio file"),
    (b"\x1a\x45\xdf\xa3", 0, "a Matroska/WebM video"),
    (b"wOFF", 0, "a web font"),
    (b"wOF2", 0, "a web font"),
)
# RIFF containers say what they hold at offset 8.
_RIFF_KINDS = {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}
# The member that tells one ZIP-based format from another, and what the file then is.
_ZIP_MEMBERS = (
    ("word/", "a Word document (DOCX)"),
    ("xl/", "an Excel workbook (XLSX)"),
    ("ppt/", "a PowerPoint presentation (PPTX)"),
    ("META-INF/container.xml", "an EPUB e-book"),
    ("content.xml", "an OpenDocument file"),
)
# Signatures short enough to begin ordinary text ("BZh…", "MZ…", "ID3…") count only in a file with NUL bytes.
_WEAK = frozenset({b"BZh", b"MZ", b"ID3"})

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Markup at the very start: a doctype, an XML declaration, a comment (such as a
# browser's "saved from" note) or an HTML element.
_MARKUP_START = re.compile(
    rb"\s*(?:<!doctype\s+html|<\?xml[^>]*>\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+)?html|<!--|"
    rb"<(?:html|head|body|meta|title|div|table|p|h[1-6]|center|section|article|span|font|style|link|base)[\s>/])",
    re.I | re.S,
)
# An html, head or body element anywhere near the start: markup after a stray preamble.
_DOCUMENT_TAG = re.compile(rb"<(?:html|body|head)[\s>]", re.I)
# An RFC 5322 header field: a name of printable ASCII without colon or space, a colon, a value.
_HEADER_FIELD = re.compile(rb"^[!-9;-~]+:[ \t]?.*$")
# The header fields of which a message must show at least two, From or Subject among them.
_MAIL_FIELDS = frozenset({b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
                          b"content-type", b"received", b"return-path", b"delivered-to", b"reply-to",
                          b"sender", b"cc", b"list-unsubscribe", b"x-mailer"})
# The "From " separator line that opens each message of an mbox file: "From sender date".
_MBOX_SEPARATOR = re.compile(rb"^From \S+.*$")


def describe_binary(data: bytes) -> str | None:
    """What a file that is not text is ("a PNG image"), or None when the bytes may be text."""
    head = data[:_HEAD]
    if head.startswith(_BOMS):
        return None
    has_nul = b"\x00" in head
    if head.startswith(b"RIFF") and head[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[head[8:12]]
    if head.startswith(b"PK\x03\x04"):
        return _describe_zip(data)
    for magic, offset, kind in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic and (has_nul or magic not in _WEAK):
            return kind
    if has_nul and utf16_text(data) is None:
        return "a binary file"
    return None


def _describe_zip(data: bytes) -> str:
    import zipfile  # late: it loads shutil, bz2 and lzma, and only a ZIP file in the inbox is looked into

    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "a ZIP archive"
    for member, kind in _ZIP_MEMBERS:
        if any(name.startswith(member) for name in names):
            return kind
    return "a ZIP archive"


def utf16_text(data: bytes) -> str | None:
    """The text of UTF-16 without a byte-order mark, told by its zero bytes; None when it is not that."""
    sample = data[:_HEAD - _HEAD % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # ASCII-range characters (markup, digits, line ends) put a zero byte on one side of each pair; a
    # code point such as U+4E00 puts one on the other side now and then
    encoding = "utf-16-le" if odd > 2 * even else "utf-16-be" if even > 2 * odd else None
    if encoding is None:
        return None
    try:
        text = data[:len(data) - len(data) % 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    shown = sum(1 for c in text[:_HEAD] if c.isprintable() or c.isspace())
    return text if shown >= 0.95 * len(text[:_HEAD]) else None


def _ascii_head(data: bytes) -> bytes:
    """The start of the bytes with any byte-order mark taken off, UTF-16 turned into ASCII-compatible bytes."""
    head = data[:_HEAD]
    if head.startswith(codecs.BOM_UTF8):
        return head[3:]
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(encoding, "ignore").encode("utf-8")
    text = utf16_text(head)
    return text.encode("utf-8") if text is not None else head


def is_pdf(data: bytes) -> bool:
    """A PDF file: the "%PDF-" header, which the format allows within its first kilobyte."""
    return b"%PDF-" in data[:1024]


def is_html(data: bytes) -> bool:
    """An HTML document or fragment: it starts with markup, or holds an html/head/body element near the start."""
    head = _ascii_head(data)
    return bool(_MARKUP_START.match(head) or _DOCUMENT_TAG.search(head))


def is_mail(data: bytes) -> bool:
    """An RFC 5322 message: it opens with a block of header fields naming a sender or a subject."""
    lines = _ascii_head(data).lstrip(b"\r\n").splitlines()
    names: set[bytes] = set()
    for line in lines:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and names:
            continue  # a folded continuation of the field above
        if not _HEADER_FIELD.match(line):
            return False
        names.add(line.split(b":", 1)[0].lower())
    known = names & _MAIL_FIELDS
    return len(known) >= 2 and bool(known & {b"from", b"subject"})


def is_mbox(data: bytes) -> bool:
    """An mbox file: a "From " separator line, then a message's header block."""
    head = _ascii_head(data)
    first, _, rest = head.partition(b"\n")
    return bool(_MBOX_SEPARATOR.match(first.rstrip(b"\r"))) and is_mail(rest)
