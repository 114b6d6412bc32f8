"""Split an issue's logical lines into articles: headline, section, byline, body.

The rules read the layout conventions of Chinese newspaper pages, never the
words of a particular page:

- Repairs. A byline or label that `reflow` joined to a line only because that
  line happened to fill its column is split off again: a byline before prose, a
  pull-quote label, a section label after cut-off prose and before a headline
  with its byline, a byline joined to the prose under it, a run of names joined
  to a headline that filled its column, a slogan banner joined to the headline
  above it. So is a passage printed elsewhere on the page that was joined to
  the text after it.
- Line kinds. A line is a masthead (a date and "第N版"), an editor's note
  ("编者按"), an author's note "（作者为…）/（作者系…）/（作者单位：…）/（作者单位
  分别为…）" (the affiliation; it closes the article), a compiler's note
  "（某某整理）", an editing or source credit ("策划/制图：…", "本版责编：…",
  "数据来源：…"), an editorial note ("（本文系…成果）", "（本文由…编辑）",
  "（下转第二版）") or a reporting note ("（某某参与采写）", "（本报某地某日电）"),
  all of which close the article too; else heading-like (short, no full stop:
  titles, labels, bylines, subheadings, questions) or body text.
- Pull quotes. A passage printed twice on the page (compared without spaces or
  punctuation) is dropped where it stands first; the paragraph under a label
  such as "观点" is dropped with the label (a short one only when the page
  prints it again). A blank line before a dropped line stays where it was.
- Web heads. A web export sets each head apart: one to four short lines with a
  blank line before and after them, none of them prose or an end note, are a
  head whatever they say (a headline without a byline, one that asks or
  exclaims). A blank line also ends any run of heading lines.
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
- Inside a head: a slogan ("学习贯彻…精神") beside a headline is a page banner; a
  label of two to five characters, or up to eight behind a decorative capital
  (which is ornament) or over a headline half as long again, is the section (a
  longer bare line over a headline about as long is its first half: column
  names are short), as is a headline's kicker, which wins: a short line above a
  headline with a kicker is its lead-in; a "——…" line is a subtitle; what is
  left is the headline. The byline closes the head: heading lines after it
  (a deck, a first subheading) are the article's text, and so is a long line
  with a clause break under a headline without a byline ("……，……", a deck).
- Bylines: personal names of two or three characters after a common Chinese
  surname (four after a compound one), padded names ("余 飞") joined back, not a
  common word of jieba's dictionary ("方法" starts with a surname too); staff
  bylines ("本报评论员", "本报记者 某某 本报通讯员 某某", "某某社记者 某某": the
  staff titles are not names); an institution alone under a headline
  with a kicker. Bullets and "文/" before the names are ornament. Where a
  byline stands (under the headline, last in its head) a run of names needs
  less evidence: names that are also words ("高峰") count, and so do rare
  surnames when the names are padded, when half of them start with a common
  surname or when the article's text follows right after (a rarer surname of a
  known list, the name no word of the dictionary and no word running on into
  it from the line above, which is how the wrapped end of a heading reads); a
  run of four or six characters, not a word, that starts with a common surname
  or whose pairs do half of them, is two-character names whose padding was
  read as letter-spacing. A run of names joined to the headline above it is
  split off on the same evidence.
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

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from digest import zh
from digest.errors import IssueError
from digest.models import Article, Dropped, Page, ParsedIssue
from digest.reflow import Pieces, clean_line, ends_sentence, is_heading_like, join_pieces, reflow_pieces

LOGGER = logging.getLogger(__name__)

_HAN = zh.CJK
_MASTHEAD = re.compile(f"^\\S{{2,12}}\\s*{zh.PAGE_DATE}\\s*日?\\s*{zh.PAGE_NUMBER}")
_AFFILIATION_NOTE = re.compile(r"^[（(]作者(?:单位)?(?:分别)?(?:为|是|系|[：:])\s*(.+?)[)）]$")
_COMPILER_NOTE = re.compile(f"^[（(]([{_HAN}·]{{2,12}}?)(?:\\s*[{_HAN}]{{0,4}})?整理[)）]$")
_CREDIT_ROLES = r"(?:策划|制图|编辑|责编|责任编辑|美编|摄影|图片|设计|版式设计|撰文|文字|数据来源|资料来源)"
_COMPILING_ROLE = re.compile(r"^(?:策划|制图|整理|撰文|文字)")  # credits that name who put the piece together
_CREDIT = re.compile(f"^(?:本版|本期)?{_CREDIT_ROLES}(?:[/、·]{_CREDIT_ROLES})*\\s*[：:]\\s*(\\S.*)$")
# "（本文系…项目成果）", "（本文由…编辑）", "（下转第二版）": notes about the text, not the text.
_EDITORIAL_NOTE = re.compile(r"^[（(](?:本(?:文|版|栏|期)|上接|下转|接第|转第)")
# "（某某参与采写）", "（本报某地某日电）": who reported the piece, and from where.
_REPORTING_NOTE = re.compile(r"^[（(][^（）()]{1,40}(?:参与采写|采写|供稿|电)[)）]$")
_EDITORS_NOTE = re.compile(r"^[【\[（(]?编者按[】\]）)]?\s*[：:]?")
_DECORATIVE = re.compile(f"^[A-Za-z]\\s*(?=[{_HAN}])")
_LABEL = re.compile(f"^[{_HAN}·]{{2,8}}$")
_BANNER = re.compile(r"(?:认真|深入|全面)?(?:学习|宣传|贯彻|践行|领会).*(?:精神|思想|篇章|新征程|新时代)")
_BRACKETS = re.compile(r"[（）()《》【】]")
_ATTRIBUTION = re.compile(f"^——.+\\s([{_HAN}]{{2,4}})$")
_BYLINE_ORNAMENT = re.compile(r"^(?:[□■●◎◆◇★☆▲△○]+\s*)?(?:文\s*[/／]|作者\s*[：:])?\s*")
# "本报记者", "本报特约评论员", "新华社记者", "某某日报记者": a newsroom's staff title.
_STAFF_TITLE = re.compile(
    f"(?:本报|本刊|新华社|[{_HAN}]{{2,6}}?(?:日报|晚报|报社|通讯社|电视台))(?:特约|驻[{_HAN}]{{1,6}}?)?(?:评论员|记者|通讯员)"
)
_SUBTITLE = re.compile(r"^——")
_QUESTION = re.compile(r"[？?]$")
_KEEP = re.compile(f"[{_HAN}A-Za-z0-9]")
_PULL_QUOTE_LABELS = frozenset({"观点", "核心观点", "观点提要", "阅读提示"})
_PULL_QUOTE_MIN = 15  # shorter repeats are set phrases, not pull quotes
_DISPLAY_MAX = 30
_NOTE_MAX = 120  # an editorial note is a line, not a paragraph
_COMMON_WORD_FREQ = 30  # jieba frequency from which a surname-initial token is a word, not a name
_TITLE_MAX = 40  # longer unfinished text is prose, not a headline or lead-in
_TAIL_MAX = 12  # a byline or label split off a joined line is at most this long
_DECK_MIN = 24  # a summary line under a headline is at least this long
# A column's name over a headline is short (mostly four characters); a longer bare
# line over the headline is the headline's first half, set on a line of its own.
_PLAIN_LABEL_MAX = 5
_HALVES_RATIO = 1.5  # the second half of a headline set over two lines is at most this much longer
_HEAD_LINES_MAX = 4  # lead-in, headline, subtitle, byline: a head set apart is at most this long

# Common Chinese surnames (single and compound). Characters that more often
# begin an ordinary word on a page label (国, 明, 和…) are left out on purpose.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔"
    "向汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴"
    "霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农卓古吉缪简车项连芦麦褚娄窦戚岑景"
    "党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝官封"
    "谈匡鞠惠荆乐冀郁胥班储栗燕楚鄢谌奚皮粟冼蔺楼闻厉伊仝郜阚帅屠朴禹祖漆卿狄晋芮晁扈阙戈伏鹿薄邸雍"
    "辜裘亓邰赫杭宿逯茹诸慕亢嵇湛宾戎茅揭尉冶檀昝衡尧剧"
)
# Rarer surnames, many of which also begin ordinary words (和, 过): a name with one
# is trusted only where a byline stands and the name is no word of the dictionary.
_RARE_SURNAMES = frozenset("訾过么和逄眭苌濮蒯隗禚郦雎殳酆鄂郗郤乜佴笪宓厍缑贲郏邴茆汲竺庹钮宦韶郄弘")
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙",
    "慕容", "令狐", "长孙", "宇文", "夏侯", "端木", "司徒",
)


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
    closed: bool = False
    head_read: bool = False  # its head is complete (byline, deck or blank line): heading lines next are text


def parse_issue(issue: Page) -> ParsedIssue:
    """Split one issue's page into articles; raise `IssueError` when none is found."""
    page = _page(issue.text)
    dropped: list[Dropped] = []
    page = _drop_mastheads(page, dropped)
    page = _drop_pull_quotes(page, dropped)
    drafts = _assemble(page, dropped)
    articles = [_finish(d, issue.name) for d in drafts if d.paragraphs]
    if not articles:
        raise IssueError(f"{issue.origin}: no article found in the text")
    LOGGER.debug("%s: %d articles, %d dropped", issue.name, len(articles), len(dropped))
    return ParsedIssue(source=issue.name, articles=articles, dropped=dropped)


