"""Practice: the learner predicts each number of the trace, the engine judges it at the
precision typed and names the mistake that produced a wrong one.

    >>> from engine import get_preset
    >>> from engine.practice import check
    >>> s = get_preset("sigmoid-2-2-2").load()
    >>> check(s, 0, "0.3775").correct
    True
    >>> check(s, 0, "0.0275").diagnosis.id
    'bias_left_out'
"""

from .answers import AnswerError, Judgement, Typed, judge, parse_answer
from .cells import MAX_CELLS, Cell, cell_of, cells, chosen_cells
from .check import Check, Diagnosis, check, check_trace, diagnose, step_at
from .messages import Said, said_text
from .mistakes import MISTAKE_IDS, MISTAKE_KEYS, MISTAKES, roles_of
from .near import NEAR_IDS
from .notation import Notation, notation_of
from .sets import FADE_ALL, SETS, PracticeSet, Question, get_set, questions

__all__ = [
    "FADE_ALL",
    "MAX_CELLS",
    "MISTAKES",
    "MISTAKE_IDS",
    "MISTAKE_KEYS",
    "NEAR_IDS",
    "SETS",
    "AnswerError",
    "Cell",
    "Check",
    "Diagnosis",
    "Judgement",
    "Notation",
    "PracticeSet",
    "Question",
    "Said",
    "Typed",
    "cell_of",
    "cells",
    "check",
    "check_trace",
    "chosen_cells",
    "diagnose",
    "get_set",
    "judge",
    "roles_of",
    "notation_of",
    "parse_answer",
    "questions",
    "said_text",
    "step_at",
]
