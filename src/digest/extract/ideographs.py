"""Ideographs as CJK documents really encode them, mapped to the unified ideographs readers mean.

Many PDFs (and pages copied from them) carry Kangxi radicals (⽉ U+2F49 for 月),
CJK radicals-supplement forms (⺠ U+2EA0 for 民) and compatibility ideographs
where the text means the ordinary character: the glyphs look the same, the code
points do not match, and every later stage (word splitting, duplicate checks,
the scorer) would see different words. NFKC maps the Kangxi radicals and the
compatibility ideographs; Unicode's EquivalentUnifiedIdeograph table (shipped
in `data/`, see its licence) maps the radicals and strokes NFKC leaves alone.
The table comes first, and where the simplified Chinese fonts draw a radical
with the glyph of another ideograph than Unicode names (⼾ is drawn as 户, not
戶), it maps to that one: a producer writes the radical's code point for a glyph
the font shares, so the text meant what the glyph shows.

Two marks are folded the same way, to what GB/T 15834 writes. Chinese text has
one interpunct, the 间隔号 (U+00B7, between the parts of a foreign name or of a
two-part label). Noto Sans CJK SC draws it, the katakana middle dot (U+30FB)
and the hyphenation point (U+2027) with one full-width glyph, so a PDF writer
that names glyphs from the font's own map (xdvipdfmx does) may write the
katakana dot where the text had the 间隔号. The 破折号 is two em dashes; fonts
join the pair into one two-em dash glyph, which LuaTeX names U+2E3A.
Nothing else in the text is touched: full-width punctuation stays full-width.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

_TABLE = "data/cjk_equivalent_ideographs.txt"
# Code points that may stand for a unified ideograph: radicals supplement, Kangxi radicals,
# CJK strokes, compatibility ideographs and their supplement.
_SUSPECT = re.compile("[\u2e80-\u2fdf\u31c0-\u31ef\uf900-\ufaff\U0002f800-\U0002fa1f]")
# The marks a CJK font draws with the 间隔号's glyph, each to the 间隔号 (U+00B7); the two-em dash to
# the two em dashes of a 破折号.
_MARKS = str.maketrans({"\u30fb": "\u00b7", "\u2027": "\u00b7", "\u2e3a": "\u2014\u2014"})


@functools.cache
def _equivalents() -> dict[str, str]:
    """The shipped radical/stroke → unified ideograph table."""
    table: dict[str, str] = {}
    for line in resources.files("digest").joinpath(_TABLE).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, target = line.split()
            table[chr(int(source, 16))] = chr(int(target, 16))
    return table


def _unified(char: str) -> str:
    # The table first: it reads ⼾ as the simplified Chinese fonts draw it (户), where NFKC gives 戶.
    if (equivalent := _equivalents().get(char)) is not None:
        return equivalent
    normal = unicodedata.normalize("NFKC", char)
    return normal if len(normal) == 1 and not _SUSPECT.match(normal) else char


def unify_ideographs(text: str) -> str:
    """`text` with radical, stroke and compatibility code points replaced by their unified ideographs,
    and the marks above written as GB/T 15834 writes them."""
    text = text.translate(_MARKS)
    if not _SUSPECT.search(text):
        return text
    return _SUSPECT.sub(lambda found: _unified(found.group()), text)
