"""The `digest` command line: parse arguments, call the library, report, exit.

The only module that prints or exits. Exit codes: 0 ok (also when nothing was
new, or another run held the lock), 1 some issues failed or some messages did
not go out (also a digest that reached nobody), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from digest import __version__
from digest.config import Settings, load_settings
from digest.errors import DigestError, UsageError
from digest.models import ParsedIssue
from digest.pipeline import IssueFailure, Progress, RunReport
from digest.workers import one_thread_for_matrix_maths

if TYPE_CHECKING:
    from digest.drafts import DraftRunReport
    from digest.mail.sending import DeliveryReport
    from digest.models import RenderedDigest

LOGGER = logging.getLogger("digest")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `digest` console script."""
    one_thread_for_matrix_maths()
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:
        return quiet_broken_pipe()
    except DigestError as e:
        if args.verbose > 1:
            LOGGER.exception("failed")
        print(f"digest: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130


def quiet_broken_pipe() -> int:
    """The reader of our output went away (`digest parse … | head`): stop without a traceback.

    Python would still try to flush stdout at exit and complain; pointing it at
    /dev/null first keeps that quiet. The reader chose to stop, so it is no failure.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


def add_common_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """-c, -v, -q: on the main parser (with defaults) and on each subcommand (without).

    A subcommand's own copy must not reset what was given before it, so its
    defaults are SUPPRESS: `digest -c x.toml run` and `digest run -c x.toml` agree.
    """
    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("-c", "--config", default=default(None),
                        help="config file (default: $DIGEST_CONFIG or ./config.toml)")
    parser.add_argument("-v", "--verbose", action="count", default=default(0),
                        help="per-issue progress; twice for debug output and tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="print nothing unless something failed (for cron)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: global options, then one subcommand per job."""
    parser = argparse.ArgumentParser(prog="digest", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    add_common_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    add_common_options(common, defaults=False)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="turn new issues into a digest and deliver it")
    run.add_argument("--dry-run", action="store_true", help="do everything but deliver or write state")
    run.set_defaults(func=cmd_run)

    preview = commands.add_parser("preview", parents=[common], help="render the next digest without sending")
    preview.add_argument("issues", nargs="*", type=Path, metavar="ISSUE|DRAFT",
                         help="issue files (default: the new issues in the inbox), or a draft's number")
    preview.add_argument("--as", dest="as_address", metavar="ADDRESS",
                         help="a draft as this subscriber receives it (their themes, their links)")
    preview.add_argument("--out", type=Path, help="HTML file to write (the .txt goes beside it)")
    preview.add_argument("--open", action="store_true", help="open the preview in a browser")
    preview.set_defaults(func=cmd_preview)

    parse = commands.add_parser("parse", parents=[common], help="show how one issue splits into articles")
    parse.add_argument("issue", type=Path, metavar="ISSUE")
    parse.add_argument("--json", action="store_true", help="print the JSON contract")
    parse.set_defaults(func=cmd_parse)

    schedule = commands.add_parser("schedule", parents=[common], help="run on the configured cron schedule")
    schedule.add_argument("--now", action="store_true", help="also run once right away")
    schedule.set_defaults(func=cmd_schedule)
    add_subscriber_commands(commands, common)
    add_draft_commands(commands, common)

    serve = commands.add_parser("serve", parents=[common], help="serve the web archive and the unsubscribe page")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8025, help="port to listen on (default: 8025)")
    serve.set_defaults(func=cmd_serve)
    return parser


