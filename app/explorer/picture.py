"""What a step changes on the pictures, worked out from the diagrams rather than their SVG.

A picture of an 8 × 16 network has thousands of pieces (edges, their labels, neurons, cards), and
a step changes a few of them: a highlight moves, values are revealed. Diffing two renders of the
SVG would read every piece twice; instead the diagrams of the step shown and of the new step
(app/render/svg.py, ``Diagram.marks``: who each piece is and what it is drawn from) are compared
piece by piece, and only the pieces that differ are drawn and patched (``patch.element_ops``:
attributes alone where that is all that changed). Pieces that moved (the step's edges are
drawn last, over the others) are put in their new order by the ``order`` swap; new ones are
inserted at their place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..render.svg import Diagram, Mark
from .patch import MAX_DEPTH, Op, element_ops, inserted, order_op

Draw = Callable[[Mark], str]  # a piece drawn: a function of its mark alone (``Diagram.draw``)


@dataclass(frozen=True)
class Picture:
    """A picture as a step draws it: its start tag and title, and what each of its groups
    draws (``Diagram.marks``). Kept with the step's parts (partial.py), so that the next step
    compares against it without building the step's view again."""

    head: str
    marks: tuple[tuple[Mark, ...], ...]


Pictures = dict[str, Picture]  # the pictures of a step, by their ids in the page
# a mark as kept: deep_size measures 620–660 B on the 2-2-2's and the 8 × 16's pictures, and
# takes ~1–3 ms to say so (more than the rest of a click's keeping)
MARK_BYTES = 700


def weight(pictures: Pictures) -> int:
    """An estimate of the bytes ``pictures`` hold, by their number of marks."""
    return sum(
        len(p.head) + MARK_BYTES * sum(len(group) for group in p.marks) for p in pictures.values()
    )


def pictures_of(found: Mapping[str, tuple[Diagram, str]]) -> Pictures:
    """The pictures of a view (``view.pictures``: each diagram with its class)."""
    return {
        svg_id: Picture(diagram.head(svg_id, extra), diagram.marks)
        for svg_id, (diagram, extra) in found.items()
    }


def picture_ops(
    old: Picture, new: Picture, svg_id: str, draw: Draw, copies: int = 1
) -> list[Op] | None:
    """The operations turning the picture ``svg_id`` drawn as ``old`` into ``new``; None when
    they differ in more than their pieces (another layout: the picture is sent whole).
    ``draw``: a piece drawn (a mark is drawn the same whichever step's diagram draws it).
    ``copies``: the pictures of the figure (an operation the same in each is sent once)."""
    if old.head != new.head:
        return None
    ops: list[Op] = []
    for k, (was, now) in enumerate(zip(old.marks, new.marks, strict=True)):
        if was != now:  # the title is child 1, the groups follow
            ops += _group_ops(draw, (was, now), f"#{svg_id} > :nth-child({k + 2})", copies)
    return ops


def _group_ops(
    draw: Draw,
    marks: tuple[tuple[Mark, ...], tuple[Mark, ...]],
    sel: str,
    copies: int,
) -> list[Op]:
    was, now = marks
    place = {mark[0]: i for i, mark in enumerate(was)}
    order = [place[mark[0]] for mark in now if mark[0] in place]
    ops = [] if order == list(range(len(was))) else [order_op(sel, True, order)]
    patches: list[Op] = []
    for j, mark in enumerate(now):
        i = place.get(mark[0])
        if i is None:
            ops += inserted(sel, True, j, str(draw(mark)).strip())
        elif was[i] != mark:
            before, after = str(draw(was[i])).strip(), str(draw(mark)).strip()
            where = f"{sel} > :nth-child({j + 1})"
            patches += element_ops(before, after, where, True, MAX_DEPTH, copies)
    return ops + patches


def pictures_ops(old: Pictures, new: Pictures, draws: Mapping[str, Draw]) -> list[Op] | None:
    """Every picture's operations (``draws``: each picture's ``Draw``); None if one of them
    must be sent whole."""
    if old.keys() != new.keys():
        return None
    each: list[list[Op]] = []
    for svg_id, picture in new.items():
        ops = picture_ops(old[svg_id], picture, svg_id, draws[svg_id], len(new))
        if ops is None:
            return None
        each.append(ops)
    return _shared(each, list(new))


ALL = "#diagram .diagram"  # every picture of the figure (templates/_diagram.html)


def _shared(each: list[list[Op]], ids: list[str]) -> list[Op]:
    """The pictures' operations, each sent once for all the pictures where it is the same in
    every one but for the picture's id (a highlight, a hover text, an order: the pictures'
    pieces differ in their places alone), else each picture's own in turn."""
    if len(each) < 2 or len({len(ops) for ops in each}) != 1:
        return [op for ops in each for op in ops]
    out: list[Op] = []
    for ops in zip(*each, strict=True):
        common = {
            (svg, text.replace(f":#{svg_id} ", f":{ALL} ", 1))
            for (svg, text), svg_id in zip(ops, ids, strict=True)
        }
        out += list(common) if len(common) == 1 else list(ops)
    return out


def blank(html: str, pictures: Pictures) -> str:
    """``html`` (the figure) with each picture's content left out: the rest of the figure is
    patched as HTML, the pictures by ``pictures_ops``."""
    for svg_id in pictures:
        start = html.find(f'<svg id="{svg_id}"')
        end = html.find("</svg>", start)
        if start >= 0 and end >= 0:
            html = html[: html.index(">", start) + 1] + html[end:]
    return html
