"""The timeline of an iteration's steps (templates/_timeline.html): each phase's steps and
their labels, made once per trace and kept in its bundle (``timeline_of``), the groups a
cursor shows (``timeline_groups``: a long iteration shows a window around the cursor), and
what a page's timeline shows (``TimelineShown``: a step's answer works out what changed in it
from these, timeline_answer.py)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..caches import TraceBundle
from ..render import names
from .teaching import PHASE_NAMES, PHASES

TIMELINE_ALL = 80  # steps; above this the timeline shows a window around the cursor
# a timeline button as kept (View.timeline_step): current, done or ahead, and pressed or not
# in a locked embed; ~300 characters, its key and its place
TIMELINE_LOOKS = 4
TIMELINE_STEP_BYTES = 800
WINDOW = 12


@dataclass(frozen=True)
class TimelineGroup:
    """One phase on the timeline (templates/_timeline.html): the steps shown (None for a gap)
    and how many of its steps are left out after them."""

    phase: str
    name: str
    size: int
    current: bool
    shown: tuple[int | None, ...]
    more: int


@dataclass(frozen=True)
class Timeline:
    """The timeline of a trace whatever the cursor: each phase's steps (phases without steps
    left out) and each step's label, made once per trace (kept in its bundle)."""

    phases: tuple[tuple[str, tuple[int, ...]], ...]
    labels: tuple[Markup, ...]


@dataclass(frozen=True)
class TimelineShown:
    """What a timeline shows at a cursor: the cursor (each button's look follows from it) and
    its groups."""

    at: int
    groups: tuple[TimelineGroup, ...]


def look(at: int, i: int) -> str:
    """How step ``i``'s button looks with the cursor at ``at``: current, done or "" (ahead)."""
    return "current" if i == at else ("done" if i < at else "")


def timeline_shown(bundle: TraceBundle, at: int) -> TimelineShown:
    return TimelineShown(at, tuple(timeline_groups(bundle, at)))


def timeline_of(bundle: TraceBundle) -> Timeline:
    def make() -> Timeline:
        steps = bundle.trace.steps
        phases = ((p, tuple(st.index for st in steps if st.phase == p)) for p in PHASES)
        return Timeline(
            tuple((p, members) for p, members in phases if members),
            tuple(names.html(st.symbol) for st in steps),
        )

    return bundle.derived(("timeline",), make)


def timeline_groups(bundle: TraceBundle, at: int) -> list[TimelineGroup]:
    """The iteration's steps by phase. A long iteration shows a window around the cursor (and
    its phase's first and last step) and the first step of every other phase."""
    steps = bundle.trace.steps
    cur_phase = steps[at].phase if at >= 0 else None
    big = len(steps) > TIMELINE_ALL
    groups = []
    for phase, members in timeline_of(bundle).phases:
        current = phase == cur_phase
        shown = list(members)
        if big and current:
            last = len(members) - 1
            shown = [i for k, i in enumerate(members) if k in (0, last) or abs(i - at) <= WINDOW]
        elif big:
            shown = list(members[:1])
        with_gaps: list[int | None] = []
        for k, i in enumerate(shown):
            if k and i != shown[k - 1] + 1:
                with_gaps.append(None)
            with_gaps.append(i)
        more = len(members) - len(shown) if not current else 0
        groups.append(
            TimelineGroup(phase, PHASE_NAMES[phase], len(members), current, tuple(with_gaps), more)
        )
    return groups
