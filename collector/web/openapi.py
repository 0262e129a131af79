"""The OpenAPI 3.1 description of the collector's API, as data (served at
``/api/v1/openapi.json``).  A test checks that every API route of the app is described here and
every path described here is a route, and validates the document (openapi-spec-validator).
"""

from __future__ import annotations

from typing import Any

_STR = {"type": "string"}
_NUM = {"type": "number"}
_INT = {"type": "integer"}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_OBJ = {"type": "object"}
_NOTE_TEXT = {"type": "string", "minLength": 1, "maxLength": 4000}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(description: str, schema: dict[str, Any], media: str = "application/json") -> Any:
    return {"description": description, "content": {media: {"schema": schema}}}


_ERR = {"content": {"application/json": {"schema": _ref("Error")}}}
_E400 = {"400": {"description": "bad parameter or body", **_ERR}}
_E401 = {"401": {"description": "no token, or a token that is not valid", **_ERR}}
_E403 = {"403": {"description": "the token's role may not do this", **_ERR}}
_E404 = {"404": {"description": "no such site", **_ERR}}
# A token scoped to some sites (collector/web/auth.py): another site's (or no site's: the same
# answer) is `forbidden_site`, naming no site; what carries every site is `forbidden_scope`.
_E403_SITE = {
    "403": {
        "description": "`forbidden_site`: the token is scoped to other sites (also for a key "
        "that does not exist, so the answer names no site)",
        **_ERR,
    }
}
_E403_SCOPE = {
    "403": {
        "description": "`forbidden_scope`: a token scoped to some sites may not read what "
        "covers every site",
        **_ERR,
    }
}
_SCOPED = " A token scoped to some sites gets its sites only."
_KEY = {
    "name": "key",
    "in": "path",
    "required": True,
    "description": "site key, e.g. `23527-main`",
    "schema": _STR,
}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> Any:
    return {"name": name, "in": "query", "description": description, "schema": schema or _STR}


def _get(summary: str, ok: Any, *extra: dict[str, Any], params: list[Any] | None = None) -> Any:
    responses: dict[str, Any] = {"200": ok, **_E401}
    for e in extra:
        responses.update(e)
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = params
    return {"get": op}