def add_subscriber_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                            common: argparse.ArgumentParser) -> None:
    """The `digest subscribers …` actions."""
    subscribers = commands.add_parser("subscribers", help="manage who receives the digest by SMTP")
    actions = subscribers.add_subparsers(title="actions", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="add a subscriber (or re-activate one)")
    add.add_argument("address")
    add.add_argument("--name", default="", help="display name for the To: header")
    add.add_argument("--theme", action="append", default=[], dest="themes", metavar="THEME",
                     help="a configured theme to receive (repeatable; none means every theme)")
    add.set_defaults(func=cmd_subscribers_add)
    remove = actions.add_parser("remove", parents=[common],
                                help="forget a subscriber (an import may add them again; see unsubscribe)")
    remove.add_argument("address")
    remove.set_defaults(func=cmd_subscribers_remove)
    unsubscribe = actions.add_parser("unsubscribe", parents=[common],
                                     help="stop sending to a subscriber, for good (an import will not re-add them)")
    unsubscribe.add_argument("who", metavar="ADDRESS|TOKEN",
                             help="an address, or the token or whole subject of an unsubscribe mail")
    unsubscribe.set_defaults(func=cmd_subscribers_unsubscribe)
    listing = actions.add_parser("list", parents=[common], help="list subscribers and their status")
    listing.add_argument("--status", choices=("active", "bouncing", "unsubscribed"),
                         help="only the subscribers with this status")
    listing.set_defaults(func=cmd_subscribers_list)
    load = actions.add_parser("import", parents=[common], help="add or update subscribers from a CSV file")
    load.add_argument("csv", type=Path, metavar="FILE.csv", help="columns: address, and optionally name, themes (a;b)")
    load.set_defaults(func=cmd_subscribers_import)


def add_draft_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                       common: argparse.ArgumentParser) -> None:
    """The review workflow: `drafts`, `edit`, `test-send`, `send` (and `preview DRAFT`)."""
    drafts = commands.add_parser("drafts", parents=[common], help="list the drafts review mode made")
    drafts.set_defaults(func=cmd_drafts)
    actions = drafts.add_subparsers(title="actions", metavar="ACTION")
    show = actions.add_parser("show", parents=[common], help="a draft's themes and numbered articles")
    show.add_argument("draft", type=int, metavar="DRAFT")
    show.set_defaults(func=cmd_drafts_show)
    discard = actions.add_parser("discard", parents=[common], help="give a draft up; its issues are new again")
    discard.add_argument("draft", type=int, metavar="DRAFT")
    discard.set_defaults(func=cmd_drafts_discard)

    edit = commands.add_parser("edit", parents=[common], help="change a draft (every edit is kept)")
    edit.add_argument("draft", type=int, metavar="DRAFT")
    edits = edit.add_subparsers(title="edits", required=True, metavar="EDIT")
    for name, fields, about in (
        ("drop", ["article"], "leave an article out"),
        ("move", ["article", "theme"], "move an article to another (or a new) theme, at its end"),
        ("order", ["article", "position"], "put an article at a position (from 1) within its theme"),
        ("theme-order", ["theme", "position"], "put a theme at a position (from 1)"),
        ("rename", ["theme", "name"], "rename a theme"),
        ("title", ["article", "text"], "correct an article's title"),
        ("summary", ["article", "text"], "replace an article's summary (empty: none)"),
    ):
        one = edits.add_parser(name, parents=[common], help=about)
        for field_name in fields:
            one.add_argument(field_name, type=int if field_name in ("article", "position") else str)
        one.set_defaults(func=cmd_edit, op=name, fields=fields)

    test = commands.add_parser("test-send", parents=[common], help="send one copy of a draft, marked as a test")
    test.add_argument("draft", type=int, metavar="DRAFT")
    test.add_argument("address")
    test.set_defaults(func=cmd_test_send)
    send = commands.add_parser("send", parents=[common],
                               help="deliver a reviewed draft, or (--worker) a share of the planned messages")
    send.add_argument("draft", type=int, metavar="DRAFT", nargs="?", help="the reviewed draft to deliver")
    send.add_argument("--worker", action="store_true",
                      help="claim batches of deliveries until none is left (any number of workers with "
                           "[state] url; one at a time with the SQLite file)")
    send.set_defaults(func=cmd_send)


def configure_logging(verbose: int, *, timestamps: bool = False) -> None:
    """Log to stderr: warnings by default, progress with -v, debug and tracebacks with -vv.

    Long-running commands (`schedule`, `serve`) stamp each line with the time.
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    line = "%(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, format="%(asctime)s " + line if timestamps else line, stream=sys.stderr,
                        force=True)
    if verbose < 2:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        # pdfminer warns about every font quirk it works around (a missing FontBBox…): not the operator's concern
        logging.getLogger("pdfminer").setLevel(logging.ERROR)
        # APScheduler logs every job it adds, starts and finishes; our own lines say what each run did
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings the command line points at."""
    return load_settings(args.config)


