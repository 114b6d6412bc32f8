"""Assemble a page's articles from its classified logical lines: head, byline, body.

The rules read the layout conventions of Chinese newspaper pages, never the
words of a particular page. The lines come repaired (`digest.parse.repair`),
each line's kind is read by `digest.parse.kinds` and names by
`digest.parse.bylines`.

- Page furniture. Mastheads and editor's notes are dropped, and so are pull
  quotes: a passage printed twice on the page is dropped where it stands
  first, and the paragraph under a label such as "观点" with the label (a short
  one only when the page prints it again). A blank line before a dropped line
  stays where it was.
- The walk. The page is taken in steps: an end note, a head a web export sets
  apart, a run of heading lines, or a line of text. End notes close the
  running article (a note after a closed article belongs to it too).
- Web heads. A web export sets each head apart: one to four short lines with a
  blank line before and after them, none of them prose or an end note, are a
  head whatever they say (a headline without a byline, one that asks or
  exclaims). A blank line also ends any run of heading lines. Heads with no text
  between them are one head (a headline wrapped with blank lines between its
  lines, with its label, subtitle and byline): heads set apart join on that
  alone, a run of heading lines only when the joined lines show a head (a
  byline, an institution, a kicker). A line ending on a comma that completes a
  heading with the next is a headline's first part.
- Other heads. A run of heading-like lines starts a new article when it holds a
  byline, a decorated section label or a headline with a column kicker
  "标题（栏目）", when it holds a run of names under its first line (last in the
  run, or over a line that reads as text: it ends a sentence, or is long with a
  clause break), or when it follows the end of the previous article or opens
  the page. A plain label over a headline is not enough by itself: inside an
  article that is how a two-line subheading reads. But subheadings come in
  series, one for each part of an article: a label (five characters at most)
  over a longer heading line, after a line that ends a sentence and over the
  text, with no other such pair in its stretch of the page (between end notes
  and heads that show a byline or kicker), is a section label over the next
  headline. Any other heading-like line is a subheading of the running article
  and stays in its paragraphs. Prose lines that end a sentence at the start of
  a head run ("……，……？") are the last words of the article before.
- Inside a head: a slogan beside a headline is a page banner; a label of two
  to five characters, or up to eight behind a decorative capital (which is
  ornament) or over a headline half as long again, is the section (a plain one
  only as the head's first line; a longer bare line over a headline about as
  long is its first half: column names are short), as is a headline's kicker,
  which wins: a line above a headline with a kicker is its over-title unless the
  headline was wrapped over it (`digest.parse.heads`); a "——…" line is a
  subtitle; what is left is the headline. The byline closes the head: heading lines after it (a deck, a first
  subheading) are the article's text, and so is a long line with a clause break
  under a headline without a byline ("……，……", a deck). A head without a byline
  still has one when a line under the headline is a run of names where a byline
  stands. A run of names joined to the headline above it is split off on the
  same evidence.
- Kinds: two or more "——单位 姓名" attributions make a compilation of
  viewpoints (the names are its contributors); a headline that asks a question
  over question subheadings, with no byline, is a Q&A box. A credit that names
  who made a box ("策划/制图：某某") gives its compiler.
- An article whose last paragraph stops without sentence-final punctuation
  was cut off by the page and is flagged truncated.
- An article without a headline gets a display title from its own text: its
  leading numbered item's headline, else its first sentence, cut to about 30
  characters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from digest import zh
from digest.errors import IssueError
from digest.models import Article, ArticleKind, Dropped, Page, ParsedIssue
from digest.parse import bylines, heads, kinds
from digest.parse.repair import LogicalLine, repaired_lines

LOGGER = logging.getLogger(__name__)

# How an epigraph's "——" line names where its words come from: 摘自…, 引自…, 选自….
_QUOTED_FROM = ("摘自", "引自", "选自")

# A display title made from an article's text is at most about this long.
_DISPLAY_MAX = 30
# A column's name over a headline is short (mostly four characters); a longer bare
# line over the headline is the headline's first half, set on a line of its own.
_PLAIN_LABEL_MAX = 5
# The second half of a headline set over two lines is at most this much longer.
_HALVES_RATIO = 1.5
# Lead-in, headline, subtitle, byline: a head set apart is at most this long.
_HEAD_LINES_MAX = 4


@dataclass
class _Draft:
    """An article being assembled from consecutive lines."""

    title: str | None = None
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    affiliation: str | None = None
    compiler: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    url: str | None = None  # the link its headline carries
    closed: bool = False  # an end note closed it (set by `_apply_end_note` only)
    head_read: bool = False  # its head is complete, heading lines next are text (set by `_open` only)


@dataclass(frozen=True)
class _Block:
    """A stretch of the page that the walk takes in one step: `lines[start:end]`."""

    kind: Literal["end_note", "set_apart_head", "head_run", "text"]
    start: int
    end: int
    body_follows: bool = False  # (a head run) the article's text comes right after it
    note: kinds.EndNote | None = None  # (an end note) what it says


@dataclass(frozen=True)
class _Head:
    """A run of head lines and the role the layout gives each (None: unknown, or text input)."""

    lines: list[str]
    roles: Sequence[str | None]

    def role(self, k: int) -> str | None:
        return self.roles[k] if k < len(self.roles) else None

    def before(self, end: int | None) -> _Head:
        """The lines before `end` (all of them for None)."""
        return self if end is None else _Head(self.lines[:end], self.roles[:end])

    def after(self, start: int) -> _Head:
        """The lines from `start` on."""
        return _Head(self.lines[start:], self.roles[start:])


def segment_page(page: Page) -> ParsedIssue:
    """Split one page into articles (their numbered lists not read yet); `IssueError` when none is found."""
    dropped: list[Dropped] = []
    lines = _drop_pull_quotes(_drop_mastheads(repaired_lines(page.lines), dropped), dropped)
    articles = [_finish(d, page) for d in _assemble(lines, dropped) if d.paragraphs]
    if not articles:
        raise IssueError(f"{page.origin}: no article found in the text")
    LOGGER.debug("%s: %d articles, %d dropped", page.name, len(articles), len(dropped))
    return ParsedIssue(source=page.name, articles=articles, dropped=dropped, title=_issue_title(page, dropped))


def _issue_title(page: Page, dropped: list[Dropped]) -> str | None:
    """What the issue calls itself: the title the extractor found, else the masthead the page prints."""
    if page.title:
        return page.title
    return next((name for d in dropped if d.kind == "masthead" and (name := zh.masthead_name(d.text))), None)


# --- page furniture ----------------------------------------------------------


def _drop_mastheads(page: list[LogicalLine], dropped: list[Dropped]) -> list[LogicalLine]:
    """Drop mastheads and editor's notes, which introduce a page, not an article."""
    keep = []
    for line in page:
        kind = kinds.furniture(line.text)
        if kind:
            dropped.append(Dropped(kind, line.text))
        keep.append(kind is None)
    return _kept(page, keep)


