"""Checking one answer: judge it at the precision typed, and when it is wrong, name the mistake
that gives it (``diagnose``). ``check`` is what ``POST /api/check`` and the practice pages call."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import EngineError
from ..scenario import Scenario
from ..trace import Trace, TraceStep, trace
from .answers import Judgement, Typed, judge, parse_answer
from .cells import Cell, Where, cell_of, where
from .messages import MESSAGES, Names, Said, said_text
from .mistakes import BY_KEY, MISTAKES
from .near import near
from .notation import Notation, notation_of


@dataclass(frozen=True)
class Diagnosis:
    id: str  # one of mistakes.MISTAKE_IDS or near.NEAR_IDS
    said: Said  # the message: prose and formulas (a page writes them as MathML)

    @property
    def message(self) -> str:
        """The message as plain text (the API's ``diagnosis.message``)."""
        return said_text(self.said)


@dataclass(frozen=True)
class Check:
    """The verdict on one answer. ``expected`` is always filled: whoever shows the verdict
    decides whether to reveal it. ``quantity`` names the cell asked (e.g. ``out_h1``, or
    ``net_h2 (sample 3)`` for one number of a matrix)."""

    correct: bool
    too_few_digits: bool
    quantity: str
    digits: int  # the decimals typed: the precision the answer was judged at
    expected: float
    diagnosis: Diagnosis | None
    judgement: Judgement


def step_at(t: Trace, at: int) -> TraceStep:
    """The trace's step ``at`` (0-based, the explorer's numbering), or ``EngineError``."""
    if not 0 <= at < len(t.steps):
        raise EngineError(f"must be a step of this trace, from 0 to {len(t.steps) - 1}", ("at",))
    return t.steps[at]


def check(
    s: Scenario,
    at: int,
    answer: str,
    granularity: str = "neuron",
    cell: tuple[int, ...] | None = None,
    notation: Notation | None = None,
) -> Check:
    """Judge ``answer`` (as typed) for step ``at`` of the iteration of ``s``. Raises
    ``EngineError`` naming ``answer``, ``at``, ``cell`` or ``granularity`` on bad input."""
    return check_trace(trace(s, granularity), at, answer, cell, notation)


def check_trace(
    t: Trace,
    at: int,
    answer: str,
    cell: tuple[int, ...] | None = None,
    notation: Notation | None = None,
) -> Check:
    """``check`` for a trace already at hand (the pages have one)."""
    step = step_at(t, at)
    target = cell_of(step, cell)
    typed = parse_answer(answer)
    notation = notation if notation is not None else notation_of(t.before)
    verdict = _judge(typed, target.value, notation.also_right(step.kind))
    wrong = not (verdict.correct or verdict.too_few_digits)
    return Check(
        correct=verdict.correct,
        too_few_digits=verdict.too_few_digits,
        quantity=target.name,
        digits=typed.decimals,
        expected=target.value,
        diagnosis=_diagnose(t, step, target, typed, notation) if wrong else None,
        judgement=verdict,
    )


def _judge(typed: Typed, value: float, also: float | None) -> Judgement:
    """Right against the engine's value, or against the document's own sign of it."""
    verdict = judge(typed, value)
    if also is not None and not verdict.correct:
        other = judge(typed, value * also)
        if other.correct or (other.too_few_digits and not verdict.too_few_digits):
            return other
    return verdict


def diagnose(
    t: Trace,
    at: int,
    cell: tuple[int, ...] | None,
    typed: Typed,
    notation: Notation | None = None,
) -> Diagnosis | None:
    """The known mistake that gives ``typed`` at step ``at`` (and ``cell``), or None: when the
    answer is right (the right answer always wins), when no mistake gives it, or when the
    mistake's value is the right one at the precision typed."""
    step = step_at(t, at)
    target = cell_of(step, cell)
    notation = notation if notation is not None else notation_of(t.before)
    verdict = _judge(typed, target.value, notation.also_right(step.kind))
    if verdict.correct or verdict.too_few_digits:
        return None
    return _diagnose(t, step, target, typed, notation)


def _diagnose(
    t: Trace, step: TraceStep, target: Cell, typed: Typed, notation: Notation
) -> Diagnosis | None:
    place = where(t, step)
    accepted = [target.value]
    also = notation.also_right(step.kind)
    # the document's signs too (document 001's Δ = Err·g′ with Err = y − a)
    signs = (1.0,) if also is None else (1.0, also)
    if also is not None:
        accepted.append(target.value * also)
    for mistake in MISTAKES:
        value = mistake_value(t, place, mistake.key, target.path)
        if value is None or any(_same_at(typed, value, v) for v in accepted):
            continue
        if any(judge(typed, value * sign).correct for sign in signs):
            names = Names(t, step, place, notation, mistake.other)
            return Diagnosis(mistake.id, MESSAGES[mistake.id](names))
    found = near(t, step, target, typed, accepted)
    return Diagnosis(*found) if found is not None else None


def _same_at(typed: Typed, a: float, b: float) -> bool:
    """Whether a and b are the same number at the precision typed (the mistake changes
    nothing a learner typing these decimals could see)."""
    return abs(Fraction(a) - Fraction(b)) <= typed.tolerance


def mistake_value(t: Trace, place: Where, key: str, path: tuple[int, ...]) -> float | None:
    """The value of one cell of the step at ``place`` under the mistake (its row's ``key``,
    ``mistakes.MISTAKE_KEYS``), or None when the mistake cannot happen there."""
    full = BY_KEY[key].value(t, place)
    if full is None:
        return None
    value = float(place.select(full)[path])
    return value if np.isfinite(value) else None
