"""The real collector process (``sansang collector run``): roles and tokens on every endpoint,
the audit log of writes (allowed and refused), bad input, the browser session and cross-site
writes, the OpenAPI description, /metrics through promtool, SIGTERM and config errors.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.evaluate.model import STATUSES
from sansang.events import Event
from tests.support import event_json, wait_until
from tests.support.collector import (
    CollectorProcess,
    default_tokens,
    inventory_of,
    running_collector,
    site,
)
from tests.support.env import SANSANG, have
from tests.support.metrics import parse_metrics, value

pytestmark = pytest.mark.integration

SA_THAY, LY_SON = "23527-main", "21548-main"
ROLES = ("viewer", "security_reviewer", "technician", "admin")
READS = (
    "/metrics",
    "/api/v1/openapi.json",
    "/api/v1/whoami",
    "/api/v1/sites",
    f"/api/v1/sites/{SA_THAY}",
    f"/api/v1/sites/{LY_SON}/findings",
    f"/api/v1/sites/{LY_SON}/events",
    f"/api/v1/sites/{LY_SON}/notes",
    "/api/v1/findings",
    "/api/v1/targets",
    "/api/v1/inventory",
    "/api/v1/evaluation",
    "/api/v1/survey",
    "/api/v1/dead-zone-points",
)
RESPONDER = "Trần Thị Phương"  # personal data: only security_reviewer and admin see it


def _inventory() -> Any:
    sa_thay = site("23527")
    for plan in sa_thay["contingency"].values():
        plan["responder"]["name"] = RESPONDER
    return inventory_of(sa_thay, site("21548", latitude=15.38, longitude=109.118))


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    workdir = tmp_path_factory.mktemp("collector")
    config = {"evaluate": {"interval": "1s", "window": "1d"}, "pull": {"interval": "1s"}}
    with running_collector(
        config, _inventory(), workdir, credentials={"21548-main": "x" * 43}
    ) as c:
        yield c


def _error(body: bytes) -> dict[str, str]:
    err = json.loads(body)["error"]
    assert err["code"] and err["vi"] and err["en"], err
    return err  # type: ignore[no-any-return]


def _audit(c: CollectorProcess) -> list[dict[str, Any]]:
    status, body = c.get_json("/api/v1/audit?limit=1000", as_="admin")
    assert status == 200
    return body["entries"]  # type: ignore[no-any-return]


# --- reading -------------------------------------------------------------------------------------


def test_healthz_needs_no_token(collector: CollectorProcess) -> None:
    assert collector.request("GET", "/healthz")[0] == 200
    for path in ("/-/healthy", "/-/ready"):  # the Prometheus/Kubernetes probes
        status, _, body = collector.request("GET", path)
        assert (status, body) == (200, b"OK\n"), path


@pytest.mark.parametrize("path", [*READS, "/api/v1/audit"])
def test_every_read_without_or_with_a_wrong_token_is_401(
    collector: CollectorProcess, path: str
) -> None:
    status, headers, body = collector.request("GET", path)
    assert status == 401, body
    assert headers["WWW-Authenticate"].startswith("Bearer")
    _error(body)
    bad = {"Authorization": "Bearer not-a-token"}
    assert collector.request("GET", path, headers=bad)[0] == 401
    basic = {"Authorization": "Basic YWRtaW46YWRtaW4="}
    assert collector.request("GET", path, headers=basic)[0] == 401


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_sites_findings_events_inventory(
    collector: CollectorProcess, role: str
) -> None:
    for path in READS:
        status, _, body = collector.request("GET", path, as_=role)
        assert status == 200, (path, body)
    status, _, body = collector.request("GET", "/api/v1/audit", as_=role)
    assert status == (200 if role in ("security_reviewer", "admin") else 403), body
    if status == 403:
        assert _error(body)["code"] == "forbidden"


@pytest.mark.parametrize("role", ROLES)
def test_personal_data_only_for_security_reviewer_and_admin(
    collector: CollectorProcess, role: str
) -> None:
    sees = role in ("security_reviewer", "admin")
    for path in ("/api/v1/inventory", f"/api/v1/sites/{SA_THAY}"):
        status, _, body = collector.request("GET", path, as_=role)
        assert status == 200
        assert (RESPONDER in body.decode()) == sees, (role, path)
        assert ("contingency" in body.decode()) == sees, (role, path)


def test_sites_lists_the_inventory_with_a_status_per_target(collector: CollectorProcess) -> None:
    status, headers, raw = collector.request("GET", "/api/v1/sites", as_="viewer")
    assert status == 200
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    body = json.loads(raw)
    assert [s["key"] for s in body["sites"]] == [SA_THAY, LY_SON]
    assert body["sites"][0]["commune_code"] == "23527"
    assert body["sites"][1]["access"] == "push"
    status, me = collector.get_json("/api/v1/whoami", as_="technician")
    assert me == {
        "name": "technician",
        "role": "technician",
        "sites": [SA_THAY],  # where it writes; it reads the whole province
        "communes": [],
        "reads": "province",
    }
    status, targets = collector.get_json("/api/v1/targets", as_="viewer")
    assert any(t["id"] == "INF-BW" and t["thresholds"] for t in targets["targets"])


# --- writing and the audit log -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "key", "expected"),
    [
        ("viewer", SA_THAY, 403),
        ("security_reviewer", SA_THAY, 403),
        ("technician", SA_THAY, 201),
        ("technician", LY_SON, 403),
        ("admin", LY_SON, 201),
    ],
)
def test_note_writes_by_role_and_site_are_all_audited(
    collector: CollectorProcess, role: str, key: str, expected: int
) -> None:
    text = f"Kiểm tra tại chỗ bởi {role} #{key}"
    status, body = collector.post_json(f"/api/v1/sites/{key}/notes", {"text": text}, as_=role)
    assert status == expected, body
    _, notes = collector.get_json(f"/api/v1/sites/{key}/notes", as_="viewer")
    stored = [n for n in notes["notes"] if n["text"] == text]
    entry = next(
        e
        for e in _audit(collector)
        if e["actor"] == role and e["action"] == "note.create" and e["target"] == key
    )
    assert entry["role"] == role
    if expected == 201:
        assert body["author"] == role and body["text"] == text
        assert [n["id"] for n in stored] == [body["id"]]
        assert entry["details"]["result"] == "ok"
        assert entry["details"]["note_id"] == body["id"]
    else:
        assert stored == []
        code = "forbidden_site" if role == "technician" else "forbidden"
        assert body["error"]["code"] == code
        assert entry["details"]["result"] == "denied"


def test_a_write_without_a_token_is_401_and_stores_nothing(collector: CollectorProcess) -> None:
    before = len(_audit(collector))
    status, body = collector.post_json(
        f"/api/v1/sites/{SA_THAY}/notes", {"text": "ẩn danh"}, as_=None
    )
    assert status == 401 and body["error"]["code"] == "unauthorized"
    _, notes = collector.get_json(f"/api/v1/sites/{SA_THAY}/notes")
    assert all(n["text"] != "ẩn danh" for n in notes["notes"])
    assert len(_audit(collector)) == before


@pytest.mark.parametrize("role", ROLES)
def test_inventory_reload_is_for_admin_only_and_audited(
    collector: CollectorProcess, role: str
) -> None:
    status, body = collector.post_json("/api/v1/inventory/reload", {}, as_=role)
    assert status == (200 if role == "admin" else 403), body
    entry = next(
        e for e in _audit(collector) if e["actor"] == role and e["action"] == "inventory.reload"
    )
    assert entry["details"]["result"] == ("ok" if role == "admin" else "denied")
    if role == "admin":
        assert body["sites"] == 2


def test_reload_reads_new_tokens_and_keeps_the_old_inventory_when_broken(
    collector: CollectorProcess,
) -> None:
    from collector import tokens

    tokens_file = Path(collector.config["tokens_file"])
    new = tokens.add(tokens_file, "so-khcn-2", "viewer", [])
    assert collector.request("GET", "/api/v1/sites", headers=_bearer(new))[0] == 401
    assert collector.post_json("/api/v1/inventory/reload", {})[0] == 200
    assert collector.request("GET", "/api/v1/sites", headers=_bearer(new))[0] == 200

    good = collector.inventory_path.read_text(encoding="utf-8")
    collector.inventory_path.write_text(good.replace("'23527'", "'99999'"), encoding="utf-8")
    try:
        status, body = collector.post_json("/api/v1/inventory/reload", {})
    finally:
        collector.inventory_path.write_text(good, encoding="utf-8")
    assert status == 400 and body["error"]["code"] == "bad_inventory"
    assert f"{collector.inventory_path}:" in body["error"]["en"]
    _, sites = collector.get_json("/api/v1/sites")
    assert [s["key"] for s in sites["sites"]] == [SA_THAY, LY_SON]
    failed = [e for e in _audit(collector) if e["details"]["result"] == "failed"]
    assert failed and failed[0]["action"] == "inventory.reload"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_reading_is_a_get_and_writing_a_post(collector: CollectorProcess) -> None:
    status, _, body = collector.request("GET", "/api/v1/inventory/reload", as_="admin")
    assert status == 405 and _error(body)["code"] == "method_not_allowed"
    status, _, body = collector.request("DELETE", f"/api/v1/sites/{SA_THAY}/notes", as_="admin")
    assert status == 405


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b'{"text": 5}', 400, "bad_note"),
        (b'["text"]', 400, "bad_note"),
        (b'{"text": "a", "author": "someone else"}', 400, "bad_note"),
        (b'{"text": "   "}', 400, "bad_note_length"),
        (json.dumps({"text": "x" * 4001}).encode(), 400, "bad_note_length"),
        (b'{"text": ', 400, "bad_json"),
        (b"\xff\xfe", 400, "bad_json"),
        (json.dumps({"text": "y" * 70_000}).encode(), 413, "too_large"),
    ],
)
def test_bad_notes_get_a_clear_4xx_and_nothing_is_stored(
    collector: CollectorProcess, payload: bytes, status: int, code: str
) -> None:
    path = f"/api/v1/sites/{SA_THAY}/notes"
    _, before = collector.get_json(path)
    headers = {"Content-Type": "application/json"}
    got, _, body = collector.request("POST", path, as_="admin", body=payload, headers=headers)
    assert got == status, body
    assert _error(body)["code"] == code
    _, after = collector.get_json(path)
    assert after == before


def test_a_note_must_be_json(collector: CollectorProcess) -> None:
    headers = {"Content-Type": "text/plain"}
    status, _, body = collector.request(
        "POST", f"/api/v1/sites/{SA_THAY}/notes", as_="admin", body=b"text", headers=headers
    )
    assert status == 415 and _error(body)["code"] == "json_only"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"/api/v1/sites/{SA_THAY}/events?since=yesterday", 400, "bad_time"),
        (f"/api/v1/sites/{SA_THAY}/events?since=2026-05-01T08:00:00", 400, "bad_time"),
        (f"/api/v1/sites/{SA_THAY}/events?since=nan", 400, "bad_time"),
        (f"/api/v1/sites/{SA_THAY}/events?until=1e12", 400, "bad_time"),
        (f"/api/v1/sites/{SA_THAY}/events?since=-1e308", 400, "bad_time"),
        (f"/api/v1/sites/{SA_THAY}/events?kind=mains_state,%00", 400, "bad_kind"),
        (f"/api/v1/sites/{SA_THAY}/events?since=200&until=100", 400, "bad_span"),
        (f"/api/v1/sites/{SA_THAY}/events?limit=0", 400, "bad_parameter"),
        (f"/api/v1/sites/{SA_THAY}/events?limit=many", 400, "bad_parameter"),
        ("/api/v1/findings?status=green", 400, "bad_status"),
        ("/api/v1/findings?target=NOPE", 400, "no_target"),
        ("/api/v1/audit?limit=-1", 400, "bad_parameter"),
        ("/api/v1/sites/99999-x", 404, "no_site"),
        ("/api/v1/sites/99999-x/events", 404, "no_site"),
        ("/api/v1/nothing-here", 404, "not_found"),
    ],
)
def test_bad_parameters_get_a_clear_4xx(
    collector: CollectorProcess, path: str, status: int, code: str
) -> None:
    got, _, body = collector.request("GET", path, as_="admin")
    assert got == status, body
    assert _error(body)["code"] == code


def test_events_accept_unix_seconds_and_iso_times(collector: CollectorProcess) -> None:
    path = f"/api/v1/sites/{SA_THAY}/events?since=2026-05-01T08:00:00%2B07:00&until=1900000000"
    status, body = collector.get_json(path + "&kind=mains_state,link_state", as_="viewer")
    assert status == 200, body
    assert body["since"] == "2026-05-01T01:00:00+00:00"
    assert body["events"] == []


# --- the browser session -------------------------------------------------------------------------


def _login(
    c: CollectorProcess, token: str, origin: str | None = None
) -> tuple[int, dict[str, str]]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers["Origin"] = origin or c.base_url
    form = f"token={token}&next=/sites/{SA_THAY}".encode()
    status, got, _ = c.request("POST", "/login", body=form, headers=headers)
    return status, got


def test_browser_login_sets_a_strict_http_only_cookie(collector: CollectorProcess) -> None:
    status, headers, _ = collector.request("GET", "/")
    assert status == 303 and headers["Location"] == "/login?next=/"
    assert collector.request("GET", "/login")[0] == 200
    assert _login(collector, "wrong")[0] == 401
    assert _login(collector, collector.tokens["technician"], "http://evil.example")[0] == 403
    status, headers = _login(collector, collector.tokens["technician"])
    assert status == 303 and headers["Location"] == f"/sites/{SA_THAY}"
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert collector.tokens["technician"] not in cookie
    session = {"Cookie": cookie.split(";")[0]}
    status, _, body = collector.request("GET", "/api/v1/whoami", headers=session)
    assert status == 200 and json.loads(body)["role"] == "technician"
    assert "session.login" in {e["action"] for e in _audit(collector) if e["actor"] == "technician"}

    note = json.dumps({"text": "ghi từ trình duyệt"}).encode()
    path = f"/api/v1/sites/{SA_THAY}/notes"
    json_type = {"Content-Type": "application/json"}
    for hostile in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {}):
        status, _, body = collector.request(
            "POST", path, body=note, headers={**session, **json_type, **hostile}
        )
        assert status == 403 and _error(body)["code"] == "cross_site", hostile
    same = {**session, **json_type, "Sec-Fetch-Site": "same-origin"}
    assert collector.request("POST", path, body=note, headers=same)[0] == 201
    same_origin = {**session, **json_type, "Origin": collector.base_url}
    assert collector.request("POST", path, body=note, headers=same_origin)[0] == 201


# --- OpenAPI -------------------------------------------------------------------------------------


def test_openapi_describes_every_api_route_and_only_those(
    collector: CollectorProcess, tmp_path: Path
) -> None:
    from openapi_spec_validator import validate

    from collector import app as collector_app
    from collector.context import Collector
    from collector.store import Store
    from collector.web import build_app

    status, spec = collector.get_json("/api/v1/openapi.json", as_="viewer")
    assert status == 200
    validate(spec)
    loaded = collector_app.load(collector.config_path)
    store = Store.open(f"sqlite:///{tmp_path / 'openapi.db'}")
    try:
        c = Collector(loaded.config, loaded.inventory, loaded.catalogue, loaded.thresholds, store)
        app = build_app(c, loaded.auth)
        routes = {
            (r.resource.canonical, r.method.lower())
            for r in app.router.routes()
            if r.method != "HEAD" and r.resource is not None
        }
    finally:
        store.close()
    api = {
        (path, method)
        for path, method in routes
        if path.startswith("/api/")
        or path in ("/metrics", "/healthz", "/-/healthy", "/-/ready", "/login", "/logout")
    }
    described = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert api - described == set(), "routes missing from collector/web/openapi.py"
    assert described - routes == set(), "described in openapi.py but not routes of the app"


# --- /metrics ------------------------------------------------------------------------------------


def test_metrics_carry_readiness_per_site_and_target(collector: CollectorProcess) -> None:
    def evaluated() -> Any:
        return collector.get_json("/api/v1/evaluation", as_="viewer")[1]["evaluated_at"]

    wait_until(evaluated, 60, "the first evaluation")
    text = collector.metrics()
    m = parse_metrics(text)
    _, targets = collector.get_json("/api/v1/findings", as_="viewer")
    assert targets["findings"], "the evaluation has findings"
    for f in targets["findings"]:
        labels = {"site": f["site"], "commune_code": f["site"][:5], "target": f["target"]}
        states = {s: value(m, "sansang_readiness_status", **labels, status=s) for s in STATUSES}
        assert sorted(states.values()) == [0, 0, 1], (labels, states)
        assert states[f["status"]] == 1
        measured = value(m, "sansang_readiness_value", **labels, unit=f["unit"])
        assert measured == (f["value"] if f["status"] != "unknown" else None)
    assert value(m, "sansang_collector_sites") == 2
    assert value(m, "sansang_collector_evaluation_timestamp_seconds") is not None


def test_pushed_events_reach_the_events_api_and_the_ingest_counters(
    collector: CollectorProcess,
) -> None:
    now = time.time()
    events = [
        event_json(
            Event(seq, "boot-1", now - 60 + seq, seq * 10**9, "mains_state", "ups-1", state), LY_SON
        )
        for seq, state in ((1, "lost"), (2, "present"))
    ]
    batch = {"schema": 1, "site": LY_SON, "journal_id": "j-1", "events": events}
    status, _, body = collector.request(
        "POST",
        "/api/v1/ingest",
        body=json.dumps(batch).encode(),
        headers={"Content-Type": "application/json", **_bearer(collector.credentials[LY_SON])},
    )
    assert status == 200, body
    status, got = collector.get_json(
        f"/api/v1/sites/{LY_SON}/events?kind=mains_state", as_="viewer"
    )
    assert [(e["seq"], e["state"]) for e in got["events"]] == [(2, "present"), (1, "lost")]
    assert got["events"][0]["ref"] == f"{LY_SON}/j-1/2"
    m = parse_metrics(collector.metrics())
    assert value(m, "sansang_collector_ingest_events_total", site=LY_SON, result="accepted") == 2
    received = value(m, "sansang_collector_last_received_timestamp_seconds", site=LY_SON)
    assert received is not None and received >= now - 5


@pytest.mark.skipif(not have("promtool"), reason="needs promtool (Debian package prometheus)")
def test_metrics_pass_promtool(collector: CollectorProcess) -> None:
    text = collector.metrics()
    result = subprocess.run(
        ["promtool", "check", "metrics"], input=text.encode(), capture_output=True, timeout=30
    )
    problems = (result.stdout + result.stderr).decode()
    assert result.returncode == 0 and not problems.strip(), problems


# --- the process ---------------------------------------------------------------------------------


def test_sigterm_stops_the_collector_cleanly(tmp_path: Path) -> None:
    proc = CollectorProcess({}, inventory_of(), tmp_path).start()
    try:
        assert proc.terminate() == 0, proc.log()
    finally:
        proc.stop()
    log = proc.log()
    assert "collector stopped" in log
    assert "Traceback" not in log
    for token in proc.tokens.values():
        assert token not in log


def _run(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SANSANG), "collector", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bad_config_is_exit_2_with_file_line_and_field(tmp_path: Path) -> None:
    config = tmp_path / "collector.yaml"
    config.write_text("inventory: inventory.yaml\nlisten: nowhere\n", encoding="utf-8")
    result = _run(config)
    assert result.returncode == 2, result.stderr
    assert re.search(rf"{re.escape(str(config))}:2: listen: .*HOST:PORT", result.stderr)


def test_a_bad_tokens_file_is_exit_2_with_its_line(tmp_path: Path) -> None:
    proc = CollectorProcess({}, inventory_of(), tmp_path)
    tokens = Path(proc.config["tokens_file"])
    tokens.write_text("tokens:\n  - name: x\n    role: root\n    sha256: abc\n", encoding="utf-8")
    proc.config_path.write_text(
        "\n".join(f"{k}: {json.dumps(v)}" for k, v in proc.config.items()) + "\n",
        encoding="utf-8",
    )
    result = _run(proc.config_path)
    assert result.returncode == 2, result.stderr
    assert f"{tokens}:3: tokens.0.role:" in result.stderr
    assert f"{tokens}:4: tokens.0.sha256:" in result.stderr


# --- a token scoped to one commune (a commune's police) ------------------------------------------

LY_SON_NAME = "Bộ phận một cửa Lý Sơn"  # never in an answer to Sa Thầy's police
POLICE = "cong-an-xa-sa-thay"  # security_reviewer, communes: ['23527']
SITE_VIEWER = "so-khcn-ly-son"  # viewer, sites: ['21548-main']


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    workdir = tmp_path_factory.mktemp("scoped")
    inventory = _inventory()
    inventory["sites"][1]["name"] = LY_SON_NAME
    tokens = [
        *default_tokens(inventory),
        {"name": POLICE, "role": "security_reviewer", "communes": ["23527"]},
        {"name": SITE_VIEWER, "role": "viewer", "sites": [LY_SON]},
    ]
    config = {"evaluate": {"interval": "1s", "window": "1d"}}
    with running_collector(config, inventory, workdir, tokens=tokens) as c:

        def evaluated_and_kept() -> bool:
            _, evaluation = c.get_json("/api/v1/evaluation")
            _, months = c.get_json("/api/v1/months")
            return bool(evaluation["evaluated_at"] and months["months"])

        wait_until(evaluated_and_kept, 60, "the first evaluation and the month kept")
        status, body = c.post_json(f"/api/v1/sites/{LY_SON}/notes", {"text": "ghi chú Lý Sơn"})
        assert status == 201, body
        yield c


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/sites/{SA_THAY}",
        f"/api/v1/sites/{SA_THAY}/findings",
        f"/api/v1/sites/{SA_THAY}/events",
        f"/api/v1/sites/{SA_THAY}/notes",
    ],
)
def test_a_commune_police_token_reads_its_commune_and_not_another(
    scoped: CollectorProcess, path: str
) -> None:
    status, _, body = scoped.request("GET", path, as_=POLICE)
    assert status == 200, body
    other = path.replace(SA_THAY, LY_SON)
    status, headers, body = scoped.request("GET", other, as_=POLICE)
    assert status == 403, body
    assert headers["Content-Type"].startswith("application/json")
    err = _error(body)
    assert err["code"] == "forbidden_site"
    text = body.decode()
    assert LY_SON not in text and "Lý Sơn" not in text and "21548" not in text
    # An unknown key gets the same answer: a scoped token learns no key exists.
    status, _, unknown = scoped.request("GET", other.replace(LY_SON, "99999-x"), as_=POLICE)
    assert status == 403 and _error(unknown) == err


def test_a_scoped_token_lists_only_its_sites_and_their_findings(scoped: CollectorProcess) -> None:
    _, sites = scoped.get_json("/api/v1/sites", as_=POLICE)
    assert [s["key"] for s in sites["sites"]] == [SA_THAY]
    _, me = scoped.get_json("/api/v1/whoami", as_=POLICE)
    assert me["reads"] == "sites" and me["communes"] == ["23527"]
    _, every = scoped.get_json("/api/v1/findings", as_="security_reviewer")
    assert {f["site"] for f in every["findings"]} == {SA_THAY, LY_SON}
    _, mine = scoped.get_json("/api/v1/findings", as_=POLICE)
    assert mine["findings"] and {f["site"] for f in mine["findings"]} == {SA_THAY}
    assert len(mine["findings"]) == sum(f["site"] == SA_THAY for f in every["findings"])
    _, asked = scoped.get_json(f"/api/v1/findings?site={LY_SON}", as_=POLICE)
    assert asked["findings"] == []
    status, _, csv_body = scoped.request("GET", "/api/v1/findings?format=csv", as_=POLICE)
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig"))))
    # Its site's findings, and the province's own (its central systems: every commune's).
    assert {r["site"] for r in rows} - {"province"} == {SA_THAY}, rows
    month = scoped.get_json("/api/v1/months", as_=POLICE)[1]["months"][0]["month"]
    _, kept = scoped.get_json(f"/api/v1/findings?month={month}", as_=POLICE)
    assert kept["findings"] and {f["site"] for f in kept["findings"]} == {SA_THAY}
    # The evaluation's counts are of its sites only: one site per target.
    _, evaluation = scoped.get_json("/api/v1/evaluation", as_=POLICE)
    assert evaluation["scope"] == "sites" and evaluation["findings"] == len(mine["findings"])
    assert all(r["met"] + r["not_met"] + r["unknown"] == 1 for r in evaluation["rollups"])
    # The inventory: its commune only, with the persons (a security reviewer reads them).
    _, inv = scoped.get_json("/api/v1/inventory", as_=POLICE)
    assert [s["commune_code"] for s in inv["sites"]] == ["23527"]
    assert RESPONDER in json.dumps(inv, ensure_ascii=False)
    # Scoped to a site: the same, for that site; its notes, not Sa Thầy's.
    _, sites = scoped.get_json("/api/v1/sites", as_=SITE_VIEWER)
    assert [s["key"] for s in sites["sites"]] == [LY_SON]
    _, notes = scoped.get_json(f"/api/v1/sites/{LY_SON}/notes", as_=SITE_VIEWER)
    assert [n["text"] for n in notes["notes"]] == ["ghi chú Lý Sơn"]
    assert scoped.request("GET", f"/api/v1/sites/{SA_THAY}/notes", as_=SITE_VIEWER)[0] == 403


def test_a_scoped_token_is_refused_what_carries_every_site(scoped: CollectorProcess) -> None:
    for path in ("/metrics", "/api/v1/audit"):
        status, _, body = scoped.request("GET", path, as_=POLICE)
        assert status == 403, (path, body)
        assert _error(body)["code"] == "forbidden_scope"
        assert scoped.request("GET", path, as_="security_reviewer")[0] == 200
    _, points = scoped.get_json("/api/v1/dead-zone-points", as_=POLICE)
    assert points["points"] == []


def test_a_scoped_token_gets_a_report_of_its_commune_only(scoped: CollectorProcess) -> None:
    """A province-wide report names every commune: a scoped token gets its sites' report."""
    month = scoped.get_json("/api/v1/months", as_=POLICE)[1]["months"][0]["month"]

    def report(who: str) -> str:
        status, _, body = scoped.request(
            "GET", f"/api/v1/reports?month={month}&format=xlsx", as_=who, timeout=60
        )
        assert status == 200, body
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
        return html.unescape(xml)  # openpyxl writes Vietnamese as character references

    province, commune = report("security_reviewer"), report(POLICE)
    assert "Lý Sơn" in province and "Sa Thầy" in province
    assert "Sa Thầy" in commune and "Lý Sơn" not in commune
    _, index = scoped.get_json("/api/v1/reports/index", as_=POLICE)
    assert index["reports"] and all(r["scope"] != "tinh" for r in index["reports"])


def test_another_sites_page_is_a_vietnamese_403_page(scoped: CollectorProcess) -> None:
    status, headers, body = scoped.request("GET", f"/sites/{LY_SON}", as_=POLICE)
    assert status == 403
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert "Không được xem trang này" in page and "Sa Thầy" in page  # its own, named
    assert "Lý Sơn" not in page and LY_SON not in page
    assert scoped.request("GET", f"/sites/{SA_THAY}", as_=POLICE)[0] == 200