def _drop_pull_quotes(page: list[LogicalLine], dropped: list[Dropped]) -> list[LogicalLine]:
    """Drop labelled pull quotes, then passages the page prints a second time."""
    keep = _drop_labelled_quotes([line.text for line in page], dropped)
    keys = [kinds.repeat_key(line.text) if keep[i] and not kinds.is_heading_like(line.text) else ""
            for i, line in enumerate(page)]
    for i, key in enumerate(keys):
        if kinds.printed_elsewhere(key, i, keys):
            keep[i] = False
            keys[i] = ""  # the copy that stays is then printed only once
            dropped.append(Dropped("pull_quote", page[i].text))
    return _kept(page, keep)


def _drop_labelled_quotes(texts: list[str], dropped: list[Dropped]) -> list[bool]:
    """Which lines to keep once pull-quote labels and the quotes under them are dropped."""
    keep = [True] * len(texts)
    skip = 0
    for i, text in enumerate(texts):
        if skip:
            skip -= 1
            dropped.append(Dropped("pull_quote", text))
            keep[i] = False
        elif kinds.is_pull_quote_label(text) and i + 1 < len(texts) and kinds.quoted_under_label(texts, i + 1):
            skip = 1 + kinds.quote_remnant(texts, i + 2)
            keep[i] = False
    return keep


