"""What an operator sees from the real command: quiet cron runs, options anywhere, tidy logs and pipes."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

from conftest import Installation

# The start of a log line with a time stamp: `2026-11-24 07:00:00,123 `.
_STAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


def test_quiet_run_prints_nothing_on_success_nor_when_nothing_is_new(installation: Installation) -> None:
    first = installation.digest("run", "-q")
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    assert len(installation.emls()) == 1
    again = installation.digest("run", "-q")
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_quiet_run_prints_nothing_when_locked_out(installation: Installation) -> None:
    from digest.lock import run_lock

    with run_lock(installation.database.with_name("digest.sqlite3.lock")) as acquired:
        assert acquired
        result = installation.digest("run", "-q")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert installation.emls() == []


def test_quiet_run_still_reports_failures_on_stderr(installation: Installation) -> None:
    (installation.inbox / "empty.txt").write_bytes(b"")
    result = installation.digest("run", "-q")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "empty.txt" in result.stderr
    assert len(installation.emls()) == 1


def test_options_before_the_subcommand_mean_what_they_mean_after_it(installation: Installation) -> None:
    installation.config.rename(installation.root / "elsewhere.toml")
    before = installation.digest("-c", "elsewhere.toml", "-q", "run")
    assert (before.returncode, before.stdout, before.stderr) == (0, "", "")
    assert len(installation.emls()) == 1
    verbose = installation.digest("-v", "-c", "elsewhere.toml", "run")
    assert verbose.returncode == 0, verbose.stderr
    assert verbose.stdout.startswith("nothing new")
    after = installation.digest("run", "-c", "elsewhere.toml")
    assert after.stdout == verbose.stdout
    missing = installation.digest("-c", "nowhere.toml", "run")
    assert missing.returncode == 2
    assert "nowhere.toml" in missing.stderr


def test_parse_into_a_pipe_that_closes_early_ends_quietly(installation: Installation) -> None:
    issue = sorted(installation.inbox.glob("*.txt"))[0]
    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that has gone already, as `| head -1` has once it has its line
    try:
        result = subprocess.run([sys.executable, "-m", "digest", "parse", str(issue)], cwd=installation.root,
                                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 0


def test_preview_of_a_missing_file_is_one_line(installation: Installation) -> None:
    result = installation.digest("preview", "nosuch.txt")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "nosuch.txt" in result.stderr


def test_preview_open_says_when_no_browser_could_be_opened(installation: Installation) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["BROWSER"] = "false"  # a "browser" that fails at once, and no display for any other
    result = subprocess.run([sys.executable, "-m", "digest", "preview", "--open"], cwd=installation.root,
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    written = result.stdout.strip()
    assert os.path.exists(os.path.join(installation.root, written))
    assert "no browser could be opened" in result.stderr


def test_schedule_logs_are_stamped_say_what_the_run_did_and_skip_the_schedulers_chatter(
        installation: Installation) -> None:
    process = installation.start("schedule", "--now")
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while not any("run finished" in line for line in seen) and time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                if process.poll() is not None:
                    break
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        process.kill()
    reader.join(timeout=10)
    while not lines.empty():
        seen.append(lines.get())
    assert process.returncode == 0, seen
    assert seen and all(_STAMPED.match(line) for line in seen), seen
    assert any(re.search(r"run: 2 issues, \d+ articles -> ", line) for line in seen), seen
    assert not [line for line in seen if "apscheduler" in line], seen
    assert len(installation.emls()) == 1
