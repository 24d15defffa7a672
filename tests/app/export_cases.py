"""Scenarios the export tests run: every preset, 30 random networks over every activation and
loss (seeded), and hostile titles and labels."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import numpy as np

from engine import PRESETS, Labels

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
# (output activation, loss): every loss, each with an output it is defined for
OUTPUTS = (
    ("sigmoid", "half_sse"),
    ("tanh", "sse"),
    ("linear", "mse"),
    ("relu", "half_sse"),
    ("leaky_relu", "sse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("softmax", "half_sse"),
    ("sigmoid", "mse"),
)
# Titles and labels that would break out of a Python string, a CSV cell, HTML or LaTeX
HOSTILE_TITLE = (
    'It\'s "quoted" <b>&amp;</b> \\n \\ back\u2028slash\nnew line \'\'\' """ '
    "# $ % & _ { } ~ ^ \\textbf{x} \\\\ \\end{document} σ ∂E/∂w \u0000"
)
HOSTILE_LABELS = ("=1+2", "+cmd", "-2", "@SUM(A1)", "a'b\"c", "x\\y", "$_{}", "<i>\n", "'''", '"""')


def random_scenario(rng: np.random.Generator, k: int) -> dict[str, Any]:
    out_act, loss = OUTPUTS[k % len(OUTPUTS)]
    n_layers = int(rng.integers(2, 5))
    layers = [int(rng.integers(1, 5)) for _ in range(n_layers)]
    if out_act == "softmax":
        layers[-1] = max(2, layers[-1])
    hidden = [HIDDEN[(k + i) % len(HIDDEN)] for i in range(n_layers - 2)]
    n = int(rng.integers(1, 5))
    if loss == "cross_entropy":
        targets = rng.dirichlet(np.ones(layers[-1]), size=n)
    elif loss == "bce" or out_act in ("sigmoid", "softmax"):
        targets = rng.uniform(0.0, 1.0, (n, layers[-1]))
    else:
        targets = rng.normal(0.0, 1.0, (n, layers[-1]))
    return {
        "title": f"random {k}",
        "layers": layers,
        "activations": [*hidden, out_act],
        "weights": [
            rng.normal(0, 1, (a, b)).tolist() for a, b in zip(layers, layers[1:], strict=False)
        ],
        "biases": [rng.normal(0, 0.5, b).tolist() for b in layers[1:]],
        "inputs": rng.normal(0, 1, (n, layers[0])).tolist(),
        "targets": targets.tolist(),
        "loss": loss,
        "learning_rate": float(rng.choice([0.05, 0.5, 1.3])),
        "update_biases": bool(k % 3),
        "update_order": "output_first" if k % 4 == 1 else "simultaneous",
    }


def hostile(doc: dict[str, Any]) -> dict[str, Any]:
    """The scenario with the hostile title and every label hostile."""
    labels = Labels.default(doc["layers"]).to_dict()
    names = iter(HOSTILE_LABELS * 100)
    labels["neurons"] = [[next(names) for _ in row] for row in labels["neurons"]]
    labels["weights"] = [[[next(names) for _ in r] for r in m] for m in labels["weights"]]
    labels["biases"] = [[next(names) for _ in row] for row in labels["biases"]]
    labels["net"], labels["out"] = "n'\"\\", "<o>"
    return {**doc, "title": HOSTILE_TITLE, "labels": labels}


def cases() -> list[tuple[str, dict[str, Any]]]:
    """(id, scenario document): every preset, 30 random scenarios (two of them hostile)."""
    rng = np.random.default_rng(16)
    out = [(pid, p.load().to_dict()) for pid, p in PRESETS.items()]
    for k in range(30):
        doc = random_scenario(rng, k)
        out.append((f"random-{k}", hostile(doc) if k in (7, 22) else doc))
    return out


# Runs each script given as __main__ in this one process, stdout captured per script: with
# --json, or as it is (a path given as ``path::plain``) for its printed text. Prints one JSON
# object, each argument's output by the argument. One interpreter for many scripts: importing
# NumPy (or torch) once, not once a script; each script's globals are its own (runpy).
RUNNER = """
import contextlib, io, json, runpy, sys
out = {}
for arg in sys.argv[1:]:
    path, _, mode = arg.partition("::")
    sys.argv = [path] if mode == "plain" else [path, "--json"]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(path, run_name="__main__")
    printed = buffer.getvalue()
    out[arg] = printed if mode == "plain" else json.loads(printed)
print(json.dumps(out))
"""


def run_all(args: dict[str, str], timeout: float) -> dict[str, Any]:
    """Every script of ``args`` (name -> RUNNER argument) run by RUNNER in one process: each
    one's output by its name."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args.values()],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    by_arg = json.loads(done.stdout)
    return {name: by_arg[arg] for name, arg in args.items()}


def assert_close(got: Any, want: Any, rel: float, where: str = "") -> None:
    """Numbers within rel × max(1, |want|); everything else equal."""
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        assert math.isfinite(got), where
        assert abs(got - want) <= rel * max(1.0, abs(want)), f"{where}: {got!r} vs {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{where}: keys differ"
        for key in want:
            assert_close(got[key], want[key], rel, f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: lengths differ"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_close(g, w, rel, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} vs {want!r}"
