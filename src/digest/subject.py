"""The email's subject line from the `[digest] subject` template.

A template is text with `{placeholder}` fields (Python's `str.format` syntax):
`{title}` (`[digest] title`), `{date}` (the digest's date, 2026年11月24日),
`{headline}` (the lead article's title: the first article the reader's copy
shows, cut to `HEADLINE_CHARS`) and `{articles}` (how many articles that copy
has). The config checks a template when it loads, so a typo is a config error,
not a failed run. Kept free of jinja2 and premailer: the config imports it.
"""

from __future__ import annotations

import string
from datetime import datetime

DEFAULT_SUBJECT = "{title} {date}：{headline}"
FIELDS = ("title", "date", "headline", "articles")
HEADLINE_CHARS = 40  # mail clients show about 40-70 columns of a subject; a Han character takes two
# What may end a subject once an empty field is left out of it: spaces and the separators around fields.
_DANGLING = " \t：:·|—-–"


def subject_problem(template: str) -> str | None:
    """Why `template` cannot make a subject, or None."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as e:
        return f"{template!r} is not a template ({e}); write a literal brace as {{{{ or }}}}"
    unknown = [name for name in fields if name not in FIELDS]
    if unknown:
        return f"unknown placeholder {{{unknown[0]}}}; use {', '.join('{' + f + '}' for f in FIELDS)}"
    if not template.strip():
        return "the subject cannot be empty"
    return None


def format_subject(template: str, *, title: str, created: datetime, headline: str, articles: int) -> str:
    """The subject the template makes, on one line, without separators left dangling by an empty field."""
    date = f"{created.year}年{created.month}月{created.day}日"
    short = headline if len(headline) <= HEADLINE_CHARS else headline[: HEADLINE_CHARS - 1] + "…"
    subject = template.format(title=title, date=date, headline=short, articles=articles)
    return " ".join(subject.split()).strip(_DANGLING) or title
