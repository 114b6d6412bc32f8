"""PDF issues: read in order from the page geometry, furniture and pull quotes out, through the real CLI.

Fixtures in tests/data/pdf were made by `python benchmarks/make_pdfs.py --fixtures tests/data/pdf`
from one dev page: `chromium.pdf` (HTML/CSS columns printed by headless Chromium, with
Kangxi-radical code points in its ToUnicode maps), `weasyprint.pdf` (the same kind of page laid
out by WeasyPrint, which draws every border as a ring filled between two rectangles),
`reportlab.pdf` (a CID font without
ToUnicode, blocks drawn out of order, an article jumping to page 2), `wkhtmltopdf.pdf` (Qt WebKit:
explicit column boxes, each side of a border painted on its own, the body's white painted under the
last page's stories, lines left ragged), `xelatex.pdf` (XeLaTeX, of another dev page, with its reference
`xelatex.json`: labels boxed over centred headlines, marks squeezed to half width), `typst.pdf`
(Typst seed 223 of another page, with `typst.json`: a headline ending a page), `cairo.pdf`
(the WeasyPrint page written again by Cairo: borders as clipped fills with a stray move of the pen,
fonts declaring descents of their own), `scan.pdf`
(an image, no text layer) and `encrypted.pdf`; `reference.json` is the page's reference.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import shutil
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest
from pdfminer.high_level import extract_text

from conftest import Installation
from digest.extract import extract_page
from digest.extract.ideographs import MARKS, unify_ideographs
from digest.extract.pdf.furniture import find_furniture
from digest.extract.pdf.glyphs import Glyph, Shape, SheetPage, _frames, _ring_strips, read_sheets
from digest.extract.pdf.lines import TextLine, find_lines, make_line
from digest.extract.pdf.order import Block, Measure, ends_with_head, read_blocks
from digest.extract.pdf.units import Body, build_units
from digest.models import Page, RawIssue

ROOT = Path(__file__).resolve().parents[1]
PDFS = Path(__file__).parent / "data" / "pdf"
REFERENCE = json.loads((PDFS / "reference.json").read_text(encoding="utf-8"))
RADICALS = "\u2f49\u2f08\u2f47\u2f24\u2ea0\u2ed3\u2ec5\u2ed4"  # what the chromium fixture prints for 月人日大民长见门


@functools.cache
def page_of(name: str) -> Page:
    """A fixture's page, read once for all the tests that look at it."""
    path = PDFS / name
    return extract_page(RawIssue(id="x", origin=str(path), name=path.name, data=path.read_bytes()))