def _kept(page: list[LogicalLine], keep: list[bool]) -> list[LogicalLine]:
    """The lines to keep; a blank line before a dropped line now stands before the next kept one."""
    kept: list[LogicalLine] = []
    blank = False
    for line, wanted in zip(page, keep, strict=True):
        blank = blank or line.after_blank
        if wanted:
            kept.append(LogicalLine(line.text, blank, line.source))
            blank = False
    return kept


# --- the walk ----------------------------------------------------------------


def _blocks(page: list[LogicalLine]) -> list[_Block]:
    """The page as the steps of the walk, in order (a head broken by blank lines taken as one)."""
    texts = [line.text for line in page]
    steps: list[_Block] = []
    i = 0
    while i < len(page):
        steps.append(_block_at(page, texts, i))
        i = steps[-1].end
    blocks: list[_Block] = []
    k = 0
    while k < len(steps):
        end = _head_chain_end(steps, k, texts)
        blocks.append(steps[k] if end == k + 1 else _joined_head(steps[k:end]))
        k = end
    return blocks


def _head_chain_end(steps: list[_Block], start: int, texts: list[str]) -> int:
    """Where the head that starts at `steps[start]` ends: heads with no text between
    them are one, a headline wrapped over lines with blank lines between them, with
    its label, subtitle or byline (a head that shows its byline is complete).

    Heads a web export sets apart join on that alone; where a run of heading lines
    takes part (PDF text that puts blank lines between a head's lines only), the
    joined lines must show a head (a byline, an institution, a kicker), since a
    heading over a subheading reads the same."""
    heads = ("set_apart_head", "head_run")
    best = start + 1
    end = start + 1
    while end < len(steps) and steps[end].kind in heads and steps[start].kind in heads:
        if steps[end].end - steps[start].start > 2 * _HEAD_LINES_MAX:
            break
        if any(bylines.signs_headline(text) for text in texts[steps[start].start : steps[end - 1].end]):
            break
        end += 1
        chain = steps[start:end]
        if all(s.kind == "set_apart_head" for s in chain) or _opens_article(texts[chain[0].start : chain[-1].end],
                                                                            _body_follows(chain[-1])):
            best = end
    return best


def _body_follows(block: _Block) -> bool:
    """The article's text comes right after the block (a web export sets a head apart over it)."""
    return block.kind == "set_apart_head" or block.body_follows


def _joined_head(chain: list[_Block]) -> _Block:
    """One head from the heads `_head_chain_end` joins: set apart when all were, else a head run."""
    start, end = chain[0].start, chain[-1].end
    if all(block.kind == "set_apart_head" for block in chain):
        return _Block("set_apart_head", start, end)
    return _Block("head_run", start, end, body_follows=_body_follows(chain[-1]))


def _block_at(page: list[LogicalLine], texts: list[str], i: int) -> _Block:
    """The step that starts at line `i`: an end note, a set-apart head, a head run or a line of text."""
    if note := kinds.end_note(texts[i]):
        return _Block("end_note", i, i + 1, note=note)
    if k := _set_apart_head(page, i):
        return _Block("set_apart_head", i, i + k)
    j = _head_run_end(page, i)
    if j > i:
        return _Block("head_run", i, j, body_follows=j < len(page) and not kinds.is_end_note(texts[j]))
    return _Block("text", i, i + 1)