# --- page furniture ----------------------------------------------------------


class _PageLine(NamedTuple):
    """A logical line of the page, and whether a meaningful blank line stands before it."""

    text: str
    after_blank: bool


def page_lines(text: str) -> list[str]:
    """The logical lines the segmenter reads: reflowed, with glued bylines and labels split off."""
    return [line.text for line in _page(text)]


def _page(text: str) -> list[_PageLine]:
    paragraphs = _split_repeated_openings(_unglue(reflow_pieces(text)))
    lines = [_PageLine(join_pieces(p.pieces), p.after_blank) for p in paragraphs]
    return [line for line in lines if line.text]


def _unglue(paragraphs: list[Pieces]) -> list[Pieces]:
    """Logical lines, with a byline or label split off the line it was joined to.

    A line that fills its column is joined to the next, and sometimes the next is
    a byline or a label that only happened to follow it (a headline exactly as
    wide as the column). Such a last piece is split off when it is a byline
    before body text or a pull-quote label (first pass), or a section label
    after cut-off prose and before a headline with its byline (second pass, which
    sees the bylines the first pass freed). A byline joined to the prose under it
    is split off too, and so is a headline (with the byline under it) joined to
    the text under it when a section label stands over it after an end note, a
    byline joined between a headline and prose, and a headline joined to the
    prose above it when a byline follows it.
    """
    for section_labels in (False, True):
        joined = [join_pieces(p.pieces) for p in paragraphs] + ["", ""]
        paragraphs = [part for i, p in enumerate(paragraphs) for part in _repair(p, joined, i, section_labels)]
    return paragraphs


