"""Plain dataclasses passed between the pipeline stages.

Each stage takes and returns these; JSON is produced only at the edge
(`digest parse --json`) by `to_json`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

ArticleKind = Literal["article", "viewpoints", "qa"]


@dataclass(frozen=True)
class RawIssue:
    """One issue as a source hands it over: its bytes, and where they came from."""

    id: str  # stable identity in the state: the sha256 of the bytes for a file
    origin: str  # where it came from, for messages: a file's path, an entry's URL, mailbox/UID
    name: str  # short name for logs and the JSON `source` (a file's name)
    data: bytes
    media_type: str = ""  # what the source says it is, "" when it says nothing; extractors look at the bytes
    metadata: Mapping[str, str] = field(default_factory=dict)  # what the source knows: url, date, title…

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Line:
    """One physical line of a page, with what the layout says about it.

    Text input says nothing (every hint at its default); a PDF or HTML extractor
    passes what it knows, so the parser does not have to guess it back.
    """

    text: str
    size: float | None = None  # font size relative to the page's body text (1.0 = body), when known
    bold: bool = False
    boxed: bool = False  # set apart from the running text (a box, a shaded or framed passage)
    column: int | None = None  # the page column the line sits in, when known
    block: int | None = None  # lines of one layout block share a number
    role: str | None = None  # what the markup says the line is: "title", "over-title", "byline", "heading"…
    url: str | None = None  # a link the line carries: on a headline, the article's original page


@dataclass(frozen=True)
class Page:
    """An issue as lines of text in reading order: what every extractor produces and the parser reads."""

    id: str  # the issue's identity (`RawIssue.id`)
    name: str  # its short name (`RawIssue.name`)
    origin: str  # where it came from, for messages (`RawIssue.origin`)
    lines: tuple[Line, ...]
    media_type: str = "text/plain"
    encoding: str = "utf-8"
    title: str | None = None  # what the issue calls itself (masthead, page title, mail subject), when known
    url: str | None = None  # the page's own (canonical) URL, when known

    @property
    def text(self) -> str:
        """The page as plain text, one physical line a line (blank lines included)."""
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class IssueFailure:
    """An issue that could not be taken or processed this run, and why."""

    source: str  # its short name
    error: str  # one line naming the file (or origin) and the problem
    sha256: str | None = None  # None when its bytes could not even be read
    # Set for what is reported once and then passed over until it changes (an unsupported file type,
    # a symlink out of the inbox): what the state remembers it by. Such a failure is not retried.
    once_key: str | None = None


@dataclass(frozen=True)
class ListItem:
    """One numbered item of an article (第一，… / 一是… / （一）…), with its nested items."""

    number: int
    marker: str
    text: str
    headline: str
    children: list[ListItem] = field(default_factory=list)
    heading: str = ""  # the article's subheading the item's list stands under ("" when none); top-level items only


@dataclass(frozen=True)
class NumberedList:
    """A run of numbered items counting up from one, and how it reads."""

    kind: str  # "recommendations", or an analysis kind: "problems", "rationale", "features", "points"…
    items: list[ListItem]
    missing: list[int] = field(default_factory=list)  # numbers the source skipped


@dataclass(frozen=True)
class Article:
    """One article of an issue: what the page says, plus what later stages add."""

    title: str | None
    display_title: str
    paragraphs: list[str]
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    affiliation: str | None = None
    kind: ArticleKind = "article"
    truncated: bool = False
    subheadings: list[str] = field(default_factory=list)
    compiler: str | None = None
    contributors: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    recommendations: list[ListItem] = field(default_factory=list)
    points: list[NumberedList] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    theme: str = ""
    source: str = ""  # the issue file the article came from
    url: str | None = None  # its original page (its headline's link, else the page's canonical URL), when known

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Dropped:
    """Page text that is not an article: masthead, banner, pull quote, credit…"""

    kind: str
    text: str


@dataclass(frozen=True)
class ParsedIssue:
    """An issue split into articles."""

    source: str
    articles: list[Article]
    dropped: list[Dropped] = field(default_factory=list)
    title: str | None = None  # what the issue calls itself (the page's title or masthead), when known


@dataclass(frozen=True)
class ThemeRule:
    """An editor-defined theme: its name and the keywords that call for it."""

    name: str
    keywords: list[str]


@dataclass(frozen=True)
class ThemeGroup:
    """Articles shown together under one theme heading."""

    name: str
    articles: list[Article]
    keywords: list[str] = field(default_factory=list)
    automatic: bool = False  # named from shared keywords, not configured by an editor


@dataclass(frozen=True)
class Digest:
    """Everything one email says, before rendering."""

    title: str
    created: datetime
    issues: list[str]  # what each issue is called (its title or masthead, never its file name), in reading order
    groups: list[ThemeGroup]
    archive_url: str | None = None

    @property
    def articles(self) -> list[Article]:
        return [a for g in self.groups for a in g.articles]


@dataclass(frozen=True)
class RenderedDigest:
    """The digest as an email: subject, HTML part and plain-text part."""

    subject: str
    html: str
    text: str
    archive_html: str | None = None  # the full copy, when the email had to be shortened


def article_to_json(article: Article) -> dict[str, Any]:
    """The `digest parse --json` contract for one article."""
    data = asdict(article)
    data["body"] = article.body
    data.pop("source", None)
    return data


def parsed_issue_to_json(parsed: ParsedIssue) -> dict[str, Any]:
    """The `digest parse --json` contract for one issue."""
    return {
        "source": parsed.source,
        "title": parsed.title,
        "articles": [article_to_json(a) for a in parsed.articles],
        "dropped": [asdict(d) for d in parsed.dropped],
    }