def _set_apart_head(page: list[LogicalLine], index: int) -> int:
    """The number of lines of a head that a web export sets apart at `index`, or 0.

    A web export puts a blank line before each article's head and another between
    the head and the body: one to four short lines between two blank lines, none
    of them prose (ending a sentence) or an end note, with more text after them.
    A lone numbered line is a subheading, not a head.
    """
    if not page[index].after_blank:
        return 0
    end = index + 1
    while end < len(page) and not page[end].after_blank and end - index <= _HEAD_LINES_MAX:
        end += 1
    if end >= len(page) or end - index > _HEAD_LINES_MAX:
        return 0
    if end - index == 1 and zh.starts_with_list_marker(page[index].text):
        return 0  # a numbered subheading ("一、……") set apart inside an article
    texts = [line.text for line in page[index:end]]
    fits = all(kinds.fits_set_apart_head(text) or (k + 1 < len(texts) and heads.continues_headline(text, texts[k + 1]))
               for k, text in enumerate(texts))  # a headline may break at its comma ("某某，" / "某某某")
    return end - index if fits else 0


def _head_run_end(page: list[LogicalLine], start: int) -> int:
    """Where the run of heading lines starting at `start` ends (`start` when there is none):
    heading-like lines, and a headline's first part broken at its comma ("某某，" over
    "某某某", perhaps after a blank line). A blank line in a web export ends the run: the
    next head is set apart."""
    end = start
    while end < len(page) and _head_line_at(page, end) and not (end > start and page[end].after_blank):
        end += 1
    return end


def _head_line_at(page: list[LogicalLine], k: int) -> bool:
    """Line `k` is a heading line, or the first part of a headline broken at its comma; never a line the
    layout sets as running text (a web page's paragraph ending on a short question reads like a head)."""
    if page[k].source.role == "paragraph":
        return False
    if kinds.is_head_line(page[k].text):
        return True
    return k + 1 < len(page) and heads.continues_headline(page[k].text, page[k + 1].text) \
        and kinds.is_head_line(page[k + 1].text)


def _lone_label_pairs(texts: list[str], blocks: list[_Block]) -> set[int]:
    """Where a label over a headline stands with no other such pair in its stretch
    of the page (between end notes and heads that show a byline or a kicker).

    Subheadings come in series: an article that sets a short phrase over a
    longer one as a subheading does so for each of its parts (every such pair
    in the real articles we hold has a sibling). A lone pair, with the text
    right under it, is a section label over the next article's headline.
    """
    stretches: list[list[int]] = [[]]
    for block in blocks:
        if block.kind in ("end_note", "set_apart_head") or (block.kind == "head_run" and _shows_head(texts, block)):
            stretches.append([])
        elif block.kind == "head_run" and _label_pair_at(texts, block.start, block.end):
            stretches[-1].append(block.start)
    return {pairs[0] for pairs in stretches if len(pairs) == 1}


def _shows_head(texts: list[str], block: _Block) -> bool:
    """The head run is the page's first head, or one that shows itself as a head."""
    return block.start == 0 or _opens_article(texts[block.start : block.end], block.body_follows)


def _label_pair_at(lines: list[str], start: int, end: int) -> bool:
    """The head run `lines[start:end]` is a label over a headline, between a line
    that ends a sentence and the text under it."""
    if end - start != 2 or end >= len(lines) or kinds.is_end_note(lines[end]):
        return False
    return (start == 0 or kinds.ends_sentence(lines[start - 1])) and _label_over_headline(lines[start:end])


def _label_over_headline(block: list[str]) -> bool:
    """A bare label of a column's length (not names) over a longer heading line."""
    label, headline = block[0], block[-1]
    if len(label) > _PLAIN_LABEL_MAX or not kinds.is_label(label) or bylines.byline(label):
        return False
    return len(headline) > len(label) and not bylines.names_under_headline(headline)


# --- assembling articles -----------------------------------------------------


