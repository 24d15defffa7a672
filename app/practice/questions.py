"""Which steps of a trace are questions: the fading level (``fade=`` in the address, chosen on
the page) and the ready-made sets (``set=``), as the practice engine defines them."""

from __future__ import annotations

from engine import Trace
from engine.practice import FADE_ALL, PracticeSet, questions
from engine.practice.sets import fade_for_iteration

FADES = (
    ("all", "Every step"),
    ("auto", "Fading: more each iteration"),
    ("1", "Last step of each phase"),
    ("2", "Last 2 of each phase"),
    ("3", "Last 3 of each phase"),
)
DEFAULT_FADE = "all"


def level(fade: str, iteration: int) -> int:
    """The engine's fading level: 0 (every step), k (the last k of each phase), or for
    "auto" one more per phase each iteration (backward fading)."""
    if fade == "all":
        return FADE_ALL
    if fade == "auto":
        return fade_for_iteration(iteration)
    return int(fade)


def asked(tr: Trace, fade: str, iteration: int, practice: PracticeSet | None) -> list[bool]:
    """For each step of the trace, whether it is a question (the others are shown worked)."""
    out = [False] * len(tr.steps)
    for q in questions(tr, practice, level(fade, iteration)):
        out[q.at] = q.asked
    return out
