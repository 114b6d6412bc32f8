"""Units into the page's text: roles from the typography, pull quotes and jump notes out, jumps joined.

Roles (set on the `Line` hints):
- "title": a run much larger than body text (the largest of a stack of large runs);
- "subtitle": another large run stacked with it (an over-title or a deck);
- "kicker": a short label set apart just above the headline stack (the column's name);
- "byline": a short line just under the stack;
- "heading": a run set apart (bold, larger, another face) inside the running text;
- "note": a run in smaller type (an author's note, a caption).
A boxed or otherwise set-apart passage whose words the body text repeats is a
pull quote and is left out. A jump note ("（下转第十版）") is left out too, and the
text that carries on under the matching "……（上接第九版）" on a later page is moved
up to follow the part of its story before the jump, its broken paragraph mended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest import zh
from digest.extract.pdf.units import Body, Unit

_HEAD_RATIO = 1.25  # a run this much larger than body text is a headline
_NOTE_RATIO = 0.95  # a run this much smaller than body text is a note or a caption
_LABEL_MAX = 12  # a kicker (column name) is at most this long
_BANNER_MAX = 60  # a column's name printed as a banner over its headline is at most this long
_BYLINE_MAX = 24  # a byline is at most this long
_HEADING_MAX = 40  # a subheading is at most this long
_QUOTE_MIN = 12  # a shorter repeat is a set phrase, not a pull quote
_QUOTE_SHARE = 0.8  # a boxed passage is a pull quote when the body text holds this share of its 4-grams
_LOOSE_QUOTE_SHARE = 0.95  # an unboxed one must repeat nearly word for word: a subheading echoes the text too
_GRAM = 4
# A jump note at the foot of a story's first part: （下转第十版）, (转第8版), 下转A3版.
_PAGE = r"第?\s*[0-9A-Z一二三四五六七八九十]{1,4}\s*版"  # a page as jump notes name it: 第十版, 第8版, A3版
_JUMP_OUT = re.compile(f"^[（(]?\\s*(?:下转|转至|转)\\s*{_PAGE}\\s*[)）]?$")
# The head of a story's later part: "……（上接第九版）", "(接第7版)", alone or after the story's title.
_JUMP_IN = re.compile(f"^(?P<title>.*?)\\s*[（(]\\s*(?:上接|接|承)\\s*{_PAGE}\\s*[)）]$")
# The end of a finished sentence: an end mark or an ellipsis, then any closing quotes or brackets.
_FINISHED = re.compile(f"[{zh.SENTENCE_END}{zh.ELLIPSIS}][{re.escape(zh.CLOSERS)}]*$")
_DASH = "——"  # opens a deck under a headline ("——学习……")
_KEEP = re.compile(f"[{zh.CJK}0-9A-Za-z]")  # the characters compared when a passage may repeat the text


@dataclass
class Story:
    """One story's units, gathered from wherever its parts were printed."""

    units: list[Unit] = field(default_factory=list)
    title: str = ""
    jumped: bool = False  # its text goes on on a later page


def mark_roles(units: Sequence[Unit], body: Body) -> None:
    """Set each unit's role from its setting and its neighbours."""
    size = body.measure.size
    for unit in units:
        if _JUMP_OUT.match(unit.text) or _JUMP_IN.match(unit.text):
            unit.role = "jump"
        elif not unit.body and not unit.boxed and unit.size >= _HEAD_RATIO * size:
            unit.role = "head"
    k = 0
    while k < len(units):
        if units[k].role != "head":
            k += 1
            continue
        end = k
        while end + 1 < len(units) and units[end + 1].role == "head":
            end += 1
        _mark_stack(units, k, end)
        k = end + 1
    for unit in units:
        if unit.role is None and not unit.body:
            unit.role = _set_apart_role(unit, size)
    for before, unit, after in zip(units, units[1:], units[2:], strict=False):
        if before.role == "note" and unit.role == "heading" and after.body and _byline(unit.text):
            unit.role = "byline"  # names after the last story's end note: a story with no headline