def cmd_run(args: argparse.Namespace) -> int:
    """`digest run`: new issues into a digest, delivered; the state updated."""
    from digest.pipeline import run

    settings = settings_from(args)
    progress = None if args.quiet else progress_bar(sys.stderr)
    say = silent if args.quiet else print
    if settings.review and not args.dry_run:
        from digest.drafts import run_review

        return report_review_run(run_review(settings, progress=progress), settings, say)
    report = run(settings, dry_run=args.dry_run, progress=progress)
    return report_run(report, settings, say=say)


def report_review_run(report: DraftRunReport, settings: Settings, say: Callable[[str], None]) -> int:
    """What a run in review mode made: the draft and where to look at it."""
    if report.locked_out:
        say("another run is in progress")
        return 0
    report_failures(report.failures)
    troubled = report_delivery(report.delivery, say)
    if report.nothing_new:
        say(f"nothing new in {settings.inbox}")
    elif report.draft is None:
        say(f"{len(report.issues)} issue(s), no new articles; no draft")
    else:
        draft = report.draft
        path = write_preview(settings, render_draft_for_cli(settings, draft.id), f"draft-{draft.id}.html")
        say(f"draft {draft.id}: {len(report.issues)} issue(s), {len(draft.digest.articles)} articles; "
            f"nothing sent. Look: {path} (or `digest drafts show {draft.id}`); "
            f"send: `digest send {draft.id}`")
    return 1 if report.failures or troubled else 0


def silent(*_args: object, **_kwargs: object) -> None:
    """What `-q` prints where a command would say how it went: nothing."""


def report_run(report: RunReport, settings: Settings, say: Callable[[str], None] = print) -> int:
    """Print what a run did (through `say`, silenced by -q; failures always); the exit code it calls for."""
    if report.locked_out:
        say("another run is in progress")
        return 0
    report_failures(report.failures)
    troubled = report_delivery(report.delivery, say)
    if report.nothing_new:
        say(f"nothing new in {settings.inbox}")
        return 1 if troubled else 0
    say(run_summary(report))
    return 1 if report.failures or troubled else 0


def report_delivery(delivery: DeliveryReport | None, say: Callable[[str], None] = print) -> bool:
    """One line on what went to subscribers (SMTP mode), problems on stderr; True when some did not go."""
    if delivery is None or not delivery.attempted:
        return False
    for problem in delivery.problems:
        print(f"digest: {problem}", file=sys.stderr)
    if delivery.reached_nobody:
        print("digest: no subscriber received a message this run", file=sys.stderr)
    say(delivery_summary(delivery))
    return delivery.troubled


def delivery_summary(delivery: DeliveryReport) -> str:
    """`messages: N sent, …`: the sent count always (0 is news), the others when there are some."""
    counts = [(delivery.deferred, "deferred"), (delivery.waiting, "waiting"), (delivery.bounced, "bounced"),
              (delivery.refused, "refused"), (delivery.failed, "given up"), (delivery.skipped, "skipped")]
    return "messages: " + ", ".join([f"{delivery.sent} sent"] + [f"{n} {what}" for n, what in counts if n])


def run_summary(report: RunReport) -> str:
    """One line saying what a run made of the new issues."""
    issues = f"{len(report.issues)} issue{'s' * (len(report.issues) != 1)}"
    articles = f"{report.articles} article{'s' * (report.articles != 1)}"
    repeated = f" ({report.repeated_articles} sent before)" if report.repeated_articles else ""
    if report.dry_run:
        return f"dry run: {issues}, {articles}{repeated}; nothing written"
    if not report.issues:
        return f"no digest: {len(report.failures)} issue(s) failed"
    if not report.articles:
        return f"{issues}, no new articles{repeated}; no digest"
    more = f" (the last of {report.digests} digests)" if report.digests > 1 else ""
    return f"{issues}, {articles}{repeated} -> {report.paths['eml']}{more}"


def report_failures(failures: list[IssueFailure]) -> None:
    """One line on stderr for each issue that failed."""
    for failure in failures:
        print(f"digest: {failure.error}", file=sys.stderr)


