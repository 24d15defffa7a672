"""A large network's parts that load when they are opened (``on_demand.py``): the edit grid,
the table of every value, and a large layer's step weight by weight (the step ``at``'s factors).

    GET  /explore/part/{edit|table|factors}?s=&at=    the part: its content for htmx, else a page
    GET  /embed/explore/part/{edit|table|factors}?s=   the same, asked from an embed

htmx gets the part alone, and the part's status line (out of band) says it has loaded; any other
request (a page without JavaScript follows the part's link) gets a page that holds the part,
whose fields post as on the explorer.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .budget import Busy
from .codec import StateError
from .pages import error_page, parse_at, read_state
from .view import build_view, render_slots
from .web import is_htmx, render

BODIES = {"edit": "_edit_grid.html", "table": "_table_body.html", "factors": "_factors_table.html"}
TITLES = {
    "edit": "Change the network",
    "table": "Every value of this iteration, as tables",
    "factors": "The step, weight by weight",
}

router = APIRouter(include_in_schema=False)


@router.get("/explore/part/{name}")
@router.get("/embed/explore/part/{name}")  # where an embed's parts ask (its root is /embed)
def explore_part(
    request: Request, name: str, s: str | None = None, at: str | None = None
) -> Response:
    if name not in BODIES:
        return error_page(request, f"There is no part “{name[:40]}” of the explorer.", 404)
    try:
        state = read_state(request, s or "")
        cursor = parse_at(at)
    except StateError as e:
        return error_page(request, f"This link cannot be opened: {e}.", 400)
    try:
        with render_slots(request).hold(state.scenario):
            view = build_view(request, state, cursor, {}, {})
            if name == "factors" and (view.step is None or not view.step.factors):
                return error_page(request, "This step has no table of factors.", 404)
            if is_htmx(request):
                resp = render(request, "_lazy_loaded.html", {"v": view, "part": name})
            else:
                context = {"v": view, "part": name, "title": TITLES[name], "alone": True}
                resp = render(request, "explore_part.html", context)
    except Busy:
        resp = error_page(request, "The server is busy with other large pages; try again.", 503)
        resp.headers["Retry-After"] = "30"
    resp.headers["Vary"] = "HX-Request"
    return resp
