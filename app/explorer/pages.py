"""HTML pages: home and the explorer, with one endpoint per UI action.

Every action reads the whole state from the request (``s`` and ``at``) and answers with the
explorer: a request from htmx gets the ``#explorer`` fragment and ``HX-Push-Url`` with the new
state's URL; any other request a full page (GET) or a redirect to that URL (POST), so the pages
work without JavaScript and every pushed URL renders a whole page on reload. A refused edit
answers 422 with the message beside its field and the rest of the page as it was.

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

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from engine import GRANULARITIES, PRESETS, EngineError, Scenario, Trace, TraceStep, forward, trace
from engine.activations import ACTIVATIONS
from engine.losses import LOSSES
from engine.scenario import UPDATE_ORDERS

from ..caches import DerivedCache, TraceBundle, deep_size
from ..render import diagram, mathml
from ..render.diagram import Chart, Diagram
from ..render.formatting import (
    MAX_DECIMALS,
    MIN_DECIMALS,
    css_class,
    flat,
    is_whole,
    matches_printed,
    number,
)
from ..settings import Settings
from .budget import Busy, RenderSlots, table_sample
from .codec import StateError
from .link import link_too_long
from .state import (
    EditError,
    PageState,
    Scratch,
    apply_architecture,
    apply_edit,
    finish,
    hidden_activations,
    load,
    make_scratch,
    origin_state,
    preset_state,
    replay,
    scratch_state,
    train_state,
    url,
)

router = APIRouter(include_in_schema=False)

PHASES = ("forward", "loss", "backward", "update")
PHASE_NAMES = {
    "forward": "Forward pass",
    "loss": "Error",
    "backward": "Backward pass",
    "update": "Update",
}
NARROW_MAX_WIDTH = 4  # neurons per layer: a network this small also gets a vertical picture
NARROW_MAX_LAYERS = 5
TIMELINE_ALL = 80  # steps; above this the timeline shows a window around the cursor
WINDOW = 12
STOP_REASONS = {
    "stop_below": "the loss fell below the threshold",
    "diverged": (
        "the loss diverged: the next step would overflow or take a weight beyond ±1,000,000, "
        "the explorer's limit (the last state within it is kept); try a smaller learning rate"
    ),
    "time_limit": "the server's time limit for one request was reached; train again to go on",
}
EXPLAIN = {
    "net_input": (
        "The net input is the weighted sum of everything that feeds the neuron: each "
        "incoming output times its weight, plus the bias."
    ),
    "activation": "The activation function turns the net input into the neuron's output.",
    "error": "Each output's error measures how far its output is from its target.",
    "sample_loss": "Each sample's loss compares the network's outputs with that sample's targets.",
    "loss": (
        "The total error E is what training makes smaller. Every gradient below says how "
        "E changes when one number changes."
    ),
    "output_gradient": (
        "How much E changes when this output changes. At an output it is the "
        "loss's derivative; a hidden neuron's output reaches E through every "
        "neuron it feeds, so their deltas come back along its weights and add up."
    ),
    "delta": (
        "The delta δ = ∂E/∂net: by the chain rule, how E changes with the output times how "
        "the output changes with the net input (the activation's slope)."
    ),
    "weight_gradient": (
        "A weight's gradient is the chain rule once more: the delta of the neuron "
        "it feeds times the value it carries (∂net/∂w is the incoming output)."
    ),
    "bias_gradient": "A bias's gradient is its neuron's delta (∂net/∂b = 1), summed over samples.",
    "input_gradient": (
        "How E changes with each input. Inputs are not trained, but this is where "
        "the chain rule would carry on into an earlier network."
    ),
    "weight_update": "Gradient descent: move the weight against its gradient, a step of size η.",
    "bias_update": "Gradient descent on the bias: a step of size η against its gradient.",
}


# -- requests and responses ------------------------------------------------------------------------


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def _templates(request: Request) -> Any:
    return request.app.state.templates


def root(request: Request) -> str:
    """The prefix the app is served under (ROOT_PATH behind a proxy), for every URL we write."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    resp: HTMLResponse = _templates(request).TemplateResponse(
        request, name, {**context, "root": root(request)}, status_code=status
    )
    return resp


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