def _repair(paragraph: Pieces, joined: list[str], i: int, section_labels: bool) -> list[Pieces]:
    """The logical line `i` split where one of the repairs of `_unglue` applies
    (`joined` holds every logical line as text, with two empty ones after)."""
    pieces = paragraph.pieces
    before = joined[i - 1] if i else ""
    tail = clean_line(pieces[-1]) if len(pieces) > 1 and _short_tail(pieces[-1]) else ""
    if tail and _glued(tail, join_pieces(pieces[:-1]), before, joined[i + 1], joined[i + 2], section_labels):
        return _cut(paragraph, len(pieces) - 1)
    if _headline_after_prose(pieces, joined[i + 1]):  # in both passes: the first may free the byline
        return _cut(paragraph, len(pieces) - 1)
    if section_labels:
        return [paragraph]
    if _byline_before_prose(pieces, before):
        return _cut(paragraph, 1)
    if _headline_before_prose(pieces, joined, i):
        return _cut_headline(paragraph)
    if k := _byline_inside(pieces):
        head, rest = _cut(paragraph, k)
        return [head, *_cut(rest, 1)]
    if k := _banner_start(pieces):
        return _cut(paragraph, k)
    return [paragraph]


def _byline_inside(pieces: list[str]) -> int:
    """Where a byline sits between a headline and prose that were all joined (each
    filled the column), or 0."""
    for k in range(1, len(pieces) - 1):
        if len(pieces[k]) > 2 * _TAIL_MAX or not _byline(clean_line(pieces[k])):
            continue
        if is_heading_like(join_pieces(pieces[:k])) and not is_heading_like(join_pieces(pieces[k + 1 :])):
            return k
    return 0


def _headline_after_prose(pieces: list[str], following: str) -> bool:
    """The last piece is the next article's headline, joined to the prose above it
    (which ended a sentence on a full line): a byline stands under it."""
    if len(pieces) < 2 or not ends_sentence(pieces[-2]):
        return False
    headline = clean_line(pieces[-1])
    if not is_heading_like(headline) or ends_sentence(headline) or is_heading_like(join_pieces(pieces[:-1])):
        return False
    return bool(_byline(following) or _names_under_headline(following))


def _short_tail(piece: str) -> bool:
    """Short enough to be a byline or label joined by mistake (a staff byline may be longer)."""
    return len(piece) <= _TAIL_MAX or (_STAFF_TITLE.match(piece.strip()) is not None and len(piece) <= 2 * _TAIL_MAX)


def _headline_before_prose(pieces: list[str], joined: list[str], index: int) -> bool:
    """The first piece is a headline that filled its column and was joined to the
    text under it: a section label stands over it, and above the label the page
    starts or the previous article ended on its end note."""
    if len(pieces) < 2 or index < 1:
        return False
    first = clean_line(pieces[0])
    if not is_heading_like(first) or ends_sentence(first) or is_heading_like(join_pieces(pieces[1:])):
        return False
    label = joined[index - 1]
    if not _LABEL.match(_strip_decoration(label)) or _byline(label):
        return False
    return index == 1 or _is_end_note(joined[index - 2])


def _cut_headline(paragraph: Pieces) -> list[Pieces]:
    """A headline split off the text it was joined to, and the byline under it if there is one."""
    head, rest = _cut(paragraph, 1)
    byline = clean_line(rest.pieces[0])
    if len(rest.pieces) > 1 and _short_tail(byline) and (_byline(byline) or _names_under_headline(byline)):
        return [head, *_cut(rest, 1)]
    return [head, rest]


def _banner_start(pieces: list[str]) -> int:
    """Where a page banner starts inside a run of bare heading pieces (a headline
    that filled its column joined to the slogan under it), or 0."""
    if len(pieces) < 2 or zh.PROSE_MARK.search("".join(pieces)) or _BRACKETS.search("".join(pieces)):
        return 0
    for k in range(1, len(pieces)):
        rest = join_pieces(pieces[k:])
        if len(rest) >= 10 and _BANNER.match(rest):
            return k
    return 0


def _cut(paragraph: Pieces, k: int) -> list[Pieces]:
    """A logical line split in two after its first `k` pieces."""
    return [Pieces(paragraph.pieces[:k], paragraph.after_blank), Pieces(paragraph.pieces[k:], False)]


def _split_repeated_openings(paragraphs: list[Pieces]) -> list[Pieces]:
    """Split a pull quote off the paragraph it was joined to.

    A pull quote that ends where a column line ends may be joined to the text
    after it; when the first pieces of a line end a sentence and their text is
    printed again elsewhere on the page, they are split off (and later dropped).
    """
    page = "\x00".join(_key("".join(p.pieces)) for p in paragraphs)
    split: list[Pieces] = []
    for paragraph in paragraphs:
        pieces = paragraph.pieces
        cut = 0
        for k in range(1, len(pieces)):
            if not ends_sentence(pieces[k - 1]):
                continue
            key = _key("".join(pieces[:k]))
            if len(key) >= _PULL_QUOTE_MIN and page.count(key) >= 2:
                cut = k
        if cut and not is_heading_like(join_pieces(pieces[:cut])):
            split.extend(_cut(paragraph, cut))
        else:
            split.append(paragraph)
    return split


