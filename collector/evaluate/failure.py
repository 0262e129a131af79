"""What a rule's failure for one site and target becomes: an ``unknown`` finding, counted, logged.

A rule never trusts the store: the ingest checks what it accepts, but the store may also hold
rows of an older version or come from a database restored from elsewhere, and a rule may have a
bug.  One such event must not stop the province's evaluation (the findings would freeze, and
after a restart there would be none).  So the run (:mod:`collector.evaluate.run`) calls each
rule per site and target, and an exception, or a finding it cannot publish (:func:`checked`),
gives that site's target an ``unknown`` finding whose evidence says the evaluation failed and
why: the exception's type and a short message, never a stack, never a value from the event
(:func:`describe`).  Each one is an :class:`EvaluationError` of the evaluation (the collector
counts them, ``sansang_collector_evaluation_errors_total``) and a WARNING in the log, at most
once per :data:`LOG_EVERY` per site, target and exception type: a bad event stays in the window
for weeks, and the log should say it, not repeat it every round.
"""

from __future__ import annotations

import logging
import math
import re
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from collector.evaluate.model import STATUSES, EvaluationError, Evidence, Finding, Window
from collector.store.unreadable import UnreadableDetailsError
from sansang.errors import SansangError

log = logging.getLogger(__name__)

LOG_EVERY = 3600.0  # seconds: the same failure is logged again after this long
MAX_MESSAGE = 160  # characters of the exception's message kept
PROVINCE = "*"  # the site of a log line for a failure of a province pass as a whole

# A quoted part of a message is shown when it is a plain name (a type, a key, an attribute):
# anything else may be a value taken from an event.
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,39}")


class UnusableFinding(SansangError, ValueError):
    """A rule gave a finding the collector cannot publish (a bug, or data the rule let through)."""


def checked(found: Finding, site: str | None = None) -> Finding:
    """``found`` when it can be published: a known status, of ``site`` (when given), its value
    and figures finite numbers (an infinite figure breaks the pages that print it)."""
    if found.status not in STATUSES:
        raise UnusableFinding(f"status {found.status!r} is none of {', '.join(STATUSES)}")
    if site is not None and found.site != site:
        raise UnusableFinding(f"a finding of site {found.site!r} for site {site!r}")
    if not _finite_or_none(found.value):
        raise UnusableFinding("its value is not a finite number")
    for name, figure in found.details.items():
        if not _finite_or_none(figure) and not isinstance(figure, str):
            raise UnusableFinding(f"details[{name!r}] is not a finite number")
    return found


def _finite_or_none(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def describe(err: BaseException) -> str:
    """``TypeError: unhashable type: 'list'``: the exception's type and the first line of its
    message, cut to :data:`MAX_MESSAGE`; a quoted part that is not a plain name reads ``'…'``."""
    lines = str(err).strip().splitlines()
    message = _QUOTED.sub(_hide_value, lines[0]) if lines else ""
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


def _hide_value(quoted: re.Match[str]) -> str:
    text, mark = quoted[0], quoted[0][0]
    return text if _PLAIN_NAME.fullmatch(text[1:-1]) else f"{mark}…{mark}"


def error_of(err: BaseException, site: str, target: str) -> EvaluationError:
    return EvaluationError(site, target, type(err).__name__, describe(err))


def unknown(err: BaseException, site: str, target: str, window: Window) -> Finding:
    """The finding of a site's target its rule could not give."""
    why = describe(err)
    refs = (err.ref,) if isinstance(err, UnreadableDetailsError) else ()
    return Finding(
        target=target,
        site=site,
        status="unknown",
        value=None,
        threshold=None,
        unit="",
        window=window,
        vi="Không đánh giá được: lỗi khi xử lý dữ liệu của điểm (xem nhật ký máy chủ tỉnh)",
        en="Could not be evaluated: processing the site's data failed (see the collector's log)",
        evidence=(
            Evidence("error", f"Đánh giá thất bại: {why}", f"The evaluation failed: {why}", refs),
        ),
        details={"error": type(err).__name__},
    )


class FailureLog:
    """Logs each failure at WARNING, again only after ``every`` seconds for the same site,
    target and exception type.  The evaluation loop keeps one across its rounds."""

    def __init__(
        self, every: float = LOG_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every, self.clock = every, clock
        self._said: dict[tuple[str, str, str], float] = {}

    def report(self, err: BaseException, site: str, target: str) -> None:
        key, now = (site, target, type(err).__name__), self.clock()
        said = self._said.get(key)
        if said is not None and now - said < self.every:
            return
        self._said[key] = now
        log.warning(
            "evaluation of %s for site %s failed, its finding is unknown: %s (at %s); "
            "said again after %d min if it lasts",
            target,
            "(every site)" if site == PROVINCE else site,
            describe(err),
            _where(err),
            self.every // 60,
        )


_EVALUATION = Path(__file__).resolve().parent / "rules"


def _where(err: BaseException) -> str:
    """``uptime.py:88``, or ``power_outages.py:230 → i18n.py:215``: the last line of a rule's
    module the exception went through and, when elsewhere, where it was raised; for whoever
    fixes the rule (the stack is not logged: this line repeats)."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return "?"
    raised = frames[-1]
    ours = [f for f in frames if _EVALUATION in Path(f.filename).parents]
    shown = [ours[-1], raised] if ours and ours[-1] is not raised else [raised]
    return " → ".join(f"{Path(f.filename).name}:{f.lineno}" for f in shown)


class Failures:
    """One evaluation's failures: the unknown findings they give and their errors."""

    def __init__(self, window: Window, log_: FailureLog) -> None:
        self.window, self.log = window, log_
        self.errors: list[EvaluationError] = []

    def of_site(self, err: Exception, site: str, target: str) -> Finding:
        self.errors.append(error_of(err, site, target))
        self.log.report(err, site, target)
        return unknown(err, site, target, self.window)

    def of_province(self, err: Exception, sites: Iterable[str], target: str) -> list[Finding]:
        """A province pass that failed as a whole: its target is unknown for every site."""
        self.log.report(err, PROVINCE, target)
        found = []
        for site in sites:
            self.errors.append(error_of(err, site, target))
            found.append(unknown(err, site, target, self.window))
        return found
