"""``sansang agent upload-record FILE.html --collector URL --token-file FILE [--ca-file FILE]``:
send a handover record (``agent.diagnose.record``) to the province collector, which keeps it as
a note on the site (``POST /api/v1/sites/{site}/handovers``, docs/handover.md).

The record is read and its hash checked first (a changed file is never sent); it is posted with
the technician's token (``Authorization: Bearer``, read from a file, never printed) through
requests, the design's HTTP library for synchronous CLI calls, TLS verified (the system's
authorities, or ``--ca-file`` for the province's own).  Plain ``http://`` only to this machine
(a test or an SSH tunnel): anywhere else it would carry the token in clear.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from agent.diagnose import record as records
from sansang.handover import HandoverError, HandoverRecord, dumps

if TYPE_CHECKING:
    import requests

EXIT_OK = 0  # stored (201) or already there (200)
EXIT_FAILED = 1  # the collector refused it, or could not be reached
EXIT_USAGE = 2  # the file, the token file or the URL cannot be used: nothing was sent
CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = 60.0  # reading the answer; a record is at most ~1 MiB over a weak link


@dataclass(frozen=True)
class Outcome:
    """What the collector answered (``status`` 0: no answer), in words for the technician."""

    status: int
    vi: str
    en: str
    note_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)


def endpoint(collector: str, site: str) -> str:
    """``{collector}/api/v1/sites/{site}/handovers``; ValueError for a URL that would carry
    the token in clear or is no URL at all."""
    parts = urlsplit(collector)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"địa chỉ máy thu tỉnh phải là https://…, không phải '{collector}' / the collector's "
            f"address must be https://…, not '{collector}'"
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError(
            "không gửi mã truy cập qua http:// không mã hoá tới máy khác; dùng https:// / "
            "refusing to send the token over plain http:// to another machine; use https://"
        )
    return f"{collector.rstrip('/')}/api/v1/sites/{quote(site, safe='')}/handovers"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refusal(response: requests.Response) -> tuple[str, str]:
    """The collector's error (``{"error": {"vi", "en"}}``), or the HTTP status in words."""
    try:
        error = response.json().get("error", {})
        return str(error["vi"]), str(error["en"])
    except (ValueError, AttributeError, KeyError, TypeError):
        return f"HTTP {response.status_code}", f"HTTP {response.status_code}"


def post(
    record: HandoverRecord,
    collector: str,
    token: str,
    *,
    ca_file: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Outcome:
    """POST the sealed ``record`` (which has a site); the collector's answer in words."""
    import requests  # here, not at the top: every ``sansang`` command builds this parser

    assert record.site is not None and record.hash is not None
    url = endpoint(collector, record.site)
    try:
        response = requests.post(
            url,
            data=dumps(record).encode("utf-8"),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            timeout=(CONNECT_TIMEOUT, timeout),
            verify=str(ca_file) if ca_file is not None else True,
            allow_redirects=False,  # never resend the token to where a redirect points
        )
    except requests.exceptions.SSLError as err:
        return Outcome(
            0,
            f"không xác minh được chứng thư TLS của máy thu tỉnh ({err.__class__.__name__}); "
            "dùng --ca-file với chứng thư của tỉnh",
            f"the collector's TLS certificate could not be verified ({err.__class__.__name__});"
            " give the province's authority with --ca-file",
        )
    except requests.exceptions.Timeout:
        return Outcome(
            0,
            f"máy thu tỉnh không trả lời trong {timeout:g} giây",
            f"the collector did not answer within {timeout:g} s",
        )
    except requests.exceptions.RequestException as err:
        return Outcome(
            0,
            f"không kết nối được máy thu tỉnh {collector} ({err.__class__.__name__})",
            f"cannot reach the collector {collector} ({err.__class__.__name__})",
        )
    return _answer(response, record)


def _answer(response: requests.Response, record: HandoverRecord) -> Outcome:
    status = response.status_code
    if status in (200, 201):
        note_id = _note_id(response)
        shown = f" (ghi chú #{note_id})" if note_id is not None else ""
        shown_en = f" (note #{note_id})" if note_id is not None else ""
        if status == 201:
            return Outcome(
                status,
                f"Đã gửi biên bản lên máy thu tỉnh, lưu làm ghi chú của điểm {record.site}{shown}",
                f"The record was sent and kept as a note of site {record.site}{shown_en}",
                note_id,
            )
        return Outcome(
            status,
            f"Máy thu tỉnh đã có biên bản này{shown}: không lưu lần nữa",
            f"The collector already has this record{shown_en}: not stored twice",
            note_id,
        )
    vi, en = _refusal(response)
    return Outcome(
        status,
        f"Máy thu tỉnh từ chối biên bản (HTTP {status}): {vi}",
        f"The collector refused the record (HTTP {status}): {en}",
    )


def _note_id(response: requests.Response) -> int | None:
    try:
        body: Any = response.json()
        return int(body["note_id"])
    except (ValueError, AttributeError, KeyError, TypeError):
        return None


def _token(path: Path) -> str:
    """The first line of the token file; ValueError naming the file (never its content)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(
            f"không đọc được tệp mã truy cập {path} ({err.__class__.__name__}) / cannot read the "
            f"token file {path}"
        ) from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not token:
        raise ValueError(f"tệp mã truy cập {path} trống / the token file {path} is empty")
    return token


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def main(args: argparse.Namespace) -> int:
    """The command: read and verify, then post; a line for the technician, Vietnamese first."""
    try:
        record, digest = records.read(args.file)
    except OSError as err:
        return _fail(
            f"không đọc được tệp {args.file} ({err.strerror or err.__class__.__name__}) / "
            f"cannot read {args.file}"
        )
    except HandoverError as err:
        return _fail(f"{err.vi}\n{err.en}")
    if record.site is None:
        return _fail(
            f"{args.file}: biên bản lập khi không có cấu hình nên không có mã điểm; máy thu tỉnh "
            "không biết lưu cho điểm nào. Chạy lại diagnose với --config rồi gửi / the record "
            "was made without a config and names no site, so the collector cannot file it: run "
            "diagnose again with --config"
        )
    try:
        token = _token(args.token_file)
        endpoint(args.collector, record.site)
    except ValueError as err:
        return _fail(str(err))
    print(f"Biên bản / record: {record.site_name} ({record.site}), {digest}")
    outcome = post(record, args.collector, token, ca_file=args.ca_file, timeout=args.timeout)
    stream = sys.stdout if outcome.ok else sys.stderr
    print(f"{outcome.vi}\n{outcome.en}", file=stream)
    return EXIT_OK if outcome.ok else EXIT_FAILED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the record (diagnose --out FILE.html)")
    parser.add_argument(
        "--collector", required=True, help="the province collector's address, https://…"
    )
    parser.add_argument(
        "--token-file",
        required=True,
        type=Path,
        help="a file holding the technician's collector token (never printed)",
    )
    parser.add_argument(
        "--ca-file", type=Path, help="the authority that signed the collector's certificate"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for the answer"
    )