def _assemble(page: list[LogicalLine], dropped: list[Dropped]) -> list[_Draft]:
    """Walk the page, opening an article at each head and closing it at its end notes."""
    texts = [line.text for line in page]
    roles = [line.source.role for line in page]
    blocks = _blocks(page)
    lone_pairs = _lone_label_pairs(texts, blocks)
    drafts: list[_Draft] = []
    current = _Draft()
    for block in blocks:
        lines = texts[block.start : block.end]
        head = _Head(lines, roles[block.start : block.end])
        before = current
        if block.note:
            current = _apply_end_note(block.note, lines[0], current, drafts, dropped)
        elif block.kind == "set_apart_head":
            _close(current, drafts)
            current = _open(head, dropped, body_follows=True, set_apart=True)
        elif block.kind == "head_run":
            current = _read_head_run(head, current, drafts, dropped, block.body_follows, block.start in lone_pairs)
        else:
            current = _add_text(lines[0], current, drafts)
        if current is not before and current.url is None and block.kind in ("set_apart_head", "head_run"):
            current.url = next((line.source.url for line in page[block.start : block.end] if line.source.url), None)
    _close(current, drafts)
    return drafts


def _add_text(line: str, current: _Draft, drafts: list[_Draft]) -> _Draft:
    """A line of text goes to the running article, or starts a headless one after an end note."""
    if current.closed:
        _close(current, drafts)
        current = _Draft()
    current.paragraphs.append(line)
    return current


def _close(draft: _Draft, drafts: list[_Draft]) -> None:
    if draft.paragraphs and draft not in drafts:
        drafts.append(draft)


def _apply_end_note(note: kinds.EndNote, line: str, current: _Draft, drafts: list[_Draft],
                    dropped: list[Dropped]) -> _Draft:
    """Record an end note (`line`, read as `note`) on the article it closes; a note
    after a closed article (a credit under the author's note) belongs to that same article."""
    target = current if current.paragraphs else (drafts[-1] if drafts else current)
    if note.kind == "affiliation" and target.affiliation is None:
        target.affiliation = note.value
    elif note.kind == "compiler":
        target.compiler = note.value
    else:
        dropped.append(Dropped("credit", line))
        if note.kind == "credit" and note.value and target.compiler is None:
            target.compiler = note.value
    target.closed = True
    return target


def _read_head_run(head: _Head, current: _Draft, drafts: list[_Draft], dropped: list[Dropped],
                   body_follows: bool, lone_pair: bool = False) -> _Draft:
    """A run of heading lines: the opening of the running article's text (a deck
    under its head), the head of a new article, or subheadings. Returns the
    article the lines after the run belong to (`lone_pair`: the run is a label
    over a headline with no other such pair near it, see `_lone_label_pairs`)."""
    block = head.lines
    if current.head_read and not current.paragraphs:
        current.paragraphs.extend(block)  # a deck or subheading right under a complete head
        return current
    if current.closed or not current.paragraphs or lone_pair or _opens_article(block, body_follows, head.roles):
        if current.paragraphs and not current.closed:
            prose = _leading_prose(block)  # the last words of the article before
            current.paragraphs.extend(block[:prose])
            head = head.after(prose)
        _close(current, drafts)
        return _open(head, dropped, body_follows)
    current.subheadings.extend(block)
    current.paragraphs.extend(block)
    return current


def _leading_prose(block: list[str]) -> int:
    """How many lines at the start of a head run end a sentence of prose (a closing
    question "……，……？"): they end the article before, not open the next."""
    count = 0
    while count < len(block) - 1 and kinds.is_deck(block[count]) and kinds.ends_sentence(block[count]):
        count += 1
    return count


