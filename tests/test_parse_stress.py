"""Quality gate on synthetic pages: real articles set in the three layouts the
parser reads (benchmarks/parse_stress.py), scored like the references.

The figures below are what the parser reaches on 40 pages of each layout with
the benchmark's fixed seed; a change may raise them, never lower them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PAGES = 40

# (articles F1, titles, sections, authors) per layout; never lower them.
STRESS_GATE = {
    "web": (0.98, 0.98, 0.98, 0.98),
    "columns": (0.98, 0.97, 0.98, 0.98),
    "lines": (0.99, 0.99, 0.99, 0.99),
}


def load_benchmark() -> ModuleType:
    needed = [SHARED / "tools" / "score_parse.py", SHARED / "eval" / "themes.jsonl"]
    if not all(path.exists() for path in needed):
        pytest.skip(f"shared reference data not found at {SHARED}: stress gate not run")
    spec = importlib.util.spec_from_file_location("parse_stress", ROOT / "benchmarks" / "parse_stress.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple[float, float, float, float]]:
    stress = load_benchmark()
    return stress.totals(stress.score_pages(PAGES, stress.SEED))  # type: ignore[no-any-return]


@pytest.mark.parametrize("layout", sorted(STRESS_GATE))
def test_stress_gate(scores: dict[str, tuple[float, float, float, float]], layout: str) -> None:
    got, floor = scores[layout], STRESS_GATE[layout]
    assert all(g >= f for g, f in zip(got, floor, strict=True)), (layout, got)
