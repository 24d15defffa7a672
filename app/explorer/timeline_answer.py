"""The timeline's part of a step's answer, worked out from data: what the page's timeline shows
(``timeline.TimelineShown``: its cursor and groups, kept with the step shown, ``partial.Held``)
and what the new step's shows. A step's render leaves the timeline out (its place alone,
``<i id="timeline">``), so it is never rendered, read and compared on a click: the Start
button and each step's button whose look changed get their attributes alone (the ``attrs``
swap of static/js/explorer.js, by their ids ``tl-start``, ``tl-i``); a group whose cursor mark
changed its attributes; a group whose window moved (a long iteration) the steps that left
deleted and those that came inserted, by their places; a group whose shape changed otherwise
is sent whole, and the whole timeline when the page's is not known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup

from .patch import Element, attrs_swap, moved
from .timeline import TimelineGroup, TimelineShown, look
from .view import View

# the timeline's children before its groups: its heading and the Start button
GROUP_FIRST = 3
# a group's operations beyond which it is worth comparing them with the group sent whole
FEW_OPS = 4


def timeline_answer(view: View, old: TimelineShown | None, new: TimelineShown) -> str:
    """The operations that turn the timeline the page shows (``old``; None when not known)
    into ``view``'s (``new``): "" when nothing changed."""
    if old is None or _phases(old) != _phases(new):
        whole = view.env.get_template("_timeline.html").render(v=view).strip()
        return Element(whole).marked("true")
    ops = []
    if (old.at < 0) != (new.at < 0):
        ops.append(attrs_swap(view.timeline_start(), "#tl-start"))
    for k, (was, now) in enumerate(zip(old.groups, new.groups, strict=True)):
        ops += _group_ops(view, f"#timeline > :nth-child({k + GROUP_FIRST})", was, now, old.at)
    return "".join(ops)


def _phases(shown: TimelineShown) -> list[tuple[str, int]]:
    return [(g.phase, g.size) for g in shown.groups]


def _group_ops(view: View, sel: str, was: TimelineGroup, now: TimelineGroup, at: int) -> list[str]:
    """The operations turning the group ``was`` (the cursor at ``at``) into ``now``."""
    ops: list[str] = []
    if was.current != now.current:
        ops.append(attrs_swap(_macros(view).opening(now), sel))
    runs, kept = _runs(_items(was), _items(now))
    for i1, i2, j1, j2 in reversed(runs):  # from the last place: each counted as it still is
        pieces = [_item(view, item) for item in _items(now)[j1:j2]]
        ops += [text for _, text in moved(f"{sel} > ol", False, i1, i2, pieces)]
    ops += [attrs_swap(_button(view, i), f"#tl-{i}") for i in kept if _looks_new(i, at, view.at)]
    if not kept or len(ops) > FEW_OPS:  # the group whole, where it is shorter
        group = Element(view.timeline_group(now).strip()).marked(f"outerHTML:{sel}")
        if not kept or len(group) < sum(map(len, ops)):
            return [group]
    return ops


def _looks_new(i: int, at: int, to: int) -> bool:
    """Whether step ``i``'s button looks otherwise once the cursor moved from ``at`` to ``to``."""
    return look(at, i) != look(to, i)


@dataclass(frozen=True)
class More:
    """The last item of a group that shows only some of its steps: how many more it has."""

    count: int


Item = int | None | More  # a step's button, a gap, or how many more


def _items(g: TimelineGroup) -> tuple[Item, ...]:
    return (*g.shown, More(g.more)) if g.more else g.shown


def _runs(
    old: Sequence[Item], new: Sequence[Item]
) -> tuple[list[tuple[int, int, int, int]], list[int]]:
    """The runs of places where ``old`` and ``new`` differ, as (i1, i2, j1, j2): ``old[i1:i2]``
    becomes ``new[j1:j2]``; both list steps in order, a gap (None) between two, how many more
    last. An item found in both is kept (a gap by the next gap), the rest goes by its place in
    the order; and the steps kept."""
    runs: list[tuple[int, int, int, int]] = []
    kept: list[int] = []
    i = j = 0
    start = (0, 0)
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and old[i] == new[j]:
            if start != (i, j):
                runs.append((start[0], i, start[1], j))
            step = new[j]
            if isinstance(step, int):
                kept.append(step)
            i, j = i + 1, j + 1
            start = (i, j)
        elif j >= len(new) or (i < len(old) and _place(old, i) < _place(new, j)):
            i += 1  # left out
        else:
            j += 1  # came in
    if start != (i, j):
        runs.append((start[0], i, start[1], j))
    return runs, kept


def _place(items: Sequence[Item], k: int) -> float:
    """Where item ``k`` stands in the order of steps: a gap just before the step after it, how
    many more last."""
    item = items[k]
    if isinstance(item, int):
        return item
    after = next((x for x in items[k + 1 :] if isinstance(x, int)), None)
    return float("inf") if item is not None or after is None else after - 0.5


def _button(view: View, i: int) -> str:
    """Step ``i``'s button as kept (``View.timeline_step``: in its list item)."""
    markup = view.timeline_step(i)
    return markup[markup.index("<button") :]


def _item(view: View, item: Item) -> str:
    if isinstance(item, int):
        return view.timeline_step(item)
    return str(_macros(view).gap(item.count if item is not None else 0))


class GroupMacros(Protocol):
    """The macros of ``_timeline_group.html`` a step's answer writes alone."""

    def opening(self, g: TimelineGroup) -> Markup:
        """A group's start tag (its phase, and whether the cursor is in it)."""
        ...

    def gap(self, more: int = 0) -> Markup:
        """A gap in a group's steps, or (``more``) how many more steps it has."""
        ...


def _macros(view: View) -> GroupMacros:
    macros: GroupMacros = view.env.get_template("_timeline_group.html").module
    return macros
