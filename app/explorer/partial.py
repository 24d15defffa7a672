"""A step's answer: only what a step changes in the explorer the page holds, out of band.

Next, Previous, Next phase and the timeline send the page's own state with another ``at``
(the step form, ``#nav``), and the step the page shows (``shown``). When the page says it holds
the explorer exactly as its address renders it (the form's ``HX-Explorer-Holds: page`` header:
no refused value on show), the answer is the parts that follow the cursor (``STEP_PARTS``),
each written as what changed since the step shown (``patch.py``) or whole, with
``HX-Reswap: none``: htmx swaps each by its id and leaves the rest of the page (open panels,
loaded tables, typed values) as it is. Any other request gets the whole ``#explorer``
(pages.py).

The parts are cut from the explorer as the templates render it, so their markup is written
once: a step's answer renders the explorer of its view with the parts alone (``View.parts_only``:
``_explorer.html`` leaves the rest out; the pictures as outlines). Each step the server renders
(a page, a fragment or a step's answer) is kept in the app's cache under its address as the
page holds it (``Held``: its parts, its pictures' marks, ``picture.py``, and what its timeline
shows, written from data by ``timeline_answer.py``), and the next step from it is answered
against it; a step from a page not kept renders that step's parts too.
``tests/e2e/test_partial_clicks.py`` proves, click by click over every preset, that the page
after a step is the page its address renders.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from ..caches import DerivedCache
from ..render.formatting import is_whole
from .patch import VOID, Tree, joined, patch
from .picture import Draw, Pictures, blank, pictures_ops, weight
from .timeline import TimelineShown

HOLDS_HEADER = "hx-explorer-holds"

# the ids of the elements that follow the cursor, in the order they are swapped
STEP_PARTS = (
    "explorer-at",
    "practise-link",
    "loss-readout",
    "step-counter",
    "prev-step",
    "next-step",
    "next-phase",
    "finish",
    "diagram",
    "step-panel",
    "share-link",
    "share-embed",
    "embed-preview",
    "embed-from-view",
    "embed-live-frame",
    "announce",
    "embed-open",
)
# parts outside #explorer, where static/js/explorer.js's swaps (hx-ext) do not reach: whole, by
# the swap each is sent with. A page writes them without a swap, its fragment with one: a step
# keeps them without, whichever render it was cut from (the live region must keep its node)
OUTSIDE = {"announce": "innerHTML", "embed-open": "true"}
_OOB = re.compile(r' hx-swap-oob="[^"]*"')
# a step's own part on demand inside a part (on_demand.py), by its holder: the page may have
# opened and filled it, so its holder keeps a stub in its place and a step sends it whole, as
# the request has it (open or not: ``Renders.part``)
ALONE = {"lazy-factors": "step-panel"}
STUB = '<i id="{}"></i>'
# the timeline, in its holder: cut out as a stub (a step's render writes the stub alone), what
# it shows kept as data (``Held.timeline``) and its changes worked out from that
# (timeline_answer.py); sent whole where its holder's operations put the stub in the page
TIMELINE = "timeline"
TIMELINE_STUB = STUB.format(TIMELINE)
# both cut the same way, answered two ways on purpose: from data kept with the step or rendered
# as the request asks; after their holder's operations or after every part; their holder
# patched around them or sent whole over them; when what they show changed or when the step
# moved (one interface for both, tried, needed a flag for each difference and read no simpler)
CUT = {**ALONE, TIMELINE: "step-panel"}
HIDDEN_AT = '<input type="hidden" name="at" value="{at}">'
# every form's copy of the step, swapped in one go
AT_SWAP = "outerHTML:#explorer input[type=hidden][name=at]"
_START = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")

Parts = dict[str, str]


def is_step(request: Request) -> bool:
    """A request of the step form (``#nav``): Next, Previous, Next phase, the timeline, keys."""
    return request.headers.get("hx-trigger") == "nav"


def holds_page(request: Request) -> bool:
    """The step form's request from a page that shows the explorer as its address renders it."""
    return request.headers.get(HOLDS_HEADER) == "page"


def shown_step(request: Request) -> int | None:
    """The step the page shows, as the step form sends it (``shown``), if it can be read."""
    shown = request.query_params.get("shown", "")
    digits = shown.removeprefix("-")
    return int(shown) if is_whole(digits) else None


def element(html: str, ident: str) -> tuple[int, int] | None:
    """Where the element with id ``ident`` starts and ends in ``html`` (None if it is not
    there). The templates escape every text and attribute, so a ``<`` starts a tag."""
    at = html.find(f' id="{ident}"')
    if at < 0:
        return None
    start = html.rfind("<", 0, at)
    tag = _START.match(html, start)
    if tag is None:
        return None
    name = tag.group(1).lower()
    if name in VOID or tag.group(0).endswith("/>"):
        return start, tag.end()
    depth = 0
    for t in _tags_named(name).finditer(html, start):
        if t.group(1):
            depth -= 1
            if depth == 0:
                return start, t.end()
        elif not t.group(0).endswith("/>"):
            depth += 1
    return None


@functools.lru_cache(maxsize=32)
def _tags_named(name: str) -> re.Pattern[str]:
    """The start and end tags of the elements called ``name`` (in any case), compiled once a
    name: a pattern of any tag, the name compared after, cuts a 256-sample page's parts 4×
    slower (every tag of its tables matched)."""
    return re.compile(rf"<(/?){name}\b[^>]*>", re.IGNORECASE)


def shows_timeline(parts: Parts) -> bool:
    """Whether the parts cut from a render hold the timeline's place (it was cut out)."""
    return TIMELINE_STUB in parts.get(CUT[TIMELINE], "")


def parts_of(html: str, at: int) -> Parts | None:
    """The parts a step changes, cut from a rendered explorer (a page or its fragment); None
    when they cannot all be cut (a form's step written another way would be missed)."""
    hidden = HIDDEN_AT.format(at=at)
    if html.count(hidden) != html.count('type="hidden" name="at"'):
        return None
    parts = {}
    for ident in STEP_PARTS:
        where = element(html, ident)
        if where is not None:
            parts[ident] = html[where[0] : where[1]]
    for ident in OUTSIDE.keys() & parts.keys():
        tag = _START.match(parts[ident])
        if tag is not None:  # (element() found it by its start tag)
            parts[ident] = _OOB.sub("", tag.group(0), 1) + parts[ident][tag.end() :]
    for ident, holder in CUT.items():
        held = parts.get(holder, "")
        where = element(held, ident)
        if where is not None:
            parts[holder] = held[: where[0]] + STUB.format(ident) + held[where[1] :]
    return parts if "explorer-at" in parts else None


# a part's tree as kept (``patch.Tree``: its elements' places and texts), by the part's tags:
# deep_size measures 100–160 B a tag on the 2-2-2's and the 2-8-8-1's parts
TREE_TAG_BYTES = 200
# a timeline's group as kept (``Held.timeline``), and each step it shows: deep_size measures
# ~300 B and 28 B
TIMELINE_GROUP_BYTES, TIMELINE_ITEM_BYTES = 400, 32


@dataclass(frozen=True)
class Held:
    """A step as a page shows it: the parts a step changes (cut from the render of its parts,
    ``parts_of``), its pictures (``picture.Picture``: what each piece is drawn from), and its
    parts' trees, each read once (the step's answer reads the new step's, the next click's
    answer the same again as the step shown's)."""

    parts: Parts
    pictures: Pictures
    timeline: TimelineShown | None = None  # None: the page shows no timeline
    trees: dict[str, Tree] = field(default_factory=dict, compare=False, repr=False)

    def tree(self, ident: str) -> Tree:
        """The tree of the part ``ident``, read once (two threads may both read it: alike)."""
        found = self.trees.get(ident)
        if found is None:
            found = self.trees[ident] = Tree(self.parts[ident])
        return found


def kept_step(cache: DerivedCache, address: str, make: Callable[[], Held | None]) -> Held | None:
    """The step of ``address`` as its page shows it, kept in the app's cache."""
    return cache.kept(("parts", address), make, _weight)


def _weight(shown: Held | None) -> int:
    if shown is None:
        return 0
    parts = sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in shown.parts.items())
    trees = TREE_TAG_BYTES * sum(_tree_tags(v) for k, v in shown.parts.items() if k != "diagram")
    return parts + trees + weight(shown.pictures) + _timeline_weight(shown.timeline)


