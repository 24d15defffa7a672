"""Wrong answers that no mistake of the table gives but that say what went wrong all the
same: the right value cut off instead of rounded, the right value rounded on the way (right
at fewer digits than typed), the right size with the other sign, a path left out of the sum a
hidden neuron's error gathers (one value per path: no rule of the table), or another number of
this iteration (another cell of the step, another step: the wrong neuron, weight, sample or
layer; held against more numbers the more digits are typed, so a random answer rarely matches
one). Tried after the table (``check``): a named mistake says more. Like the table's
messages, none gives the step's own value away."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import numpy as np

from ..expr import Expr, sym
from ..trace import Trace, TraceStep
from ..trace.steps import indexed
from .answers import MIN_SIGNIFICANT, Typed, judge, parse_answer, printed
from .cells import Cell, cell_parts, cells, where

NEAR_IDS = (
    "truncated", "rounded_on_the_way", "sign_flipped", "path_left_out", "another_cell",
    "another_step",
)  # fmt: skip
SEARCHED_AT_FEWEST = 20  # other numbers held against an answer of MIN_SIGNIFICANT digits
MAX_SEARCHED = 50_000  # and at most, however many digits are typed

Near = tuple[str, tuple[str | Expr, ...]]  # a diagnosis's id and what it says


def near(
    t: Trace, step: TraceStep, target: Cell, typed: Typed, accepted: list[float]
) -> Near | None:
    """The first of NEAR_IDS that gives ``typed`` (which is wrong for every ``accepted``
    value), or None."""
    if typed.significant < MIN_SIGNIFICANT:
        return None  # "0" or "1" would match too much
    cost = t.before.labels.cost
    name = _name(step, target, cost)
    if any(_cut_off(typed, v) for v in accepted):
        return "truncated", truncated(name)
    if (digits := _right_at_fewer(typed, accepted)) is not None:
        return "rounded_on_the_way", rounded_on_the_way(name, digits, typed.significant)
    if any(judge(typed, -v).correct for v in accepted if v != 0.0):
        return "sign_flipped", sign_flipped(name)
    if (path := _path_left_out(t, step, target, typed, accepted)) is not None:
        return "path_left_out", path_left_out(name, *path)
    budget = search_budget(typed)
    for other in (nearest := _nearest_cells(step, target, budget)):
        if _gives(typed, other.value, accepted):
            return "another_cell", another_cell(name, _name(step, other, cost))
    for k, other in _other_numbers(t, step, budget - len(nearest)):
        if _gives(typed, other.value, accepted):
            return "another_step", another_step(name, _name(t.steps[k], other, cost), k)
    return None


def _name(step: TraceStep, cell: Cell, cost: str) -> tuple[str | Expr, ...]:
    e, rest = cell_parts(step, cell.name, cost)
    return (e, rest) if rest else (e,)


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


def _right_at_fewer(typed: Typed, accepted: list[float]) -> int | None:
    """The most significant digits (at least three, fewer than typed) at which the typed
    number, rounded, is right."""
    exact = Decimal(typed.text.replace("e", "E"))
    for digits in range(typed.significant - 1, MIN_SIGNIFICANT - 1, -1):
        shorter = parse_answer(f"{exact:.{digits - 1}e}")
        if any(judge(shorter, v).correct for v in accepted):
            return digits
    return None


def _path_left_out(
    t: Trace, step: TraceStep, target: Cell, typed: Typed, accepted: list[float]
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


def _gives(typed: Typed, value: float, accepted: list[float]) -> bool:
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


# -- what each says ---------------------------------------------------------------------------


def truncated(name: tuple[str | Expr, ...]) -> tuple[str | Expr, ...]:
    return (
        "That is ", *name, " cut off after the digits you typed, not rounded to them: round "
        "the last digit (up when the digit after it is 5 or more) rather than dropping the "
        "rest.",
    )  # fmt: skip


def rounded_on_the_way(
    name: tuple[str | Expr, ...], digits: int, typed: int
) -> tuple[str | Expr, ...]:
    return (
        f"Close: to {digits} significant digits that is ", *name, f", but not at the {typed} "
        "you typed. Digits that far out come from a value rounded on the way (or a slip in the "
        "last digits): carry more digits of the earlier values, or type only the digits you "
        "are sure of.",
    )  # fmt: skip


def sign_flipped(name: tuple[str | Expr, ...]) -> tuple[str | Expr, ...]:
    return (
        "That has the size of ", *name, " but the opposite sign: check the sign of each "
        "factor (a difference taken the other way round, a minus sign dropped or carried "
        "from an earlier step).",
    )  # fmt: skip


def path_left_out(
    name: tuple[str | Expr, ...], delta: Expr, weight: Expr
) -> tuple[str | Expr, ...]:
    return (
        "That leaves out the path through ", weight, " (its term ", delta, " · ", weight,
        "): ", *name, " gathers the error sent back along every weight out of this neuron, "
        "each delta above times its weight, added.",
    )  # fmt: skip


def another_cell(
    name: tuple[str | Expr, ...], other: tuple[str | Expr, ...]
) -> tuple[str | Expr, ...]:
    return (
        "That is ", *other, ", another number of this step; this field asks for ", *name,
        ": check which sample and which neuron each number comes from.",
    )  # fmt: skip


def another_step(
    name: tuple[str | Expr, ...], other: tuple[str | Expr, ...], k: int
) -> tuple[str | Expr, ...]:
    return (
        "That is ", *other, f" (step {k + 1} of this iteration), not ", *name, ": check "
        "which neuron, weight, sample and layer each number of the formula comes from.",
    )  # fmt: skip
