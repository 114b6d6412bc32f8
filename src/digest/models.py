"""Plain dataclasses passed between the pipeline stages.

Each stage takes and returns these; JSON is produced only at the edge
(`digest parse --json`) by `to_json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

ArticleKind = Literal["article", "viewpoints", "qa"]


@dataclass(frozen=True)
class Issue:
    """One file from the inbox, decoded."""

    path: Path
    text: str
    sha256: str
    encoding: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class ListItem:
    """One numbered item of an article (第一，… / 一是… / （一）…), with its nested items."""

    number: int
    marker: str
    text: str
    headline: str
    children: list[ListItem] = field(default_factory=list)


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
    issues: list[str]  # issue file names, in the order they were read
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
        "articles": [article_to_json(a) for a in parsed.articles],
        "dropped": [asdict(d) for d in parsed.dropped],
    }