def _script(path: Path) -> ModuleType:
    """A script of the project or of shared/ as a module."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scorer(shared: Path) -> ModuleType:
    return _script(shared / "tools" / "score_parse.py")


def test_radicals_and_compatibility_ideographs_become_unified_ideographs() -> None:
    assert unify_ideographs("\u2f49\u2ea0\u2f08\uf900，（）") == "月民人豈，（）"
    assert unify_ideographs("普通文本，不变。") == "普通文本，不变。"


def test_a_radical_reads_as_the_simplified_chinese_fonts_draw_it() -> None:
    """Chromium prints 户 from Noto CJK SC as ⼾ (the font draws both with one glyph); Unicode's equivalent
    is 戶, a traditional form, which simplified text never holds."""
    assert unify_ideographs("农\u2f3e、住\u2f3e") == "农户、住户"
    assert "戶" not in unify_ideographs("\u2f3e")


def test_a_mark_the_fonts_draw_as_the_interpunct_reads_as_the_interpunct() -> None:
    """XeLaTeX prints a two-part label's 间隔号 from Noto Sans CJK SC, which draws it, the katakana
    middle dot and the hyphenation point with one glyph; xdvipdfmx names that glyph U+30FB."""
    assert unify_ideographs("思想\u30fb法治、甲\u2027乙") == "思想\u00b7法治、甲\u00b7乙"
    assert unify_ideographs("思想\u00b7法治") == "思想\u00b7法治"


def test_a_two_em_dash_reads_as_the_two_em_dashes_of_a_dash() -> None:
    """LuaLaTeX prints a deck's 破折号 (——) with the font's one two-em dash glyph and names it U+2E3A;
    xdvipdfmx names the 省略号's glyph U+22EF; Cairo writes Chromium's dash as U+2015."""
    assert unify_ideographs("\u2e3a学习某书") == "——学习某书"
    assert unify_ideographs("甲、乙\u22ef\u22ef") == "甲、乙\u2026\u2026"
    assert unify_ideographs("实践\u2015认识") == "实践\u2014认识"


def test_each_folded_mark_is_drawn_with_its_mark_s_glyph_by_a_simplified_chinese_font() -> None:
    fonts = _script(ROOT / "benchmarks" / "derive_ideograph_table.py").FONTS
    if not all(path.is_file() for path in fonts):
        pytest.skip(f"needs Debian's fonts-noto-cjk: {', '.join(map(str, fonts))}")
    from fontTools.ttLib import TTCollection

    faces = [face.getBestCmap() for path in fonts for face in TTCollection(str(path)).fonts
             if " SC" in face["name"].getDebugName(4)]
    for source, target in MARKS.items():
        if len(target) == 1:  # the two-em dash is a ligature of two marks, not one glyph's other name
            assert any(cmap.get(ord(source)) == cmap.get(ord(target)) is not None for cmap in faces), source


def test_the_shipped_ideograph_table_is_what_unicode_and_the_installed_fonts_derive() -> None:
    derive = _script(ROOT / "benchmarks" / "derive_ideograph_table.py")
    missing = [str(p) for p in (derive.SOURCE, *derive.FONTS) if not p.is_file()]
    if missing:
        pytest.skip(f"needs Debian's unicode-data and fonts-noto-cjk: no {', '.join(missing)}")
    assert derive.derive(derive.SOURCE, derive.FONTS) == derive.TARGET.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["chromium.pdf", "weasyprint.pdf"])
def test_a_pdf_page_reads_as_stories_with_its_typography(name: str) -> None:
    page = page_of(name)
    assert page.title == "人民日报 2026年5月6日 第9版 理论"  # from the running header, which is dropped
    assert page.media_type == "application/pdf"
    titles = [line for line in page.lines if line.role == "title"]
    assert [t.text for t in titles] == [a["title_alternatives"][0] for a in REFERENCE["articles"]]
    assert all(t.size and t.size > 2 for t in titles)
    assert [ln.text for ln in page.lines if ln.role == "byline"] == [" ".join(a["authors"])
                                                                       for a in REFERENCE["articles"]]
    assert not any("本版责编" in ln.text or ln.text.startswith("09") for ln in page.lines)


def test_kangxi_radicals_in_the_pdf_come_out_as_the_ideographs_meant() -> None:
    raw = extract_text(PDFS / "chromium.pdf")
    assert sum(raw.count(c) for c in RADICALS) > 50  # the fixture really carries them
    text = page_of("chromium.pdf").text
    assert not any(c in text for c in RADICALS)
    assert "人民" in text and "现代化" in text


@pytest.mark.parametrize("name", ["chromium.pdf", "weasyprint.pdf", "wkhtmltopdf.pdf", "xelatex.pdf"])
def test_a_boxed_pull_quote_is_left_out_once_its_sentence_is_in_the_text(name: str) -> None:
    lines = page_of(name).lines
    assert not any(line.boxed and len(line.text) > 15 for line in lines)  # only the short kicker labels are boxed


def test_a_story_jumping_to_the_next_page_is_joined_without_its_jump_notes() -> None:
    page = page_of("reportlab.pdf")
    assert "下转" not in page.text and "上接" not in page.text
    starts = [k for k, line in enumerate(page.lines) if line.role == "title"]
    assert len(starts) == len(REFERENCE["articles"])  # the continuation's head opens no new story
    for article, start, end in zip(REFERENCE["articles"], starts, [*starts[1:], len(page.lines)], strict=True):
        story = _norm("".join(line.text for line in page.lines[start:end]))
        assert _norm(article["last"]) in story, article["title"]  # each story ends in its own text


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.parametrize("name", ["reportlab.pdf", "weasyprint.pdf", "wkhtmltopdf.pdf", "cairo.pdf"])
def test_digest_parse_json_of_a_pdf_matches_the_reference(name: str, installation: Installation,
                                                          shared: Path, tmp_path: Path) -> None:
    result = installation.digest("parse", str(PDFS / name), "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # pdfminer's font warnings do not reach the operator
    report = scorer(shared).score_issue(REFERENCE, json.loads(result.stdout))
    assert report["articles"]["f1"] == 1.0, report["problems"]
    assert report["title_accuracy"] == 1.0 and report["authors_accuracy"] == 1.0, report["problems"]


@pytest.mark.parametrize("name", ["rmrb_2026-05-07_p09", "000_5eb1b97fbbdabd90"])
def test_shared_pdf_pages_parse_to_their_references(name: str, installation: Installation, shared: Path) -> None:
    result = installation.digest("parse", str(shared / "eval" / "pdf" / f"{name}.pdf"), "--json")
    assert result.returncode == 0, result.stderr
    gold = json.loads((shared / "eval" / "pdf" / f"{name}.json").read_text(encoding="utf-8"))
    report = scorer(shared).score_issue(gold, json.loads(result.stdout))
    assert report["articles"]["f1"] == 1.0, report["problems"]


def test_an_xelatex_page_reads_as_its_reference_and_every_paragraph_as_written(installation: Installation,
                                                                               shared: Path) -> None:
    """XeLaTeX (xdvipdfmx writes the PDF): column labels boxed over centred headlines, one holding a
    间隔号 the font draws as the katakana middle dot, marks squeezed to half width."""
    result = installation.digest("parse", str(PDFS / "xelatex.pdf"), "--json")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    report = scorer(shared).score_issue(json.loads((PDFS / "xelatex.json").read_text(encoding="utf-8")), parsed)
    assert report["articles"]["f1"] == 1.0 and report["section_accuracy"] == 1.0, report["problems"]
    assert report["title_accuracy"] == 1.0 and report["authors_accuracy"] == 1.0, report["problems"]
    source = (shared / "eval" / "pages" / "rmrb_2026-06-09_p09.txt").read_text(encoding="utf-8").splitlines()
    read = {_norm(text) for article in parsed["articles"] for text in article["paragraphs"]}
    written = [_norm(line) for line in source if len(line) > 60]  # running text, not heads or notes
    assert [text for text in written if text not in read] == []


def test_a_byline_opening_the_page_after_its_headline_is_its_story_s(installation: Installation,
                                                                       shared: Path) -> None:
    """Typst ends a page with a story's headline and opens the next with its byline, in 11 points over
    10.5-point text, centred over the third column: it was read as that column's first line and ran
    into the paragraph coming from the second column, mid-word."""
    result = installation.digest("parse", str(PDFS / "typst.pdf"), "--json")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    report = scorer(shared).score_issue(json.loads((PDFS / "typst.json").read_text(encoding="utf-8")), parsed)
    assert report["articles"]["f1"] == 1.0 and report["authors_accuracy"] == 1.0, report["problems"]
    byline = next(a["authors"][0] for a in parsed["articles"] if a["title"].startswith("深化人才评价改革"))
    assert not any(byline in text for article in parsed["articles"] for text in article["paragraphs"])


def test_a_page_after_a_headline_reads_the_lone_line_over_its_columns_first() -> None:
    """The byline of a story whose headline ended the page before stands alone over the columns,
    where no column line starts; on a page that follows no headline, such a line is left to the cut."""
    byline = _printed("某作者", 410, 66, 11.0)
    columns = _three_columns(83)
    lines = [byline, *(ln for column in columns for ln in column)]
    order = [ln.text for block in read_blocks(lines, [], BODY, under_head=True) for ln in block.lines]
    assert order[0] == byline.text and order[1:] == [ln.text for column in columns for ln in column]
    headline = Block((_printed("页末的标题", 200, 1100, 30.0),))
    assert ends_with_head([Block(tuple(columns[0])), headline], BODY)
    assert not ends_with_head([headline, Block(tuple(columns[0]))], BODY)


@pytest.mark.parametrize(("name", "says"), [("scan.pdf", "no text layer"), ("encrypted.pdf", "encrypted")])
def test_an_unreadable_pdf_gets_one_clear_line(name: str, says: str, installation: Installation) -> None:
    result = installation.digest("parse", str(PDFS / name))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and name in result.stderr and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_pdf_gets_one_clear_line(installation: Installation, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes((PDFS / "reportlab.pdf").read_bytes()[:3000])
    result = installation.digest("parse", str(broken))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "broken.pdf" in result.stderr and "damaged" in result.stderr


def test_digest_run_takes_pdfs_from_the_inbox_also_when_named_txt(installation: Installation) -> None:
    for sample in installation.inbox.glob("*"):
        sample.unlink()
    shutil.copy(PDFS / "reportlab.pdf", installation.inbox / "page.pdf")
    shutil.copy(PDFS / "chromium.pdf", installation.inbox / "mislabelled.txt")  # read as what it is
    shutil.copy(PDFS / "scan.pdf", installation.inbox / "scan.pdf")
    config = installation.config.read_text(encoding="utf-8").replace(
        '[inbox]\nfolder = "inbox"\n', '[inbox]\nfolder = "inbox"\npatterns = ["*.txt", "*.pdf"]\n')
    installation.config.write_text(config, encoding="utf-8")
    result = installation.digest("run")
    assert result.returncode == 1  # the scan is reported, the others go out
    assert result.stderr.strip().count("\n") == 0 and "scan.pdf" in result.stderr, result.stderr
    emls = installation.emls()
    assert len(emls) == 1
    mail = emls[0].read_bytes()
    assert b"Subject:" in mail
    again = installation.digest("run")
    assert len(installation.emls()) == 1 and "page.pdf" not in again.stderr


def _printed(text: str, x0: float, top: float, size: float) -> TextLine:
    """A line as the extractor finds it: its box from its place and type size."""
    return TextLine(text, x0, top, x0 + size * len(text), top + size, size, "Song", False)


def _set(text: str, x0: float, top: float, size: float, spread: float = 0.0) -> list[Glyph]:
    """Glyphs of a line set edge to edge, `spread` points apart (a justified line)."""
    step = size + spread
    return [Glyph(c, x0 + step * k, top, x0 + step * k + size, top + size, size, "Song", False)
            for k, c in enumerate(text)]


def test_running_text_at_the_foot_of_a_page_is_no_furniture() -> None:
    """A page whose columns run down to its foot, where the running header is printed again: the
    column lines there hold a date inside a clause, or sit level with the tall page number, and stay;
    so does a column label level with the editors' credit. The header rows and the credit go."""
    header = [_printed("09理论", 34, 1127.5, 26.0), _printed("2026年5月19日", 404, 1144.5, 9.0),
              _printed("人民日报", 747, 1138.5, 15.0)]
    header_top = [_printed("09理论", 34, 16.0, 26.0), _printed("2026年5月19日", 404, 33.0, 9.0),
                  _printed("人民日报", 747, 27.0, 15.0)]
    dated = [_printed("2025年5月20日，民营经", 55, 1112.2, 10.5),
             _printed("首部专门关于民营经济发展的", 191, 1112.2, 10.5)]
    level = [_printed("济促进法正式施行。作为我国", 34, 1128.0, 10.5),
             _printed("高质量发展筑牢法治根", 531, 1128.0, 10.5)]
    body = [_printed("正文第一行，在页眉之下。", 34, 200.0, 10.5)]
    first = [*header_top, *body, *dated, *level, *header]
    # Page two opens with a story's column label level with the editors' credit at the right.
    kicker, credit = _printed("思想纵横", 39, 49.8, 11.0), _printed("本版责编：林 木 版式设计：石 川", 667, 52.3, 8.5)
    second = [*header_top, kicker, credit, *body, *header]
    sheets = [SheetPage(n, 842.0, 1191.0, (), (), 0) for n in (1, 2)]
    furniture = find_furniture(sheets, [first, second])
    kept = [first[k].text for k in range(len(first)) if k not in furniture[0]]
    assert kept == [line.text for line in body + dated + level]
    assert [second[k].text for k in range(len(second)) if k not in furniture[1]] == [kicker.text, body[0].text]


