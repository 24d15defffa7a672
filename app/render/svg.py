"""The diagram's parts as drawn (boxes, text blocks, neurons, edges, biases) and their SVG.

``Diagram.svg`` writes the picture (classes and presentation attributes only: the CSP forbids
style attributes); every text is escaped here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
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

    def overlaps_any(self, boxes: Iterable[Box], gap: float = 1.0) -> bool:
        """``overlaps`` for any of ``boxes`` (a label's tries: one call, not one a box)."""
        return overlaps_any(self.x, self.y, self.x + self.w, self.y + self.h, boxes, gap)

    def overlaps(self, o: Box, gap: float = 1.0) -> bool:
        return self.overlaps_any((o,), gap)

    def hits_circle(self, cx: float, cy: float, r: float) -> bool:
        return self.hits_any_circle(((cx, cy, r),))

    def hits_any_circle(self, circles: Iterable[tuple[float, float, float]]) -> bool:
        """Whether the box comes within 2 of any of ``circles`` (x, y, radius)."""
        return hits_any_circle(self.x, self.y, self.x + self.w, self.y + self.h, circles)


# a box's sides as numbers (left, top, right, bottom): a place tried before a Box is made


def overlaps_any(
    x: float, y: float, right: float, bottom: float, boxes: Iterable[Box], gap: float
) -> bool:
    """Whether the box of these sides comes within ``gap`` of any of ``boxes``."""
    for o in boxes:
        if not (
            right + gap <= o.x
            or o.x + o.w + gap <= x
            or bottom + gap <= o.y
            or o.y + o.h + gap <= y
        ):
            return True
    return False


def hits_any_circle(
    x: float, y: float, right: float, bottom: float, circles: Iterable[tuple[float, float, float]]
) -> bool:
    """Whether the box of these sides comes within 2 of any of ``circles`` (x, y, radius)."""
    for cx, cy, r in circles:  # the box's point nearest the centre
        nx = x if cx < x else (right if cx > right else cx)
        ny = y if cy < y else (bottom if cy > bottom else cy)
        if (nx - cx) ** 2 + (ny - cy) ** 2 < (r + 2) ** 2:
            return True
    return False


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

    @property
    def origin(self) -> tuple[float, float]:
        """The point the block is drawn around: its text's anchor across, its box's middle (or
        top, ``valign``) down; it stays put while the lines change."""
        y = self.box.y + self.box.h / 2 if self.valign == "middle" else self.box.y
        return self.tx, y

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

    @functools.cached_property  # a frozen dataclass's own dict: a Node kept is marked once
    def marks(self) -> tuple[Mark, ...]:
        """The neuron's pieces: its circle and name, its card, its target and error."""
        return (
            (("neuron", self.li, self.j), _node_svg, self.svg_args()),
            *_card(("card", self.li, self.j), self.card, "card"),
            *_card(("side", self.li, self.j), self.side, "side"),
        )

    def svg_args(self) -> tuple[Any, ...]:
        """What the neuron's SVG is drawn from (``_node_svg``)."""
        return (
            self.li,
            self.j,
            self.x,
            self.y,
            self.r,
            self.name,
            self.name_fs,
            self.name_x,
            self.name_y,
            self.name_anchor,
            self.cls,
            self.title,
            self.href,
        )


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

    @functools.cached_property  # a frozen dataclass's own dict: an Edge kept is marked once
    def mark(self) -> Mark:
        """The edge drawn on its own (not in its layer pair's path: ``segment`` unset)."""
        return (("edge", self.li, self.i, self.j), _edge_svg, self.svg_args())

    @functools.cached_property
    def label_mark(self) -> Mark | None:
        """Its label (a link to its field, out of the tab order: the edge itself is the link
        a keyboard reaches), if it shows anything."""
        if self.label is None or not self.label.lines:
            return None
        return (
            ("label", self.li, self.i, self.j),
            _label_svg,
            (self.label, _label_class(self.cls), self.href),
        )

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
    drawn: bool = True  # False: the outline alone (a step's answer draws what changed)

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

    @property
    def least_width(self) -> float:
        """The narrowest the picture may be drawn: its smallest text (the values' font) at
        ``MIN_TEXT_PX``. A phone's CSS scales it down to its column, not below this."""
        return math.ceil(self.width * MIN_TEXT_PX / self.geometry.fs * 10) / 10

    def draw(self, mark: Mark) -> Markup:
        """One piece of the picture (kept in the trace's bundle: most are drawn as before)."""
        _, fn, args = mark
        if self.pieces is None:
            return fn(*args)
        return self.pieces.get((fn.__name__, *args), lambda: fn(*args))

    def head(self, svg_id: str, extra: str) -> str:
        """The picture's start tag and title: the same at every step of the iteration."""
        sid = escape(svg_id)
        return (
            f'<svg id="{sid}" class="diagram {escape(extra)}" '
            f'viewBox="0 0 {self.width} {self.height}" width="{self.drawn_width}" '
            f'role="{"group" if self.linked else "img"}" aria-labelledby="{sid}-title" '
            f'data-width="{self.width}" data-least="{self.least_width}">\n'
            f'<title id="{sid}-title">{escape(self.geometry.aria)}</title>\n'
        )

    def svg(self, svg_id: str, extra: str) -> Markup:
        """The picture as SVG (``templates/_diagram.html`` puts it in its figure): its head,
        then each group of ``marks`` drawn. Written in Python rather than a template macro: it
        has hundreds of elements. Every text is escaped here."""
        out = [self.head(svg_id, extra)]
        if not self.drawn:
            return Markup(out[0] + "</svg>")
        for (opened, closed), marks in zip(GROUPS, self.marks, strict=True):
            out.append(opened)
            out.extend(self.draw(mark) for mark in marks)
            out.append(closed)
        out.append("</svg>")
        return Markup("".join(out))

    @functools.cached_property  # a frozen dataclass's own dict: worked out once per diagram
    def marks(self) -> tuple[tuple[Mark, ...], ...]:
        """What each group of the picture (``GROUPS``) draws, in order: for each piece (one
        element), who it is, the function that draws it and what from. A step's answer compares
        two steps' marks and draws only the pieces that changed (app/explorer/picture.py)."""
        links: list[Mark] = []
        for b in self.biases:
            plain = [(k.cls, "", k.segment) for k in b.links if k.segment]
            links += _path_marks(("links", b.geo.li), plain)
            links += [
                (
                    ("link", b.geo.li, k.j),
                    _link_svg,
                    (k.x1, k.y1, k.x2, k.y2, k.cls, k.title, k.href),
                )
                for k in b.links
                if not k.segment
            ]
        squares: list[Mark] = []
        for b in self.biases:
            sq = b.geo
            squares.append(
                (("bias", sq.li), _square_svg, (sq.x, sq.y, sq.size, b.cls, sq.title, sq.href))
            )
            squares += _card(("caption", sq.li), sq.caption, "caption")
        neurons = [mark for n in self.nodes for mark in n.marks]
        return tuple(links), self._edge_marks(), self._label_marks(), tuple(squares), tuple(neurons)

    def _edge_marks(self) -> tuple[Mark, ...]:
        """The edges: a light picture's plain lines one path per layer pair and look (they
        are never the step's nor labelled), then every other edge on its own."""
        marks: list[Mark] = []
        plain = [(e.li, e.cls, str(e.width), e.segment) for e in self.edges if e.segment]
        for on_top in (False, True):  # the step's own (a layer's many weights) over the rest
            for li in sorted({p[0] for p in plain}):
                looks = [p[1:] for p in plain if p[0] == li and ("hl" in p[1].split()) == on_top]
                marks += _path_marks(("edges", li), looks)
        marks += [e.mark for e in self.edges if not e.segment]
        return tuple(marks)

    def _label_marks(self) -> tuple[Mark, ...]:
        """The edges' labels (``Edge.label_mark``)."""
        return tuple(mark for e in self.edges if (mark := e.label_mark) is not None)


def _label_class(edge_cls: str) -> str:
    """A label's look: highlighted with its edge (the edge's sign is drawn by the edge)."""
    return "edge-label hl" if "hl" in edge_cls.split() else "edge-label"


# a piece of the picture: who it is, the function that draws it, and what from
Mark = tuple[tuple[object, ...], Callable[..., Markup], tuple[Any, ...]]
# the groups of the picture, bottom to top, each as it opens and closes
GROUPS = (
    ('<g class="bias-links">\n', "</g>\n"),
    ('<g class="edges">\n', "\n</g>\n"),
    ('<g class="edge-labels">\n', "\n</g>\n"),
    ('<g class="bias-nodes">\n', "</g>\n"),
    ('<g class="neurons">\n', "</g>\n"),
)


def _card(who: tuple[object, ...], block: TextBlock | None, cls: str) -> list[Mark]:
    """A text block of a neuron or a bias, if it shows anything yet."""
    return [(who, _card_svg, (block, cls))] if block is not None and block.lines else []


def _card_svg(b: TextBlock, cls: str) -> Markup:
    return _block_svg(b, cls) + "\n"


def _label_svg(b: TextBlock, cls: str, href: str) -> Markup:
    """An edge's label: a link to its field, out of the tab order and hidden (the edge itself is
    the link a keyboard reaches). The link places the label: what it holds is the same in every
    picture of the network at this font size (a step's change to it is sent once for all)."""
    if not href:
        return _block_svg(b, cls)
    return Markup(
        f'<a href="{escape(href)}" class="to-field" tabindex="-1" aria-hidden="true" '
        f'transform="{_origin(b)}">{_block_svg(b, cls, placed=False)}</a>'
    )


def _path_marks(who: tuple[object, ...], lines: list[tuple[str, str, str]]) -> list[Mark]:
    """Lines as few paths: one per look (class, stroke width) of ``(class, width, segment)``,
    in the order the looks first come; the step's (class ``hl``) on its halo, as a line's.
    No hover text, no link: a light picture's."""
    looks: dict[tuple[str, str], list[str]] = {}
    for cls, width, seg in lines:
        looks.setdefault((cls, width), []).append(seg)
    return [
        ((*who, cls, width), _path_svg, (cls, width, "".join(segs)))
        for (cls, width), segs in looks.items()
    ]


def _path_svg(cls: str, width: str, segments: str) -> Markup:
    """One look's lines as a path; the step's (class ``hl``) on its halo, as a line's."""
    d = escape(segments)
    halo = f'<path class="hit" stroke-width="12" d="{d}"/>' if "hl" in cls.split() else ""
    stroke = f' stroke-width="{escape(width)}"' if width else ""
    return Markup(f'<g class="{escape(cls)}">{halo}<path class="stroke"{stroke} d="{d}"/></g>\n')


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


def _origin(b: TextBlock) -> str:
    """Where a text block is put (its text's anchor, its box's middle or top): the same at every
    step of the iteration, whatever the block holds."""
    x, y = b.origin
    return f"translate({round(x, 1)} {round(y, 1)})"


def _block_svg(b: TextBlock, cls: str, placed: bool = True) -> Markup:
    """A text block, drawn around its origin (``TextBlock.origin``): its box and lines are the
    same wherever it is put. ``placed``: its group is placed and hidden from screen readers
    (else its parent is)."""
    if not b.lines:
        return Markup("")
    bx = b.shown
    ox, oy = b.origin
    where = f' aria-hidden="true" transform="{_origin(b)}"' if placed else ""
    out = [
        f'<g class="tb {escape(cls)}"{where}>'
        f'<rect x="{_rel(bx.x - ox)}" y="{_rel(bx.y - oy)}" '
        f'width="{round(bx.w, 1)}" height="{round(bx.h, 1)}" rx="3"/>'
    ]
    tx = _rel(b.tx - ox)
    for k, line in enumerate(b.lines):
        y = _rel(bx.y - oy + PAD / 2 + b.fs * (LINE_H * k + 1.0))
        out.append(
            f'<text x="{tx}" y="{y}" font-size="{b.fs}" text-anchor="{b.anchor}" '
            f'class="{escape(line.cls)}">{scripts(line.text)}</text>'
        )
    out.append("</g>")
    return Markup("".join(out))


def _rel(v: float) -> float:
    """A coordinate inside a block, to 0.1 (never "-0.0")."""
    return round(v, 1) + 0.0


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
    # the line's width is its group's (inherited): a step that changes it changes no line, the
    # same in every picture of the network (sent once for all)
    g = (
        f'<g class="{escape(cls)}" data-edge="{li}-{i}-{j}" stroke-width="{width}">'
        f'<title>{text}</title><line class="hit" {ends} stroke-width="12"/>'
        f'<line class="stroke" {ends}/></g>'
    )
    if href:
        g = f'<a href="{escape(href)}" class="to-field" aria-label="{text}">{g}</a>'
    return Markup(g)


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
