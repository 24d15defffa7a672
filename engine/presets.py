"""The documents' examples (``shared/seeds/``), with the figures each document prints.

Each ``Figure`` says where a printed number appears: the trace quantity it is (neuron
granularity names), after how many completed iterations, and under which update order it is
reproduced. When the printed number does not follow from the document's own setup, ``note``
says what the exact value is and what produces the printed one ({printed} and {exact} in it are
filled in by whoever displays it); ``reproduced`` is False when nothing produces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import EngineError
from .scenario import Scenario


@dataclass(frozen=True)
class Figure:
    quantity: str  # a trace step's quantity, or one of its factors
    printed: str  # exactly as the document prints it
    iteration: int = 0  # completed iterations before the trace that shows it
    update_order: str = "simultaneous"  # the rule that produces the printed number
    reproduced: bool = True  # False: no rule gives the printed number (a typo); see the note
    note: str = ""  # set whenever the document's stated setup does not give the printed number
    rounding: str = "round"  # "round" or "truncate": how the document shortened the number


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    document: str
    description: str
    granularity: str  # the granularity that reads like the document
    scenario: dict[str, Any]
    figures: tuple[Figure, ...] = ()

    def load(self) -> Scenario:
        return Scenario.from_dict(self.scenario)


SINGLE_NEURON = Preset(
    id="single-neuron",
    title="The last two neurons of a 1-1-1 chain",
    document="000_7861a26aab7bc6f9.txt",
    description=(
        "One weight, one bias, one sigmoid neuron fed by the activation of the neuron before it. "
        "Work out the weighted sum z(L), the activation a(L), the cost C = (a(L) − y)², and "
        "then how C responds to w(L), b(L) and a(L−1): the four exercises of document 000, and "
        "the next step."
    ),
    granularity="neuron",
    scenario={
        "title": "The last two neurons of a 1-1-1 chain",
        "layers": [1, 1],
        "activations": ["sigmoid"],
        "weights": [[[0.5]]],
        "biases": [[1.0]],
        "inputs": [[0.25]],
        "targets": [[1.0]],
        "loss": "sse",
        "learning_rate": 0.5,
        "update_biases": True,
        "update_order": "simultaneous",
        "labels": {
            "weights": [[["w(L)"]]],
            "biases": [["b(L)"]],
            "neurons": [["a(L−1)"], ["(L)"]],
            "net": "z",
            "out": "a",
            "cost": "C",
            "target": "y",
        },
    },
    figures=(Figure("z(L)", "1.125"),),
)

BATCH_XOR = Preset(
    id="batch-xor",
    title="XOR as one batch, trained until it stops",
    document="001_58eb365684b87a45.txt",
    description=(
        "The four XOR samples go forward together as the rows of one matrix, the way document 001 "
        "describes the forward pass. Each hidden delta is the output delta sent back through the "
        "weights and scaled by the activation's slope (the delta rule). The training panel "
        "repeats epochs until the loss E falls below 0.01 (its “stop when E <” field) or the "
        "iterations asked for run out."
    ),
    granularity="layer",
    scenario={
        "title": "XOR as one batch",
        "layers": [2, 2, 1],
        "activations": ["tanh", "sigmoid"],
        # drawn from np.random.default_rng(3).uniform(-1, 1), rounded to 2 decimals
        "weights": [[[-0.83, -0.53], [0.6, 0.16]], [[-0.81], [-0.13]]],
        "biases": [[0.0, 0.0], [0.0]],
        "inputs": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
        "targets": [[0.0], [1.0], [1.0], [0.0]],
        "loss": "half_sse",
        "learning_rate": 1.0,
        "update_biases": True,
        "update_order": "simultaneous",
        "labels": {
            "weights": [[["w1", "w3"], ["w2", "w4"]], [["w5"], ["w6"]]],
            "biases": [["b1", "b2"], ["b3"]],
            "neurons": [["x1", "x2"], ["h1", "h2"], ["o1"]],
        },
    },
)

_LIN_NOTE = (
    "The document prints {printed} for η·Δ·{src}; the exact product is {exact}. The updated "
    "weight it prints, rounded to two decimals, is right all the same."
)
_TRUNC_NOTE = (
    "The document prints {printed} for η·i·Δ·w: it cut the exact {exact} to three decimals "
    "instead of rounding it."
)

LINEAR_2_2_1 = Preset(
    id="linear-2-2-1",
    title="2-2-1 with a linear output, one update by hand",
    document="002_a361595f08dcb574.txt",
    description=(
        "Two inputs, two ReLU hidden neurons (every value stays positive, so ReLU passes them "
        "through), one linear output and no biases. Error ½(prediction − actual)², learning rate "
        "0.05: the prediction 0.2037 becomes about 0.29 after one update, as in document 002."
    ),
    granularity="layer",
    scenario={
        "title": "2-2-1, linear output, no biases",
        "layers": [2, 2, 1],
        "activations": ["relu", "linear"],
        "weights": [[[0.12, 0.15], [0.33, 0.09]], [[0.11], [0.12]]],
        "biases": [[0.0, 0.0], [0.0]],
        "inputs": [[2.0, 3.0]],
        "targets": [[1.0]],
        "loss": "half_sse",
        "learning_rate": 0.05,
        "update_biases": False,
        "update_order": "simultaneous",
        "labels": {
            "weights": [[["w1", "w3"], ["w2", "w4"]], [["w5"], ["w6"]]],
            "biases": [["b_h1", "b_h2"], ["b_o"]],
            "neurons": [["i1", "i2"], ["h1", "h2"], ["prediction"]],
            "target": "actual",  # the document's ½(prediction − actual)²
        },
    },
    figures=(
        Figure("net_h1", "1.23"),
        Figure("net_h2", "0.57"),
        Figure("out_prediction", "0.2037"),
        Figure("δ_prediction", "-0.7963"),
        Figure("w5⁺", "0.16"),
        Figure("w6⁺", "0.14"),
        Figure("w1⁺", "0.13"),
        Figure("w3⁺", "0.16"),
        Figure("w2⁺", "0.34"),
        Figure("w4⁺", "0.10"),
        Figure("η·∂E/∂w5", "-0.0478", reproduced=False, note=_LIN_NOTE.replace("{src}", "h1")),
        Figure("η·∂E/∂w6", "-0.0222", reproduced=False, note=_LIN_NOTE.replace("{src}", "h2")),
        Figure("η·∂E/∂w1", "-0.008", rounding="truncate", note=_TRUNC_NOTE),
        Figure("η·∂E/∂w3", "-0.009", rounding="truncate", note=_TRUNC_NOTE),
        Figure("η·∂E/∂w2", "-0.013"),
        Figure("η·∂E/∂w4", "-0.014"),
        Figure("net_h1", "1.29", iteration=1),
        Figure("net_h2", "0.63", iteration=1),
        Figure("out_prediction", "0.29", iteration=1),
    ),
)

_ORDER_NOTE = (
    "The document prints {printed}. That figure comes from updating w5…w8 first and sending the "
    "output deltas back through the new weights (update order “output first”). With every "
    "gradient taken from the weights before the step, as the document's own derivation does, the "
    "value is {exact}."
)
_E10K_NOTE = (
    "The document prints {printed}, which does not follow from its own outputs: "
    "½[(0.015912196 − 0.01)² + (0.984065734 − 0.99)²] = 0.0000350848, the exact error after "
    "10,000 output-first iterations. With the correct order it is 0.0000351019 (the printed figure "
    "matches that order's error after 9,999 iterations instead)."
)

SIGMOID_2_2_2 = Preset(
    id="sigmoid-2-2-2",
    title="2-2-2 sigmoid network, step by step",
    document="003_c29a9bb6172bd357.txt",
    description=(
        "The classic worked example: inputs 0.05 and 0.10, targets 0.01 and 0.99, logistic "
        "neurons with biases, error ½Σ(t − o)², learning rate 0.5. Follow every net input, every "
        "delta and every new weight of one iteration; then train 10,000 times."
    ),
    granularity="neuron",
    scenario={
        "title": "Step-by-step example: 2-2-2 sigmoid",
        "layers": [2, 2, 2],
        "activations": ["sigmoid", "sigmoid"],
        "weights": [[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]],
        "biases": [[0.35, 0.35], [0.60, 0.60]],
        "inputs": [[0.05, 0.10]],
        "targets": [[0.01, 0.99]],
        "loss": "half_sse",
        "learning_rate": 0.5,
        "update_biases": False,
        "update_order": "simultaneous",
        "labels": {
            "weights": [[["w1", "w3"], ["w2", "w4"]], [["w5", "w7"], ["w6", "w8"]]],
            "biases": [["b1", "b1"], ["b2", "b2"]],
            "neurons": [["i1", "i2"], ["h1", "h2"], ["o1", "o2"]],
        },
    },
    figures=(
        # the worked example's figures (shown in the document's images)
        Figure("net_h1", "0.3775"),
        Figure("out_h1", "0.593269992"),
        Figure("out_h2", "0.596884378"),
        Figure("net_o1", "1.105905967"),
        Figure("out_o1", "0.75136507"),
        Figure("out_o2", "0.772928465"),
        Figure("E_o1", "0.274811083"),
        Figure("E_o2", "0.023560026"),
        Figure("E", "0.298371109"),
        Figure("∂E/∂w5", "0.082167041"),
        Figure("w5⁺", "0.35891648"),
        Figure("w6⁺", "0.408666186"),
        Figure("w7⁺", "0.511301270"),
        Figure("w8⁺", "0.561370121"),
        Figure("∂E/∂w1", "0.000438568"),
        Figure("w1⁺", "0.149780716"),
        Figure("w2⁺", "0.19956143"),
        Figure("w3⁺", "0.24975114"),
        Figure("w4⁺", "0.29950229"),
        # the figures printed in the text
        Figure(
            "E",
            "0.291027924",
            iteration=1,
            update_order="output_first",
            note=_ORDER_NOTE,
        ),
        Figure(
            "out_o1",
            "0.015912196",
            iteration=10_000,
            update_order="output_first",
            note=_ORDER_NOTE,
        ),
        Figure(
            "out_o2",
            "0.984065734",
            iteration=10_000,
            update_order="output_first",
            note=_ORDER_NOTE,
        ),
        Figure(
            "E",
            "0.0000351085",
            iteration=10_000,
            update_order="output_first",
            reproduced=False,
            note=_E10K_NOTE,
        ),
    ),
)

PRESETS: dict[str, Preset] = {
    p.id: p for p in (SINGLE_NEURON, BATCH_XOR, LINEAR_2_2_1, SIGMOID_2_2_2)
}


def get_preset(preset_id: str) -> Preset:
    try:
        return PRESETS[preset_id]
    except KeyError:
        raise EngineError(
            f"unknown preset {preset_id!r}; expected one of {', '.join(PRESETS)}", ("preset",)
        ) from None
