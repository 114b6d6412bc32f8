"""Chinese text rules shared by every stage: character classes, spacing,
punctuation width and sentence splitting.

Rules here rely only on Unicode properties and on the punctuation conventions
of modern written Chinese (GB/T 15834), never on any particular publication.
"""

from __future__ import annotations

import re

# Han ideographs plus the CJK punctuation and full-width forms that sit between them.
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2026\u2018\u2019\u201c\u201d\u00b7"
CJK_CHAR = re.compile(f"[{CJK}]")

# A space between two CJK characters (or CJK punctuation) never carries meaning.
_SPACE_IN_CJK = re.compile(f"(?<=[{CJK}{CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[{CJK}{CJK_PUNCT}])")
# Letter-spaced numbers ("4 月 28 日", "100 周年") lose the space next to a CJK character.
_SPACE_DIGIT_CJK = re.compile(f"(?<=[0-9])[ \t\u3000\u00a0]+(?=[{CJK}{CJK_PUNCT}])")
_SPACE_CJK_DIGIT = re.compile(f"(?<=[{CJK}{CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[0-9])")

# Half-width punctuation shown full-width when a CJK character touches it.
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT_IN_CJK = re.compile(
    f"(?<=[{CJK}{CJK_PUNCT}])([,:;?!)])|([,:;?!(])(?=[{CJK}{CJK_PUNCT}])|(?<=[{CJK}])(\\()"
)

SENTENCE_END = "。！？!?"
CLOSERS = "”’」』）)》】〕"
_SENTENCE = re.compile(
    rf"[^{SENTENCE_END}…]*?(?:[{SENTENCE_END}]+|…{{2,}}|……)[{CLOSERS}]*|[^{SENTENCE_END}…]+$|…+$"
)


def has_cjk(text: str) -> bool:
    """True when the text holds at least one Han character."""
    return CJK_CHAR.search(text) is not None


def cjk_ratio(text: str) -> float:
    """Share of the non-space characters that are Han ideographs."""
    chars = [c for c in text if not c.isspace()]
    return sum(1 for c in chars if CJK_CHAR.match(c)) / len(chars) if chars else 0.0


def collapse_cjk_spaces(text: str) -> str:
    """Undo letter-spacing: drop spaces that touch CJK on both sides, or a digit and CJK."""
    text = _SPACE_IN_CJK.sub("", text)
    text = _SPACE_DIGIT_CJK.sub("", text)
    return _SPACE_CJK_DIGIT.sub("", text)


def fullwidth_punctuation(text: str) -> str:
    """Show ASCII punctuation that touches Han characters in its full-width form.

    URLs and numbers are left alone: a colon or comma between digits or Latin
    letters has no CJK neighbour and is not matched.
    """

    def swap(match: re.Match[str]) -> str:
        return _HALF_TO_FULL[match.group(0)]

    return _HALF_PUNCT_IN_CJK.sub(swap, text)


def normalize_spacing(text: str) -> str:
    """Letter-spacing undone and punctuation shown in its Chinese width."""
    return fullwidth_punctuation(collapse_cjk_spaces(text)).strip()


def split_sentences(text: str) -> list[str]:
    """Split Chinese text into sentences.

    A sentence ends at 。！？ (or a run of them) or at an ellipsis, and keeps the
    closing quotes and brackets that follow ("……。”" stays whole). A full stop
    between digits (3.5) is ASCII and never a boundary. Text after the last end
    mark is a sentence of its own, so nothing is lost.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        for match in _SENTENCE.finditer(line.strip()):
            sentence = match.group(0).strip()
            if sentence:
                sentences.append(sentence)
    return sentences