def _byline_before_prose(pieces: list[str], before: str) -> bool:
    """The first piece is a byline under a headline, and prose (or a sentence) follows it."""
    if len(pieces) < 2 or not _short_tail(pieces[0]) or not before or not is_heading_like(before):
        return False
    rest = join_pieces(pieces[1:])
    return bool(_byline(clean_line(pieces[0]))) and (not is_heading_like(rest) or ends_sentence(rest))


def _glued(tail: str, rest: str, before: str, following: str, after: str, section_labels: bool) -> bool:
    """Whether `tail` is a byline or label that was joined to `rest` by mistake
    (`before` is the line above, `following` and `after` the next two lines)."""
    if not section_labels:
        if tail in _PULL_QUOTE_LABELS:
            return True
        # the name closing a "——单位 姓名" attribution under a quoted expert's text stays
        attribution = rest.startswith("——") and not is_heading_like(before)
        if attribution or not following:
            return False
        # names under a headline that filled its column are a byline whatever the surname,
        # and whatever follows (a deck is heading-like too)
        if is_heading_like(rest) and not _LABEL.match(rest) and _names_under_headline(tail):
            return True
        text_follows = not is_heading_like(following) or _reads_as_text(following)
        # the article's text right under them: names with a rare surname too, if not a word
        if is_heading_like(rest) and text_follows and _rare_names_under(rest, tail):
            return True
        return bool(_byline(tail)) and text_follows
    # prose the page cut off, then a section label over the next headline and its byline
    cut_prose = not ends_sentence(rest) and not is_heading_like(rest) and len(rest) > _TITLE_MAX
    next_head = is_heading_like(following) and bool(_byline(after) or _split_kicker(following)[1])
    return cut_prose and _LABEL.match(_strip_decoration(tail)) is not None and next_head



def _drop_mastheads(page: list[_PageLine], dropped: list[Dropped]) -> list[_PageLine]:
    """Drop mastheads (a paper's name, a date and a page number on one short line)
    and editor's notes ("编者按：…"), which introduce a page, not an article."""
    keep = []
    for line in page:
        kind = "masthead" if len(line.text) <= 60 and _MASTHEAD.match(line.text) else None
        kind = kind or ("editor_note" if _EDITORS_NOTE.match(line.text) else None)
        if kind:
            dropped.append(Dropped(kind, line.text))
        keep.append(kind is None)
    return _kept(page, keep)


def _drop_pull_quotes(page: list[_PageLine], dropped: list[Dropped]) -> list[_PageLine]:
    """Drop labelled pull quotes and passages the page prints a second time."""
    texts = [line.text for line in page]
    keep = [True] * len(page)
    skip = 0
    for i, line in enumerate(page):
        if skip:
            skip -= 1
            dropped.append(Dropped("pull_quote", line.text))
            keep[i] = False
        elif line.text in _PULL_QUOTE_LABELS and i + 1 < len(page) and _quoted(texts, i + 1):
            skip = 1 + _quote_remnant(texts, i + 2)
            keep[i] = False
    keys = [_key(line.text) if keep[i] and not is_heading_like(line.text) else "" for i, line in enumerate(page)]
    for i, key in enumerate(keys):
        if _printed_elsewhere(key, i, keys):
            keep[i] = False
            keys[i] = ""  # the copy that stays is then printed only once
            dropped.append(Dropped("pull_quote", page[i].text))
    return _kept(page, keep)


def _quoted(lines: list[str], index: int) -> bool:
    """The line under a pull-quote label is the quote: prose, or a short line (a
    question, say) that the page prints again elsewhere."""
    if not is_heading_like(lines[index]):
        return True
    key = _key(lines[index])
    return len(key) >= _PULL_QUOTE_MIN and any(key in _key(line) for k, line in enumerate(lines) if k != index)


def _kept(page: list[_PageLine], keep: list[bool]) -> list[_PageLine]:
    """The lines to keep; a blank line before a dropped line now stands before the next kept one."""
    kept: list[_PageLine] = []
    blank = False
    for line, wanted in zip(page, keep, strict=True):
        blank = blank or line.after_blank
        if wanted:
            kept.append(_PageLine(line.text, blank))
            blank = False
    return kept


def _quote_remnant(lines: list[str], index: int) -> int:
    """1 when the line at `index` is the short rest of a labelled pull quote that
    the column broke off (a fragment before the byline), else 0."""
    if index + 1 >= len(lines):
        return 0
    line = lines[index]
    fragment = is_heading_like(line) and len(line) <= 12 and not _byline(line) and not ends_sentence(line)
    return 1 if fragment and _byline(lines[index + 1]) else 0


def _key(text: str) -> str:
    """Text reduced to letters and digits, so that a repeat reads the same whatever its punctuation."""
    return "".join(_KEEP.findall(text))


def _printed_elsewhere(key: str, index: int, keys: list[str]) -> bool:
    """The passage is printed again elsewhere on the page, perhaps across a paragraph
    break (headings are left out: a subheading may repeat words of the headline)."""
    if len(key) < _PULL_QUOTE_MIN:
        return False
    others = "".join(keys[:index]) + "\x00" + "".join(keys[index + 1 :])
    return key in others


# --- assembling articles -----------------------------------------------------


