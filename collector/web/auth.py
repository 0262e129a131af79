"""Who is asking, and may they: tokens, roles, browser sessions, the audit of writes.

THE INTERFACE for every handler of the collector (API and HTML pages):

- ``request[PRINCIPAL]`` (``PRINCIPAL = web.RequestKey("principal", Principal)``; or
  ``principal_of(request)``) is the :class:`Principal` (name, role, sites) of the request, set by
  the middleware :func:`middleware` before any handler runs.  Every path but :data:`PUBLIC`
  (``/healthz``, ``/-/healthy``, ``/-/ready``, ``/login``, ``/logout``, ``/static/...``) and
  the ingest (``/api/v1/ingest...``, its own per-site credentials) needs one: without it the
  middleware answers 401 (JSON) to API clients and redirects a browser's GET to
  ``/login?next=PATH``.  A handler never sees a request without a principal.
- Roles (:data:`collector.tokens.ROLES`) and what they may do, :func:`allowed`:

  ========================  ====================================================================
  ``read``                  every role but alertmanager: sites, findings, events, notes, inventory
                            without persons
  ``read_personal``         security_reviewer, admin: contingency plans, drills, responders
                            (names, phones)
  ``read_audit``            security_reviewer, admin: the audit log
  ``write_notes``           technician (ONLY the sites of its token), admin
  ``write_survey``          coverage survey points: technician (ONLY for the sites of its token),
                            admin (also points tied to no site)
  ``admin``                 admin: reload the inventory, ...
  ``write_incidents``       security_reviewer, admin: acknowledge, restore, report, record an
                            incident (``collector.web.incidents``)
  ``write_incident_notes``  technician (ONLY the sites of its token), security_reviewer, admin
  ``receive_alerts``        alertmanager (Alertmanager's token, which reaches
                            ``/api/v1/alertmanager/webhook`` only: :data:`ONLY_PATHS`), admin
  ``write_readiness``       security_reviewer, admin: contingency plans, drills, a commune's
                            focal point and team (``collector.web.readinessforms``); a scoped
                            token only for its sites and communes (``site``: a site key, or a
                            commune code for the commune's team; None, a province drill:
                            never a scoped token)
  ========================  ====================================================================

  ``allowed(principal, "read_personal")`` to decide what to show; ``require(request,
  "read_audit")`` to refuse (raises 403 with a JSON error).
- Reading limited to some sites: a viewer's or security reviewer's token may carry ``sites``
  and ``communes`` (``collector.tokens``); it then reads those sites only (a commune's police:
  their commune).  EVERY read path asks one helper: :func:`may_read_site` (``principal``, a site
  key) or :func:`readable_sites` (filters keys, keeps their order); :func:`require_site`
  refuses a site (403, JSON ``forbidden_site``, naming no site: an unknown key gets the same
  answer, so a scoped token cannot probe which keys exist); :func:`require_province` refuses
  what carries every site (``/metrics``, the audit log).  What follows the scope:

  ==========================================  =============================================
  ``/api/v1/sites``, ``/inventory``,          only the readable sites
  ``/findings`` (json and csv, ``?month=``),
  ``/evaluation`` (its rollups counted over
  them), ``/survey``
  ``/api/v1/sites/{key}``, ``.../findings``,  403 for another site
  ``.../events``, ``.../notes``, ``/sites/
  {key}`` (a Vietnamese 403 page)
  ``/``, ``/map``, ``/police``                their rows, dots and counts only
  ``/api/v1/reports``, ``/reports``           a report of the readable sites (as a
                                              technician's is of its sites)
  ``/api/v1/dead-zone-points``                none: a place tied to no site is in no commune
  ``/metrics``, ``/api/v1/audit``             403: they carry every site
  ==========================================  =============================================

  The province's own findings (OPS-247 for the province's central systems, ``site:
  "province"``) are about systems every commune depends on and name no commune: a scoped token
  reads them, their evidence refs cut to its sites' events.  ``/api/v1/targets``,
  ``/api/v1/months`` and ``/api/v1/openapi.json`` hold no site's data.  A technician's
  ``sites`` are where it WRITES; it reads the whole province.
- A write: ``principal = await require_write(request, "write_notes", "note.create", site_key,
  site=site_key)`` refuses (403) and records the refusal in the audit log; after the write,
  ``await audit(request, "note.create", site_key, {"note_id": 7})`` records it.  Every
  state-changing endpoint is a POST, and does both.
- Cross-site requests: the middleware refuses (403) any non-GET request authenticated by the
  session cookie unless ``Sec-Fetch-Site`` is ``same-origin``/``none`` or ``Origin`` is this
  host (or ``public_url``).  An ``Authorization: Bearer`` request is not checked: a browser
  never adds that header to a cross-site request.  HTML forms that POST therefore just work from
  the collector's own pages, with no CSRF token to carry.
- Browser login: ``GET /login?next=/path`` shows a form (Vietnamese, ``?lang=en``); ``POST
  /login`` (form fields ``token``, ``next``) checks the token and sets the session cookie
  :data:`COOKIE` (HttpOnly, SameSite=Strict, Path=/, Secure when the request came over TLS or
  ``public_url`` is https; 8 hours), then redirects (303) to ``next`` (a local path only).
  ``POST /logout`` clears it.  The cookie is ``name.expiry.signature``, the signature an HMAC,
  under a random key made at process start, of the name, the expiry and the token's hash:
  restarting the collector, or replacing the token, ends every session.

The token itself is never logged, stored or put in a cookie.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from aiohttp import web

from collector.context import Collector
from collector.store import AuditEntry
from collector.tokens import READ_SCOPED_ROLES, ROLES, Role, TokenEntry, commune_of, hash_token
from collector.web.errors import api_error
from sansang import health, i18n
from sansang.i18n import Lang

log = logging.getLogger(__name__)

Permission = Literal[
    "read",
    "read_personal",
    "read_audit",
    "write_notes",
    "write_survey",
    "admin",
    "write_incidents",
    "write_incident_notes",
    "receive_alerts",
    "write_readiness",
]
COOKIE = "sansang_session"
SESSION_SECONDS = 8 * 3600
PUBLIC = frozenset({"/healthz", *health.PATHS, "/login", "/logout"})
PUBLIC_PREFIXES = ("/static/", "/api/v1/ingest")  # the ingest checks its own credentials
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_GRANTS: dict[Permission, frozenset[Role]] = {
    "read": frozenset(r for r in ROLES if r != "alertmanager"),
    "read_personal": frozenset({"security_reviewer", "admin"}),
    "read_audit": frozenset({"security_reviewer", "admin"}),
    "write_notes": frozenset({"technician", "admin"}),
    "write_survey": frozenset({"technician", "admin"}),
    "admin": frozenset({"admin"}),
    # Incidents (collector.web.incidents): Công an tỉnh acknowledges, records the restore and
    # the report; the technician on site adds notes for its sites; Alertmanager only posts.
    "write_incidents": frozenset({"security_reviewer", "admin"}),
    "write_incident_notes": frozenset({"technician", "security_reviewer", "admin"}),
    "receive_alerts": frozenset({"alertmanager", "admin"}),
    # Readiness records (collector.inventory.overlay): Công an tỉnh keeps them with the communes.
    "write_readiness": frozenset({"security_reviewer", "admin"}),
}
# A role that may reach these paths only (Alertmanager's token: its webhook, nothing to read).
ONLY_PATHS: dict[str, frozenset[str]] = {
    "alertmanager": frozenset({"/api/v1/alertmanager/webhook"}),
}
_ROLE_NAMES: dict[str, tuple[str, str]] = {
    "viewer": ("người xem (Sở KH&CN)", "viewer"),
    "security_reviewer": ("kiểm tra an ninh (Công an tỉnh)", "security reviewer"),
    "technician": ("kỹ thuật viên", "technician"),
    "admin": ("quản trị", "admin"),
    "alertmanager": ("Alertmanager (gửi cảnh báo)", "Alertmanager (posts alerts)"),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Principal:
    """The holder of a token: its name (the audit log's actor), role, its ``sites`` (for a
    technician where it may write; for a viewer or security reviewer, with ``communes``, the
    only sites it may read: see :attr:`scoped`)."""

    name: str
    role: Role
    sites: frozenset[str] = frozenset()
    via: Literal["bearer", "session"] = "bearer"
    communes: frozenset[str] = frozenset()

    @property
    def scoped(self) -> bool:
        """It reads only some sites (a viewer or security reviewer with sites or communes)."""
        return self.role in READ_SCOPED_ROLES and bool(self.sites or self.communes)


# request[PRINCIPAL]: the Principal of the request (an aiohttp RequestKey named "principal";
# a plain string key makes aiohttp warn, and the tests turn warnings into errors).
PRINCIPAL = web.RequestKey("principal", Principal)


def allowed(principal: Principal, permission: Permission, site: str | None = None) -> bool:
    """May ``principal`` do this (to ``site``)?  A technician writes only for the sites of its
    token; a scoped token reads only its sites (:func:`may_read_site`)."""
    if principal.role not in _GRANTS[permission]:
        return False
    if principal.role == "technician" and permission.startswith("write"):
        return site is not None and site in principal.sites
    if site is not None and permission.startswith("read"):
        return may_read_site(principal, site)
    if permission == "write_readiness" and principal.scoped:  # its own sites and communes only
        return site is not None and may_read_site(principal, site)
    return True


def may_read_site(principal: Principal, site_key: str) -> bool:
    """Whether ``principal`` may read ``site_key``'s data: every site unless the token is
    scoped, then its sites and every site of its communes."""
    if not principal.scoped:
        return True
    return site_key in principal.sites or commune_of(site_key) in principal.communes


def readable_sites(principal: Principal, keys: Iterable[str]) -> list[str]:
    """The keys of ``keys`` that ``principal`` may read, in their order."""
    return [k for k in keys if may_read_site(principal, k)]


def read_scope(principal: Principal, keys: Iterable[str]) -> frozenset[str] | None:
    """None when ``principal`` reads the whole province, else the keys of ``keys`` (the
    inventory's) it may read: what a report for it covers."""
    return frozenset(readable_sites(principal, keys)) if principal.scoped else None


def require_site(request: web.Request, site_key: str) -> Principal:
    """The principal, when it may read ``site_key``; else 403 (JSON, naming no site)."""
    principal = principal_of(request)
    if not may_read_site(principal, site_key):
        raise forbidden_site()
    return principal


def require_province(request: web.Request) -> Principal:
    """The principal, unless its token is scoped to some sites: 403 for what carries every
    site of the province (``/metrics``, the audit log)."""
    principal = principal_of(request)
    if principal.scoped:
        raise api_error(
            403,
            "forbidden_scope",
            "Mã truy cập này chỉ được xem các điểm của mình; nội dung này gồm mọi điểm của tỉnh",
            "This token may read only its own sites; this covers every site of the province",
        )
    return principal


def forbidden_site() -> web.HTTPException:
    """A scoped token asked for a site not its own (or for no site at all: the same answer)."""
    return api_error(
        403,
        "forbidden_site",
        "Mã truy cập này chỉ được xem các điểm của mình",
        "This token may read only its own sites",
    )


def role_name(role: str, lang: Lang = "vi") -> str:
    vi, en = _ROLE_NAMES.get(role, (role, role))
    return vi if lang == "vi" else en


def principal_of(request: web.Request) -> Principal:
    """The request's principal (the middleware set it; a public path has none: 401)."""
    found: Principal | None = request.get(PRINCIPAL)
    if found is None:
        raise _unauthorized()
    return found


def require(request: web.Request, permission: Permission, site: str | None = None) -> Principal:
    """The principal, when it may; else 403 (JSON, both languages)."""
    principal = principal_of(request)
    if not allowed(principal, permission, site):
        raise _forbidden(principal, permission, site)
    return principal


async def require_write(
    request: web.Request,
    permission: Permission,
    action: str,
    target: str,
    site: str | None = None,
) -> Principal:
    """As :func:`require`, for a write: a refusal is recorded in the audit log too."""
    principal = principal_of(request)
    if not allowed(principal, permission, site):
        await audit(request, action, target, {"result": "denied", "permission": permission})
        raise _forbidden(principal, permission, site)
    return principal


async def audit(
    request: web.Request, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    """Append to the audit log: who (the principal), what (``action``), on what (``target``).
    ``details["result"]`` is ``"ok"`` unless said otherwise."""
    principal = principal_of(request)
    entry = AuditEntry(
        at=time.time(),
        actor=principal.name,
        role=principal.role,
        action=action,
        target=target,
        details={"result": "ok", **(details or {})},
    )
    await asyncio.to_thread(request.app[COLLECTOR].store.audit, entry)
    log.info(
        "audit: %s (%s) %s %s: %s",
        entry.actor,
        entry.role,
        action,
        target,
        entry.details["result"],
    )


def _unauthorized() -> web.HTTPException:
    return api_error(
        401,
        "unauthorized",
        "Cần mã truy cập: Authorization: Bearer MÃ, hoặc đăng nhập tại /login",
        "A token is needed: Authorization: Bearer TOKEN, or log in at /login",
        headers={"WWW-Authenticate": 'Bearer realm="sansang"'},
    )


def _forbidden(principal: Principal, permission: Permission, site: str | None) -> web.HTTPException:
    if permission == "write_readiness" and principal.role in _GRANTS[permission]:
        return api_error(  # a scoped token: names no other place (as forbidden_site)
            403,
            "forbidden_site",
            f"Mã '{principal.name}' chỉ được ghi cho các điểm, xã của mình",
            f"Token '{principal.name}' may write only for its own sites and communes",
        )
    if principal.role == "technician" and permission.startswith("write") and site:
        return api_error(
            403,
            "forbidden_site",
            f"Mã '{principal.name}' chỉ được ghi cho điểm của mình, không cho {site}",
            f"Token '{principal.name}' may write only for its own sites, not {site}",
        )
    return api_error(
        403,
        "forbidden",
        f"Vai trò {role_name(principal.role)} không được làm việc này ({permission})",
        f"Role {role_name(principal.role, 'en')} may not do this ({permission})",
    )


class Auth:
    """The token table (by hash) and the session key of this process."""

    def __init__(self, entries: Iterable[TokenEntry], *, public_url: str | None = None) -> None:
        self._key = secrets.token_bytes(32)
        self.public_origin = _origin(public_url) if public_url else None
        self.always_secure = bool(public_url and public_url.startswith("https:"))
        self.replace(entries)

    def replace(self, entries: Iterable[TokenEntry]) -> None:
        """New tokens (a reload): sessions of removed or changed tokens end."""
        entries = list(entries)
        self._by_hash = {e.sha256: e for e in entries}
        self._by_name = {e.name: e for e in entries}

    def __len__(self) -> int:
        return len(self._by_name)

    def from_token(self, token: str) -> Principal | None:
        # A dict lookup on the SHA-256: the token's 256 bits leave nothing to time.
        entry = self._by_hash.get(hash_token(token.strip()))
        return _principal(entry, "bearer") if entry else None

    def session_value(self, principal: Principal, now: float) -> str:
        entry = self._by_name[principal.name]
        expires = int(now) + SESSION_SECONDS
        name = base64.urlsafe_b64encode(entry.name.encode()).decode().rstrip("=")
        return f"{name}.{expires}.{self._sign(entry, expires)}"

    def from_session(self, value: str, now: float) -> Principal | None:
        try:
            name_b64, expires_text, signature = value.split(".")
            name = base64.urlsafe_b64decode(name_b64 + "=" * (-len(name_b64) % 4)).decode()
            expires = int(expires_text)
        except ValueError:  # also binascii.Error and UnicodeDecodeError
            return None
        entry = self._by_name.get(name)
        if entry is None or expires < now:
            return None
        if not hmac.compare_digest(signature, self._sign(entry, expires)):
            return None
        return _principal(entry, "session")

    def _sign(self, entry: TokenEntry, expires: int) -> str:
        message = f"{entry.name}|{expires}|{entry.sha256}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _principal(entry: TokenEntry, via: Literal["bearer", "session"]) -> Principal:
    return Principal(entry.name, entry.role, frozenset(entry.sites), via, frozenset(entry.communes))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


AUTH = web.AppKey("sansang_auth", Auth)
COLLECTOR = web.AppKey("sansang_collector", Collector)


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def _same_origin(request: web.Request, auth: Auth) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    origin = origin.lower()
    return urlsplit(origin).netloc == request.host.lower() or origin == auth.public_origin


def _authenticate(request: web.Request, auth: Auth) -> Principal | None:
    """The principal of a Bearer header, else of the session cookie; a bad header is 401 (it
    does not fall back on the cookie)."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        principal = auth.from_token(token) if scheme.lower() == "bearer" and token else None
        if principal is None:
            raise _unauthorized()
        return principal
    cookie = request.cookies.get(COOKIE)
    return auth.from_session(cookie, time.time()) if cookie else None


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sets ``request["principal"]``; 401 / login redirect without one; refuses cross-site
    writes made with the session cookie."""
    if is_public(request.path):
        return await handler(request)
    auth = request.app[AUTH]
    principal = _authenticate(request, auth)
    if principal is None:
        wants_page = not request.path.startswith("/api/") and request.path != "/metrics"
        if request.method in SAFE_METHODS and wants_page:
            raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='/')}")
        raise _unauthorized()
    if (
        principal.via == "session"
        and request.method not in SAFE_METHODS
        and not _same_origin(request, auth)
    ):
        raise api_error(
            403,
            "cross_site",
            "Từ chối yêu cầu ghi từ trang khác (dùng Authorization: Bearer cho script)",
            "Cross-site write refused (scripts should send Authorization: Bearer)",
        )
    only = ONLY_PATHS.get(principal.role)
    if only is not None and request.path not in only:
        raise _forbidden(principal, "read", None)
    request[PRINCIPAL] = principal
    return await handler(request)


