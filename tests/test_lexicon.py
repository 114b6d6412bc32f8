"""jieba's word tables as the theme stage reads them: cached between runs, the same with or without the cache."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest

from digest.lexicon import Lexicon, cache_folder, read_lexicon


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("digest-lexicon.*.cache"))


def same(a: Lexicon, b: Lexicon) -> bool:
    return a.entries == b.entries and a.median_idf == b.median_idf and a.other_idf == b.other_idf


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lexicon, Path]:
    """The lexicon read from jieba's files into an empty cache folder, and that folder."""
    folder = tmp_path_factory.mktemp("cache")
    return read_lexicon(folder), folder


def test_a_second_read_comes_from_the_cache_and_equals_the_first(built: tuple[Lexicon, Path]) -> None:
    lexicon, folder = built
    [cache] = cache_files(folder)
    again = read_lexicon(folder)
    assert same(again, lexicon)
    assert cache_files(folder) == [cache]
    assert again.tag("经济") == lexicon.tag("经济") == "n" and lexicon.tag("不是一个词语啊") == "x"
    assert lexicon.idf("不是一个词语啊") == lexicon.median_idf


def test_a_damaged_or_foreign_cache_is_read_again_from_jiebas_files(built: tuple[Lexicon, Path],
                                                                    tmp_path: Path) -> None:
    lexicon, folder = built
    [cache] = cache_files(folder)
    for damage in (cache.read_bytes()[: cache.stat().st_size // 2], b"not a cache", b""):
        copy = tmp_path / cache.name
        copy.write_bytes(damage)
        assert same(read_lexicon(tmp_path), lexicon)
        assert copy.read_bytes() == cache.read_bytes()  # written again, whole


def test_an_unwritable_cache_folder_costs_only_the_cache(built: tuple[Lexicon, Path], tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    lexicon, _ = built
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="digest.lexicon"):
        assert same(read_lexicon(blocked / "digest"), lexicon)
    assert "not cached" in caplog.text
    assert list(tmp_path.iterdir()) == [blocked]


def test_the_cache_lives_in_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "digest"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG rules say
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_folder() == tmp_path / ".cache" / "digest"
    monkeypatch.setenv("HOME", str(tmp_path / "gone"))  # a job run without a home: a folder of its own in temp
    folder = cache_folder()
    assert folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith("digest-cache-")


def test_the_cache_folder_is_private(tmp_path: Path) -> None:
    read_lexicon(tmp_path / "new")
    assert (tmp_path / "new").stat().st_mode & 0o077 == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away takes root")
def test_a_cache_file_someone_else_wrote_is_not_read(built: tuple[Lexicon, Path], tmp_path: Path) -> None:
    lexicon, folder = built
    [cache] = cache_files(folder)
    planted = tmp_path / cache.name
    planted.write_bytes(cache.read_bytes())
    os.chown(planted, 65534, 65534)
    assert same(read_lexicon(tmp_path), lexicon)
    assert planted.stat().st_uid == os.getuid()  # replaced by one of our own
