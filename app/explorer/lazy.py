"""The parts of a large network's explorer that load when they are opened: the edit fields and
the table of every value.

An 8 × 16 network's page held 454 kB of edit fields and 318 kB of tables that few learners
open (bench/README.md). From ``LAZY_PARAMS`` weights and biases on, the page holds a closed
``<details>`` for each, which asks for its content when it is first opened (``hx-get``,
``hx-trigger="toggle once"``); without JavaScript, its link opens a page of its own that
holds the part (the fields post as on the explorer, and come back to it).

    GET  /explore/part/{edit|table}?s=&at=    the part: its content for htmx, else a page
    GET  /embed/explore/part/{edit|table}?s=   the same, asked from an embed
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .budget import Busy
from .codec import StateError
from .pages import error_page, parse_at, read_state
from .view import View, build_view, render_slots
from .web import is_htmx, render

LAZY_PARAMS = 1_000  # weights and biases from which the edit fields and the table wait
PARTS = {"edit": "_edit_fields.html", "table": "_table_body.html"}
TITLES = {"edit": "Change the network", "table": "Every value of this iteration, as tables"}

router = APIRouter(include_in_schema=False)


def lazy_part(v: View) -> bool:
    """The page holds the edit fields and the table of values closed, loaded when opened."""
    return v.scenario.n_params >= LAZY_PARAMS


def field_count(v: View) -> int:
    """The edit form's fields: every weight and bias, every sample's inputs and targets."""
    s = v.scenario
    return s.n_params + s.n_samples * (s.layers[0] + s.layers[-1])


def install(templates: Any) -> None:
    templates.env.globals["lazy_part"] = lazy_part
    templates.env.globals["field_count"] = field_count


@router.get("/explore/part/{name}")
@router.get("/embed/explore/part/{name}")  # where an embed's parts ask (its root is /embed)
def explore_part(
    request: Request, name: str, s: str | None = None, at: str | None = None
) -> Response:
    if name not in PARTS:
        return error_page(request, f"There is no part “{name[:40]}” of the explorer.", 404)
    try:
        state = read_state(request, s or "")
        cursor = parse_at(at)
    except StateError as e:
        return error_page(request, f"This link cannot be opened: {e}.", 400)
    try:
        with render_slots(request).hold(state.scenario):
            view = build_view(request, state, cursor, {}, {})
            if is_htmx(request):
                resp = render(request, PARTS[name], {"v": view})
            else:
                context = {"v": view, "part": name, "title": TITLES[name], "alone": True}
                resp = render(request, "explore_part.html", context)
    except Busy:
        resp = error_page(request, "The server is busy with other large pages; try again.", 503)
        resp.headers["Retry-After"] = "30"
    resp.headers["Vary"] = "HX-Request"
    return resp
