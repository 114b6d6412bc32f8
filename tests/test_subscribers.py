"""`digest subscribers add|remove|unsubscribe|list|import` through the real command, and the address rules."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from urllib.parse import unquote

import pytest

from conftest import Installation
from digest.config import load_settings
from digest.errors import UsageError
from digest.mail.addresses import validate_address
from digest.mail.ledger import open_ledger
from digest.mail.tokens import make_token, unsubscribe_links
from digest.store import Store
from test_smtp import token_id_of


def listing(inst: Installation) -> list[list[str]]:
    """The subscriber rows of `subscribers list`, without its header and count lines."""
    result = inst.digest("subscribers", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["ADDRESS", "NAME", "THEMES", "STATUS"]
    return [line.split("\t") for line in lines[1:-1]]


def test_add_list_and_remove(installation: Installation) -> None:
    added = installation.digest("subscribers", "add", "Li.Lei@Example.org", "--name", "李雷",
                                "--theme", "产业工人与技能人才")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added Li.Lei@Example.org"
    assert installation.digest("subscribers", "add", "han@example.org").returncode == 0
    assert listing(installation) == [
        ["Li.Lei@Example.org", "李雷", "产业工人与技能人才", "active"],
        ["han@example.org", "", "(all themes)", "active"],
    ]
    removed = installation.digest("subscribers", "remove", "li.lei@example.ORG")
    assert removed.returncode == 0, removed.stderr
    assert [row[0] for row in listing(installation)] == ["han@example.org"]


def test_the_same_address_in_another_case_is_the_same_subscriber(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "reader@example.org").returncode == 0
    again = installation.digest("subscribers", "add", "READER@Example.Org", "--name", "读者")
    assert again.stdout.strip() == "updated READER@Example.Org"
    assert listing(installation) == [["reader@example.org", "读者", "(all themes)", "active"]]


@pytest.mark.parametrize("args, message", [
    (["add", "not-an-address"], "is not an email address"),
    (["add", "a@b@example.org"], "exactly one @"),
    (["add", "a b@example.org"], "is not an email address"),
    (["add", "reader@example.org", "--theme", "没有这个主题"], "unknown theme 没有这个主题"),
    (["remove", "nobody@example.org"], "no subscriber nobody@example.org"),
])
def test_bad_input_is_one_line_and_exit_code_2(installation: Installation, args: list[str], message: str) -> None:
    result = installation.digest("subscribers", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_import_adds_updates_and_reports_bad_lines_by_number(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "old@example.org").returncode == 0
    (installation.root / "list.csv").write_text(
        "Address,Name,Themes\n"
        "new@example.org,新读者,思想引领与工会建设;产业工人与技能人才\n"
        "OLD@example.org,老读者,\n"
        "broken-address,坏地址,\n"
        "\n"
        "x@example.org,,不存在的主题\n",
        encoding="utf-8")
    result = installation.digest("subscribers", "import", "list.csv")
    assert result.returncode == 1
    assert result.stdout.strip() == "1 added, 1 updated, 0 unchanged, 2 refused"
    assert "list.csv:4:" in result.stderr and "list.csv:6:" in result.stderr
    assert listing(installation) == [
        ["old@example.org", "老读者", "(all themes)", "active"],
        ["new@example.org", "新读者", "思想引领与工会建设、产业工人与技能人才", "active"],
    ]


def test_an_import_never_resubscribes_someone_who_unsubscribed(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "gone@example.org").returncode == 0
    with Store.open(installation.database) as store, open_ledger(store) as ledger:
        ledger.set_subscriber_status("gone@example.org", "unsubscribed")
    (installation.root / "list.csv").write_text("address\ngone@example.org\n", encoding="utf-8")
    assert installation.digest("subscribers", "import", "list.csv").returncode == 0
    assert listing(installation)[0][3] == "unsubscribed"
    assert installation.digest("subscribers", "add", "gone@example.org").returncode == 0  # an explicit add does
    assert listing(installation)[0][3] == "active"


def test_a_csv_without_an_address_column_is_refused(installation: Installation) -> None:
    (installation.root / "list.csv").write_text("phone,name\n12345,甲\n", encoding="utf-8")
    result = installation.digest("subscribers", "import", "list.csv")
    assert result.returncode == 2
    assert "address" in result.stderr


@pytest.mark.parametrize("address", ["a@example.org", "first.last+tag@mail.example.co.uk", "x_y@例子.中国",
                                     "  padded@example.org  "])
def test_valid_addresses(address: str) -> None:
    assert validate_address(address) == address.strip()


@pytest.mark.parametrize("address", ["", "plain", "@example.org", "a@", "a@localhost", "a..b@example.org",
                                     ".a@example.org", "a@-example.org", "a@example..org", "张三@example.org",
                                     "a@b.org>", "<a@b.org>", "x" * 65 + "@example.org"])
def test_invalid_addresses(address: str) -> None:
    with pytest.raises(UsageError):
        validate_address(address)


SECRET = "a-test-secret-of-enough-length"


def test_unsubscribe_by_address_is_kept_through_a_later_import(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "Gone@example.org").returncode == 0
    result = installation.digest("subscribers", "unsubscribe", "gone@EXAMPLE.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unsubscribed gone@EXAMPLE.org"
    (installation.root / "list.csv").write_text("address\ngone@example.org\n", encoding="utf-8")
    assert installation.digest("subscribers", "import", "list.csv").returncode == 0
    assert listing(installation) == [["Gone@example.org", "", "(all themes)", "unsubscribed"]]


def test_unsubscribe_with_the_subject_of_an_unsubscribe_mail(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "reader@example.org").returncode == 0
    token_id = token_id_of(installation.database, "Reader@Example.org")
    mailto, _ = unsubscribe_links(load_settings(installation.config), SECRET.encode(), token_id)
    subject = unquote(mailto.split("subject=", 1)[1])
    assert subject.startswith("unsubscribe ")
    result = installation.digest("subscribers", "unsubscribe", f"Re: {subject}", env={"DIGEST_SECRET": SECRET})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unsubscribed reader@example.org"
    assert listing(installation)[0][3] == "unsubscribed"


def test_a_forged_token_unsubscribes_nobody(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "reader@example.org").returncode == 0
    forged = make_token(b"someone-else's-secret-value", token_id_of(installation.database, "reader@example.org"))
    result = installation.digest("subscribers", "unsubscribe", forged, env={"DIGEST_SECRET": SECRET})
    assert result.returncode == 2
    assert "not a valid unsubscribe token" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert listing(installation)[0][3] == "active"


def test_a_token_without_the_secret_names_the_variable(installation: Installation) -> None:
    token = make_token(SECRET.encode(), "0123456789abcdef0123456789abcdef")
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_SECRET"}
    result = subprocess.run([sys.executable, "-m", "digest", "subscribers", "unsubscribe", token],
                            cwd=installation.root, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    assert "DIGEST_SECRET" in result.stderr and len(result.stderr.strip().splitlines()) == 1


THEME_A, THEME_B = "思想引领与工会建设", "产业工人与技能人才"


@pytest.mark.parametrize("header, delimiter", [
    ("email,name,themes", ","),
    ("Email;Name;Themes", ";"),
    ("E-mail\tName\tTheme", "\t"),
    ("邮箱,姓名,主题", ","),
    ("Email Address;Full Name;Tags", ";"),
])
def test_import_reads_other_tools_exports(installation: Installation, header: str, delimiter: str) -> None:
    rows = [header.split(delimiter), ["Reader@Example.ORG", "读者", f"{THEME_A};{THEME_B}"],
            ["second@example.org", "", ""]]
    with (installation.root / "list.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=delimiter).writerows(rows)  # quoted where a cell holds the delimiter
    result = installation.digest("subscribers", "import", "list.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 added, 0 updated, 0 unchanged, 0 refused"
    assert listing(installation) == [
        ["Reader@example.org", "读者", f"{THEME_A}、{THEME_B}", "active"],
        ["second@example.org", "", "(all themes)", "active"],
    ]


def test_first_and_last_name_columns_make_the_name(installation: Installation) -> None:
    (installation.root / "list.csv").write_text("Email Address,First Name,Last Name\na@example.org,Ada,Lovelace\n",
                                                encoding="utf-8")
    assert installation.digest("subscribers", "import", "list.csv").returncode == 0
    assert listing(installation) == [["a@example.org", "Ada Lovelace", "(all themes)", "active"]]


def test_a_repeated_address_is_reported_and_the_first_row_counts(installation: Installation) -> None:
    (installation.root / "list.csv").write_text(
        f"address,name,themes\nsame@example.org,第一,{THEME_A}\nother@example.org,,\nSAME@example.org,第二,{THEME_B}\n",
        encoding="utf-8")
    result = installation.digest("subscribers", "import", "list.csv")
    assert result.returncode == 1
    assert result.stdout.strip() == "2 added, 0 updated, 0 unchanged, 1 refused"
    assert result.stderr.strip() == "digest: list.csv:4: SAME@example.org repeats line 2, which is the one imported"
    assert listing(installation)[0] == ["same@example.org", "第一", THEME_A, "active"]


def test_an_empty_cell_keeps_the_themes_and_name_and_a_re_import_changes_nothing(installation: Installation) -> None:
    assert installation.digest("subscribers", "add", "kept@example.org", "--name", "留着",
                               "--theme", THEME_B).returncode == 0
    (installation.root / "list.csv").write_text("email;name;themes\nkept@example.org;;\nnew@example.org;新;\n",
                                                encoding="utf-8")
    first = installation.digest("subscribers", "import", "list.csv")
    assert first.stdout.strip() == "1 added, 0 updated, 1 unchanged, 0 refused"
    assert listing(installation)[0] == ["kept@example.org", "留着", THEME_B, "active"]
    again = installation.digest("subscribers", "import", "list.csv")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "0 added, 0 updated, 2 unchanged, 0 refused"


def test_list_counts_by_status_and_filters_by_status(installation: Installation) -> None:
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        assert installation.digest("subscribers", "add", address).returncode == 0
    assert installation.digest("subscribers", "unsubscribe", "b@example.org").returncode == 0
    everyone = installation.digest("subscribers", "list")
    assert everyone.stdout.splitlines()[-1] == "3 subscribers: 2 active, 1 unsubscribed"
    gone = installation.digest("subscribers", "list", "--status", "unsubscribed")
    lines = gone.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines[1:-1]] == ["b@example.org"]
    assert lines[-1] == "1 shown of 3 subscribers: 2 active, 1 unsubscribed"
    bad = installation.digest("subscribers", "list", "--status", "asleep")
    assert bad.returncode == 2


def test_list_of_nobody_says_so(installation: Installation) -> None:
    result = installation.digest("subscribers", "list")
    assert result.stdout.splitlines() == ["ADDRESS\tNAME\tTHEMES\tSTATUS", "0 subscribers"]
