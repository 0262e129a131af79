"""The incident playbooks on the collector's own pages: ``/playbooks/`` (the index,
``playbooks/README.md``) and ``/playbooks/{kind}`` (one playbook as HTML, its sections anchored:
``/playbooks/power_loss#goi-ai``), what an alert's ``runbook_url`` points at when ``public_url``
is set (:mod:`collector.alerts.alert`).

Read by every role behind the login (the auth middleware: no principal, 401 or the login
page); Vietnamese as the files are, printable (the pages' print style hides the navigation).  The
files are the ones shipped in the package (:mod:`sansang.playbooks`): a ``kind`` is looked up
among them, never joined to a path, so ``..%2f`` finds nothing (404).
"""

from __future__ import annotations

import markupsafe
from aiohttp import web

from collector.web import ui
from collector.web.auth import principal_of
from sansang import playbooks


def _page(request: web.Request, title: str, body_html: str, kind: str | None) -> web.Response:
    lang = ui._lang(request)
    other = "?lang=en" if lang == "vi" else "?"
    context = ui._common(lang, principal_of(request), other)
    context.update(title=title, body=markupsafe.Markup(body_html), kind=kind)  # noqa: S704
    return ui._html(ui._ENV.get_template("playbook.html").render(context))


async def index(request: web.Request) -> web.Response:
    return _page(request, "Sổ tay xử lý sự cố", playbooks.to_html(playbooks.index_markdown()), None)


async def playbook(request: web.Request) -> web.Response:
    book = playbooks.get(request.match_info["kind"])
    if book is None:
        raise web.HTTPNotFound(text="Không có sổ tay này / No such playbook\n")
    return _page(request, book.title.vi, playbooks.to_html(book.markdown), book.kind)


async def _to_index(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/playbooks/")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/playbooks", _to_index)
    app.router.add_get("/playbooks/", index)
    app.router.add_get("/playbooks/{kind}", playbook)
