"""What a practice page shows: the explorer's diagram and timeline with only what has been
computed so far, the current step as a question, the learner's feedback and score.

Everything not yet revealed is left out of the HTML (not hidden by CSS): the step's value, later
values, the error before the error step, the document's figures before the answer, the values
table and the loss history (the practice page has neither), the diagram's hover titles."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from engine import Trace, TraceStep
from engine.expr import Expr, to_text

from ..caches import TraceBundle
from ..explorer.embed import unlinked
from ..explorer.embed_options import EmbedOptions
from ..explorer.pages import PHASE_NAMES, PHASES, figures_for
from ..explorer.state import PageState
from ..explorer.timeline import timeline_of
from ..render import diagram, mathml
from ..render.diagram import Diagram
from ..render.formatting import css_class, number
from ..render.words import plain
from . import grading
from .formula import without_result
from .record import OUTCOMES, PENDING, REVEALED, RIGHT, WORKED, Record

TIMELINE_ALL = 80  # steps; above this the timeline shows a window around the cursor
WINDOW = 12


@dataclass(frozen=True)
class Field:
    """One answer field: what it asks, what the learner typed, what the page says about it."""

    index: int
    name: str
    typed: str
    value: str  # the exact value, shown once the step is answered or revealed ("" before)
    label: str  # "Your answer for netₕ₁": its name as the step panel writes it, in plain Unicode
    verdict: grading.Verdict | None = None

    @property
    def invalid(self) -> bool:
        return self.verdict is not None and not self.verdict.correct


@dataclass(frozen=True)
class PhaseScore:
    phase: str
    name: str
    counts: dict[str, int]
    questions: int

    @property
    def right(self) -> int:
        return sum(self.counts.get(m, 0) for m in RIGHT)


@dataclass(frozen=True)
class Review:
    index: int
    title: str
    outcome: str
    href: str


@dataclass(frozen=True)
class TimelineItem:
    index: int
    phase: str
    label: Markup  # the step's symbol as HTML (net<sub>h1</sub>)
    title: str
    mark: str
    href: str  # "" when the step is not reached yet
    current: bool


@dataclass
class PracticeView:
    state: PageState
    bundle: TraceBundle
    record: Record
    d: int
    base: str  # the page's address without the record (its path and s)
    step: TraceStep | None
    fields: tuple[Field, ...]
    feedback: str = ""
    tone: str = ""  # right | wrong | more | help
    diagnoses: tuple[Markup, ...] = ()  # each wrong field's line, its names as MathML
    announce: str = ""
    report: str = ""  # the message an embed posts after this answer: progress | completed
    set_title: str = ""
    fades: tuple[tuple[str, str], ...] = ()
    embed: bool = False
    frame: EmbedOptions = EmbedOptions()  # an embed's options (the site's page: the defaults)
    reachable: tuple[int, ...] = ()  # a locked frame's steps (() = every step)
    urls: dict[str, str] = field(default_factory=dict)

    # -- what is shown ---------------------------------------------------------------------------
    @property
    def tr(self) -> Trace:
        return self.bundle.trace

    @property
    def n_steps(self) -> int:
        return len(self.tr.steps)

    @property
    def at(self) -> int:
        return self.record.at

    @property
    def answered(self) -> bool:
        return self.step is not None and self.record.done

    @property
    def asked(self) -> bool:
        return self.step is not None and self.record.mark(self.at) != WORKED

    @functools.cached_property
    def _inside(self) -> frozenset[int]:
        return frozenset(self.reachable)

    def inside(self, k: int) -> bool:
        """Whether step ``k`` is one the page may show (a locked frame's, or any)."""
        return not self.reachable or k in self._inside

    @property
    def prev_at(self) -> int | None:
        """The step ← goes to (None at the first one)."""
        k = self.at - 1
        while k >= 0 and not self.inside(k):
            k -= 1
        return k if k >= 0 else None

    @property
    def next_at(self) -> int:
        """The step → goes to: the next one (of a locked frame's), or the score at the end."""
        k = self.at + 1
        while k < self.n_steps and not self.inside(k):
            k += 1
        return k

    @property
    def shown_at(self) -> int:
        """The last step whose value the page shows."""
        return self.at if self.record.done else self.at - 1

    @property
    def mark(self) -> str:
        return self.record.mark(self.at) if self.step is not None else ""

    @property
    def outcome(self) -> str:
        return OUTCOMES.get(self.mark, "")

    @property
    def phase_name(self) -> str:
        return PHASE_NAMES[self.step.phase] if self.step else ""

    def diagram(self, vertical: bool = False) -> Diagram:
        at = min(self.shown_at, self.n_steps - 1)
        return unlinked(
            diagram.build(self.bundle, at, self.d, self.state.sample, self.step, vertical)
        )

    @property
    def narrow(self) -> bool:
        return diagram.has_narrow(self.state.scenario.layers)

    @property
    def loss(self) -> str:
        """The error, once the step that computes it has been shown ("" before)."""
        k = next((s.index for s in self.tr.steps if s.kind == "loss"), self.n_steps)
        return number(float(self.tr.forward.loss), self.d) if k <= self.shown_at else ""

    def math(self, e: Any) -> Markup:
        return mathml.render(e, self.d, wrap=True)

    def sym(self, name: Expr | str) -> Markup:
        return mathml.symbol(name, self.tr.before.labels.cost)

    def _numbers(self) -> Expr:
        """The formula with the numbers: in full once answered, without its result as help."""
        assert self.step is not None
        return self.step.substituted if self.answered else without_result(self.step.substituted)

    def numbers(self) -> Markup:
        return self.math(self._numbers())

    def numbers_text(self) -> str:
        """``numbers`` in plain text at the page's decimals, for the live region."""
        return plain(to_text(self._numbers(), self.f).strip())

    def f(self, x: float) -> str:
        return number(x, self.d)

    def cls(self, x: float) -> str:
        return css_class(x)

    def value_math(self) -> Markup:
        """A step's value that is not one number: a column per sample, a row of biases, a
        matrix (as the explorer shows it)."""
        from engine.expr import Mat

        assert self.step is not None
        value = self.step.value
        if value and all(isinstance(r, list) for r in value):
            rows = tuple(tuple(float(x) for x in r) for r in value)
        elif self.step.kind in ("bias_gradient", "bias_update"):
            rows = (tuple(float(x) for x in value),)
        else:
            rows = tuple((float(x),) for x in value)
        return mathml.render(Mat(rows), self.d)

    @property
    def columns(self) -> int:
        """The matrix's columns, for laying its cells out as it is written (1 for a list)."""
        value = self.step.value if self.step is not None else 0
        if isinstance(value, list) and value and isinstance(value[0], list):
            return len(value[0])
        return 1

    @staticmethod
    def mark_words(mark: str) -> str:
        if mark == WORKED:
            return "worked for you"
        return OUTCOMES.get(mark, "a question")

    @property
    def scenario(self) -> Any:
        return self.state.scenario

    @property
    def preset(self) -> Any:
        from engine import PRESETS

        pid = self.state.preset_id
        return PRESETS[pid] if pid else None

    @property
    def activity_title(self) -> str:
        return self.set_title or f"Practice: {self.scenario.title or 'a network'}"

    def figures(self) -> list[Any]:
        return figures_for(self.state, self.step, self.d) if self.answered else []

    # -- the score -------------------------------------------------------------------------------
    @property
    def questions(self) -> int:
        return sum(1 for m in self.record.marks if m != WORKED)

    @property
    def score(self) -> int:
        return sum(1 for m in self.record.marks if m in RIGHT)

    def phase_scores(self) -> list[PhaseScore]:
        out = []
        for phase in PHASES:
            marks = [self.record.mark(s.index) for s in self.tr.steps if s.phase == phase]
            asked = [m for m in marks if m != WORKED]
            if asked:
                counts = {m: asked.count(m) for m in (*RIGHT, REVEALED, PENDING)}
                out.append(PhaseScore(phase, PHASE_NAMES[phase], counts, len(asked)))
        return out

    def totals(self) -> dict[str, int]:
        marks = self.record.marks
        return {m: marks.count(m) for m in (*RIGHT, REVEALED, PENDING)}

    def reviews(self) -> list[Review]:
        """The questions not right at the first try, each linked."""
        return [
            Review(s.index, s.title, OUTCOMES.get(m, "not answered"), self.step_url(s.index))
            for s in self.tr.steps
            if (m := self.record.mark(s.index)) not in (WORKED, RIGHT[0])
        ]

    # -- addresses -------------------------------------------------------------------------------
    def url_of(self, record: Record) -> str:
        from urllib.parse import urlencode

        q = urlencode(record.query())
        return self.base + ("&" if "?" in self.base else "?") + q

    def step_url(self, k: int) -> str:
        return self.url_of(self.record.moved(k))

    @property
    def url(self) -> str:
        return self.url_of(self.record)

    def timeline(self) -> list[tuple[str, str, int, list[TimelineItem | None]]]:
        """The steps by phase (phase, its name, its number of steps, the items); a long
        iteration shows the steps near the cursor and each phase's first and last, a None
        where steps are left out (every link carries the state: 700 of them would weigh MBs)."""
        groups = []
        reach = self.record.frontier
        big = self.n_steps > TIMELINE_ALL
        timeline = timeline_of(self.bundle)  # each phase's steps and labels, once per trace
        for phase, members in timeline.phases:
            items: list[TimelineItem | None] = []
            for k, i in enumerate(members):
                if big and 0 < k < len(members) - 1 and abs(i - self.at) > WINDOW:
                    if items and items[-1] is not None:
                        items.append(None)
                    continue
                href = self.step_url(i) if i <= reach and self.inside(i) else ""
                title, mark, label = self.tr.steps[i].title, self.record.mark(i), timeline.labels[i]
                items.append(TimelineItem(i, phase, label, title, mark, href, i == self.at))
            groups.append((phase, PHASE_NAMES[phase], len(members), items))
        return groups
