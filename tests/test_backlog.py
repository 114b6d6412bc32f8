"""A backlog larger than one digest may hold goes out as several digests in one run, each article once."""

from __future__ import annotations

import email
import random
import re
import sqlite3
from email import policy
from pathlib import Path

from conftest import Installation

HAN = "基层工会服务职工群众技能培训岗位建设发展创新社区食堂劳动模范工匠精神安全生产"


def tiny_issue(rng: random.Random) -> tuple[str, str]:
    """A one-article issue and its body's opening (what the digest must show once)."""
    body = "。".join("".join(rng.choice(HAN) for _ in range(30)) for _ in range(3)) + "。"
    return f"{''.join(rng.choice(HAN) for _ in range(8))}\n\n{body}\n", body[:12]


def plain_texts(inst: Installation) -> list[str]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            .get_body(preferencelist=("plain",)).get_content() for p in inst.emls()]  # type: ignore[union-attr]


def test_a_backlog_goes_out_as_several_digests_each_article_once(tmp_path: Path) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    text = inst.config.read_text(encoding="utf-8")
    inst.config.write_text(text.replace('to = "readers@example.org"\n',
                                        'to = "readers@example.org"\nmax_issues_per_digest = 10\n'), encoding="utf-8")
    rng = random.Random(14)
    openings = []
    for number in range(25):
        issue, opening = tiny_issue(rng)
        (inst.inbox / f"{number:03}.txt").write_text(issue, encoding="utf-8")
        openings.append(opening)

    result = inst.digest("run")
    assert result.returncode == 0, result.stderr
    assert re.match(r"25 issues, 25 articles -> .*\.eml \(the last of 3 digests\)$", result.stdout.strip()), \
        result.stdout
    texts = plain_texts(inst)
    assert len(texts) == 3
    for opening in openings:
        assert sum(opening in t for t in texts) == 1, opening
    with sqlite3.connect(inst.database) as db:
        assert db.execute("SELECT COUNT(*) FROM issues WHERE status = 'done'").fetchone()[0] == 25
        assert db.execute("SELECT COUNT(*) FROM digests").fetchone()[0] == 3
    assert inst.digest("run").stdout.startswith("nothing new")


def run_backlog_of_repeats(root: Path, processes: int) -> tuple[str, list[str], list[str]]:
    """24 one-article issues in batches of 8, the third batch repeating the second's articles: the run's
    report line, the digests' plain parts, and the articles' openings in the order written."""
    inst = Installation(root)
    inst.inbox.mkdir(parents=True)
    text_config = f'to = "readers@example.org"\nmax_issues_per_digest = 8\nprocesses = {processes}\n'
    inst.write_config()
    inst.config.write_text(inst.config.read_text(encoding="utf-8").replace('to = "readers@example.org"\n',
                                                                           text_config), encoding="utf-8")
    rng = random.Random(20)
    articles = [tiny_issue(rng) for _ in range(16)]
    for number in range(24):
        issue, _ = articles[number if number < 16 else number - 8]
        issue += "\n" * (number >= 16)  # a file of its own, not the same file again
        (inst.inbox / f"{number:03}.txt").write_text(issue, encoding="utf-8")
    result = inst.digest("run")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip(), plain_texts(inst), [opening for _, opening in articles]


def test_the_next_batch_read_ahead_still_drops_what_the_batch_before_it_sent(tmp_path: Path) -> None:
    """The workers parse a batch while the one before it is being sent: its repeats must still be found."""
    report, texts, openings = run_backlog_of_repeats(tmp_path / "two", processes=2)
    assert re.match(r"24 issues, 16 articles \(8 sent before\) -> .*\(the last of 2 digests\)$", report), report
    for opening in openings:
        assert sum(opening in t for t in texts) == 1, opening
    alone_report, alone_texts, _ = run_backlog_of_repeats(tmp_path / "one", processes=1)
    assert alone_report.split(" -> ")[0] == report.split(" -> ")[0]
    stamp = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")  # the digests' dates and times
    assert [stamp.sub("", t) for t in alone_texts] == [stamp.sub("", t) for t in texts]
