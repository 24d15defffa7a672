"""The engine against PyTorch (CPU) on the same networks, per training step, in one run.

    python -m bench.torch_compare      (needs the optional extra: pip install -e '.[torch]')

Each framework runs the same scenario for the same number of plain gradient-descent steps
(forward, loss, backward, update). PyTorch uses float64, autograd and an in-place update under
``no_grad``, one thread (the networks are tiny; threads only add overhead), as a fair, idiomatic
loop. Targets: the engine ≥ 10× faster per step on the documents' networks, ≥ 3× on the 2-8-8-1
batch of 200 samples.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.common import interleaved, machine, table
from engine import Scenario, get_preset, train

CASES: list[tuple[str, str, int, float]] = [
    # name, preset or "tanh-2-8-8-1", iterations, target ratio (torch time / engine time)
    ("single-neuron (000)", "single-neuron", 2000, 10.0),
    ("linear-2-2-1 (002)", "linear-2-2-1", 2000, 10.0),
    ("sigmoid-2-2-2 (003)", "sigmoid-2-2-2", 2000, 10.0),
    ("batch-xor (001)", "batch-xor", 2000, 10.0),
    ("2-8-8-1 tanh, 200 samples", "tanh-2-8-8-1", 500, 3.0),
]


def torch_loop(s: Scenario, iterations: int) -> Callable[[], list[Any]]:
    import torch

    acts = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "linear": lambda z: z,
        "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
        "softmax": lambda z: torch.softmax(z, dim=1),
    }
    X = torch.tensor(s.inputs, dtype=torch.float64)
    T = torch.tensor(s.targets, dtype=torch.float64)
    fns = [acts[a] for a in s.activations]
    lr = s.learning_rate

    def loss_of(z: Any, o: Any) -> Any:
        if s.loss == "half_sse":
            return (0.5 * ((T - o) ** 2).sum(dim=1)).mean()
        if s.loss == "sse":
            return ((T - o) ** 2).sum(dim=1).mean()
        if s.loss == "mse":
            return ((T - o) ** 2).mean(dim=1).mean()
        if s.loss == "bce":
            return (
                torch.nn.functional.binary_cross_entropy_with_logits(z, T, reduction="sum")
                / T.shape[0]
            )
        return -(T * torch.log_softmax(z, dim=1)).sum(dim=1).mean()

    def run() -> list[Any]:
        W = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in s.weights]
        b = [torch.tensor(v, dtype=torch.float64, requires_grad=s.update_biases) for v in s.biases]
        for _ in range(iterations):
            a = X
            z = X
            for Wl, bl, f in zip(W, b, fns, strict=True):
                z = a @ Wl + bl
                a = f(z)
            loss = loss_of(z, a)
            loss.backward()
            with torch.no_grad():
                for p in (*W, *(b if s.update_biases else ())):
                    p -= lr * p.grad
                    p.grad = None
        return W

    return run


def tanh_cost(s: Scenario, repeat: int) -> dict[str, Any]:
    """Why the 2-8-8-1 batch is the hard case (its margin over 3× is thin): the time of one
    hidden layer's tanh (200 × 8 float64) in NumPy and in PyTorch. NumPy's float64 tanh is not
    vectorised on CPUs without AVX-512; PyTorch's is (SLEEF). A step takes two, ~40 % of it."""
    import torch

    z = np.random.default_rng(0).normal(size=(s.n_samples, s.layers[1]))
    zt = torch.tensor(z)
    n = 2000
    t = interleaved(
        {
            "numpy": lambda: [np.tanh(z) for _ in range(n)],
            "torch": lambda: [torch.tanh(zt) for _ in range(n)],
        },
        repeat=repeat,
    )
    return {
        "bench": f"why: tanh of one layer ({z.shape[0]} × {z.shape[1]} float64), two per step",
        "numpy_tanh_us": t["numpy"].best / n * 1e6,
        "torch_tanh_us": t["torch"].best / n * 1e6,
        "ok": None,
    }


def main(repeat: int = 5) -> list[dict[str, Any]]:
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install -e '.[torch]'): skipping the comparison")
        return []
    from bench.engine import tanh_881_scenario

    torch.set_num_threads(1)
    results = []
    for name, pid, iterations, target in CASES:
        s = tanh_881_scenario() if pid == "tanh-2-8-8-1" else get_preset(pid).load()
        run_torch = torch_loop(s, iterations)
        W = run_torch()
        ours = train(s, iterations).scenario.weights
        agree = max(
            float(np.abs(w.detach().numpy() - o).max()) for w, o in zip(W, ours, strict=True)
        )
        t = interleaved(
            {"engine": lambda s=s, n=iterations: train(s, n), "torch": run_torch}, repeat=repeat
        )
        ratio = t["torch"].best / t["engine"].best
        results.append(
            {
                "bench": f"engine vs PyTorch: {name}",
                "engine_us_per_step": t["engine"].best / iterations * 1e6,
                "torch_us_per_step": t["torch"].best / iterations * 1e6,
                "ratio": ratio,
                "target": target,
                "ok": ratio >= target,
                "max_weight_difference": agree,
                "torch": torch.__version__,
                "machine": machine(),
            }
        )
    rows = [
        [
            r["bench"].split(": ", 1)[1],
            f"{r['engine_us_per_step']:.1f}",
            f"{r['torch_us_per_step']:.1f}",
            f"{r['ratio']:.1f}×",
            f"≥ {r['target']:g}×",
            "yes" if r["ok"] else "NO",
            f"{r['max_weight_difference']:.1e}",
        ]
        for r in results
    ]
    print(
        table(
            rows,
            ["network", "engine µs/step", "torch µs/step", "speed-up", "target", "met", "max |ΔW|"],
        )
    )
    why = tanh_cost(tanh_881_scenario(), repeat)
    print(
        f"\n{why['bench'][5:]}: NumPy {why['numpy_tanh_us']:.1f} µs, "
        f"PyTorch {why['torch_tanh_us']:.1f} µs"
    )
    return [*results, why]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