def test_a_column_label_two_pages_repeat_over_their_headlines_is_no_running_header() -> None:
    """Two stories of one column each open a page: their label stands at the same place near the top
    of both pages, as a running header would, but right over a headline. It stays; the header goes."""
    sheets = [SheetPage(n, 842.0, 1191.0, (), (), 0) for n in (1, 2)]
    pages = []
    for title in ("以开放合作推动科技自立自强", "增强粮食安全保障能力"):
        header = [_printed("09理论", 53, 22.0, 26.0), _printed("2026年7月10日", 409, 37.0, 9.0),
                  _printed("人民日报", 748, 32.0, 15.0)]
        label, headline = _printed("专题深思", 56, 79.0, 11.0), _printed(title, 82, 106.0, 24.0)
        pages.append([*header, label, headline, _printed("正文第一行，在标题之下。", 34, 160.0, 9.5)])
    furniture = find_furniture(sheets, pages)
    for page, marked in zip(pages, furniture, strict=True):
        assert [page[k].text for k in range(len(page)) if k not in marked] == [ln.text for ln in page[3:]]


def test_a_column_line_centred_on_a_footer_piece_stays_with_its_column() -> None:
    """Columns run down over the footer's row (its tall page number, its date): the column lines
    centred on the row's middle, a full line and a paragraph's short last one, hold clause marks and
    are running text, not pieces of the row. The row's own pieces still go."""
    footer = [_printed("09理论", 34, 1127.5, 26.0), _printed("2026年7月3日", 404, 1136.0, 9.0),
              _printed("人民日报", 747, 1133.0, 15.0)]
    centred = [_printed("民主，加强党和群众的联系。这些", 34, 1135.3, 10.5), _printed("汇聚力量。", 559, 1135.3, 10.5)]
    body = [_printed("正文第一行，在页眉之下。", 34, 200.0, 10.5)]
    page = [*body, *centred, *footer]
    furniture = find_furniture([SheetPage(1, 842.0, 1191.0, (), (), 0)], [page])
    assert [page[k].text for k in range(len(page)) if k not in furniture[0]] == [line.text for line in body + centred]


