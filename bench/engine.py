"""The engine's training loop against a minimal hand-written NumPy loop doing the same work.

    python -m bench.engine [--repeat 7]

Two cases: the ``sigmoid-2-2-2`` preset for 10,000 iterations, and a 2-8-8-1 tanh/tanh/sigmoid
network (binary cross-entropy, biases updated) on 200 seeded random samples, full batch, 1,000
epochs. Each hand-written loop does what ``engine.train``'s NumPy loop does per iteration
(forward, the loss, backward, update) with the same float64 operations, and must end on the same
weights: the ratio is the engine's overhead. On the small network the engine runs its scalar
kernel (engine/kernel.py) instead, several times faster than any NumPy loop: the ratio there is
below 1 and the numbers agree within 1e-12. Runs are interleaved (engine, hand, engine, hand,
…); the ratio is of the best runs, the median is shown.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.common import Timing, interleaved, machine, table
from engine import Scenario, get_preset, kernel, train

F64 = NDArray[np.float64]
TARGET = 1.3  # the engine within 1.3× of the hand-written loop


def _sigmoid(z: F64) -> F64:
    out: F64 = 1.0 / (1.0 + np.exp(-z))
    return out


def hand_sigmoid_222(s: Scenario, iterations: int) -> tuple[list[F64], list[F64], list[float]]:
    """2-2-2 sigmoid, ½Σ(t − o)², biases fixed, simultaneous update: the whole loop by hand."""
    W0, W1 = s.weights
    b0, b1 = s.biases
    X, T, lr = s.inputs, s.targets, s.learning_rate
    n = s.n_samples
    scale = 1.0 / n
    losses = []
    with np.errstate(over="ignore"):
        h = _sigmoid(X @ W0 + b0)
        o = _sigmoid(h @ W1 + b1)
        d = T - o
        losses.append(float((0.5 * (d * d).sum(axis=1)).sum()) / n)
        for _ in range(iterations):
            d1 = (o - T) * scale * (o * (1.0 - o))
            gW1 = h.T @ d1
            d0 = (d1 @ W1.T) * (h * (1.0 - h))
            gW0 = X.T @ d0
            W0 = W0 - lr * gW0
            W1 = W1 - lr * gW1
            h = _sigmoid(X @ W0 + b0)
            o = _sigmoid(h @ W1 + b1)
            d = T - o
            losses.append(float((0.5 * (d * d).sum(axis=1)).sum()) / n)
    return [W0, W1], [b0, b1], losses


def hand_tanh_881(s: Scenario, iterations: int) -> tuple[list[F64], list[F64], list[float]]:
    """2-8-8-1 tanh/tanh/sigmoid, binary cross-entropy from the net input, biases updated."""
    W0, W1, W2 = s.weights
    b0, b1, b2 = s.biases
    X, T, lr = s.inputs, s.targets, s.learning_rate
    n = s.n_samples
    scale = 1.0 / n
    ones = np.ones(n)

    def loss(z: F64) -> float:
        per = (T * np.logaddexp(0.0, -z) + (1.0 - T) * np.logaddexp(0.0, z)).sum(axis=1)
        return float(per.sum()) / n

    losses = []
    with np.errstate(over="ignore"):
        h1 = np.tanh(X @ W0 + b0)
        h2 = np.tanh(h1 @ W1 + b1)
        z = h2 @ W2 + b2
        o = _sigmoid(z)
        losses.append(loss(z))
        for _ in range(iterations):
            d2 = (o - T) * scale
            gW2, gb2 = h2.T @ d2, ones @ d2
            d1 = (d2 @ W2.T) * (1.0 - h2 * h2)
            gW1, gb1 = h1.T @ d1, ones @ d1
            d0 = (d1 @ W1.T) * (1.0 - h1 * h1)
            gW0, gb0 = X.T @ d0, ones @ d0
            W0, W1, W2 = W0 - lr * gW0, W1 - lr * gW1, W2 - lr * gW2
            b0, b1, b2 = b0 - lr * gb0, b1 - lr * gb1, b2 - lr * gb2
            h1 = np.tanh(X @ W0 + b0)
            h2 = np.tanh(h1 @ W1 + b1)
            z = h2 @ W2 + b2
            o = _sigmoid(z)
            losses.append(loss(z))
    return [W0, W1, W2], [b0, b1, b2], losses


def tanh_881_scenario(seed: int = 0, n_samples: int = 200) -> Scenario:
    """Two Gaussian features, label 1 where they share a sign (a noisy XOR), He-style weights."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 2))
    T = (X[:, 0] * X[:, 1] > 0).astype(np.float64)[:, None]
    layers = [2, 8, 8, 1]
    weights = [
        (rng.normal(size=(a, b)) / np.sqrt(a)).tolist()
        for a, b in zip(layers, layers[1:], strict=False)
    ]
    return Scenario.from_dict(
        {
            "layers": layers,
            "activations": ["tanh", "tanh", "sigmoid"],
            "weights": weights,
            "biases": [[0.0] * n for n in layers[1:]],
            "inputs": X.tolist(),
            "targets": T.tolist(),
            "loss": "bce",
            "learning_rate": 0.5,
        }
    )


