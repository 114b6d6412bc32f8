"""Bylines and personal names, read at three levels of evidence.

A name is two or three Han characters after a common Chinese surname, or four
after a compound one; single characters padded apart ("余 飞") are one name. How
much else a line needs to count as a byline depends on where it stands:

- Anywhere (`byline`): every name starts with a common surname and few of them
  are common words of jieba's dictionary ("方法" starts with a surname too); or
  the line is a staff byline ("本报评论员", "本报记者 某某 本报通讯员 某某",
  "某某社记者 某某": the staff titles are not names, and after one any surname
  will do). Bullets and "文/" before the names are ornament.
- Where a byline stands, under a headline (`names_under_headline`): names that
  are also words ("高峰") count, and so do rare surnames when the names are
  padded, when half of them start with a common surname or when the article's
  text follows right after; a longer run (five or six names) counts when some
  two-character names are padded apart and most start with a common surname.
  A run of four or six characters, not a word, that
  starts with a common surname or whose pairs do half of them, is two-character
  names whose padding was read as letter-spacing; so is a run of eight to
  twelve whose every pair starts with a common surname and is no word.
- There, with the text right under it (`rare_names_under`): names with a rarer
  surname of a known list count when neither the run nor any name on it is a
  word of the dictionary at all and no word runs on into it from the line above,
  which is how the wrapped end of a heading reads ("…实践" + "伟力").

An institution signs a piece too: a short run of Han characters alone under a
headline with a kicker (`is_institution`), or, anywhere under a headline, a name
ending on what institutions are called — a research centre or institute, a
party school, a leading group's study group (理论学习中心组), a court's or
academy's council (院务会), a task group (`institution`).

Where the layout itself says a line is the byline (a PDF's "byline" role,
`names_on_byline`), names printed without gaps are cut where surnames start,
rare surnames count, and so does an institution.
"""

from __future__ import annotations

import functools
import re

from digest import zh

# A run of names under a headline, or a byline split off a joined line, is at most this long.
BYLINE_MAX = 12
# jieba frequency from which a token is a word of the dictionary rather than a name.
_COMMON_WORD_FREQ = 30
# A byline anywhere is at most this long and holds at most this many names.
_BYLINE_CHARS = 24
_BYLINE_NAMES = 6
# Under a headline a run of names holds at most this many.
_NAMES_UNDER_HEADLINE = 4

# A bullet or "文/" / "作者：" before the names: ornament, not part of them.
_ORNAMENT = re.compile(r"^(?:[□■●◎◆◇★☆▲△○]+\s*)?(?:文\s*[/／]|作者\s*[：:])?\s*")
# Han characters, middle dots and spaces only: what a run of names is made of.
_NAME_RUN = re.compile(f"[{zh.CJK}·\\s]+")
# A short run of Han characters and nothing else: an institution signing a piece.
_INSTITUTION = re.compile(f"[{zh.CJK}]{{2,12}}")
# "本报记者", "本报特约评论员", "新华社记者", "某某日报记者": a newsroom's staff title.
_STAFF_TITLE = re.compile(
    f"(?:本报|本刊|新华社|[{zh.CJK}]{{2,6}}?(?:日报|晚报|报社|通讯社|电视台))(?:特约|驻[{zh.CJK}]{{1,6}}?)?"
    "(?:评论员|记者|通讯员)"
)

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
    # rarer ones, whose bearers' full names are mostly four characters
    "呼延", "钟离", "闻人", "万俟", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠",
    "轩辕", "百里", "东郭", "南宫", "西门", "拓跋", "赫连", "独孤", "闾丘", "公羊", "第五", "梁丘",
    "左丘", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "谷梁", "段干", "司空", "亓官", "仉督",
)
# The words an institution's name ends on when it signs a piece: a research
# centre or institute, a school, a leading group's study group, a council, a task group.
_INSTITUTION_ENDS = (
    "中心组", "研究中心", "研究院", "研究所", "研究会", "研究基地", "党校", "行政学院", "院务会", "党组",
    "课题组", "调研组", "编写组", "写作组", "评论组", "委员会", "学会",
)
# An institution's name: Han characters, perhaps a bracketed alias ("某某党校（某某学院）"),
# ending on one of _INSTITUTION_ENDS; group 1 the name. At most _INSTITUTION_MAX long.
_INSTITUTION_NAME = re.compile(
    f"[{zh.CJK}（）()·]{{2,}}?(?:{'|'.join(_INSTITUTION_ENDS)})"
)
_INSTITUTION_MAX = 36
# A run of names without gaps holds at most this many characters (four three-character names).
_UNSPACED_MAX = 12
# The lengths of a run of two to six two-character names whose padding was read as letter-spacing.
_LETTER_SPACED_RUNS = (4, 6, 8, 10, 12)


