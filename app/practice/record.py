"""The learner's practice record, carried in the page's address (no cookie, no server session).

    /practice/{preset}?at=&fade=&set=&score=&help=&tries=&a0=&a1=…
    /practice?s=<explorer state>&…        (the same, for any state the explorer can show)

``score`` holds one character per step of the iteration's trace:

    .  a question not answered yet       w  shown worked (not a question)
    1  right at the first try            2  right on a later try
    h  right after "Show the formula with numbers"
    r  the answer was revealed (counts as not answered)

``help`` (0 or 1) and ``tries`` (wrong answers so far) belong to the current step; ``a0``, ``a1``…
are what the learner last typed into its fields (so a reload shows the same feedback).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..render.formatting import is_whole

PENDING = "."
WORKED = "w"
FIRST = "1"
LATER = "2"
HELPED = "h"
REVEALED = "r"
RIGHT = (FIRST, LATER, HELPED)
DONE = (WORKED, *RIGHT, REVEALED)
MARKS = (PENDING, *DONE)
OUTCOMES = {
    FIRST: "right at the first try",
    LATER: "right on a later try",
    HELPED: "right after help",
    REVEALED: "revealed",
}
MAX_TRIES = 999
MAX_ANSWER = 60  # characters of one typed answer kept
MAX_CELLS = 16


class RecordError(ValueError):
    """A practice address that cannot be read; the message names the parameter and the rule."""


@dataclass(frozen=True)
class Record:
    """Where the learner is and what they did: the cursor, the marks, the current step's help."""

    at: int
    marks: str
    fade: str
    set_id: str = ""
    help: int = 0
    tries: int = 0
    answers: tuple[str, ...] = field(default=())

    def mark(self, k: int) -> str:
        return self.marks[k]

    @property
    def done(self) -> bool:
        """The current step is answered, revealed or worked (Next is open)."""
        return self.at >= len(self.marks) or self.marks[self.at] in DONE

    @property
    def frontier(self) -> int:
        """The first question not answered yet (len(marks) when every step is done)."""
        k = self.marks.find(PENDING)
        return len(self.marks) if k < 0 else k

    @property
    def finished(self) -> bool:
        return self.at >= len(self.marks)

    def with_mark(self, k: int, mark: str) -> Record:
        marks = self.marks[:k] + mark + self.marks[k + 1 :]
        return replace(self, marks=marks)

    def moved(self, at: int) -> Record:
        """The record at another step: the current step's help, tries and answers left behind."""
        return replace(self, at=at, help=0, tries=0, answers=())

    def query(self) -> dict[str, str]:
        """The record as URL parameters (in a stable order)."""
        q: dict[str, str] = {"at": str(self.at), "fade": self.fade}
        if self.set_id:
            q["set"] = self.set_id
        q["score"] = self.marks
        if self.help:
            q["help"] = str(self.help)
        if self.tries:
            q["tries"] = str(self.tries)
        for k, text in enumerate(self.answers):
            if text:
                q[f"a{k}"] = text
        return q


def fresh_marks(questions: list[bool], start: int) -> str:
    """The marks of a new practice: the questions from ``start`` on pending, the rest worked."""
    return "".join(PENDING if asked and k >= start else WORKED for k, asked in enumerate(questions))


def refade(marks: str, questions: list[bool], at: int) -> str:
    """The marks after the fading level changed: what was answered stays, the steps still to
    come follow the new level (a pending question the new level does not ask becomes worked)."""
    out = []
    for k, (mark, asked) in enumerate(zip(marks, questions, strict=True)):
        if mark in (PENDING, WORKED) and k >= at:
            out.append(PENDING if asked else WORKED)
        else:
            out.append(mark)
    return "".join(out)


def whole(raw: str | None, name: str, lo: int, hi: int, default: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 9):
        raise RecordError(f"{name}: must be a whole number, got “{text[:20]}”")
    value = int(text)
    if not lo <= value <= hi:
        raise RecordError(f"{name}: must be from {lo} to {hi}, got {value}")
    return value


def read_marks(raw: str | None, n_steps: int) -> str | None:
    """The ``score`` parameter checked against the trace (None when the address has none)."""
    if raw is None or raw == "":
        return None
    if len(raw) != n_steps:
        raise RecordError(
            f"score: must hold one mark per step ({n_steps}), got {min(len(raw), 9999)}"
        )
    bad = next((c for c in raw if c not in MARKS), None)
    if bad is not None:
        raise RecordError(f"score: “{bad}” is not a mark; the marks are {' '.join(MARKS)}")
    return raw


def read_answers(params: Mapping[str, str], n_cells: int) -> tuple[str, ...]:
    """What the learner typed (a0, a1, …), each cut to MAX_ANSWER characters. A name of
    another field (a7 of one, a², a1111…) is refused: int() reads neither "²" nor 5,000 digits."""
    for name in params:
        k = name[1:]
        if name.startswith("a") and k.isdigit() and (not is_whole(k) or int(k) >= n_cells):
            raise RecordError(f"{name[:12]}: this step has {n_cells} answer field(s)")
    return tuple(str(params.get(f"a{k}", ""))[:MAX_ANSWER] for k in range(n_cells))


def outcome(tries: int, help_level: int) -> str:
    """The mark of a right answer given the wrong tries and the help before it."""
    if help_level:
        return HELPED
    return FIRST if tries == 0 else LATER
