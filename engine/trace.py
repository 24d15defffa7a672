"""The trace: the ordered micro-steps of one training iteration, read from the engine's arrays.

Two granularities: ``neuron`` (one scalar per step, as the 2-2-2 document works it) and
``layer`` (one matrix step per layer, as the 2-2-1 document and batches read). Every value, and
every number substituted into a formula, is read from the arrays of ``forward``, ``backward``
and ``update``; nothing here recomputes the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import ACTIVATIONS
from .errors import EngineError
from .expr import Call, Expr, Frac, Mat, Num, Op, Row, Sum, Sym, row, sym
from .losses import LOSSES
from .propagation import QUIET, Backward, Forward, backward, update
from .scenario import Scenario

F64 = NDArray[np.float64]

GRANULARITIES = ("neuron", "layer")
PHASES = ("forward", "loss", "backward", "update")
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


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


@dataclass(frozen=True)
class Trace:
    granularity: str
    before: Scenario
    after: Scenario
    forward: Forward
    backward: Backward
    steps: tuple[TraceStep, ...]


def trace(s: Scenario, granularity: str = "neuron") -> Trace:
    """The micro-steps of one iteration of ``s`` at the given granularity."""
    if granularity not in GRANULARITIES:
        raise EngineError(f"must be one of {', '.join(GRANULARITIES)}", ("granularity",))
    fwd, bwd = backward(s)
    after = update(s, bwd)
    builder = _NeuronSteps if granularity == "neuron" else _LayerSteps
    with np.errstate(**QUIET):  # type: ignore[arg-type]  # η·∂E/∂w of a diverging step overflows
        steps = builder(s, fwd, bwd, after).build()
    return Trace(granularity, s, after, fwd, bwd, tuple(steps))


class _Steps:
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

    def forward_steps(self) -> None: ...
    def loss_steps(self) -> None: ...
    def backward_layer(self, layer: int) -> None: ...
    def input_steps(self) -> None: ...
    def update_layer(self, layer: int) -> None: ...

    def _squared(self) -> tuple[list[Expr | str], list[Expr | str]] | None:
        """For a squared loss, c in L = c · Σ_k (t_k − o_k)² and 2c in ∂L/∂o_k = 2c · (o_k − t_k),
        as formula pieces (empty for 1); None for the other losses."""
        K = self.fwd.outputs.shape[1]
        factors: dict[str, tuple[Expr | str | None, Expr | str | None]] = {
            "half_sse": ("½", None),
            "sse": (None, "2"),
            "mse": (f"1/{K}", Frac(Num(2), Num(K))),
        }
        if self.s.loss not in factors:
            return None
        loss, slope = factors[self.s.loss]
        return ([loss, "·"] if loss else []), ([slope, "·"] if slope else [])

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


def _d(num: str, den: str) -> Frac:
    return Frac(Sym("∂" + num), Sym("∂" + den))


class _NeuronSteps(_Steps):
    def per_sample(self, make: Any) -> Expr:
        """One substituted expression per sample: the expression itself for one sample."""
        if self.S == 1:
            return make(0)  # type: ignore[no-any-return]
        return Row(tuple(x for s in range(self.S) for x in ((Op(";") if s else Op("")), make(s))))

    def forward_steps(self) -> None:
        A, Z = self.fwd.activations, self.fwd.net_inputs
        for layer in range(self.L):
            W, b = self.s.weights[layer], self.s.biases[layer]
            act = ACTIVATIONS[self.s.activations[layer]]
            n_in = W.shape[0]
            for j in range(W.shape[1]):
                terms: list[Expr | str] = []
                for i in range(n_in):
                    terms += ([] if i == 0 else ["+"]) + [
                        sym(self.lab.weights[layer][i][j]),
                        "·",
                        sym(self.out(layer, i)),
                    ]
                terms += ["+", sym(self.lab.biases[layer][j])]

                def numbers(
                    s: int, layer: int = layer, j: int = j, W: F64 = W, b: F64 = b, n_in: int = n_in
                ) -> Expr:
                    items: list[Expr | str] = []
                    for i in range(n_in):
                        items += ([] if i == 0 else ["+"]) + [
                            Num(W[i, j]),
                            "×",
                            Num(A[layer][s, i]),
                        ]
                    return row(*items, "+", Num(b[j]), "=", Num(Z[layer][s, j]))

                self.add(
                    phase="forward",
                    kind="net_input",
                    quantity=self.net(layer + 1, j),
                    title=f"Net input of {self.neuron(layer + 1, j)}",
                    formula=row(sym(self.net(layer + 1, j)), "=", *terms),
                    substituted=self.per_sample(numbers),
                    value=_v(Z[layer][:, j]),
                    neurons=tuple((layer, i) for i in range(n_in)) + ((layer + 1, j),),
                    weights=tuple((layer, i, j) for i in range(n_in)),
                    biases=((layer, j),),
                )
                fn = act.name if act.name != "sigmoid" else "σ"
                self.add(
                    phase="forward",
                    kind="activation",
                    quantity=self.out(layer + 1, j),
                    title=f"Activation of {self.neuron(layer + 1, j)} ({act.name})",
                    formula=row(
                        sym(self.out(layer + 1, j)), "=", Call(fn, (sym(self.net(layer + 1, j)),))
                    ),
                    substituted=self.per_sample(
                        lambda s, layer=layer, j=j, fn=fn: row(
                            Call(fn, (Num(float(Z[layer][s, j])),)),
                            "=",
                            Num(float(A[layer + 1][s, j])),
                        )
                    ),
                    value=_v(A[layer + 1][:, j]),
                    neurons=((layer + 1, j),),
                )

    def loss_steps(self) -> None:
        Y, T = self.fwd.outputs, self.s.targets
        K = Y.shape[1]
        name = self.s.loss
        squared = self._squared()
        coef = squared[0] if squared is not None else []
        terms = []
        for k in range(K):
            o, t = self.out(self.L, k), f"t_{self.neuron(self.L, k)}"
            if squared is not None:
                per = (Y[:, k] - T[:, k]) ** 2 * {"half_sse": 0.5, "sse": 1.0, "mse": 1.0 / K}[name]
                formula = row(
                    Sym("E", self.neuron(self.L, k)),
                    "=",
                    *coef,
                    "(",
                    sym(t),
                    "−",
                    sym(o),
                    ")²",
                )
                subst = self.per_sample(
                    lambda s, k=k, per=per: row(
                        *coef,
                        "(",
                        Num(float(T[s, k])),
                        "−",
                        Num(float(Y[s, k])),
                        ")²",
                        "=",
                        Num(per[s]),
                    )
                )
                self.add(
                    phase="loss",
                    kind="error",
                    quantity=f"E_{self.neuron(self.L, k)}",
                    title=f"Error at {self.neuron(self.L, k)}",
                    formula=formula,
                    substituted=subst,
                    value=_v(per),
                    neurons=((self.L, k),),
                )
                terms.append(per)
        sample = self.fwd.sample_losses
        if terms:
            parts: list[Expr | str] = []
            for k in range(K):
                parts += ([] if k == 0 else ["+"]) + [Sym("E", self.neuron(self.L, k))]
            formula = row(Sym("E"), "=", *parts)
            subst_items: list[Expr | str] = []
            for k in range(K):
                subst_items += ([] if k == 0 else ["+"]) + [Num(float(terms[k].mean()))]
        else:
            formula = row(Sym("E"), "=", Sym(LOSSES[name].formula))
            subst_items = []
        if self.S > 1:
            formula = row(Sym("E"), "=", Frac(Num(1), Num(self.S)), "·", Sum("s", Sym("L", "s")))
            subst_items = []
            for s in range(self.S):
                subst_items += ([] if s == 0 else ["+"]) + [Num(sample[s])]
            subst = row(
                Frac(Num(1), Num(self.S)), "·", "(", *subst_items, ")", "=", Num(self.fwd.loss)
            )
        else:
            subst = (
                row(*subst_items, "=", Num(self.fwd.loss))
                if subst_items
                else row(Num(self.fwd.loss))
            )
        self.add(
            phase="loss",
            kind="loss",
            quantity="E",
            title="Total error",
            formula=formula,
            substituted=subst,
            value=self.fwd.loss,
            neurons=tuple((self.L, k) for k in range(K)),
        )

    def backward_layer(self, layer: int) -> None:
        bwd, A, Z = self.bwd, self.fwd.activations, self.fwd.net_inputs
        top = layer == self.L - 1
        n_out = Z[layer].shape[1]
        up, loc, delta = bwd.upstream[layer + 1], bwd.local[layer], bwd.deltas[layer]
        act = ACTIVATIONS[self.s.activations[layer]]
        for j in range(n_out):
            o, nt, nn = self.out(layer + 1, j), self.net(layer + 1, j), self.neuron(layer + 1, j)
            dE_do = f"∂E/∂{o}"
            if up is not None:  # ∂E/∂out_j
                if top:
                    formula, subst = self._output_grad(j)
                else:
                    Wu = bwd.used_weights[layer + 1]
                    parts: list[Expr | str] = []
                    for k in range(Wu.shape[1]):
                        parts += ([] if k == 0 else ["+"]) + [
                            Sym("δ", self.neuron(layer + 2, k)),
                            "·",
                            sym(
                                self.lab.weights[layer + 1][j][k]
                                + ("⁺" if self.s.update_order == "output_first" else "")
                            ),
                        ]
                    formula = row(_d("E", o), "=", *parts)
                    D = bwd.deltas[layer + 1]

                    def numbers(s: int, j: int = j, Wu: F64 = Wu, D: F64 = D) -> Expr:
                        items: list[Expr | str] = []
                        for k in range(Wu.shape[1]):
                            items += ([] if k == 0 else ["+"]) + [Num(D[s, k]), "×", Num(Wu[j, k])]
                        return row(*items, "=", Num(up[s, j]))

                    subst = self.per_sample(numbers)
                self.add(
                    phase="backward",
                    kind="output_gradient",
                    quantity=dE_do,
                    title=f"How the error changes with the activation of {nn}",
                    formula=formula,
                    substituted=subst,
                    value=_v(up[:, j]),
                    neurons=((layer + 1, j),)
                    + (
                        ()
                        if top
                        else tuple(
                            (layer + 2, k) for k in range(bwd.used_weights[layer + 1].shape[1])
                        )
                    ),
                    weights=()
                    if top
                    else tuple(
                        (layer + 1, j, k) for k in range(bwd.used_weights[layer + 1].shape[1])
                    ),
                )
            factors: tuple[Factor, ...]
            if up is not None and loc is not None:
                slope = _slope_formula(act.name, o, nt)
                factors = (
                    Factor(dE_do, _d("E", o), float(up[0, j])),
                    Factor(f"∂{o}/∂{nt}", _d(o, nt), float(loc[0, j])),
                )
                formula = row(
                    Sym("δ", nn), "=", _d("E", o), "·", _d(o, nt), "=", _d("E", o), "·", slope
                )
                subst = self.per_sample(
                    lambda s, j=j: row(
                        Num(float(up[s, j])),
                        "×",
                        Num(float(loc[s, j])),
                        "=",
                        Num(float(delta[s, j])),
                    )
                )
            elif up is not None:  # softmax with a loss that does not simplify
                factors = ()
                formula = row(
                    Sym("δ", nn),
                    "=",
                    sym(o),
                    "·",
                    "(",
                    _d("E", o),
                    "−",
                    Sum("k", row(Sym("∂E/∂o", "k"), "·", Sym("o", "k"))),
                    ")",
                )
                subst = self.per_sample(
                    lambda s, j=j: row(
                        Num(float(A[layer + 1][s, j])),
                        "×",
                        "(",
                        Num(float(up[s, j])),
                        "−",
                        Num(float((up[s] * A[layer + 1][s]).sum())),
                        ")",
                        "=",
                        Num(float(delta[s, j])),
                    )
                )
            else:  # bce with sigmoid, cross-entropy with softmax: ∂E/∂net simplifies exactly
                factors = ()
                t = Sym("t", nn)
                scale: list[Expr | str] = [Frac(Num(1), Num(self.S)), "·"] if self.S > 1 else []
                if self.s.loss == "bce":
                    formula = row(Sym("δ", nn), "=", *scale, sym(o), "−", t)
                    subst = self.per_sample(
                        lambda s, j=j, scale=scale: row(
                            *scale,
                            "(",
                            Num(float(A[layer + 1][s, j])),
                            "−",
                            Num(float(self.s.targets[s, j])),
                            ")",
                            "=",
                            Num(float(delta[s, j])),
                        )
                    )
                else:
                    formula = row(
                        Sym("δ", nn), "=", *scale, sym(o), "·", Sum("k", Sym("t", "k")), "−", t
                    )
                    subst = self.per_sample(
                        lambda s, j=j, scale=scale: row(
                            *scale,
                            "(",
                            Num(float(A[layer + 1][s, j])),
                            "×",
                            Num(float(self.s.targets[s].sum())),
                            "−",
                            Num(float(self.s.targets[s, j])),
                            ")",
                            "=",
                            Num(float(delta[s, j])),
                        )
                    )
            self.add(
                phase="backward",
                kind="delta",
                quantity=f"δ_{nn}",
                title=f"Delta of {nn}: how the error changes with its net input",
                formula=formula,
                substituted=subst,
                value=_v(delta[:, j]),
                factors=factors,
                neurons=((layer + 1, j),),
            )
        gW = bwd.weight_grads[layer]
        for j in range(n_out):
            nn, nt = self.neuron(layer + 1, j), self.net(layer + 1, j)
            for i in range(gW.shape[0]):
                w = self.lab.weights[layer][i][j]
                src = self.out(layer, i)
                chain = self._chain(layer, j, i)
                formula = row(
                    _d("E", w),
                    "=",
                    *_interleave([f.symbol for f in chain]),
                    "=",
                    Sym("δ", nn),
                    "·",
                    sym(src),
                )
                if self.S == 1:
                    subst = row(
                        *_interleave([Num(f.value) for f in chain], "×"), "=", Num(gW[i, j])
                    )
                else:
                    formula = row(
                        _d("E", w), "=", Sum("s", row(Sym("δ", nn + ",s"), "·", Sym(src, "s")))
                    )
                    items: list[Expr | str] = []
                    for s in range(self.S):
                        items += ([] if s == 0 else ["+"]) + [
                            Num(self.bwd.deltas[layer][s, j]),
                            "×",
                            Num(A[layer][s, i]),
                        ]
                    subst = row(*items, "=", Num(gW[i, j]))
                self.add(
                    phase="backward",
                    kind="weight_gradient",
                    quantity=f"∂E/∂{w}",
                    title=f"Gradient of {w}",
                    formula=formula,
                    substituted=subst,
                    value=float(gW[i, j]),
                    factors=chain if self.S == 1 else (),
                    neurons=((layer, i), (layer + 1, j)),
                    weights=((layer, i, j),),
                )
            if self.s.update_biases:
                b = self.lab.biases[layer][j]
                items = []
                for s in range(self.S):
                    items += ([] if s == 0 else ["+"]) + [Num(delta[s, j])]
                self.add(
                    phase="backward",
                    kind="bias_gradient",
                    quantity=f"∂E/∂{b}",
                    title=f"Gradient of the bias {b}",
                    formula=row(
                        _d("E", b),
                        "=",
                        Sum("s", Sym("δ", nn + ",s")) if self.S > 1 else Sym("δ", nn),
                    ),
                    substituted=row(*items, "=", Num(bwd.bias_grads[layer][j])),
                    value=float(bwd.bias_grads[layer][j]),
                    neurons=((layer + 1, j),),
                    biases=((layer, j),),
                )

    def _output_grad(self, j: int) -> tuple[Expr, Expr]:
        Y, T, up = self.fwd.outputs, self.s.targets, self.bwd.upstream[self.L]
        assert up is not None
        o, t = self.out(self.L, j), Sym("t", self.neuron(self.L, j))
        slope = self._loss_slope()
        if slope is not None:
            formula = row(_d("E", o), "=", *slope, "(", sym(o), "−", t, ")")
            subst = self.per_sample(
                lambda s: row(*slope, "(", Num(Y[s, j]), "−", Num(T[s, j]), ")", "=", Num(up[s, j]))
            )
        else:  # bce / cross-entropy without their paired activation cannot occur (validated)
            formula = row(_d("E", o))
            subst = self.per_sample(lambda s: row(Num(up[s, j])))
        return formula, subst

    def _chain(self, layer: int, j: int, i: int) -> tuple[Factor, ...]:
        """∂E/∂w = ∂E/∂out · ∂out/∂net · ∂net/∂w, or δ · ∂net/∂w when the first two merge."""
        o, nt, nn = self.out(layer + 1, j), self.net(layer + 1, j), self.neuron(layer + 1, j)
        w = self.lab.weights[layer][i][j]
        up, loc = self.bwd.upstream[layer + 1], self.bwd.local[layer]
        last = Factor(f"∂{nt}/∂{w}", _d(nt, w), float(self.fwd.activations[layer][0, i]))
        if up is not None and loc is not None:
            return (
                Factor(f"∂E/∂{o}", _d("E", o), float(up[0, j])),
                Factor(f"∂{o}/∂{nt}", _d(o, nt), float(loc[0, j])),
                last,
            )
        return (Factor(f"δ_{nn}", Sym("δ", nn), float(self.bwd.deltas[layer][0, j])), last)

    def input_steps(self) -> None:
        g = self.bwd.upstream[0]
        if g is None:
            return
        W = self.bwd.used_weights[0]
        D = self.bwd.deltas[0]
        for i in range(W.shape[0]):
            x = self.out(0, i)
            parts: list[Expr | str] = []
            for j in range(W.shape[1]):
                parts += ([] if j == 0 else ["+"]) + [
                    Sym("δ", self.neuron(1, j)),
                    "·",
                    sym(self.lab.weights[0][i][j]),
                ]

            def numbers(s: int, i: int = i) -> Expr:
                items: list[Expr | str] = []
                for j in range(W.shape[1]):
                    items += ([] if j == 0 else ["+"]) + [Num(D[s, j]), "×", Num(W[i, j])]
                return row(*items, "=", Num(g[s, i]))

            self.add(
                phase="backward",
                kind="input_gradient",
                quantity=f"∂E/∂{x}",
                title=f"How the error changes with the input {x}",
                formula=row(_d("E", x), "=", *parts),
                substituted=self.per_sample(numbers),
                value=_v(g[:, i]),
                neurons=((0, i),) + tuple((1, j) for j in range(W.shape[1])),
                weights=tuple((0, i, j) for j in range(W.shape[1])),
            )

    def update_layer(self, layer: int) -> None:
        lr = self.s.learning_rate
        W, gW, Wn = self.s.weights[layer], self.bwd.weight_grads[layer], self.after.weights[layer]
        for j in range(W.shape[1]):
            for i in range(W.shape[0]):
                w = self.lab.weights[layer][i][j]
                step = lr * gW[i, j]
                self.add(
                    phase="update",
                    kind="weight_update",
                    quantity=f"{w}⁺",
                    title=f"New value of {w}",
                    formula=row(_plus(w), "=", sym(w), "−", Sym("η"), "·", _d("E", w)),
                    substituted=row(
                        Num(W[i, j]), "−", Num(lr), "×", Num(gW[i, j]), "=", Num(Wn[i, j])
                    ),
                    value=float(Wn[i, j]),
                    factors=(Factor(f"η·∂E/∂{w}", row(Sym("η"), "·", _d("E", w)), float(step)),),
                    neurons=((layer, i), (layer + 1, j)),
                    weights=((layer, i, j),),
                )
        if self.s.update_biases:
            b, gb, bn = self.s.biases[layer], self.bwd.bias_grads[layer], self.after.biases[layer]
            for j in range(b.shape[0]):
                name = self.lab.biases[layer][j]
                self.add(
                    phase="update",
                    kind="bias_update",
                    quantity=f"{name}⁺",
                    title=f"New value of the bias {name}",
                    formula=row(_plus(name), "=", sym(name), "−", Sym("η"), "·", _d("E", name)),
                    substituted=row(Num(b[j]), "−", Num(lr), "×", Num(gb[j]), "=", Num(bn[j])),
                    value=float(bn[j]),
                    factors=(
                        Factor(
                            f"η·∂E/∂{name}", row(Sym("η"), "·", _d("E", name)), float(lr * gb[j])
                        ),
                    ),
                    neurons=((layer + 1, j),),
                    biases=((layer, j),),
                )


def _plus(name: str) -> Sym:
    """The symbol of a parameter's new value: w5 → w₅⁺."""
    s = sym(name)
    return Sym(s.base, s.sub, "+")


