"""The map of the sites (bản đồ), drawn by the server as inline SVG: no tiles, no script.

An equirectangular projection of the sites' bounding box (longitude scaled by the cosine of the
middle latitude, so distances look right), a graticule every 0.5° (or 1°) with its labels, the
convex hull of the sites as a light outline of the province, and one dot per site coloured by
a status (the board's chosen target's, else the site's worst), with the commune, the target and
the figure in a ``<title>`` tooltip and a link to its page.  Every site is placed once
(:func:`draw`); the dots of the sites a view shows are written per view (:func:`circle`), so a
filtered map keeps its frame.  Surveyed dead-zone places tied to no site (INF-DZ,
:class:`Mark`) are triangles, so they are never taken for a site.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from collector.evaluate.model import Status

MARGIN = 18.0  # pixels around the dots (room for the graticule labels)
# Worst last, so a red dot is never hidden under a green one.
DRAW_ORDER: dict[str, int] = {"met": 0, "unknown": 1, "not_met": 2}


@dataclass(frozen=True, slots=True)
class Place:
    key: str
    title: str  # the tooltip
    latitude: float
    longitude: float
    status: Status


@dataclass(frozen=True, slots=True)
class Mark:
    """A surveyed dead-zone place (không gắn với điểm nào): drawn as a triangle."""

    title: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Triangle:
    x: float
    y: float
    points: str  # the SVG polygon's points, pointing up
    title: str


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    key: str
    title: str
    status: Status


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    vertical: bool


@dataclass(frozen=True)
class SiteMap:
    width: float
    height: float
    dots: Sequence[Dot]
    lines: Sequence[Line]
    outline: str  # SVG path data ("" when fewer than three distinct sites)
    radius: float
    marks: Sequence[Triangle] = ()


class _Projection:
    def __init__(self, places: Sequence[Place | Mark], width: float, max_height: float) -> None:
        lats = [p.latitude for p in places]
        lons = [p.longitude for p in places]
        pad = 0.05  # degrees, so a single site or a row of sites still has a box
        self.south, self.north = min(lats) - pad, max(lats) + pad
        self.west, self.east = min(lons) - pad, max(lons) + pad
        self.kx = math.cos(math.radians((self.south + self.north) / 2))
        span_x = (self.east - self.west) * self.kx
        span_y = self.north - self.south
        inner_w, inner_h = width - 2 * MARGIN, max_height - 2 * MARGIN
        self.scale = min(inner_w / span_x, inner_h / span_y)
        self.width = width
        self.height = span_y * self.scale + 2 * MARGIN
        self.x0 = (width - span_x * self.scale) / 2

    def x(self, lon: float) -> float:
        return round(self.x0 + (lon - self.west) * self.kx * self.scale, 1)

    def y(self, lat: float) -> float:
        return round(MARGIN + (self.north - lat) * self.scale, 1)


def _graticule(p: _Projection) -> list[Line]:
    step = 0.5 if max(p.north - p.south, p.east - p.west) <= 4 else 1.0
    lines = []
    lat = math.ceil(p.south / step) * step
    while lat <= p.north:
        y = p.y(lat)
        lines.append(Line(0, y, p.width, y, f"{lat:g}°N", False))
        lat += step
    lon = math.ceil(p.west / step) * step
    while lon <= p.east:
        x = p.x(lon)
        lines.append(Line(x, 0, x, p.height, f"{lon:g}°E", True))
        lon += step
    return lines


def _hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain: the convex hull, counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return []

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for pt in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], pt) <= 0:
            lower.pop()
        lower.append(pt)
    for pt in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], pt) <= 0:
            upper.pop()
        upper.append(pt)
    return lower[:-1] + upper[:-1]


def _triangle(x: float, y: float, size: float) -> str:
    """An upward triangle centred on (x, y), ``size`` from the centre to a corner."""
    half = round(size * 0.87, 1)
    top, bottom = round(y - size, 1), round(y + size / 2, 1)
    return f"{x},{top} {round(x + half, 1)},{bottom} {round(x - half, 1)},{bottom}"


def draw(
    places: Sequence[Place],
    width: float = 440.0,
    max_height: float = 520.0,
    marks: Sequence[Mark] = (),
) -> SiteMap:
    """Lay out the map; the template writes the SVG."""
    if not places and not marks:
        return SiteMap(width, 2 * MARGIN, (), (), "", 0)
    p = _Projection([*places, *marks], width, max_height)
    dots = [
        Dot(p.x(s.longitude), p.y(s.latitude), s.key, s.title, s.status)
        for s in sorted(places, key=lambda s: DRAW_ORDER[s.status])
    ]
    hull = _hull([(d.x, d.y) for d in dots])
    outline = ("M" + " L".join(f"{x},{y}" for x, y in hull) + " Z") if hull else ""
    radius = 5.0 if len(places) <= 200 else 3.0 if len(places) <= 1000 else 2.0
    size = radius + 2.0
    triangles = [
        Triangle(x, y, _triangle(x, y, size), m.title)
        for m in marks
        for x, y in ((p.x(m.longitude), p.y(m.latitude)),)
    ]
    return SiteMap(p.width, round(p.height, 1), dots, _graticule(p), outline, radius, triangles)


def circle(dot: Dot, radius: float, fill: str, href: str) -> str:
    """One site's dot as SVG (escaped): a link to its page, its status as data for the eye of a
    test, its tooltip in ``<title>``."""
    return (
        f'<a href="{escape(href)}"><circle class="site {dot.status}" data-site="{escape(dot.key)}"'
        f' data-status="{dot.status}" cx="{dot.x}" cy="{dot.y}" r="{radius}" fill="{fill}"'
        f' stroke="#fff" stroke-width="1"><title>{escape(dot.title)}</title></circle></a>'
    )
