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
    """`text` with radical, stroke and compatibility code points replaced by their unified ideographs."""
    if not _SUSPECT.search(text):
        return text
    return _SUSPECT.sub(lambda found: _unified(found.group()), text)
