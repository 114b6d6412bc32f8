"""How the lines of a head divide into over-title, headline and kicker, read from their shape.

A PDF's text sets a headline over as many lines as its measure needs, and
puts a line over it for an over-title (引题) and a column kicker after it,
without saying which line is which. What the lines themselves show:

- A headline wrapped over lines fills its measure on every line but the last,
  so no line is shorter than a line after it (one character of slack for
  punctuation). An over-title is set apart from the headline and is mostly
  shorter than it; a line shorter than one under it is no part of a wrap.
- Where two lines are about as long as each other the measure says nothing;
  the break then shows a wrap when it cuts something: a word of the dictionary
  runs across it, a quotation or bracket is left open, the next line opens on the
  particle 的 (which closes the words before it: "体育产业里" / "的新机遇"), the line
  ends on a clause mark ("服务随人走，" / "发展添活力"), or the line is one of two lines of one
  measure over a third. Without such a cut, a line over a headline with a kicker is its
  over-title, as an over-title is a phrase of its own.
- A kicker may close a wrapped headline's last line, however short the
  fragment it follows ("……新 / 空间（栏目）").
- A line ending on a clause mark ("，"/"、") whose next line completes a heading
  with it is the first part of a headline, not a sentence's.

Without a kicker, two lines over a byline stay one headline: a headline's two
halves set on two lines read as an over-title would (only a layout's type
sizes tell them apart, see `segment._drop_over_titles`). A line over a
headline that is wrapped itself, and shorter than its lines, is the over-title.
"""

from __future__ import annotations

import re

from digest import zh
from digest.parse import kinds

# Clause marks a headline's first part may end on where the line breaks.
_CLAUSE_BREAK = "，、,"
# Closing marks: a line opening on one was cut from the line above.
_CLOSING_MARKS = "”’」』）)》】"
# The structural particle 的 binds to the words before it: no phrase opens on it.
_BOUND_PARTICLE = "的"
# Round brackets: a headline's fragment before its kicker holds none.
_BRACKETS = re.compile(r"[（）()]")
# One character of slack between lines of one measure (a mark hung past its end, a digit's half cell).
_SLACK = 1


def kicker_at(lines: list[str], k: int) -> tuple[str, str | None]:
    """Line `k` of a head split into its headline part and the kicker closing it
    (None when it has none); the last fragment of a wrapped headline may be as short as
    a character, so the kicker is read on the headline's lines up to `k` together."""
    title, kicker = kinds.split_kicker(lines[k])
    if kicker or k == 0:
        return title, kicker
    match = zh.COLUMN_KICKER.search(lines[k])
    fragment = lines[k][: match.start()] if match else ""
    # a fragment of a headline, not the end of a bracketed note broken over lines ("……教" / "授）（……）")
    if not fragment.strip() or _BRACKETS.search(fragment) or lines[0][:1] in "（(":
        return lines[k], None
    _, kicker = kinds.split_kicker("".join(lines[: k + 1]))
    return (fragment.strip(), kicker) if kicker else (lines[k], None)


def is_wrapped(lines: list[str], kicker: int = 0) -> bool:
    """The lines are one headline wrapped over them (see the module's docstring);
    `kicker`: the width of a kicker closing the last line without a space, which
    takes that line's measure too unless the break shows a wrap."""
    widths = [len(line) for line in lines]
    set_widths = [*widths[:-1], widths[-1] + kicker]
    for k in range(len(lines) - 1):
        if widths[k] + _SLACK < max(widths[k + 1 :]):
            return False  # shorter than a line of the headline under it: set over it, not wrapped
        if widths[k] + _SLACK < max(set_widths[k + 1 :]) and not _cut_at(lines, k):
            return False  # shorter than the kicker's line, and the break cuts nothing: an over-title
    return True


def wrap_start(lines: list[str], title: str) -> int:
    """Where the headline wrapped over the last of `lines` starts (the lines before it are
    over-titles); the last line is closed by a kicker and `title` is its headline part."""
    last = lines[-1]
    kicker = 0 if last[len(title) : len(title) + 1] == " " else len(last) - len(title)  # a space: set apart
    fragments = [*lines[:-1], title]
    return next(j for j in range(len(fragments)) if is_wrapped(fragments[j:], kicker))


def over_title_end(lines: list[str]) -> int:
    """1 when the first of a head's lines (without a kicker) is an over-title: shorter
    than a headline wrapped over the two or more lines under it; else 0."""
    if len(lines) < 3 or not is_wrapped(lines[1:]):
        return 0
    return 1 if len(lines[0]) + _SLACK < max(len(line) for line in lines[1:]) else 0


def continues_headline(line: str, following: str) -> bool:
    """`line` ends on a clause mark and, with `following`, reads as one heading: the
    first part of a headline broken at its comma ("服务随人走，" / "发展添活力")."""
    if not line or line[-1] not in _CLAUSE_BREAK or not following:
        return False
    return kinds.is_heading_like(line[:-1]) and kinds.is_heading_like(line + following) \
        and not kinds.ends_sentence(following)


def _cut_at(lines: list[str], k: int) -> bool:
    """The break after line `k` cuts a word, a quotation or bracket, a particle or a clause
    from the next; or line `k` is one of two lines of one measure over another line."""
    line, following = lines[k], lines[k + 1]
    if line[-1] in _CLAUSE_BREAK or kinds.has_open_pair(line) or following[:1] in _CLOSING_MARKS:
        return True
    if _opens_on_particle(following):
        return True
    if (k + 2 < len(lines) and len(line) == len(following)) or (k > 0 and len(lines[k - 1]) == len(line)):
        return True  # two lines of one measure, and this one among them: the wrap's measure
    return zh.word_runs_across(line.replace(" ", ""), following.replace(" ", ""))


def _opens_on_particle(line: str) -> bool:
    """`line` opens on the particle 的 standing alone, not on a word that starts with it (的确, 的士)."""
    if not line.startswith(_BOUND_PARTICLE):
        return False
    return zh.load_jieba().lcut(line.replace(" ", "")[:4], HMM=False)[0] == _BOUND_PARTICLE
