"""Derive src/digest/data/cjk_equivalent_ideographs.txt from Unicode's EquivalentUnifiedIdeograph.txt.

Usage: python benchmarks/derive_ideograph_table.py [/usr/share/unicode/EquivalentUnifiedIdeograph.txt]

The source ships in Debian's `unicode-data` package. The derived table keeps one
mapping a line ("2E81 5382": radical or stroke, unified ideograph), ranges expanded,
comments and names dropped; its header says where it came from.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SOURCE = Path("/usr/share/unicode/EquivalentUnifiedIdeograph.txt")
TARGET = Path(__file__).resolve().parent.parent / "src" / "digest" / "data" / "cjk_equivalent_ideographs.txt"
MAPPING = re.compile(r"^([0-9A-F]{4,6})(?:\.\.([0-9A-F]{4,6}))?\s*;\s*([0-9A-F]{4,6})")  # "2E81 ; 5382" or a range
VERSION = re.compile(r"^# (EquivalentUnifiedIdeograph-[\d.]+\.txt)")  # the file's own name and version line


def derive(source: Path) -> str:
    """The derived table's text."""
    version = "EquivalentUnifiedIdeograph.txt"
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if found := VERSION.match(line):
            version = found.group(1)
        if found := MAPPING.match(line):
            first, last, target = found.group(1), found.group(2) or found.group(1), found.group(3)
            rows += [f"{code:04X} {target}" for code in range(int(first, 16), int(last, 16) + 1)]
    header = (f"# Derived from Unicode's {version} (Unicode Character Database;"
              " see LICENSE-Unicode.txt).\n"
              "# Modified: comments and names removed, ranges expanded;"
              " one 'radical-or-stroke ideograph' pair a line.\n")
    return header + "\n".join(rows) + "\n"


if __name__ == "__main__":
    TARGET.write_text(derive(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE), encoding="utf-8")
    print(TARGET)