class Presentation:
    """How the explorer's answers look: the site's pages. Another presentation of the same
    actions (the embed, app/embed.py) is set on the request by its route and overrides these."""

    # the htmx header that records a successful click's URL in the browser's history
    history_header = "HX-Push-Url"

    def path(self, state: PageState, at: int) -> str:
        return url(state, at)

    def adapt(self, request: Request, state: PageState, view: View) -> View:
        return view

    def render(
        self, request: Request, state: PageState, view: View, htmx: bool, status: int
    ) -> HTMLResponse:
        name = "_explorer.html" if htmx else "explore.html"
        return render(request, name, {"v": view, "fragment": htmx}, status)

    def error(self, request: Request, message: str, status: int) -> HTMLResponse:
        resp = render(request, "error.html", {"message": message, "status": status}, status)
        resp.headers["Vary"] = "HX-Request"
        if is_htmx(request):  # replace the explorer with the message and a way home
            resp.headers["HX-Retarget"] = "body"
            resp.headers["HX-Reswap"] = "innerHTML"
            resp.headers["HX-Push-Url"] = "false"
        return resp


SITE = Presentation()


def presentation(request: Request) -> Presentation:
    return getattr(request.state, "frame", SITE)


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    return presentation(request).error(request, message, status)


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
    async with request.form() as form:  # closes any uploaded file with the form
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
) -> Response:
    """The explorer for a state: a fragment for htmx, a full page or a redirect otherwise."""
    p = presentation(request)
    htmx = is_htmx(request)
    if changed and (too_long := link_too_long(state)):
        return p.error(request, too_long, 422)
    if changed and not htmx and status == 200:  # post, redirect, get
        resp: Response = RedirectResponse(root(request) + p.path(state, at), status_code=303)
        resp.headers["Vary"] = "HX-Request"
        return resp
    try:
        with render_slots(request).hold(state.scenario):
            view = build_view(request, state, at, errors or {}, values or {})
            resp = p.render(request, state, p.adapt(request, state, view), htmx, status)
    except Busy:
        resp = p.error(
            request,
            "The server is busy with other large pages; try again in a minute.",
            503,
        )
        resp.headers["Retry-After"] = "30"
        return resp
    resp.headers["Vary"] = "HX-Request"
    if htmx:
        if status == 200:
            resp.headers[p.history_header] = view.url
        else:
            resp.headers["HX-Push-Url"] = "false"
    return resp


# -- the view: everything the templates show -------------------------------------------------------


@dataclass(frozen=True)
class FigureView:
    printed: str
    ok: bool
    text: str
    replay: str = ""  # an update order that shows the other side of the note


@dataclass(frozen=True)
class Nav:
    at: int
    label: str
    disabled: bool = False


