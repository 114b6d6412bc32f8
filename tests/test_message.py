"""The message template: each subscriber's copy, filled in from one flattened message, is byte for
byte the message built the old way (`build_message`, flattened as smtplib's `send_message` does)."""

from __future__ import annotations

import html
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from digest.mail.message import (
    MessageTemplate,
    PersonalFields,
    _one_line_to,
    build_message,
    flatten,
    new_message_id,
    recipient_address,
)
from digest.mail.sending import LINK_PLACEHOLDER, subscriber_digest
from digest.models import Article, Digest, RenderedDigest, ThemeGroup
from digest.render import render_digest

SENDER = "工运理论周报 <digest@example.org>"
LONG_LINK = "https://digest.example.org/unsubscribe?token=" + "0123456789abcdef" * 6 + ".MACMACMACMACMACMACMA"
# (address, display name, link): ASCII and Chinese names, a name that needs quoting, an internationalised
# domain (an SMTPUTF8 envelope), and links of several lengths.
READERS = [
    ("reader1@example.org", "读者一", LONG_LINK),
    ("Reader2@Example.org", "", "https://x.org/u?token=1"),
    ("zoe@example.org", 'Zoë "the" O\'Brien, Jr.', LONG_LINK + "&more=" + "z" * 90),
    ("reader@例子.中国", "一位名字相当长的读者，长到要折成两行才能放进一个邮件头里面", LONG_LINK),
    ("plain@example.org", "Plain Reader", "mailto:digest@example.org?subject=unsubscribe%20abc.def"),
]


def literal(subject: str, text: str, html_body: str) -> RenderedDigest:
    return RenderedDigest(subject=subject, text=text, html=html_body)


def rendered_digests() -> dict[str, RenderedDigest]:
    """Real renders of one digest for three theme selections, and literal ones for each transfer encoding."""
    articles = [Article(title=f"标题{n}", display_title=f"标题{n}", paragraphs=["第一段。" * 40, "第二段。" * 30],
                        summary=["第一段。" * 5]) for n in range(3)]
    digest = Digest(title="工运理论周报", created=datetime(2026, 11, 23, 7, tzinfo=UTC), issues=["a.txt"],
                    groups=[ThemeGroup(name="甲", articles=articles[:2]), ThemeGroup(name="乙", articles=articles[2:])])
    renders = {}
    for themes in ([], ["甲"], ["乙"]):
        mine = subscriber_digest(digest, themes)
        assert mine is not None
        renders["render " + ("+".join(themes) or "all")] = render_digest(mine, unsubscribe_url=LINK_PLACEHOLDER)
    ascii_lines = "\n".join(f"line {n} of a short ASCII digest" for n in range(30))
    renders.update({
        "7bit": literal("Weekly", f"hello\n{LINK_PLACEHOLDER}\n", f"<p><a href='{LINK_PLACEHOLDER}'>leave</a></p>\n"),
        "8bit": literal("周报", f"短行。\n退订：{LINK_PLACEHOLDER}\n",
                        f"<p>短。</p>\n<a href='{LINK_PLACEHOLDER}'>退订</a>\n"),
        "quoted-printable": literal("Weekly", ascii_lines + "\n" + "x" * 200 + f"\n{LINK_PLACEHOLDER}\n",
                                    "<p>" + "y " * 300 + f"</p>\n<a href='{LINK_PLACEHOLDER}'>u</a>\n" * 12),
        "link in the first lines": literal("周报", f"{LINK_PLACEHOLDER}\n" + "长" * 40 + "\n" * 20,
                                           f"<a href='{LINK_PLACEHOLDER}'>退订</a>" + "<p>文</p>" * 50 + "\n"),
        "no link": literal("周报", "正文" * 100 + "\n", "<p>" + "正文" * 100 + "</p>\n"),
        "empty text": literal("周报", "", f"<a href='{LINK_PLACEHOLDER}'>退订</a>\n"),
    })
    return renders


RENDERS = rendered_digests()


def list_headers(link: str) -> dict[str, str]:
    return {"List-Id": "工运理论周报 <digest.example.org>",
            "List-Unsubscribe": f"<mailto:digest@example.org?subject=unsubscribe%20t>, <{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def old_way(rendered: RenderedDigest, address: str, name: str, link: str, date: datetime, message_id: str,
            boundary: str, smtputf8: bool) -> bytes:
    personal = RenderedDigest(subject=rendered.subject, text=rendered.text.replace(LINK_PLACEHOLDER, link),
                              html=rendered.html.replace(LINK_PLACEHOLDER, html.escape(link)))
    message = build_message(personal, sender=SENDER, to=recipient_address(address, name), date=date,
                            message_id=message_id, extra_headers=list_headers(link))
    message.set_boundary(boundary)  # the one part of a message that is random
    return flatten(message, smtputf8=smtputf8).data