_SCHEMAS: dict[str, Any] = {
    "Month": {
        "type": "object",
        "required": ["month", "closed", "evaluated_at"],
        "properties": {
            "month": {"type": "string", "description": "YYYY-MM"},
            "label": {"type": "string", "description": "MM/YYYY, as a report writes it"},
            "closed": {"type": "boolean", "description": "evaluated after the month's end"},
            "evaluated_at": _TIME,
            "window": {"type": "object", "properties": {"start": _TIME, "end": _TIME}},
            "inventory_version": _STR,
            "catalogue_version": _STR,
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "vi", "en"],
                "properties": {"code": _STR, "vi": _STR, "en": _STR},
            }
        },
    },
    "Status": {"type": "string", "enum": ["met", "not_met", "unknown"]},
    "SiteSummary": {
        "type": "object",
        "required": ["key", "commune_code", "name", "latitude", "longitude", "targets"],
        "properties": {
            "key": _STR,
            "commune_code": _STR,
            "commune_name": _STR,
            "name": _STR,
            "latitude": _NUM,
            "longitude": _NUM,
            "links": {"type": "array", "items": _STR},
            "access": {"type": "string", "enum": ["pull", "push"]},
            "last_received": _TIME,
            "live": {"type": ["object", "null"]},
            "targets": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "status": _ref("Status"),
                        "value": {"type": ["number", "null"]},
                        "unit": _STR,
                    },
                },
            },
        },
    },
    "Finding": {
        "type": "object",
        "required": ["target", "site", "status", "window", "vi", "en", "evidence"],
        "properties": {
            "target": _STR,
            "site": _STR,
            "status": _ref("Status"),
            "value": {"type": ["number", "null"]},
            "threshold": {},
            "unit": _STR,
            "window": {"type": "object", "properties": {"start": _TIME, "end": _TIME}},
            "vi": _STR,
            "en": _STR,
            "cause": {"type": ["string", "null"]},
            "evidence": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": [
                                "events",
                                "query",
                                "inventory",
                                "survey",
                                "report",
                                "incident",
                                "error",
                            ],
                        },
                        "vi": _STR,
                        "en": _STR,
                        "refs": {"type": "array", "items": _STR},
                    },
                },
            },
            "details": _OBJ,
        },
    },
    "Rollup": {
        "type": "object",
        "required": ["target", "met", "not_met", "unknown"],
        "properties": {
            "target": _STR,
            "met": _INT,
            "not_met": _INT,
            "unknown": _INT,
            "central_outages": {
                "type": "array",
                "description": "OPS-247: systems lost by many sites at once; `end` is the "
                "window's end while `ongoing` is 1",
                "items": {
                    "type": "object",
                    "properties": {
                        "role": _STR,
                        "name": _STR,
                        "start": _NUM,
                        "end": _NUM,
                        "ongoing": {"type": "integer", "enum": [0, 1]},
                        "sites": _INT,
                        "watchers": _INT,
                        "share": _NUM,
                    },
                },
            },
        },
    },
    "Event": {
        "type": "object",
        "required": ["ref", "site", "seq", "wall_time", "kind", "subject"],
        "properties": {
            "ref": _STR,
            "site": _STR,
            "journal_id": _STR,
            "seq": _INT,
            "boot_id": _STR,
            "wall_time": _TIME,
            "wall_time_unix": _NUM,
            "kind": _STR,
            "subject": _STR,
            "state": {"type": ["string", "null"]},
            "value": {"type": ["number", "null"]},
            "details": _OBJ,
        },
    },
    "Note": {
        "type": "object",
        "required": ["id", "site", "at", "author", "text"],
        "properties": {"id": _INT, "site": _STR, "at": _TIME, "author": _STR, "text": _STR},
    },
    "HandoverCheck": {
        "description": "One check of `sansang agent diagnose` (sansang/handover.py)",
        "type": "object",
        "additionalProperties": False,
        "required": ["layer", "id", "name", "status"],
        "properties": {
            "layer": {
                "type": "string",
                "enum": [
                    "power",
                    "box",
                    "lan",
                    "wan",
                    "dns",
                    "services",
                    "terminals",
                    "conference",
                    "printers",
                ],
            },
            "id": {"type": "string", "maxLength": 200},
            "name": {"type": "string", "maxLength": 200},
            "status": {"type": "string", "enum": ["ok", "warn", "fail", "skip"]},
            "reason": {"type": "string", "maxLength": 64},
            "vi": {"type": "string", "maxLength": 2000},
            "en": {"type": "string", "maxLength": 2000},
            "advice": {
                "type": ["object", "null"],
                "properties": {"vi": _STR, "en": _STR, "path": {"type": ["string", "null"]}},
            },
            "figures": {"type": "object", "maxProperties": 50},
        },
    },
    "HandoverRecord": {
        "description": "A handover record (biên bản bàn giao) as `sansang agent diagnose --out` "
        "embeds it (docs/handover.md); `hash` is sha256 of the record without `hash` as "
        "canonical JSON (sorted keys, compact, UTF-8)",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "site",
            "site_name",
            "technician",
            "started_at",
            "finished_at",
            "results",
            "exit_code",
            "hash",
        ],
        "properties": {
            "version": {"type": "integer", "const": 1},
            "site": _STR,
            "site_name": _STR,
            "commune": _STR,
            "host": _STR,
            "technician": {"type": "string", "minLength": 1, "maxLength": 200},
            "started_at": {"type": "number", "description": "Unix seconds"},
            "finished_at": {"type": "number", "description": "Unix seconds"},
            "done": {"type": "array", "maxItems": 50, "items": {"type": "string"}},
            "results": {"type": "array", "maxItems": 500, "items": _ref("HandoverCheck")},
            "exit_code": {"type": "integer", "minimum": 0, "maximum": 4},
            "first_failure": {"oneOf": [{"type": "null"}, _ref("HandoverCheck")]},
            "hash": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
        },
    },
    "Handover": {
        "description": "A kept handover record (its note on the site: `note_id`)",
        "type": "object",
        "required": ["site", "hash", "note_id", "received_at", "author", "technician"],
        "properties": {
            "site": _STR,
            "hash": _STR,
            "note_id": _INT,
            "received_at": _TIME,
            "author": {"type": "string", "description": "the token that uploaded it"},
            "technician": _STR,
            "finished_at": _TIME,
            "counts": {
                "type": "object",
                "properties": {"ok": _INT, "warn": _INT, "fail": _INT, "skip": _INT},
            },
            "first_failure": {"type": ["object", "null"]},
            "page": {"type": "string", "description": "the collector's page of the record"},
            "record": _ref("HandoverRecord"),
        },
    },
    "SurveyRecord": {
        "description": "One record of `sansang survey` (tools/survey.py); other fields are ignored",
        "type": "object",
        "required": ["schema", "kind", "label", "latitude", "longitude", "throughput", "latency"],
        "properties": {
            "schema": {"type": "integer", "const": 1},
            "kind": {"type": "string", "const": "dead_zone_survey"},
            "wall_time_unix": _NUM,
            "time": {"type": "string", "format": "date-time"},
            "label": {"type": "string", "minLength": 1, "maxLength": 200},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "site": {"type": ["string", "null"], "description": "the site it was taken for"},
            "throughput": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["ok"],
                    "properties": {
                        "ok": {"type": "boolean"},
                        "download_bps": {"type": ["number", "null"], "minimum": 0},
                        "upload_bps": {"type": ["number", "null"], "minimum": 0},
                        "latency_seconds": {"type": ["number", "null"], "minimum": 0},
                    },
                },
            },
            "latency": {
                "type": "object",
                "required": ["loss_ratio"],
                "properties": {
                    "loss_ratio": {"type": "number", "minimum": 0, "maximum": 1},
                    "median_seconds": {"type": ["number", "null"], "minimum": 0},
                },
            },
            "cellular": {"type": ["object", "null"]},
        },
    },
    "SurveyPoint": {
        "description": "A coverage survey point (a village, or a site's place); null: not measured",
        "type": "object",
        "required": ["label", "latitude", "longitude", "time", "wall_time_unix"],
        "properties": {
            "label": _STR,
            "latitude": _NUM,
            "longitude": _NUM,
            "time": _TIME,
            "wall_time_unix": _NUM,
            "site": {"type": ["string", "null"], "description": "the site it was taken for"},
            "download_bps": {"type": ["number", "null"], "description": "bytes per second"},
            "download_mbps": {"type": ["number", "null"]},
            "upload_bps": {"type": ["number", "null"]},
            "loss_ratio": {"type": ["number", "null"]},
            "latency_seconds": {"type": ["number", "null"]},
            "operator": {"type": ["string", "null"]},
            "technology": {"type": ["string", "null"]},
            "rsrp_dbm": {"type": ["number", "null"], "description": "the modem's RSRP, dBm"},
            "rsrq_db": {"type": ["number", "null"], "description": "the modem's RSRQ, dB"},
        },
    },
    "AuditEntry": {
        "type": "object",
        "required": ["at", "actor", "role", "action", "target", "details"],
        "properties": {
            "at": _TIME,
            "actor": _STR,
            "role": _STR,
            "action": _STR,
            "target": _STR,
            "details": _OBJ,
        },
    },
}


