"""HTML pages: home and the explorer, with one endpoint per UI action.

Every action reads the whole state from the request (``s`` and ``at``) and answers with the
explorer: a request from htmx gets the ``#explorer`` fragment and ``HX-Push-Url`` with the new
state's URL (Back undoes the change); any other request a full page (GET) or a redirect to that
URL (POST), so the pages work without JavaScript and every pushed URL renders a whole page on
reload. A step (the step form, ``#nav``) replaces the address instead (``HX-Replace-Url``), and
from a page that holds the explorer as its address renders it, gets only the parts a step
changes (``partial.py``). A refused edit answers 422 with the message beside its field and the
rest of the page as it was.

    GET  /                          the examples, "start from scratch", the API docs
    GET  /explore/new               start from scratch (the home page's form)
    GET  /explore/{preset}?at=      a preset as it starts
    GET  /explore?s=&at=            any state; next, previous, next phase, timeline: at=…
    GET  /explore/view?s=&at=&…     granularity, precision or sample shown
    POST /explore/edit              any weight, bias, input, target or setting
    POST /explore/architecture      add or remove a neuron or a hidden layer
    POST /explore/finish            apply the update: the next iteration starts
    POST /explore/train             train N iterations
    POST /explore/replay            a preset's iterations again with the other update order
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from engine import GRANULARITIES, PRESETS, EngineError
from engine.activations import ACTIVATIONS
from engine.losses import LOSSES

from ..caches import deep_size
from ..render import diagram
from ..render.formatting import (
    MAX_DECIMALS,
    MIN_DECIMALS,
    is_whole,
)
from .actions import (
    EditError,
    apply_architecture,
    apply_edit,
    finish,
    parse_stop_below,
    replay,
    train_state,
)
from .budget import Busy
from .codec import StateError
from .link import link_too_long
from .on_demand import MOST_FIELDS, step_part
from .partial import Held, Renders, asks_parts, is_step, kept_step, lean, parts_of, shows_timeline
from .picture import pictures_of
from .state import (
    PREVIOUS_STEP,
    PageState,
    Scratch,
    hidden_activations,
    load,
    make_scratch,
    preset_state,
    previous_state,
    scratch_state,
    url,
)
from .teaching import PHASE_NAMES, PHASES, figures_for
from .timeline import timeline_shown
from .timeline_answer import timeline_answer
from .view import (
    Nav,
    View,
    build_trace,
    build_view,
    derived_cache,
    effective_granularity,
    pictures,
    render_slots,
    step_parts,
    trace_bundle,
)
from .web import is_htmx, render, root, settings_of, templates_of

__all__ = [  # what other pages (embed, share, practice) take from here
    "PHASES",
    "PHASE_NAMES",
    "Nav",
    "View",
    "build_trace",
    "build_view",
    "effective_granularity",
    "figures_for",
    "is_htmx",
    "render",
    "root",
    "trace_bundle",
]


router = APIRouter(include_in_schema=False)


class Presentation:
    """How the explorer's answers look: the site's pages. Another presentation of the same
    actions (the embed's frame, app/explorer/embed.py) reaches them through its routes'
    dependency and overrides these."""

    # the htmx header that records a successful click's URL in the browser's history
    history_header = "HX-Push-Url"

    def __init__(self, **context: Any) -> None:
        self.context = context  # more for the templates (the share panel's embed builder)

    @property
    def as_addressed(self) -> bool:
        """Whether its explorer is drawn as its address renders it: kept for the next step
        under that address (not a page drawn with more, the embed builder's options)."""
        return not self.context

    def path(self, state: PageState, at: int) -> str:
        return url(state, at)

    def adapt(self, request: Request, state: PageState, view: View) -> View:
        return view

    def render(
        self, request: Request, state: PageState, view: View, htmx: bool, status: int
    ) -> HTMLResponse:
        name = "_explorer.html" if htmx else "explore.html"
        return render(request, name, {"v": view, "fragment": htmx, **self.context}, status)

    def error(self, request: Request, message: str, status: int) -> HTMLResponse:
        resp = render(request, "error.html", {"message": message, "status": status}, status)
        resp.headers["Vary"] = "HX-Request"
        if is_htmx(request):  # replace the explorer with the message and a way home
            resp.headers["HX-Retarget"] = "body"
            resp.headers["HX-Reswap"] = "innerHTML"
            resp.headers["HX-Push-Url"] = "false"
        return resp


SITE = Presentation()


def site() -> Presentation:
    """The site's routes' presentation (a dependency: the embed's routes give their frame)."""
    return SITE


Shown = Annotated[Presentation, Depends(site)]


def error_page(request: Request, message: str, status: int, p: Presentation = SITE) -> HTMLResponse:
    return p.error(request, message, status)


def parse_at(raw: str | None) -> int:
    """``at``: a step number, −1 (or nothing) for the start; StateError naming the rule."""
    if raw is None or raw.strip() == "":
        return -1
    text = raw.strip()
    digits = text[1:] if text[:1] in ("-", "\u2212") else text  # one sign at most
    if not is_whole(digits):
        raise StateError(
            f"at: the step number “{text[:20]}” is not a whole number "
            "(at most 9 digits; −1 or nothing for the start)"
        )
    return -int(digits) if digits != text else int(digits)


def read_state(request: Request, s: str) -> PageState:
    """The state of a link. Stepping sends the same ``s`` click after click: the states read
    are kept in the app's cache (a state is immutable, its arrays read-only, and it works out
    its encoding, URL and origin once); a refusal is not kept."""
    return derived_cache(request).kept(s, lambda: load(s), _state_weight)


def _state_weight(state: PageState) -> int:
    # the state, what it works out (its encoding twice, its origin) and the key
    return 2 * deep_size(state) + 3 * 2 * len(state.encode())


def _state_from(request: Request, s: str | None) -> PageState:
    if not s:
        raise StateError("the link has no state; pick an example on the home page")
    return read_state(request, s)


async def _form(request: Request) -> dict[str, str]:
    # closes any uploaded file with the form; a large network's edit form has many fields
    async with request.form(max_fields=MOST_FIELDS) as form:
        return {k: v for k, v in form.items() if isinstance(v, str)}


def explorer_response(
    request: Request,
    state: PageState,
    at: int,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    changed: bool = False,
    p: Presentation = SITE,
) -> Response:
    """The explorer for a state, as ``p`` shows it: a fragment for htmx (a step's parts for a
    step, ``partial.py``), a full page or a redirect otherwise."""
    htmx = is_htmx(request)
    if changed and (too_long := link_too_long(state)):
        return _too_long(request, state, too_long, p)
    if changed and not htmx and status == 200:  # post, redirect, get
        resp: Response = RedirectResponse(root(request) + p.path(state, at), status_code=303)
        resp.headers["Vary"] = "HX-Request"
        return resp
    try:
        with render_slots(request).hold(state.scenario):
            view = build_view(request, state, at, errors or {}, values or {})
            view = p.adapt(request, state, view)  # the presentation's URLs, pushed below
            # kept for the next step; a step answered by its parts (not a step that moved to
            # another state: Previous from an iteration's start, whose page is not the one shown)
            if status == 200 and not (changed and is_step(request)):
                resp = _lean(request, p, state, view, htmx)
            else:
                resp = p.render(request, state, view, htmx, status)
    except Busy:
        resp = p.error(
            request,
            "The server is busy with other large pages; try again in a minute.",
            503,
        )
        resp.headers["Retry-After"] = "30"
        return resp
    resp.headers["Vary"] = "HX-Request, HX-Explorer-Open"  # a large network's open parts
    if htmx:
        if status != 200:
            resp.headers["HX-Push-Url"] = "false"
        elif is_step(request):  # a step moves within the page's history entry
            resp.headers["HX-Replace-Url"] = view.url
            resp.headers["Vary"] = "HX-Request, HX-Trigger, HX-Explorer-Holds, HX-Explorer-Open"
        else:
            resp.headers[p.history_header] = view.url
    return resp


# the error beside which a control's too-long change is refused, by the route's last part
TOO_LONG_FIELD = {"edit": "form", "architecture": "architecture", "train": "iterations"}


def _too_long(request: Request, new: PageState, message: str, p: Presentation) -> Response:
    """A change whose link would be over MAX_LINK: the explorer as it was before it (what was
    typed kept), the message beside the control used, and the changed scenario offered as a
    download (a form that posts it: no link can carry it); not an error page."""
    posted = getattr(request.state, "posted", None)
    if posted is None:
        return p.error(request, message, 422)
    state, at, form = posted
    field = TOO_LONG_FIELD.get(request.url.path.rsplit("/", 1)[-1], "update")
    doc = new.scenario.to_dict()
    request.state.too_long_scenario = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    values = {k: v for k, v in form.items() if k not in ("s", "at")}
    return explorer_response(
        request, state, at, status=422, errors={field: message}, values=values, p=p
    )


def _lean(request: Request, p: Presentation, state: PageState, view: View, htmx: bool) -> Response:
    """The explorer rendered; a step from a page that holds it answered by its parts
    (``partial.py``: the parts of the new step and of the step shown rendered alone, from
    their views, their pictures compared by their marks)."""
    cache = derived_cache(request)

    def address(at: int) -> str:
        return root(request) + p.path(state, at)

    if not asks_parts(request):  # kept for the next step (the pictures' marks drawn once)
        rendered = p.render(request, state, view, htmx, 200)
        html = bytes(rendered.body).decode()
        if p.as_addressed:
            kept_step(cache, address(view.at), lambda: held(html, view))
        return rendered

    def step_at(at: int) -> Held | None:
        shown = (
            view
            if at == view.at
            else p.adapt(request, state, build_view(request, state, at, {}, {}, view.bundle))
        )
        return held(
            bytes(p.render(request, state, step_parts(shown), True, 200).body).decode(), shown
        )

    def figure() -> str:
        return str(templates_of(request).get_template("_diagram.html").render(v=view)).strip()

    renders = Renders(
        address=address,
        step_at=step_at,
        draws=lambda: {svg_id: d.draw for svg_id, (d, _) in pictures(view).items()},
        figure=figure,
        whole=lambda: p.render(request, state, view, htmx, 200),
        part=lambda ident: step_part(request, view, ident),  # a large layer's update's table
        timeline=lambda old, new: timeline_answer(view, old, new),
    )
    return lean(request, view.at, renders, cache)


def held(html: str, view: View) -> Held | None:
    """The step of ``view`` as a page that holds its render ``html`` shows it (None when its
    parts cannot be cut out)."""
    parts = parts_of(html, view.at)
    if parts is None:
        return None
    timeline = timeline_shown(view.bundle, view.at) if shows_timeline(parts) else None
    return Held(parts, pictures_of(pictures(view)), timeline)


# -- routes ----------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _home(request)


def _home(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    cards = []
    for p in PRESETS.values():
        st = preset_state(p.id)
        cards.append(
            {
                "preset": p,
                "thumb": diagram.thumbnail(st.scenario),
                "summary": p.description.split(". ")[0].rstrip(".") + ".",
            }
        )
    context = {
        "cards": cards,
        "errors": errors or {},
        "values": values or {},
        "activations": list(ACTIVATIONS),
        "hidden_activations": hidden_activations(),
        "losses": list(LOSSES),
    }
    return render(request, "home.html", context, status)


@router.get("/explore/new")
def explore_new(
    request: Request,
    layers: str = "2,3,1",
    hidden: str = "sigmoid",
    output: str = "sigmoid",
    loss: str = "half_sse",
    init: str = "random",
    seed: str = "1",
) -> Response:
    values = {
        "layers": layers,
        "hidden": hidden,
        "output": output,
        "loss": loss,
        "init": init,
        "seed": seed,
    }
    try:
        spec: Scratch = make_scratch(layers, hidden, output, loss, init, seed)
    except EngineError as e:
        name = str(e.loc[0]) if e.loc else "layers"
        return _home(request, {name: f"{name}: {e.message}"}, values, status=422)
    state = scratch_state(spec)
    return RedirectResponse(root(request) + url(state), status_code=303)


@router.get("/explore/view")
def explore_view(
    request: Request,
    p: Shown,
    s: str | None = None,
    at: str | None = None,
    granularity: str | None = None,
    precision: str | None = None,
    sample: str | None = None,
) -> Response:
    try:
        state = _state_from(request, s)
        cursor = parse_at(at)
    except StateError as e:
        return error_page(request, str(e), 400, p)
    errors: dict[str, str] = {}
    new = state
    if granularity is not None:
        if granularity not in GRANULARITIES:
            errors["granularity"] = f"granularity: must be one of {', '.join(GRANULARITIES)}"
        else:
            cursor = map_cursor(request, state, cursor, granularity)
            new = replace(new, granularity=granularity)
    if precision is not None:
        digits = precision.strip()
        if not is_whole(digits) or not MIN_DECIMALS <= int(digits) <= MAX_DECIMALS:
            errors["precision"] = (
                f"decimals: must be a whole number from {MIN_DECIMALS} to {MAX_DECIMALS}"
            )
        else:
            new = replace(new, precision=int(digits))
    if sample is not None:
        k = sample.strip()
        if not is_whole(k) or not 1 <= int(k) <= state.scenario.n_samples:
            errors["sample"] = (
                f"sample: must be a whole number from 1 to {state.scenario.n_samples}"
            )
        else:
            new = replace(new, sample=int(k) - 1)
    if errors:
        values = {k: v for k, v in (("precision", precision), ("sample", sample)) if v is not None}
        return explorer_response(
            request, state, parse_at(at), status=422, errors=errors, values=values, p=p
        )
    return explorer_response(request, new, cursor, changed=True, p=p)


def map_cursor(request: Request, state: PageState, at: int, granularity: str) -> int:
    """The step of the other granularity that shows the same moment of the iteration."""
    settings = settings_of(request)
    cur, _ = effective_granularity(state, settings)
    if at < 0 or granularity == cur:
        return at
    old = build_trace(request, state, cur).steps
    new = build_trace(request, replace(state, granularity=granularity), granularity).steps
    at = min(at, len(old) - 1)
    step = old[at]
    names = set(step.covers) | {step.quantity}
    matches = [st.index for st in new if names & (set(st.covers) | {st.quantity})]
    if matches:
        return matches[-1] if granularity == "neuron" else matches[0]
    same_phase = [st.index for st in new if st.phase == step.phase]
    before = [k for k in same_phase if k <= at] if granularity == "layer" else same_phase
    return (before or same_phase or [0])[-1 if granularity == "layer" else 0]


@router.get("/explore/{preset_id}")
def explore_preset(request: Request, preset_id: str, at: str | None = None) -> Response:
    if preset_id not in PRESETS:
        return error_page(
            request,
            f"There is no example called “{preset_id}”. The examples are: "
            + ", ".join(PRESETS)
            + ".",
            404,
        )
    try:
        cursor = parse_at(at)
    except StateError as e:
        return error_page(request, str(e), 422)
    return explorer_response(request, preset_state(preset_id), cursor)


@router.get("/explore")
def explore(request: Request, s: str | None = None, at: str | None = None) -> Response:
    if not s:
        return RedirectResponse(root(request) + "/", status_code=303)
    try:
        state = read_state(request, s)
        cursor = parse_at(at)
    except StateError as e:
        return error_page(request, f"This link cannot be opened: {e}.", 400)
    back, cursor = resolve_previous(request, state, cursor)
    # stepped back an iteration: the page's address becomes that state's own
    return explorer_response(request, back, cursor, changed=back is not state)


def resolve_previous(request: Request, state: PageState, at: int) -> tuple[PageState, int]:
    """``at=PREVIOUS_STEP`` (Previous from the start of an iteration): the iteration before at
    its last step, where the state keeps its parameters; otherwise the state and step as they
    are (a step below −1 is the start)."""
    if at != PREVIOUS_STEP:
        return state, at
    back = previous_state(state)
    if back is None:
        return state, -1
    granularity, _ = effective_granularity(back, settings_of(request))
    return back, len(build_trace(request, back, granularity).steps) - 1


async def _post_state(request: Request) -> tuple[PageState, int, dict[str, str]]:
    form = await _form(request)
    state = _state_from(request, form.get("s"))
    return state, parse_at(form.get("at")), form


Action = Callable[[Request, PageState, int, dict[str, str], Presentation], Response]
Handler = Callable[[Request, Presentation], Awaitable[Response]]


def _action(act: Action) -> Handler:
    """A control's POST: the posted state and step read (a 400 page if they cannot be), then
    ``act(request, state, at, form, p)`` in the thread pool, as the GET pages run (training may
    take up to TRAIN_TIME_LIMIT: other requests go on meanwhile). The route sees a handler of
    the request and the presentation (the site's here; the embed calls it with its frame)."""

    async def handler(request: Request, p: Shown) -> Response:
        try:
            state, at, form = await _post_state(request)
        except StateError as e:
            return error_page(request, f"This page's state cannot be read: {e}.", 400, p)
        request.state.posted = (state, at, form)  # a refused change shows them again
        return await run_in_threadpool(act, request, state, at, form, p)

    handler.__name__, handler.__doc__ = act.__name__, act.__doc__
    return handler


@router.post("/explore/edit")
@_action
def explore_edit(
    request: Request, state: PageState, at: int, form: dict[str, str], p: Presentation
) -> Response:
    fields = {k: v for k, v in form.items() if k not in ("s", "at")}
    try:
        new = apply_edit(state, fields)
    except EditError as e:
        return explorer_response(
            request, state, at, status=422, errors={e.field: e.message}, values=fields, p=p
        )
    return explorer_response(request, new, at, changed=True, p=p)


@router.post("/explore/architecture")
@_action
def explore_architecture(
    request: Request, state: PageState, at: int, form: dict[str, str], p: Presentation
) -> Response:
    try:
        new = apply_architecture(state, form.get("op", ""))
    except EditError as e:
        return explorer_response(
            request, state, -1, status=422, errors={"architecture": e.message}, p=p
        )
    return explorer_response(request, new, -1, changed=True, p=p)


@router.post("/explore/finish")
@_action
def explore_finish(
    request: Request, state: PageState, at: int, form: dict[str, str], p: Presentation
) -> Response:
    try:
        new = finish(state)
    except EditError as e:
        return explorer_response(request, state, at, status=422, errors={"update": e.message}, p=p)
    return explorer_response(request, new, -1, changed=True, p=p)


@router.post("/explore/replay")
@_action
def explore_replay(
    request: Request, state: PageState, at: int, form: dict[str, str], p: Presentation
) -> Response:
    """The preset's iterations again with the other update order (a figure's note offers it)."""
    try:
        new = replay(state, form.get("order", ""), settings_of(request).train_time_limit)
    except EditError as e:
        return explorer_response(request, state, at, status=422, errors={e.field: e.message}, p=p)
    return explorer_response(request, new, at, changed=True, p=p)


@router.post("/explore/train")
@_action
def explore_train(
    request: Request, state: PageState, at: int, form: dict[str, str], p: Presentation
) -> Response:
    settings = settings_of(request)
    raw = form.get("iterations", "").strip().replace(",", "").replace("_", "")
    top = settings.max_train_iterations
    if not is_whole(raw) or not 1 <= int(raw) <= top:
        return explorer_response(
            request,
            state,
            at,
            status=422,
            errors={"iterations": f"iterations: must be a whole number from 1 to {top:,}"},
            values={k: form.get(k, "") for k in ("iterations", "stop_below")},
            p=p,
        )
    try:
        stop = parse_stop_below(form.get("stop_below", ""), state.scenario.labels.cost)
        new = train_state(state, int(raw), settings.train_time_limit, stop)
    except EditError as e:
        return explorer_response(
            request,
            state,
            at,
            status=422,
            errors={e.field if e.field == "stop_below" else "iterations": e.message},
            values={"iterations": raw, "stop_below": form.get("stop_below", "")},
            p=p,
        )
    return explorer_response(request, new, -1, changed=True, p=p)
