"""The parse stage: a `Page` into its articles, each with its numbered lists.

The page goes through the modules in this order:

- `reflow`: physical lines → logical lines (a paragraph, heading or label a
  line), from column widths, blank lines, indents and punctuation;
- `repair`: the joins the reflow could not rule out undone (a byline or a label
  that only happened to follow a line filling its column);
- `segment`: page furniture dropped, then the lines walked and assembled into
  articles (heads, bylines, bodies, end notes);
- `lists`: each article's numbered lists, and which of them are recommendations.

`kinds` (what a line is) and `bylines` (names) are the vocabulary that reflow,
repair and segment share; `digest.zh` holds the Chinese text and page
conventions all of them build on. Each logical line carries the `Line` it
started on, so layout hints an extractor gives can reach the rules that read lines.
"""

from __future__ import annotations

from dataclasses import replace

from digest.models import Page, ParsedIssue
from digest.parse.lists import add_lists
from digest.parse.segment import segment_page


def parse_page(page: Page) -> ParsedIssue:
    """One page split into articles, each with its numbered lists; `IssueError` when it holds none."""
    parsed = segment_page(page)
    return replace(parsed, articles=[add_lists(a) for a in parsed.articles])