def _readiness_write(summary: str, params: list[Any]) -> Any:
    return {
        "post": {
            "summary": summary,
            "parameters": params,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _OBJ}}},
            "responses": {
                "200": _ok("saved: the edit's id and the value kept", _OBJ),
                "400": {"description": "`bad_record`: the field named, nothing saved", **_ERR},
                **_E401,
                "403": {
                    "description": "`forbidden` (the role) or `forbidden_site` (a scoped token, "
                    "another place); the refusal is audited",
                    **_ERR,
                },
                "404": {"description": "no such site or commune", **_ERR},
            },
        }
    }


def _list_of(key: str, item: str, **more: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {key: {"type": "array", "items": _ref(item)}, **more}}


# ?month=YYYY-MM: a calendar month's kept findings (collector.evaluate.months) instead of the
# newest evaluation's.
_MONTH = _query(
    "month",
    "a calendar month in Vietnam's time, `YYYY-MM`: its kept findings (404 when none are kept)",
    {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
)
_E404_MONTH = {"404": {"description": "no findings kept for that month", **_ERR}}
_MONTH_FIELDS: dict[str, Any] = {
    "month": {"type": "string", "description": "with `?month=`: the month, YYYY-MM"},
    "closed": {"type": "boolean", "description": "with `?month=`: evaluated after its end"},
    "inventory_version": {"type": "string", "description": "sha256 of the inventory used"},
    "catalogue_version": {"type": "string", "description": "sha256 of catalogue + thresholds"},
    "dead_zone_points": _INT,
}

# Findings about the province as a whole (site "province"): OPS-247, one per central system
# (details: role, system, watchers, outages, down_seconds, unknown_seconds, ongoing).
_PROVINCE = {"type": "array", "items": _ref("Finding")}

_SINCE = _query(
    "since", "Unix seconds or ISO 8601 with an offset, 1970 to 2100; default: until - 7 days"
)
_UNTIL = _query("until", "Unix seconds or ISO 8601 with an offset, 1970 to 2100; default: now")
_LIMIT = _query("limit", "most entries returned", {"type": "integer", "minimum": 1})

_PATHS: dict[str, Any] = {
    "/healthz": {
        "get": {
            "summary": "Liveness; no token needed, says nothing about the sites",
            "security": [],
            "responses": {"200": _ok("ok", _STR, "text/plain")},
        }
    },
    "/-/healthy": {
        "get": {
            "summary": "Liveness as Prometheus and Kubernetes probe it (also HEAD); no token",
            "security": [],
            "responses": {"200": _ok("OK", _STR, "text/plain")},
        }
    },
    "/-/ready": {
        "get": {
            "summary": "Readiness (also HEAD); no token: 200 once the store is open and the "
            "inventory loaded (the first evaluation is not awaited), 503 while starting or "
            "stopping",
            "security": [],
            "responses": {
                "200": _ok("OK", _STR, "text/plain"),
                "503": _ok("not ready, and why (Vietnamese / English)", _STR, "text/plain"),
            },
        }
    },
    "/metrics": _get(
        "The collector's metrics (Prometheus text or OpenMetrics); docs/collector-metrics.md. "
        "Not for a token scoped to some sites (every site's series)",
        _ok("exposition", _STR, "text/plain"),
        _E403_SCOPE,
    ),
    "/login": {
        "get": {
            "summary": "Login form for browsers (?next=PATH, ?lang=en)",
            "security": [],
            "responses": {"200": _ok("form", _STR, "text/html")},
        },
        "post": {
            "summary": "Check a token and set the session cookie (HttpOnly, SameSite=Strict)",
            "security": [],
            "requestBody": {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["token"],
                            "properties": {"token": _STR, "next": _STR},
                        }
                    }
                }
            },
            "responses": {
                "303": {"description": "logged in: to `next`"},
                "401": _ok("token not valid: the form again", _STR, "text/html"),
                "403": {"description": "cross-site login refused", **_ERR},
            },
        },
    },
    "/logout": {
        "post": {
            "summary": "End the browser session",
            "security": [],
            "responses": {"303": {"description": "to /login"}},
        }
    },
    "/api/v1/openapi.json": _get("This document", _ok("OpenAPI 3.1", _OBJ)),
    "/api/v1/whoami": _get(
        "The token's name, role, sites and communes, and whether it reads every site",
        _ok(
            "principal",
            {
                "type": "object",
                "properties": {
                    "name": _STR,
                    "role": _STR,
                    "sites": {
                        "type": "array",
                        "items": _STR,
                        "description": "technician: where it writes; viewer, security_reviewer: "
                        "the only sites it reads (with those of `communes`)",
                    },
                    "communes": {"type": "array", "items": _STR},
                    "reads": {"enum": ["province", "sites"]},
                },
            },
        ),
    ),
    "/api/v1/sites": _get(
        "Every site: inventory, live values, status per target." + _SCOPED,
        _ok("sites", _list_of("sites", "SiteSummary", evaluated_at=_TIME)),
    ),
    "/api/v1/sites/{key}": {
        **_get(
            "One site with its findings; contingency plans only for security_reviewer and admin",
            _ok("site", {"allOf": [_ref("SiteSummary")], "type": "object"}),
            _E403_SITE,
            _E404,
        ),
        "parameters": [_KEY],
    },
    "/api/v1/sites/{key}/findings": {
        **_get(
            "A site's findings with evidence",
            _ok("findings", _list_of("findings", "Finding")),
            _E403_SITE,
            _E404,
        ),
        "parameters": [_KEY],
    },
    "/api/v1/sites/{key}/events": {
        **_get(
            "A site's events from the store, newest first",
            _ok("events", _list_of("events", "Event")),
            _E400,
            _E403_SITE,
            _E404,
            params=[
                _SINCE,
                _UNTIL,
                _query("kind", "event kinds, comma-separated or repeated"),
                _LIMIT,
            ],
        ),
        "parameters": [_KEY],
    },
    "/api/v1/sites/{key}/notes": {
        **_get(
            "A site's notes, newest first",
            _ok("notes", _list_of("notes", "Note")),
            _E403_SITE,
            _E404,
            params=[_LIMIT],
        ),
        "post": {
            "summary": "Add a note (technician for its own sites, admin); audited",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["text"],
                            "additionalProperties": False,
                            "properties": {
                                "text": {"type": "string", "minLength": 1, "maxLength": 4000}
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": _ok("the note", _ref("Note")),
                **_E400,
                **_E401,
                **_E403,
                **_E404,
                "413": {"description": "body too large", **_ERR},
                "415": {"description": "not application/json", **_ERR},
            },
        },
        "parameters": [_KEY],
    },
    "/api/v1/sites/{key}/handovers": {
        **_get(
            "A site's handover records (biên bản bàn giao), newest first",
            _ok("records", _list_of("handovers", "Handover")),
            _E403_SITE,
            _E404,
            params=[_LIMIT],
        ),
        "post": {
            "summary": "Upload a handover record (`sansang agent upload-record`): technician "
            "for its own sites, admin; kept as a note on the site; the same record again is "
            "200 with the one kept; audited",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("HandoverRecord")}},
            },
            "responses": {
                "200": _ok("already kept: the record stored before", _ref("Handover")),
                "201": _ok("kept", _ref("Handover")),
                "400": {
                    "description": "`bad_handover` (fields named), `wrong_site` (the path's "
                    "site is not the record's) or `bad_hash` (the content hash does not match)",
                    **_ERR,
                },
                **_E401,
                **_E403,
                **_E404,
                "413": {"description": "body larger than 1 MiB", **_ERR},
                "415": {"description": "not application/json", **_ERR},
            },
        },
        "parameters": [_KEY],
    },
    "/api/v1/sites/{key}/handovers/{hash}": {
        **_get(
            "One handover record with its content",
            _ok("the record", _ref("Handover")),
            _E403_SITE,
            {"404": {"description": "no such site, or no such record of it", **_ERR}},
        ),
        "parameters": [
            _KEY,
            {
                "name": "hash",
                "in": "path",
                "required": True,
                "description": "the record's content hash, `sha256:<hex>`",
                "schema": _STR,
            },
        ],
    },
    "/api/v1/findings": _get(
        "Findings of the newest evaluation, filtered; the province's own (site `province`: "
        "OPS-247 per central system) in `province_findings`." + _SCOPED + " It reads the "
        "province's own too, their evidence refs cut to its sites' events",
        _ok(
            "findings",
            _list_of(
                "findings",
                "Finding",
                evaluated_at=_TIME,
                province_findings=_PROVINCE,
                **{k: v for k, v in _MONTH_FIELDS.items() if k != "dead_zone_points"},
            ),
        ),
        _E400,
        _E404_MONTH,
        params=[
            _query("target", "target ids, comma-separated"),
            _query("status", "met, not_met, unknown; comma-separated"),
            _query("site", "site keys, comma-separated; `province` for the province's own"),
            _MONTH,
            _query(
                "format",
                "`json` (default) or `csv`: one finding a row (site, target, status, value, "
                "unit, threshold, cause, vi, en), UTF-8 with a byte-order mark",
            ),
        ],
    ),
    "/api/v1/months": _get(
        "The calendar months whose findings are kept, newest first (`?month=` of /findings "
        "and /evaluation)",
        _ok(
            "months",
            {"type": "object", "properties": {"months": {"type": "array", "items": _ref("Month")}}},
        ),
    ),
    "/api/v1/targets": _get(
        "The target catalogue with the province's effective thresholds",
        _ok("targets", {"type": "object", "properties": {"targets": {"type": "array"}}}),
    ),
    "/api/v1/inventory": _get(
        "The inventory; contingency plans, drills and responders only for security_reviewer "
        "and admin." + _SCOPED,
        _ok("inventory", {"type": "object", "properties": {"sites": {"type": "array"}}}),
    ),
    "/api/v1/inventory/reload": {
        "post": {
            "summary": "Read the inventory and tokens files again (admin); audited",
            "responses": {
                "200": _ok("reloaded", {"type": "object", "properties": {"sites": _INT}}),
                "400": {"description": "a file is invalid; the old inventory stays", **_ERR},
                **_E401,
                **_E403,
            },
        }
    },
    # Readiness records edited (collector/web/readinessforms.py, docs/inventory.md): the body is
    # the record as the inventory YAML writes it; write_readiness (security_reviewer, admin).
    "/api/v1/sites/{key}/readiness": _get(
        "A site's effective plans, its commune's team, the province's drills covering it (the "
        "YAML with the web edits); names and phones only for read_personal",
        _ok("readiness", _OBJ),
        _E403_SITE,
        _E404,
        params=[_KEY],
    ),
    "/api/v1/sites/{key}/plans/{risk}": _readiness_write(
        "Replace the site's plan of a risk (status, approved_on, decision, file_sha256, "
        "risk_level, fallback, responder); audited",
        [_KEY, {"name": "risk", "in": "path", "required": True, "schema": _STR}],
    ),
    "/api/v1/sites/{key}/drills": _readiness_write(
        "Record a drill of the site's plan (`risk`, held_on, result, participants, minutes, "
        "scope); audited",
        [_KEY],
    ),
    "/api/v1/communes/{code}/team": _readiness_write(
        "Replace the commune's focal point and response team (focal_point, members, decision); "
        "audited",
        [{"name": "code", "in": "path", "required": True, "schema": _STR}],
    ),
    "/api/v1/drills": _readiness_write(
        "Record a drill the province held (held_on, result, risks, communes or all_sites, "
        "participants, minutes, organiser); audited; never a scoped token",
        [],
    ),
    "/api/v1/survey": {
        **_get(
            "Stored coverage survey points of a span (default: the 30 days to now), oldest "
            "first." + _SCOPED,
            _ok("points", _list_of("points", "SurveyPoint", since=_TIME, until=_TIME)),
            _E400,
            params=[
                _query(
                    "since",
                    "Unix seconds or ISO 8601 with an offset, 1970 to 2100; default: until - 30 "
                    "days",
                ),
                _UNTIL,
                _query("site", "site keys, comma-separated; `none` for places tied to no site"),
                _LIMIT,
            ],
        ),
        "post": {
            "summary": "Add coverage survey points (technician for its own sites, admin); all or "
            "none; the same label, time and place is stored once; audited",
            "parameters": [_query("site", "site key for records without their own `site`")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "maxItems": 1000,
                            "items": _ref("SurveyRecord"),
                        }
                    }
                },
            },
            "responses": {
                "200": _ok(
                    "stored",
                    {
                        "type": "object",
                        "properties": {"records": _INT, "stored": _INT, "duplicates": _INT},
                    },
                ),
                "400": {
                    "description": "a bad record (its index and field named); none stored",
                    **_ERR,
                },
                **_E401,
                **_E403,
                "413": {"description": "body over 2 MiB or more than 1000 records", **_ERR},
                "415": {"description": "not application/json", **_ERR},
            },
        },
    },
    "/api/v1/dead-zone-points": _get(
        "INF-DZ: surveyed places (villages) tied to no site below the thresholds, from the "
        "newest evaluation: the province's list for the carriers (none for a token scoped to "
        "some sites: such a place is in no commune it covers)",
        _ok("points", _list_of("points", "SurveyPoint", evaluated_at=_TIME)),
    ),
    "/api/v1/evaluation": _get(
        "The newest evaluation: when, its window, the province rollups (OPS-247's central "
        "outages), the findings about the province as a whole; with `month`, that month's kept "
        "evaluation (rollups without central outages); a token scoped to some sites: counts "
        "of its sites only (`scope: sites`)",
        _ok(
            "evaluation",
            {
                "type": "object",
                "properties": {
                    "evaluated_at": _TIME,
                    "findings": _INT,
                    "rollups": {"type": "array", "items": _ref("Rollup")},
                    "province_findings": _PROVINCE,
                    **_MONTH_FIELDS,
                },
            },
        ),
        _E400,
        _E404_MONTH,
        params=[_MONTH],
    ),
    "/api/v1/reports": _get(
        "The month's report (docx, pdf, xlsx) or central export (csv, json); every role, a "
        "technician's of its sites only, a token scoped to some sites of those; written, kept "
        "and audited at the first request "
        "(docs/central-export.md)",
        {
            "description": "the file (Content-Disposition: attachment; X-Report-SHA256: its hash)",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in (
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/pdf",
                    "text/csv",
                    "application/json",
                )
            },
        },
        _E400,
        {"404": {"description": "no findings kept for that month", **_ERR}},
        params=[
            {**_query("month", "the month, YYYY-MM"), "required": True},
            {
                **_query(
                    "format",
                    "report or export format",
                    {"type": "string", "enum": ["docx", "pdf", "xlsx", "csv", "json"]},
                ),
                "required": True,
            },
        ],
    ),
    "/api/v1/reports/index": _get(
        "The reports kept, newest first, with their SHA-256 (written_by: security_reviewer, "
        "admin only)",
        _ok("reports", {"type": "object", "properties": {"reports": {"type": "array"}}}),
    ),
    "/api/v1/audit": _get(
        "The audit log, newest first (security_reviewer, admin; not a token scoped to some "
        "sites: it covers every site)",
        _ok("entries", _list_of("entries", "AuditEntry")),
        {"403": {"description": "`forbidden` (the role) or `forbidden_scope`", **_ERR}},
        params=[_LIMIT],
    ),
    # The ingest (docs/ingest.md): per-site push credentials instead of API tokens.
    "/api/v1/ingest": {
        "post": {
            "summary": "Push a batch of journal events (docs/ingest.md)",
            "security": [{"push": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _OBJ}}},
            "responses": {
                "200": _ok("stored (or already there)", _OBJ),
                "400": {"description": "malformed batch; nothing stored"},
                "401": {"description": "no or unknown push credential"},
                "403": {"description": "the credential is not that site's"},
                "413": {"description": "batch too large"},
            },
        }
    },
    "/api/v1/ingest/cursor": {
        "get": {
            "summary": "How far the collector has a journal (docs/ingest.md)",
            "security": [{"push": []}],
            "responses": {
                "200": _ok("cursor", _OBJ),
                "401": {"description": "no or unknown push credential"},
                "403": {"description": "the credential is not that site's"},
            },
        }
    },
}