def byline(line: str) -> list[str]:
    """The names of a line that is a byline wherever it stands, or [] when it is not one.

    A staff byline counts, with the staff title as the author when no name follows.
    """
    line = _ORNAMENT.sub("", line).strip()
    staff = _STAFF_TITLE.match(line)
    if staff:
        return _staff_byline(line, staff.group(0).strip())
    if len(line) > _BYLINE_CHARS or not _NAME_RUN.fullmatch(line):
        return []
    names = split_names(line)
    if not names or len(names) > _BYLINE_NAMES or not all(_looks_like_name(name) for name in names):
        return []
    # a common word that starts with a surname ("方法", "关系") is not a name; one
    # real name that is also a word may sit among others on a byline
    words = sum(1 for name in names if _common_word(name))
    return names if words * 2 < len(names) or (words == 0 and len(names) == 1) else []


def _staff_byline(line: str, title: str) -> list[str]:
    """The names after a staff title (any surname will do: the title says names follow), or the title."""
    rest = _STAFF_TITLE.sub(" ", line).strip()
    if not rest:
        return [title]
    names = split_names(rest) if _NAME_RUN.fullmatch(rest) else []
    return names if names and all(_name_length_fits(name) for name in names) else []


def names_under_headline(line: str, text_follows: bool = False) -> list[str]:
    """The names on a line that stands where a byline stands (under a headline), or [].

    Read with less caution than `byline`, since the place says it is one (see the
    module's docstring); `text_follows`: the article's text comes right after it.
    """
    line = _ORNAMENT.sub("", line).strip()
    if len(line) > _BYLINE_CHARS or not _NAME_RUN.fullmatch(line):
        return []
    names = split_names(line)
    if len(names) == 1 and len(names[0]) in _LETTER_SPACED_RUNS and not names[0].startswith(_COMPOUND_SURNAMES):
        return _padded_pairs(names[0]) if len(line) <= BYLINE_MAX else []
    if not names or not all(_name_length_fits(name) for name in names):
        return []
    padded = any(len(token) == 1 for token in line.split())
    common = sum(1 for name in names if _surname_first(name))
    if len(names) > _NAMES_UNDER_HEADLINE or len(line) > BYLINE_MAX:
        return names if _long_run_of_names(names, padded, common) else []
    return names if text_follows or padded or common * 2 >= max(len(names), 2) else []


def _long_run_of_names(names: list[str], padded: bool, common: int) -> bool:
    """More names than a short byline holds: a run of names when some two-character
    names are padded apart, most start with a common surname, and few are words."""
    words = sum(1 for name in names if _common_word(name))
    return padded and len(names) <= _BYLINE_NAMES and common * 2 > len(names) and words * 2 < len(names)


def _padded_pairs(run: str) -> list[str]:
    """A run of four to twelve characters (an even number) as names: cut where common surnames start
    when that leaves no doubtful name, else as two-character names when it starts
    with a common surname (or half its pairs do); never a word ("张弛有度"). Eight or
    more characters are padded names only, every one starting with a common surname."""
    pairs = [run[k : k + 2] for k in range(0, len(run), 2)]
    common = sum(1 for pair in pairs if pair[0] in _SURNAMES)
    if len(pairs) > 3:  # four or more padded names, never names without gaps: each a surname and no word
        return pairs if common == len(pairs) and not any(_common_word(pair) for pair in pairs) else []
    cut = unspaced_names(run)
    if cut and _cut_cost(cut)[0] == 0 and not _common_word(run):
        return cut  # "某某某李某某": three-character names cut where their surnames start
    return pairs if (pairs[0][0] in _SURNAMES or common * 2 >= len(pairs)) and not _common_word(run) else []


def rare_names_under(above: str, line: str) -> bool:
    """`line`, under `above` and over the article's text, is a run of names even with a
    rare surname: no word of the dictionary, and no word running on into it from `above`."""
    names = names_in_writers_place(line)
    if not names:
        return False
    if any(_word_frequencies().get(text, 0) for text in [line.replace(" ", ""), *names]):
        return False
    return not _word_across(above, line)


def names_in_writers_place(piece: str) -> list[str]:
    """The names of a piece that stands where a layout sets the writer and nothing else, or [].

    The place vouches for the piece, so a name may be a word of the dictionary
    (高峰, 江河) and its surname a rare one; it must still start with a surname of the lists."""
    names = names_under_headline(piece, text_follows=True)
    return names if names and all(_surname_first(n) or n[0] in _RARE_SURNAMES for n in names) else []


