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
once. Each clean render's parts are kept in the app's cache under its address (the next step
from it is answered against them); a step from a page whose parts are not kept renders that
page again. ``tests/e2e/test_partial_clicks.py`` proves, click by click over every preset, that
the page after a step is the page its address renders.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from ..caches import DerivedCache
from .patch import VOID, patch

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
# parts outside #explorer, where static/js/explorer.js's swaps (hx-ext) do not reach: whole
OUTSIDE = frozenset({"announce", "embed-open"})
HIDDEN_AT = '<input type="hidden" name="at" value="{at}">'
# every form's copy of the step, swapped in one go
AT_FIELDS = "#explorer input[type=hidden][name=at]"
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
    return int(shown) if digits.isdigit() and len(digits) < 10 else None


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
    for t in re.finditer(rf"<(/?){name}\b[^>]*>", html[start:], re.IGNORECASE):
        if t.group(1):
            depth -= 1
            if depth == 0:
                return start, start + t.end()
        elif not t.group(0).endswith("/>"):
            depth += 1
    return None


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
    return parts if "explorer-at" in parts else None


def kept_parts(cache: DerivedCache, address: str, make: Callable[[], Parts | None]) -> Parts | None:
    """The parts of the render of ``address``, kept in the app's cache."""
    return cache.kept(("parts", address), make, _weight)


def _weight(parts: Parts | None) -> int:
    return sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in (parts or {}).items())


def step_answer(new: Parts, at: int, old: Parts | None) -> HTMLResponse:
    """The answer to a step to ``at``: each part as what changed since the ``old`` parts (the
    page's), or whole; every form's step; nothing else is swapped (``HX-Reswap: none``)."""
    out = []
    for ident, piece in new.items():
        before = (old or {}).get(ident)
        if before is not None and ident not in OUTSIDE:
            out.append(patch(before, piece, ident))
        elif before != piece:
            out.append(_marked(piece))
    fields = HIDDEN_AT.format(at=at).replace(
        "<input", f'<input hx-swap-oob="outerHTML:{AT_FIELDS}"', 1
    )
    out.append(fields)
    return HTMLResponse("\n".join(p for p in out if p) + "\n", headers={"HX-Reswap": "none"})


def _marked(piece: str) -> str:
    """An element marked to be swapped by its id, as it is if it already says how."""
    tag = _START.match(piece)
    if tag is None or "hx-swap-oob=" in tag.group(0):
        return piece
    return f'{piece[: tag.end(1)]} hx-swap-oob="true"{piece[tag.end(1) :]}'


def lean(
    request: Request,
    whole: Response,
    at: int,
    addresses: Callable[[int], str],
    render_at: Callable[[int], str],
    cache: DerivedCache,
) -> Response:
    """A clean render's answer: its parts kept for the next step (under ``addresses(at)``),
    and a step from a page that holds the explorer answered by what changed (the page's
    parts: kept, or ``render_at(shown)`` rendered again)."""
    html = bytes(whole.body).decode()
    new = kept_parts(cache, addresses(at), lambda: parts_of(html, at))
    if new is None or not (is_step(request) and holds_page(request)):
        return whole
    shown = shown_step(request)
    old = None
    if shown is not None and shown != at:
        old = kept_parts(cache, addresses(shown), lambda: parts_of(render_at(shown), shown))
    return step_answer(new, at, old if shown != at else new)
