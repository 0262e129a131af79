"""Readiness records edited in the web UI and the API: a site's plan per risk, a drill of a
site's plan or of the province, a commune's focal point and team.

Who: ``write_readiness`` (``collector.web.auth``: security_reviewer and admin; a token scoped to
some sites or communes writes only for those, a commune's team only with the commune in its
``communes``, a province drill never).  A refusal is audited (``require_write``) before anything
is looked up.  What: the record as the inventory YAML writes it (the same models,
:mod:`collector.inventory.readiness`); the edit must fit the effective inventory
(:func:`collector.inventory.overlay.check`), else 400 naming the field, in Vietnamese.  Then it
is a row of the store, the collector's inventory is the YAML with every edit
(``Collector.use_inventory``), and the audit log has ``readiness.*`` with a summary of before and
after: statuses, dates, document numbers, counts; never a name or a phone.

The pages show the new record at once; the findings (SEC-CONTINGENCY, SEC-DRILL, SEC-TEAM)
follow at the next evaluation (``evaluate.interval``, 5 minutes by default).

    GET  /api/v1/sites/{key}/readiness        the site's effective plans, team, province drills
    POST /api/v1/sites/{key}/plans/{risk}     JSON: the plan (status, approved_on, decision, ...)
    POST /api/v1/sites/{key}/drills           JSON: {risk, held_on, result, participants, ...}
    POST /api/v1/communes/{code}/team         JSON: {focal_point, members, decision}
    POST /api/v1/drills                       JSON: a province drill (risks, communes, ...)
    POST /sites/{key}/readiness/plans/{risk}  the site page's forms (303 back to the page)
    POST /sites/{key}/readiness/drills
    POST /sites/{key}/readiness/team
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from aiohttp import web

from collector.context import Collector
from collector.inventory import overlay
from collector.inventory.readiness import RISKS
from collector.store import ReadinessEdit
from collector.store.readiness import EditKind
from collector.web import auth, texts
from collector.web.auth import COLLECTOR
from collector.web.errors import api_error
from sansang import i18n
from sansang.errors import SansangError
from sansang.i18n import Lang, pick

LOCK = web.AppKey("readiness_lock", asyncio.Lock)  # one edit at a time: check, store, apply
ACTIONS: dict[str, str] = {
    "plan": "readiness.plan.update",
    "site_drill": "readiness.drill.record",
    "province_drill": "readiness.province_drill.record",
    "team": "readiness.team.update",
}


class Refused(SansangError):
    """An edit not saved: why, in both languages (the API's JSON, the form's page)."""

    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.status, self.code, self.vi, self.en = status, code, vi, en


def field_label(field: str, lang: Lang) -> str:
    key = ".".join(p for p in field.split(".") if not p.isdigit())
    return pick(texts.READINESS_FIELDS, key, lang) if key in texts.READINESS_FIELDS else field


def _refused(refusal: overlay.Refusal) -> Refused:
    """400 naming the field: «Ngày phê duyệt» (approved_on): cần nhập."""
    said = texts.READINESS_ERRORS.get(refusal.kind)
    vi_msg, en_msg = said if said else (refusal.message, refusal.message)
    if not refusal.field:
        return Refused(400, "bad_record", f"Chưa lưu: {vi_msg}", f"Not saved: {en_msg}")
    vi = f"Chưa lưu: «{field_label(refusal.field, 'vi')}» ({refusal.field}): {vi_msg}"
    en = f"Not saved: {field_label(refusal.field, 'en')} ({refusal.field}): {en_msg}"
    return Refused(400, "bad_record", vi, en)


def _summary(kind: str, value: dict[str, Any] | None) -> dict[str, Any]:
    """What the audit log keeps of a record: no names, no phones, no free text."""
    if value is None:
        return {}
    if kind == "plan":
        keep = ("status", "approved_on", "decision", "file_sha256", "risk_level")
        out = {k: value[k] for k in keep if value.get(k) is not None}
        if value.get("fallback"):
            out["fallback_kind"] = value["fallback"]["kind"]
        if value.get("responder"):
            out["responder_confirmed_on"] = value["responder"]["confirmed_on"]
        return out
    if kind == "team":
        focal = value.get("focal_point") or {}
        return {
            "focal_point_confirmed_on": focal.get("confirmed_on"),
            "members": len(value.get("members") or []),
            "decision": value.get("decision", ""),
        }
    participants = value.get("participants") or {}
    out = {"held_on": value.get("held_on"), "result": value.get("result")}
    out["participants"] = participants.get("count") or len(participants.get("names") or [])
    if value.get("minutes"):
        out["minutes"] = value["minutes"]["reference"]
    for k in ("risks", "communes", "all_sites"):
        if value.get(k):
            out[k] = value[k]
    return out


def _before(c: Collector, kind: str, target: str, risk: str) -> dict[str, Any] | None:
    if kind == "plan":
        site = c.site(target)
        plan = site.contingency.get(risk) if site else None  # type: ignore[call-overload]
        return plan.model_dump(mode="json") if plan is not None else None
    if kind == "team":
        team = next((t for t in c.inventory.response_teams if t.commune_code == target), None)
        return team.model_dump(mode="json") if team is not None else None
    return None


async def save(
    request: web.Request, kind: EditKind, target: str, risk: str, value: Any
) -> ReadinessEdit:
    """Check, keep and apply one edit; audit it.  :class:`Refused` when it does not fit."""
    c = request.app[COLLECTOR]
    action = ACTIONS[kind]
    audited = "/".join(p for p in (target, risk) if p) or "province"
    scope = target if kind in ("plan", "site_drill", "team") else None
    principal = await auth.require_write(request, "write_readiness", action, audited, site=scope)
    if kind in ("plan", "site_drill") and c.site(target) is None:
        raise Refused(404, "not_found", f"Không có điểm {target}", f"No site {target}")
    if kind == "team" and not any(s.commune_code == target for s in c.inventory.sites):
        raise Refused(404, "not_found", f"Không có xã {target}", f"No commune {target}")
    if kind in ("plan", "site_drill") and risk not in RISKS:
        raise _refused(overlay.Refusal("risk", f"'{risk}' is not one of {', '.join(RISKS)}"))
    try:
        normal = overlay.normalise(kind, value)
    except overlay.EditRefused as err:
        raise _refused(err.refusal) from None
    async with request.app[LOCK]:
        source = c.source_inventory or c.inventory
        edit = ReadinessEdit(
            kind, target, risk, normal, time.time(), principal.name, principal.role
        )
        try:
            overlay.check(source, c.readiness_edits, edit)
        except overlay.EditRefused as err:
            raise _refused(err.refusal) from None
        before = _before(c, kind, target, risk)
        stored = await asyncio.to_thread(c.store.add_readiness_edit, edit)
        c.use_inventory(source, [*c.readiness_edits, stored])
    details = {"edit_id": stored.id, "before": _summary(kind, before)}
    details["after"] = _summary(kind, normal)
    await auth.audit(request, action, audited, details)
    return stored


# --- the API -------------------------------------------------------------------------------------
async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise api_error(
            400, "bad_json", "Nội dung không phải JSON", "The body is not JSON"
        ) from None


def _api(kind: EditKind) -> Any:
    async def handler(request: web.Request) -> web.Response:
        key = request.match_info.get("key") or request.match_info.get("code") or ""
        body = await _json_body(request)
        risk = request.match_info.get("risk", "")
        if kind == "site_drill" and isinstance(body, dict):
            body = dict(body)
            risk = str(body.pop("risk", ""))
        if kind == "team" and isinstance(body, dict):
            body = {**body, "commune_code": key}
        try:
            stored = await save(request, kind, key, risk, body)
        except Refused as err:
            raise api_error(err.status, err.code, err.vi, err.en) from None
        c = request.app[COLLECTOR]
        payload = {"edit_id": stored.id, "kind": kind, "value": stored.value}
        payload["ignored_edits"] = len(c.readiness_ignored)
        return web.json_response(payload, dumps=lambda v: json.dumps(v, ensure_ascii=False))

    return handler


async def site_readiness(request: web.Request) -> web.Response:
    """``GET /api/v1/sites/{key}/readiness``: the site's effective plans, its commune's team and
    the province's drills covering it; names and phones only with ``read_personal`` (else the
    audit log's summaries: statuses, dates, numbers, counts)."""
    c = request.app[COLLECTOR]
    key = request.match_info["key"]
    principal = auth.require_site(request, key)
    site = c.site(key)
    if site is None:
        raise api_error(404, "not_found", f"Không có điểm {key}", f"No site {key}")
    personal = auth.allowed(principal, "read_personal")

    def shown(kind: str, value: dict[str, Any]) -> dict[str, Any]:
        return value if personal else _summary(kind, value)

    team = site.response_team
    payload = {
        "site": key,
        "personal_data": personal,
        "contingency": {
            risk: shown("plan", plan.model_dump(mode="json"))
            for risk, plan in site.contingency.items()
        },
        "response_team": shown("team", team.model_dump(mode="json")) if team else None,
        "province_drills": [
            shown("province_drill", d.model_dump(mode="json")) for _i, d in site.province_drills
        ],
    }
    return web.json_response(payload, dumps=lambda v: json.dumps(v, ensure_ascii=False))


