"""The NumPy script: a self-contained Python file that computes one iteration of a scenario the
way the engine does (``engine/propagation.py``), with only the rules the scenario uses.

    GET  /export/numpy?s=…  (or ?preset=…)      the page's scenario, as a download
    POST /api/export/numpy                       a scenario body (the REST API's)
"""

from __future__ import annotations

from fastapi import APIRouter

from engine import Scenario

from .script_common import REPORT, header, scenario_literal
from .source import script_routes

ACTIVATIONS = {
    "sigmoid": """
def sigmoid(z):
    with np.errstate(over="ignore"):  # e^(-z) overflows to inf for z < -709: 1/(1+inf) is 0
        return 1.0 / (1.0 + np.exp(-z))


def sigmoid_slope(z, a):
    return a * (1.0 - a)
""",
    "tanh": """
def tanh(z):
    return np.tanh(z)


def tanh_slope(z, a):
    return 1.0 - a * a
""",
    "relu": """
def relu(z):
    return np.maximum(z, 0.0)


def relu_slope(z, a):
    return (z > 0.0).astype(np.float64)  # 0 at z = 0, as most libraries take it
""",
    "leaky_relu": """
def leaky_relu(z):
    return np.where(z > 0.0, z, 0.01 * z)


def leaky_relu_slope(z, a):
    return np.where(z > 0.0, 1.0, 0.01)
""",
    "linear": """
def linear(z):
    return z.copy()


def linear_slope(z, a):
    return np.ones_like(z)
""",
    "softmax": '''
def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shifted: exp never overflows
    return e / e.sum(axis=1, keepdims=True)


def softmax_back(z, a, upstream):
    """dE/dz from dE/da through softmax's Jacobian: a_k (g_k - sum_j g_j a_j)."""
    return a * (upstream - (upstream * a).sum(axis=1, keepdims=True))
''',
}

# Per sample: (outputs O, targets T, output net inputs Z) -> (n_samples,), and either dE/dO
# ("slope") or, where it simplifies with the output activation, dE/dZ ("delta").
LOSSES = {
    "half_sse": """
def loss_per_sample(O, T, Z):
    return 0.5 * ((T - O) ** 2).sum(axis=1)  # 1/2 sum_k (t_k - o_k)^2


def loss_slope(O, T):
    return O - T
""",
    "sse": """
def loss_per_sample(O, T, Z):
    return ((T - O) ** 2).sum(axis=1)  # sum_k (t_k - o_k)^2


def loss_slope(O, T):
    return 2.0 * (O - T)
""",
    "mse": """
def loss_per_sample(O, T, Z):
    return ((T - O) ** 2).mean(axis=1)  # mean_k (t_k - o_k)^2


def loss_slope(O, T):
    return 2.0 * (O - T) / O.shape[1]
""",
    "bce": """
def loss_per_sample(O, T, Z):
    # -sum_k [t log o + (1 - t) log(1 - o)], from the net inputs: log sigmoid(z) = -softplus(-z)
    return (T * np.logaddexp(0.0, -Z) + (1.0 - T) * np.logaddexp(0.0, Z)).sum(axis=1)


def loss_delta(O, T):
    return O - T  # dE/dz through the sigmoid output: o(1 - o) cancels
""",
    "cross_entropy": """
def loss_per_sample(O, T, Z):
    # -sum_k t_k log o_k, with log softmax(z) computed from z
    m = Z.max(axis=1, keepdims=True)
    log_o = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -(T * log_o).sum(axis=1)


def loss_delta(O, T):
    return O * T.sum(axis=1, keepdims=True) - T  # dE/dz through the softmax output
""",
}

