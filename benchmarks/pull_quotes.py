"""Build a summary evaluation set from the pull quotes of laid-out pages.

Usage:
    python benchmarks/pull_quotes.py --pages ../shared/eval/pdf --text ../shared/eval/pages \
        --text ../shared/seeds [--decks ../shared/eval/themes.jsonl] --out /tmp/pull_quotes.jsonl
    python benchmarks/summarize.py --eval /tmp/pull_quotes.jsonl --out /tmp/pq --peers

A boxed pull quote is a sentence the page's editor lifted out of an article and
printed again in larger type: the same judgment as the `editor_pick` set's lead
(a line worth lifting out), made by other editors on other kinds of pieces
(theory pages rather than commentary), and never seen while the summarizer's
weights were fitted. Each `NAME.json` reference under `--pages` lists its page's
pull quotes under `not_articles`; the page's text is `NAME.txt` in one of the
`--text` folders. The text is parsed as `digest parse` parses it, and each quote
becomes a row of the article that holds it (found as
`benchmarks/summary_readability.py --pull-quotes` finds it, which checks our
summaries alone against the same quotes): `{id, set: "pull_quote", title,
text, reference}`, the article's paragraphs one a line and the quote left in
place (it repeats a sentence of the article). A quote that no parsed article
holds (one that is no sentence of the text) is reported and left out.

`--decks FILE` adds the deck lines of a file of articles (rows `{id, title,
text}`, one paragraph a line, as `../shared/eval/themes.jsonl`): an article
that opens on a line its body repeats, a statement of its own (a clause mark
or an end mark in it, where a headline repeated over its story has neither),
opens on a line its desk lifted out of it. Such an article becomes a row of the
`deck_line` set with its opening line as the reference, taken out of the text
as the `editor_pick` set's lead is.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from summary_readability import holder, pull_quotes

from digest.models import Article
from digest.parse import parse_page
from digest.pipeline import read_page
from digest.zh import PROSE_MARK

SET = "pull_quote"
DECK_SET = "deck_line"


def page_text(name: str, folders: Sequence[Path]) -> Path | None:
    """The page's text in the first folder that has it."""
    return next((folder / f"{name}.txt" for folder in folders if (folder / f"{name}.txt").is_file()), None)


def quote_rows(pages: Path, folders: Sequence[Path]) -> Iterator[dict[str, Any]]:
    """One row per pull quote that a parsed article holds; the others are reported on stderr."""
    for reference in sorted(pages.glob("*.json")):
        quotes = pull_quotes(pages, reference)
        text = page_text(reference.stem, folders) if quotes else None
        if text is None:
            continue
        articles = parse_page(read_page(text)).articles
        for number, quote in enumerate(quotes):
            article = holder(articles, quote)
            if article is None:
                print(f"{reference.name}: no article holds pull quote {number} ({quote[:16]}…)", file=sys.stderr)
                continue
            yield {
                "id": f"{reference.stem}-q{number}",
                "set": SET,
                "title": article.display_title,
                "text": "\n".join(article.paragraphs),
                "reference": quote,
            }


def deck_rows(path: Path) -> Iterator[dict[str, Any]]:
    """One row per article of the file whose opening line is a statement its body repeats."""
    seen: set[str] = set()
    for row in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()):
        if row["id"] in seen:  # a batch file repeats an article in every batch that holds it
            continue
        seen.add(row["id"])
        paragraphs = [paragraph for paragraph in row["text"].splitlines() if paragraph.strip()]
        if len(paragraphs) < 2:
            continue
        deck, *body = paragraphs
        article = Article(title=row.get("title"), display_title=row.get("title") or "", paragraphs=body)
        if PROSE_MARK.search(deck) and holder([article], deck):  # a statement, not a headline repeated
            yield {"id": f"{row['id']}-deck", "set": DECK_SET, "title": row.get("title"), "text": "\n".join(body),
                   "reference": deck}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, required=True, help="folder of NAME.json page references")
    parser.add_argument("--text", type=Path, action="append", required=True, help="folder of NAME.txt page texts")
    parser.add_argument("--decks", type=Path, help="articles {id, title, text} whose opening deck lines to add")
    parser.add_argument("--out", type=Path, required=True, help="the evaluation file to write")
    args = parser.parse_args(argv)
    rows = list(quote_rows(args.pages, args.text))
    decks = list(deck_rows(args.decks)) if args.decks else []
    with args.out.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows + decks)
    print(f"{len(rows)} pull quotes and {len(decks)} deck lines written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