# --- the site page's forms -----------------------------------------------------------------------
def _text(form: Any, name: str) -> str:
    return str(form.get(name) or "").strip()


def _day(text: str) -> str:
    """``15/08/2025`` (as people write it) or ``2025-08-15`` (a date input) as ISO."""
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if found:
        day, month, year = found.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def plan_from_form(form: Any, risk: str) -> dict[str, Any]:
    """The plan a form says; blank fields left out (the model says what is missing)."""
    plan: dict[str, Any] = {"status": _text(form, "status") or "draft"}
    for name in ("approved_on", "decision", "file_sha256", "risk_level"):
        if value := _text(form, name):
            plan[name] = _day(value) if name == "approved_on" else value
    if text := _text(form, "fallback_text"):
        plan["fallback"] = {"kind": _text(form, "fallback_kind") or _FALLBACKS[risk], "text": text}
    person = {k: _text(form, f"responder_{k}") for k in ("name", "phone", "confirmed_on")}
    if any(person.values()):
        person["confirmed_on"] = _day(person["confirmed_on"])
        plan["responder"] = {k: v for k, v in person.items() if v}
    return plan


# The fallback a risk usually has (as the spreadsheet import gives it).
_FALLBACKS = {
    "hardware": "spare_device",
    "software": "restore_procedure",
    "cyberattack": "isolation_procedure",
    "link_loss": "backup_link",
    "power_loss": "ups_generator",
}


