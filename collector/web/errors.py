"""JSON errors of the collector's API, in Vietnamese and English.

    raise api_error(404, "not_found", "Không có điểm 23527-x", "No site 23527-x")

gives ``{"error": {"code": "not_found", "vi": "...", "en": "..."}}`` with that status.
"""

from __future__ import annotations

import json

from aiohttp import web

_CLASSES: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    415: web.HTTPUnsupportedMediaType,
    503: web.HTTPServiceUnavailable,
}


def api_error(
    status: int, code: str, vi: str, en: str, headers: dict[str, str] | None = None
) -> web.HTTPException:
    """An aiohttp exception to ``raise``, with a JSON body naming the problem in both languages."""
    body = json.dumps({"error": {"code": code, "vi": vi, "en": en}}, ensure_ascii=False)
    if status == 413:
        return web.HTTPRequestEntityTooLarge(
            max_size=0, actual_size=0, text=body, content_type="application/json", headers=headers
        )
    return _CLASSES[status](text=body, content_type="application/json", headers=headers)