def _opens_article(block: list[str], body_follows: bool = False, roles: Sequence[str | None] = ()) -> bool:
    """A head run opens an article when it holds a byline (one the layout marks
    counts), a decorated section label or a kicker, an institution under its first
    line, or a run of names under its first line that ends it or stands over a
    line that reads as the article's text (with a rare surname only when the
    names are not a word).

    A plain label over a headline is not enough: inside an article that is how a
    two-line subheading reads (a short phrase over a longer one), and an
    article's own head shows itself by a byline or by following an end note
    (or by standing alone, which `_lone_label_pairs` looks at).
    """
    if any(bylines.byline(line) for line in block) or "byline" in roles:
        return True
    if any(bylines.institution(line) for line in block[1:]):
        return True
    if any(_names_closing_head(block, k, body_follows) for k in range(1, len(block))):
        return True
    if any(kinds.is_decorated_label(line) for line in block):
        return True
    if any(_deck_under(block, k) for k in range(1, len(block))):
        return True
    return any(heads.kicker_at(block, k)[1] for k in range(len(block)))


def _deck_under(block: list[str], k: int) -> bool:
    """Line `k` is a headline's "——" deck: under a heading, and no epigraph's attribution
    ("——苏轼《定风波》", "——摘自…"). A subheading inside an article takes no deck."""
    line = block[k]
    if not kinds.is_subtitle(line) or not kinds.is_heading_like(block[k - 1]):
        return False
    source = line.lstrip("—").strip()
    return not (source.startswith(_QUOTED_FROM) or bylines.names_under_headline(source.split("《")[0].strip()))


def _names_closing_head(block: list[str], k: int, body_follows: bool) -> bool:
    """Line `k` of a head run is a run of names: the last line, or one over a line
    that reads as text; the article's text under it lets a rare surname count."""
    text_under = body_follows if k == len(block) - 1 else kinds.reads_as_text(block[k + 1])
    if k < len(block) - 1 and not text_under:
        return False
    if bylines.names_under_headline(block[k]):
        return True
    return text_under and bylines.rare_names_under(block[k - 1], block[k])


# --- reading a head ----------------------------------------------------------


def _open(head: _Head, dropped: list[Dropped], body_follows: bool = False, set_apart: bool = False) -> _Draft:
    """Read a head run into a new article: banner, section, headline, byline.

    The byline closes the head: heading lines after it (a deck, a first
    subheading) are the article's text. A head without a recognised byline
    still has one when a line under the headline is a run of names
    (`body_follows`: the article's text comes right after the head). The head
    is complete when it has a byline, gave up a deck to the text, or was set
    apart by blank lines. Where the layout names a line's role (a PDF's hints),
    a byline it marks is the byline, and a large line stacked over the headline
    is its over-title, not part of it.
    """
    head = _attach_kicker_lines(head)
    block = head.lines
    end, authors = _byline_position(head, body_follows)
    head_lines = _drop_over_titles(head.before(end), dropped)
    dropped.extend(Dropped("subtitle", line) for line in head_lines if kinds.is_subtitle(line))
    lines = [line for line in head_lines if not kinds.is_subtitle(line)]
    text = [] if end is None else block[end + 1 :]
    deck = end is None and len(lines) >= 2 and _opens_text(lines[-2], lines[-1])
    if deck:
        text.insert(0, lines.pop())
    section, lines = _take_section(_drop_banners(lines, dropped, alone=not authors))
    title, kicker, authors = _take_title(lines, authors, dropped)
    return _Draft(title=title, section=section or kicker, authors=authors, paragraphs=text,
                  head_read=set_apart or end is not None or deck)


def _byline_position(head: _Head, body_follows: bool) -> tuple[int | None, list[str]]:
    """Where the head's byline is and its names: a line the layout marks as the
    byline, else the last line that is a byline, else the last line under the
    headline that reads as a run of names or names an institution (the last line
    of the head is trusted more when the article's text follows it, and so is a
    line over one that reads as the text's first paragraph), else (None, [])."""
    block = head.lines
    for k, role in enumerate(head.roles):
        if role == "byline" and (names := bylines.names_on_byline(block[k])):
            return k, names
    found = [k for k, line in enumerate(block) if bylines.byline(line) and head.role(k) != "title"]
    if found:
        return found[-1], bylines.byline(block[found[-1]])
    for k in range(len(block) - 1, 0, -1):
        if head.role(k) == "title":
            continue  # the layout says it is the headline, whatever its words
        if names := bylines.names_under_headline(block[k], body_follows and k == len(block) - 1):
            return k, names
        if signer := bylines.institution(block[k]):
            return k, [signer]
        over_text = k < len(block) - 1 and kinds.reads_as_text(block[k + 1])
        if over_text and bylines.rare_names_under(block[k - 1], block[k]):
            return k, bylines.names_under_headline(block[k], text_follows=True)
    return None, []