@dataclass
class View:
    state: PageState
    s: str
    url: str
    at: int
    tr: Trace
    bundle: TraceBundle  # the trace and what is derived from it, kept between clicks
    granularity: str
    neuron_refusal: str  # why neuron by neuron is not offered; "" if it is
    step: TraceStep | None
    d: int
    diagram: Diagram
    diagram_narrow: Diagram | None  # layers top to bottom, for a phone (small networks)
    chart: Chart
    prev: Nav
    next: Nav
    next_phase: Nav
    loss: str
    loss_cls: str
    loss_after: str | None
    loss_previous: str | None
    figures: tuple[FigureView, ...]
    errors: dict[str, str]
    values: dict[str, str]
    reset_url: str
    train_default: int
    max_train: int
    announce: str
    title: str
    explain: str
    order_remark: str
    stopped: str
    env: Any = None  # the Jinja environment, for the cached fragments
    root: str = ""

    # formatting helpers for the templates
    def f(self, x: float) -> str:
        return number(x, self.d)

    def cls(self, x: float) -> str:
        return css_class(x)

    def math(self, e: Any, wrap: bool = False) -> Markup:
        return mathml.render(e, self.d, wrap=wrap)

    def sym(self, name: str) -> Markup:
        return mathml.symbol(name, layer=self.granularity == "layer")

    def value_math(self, value: Any, kind: str = "") -> Markup:
        """A step's value: a number, one per sample (a column), a layer's biases (a row, as
        b is written), or a matrix."""
        from engine.expr import Mat, Num

        if isinstance(value, int | float):
            return mathml.render(Num(float(value)), self.d, display=False)
        if value and all(isinstance(r, list) for r in value):
            return mathml.render(Mat(tuple(tuple(float(x) for x in r) for r in value)), self.d)
        if kind in ("bias_gradient", "bias_update"):
            return mathml.render(Mat((tuple(float(x) for x in value),)), self.d)
        return mathml.render(Mat(tuple((float(x),) for x in value)), self.d)

    def cached(self, name: str) -> Markup:
        """A fragment that depends on the state and the precision only (not on the cursor):
        rendered once per state while stepping, and afresh while a refused value is shown."""

        def render() -> Markup:
            return Markup(self.env.get_template(name).render(v=self, root=self.root))

        if self.errors or self.values or self.env is None:
            return render()
        return self.bundle.derived(("fragment", name, self.s, self.d, self.root), render)

    def field(self, name: str, current: float | str) -> str:
        """What an edit field holds: what the learner typed (after a refusal), else the value."""
        if name in self.values:
            return self.values[name]
        if isinstance(current, str):
            return current
        if not math.isfinite(current):
            return str(current)
        text = repr(float(current))  # the shortest text that reads back as the same float
        return text.removesuffix(".0")  # 2, not 2.0: as a learner writes a whole number

    @property
    def scenario(self) -> Scenario:
        return self.state.scenario

    @property
    def activations(self) -> list[str]:
        return list(ACTIVATIONS)

    @property
    def hidden_activations(self) -> list[str]:
        return hidden_activations()

    @property
    def losses(self) -> list[str]:
        return list(LOSSES)

    @property
    def update_orders(self) -> tuple[str, ...]:
        return UPDATE_ORDERS

    @property
    def granularities(self) -> tuple[str, ...]:
        return GRANULARITIES

    @property
    def precision_range(self) -> tuple[int, int]:
        return MIN_DECIMALS, MAX_DECIMALS

    @property
    def n_steps(self) -> int:
        return len(self.tr.steps)

    @property
    def phase(self) -> str:
        return self.step.phase if self.step else "start"

    @property
    def phase_name(self) -> str:
        return PHASE_NAMES[self.step.phase] if self.step else ""

    def timeline(self) -> Markup:
        return timeline_html(self.bundle, self.at)

    @property
    def preset(self) -> Any:
        pid = self.state.preset_id
        return PRESETS[pid] if pid else None

    def values_table(self) -> dict[str, Any]:
        return values_table(self.tr, self.d, table_sample(self.scenario, self.state.sample))

    @staticmethod
    def factor_meaning(name: str) -> str:
        return factor_meaning(name)


def factor_meaning(name: str) -> str:
    """What a chain-rule factor says, in words: ∂E/∂out_o1 → how E changes with o1's output."""
    if name.startswith("η·∂E/∂"):
        return f"learning rate × gradient of {name[6:]}: how far {name[6:]} moves"
    if name.startswith("δ_"):
        return f"the delta of {name[2:]}, ∂E/∂net"
    num, _, den = name.partition("/")
    num, den = num.lstrip("∂"), den.lstrip("∂")
    if num == "E":
        return f"how the error changes with {den}"
    if den.startswith(("w", "b")) or not den.startswith(("net", "z")):
        return f"how {num} changes with {den}: the value {den} multiplies"
    return f"how {num} changes with {den}: the slope of the activation"


def neuron_refusal(s: Scenario, settings: Settings) -> str:
    """Why neuron by neuron is not offered for this scenario ("" if it is): it writes one
    substitution per sample for every weight and bias, so its pages grow with both."""
    if s.n_samples > settings.max_trace_samples:
        return f"Neuron by neuron needs at most {settings.max_trace_samples} samples"
    if s.n_samples * s.n_params > settings.max_trace_work:
        return (
            "Neuron by neuron is for smaller networks: samples × (weights + biases) at most "
            f"{settings.max_trace_work:,} (this one: {s.n_samples * s.n_params:,})"
        )
    return ""


def effective_granularity(state: PageState, settings: Settings) -> tuple[str, str]:
    """The granularity shown, and why neuron by neuron is not offered ("" if it is)."""
    refusal = neuron_refusal(state.scenario, settings)
    return (state.granularity if not refusal else "layer"), refusal


def render_slots(request: Request) -> RenderSlots:
    return request.app.state.render_slots  # type: ignore[no-any-return]