def _rectangle(x0: float, y0: float, x1: float, y1: float, clockwise: bool = False) -> list[tuple[object, ...]]:
    """A rectangle subpath as pdfminer hands `re` to the device: m l l l h."""
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    corners = corners[::-1] if clockwise else corners
    return [("m", *corners[0]), *(("l", *c) for c in corners[1:]), ("h",)]


def _boxes(paths: list[list[tuple[object, ...]]] | None) -> list[tuple[float, ...]]:
    return [tuple(float(v) for s in path[:3:2] for v in s[1:]) for path in paths or []]


def _cairo_type3_pdf(glyphs: list[tuple[str, tuple[float, float, float, float], float]]) -> bytes:
    """A page as Cairo writes one: each glyph a Type 3 font of its own, the font matrix flipped, the
    font's box its glyph's ink bounds; the glyphs (text, ink box, x) at one baseline, 10 points tall."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    fonts, show = [], []
    for k, (text, bbox, x) in enumerate(glyphs):
        cmap = (f"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U{k} def "
                f"1 begincodespacerange <00> <ff> endcodespacerange 1 beginbfchar <00> <{ord(text):04X}> "
                "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
        base = len(objects) + 1
        objects += [f"<< /Type /Font /Subtype /Type3 /FontBBox [{' '.join(map(str, bbox))}] /FontMatrix [1 0 0 -1 0 0]"
                    f" /Encoding << /Type /Encoding /Differences [0 /g] >> /CharProcs << /g {base + 1} 0 R >>"
                    f" /FirstChar 0 /LastChar 0 /Widths [1] /Resources << >> /ToUnicode {base + 2} 0 R >>",
                    "<< /Length 8 >>\nstream\n1 0 d0\n\nendstream",
                    f"<< /Length {len(cmap)} >>\nstream\n{cmap}\nendstream"]
        fonts.append(f"/F{k} {base} 0 R")
        show.append(f"BT /F{k} 1 Tf 10 0 0 -10 {x} 100 Tm <00> Tj ET")
    content = "1 0 0 -1 0 842 cm " + " ".join(show)
    objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
    objects[1] = (f"<< /Type /Pages /Count 1 /Kids [{len(objects) + 1} 0 R] >>")
    objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {len(objects)} 0 R"
                   f" /Resources << /Font << {' '.join(fonts)} >> >> >>")
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return out + f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def test_glyphs_of_one_line_share_its_row_whatever_their_fonts_declare() -> None:
    """Cairo writes each glyph as a Type 3 font whose box is the glyph's ink: an ideograph's reaches
    0.84 em over the baseline, a comma's 0.15. pdfminer set each glyph's box by that box's bottom,
    so the comma's stood 0.7 em under the ideographs' and the line read as two rows."""
    pdf = _cairo_type3_pdf([("现", (0.04, -0.84, 0.96, 0.07), 100.0), ("代", (0.05, -0.8, 0.95, 0.08), 110.0),
                            ("，", (0.1, -0.15, 0.3, 0.1), 120.0), ("化", (0.05, -0.8, 0.95, 0.08), 130.0)])
    sheet = read_sheets(pdf, "type3.pdf")[0]
    assert [g.text for g in sheet.glyphs] == ["现", "代", "，", "化"]
    assert len({(g.top, g.bottom) for g in sheet.glyphs}) == 1
    assert [line.text for line in find_lines(sheet.glyphs, [])] == ["现代，化"]


def test_a_ring_filled_between_two_rectangles_paints_its_sides_not_a_box() -> None:
    # a story's top border: the ring is the strip at the top, the rest of the story is not boxed
    top_border = _ring_strips(_rectangle(34, 504, 808, 1092) + _rectangle(34, 504, 808, 1091), evenodd=True)
    assert _boxes(top_border) == [(34, 1091, 808, 1092)]
    # a frame (a border on all four sides) stays one box round what it holds
    frame = _ring_strips(_rectangle(34, 1064, 90, 1085) + _rectangle(35, 1065, 89, 1084), evenodd=True)
    assert _boxes(frame) == [(34, 1064, 90, 1085)]
    # under the nonzero rule two rectangles wound alike fill the outer whole; wound apart, a ring
    assert _ring_strips(_rectangle(0, 0, 100, 100) + _rectangle(0, 0, 100, 99), evenodd=False) is None
    wound_apart = _rectangle(0, 0, 100, 100) + _rectangle(0, 0, 100, 99, clockwise=True)
    assert _boxes(_ring_strips(wound_apart, evenodd=False)) == [(0, 99, 100, 100)]
    assert _ring_strips(_rectangle(0, 0, 10, 10) + _rectangle(20, 20, 30, 30), evenodd=True) is None  # apart
    # Cairo writes a border as two rectangles and a last move of the pen that draws nothing
    redrawn = _ring_strips(_rectangle(34, 504, 808, 1092) + _rectangle(34, 504, 808, 1091) + [("m", 34, 1092)],
                           evenodd=True)
    assert _boxes(redrawn) == [(34, 1091, 808, 1092)]


def test_four_rules_meeting_at_their_ends_are_the_frame_they_draw() -> None:
    # Qt paints each side of a bordered label as a thin rectangle of its own (the last one twice)
    sides = [_rule(34, 88, 353, 89), _rule(34, 103, 353, 104), _rule(34, 88, 35, 104), _rule(352, 88, 353, 104),
             _rule(352, 88, 353, 104)]
    story_rule, column_rule = _rule(34, 400, 808, 401), _rule(421, 420, 422, 900)
    assert _frames([*sides, story_rule, column_rule]) == [story_rule, column_rule, Shape(34, 88, 353, 104)]
    # three sides, or sides that do not meet, draw no frame
    assert _frames(sides[:3]) == sides[:3]
    apart = [sides[0], sides[1], _rule(34, 88, 35, 96), sides[3]]
    assert _frames(apart) == apart


def test_the_white_painted_under_a_page_s_stories_is_no_box_round_them() -> None:
    sheets = read_sheets((PDFS / "wkhtmltopdf.pdf").read_bytes(), "wkhtmltopdf.pdf")
    assert len(sheets) >= 2  # the last page holds the end of the issue: its white fill is under half the page
    for sheet in sheets:
        boxes = [s for s in sheet.shapes if not s.is_rule]
        assert boxes and all((b.x1 - b.x0) * (b.bottom - b.top) < 0.1 * sheet.width * sheet.height for b in boxes)


def _paragraphs(lines: list[TextLine]) -> list[str]:
    body = Body(Measure(size=10.0, line_gap=6.0), "Song", False)
    return [unit.text for unit in build_units([[Block(tuple(lines))]], body)]


def test_a_page_that_indents_its_paragraphs_opens_them_only_at_an_indent() -> None:
    """Qt sets Chinese text ragged (no justification) and breaks a line a character early to keep a
    mark off the next line's start, after a full stop too: in a page that sets in each paragraph's
    first line, a line stopping short ends no paragraph."""
    rows = [("　　第一段第一行，开头缩进两字，字数排满", 40),
            ("一栏，第二行写到这里提前断开了", 20),  # ragged: five characters short, mid-sentence
            ("因为下一行开头不能是标点。", 20),  # short and ends a sentence: the paragraph's end
            ("　　第二段开头缩进，这一行也排满了一整栏", 40),
            ("字数，然后这一行在句号后面断开。", 20),  # short after a full stop: the next line opens a quote
            ("“引号不能留在行末”，所以这段还在继续。", 20),
            ("　　第三段开头缩进，很短。", 40),
            ("　　第四段开头缩进，是最后一段了，就此", 40),
            ("结束。", 20)]
    lines = [_printed(text.lstrip("　"), x0, 100 + 16 * k, 10.0) for k, (text, x0) in enumerate(rows)]
    assert _paragraphs(lines) == [
        "第一段第一行，开头缩进两字，字数排满一栏，第二行写到这里提前断开了因为下一行开头不能是标点。",
        "第二段开头缩进，这一行也排满了一整栏字数，然后这一行在句号后面断开。“引号不能留在行末”，所以这段还在继续。",
        "第三段开头缩进，很短。", "第四段开头缩进，是最后一段了，就此结束。"]
    # a page that sets its paragraphs flush, with no indent, ends them where a line stops short
    flush = [_printed(text.lstrip("　"), 20, 100 + 16 * k, 10.0) for k, (text, _) in enumerate(rows)]
    assert len(_paragraphs(flush)) > 4


def test_a_heading_in_body_type_after_a_paragraph_s_end_stands_alone() -> None:
    """Cairo writes a Chromium page's fonts as Type 3 fonts with no name, so a subheading set flush
    in bold body type is body type to the reader; on a page that indents its paragraphs it ran into
    the paragraph above, whose last line stops short after a full stop."""
    rows = [("　　第一段第一行，开头缩进两字，字数排满", 40), ("一栏，到这里写完了。", 20),
            ("　　第二段开头缩进，这一行也排满了一整栏", 40), ("字数，然后在这里结束。", 20),
            ("　　第三段开头缩进，这一行也排满了一整栏", 40), ("字数，然后在这里结束。", 20),
            ("小标题不带句号", 20),
            ("　　第四段开头缩进，这一行也排满了一整栏", 40), ("字数，就此结束。", 20)]
    lines = [_printed(text.lstrip("　"), x0, 100 + 16 * k, 10.0) for k, (text, x0) in enumerate(rows)]
    assert _paragraphs(lines)[2:] == ["第三段开头缩进，这一行也排满了一整栏字数，然后在这里结束。", "小标题不带句号",
                                      "第四段开头缩进，这一行也排满了一整栏字数，就此结束。"]


def test_a_paragraph_s_tail_at_a_page_s_top_goes_on_whatever_a_byline_below_it_stands_at() -> None:
    """A page opens with a story's last two rows in two columns; under them the next story's byline,
    in nearly the body's size, is centred a little left of the second column. The tail's own lines
    are too few to show where that column starts, and the byline is no column text: the second
    column's lines go on the paragraph, not open new ones."""
    size = 10.0
    first, second = "第一栏的第一行文字排满了一整栏", "第一栏的第二行文字也排满了一整"
    third = "栏，接着写到第二栏又排满了一栏"
    tail = [Block((_printed(first, 34, 89, size), _printed(second, 34, 110, size))),
            Block((_printed(third, 428, 89, size), _printed("的字数。", 428, 110, size)))]
    byline = Block((_printed("杨果", 410, 240, 10.5),))
    story = [Block(tuple(_printed(f"下一篇的第{k}行排满整整一栏文字", x0, 270 + 20 * k, size) for k in range(6)))
             for x0 in (34, 311, 588)]  # columns as wide as the tail's: 15 characters
    units = build_units([[*tail, byline, *story]], Body(Measure(size=size, line_gap=6.0), "Song", False))
    assert units[0].text == first + second + third + "的字数。"


