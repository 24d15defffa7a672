"""The current step's weights' labels the picture had no room for (``focus``), placed along their
edges clear of every circle, name and caption, over other weights' labels or cards if need be.

A step's focus depends on the step only through its weights (in order) and its neurons, so it is
worked out once per trace, look and such pair (steps alike share it). Each label is placed by
trying places along its edge against a few boxes; where a label goes among the boxes of the
picture alone is kept per trace and look (``_Places``): a label placed for the same step before
it can only take places away, so the place kept stands unless such a label covers it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace

from engine import TraceStep

from ..caches import Memo, TraceBundle
from .geometry import Geometry, LabelGeo, Values
from .grid import edge_lines_max
from .layout import Room, reveal_index, weight_label
from .reveal import Key
from .spacing import SPACING as S
from .svg import Box, block_size

__all__ = ["NO_FOCUS", "Focus", "focus"]

EdgeLabels = dict[tuple[int, int, int], LabelGeo]


@dataclass(frozen=True)
class Focus:
    """Labels for the step's weights that have none on the picture, and what they cover for
    the step: other weights' labels, and (when nothing else gives room) other neurons' cards."""

    labels: EdgeLabels = field(default_factory=dict)
    hidden_labels: frozenset[tuple[int, int, int]] = frozenset()
    hidden_cards: frozenset[tuple[int, int]] = frozenset()


NO_FOCUS = Focus()
# a focus as kept: deep_size measures ~1.1 KB a label (its box and lines, their key), ~300 B
# for the rest; the estimate saves a click ~0.1 ms of measuring
FOCUS_BYTES, FOCUS_LABEL_BYTES, FOCUS_HIDDEN_BYTES = 400, 1200, 150
# where a label goes among the picture's boxes alone, kept: by weight and room (a few each)
PLACES_PER_WEIGHT, PLACE_BYTES = 4, 300


def _weigh(f: Focus) -> int:
    hidden = len(f.hidden_labels) + len(f.hidden_cards)
    return FOCUS_BYTES + FOCUS_LABEL_BYTES * len(f.labels) + FOCUS_HIDDEN_BYTES * hidden


def focus(
    bundle: TraceBundle, g: Geometry, decimals: int, sample: int, step: TraceStep | None
) -> Focus:
    """The step's labels, worked out once per trace, look, and the step's weights and neurons
    (a few boxes: the picture is laid out)."""
    if step is None or not step.weights or len(step.weights) > S.max_focus_labels:
        return NO_FOCUS
    look = (decimals, sample, g.vertical)
    places: Memo[Hashable, tuple[Box | None]] = bundle.derived(
        ("focus places", *look),
        lambda: Memo(PLACES_PER_WEIGHT * len(g.edges), PLACE_BYTES),
        lambda memo: memo.nbytes,
    )

    def make() -> Focus:
        v = Values(bundle.trace, sample, decimals)
        return _focus(v, reveal_index(bundle), g, step, places)

    key = ("focus", *look, step.weights, frozenset(step.neurons))
    return bundle.derived(key, make, _weigh)


Tries = list[tuple[list[Box], tuple[float, ...], Hashable]]  # boxes, shifts, the room's key


def _focus(
    v: Values,
    reveal: dict[Key, int],
    g: Geometry,
    step: TraceStep,
    places: Memo[Hashable, tuple[Box | None]],
) -> Focus:
    labelled = {(e.li, e.i, e.j): e.label.box for e in g.edges if e.label is not None}
    missing = [w for w in step.weights if w not in labelled]
    if not missing:
        return NO_FOCUS
    at = {(n.li, n.j): (n.x, n.y) for n in g.nodes}
    cards = {(n.li, n.j): [b for b in (n.card, n.side) if b is not None] for n in g.nodes}
    others = {w: b for w, b in labelled.items() if w not in step.weights}
    current = [labelled[w] for w in step.weights if w in labelled]
    all_cards = {b for bs in cards.values() for b in bs}
    own_cards = [b for k in step.neurons for b in cards.get(k, ())]
    shown = frozenset(w for w in step.weights if w in labelled)
    tries: Tries = [  # the most room a label may take, strictest first
        ([*g.fixed, *current, *others.values()], (0.0,), 0),
        ([*g.fixed, *current], S.focus_shifts, (1, shown)),
        (
            [*(b for b in g.fixed if b not in all_cards), *own_cards, *current],
            S.focus_shifts,
            (2, shown, frozenset(step.neurons)),
        ),
    ]
    picture = Room(g.width, g.height, [(n.x, n.y, g.r) for n in g.nodes], clear={})
    placed: EdgeLabels = {}
    for w in missing:
        li, i, j = w
        size = block_size(edge_lines_max(v.tr.before, v, li, i, j), g.fs)
        ends = (*at[(li, i)], *at[(li + 1, j)])
        taken = [label.box for label in placed.values()]
        for boxes, shifts, key in tries:
            box = _place(picture, places, (w, key), (boxes, taken), (ends, size, shifts))
            if box is not None:
                placed[w] = weight_label(v, reveal, box, w)
                break
    return _covering(placed, others, cards, step)


def _place(
    picture: Room,
    places: Memo[Hashable, tuple[Box | None]],
    key: Hashable,
    among: tuple[list[Box], list[Box]],
    where: tuple[tuple[float, float, float, float], tuple[float, float], tuple[float, ...]],
) -> Box | None:
    """The first place along the edge (``where``: its ends, the label's size, the shifts
    across) in the ``picture`` (its circles, no boxes) clear of the boxes and of the labels
    taken for the step (``among``): the first clear of the boxes alone (kept in ``places``),
    unless a label taken covers it."""
    boxes, taken = among
    ends, size, shifts = where

    def first(more: list[Box]) -> tuple[Box | None]:
        room = replace(picture, boxes=boxes + more)  # (its circles' places known: shared)
        return (room.place(ends, size, S.focus_label_at, shifts),)

    (alone,) = places.get(key, lambda: first([]))
    if alone is None or not alone.overlaps_any(taken, S.label_gap):
        return alone
    return first(taken)[0]


def _covering(
    placed: EdgeLabels,
    others: dict[tuple[int, int, int], Box],
    cards: dict[tuple[int, int], list[Box]],
    step: TraceStep,
) -> Focus:
    """The step's labels and what they cover."""
    covers = [label.box for label in placed.values()]

    def covered(boxes: Iterable[Box]) -> bool:
        return any(b.overlaps(c, S.label_gap) for b in boxes for c in covers)

    return Focus(
        placed,
        frozenset(w for w, b in others.items() if covered([b])),
        frozenset(k for k, bs in cards.items() if k not in step.neurons and covered(bs)),
    )
