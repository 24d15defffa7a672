"""Ready-made practice sets, and faded worked examples.

A set names a preset, the granularity it is worked at and the steps it asks (by the trace's
quantities; ``None``: every step). Fading (backward fading, Renkl & Atkinson): at level k ≥ 1
only the last k asked steps of each phase are questions and the others are shown worked; the
level rises with each iteration, so a learner who starts watching ends computing everything.
``FADE_ALL`` (0) asks every step from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import EngineError
from ..trace import PHASES, Trace
from .cells import Cell, chosen_cells

FADE_ALL = 0
MAX_FADE = 64  # past the longest phase of any allowed network, every step is asked anyway


@dataclass(frozen=True)
class PracticeSet:
    id: str
    preset: str
    granularity: str
    title: str
    quantities: tuple[str, ...] | None = None  # the trace quantities asked, None: every step

    def steps(self, t: Trace) -> tuple[int, ...]:
        """The ``at`` indices of the steps the set asks, in trace order."""
        if self.quantities is None:
            return tuple(range(len(t.steps)))
        found = {st.quantity: st.index for st in t.steps}
        missing = [q for q in self.quantities if q not in found]
        if missing:
            raise EngineError(
                f"set {self.id!r} asks for {', '.join(missing)}, which this scenario's trace "
                "does not have",
                ("set",),
            )
        return tuple(sorted(found[q] for q in self.quantities))


@dataclass(frozen=True)
class Question:
    """One step of a set: asked (the learner types ``cells``) or shown worked."""

    at: int
    asked: bool
    cells: tuple[Cell, ...]


SETS: dict[str, PracticeSet] = {
    s.id: s
    for s in (
        PracticeSet(
            "doc000-exercises",
            "single-neuron",
            "neuron",
            "Document 000's exercises: z, a, C and its three derivatives",
            ("z(L)", "a(L)", "E", "∂E/∂w(L)", "∂E/∂b(L)", "∂E/∂a(L−1)"),
        ),
        PracticeSet(
            "doc002-forward-update",
            "linear-2-2-1",
            "neuron",
            "Document 002: the forward pass, Δ and the six updated weights",
            (
                "net_h1",
                "out_h1",
                "net_h2",
                "out_h2",
                "net_prediction",
                "out_prediction",
                "δ_prediction",
                "w5⁺",
                "w6⁺",
                "w1⁺",
                "w2⁺",
                "w3⁺",
                "w4⁺",
            ),
        ),  # fmt: skip
        PracticeSet(
            "doc003-iteration",
            "sigmoid-2-2-2",
            "neuron",
            "Document 003: the full iteration, every step",
        ),
        PracticeSet(
            "xor-layers",
            "batch-xor",
            "layer",
            "XOR as one batch: every layer step, matrices cell by cell",
        ),
    )
}


def get_set(set_id: str) -> PracticeSet:
    try:
        return SETS[set_id]
    except KeyError:
        raise EngineError(
            f"unknown practice set {set_id!r}; expected one of {', '.join(SETS)}", ("set",)
        ) from None


def questions(
    t: Trace, practice: PracticeSet | None = None, fade: int = FADE_ALL
) -> tuple[Question, ...]:
    """The set's steps (every step of ``t`` without a set), each asked or shown worked at the
    fading level ``fade`` (``FADE_ALL``: every one asked)."""
    if not 0 <= fade <= MAX_FADE:
        raise EngineError(f"must be between 0 (every step) and {MAX_FADE}", ("fade",))
    steps = practice.steps(t) if practice is not None else tuple(range(len(t.steps)))
    asked = set(steps)
    if fade != FADE_ALL:
        asked = set()
        for phase in PHASES:
            in_phase = [at for at in steps if t.steps[at].phase == phase]
            asked.update(in_phase[-fade:])
    return tuple(Question(at, at in asked, chosen_cells(t.steps[at])) for at in steps)


def fade_for_iteration(iteration: int, start: int = 1) -> int:
    """Backward fading rising with each iteration: level ``start`` on the first iteration
    (iteration 0), one more step per phase on each next one."""
    return min(MAX_FADE, max(1, start + iteration))
