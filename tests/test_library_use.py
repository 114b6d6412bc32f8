"""The README's "Library use" examples run as written, from the repository's folder, and write nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import REPO


def readme_examples() -> list[str]:
    """The Python blocks of the README's "Library use" section, in order."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Library use"):]
    section = section[:section.find("\n## ", 5)] if "\n## " in section[5:] else section
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def repository_files() -> set[str]:
    """Every file under the repository but the virtualenv, git's own and bytecode caches."""
    skipped = {".venv", ".git", "__pycache__"}
    return {str(p.relative_to(REPO)) for p in REPO.rglob("*") if p.is_file() and not skipped & set(p.parts)}


def test_the_library_examples_run_and_touch_no_state() -> None:
    examples = readme_examples()
    assert len(examples) >= 2
    before = repository_files()
    for code in examples:
        result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                                timeout=600, env={**os.environ, "DIGEST_CONFIG": ""})
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip(), code
    assert repository_files() - before == set()