def derived_cache(request: Request) -> DerivedCache:
    return request.app.state.derived  # type: ignore[no-any-return]


def trace_bundle(request: Request, state: PageState, granularity: str) -> TraceBundle:
    """The trace of the state's scenario and what is derived from it. Stepping sends the same
    scenario again and again: the app's cache keeps it (keyed by the scenario itself: nothing
    about the user)."""

    def make() -> Trace:
        with np.errstate(all="ignore"):
            return trace(state.scenario, granularity)

    return derived_cache(request).bundle((state.scenario_key, granularity), make)


def build_trace(request: Request, state: PageState, granularity: str) -> Trace:
    return trace_bundle(request, state, granularity).trace


def build_view(
    request: Request, state: PageState, at: int, errors: dict[str, str], values: dict[str, str]
) -> View:
    settings = _settings(request)
    gran, refusal = effective_granularity(state, settings)
    bundle = trace_bundle(request, state, gran)
    tr = bundle.trace
    steps = tr.steps
    at = max(-1, min(at, len(steps) - 1))
    step = steps[at] if at >= 0 else None
    d = state.precision
    dia = diagram.build(bundle, at, d, state.sample, step)
    layers = state.scenario.layers
    narrow = None
    if max(layers) <= NARROW_MAX_WIDTH and len(layers) <= NARROW_MAX_LAYERS:
        narrow = diagram.build(bundle, at, d, state.sample, step, vertical=True)
    loss = float(tr.forward.loss)
    loss_after = None
    previous = dict(state.history).get(state.iteration - 1)
    loss_before = number(previous, d) if previous is not None and state.iteration > 0 else None
    if step is not None and step.phase == "update":
        with np.errstate(all="ignore"):
            loss_after = number(forward(tr.after).loss, d)
    chart = diagram.loss_chart(state.history, state.iteration, loss, d)

    phase_idx = PHASES.index(step.phase) if step else 0
    nxt_phase = next((st.index for st in steps if PHASES.index(st.phase) > phase_idx), None)
    first_update = next((st.index for st in steps if st.phase == "update"), len(steps) - 1)
    title = "Start of iteration " + f"{state.iteration + 1:,}"
    if step is not None:
        title = step.title
    announce = (
        f"Step {at + 1} of {len(steps)}: {step.title} = {_value_words(step.value, d)}"
        if step
        else f"Iteration {state.iteration + 1:,}: ready to start"
    )
    order_remark = ""
    if (
        step is not None
        and state.scenario.update_order == "output_first"
        and step.kind == "output_gradient"
        and step.weights
    ):
        order_remark = (
            "Update order “output first”: the deltas come back through the weights already "
            "updated (w⁺), not the ones the forward pass used. This is a classic mistake; "
            "switch the update order to “simultaneous” to compare."
        )
    stopped = ""
    if state.trained is not None and state.trained.stopped != "iterations":
        reason = STOP_REASONS.get(state.trained.stopped, state.trained.stopped)
        stopped = (
            f"Training stopped after {state.trained.run:,} of {state.trained.asked:,} "
            f"iterations: {reason}."
        )
    pid = state.preset_id
    # what the learner asked for last, else a run long enough to see the curve bend
    train_default = (
        state.trained.asked
        if state.trained is not None
        else 10_000
        if pid == "sigmoid-2-2-2"
        else 1_000
    )
    return View(
        env=_templates(request).env,
        root=root(request),
        state=state,
        s=state.encode(),
        url=root(request) + url(state, at),
        at=at,
        tr=tr,
        bundle=bundle,
        granularity=gran,
        neuron_refusal=refusal,
        step=step,
        d=d,
        diagram=dia,
        diagram_narrow=narrow,
        chart=chart,
        prev=Nav(at - 1, "Previous step", disabled=at < 0),
        next=Nav(at + 1, "Next step", disabled=at >= len(steps) - 1),
        next_phase=Nav(
            nxt_phase if nxt_phase is not None else first_update,
            "Next phase",
            disabled=nxt_phase is None,
        ),
        loss=number(loss, d),
        loss_cls=css_class(loss),
        loss_after=loss_after,
        loss_previous=loss_before,
        figures=tuple(figures_for(state, step, d)),
        errors=errors,
        values=values,
        reset_url=root(request) + url(origin_state(state)),
        train_default=train_default,
        max_train=settings.max_train_iterations,
        announce=announce,
        title=title,
        explain=EXPLAIN.get(step.kind, "") if step else "",
        order_remark=order_remark,
        stopped=stopped,
    )


