"""The state database: schema versions, WAL, and what counts as done."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from digest.store import MIGRATIONS, SCHEMA_VERSION, Store


def test_a_new_database_is_migrated_to_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "state" / "digest.sqlite3"
    with Store.open(path):
        pass
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"issues", "digests", "articles", "deliveries"} <= tables


def test_a_first_version_database_is_migrated_forward_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO issues (sha256, source, status, first_seen, updated) "
                   "VALUES ('ab', 'x.txt', 'done', 't', 't')")
    with Store.open(path) as store:
        assert store.done_hashes() == {"ab"}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_reopening_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as store:
        store.record_failure("cd", "bad.txt", "bad.txt: the file is empty")
    with Store.open(path) as store:
        (record,) = store.issues()
        assert record.status == "failed" and record.error == "bad.txt: the file is empty"


def test_done_is_recorded_with_the_digest_in_one_transaction(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.record_failure("aa", "a.txt", "broken")
        digest_id = store.record_digest(key="k1", issues=[("aa", "a.txt"), ("bb", "b.txt")],
                                        articles=[("f1", "标题", "aa"), ("f2", "标题二", "bb")],
                                        paths={"eml": "/o/d.eml"}, article_count=2)
        assert digest_id is not None
        assert store.done_hashes() == {"aa", "bb"}
        assert store.sent_fingerprints(["f1", "f2", "f3"]) == {"f1", "f2"}
        (digest,) = store.digests()
        assert digest.article_count == 2 and digest.eml_path == "/o/d.eml" and len(digest.issue_ids) == 2


def test_issues_whose_articles_were_all_sent_are_done_without_a_digest(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        assert store.record_digest(key="k", issues=[("cc", "c.txt")], articles=[], paths={}, article_count=0) is None
        assert store.done_hashes() == {"cc"}
        assert store.digests() == []
