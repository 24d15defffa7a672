"""The diagram's parts as drawn (boxes, text blocks, neurons, edges, biases) and their SVG.

``Diagram.svg`` writes the picture (classes and presentation attributes only: the CSP forbids
style attributes); every text is escaped here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from ..caches import Memo
from .textsize import LINE_H, PAD, SCRIPT_PCT, block_size, script_parts, text_width

if TYPE_CHECKING:
    from .geometry import BiasGeo, Geometry

__all__ = ["LINE_H", "PAD", "Box", "Diagram", "Line", "TextBlock", "block_size", "text_width"]


# -- geometry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, o: Box, gap: float = 1.0) -> bool:
        return not (
            self.x + self.w + gap <= o.x
            or o.x + o.w + gap <= self.x
            or self.y + self.h + gap <= o.y
            or o.y + o.h + gap <= self.y
        )

    def hits_circle(self, cx: float, cy: float, r: float) -> bool:
        nx = min(max(cx, self.x), self.x + self.w)
        ny = min(max(cy, self.y), self.y + self.h)
        return (nx - cx) ** 2 + (ny - cy) ** 2 < (r + 2) ** 2


@dataclass(frozen=True)
class Line:
    text: str
    cls: str = ""


@dataclass(frozen=True)
class TextBlock:
    """Lines of text in a box (drawn with a light background so edges under it stay quiet).

    ``box`` is the room reserved for the longest text the block will hold; ``shown`` is the
    box around the current lines: centred in it (edge labels) or at its top (cards)."""

    box: Box
    fs: float
    lines: tuple[Line, ...]
    anchor: str = "middle"  # or "start"
    valign: str = "middle"  # or "top"

    @property
    def shown(self) -> Box:
        w, h = block_size(self.lines, self.fs)
        w = min(w, self.box.w)
        h = min(h, self.box.h)
        x = self.box.x + (self.box.w - w) / 2 if self.anchor == "middle" else self.box.x
        y = self.box.y + (self.box.h - h) / 2 if self.valign == "middle" else self.box.y
        return Box(x, y, w, h)

    @property
    def tx(self) -> float:
        return self.box.x + self.box.w / 2 if self.anchor == "middle" else self.box.x + PAD

    def line_y(self, k: int) -> float:
        return self.shown.y + PAD / 2 + self.fs * (LINE_H * k + 1.0)

    @property
    def numbered(self) -> list[tuple[float, Line]]:
        return [(self.line_y(k), line) for k, line in enumerate(self.lines)]

    def svg(self, cls: str) -> Markup:
        """The block as SVG: a box and its lines."""
        return _block_svg(self, cls)


@dataclass(frozen=True)
class Node:
    li: int
    j: int
    x: float
    y: float
    r: float
    name: str
    name_fs: float
    name_inside: bool
    name_y: float
    cls: str
    name_x: float
    name_anchor: str
    title: str
    href: str
    card: TextBlock | None
    side: TextBlock | None


@dataclass(frozen=True)
class Edge:
    li: int
    i: int
    j: int
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    cls: str
    title: str
    href: str
    label: TextBlock | None
    segment: str = ""  # set: drawn in its layer pair's path, no hover text (a light picture)

    def svg_args(self) -> tuple[int, int, int, float, float, float, float, float, str, str, str]:
        """What the edge's SVG is drawn from (``_edge_svg``)."""
        return (
            self.li,
            self.i,
            self.j,
            self.x1,
            self.y1,
            self.x2,
            self.y2,
            self.width,
            self.cls,
            self.title,
            self.href,
        )


@dataclass(frozen=True)
class BiasLink:
    j: int
    x1: float
    y1: float
    x2: float
    y2: float
    cls: str
    title: str
    href: str
    segment: str = ""  # as ``Edge.segment``


@dataclass(frozen=True)
class Bias:
    """A layer's biases at the cursor: their square as laid out (``geo``: the biases of layer
    ``geo.li + 1``, drawn in column ``geo.li``), its look and its links to the neurons."""

    geo: BiasGeo
    cls: str
    links: tuple[BiasLink, ...]