def _assemble(page: list[_PageLine], dropped: list[Dropped]) -> list[_Draft]:
    """Walk the lines, opening an article at each head and closing it at its end notes."""
    lines = [line.text for line in page]
    lone_pairs = _lone_label_pairs(page)
    drafts: list[_Draft] = []
    current = _Draft()
    i = 0
    while i < len(lines):
        if _is_end_note(lines[i]):
            current = _apply_end_note(lines[i], current, drafts, dropped)
            i += 1
            continue
        if k := _set_apart_head(page, i):
            _close(current, drafts)
            current = _open(lines[i : i + k], dropped, body_follows=True)
            current.head_read = True  # the blank line under it ends the head
            i += k
            continue
        j = _head_run_end(page, i)
        if j > i:
            body_follows = j < len(lines) and not _is_end_note(lines[j])
            current = _read_head_run(lines[i:j], current, drafts, dropped, body_follows, i in lone_pairs)
            i = j
            continue
        if current.closed:
            _close(current, drafts)
            current = _Draft()
        current.paragraphs.append(lines[i])
        i += 1
    _close(current, drafts)
    return drafts


def _lone_label_pairs(page: list[_PageLine]) -> set[int]:
    """Where a label over a headline stands with no other such pair in its stretch
    of the page (between end notes and heads that show a byline or a kicker).

    Subheadings come in series: an article that sets a short phrase over a
    longer one as a subheading does so for each of its parts (every such pair
    in the real articles we hold has a sibling). A lone pair, with the text
    right under it, is a section label over the next article's headline.
    """
    lines = [line.text for line in page]
    stretches: list[list[int]] = [[]]
    i = 0
    while i < len(lines):
        if _is_end_note(lines[i]) or (k := _set_apart_head(page, i)):
            stretches.append([])
            i += 1 if _is_end_note(lines[i]) else k
            continue
        j = _head_run_end(page, i)
        if j == i:
            i += 1
            continue
        body_follows = j < len(lines) and not _is_end_note(lines[j])
        if i == 0 or _opens_article(lines[i:j], body_follows):  # the page's first head, or one that shows itself
            stretches.append([])
        elif _label_pair_at(lines, i, j):
            stretches[-1].append(i)
        i = j
    return {pairs[0] for pairs in stretches if len(pairs) == 1}


def _label_pair_at(lines: list[str], start: int, end: int) -> bool:
    """The head run `lines[start:end]` is a label over a headline, between a line
    that ends a sentence and the text under it."""
    if end - start != 2 or end >= len(lines) or _is_end_note(lines[end]):
        return False
    return (start == 0 or ends_sentence(lines[start - 1])) and _label_over_headline(lines[start:end])


def _label_over_headline(block: list[str]) -> bool:
    """A bare label of a column's length (not names) over a longer heading line."""
    label, headline = block[0], block[-1]
    if len(label) > _PLAIN_LABEL_MAX or not _LABEL.match(label) or _byline(label):
        return False
    return len(headline) > len(label) and not _names_under_headline(headline)


def _head_run_end(page: list[_PageLine], start: int) -> int:
    """Where the run of heading lines starting at `start` ends (`start` when there is none).
    A blank line in a web export ends it: the next head is set apart."""
    end = start
    while end < len(page) and _is_head_line(page[end].text) and not (end > start and page[end].after_blank):
        end += 1
    return end


def _read_head_run(block: list[str], current: _Draft, drafts: list[_Draft], dropped: list[Dropped],
                   body_follows: bool, lone_pair: bool = False) -> _Draft:
    """A run of heading lines: the opening of the running article's text (a deck
    under its head), the head of a new article, or subheadings. Returns the
    article the lines after the run belong to (`lone_pair`: the run is a label
    over a headline with no other such pair near it, see `_lone_label_pairs`)."""
    if current.head_read and not current.paragraphs:
        current.paragraphs.extend(block)  # a deck or subheading right under a complete head
        return current
    if current.closed or not current.paragraphs or lone_pair or _opens_article(block, body_follows):
        if current.paragraphs and not current.closed:
            prose = _leading_prose(block)  # the last words of the article before
            current.paragraphs.extend(block[:prose])
            block = block[prose:]
        _close(current, drafts)
        return _open(block, dropped, body_follows)
    current.subheadings.extend(block)
    current.paragraphs.extend(block)
    return current


def _leading_prose(block: list[str]) -> int:
    """How many lines at the start of a head run end a sentence of prose (a closing
    question "……，……？"): they end the article before, not open the next."""
    count = 0
    while count < len(block) - 1 and _is_deck(block[count]) and ends_sentence(block[count]):
        count += 1
    return count


def _set_apart_head(page: list[_PageLine], index: int) -> int:
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
    return end - index if all(_head_line_set_apart(line.text) for line in page[index:end]) else 0


def _head_line_set_apart(line: str) -> bool:
    """Short enough for a headline (its kicker aside), not prose, not an end note.

    A headline may ask or exclaim ("…？"), so only a full stop, semicolon, colon or
    comma at its end makes it prose.
    """
    title, _ = _split_kicker(line)
    if len(title) > _TITLE_MAX + _TITLE_MAX // 2 or _is_end_note(line):
        return False
    return title[-1:] not in "。；;：:，,、" and not zh.STATEMENT_STOP.search(title)


def _close(draft: _Draft, drafts: list[_Draft]) -> None:
    if draft.paragraphs and draft not in drafts:
        drafts.append(draft)


def _is_end_note(line: str) -> bool:
    """An author's note, a compiler's note, an editing credit or an editorial note."""
    if _AFFILIATION_NOTE.match(line) or _COMPILER_NOTE.match(line) or _CREDIT.match(line):
        return True
    if _REPORTING_NOTE.match(line):
        return True
    return bool(_EDITORIAL_NOTE.match(line)) and line[-1] in "）)" and len(line) <= _NOTE_MAX