COMPUTE = '''
W = [np.array(w, dtype=np.float64) for w in SCENARIO["weights"]]  # W[l]: (n_l, n_l+1)
B = [np.array(b, dtype=np.float64) for b in SCENARIO["biases"]]
X = np.array(SCENARIO["inputs"], dtype=np.float64)  # rows are samples
T = np.array(SCENARIO["targets"], dtype=np.float64)
ETA = SCENARIO["learning_rate"]
RULES = [(ACTIVATION[name], SLOPE.get(name)) for name in SCENARIO["activations"]]


def forward(W, B):
    """Net inputs Z[l] = A[l] @ W[l] + b[l] and activations A[l+1] = f(Z[l]); A[0] = X."""
    Z, A = [], [X]
    for w, b, (f, _) in zip(W, B, RULES):
        Z.append(A[-1] @ w + b)
        A.append(f(Z[-1]))
    return Z, A


def loss_of(Z, A):
    """The batch's loss: the mean over samples of each sample's loss."""
    return float(loss_per_sample(A[-1], T, Z[-1]).sum()) / len(X)


def output_delta(Z, A):
    """dE/dZ at the output layer (the 1/n of the batch mean included)."""
    O, scale = A[-1], 1.0 / len(X)
    if "loss_delta" in globals():
        return loss_delta(O, T) * scale
    upstream = loss_slope(O, T) * scale
    name = SCENARIO["activations"][-1]
    if name == "softmax":
        return softmax_back(Z[-1], O, upstream)
    return upstream * SLOPE[name](Z[-1], O)


def backward(Z, A):
    """Deltas and gradients, output layer first. Under "output_first" each layer's weights are
    updated before its deltas go back through them (the classic mistake document 003 made)."""
    n = len(W)
    deltas, gW, gB = [None] * n, [None] * n, [None] * n
    delta = output_delta(Z, A)
    for layer in reversed(range(n)):
        deltas[layer] = delta
        gW[layer] = A[layer].T @ delta
        gB[layer] = delta.sum(axis=0)
        if layer == 0:
            break
        through = W[layer]
        if SCENARIO["update_order"] == "output_first":
            through = W[layer] - ETA * gW[layer]
        upstream = delta @ through.T  # dE/dA[layer]
        delta = upstream * RULES[layer - 1][1](Z[layer - 1], A[layer])
    return deltas, gW, gB


def run():
    Z, A = forward(W, B)
    deltas, gW, gB = backward(Z, A)
    new_W = [w - ETA * g for w, g in zip(W, gW)]
    new_B = [b - ETA * g for b, g in zip(B, gB)] if SCENARIO["update_biases"] else B
    Z2, A2 = forward(new_W, new_B)
    return {
        "net_inputs": [z.tolist() for z in Z],
        "activations": [a.tolist() for a in A],
        "loss_before": loss_of(Z, A),
        "deltas": [d.tolist() for d in deltas],
        "gradients": {"weights": [g.tolist() for g in gW], "biases": [g.tolist() for g in gB]},
        "scenario": dict(SCENARIO, weights=[w.tolist() for w in new_W],
                         biases=[b.tolist() for b in new_B]),
        "loss_after": loss_of(Z2, A2),
    }


if __name__ == "__main__":
    main(run)
'''


def numpy_script(s: Scenario) -> str:
    """The script's text for ``s``."""
    used = sorted(set(s.activations), key=list(ACTIVATIONS).index)
    elementwise = [a for a in used if a != "softmax"]
    tables = (
        "\nACTIVATION = {" + ", ".join(f'"{a}": {a}' for a in used) + "}\n"
        "SLOPE = {" + ", ".join(f'"{a}": {a}_slope' for a in elementwise) + "}\n"
    )
    return (
        header(s, "NumPy (float64)", "NumPy")
        + "import numpy as np\n\n"
        + scenario_literal(s)
        + "".join("\n" + ACTIVATIONS[a] for a in used)
        + "\n"
        + LOSSES[s.loss]
        + tables
        + REPORT
        + COMPUTE
    )


router = APIRouter()
script_routes(router, "numpy", numpy_script, "One iteration as a NumPy script")
