"""The package's shape: no import cycle between its modules, and every module imports on its own."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import digest

PACKAGE = Path(digest.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The digest modules a module imports, at module level or inside functions (TYPE_CHECKING aside).

    `from digest.parse import kinds` imports the module digest.parse.kinds; `from digest.parse
    import parse_page` imports the package digest.parse itself.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("digest"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("digest")}
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports_of(path, set(modules)) if m in modules and m != name}
            for name, path in modules.items()}


def test_no_import_cycle_among_modules() -> None:
    edges = graph()
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle.extend(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
                return True
            if nxt not in state and visit(nxt, path + [node]):
                return True
        state[node] = 2
        return False

    assert not any(visit(n, []) for n in sorted(edges) if n not in state), " -> ".join(cycle)


def test_every_module_imports_on_its_own() -> None:
    names = sorted(n for n in graph() if n != "digest.__main__")
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    for name in names:
        result = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{name}: {result.stderr.strip().splitlines()[-1:]}"