def _apply_end_note(line: str, current: _Draft, drafts: list[_Draft], dropped: list[Dropped]) -> _Draft:
    """Record an end note on the article it closes; a note after a closed article
    (a credit under the author's note) belongs to that same article."""
    target = current if current.paragraphs else (drafts[-1] if drafts else current)
    if match := _AFFILIATION_NOTE.match(line):
        if target.affiliation is None:
            target.affiliation = match.group(1).strip()
        else:
            dropped.append(Dropped("credit", line))
    elif match := _COMPILER_NOTE.match(line):
        target.compiler = match.group(1)
    elif match := _CREDIT.match(line):
        dropped.append(Dropped("credit", line))
        names = _names(match.group(1))
        if names and target.compiler is None and _COMPILING_ROLE.match(line):
            target.compiler = "、".join(names)
    else:
        dropped.append(Dropped("credit", line))
    target.closed = True
    return target


def _is_head_line(line: str) -> bool:
    """Heading-like (a question included) and not a note that closes an article."""
    return is_heading_like(line) and not _is_end_note(line)


def _opens_article(block: list[str], body_follows: bool = False) -> bool:
    """A head run opens an article when it holds a byline, a decorated section label
    or a kicker, or a run of names under its first line that ends it or stands
    over a line that reads as the article's text (with a rare surname only when
    the names are not a word).

    A plain label over a headline is not enough: inside an article that is how a
    two-line subheading reads (a short phrase over a longer one), and an
    article's own head shows itself by a byline or by following an end note
    (or by standing alone, which `_lone_label_pairs` looks at).
    """
    if any(_byline(line) for line in block):
        return True
    if any(_names_closing_head(block, k, body_follows) for k in range(1, len(block))):
        return True
    if any(_DECORATIVE.match(line) and _LABEL.match(_strip_decoration(line)) for line in block):
        return True
    return any(_split_kicker(line)[1] for line in block)


def _names_closing_head(block: list[str], k: int, body_follows: bool) -> bool:
    """Line `k` of a head run is a run of names: the last line, or one over a line
    that reads as text; the article's text under it lets a rare surname count."""
    text_under = body_follows if k == len(block) - 1 else _reads_as_text(block[k + 1])
    if k < len(block) - 1 and not text_under:
        return False
    if _names_under_headline(block[k]):
        return True
    return text_under and _rare_names_under(block[k - 1], block[k])


def _reads_as_text(line: str) -> bool:
    """A heading-like line that is the first of the article's text: it ends a
    sentence, or is long with a clause break (a deck, or a paragraph unfinished)."""
    return ends_sentence(line) or _is_deck(line)


def _rare_names_under(above: str, line: str) -> bool:
    """`line`, under `above` and over the article's text, is a run of names even
    with a rare surname (each name starts with a known surname): neither it nor
    any name on it is in the dictionary at all
    (a wrapped heading's last characters often are: "…实践" + "伟力"), and no word
    runs on into it from the line above ("栖息" + "地…")."""
    names = _names_under_headline(line, body_follows=True)
    if not names or not all(_surname_first(name) or name[0] in _RARE_SURNAMES for name in names):
        return False
    if any(_word_frequencies().get(text, 0) for text in [line.replace(" ", ""), *names]):
        return False
    return not _word_across(above, line)


def _word_across(above: str, line: str) -> bool:
    """A word of the dictionary runs from the end of `above` into the start of `line`."""
    return any(_common_word(above[-k:] + line[:m]) for k in range(1, 4) for m in range(1, 3) if len(above) >= k)


def _open(block: list[str], dropped: list[Dropped], body_follows: bool = False) -> _Draft:
    """Read a head run into a new article: banner, section, headline, byline.

    The byline closes the head: heading lines after it (a deck, a first
    subheading) are the article's text. A head without a recognised byline
    still has one when its last line, under the headline, is a run of names
    (`body_follows`: the article's text comes right after the head).
    """
    draft = _Draft()
    end = _byline_index(block)
    if end is None:
        end, draft.authors = _names_position(block, body_follows)
    rest: list[str] = []
    for k, line in enumerate(block):
        if end is not None and k > end:
            draft.paragraphs.append(line)
        elif k == end:
            draft.authors = draft.authors or _byline(line)
            draft.head_read = True
        elif _SUBTITLE.match(line):
            dropped.append(Dropped("subtitle", line))
        else:
            rest.append(line)
    if end is None and len(rest) >= 2 and (_is_deck(rest[-1]) or _first_sentence_under(rest[-2], rest[-1])):
        draft.paragraphs.insert(0, rest.pop())
        draft.head_read = True
    rest = _drop_banners(rest, dropped)
    rest = _take_section(rest, draft)
    _take_title(rest, draft, dropped)
    return draft


def _names_position(block: list[str], body_follows: bool) -> tuple[int | None, list[str]]:
    """The last line under the headline that reads as a run of names, and the names
    (the last line of the head is trusted more when the article's text follows it,
    and so is a line over one that reads as the text's first paragraph)."""
    for k in range(len(block) - 1, 0, -1):
        if names := _names_under_headline(block[k], body_follows and k == len(block) - 1):
            return k, names
        if k < len(block) - 1 and _reads_as_text(block[k + 1]) and _rare_names_under(block[k - 1], block[k]):
            return k, _names_under_headline(block[k], body_follows=True)
    return None, []


