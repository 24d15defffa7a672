"""Wrong answers that no mistake of the table gives but that say what went wrong all the
same: the right value cut off instead of rounded, the right value rounded on the way (right
at fewer digits than typed), the right size with the other sign, a path left out of the sum a
hidden neuron's error gathers (one value per path: no rule of the table), or another number of
this iteration (another cell of the step, another step: the wrong neuron, weight, sample or
layer; held against more numbers the more digits are typed, so a random answer rarely matches
one). Tried after the table (``check``): a named mistake says more.

``NEAR`` is the table: (id, test) pairs tried in order, each test answering what its words
need, or None; the words are ``messages.NEAR_WORDS``. Like the table's messages, none gives
the step's own value away."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

import numpy as np

from ..expr import Expr, sym
from ..trace import Trace, TraceStep
from ..trace.steps import indexed
from .answers import MIN_SIGNIFICANT, AnswerError, Typed, judge, parse_answer, printed
from .cells import Cell, cell_parts, cells, where
from .messages import NEAR_WORDS, Said, fill

SEARCHED_AT_FEWEST = 20  # other numbers held against an answer of MIN_SIGNIFICANT digits
MAX_SEARCHED = 50_000  # and at most, however many digits are typed

Near = tuple[str, Said]  # a diagnosis's id and what it says
Found = dict[str, object]  # what its words need (messages.NEAR_WORDS' slots), or {}


@dataclass(frozen=True)
class Asked:
    """A wrong answer to one cell of a step, and the values it is wrong for."""

    t: Trace
    step: TraceStep
    target: Cell
    typed: Typed
    accepted: Sequence[float]

    def name(self, step: TraceStep, cell: Cell) -> Said:
        e, rest = cell_parts(step, cell.name, self.t.before.labels.cost)
        return (e, rest) if rest else (e,)

    @cached_property
    def budget(self) -> int:
        return search_budget(self.typed)

    @cached_property
    def nearest(self) -> list[Cell]:
        return _nearest_cells(self.step, self.target, self.budget)

    @cached_property
    def rough(self) -> tuple[float, float] | None:
        """The typed number and half a unit of its last place as floats (None: beyond them)."""
        try:
            return float(self.typed.value), float(self.typed.tolerance)
        except OverflowError:
            return None

    def gives(self, value: float) -> bool:
        """``_gives``, after a float test that sets aside at once a number far beyond half a
        unit of the answer (up to 50,000 are searched: 2.5 s in exact fractions alone)."""
        if self.rough is not None:
            x, half = self.rough
            if abs(x - value) > 2.0 * half + 1e-12 * (abs(x) + abs(value)):
                return False
        return _gives(self.typed, value, self.accepted)


def _truncated(a: Asked) -> Found | None:
    return {} if any(_cut_off(a.typed, v) for v in a.accepted) else None


def _rounded_on_the_way(a: Asked) -> Found | None:
    digits = _right_at_fewer(a.typed, a.accepted)
    return None if digits is None else {"digits": digits, "typed": a.typed.significant}


def _sign_flipped(a: Asked) -> Found | None:
    flipped = any(judge(a.typed, -v).correct for v in a.accepted if v != 0.0)
    return {} if flipped else None


def _path(a: Asked) -> Found | None:
    path = _path_left_out(a.t, a.step, a.target, a.typed, a.accepted)
    return None if path is None else {"delta": path[0], "weight": path[1]}


def _another_cell(a: Asked) -> Found | None:
    for other in a.nearest:
        if a.gives(other.value):
            return {"other": a.name(a.step, other)}
    return None


def _another_step(a: Asked) -> Found | None:
    for k, other in _other_numbers(a.t, a.step, a.budget - len(a.nearest)):
        if a.gives(other.value):
            return {"other": a.name(a.t.steps[k], other), "step": k + 1}
    return None


# tried in this order: the first that finds the answer names it (its words: NEAR_WORDS)
NEAR: tuple[tuple[str, Callable[[Asked], Found | None]], ...] = (
    ("truncated", _truncated),
    ("rounded_on_the_way", _rounded_on_the_way),
    ("sign_flipped", _sign_flipped),
    ("path_left_out", _path),
    ("another_cell", _another_cell),
    ("another_step", _another_step),
)
NEAR_IDS = tuple(near_id for near_id, _ in NEAR)


def near(
    t: Trace, step: TraceStep, target: Cell, typed: Typed, accepted: Sequence[float]
) -> Near | None:
    """The first of NEAR that gives ``typed`` (which is wrong for every ``accepted`` value),
    or None."""
    if typed.significant < MIN_SIGNIFICANT:
        return None  # "0" or "1" would match too much
    asked = Asked(t, step, target, typed, accepted)
    name = asked.name(step, target)
    for near_id, test in NEAR:
        found = test(asked)
        if found is not None:
            return near_id, fill(NEAR_WORDS[near_id], {"name": name, **found})
    return None


def search_budget(typed: Typed) -> int:
    """How many other numbers of the iteration an answer is held against (another cell,
    another step; nearest first): 20 at three significant digits typed, ten times more for
    each digit past three. An answer of d digits matches a random number of its size about
    once in 10ᵈ⁻¹ tries: held against all 15,000 numbers of a 16-neuron, 16-sample network, a
    random 3-digit answer was "another step" or "another cell" 32 % of the time."""
    past = typed.significant - MIN_SIGNIFICANT
    return min(MAX_SEARCHED, SEARCHED_AT_FEWEST * int(10**past))


def _cut_off(typed: Typed, value: float) -> bool:
    """Whether ``typed`` is ``value`` (the decimal it stands for) cut off after the decimals
    typed, where rounding gives another last digit."""
    scale = Fraction(10) ** typed.decimals
    return Fraction(math.trunc(printed(value) * scale)) / scale == typed.value


def _right_at_fewer(typed: Typed, accepted: Sequence[float]) -> int | None:
    """The most significant digits (at least three, fewer than typed) at which the typed
    number, rounded, is right."""
    exact = Decimal(typed.text.replace("e", "E"))
    for digits in range(typed.significant - 1, MIN_SIGNIFICANT - 1, -1):
        try:
            shorter = parse_answer(f"{exact:.{digits - 1}e}")
        except AnswerError:  # rounded up past float64's largest (1.797…e308 → 1.8e308)
            continue
        if any(judge(shorter, v).correct for v in accepted):
            return digits
    return None


def _path_left_out(
    t: Trace, step: TraceStep, target: Cell, typed: Typed, accepted: Sequence[float]
) -> tuple[Expr, Expr] | None:
    """The delta and the weight of the path whose term, left out of ∂E/∂out = Σₖ δₖ·wⱼₖ (and
    of the delta made from it), gives ``typed``: a neuron step with two paths or more."""
    place = where(t, step)
    if place.kind not in ("output_gradient", "delta", "input_gradient") or place.column is None:
        return None
    above = 0 if place.kind == "input_gradient" else place.layer + 1
    if above >= len(t.before.weights) or target.value == 0.0:
        return None
    b, j = t.backward, place.column
    sample = target.path[0] if target.path else 0
    terms = b.deltas[above][sample] * b.used_weights[above][j]
    if len(terms) < 2:
        return None  # one path: leaving it out leaves nothing
    slope = 1.0
    if place.kind == "delta":
        local = b.local[place.layer]
        if local is None:
            return None
        slope = float(local[sample, j])
    lab = t.before.labels
    for k in range(len(terms)):
        value = float(terms.sum() - terms[k]) * slope
        if any(judge(typed, value * v / target.value).correct for v in accepted):
            delta = indexed("δ", lab.neurons[above + 1][k])
            return delta, sym(lab.weights[above][j][k])
    return None


def _gives(typed: Typed, value: float, accepted: Sequence[float]) -> bool:
    """Right for ``value`` and for none of the accepted ones (a number equal to the step's
    at the digits typed was right)."""
    return judge(typed, value).correct and not any(judge(typed, v).within for v in accepted)


def _nearest_cells(step: TraceStep, target: Cell, budget: int) -> list[Cell]:
    """Up to ``budget`` other cells of the step, the nearest to ``target`` first (a
    neighbouring neuron or sample)."""
    others = [c for c in cells(step) if c.path != target.path]
    others.sort(key=lambda c: sum(abs(a - b) for a, b in zip(c.path, target.path, strict=True)))
    return others[:budget]


def _other_numbers(t: Trace, step: TraceStep, budget: int) -> Iterator[tuple[int, Cell]]:
    """The numbers of the iteration's other steps, the nearest steps first (before after),
    whole steps up to ``budget`` numbers."""
    order = sorted(
        (s.index for s in t.steps if s.index != step.index),
        key=lambda k: (abs(k - step.index), k > step.index),
    )
    searched = 0
    for k in order:
        size = int(np.asarray(t.steps[k].value, dtype=np.float64).size)
        searched += size
        if searched > budget:
            return
        for c in cells(t.steps[k]):
            yield k, c