@dataclass(frozen=True)
class Diagram:
    """The picture at the cursor: its layout (``geometry``, the same at every step of the
    iteration) and its parts as drawn at this step."""

    geometry: Geometry = field(repr=False)
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    biases: tuple[Bias, ...]
    linked: bool  # the marks link to their edit fields (not in an embed)
    # the SVG pieces drawn for this trace's layout: from one step to the next most of a picture
    # is drawn exactly as before (a step reveals or highlights a few values)
    pieces: Memo[tuple[object, ...], Markup] | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> float:
        return self.geometry.width

    @property
    def height(self) -> float:
        return self.geometry.height

    @property
    def values_hidden(self) -> bool:
        """Some weights' labels (but for the step's own) or the neurons' values are left off
        the picture: they are in hover text and in the table of values."""
        return self.geometry.labels_hidden or not self.geometry.cards

    @property
    def drawn_width(self) -> int:
        """The picture's width on the page where nothing scales it down (a phone, where it
        scrolls sideways): no text smaller than ``MIN_TEXT_PX``."""
        return int(round(self.width * max(DRAWN_SCALE, MIN_TEXT_PX / self.geometry.fs), 0))

    def _draw(self, fn: Callable[..., Markup], *args: Any) -> Markup:
        if self.pieces is None:
            return fn(*args)
        return self.pieces.get((fn.__name__, *args), lambda: fn(*args))

    def svg(self, svg_id: str, extra: str) -> Markup:
        """The picture as SVG (``templates/_diagram.html`` puts it in its figure). Written in
        Python rather than a template macro: it has hundreds of elements and every click draws
        them all again. Every text is escaped here."""
        draw = self._draw
        sid = escape(svg_id)
        out = [
            f'<svg id="{sid}" class="diagram {escape(extra)}" '
            f'viewBox="0 0 {self.width} {self.height}" width="{self.drawn_width}" '
            f'role="{"group" if self.linked else "img"}" aria-labelledby="{sid}-title" '
            f'data-width="{self.width}">\n'
            f'<title id="{sid}-title">{escape(self.geometry.aria)}</title>\n'
            '<g class="bias-links">\n'
        ]
        for b in self.biases:
            out.append(_paths_svg([(k.cls, "", k.segment) for k in b.links if k.segment]))
            for k in b.links:
                if not k.segment:
                    out.append(draw(_link_svg, k.x1, k.y1, k.x2, k.y2, k.cls, k.title, k.href))
        out.append('</g>\n<g class="edges">\n')
        out.extend(self._edges_svg())
        out.append('\n</g>\n<g class="edge-labels">\n')
        out.extend(self._labels_svg())
        out.append('</g>\n<g class="bias-nodes">\n')
        for b in self.biases:
            sq = b.geo
            out.append(draw(_square_svg, sq.x, sq.y, sq.size, b.cls, sq.title, sq.href))
            if sq.caption:
                out.append(draw(_block_svg, sq.caption, "caption") + "\n")
        out.append('</g>\n<g class="neurons">\n')
        for n in self.nodes:
            out.append(
                draw(
                    _node_svg,
                    n.li,
                    n.j,
                    n.x,
                    n.y,
                    n.r,
                    n.name,
                    n.name_fs,
                    n.name_x,
                    n.name_y,
                    n.name_anchor,
                    n.cls,
                    n.title,
                    n.href,
                )
            )
            if n.card:
                out.append(draw(_block_svg, n.card, "card") + "\n")
            if n.side:
                out.append(draw(_block_svg, n.side, "side") + "\n")
        out.append("</g>\n</svg>")
        return Markup("".join(out))

    def _edges_svg(self) -> list[Markup]:
        """The edges: a light picture's plain lines one path per layer pair and look (they
        are never the step's nor labelled), then every other edge on its own."""
        out: list[Markup] = []
        plain = [(e.li, e.cls, str(e.width), e.segment) for e in self.edges if e.segment]
        for on_top in (False, True):  # the step's own (a layer's many weights) over the rest
            for li in sorted({p[0] for p in plain}):
                looks = [p[1:] for p in plain if p[0] == li and ("hl" in p[1].split()) == on_top]
                out.append(_paths_svg(looks))
        out.extend(self._draw(_edge_svg, *e.svg_args()) for e in self.edges if not e.segment)
        return out

    def _labels_svg(self) -> list[Markup]:
        """The edges' labels (each a link to its field, out of the tab order: the edge itself is
        the link a keyboard reaches)."""
        out: list[Markup] = []
        for e in self.edges:
            if e.label is not None and e.label.lines:
                block = self._draw(_block_svg, e.label, e.cls + " edge-label")
                if e.href:
                    block = Markup(
                        f'<a href="{escape(e.href)}" class="to-field" tabindex="-1" '
                        f'aria-hidden="true">{block}</a>'
                    )
                out.append(block)
        out.append(Markup("\n"))
        return out


# -- the pieces of the SVG ---------------------------------------------------------------------
# Each a function of what it draws, kept in the trace's bundle (``Diagram.pieces``). Every text
# is escaped here.

DRAWN_SCALE = 1.15  # CSS px per unit of the picture where the page does not scale it down
MIN_TEXT_PX = 12.0  # and at least this for its smallest text (docs/DESIGN.md)
PIECE_VARIANTS = 6  # drawings of one piece over an iteration: old, gradient, new, highlighted
PIECE_BYTES = 700  # one drawn piece and its key, as kept


def _linked(href: str, title: Markup, piece: str) -> str:
    """A piece wrapped in a link to its edit field (the links' text is the hover text)."""
    if not href:
        return piece
    return f'<a href="{escape(href)}" class="to-field" aria-label="{title}">\n{piece}</a>\n'