def drill_from_form(form: Any) -> dict[str, Any]:
    drill: dict[str, Any] = {
        "held_on": _day(_text(form, "held_on")),
        "result": _text(form, "result"),
    }
    if count := _text(form, "participants"):
        drill["participants"] = int(count) if count.isdigit() else count
    if reference := _text(form, "minutes"):
        drill["minutes"] = {"reference": reference}
    if scope := _text(form, "scope"):
        drill["scope"] = scope
    return {k: v for k, v in drill.items() if v != ""}


def team_from_form(form: Any, code: str) -> dict[str, Any]:
    """``members``: one per line, ``Họ tên, chức vụ, điện thoại`` (as the spreadsheet's)."""
    team: dict[str, Any] = {"commune_code": code, "decision": _text(form, "team_decision")}
    focal = {k: _text(form, f"focal_{k}") for k in ("name", "phone", "role", "confirmed_on")}
    if any(focal.values()):
        focal["confirmed_on"] = _day(focal["confirmed_on"])
        team["focal_point"] = {k: v for k, v in focal.items() if v}
    members = []
    for line in _text(form, "members").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if not any(parts):
            continue
        phone = parts[-1] if len(parts) > 1 else ""
        members.append({"name": parts[0], "role": ", ".join(parts[1:-1]), "phone": phone})
    team["members"] = members
    return team


def _form(kind: EditKind) -> Any:
    async def handler(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        lang = i18n.choose(request.query.get("lang"))
        form = await request.post()
        risk = request.match_info.get("risk", "")
        if kind == "plan":
            value: dict[str, Any] = plan_from_form(form, risk)
            target = key
        elif kind == "site_drill":
            value, risk, target = drill_from_form(form), _text(form, "risk"), key
        else:
            target = key.partition("-")[0]
            value = team_from_form(form, target)
        try:
            await save(request, kind, target, risk, value)
        except Refused as err:
            return _error_page(key, err, lang)
        suffix = "?lang=en" if lang == "en" else ""
        raise web.HTTPSeeOther(f"/sites/{key}{suffix}#readiness")

    return handler


def _error_page(key: str, err: Refused, lang: Lang) -> web.Response:
    """The refusal in words, with the way back (the browser keeps what was typed)."""
    import html

    title = texts.t("readiness_not_saved", lang)
    said = err.vi if lang == "vi" else err.en
    back = texts.t("readiness_back", lang)
    body = (
        f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}</title>'
        f'<h1>{title}</h1><p class="error" id="readiness-error">{html.escape(said)}</p>'
        f'<p><a href="/sites/{html.escape(key)}#readiness">{back}</a></p></html>'
    )
    return web.Response(text=body, status=err.status, content_type="text/html", charset="utf-8")


def add_routes(app: web.Application) -> None:
    app[LOCK] = asyncio.Lock()
    r = app.router
    r.add_get("/api/v1/sites/{key}/readiness", site_readiness)
    r.add_post("/api/v1/sites/{key}/plans/{risk}", _api("plan"))
    r.add_post("/api/v1/sites/{key}/drills", _api("site_drill"))
    r.add_post("/api/v1/communes/{code}/team", _api("team"))
    r.add_post("/api/v1/drills", _api("province_drill"))
    r.add_post("/sites/{key}/readiness/plans/{risk}", _form("plan"))
    r.add_post("/sites/{key}/readiness/drills", _form("site_drill"))
    r.add_post("/sites/{key}/readiness/team", _form("team"))
