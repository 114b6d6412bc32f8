"""Configuration loading and validation, through the CLI where users meet it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Installation
from digest.config import load_settings
from digest.errors import ConfigError


def edit_config(installation: Installation, old: str, new: str) -> None:
    text = installation.config.read_text(encoding="utf-8")
    installation.config.write_text(text.replace(old, new), encoding="utf-8")


def run_error_line(installation: Installation) -> str:
    """The one line `digest run` prints for a config error, after checking it exits 2."""
    result = installation.digest("run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_misspelt_key_exits_2_with_one_line_naming_it(installation: Installation) -> None:
    edit_config(installation, 'folder = "inbox"', 'folder = "inbox"\nfoldr = "x"')
    line = run_error_line(installation)
    assert "config.toml" in line and "[inbox] foldr: unknown key" in line
    assert not installation.database.exists()


def test_invalid_cron_expression_exits_2_naming_the_key(installation: Installation) -> None:
    installation.write_config(extra='[schedule]\ncron = "61 7 * * *"\n')
    line = run_error_line(installation)
    assert "[schedule] cron" in line and "61 7 * * *" in line


def test_missing_inbox_folder_exits_2_naming_it_and_the_config(installation: Installation) -> None:
    edit_config(installation, 'folder = "inbox"', 'folder = "incoming"')
    line = run_error_line(installation)
    assert "incoming: inbox folder not found" in line and "config.toml" in line
    assert not list(installation.root.glob("outbox/*"))


def test_bad_timezone_wrong_type_and_unknown_section(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[digest]\ntimezone = "Mars/Olympus"\n[summary]\nsentences = "three"\n[smpt]\nhost = "x"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    message = str(error.value)
    assert str(config) in message
    assert "[digest] timezone: unknown time zone 'Mars/Olympus'" in message
    assert "[summary] sentences: expected an integer, got str" in message
    assert "[smpt]: unknown section" in message
    assert "\n" not in message


def test_smtp_numbers_out_of_range_are_named(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        "[smtp]\nport = 70000\ntimeout = 0\nrate_per_second = -1\nmax_attempts = 0\nbounce_after = -2\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    message = str(error.value)
    for problem in (
        "[smtp] port: expected a port number from 1 to 65535",
        "[smtp] timeout: expected more than 0 and at most 600 seconds",
        "[smtp] rate_per_second: expected 0 (no limit) or from 0.001 to 10,000 messages per second",
        "[smtp] max_attempts: must be at least 1",
        "[smtp] bounce_after: must be at least 1",
    ):
        assert problem in message
    assert "\n" not in message


def test_paths_are_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "digest.toml").write_text('[inbox]\nfolder = "../in"\n[state]\ndatabase = "s.db"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(folder / "digest.toml")
    assert settings.inbox == (tmp_path / "in").resolve()
    assert settings.database == (folder / "s.db").resolve()
    assert settings.lock_path == (folder / "s.db.lock").resolve()


def test_config_from_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "from-env.toml"
    config.write_text('[digest]\ntitle = "环境变量"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGEST_CONFIG", str(config))
    assert load_settings().title == "环境变量"


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_shipped_config_is_valid_and_points_at_the_samples() -> None:
    repo = Path(__file__).resolve().parents[1]
    settings = load_settings(repo / "config.toml")
    assert sorted(settings.inbox.glob("*.txt"))
    assert settings.themes and all(rule.keywords for rule in settings.themes)
    assert settings.timezone == "Asia/Shanghai"


@pytest.mark.parametrize("template, message", [
    ("{title} {datum}", "unknown placeholder {datum}"),
    ("{title} {date", "is not a template"),
    ("   ", "cannot be empty"),
])
def test_a_bad_subject_template_is_a_config_error_naming_the_key(installation: Installation, template: str,
                                                                 message: str) -> None:
    edit_config(installation, "[digest]\n", f'[digest]\nsubject = "{template}"\n')
    line = run_error_line(installation)
    assert "[digest] subject:" in line and message in line


def test_a_subject_template_goes_into_the_email(installation: Installation) -> None:
    import email
    from email import policy

    edit_config(installation, "[digest]\n", '[digest]\nsubject = "{headline} | {title}"\n')
    assert installation.digest("run").returncode == 0
    (eml,) = installation.emls()
    subject = email.message_from_bytes(eml.read_bytes(), policy=policy.default)["Subject"]
    assert subject.endswith(" | 测试周报") and len(subject) > len(" | 测试周报")
