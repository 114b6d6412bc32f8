"""Run the digest job on a crontab(5) schedule with APScheduler 3.

APScheduler's `CronTrigger.from_crontab` reads day-of-week 0 as Monday, while
crontab(5) reads 0 and 7 as Sunday, and ANDs day-of-month with day-of-week
where cron ORs them. `cron_trigger` translates: day-of-week numbers become
names (0/7 → sun, 1 → mon …), and a schedule that restricts both days becomes
an `OrTrigger` of two cron triggers. The time zone is given to the trigger
itself, so the schedule does not drift with the host's zone.
"""

from __future__ import annotations

import logging
import re
import signal
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LOGGER = logging.getLogger(__name__)

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# One day-of-week item of a crontab field: "*", a day (number or name), or a range, each with an optional /step.
_DOW_TOKEN = re.compile(r"^(\*|[0-7a-z]+)(?:-([0-7a-z]+))?(?:/(\d+))?$")
MISFIRE_GRACE_SECONDS = 3600  # APScheduler's default of 1 s silently drops a run that starts late
# One minute, hour, day or month item made of numbers only: "*", "N" or "N-M", each with an optional "/STEP".
_NUMERIC_ITEM = re.compile(r"^(?:\*|([0-9]+)(?:-([0-9]+))?)(?:/([0-9]+))?$")
# The values APScheduler's CronTrigger allows in the fields crontab(5) hands it unchanged.
_FIELD_BOUNDS = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12)}


def crontab_fields(expression: str) -> list[str]:
    """The five fields of a crontab expression (macros expanded); ValueError if malformed."""
    expression = MACROS.get(expression.strip().lower(), expression)
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    return fields


def crontab_weekdays(field: str) -> str:
    """Translate a crontab day-of-week field into APScheduler day names."""
    if field == "*":
        return "*"
    days: list[int] = []
    for token in field.lower().split(","):
        days += _weekday_token(token)
    ordered = sorted(set(days), key=lambda d: (d - 1) % 7)  # Monday first, as APScheduler counts
    return ",".join(DAY_NAMES[d] for d in ordered)


def _weekday_token(token: str) -> list[int]:
    match = _DOW_TOKEN.match(token)
    if not match:
        raise ValueError(f"bad day-of-week {token!r}")
    start, end, step = match.groups()
    if start == "*":
        first, last = 0, 6
    else:
        first = _weekday_number(start)
        last = _weekday_number(end) if end else (6 if step else first)
    if end and _weekday_number(end) == 7:
        last = 7
    if last < first:
        raise ValueError(f"bad day-of-week range {token!r}")
    return [d % 7 for d in range(first, last + 1, int(step or 1))]


def _weekday_number(value: str) -> int:
    if value.isdigit():
        number = int(value)
        if number > 7:
            raise ValueError(f"day-of-week {value} is out of range 0-7")
        return number
    if value[:3] in DAY_NAMES:
        return DAY_NAMES.index(value[:3])
    raise ValueError(f"bad day-of-week {value!r}")


