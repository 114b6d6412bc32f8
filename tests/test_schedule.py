"""The cron schedule means what it means in crontab(5), and `digest schedule` stops cleanly."""

from __future__ import annotations

import queue
import random
import signal
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import Installation
from digest.schedule import MISFIRE_GRACE_SECONDS, build_scheduler, cron_problem, cron_trigger, next_run_after

TZ = "Asia/Shanghai"
TUESDAY = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo(TZ))


def next_fire(expression: str, after: datetime = TUESDAY) -> datetime:
    return cron_trigger(expression, TZ).get_next_fire_time(None, after)


@pytest.mark.parametrize("expression", ["0 7 * * 0", "0 7 * * 7", "0 7 * * sun", "@weekly"])
def test_day_zero_and_seven_are_sunday(expression: str) -> None:
    fire = next_fire(expression)
    assert fire.strftime("%A") == "Sunday"
    assert fire.date() == datetime(2026, 11, 29).date()


def test_weekday_ranges_and_steps_follow_crontab() -> None:
    assert next_fire("30 6 * * 1-5").strftime("%a %H:%M") == "Wed 06:30"
    assert next_fire("0 7 * * 6-7").strftime("%a") == "Sat"
    assert {next_fire("0 7 * * 0-2", datetime(2026, 11, d, 12, tzinfo=ZoneInfo(TZ))).strftime("%a")
            for d in range(24, 31)} == {"Sun", "Mon", "Tue"}


def test_day_of_month_or_day_of_week_as_cron_does() -> None:
    # crontab(5): "0 7 1 * 1" fires on the 1st AND on every Monday.
    assert next_fire("0 7 1 * 1").date() == datetime(2026, 11, 30).date()  # a Monday before Dec 1
    assert next_fire("0 7 1 * 1", datetime(2026, 11, 30, 8, tzinfo=ZoneInfo(TZ))).date() == datetime(2026, 12, 1).date()


def test_the_trigger_carries_the_configured_time_zone() -> None:
    fire = next_fire("0 7 * * *")
    assert fire.utcoffset().total_seconds() == 8 * 3600
    assert fire.hour == 7


@pytest.mark.parametrize("expression", ["61 7 * * *", "0 7 * *", "0 7 * * 8", "0 7 * * mon-", "x y z w v"])
def test_invalid_expressions_are_explained(expression: str) -> None:
    problem = cron_problem(expression, TZ)
    assert problem and expression in problem


def apscheduler_problem(expression: str, timezone: str) -> str | None:
    """What cron_problem said before it judged plain expressions itself: APScheduler's verdict on each."""
    try:
        cron_trigger(expression, timezone)
    except (ValueError, TypeError, LookupError) as e:
        return f"invalid cron expression {expression!r}: {e}"
    return None


# Items at and just past every field's bounds, steps at and past their ranges, and shapes only APScheduler reads.
FIELD_ITEMS = ["*", "*/0", "*/1", "*/7", "*/11", "*/12", "*/23", "*/24", "*/30", "*/31", "*/59", "*/60",
               "0", "1", "6", "7", "8", "12", "13", "23", "24", "31", "32", "59", "60", "007",
               "5-3", "0-0", "0-0/5", "1-1/1", "1-12", "0-12", "1-13", "1-31/30", "1-31/31", "2-30/28", "0-59/59",
               "3/5", "3/56", "3/57", "70/5", "30/1", "jan", "jan-mar", "mon", "mon-fri", "L", "last", "1st mon",
               "?", "1-", "-1", "1--2", "\u0663", "*/", "5/"]


def generated_expressions(count: int) -> list[str]:
    """Crontab lines: each item in each field of an otherwise plain line, then `count` lines of one or
    two items in every field, drawn with a fixed seed (the same lines every run)."""
    plain = ["0", "7", "*", "*", "*"]
    lines = [" ".join(plain[:k] + [item] + plain[k + 1:]) for k in range(5) for item in FIELD_ITEMS]
    draw = random.Random(20261202)
    for _ in range(count):
        lines.append(" ".join(",".join(draw.sample(FIELD_ITEMS, draw.choice((1, 1, 2)))) for _ in range(5)))
    return lines + ["0 7 * * 1", "*/15 6-22 * * 1-5", "30 6 1,15 * *", "0 0 1 1 *", "0 7 * *", "@daily"]


@pytest.mark.parametrize("timezone", [TZ, "UTC", "Nowhere/City"])
def test_plain_expressions_are_judged_as_apscheduler_judges_them(timezone: str) -> None:
    # A config load judges plain numeric schedules without importing APScheduler; the verdict and the
    # message must be APScheduler's own for every expression, valid or not.
    expressions = generated_expressions(3000)
    verdicts = [(e, cron_problem(e, timezone), apscheduler_problem(e, timezone)) for e in expressions]
    assert [v for v in verdicts if v[1] != v[2]] == []
    if timezone != "Nowhere/City":  # both kinds were drawn: the comparison covers passes and refusals
        assert {problem is None for _, problem, _ in verdicts} == {True, False}


def test_the_job_runs_one_at_a_time_and_late_runs_are_not_dropped() -> None:
    scheduler = build_scheduler(lambda: None, "0 7 * * 1", TZ)
    (job,) = scheduler.get_jobs()
    assert job.max_instances == 1
    assert job.coalesce is True
    assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS >= 3600


def test_digest_schedule_logs_the_next_run_and_stops_on_sigterm(installation: Installation) -> None:
    process = installation.start("schedule")
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True)
    reader.start()
    seen = ""
    try:
        deadline = time.monotonic() + 120
        while "next run at" not in seen and time.monotonic() < deadline:
            try:
                seen += lines.get(timeout=1)
            except queue.Empty:
                if process.poll() is not None:
                    break
        assert "next run at" in seen, seen
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        process.kill()
    reader.join(timeout=10)
    while not lines.empty():
        seen += lines.get()
    assert process.returncode == 0, seen
    assert "stopping" in seen


def test_after_a_run_that_ended_at_once_the_next_run_is_the_next_fire_time_not_the_one_just_past() -> None:
    trigger = cron_trigger("0 7 * * 1", TZ)
    fired = datetime(2026, 11, 23, 7, 0, tzinfo=ZoneInfo(TZ))  # a Monday; the run was locked out at once
    assert next_run_after(trigger, fired, now=fired) == datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo(TZ))
    late = datetime(2026, 12, 8, 9, 0, tzinfo=ZoneInfo(TZ))  # a run that ended long after later fire times
    assert next_run_after(trigger, fired, now=late) == datetime(2026, 12, 14, 7, 0, tzinfo=ZoneInfo(TZ))