def _value_words(value: Any, d: int) -> str:
    if isinstance(value, int | float):
        return number(value, d)
    n = len(flat(value))
    return f"{n} values" if n > 1 else number(flat(value)[0], d)


def quantity_html(q: str) -> Markup:
    """net_h1 → net<sub>h1</sub>, for the timeline's buttons."""
    head, sep, tail = q.partition("_")
    if not sep:
        return Markup(escape(q))
    return Markup(f"{escape(head)}<sub>{escape(tail)}</sub>")


@dataclass(frozen=True)
class _Timeline:
    """A trace's timeline, drawn once: each step's button around the classes that follow the
    cursor (current, done), and the steps of each phase."""

    buttons: tuple[tuple[str, str, str], ...]  # per step: its button around class and aria-current
    phases: tuple[tuple[str, str, tuple[int, ...]], ...]  # phase, its heading, its steps


def _timeline_of(tr: Trace) -> _Timeline:
    buttons = []
    for st in tr.steps:
        title = escape(f"Step {st.index + 1}: {st.title}")
        buttons.append(
            (
                f'<li><button type="submit" form="nav" name="at" value="{st.index}" '
                f'id="tl-{st.index}" class="tl-step',
                f'" title="{title}" aria-label="{title}" ',
                f">{quantity_html(st.quantity)}</button></li>\n",
            )
        )
    phases = []
    for phase in PHASES:
        members = tuple(st.index for st in tr.steps if st.phase == phase)
        if members:
            n = len(members)
            head = (
                f'<h4 class="tl-phase">{PHASE_NAMES[phase]} '
                f'<span class="tl-count">{n} step{"s" if n > 1 else ""}</span></h4>\n'
                '<ol class="tl-steps">\n'
            )
            phases.append((phase, head, members))
    return _Timeline(tuple(buttons), tuple(phases))


def timeline_html(bundle: TraceBundle, at: int) -> Markup:
    """The timeline of the iteration's steps, grouped by phase, the cursor's step marked. A long
    iteration shows a window around the cursor and the first step of every other phase."""
    tr = bundle.trace
    tl = bundle.derived(("timeline",), lambda: _timeline_of(tr))
    steps = tr.steps
    cur_phase = steps[at].phase if at >= 0 else None
    big = len(steps) > TIMELINE_ALL
    start = ' current" aria-current="step"' if at < 0 else '" '
    out = [
        '<nav class="timeline" id="timeline" aria-label="Steps of this iteration">\n'
        "<h3>Timeline</h3>\n"
        f'<button type="submit" form="nav" name="at" value="-1" id="tl-start" class="tl-start'
        f"{start}>Start</button>\n"
    ]
    for phase, head, members in tl.phases:
        current = phase == cur_phase
        shown = members
        if big:
            if current:
                last = len(members) - 1
                shown = tuple(
                    i for k, i in enumerate(members) if k in (0, last) or abs(i - at) <= WINDOW
                )
            else:
                shown = members[:1]
        out.append(f'<div class="tl-group {phase}{" current" if current else ""}">\n{head}')
        prev = None
        for i in shown:
            if prev is not None and i != prev + 1:
                out.append('<li class="tl-gap" aria-hidden="true">…</li>\n')
            prev = i
            before, between, end = tl.buttons[i]
            if i == at:
                out.append(f'{before} current{between}aria-current="step"{end}')
            else:
                out.append(f"{before}{' done' if i < at else ''}{between}{end}")
        if len(shown) < len(members) and not current:
            out.append(f'<li class="tl-gap" aria-hidden="true">… {len(members) - 1} more</li>\n')
        out.append("</ol>\n</div>\n")
    out.append("</nav>")
    return Markup("".join(out))


# -- the documents' printed figures ----------------------------------------------------------------


def _figure_value(step: TraceStep, quantity: str) -> float | None:
    if step.quantity == quantity and isinstance(step.value, int | float):
        return float(step.value)
    if quantity in step.covers:
        numbers = flat(step.value)
        if len(numbers) == len(step.covers):
            return numbers[step.covers.index(quantity)]
    for f in step.factors:
        if f.name == quantity:
            return float(f.value)
    return None


