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

Marks are folded the same way, to the code points GB/T 15834 writes. A PDF
writer that names glyphs from the font's own map (xdvipdfmx does) may name a
mark's glyph by another code point the font draws with it. Noto Sans CJK SC
draws the 间隔号 (U+00B7), the katakana middle dot (U+30FB) and the
hyphenation point (U+2027) with one glyph; every SC face draws the 省略号's
ellipsis (U+2026) as the midline ellipsis (U+22EF) and the full-width tilde
of a range (U+FF5E) as the wave dash (U+301C); `MARKS` folds each to the
former. The 破折号 is two em dashes, and fonts join the pair into one two-em
dash glyph, which LuaTeX names U+2E3A; GBK's dash (A1AA) is U+2014 to GB 18030
and U+2015 to Windows' code page 936, and Cairo writes Chromium's dash as U+2015.
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
# Marks a simplified Chinese font draws with a GB/T 15834 mark's glyph, each to that mark; the two-em
# dash to the two em dashes of a 破折号.
MARKS = {"\u30fb": "\u00b7", "\u2027": "\u00b7", "\u22ef": "\u2026", "\u301c": "\uff5e", "\u2e3a": "\u2014\u2014"}
_FOLD_MARKS = str.maketrans({**MARKS, "\u2015": "\u2014"})


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
    text = text.translate(_FOLD_MARKS)
    if not _SUSPECT.search(text):
        return text
    return _SUSPECT.sub(lambda found: _unified(found.group()), text)