def institution(line: str) -> str | None:
    """The institution a line under a headline names as the piece's author, or None.

    Several institutions may sign together ("某某研究院 某某研究中心"): the line
    is taken whole, its parts kept apart by a space.
    """
    line = _ORNAMENT.sub("", line).strip()
    parts = line.replace("、", " ").split()
    if not parts or len(line) > _INSTITUTION_MAX:
        return None
    return line if all(_INSTITUTION_NAME.fullmatch(part) for part in parts) else None


def names_on_byline(line: str) -> list[str]:
    """The authors of a line the layout marks as the byline (a PDF's "byline" role), or [].

    The place is certain, so names count with any surname of the lists, names
    printed without gaps are cut where surnames start, and an institution signs.
    """
    if names := byline(line) or names_under_headline(line, text_follows=True):
        return names
    if signer := institution(line):
        return [signer]
    run = _ORNAMENT.sub("", line).strip().replace(" ", "")
    if len(run) <= _UNSPACED_MAX and _NAME_RUN.fullmatch(run):
        return unspaced_names(run)
    return []


def unspaced_names(run: str) -> list[str]:
    """A run of names printed without gaps ("王某某李某"), cut where surnames start, or [].

    Each name is two or three characters after a surname of the lists (four after
    a compound one); of several cuts, the one with fewest names that are words wins.
    """
    best: list[str] | None = None
    for cut in _name_cuts(run):
        if best is None or _cut_cost(cut) < _cut_cost(best):
            best = cut
    return best if best and len(best) >= 2 else []


def _name_cuts(run: str) -> list[list[str]]:
    """Every way to cut `run` into names that start with a surname of the lists."""
    if not run:
        return [[]]
    cuts = []
    for size in (2, 3, 4):
        name = run[:size]
        if len(name) == size and _any_surname_first(name) and (size < 4 or name.startswith(_COMPOUND_SURNAMES)):
            cuts += [[name, *rest] for rest in _name_cuts(run[size:])]
    return cuts


def _cut_cost(names: list[str]) -> tuple[int, int]:
    """Names that are words of the dictionary or start with a rare surname, then the count of names."""
    doubtful = sum(1 for name in names if _common_word(name) or not _surname_first(name))
    return doubtful, len(names)


def _any_surname_first(name: str) -> bool:
    return _surname_first(name) or name[0] in _RARE_SURNAMES


def signs_headline(line: str) -> bool:
    """The line under a headline is its byline: a byline anywhere, or names where a byline stands."""
    return bool(byline(line) or names_under_headline(line))


def is_institution(line: str) -> bool:
    """A short run of Han characters alone under a headline: an institution signing it."""
    return _INSTITUTION.fullmatch(line) is not None


def opens_with_staff_title(text: str) -> bool:
    """The text starts with a newsroom's staff title ("本报记者…")."""
    return _STAFF_TITLE.match(text) is not None


def could_be_byline(piece: str) -> bool:
    """Short enough to be a byline or label joined by mistake (a staff byline may be
    longer, and so may a run of four to six names with gaps between them)."""
    if len(piece) <= BYLINE_MAX:
        return True
    piece = piece.strip()
    if opens_with_staff_title(piece):
        return len(piece) <= 2 * BYLINE_MAX
    return len(piece) <= _BYLINE_CHARS and " " in piece and _NAME_RUN.fullmatch(piece) is not None


def split_names(text: str) -> list[str]:
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
            names.append(pending)
            pending = ""
        names.append(token)
    if pending:
        names.append(pending)
    return names


def _surname_first(name: str) -> bool:
    return name[0] in _SURNAMES or name.startswith(_COMPOUND_SURNAMES)


def _name_length_fits(name: str) -> bool:
    """Two or three characters, or four after a compound surname."""
    return 2 <= len(name) <= 3 or (len(name) == 4 and name.startswith(_COMPOUND_SURNAMES))


def _looks_like_name(name: str) -> bool:
    """Two or three characters after a common surname (or four after a compound one)."""
    if name.startswith(_COMPOUND_SURNAMES):
        return 3 <= len(name) <= 4
    return 2 <= len(name) <= 3 and name[0] in _SURNAMES


@functools.cache
def _word_frequencies() -> dict[str, int]:
    """jieba's dictionary (word → frequency), loaded once per process."""
    frequencies: dict[str, int] = zh.load_jieba().dt.FREQ
    return frequencies


def _common_word(text: str) -> bool:
    """A word of the general dictionary (personal names are rare there)."""
    return _word_frequencies().get(text, 0) >= _COMMON_WORD_FREQ


def _word_across(above: str, line: str) -> bool:
    """A word of the dictionary runs from the end of `above` into the start of `line`."""
    return any(_common_word(above[-k:] + line[:m]) for k in range(1, 4) for m in range(1, 3) if len(above) >= k)
