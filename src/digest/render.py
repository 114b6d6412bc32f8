"""Render a `Digest` as an email: an HTML part with inlined CSS and its plain-text twin.

The look lives in a templates folder editors may change (`digest.html.j2`,
`digest.txt.j2`, `digest.css`); the packaged copy is the default. The rules this
module relies on:

- Mail clients drop or ignore `<style>` blocks, so premailer copies every rule into
  `style` attributes; only `@media` rules (phones, dark mode) stay in a `<style>`
  block, as an extra for the clients that honour them.
- Gmail clips an HTML part past about 102 KB and base64 makes CJK text about 1.35
  times bigger on the wire, so the HTML is kept under `max_html_bytes` of UTF-8:
  when the whole digest does not fit, the later articles (in reading order) are
  shown as title, section and one line with a link to the full copy in the web
  archive, which is returned as `archive_html`.
- URLs are put into the HTML after inlining: lxml percent-encodes `href` values
  (a `{unsubscribe_url}` placeholder would come out as `%7Bunsubscribe_url%7D`).
- The plain-text part wraps by terminal columns (`zh.wrap_columns`).
- Recommendations are shown as the article has them (`recommendation_blocks`):
  each list under the subheading it stands under, with the article's own
  markers and nesting. Wrapped lines hang: they start under the item's text,
  as far in as the marker is wide (in HTML the list's padding and negative
  text-indent of its widest marker's ems, which its items inherit, and a box that
  wide for a marker of another width; in the text part spaces).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from premailer import Premailer

from digest import zh
from digest.errors import RenderError
from digest.models import Article, Digest, ListItem, RenderedDigest
from digest.subject import DEFAULT_SUBJECT, format_subject

LOGGER = logging.getLogger(__name__)

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
TEXT_WIDTH = 72  # terminal columns; a Han character takes two
TEASER_CHARS = 60  # the one line shown for an article the email only mentions

# Stand-ins for URLs while lxml serialises the HTML; letters and dashes survive unchanged.
_URL_TOKENS = {"unsubscribe_url": "digest-url-token-unsubscribe", "archive_url": "digest-url-token-archive"}
# Two or more blank (or whitespace-only) lines in a row: the text part keeps at most one.
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


@dataclass(frozen=True)
class ArticleView:
    """One article as the templates show it."""

    article: Article
    anchor: str  # the id the contents list and the archive links point at
    brief: bool  # shown as title, section and one line; the rest is in the web archive
    teaser: str


@dataclass(frozen=True)
class GroupView:
    """One theme heading and the articles the email shows under it."""

    name: str
    keywords: list[str]
    automatic: bool
    articles: list[ArticleView]


@dataclass(frozen=True)
class ListBlock:
    """One numbered list of an article's recommendations, under the subheading it stands under."""

    heading: str  # "" when the list stands under no subheading
    items: list[ListItem]


@dataclass(frozen=True)
class Layout:
    """How much of the digest the email carries: the first `full` articles in full,
    up to `listed` articles at all (the others only in the web archive)."""

    full: int
    listed: int


def default_templates_dir() -> Path:
    """The templates shipped with the package (the repository's `templates/` folder)."""
    return Path(str(resources.files("digest.templates")))


def render_digest(
    digest: Digest,
    templates_dir: Path | None = None,
    *,
    max_html_bytes: int = 75_000,
    unsubscribe_url: str = "{unsubscribe_url}",
    archive_url: str | None = None,
    subject: str = DEFAULT_SUBJECT,
) -> RenderedDigest:
    """Render the digest's subject (from the `subject` template), HTML part and text part.

    The HTML part stays under `max_html_bytes` of UTF-8; when the full digest is
    larger, later articles are shortened and `archive_html` holds the full copy
    for the caller to publish at `archive_url` (from the config, else the digest's).
    """
    env = _environment(templates_dir or default_templates_dir())
    subject_line = digest_subject(digest, subject)
    env.globals["subject"] = subject_line  # one line for every layout the size search tries, and both parts
    urls = {"unsubscribe_url": unsubscribe_url, "archive_url": archive_url or digest.archive_url}
    total = len(digest.articles)
    html_for = functools.cache(lambda layout: _render_html(env, digest, layout, urls, archive=False))
    layout = _fit_layout(total, lambda lay: len(html_for(lay).encode("utf-8")), max_html_bytes)
    full_layout = Layout(total, total)
    archive_html = None
    if layout != full_layout:
        LOGGER.info("digest shortened to fit %d bytes: %d of %d articles in full, %d listed",
                    max_html_bytes, layout.full, total, layout.listed)
        if not urls["archive_url"]:
            LOGGER.warning("the email was shortened but no archive URL is configured to link the full copy")
        archive_html = _render_html(env, digest, full_layout, urls, archive=True)
    context = _context(digest, layout, urls, archive=False)
    text = _tidy_text(_render_template(env, TEXT_TEMPLATE, context))
    return RenderedDigest(subject=subject_line, html=html_for(layout), text=text, archive_html=archive_html)