def _attach_kicker_lines(head: _Head) -> _Head:
    """A column kicker on a line of its own ("（栏目）") goes back onto the headline
    line above it, where a headline wrapped before its kicker left it, after a
    space."""
    lines: list[str] = []
    roles: list[str | None] = []
    for k, line in enumerate(head.lines):
        if lines and kinds.is_kicker_line(line) and not kinds.split_kicker(lines[-1])[1]:
            lines[-1] += " " + line
        else:
            lines.append(line)
            roles.append(head.role(k))
    return _Head(lines, roles)


def _drop_over_titles(head: _Head, dropped: list[Dropped]) -> list[str]:
    """The head's lines without the over-title the layout marks: a large line
    ("subtitle") stacked right over the headline ("title"), or a line the markup
    sets apart over it as one ("over-title")."""
    keep = []
    for k, line in enumerate(head.lines):
        marked = head.role(k) == "over-title" or (head.role(k) == "subtitle" and not kinds.is_subtitle(line))
        if marked and head.role(k + 1) == "title":
            dropped.append(Dropped("lead", line))
        else:
            keep.append(line)
    return keep


def _opens_text(above: str, line: str) -> bool:
    """The last line of a head without a byline is the text's first: a deck, or a short
    sentence with a clause break ("……，……？") under the headline (not under a label,
    where it is the headline): a headline's second half does not end a sentence."""
    if kinds.is_deck(line):
        return True
    clause = zh.PROSE_MARK.search(line[:-1].rstrip(zh.CLOSERS)) is not None
    label = kinds.strip_decoration(above)
    under_label = kinds.is_label(label) and (label != above or len(label) <= _PLAIN_LABEL_MAX)
    return clause and kinds.ends_sentence(line) and not under_label


def _drop_banners(lines: list[str], dropped: list[Dropped], alone: bool = False) -> list[str]:
    """A slogan line beside another headline is the page banner, not the title; so is
    a slogan standing `alone` as a head without a byline (the text under it has no headline)."""
    if len(lines) == 1 and alone and kinds.is_banner(lines[0]):
        dropped.append(Dropped("banner", lines[0]))
        return []
    if len(lines) < 2:
        return lines
    kept: list[str] = []
    for line in lines:
        if kinds.is_banner(line) and len(kept) + 1 < len(lines):
            dropped.append(Dropped("banner", line))
        else:
            kept.append(line)
    return kept


def _take_section(lines: list[str]) -> tuple[str | None, list[str]]:
    """The section a head names and the head's other lines: a decorated label, or a
    short label before the headline (a longer bare line over a headline about as
    long is the headline's first half).

    Over a headline with a column kicker the kicker names the section, and a
    short undecorated line above it is the headline's lead-in.
    """
    has_kicker = any(heads.kicker_at(lines, k)[1] for k in range(len(lines)))
    for k, line in enumerate(lines):
        if kinds.is_column_series(line):
            return line, lines[:k] + lines[k + 1 :]  # a column that reads a book, however long its name
        label = kinds.strip_decoration(line)
        decorated = label != line
        if has_kicker and not decorated:
            continue
        # a plain label opens the head: under another line it is part of a wrapped headline
        plain_label = k == 0 and len(lines) > 1 and _column_name_over(label, lines[1])
        if kinds.is_label(label) and (decorated or plain_label):
            return label, lines[:k] + lines[k + 1 :]
    return None, lines


