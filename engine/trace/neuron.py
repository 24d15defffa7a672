"""Neuron granularity: one scalar per step, as the 2-2-2 document works it (a batch of a few
samples shows one substitution per sample)."""

from __future__ import annotations

from typing import Any

from ..activations import ACTIVATIONS
from ..expr import Call, Expr, Frac, Num, Op, Row, Sum, Sym, row, sym
from ..losses import LOSSES
from .steps import F64, Factor, Steps, _d, _interleave, _plus, _v, indexed


def _of_sample(s: Sym) -> Sym:
    """A symbol for sample s of a batch: δ_o1 → δ_{o1,s}, out_h1 → out_{h1,s}."""
    return Sym(s.base, f"{s.sub},s" if s.sub else "s", s.sup, s.layer)


class NeuronSteps(Steps):
    def per_sample(self, make: Any) -> Expr:
        """One substituted expression per sample: the expression itself for one sample."""
        if self.S == 1:
            return make(0)  # type: ignore[no-any-return]
        return Row(tuple(x for s in range(self.S) for x in ((Op(";") if s else Op("")), make(s))))

    def _net_terms(self, layer: int, j: int, n_in: int) -> list[Expr | str]:
        """The symbols of neuron j's net input: w·out for each input, then + b."""
        terms: list[Expr | str] = []
        for i in range(n_in):
            terms += ([] if i == 0 else ["+"]) + [
                sym(self.lab.weights[layer][i][j]),
                "·",
                sym(self.out(layer, i)),
            ]
        return terms + ["+", sym(self.lab.biases[layer][j])]

    def gradient(
        self, of: str, kind: str, title: str, formula: Expr, subst: Expr, **where: Any
    ) -> None:
        """A backward step ∂E/∂``of`` (a label: out_h1, w5, b1, i1), its quantity and symbol
        named from ``of``; ``where`` its value and the neurons, weights and biases it reads."""
        self.add(
            phase="backward",
            kind=kind,
            quantity=f"∂E/∂{of}",
            symbol=self.dE(of),
            title=title,
            formula=formula,
            substituted=subst,
            **where,
        )

    def forward_steps(self) -> None:
        A, Z = self.fwd.activations, self.fwd.net_inputs
        for layer in range(self.L):
            W, b = self.s.weights[layer], self.s.biases[layer]
            act = ACTIVATIONS[self.s.activations[layer]]
            n_in = W.shape[0]
            for j in range(W.shape[1]):
                terms = self._net_terms(layer, j, n_in)

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
                    symbol=sym(self.net(layer + 1, j)),
                    title=f"Net input of {self.neuron(layer + 1, j)}",
                    formula=row(sym(self.net(layer + 1, j)), "=", *terms),
                    substituted=self.per_sample(numbers),
                    value=_v(Z[layer][:, j]),
                    neurons=tuple((layer, i) for i in range(n_in)) + ((layer + 1, j),),
                    weights=tuple((layer, i, j) for i in range(n_in)),
                    biases=((layer, j),),
                )
                fn = act.shown
                self.add(
                    phase="forward",
                    kind="activation",
                    quantity=self.out(layer + 1, j),
                    symbol=sym(self.out(layer + 1, j)),
                    title=f"Activation of {self.neuron(layer + 1, j)} ({act.named})",
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
        K = self.fwd.outputs.shape[1]
        squared = self._squared()
        terms = [self._error_step(k, squared[0]) for k in range(K)] if squared is not None else []
        self._total_error_step(terms)

    def _error_step(self, k: int, coef: list[Expr | str]) -> F64:
        """A squared loss's error at output k, c · (t_k − o_k)²: its value per sample."""
        Y, T = self.fwd.outputs, self.s.targets
        square_scale = LOSSES[self.s.loss].square_scale
        assert square_scale is not None
        per = (Y[:, k] - T[:, k]) ** 2 * square_scale(Y.shape[1])
        o, t, nk = self.out(self.L, k), self.target(k), self.neuron(self.L, k)
        self.add(
            phase="loss",
            kind="error",
            quantity=f"E_{nk}",
            symbol=indexed(self.lab.cost, nk),
            title=f"Error at {nk}",
            formula=row(indexed(self.lab.cost, nk), "=", *coef, "(", t, "−", sym(o), ")²"),
            substituted=self.per_sample(
                lambda s, per=per: row(
                    *coef,
                    "(",
                    Num(float(T[s, k])),
                    "−",
                    Num(float(Y[s, k])),
                    ")²",
                    "=",
                    Num(per[s]),
                )  # fmt: skip
            ),
            value=_v(per),
            neurons=((self.L, k),),
        )
        return per

    def _total_error_step(self, terms: list[F64]) -> None:
        """E: the sum of the errors (one sample), or the mean of the samples' losses."""
        K, sample = self.fwd.outputs.shape[1], self.fwd.sample_losses
        if self.S > 1:
            mean: list[Expr | str] = [Frac(Num(1), Num(self.S)), "·"]
            formula = row(self.cost, "=", *mean, Sum("s", Sym("L", "s")))
            sums = _interleave([Num(sample[s]) for s in range(self.S)], "+")
            subst = row(*mean, "(", *sums, ")", "=", Num(self.fwd.loss))
        elif terms:
            errors: list[Expr] = [indexed(self.lab.cost, self.neuron(self.L, k)) for k in range(K)]
            formula = row(self.cost, "=", *_interleave(errors, "+"))
            sums = _interleave([Num(float(terms[k].mean())) for k in range(K)], "+")
            subst = row(*sums, "=", Num(self.fwd.loss))
        else:
            formula = row(self.cost, "=", self._loss_tree())
            subst = row(Num(self.fwd.loss))
        self.add(
            phase="loss",
            kind="loss",
            quantity="E",
            symbol=self.cost,
            title="Total error",
            formula=formula,
            substituted=subst,
            value=self.fwd.loss,
            neurons=tuple((self.L, k) for k in range(K)),
        )

    def backward_layer(self, layer: int) -> None:
        n_out = self.fwd.net_inputs[layer].shape[1]
        for j in range(n_out):
            if self.bwd.upstream[layer + 1] is not None:
                self._output_gradient_step(layer, j)
            self._delta_step(layer, j)
        for j in range(n_out):
            for i in range(self.bwd.weight_grads[layer].shape[0]):
                self._weight_gradient_step(layer, j, i)
            if self.s.update_biases:
                self._bias_gradient_step(layer, j)

    def _output_gradient_step(self, layer: int, j: int) -> None:
        """∂E/∂out_j: from the loss at the output layer, else from the deltas above."""
        bwd = self.bwd
        up = bwd.upstream[layer + 1]
        assert up is not None
        o, nn = self.out(layer + 1, j), self.neuron(layer + 1, j)
        top = layer == self.L - 1
        above: tuple[int, ...] = () if top else tuple(range(bwd.used_weights[layer + 1].shape[1]))
        if top:
            formula, subst = self._output_grad(j)
        else:
            Wu, D = bwd.used_weights[layer + 1], bwd.deltas[layer + 1]
            parts: list[Expr | str] = []
            for k in above:
                parts += ([] if k == 0 else ["+"]) + [
                    indexed("δ", self.neuron(layer + 2, k)),
                    "·",
                    sym(
                        self.lab.weights[layer + 1][j][k]
                        + ("⁺" if self.s.update_order == "output_first" else "")
                    ),
                ]
            formula = row(self.dE(o), "=", *parts)

            def numbers(s: int) -> Expr:
                items: list[Expr | str] = []
                for k in above:
                    items += ([] if k == 0 else ["+"]) + [Num(D[s, k]), "×", Num(Wu[j, k])]
                return row(*items, "=", Num(up[s, j]))

            subst = self.per_sample(numbers)
        self.gradient(
            o,
            "output_gradient",
            f"How the error changes with the activation of {nn}",
            formula,
            subst,
            value=_v(up[:, j]),
            neurons=((layer + 1, j),) + tuple((layer + 2, k) for k in above),
            weights=tuple((layer + 1, j, k) for k in above),
        )

    def _delta_step(self, layer: int, j: int) -> None:
        up, loc = self.bwd.upstream[layer + 1], self.bwd.local[layer]
        if up is not None and loc is not None:
            formula, subst, factors = self._delta_chain(layer, j)
        elif up is not None:  # softmax with a loss that does not simplify
            (formula, subst), factors = self._delta_softmax(layer, j), ()
        else:  # bce with sigmoid, cross-entropy with softmax: ∂E/∂net simplifies exactly
            (formula, subst), factors = self._delta_simplified(layer, j), ()
        nn = self.neuron(layer + 1, j)
        self.add(
            phase="backward",
            kind="delta",
            quantity=f"δ_{nn}",
            symbol=indexed("δ", nn),
            title=f"Delta of {nn}: how the error changes with its net input",
            formula=formula,
            substituted=subst,
            value=_v(self.bwd.deltas[layer][:, j]),
            factors=factors,
            neurons=((layer + 1, j),),
        )

    def _delta_chain(self, layer: int, j: int) -> tuple[Expr, Expr, tuple[Factor, ...]]:
        """δ = ∂E/∂out · ∂out/∂net, the activation's slope written in symbols."""
        up, loc, delta = self.bwd.upstream[layer + 1], self.bwd.local[layer], self.bwd.deltas[layer]
        assert up is not None and loc is not None
        o, nt, nn = self.out(layer + 1, j), self.net(layer + 1, j), self.neuron(layer + 1, j)
        act = ACTIVATIONS[self.s.activations[layer]]
        slope = act.slope(sym(o), sym(nt)) if act.slope is not None else row(Sym("f′", sup=""))
        factors = (
            Factor(f"∂E/∂{o}", self.dE(o), float(up[0, j])),
            Factor(f"∂{o}/∂{nt}", _d(o, nt), float(loc[0, j])),
        )
        formula = row(
            indexed("δ", nn), "=", self.dE(o), "·", _d(o, nt), "=", self.dE(o), "·", slope
        )
        subst = self.per_sample(
            lambda s: row(
                Num(float(up[s, j])), "×", Num(float(loc[s, j])), "=", Num(float(delta[s, j]))
            )
        )
        return formula, subst, factors

    def _delta_softmax(self, layer: int, j: int) -> tuple[Expr, Expr]:
        up, delta, A = self.bwd.upstream[layer + 1], self.bwd.deltas[layer], self.fwd.activations
        assert up is not None
        o, nn = self.out(layer + 1, j), self.neuron(layer + 1, j)
        formula = row(
            indexed("δ", nn),
            "=",
            sym(o),
            "·",
            "(",
            self.dE(o),
            "−",
            Sum("k", row(self.dE(Sym("o", "k")), "·", Sym("o", "k"))),
            ")",
        )
        subst = self.per_sample(
            lambda s: row(
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
        return formula, subst

    def _delta_simplified(self, layer: int, j: int) -> tuple[Expr, Expr]:
        """bce through a sigmoid: δ = o − t; cross-entropy through softmax: δ = o·Σt − t (each
        over the batch's n samples)."""
        delta, A, T = self.bwd.deltas[layer], self.fwd.activations, self.s.targets
        o, nn = self.out(layer + 1, j), self.neuron(layer + 1, j)
        t = self.target(j)
        scale: list[Expr | str] = [Frac(Num(1), Num(self.S)), "·"] if self.S > 1 else []
        if self.s.loss == "bce":
            formula = row(indexed("δ", nn), "=", *scale, sym(o), "−", t)
            return formula, self.per_sample(
                lambda s: row(
                    *scale,
                    "(",
                    Num(float(A[layer + 1][s, j])),
                    "−",
                    Num(float(T[s, j])),
                    ")",
                    "=",
                    Num(float(delta[s, j])),
                )  # fmt: skip
            )
        t_k = Sym(self.lab.target.rstrip("_") or "t", "k")
        formula = row(indexed("δ", nn), "=", *scale, sym(o), "·", Sum("k", t_k), "−", t)
        return formula, self.per_sample(
            lambda s: row(
                *scale,
                "(",
                Num(float(A[layer + 1][s, j])),
                "×",
                Num(float(T[s].sum())),
                "−",
                Num(float(T[s, j])),
                ")",
                "=",
                Num(float(delta[s, j])),
            )  # fmt: skip
        )

    def _weight_gradient_step(self, layer: int, j: int, i: int) -> None:
        A, gW = self.fwd.activations, self.bwd.weight_grads[layer]
        nn, w, src = self.neuron(layer + 1, j), self.lab.weights[layer][i][j], self.out(layer, i)
        chain = self._chain(layer, j, i)
        if self.S == 1:
            formula = row(
                self.dE(w), "=", *_interleave([f.symbol for f in chain]), "=",
                indexed("δ", nn), "·", sym(src),
            )  # fmt: skip
            subst = row(*_interleave([Num(f.value) for f in chain], "×"), "=", Num(gW[i, j]))
        else:
            formula = row(
                self.dE(w), "=", Sum("s", row(Sym("δ", nn + ",s"), "·", _of_sample(sym(src))))
            )
            items: list[Expr | str] = []
            for s in range(self.S):
                items += ([] if s == 0 else ["+"]) + [
                    Num(self.bwd.deltas[layer][s, j]),
                    "×",
                    Num(A[layer][s, i]),
                ]
            subst = row(*items, "=", Num(gW[i, j]))
        self.gradient(
            w,
            "weight_gradient",
            f"Gradient of {w}",
            formula,
            subst,
            value=float(gW[i, j]),
            factors=chain if self.S == 1 else (),
            neurons=((layer, i), (layer + 1, j)),
            weights=((layer, i, j),),
        )

    def _bias_gradient_step(self, layer: int, j: int) -> None:
        nn, b = self.neuron(layer + 1, j), self.lab.biases[layer][j]
        delta, gb = self.bwd.deltas[layer], self.bwd.bias_grads[layer]
        items: list[Expr | str] = []
        for s in range(self.S):
            items += ([] if s == 0 else ["+"]) + [Num(delta[s, j])]
        self.gradient(
            b,
            "bias_gradient",
            f"Gradient of the bias {b}",
            row(self.dE(b), "=", Sum("s", Sym("δ", nn + ",s")) if self.S > 1 else indexed("δ", nn)),
            row(*items, "=", Num(gb[j])),
            value=float(gb[j]),
            neurons=((layer + 1, j),),
            biases=((layer, j),),
        )

    def _output_grad(self, j: int) -> tuple[Expr, Expr]:
        Y, T, up = self.fwd.outputs, self.s.targets, self.bwd.upstream[self.L]
        assert up is not None
        o, t = self.out(self.L, j), self.target(j)
        slope = self._loss_slope()
        if slope is not None:
            formula = row(self.dE(o), "=", *self._derivative(sym(o), t))
            subst = self.per_sample(
                lambda s: row(*slope, "(", Num(Y[s, j]), "−", Num(T[s, j]), ")", "=", Num(up[s, j]))
            )
        else:  # bce / cross-entropy without their paired activation cannot occur (validated)
            formula = row(self.dE(o))
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
                Factor(f"∂E/∂{o}", self.dE(o), float(up[0, j])),
                Factor(f"∂{o}/∂{nt}", _d(o, nt), float(loc[0, j])),
                last,
            )
        return (Factor(f"δ_{nn}", indexed("δ", nn), float(self.bwd.deltas[layer][0, j])), last)

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
                    indexed("δ", self.neuron(1, j)),
                    "·",
                    sym(self.lab.weights[0][i][j]),
                ]

            def numbers(s: int, i: int = i) -> Expr:
                items: list[Expr | str] = []
                for j in range(W.shape[1]):
                    items += ([] if j == 0 else ["+"]) + [Num(D[s, j]), "×", Num(W[i, j])]
                return row(*items, "=", Num(g[s, i]))

            self.gradient(
                x,
                "input_gradient",
                f"How the error changes with the input {x}",
                row(self.dE(x), "=", *parts),
                self.per_sample(numbers),
                value=_v(g[:, i]),
                neurons=((0, i),) + tuple((1, j) for j in range(W.shape[1])),
                weights=tuple((0, i, j) for j in range(W.shape[1])),
            )

    def update_layer(self, layer: int) -> None:
        W, gW, Wn = self.s.weights[layer], self.bwd.weight_grads[layer], self.after.weights[layer]
        for j in range(W.shape[1]):
            for i in range(W.shape[0]):
                w = self.lab.weights[layer][i][j]
                self.updated(
                    w,
                    "weight_update",
                    f"New value of {w}",
                    (W[i, j], gW[i, j], Wn[i, j]),
                    neurons=((layer, i), (layer + 1, j)),
                    weights=((layer, i, j),),
                )
        if self.s.update_biases:
            b, gb, bn = self.s.biases[layer], self.bwd.bias_grads[layer], self.after.biases[layer]
            for j in range(b.shape[0]):
                name = self.lab.biases[layer][j]
                self.updated(
                    name,
                    "bias_update",
                    f"New value of the bias {name}",
                    (b[j], gb[j], bn[j]),
                    neurons=((layer + 1, j),),
                    biases=((layer, j),),
                )

    def updated(
        self, name: str, kind: str, title: str, numbers: tuple[float, float, float], **where: Any
    ) -> None:
        """A parameter's new value, name⁺ = name − η·∂E/∂name; ``numbers``: its value, its
        gradient and its new value; ``where`` the neurons and the weight or bias it changes."""
        old, grad, new = numbers
        lr = self.s.learning_rate
        self.add(
            phase="update",
            kind=kind,
            quantity=f"{name}⁺",
            symbol=_plus(name),
            title=title,
            formula=row(_plus(name), "=", sym(name), "−", Sym("η"), "·", self.dE(name)),
            substituted=row(Num(old), "−", Num(lr), "×", Num(grad), "=", Num(new)),
            value=float(new),
            factors=(Factor(f"η·∂E/∂{name}", row(Sym("η"), "·", self.dE(name)), float(lr * grad)),),
            **where,
        )