def digest_subject(digest: Digest, template: str = DEFAULT_SUBJECT) -> str:
    """The subject line: the template filled in with this digest's title, date and lead headline."""
    lead = digest.articles[0].display_title if digest.articles else ""
    return format_subject(template, title=digest.title, created=digest.created, headline=lead,
                          articles=len(digest.articles))


def _fit_layout(total: int, size_of: Callable[[Layout], int], limit: int) -> Layout:
    """The fullest layout whose HTML fits in `limit` bytes.

    First every article in full; then fewer in full and the rest brief; then
    fewer listed at all. Size grows about evenly with each article, so a search
    that aims where the limit should fall finds the boundary in a few renders.
    """
    if size_of(Layout(total, total)) <= limit:
        return Layout(total, total)
    # Each search's upper end, `total`, has been measured already: Layout(total, total)
    # just above, Layout(0, total) as the first search's lower end.
    full = _largest_fitting(lambda n: size_of(Layout(n, total)), limit, total)
    if full is not None:
        return Layout(full, total)
    listed = _largest_fitting(lambda n: size_of(Layout(0, n)), limit, total)
    if listed is None:
        raise RenderError(
            f"the digest email does not fit in {limit} bytes even without articles",
            hint="raise the HTML size limit or shorten the templates",
        )
    return Layout(0, listed)


def _largest_fitting(size_at: Callable[[int], int], limit: int, beyond: int) -> int | None:
    """The largest n below `beyond` with `size_at(n) <= limit`, sizes being non-decreasing
    in n; None when even n = 0 is over the limit.

    The search keeps a bracket, the largest n known to fit and the smallest known not
    to (at first 0 and `beyond`, whose size the caller should have cached), and probes
    where the limit falls between the sizes at its ends (`_Bracket.aim`). Once two
    probes have each left more than half the bracket, it bisects, so it makes at most
    two probes more than bisection's worst case (one per halving of `beyond`).
    """
    if beyond <= 0:
        return None
    low_size = size_at(0)
    if low_size > limit:
        return None
    bracket = _Bracket(0, low_size, beyond, size_at(beyond))
    stalls = 0
    while bracket.width > 1:
        width = bracket.width
        probe = (bracket.low + bracket.high) // 2 if stalls >= 2 else bracket.aim(limit)
        bracket.narrow(probe, size_at(probe), limit)
        if bracket.width > (width + 1) // 2:  # bisection would have left at most this
            stalls += 1
    return bracket.low


@dataclass
class _Bracket:
    """The largest n known to fit and the smallest known not to, with their sizes, and how
    many probes in a row have left the upper end in place (negative: the lower end)."""

    low: int
    low_size: int
    high: int
    high_size: int
    kept: int = 0

    @property
    def width(self) -> int:
        """How far apart the ends are: 1 when the boundary is found."""
        return self.high - self.low

    def aim(self, limit: int) -> int:
        """The n strictly inside where sizes growing linearly between the ends would last fit.

        Sizes that curve put every estimate on one side of the boundary, so probes creep
        towards it from that side. As in the Illinois variant of regula falsi, an end
        left in place counts half as far from the limit for each probe that left it, and
        the estimates reach over the boundary instead.
        """
        room = (limit - self.low_size) << max(self.kept, 0)
        excess = (self.high_size - limit) << max(-self.kept, 0)
        if excess <= 0:  # only when the caller's upper end fits after all
            return self.high - 1
        estimate = self.low + room * self.width // (room + excess)
        return min(max(estimate, self.low + 1), self.high - 1)

    def narrow(self, probe: int, size: int, limit: int) -> None:
        """Move the end that `probe`, of `size`, replaces."""
        if size <= limit:
            self.low, self.low_size = probe, size
            self.kept = max(self.kept, 0) + 1
        else:
            self.high, self.high_size = probe, size
            self.kept = min(self.kept, 0) - 1