BODY = Measure(size=10.0, line_gap=5.0)


def _column(x0: float, top: float, texts: list[str]) -> list[TextLine]:
    return [_printed(text, x0, top + 15 * k, 10.0) for k, text in enumerate(texts)]


def _three_columns(top: float, rows: int = 8) -> list[list[TextLine]]:
    """Three columns of body lines from `top`, starting at x 20, 125 and 230."""
    return [_column(x0, top, [f"{name}栏第{k}行" for k in range(1, rows + 1)])
            for x0, name in ((20, "一"), (125, "二"), (230, "三"))]


def _reading_order(lines: list[TextLine], rules: Sequence[Shape] = ()) -> list[str]:
    """The lines' texts in the order the blocks read them."""
    return [ln.text for block in read_blocks(lines, rules, BODY) for ln in block.lines]


def _rule(x0: float, top: float, x1: float, bottom: float) -> Shape:
    return Shape(x0, top, x1, bottom)


def test_a_label_boxed_over_a_short_centred_headline_is_read_before_it() -> None:
    """XeLaTeX sets a story's boxed column label at the left, and a headline shorter than the page
    centred a headline's leading under it: no line under the label in its column comes before the
    story's first column line, yet the label is the head's first line."""
    above = _column(20, 40, [f"上一篇第{k}行" for k in range(1, 5)])
    label, box = _printed("思想纵横", 23, 102, 11.0), Shape(20.0, 99.0, 70.0, 116.0)
    headline, byline = _printed("居中的标题", 130, 138, 30.0), _printed("某作者", 170, 176, 11.0)
    columns = [_column(x0, 200, [f"{name}栏第{k}行" for k in range(1, 5)]) for x0, name in ((20, "一"), (230, "二"))]
    lines = [*above, label, headline, byline, *(ln for column in columns for ln in column)]
    order = [ln.text for block in read_blocks(lines, [box], BODY) for ln in block.lines]
    assert order[4:8] == [label.text, headline.text, byline.text, columns[0][0].text]