def cmd_send_worker(args: argparse.Namespace) -> int:
    """`digest send --worker`: one worker's share of the planned deliveries."""
    from digest.pipeline import send_as_worker

    delivery = send_as_worker(settings_from(args))
    if delivery is None:
        print("another run is in progress")
        return 0
    for problem in delivery.problems:
        print(f"digest: {problem}", file=sys.stderr)
    print(delivery_summary(delivery))
    return 1 if delivery.troubled else 0


def cmd_preview(args: argparse.Namespace) -> int:
    """`digest preview`: render the next digest (or the given files, or a draft) without touching state."""
    from digest.pipeline import preview

    settings = settings_from(args)
    draft_id = draft_argument(args.issues)
    if draft_id is not None:
        path = write_preview(settings, render_draft_for_cli(settings, draft_id, args.as_address),
                             args.out or f"draft-{draft_id}.html")
        print(path)
        if args.open:
            open_in_browser(path)
        return 0
    if args.as_address:
        raise UsageError("--as shows a draft as a subscriber receives it", hint="digest preview DRAFT --as ADDRESS")
    rendered, report = preview(settings, args.issues or None, progress=progress_bar(sys.stderr))
    report_failures(report.failures)
    if rendered is None and report.failures and not report.issues:
        return 1  # every file failed, each said why in its own line
    if rendered is None:
        print("nothing to preview: no new articles")
        return 1 if report.failures else 0
    html_path = write_preview(settings, rendered, args.out or "digest-preview.html")
    print(html_path)
    if args.open:
        open_in_browser(html_path)
    return 1 if report.failures else 0


def write_preview(settings: Settings, rendered: RenderedDigest, out: Path | str) -> Path:
    """The HTML (and the text part beside it, .txt) written; a bare name goes in `[output] preview`."""
    from digest.outbox import atomic_write

    html_path = out if isinstance(out, Path) else settings.preview / out
    html_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(html_path, rendered.html.encode("utf-8"))
    atomic_write(html_path.with_suffix(".txt"), rendered.text.encode("utf-8"))
    return html_path


def open_in_browser(path: Path) -> None:
    """Open a written preview; say so when no browser could be."""
    import webbrowser  # late: it loads subprocess and shutil, and only `preview --open` needs it

    if not webbrowser.open(path.resolve().as_uri()):
        print("digest: no browser could be opened (set $BROWSER); open the file above yourself", file=sys.stderr)


def draft_argument(issues: list[Path]) -> int | None:
    """`digest preview 3`: a lone number that is not a file names a draft."""
    if len(issues) == 1 and str(issues[0]).isdigit() and not issues[0].exists():
        return int(str(issues[0]))
    return None


def render_draft_for_cli(settings: Settings, draft_id: int, address: str | None = None) -> RenderedDigest:
    """A draft rendered as it will go out (to `address`, when given)."""
    from digest.drafts import load_draft, render_draft
    from digest.store import Store

    with Store.for_settings(settings, existing=True) as store:
        draft = load_draft(store, draft_id)
    return render_draft(settings, draft, address)


