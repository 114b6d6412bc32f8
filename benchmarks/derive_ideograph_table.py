"""Derive src/digest/data/cjk_equivalent_ideographs.txt from Unicode's EquivalentUnifiedIdeograph.txt.

Usage: python benchmarks/derive_ideograph_table.py [SOURCE] [--font FILE ...]

The source ships in Debian's `unicode-data` package. The derived table keeps one
mapping a line ("2E81 5382": radical or stroke, unified ideograph), ranges expanded,
comments and names dropped; its header says where it came from.

Unicode maps a radical to the ideograph of the Kangxi dictionary's shape (⼾ to
戶). A PDF carries a radical where its font draws the radical and an ideograph
with one glyph, and its producer wrote the radical's code point for that glyph:
so the text meant the ideograph the font shares the glyph with. In the simplified
Chinese fonts (`--font`, by default Debian's `fonts-noto-cjk`: Noto Sans CJK SC
and Noto Serif CJK SC, every face) ⼾ is drawn as 户, not 戶. Where every SC face
of every font draws a radical with the glyph of one other ideograph of the
unified block, the table maps the radical to that ideograph; the header lists
those changes.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

SOURCE = Path("/usr/share/unicode/EquivalentUnifiedIdeograph.txt")
FONTS = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
         Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"))
TARGET = Path(__file__).resolve().parent.parent / "src" / "digest" / "data" / "cjk_equivalent_ideographs.txt"
MAPPING = re.compile(r"^([0-9A-F]{4,6})(?:\.\.([0-9A-F]{4,6}))?\s*;\s*([0-9A-F]{4,6})")  # "2E81 ; 5382" or a range
VERSION = re.compile(r"^# (EquivalentUnifiedIdeograph-[\d.]+\.txt)")  # the file's own name and version line
UNIFIED = range(0x4E00, 0xA000)  # the unified block, where running text's ideographs are
SIMPLIFIED_FACE = " SC"  # how the Noto CJK collections name their simplified Chinese faces


def read_equivalents(source: Path) -> tuple[str, dict[int, int]]:
    """The source's version line and its radical → ideograph mappings, ranges expanded."""
    version = "EquivalentUnifiedIdeograph.txt"
    table: dict[int, int] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        if found := VERSION.match(line):
            version = found.group(1)
        if found := MAPPING.match(line):
            first, last, target = found.group(1), found.group(2) or found.group(1), found.group(3)
            table.update({code: int(target, 16) for code in range(int(first, 16), int(last, 16) + 1)})
    return version, table


def glyph_partners(fonts: Sequence[Path], table: dict[int, int]) -> dict[int, int]:
    """Radicals that every simplified Chinese face draws with the glyph of one ideograph of the unified block
    other than Unicode's: radical → that ideograph."""
    from fontTools.ttLib import TTCollection  # the `bench` extra: only rebuilding the table needs it

    agreed: dict[int, set[int]] = {}
    faces = 0
    for path in fonts:
        for face in TTCollection(str(path)).fonts:
            if SIMPLIFIED_FACE not in face["name"].getDebugName(4):
                continue
            faces += 1
            cmap = face.getBestCmap()
            drawn: dict[str, set[int]] = {}  # glyph → the unified ideographs drawn with it
            for code, glyph in cmap.items():
                if code in UNIFIED:
                    drawn.setdefault(glyph, set()).add(code)
            for radical in table:
                shared = drawn.get(cmap.get(radical, ""), set())
                agreed[radical] = agreed.get(radical, shared) & shared
    if not faces:
        raise SystemExit(f"no simplified Chinese face in {', '.join(map(str, fonts))}")
    return {radical: min(shared) for radical, shared in agreed.items()
            if len(shared) == 1 and table[radical] not in shared}


def derive(source: Path, fonts: Sequence[Path]) -> str:
    """The derived table's text."""
    version, table = read_equivalents(source)
    partners = glyph_partners(fonts, table)
    table.update(partners)
    changes = ", ".join(f"{chr(r)} {r:04X} → {chr(i)} {i:04X}" for r, i in sorted(partners.items()))
    header = (f"# Derived from Unicode's {version} (Unicode Character Database;"
              " see LICENSE-Unicode.txt).\n"
              "# Modified: comments and names removed, ranges expanded;"
              " one 'radical-or-stroke ideograph' pair a line;\n"
              "# a radical the simplified Chinese fonts draw with another ideograph's glyph maps to that"
              f" ideograph ({', '.join(p.name for p in fonts)}): {changes or 'none'}.\n")
    return header + "".join(f"{code:04X} {target:04X}\n" for code, target in sorted(table.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, nargs="?", default=SOURCE)
    parser.add_argument("--font", type=Path, action="append", help="a font collection with SC faces (repeatable)")
    args = parser.parse_args()
    TARGET.write_text(derive(args.source, args.font or FONTS), encoding="utf-8")
    print(TARGET)


if __name__ == "__main__":
    main()
