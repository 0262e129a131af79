"""The incident playbooks on the agent's status page, offline: ``/playbooks/`` and
``/playbooks/<kind>`` from the files shipped in the package (:mod:`sansang.playbooks`), so a
technician at a commune with no route out still reads what to check, whom to call and when to
escalate.  The status page links the section of the failing thing (:func:`link`).

Plain HTML, no script; printable.  A ``kind`` is looked up, never joined to a path.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from sansang import playbooks

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;max-width:52em;color:#222;line-height:1.45}
h1{font-size:1.4em} h2{font-size:1.15em;border-bottom:1px solid #ddd} a{color:#0b57d0}
:target{background:#fff4c2} code{background:#f4f4f4;padding:0 .2em}
table{border-collapse:collapse}
td,th{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd}
@media print{.nav{display:none} body{margin:0;max-width:none} a{color:#000}}
"""


def link(thing: str, reason: str) -> str | None:
    """The page's relative address of the section to read (``playbooks/power_loss#goi-ai``),
    relative so it works under any prefix a reverse proxy gives the status page."""
    found = playbooks.advice(thing, reason)
    return f"playbooks/{found[0]}#{found[1]}" if found else None


def _page(title: str, body: str, up: str) -> web.Response:
    html = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<p class="nav"><a href="{up}">← Trang trạng thái</a></p>{body}</body></html>'
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def index(request: web.Request) -> web.Response:
    return _page("Sổ tay xử lý sự cố", playbooks.to_html(playbooks.index_markdown()), "../")


async def playbook(request: web.Request) -> web.Response:
    book = playbooks.get(request.match_info["kind"])
    if book is None:
        raise web.HTTPNotFound(text="Không có sổ tay này / No such playbook\n")
    return _page(book.title.vi, playbooks.to_html(book.markdown), "../")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/playbooks/", index)
    app.router.add_get("/playbooks/{kind}", playbook)