def _mark_stack(units: Sequence[Unit], start: int, end: int) -> None:
    stack = units[start:end + 1]
    title = max(stack, key=lambda u: u.size)
    for unit in stack:
        unit.role = "title" if unit is title else "subtitle"
    before = units[start - 1] if start else None
    longest = _BANNER_MAX if before is not None and before.boxed else _LABEL_MAX  # a framed label may be long
    if before is not None and before.role is None and not before.body and _label(before.text, longest):
        before.role = "kicker"
    elif stack[0] is not title and _label(stack[0].text, _BANNER_MAX):
        stack[0].role = "kicker"  # a banner over the headline, no label above it: the column's name
    after = end + 1
    while after < len(units) and units[after].role is None and units[after].text.startswith(_DASH):
        units[after].role = "subtitle"  # "——学习……": a deck under the headline
        after += 1
    heads_next = after + 1 < len(units) and units[after + 1].role == "head"  # then it labels the next headline
    if after < len(units) and units[after].role is None and _byline(units[after].text) and not heads_next:
        units[after].role = "byline"


def _label(text: str, longest: int = _LABEL_MAX) -> bool:
    return len(text) <= longest and not zh.PROSE_MARK.search(text)


def _byline(text: str) -> bool:
    return len(text) <= _BYLINE_MAX and not zh.PROSE_MARK.search(text.rstrip("：:"))


def _set_apart_role(unit: Unit, size: float) -> str | None:
    if unit.size < _NOTE_RATIO * size:
        return "note"
    if not unit.boxed and len(unit.text) <= _HEADING_MAX:
        return "heading"
    return None


def drop_pull_quotes(units: Sequence[Unit]) -> None:
    """Leave out the set-apart passages whose words the body text repeats."""
    body_grams: set[str] = set()
    for unit in units:
        if unit.body:
            body_grams |= _grams(unit.text)
    for unit in units:
        if unit.body or unit.role in ("title", "subtitle", "kicker", "byline", "jump"):
            continue
        if not unit.boxed and not zh.PROSE_MARK.search(unit.text):
            continue  # a subheading or label, not a quoted sentence
        grams = _grams(unit.text)
        share = _QUOTE_SHARE if unit.boxed else _LOOSE_QUOTE_SHARE
        if len(_KEEP.findall(unit.text)) >= _QUOTE_MIN and len(grams & body_grams) >= share * len(grams):
            unit.dropped = "pull quote"


def _grams(text: str) -> set[str]:
    kept = "".join(_KEEP.findall(text))
    return {kept[k:k + _GRAM] for k in range(len(kept) - _GRAM + 1)}


def gather_stories(units: Sequence[Unit]) -> list[Story]:
    """The units grouped by story, in the order stories begin, each story's jumped parts joined."""
    stories: list[Story] = [Story()]
    current = stories[0]
    mend = False  # the next body paragraph may finish one a jump broke
    for k, unit in enumerate(units):
        if unit.dropped:
            continue
        if unit.role == "jump":
            found = _JUMP_IN.match(unit.text)
            if found is None:
                current.jumped = True
                continue
            current = _jumped_story(stories, found.group("title")) or _new_story(stories)
            mend = bool(current.units)
            continue
        if _opens_story(units, k):
            current = _new_story(stories)
        if unit.role == "title":
            current.title = unit.text
        if mend and unit.body and _unfinished(current.units[-1]):
            current.units[-1].lines.extend(unit.lines)
            current.units[-1].edges.extend(unit.edges)
        else:
            current.units.append(unit)
        mend = mend and not unit.body
    return [s for s in stories if s.units]


def _unfinished(unit: Unit) -> bool:
    """A body paragraph that stops mid-sentence (a jump cut it)."""
    return unit.body and not _FINISHED.search(unit.text.rstrip())


def _new_story(stories: list[Story]) -> Story:
    stories.append(Story())
    return stories[-1]


def _opens_story(units: Sequence[Unit], k: int) -> bool:
    """A kicker, the first run of a headline stack not under a kicker, or a byline after an end note."""
    role = units[k].role
    if role == "kicker" or (role == "byline" and k and units[k - 1].role == "note"):
        return True
    if role not in ("title", "subtitle"):
        return False
    before = units[k - 1] if k else None
    return before is None or before.role not in ("kicker", "title", "subtitle") or bool(before.dropped)


def _jumped_story(stories: Sequence[Story], title: str) -> Story | None:
    """The story a later part belongs to: the one with that title, else the first still waiting for its part."""
    key = "".join(_KEEP.findall(title))
    for story in stories:
        own = "".join(_KEEP.findall(story.title))
        if key and own and (own.startswith(key) or key.startswith(own)):
            story.jumped = False
            return story
    waiting = [s for s in stories if s.jumped]
    if waiting and not key:
        waiting[0].jumped = False
        return waiting[0]
    return None
