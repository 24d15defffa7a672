"""A locked frame's navigation (``from``, ``to``, ``phases``): ←, →, next phase, Reset and the
timeline reach only the steps inside the lock (the server refuses any other, ``embed.py``)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from . import pages
from .embed_options import PHASES


@dataclass
class LockedView(pages.View):
    reachable: tuple[int, ...] = ()

    def reaches(self, at: int) -> bool:
        """Only the steps inside the lock (not "Start": a locked frame never shows the state
        before its first step)."""
        return at in self.reachable


def locked_view(view: pages.View, steps: tuple[int, ...], reset_url: str) -> LockedView:
    """The view with ←, →, next phase and Reset inside ``steps`` (the lock's, in order)."""
    at = view.at
    phases = [st.phase for st in view.tr.steps]
    earlier = [i for i in steps if i < at]
    later = [i for i in steps if i > at]
    here = PHASES.index(phases[at]) if at >= 0 else -1
    phase_next = next((i for i in steps if i > at and PHASES.index(phases[i]) > here), None)
    values = {f.name: getattr(view, f.name) for f in fields(view)}
    values.update(
        prev=pages.Nav(earlier[-1] if earlier else at, view.prev.label, disabled=not earlier),
        next=pages.Nav(later[0] if later else at, view.next.label, disabled=not later),
        next_phase=pages.Nav(
            at if phase_next is None else phase_next,
            view.next_phase.label,
            disabled=phase_next is None,
        ),
        reset_url=reset_url,
        reachable=steps,
    )
    return LockedView(**values)
