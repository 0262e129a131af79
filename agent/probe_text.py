"""A probe's result in words, for ``sansang agent probe``: what a technician reads first.

The Prometheus text of a run is exact but not for a person on site ("loss ratio 0.2"); these
lines say the same figures as a sentence, Vietnamese on the first line and English on the
second, as the rest of the CLI does.  Decimals are written in each language's own style
(:func:`sansang.i18n.number`).  A kind with nothing more to say than success or its cause
(the power probes: their reading is printed on its own line) gives no line.
"""

from __future__ import annotations

from datetime import datetime

from agent.probes.base import Outcome
from sansang import i18n
from sansang.i18n import Lang

_PREFIX: dict[Lang, str] = {"vi": "Kết quả", "en": "Result"}


def lines(kind: str, outcome: Outcome, now: float) -> list[str]:
    """``["  Kết quả: …", "  Result: …"]``, or nothing when the run left no figure to tell."""
    out = []
    for lang in ("vi", "en"):
        text = words(kind, outcome, now, lang)
        if text:
            out.append(f"  {_PREFIX[lang]}: {text}")
    return out


def words(kind: str, outcome: Outcome, now: float, lang: Lang) -> str:
    values = {s.name: s.value for s in outcome.samples if "le" not in s.labels}
    parts: list[str] = []
    if kind == "quality":
        parts += _quality(values, lang)
    elif kind in ("icmp", "conference"):
        parts += _icmp(values, lang)
    elif kind == "tcp":
        took = values.get("sansang_tcp_connect_duration_seconds")
        if took is not None and outcome.success:
            parts.append(
                _tr(lang, "kết nối TCP sau {t}", "TCP connected in {t}", t=_ms(took, lang))
            )
    elif kind == "http":
        parts += _http(values, lang)
    elif kind == "dns":
        parts += _dns(values, outcome.success, lang)
    elif kind == "host":
        parts += _host(outcome, values, lang)
    expiry = values.get("sansang_tls_certificate_expiry_timestamp_seconds")
    if expiry is not None:
        day = datetime.fromtimestamp(expiry).strftime("%d/%m/%Y")
        left = i18n.duration(max(0.0, expiry - now), lang)
        parts.append(
            _tr(lang, "chứng thư hết hạn {d} (còn {l})", "certificate expires {d} ({l} left)",
                d=day, l=left)
        )  # fmt: skip
    signalling = outcome.state_details.get("signalling")
    if isinstance(signalling, str):
        port = outcome.state_details.get("signalling_port", "")
        said = (
            _tr(lang, "trả lời", "answered")
            if signalling == "answered"
            else i18n.pick(i18n.REASONS, signalling, lang)
        )
        parts.append(
            _tr(lang, "cổng báo hiệu {p}: {s}", "signalling port {p}: {s}", p=port, s=said)
        )
    return ", ".join(parts)


def _quality(values: dict[str, float], lang: Lang) -> list[str]:
    sent = values.get("sansang_link_echo_requests_sent_total")
    got = values.get("sansang_link_echo_replies_received_total")
    parts = []
    if sent:
        lost = int(sent - (got or 0))
        loss = i18n.percent(lost / sent, lang)
        vi, en = "mất {l}/{s} gói ({p})", "lost {l}/{s} packets ({p})"
        parts.append(_tr(lang, vi, en, l=lost, s=int(sent), p=loss))
    median = values.get("sansang_link_rtt_median_seconds")
    if median is not None:
        parts.append(_tr(lang, "trễ trung vị {t}", "median latency {t}", t=_ms(median, lang)))
    jitter = values.get("sansang_link_jitter_seconds")
    if jitter is not None:
        parts.append(_tr(lang, "dao động {t}", "jitter {t}", t=_ms(jitter, lang)))
    return parts


def _icmp(values: dict[str, float], lang: Lang) -> list[str]:
    sent = values.get("sansang_icmp_packets_sent_total")
    got = values.get("sansang_icmp_packets_received_total")
    parts = []
    if sent:
        vi, en = "nhận {g}/{s} phản hồi ping", "{g}/{s} ping replies"
        parts.append(_tr(lang, vi, en, g=int(got or 0), s=int(sent)))
    rtt = values.get("sansang_icmp_rtt_seconds")
    if rtt is not None:
        parts.append(_tr(lang, "trễ trung vị {t}", "median latency {t}", t=_ms(rtt, lang)))
    return parts


def _http(values: dict[str, float], lang: Lang) -> list[str]:
    status = values.get("sansang_http_status_code")
    if status is None:
        return []
    took = _ms(values.get("sansang_http_duration_seconds", 0.0), lang)
    size = i18n.number(values.get("sansang_http_content_length_bytes", 0.0), 0, lang)
    return [
        _tr(lang, "máy chủ trả HTTP {c}, {b} byte sau {t}", "HTTP {c}, {b} bytes in {t}",
            c=int(status), b=size, t=took)
    ]  # fmt: skip


def _dns(values: dict[str, float], success: bool, lang: Lang) -> list[str]:
    took = values.get("sansang_dns_lookup_duration_seconds")
    if took is None or not success:
        return []
    records = int(values.get("sansang_dns_answer_records", 0))
    return [_tr(lang, "{n} bản ghi sau {t}", "{n} record(s) in {t}", n=records, t=_ms(took, lang))]


def _host(outcome: Outcome, values: dict[str, float], lang: Lang) -> list[str]:
    parts = []
    uptime = values.get("sansang_host_uptime_seconds")
    if uptime is not None:
        parts.append(_tr(lang, "chạy liên tục {d}", "up for {d}", d=i18n.duration(uptime, lang)))
    cpu = values.get("sansang_host_cpu_usage_ratio")
    if cpu is not None:
        parts.append(f"CPU {i18n.percent(cpu, lang)}")
    mem = values.get("sansang_host_memory_available_bytes")
    if mem is not None:
        parts.append(_tr(lang, "bộ nhớ trống {g}", "{g} memory free", g=_gib(mem, lang)))
    for s in outcome.samples:
        if s.name == "sansang_host_filesystem_free_bytes":
            where = s.labels.get("mountpoint", "")
            parts.append(
                _tr(lang, "ổ đĩa {m} trống {g}", "{g} free on {m}", m=where, g=_gib(s.value, lang))
            )
    synced = values.get("sansang_host_clock_synchronized")
    if synced is not None:
        parts.append(
            _tr(lang, "đồng hồ đã đồng bộ", "clock synchronised")
            if synced
            else _tr(lang, "đồng hồ chưa đồng bộ", "clock not synchronised")
        )
    return parts


def _ms(seconds: float, lang: Lang) -> str:
    """Milliseconds: one decimal below 10 ms (a LAN's 0,4 ms), whole above (a WAN's 35 ms)."""
    ms = seconds * 1000
    text = i18n.number(ms, 1, lang) if ms < 10 else i18n.number(ms, 0, lang)
    return f"{text.removesuffix(',0').removesuffix('.0')} ms"


def _gib(size: float, lang: Lang) -> str:
    return f"{i18n.number(size / 2**30, 1, lang)} GiB"


def _tr(lang: Lang, vi: str, en: str, **values: object) -> str:
    return (vi if lang == "vi" else en).format(**values)