@pytest.mark.parametrize("selection", sorted(RENDERS))
def test_every_copy_from_the_template_is_the_message_built_the_old_way(selection: str) -> None:
    rendered = RENDERS[selection]
    templates = {utf8: MessageTemplate(rendered, sender=SENDER, placeholder=LINK_PLACEHOLDER,
                                       extra_headers=list_headers("https://stand-in.invalid/"),
                                       personal_headers=("List-Unsubscribe",), smtputf8=utf8)
                 for utf8 in (False, True)}
    date = datetime(2026, 12, 2, 9, 30, 5, tzinfo=timezone(timedelta(hours=8)))
    for address, name, link in READERS:
        smtputf8 = not address.isascii()
        template = templates[smtputf8]
        message_id = new_message_id(SENDER)
        personal = {"List-Unsubscribe": list_headers(link)["List-Unsubscribe"]}
        copy = template.fill(PersonalFields(to=recipient_address(address, name), date=date, message_id=message_id,
                                            link=link, headers=personal))
        expected = old_way(rendered, address, name, link, date, message_id, template.boundary, smtputf8)
        assert copy.smtputf8 is smtputf8
        assert copy.data == expected, f"{selection}, {address}: the copy differs from the message built the old way"


def test_each_transfer_encoding_is_exercised() -> None:
    """The literal digests above cover every encoding set_content can choose (else the comparison is weaker)."""
    seen = set()
    for rendered in RENDERS.values():
        template = MessageTemplate(rendered, sender=SENDER, placeholder=LINK_PLACEHOLDER, extra_headers={},
                                   personal_headers=(), smtputf8=False)
        data = template.fill(PersonalFields(to=recipient_address("a@example.org"), date=datetime.now(UTC),
                                            message_id="<1@example.org>", link="https://x.org/u?token=1")).data
        seen |= {line.split(b": ")[1].decode() for line in data.split(b"\r\n")
                 if line.startswith(b"Content-Transfer-Encoding: ")}
    assert seen == {"7bit", "8bit", "quoted-printable", "base64"}


# Display names as lists and people type them: ASCII, Chinese, quotes, commas, backslashes, specials
# that need quoting, an "=?" the parser would decode, names long enough to fold, odd spacing.
NAMED = ["", "Plain Reader", "O'Brien, Jr.", 'say "hi"', "back\\slash", "Dr. Who", "(comment)", "a@b", "x" * 60,
         "=?utf-8?q?x?=", "读者一", "读者1", "1读者", "张 三", "读 者 一", "Zhang 三", "读者 1", "读者,一", "读者，一",
         '读者"一"', "读者（一）", "Zoë", "Zoë Müller", "读者😀", "读" * 20, "读" * 30, "读 " * 12 + "读",
         "一位名字相当长的读者，长到要折成两行才能放进一个邮件头里面", "  spaced  out ", "tab\there", "读者\u3000一"]
# The characters the generated names are drawn from: Chinese, ASCII letters and digits, specials, full-width marks.
NAME_CHARACTERS = [*"读者一二三张李王小明华周报", *"abcXYZ019 ", *",.\"\\'()<>@;:[]-_=?!#", "，", "（", "ë"]
ADDRESSES = ["reader1@example.org", "Reader.Two+tag@Example.org", "o'neil@example.org", "=?x@example.org",
             "a" * 50 + "@sub.example.org", "reader@例子.中国"]


def generated_names(count: int, seed: int = 20) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(NAME_CHARACTERS) for _ in range(rng.choice([2, 5, 12, 30, 50]))) for _ in range(count)]


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_to_line_of_every_copy_is_the_one_the_email_package_writes(address: str) -> None:
    rendered = RENDERS["7bit"]
    smtputf8 = not address.isascii()
    template = MessageTemplate(rendered, sender=SENDER, placeholder=LINK_PLACEHOLDER,
                               extra_headers=list_headers("https://stand-in.invalid/"),
                               personal_headers=("List-Unsubscribe",), smtputf8=smtputf8)
    date = datetime(2026, 12, 2, 9, 30, 5, tzinfo=UTC)
    link, message_id = "https://x.org/u?token=1", "<1@example.org>"
    personal = {"List-Unsubscribe": list_headers(link)["List-Unsubscribe"]}
    for name in NAMED + generated_names(150):
        copy = template.fill(PersonalFields(to=recipient_address(address, name), date=date, message_id=message_id,
                                            link=link, headers=personal))
        expected = old_way(rendered, address, name, link, date, message_id, template.boundary, smtputf8)
        assert copy.data == expected, f"{name!r} <{address}>: the copy differs from the message built the old way"


@pytest.mark.parametrize(("address", "name"), [
    ("reader1@example.org", ""), ("reader1@example.org", "Plain Reader"), ("reader1@example.org", "O'Brien, Jr."),
    ("reader1@example.org", "读者1"), ("reader1@example.org", "张 三"), ("reader@例子.中国", "读者一")])
def test_the_common_to_lines_are_written_without_the_header_parser(address: str, name: str) -> None:
    """The shapes most lists have take the direct path (the test above then checks its bytes)."""
    to = recipient_address(address, name)
    assert _one_line_to(to, utf8=not address.isascii()) is not None


def test_a_to_line_that_folds_is_left_to_the_policy() -> None:
    long_name = "一位名字相当长的读者，长到要折成两行才能放进一个邮件头里面"
    assert _one_line_to(recipient_address("reader1@example.org", long_name), utf8=False) is None