def test_a_label_over_a_headline_at_a_page_s_foot_is_read_before_it() -> None:
    """A story's head set at a page's foot, its columns on the next page: the label over the
    headline has no line under it in its column, and is read before the headline, not last."""
    columns = [_column(x0, 40, [f"{name}栏第{k}行" for k in range(1, 5)]) for x0, name in ((20, "一"), (230, "二"))]
    label, box = _printed("有的放矢", 23, 112, 11.0), Shape(20.0, 109.0, 70.0, 126.0)
    headline, byline = _printed("页脚的标题", 130, 148, 30.0), _printed("某作者", 170, 186, 11.0)
    lines = [*(ln for column in columns for ln in column), label, headline, byline]
    order = [ln.text for block in read_blocks(lines, [box], BODY) for ln in block.lines]
    assert order[-3:] == [label.text, headline.text, byline.text]


def test_an_over_title_reaching_past_a_column_rule_is_read_with_its_headline_before_the_columns() -> None:
    """A left-set over-title ends just past the first column rule, the headline is centred over the
    columns and the rules run from the columns' top down: the head is read first, then column by column."""
    over = _printed("上方小标题文字", 20, 100, 14.0)  # 20 to 118, past the rule at 115
    headline = _printed("居中的大标题", 150, 125, 24.0)
    columns = _three_columns(180, rows=25)
    rules = [_rule(115, 175, 115.6, 560), _rule(220, 175, 220.6, 560)]  # down the columns' 25 lines
    lines = [*(ln for column in columns for ln in column), headline, over]
    order = _reading_order(lines, rules)
    assert order == [over.text, headline.text, *(ln.text for column in columns for ln in column)]


def test_a_pull_quote_at_the_foot_of_a_column_stays_with_the_story_above_the_next_one_s_rule() -> None:
    """A boxed quote ends column two of a story; a rule under it opens the next story, whose
    over-title sits at the left and whose headline spans the page: the quote is read inside the
    story above, not between the next story's over-title and headline."""
    first = [_column(20, 100, ["甲栏第一行文字", "甲栏第二行文字"]), _column(160, 100, ["乙栏第一行文字"])]
    quote = _printed("框里的引语", 165, 130, 12.0)
    box = Shape(160, 126, 290, 150)
    over = _printed("下篇上方小标题", 20, 170, 14.0)
    headline = _printed("下一篇的大标题", 110, 192, 24.0)
    second = _column(20, 240, ["下篇正文第一行文字"])
    rules = [_rule(20, 160, 300, 160.6)]
    lines = [*first[0], *first[1], quote, over, headline, *second]
    order = _reading_order(lines, [*rules, box])
    assert order.index(quote.text) < order.index(over.text) < order.index(headline.text)
    assert order.index(first[1][0].text) < order.index(quote.text)


def test_a_byline_in_a_size_of_its_own_set_close_over_the_columns_is_read_before_them() -> None:
    """Some typesetters set the byline closer over the columns than the text's own line spacing;
    its size still tells it from the text, and it is not read as a line of the column it sits over."""
    headline = _printed("居中的大标题", 150, 100, 20.0)
    byline = _printed("作者名", 185, 131, 11.0)  # over the second column, 3 points above the columns
    columns = _three_columns(145)
    lines = [*(ln for column in columns for ln in column), byline, headline]
    order = _reading_order(lines)
    assert order == [headline.text, byline.text, *(ln.text for column in columns for ln in column)]


def test_a_byline_at_the_top_of_a_page_whose_headline_ended_the_page_before_is_read_before_the_columns() -> None:
    """A story's headline is the last thing on one page; its byline, in a size of its own, opens the
    next page over the second column and closer over the columns than the line spacing. With no
    headline above it, it still starts where no column line starts: head matter, read first."""
    byline = _printed("作者名", 185, 131, 11.0)
    columns = _three_columns(145)
    lines = [*(ln for column in columns for ln in column), byline]
    assert _reading_order(lines) == [byline.text, *(ln.text for column in columns for ln in column)]


def test_a_byline_in_the_body_s_size_centred_close_over_the_columns_is_read_before_them() -> None:
    """The byline is set in the text's own size and closer over the columns than the line spacing,
    centred under the headline: it starts where no column line starts, so it is no column's first line."""
    headline = _printed("居中的大标题", 150, 100, 20.0)
    byline = _printed("作者名", 185, 131, 10.2)  # inside the second column's width, 4 points above it
    columns = _three_columns(145)
    lines = [*(ln for column in columns for ln in column), byline, headline]
    order = _reading_order(lines)
    assert order == [headline.text, byline.text, *(ln.text for column in columns for ln in column)]