def _column_name_over(label: str, headline: str) -> bool:
    """A bare label over a headline names a column when it is short and the headline
    is longer (a headline wrapped over lines of one measure has no line shorter than
    the next); a longer label is the headline's first half unless the line under it
    is far longer still (the halves of a headline are about as long as each other)."""
    return (len(label) <= _PLAIN_LABEL_MAX and len(headline) > len(label)) or len(headline) > _HALVES_RATIO * len(label)


def _take_title(lines: list[str], authors: list[str], dropped: list[Dropped]) -> tuple[str | None, str | None,
                                                                                        list[str]]:
    """The headline, its kicker and the authors: the line with a kicker ends the
    headline (lines before it are over-titles, unless the headline was wrapped over
    them; a lone institution under it signs it), else all that is left but an
    over-title over a wrapped headline (see `digest.parse.heads`)."""
    for k in range(len(lines)):
        title, kicker = heads.kicker_at(lines, k)
        if kicker:
            start = heads.wrap_start(lines[: k + 1], title)
            dropped.extend(Dropped("lead", lead) for lead in lines[:start])
            title = " ".join([*lines[start:k], title])
            extras = lines[k + 1 :]
            if not authors and len(extras) == 1 and bylines.is_institution(extras[0]):
                return title, kicker, [extras[0]]  # a byline under the headline that is not a person's name
            dropped.extend(Dropped("heading", extra) for extra in extras)
            return title, kicker, authors
    start = heads.over_title_end(lines)
    dropped.extend(Dropped("lead", lead) for lead in lines[:start])
    return (" ".join(lines[start:]) if lines else None), None, authors


# --- finishing ---------------------------------------------------------------


def _finish(draft: _Draft, page: Page) -> Article:
    """Turn a draft into an `Article`: kind, contributors, truncation, display title."""
    contributors = [name for p in draft.paragraphs if (name := kinds.attribution_name(p))]
    kind: ArticleKind = "article"
    if len(contributors) >= 2:
        kind = "viewpoints"
    elif _is_qa(draft):
        kind = "qa"
    body = [p for p in draft.paragraphs if p not in draft.subheadings]
    truncated = bool(body) and not kinds.ends_sentence(body[-1]) and kinds.attribution_name(body[-1]) is None
    return Article(
        title=draft.title,
        display_title=draft.title or _display_title(draft.paragraphs),
        paragraphs=draft.paragraphs,
        section=draft.section,
        authors=draft.authors if kind != "viewpoints" else [],
        affiliation=draft.affiliation,
        kind=kind,
        truncated=truncated,
        subheadings=draft.subheadings,
        compiler=draft.compiler,
        contributors=contributors,
        source=page.name,
        url=draft.url or page.url,
    )


def _is_qa(draft: _Draft) -> bool:
    """A questioning headline over question subheadings, with no byline."""
    if draft.authors or not draft.title or not kinds.asks(draft.title):
        return False
    return sum(1 for s in draft.subheadings if kinds.asks(s)) >= 1


def _display_title(paragraphs: list[str]) -> str:
    """A title for a headline-less article from its own text: its leading numbered
    item's headline if it has one, else its first sentence, at most ~30 characters."""
    for paragraph in paragraphs:
        match = zh.LIST_MARKER.match(paragraph)
        if match and match.lastgroup in ("ordinal", "dishi", "shi", "yao"):
            head = zh.split_sentences(paragraph[match.end() :])
            if head:
                return _shorten(head[0])
    sentences = zh.split_sentences(paragraphs[0]) if paragraphs else []
    return _shorten(sentences[0]) if sentences else ""


def _shorten(sentence: str) -> str:
    """A sentence without its end mark, cut at a clause end before the limit if it is too long."""
    text = sentence.strip().rstrip(zh.SENTENCE_END + zh.SEMICOLONS + "，,")
    if len(text) <= _DISPLAY_MAX:
        return text
    cut = max(text.rfind(mark, 0, _DISPLAY_MAX) for mark in "，、；：")
    return text[:cut] if cut >= 8 else text[: _DISPLAY_MAX - 1] + "…"