def _timeline_weight(shown: TimelineShown | None) -> int:
    if shown is None:
        return 0
    items = sum(len(g.shown) for g in shown.groups)
    return TIMELINE_GROUP_BYTES * len(shown.groups) + TIMELINE_ITEM_BYTES * items


def _tree_tags(part: str) -> int:
    """About how many tags of ``part`` its tree holds: a formula's (MathML's ``m…`` tags) are
    not read (``patch.OPAQUE``; a 256-sample layer's step panel: 35,562 of 36,166)."""
    return part.count("<") - part.count("<m") - part.count("</m")


@dataclass(frozen=True)
class Renders:
    """What a step's answer needs from the view of the new step (pages.py makes them)."""

    address: Callable[[int], str]  # a step's address: its kept step's key
    step_at: Callable[[int], Held | None]  # a step's parts rendered, and its pictures
    draws: Callable[[], Mapping[str, Draw]]  # the new step's pictures' pieces drawn
    figure: Callable[[], str]  # the new step's figure, its pictures drawn
    whole: Callable[[], Response]  # the new step's whole explorer, its pictures drawn
    part: Callable[[str], str] = lambda ident: ""  # the new step's own part ``ALONE``, as asked
    # the timeline's operations from the page's (None: not known, whole) to the new step's
    timeline: Callable[[TimelineShown | None, TimelineShown], str] = lambda old, new: ""