def _render_html(env: jinja2.Environment, digest: Digest, layout: Layout, urls: dict[str, str | None],
                 *, archive: bool) -> str:
    """The HTML part (or the archive copy) with its CSS inlined and its URLs in place."""
    tokens = {name: (token if urls[name] else None) for name, token in _URL_TOKENS.items()}
    html = inline_css(_render_template(env, HTML_TEMPLATE, _context(digest, layout, tokens, archive=archive)))
    for name, token in _URL_TOKENS.items():
        html = html.replace(token, str(escape(urls[name] or "")))
    return html


def inline_css(html: str) -> str:
    """Copy the stylesheet's rules into style attributes; keep only @media rules in <style>."""
    premailer = Premailer(
        html,
        keep_style_tags=False,  # the block goes; premailer keeps a new one for the @media leftovers
        strip_important=False,  # @media rules need !important to win over the inlined styles
        allow_network=False,
        disable_validation=True,  # cssutils does not know mso-* and prefers-color-scheme
        cssutils_logging_level=logging.CRITICAL,
    )
    return str(premailer.transform())


def _environment(templates_dir: Path) -> jinja2.Environment:
    """A Jinja environment over the templates folder, with the digest's filters."""
    if not (templates_dir / HTML_TEMPLATE).is_file():
        raise RenderError(f"no {HTML_TEMPLATE} in {templates_dir}", hint="check the templates folder setting")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        byline=byline, marker=marker_label, headline=item_headline, wrap=_wrap_filter, underline=_underline,
        wrap_terms=_wrap_terms_filter,
        blocks=recommendation_blocks, hang=list_indent, marker_box=marker_box,
    )
    return env


def _render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template, turning template errors into a `RenderError`."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name} failed: {error}", hint="check the templates folder") from error


def _context(digest: Digest, layout: Layout, urls: dict[str, str | None], *, archive: bool) -> dict[str, Any]:
    """Everything the templates see."""
    date_label = f"{digest.created.year}年{digest.created.month}月{digest.created.day}日"
    groups = _group_views(digest, layout)
    return {
        "title": digest.title,
        "date_label": date_label,
        "preheader": _preheader(digest),
        "issues": digest.issues,
        "issue_labels": issue_labels(digest.issues),
        "article_count": len(digest.articles),
        "groups": groups,
        "omitted": len(digest.articles) - layout.listed,
        "shortened": layout.full < len(digest.articles),
        "archive": archive,
        "archive_url": urls["archive_url"],
        "unsubscribe_url": urls["unsubscribe_url"],
    }


def issue_labels(names: list[str]) -> list[str]:
    """Each issue name once, in order, with how many issues bear it when more than one ("来稿 ×2").

    Issues that name themselves nowhere all get the same name; listing it twice says nothing.
    """
    counts = Counter(names)
    return [name if counts[name] == 1 else f"{name} ×{counts[name]}" for name in dict.fromkeys(names)]


def _group_views(digest: Digest, layout: Layout) -> list[GroupView]:
    """The theme groups with their articles numbered in reading order and cut to the layout."""
    groups: list[GroupView] = []
    index = 0
    for group in digest.groups:
        views: list[ArticleView] = []
        for article in group.articles:
            index += 1
            if index <= layout.listed:
                views.append(ArticleView(article, f"article-{index}", index > layout.full, teaser(article)))
        if views:
            groups.append(GroupView(group.name, group.keywords, group.automatic, views))
    return groups


def _preheader(digest: Digest) -> str:
    """The line mail clients show next to the subject: how many articles, and the first titles."""
    titles = "；".join(a.display_title for a in digest.articles[:3])
    return _shorten(f"本期 {len(digest.articles)} 篇：{titles}", 90)