# --- the browser login -------------------------------------------------------------------------

_FORM = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
input{{width:100%;padding:.5rem;margin:.5rem 0;box-sizing:border-box}}
.error{{color:#b00020}}</style></head>
<body><h1>{title}</h1>{error}
<form method="post" action="/login">
<label for="token">{label}</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{next}">
<button type="submit">{button}</button>
</form>
<p><a href="/login?lang={other}&amp;next={next_q}">{other_name}</a></p>
</body></html>
"""
_TEXT = {
    "vi": {
        "title": "sansang — Đăng nhập",
        "label": "Mã truy cập",
        "button": "Đăng nhập",
        "error": "Mã truy cập không đúng.",
        "other": "English",
    },
    "en": {
        "title": "sansang — Log in",
        "label": "Access token",
        "button": "Log in",
        "error": "That token is not valid.",
        "other": "Tiếng Việt",
    },
}


def _local_path(value: str | None) -> str:
    """``next`` only as a path on this server (never ``//host`` or ``https://...``)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def login_page(lang: Lang, next_path: str, failed: bool = False) -> str:
    text = _TEXT[lang]
    return _FORM.format(
        lang=lang,
        title=text["title"],
        label=text["label"],
        button=text["button"],
        error=f'<p class="error" role="alert">{text["error"]}</p>' if failed else "",
        next=html.escape(next_path),
        next_q=html.escape(quote(next_path, safe="/")),
        other=i18n.other(lang),
        other_name=text["other"],
    )


async def _login_form(request: web.Request) -> web.Response:
    lang = i18n.choose(request.query.get("lang"))
    page = login_page(lang, _local_path(request.query.get("next")))
    return web.Response(text=page, content_type="text/html", charset="utf-8")


async def _login(request: web.Request) -> web.Response:
    auth = request.app[AUTH]
    if not _same_origin(request, auth):
        raise api_error(403, "cross_site", "Từ chối đăng nhập từ trang khác", "Cross-site login")
    form = await request.post()
    token, next_path = form.get("token"), _local_path(str(form.get("next") or "/"))
    lang = i18n.choose(request.query.get("lang"))
    principal = auth.from_token(token) if isinstance(token, str) and token else None
    if principal is None:
        log.warning("login refused from %s", request.remote)
        page = login_page(lang, next_path, failed=True)
        return web.Response(status=401, text=page, content_type="text/html", charset="utf-8")
    request[PRINCIPAL] = principal
    await audit(request, "session.login", principal.name)
    response = web.HTTPSeeOther(next_path)
    response.set_cookie(
        COOKIE,
        auth.session_value(principal, time.time()),
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.secure or auth.always_secure,
    )
    raise response


async def _logout(request: web.Request) -> web.Response:
    if not _same_origin(request, request.app[AUTH]):
        raise api_error(403, "cross_site", "Từ chối yêu cầu từ trang khác", "Cross-site request")
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


def add_routes(app: web.Application) -> None:
    """``/login`` (GET form, POST) and ``/logout`` (POST)."""
    app.router.add_get("/login", _login_form)
    app.router.add_post("/login", _login)
    app.router.add_post("/logout", _logout)
