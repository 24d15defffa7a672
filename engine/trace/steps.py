"""What the trace is made of (a step, its factors, the whole trace) and what both granularities
share: the builder's frame (which steps in which order), names, and formula pieces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..expr import Expr, Frac, Mat, Num, Sym, d, sym
from ..losses import LOSSES
from ..propagation import Backward, Forward
from ..scenario import Scenario

F64 = NDArray[np.float64]

GRANULARITIES = ("neuron", "layer")
PHASES = ("forward", "loss", "backward", "update")
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")  # a number of samples: 1/4, Σ… (not a layer)


@dataclass(frozen=True)
class Factor:
    """One factor of a chain-rule product: its symbol and its value."""

    name: str
    symbol: Expr
    value: float


@dataclass(frozen=True)
class TraceStep:
    """One micro-step. ``value`` is a float (neuron steps, one sample), a list over samples
    (neuron steps of a batch) or a nested list (layer steps). ``covers`` lists the neuron-level
    quantities a layer step holds (the step's own quantity at neuron granularity)."""

    index: int
    phase: str
    kind: str
    quantity: str
    title: str
    formula: Expr
    substituted: Expr
    value: Any
    factors: tuple[Factor, ...] = ()
    neurons: tuple[tuple[int, int], ...] = ()
    weights: tuple[tuple[int, int, int], ...] = ()
    biases: tuple[tuple[int, int], ...] = ()
    covers: tuple[str, ...] = ()
    # the quantity as the formulas write it (net_h1 → net with subscript h1, W2⁺ → W⁽²⁾⁺, the
    # error in the labels' name): ``quantity`` is the step's name as an identifier
    symbol: Expr = Sym("")


@dataclass(frozen=True)
class Trace:
    granularity: str
    before: Scenario
    after: Scenario
    forward: Forward
    backward: Backward
    steps: tuple[TraceStep, ...]


class Steps:
    def __init__(self, s: Scenario, fwd: Forward, bwd: Backward, after: Scenario) -> None:
        self.s, self.fwd, self.bwd, self.after = s, fwd, bwd, after
        self.L = len(s.weights)
        self.S = s.n_samples
        self.lab = s.labels
        self.steps: list[TraceStep] = []

    def add(self, **kw: Any) -> None:
        self.steps.append(TraceStep(index=len(self.steps), **kw))

    def build(self) -> list[TraceStep]:
        self.forward_steps()
        self.loss_steps()
        for layer in range(self.L - 1, -1, -1):
            self.backward_layer(layer)
            if self.s.update_order == "output_first":
                self.update_layer(layer)
        self.input_steps()
        if self.s.update_order == "simultaneous":
            for layer in range(self.L - 1, -1, -1):
                self.update_layer(layer)
        return self.steps

    # names
    def neuron(self, layer: int, j: int) -> str:
        return self.lab.neurons[layer][j]

    def net(self, layer: int, j: int) -> str:
        return f"{self.lab.net}{self.neuron(layer, j)}"

    def out(self, layer: int, j: int) -> str:
        return self.neuron(layer, j) if layer == 0 else f"{self.lab.out}{self.neuron(layer, j)}"

    @property
    def cost(self) -> Sym:
        """The error as the labels name it: E, or document 000's C."""
        return Sym(self.lab.cost)

    def dE(self, by: Expr | str) -> Frac:
        """∂E/∂by, the error in the labels' name."""
        return d(self.cost, sym(by) if isinstance(by, str) else by)

    def target(self, k: int) -> Sym:
        """Output k's target: t_o1; a name without "_" (document 000's y) alone for one output."""
        name, nk = self.lab.target, self.neuron(self.L, k)
        if name.endswith("_") or len(self.lab.neurons[self.L]) > 1:
            return indexed(name.rstrip("_") or "t", nk)
        return Sym(name)

    @property
    def targets(self) -> Sym:
        """The targets' matrix: T, or Y for document 000's y."""
        return Sym(matrix_name(self.lab.target))

    def forward_steps(self) -> None: ...
    def loss_steps(self) -> None: ...
    def backward_layer(self, layer: int) -> None: ...
    def input_steps(self) -> None: ...
    def update_layer(self, layer: int) -> None: ...

    def _loss_tree(self) -> Expr:
        """The loss of one sample in symbols: ½ Σ_k (t_k − o_k)²."""
        tree = LOSSES[self.s.loss].tree
        assert tree is not None  # every loss has one (tests/engine/test_rules.py)
        return tree(Sym(self.lab.target.rstrip("_") or "t", "k"), Sym("o", "k"))

    def _squared(self) -> tuple[list[Expr | str], list[Expr | str]] | None:
        """For a squared loss, c in L = c · Σ_k (t_k − o_k)² and 2c in ∂L/∂o_k = 2c · (o_k − t_k),
        as formula pieces (empty for 1); None for the other losses."""
        text = LOSSES[self.s.loss].square_text
        if text is None:
            return None
        loss, slope = text(self.fwd.outputs.shape[1])
        return ([loss, "·"] if loss else []), ([slope, "·"] if slope else [])

    def _derivative(self, o: Expr, t: Expr) -> list[Expr | str]:
        """∂E/∂o of a squared loss in symbols, what cancels shown: ½ · 2 · (o − t) = (o − t);
        with a batch's 1/n before it. Empty for the other losses."""
        squared, slope = self._squared(), self._loss_slope()
        if squared is None or slope is None:
            return []
        scale: list[Expr | str] = [Frac(Num(1), Num(self.S)), "·"] if self.S > 1 else []
        simple = [*slope, "(", o, "−", t, ")"]
        if not squared[0]:  # Σ (t − o)²: 2 · (o − t), nothing cancels
            return simple
        return [*scale, *squared[0], Num(2), "·", "(", o, "−", t, ")", "=", *simple]

    def _loss_slope(self) -> list[Expr | str] | None:
        """The factor before (o − t) in ∂E/∂o for the squared losses (the 1/n of the batch
        mean included); None for the losses whose derivative is not of that form."""
        squared = self._squared()
        if squared is None:
            return None
        scale: list[Expr | str] = [Frac(Num(1), Num(self.S)), "·"] if self.S > 1 else []
        return scale + squared[1]


def _v(a: F64) -> Any:
    """A per-sample column as a float (one sample) or a list over samples."""
    return float(a[0]) if a.shape[0] == 1 else [float(x) for x in a]


def matrix_name(target: str) -> str:
    """The targets' matrix from the target's label: T for t_, Y for y; a word (document 002's
    actual) stays as it is."""
    base = target.rstrip("_") or "t"
    return base.upper() if len(base) == 1 else base


def indexed(base: str, neuron: str) -> Sym:
    """A per-neuron quantity: δ_o1; of a neuron named as a layer, "(L)", δ⁽ᴸ⁾ (document 000)."""
    if len(neuron) > 2 and neuron[0] == "(" and neuron[-1] == ")":
        return Sym(base, layer=neuron[1:-1])
    return Sym(base, neuron)


def _d(num: str, den: str) -> Frac:
    """∂num/∂den of two labels (∂out_o1/∂net_o1)."""
    return d(sym(num), sym(den))


def _plus(name: str) -> Sym:
    """The symbol of a parameter's new value: w5 → w₅⁺."""
    s = sym(name)
    return Sym(s.base, s.sub, "+", s.layer)


def _interleave(items: list[Expr], op: str = "·") -> list[Expr | str]:
    out: list[Expr | str] = []
    for k, e in enumerate(items):
        out += ([] if k == 0 else [op]) + [e]
    return out


def _mat(a: F64) -> Mat:
    a2 = np.atleast_2d(a)
    return Mat(tuple(tuple(float(x) for x in r) for r in a2))