# --- incidents (collector/web/incidents.py; docs/incidents.md) ----------------------------------
_SCHEMAS["Incident"] = {
    "type": "object",
    "required": ["id", "site", "kind", "severity", "summary", "state", "open", "started_at"],
    "properties": {
        "id": _INT,
        "url": {"type": "string", "description": "its page, /incidents/{id}"},
        "site": {"type": ["string", "null"], "description": "null: province-wide"},
        "commune": {"type": ["string", "null"]},
        "kind": {"type": "string", "description": "power_loss, link_loss, cyberattack, ..."},
        "kind_vi": _STR,
        "subject": {"type": ["string", "null"], "description": "a service or a terminal"},
        "alertname": {"type": ["string", "null"], "description": "null: recorded by hand"},
        "severity": {"type": "string", "enum": ["critical", "warning"]},
        "summary": _STR,
        "state": {"type": "string", "enum": ["new", "acknowledged", "restored", "reported"]},
        "open": {"type": "boolean"},
        "started_at": _TIME,
        "detected_at": _TIME,
        "time_to_detect_seconds": _NUM,
        "acknowledged_at": _TIME,
        "acknowledged_by": {"type": ["string", "null"]},
        "restored_at": _TIME,
        "restored_by": {"type": ["string", "null"], "description": "alertmanager or a token"},
        "time_to_restore_seconds": {"type": ["number", "null"]},
        "reported_at": _TIME,
        "reported_by": {"type": ["string", "null"]},
        "report_ref": {"type": ["string", "null"], "description": "số công văn / biên bản"},
        "report_deadline": _TIME,
        "report_deadline_day": {"type": "string", "format": "date"},
        "overdue": {"type": "boolean", "description": "not reported, deadline passed"},
        "opened_by": _STR,
        "alerts": {"type": "array", "items": _OBJ, "description": "one incident only"},
        "notes": {"type": "array", "items": _OBJ, "description": "one incident only"},
        "changed": {"type": "boolean", "description": "a write: whether it changed anything"},
    },
}
_ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": _INT}
_E404_INCIDENT = {"404": {"description": "no such incident, or not one the token reads", **_ERR}}
_AT = {"type": ["number", "string"], "description": "Unix seconds or ISO 8601; default now"}