def figures_for(state: PageState, step: TraceStep | None, d: int) -> list[FigureView]:
    """The figures the document prints for this step, reproduced (✓) or with their note."""
    if step is None or not state.figures_apply:
        return []
    preset = PRESETS[str(state.preset_id)]
    out = []
    for fig in preset.figures:
        if fig.iteration != state.iteration:
            continue
        value = _figure_value(step, fig.quantity)
        if value is None:
            continue
        exact = number(value, d)
        order = state.scenario.update_order
        other = next(o for o in UPDATE_ORDERS if o != order)
        # the other order shows the other side of a note about orders (iterations done only)
        replay_to = other if state.iteration and fig.update_order != "simultaneous" else ""
        if fig.reproduced and matches_printed(value, fig.printed, fig.rounding):
            how = ""
            if fig.update_order != "simultaneous":
                how = " (with the update order “output first”, as the document computed it)"
            elif fig.rounding == "truncate":
                how = " (cut, not rounded, as the document did)"
            out.append(
                FigureView(
                    fig.printed,
                    True,
                    f"{fig.quantity} = {fig.printed}, as the document prints{how}.",
                    replay_to,
                )
            )
        elif fig.note:
            text = fig.note.replace("{printed}", fig.printed).replace("{exact}", exact)
            out.append(FigureView(fig.printed, False, f"{fig.quantity}: {text}", replay_to))
        else:
            out.append(
                FigureView(
                    fig.printed,
                    False,
                    f"{fig.quantity}: the document prints {fig.printed}; "
                    f"here the value is {exact}.",
                )
            )
    return out


# -- the table of every value ----------------------------------------------------------------------


def values_table(tr: Trace, d: int, only: int | None = None) -> dict[str, Any]:
    """Every value of the iteration; of sample ``only`` alone if it is given."""
    s = tr.before
    lab = s.labels
    shown = range(s.n_samples) if only is None else (only,)

    def f(x: Any) -> str:
        return number(float(x), d)

    neurons = []
    for li, n in enumerate(s.layers):
        for j in range(n):
            for k in shown:
                up = tr.backward.upstream[li]
                neurons.append(
                    {
                        "layer": li,
                        "name": lab.neurons[li][j],
                        "sample": k + 1,
                        "net": f(tr.forward.net_inputs[li - 1][k, j]) if li else "",
                        "out": f(tr.forward.activations[li][k, j]),
                        "dout": f(up[k, j]) if up is not None else "",
                        "delta": f(tr.backward.deltas[li - 1][k, j]) if li else "",
                        "target": f(s.targets[k, j]) if li == len(s.layers) - 1 else "",
                    }
                )
    weights = []
    for li, W in enumerate(s.weights):
        for j in range(W.shape[1]):
            for i in range(W.shape[0]):
                weights.append(
                    {
                        "name": lab.weights[li][i][j],
                        "src": lab.neurons[li][i],
                        "dst": lab.neurons[li + 1][j],
                        "value": f(W[i, j]),
                        "grad": f(tr.backward.weight_grads[li][i, j]),
                        "new": f(tr.after.weights[li][i, j]),
                    }
                )
    biases = []
    for li, b in enumerate(s.biases):
        for j in range(b.shape[0]):
            biases.append(
                {
                    "name": lab.biases[li][j],
                    "dst": lab.neurons[li + 1][j],
                    "value": f(b[j]),
                    "grad": f(tr.backward.bias_grads[li][j]),
                    "new": f(tr.after.biases[li][j]),
                }
            )
    note = ""
    if only is not None:
        rows = sum(s.layers) * s.n_samples
        note = (
            f"Sample {only + 1} of {s.n_samples:,} only: every sample would be {rows:,} rows. "
            "Choose another sample above the diagram."
        )
    return {
        "neurons": neurons,
        "weights": weights,
        "biases": biases,
        "samples": s.n_samples,
        "note": note,
    }


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
        return error_page(request, str(e), 400)
    errors: dict[str, str] = {}
    new = state
    if granularity is not None:
        if granularity not in GRANULARITIES:
            errors["granularity"] = f"granularity: must be one of {', '.join(GRANULARITIES)}"
        else:
            cursor = map_cursor(request, state, cursor, granularity)
            new = replace(new, granularity=granularity)
    if precision is not None:
        p = precision.strip()
        if not is_whole(p) or not MIN_DECIMALS <= int(p) <= MAX_DECIMALS:
            errors["precision"] = (
                f"decimals: must be a whole number from {MIN_DECIMALS} to {MAX_DECIMALS}"
            )
        else:
            new = replace(new, precision=int(p))
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
            request, state, parse_at(at), status=422, errors=errors, values=values
        )
    return explorer_response(request, new, cursor, changed=True)


