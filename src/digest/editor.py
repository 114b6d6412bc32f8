"""The editor page of `digest serve`: review drafts in a browser, with the edits the CLI makes.

`serve` may face the public (the archive and unsubscribe pages), so the editor is
guarded: it exists only when the environment variable `[serve] editor_secret_env`
holds a secret of 16+ characters, and it answers only a browser that logged in
with that secret. Rules:
- Logging in sets a session cookie derived from the secret (HMAC), HttpOnly and
  SameSite=Strict, limited to /editor; changing the secret logs everyone out.
- Every change is a POST carrying a form token derived from the secret (CSRF):
  another site cannot make the editor's browser post an edit, neither through
  the cookie (SameSite) nor without the token. GETs change nothing.
- The edits are `digest.drafts` edits: the same checks, kept the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
from dataclasses import dataclass
from typing import Any

from digest.config import Settings
from digest.drafts import EDITS, Draft, drafts, edit_draft, load_draft, numbered_groups, render_draft
from digest.errors import DigestError
from digest.pages import page
from digest.store import Store

SESSION_COOKIE = "digest_editor"
MIN_SECRET_CHARS = 16
MAX_EDITOR_FORM_BYTES = 65536  # a summary rewritten in Chinese, percent-encoded, is 9 bytes a character


@dataclass(frozen=True)
class EditorReply:
    """What the server sends back: a page, or a redirect after a POST (so a reload repeats nothing)."""

    status: int
    body: str = ""
    location: str | None = None
    cookie: str | None = None


class EditorKeys:
    """The session cookie and form token, both derived from the editor secret."""

    def __init__(self, secret: bytes) -> None:
        self.session = _derive(secret, b"editor session")
        self.form_token = _derive(secret, b"editor form token")

    @classmethod
    def from_environment(cls, settings: Settings) -> EditorKeys | None:
        """The keys, or None when no (long enough) secret is set: then there is no editor page."""
        secret = os.environ.get(settings.serve.editor_secret_env, "")
        return cls(secret.encode("utf-8")) if len(secret) >= MIN_SECRET_CHARS else None

    def logged_in(self, cookie_header: str | None) -> bool:
        """The request carries this secret's session cookie."""
        cookies = dict(part.strip().split("=", 1) for part in (cookie_header or "").split(";") if "=" in part)
        return hmac.compare_digest(cookies.get(SESSION_COOKIE, ""), self.session)

    def valid_form(self, form: dict[str, str]) -> bool:
        """The form carries this secret's form token."""
        return hmac.compare_digest(form.get("csrf", ""), self.form_token)

    def secret_matches(self, given: str) -> bool:
        """The password typed in is the editor secret."""
        return hmac.compare_digest(_derive(given.encode("utf-8"), b"editor session"), self.session)


def _derive(secret: bytes, purpose: bytes) -> str:
    return hmac.new(secret, purpose, hashlib.sha256).hexdigest()


def editor_get(settings: Settings, keys: EditorKeys, path: str, cookie: str | None) -> EditorReply:
    """A GET under /editor: the login form, the list of drafts, one draft, or its preview."""
    if not keys.logged_in(cookie):
        return EditorReply(200, login_page(settings))
    parts = path.strip("/").split("/")
    if parts == ["editor"]:
        return EditorReply(200, drafts_page(settings))
    if len(parts) in (3, 4) and parts[1] == "draft" and parts[2].isdigit():
        draft = _load(settings, int(parts[2]))
        if draft is None:
            return EditorReply(404, page("找不到草稿", '<p><a href="/editor">所有草稿</a></p>'))
        if len(parts) == 4 and parts[3] == "preview":
            return EditorReply(200, render_draft(settings, draft).html)
        if len(parts) == 3:
            return EditorReply(200, draft_page(settings, keys, draft))
    return EditorReply(404, page("找不到页面", '<p><a href="/editor">所有草稿</a></p>'))


def editor_post(settings: Settings, keys: EditorKeys, path: str, cookie: str | None,
                form: dict[str, str]) -> EditorReply:
    """A POST under /editor: logging in, or one edit of a draft (then back to the draft's page)."""
    if path == "/editor/login":
        if keys.secret_matches(form.get("secret", "")):
            return EditorReply(303, location="/editor", cookie=(
                f"{SESSION_COOKIE}={keys.session}; Path=/editor; HttpOnly; SameSite=Strict"))
        return EditorReply(403, login_page(settings, "密钥不对。"))
    if not keys.logged_in(cookie) or not keys.valid_form(form):
        return EditorReply(403, page("拒绝", "<p>请先登录编辑页，并从编辑页提交表单。</p>"))
    parts = path.strip("/").split("/")
    if len(parts) != 4 or parts[1] != "draft" or not parts[2].isdigit() or parts[3] != "edit":
        return EditorReply(404, page("找不到页面", ""))
    draft_id = int(parts[2])
    try:
        with Store.for_settings(settings) as store:
            edit_draft(store, draft_id, form_edit(form))
    except (DigestError, ValueError) as e:
        return EditorReply(400, page("没有改成", f"<p>{html.escape(str(e))}</p>"
                                                f'<p><a href="/editor/draft/{draft_id}">回到草稿</a></p>'))
    return EditorReply(303, location=f"/editor/draft/{draft_id}")


