"""The same page in another shape yields the same articles.

Each seed is re-wrapped at other column widths (its logical lines cut into lines
of N characters, with and without a blank line after each), given CRLF line
ends, saved as GB18030, and has its punctuation switched between full- and
half-width. The articles must keep their titles, authors and first and last
sentences.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from digest import zh
from digest.extract.text import page_from_text
from digest.models import ParsedIssue
from digest.parse.repair import page_lines
from digest.parse.segment import segment_page as parse_issue
from digest.pipeline import read_page

INBOX = Path(__file__).resolve().parents[1] / "examples" / "inbox"
SEEDS = {p.stem[:3]: p for p in sorted(INBOX.glob("*.txt"))}
WIDTHS = range(10, 41)

_FULL = "，：；？！（）"
_HALF = ",:;?!()"
FULL_TO_HALF = str.maketrans(_FULL, _HALF)
HALF_TO_FULL = str.maketrans(_HALF, _FULL)

Signature = list[tuple[str, tuple[str, ...], str, str]]


def norm(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def signature(parsed: ParsedIssue) -> Signature:
    """What must not change: title, authors, first and last sentence of each article."""
    out = []
    for article in parsed.articles:
        sentences = zh.split_sentences(article.body)
        out.append((norm(article.title), tuple(norm(a) for a in article.authors),
                    norm(sentences[0]), norm(sentences[-1])))
    return out


def parse_text(text: str) -> ParsedIssue:
    return parse_issue(page_from_text(text))


def rewrap(text: str, width: int, blank_lines: bool) -> str:
    """The page's logical lines cut into lines of `width` characters."""
    lines = [line[i : i + width] for line in page_lines(text) for i in range(0, len(line), width)]
    return ("\n\n" if blank_lines else "\n").join(lines) + "\n"


@pytest.fixture(scope="module")
def originals() -> dict[str, tuple[str, Signature]]:
    return {key: (path.read_text(encoding="utf-8"), signature(parse_issue(read_page(path))))
            for key, path in SEEDS.items()}


@pytest.mark.parametrize("blank_lines", [False, True], ids=["packed", "blank-after-each"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_other_column_widths(originals: dict[str, tuple[str, Signature]], seed: str, width: int,
                             blank_lines: bool) -> None:
    text, expected = originals[seed]
    assert signature(parse_text(rewrap(text, width, blank_lines))) == expected


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_crlf_line_ends(originals: dict[str, tuple[str, Signature]], seed: str) -> None:
    text, expected = originals[seed]
    assert signature(parse_text(text.replace("\n", "\r\n"))) == expected


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_saved_as_gb18030(originals: dict[str, tuple[str, Signature]], seed: str, tmp_path: Path) -> None:
    text, expected = originals[seed]
    path = tmp_path / SEEDS[seed].name
    path.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    issue = read_page(path)
    assert issue.encoding == "gb18030"
    assert signature(parse_issue(issue)) == expected


@pytest.mark.parametrize("table", [FULL_TO_HALF, HALF_TO_FULL], ids=["to-half-width", "to-full-width"])
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_punctuation_width(originals: dict[str, tuple[str, Signature]], seed: str, table: dict[int, str]) -> None:
    text, expected = originals[seed]
    assert signature(parse_text(text.translate(table))) == expected


EVAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "pages"


@pytest.mark.parametrize("width", [24, 30, 36, 1000])
def test_web_pages_set_in_columns(width: int) -> None:
    """The other layout the other way round: web exports cut into page columns
    (1000: one paragraph a line with a blank line after each)."""
    if not EVAL_PAGES.is_dir():
        pytest.skip(f"eval pages not found at {EVAL_PAGES} (../shared is absent)")
    for path in sorted(EVAL_PAGES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        expected = signature(parse_text(text))
        assert signature(parse_text(rewrap(text, width, blank_lines=True))) == expected, path.name