def _incident_write(summary: str, fields: dict[str, Any], required: list[str]) -> Any:
    body = {"type": "object", "additionalProperties": False, "properties": fields}
    if required:
        body["required"] = required
    return {
        "post": {
            "summary": summary,
            "requestBody": {"content": {"application/json": {"schema": body}}},
            "responses": {
                "200": _ok("the incident after the change", _ref("Incident")),
                "201": _ok("the incident with the new note", _ref("Incident")),
                **_E400,
                **_E401,
                **_E403,
                **_E404_INCIDENT,
                "409": {"description": "already reported with another reference", **_ERR},
            },
        },
        "parameters": [_ID_PARAM],
    }


_PATHS |= {
    "/api/v1/alertmanager/webhook": {
        "post": {
            "summary": "Alertmanager's webhook (version 4): firing alerts open or join "
            "incidents, resolved ones restore them; a repeat changes nothing. Role alertmanager "
            "(reaches this path only) or admin; body at most 1 MiB",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _OBJ}}},
            "responses": {
                "200": _ok(
                    "what changed (incident ids) and the alerts skipped with why",
                    {
                        "type": "object",
                        "properties": {
                            k: {"type": "array", "items": _INT}
                            for k in ("opened", "reopened", "joined", "restored")
                        }
                        | {"unchanged": _INT, "skipped": {"type": "array", "items": _OBJ}},
                    },
                ),
                **_E400,
                **_E401,
                **_E403,
                "413": {"description": "body too large", **_ERR},
                "415": {"description": "not application/json", **_ERR},
            },
        }
    },
    "/api/v1/incidents": {
        **_get(
            "Incidents the token reads, open first then newest (docs/incidents.md)",
            _ok(
                "incidents",
                _list_of("incidents", "Incident", report_within_days=_NUM),
            ),
            _E400,
            _E403,
            params=[
                _query("open", "1: open ones only", {"type": "string", "enum": ["0", "1"]}),
                _query("site", "site keys, comma-separated or repeated"),
                _query("since", "started since (Unix seconds or ISO 8601), or still open"),
                _LIMIT,
            ],
        ),
        **{
            "post": _incident_write(
                "Record an incident by hand, e.g. a cyberattack (security_reviewer, admin); "
                "audited",
                {
                    "site": {"type": ["string", "null"]},
                    "kind": _STR,
                    "started_at": _AT,
                    "summary": {"type": "string", "minLength": 1, "maxLength": 300},
                    "severity": {"type": "string", "enum": ["critical", "warning"]},
                },
                ["kind", "summary"],
            )["post"]
        },
    },
    "/api/v1/incidents/{id}": {
        **_get(
            "One incident with its alerts and notes",
            _ok("incident", _ref("Incident")),
            _E404_INCIDENT,
        ),
        "parameters": [_ID_PARAM],
    },
    "/api/v1/incidents/{id}/ack": _incident_write(
        "Acknowledge (security_reviewer, admin); once; audited", {}, []
    ),
    "/api/v1/incidents/{id}/restore": _incident_write(
        "Record the restore (security_reviewer, admin); audited", {"at": _AT}, []
    ),
    "/api/v1/incidents/{id}/report": _incident_write(
        "Record the report sent, with its reference (security_reviewer, admin); audited",
        {"ref": {"type": "string", "minLength": 1, "maxLength": 200}, "at": _AT},
        ["ref"],
    ),
    "/api/v1/incidents/{id}/notes": _incident_write(
        "Add a note (technician for its own sites, security_reviewer, admin); audited",
        {"text": _NOTE_TEXT},
        ["text"],
    ),
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "sansang collector API",
        "version": "1",
        "description": "The province collector: sites, findings, events, inventory, notes and "
        "the audit log. Roles: viewer (Sở KH&CN), security_reviewer (Công an tỉnh), technician "
        "(writes for its own sites), admin, alertmanager (its webhook only). Errors are JSON "
        "with a Vietnamese and an English message.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}, {"session": []}],
    "paths": _PATHS,
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "an API token"},
            "session": {"type": "apiKey", "in": "cookie", "name": "sansang_session"},
            "push": {
                "type": "http",
                "scheme": "bearer",
                "description": "a site's push credential (docs/ingest.md)",
            },
        },
    },
}