def form_edit(form: dict[str, str]) -> dict[str, Any]:
    """The `digest.drafts` edit a form asks for; ValueError when a number is not one."""
    op = form.get("op", "")
    if op not in EDITS:
        raise ValueError(f"unknown edit {op!r}")
    edit: dict[str, Any] = {"op": op}
    for name in ("article", "position"):
        if name in form:
            edit[name] = int(form[name])
    for name in ("theme", "name", "text"):
        if name in form:
            edit[name] = form[name]
    return edit


def _load(settings: Settings, draft_id: int) -> Draft | None:
    if not settings.database.exists():
        return None
    with Store.for_settings(settings) as store:
        try:
            return load_draft(store, draft_id)
        except DigestError:
            return None


# pages


def login_page(settings: Settings, problem: str = "") -> str:
    """The password form."""
    note = f'<p class="muted">{html.escape(problem)}</p>' if problem else ""
    return page(f"{settings.title} · 编辑", note + (
        '<form method="post" action="/editor/login"><label>编辑密钥 '
        '<input type="password" name="secret" autocomplete="current-password" required></label>'
        '<button class="primary" type="submit">登录</button></form>'))


def drafts_page(settings: Settings) -> str:
    """Every draft, newest first, open ones linked."""
    listed = []
    if settings.database.exists():
        with Store.for_settings(settings) as store:
            listed = drafts(store)
    items = "".join(
        f'<li><time>{html.escape(d.created[:10])}</time><span><a href="/editor/draft/{d.id}">草稿 {d.id}</a>'
        f' <span class="muted">· {len(d.issues)} 期 · {len(d.digest.articles)} 篇 · {d.status}</span></span></li>'
        for d in reversed(listed))
    return page(f"{settings.title} · 草稿", f'<ul class="digests">{items}</ul>' if items else
                '<p class="muted">还没有草稿。</p>')


def draft_page(settings: Settings, keys: EditorKeys, draft: Draft) -> str:
    """One draft: each theme and article with the forms of its edits."""
    open_ = draft.status == "open"
    groups = numbered_groups(draft)
    themes = [name for name, _ in groups]
    body = [f'<p class="muted">{len(draft.digest.articles)} 篇 · {draft.status} · '
            f'<a href="/editor/draft/{draft.id}/preview">按发送的样子预览</a> · <a href="/editor">所有草稿</a></p>']
    for position, (theme, articles) in enumerate(groups, 1):
        body.append(f'<section class="theme"><h2>{html.escape(theme)}</h2>')
        if open_:
            body.append(_form(keys, draft, "rename", {"theme": theme}, _text("name", theme, "主题名"), "改名"))
            body.append(_form(keys, draft, "theme-order", {"theme": theme},
                              _number("position", position, "主题位置"), "移到"))
        for number, article in articles:
            body.append(f'<article id="article-{number}"><h3>[{number}] {html.escape(article.display_title)}</h3>'
                        f'<p>{html.escape("".join(article.summary))}</p>')
            if open_:
                body.append(_article_forms(keys, draft, number, article.display_title, "".join(article.summary),
                                           themes, theme))
            body.append("</article>")
        body.append("</section>")
    return page(f"草稿 {draft.id}", "".join(body))


def _article_forms(keys: EditorKeys, draft: Draft, number: int, title: str, summary: str, themes: list[str],
                   current: str) -> str:
    options = "".join(f'<option{" selected" * (t == current)}>{html.escape(t)}</option>' for t in themes)
    fixed = {"article": str(number)}
    return "".join((
        _form(keys, draft, "title", fixed, _text("text", title, "标题"), "改标题"),
        _form(keys, draft, "summary", fixed, f'<label>摘要 <textarea name="text" rows="3">{html.escape(summary)}'
                                             "</textarea></label>", "改摘要"),
        _form(keys, draft, "move", fixed, f'<label>移到主题 <select name="theme">{options}</select></label>', "移动"),
        _form(keys, draft, "order", fixed, _number("position", 1, "在主题中的位置"), "排到"),
        _form(keys, draft, "drop", fixed, "", "删去这篇", danger=True),
    ))


def _form(keys: EditorKeys, draft: Draft, op: str, fixed: dict[str, str], fields: str, label: str,
          *, danger: bool = False) -> str:
    hidden = "".join(f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                     for name, value in {"op": op, "csrf": keys.form_token, **fixed}.items())
    return (f'<form method="post" action="/editor/draft/{draft.id}/edit" data-edit="{op}">{hidden}{fields}'
            f'<button type="submit"{" class=danger" * danger}>{label}</button></form>')


def _text(name: str, value: str, label: str) -> str:
    return f'<label>{label} <input type="text" name="{name}" value="{html.escape(value)}" required></label>'


def _number(name: str, value: int, label: str) -> str:
    return f'<label>{label} <input type="number" name="{name}" value="{value}" min="1" required></label>'