def cron_trigger(expression: str, timezone: str) -> Any:
    """An APScheduler trigger that fires when crontab(5) would."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, weekday = crontab_fields(expression)
    common = {"minute": minute, "hour": hour, "month": month, "timezone": timezone}
    days = crontab_weekdays(weekday)
    if day != "*" and weekday != "*":
        return OrTrigger([CronTrigger(day=day, **common), CronTrigger(day_of_week=days, **common)])
    return CronTrigger(day=day, day_of_week=days, **common)


def cron_problem(expression: str, timezone: str) -> str | None:
    """Why the expression is not a valid schedule, or None when it is.

    Every config load checks the schedule, also that of a `digest run` that finds nothing new,
    and importing APScheduler takes longer than such a run does. So an expression of numbers,
    ranges and steps that APScheduler surely takes passes without it; anything else (names,
    `L`, a value out of range) is built into a trigger, and the message is APScheduler's own.
    """
    if _surely_valid(expression, timezone):
        return None
    try:
        cron_trigger(expression, timezone)
    except (ValueError, TypeError, LookupError) as e:
        return f"invalid cron expression {expression!r}: {e}"
    return None


def _surely_valid(expression: str, timezone: str) -> bool:
    """Whether `cron_trigger` will take the expression, judged by APScheduler's own rules without importing it.

    False means "ask APScheduler", not "invalid": it covers only the plain numeric shapes.
    """
    try:
        minute, hour, day, month, weekday = crontab_fields(expression)
        crontab_weekdays(weekday)  # our translation: APScheduler then sees "*" or day names only
        if timezone != "UTC":  # APScheduler maps "UTC" itself and hands any other name to ZoneInfo
            ZoneInfo(timezone)
    except (ValueError, TypeError, LookupError):  # what cron_problem catches (ZoneInfoNotFoundError is a KeyError)
        return False
    values = {"minute": minute, "hour": hour, "day": day, "month": month}
    return all(_numeric_item_valid(item, *_FIELD_BOUNDS[name])
               for name, field in values.items() for item in field.split(","))


def _numeric_item_valid(item: str, lowest: int, highest: int) -> bool:
    """APScheduler's checks of `AllExpression` and `RangeExpression`, on one item of a field (or False)."""
    match = _NUMERIC_ITEM.match(item)
    if not match:
        return False
    first, last, step = (int(g) if g is not None else None for g in match.groups())
    if step is not None and not 0 < step <= highest - lowest:
        return False
    if first is None:
        return True  # "*" or "*/STEP"
    if last is None:
        last = first if step is None else highest
    return lowest <= first <= last <= highest and (step is None or step <= last - first)


def next_run_after(trigger: Any, fired: datetime, now: datetime | None = None) -> datetime | None:
    """When the trigger fires next after the run it fired at `fired`, and not before `now`.

    The job's own `next_run_time` is not that: a run that ends at once (another run held the
    lock) can finish before the scheduler has moved it on, and it still names the time just past.
    """
    now = max(now or datetime.now(fired.tzinfo), fired + timedelta(microseconds=1))
    return trigger.get_next_fire_time(None, now)  # type: ignore[no-any-return]


def build_scheduler(job: Callable[[], object], expression: str, timezone: str, *, now: bool = False) -> Any:
    """A BackgroundScheduler calling `job` on the schedule: one run at a time, late runs coalesced.

    With `now`, the first run is right away rather than at the schedule's next time.
    """
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=timezone)
    first = {"next_run_time": datetime.now(ZoneInfo(timezone))} if now else {}
    scheduler.add_job(job, cron_trigger(expression, timezone), id="digest-run", name="digest run",
                      max_instances=1, coalesce=True, misfire_grace_time=MISFIRE_GRACE_SECONDS, **first)
    return scheduler


def run_scheduler(job: Callable[[], object], expression: str, timezone: str, *, now: bool = False) -> None:
    """Call `job` on the schedule until SIGINT or SIGTERM, logging each run and the next fire time.

    The scheduler runs in its own threads while this one waits for the signal
    with sigwait. Stopping it from a signal handler instead deadlocked about once
    in a hundred stops: the handler can interrupt the scheduler's loop while it
    holds the (non-reentrant) lock of its wake-up event, which shutdown takes.
    """
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_SCHEDULER_STARTED, JobExecutionEvent

    # Blocked before any scheduler thread starts, so every thread inherits the
    # mask and the signals stay pending until sigwait takes them.
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    scheduler = build_scheduler(job, expression, timezone, now=now)

    def log_run(event: JobExecutionEvent) -> None:
        scheduled = scheduler.get_job(event.job_id)
        next_run = next_run_after(scheduled.trigger, event.scheduled_run_time) if scheduled else None
        if event.exception:
            LOGGER.error("digest run failed: %s; next run at %s", event.exception, next_run)
        else:
            LOGGER.info("digest run finished; next run at %s", next_run)

    def log_start(_event: object) -> None:
        (scheduled,) = scheduler.get_jobs()
        LOGGER.info("scheduled %r (%s); next run at %s", expression, timezone, scheduled.next_run_time)

    scheduler.add_listener(log_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.add_listener(log_start, EVENT_SCHEDULER_STARTED)
    try:
        scheduler.start()
        received = signal.sigwait(STOP_SIGNALS)
        LOGGER.info("received %s, stopping the scheduler", signal.Signals(received).name)
        scheduler.shutdown(wait=False)  # a run under way still finishes before the process exits
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
    LOGGER.info("scheduler stopped")