def _is_deck(line: str) -> bool:
    """A summary line under a headline: long, with a clause break or a trailing dash
    ("……，……" / "……——"); a headline's second line is short and rarely so, and a
    headline closed by its kicker is the headline."""
    if len(line) < _DECK_MIN or _split_kicker(line)[1]:
        return False
    return "，" in line or "," in line or line.endswith(("——", "……"))


def _first_sentence_under(above: str, line: str) -> bool:
    """A short sentence with a clause break ("……，……？") under the headline (not
    under a label, where it is the headline) opens the text: a headline's second
    half does not end a sentence."""
    clause = zh.PROSE_MARK.search(line[:-1].rstrip(zh.CLOSERS)) is not None
    label = _strip_decoration(above)
    under_label = _LABEL.match(label) is not None and (label != above or len(label) <= _PLAIN_LABEL_MAX)
    return clause and ends_sentence(line) and not under_label


def _byline_index(block: list[str]) -> int | None:
    """Where the byline of a head run is (its last one), or None."""
    found = [k for k, line in enumerate(block) if _byline(line)]
    return found[-1] if found else None


def _names_under_headline(line: str, body_follows: bool = False) -> list[str]:
    """The names on a line that stands where a byline stands (under a headline),
    read with less caution than `_byline`, since the place says it is a byline:
    names that are also common words ("高峰") count, and so do rare surnames when
    half the names on the line start with a common one, when the name is padded
    ("和 平", a typesetting habit for names), or when the text
    of the article follows the line (`body_follows`). A run of four or
    six characters (padded names whose padding was read as letter-spacing) is
    read as two-character names when it starts with a common surname and is not
    a word ("张弛有度")."""
    line = _BYLINE_ORNAMENT.sub("", line).strip()
    if len(line) > _TAIL_MAX or not re.fullmatch(f"[{_HAN}·\\s]+", line):
        return []
    names = _names(line)
    if len(names) == 1 and len(names[0]) in (4, 6) and not names[0].startswith(_COMPOUND_SURNAMES):
        pairs = [names[0][k : k + 2] for k in range(0, len(names[0]), 2)]
        common = sum(1 for pair in pairs if pair[0] in _SURNAMES)
        return pairs if (pairs[0][0] in _SURNAMES or common * 2 >= len(pairs)) and not _common_word(names[0]) else []
    if not names or len(names) > 4 or not all(_name_length_fits(name) for name in names):
        return []
    padded = any(len(token) == 1 for token in line.split())
    common = sum(1 for name in names if _surname_first(name))
    return names if body_follows or padded or common * 2 >= max(len(names), 2) else []


def _surname_first(name: str) -> bool:
    return name[0] in _SURNAMES or name.startswith(_COMPOUND_SURNAMES)


def _name_length_fits(name: str) -> bool:
    """Two or three characters, or four after a compound surname."""
    return 2 <= len(name) <= 3 or (len(name) == 4 and name.startswith(_COMPOUND_SURNAMES))


def _drop_banners(lines: list[str], dropped: list[Dropped]) -> list[str]:
    """A slogan line beside another headline is the page banner, not the title."""
    if len(lines) < 2:
        return lines
    kept: list[str] = []
    for line in lines:
        if len(line) >= 10 and _BANNER.search(line) and not _split_kicker(line)[1] and len(kept) + 1 < len(lines):
            dropped.append(Dropped("banner", line))
        else:
            kept.append(line)
    return kept


def _take_section(lines: list[str], draft: _Draft) -> list[str]:
    """A decorated label, or a short label before the headline, names the section
    (a longer bare line over a headline about as long is the headline's first half).

    Over a headline with a column kicker the kicker names the section, and a
    short undecorated line above it is the headline's lead-in.
    """
    has_kicker = any(_split_kicker(line)[1] for line in lines)
    for k, line in enumerate(lines):
        label = _strip_decoration(line)
        decorated = label != line
        if has_kicker and not decorated:
            continue
        plain_label = len(lines) > 1 and k < len(lines) - 1 and _column_name_over(label, lines[k + 1])
        if _LABEL.match(label) and (decorated or plain_label):
            draft.section = label
            return lines[:k] + lines[k + 1 :]
    return lines


def _column_name_over(label: str, headline: str) -> bool:
    """A bare label over a headline names a column when it is short; a longer one
    is the headline's first half unless the line under it is far longer still
    (the halves of a headline are about as long as each other)."""
    return len(label) <= _PLAIN_LABEL_MAX or len(headline) > _HALVES_RATIO * len(label)


def _take_title(lines: list[str], draft: _Draft, dropped: list[Dropped]) -> None:
    """The headline is the line with a kicker (lines before it are lead-ins), else all that is left."""
    for k, line in enumerate(lines):
        title, kicker = _split_kicker(line)
        if kicker:
            for lead in lines[:k]:
                dropped.append(Dropped("lead", lead))
            draft.title = title
            draft.section = draft.section or kicker
            extras = lines[k + 1 :]
            if not draft.authors and len(extras) == 1 and _institution_byline(extras[0]):
                draft.authors = [extras[0]]  # a byline under the headline that is not a person's name
                extras = []
            for extra in extras:
                dropped.append(Dropped("heading", extra))
            return
    if lines:
        draft.title = " ".join(lines)


def _institution_byline(line: str) -> bool:
    """A short run of Han characters alone under a headline: an institution signing it."""
    return re.fullmatch(f"[{_HAN}]{{2,12}}", line) is not None


