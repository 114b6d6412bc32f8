"""A backlog parsed and summarised in worker processes gives what one process gives."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from digest import pipeline, themes
from digest.config import build_settings
from digest.errors import ConfigError
from digest.extract.text import page_from_text
from digest.models import Page
from digest.workers import BLAS_THREADS, HANDFUL, process_count

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "inbox").glob("*.txt"))


def backlog() -> list[Page]:
    """More than a handful of issues: the samples, both again together and under new names (their articles
    repeat), and one issue holding no article at all."""
    first, second = (path.read_text(encoding="utf-8") for path in SAMPLES[:2])
    texts = {"a.txt": first, "b.txt": second, "ab.txt": first + "\n\n" + second, "b-again.txt": second,
             "empty.txt": "\n \n\n", "ba.txt": second + "\n\n" + first}
    return [page_from_text(text, name, id=name) for name, text in texts.items()]


def test_worker_processes_give_the_same_articles_summaries_and_failures(caplog: pytest.LogCaptureFixture) -> None:
    issues = backlog()
    assert len(issues) > HANDFUL
    settings = build_settings({}, None)
    alone = pipeline.read_fresh_articles(issues, replace(settings, processes=1), None)
    with caplog.at_level(logging.INFO, logger="digest.workers"):
        pooled = pipeline.read_fresh_articles(issues, replace(settings, processes=2), None)
    assert "2 worker processes" in caplog.text
    assert pooled == alone
    parsed, fresh, repeated, failures = pooled
    assert [f.source for f in failures] == ["empty.txt"]
    assert repeated > 0 and fresh and all(a.summary for a in fresh)
    assert len(fresh) + repeated == sum(len(p.articles) for p in parsed)


def test_parse_issues_summarises_every_article_the_same_either_way() -> None:
    issues = backlog()
    settings = build_settings({}, None)
    alone = pipeline.parse_issues(issues, replace(settings, processes=1))
    assert pipeline.parse_issues(issues, replace(settings, processes=2)) == alone
    assert all(a.summary and a.source for p in alone[0] for a in p.articles)


def grouped_in_this_process(issues: list[Page], processes: int,
                             monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[str, list[str]]], int]:
    """The digest's groups (name, titles) after a run's reading and grouping, and how many texts this
    process tokenized for themes (forked workers count in their own copy of the list)."""
    tokenized: list[str] = []
    real = themes._tokens
    monkeypatch.setattr(themes, "_tokens", lambda text: tokenized.append(text) or real(text))
    themes._make_doc.cache_clear()
    settings = replace(build_settings({}, None), processes=processes)
    _, fresh, _, _ = pipeline.read_fresh_articles(issues, settings, None)
    digest = pipeline.build_digest(fresh, [], settings, "key")
    groups = [(g.name, [a.display_title for a in g.articles]) for g in digest.groups]
    return groups, len(tokenized)


def test_workers_work_out_theme_terms_so_the_run_groups_without_tokenizing(monkeypatch: pytest.MonkeyPatch) -> None:
    issues = backlog()
    alone, tokenized_alone = grouped_in_this_process(issues, 1, monkeypatch)
    pooled, tokenized_pooled = grouped_in_this_process(issues, 2, monkeypatch)
    assert pooled == alone and len(alone) > 1
    assert tokenized_alone > 0  # one process: the texts are tokenized here
    assert tokenized_pooled == 0


def test_a_handful_of_issues_stays_in_one_process() -> None:
    assert process_count(0, HANDFUL) == 1
    assert process_count(3, HANDFUL + 1) == 3
    assert process_count(8, HANDFUL + 2) == HANDFUL + 2
    assert process_count(0, 100) >= 1


def test_a_negative_process_count_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"\[digest\] processes"):
        build_settings({"digest": {"processes": -1}}, None)


BLAS_PROBE = """
import os, sys
from digest import cli
try:
    cli.main(["--version"])
except SystemExit:
    pass
import numpy
numpy.ones((64, 64)) @ numpy.ones((64, 64))  # the BLAS library starts its threads by now
threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
print(os.environ.get("OPENBLAS_NUM_THREADS"), threads)
"""


def blas_probe(**env: str) -> tuple[str, int]:
    """What the OpenBLAS setting is, and how many threads the process runs, after the CLI started numpy."""
    clean = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    result = subprocess.run([sys.executable, "-c", BLAS_PROBE], env=clean | env, capture_output=True,
                            text=True, check=True, timeout=60)
    setting, threads = result.stdout.splitlines()[-1].split()  # after the version line
    return setting, int(threads)


def test_the_command_line_keeps_numpys_maths_on_one_thread() -> None:
    assert blas_probe() == ("1", 1)


def test_an_operators_own_blas_setting_is_kept() -> None:
    assert blas_probe(OPENBLAS_NUM_THREADS="2")[0] == "2"
