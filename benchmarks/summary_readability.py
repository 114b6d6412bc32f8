"""Check that summaries read on their own, on issues whose summary nobody wrote.

Usage:
    python benchmarks/summary_readability.py ISSUE [ISSUE ...] [--pull-quotes DIR] \
        [--max-chars N] [--sentences N] [--show]

Each issue file is parsed as `digest parse` does and every article summarized;
every summary is checked against the rules an email reader relies on, none of
which needs a reference:

- verbatim: every piece is text of one of the article's paragraphs (a leading
  connective standing as a clause of its own may be dropped);
- order: the pieces come in the article's order;
- antecedent: a piece that opens with a connective or pointer (因此…, 这也…)
  follows the sentence it leans on, which is the end of the piece before it
  (with at most subheadings and numbered items between, which the email shows);
- quotation: no piece starts or ends inside a quotation;
- budget: within the characters and pieces allowed, or one piece alone.

With `--pull-quotes DIR`, DIR/STEM.json (an issue's reference answers) may
list the page's boxed pull quotes under `not_articles` (`kind` "pull_quote"):
sentences an editor lifted out of an article, like the `editor_pick` set's.
The script prints for each one whether the summary of the article holding it
has a piece that covers it (at least 80 % of the quote's characters, in order,
and at least half of the piece), the scorer's test. Exits 1 when a rule is
broken.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from digest.models import Article, ListItem
from digest.parse import parse_page
from digest.pipeline import read_page
from digest.summarize import DEFAULT_MAX_CHARS, DEFAULT_SENTENCES, Summarizer
from digest.zh import leans_on_previous, quotes_balanced, split_sentences

RULES = ("verbatim", "order", "antecedent", "quotation", "budget")


def squeezed(text: str) -> str:
    """Letters, digits and Han characters only, NFKC-normalised: how quotes and summaries are compared."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def broken_rules(article: Article, summary: Sequence[str], summarizer: Summarizer) -> list[str]:
    """The rules of `RULES` the article's summary breaks."""
    text = "\n".join(article.paragraphs)
    broken = []
    if not all(any(piece in paragraph for paragraph in article.paragraphs) for piece in summary):
        broken.append("verbatim")
        return broken
    positions = [text.index(piece) for piece in summary]
    if positions != sorted(positions):
        broken.append("order")
    if any(leans_on_previous(piece) and not follows_its_antecedent(article, summary, i) for i, piece in
           enumerate(summary)):
        broken.append("antecedent")
    if not all(quotes_balanced(piece) for piece in summary):
        broken.append("quotation")
    if len(summary) > 1 and (len(summary) > summarizer.sentences or sum(map(len, summary)) > summarizer.max_chars):
        broken.append("budget")
    return broken


def follows_its_antecedent(article: Article, summary: Sequence[str], index: int) -> bool:
    """Whether the piece comes right after the one before it in the summary, or with
    only what the email shows anyway between them (subheadings, numbered items)."""
    if index == 0:
        return False
    text = "\n".join(article.paragraphs)
    previous_end = text.index(summary[index - 1]) + len(summary[index - 1])
    between = text[previous_end : text.index(summary[index])]
    headings = {squeezed(h) for h in article.subheadings}
    items = [t for t in map(squeezed, item_texts(article.recommendations)) if t]
    lines = [squeezed(line) for line in between.splitlines()]
    return all(not line or line in headings or any(t in line for t in items) for line in lines)


def item_texts(items: Sequence[ListItem]) -> list[str]:
    """The headlines and texts of numbered items and of their nested items."""
    return [part for item in items for part in (item.headline, item.text, *item_texts(item.children)) if part]


def pull_quotes(directory: Path | None, issue: Path) -> list[str]:
    """The pull quotes listed in the issue's reference answers, if any."""
    if directory is None or not (directory / f"{issue.stem}.json").exists():
        return []
    answers = json.loads((directory / f"{issue.stem}.json").read_text(encoding="utf-8"))
    return [item["text"] for item in answers.get("not_articles", []) if item.get("kind") == "pull_quote"]


def covers(piece: str, quote: str) -> bool:
    """The scorer's test: the piece holds 80 % of the quote, in order, and is at least half quote."""
    a, b = squeezed(piece), squeezed(quote)
    common = longest_common_subsequence(a, b)
    return common >= 0.8 * len(b) and common >= 0.5 * len(a)


def longest_common_subsequence(a: str, b: str) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def holder(articles: Sequence[Article], quote: str) -> Article | None:
    """The article whose sentences hold most of the quote, if one holds it at all."""
    best, best_share = None, 0.0
    for article in articles:
        for paragraph in article.paragraphs:
            for sentence in split_sentences(paragraph):
                common = longest_common_subsequence(squeezed(sentence), squeezed(quote))
                share = common / max(len(squeezed(quote)), 1)
                if share > best_share:
                    best, best_share = article, share
    return best if best_share >= 0.8 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("issues", type=Path, nargs="+")
    parser.add_argument("--pull-quotes", type=Path, help="directory of reference answers NAME.json")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS)
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES)
    parser.add_argument("--show", action="store_true", help="print every summary")
    args = parser.parse_args(argv)
    summarizer = Summarizer(args.sentences, args.max_chars)
    counts: Counter[str] = Counter()
    articles_seen = 0
    quotes_found = quotes_hit = 0
    for issue in args.issues:
        articles = parse_page(read_page(issue)).articles
        summaries = {id(a): summarizer.summarize(a) for a in articles}
        for article in articles:
            articles_seen += 1
            broken = broken_rules(article, summaries[id(article)], summarizer)
            counts.update(broken)
            if broken or args.show:
                print(f"{issue.name} | {article.display_title} | {' '.join(broken) or 'ok'}")
                print("\n".join(f"    {piece}" for piece in summaries[id(article)]))
        for quote in pull_quotes(args.pull_quotes, issue):
            article = holder(articles, quote)
            if article is None:
                print(f"{issue.name}: pull quote in no article: {quote[:40]}…")
                continue
            quotes_found += 1
            hit = any(covers(piece, quote) for piece in summaries[id(article)])
            quotes_hit += hit
            verdict = "covered" if hit else "missed "
            print(f"{issue.name}: pull quote {verdict} | {article.display_title} | {quote[:40]}…")
    print(f"\n{articles_seen} articles in {len(args.issues)} issues; rules broken: "
          + ", ".join(f"{rule} {counts[rule]}" for rule in RULES))
    if args.pull_quotes:
        print(f"pull quotes covered by their article's summary: {quotes_hit} of {quotes_found}")
    return 1 if sum(counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
