"""Layer granularity: one matrix step per layer and quantity, as the 2-2-1 document and
batches read; symbols carry the layer's index as a parenthesised superscript (W⁽²⁾)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ..activations import ACTIVATIONS
from ..expr import Call, Expr, Frac, Mat, Num, Sum, Sym, layer_sym, row
from ..losses import LOSSES
from .steps import F64, Factor, Steps, _interleave, _mat


class LayerSteps(Steps):
    """One step per layer and quantity; symbols carry the layer's index: W⁽²⁾."""

    def M(self, base: str, layer: int, t: bool = False) -> Sym:
        return layer_sym(base, layer, "T" if t else "")

    def per_neuron(self, n: int, value: F64, name: Callable[[int], str], **step: Any) -> None:
        """A step whose value has a column per neuron of layer ``n``: those neurons, and each
        column's quantity (``covers``) named ``name(j)``."""
        width = value.shape[1]
        self.add(
            **step,
            value=value.tolist(),
            neurons=tuple((n, j) for j in range(width)),
            covers=tuple(name(j) for j in range(width)),
        )

    def forward_steps(self) -> None:
        A, Z = self.fwd.activations, self.fwd.net_inputs
        for layer in range(self.L):
            n = layer + 1
            act = ACTIVATIONS[self.s.activations[layer]]
            fn = act.shown
            self.add(
                phase="forward",
                kind="net_input",
                quantity=f"Z{n}",
                symbol=self.M("Z", n),
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
            self.per_neuron(
                n,
                A[n],
                partial(self.out, n),
                phase="forward",
                kind="activation",
                quantity=f"A{n}",
                symbol=self.M("A", n),
                title=f"Activations of layer {n} ({act.named})",
                formula=row(self.M("A", n), "=", Call(fn, (self.M("Z", n),))),
                substituted=row(Call(fn, (_mat(Z[layer]),)), "=", _mat(A[n])),
            )

    def loss_steps(self) -> None:
        L, K = self.L, self.fwd.outputs.shape[1]
        sample = self.fwd.sample_losses
        losses = Mat(tuple((float(x),) for x in sample))
        squared = self._squared()
        if squared is not None:  # both matrices, row by row (a row is a sample)
            squares = row("(", _mat(self.s.targets), "−", _mat(self.fwd.outputs), ")²")
            substituted = row(*squared[0], Sum("k", squares), "=", losses)
        else:
            substituted = row(losses)
        self.add(
            phase="loss",
            kind="sample_loss",
            quantity="L",
            symbol=Sym("L", "s"),
            title=f"Loss of each sample ({LOSSES[self.s.loss].title.partition(',')[0]})",
            formula=row(Sym("L", "s"), "=", self._loss_tree()),
            substituted=substituted,
            value=sample.tolist(),
            neurons=tuple((L, k) for k in range(K)),
        )
        if self.S > 1:
            mean: list[Expr | str] = [Frac(Num(1), Num(self.S)), "·"]
            formula = row(self.cost, "=", *mean, Sum("s", Sym("L", "s")))
            sums = _interleave([Num(float(x)) for x in sample], "+")
            substituted = row(*mean, "(", *sums, ")", "=", Num(self.fwd.loss))
            title = "Loss of the batch (mean over samples)"
        else:  # one sample: the mean is its loss, 1/1 · Σ is left out
            formula = row(self.cost, "=", Sym("L", "s"))
            substituted = row(Num(self.fwd.loss))
            title = "Loss (one sample: its own loss)"
        self.add(
            phase="loss",
            kind="loss",
            quantity="E",
            symbol=self.cost,
            title=title,
            formula=formula,
            substituted=substituted,
            value=self.fwd.loss,
            covers=("E",),
            neurons=tuple((L, k) for k in range(K)),
        )

    def backward_layer(self, layer: int) -> None:
        if self.bwd.upstream[layer + 1] is not None:
            self._output_gradient_step(layer)
        self._delta_step(layer)
        self._gradient_steps(layer)

    def _output_gradient_step(self, layer: int) -> None:
        n = layer + 1
        bwd, A = self.bwd, self.fwd.activations
        up = bwd.upstream[n]
        assert up is not None
        top = layer == self.L - 1
        slope = self._loss_slope() if top else None
        if top and slope is not None:
            formula = row(
                self.dE(self.M("A", n)), "=", *self._derivative(self.M("A", n), self.targets)
            )
            subst = row(*slope, "(", _mat(A[n]), "−", _mat(self.s.targets), ")", "=", _mat(up))
        elif top:
            formula = row(self.dE(self.M("A", n)))
            subst = row(_mat(up))
        else:
            Wu = bwd.used_weights[n]
            formula = row(
                self.dE(self.M("A", n)),
                "=",
                self.M("Δ", n + 1),
                self.M("W", n + 1, t=True),
            )
            subst = row(_mat(bwd.deltas[n]), _mat(Wu.T), "=", _mat(up))
        self.per_neuron(
            n,
            up,
            lambda j: f"∂E/∂{self.out(n, j)}",
            phase="backward",
            kind="output_gradient",
            quantity=f"∂E/∂A{n}",
            symbol=self.dE(self.M("A", n)),
            title=f"How the error changes with the activations of layer {n}",
            formula=formula,
            substituted=subst,
        )

    def _delta_step(self, layer: int) -> None:
        n = layer + 1
        up, loc, D = self.bwd.upstream[n], self.bwd.local[layer], self.bwd.deltas[layer]
        if up is not None and loc is not None:
            act = ACTIVATIONS[self.s.activations[layer]]
            formula = row(
                self.M("Δ", n),
                "=",
                self.dE(self.M("A", n)),
                "⊙",
                Call(act.shown + "′", (self.M("Z", n),)),
            )
            subst = row(_mat(up), "⊙", _mat(loc), "=", _mat(D))
        else:
            formula = row(self.M("Δ", n), "=", self.dE(self.M("Z", n)))
            subst = row(_mat(D))
        self.per_neuron(
            n,
            D,
            lambda j: f"δ_{self.neuron(n, j)}",
            phase="backward",
            kind="delta",
            quantity=f"Δ{n}",
            symbol=self.M("Δ", n),
            title=f"Deltas of layer {n}",
            formula=formula,
            substituted=subst,
        )

    def _gradient_steps(self, layer: int) -> None:
        n = layer + 1
        bwd, A, D = self.bwd, self.fwd.activations, self.bwd.deltas[layer]
        width = D.shape[1]
        neurons = tuple((n, j) for j in range(width))
        gW = bwd.weight_grads[layer]
        self.add(
            phase="backward",
            kind="weight_gradient",
            quantity=f"∇W{n}",
            symbol=self.M("∇W", n),
            title=f"Gradients of the weights into layer {n}",
            formula=row(
                self.M("∇W", n),
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
                symbol=self.M("∇b", n),
                title=f"Gradients of the biases of layer {n}",
                formula=row(self.M("∇b", n), "=", *self._sum_s(self.M("Δ", n))),
                substituted=row(*self._sum_s(_mat(D)), "=", _mat(gb[None, :])),
                value=gb.tolist(),
                neurons=neurons,
                biases=tuple((layer, j) for j in range(width)),
                covers=tuple(f"∂E/∂{self.lab.biases[layer][j]}" for j in range(width)),
            )

    def _sum_s(self, e: Expr) -> list[Expr | str]:
        """Σ over the samples of e; e itself for one sample (no Σ of one term)."""
        return [Sum("s", e)] if self.S > 1 else [e]

    def input_steps(self) -> None:
        g = self.bwd.upstream[0]
        if g is None:
            return
        self.per_neuron(
            0,
            g,
            lambda i: f"∂E/∂{self.out(0, i)}",
            phase="backward",
            kind="input_gradient",
            quantity="∂E/∂A0",
            symbol=self.dE(self.M("A", 0)),
            title="How the error changes with the inputs",
            formula=row(self.dE(self.M("A", 0)), "=", self.M("Δ", 1), self.M("W", 1, t=True)),
            substituted=row(
                _mat(self.bwd.deltas[0]), _mat(self.bwd.used_weights[0].T), "=", _mat(g)
            ),
        )

    def update_layer(self, layer: int) -> None:
        n, lr = layer + 1, self.s.learning_rate
        W, gW, Wn = self.s.weights[layer], self.bwd.weight_grads[layer], self.after.weights[layer]
        rows, cols = W.shape
        names = self.lab.weights[layer]
        self.updated(
            "W",
            n,
            f"New weights into layer {n}",
            (W, gW, Wn),
            value=Wn.tolist(),
            neurons=tuple((layer, i) for i in range(rows)) + tuple((n, j) for j in range(cols)),
            weights=tuple((layer, i, j) for i in range(rows) for j in range(cols)),
            covers=tuple(f"{names[i][j]}⁺" for i in range(rows) for j in range(cols)),
            factors=tuple(
                Factor(
                    f"η·∂E/∂{names[i][j]}",
                    row(Sym("η"), "·", self.dE(names[i][j])),
                    float(lr * gW[i, j]),
                )
                for i in range(rows)
                for j in range(cols)
            ),
        )
        if self.s.update_biases:
            b, gb, bn = self.s.biases[layer], self.bwd.bias_grads[layer], self.after.biases[layer]
            self.updated(
                "b",
                n,
                f"New biases of layer {n}",
                (b[None, :], gb[None, :], bn[None, :]),
                value=bn.tolist(),
                neurons=tuple((n, j) for j in range(b.shape[0])),
                biases=tuple((layer, j) for j in range(b.shape[0])),
                covers=tuple(f"{self.lab.biases[layer][j]}⁺" for j in range(b.shape[0])),
            )

    def updated(
        self, base: str, n: int, title: str, numbers: tuple[F64, F64, F64], **where: Any
    ) -> None:
        """Layer ``n``'s new weights or biases, W⁽ⁿ⁾⁺ = W⁽ⁿ⁾ − η∇W⁽ⁿ⁾; ``numbers``: the
        values, their gradients and the new values as matrices; ``where`` what it covers."""
        old, grad, new = numbers
        plus = layer_sym(base, n, "+")
        self.add(
            phase="update",
            kind="weight_update" if base == "W" else "bias_update",
            quantity=f"{base}{n}⁺",
            symbol=plus,
            title=title,
            formula=row(plus, "=", self.M(base, n), "−", Sym("η"), self.M("∇" + base, n)),
            substituted=row(_mat(old), "−", Num(self.s.learning_rate), _mat(grad), "=", _mat(new)),
            **where,
        )
