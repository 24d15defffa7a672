"""The pages' one door to the practice engine (``engine.practice``): which cells a step asks,
and the verdict on what the learner typed there. No judging happens here."""

from __future__ import annotations

from dataclasses import dataclass

from engine import EngineError, Trace, TraceStep
from engine.practice import AnswerError, Cell, Said, check_trace, chosen_cells

__all__ = ["Cell", "Verdict", "asked", "verdict"]


@dataclass(frozen=True)
class Verdict:
    """What the page says about one typed cell."""

    correct: bool
    unreadable: str = ""  # why the text is not a number ("" when it is one)
    out_of_range: bool = False  # unreadable as a number float64 holds: 1e999, 1e-999, ∞
    too_few_digits: bool = False
    diagnosis: str = ""  # the named mistake, in the document's words (plain text)
    diagnosis_id: str = ""
    said: Said = ()  # the same, its names and formulas as trees (the page writes MathML)


def asked(step: TraceStep) -> tuple[Cell, ...]:
    """The cells a question asks: every number, or a few chosen ones of a large matrix."""
    return chosen_cells(step)


def verdict(tr: Trace, step: TraceStep, cell: Cell, typed: str) -> Verdict:
    try:
        c = check_trace(tr, step.index, typed, cell.path or None)
    except EngineError as e:
        beyond = isinstance(e, AnswerError) and e.out_of_range
        return Verdict(False, unreadable=f"your answer {e.message}", out_of_range=beyond)
    d = c.diagnosis
    return Verdict(
        c.correct,
        too_few_digits=c.too_few_digits,
        diagnosis=d.message if d else "",
        diagnosis_id=d.id if d else "",
        said=d.said if d else (),
    )
