"""What a configuration must get right before a run does any work: one line, exit code 2, for
`digest run` and `digest run --dry-run` alike, before a single issue is parsed."""

from __future__ import annotations

import pytest

from conftest import Installation

SECRET = {"DIGEST_SECRET": "a test secret that is long enough", "TEST_SMTP_PASSWORD": "s3cret"}
SMTP = '[delivery]\nmode = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = 2525\n'
# Set by the run's test hook: a run that got as far as rendering the digest dies with SIGKILL,
# so an exit code of 2 proves the check came before parsing.
CRASH_AFTER_RENDER = {"DIGEST_TEST_CRASH_AT": "after-render"}


def replace_in_config(installation: Installation, old: str, new: str) -> None:
    text = installation.config.read_text(encoding="utf-8")
    assert old in text
    installation.config.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(("extra", "env", "named"), [
    ('[archive]\nbase_url = "javascript:alert(1)"\n', {}, "[archive] base_url: 'javascript:alert(1)'"),
    ('[archive]\nbase_url = "https://example.org/d?page=1"\n', {}, "[archive] base_url"),
    ('[archive]\nbase_url = "https://example.org/a b"\n', {}, "[archive] base_url"),
    ('[smtp]\nhost = ""\n', {}, "[smtp] host: ''"),
    ('[smtp]\nhost = "mail.example.org/smtp"\n', {}, "[smtp] host"),
    ('[smtp]\nunsubscribe_mailto = "mailto:leave@example.org"\n', {}, "[smtp] unsubscribe_mailto"),
    ('[smtp]\nunsubscribe_mailto = "leave"\n', {}, "[smtp] unsubscribe_mailto"),
    ("[smtp]\ntimeout = nan\n", {}, "[smtp] timeout: expected more than 0 and at most 600 seconds"),
    ("[smtp]\ntimeout = 1e300\n", {}, "[smtp] timeout: expected more than 0 and at most 600 seconds"),
    ("[smtp]\nmessage_timeout = inf\n", {}, "[smtp] message_timeout"),
    ("[smtp]\nbatch_timeout = -1\n", {}, "[smtp] batch_timeout"),
    ("[smtp]\nrate_per_second = 1e-9\n", {}, "[smtp] rate_per_second: expected 0 (no limit) or from 0.001"),
    ("[smtp]\nrate_per_second = nan\n", {}, "[smtp] rate_per_second"),
    ("[serve]\ntimeout = 0\n", {}, "[serve] timeout"),
    ('[smtp]\nuser = "digest"\n', {}, "[smtp] security: 'none' would send the password of digest in clear"),
    ('[smtp]\nallow_plaintext_login = "yes"\n', {}, "[smtp] allow_plaintext_login: expected true or false"),
    (SMTP, {"DIGEST_SECRET": ""}, "environment variable DIGEST_SECRET must hold the unsubscribe secret"),
    (SMTP + 'security = "starttls"\nuser = "digest"\npassword_env = "TEST_SMTP_PASSWORD"\n',
     {**SECRET, "TEST_SMTP_PASSWORD": ""}, "environment variable TEST_SMTP_PASSWORD is empty"),
], ids=["javascript-base-url", "base-url-query", "base-url-space", "empty-host", "host-with-path",
        "mailto-url-as-mailbox", "mailbox-without-domain", "timeout-nan", "timeout-huge", "message-timeout-inf",
        "batch-timeout-negative", "rate-tiny", "rate-nan", "serve-timeout-zero", "plaintext-login",
        "plaintext-flag-not-bool", "smtp-without-secret", "smtp-without-password"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_bad_value_stops_the_run_before_any_parsing(installation: Installation, extra: str,
                                                      env: dict[str, str], named: str, dry_run: bool) -> None:
    installation.write_config(extra)
    result = installation.digest("run", *(["--dry-run"] if dry_run else []), env={**env, **CRASH_AFTER_RENDER})
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], lines
    assert result.stdout == ""
    assert not installation.database.exists() and installation.emls() == []


@pytest.mark.parametrize(("old", "new", "named"), [
    ("测试周报 <digest@example.org>", "测试周报", "[digest] sender: '测试周报' is not an email address"),
    ("测试周报 <digest@example.org>", "digest@example.org, other@example.org", "[digest] sender"),
    ("测试周报 <digest@example.org>", "测试周报 <digest@example.org> and more", "[digest] sender"),
    ('to = "readers@example.org"', 'to = "readers"', "[digest] to: 'readers'"),
], ids=["sender-bare-name", "sender-list", "sender-trailing-text", "to-bare-name"])
def test_a_sender_or_recipient_that_is_not_one_address_stops_the_run(installation: Installation, old: str,
                                                                     new: str, named: str) -> None:
    replace_in_config(installation, old, new)
    for args in (["run"], ["run", "--dry-run"]):
        result = installation.digest(*args, env=CRASH_AFTER_RENDER)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and named in result.stderr


def test_the_checks_name_every_problem_at_once(installation: Installation) -> None:
    installation.write_config('[archive]\nbase_url = "ftp://example.org"\n[smtp]\nhost = " "\ntimeout = nan\n')
    result = installation.digest("run", "--dry-run")
    assert result.returncode == 2
    for named in ("[archive] base_url", "[smtp] host", "[smtp] timeout"):
        assert named in result.stderr


def test_the_secret_and_the_password_missing_together_are_one_line(installation: Installation) -> None:
    installation.write_config(SMTP + 'security = "ssl"\nuser = "digest"\npassword_env = "TEST_SMTP_PASSWORD"\n')
    result = installation.digest("run", "--dry-run", env={"DIGEST_SECRET": "", "TEST_SMTP_PASSWORD": ""})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "DIGEST_SECRET" in result.stderr and "TEST_SMTP_PASSWORD" in result.stderr


def test_good_values_pass_and_a_dry_run_goes_on(installation: Installation) -> None:
    installation.write_config(
        '[archive]\nbase_url = "https://example.org/digest/"\n'
        '[smtp]\nhost = "mail.example.org"\nunsubscribe_mailto = "leave@example.org"\ntimeout = 0.5\n'
        'rate_per_second = 0.5\nuser = "digest"\nallow_plaintext_login = true\n')
    result = installation.digest("run", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("dry run: 2 issues")


def test_a_scheduler_that_could_not_deliver_refuses_to_start(installation: Installation) -> None:
    installation.write_config(SMTP)
    result = installation.digest("schedule", env={"DIGEST_SECRET": ""}, timeout=60)
    assert result.returncode == 2
    assert "DIGEST_SECRET" in result.stderr and "Traceback" not in result.stderr
