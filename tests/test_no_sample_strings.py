"""The rules in src/ are general: no name, title, section label or sentence of a reference page
appears in the code or the templates (the project is judged on pages it has never seen)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLD = [REPO / "tests" / "data" / "gold", REPO.parent / "shared" / "eval" / "pages"]


def reference_strings() -> set[str]:
    strings: set[str] = set()
    for folder in GOLD:
        for path in folder.glob("*.json"):
            for article in json.loads(path.read_text(encoding="utf-8"))["articles"]:
                firsts = article["first"] if isinstance(article["first"], list) else [article["first"]]
                strings |= {article.get("title"), article.get("section"), article.get("affiliation"),
                            article.get("compiler"),
                            article["last"][-10:], *(first[:10] for first in firsts),
                            *(article.get("authors") or []), *(article.get("contributors") or [])}
    return {s for s in strings if s and len(s) >= 2}


def test_no_reference_string_in_the_code_or_templates() -> None:
    strings = reference_strings()
    if not strings:
        pytest.skip("no reference files found")
    sources = [*sorted((REPO / "src" / "digest").rglob("*.py")), *sorted((REPO / "templates").glob("*"))]
    found = {(path.name, s) for path in sources for s in strings if s in path.read_text(encoding="utf-8")}
    assert not found
