"""What each step reveals on the diagram: ``reveal_index`` maps every quantity the diagram can
show to the index of the step that computes it, so that a value appears once the cursor reaches
that step."""

from __future__ import annotations

from engine import Trace, TraceStep

from ..caches import TraceBundle
from .geometry import NEVER

Key = tuple[object, ...]


def step_keys(step: TraceStep) -> list[Key]:
    """The diagram quantities a step computes: ("net", li, j), ("gw", li, i, j), ("loss",)…"""
    neurons = list(step.neurons)
    kind = step.kind
    if kind == "net_input":
        top = max(li for li, _ in neurons)
        return [("net", li, j) for li, j in neurons if li == top]
    if kind in ("activation", "error", "delta"):
        name = {"activation": "out", "error": "err", "delta": "delta"}[kind]
        return [(name, li, j) for li, j in neurons]
    if kind in ("output_gradient", "input_gradient"):
        low = min(li for li, _ in neurons)
        return [("dout", li, j) for li, j in neurons if li == low]
    if kind == "loss":
        return [("loss",)]
    if kind in ("weight_gradient", "weight_update"):
        name = "gw" if kind == "weight_gradient" else "nw"
        return [(name, *w) for w in step.weights]
    if kind in ("bias_gradient", "bias_update"):
        name = "gb" if kind == "bias_gradient" else "nb"
        return [(name, *b) for b in step.biases]
    return []


def reveal_index(tr: Trace | TraceBundle) -> dict[Key, int]:
    """For every quantity the diagram can show, the index of the step that computes it
    (worked out once per trace: every click on the same iteration asks again)."""
    bundle = tr if isinstance(tr, TraceBundle) else TraceBundle(tr)
    return bundle.derived(("reveal",), lambda: _reveal_index(bundle.trace))


def _reveal_index(tr: Trace) -> dict[Key, int]:
    out: dict[Key, int] = {}
    has_bias_steps = any(s.kind == "bias_gradient" for s in tr.steps)
    for step in tr.steps:
        for key in step_keys(step):
            out.setdefault(key, step.index)
            # at neuron granularity a bias's gradient is its neuron's delta (summed over samples)
            if key[0] == "delta" and tr.before.update_biases and not has_bias_steps:
                li, j = key[1], key[2]
                assert isinstance(li, int)
                out.setdefault(("gb", li - 1, j), step.index)
    return out


def when(reveal: dict[Key, int], key: Key) -> int:
    """The index of the step that shows the value (``NEVER`` if none does)."""
    k = reveal.get(key)
    return NEVER if k is None else k
