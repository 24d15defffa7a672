"""The view model: everything the explorer's templates show for a state and a cursor
(``build_view``), from the trace and what the app's cache derived from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from fastapi import Request
from markupsafe import Markup

from engine import GRANULARITIES, PRESETS, Scenario, Trace, TraceStep, forward
from engine.activations import ACTIVATIONS
from engine.expr import Expr, row
from engine.losses import LOSSES
from engine.scenario import UPDATE_ORDERS

from ..caches import DerivedCache, Memo, TraceBundle
from ..render import diagram, formula_wrap, mathml, names
from ..render.diagram import Chart, Diagram
from ..render.formatting import (
    MAX_DECIMALS,
    MIN_DECIMALS,
    css_class,
    flat,
    number,
    precision_words,
)
from ..settings import Settings
from .budget import RenderSlots, table_sample
from .edit_form import (
    BiasField,
    bias_cells,
    bias_fields,
    exact_text,
    field_text,
    is_rounded,
    split_biases,
)
from .on_demand import lazy_part, requested_open
from .state import (
    PREVIOUS_STEP,
    PageState,
    hidden_activations,
    origin_state,
    previous_state,
    url,
)
from .teaching import (
    ORDER_REMARK,
    PHASE_NAMES,
    PHASES,
    STOP_REASONS,
    FigureView,
    explain,
    factor_meaning,
    figures_for,
)
from .timeline import (
    TIMELINE_LOOKS,
    TIMELINE_STEP_BYTES,
    Timeline,
    TimelineGroup,
    look,
    timeline_groups,
    timeline_of,
)
from .web import root, settings_of, templates_of


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
    train_stop: str  # "stop when E < …": the last run's, or the example's criterion, or ""
    max_train: int
    announce: str
    title: str
    explain: str
    order_remark: str
    stopped: str
    env: Any = None  # the Jinja environment, for the cached fragments
    root: str = ""
    open_parts: frozenset[str] = frozenset()  # lazy parts the page has open (on_demand.py)
    # drawn for a step's answer (``step_parts``): the parts a step changes alone
    parts_only: bool = False

    @property
    def draws_steady(self) -> bool:
        """Whether the controls no step changes are drawn (the share panel's exports, embed
        options and load form): not for a step's answer, which would cut them away (a 2-2-2
        click's render saves 0.2 ms)."""
        return not self.parts_only

    # formatting helpers for the templates
    def f(self, x: float) -> str:
        return number(x, self.d)

    def cls(self, x: float) -> str:
        return css_class(x)

    def math(self, e: Any, wrap: bool = False) -> Markup:
        return mathml.render(e, self.d, wrap=wrap)

    def math_wrap(self, e: Any) -> Markup:
        """A formula that wraps at its operators to fit its panel (``formula_wrap``)."""
        return formula_wrap.render(e, self.d)

    def sym(self, name: Expr | str) -> Markup:
        """A step's symbol, or a neuron-level quantity's name, as inline MathML."""
        return mathml.symbol(name, self.scenario.labels.cost)

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
        rendered once per state while stepping, and afresh while a refused value is shown. A
        large network's parts on demand (on_demand.py) also follow which are open, and their
        links without JavaScript the cursor."""

        def render() -> Markup:
            return Markup(self.env.get_template(name).render(v=self, root=self.root))

        if self.errors or self.values or self.env is None:
            return render()
        lazy = (self.open_parts, self.at) if lazy_part(self) else ()
        return self.bundle.derived(("fragment", name, self.s, self.d, self.root, *lazy), render)

    def field(self, name: str, current: float | str) -> str:
        """What an edit field holds: what the learner typed (after a refusal), else the value."""
        if name in self.values:
            return self.values[name]
        if isinstance(current, str):
            return current
        return field_text(current, self.d)

    def bias_fields(self, layer: int) -> list[BiasField]:
        return bias_fields(self.scenario, layer)

    def bias_cells(self, layer: int) -> list[tuple[int, BiasField]]:
        return bias_cells(self.scenario, layer)

    def split_biases(self, layer: int) -> str:
        return split_biases(self.scenario, layer)

    def exact_values(self, layer: int | None) -> list[tuple[str, str]]:
        """The exact values of the fields of a weight layer's table (``None``: the data table
        and the learning rate) that show them rounded, as (name, value)."""
        s, d = self.scenario, self.d
        lab = s.labels
        if layer is None:
            pairs = [("η", s.learning_rate)]
            pairs += [
                (f"{lab.neurons[0][i]}, sample {k + 1}", x)
                for k, row in enumerate(s.inputs)
                for i, x in enumerate(row)
            ]
            pairs += [
                (f"target {lab.neurons[-1][j]}, sample {k + 1}", x)
                for k, row in enumerate(s.targets)
                for j, x in enumerate(row)
            ]
        else:
            W = s.weights[layer]
            pairs = [
                (lab.weights[layer][i][j], W[i, j])
                for i in range(W.shape[0])
                for j in range(W.shape[1])
            ]
            pairs += [(f.label, s.biases[layer][f.members[0]]) for f in self.bias_fields(layer)]
        return [(name, exact_text(x)) for name, x in pairs if is_rounded(x, d)]

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
    def precision_words(self) -> str:
        return precision_words(self.d)

    @property
    def n_steps(self) -> int:
        return len(self.tr.steps)

    @property
    def phase(self) -> str:
        return self.step.phase if self.step else "start"

    @property
    def phase_name(self) -> str:
        return PHASE_NAMES[self.step.phase] if self.step else ""

    @cached_property
    def chart(self) -> Chart:
        """The loss over the iterations trained (drawn by a page, not by a step's parts)."""
        loss = float(self.tr.forward.loss)
        return diagram.loss_chart(self.state.history, self.state.iteration, loss, self.d)

    @cached_property
    def timeline(self) -> Timeline:
        return timeline_of(self.bundle)

    def timeline_groups(self) -> list[TimelineGroup]:
        return timeline_groups(self.bundle, self.at)

    def reaches(self, at: int) -> bool:
        """Whether the timeline's button for step ``at`` may be pressed (a locked embed's may
        not, outside its lock)."""
        return True

    def timeline_step(self, i: int) -> Markup:
        """Step ``i``'s button on the timeline (``_timeline_step.html``; its name starts with
        the step's symbol), rendered once per trace and look: current, done or ahead, and
        whether it may be pressed."""
        kind = look(self.at, i)
        disabled = not self.reaches(i)

        def render() -> Markup:
            step = self.env.get_template("_timeline_step.html").module.step
            return Markup(step(i, self.tr.steps[i], self.timeline.labels[i], kind, disabled))

        return self._timeline_buttons.get((i, kind, disabled), render)

    def timeline_start(self) -> Markup:
        """The timeline's Start button (``_timeline_step.html``)."""
        start = self.env.get_template("_timeline_step.html").module.start
        return Markup(start(self.at < 0, not self.reaches(-1)))

    def timeline_group(self, g: TimelineGroup) -> Markup:
        """A phase of the timeline (``_timeline_group.html``): the cursor's rendered at each
        click, another's kept in the trace's bundle by how its buttons look (all done or all
        ahead, and which may be pressed): a click renders one phase of the timeline."""

        def render() -> Markup:
            return Markup(self.env.get_template("_timeline_group.html").module.group(self, g))

        if g.current:
            return render()
        shown = [i for i in g.shown if i is not None]
        looks = (tuple(i < self.at for i in shown), tuple(self.reaches(i) for i in shown))
        return self.bundle.derived(("timeline group", g, looks), render)

    @cached_property
    def _timeline_buttons(self) -> Memo[tuple[int, str, bool], Markup]:
        n = len(self.tr.steps)
        return self.bundle.derived(
            ("timeline steps",),
            lambda: Memo(TIMELINE_LOOKS * n, TIMELINE_STEP_BYTES),
            lambda memo: memo.nbytes,
        )

    @property
    def preset(self) -> Any:
        pid = self.state.preset_id
        return PRESETS[pid] if pid else None

    def values_table(self) -> dict[str, Any]:
        return values_table(self.tr, self.d, table_sample(self.scenario, self.state.sample))

    @property
    def factors_heading(self) -> str:
        """The title of the step's table of factors: an update's, or the chain rule's."""
        if self.step is not None and self.step.kind in ("weight_update", "bias_update"):
            return "The step, weight by weight"
        return "The chain rule, factor by factor"

    def factor_meaning(self, name: str) -> Markup:
        return factor_meaning(name, self.scenario.labels.cost)

    def factor_product(self, step: TraceStep) -> Markup:
        """The chain rule's product in symbols: ∂E/∂out_o1 × ∂out_o1/∂net_o1 × …"""
        items: list[Expr | str] = []
        for k, fa in enumerate(step.factors):
            items += ([] if k == 0 else ["×"]) + [fa.symbol]
        return mathml.render(row(*items), self.d, display=False)


def pictures(v: View) -> dict[str, tuple[Diagram, str]]:
    """The view's pictures by their ids in the page, with their classes
    (templates/_diagram.html)."""
    found = {"diagram-svg": (v.diagram, "diagram-wide")}
    if v.diagram_narrow is not None:
        found["diagram-svg-narrow"] = (v.diagram_narrow, "diagram-narrow")
    return found


def step_parts(v: View) -> View:
    """The view as a step's answer draws it (partial.py): the parts a step changes alone
    (``_explorer.html`` leaves the rest out), its pictures' outlines alone (their pieces are
    drawn by what changed)."""
    narrow = v.diagram_narrow
    return replace(
        v,
        diagram=replace(v.diagram, drawn=False),
        diagram_narrow=replace(narrow, drawn=False) if narrow is not None else None,
        parts_only=True,
    )


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
    return derived_cache(request).traced(state.scenario, granularity, state.scenario_key)


def build_trace(request: Request, state: PageState, granularity: str) -> Trace:
    return trace_bundle(request, state, granularity).trace


def build_view(
    request: Request,
    state: PageState,
    at: int,
    errors: dict[str, str],
    values: dict[str, str],
    bundle: TraceBundle | None = None,  # the state's, at hand (another step of the same view)
) -> View:
    settings = settings_of(request)
    gran, refusal = effective_granularity(state, settings)
    bundle = bundle or trace_bundle(request, state, gran)
    tr = bundle.trace
    steps = tr.steps
    at = max(-1, min(at, len(steps) - 1))
    step = steps[at] if at >= 0 else None
    d = state.precision
    narrow = _narrow(bundle, state, at, step)
    loss = float(tr.forward.loss)
    prev, nxt, next_phase = _navigation(bundle, at, step, previous_state(state) is not None)
    loss_after, loss_previous = _losses_around(state, tr, step)
    words = _step_words(state, at, len(steps), step)
    return View(
        env=templates_of(request).env,
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
        diagram=diagram.build(bundle, at, d, state.sample, step),
        diagram_narrow=narrow,
        prev=prev,
        next=nxt,
        next_phase=next_phase,
        loss=number(loss, d),
        loss_cls=css_class(loss),
        loss_after=loss_after,
        loss_previous=loss_previous,
        figures=tuple(figures_for(state, step, d)),
        errors=errors,
        values=values,
        reset_url=root(request) + url(origin_state(state)),
        train_default=_train_default(state),
        train_stop=_train_stop(state),
        max_train=settings.max_train_iterations,
        announce=words["announce"],
        title=words["title"],
        explain=words["explain"],
        order_remark=words["order_remark"],
        stopped=words["stopped"],
        open_parts=requested_open(request),
    )


def _narrow(
    bundle: TraceBundle, state: PageState, at: int, step: TraceStep | None
) -> Diagram | None:
    """The layers top to bottom, for a phone: a small network's second picture."""
    if not diagram.has_narrow(state.scenario.layers):
        return None
    return diagram.build(bundle, at, state.precision, state.sample, step, vertical=True)


def _navigation(
    bundle: TraceBundle, at: int, step: TraceStep | None, has_previous: bool
) -> tuple[Nav, Nav, Nav]:
    """Previous (from the start: the last step of the iteration before, where the state keeps
    it), next, and the first step of the next phase (from the last phase: the first update,
    disabled): each phase's first step read from the timeline, made once per trace."""
    steps = bundle.trace.steps
    phase_idx = PHASES.index(step.phase) if step else 0
    firsts = {phase: members[0] for phase, members in timeline_of(bundle).phases}
    later = [i for phase, i in firsts.items() if PHASES.index(phase) > phase_idx]
    nxt_phase = min(later) if later else None
    first_update = firsts.get("update", len(steps) - 1)
    return (
        Nav(at - 1, "Previous step", disabled=at < 0)
        if at >= 0 or not has_previous
        else Nav(PREVIOUS_STEP, "Previous step"),
        Nav(at + 1, "Next step", disabled=at >= len(steps) - 1),
        Nav(
            nxt_phase if nxt_phase is not None else first_update,
            "Next phase",
            disabled=nxt_phase is None,
        ),
    )


def _losses_around(
    state: PageState, tr: Trace, step: TraceStep | None
) -> tuple[str | None, str | None]:
    """The loss one iteration ago, and after the update once an update step is shown."""
    d = state.precision
    previous = dict(state.history).get(state.iteration - 1)
    loss_after = None
    if step is not None and step.phase == "update":
        with np.errstate(all="ignore"):
            loss_after = number(forward(tr.after).loss, d)
    loss_previous = number(previous, d) if previous is not None and state.iteration > 0 else None
    return loss_after, loss_previous


def _train_default(state: PageState) -> int:
    """What the learner asked for last, else a run long enough to see the curve bend."""
    if state.trained is not None:
        return state.trained.asked
    return 10_000 if state.preset_id == "sigmoid-2-2-2" else 1_000


# the stopping criterion an example's text promises: its training panel offers it
TRAIN_STOP = {"batch-xor": 0.01}


def _train_stop(state: PageState) -> str:
    if state.trained is not None:
        below = state.trained.below
        return "" if below is None else field_text(below, MAX_DECIMALS)
    stop = TRAIN_STOP.get(state.preset_id or "")
    return "" if stop is None else field_text(stop, MAX_DECIMALS)


def _step_words(state: PageState, at: int, n_steps: int, step: TraceStep | None) -> dict[str, str]:
    """The step's title, its announcement to screen readers, what it means, and the remarks on
    the update order and on why training stopped."""
    d = state.precision
    order_remark = ""
    if (
        step is not None
        and state.scenario.update_order == "output_first"
        and step.kind == "output_gradient"
        and step.weights
    ):
        order_remark = ORDER_REMARK
    stopped = ""
    if state.trained is not None and state.trained.stopped != "iterations":
        reason = STOP_REASONS.get(state.trained.stopped, state.trained.stopped)
        if state.trained.stopped == "stop_below" and state.trained.below is not None:
            cost, below = state.scenario.labels.cost, number(state.trained.below, MAX_DECIMALS)
            reason = f"the loss {cost} fell below {below}"
        stopped = (
            f"Training stopped after {state.trained.run:,} of {state.trained.asked:,} "
            f"iterations: {reason}."
        )
    return {
        "announce": f"Step {at + 1} of {n_steps}: {step.title} = {_value_words(step.value, d)}"
        if step
        else f"Iteration {state.iteration + 1:,}: ready to start",
        "title": step.title if step is not None else f"Start of iteration {state.iteration + 1:,}",
        "explain": explain(step, state.scenario.labels.cost) if step else "",
        "order_remark": order_remark,
        "stopped": stopped,
    }


def _value_words(value: Any, d: int) -> str:
    if isinstance(value, int | float):
        return number(value, d)
    n = len(flat(value))
    return f"{n} values" if n > 1 else number(flat(value)[0], d)


# -- the table of every value ----------------------------------------------------------------------


def values_table(tr: Trace, d: int, only: int | None = None) -> dict[str, Any]:
    """Every value of the iteration; of sample ``only`` alone if it is given."""
    s = tr.before
    lab = s.labels
    shown = range(s.n_samples) if only is None else (only,)

    def f(x: Any) -> str:
        return number(float(x), d)

    note = ""
    if only is not None:
        rows = sum(s.layers) * s.n_samples
        note = (
            f"Sample {only + 1} of {s.n_samples:,} only: every sample would be {rows:,} rows. "
            "Choose another sample above the diagram."
        )
    return {
        "neurons": _neuron_rows(tr, f, shown),
        "weights": _weight_rows(tr, f),
        "biases": _bias_rows(tr, f),
        "samples": s.n_samples,
        "note": note,
        "cost": lab.cost,  # the headers' names: ∂E/∂out, or document 000's ∂C/∂a
        "out": lab.out.rstrip("_") or "out",
    }


def _neuron_rows(tr: Trace, f: Callable[[Any], str], shown: Iterable[int]) -> list[dict[str, Any]]:
    """Each neuron's net input, output, ∂E/∂out, delta and target, per sample shown."""
    s = tr.before
    lab = s.labels
    rows = []
    for li, n in enumerate(s.layers):
        up = tr.backward.upstream[li]
        for j in range(n):
            for k in shown:
                rows.append(
                    {
                        "layer": li,
                        "name": names.neuron_html(lab.neurons[li][j]),
                        "sample": k + 1,
                        "net": f(tr.forward.net_inputs[li - 1][k, j]) if li else "",
                        "out": f(tr.forward.activations[li][k, j]),
                        "dout": f(up[k, j]) if up is not None else "",
                        "delta": f(tr.backward.deltas[li - 1][k, j]) if li else "",
                        "target": f(s.targets[k, j]) if li == len(s.layers) - 1 else "",
                    }
                )
    return rows


def _weight_rows(tr: Trace, f: Callable[[Any], str]) -> list[dict[str, Any]]:
    """Each weight (column by column, as the documents list them): value, gradient, new value."""
    lab = tr.before.labels
    return [
        {
            "name": names.label_html(lab.weights[li][i][j]),
            "src": names.neuron_html(lab.neurons[li][i]),
            "dst": names.neuron_html(lab.neurons[li + 1][j]),
            "value": f(W[i, j]),
            "grad": f(tr.backward.weight_grads[li][i, j]),
            "new": f(tr.after.weights[li][i, j]),
        }
        for li, W in enumerate(tr.before.weights)
        for j in range(W.shape[1])
        for i in range(W.shape[0])
    ]


def _bias_rows(tr: Trace, f: Callable[[Any], str]) -> list[dict[str, Any]]:
    lab = tr.before.labels
    return [
        {
            "name": names.label_html(lab.biases[li][j]),
            "dst": names.neuron_html(lab.neurons[li + 1][j]),
            "value": f(b[j]),
            "grad": f(tr.backward.bias_grads[li][j]),
            "new": f(tr.after.biases[li][j]),
        }
        for li, b in enumerate(tr.before.biases)
        for j in range(b.shape[0])
    ]