def cmd_parse(args: argparse.Namespace) -> int:
    """`digest parse`: one issue's articles, as text or as the JSON contract."""
    from digest.models import parsed_issue_to_json
    from digest.pipeline import parse_file

    parsed = parse_file(args.issue, settings_from(args))
    if args.json:
        json.dump(parsed_issue_to_json(parsed), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_parse(parsed, sys.stdout)
    return 0


def print_parse(parsed: ParsedIssue, out: TextIO) -> None:
    """A readable outline of a parsed issue."""
    for number, article in enumerate(parsed.articles, 1):
        byline = " · ".join(x for x in (article.section, "、".join(article.authors)) if x)
        print(f"{number}. {article.display_title}" + (f"  [{byline}]" if byline else ""), file=out)
        flags = [article.kind] + (["truncated"] * article.truncated) + ([article.theme] if article.theme else [])
        print(f"   {', '.join(flags)}; {len(article.paragraphs)} paragraphs", file=out)
        for item in article.recommendations:
            print(f"   {item.marker} {item.headline}", file=out)
        for sentence in article.summary:
            print(f"   > {sentence}", file=out)
    for dropped in parsed.dropped:
        print(f"   (dropped {dropped.kind}: {dropped.text[:40]})", file=out)


def cmd_drafts(args: argparse.Namespace) -> int:
    """`digest drafts`: one line each, with a header."""
    from digest.drafts import drafts
    from digest.store import Store

    with Store.for_settings(settings_from(args), existing=True) as store:
        listed = drafts(store)
    print("DRAFT\tCREATED\tISSUES\tARTICLES\tSTATUS")
    for draft in listed:
        print(f"{draft.id}\t{draft.created}\t{len(draft.issues)}\t{len(draft.digest.articles)}\t{draft.status}")
    return 0


def cmd_drafts_show(args: argparse.Namespace) -> int:
    """`digest drafts show DRAFT`: its themes in order, each article with the number edits use."""
    from digest.drafts import load_draft, numbered_groups
    from digest.store import Store

    with Store.for_settings(settings_from(args), existing=True) as store:
        draft = load_draft(store, args.draft)
    print(f"draft {draft.id} ({draft.status}): {draft.digest.title}, {len(draft.digest.articles)} articles")
    for theme, articles in numbered_groups(draft):
        print(f"# {theme}")
        for number, article in articles:
            print(f"  [{number}] {article.display_title}")
    return 0


def cmd_drafts_discard(args: argparse.Namespace) -> int:
    """`digest drafts discard DRAFT`."""
    from digest.drafts import discard_draft
    from digest.store import Store

    with Store.for_settings(settings_from(args)) as store:
        draft = discard_draft(store, args.draft)
    print(f"draft {draft.id} discarded; its {len(draft.issues)} issue(s) go into the next run")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    """`digest edit DRAFT EDIT …`: one edit, checked and kept."""
    from digest.drafts import edit_draft
    from digest.store import Store

    edit = {"op": args.op, **{name: getattr(args, name) for name in args.fields}}
    with Store.for_settings(settings_from(args)) as store:
        draft = edit_draft(store, args.draft, edit)
    print(f"draft {draft.id}: {args.op} done ({len(draft.edits)} edits, {len(draft.digest.articles)} articles)")
    return 0


def cmd_test_send(args: argparse.Namespace) -> int:
    """`digest test-send DRAFT ADDRESS`."""
    from digest.drafts import load_draft, send_test_copy
    from digest.store import Store

    settings = settings_from(args)
    with Store.for_settings(settings, existing=True) as store:
        draft = load_draft(store, args.draft)
    send_test_copy(settings, draft, args.address)
    print(f"test copy of draft {draft.id} sent to {args.address}")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    """`digest send DRAFT`: the reviewed draft delivered; exit 1 when some messages did not go."""
    from digest.drafts import send_draft

    if args.worker == (args.draft is not None):
        raise UsageError("digest send takes either a DRAFT number or --worker",
                         hint="digest send 3 (a reviewed draft), or digest send --worker")
    if args.worker:
        return cmd_send_worker(args)
    settings = settings_from(args)
    report = send_draft(settings, args.draft)
    troubled = report_delivery(report.delivery, print)
    print(f"draft {report.draft.id} sent: {len(report.draft.digest.articles)} articles -> {report.paths.get('eml')}")
    return 1 if troubled else 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """`digest schedule`: run on the configured cron schedule until stopped."""
    from digest.pipeline import check_ready, run
    from digest.schedule import run_scheduler

    settings = settings_from(args)
    check_ready(settings)  # a scheduler that cannot deliver says so now, not at the first fire time
    configure_logging(max(args.verbose, 1), timestamps=True)

    def job() -> None:
        current = load_settings(args.config)
        if current.review:
            from digest.drafts import run_review

            drafted = run_review(current)
            LOGGER.info("run: %s", f"draft {drafted.draft.id}, nothing sent" if drafted.draft else
                        "another run is in progress" if drafted.locked_out else "no draft")
            return
        report = run(current)
        for failure in report.failures:
            LOGGER.error("%s", failure.error)
        if report.delivery and report.delivery.attempted:
            for problem in report.delivery.problems:
                LOGGER.error("%s", problem)
            if report.delivery.reached_nobody:
                LOGGER.error("no subscriber received a message this run")
            LOGGER.info("%s", delivery_summary(report.delivery))
        LOGGER.info("run: %s", "another run is in progress" if report.locked_out else
                    "nothing new" if report.nothing_new else run_summary(report))

    run_scheduler(job, settings.cron, settings.timezone, now=args.now)
    return 0


def cmd_subscribers_add(args: argparse.Namespace) -> int:
    """`digest subscribers add`."""
    from digest.mail.ledger import open_ledger
    from digest.mail.subscribers import add_subscriber
    from digest.store import Store

    settings = settings_from(args)
    with Store.for_settings(settings) as store, open_ledger(store) as ledger:
        outcome = add_subscriber(ledger, settings, args.address, args.name, args.themes)
    print(f"{outcome} {args.address.strip()}")
    return 0


def cmd_subscribers_remove(args: argparse.Namespace) -> int:
    """`digest subscribers remove`."""
    from digest.mail.ledger import open_ledger
    from digest.mail.subscribers import remove_subscriber
    from digest.store import Store

    with Store.for_settings(settings_from(args)) as store, open_ledger(store) as ledger:
        remove_subscriber(ledger, args.address)
    print(f"removed {args.address.strip()}")
    return 0


def cmd_subscribers_unsubscribe(args: argparse.Namespace) -> int:
    """`digest subscribers unsubscribe`."""
    from digest.mail.ledger import open_ledger
    from digest.mail.subscribers import unsubscribe_subscriber
    from digest.store import Store

    settings = settings_from(args)
    with Store.for_settings(settings) as store, open_ledger(store) as ledger:
        address = unsubscribe_subscriber(ledger, settings, args.who)
    print(f"unsubscribed {address}")
    return 0


def cmd_subscribers_list(args: argparse.Namespace) -> int:
    """`digest subscribers list`: a header, one tab-separated line each, then the counts by status."""
    from digest.mail.ledger import open_ledger
    from digest.mail.subscribers import status_counts
    from digest.store import Store

    with Store.for_settings(settings_from(args)) as store, open_ledger(store) as ledger:
        listed, counts = ledger.subscribers(args.status), status_counts(ledger)
    print("ADDRESS\tNAME\tTHEMES\tSTATUS")
    for subscriber in listed:
        themes = "、".join(subscriber.themes) or "(all themes)"
        bounces = f" ({subscriber.bounces} bounces)" if subscriber.bounces else ""
        print(f"{subscriber.address}\t{subscriber.name}\t{themes}\t{subscriber.status}{bounces}")
    by_status = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    shown = f"{len(listed)} shown of " if args.status else ""
    print(f"{shown}{counts.total()} subscriber{'s' * (counts.total() != 1)}" + (f": {by_status}" if counts else ""))
    return 0


def cmd_subscribers_import(args: argparse.Namespace) -> int:
    """`digest subscribers import`."""
    from digest.mail.ledger import open_ledger
    from digest.mail.subscribers import import_subscribers
    from digest.store import Store

    settings = settings_from(args)
    with Store.for_settings(settings) as store, open_ledger(store) as ledger:
        report = import_subscribers(ledger, settings, args.csv)
    for refusal in report.refused:
        print(f"digest: {refusal}", file=sys.stderr)
    print(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
          f"{len(report.refused)} refused")
    return 1 if report.refused else 0


def cmd_serve(args: argparse.Namespace) -> int:
    """`digest serve`: the web archive and the unsubscribe page, until stopped."""
    from digest.serve import make_server

    settings = settings_from(args)
    configure_logging(max(args.verbose, 1), timestamps=True)
    server = make_server(settings, args.host, args.port)
    print(f"serving the archive and unsubscribe page on http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how one stops a server in a terminal
    finally:
        server.server_close()
    return 0


def progress_bar(stream: TextIO) -> Progress | None:
    """A one-line progress bar on a terminal when several issues are processed; silent otherwise."""
    if not stream.isatty():
        return None

    def show(done: int, total: int, name: str) -> None:
        if total < 2:
            return
        width = 24
        filled = width * (done + 1) // total
        stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done + 1}/{total} {name[:40]:<40}")
        if done + 1 == total:
            stream.write("\r" + " " * (width + 50) + "\r")
        stream.flush()

    return show