def _interleave(items: list[Expr], op: str = "·") -> list[Expr | str]:
    out: list[Expr | str] = []
    for k, e in enumerate(items):
        out += ([] if k == 0 else [op]) + [e]
    return out


def _slope_formula(name: str, o: str, nt: str) -> Expr:
    """∂out/∂net in symbols, for the elementwise activations."""
    a = sym(o)
    return {
        "sigmoid": row(a, "·", "(", Num(1), "−", a, ")"),
        "tanh": row(Num(1), "−", a, "²"),
        "relu": row(Call("1", (row(sym(nt), ">", Num(0)),))),
        "leaky_relu": row(Call("slope", (sym(nt),))),
        "linear": row(Num(1)),
    }.get(name, row(Sym("f′", sup="")))


class _LayerSteps(_Steps):
    """One step per layer and quantity; symbols carry the layer as a superscript."""

    def M(self, base: str, layer: int, t: bool = False) -> Sym:
        return Sym(base, "", str(layer).translate(SUP) + ("ᵀ" if t else ""))

    def forward_steps(self) -> None:
        A, Z = self.fwd.activations, self.fwd.net_inputs
        for layer in range(self.L):
            n = layer + 1
            act = ACTIVATIONS[self.s.activations[layer]]
            fn = act.name if act.name != "sigmoid" else "σ"
            self.add(
                phase="forward",
                kind="net_input",
                quantity=f"Z{n}",
                title=f"Net inputs of layer {n}",
                formula=row(
                    self.M("Z", n), "=", self.M("A", layer), self.M("W", n), "+", self.M("b", n)
                ),
                substituted=row(
                    _mat(A[layer]),
                    _mat(self.s.weights[layer]),
                    "+",
                    _mat(self.s.biases[layer][None, :]),
                    "=",
                    _mat(Z[layer]),
                ),
                value=Z[layer].tolist(),
                covers=tuple(self.net(n, j) for j in range(Z[layer].shape[1])),
                neurons=tuple((layer, i) for i in range(A[layer].shape[1]))
                + tuple((n, j) for j in range(Z[layer].shape[1])),
                weights=tuple(
                    (layer, i, j)
                    for i in range(A[layer].shape[1])
                    for j in range(Z[layer].shape[1])
                ),
                biases=tuple((layer, j) for j in range(Z[layer].shape[1])),
            )
            self.add(
                phase="forward",
                kind="activation",
                quantity=f"A{n}",
                title=f"Activations of layer {n} ({act.name})",
                formula=row(self.M("A", n), "=", Call(fn, (self.M("Z", n),))),
                substituted=row(Call(fn, (_mat(Z[layer]),)), "=", _mat(A[n])),
                value=A[n].tolist(),
                covers=tuple(self.out(n, j) for j in range(Z[layer].shape[1])),
                neurons=tuple((n, j) for j in range(Z[layer].shape[1])),
            )

    def loss_steps(self) -> None:
        L, K = self.L, self.fwd.outputs.shape[1]
        sample = self.fwd.sample_losses
        losses = Mat(tuple((float(x),) for x in sample))
        squared = self._squared()
        if squared is not None:  # both matrices, row by row (a row is a sample)
            squares = row("(", _mat(self.s.targets), "−", _mat(self.fwd.outputs), ")", "²")
            substituted = row(*squared[0], Sum("k", squares), "=", losses)
        else:
            substituted = row(losses)
        self.add(
            phase="loss",
            kind="sample_loss",
            quantity="L",
            title=f"Loss of each sample ({self.s.loss})",
            formula=row(Sym("L", "s"), "=", Sym(LOSSES[self.s.loss].formula)),
            substituted=substituted,
            value=sample.tolist(),
            neurons=tuple((L, k) for k in range(K)),
        )
        self.add(
            phase="loss",
            kind="loss",
            quantity="E",
            title="Loss of the batch (mean over samples)",
            formula=row(Sym("E"), "=", Frac(Num(1), Num(self.S)), "·", Sum("s", Sym("L", "s"))),
            substituted=row(
                Frac(Num(1), Num(self.S)),
                "·",
                "(",
                *_interleave([Num(float(x)) for x in sample], "+"),
                ")",
                "=",
                Num(self.fwd.loss),
            ),
            value=self.fwd.loss,
            covers=("E",),
            neurons=tuple((L, k) for k in range(K)),
        )

    def backward_layer(self, layer: int) -> None:
        n = layer + 1
        bwd, A = self.bwd, self.fwd.activations
        up, loc, D = bwd.upstream[n], bwd.local[layer], bwd.deltas[layer]
        width = D.shape[1]
        top = layer == self.L - 1
        neurons = tuple((n, j) for j in range(width))
        if up is not None:
            slope = self._loss_slope() if top else None
            if top and slope is not None:
                formula = row(
                    _d("E", "A" + str(n).translate(SUP)), "=", *slope,
                    "(", self.M("A", n), "−", Sym("T"), ")",
                )  # fmt: skip
                subst = row(*slope, "(", _mat(A[n]), "−", _mat(self.s.targets), ")", "=", _mat(up))
            elif top:
                formula = row(_d("E", "A" + str(n).translate(SUP)), "=", Sym("∂E/∂O"))
                subst = row(_mat(up))
            else:
                Wu = bwd.used_weights[n]
                formula = row(
                    _d("E", "A" + str(n).translate(SUP)),
                    "=",
                    self.M("Δ", n + 1),
                    self.M("W", n + 1, t=True),
                )
                subst = row(_mat(bwd.deltas[n]), _mat(Wu.T), "=", _mat(up))
            self.add(
                phase="backward",
                kind="output_gradient",
                quantity=f"∂E/∂A{n}",
                title=f"How the error changes with the activations of layer {n}",
                formula=formula,
                substituted=subst,
                value=up.tolist(),
                neurons=neurons,
                covers=tuple(f"∂E/∂{self.out(n, j)}" for j in range(width)),
            )
        if up is not None and loc is not None:
            act = ACTIVATIONS[self.s.activations[layer]]
            formula = row(
                self.M("Δ", n),
                "=",
                _d("E", "A" + str(n).translate(SUP)),
                "⊙",
                Call(("σ" if act.name == "sigmoid" else act.name) + "′", (self.M("Z", n),)),
            )
            subst = row(_mat(up), "⊙", _mat(loc), "=", _mat(D))
        else:
            formula = row(self.M("Δ", n), "=", _d("E", "Z" + str(n).translate(SUP)))
            subst = row(_mat(D))
        self.add(
            phase="backward",
            kind="delta",
            quantity=f"Δ{n}",
            title=f"Deltas of layer {n}",
            formula=formula,
            substituted=subst,
            value=D.tolist(),
            neurons=neurons,
            covers=tuple(f"δ_{self.neuron(n, j)}" for j in range(width)),
        )
        gW = bwd.weight_grads[layer]
        self.add(
            phase="backward",
            kind="weight_gradient",
            quantity=f"∇W{n}",
            title=f"Gradients of the weights into layer {n}",
            formula=row(
                Sym("∇W", "", str(n).translate(SUP)),
                "=",
                self.M("A", layer, t=True),
                self.M("Δ", n),
            ),
            substituted=row(_mat(A[layer].T), _mat(D), "=", _mat(gW)),
            value=gW.tolist(),
            neurons=tuple((layer, i) for i in range(gW.shape[0])) + neurons,
            weights=tuple((layer, i, j) for i in range(gW.shape[0]) for j in range(width)),
            covers=tuple(
                f"∂E/∂{self.lab.weights[layer][i][j]}"
                for i in range(gW.shape[0])
                for j in range(width)
            ),
        )
        if self.s.update_biases:
            gb = bwd.bias_grads[layer]
            self.add(
                phase="backward",
                kind="bias_gradient",
                quantity=f"∇b{n}",
                title=f"Gradients of the biases of layer {n}",
                formula=row(Sym("∇b", "", str(n).translate(SUP)), "=", Sum("s", self.M("Δ", n))),
                substituted=row(Sum("s", _mat(D)), "=", _mat(gb[None, :])),
                value=gb.tolist(),
                neurons=neurons,
                biases=tuple((layer, j) for j in range(width)),
                covers=tuple(f"∂E/∂{self.lab.biases[layer][j]}" for j in range(width)),
            )

    def input_steps(self) -> None:
        g = self.bwd.upstream[0]
        if g is None:
            return
        self.add(
            phase="backward",
            kind="input_gradient",
            quantity="∂E/∂A0",
            title="How the error changes with the inputs",
            formula=row(_d("E", "A⁰"), "=", self.M("Δ", 1), self.M("W", 1, t=True)),
            substituted=row(
                _mat(self.bwd.deltas[0]), _mat(self.bwd.used_weights[0].T), "=", _mat(g)
            ),
            value=g.tolist(),
            neurons=tuple((0, i) for i in range(g.shape[1])),
            covers=tuple(f"∂E/∂{self.out(0, i)}" for i in range(g.shape[1])),
        )

    def update_layer(self, layer: int) -> None:
        n, lr = layer + 1, self.s.learning_rate
        W, gW, Wn = self.s.weights[layer], self.bwd.weight_grads[layer], self.after.weights[layer]
        self.add(
            phase="update",
            kind="weight_update",
            quantity=f"W{n}⁺",
            title=f"New weights into layer {n}",
            formula=row(
                Sym("W", "", str(n).translate(SUP) + "⁺"),
                "=",
                self.M("W", n),
                "−",
                Sym("η"),
                Sym("∇W", "", str(n).translate(SUP)),
            ),
            substituted=row(_mat(W), "−", Num(lr), _mat(gW), "=", _mat(Wn)),
            value=Wn.tolist(),
            neurons=tuple((layer, i) for i in range(W.shape[0]))
            + tuple((n, j) for j in range(W.shape[1])),
            weights=tuple((layer, i, j) for i in range(W.shape[0]) for j in range(W.shape[1])),
            covers=tuple(
                f"{self.lab.weights[layer][i][j]}⁺"
                for i in range(W.shape[0])
                for j in range(W.shape[1])
            ),
            factors=tuple(
                Factor(
                    f"η·∂E/∂{self.lab.weights[layer][i][j]}",
                    row(Sym("η"), "·", _d("E", self.lab.weights[layer][i][j])),
                    float(lr * gW[i, j]),
                )
                for i in range(W.shape[0])
                for j in range(W.shape[1])
            ),
        )
        if self.s.update_biases:
            b, gb, bn = self.s.biases[layer], self.bwd.bias_grads[layer], self.after.biases[layer]
            self.add(
                phase="update",
                kind="bias_update",
                quantity=f"b{n}⁺",
                title=f"New biases of layer {n}",
                formula=row(
                    Sym("b", "", str(n).translate(SUP) + "⁺"),
                    "=",
                    self.M("b", n),
                    "−",
                    Sym("η"),
                    Sym("∇b", "", str(n).translate(SUP)),
                ),
                substituted=row(
                    _mat(b[None, :]), "−", Num(lr), _mat(gb[None, :]), "=", _mat(bn[None, :])
                ),
                value=bn.tolist(),
                neurons=tuple((n, j) for j in range(b.shape[0])),
                biases=tuple((layer, j) for j in range(b.shape[0])),
                covers=tuple(f"{self.lab.biases[layer][j]}⁺" for j in range(b.shape[0])),
            )


def _mat(a: F64) -> Mat:
    a2 = np.atleast_2d(a)
    return Mat(tuple(tuple(float(x) for x in r) for r in a2))