def teaser(article: Article) -> str:
    """One line about the article: its first summary sentence, else its opening sentence."""
    sentences = article.summary or zh.split_sentences(article.body)
    return _shorten(sentences[0], TEASER_CHARS) if sentences else ""


def _shorten(text: str, limit: int) -> str:
    """The text cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def byline(article: Article) -> str:
    """Section · authors, leaving out what the page did not say."""
    parts = [article.section or "", "、".join(article.authors)]
    return " · ".join(p for p in parts if p)


def marker_label(item: ListItem) -> str:
    """The item's marker as the article wrote it (第一，/一是/（一）), else its number.

    A marker ending in an ASCII mark ("1.") is followed by a space; Chinese
    markers run on into the text as they did in the article.
    """
    label = item.marker.strip() or f"{item.number}."
    return label + " " if label[-1] in ".)" else label


def recommendation_blocks(article: Article) -> list[ListBlock]:
    """The article's recommendations as its separate lists, in order.

    The parser hands them over as one sequence; a list ends where the subheading
    changes or the numbering starts again (一是–三是, then 一是–四是).
    """
    blocks: list[ListBlock] = []
    for item in article.recommendations:
        last = blocks[-1] if blocks else None
        if last is None or item.heading != last.heading or item.number <= last.items[-1].number:
            blocks.append(ListBlock(item.heading, [item]))
        else:
            last.items.append(item)
    return blocks


def marker_width(item: ListItem) -> float:
    """The item's marker's width in ems as the HTML part sets it: a Han character or
    full-width mark is one em; ASCII glyphs vary by font and are given 0.6 em each."""
    return round(sum(1.0 if zh.display_width(char) == 2 else 0.6 for char in marker_label(item)), 1)


def list_indent(items: list[ListItem]) -> str:
    """How far a list's wrapped lines are indented in HTML: its widest marker, in ems."""
    return f"{max((marker_width(item) for item in items), default=0):g}em"


def marker_box(item: ListItem, indent: str) -> Markup:
    """A style attribute setting the marker in a box as wide as the list's indent, for a
    marker whose width is not known exactly (ASCII) or not that of the list; else nothing."""
    exact = all(zh.display_width(char) == 2 for char in marker_label(item))
    if exact and f"{marker_width(item):g}em" == indent:
        return Markup("")
    return Markup(' style="display:inline-block;width:{};text-indent:0"').format(indent)


def item_headline(item: ListItem) -> str:
    """The item's headline, else its opening sentence."""
    if item.headline.strip():
        return item.headline.strip()
    sentences = zh.split_sentences(item.text)
    return _shorten(sentences[0], TEASER_CHARS) if sentences else ""


def _wrap_filter(text: str, prefix: str = "", rest: str | None = None, width: int = TEXT_WIDTH) -> str:
    """Wrap a paragraph for the text part: the first line after `prefix`, the others after
    `rest` (spaces as wide as the prefix by default)."""
    rest = " " * zh.display_width(prefix) if rest is None else rest
    lines = zh.wrap_columns(str(text), width - zh.display_width(rest)) or [""]
    return "\n".join([prefix + lines[0], *(rest + line for line in lines[1:])])


def _wrap_terms_filter(terms: Sequence[str], label: str, separator: str = " · ", width: int = TEXT_WIDTH) -> str:
    """Terms after `label`, wrapped for the text part between terms, never inside one: a line
    ends with the separator's mark and none starts with it, as in the HTML part."""
    mark = separator.strip()
    units = [f"{term} {mark}" for term in terms[:-1]] + list(terms[-1:])
    lines: list[str] = []
    line = label
    for unit in units:
        if line != label and zh.display_width(f"{line} {unit}") > width:
            lines.append(line)
            line = unit
        else:
            line = label + unit if line == label else f"{line} {unit}"
    return "\n".join([*lines, line])


def _underline(text: str, char: str = "=") -> str:
    """A rule as wide on screen as the text."""
    return char * zh.display_width(str(text))


def _tidy_text(text: str) -> str:
    """At most one blank line in a row, no trailing spaces, one final newline."""
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", text).strip() + "\n"