def _split_kicker(line: str) -> tuple[str, str | None]:
    """"标题（栏目）" → ("标题", "栏目"); a line without a trailing kicker is all title."""
    match = zh.COLUMN_KICKER.search(line)
    title = line[: match.start()] if match else ""
    # a headline may ask or exclaim before its kicker ("标题？（栏目）"), but not end a statement
    if not match or len(title) < 4 or title.rstrip()[-1] in "。；;：:，,、":
        return line, None
    return title.strip(), match.group(1).strip()


def _strip_decoration(line: str) -> str:
    """"G 某某某某" → "某某某某": a lone Latin capital before a label is ornament."""
    return _DECORATIVE.sub("", line).strip()


# --- bylines -----------------------------------------------------------------


def _byline(line: str) -> list[str]:
    """The names on a byline, or [] when the line is not one.

    A bullet or "文/" before the names is ornament; a staff byline ("本报评论员",
    "本报记者 某某 本报通讯员 某某") counts, with the staff title as the author when
    no name follows.
    """
    line = _BYLINE_ORNAMENT.sub("", line).strip()
    staff = _STAFF_TITLE.match(line)
    if staff:  # after a staff title any surname will do: the title says names follow
        rest = _STAFF_TITLE.sub(" ", line).strip()
        if not rest:
            return [staff.group(0).strip()]
        names = _names(rest) if re.fullmatch(f"[{_HAN}·\\s]+", rest) else []
        return names if names and all(_name_length_fits(name) for name in names) else []
    if len(line) > 24 or not re.fullmatch(f"[{_HAN}·\\s]+", line):
        return []
    names = _names(line)
    if not names or len(names) > 6 or not all(_looks_like_name(name) for name in names):
        return []
    # a common word that starts with a surname ("方法", "关系") is not a name; one
    # real name that is also a word may sit among others on a byline
    words = sum(1 for name in names if _common_word(name))
    return names if words * 2 < len(names) or (words == 0 and len(names) == 1) else []


def _names(text: str) -> list[str]:
    """Split a run of names; single characters padded apart ("余 飞") are joined back."""
    tokens = text.replace("、", " ").replace("，", " ").split()
    names: list[str] = []
    pending = ""
    for token in tokens:
        if len(token) == 1:
            pending += token
            if len(pending) == 2:
                names.append(pending)
                pending = ""
            continue
        if pending:
            names.append(pending + token if len(pending) == 1 and len(token) == 1 else pending)
            pending = ""
        names.append(token)
    if pending:
        names.append(pending)
    return names


@functools.cache
def _word_frequencies() -> dict[str, int]:
    """jieba's dictionary (word → frequency), loaded once per process."""
    frequencies: dict[str, int] = zh.load_jieba().dt.FREQ
    return frequencies


def _common_word(text: str) -> bool:
    """A word of the general dictionary (personal names are rare there)."""
    return _word_frequencies().get(text, 0) >= _COMMON_WORD_FREQ


def _looks_like_name(name: str) -> bool:
    """Two or three characters after a common surname (or four after a compound one)."""
    if name.startswith(_COMPOUND_SURNAMES):
        return 3 <= len(name) <= 4
    return 2 <= len(name) <= 3 and name[0] in _SURNAMES


# --- finishing ---------------------------------------------------------------


def _finish(draft: _Draft, source: str) -> Article:
    """Turn a draft into an `Article`: kind, contributors, truncation, display title."""
    contributors = [m.group(1) for p in draft.paragraphs if (m := _ATTRIBUTION.match(p))]
    kind = "article"
    if len(contributors) >= 2:
        kind = "viewpoints"
    elif _is_qa(draft):
        kind = "qa"
    body = [p for p in draft.paragraphs if p not in draft.subheadings]
    truncated = bool(body) and not ends_sentence(body[-1]) and not _ATTRIBUTION.match(body[-1])
    return Article(
        title=draft.title,
        display_title=draft.title or display_title(draft.paragraphs),
        paragraphs=draft.paragraphs,
        section=draft.section,
        authors=draft.authors if kind != "viewpoints" else [],
        affiliation=draft.affiliation,
        kind=kind,  # type: ignore[arg-type]
        truncated=truncated,
        subheadings=draft.subheadings,
        compiler=draft.compiler,
        contributors=contributors,
        source=source,
    )


def _is_qa(draft: _Draft) -> bool:
    """A questioning headline over question subheadings, with no byline."""
    if draft.authors or not draft.title or not _QUESTION.search(draft.title):
        return False
    return sum(1 for s in draft.subheadings if _QUESTION.search(s)) >= 1


def display_title(paragraphs: list[str]) -> str:
    """A title for a headline-less article from its own text: its leading numbered
    item's headline if it has one, else its first sentence, at most ~30 characters."""
    for paragraph in paragraphs:
        match = zh.LIST_MARKER.match(paragraph)
        if match and match.lastgroup in ("ordinal", "shi", "yao"):
            head = zh.split_sentences(paragraph[match.end() :])
            if head:
                return _shorten(head[0])
    sentences = zh.split_sentences(paragraphs[0]) if paragraphs else []
    return _shorten(sentences[0]) if sentences else ""


def _shorten(sentence: str) -> str:
    """A sentence without its end mark, cut at a clause end before the limit if it is too long."""
    text = sentence.strip().rstrip("。！？!?；;，,")
    if len(text) <= _DISPLAY_MAX:
        return text
    cut = max(text.rfind(mark, 0, _DISPLAY_MAX) for mark in "，、；：")
    return text[:cut] if cut >= 8 else text[: _DISPLAY_MAX - 1] + "…"