def test_a_deck_across_the_gutters_close_over_the_columns_is_read_before_them() -> None:
    """Under the headline, a deck that runs across the columns' gutters and a byline, both in the
    text's size, flush with the first column and closer over the columns than the line spacing:
    no column line crosses a gutter, so the two are head matter, read before the columns."""
    headline = _printed("居中的大标题", 150, 80, 20.0)
    deck = _printed("——副题写得比一栏还要宽许多的一行文字", 21, 116, 10.2)  # 21 to 225: across two gutters
    byline = _printed("作者名", 21, 131, 10.2)
    columns = _three_columns(145)
    lines = [*(ln for column in columns for ln in column), byline, deck, headline]
    order = _reading_order(lines)
    assert order == [headline.text, deck.text, byline.text, *(ln.text for column in columns for ln in column)]


def test_a_story_two_rows_deep_at_the_page_foot_is_read_column_by_column() -> None:
    """A story opening at the foot of a page has room for two rows of its columns only: two rows are
    columns still (one row with wide spaces would not be), read down each column before the next."""
    headline = _printed("页脚处的标题", 150, 100, 20.0)
    columns = [[_printed(f"{name}栏第{k}行文字", x0, 130 + 13 * (k - 1), 10.0) for k in (1, 2)]
               for x0, name in ((20, "一"), (125, "二"), (230, "三"))]
    lines = [*(ln for column in columns for ln in column), headline]
    order = _reading_order(lines)
    assert order == [headline.text, *(ln.text for column in columns for ln in column)]


def test_an_over_title_beside_a_headline_across_white_gutters_is_read_with_it() -> None:
    """A left-set over-title over the first column, the headline centred over the others and no
    rules between the columns: one story's head, not two stories side by side."""
    over = _printed("上方小标题", 20, 100, 14.0)
    headline = _printed("居中的大标题", 140, 124, 20.0)
    columns = _three_columns(160)
    lines = [*(ln for column in columns for ln in column), headline, over]
    order = _reading_order(lines)
    assert order == [over.text, headline.text, *(ln.text for column in columns for ln in column)]


def test_a_hung_opening_quote_does_not_narrow_the_gutter() -> None:
    """A typesetter hanging punctuation sets an opening quote's box out into the gutter; its ink, in
    the box's right half, is where the line starts."""
    quote = Glyph("“", 555.0, 100.0, 565.0, 110.0, 10.0, "Song", False)
    text = _set("好的", 565.0, 100.0, 10.0)
    assert make_line([quote, *text]).x0 == 560.0
    assert make_line(text).x0 == 565.0


def test_two_columns_lines_with_marks_hung_into_the_gutter_are_two_lines() -> None:
    """Two columns, 9.5-point text ending at 217.5 and starting at 230.8. In one row the first
    column's line ends in a closing mark hung out past its edge and the second's opens with a
    bracket hung in before its edge: their boxes come closer than a gap that ends a line, their ink
    stands at the columns' edges. A quote inside a justified line keeps its line whole."""
    size = 9.5
    glyphs = []
    for top in range(100, 184, 14):
        glyphs += _set("一栏的文字排满一行", 132.0, top, size) + _set("二栏的文字排满一行", 230.8, top, size)
    glyphs += _set("诗经》", 193.76, 184.0, size) + _set("（作者为", 226.56, 184.0, 8.5)
    glyphs += _set("坚持既“向上看看”", 132.0, 198.0, size, spread=1.11)
    lines = sorted(find_lines(glyphs, []), key=lambda ln: (ln.top, ln.x0))
    assert [ln.text for ln in lines[-3:]] == ["诗经》", "（作者为", "坚持既“向上看看”"]
    assert len(lines) == 15


def test_squeezed_marks_read_in_the_order_their_ink_stands() -> None:
    """xeCJK squeezes two marks in a row: each loses its white half and their boxes lie over one
    another. In 出：“要 (the glyphs of an XeLaTeX page) the quote's box starts 0.2 pt before the
    colon's; in 针”“定 the opening quote's box starts before the closing one's."""
    size = 9.46
    colon = [Glyph("出", 242.23, 190.0, 251.70, 199.5, size, "Song", False),
             Glyph("“", 251.47, 190.0, 260.94, 199.5, size, "Song", False),
             Glyph("：", 251.70, 190.0, 261.16, 199.5, size, "Song", False),
             Glyph("要", 260.94, 190.0, 270.40, 199.5, size, "Song", False)]
    quotes = [Glyph("针", 100.0, 300.0, 110.0, 310.0, 10.0, "Song", False),
              Glyph("”", 110.0, 300.0, 120.0, 310.0, 10.0, "Song", False),
              Glyph("“", 109.8, 300.0, 119.8, 310.0, 10.0, "Song", False),
              Glyph("定", 119.8, 300.0, 129.8, 310.0, 10.0, "Song", False)]
    lines = sorted(find_lines([*colon, *quotes], []), key=lambda ln: ln.top)
    assert [ln.text for ln in lines] == ["出：“要", "针”“定"]


def test_a_closing_quote_whose_white_half_overhangs_the_column_ends_its_line() -> None:
    """xeCJK drops the white half of a closing mark at a line's end: the quote's box reaches half an
    em past the column's edge, 0.59 em short of the next column's text, while its ink stops a gutter
    away from it (the glyphs of an XeLaTeX page)."""
    size = 9.46
    first = _set("三期叠加", 243.46, 860.0, size) + [Glyph("’", 281.30, 860.0, 290.77, 869.5, size, "Song", False)]
    lines = sorted(find_lines([*first, *_set("提出了", 296.38, 860.0, size)], []), key=lambda ln: ln.x0)
    assert [ln.text for ln in lines] == ["三期叠加’", "提出了"]


