"""A printable worked solution: one iteration as a handout.

    GET /export/worked?s=… (or ?preset=…)

The network and its numbers, then each phase on its own page: the diagram once (as the phase
leaves it), and every step's formula in symbols, with the numbers substituted, and the result,
in the document's names (the trace's labels), at the page's decimals. MathML as in the
explorer; ``static/css/worked.css`` lays it out for A4 or Letter, with no controls in print.
The same view feeds the LaTeX version (``app/export/latex.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from markupsafe import Markup

from engine import PRESETS, Trace, TraceStep
from engine.activations import ACTIVATIONS
from engine.expr import Expr, Mat, Num
from engine.losses import LOSSES

from ..explorer import pages
from ..explorer.state import PageState
from ..render import diagram, formula_wrap, mathml
from ..render.formatting import number
from ..render.words import plain
from .source import SourceError, page_state

router = APIRouter()

PHASES = ("forward", "loss", "backward", "update")
PHASE_INTRO = {
    "forward": "Each neuron's net input (the weighted sum of the layer below, plus its bias), "
    "then its activation, layer by layer.",
    "loss": "How far the outputs are from the targets.",
    "backward": "The chain rule from the error back to every weight: deltas, then gradients.",
    "update": "Every weight moves a step against its gradient.",
}


def _titled(title: str) -> str:
    """A rule's title as its name and its formula in brackets: ReLU (max(0, z))."""
    name, _, formula = title.partition(", ")
    return f"{name} ({formula})" if formula else name


@dataclass(frozen=True)
class Phase:
    name: str
    title: str
    intro: str
    last: int  # the index of its last step (the diagram shows the network as it leaves it)
    steps: tuple[TraceStep, ...]


@dataclass(frozen=True)
class ParamRow:
    name: str
    source: str
    target: str
    value: float


@dataclass(frozen=True)
class Worked:
    """Everything the handout shows; the templates only lay it out."""

    state: PageState
    trace: Trace
    decimals: int
    document: str
    phases: tuple[Phase, ...]
    weights: tuple[ParamRow, ...]
    biases: tuple[ParamRow, ...]

    @property
    def scenario(self) -> Any:
        return self.state.scenario

    @property
    def layer(self) -> bool:
        return self.trace.granularity == "layer"

    def f(self, x: float) -> str:
        return number(x, self.decimals)

    def rules(self) -> list[str]:
        s = self.scenario
        acts = ", ".join(
            _titled(ACTIVATIONS[a].title) if a not in s.activations[:k] else ACTIVATIONS[a].named
            for k, a in enumerate(s.activations)
        )
        return [
            f"Network {'-'.join(map(str, s.layers))}, {s.n_samples} sample"
            + ("s" if s.n_samples > 1 else ""),
            f"Activations, layer by layer: {acts}",
            f"Loss: {_titled(LOSSES[s.loss].title)} per sample, the mean over samples",
            f"Learning rate η = {self.f(s.learning_rate)}; biases "
            + ("updated" if s.update_biases else "kept as they are"),
            "Update order: "
            + (
                "every gradient from the weights before the step (simultaneous)"
                if s.update_order == "simultaneous"
                else "each layer updated before its deltas go back through it (output first)"
            ),
        ]

    def math(self, e: Expr, wrap: bool = True) -> Markup:
        """``wrap``: the line may wrap at its operators (``formula_wrap``)."""
        return formula_wrap.render(e, self.decimals) if wrap else mathml.render(e, self.decimals)

    def sym(self, name: Expr | str) -> Markup:
        return mathml.symbol(name, self.scenario.labels.cost)

    def said(self, name: str) -> str:
        """A weight's or bias's name read as plain Unicode (b_h1 → bₕ₁), where the page draws
        MathML that a reader does not hear (a row's header must have text: axe counts no
        MathML)."""
        return plain(name)

    def value_math(self, st: TraceStep) -> Markup:
        return mathml.render(value_expr(st), self.decimals, display=False)

    def diagram_svg(self, at: int, svg_id: str) -> Markup:
        dia = diagram.build(self.trace, at, self.decimals, self.state.sample)
        return dia.svg(svg_id, "worked-diagram")


def value_expr(st: TraceStep) -> Expr:
    """A step's value as a formula's node: a number, a column over samples, a layer's biases
    as a row (as b is written), or a matrix."""
    v = st.value
    if not isinstance(v, list):
        return Num(float(v))
    if v and isinstance(v[0], list):
        return Mat(tuple(tuple(float(x) for x in row) for row in v))
    if st.kind in ("bias_gradient", "bias_update"):
        return Mat((tuple(float(x) for x in v),))
    return Mat(tuple((float(x),) for x in v))


def worked(request: Request, state: PageState) -> Worked:
    granularity, _ = pages.effective_granularity(state, request.app.state.settings)
    tr = pages.build_trace(request, state, granularity)
    phases = []
    for name in PHASES:
        steps = tuple(st for st in tr.steps if st.phase == name)
        if steps:
            title = pages.PHASE_NAMES[name]
            phases.append(Phase(name, title, PHASE_INTRO[name], steps[-1].index, steps))
    s, lab = state.scenario, state.scenario.labels
    weights = tuple(  # into each neuron in turn, as the timeline and the documents go
        ParamRow(lab.weights[layer][i][j], lab.neurons[layer][i], lab.neurons[layer + 1][j], w)
        for layer, W in enumerate(s.weights)
        for j, column in enumerate(W.T.tolist())
        for i, w in enumerate(column)
    )
    biases = tuple(
        ParamRow(lab.biases[layer][j], "", lab.neurons[layer + 1][j], b)
        for layer, vec in enumerate(s.biases)
        for j, b in enumerate(vec.tolist())
    )
    preset = PRESETS.get(state.preset_id or "")
    document = preset.document if preset and not state.edited else ""
    return Worked(state, tr, state.precision, document, tuple(phases), weights, biases)


def _render(request: Request, state: PageState) -> Response:
    return pages.render(request, "worked.html", {"w": worked(request, state)})


@router.get("/export/worked", include_in_schema=False)
async def export_worked(
    request: Request, s: str | None = None, preset: str | None = None
) -> Response:
    try:
        state = page_state(request, s, preset)
    except SourceError as e:
        return e.response
    return await run_in_threadpool(_render, request, state)