def map_cursor(request: Request, state: PageState, at: int, granularity: str) -> int:
    """The step of the other granularity that shows the same moment of the iteration."""
    settings = _settings(request)
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
    return explorer_response(request, state, cursor)


async def _post_state(request: Request) -> tuple[PageState, int, dict[str, str]]:
    form = await _form(request)
    state = _state_from(request, form.get("s"))
    return state, parse_at(form.get("at")), form


Action = Callable[[Request, PageState, int, dict[str, str]], Response]


def _action(act: Action) -> Callable[[Request], Awaitable[Response]]:
    """A control's POST: the posted state and step read (a 400 page if they cannot be), then
    ``act(request, state, at, form)`` in the thread pool, as the GET pages run (training may
    take up to TRAIN_TIME_LIMIT: other requests go on meanwhile). The route sees a plain
    ``request`` handler."""

    async def handler(request: Request) -> Response:
        try:
            state, at, form = await _post_state(request)
        except StateError as e:
            return error_page(request, f"This page's state cannot be read: {e}.", 400)
        return await run_in_threadpool(act, request, state, at, form)

    handler.__name__, handler.__doc__ = act.__name__, act.__doc__
    return handler


@router.post("/explore/edit")
@_action
def explore_edit(request: Request, state: PageState, at: int, form: dict[str, str]) -> Response:
    fields = {k: v for k, v in form.items() if k not in ("s", "at")}
    try:
        new = apply_edit(state, fields)
    except EditError as e:
        return explorer_response(
            request, state, at, status=422, errors={e.field: e.message}, values=fields
        )
    return explorer_response(request, new, at, changed=True)


@router.post("/explore/architecture")
@_action
def explore_architecture(
    request: Request, state: PageState, at: int, form: dict[str, str]
) -> Response:
    try:
        new = apply_architecture(state, form.get("op", ""))
    except EditError as e:
        return explorer_response(request, state, -1, status=422, errors={"architecture": e.message})
    return explorer_response(request, new, -1, changed=True)


@router.post("/explore/finish")
@_action
def explore_finish(request: Request, state: PageState, at: int, form: dict[str, str]) -> Response:
    try:
        new = finish(state)
    except EditError as e:
        return explorer_response(request, state, at, status=422, errors={"update": e.message})
    return explorer_response(request, new, -1, changed=True)


@router.post("/explore/replay")
@_action
def explore_replay(request: Request, state: PageState, at: int, form: dict[str, str]) -> Response:
    """The preset's iterations again with the other update order (a figure's note offers it)."""
    try:
        new = replay(state, form.get("order", ""), _settings(request).train_time_limit)
    except EditError as e:
        return explorer_response(request, state, at, status=422, errors={e.field: e.message})
    return explorer_response(request, new, at, changed=True)


@router.post("/explore/train")
@_action
def explore_train(request: Request, state: PageState, at: int, form: dict[str, str]) -> Response:
    settings = _settings(request)
    raw = form.get("iterations", "").strip().replace(",", "").replace("_", "")
    top = settings.max_train_iterations
    if not is_whole(raw) or not 1 <= int(raw) <= top:
        return explorer_response(
            request,
            state,
            at,
            status=422,
            errors={"iterations": f"iterations: must be a whole number from 1 to {top:,}"},
            values={"iterations": form.get("iterations", "")},
        )
    try:
        new = train_state(state, int(raw), settings.train_time_limit)
    except EditError as e:
        return explorer_response(
            request,
            state,
            at,
            status=422,
            errors={"iterations": e.message},
            values={"iterations": raw},
        )
    return explorer_response(request, new, -1, changed=True)