def _block_svg(b: TextBlock, cls: str) -> Markup:
    if not b.lines:
        return Markup("")
    bx = b.shown
    tx = round(b.tx, 1)
    out = [
        f'<g class="tb {escape(cls)}" aria-hidden="true">'
        f'<rect x="{round(bx.x, 1)}" y="{round(bx.y, 1)}" '
        f'width="{round(bx.w, 1)}" height="{round(bx.h, 1)}" rx="3"/>'
    ]
    for k, line in enumerate(b.lines):
        y = round(bx.y + PAD / 2 + b.fs * (LINE_H * k + 1.0), 1)
        out.append(
            f'<text x="{tx}" y="{y}" font-size="{b.fs}" text-anchor="{b.anchor}" '
            f'class="{escape(line.cls)}">{scripts(line.text)}</text>'
        )
    out.append("</g>")
    return Markup("".join(out))


def _edge_svg(
    li: int,
    i: int,
    j: int,
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    width: float,
    cls: str,
    title: str,
    href: str,
) -> Markup:
    ends = f'x1="{round(x1, 1)}" y1="{round(y1, 1)}" x2="{round(x2, 1)}" y2="{round(y2, 1)}"'
    text = escape(title)
    g = (
        f'<g class="{escape(cls)}" data-edge="{li}-{i}-{j}"><title>{text}</title>'
        f'<line class="hit" {ends} stroke-width="12"/>'
        f'<line class="stroke" {ends} stroke-width="{width}"/></g>'
    )
    if href:
        g = f'<a href="{escape(href)}" class="to-field" aria-label="{text}">{g}</a>'
    return Markup(g)


def _paths_svg(lines: list[tuple[str, str, str]]) -> Markup:
    """Lines as few paths: one per look (class, stroke width) of ``(class, width, segment)``,
    in the order the looks first come; the step's (class ``hl``) on its halo, as a line's.
    No hover text, no link: a light picture's."""
    looks: dict[tuple[str, str], list[str]] = {}
    for cls, width, seg in lines:
        looks.setdefault((cls, width), []).append(seg)
    out = []
    for (cls, width), segs in looks.items():
        d = escape("".join(segs))
        halo = f'<path class="hit" stroke-width="12" d="{d}"/>' if "hl" in cls.split() else ""
        stroke = f' stroke-width="{escape(width)}"' if width else ""
        out.append(f'<g class="{escape(cls)}">{halo}<path class="stroke"{stroke} d="{d}"/></g>\n')
    return Markup("".join(out))


def _link_svg(
    x1: float, y1: float, x2: float, y2: float, cls: str, title: str, href: str
) -> Markup:
    text = escape(title)
    line = (
        f'<g class="{escape(cls)}"><title>{text}</title>\n'
        f'<line x1="{round(x1, 1)}" y1="{round(y1, 1)}" '
        f'x2="{round(x2, 1)}" y2="{round(y2, 1)}"/>\n</g>\n'
    )
    return Markup(_linked(href, text, line))


def _square_svg(x: float, y: float, size: float, cls: str, title: str, href: str) -> Markup:
    text = escape(title)
    h = size / 2
    square = (
        f'<g class="{escape(cls)}"><title>{text}</title>\n'
        f'<rect x="{round(x - h, 1)}" y="{round(y - h, 1)}" '
        f'width="{round(size, 1)}" height="{round(size, 1)}" rx="2"/>\n</g>\n'
    )
    return Markup(_linked(href, text, square))


def _node_svg(
    li: int,
    j: int,
    x: float,
    y: float,
    r: float,
    name: str,
    name_fs: float,
    name_x: float,
    name_y: float,
    name_anchor: str,
    cls: str,
    title: str,
    href: str,
) -> Markup:
    text = escape(title)
    node = (
        f'<g class="{escape(cls)}" data-neuron="{li}-{j}"><title>{text}</title>\n'
        f'<circle cx="{round(x, 1)}" cy="{round(y, 1)}" r="{round(r, 1)}"/>\n'
        f'<text class="name" x="{round(name_x, 1)}" y="{round(name_y, 1)}" '
        f'font-size="{name_fs}" text-anchor="{escape(name_anchor)}">'
        f"{scripts(name)}</text>\n</g>\n"
    )
    return Markup(_linked(href, text, node))


def scripts(text: str) -> Markup:
    """A diagram text, escaped, its labels' subscripts and layer indices raised or lowered:
    b_h1 → b with h1 below, w(L) → w with (L) above (never a raw "_")."""
    out = []
    for part, shift in script_parts(text):
        if shift:
            out.append(
                f'<tspan baseline-shift="{shift}" font-size="{SCRIPT_PCT}%">{escape(part)}</tspan>'
            )
        else:
            out.append(str(escape(part)))
    return Markup("".join(out))