def test_two_columns_lines_whose_marks_overhang_the_gutter_from_both_sides_are_two_lines() -> None:
    """xeCJK drops a line-end comma's white half and a line-start quote's: the comma's box reaches
    2.6 points past its column's edge (its ink, narrower than half the box, does not), the quote's
    begins before the next column's edge, and the two boxes come closer than a gap that ends a line."""
    size = 10.46
    glyphs = []
    for top in range(600, 700, 19):  # two columns whose lines end at 611 and start at 625
        glyphs += _set("一栏的文字排满了一行", 506.4, top, size) + _set("二栏的文字排满了一行", 625.0, top, size)
    marks = [Glyph("，", 608.35, 761.0, 618.81, 771.5, size, "Song", False),
             Glyph("“", 619.42, 761.0, 629.88, 771.5, size, "Song", False)]
    glyphs += _set("不可替代现代化", 535.1, 761.0, size) + marks
    glyphs += _set("放得活", 629.88, 761.0, size)
    row = sorted((ln for ln in find_lines(glyphs, []) if ln.top == 761.0), key=lambda ln: ln.x0)
    assert [ln.text for ln in row] == ["不可替代现代化，", "“放得活"]


def test_a_line_of_chinese_is_in_the_face_of_its_han_characters() -> None:
    """In 2025 年 5 月 20 日，民营经 the digits, set in the companion Latin face, are most of the
    glyphs; the line is body text in the body's face all the same."""
    han = [Glyph(c, 100.0 + 10 * k, 50.0, 110.0 + 10 * k, 60.0, 10.0, "Song", False)
           for k, c in enumerate("年月日，民营经")]
    digits = [Glyph(c, 20.0 + 6 * k, 50.0, 26.0 + 6 * k, 60.0, 10.0, "DejaVuSerif", False)
              for k, c in enumerate("20250520")]
    assert make_line(sorted([*han, *digits], key=lambda g: g.x0)).font == "Song"


def test_white_a_justified_line_opens_inside_a_column_is_no_gutter() -> None:
    """Five narrow justified columns: xeCJK squeezes a stop and a comma to half their width and
    stretches the glue after them, opening more than a gap that ends a line. The lines just above
    and below have ink across that white, so it is inside the column; two columns' lines side by
    side, white down the rows between them, stay apart."""
    size = 9.46
    glyphs = []
    for top in (1020.0, 1039.0, 1077.0):  # the column's other lines, justified edge to edge
        glyphs += _set("与改革发展稳定相协同不能", 663.7, top, size, spread=2.6)
    squeezed = [Glyph("”", 692.08, 1058.0, 701.54, 1067.5, size, "Song", False),  # both marks at half width
                Glyph("。", 692.74, 1058.0, 702.20, 1067.5, size, "Song", False)]
    glyphs += _set("平正义", 663.7, 1058.0, size) + squeezed + _set("从价值导向看", 709.0, 1058.0, size)
    glyphs += [Glyph("，", 765.8, 1058.0, 775.26, 1067.5, size, "Song", False), *_set("法治是", 778.9, 1058.0, size)]
    for top in (1020.0, 1039.0, 1058.0, 1077.0):  # the column before, 13 points to the left
        glyphs += _set("都会影响全局法治与改革发", 506.3, top, size, spread=2.6)
    lines = sorted(find_lines(glyphs, []), key=lambda ln: (ln.top, ln.x0))
    row = [ln.text for ln in lines if ln.top == 1058.0]
    assert row == ["都会影响全局法治与改革发", "平正义”。从价值导向看，法治是"]


def test_a_narrow_justified_line_spread_after_a_stop_is_one_line() -> None:
    """Chromium justifies a twelve-character column line by spreading every character 1.55 points;
    after a full stop, drawn in the left half of its box, the white reached 0.65 em and the line was
    cut in two (a paragraph broken mid-sentence). The gutter, 1.4 em, still parts two columns."""
    size = 10.5
    glyphs = _set("播减阻。这种建立在深刻认", 507.0, 334.0, size, spread=1.55)
    glyphs += _set("一栏里的一行字", 349.0, 334.0, size, spread=0.2)  # the column before, 15 points to the left
    lines = sorted(find_lines(glyphs, []), key=lambda ln: ln.x0)
    assert [ln.text for ln in lines] == ["一栏里的一行字", "播减阻。这种建立在深刻认"]


def test_a_deck_in_body_type_opens_no_paragraph_the_byline_under_it_runs_on() -> None:
    """A centred "——…" deck and the byline under it, both in body type, in a page that indents its
    paragraphs: the deck is set in by being centred, but is a line of its own."""
    rows = [("——学习《某某文集》", 70), ("王某某 李某", 120),
            ("　　第一段开头缩进，一直写到这一栏的最", 40), ("右边，然后在这里结束。", 20),
            ("　　第二段开头缩进，一直写到这一栏的最", 40), ("右边，然后在这里结束。", 20),
            ("　　第三段开头缩进，一直写到这一栏的最", 40), ("右边，然后在这里结束。", 20)]
    lines = [_printed(text.lstrip("　"), x0, 100 + 16 * k, 10.0) for k, (text, x0) in enumerate(rows)]
    assert _paragraphs(lines)[:2] == ["——学习《某某文集》", "王某某 李某"]


def test_a_note_a_column_break_cuts_goes_on_where_its_bracket_closes() -> None:
    """Writer balances a story's last columns and may set the author's note over two of them: the
    note's first line at one column's foot, its second at the next one's top."""
    body = [_printed("正文排满了这一栏的一整行字数。", 20, 100 + 16 * k, 10.0) for k in range(3)]
    note = [_printed("（作者为某某大学某某研究中心", 20, 148, 8.5), _printed("研究员）", 180, 100, 8.5)]
    heading = _printed("下一篇的标题", 20, 200, 20.0)
    units = build_units([[Block(tuple(body + note[:1])), Block((note[1],)), Block((heading,))]],
                        Body(Measure(size=10.0, line_gap=6.0), "Song", False))
    assert [u.text for u in units][-2:] == ["（作者为某某大学某某研究中心研究员）", "下一篇的标题"]


def test_two_lines_of_two_sizes_side_by_side_read_left_to_right() -> None:
    """A story's tail that balanced columns leave a line each: its last line in the first column and
    its note, in small type, at the top of the next. The note's top stands higher; they share a row."""
    last = _printed("供持久科技保障。", 34, 100.0, 10.5)
    note = _printed("（作者为某某研究院研究员）", 432, 98.5, 8.5)
    assert _reading_order([note, last]) == [last.text, note.text]