def step_answer(
    new: Held, at: int, old: Held | None, renders: Renders | None = None, shown: int = -1
) -> str:
    """The answer to a step to ``at``: each part as what changed since the ``old`` step (the
    page's, at step ``shown``), or whole; the diagram's pictures by their marks
    (``picture.py``); every form's step."""
    out = {}
    for ident, piece in new.parts.items():
        before = old.parts.get(ident) if old is not None else None
        if ident == "diagram" and renders is not None:
            out[ident] = _figure(before, piece, (old, new), renders, shown == at)
        elif ident in OUTSIDE:
            out[ident] = _marked(piece, OUTSIDE[ident]) if before != piece else ""
        elif before is None:
            out[ident] = _marked(piece)
        elif before != piece and old is not None:
            holds = ident == CUT[TIMELINE] and TIMELINE_STUB in piece
            out[ident] = patch(old.tree(ident), new.tree(ident), ident, holds)
    if renders is not None and new.timeline is not None:  # after its holder
        holder = out.get(CUT[TIMELINE], "")
        page = old.timeline if old is not None and TIMELINE_STUB not in holder else None
        if page != new.timeline:
            out[CUT[TIMELINE]] = holder + renders.timeline(page, new.timeline)
    ops = list(out.values())
    if renders is not None and (old is None or shown != at):  # after the stubs' holders
        ops += [
            _marked(renders.part(ident))
            for ident, holder in ALONE.items()
            if STUB.format(ident) in new.parts.get(holder, "")
        ]
    ops.append(HIDDEN_AT.format(at=at).replace("<input", f'<input hx-swap-oob="{AT_SWAP}"', 1))
    return "\n".join(p for p in ops if p) + "\n"


def _figure(
    before: str | None,
    after: str,
    steps: tuple[Held | None, Held],
    renders: Renders,
    same: bool,
) -> str:
    """The diagram's figure, its pictures drawn as outlines in the parts: patched (the
    pictures compared by their marks, whatever the HTML says), or whole, drawn."""
    old, new = steps
    if before is not None and same:
        return ""
    if before is not None and old is not None:
        found = _figure_patch(before, after, old.pictures, new.pictures, renders.draws())
        if found is not None:
            return found
    return _marked(renders.figure())


def _figure_patch(
    before: str, after: str, old: Pictures, new: Pictures, draws: Mapping[str, Draw]
) -> str | None:
    """The diagram's figure: its pictures by ``picture.pictures_ops``, the rest as HTML; None
    when it must go whole."""
    ops = pictures_ops(old, new, draws)
    figure = patch(blank(before, old), blank(after, new), "diagram")
    if ops is None or "<svg id=" in figure:  # the figure goes whole, its pictures with it
        return None
    return figure + joined(ops)


def _marked(piece: str, swap: str = "true") -> str:
    """An element marked to be swapped by its id (``swap``), as it is if it already says how."""
    tag = _START.match(piece)
    if tag is None or "hx-swap-oob=" in tag.group(0):
        return piece
    return f'{piece[: tag.end(1)]} hx-swap-oob="{swap}"{piece[tag.end(1) :]}'


def lean(request: Request, at: int, renders: Renders, cache: DerivedCache) -> Response:
    """A step from a page that holds the explorer (``asks_parts``), answered by what changed
    since the step the page shows: the new step's parts rendered alone, both steps kept under
    their addresses (the next step is answered against them; a step not kept is rendered).
    ``HX-Reswap: none``: nothing else is swapped."""
    new = kept_step(cache, renders.address(at), lambda: renders.step_at(at))
    if new is None:
        return renders.whole()
    shown = shown_step(request)
    old = None
    if shown is not None:
        old = (
            new
            if shown == at
            else kept_step(cache, renders.address(shown), lambda: renders.step_at(shown))
        )
    text = step_answer(new, at, old, renders, at if shown is None else shown)
    return HTMLResponse(text, headers={"HX-Reswap": "none"})


def asks_parts(request: Request) -> bool:
    """A step from a page that holds the explorer: answered by the parts that changed."""
    return is_step(request) and holds_page(request)
