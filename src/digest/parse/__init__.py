"""The parse stage: a `Page` into its articles, each with its numbered lists.

`reflow` turns physical lines into logical lines, `digest.segment` splits them
into articles, reading what each line is from `kinds` and names from
`bylines`; `lists` reads each article's numbered lists and which of them are
recommendations.
"""

from __future__ import annotations

from dataclasses import replace

from digest.models import Page, ParsedIssue
from digest.parse.lists import add_lists


def parse_page(page: Page) -> ParsedIssue:
    """One page split into articles, each with its numbered lists; `IssueError` when it holds none."""
    from digest.segment import parse_issue  # imported here: digest.segment imports this package's modules

    parsed = parse_issue(page)
    return replace(parsed, articles=[add_lists(a) for a in parsed.articles])