Hand = Callable[[Scenario, int], tuple[list[F64], list[F64], list[float]]]


def compare(name: str, s: Scenario, iterations: int, hand: Hand, repeat: int) -> dict[str, Any]:
    """Time ``engine.train`` and the hand loop; check they agree bit for bit first."""
    result = train(s, iterations)
    W, b, losses = hand(s, iterations)
    if result.iterations_run != iterations or result.stopped_because != "iterations":
        raise SystemExit(f"{name}: the engine stopped early ({result.stopped_because})")

    # bit for bit where the engine runs NumPy's loop; on Python floats (engine/kernel.py) each
    # step rounds its own way (math.tanh, no fused multiply-add), so within 1e-12
    def agree(x: F64, y: F64) -> bool:
        return bool(np.array_equal(x, y) or (scalar and np.allclose(x, y, rtol=1e-12, atol=0)))

    scalar = kernel.worth_it(s, iterations)
    same = all(agree(x, y) for x, y in zip(result.scenario.weights, W, strict=True))
    same &= all(agree(x, y) for x, y in zip(result.scenario.biases, b, strict=True))
    same &= agree(result.losses, np.array(losses))
    if not same:
        raise SystemExit(f"{name}: the hand-written loop does not reproduce the engine's numbers")
    t: dict[str, Timing] = interleaved(
        {"engine": lambda: train(s, iterations), "hand": lambda: hand(s, iterations)},
        repeat=repeat,
    )
    eng, ref = t["engine"], t["hand"]
    ratio = eng.best / ref.best
    return {
        "bench": f"engine.train: {name} ({'scalar kernel' if scalar else 'NumPy loop'})",
        "iterations": iterations,
        "samples": s.n_samples,
        "engine_us_per_iteration": eng.best / iterations * 1e6,
        "hand_us_per_iteration": ref.best / iterations * 1e6,
        "engine_median_us": eng.median / iterations * 1e6,
        "hand_median_us": ref.median / iterations * 1e6,
        "ratio": ratio,
        "ratio_median": eng.median / ref.median,
        "target": TARGET,
        "ok": ratio <= TARGET,
        "repeat": repeat,
        "path": "scalar kernel" if scalar else "NumPy loop",
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each (default 7)")
    args = parser.parse_args(argv)
    results = [
        compare(
            "sigmoid-2-2-2 preset",
            get_preset("sigmoid-2-2-2").load(),
            10_000,
            hand_sigmoid_222,
            args.repeat,
        ),
        compare(
            "2-8-8-1 tanh/tanh/sigmoid, bce, 200 samples",
            tanh_881_scenario(),
            1_000,
            hand_tanh_881,
            args.repeat,
        ),
    ]
    m = machine()
    print(f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']}")
    print(f"Best of {args.repeat} interleaved runs (median in brackets); µs per iteration.\n")
    rows = [
        (
            r["bench"],
            r["iterations"],
            f"{r['engine_us_per_iteration']:.1f} ({r['engine_median_us']:.1f})",
            f"{r['hand_us_per_iteration']:.1f} ({r['hand_median_us']:.1f})",
            f"{r['ratio']:.2f}× ({r['ratio_median']:.2f}×)",
            "ok" if r["ok"] else f"over {TARGET}×",
        )
        for r in results
    ]
    print(table(rows, ("case", "iterations", "engine", "hand-written", "ratio", "target")))
    for r in results:
        r["machine"] = m
    return results


if __name__ == "__main__":
    main()
