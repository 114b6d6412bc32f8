"""The `digest` command line: parse arguments, call the library, report, exit.

The only module that prints or exits. Exit codes: 0 ok (also when nothing was
new, or another run held the lock), 1 some issues failed or some messages did
not go out (also a digest that reached nobody), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from digest import __version__
from digest.config import Settings, load_settings
from digest.errors import DigestError
from digest.models import ParsedIssue
from digest.pipeline import IssueFailure, Progress, RunReport

if TYPE_CHECKING:
    from digest.mail.sending import DeliveryReport

LOGGER = logging.getLogger("digest")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `digest` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        return int(args.func(args))
    except DigestError as e:
        if args.verbose > 1:
            LOGGER.exception("failed")
        print(f"digest: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: global options, then one subcommand per job."""
    parser = argparse.ArgumentParser(prog="digest", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", help="config file (default: $DIGEST_CONFIG or ./config.toml)")
    common.add_argument("-v", "--verbose", action="count", default=0,
                        help="per-issue progress; twice for debug output and tracebacks")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="turn new issues into a digest and deliver it")
    run.add_argument("--dry-run", action="store_true", help="do everything but deliver or write state")
    run.set_defaults(func=cmd_run)

    preview = commands.add_parser("preview", parents=[common], help="render the next digest without sending")
    preview.add_argument("issues", nargs="*", type=Path, metavar="ISSUE",
                         help="issue files (default: the new issues in the inbox)")
    preview.add_argument("--out", type=Path, help="HTML file to write (the .txt goes beside it)")
    preview.add_argument("--open", action="store_true", help="open the preview in a browser")
    preview.set_defaults(func=cmd_preview)

    parse = commands.add_parser("parse", parents=[common], help="show how one issue splits into articles")
    parse.add_argument("issue", type=Path, metavar="ISSUE")
    parse.add_argument("--json", action="store_true", help="print the JSON contract")
    parse.set_defaults(func=cmd_parse)

    send = commands.add_parser("send", parents=[common], help="send the planned messages, shared among workers")
    send.add_argument("--worker", action="store_true", required=True,
                      help="claim batches of deliveries until none is left (any number of workers with "
                           "[state] url; one at a time with the SQLite file)")
    send.set_defaults(func=cmd_send)

    schedule = commands.add_parser("schedule", parents=[common], help="run on the configured cron schedule")
    schedule.set_defaults(func=cmd_schedule)
    add_subscriber_commands(commands, common)

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
    listing.set_defaults(func=cmd_subscribers_list)
    load = actions.add_parser("import", parents=[common], help="add or update subscribers from a CSV file")
    load.add_argument("csv", type=Path, metavar="FILE.csv", help="columns: address, and optionally name, themes (a;b)")
    load.set_defaults(func=cmd_subscribers_import)


def configure_logging(verbose: int) -> None:
    """Log to stderr: warnings by default, progress with -v, debug and tracebacks with -vv."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr,
                        force=True)
    if verbose < 2:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        # pdfminer warns about every font quirk it works around (a missing FontBBox…): not the operator's concern
        logging.getLogger("pdfminer").setLevel(logging.ERROR)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings the command line points at."""
    return load_settings(args.config)


def cmd_run(args: argparse.Namespace) -> int:
    """`digest run`: new issues into a digest, delivered; the state updated."""
    from digest.pipeline import run

    settings = settings_from(args)
    report = run(settings, dry_run=args.dry_run, progress=progress_bar(sys.stderr))
    return report_run(report, settings)


def report_run(report: RunReport, settings: Settings) -> int:
    """Print what a run did; the exit code it calls for."""
    if report.locked_out:
        print("another run is in progress")
        return 0
    report_failures(report.failures)
    troubled = report_delivery(report)
    if report.nothing_new:
        print(f"nothing new in {settings.inbox}")
        return 1 if troubled else 0
    print(run_summary(report))
    return 1 if report.failures or troubled else 0


def report_delivery(report: RunReport) -> bool:
    """One line on what went to subscribers (SMTP mode), problems on stderr; True when some did not go."""
    delivery = report.delivery
    if delivery is None or not delivery.attempted:
        return False
    for problem in delivery.problems:
        print(f"digest: {problem}", file=sys.stderr)
    if delivery.reached_nobody:
        print("digest: no subscriber received a message this run", file=sys.stderr)
    print(delivery_summary(delivery))
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
    return f"{issues}, {articles}{repeated} -> {report.paths['eml']}"


def report_failures(failures: list[IssueFailure]) -> None:
    """One line on stderr for each issue that failed."""
    for failure in failures:
        print(f"digest: {failure.error}", file=sys.stderr)


def cmd_send(args: argparse.Namespace) -> int:
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
    """`digest preview`: render the next digest (or the given files) without touching state."""
    from digest.outbox import atomic_write
    from digest.pipeline import preview

    settings = settings_from(args)
    rendered, report = preview(settings, args.issues or None, progress=progress_bar(sys.stderr))
    report_failures(report.failures)
    if rendered is None:
        print("nothing to preview: no new articles")
        return 1 if report.failures else 0
    html_path = args.out or settings.preview / "digest-preview.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(html_path, rendered.html.encode("utf-8"))
    atomic_write(html_path.with_suffix(".txt"), rendered.text.encode("utf-8"))
    print(html_path)
    if args.open:
        webbrowser.open(html_path.resolve().as_uri())
    return 1 if report.failures else 0


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


def cmd_schedule(args: argparse.Namespace) -> int:
    """`digest schedule`: run on the configured cron schedule until stopped."""
    from digest.pipeline import check_ready, run
    from digest.schedule import run_scheduler

    settings = settings_from(args)
    check_ready(settings)  # a scheduler that cannot deliver says so now, not at the first fire time
    configure_logging(max(args.verbose, 1))

    def job() -> None:
        report = run(load_settings(args.config))
        for failure in report.failures:
            LOGGER.error("%s", failure.error)
        if report.delivery and report.delivery.attempted:
            for problem in report.delivery.problems:
                LOGGER.error("%s", problem)
            if report.delivery.reached_nobody:
                LOGGER.error("no subscriber received a message this run")
            LOGGER.info("%s", delivery_summary(report.delivery))
        LOGGER.info("%s", "another run is in progress" if report.locked_out else
                    "nothing new" if report.nothing_new else run_summary(report))

    run_scheduler(job, settings.cron, settings.timezone)
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
    """`digest subscribers list`."""
    from digest.mail.ledger import open_ledger
    from digest.store import Store

    with Store.for_settings(settings_from(args)) as store, open_ledger(store) as ledger:
        for subscriber in ledger.subscribers():
            themes = "、".join(subscriber.themes) or "(all themes)"
            bounces = f" ({subscriber.bounces} bounces)" if subscriber.bounces else ""
            print(f"{subscriber.address}\t{subscriber.name}\t{themes}\t{subscriber.status}{bounces}")
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
    configure_logging(max(args.verbose, 1))
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

