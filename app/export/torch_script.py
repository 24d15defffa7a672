"""The PyTorch script: the same iteration as the NumPy script, in ``torch.nn`` with float64 and
autograd (``loss.backward()`` and ``torch.optim.SGD``; under the output-first order, autograd
layer by layer, since that order sends the deltas back through weights already updated).

    GET  /export/torch?s=…  (or ?preset=…)      the page's scenario, as a download
    POST /api/export/torch                       a scenario body (the REST API's)
"""

from __future__ import annotations

from fastapi import APIRouter

from engine import Scenario

from .script_common import REPORT, header, scenario_literal
from .source import script_routes

MODULES = {
    "sigmoid": "torch.nn.Sigmoid()",
    "tanh": "torch.nn.Tanh()",
    "relu": "torch.nn.ReLU()",
    "leaky_relu": "torch.nn.LeakyReLU(0.01)",
    "linear": "torch.nn.Identity()",
    "softmax": "torch.nn.Softmax(dim=1)",
}

# Per sample: (outputs O, targets T, output net inputs Z) -> (n_samples,)
LOSSES = {
    "half_sse": "0.5 * ((T - O) ** 2).sum(dim=1)  # 1/2 sum_k (t_k - o_k)^2",
    "sse": "((T - O) ** 2).sum(dim=1)  # sum_k (t_k - o_k)^2",
    "mse": "((T - O) ** 2).mean(dim=1)  # mean_k (t_k - o_k)^2",
    "bce": (
        'torch.nn.functional.binary_cross_entropy_with_logits(Z, T, reduction="none").sum(dim=1)'
    ),
    "cross_entropy": "-(T * torch.log_softmax(Z, dim=1)).sum(dim=1)  # -sum_k t_k log o_k",
}

# why a printed number may differ from the page's (and the NumPy script's) in its last digits
ROUNDING = """
Autograd multiplies the chain rule's factors in its own order, so a number may differ from the
explorer's in its last digit or two (float64 rounding); the NumPy script prints the explorer's
digits.
"""

BUILD = '''
X = torch.tensor(SCENARIO["inputs"], dtype=torch.float64)  # rows are samples
T = torch.tensor(SCENARIO["targets"], dtype=torch.float64)
ETA = SCENARIO["learning_rate"]


def build():
    """One torch.nn.Linear per layer pair; torch keeps a weight as (n_out, n_in), so W.T."""
    net = torch.nn.ModuleList()
    for w, b in zip(SCENARIO["weights"], SCENARIO["biases"]):
        w = torch.tensor(w, dtype=torch.float64)
        linear = torch.nn.Linear(w.shape[0], w.shape[1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(w.T)
            linear.bias.copy_(torch.tensor(b, dtype=torch.float64))
        net.append(linear)
    return net


def forward(net):
    """Net inputs Z[l] = A[l] W[l] + b[l] and activations A[l+1] = f(Z[l]); A[0] = X."""
    Z, A = [], [X]
    for linear, name in zip(net, SCENARIO["activations"]):
        Z.append(linear(A[-1]))
        A.append(ACTIVATION[name](Z[-1]))
    return Z, A


def loss_of(Z, A):
    """The batch's loss: the mean over samples of each sample's loss."""
    return loss_per_sample(A[-1], T, Z[-1]).mean()
'''

SIMULTANEOUS = '''
def backward_and_update(net, Z, A, loss):
    """autograd for every gradient, then one SGD step (the biases only if they are updated)."""
    for z in Z:
        z.retain_grad()  # dE/dZ: the deltas
    loss.backward()
    params = [linear.weight for linear in net]
    if SCENARIO["update_biases"]:
        params += [linear.bias for linear in net]
    grads = [(linear.weight.grad.T, linear.bias.grad) for linear in net]
    torch.optim.SGD(params, lr=ETA).step()
    return [z.grad for z in Z], grads
'''

OUTPUT_FIRST = '''
def backward_and_update(net, Z, A, loss):
    """Layer by layer from the output, autograd for each layer's gradients, each layer updated
    before its deltas go back through it: the "output_first" order (a classic mistake, which
    document 003's after-training figures follow)."""
    n = len(net)
    deltas, grads = [None] * n, [None] * n
    delta = torch.autograd.grad(loss, Z[-1], retain_graph=True)[0]
    for layer in reversed(range(n)):
        linear = net[layer]
        deltas[layer] = delta
        gW, gb = torch.autograd.grad(
            Z[layer], (linear.weight, linear.bias), grad_outputs=delta, retain_graph=True
        )
        grads[layer] = (gW.T, gb)
        with torch.no_grad():
            linear.weight -= ETA * gW
            if SCENARIO["update_biases"]:
                linear.bias -= ETA * gb
        if layer > 0:
            upstream = delta @ linear.weight.detach()  # dE/dA[layer], through the new weights
            delta = torch.autograd.grad(A[layer], Z[layer - 1], upstream, retain_graph=True)[0]
    return deltas, grads
'''

RUN = """

def run():
    net = build()
    Z, A = forward(net)
    loss = loss_of(Z, A)
    deltas, grads = backward_and_update(net, Z, A, loss)
    with torch.no_grad():
        loss_after = loss_of(*forward(net))
    return {
        "net_inputs": [z.tolist() for z in Z],
        "activations": [a.tolist() for a in A],
        "loss_before": loss.item(),
        "deltas": [d.tolist() for d in deltas],
        "gradients": {
            "weights": [gW.tolist() for gW, _ in grads],
            "biases": [gb.tolist() for _, gb in grads],
        },
        "scenario": dict(
            SCENARIO,
            weights=[linear.weight.T.tolist() for linear in net],
            biases=[linear.bias.tolist() for linear in net],
        ),
        "loss_after": loss_after.item(),
    }


if __name__ == "__main__":
    main(run)
"""


def torch_script(s: Scenario) -> str:
    """The script's text for ``s``."""
    used = sorted(set(s.activations), key=list(MODULES).index)
    modules = ",\n".join(f'    "{a}": {MODULES[a]}' for a in used)
    return (
        header(s, "PyTorch (torch.nn, float64, autograd)", "PyTorch", ROUNDING)
        + "import torch\n\n"
        + scenario_literal(s)
        + f"\nACTIVATION = {{\n{modules},\n}}\n\n\n"
        + f"def loss_per_sample(O, T, Z):\n    return {LOSSES[s.loss]}\n"
        + REPORT
        + BUILD
        + (OUTPUT_FIRST if s.update_order == "output_first" else SIMULTANEOUS)
        + RUN
    )


router = APIRouter()
script_routes(router, "torch", torch_script, "One iteration as a PyTorch script")
